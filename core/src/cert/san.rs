//! Reading the basic facts out of a signing certificate's subjectAltName.
//!
//! Each fact is an `otherName`:
//! `[0] IMPLICIT SEQUENCE { type-id OID, [0] EXPLICIT UTF8String }` with
//! type-id `1.2.392.200149.8.5.5.{1..6}` (`jpki-facts.md` §5.1). x509-parser
//! splits the GeneralNames and hands us the bytes after the OID; we decode the
//! `[0] EXPLICIT UTF8String` ourselves, strictly: one TLV, nothing after it,
//! valid UTF-8. Lengths may be long-form (addresses exceed 127 bytes).
//!
//! A fact that appears twice is an error: we would not know which one J-LIS
//! meant, and the facts decide who a patron is.

use x509_parser::extensions::{GeneralName, SubjectAlternativeName};
use x509_parser::oid_registry::OID_X509_EXT_SUBJECT_ALT_NAME;
use x509_parser::prelude::FromDer;

use super::der::read_tlv;
use super::profile::JPKI_ARC;
use super::{BasicInfo, BasicInfoField, BirthDate, CertError, Gender, SubstituteFlags};

/// `[0]` constructed, context-specific: the EXPLICIT wrapper of the value.
const TAG_EXPLICIT_0: u8 = 0xA0;
const TAG_UTF8_STRING: u8 = 0x0C;
/// The `…8.5.5` arc under [`JPKI_ARC`] where the facts live.
const BASIC_INFO_ARC: u8 = 0x05;

impl BasicInfo {
    /// Decodes the facts from the DER value of a subjectAltName extension
    /// (the contents of its `extnValue` OCTET STRING: `GeneralNames`).
    ///
    /// [`super::JpkiCertificate::from_der`] does this for signing
    /// certificates; this entry point exists for callers that hold the
    /// extension alone, and for tests.
    pub fn from_subject_alt_name(der: &[u8]) -> Result<BasicInfo, CertError> {
        match SubjectAlternativeName::from_der(der) {
            Ok(([], san)) => from_general_names(&san.general_names),
            _ => Err(bad_san()),
        }
    }
}

fn bad_san() -> CertError {
    CertError::BadExtension {
        oid: OID_X509_EXT_SUBJECT_ALT_NAME.to_id_string(),
    }
}

/// Collects the six otherName values and validates them into [`BasicInfo`].
pub(crate) fn from_general_names(names: &[GeneralName<'_>]) -> Result<BasicInfo, CertError> {
    let mut values: [Option<&str>; 6] = [None; 6];
    for name in names {
        match name {
            GeneralName::OtherName(oid, raw) => {
                let Some(field) = field_of(oid.as_bytes()) else {
                    continue;
                };
                let slot = &mut values[usize::from(field.last_arc() - 1)];
                if slot.is_some() {
                    return Err(CertError::DuplicateBasicInfo { field });
                }
                *slot = Some(
                    decode_other_name_value(raw)
                        .ok_or(CertError::BadBasicInfoEncoding { field })?,
                );
            }
            // An otherName whose type-id did not even parse might have been
            // one of ours: refuse rather than report a fact as missing.
            GeneralName::Invalid(tag, _) if tag.0 == 0 => return Err(bad_san()),
            _ => {}
        }
    }
    let get = |field: BasicInfoField| values[usize::from(field.last_arc() - 1)];
    let required = |field: BasicInfoField| -> Result<&str, CertError> {
        let value = get(field).ok_or(CertError::MissingBasicInfo { field })?;
        if value.is_empty() {
            return Err(CertError::EmptyBasicInfo { field });
        }
        Ok(value)
    };
    let flags = |field: BasicInfoField| match get(field) {
        Some(value) => SubstituteFlags::parse(value, field),
        None => Ok(SubstituteFlags::default()),
    };
    Ok(BasicInfo {
        name: required(BasicInfoField::Name)?.to_owned(),
        name_substitutes: flags(BasicInfoField::NameSubstitutes)?,
        gender: Gender::parse(required(BasicInfoField::Gender)?)?,
        birth_date: BirthDate::parse(required(BasicInfoField::BirthDate)?)?,
        address: required(BasicInfoField::Address)?.to_owned(),
        address_substitutes: flags(BasicInfoField::AddressSubstitutes)?,
    })
}

/// The field an encoded otherName type-id stands for, if it is one of ours.
fn field_of(encoded_oid: &[u8]) -> Option<BasicInfoField> {
    let tail = encoded_oid.strip_prefix(&JPKI_ARC[..])?;
    let [BASIC_INFO_ARC, arc] = tail else {
        return None;
    };
    BasicInfoField::ALL
        .into_iter()
        .find(|f| f.last_arc() == *arc)
}

/// Decodes `[0] EXPLICIT UTF8String` (the bytes after an otherName's type-id).
/// `None` unless it is exactly that, with valid UTF-8 and nothing after it.
pub(crate) fn decode_other_name_value(raw: &[u8]) -> Option<&str> {
    let explicit = read_tlv(raw)?;
    if explicit.tag != TAG_EXPLICIT_0 || !explicit.rest.is_empty() {
        return None;
    }
    let string = read_tlv(explicit.value)?;
    if string.tag != TAG_UTF8_STRING || !string.rest.is_empty() {
        return None;
    }
    std::str::from_utf8(string.value).ok()
}

/// Hand-built DER for tests of the SAN decoding (here and in `certificate.rs`).
#[cfg(test)]
pub(crate) mod test_der {
    use super::*;

    /// DER TLV with a definite length in the shortest form.
    pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = value.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(value);
        out
    }

    /// The encoded OID `1.2.392.200149.8.5.5.<arc>`.
    pub fn fact_oid(arc: u8) -> Vec<u8> {
        let mut oid = JPKI_ARC.to_vec();
        oid.extend([BASIC_INFO_ARC, arc]);
        oid
    }

    /// One otherName GeneralName: `[0] { OID, [0] EXPLICIT UTF8String }`.
    pub fn other_name(oid: &[u8], value: &str) -> Vec<u8> {
        let mut body = tlv(0x06, oid);
        body.extend(tlv(TAG_EXPLICIT_0, &tlv(TAG_UTF8_STRING, value.as_bytes())));
        tlv(TAG_EXPLICIT_0, &body)
    }

    /// `GeneralNames` from already-encoded entries.
    pub fn general_names(entries: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x30, &entries.concat())
    }

    /// A complete JPKI SAN with the six facts, in a real card's order.
    pub fn jpki_san(name: &str, birth: &str, gender: &str, address: &str) -> Vec<u8> {
        let flags = |s: &str| "0".repeat(s.chars().count());
        general_names(&[
            other_name(&fact_oid(1), name),
            other_name(&fact_oid(4), birth),
            other_name(&fact_oid(3), gender),
            other_name(&fact_oid(5), address),
            other_name(&fact_oid(2), &flags(name)),
            other_name(&fact_oid(6), &flags(address)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::test_der::*;
    use super::*;
    use crate::cert::Era;
    use proptest::prelude::*;

    const NAME: &str = "田中\u{3000}花子";
    const ADDRESS: &str = "東京都千代田区霞が関二丁目１番２号";

    #[test]
    fn decodes_all_six_facts() {
        let info = BasicInfo::from_subject_alt_name(&jpki_san(NAME, "419900102", "2", ADDRESS))
            .expect("valid SAN");
        assert_eq!(info.name, NAME);
        assert_eq!((info.surname(), info.given_name()), ("田中", "花子"));
        assert_eq!(info.address, ADDRESS);
        assert_eq!(info.gender, Gender::Female);
        assert_eq!(info.birth_date.era, Era::Heisei);
        assert_eq!(info.birth_date.to_string(), "1990-01-02");
        assert_eq!(info.name_substitutes.as_str(), "00000");
        assert!(info.name_substitutes_match() && info.address_substitutes_match());
    }

    #[test]
    fn long_address_uses_long_form_lengths() {
        // 100 kanji = 300 UTF-8 bytes: two-octet lengths at every level.
        let address: String = "東".repeat(100);
        let der = jpki_san(NAME, "319651231", "1", &address);
        let info = BasicInfo::from_subject_alt_name(&der).expect("valid SAN");
        assert_eq!(info.address, address);
        assert_eq!(info.address_substitutes.len(), 100);
        assert_eq!(info.birth_date.raw(), "319651231");
        assert_eq!(info.gender, Gender::Male);
        // 200 characters, the documented maximum: 600 bytes.
        let longest: String = "県".repeat(200);
        let info = BasicInfo::from_subject_alt_name(&jpki_san(NAME, "019000101", "3", &longest))
            .expect("valid SAN");
        assert_eq!(info.address.chars().count(), 200);
        assert_eq!(info.gender, Gender::Unknown);
    }

    #[test]
    fn other_general_names_and_unknown_other_names_are_ignored() {
        let dir_name = tlv(0xA4, &tlv(0x30, &[]));
        let foreign = other_name(&[0x2A, 0x03, 0x04], "ignored");
        let mut entries = vec![dir_name, foreign];
        entries.push(other_name(&fact_oid(1), NAME));
        entries.push(other_name(&fact_oid(3), "1"));
        entries.push(other_name(&fact_oid(4), "520190501"));
        entries.push(other_name(&fact_oid(5), ADDRESS));
        entries.push(other_name(&fact_oid(7), "not ours"));
        let info = BasicInfo::from_subject_alt_name(&general_names(&entries)).expect("valid");
        // No flags entries: empty flags, reported as not matching.
        assert!(info.name_substitutes.is_empty());
        assert!(!info.name_substitutes_match());
        assert_eq!(info.birth_date.era, Era::Reiwa);
    }

    fn without(arc: u8) -> Vec<u8> {
        let entries: Vec<Vec<u8>> = [
            (1, NAME),
            (2, "00000"),
            (3, "1"),
            (4, "419900102"),
            (5, ADDRESS),
        ]
        .into_iter()
        .filter(|(a, _)| *a != arc)
        .map(|(a, v)| other_name(&fact_oid(a), v))
        .collect();
        general_names(&entries)
    }

    #[test]
    fn each_missing_fact_is_a_typed_error() {
        for (arc, field) in [
            (1, BasicInfoField::Name),
            (3, BasicInfoField::Gender),
            (4, BasicInfoField::BirthDate),
            (5, BasicInfoField::Address),
        ] {
            assert_eq!(
                BasicInfo::from_subject_alt_name(&without(arc)),
                Err(CertError::MissingBasicInfo { field })
            );
        }
        assert!(BasicInfo::from_subject_alt_name(&without(2)).is_ok());
        let empty = general_names(&[]);
        assert_eq!(
            BasicInfo::from_subject_alt_name(&empty).map_err(|e| e.code()),
            Err("missing_basic_info")
        );
    }

    #[test]
    fn bad_values_are_typed_errors() {
        let code = |der: Vec<u8>| BasicInfo::from_subject_alt_name(&der).map_err(|e| e.code());
        assert_eq!(
            code(jpki_san(NAME, "419900230", "2", ADDRESS)),
            Err("bad_birth_date")
        );
        assert_eq!(
            code(jpki_san(NAME, "719900102", "2", ADDRESS)),
            Err("bad_birth_date")
        );
        assert_eq!(
            code(jpki_san(NAME, "419900102", "9", ADDRESS)),
            Err("bad_gender")
        );
        assert_eq!(
            code(jpki_san("", "419900102", "1", ADDRESS)),
            Err("empty_basic_info")
        );
        assert_eq!(
            code(jpki_san(NAME, "419900102", "1", "")),
            Err("empty_basic_info")
        );
        let mut entries = vec![
            other_name(&fact_oid(1), NAME),
            other_name(&fact_oid(3), "1"),
            other_name(&fact_oid(4), "419900102"),
            other_name(&fact_oid(5), ADDRESS),
        ];
        entries.push(other_name(&fact_oid(6), "00x0"));
        assert_eq!(code(general_names(&entries)), Err("bad_substitute_flags"));
        entries.pop();
        entries.push(other_name(&fact_oid(4), "419900102"));
        assert_eq!(
            BasicInfo::from_subject_alt_name(&general_names(&entries)),
            Err(CertError::DuplicateBasicInfo {
                field: BasicInfoField::BirthDate
            })
        );
    }

    #[test]
    fn value_encoding_is_strict() {
        let utf8 = |s: &[u8]| tlv(TAG_UTF8_STRING, s);
        assert_eq!(decode_other_name_value(&tlv(0xA0, &utf8(b"1"))), Some("1"));
        // PrintableString, IMPLICIT tagging, trailing bytes, bad UTF-8.
        assert_eq!(decode_other_name_value(&tlv(0xA0, &tlv(0x13, b"1"))), None);
        assert_eq!(decode_other_name_value(&tlv(0x80, b"1")), None);
        let mut trailing = tlv(0xA0, &utf8(b"1"));
        trailing.push(0);
        assert_eq!(decode_other_name_value(&trailing), None);
        let mut inner_trailing = utf8(b"1");
        inner_trailing.push(0);
        assert_eq!(decode_other_name_value(&tlv(0xA0, &inner_trailing)), None);
        assert_eq!(
            decode_other_name_value(&tlv(0xA0, &utf8(&[0xE6, 0x9D]))),
            None
        );
        // Non-minimal length.
        assert_eq!(
            decode_other_name_value(&[0xA0, 0x81, 0x03, 0x0C, 0x01, b'1']),
            None
        );
        assert_eq!(decode_other_name_value(&[]), None);

        // A fact with a wrongly encoded value names its field.
        let mut body = tlv(0x06, &fact_oid(3));
        body.extend(tlv(0xA0, &tlv(0x13, b"1")));
        let entries = vec![tlv(0xA0, &body)];
        assert_eq!(
            BasicInfo::from_subject_alt_name(&general_names(&entries)),
            Err(CertError::BadBasicInfoEncoding {
                field: BasicInfoField::Gender
            })
        );
    }

    #[test]
    fn malformed_san_is_bad_extension() {
        let code = |der: &[u8]| BasicInfo::from_subject_alt_name(der).map_err(|e| e.code());
        assert_eq!(code(&[]), Err("bad_extension"));
        assert_eq!(code(&[0x30, 0x05, 0xA0]), Err("bad_extension"));
        let mut trailing = jpki_san(NAME, "419900102", "2", ADDRESS);
        trailing.push(0);
        assert_eq!(code(&trailing), Err("bad_extension"));
        // An otherName whose type-id cannot be read (truncated OID).
        let broken = general_names(&[tlv(0xA0, &[0x06, 0x05])]);
        assert_eq!(code(&broken), Err("bad_extension"));
        // x509-parser reads any primitive TLV as the type-id; an OCTET STRING
        // there yields a foreign type-id, so the entry is ignored and the
        // facts are reported missing.
        let foreign = general_names(&[tlv(0xA0, &tlv(0x04, b"xx"))]);
        assert_eq!(code(&foreign), Err("missing_basic_info"));
    }

    proptest! {
        #[test]
        fn value_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode_other_name_value(&bytes);
        }

        #[test]
        fn san_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = BasicInfo::from_subject_alt_name(&bytes);
        }

        #[test]
        fn mutated_san_is_ok_or_typed_error(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut der = jpki_san(NAME, "419900102", "2", &"東".repeat(60));
            for (at, bit) in flips {
                let i = at.index(der.len());
                der[i] ^= 1 << bit;
            }
            let len = cut.index(der.len() + 1);
            match BasicInfo::from_subject_alt_name(&der[..len]) {
                Ok(info) => prop_assert!(!info.name.is_empty() && !info.address.is_empty()),
                Err(e) => prop_assert!(!e.code().is_empty()),
            }
        }

        #[test]
        fn any_utf8_round_trips(value in "\\PC{0,300}") {
            let der = tlv(0xA0, &tlv(TAG_UTF8_STRING, value.as_bytes()));
            prop_assert_eq!(decode_other_name_value(&der), Some(value.as_str()));
        }
    }
}
