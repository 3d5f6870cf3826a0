//! The certificate extensions the JPKI profile uses, decoded in one pass.
//!
//! x509-parser reads the certificate with deep extension parsing off, and we
//! decode only what we use: key usage, basic constraints, extended key usage,
//! the key identifiers and certificatePolicies always; subjectAltName only
//! for signing certificates. Issuer alternative name and CRL distribution
//! points are understood (they may be critical) but carry nothing we use, so
//! they are not decoded. This keeps a signing certificate under 10 µs
//! (`benches/parse_signing_cert.rs`): deep-parsing every DirectoryName in
//! IAN, CRLDP and AKI cost more than everything else together.
//!
//! certificatePolicies and authorityKeyIdentifier are read with our own
//! small DER reader: we need only the policy OIDs and the key identifier and
//! serial, not the qualifiers or the issuer names.

use x509_parser::der_parser::oid::Oid;
use x509_parser::extensions::{
    BasicConstraints, ExtendedKeyUsage, KeyIdentifier, KeyUsage as X509KeyUsage,
    SubjectAlternativeName, X509Extension,
};
use x509_parser::oid_registry::{
    OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER, OID_X509_EXT_BASIC_CONSTRAINTS,
    OID_X509_EXT_CERTIFICATE_POLICIES, OID_X509_EXT_EXTENDED_KEY_USAGE, OID_X509_EXT_KEY_USAGE,
    OID_X509_EXT_SUBJECT_ALT_NAME, OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
};
use x509_parser::prelude::FromDer;

use super::der::{read_tlv, Tlv};
use super::profile::{is_understood_extension, jpki_policy};
use super::{san, BasicInfo, BasicInfoField, CertError, CertificatePurpose, KeyUsage, PolicyKind};

const TAG_SEQUENCE: u8 = 0x30;
const TAG_OID: u8 = 0x06;
/// `[0] IMPLICIT KeyIdentifier` in authorityKeyIdentifier.
const TAG_AKI_KEY_ID: u8 = 0x80;
/// `[1] IMPLICIT GeneralNames` (constructed) in authorityKeyIdentifier.
const TAG_AKI_ISSUER: u8 = 0xA1;
/// `[2] IMPLICIT CertificateSerialNumber` in authorityKeyIdentifier.
const TAG_AKI_SERIAL: u8 = 0x82;

/// What the extensions say.
#[derive(Default)]
pub(crate) struct Extensions {
    pub key_usage: KeyUsage,
    pub is_ca: bool,
    pub policy: Option<(CertificatePurpose, PolicyKind)>,
    /// All policy OIDs, dotted; filled only when no JPKI policy was found
    /// (for [`CertError::UnknownPolicy`]).
    pub policy_oids: Vec<String>,
    pub eku_client_auth: bool,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    pub authority_cert_serial: Option<Vec<u8>>,
    pub unknown_critical: Vec<String>,
}

/// Rejects duplicate extensions, decodes the ones we use, and lists critical
/// ones we do not understand.
pub(crate) fn read_extensions(extensions: &[X509Extension<'_>]) -> Result<Extensions, CertError> {
    let mut out = Extensions::default();
    for (i, ext) in extensions.iter().enumerate() {
        if extensions[..i].iter().any(|e| e.oid == ext.oid) {
            return Err(CertError::DuplicateExtension {
                oid: ext.oid.to_id_string(),
            });
        }
        if ext.critical && !is_understood_extension(&ext.oid) {
            out.unknown_critical.push(ext.oid.to_id_string());
        }
        match decode_into(&mut out, ext) {
            Some(result) => result?,
            None => {
                return Err(CertError::BadExtension {
                    oid: ext.oid.to_id_string(),
                })
            }
        }
    }
    Ok(out)
}

/// Decodes one extension into `out`. `None` when its value does not decode;
/// `Some(Err)` for a decoded value that breaks the profile.
fn decode_into(out: &mut Extensions, ext: &X509Extension<'_>) -> Option<Result<(), CertError>> {
    let oid = &ext.oid;
    let value = ext.value;
    if *oid == OID_X509_EXT_KEY_USAGE {
        let ku = exact::<X509KeyUsage>(value)?;
        out.key_usage = KeyUsage::from_extension(ku.flags, ext.critical);
    } else if *oid == OID_X509_EXT_BASIC_CONSTRAINTS {
        out.is_ca = exact::<BasicConstraints>(value)?.ca;
    } else if *oid == OID_X509_EXT_EXTENDED_KEY_USAGE {
        out.eku_client_auth = exact::<ExtendedKeyUsage>(value)?.client_auth;
    } else if *oid == OID_X509_EXT_SUBJECT_KEY_IDENTIFIER {
        out.subject_key_id = Some(exact::<KeyIdentifier>(value)?.0.to_vec());
    } else if *oid == OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER {
        let (key_id, serial) = authority_key_identifier(value)?;
        out.authority_key_id = key_id.map(<[u8]>::to_vec);
        out.authority_cert_serial = serial.map(<[u8]>::to_vec);
    } else if *oid == OID_X509_EXT_CERTIFICATE_POLICIES {
        let oids = policy_oids(value)?;
        match jpki_policy(oids.iter().copied()) {
            Ok(policy) => out.policy = policy,
            Err(e) => return Some(Err(e)),
        }
        if out.policy.is_none() {
            out.policy_oids = oids
                .iter()
                .map(|b| Oid::new((*b).into()).to_id_string())
                .collect();
        }
    }
    Some(Ok(()))
}

/// Parses `T` from all of `value`.
fn exact<'a, T: FromDer<'a, x509_parser::error::X509Error>>(value: &'a [u8]) -> Option<T> {
    match T::from_der(value) {
        Ok(([], t)) => Some(t),
        _ => None,
    }
}

/// Reads all TLVs of a constructed value.
fn tlvs(mut content: &[u8]) -> impl Iterator<Item = Option<Tlv<'_>>> {
    std::iter::from_fn(move || {
        if content.is_empty() {
            return None;
        }
        let tlv = read_tlv(content);
        content = tlv.map_or(&[], |t| t.rest);
        Some(tlv)
    })
}

/// The value of a single outer SEQUENCE filling `der`.
fn sequence_content(der: &[u8]) -> Option<&[u8]> {
    let seq = read_tlv(der)?;
    (seq.tag == TAG_SEQUENCE && seq.rest.is_empty()).then_some(seq.value)
}

/// `certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation`,
/// `PolicyInformation ::= SEQUENCE { policyIdentifier OID, qualifiers … OPTIONAL }`:
/// the encoded policy OIDs.
fn policy_oids(value: &[u8]) -> Option<Vec<&[u8]>> {
    let mut oids = Vec::new();
    for info in tlvs(sequence_content(value)?) {
        let info = info?;
        if info.tag != TAG_SEQUENCE {
            return None;
        }
        let oid = read_tlv(info.value)?;
        if oid.tag != TAG_OID || oid.value.is_empty() {
            return None;
        }
        if !oid.rest.is_empty() {
            let qualifiers = read_tlv(oid.rest)?;
            if qualifiers.tag != TAG_SEQUENCE || !qualifiers.rest.is_empty() {
                return None;
            }
        }
        oids.push(oid.value);
    }
    (!oids.is_empty()).then_some(oids)
}

type KeyIdAndSerial<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// `AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] OPTIONAL,
/// authorityCertIssuer [1] OPTIONAL, authorityCertSerialNumber [2] OPTIONAL }`:
/// the key identifier and the serial, in that order, each at most once.
fn authority_key_identifier(value: &[u8]) -> Option<KeyIdAndSerial<'_>> {
    let (mut key_id, mut serial) = (None, None);
    let mut last_tag = 0u8;
    for field in tlvs(sequence_content(value)?) {
        let field = field?;
        let order = match field.tag {
            TAG_AKI_KEY_ID => 1,
            TAG_AKI_ISSUER => 2,
            TAG_AKI_SERIAL => 3,
            _ => return None,
        };
        if order <= last_tag {
            return None;
        }
        last_tag = order;
        match field.tag {
            TAG_AKI_KEY_ID => key_id = Some(field.value),
            TAG_AKI_SERIAL => serial = Some(field.value),
            _ => {}
        }
    }
    Some((key_id, serial))
}

/// The basic facts of a signing certificate, from its subjectAltName.
pub(crate) fn signing_facts(extensions: &[X509Extension<'_>]) -> Result<BasicInfo, CertError> {
    let Some(ext) = extensions
        .iter()
        .find(|e| e.oid == OID_X509_EXT_SUBJECT_ALT_NAME)
    else {
        return Err(CertError::MissingBasicInfo {
            field: BasicInfoField::Name,
        });
    };
    let san =
        exact::<SubjectAlternativeName>(ext.value).ok_or_else(|| CertError::BadExtension {
            oid: ext.oid.to_id_string(),
        })?;
    san::from_general_names(&san.general_names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::san::test_der::tlv;

    fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(TAG_SEQUENCE, &parts.concat())
    }

    #[test]
    fn policy_oids_with_and_without_qualifiers() {
        // The real auth certificate's extension value.
        let real = hex::decode(
            "303D303B060B2A83088C9B55080501031E302C302A06082B06010505070201161E687474703A2F2F7777772E6A706B692E676F2E6A702F6370732E68746D6C",
        )
        .expect("hex");
        let oids = policy_oids(&real).expect("decodes");
        assert_eq!(
            oids,
            vec![&[0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05, 0x01, 0x03, 0x1E][..]]
        );
        let two = seq(&[
            seq(&[tlv(TAG_OID, &[0x2A, 0x03])]),
            seq(&[tlv(TAG_OID, &[0x2B])]),
        ]);
        assert_eq!(policy_oids(&two).map(|v| v.len()), Some(2));
    }

    #[test]
    fn malformed_policies_are_refused() {
        let oid = tlv(TAG_OID, &[0x2A, 0x03]);
        for bad in [
            vec![],
            seq(&[]),                                            // SIZE (1..MAX)
            seq(&[tlv(TAG_OID, &[0x2A])]),                       // not a PolicyInformation
            seq(&[seq(&[tlv(0x04, &[0x2A])])]),                  // not an OID
            seq(&[seq(&[tlv(TAG_OID, &[])])]),                   // empty OID
            seq(&[seq(&[oid.clone(), tlv(0x04, &[1])])]),        // qualifiers not a SEQUENCE
            seq(&[seq(&[oid.clone(), seq(&[]), seq(&[])])]),     // trailing
            [seq(&[tlv(TAG_SEQUENCE, &oid)]), vec![0]].concat(), // trailing outer
            vec![0x30, 0x05, 0x30, 0x03, 0x06],                  // truncated
        ] {
            assert_eq!(policy_oids(&bad), None, "{bad:02X?}");
        }
    }

    #[test]
    fn authority_key_identifiers() {
        // The real auth certificate's AKI: keyid, DirName, serial 01.
        let real = hex::decode(
            "3081A480149567951B5CA70D84A0FFF1D85A87F1AAB1340385A18188A48185308182310B3009060355040613024A50310D300B060355040A0C044A504B4931253023060355040B0C1C4A504B4920666F7220757365722061757468656E7469636174696F6E313D303B060355040B0C344A6170616E204167656E637920666F72204C6F63616C20417574686F7269747920496E666F726D6174696F6E2053797374656D73820101",
        )
        .expect("hex");
        let (key_id, serial) = authority_key_identifier(&real).expect("decodes");
        assert_eq!(
            key_id.map(hex::encode_upper).as_deref(),
            Some("9567951B5CA70D84A0FFF1D85A87F1AAB1340385")
        );
        assert_eq!(serial, Some(&[0x01][..]));

        assert_eq!(authority_key_identifier(&seq(&[])), Some((None, None)));
        let id_only = seq(&[tlv(TAG_AKI_KEY_ID, &[7; 20])]);
        assert_eq!(
            authority_key_identifier(&id_only),
            Some((Some(&[7u8; 20][..]), None))
        );
        for bad in [
            seq(&[tlv(TAG_AKI_SERIAL, &[1]), tlv(TAG_AKI_KEY_ID, &[7])]), // out of order
            seq(&[tlv(TAG_AKI_KEY_ID, &[7]), tlv(TAG_AKI_KEY_ID, &[8])]), // repeated
            seq(&[tlv(0x83, &[1])]),                                      // unknown field
            vec![0x30, 0x03, 0x80, 0x05, 0x00],                           // truncated
        ] {
            assert_eq!(authority_key_identifier(&bad), None, "{bad:02X?}");
        }
    }
}
