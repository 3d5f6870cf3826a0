//! The little DER we read by hand: the outer certificate header (to trim the
//! filler that follows a certificate in its EF) and single TLVs inside
//! subjectAltName `otherName` values.
//!
//! Only low-tag-number, definite-length, minimally encoded lengths are
//! accepted (X.690 §10.1). Nothing here allocates or panics.

use super::CertError;

/// The largest certificate we accept, header included. JPKI certificates are
/// 1.5–2.5 KB and an EF holding one is far smaller than this; the cap keeps a
/// hostile card from making a reader loop over gigabytes.
pub const MAX_CERTIFICATE_DER_LEN: usize = 64 * 1024;

const SEQUENCE: u8 = 0x30;

/// The total length (header included) of the DER SEQUENCE at the start of
/// `bytes`, read from its header alone.
///
/// EFs on the card hold the certificate followed by filler, so callers read
/// the first bytes, call this, and keep `&bytes[..len]`. Only the header must
/// be present: this also serves as the length probe on the first short
/// READ BINARY.
pub fn der_length(bytes: &[u8]) -> Result<usize, CertError> {
    let Some((&tag, rest)) = bytes.split_first() else {
        return Err(CertError::DerTruncated {
            needed: 2,
            available: 0,
        });
    };
    if tag != SEQUENCE {
        return Err(CertError::BadDerHeader {
            reason: "does not start with a SEQUENCE (0x30)",
        });
    }
    let (value_len, len_octets) = read_length(rest).map_err(|e| match e {
        LengthError::Truncated(n) => CertError::DerTruncated {
            needed: 1 + n,
            available: bytes.len(),
        },
        LengthError::Invalid(reason) => CertError::BadDerHeader { reason },
    })?;
    let total = 1 + len_octets + value_len;
    if total > MAX_CERTIFICATE_DER_LEN {
        return Err(CertError::DerTooLong {
            length: total,
            max: MAX_CERTIFICATE_DER_LEN,
        });
    }
    Ok(total)
}

/// Why a length could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LengthError {
    /// At least this many length octets are needed.
    Truncated(usize),
    /// The encoding is not DER.
    Invalid(&'static str),
}

/// Reads a DER length. Returns the value length and how many octets encode it.
/// Values above `u32::MAX` are refused (no DER object we read comes close).
pub(crate) fn read_length(bytes: &[u8]) -> Result<(usize, usize), LengthError> {
    let first = *bytes.first().ok_or(LengthError::Truncated(1))?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    if first == 0x80 {
        return Err(LengthError::Invalid("indefinite length is not DER"));
    }
    let count = usize::from(first & 0x7F);
    if count > 4 {
        return Err(LengthError::Invalid("length has more than 4 octets"));
    }
    let octets = bytes
        .get(1..1 + count)
        .ok_or(LengthError::Truncated(1 + count))?;
    if octets.first() == Some(&0) {
        return Err(LengthError::Invalid("length has a leading zero octet"));
    }
    let value = octets
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    if value < 0x80 {
        return Err(LengthError::Invalid("long-form length below 128"));
    }
    Ok((value, 1 + count))
}

/// One tag-length-value read from the front of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet (low tag numbers only).
    pub tag: u8,
    /// The value octets.
    pub value: &'a [u8],
    /// What follows the TLV.
    pub rest: &'a [u8],
}

/// Reads one TLV with a single-octet tag from the front of `bytes`.
pub(crate) fn read_tlv(bytes: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, after_tag) = bytes.split_first()?;
    if tag & 0x1F == 0x1F {
        return None;
    }
    let (len, len_octets) = read_length(after_tag).ok()?;
    let body = after_tag.get(len_octets..)?;
    if len > body.len() {
        return None;
    }
    let (value, rest) = body.split_at(len);
    Some(Tlv { tag, value, rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form() {
        assert_eq!(der_length(&[0x30, 0x03, 1, 2, 3, 0xFF]), Ok(5));
        assert_eq!(der_length(&[0x30, 0x00]), Ok(2));
    }

    #[test]
    fn long_forms() {
        assert_eq!(der_length(&[0x30, 0x81, 0x80]), Ok(3 + 128));
        assert_eq!(der_length(&[0x30, 0x82, 0x06, 0x21]), Ok(4 + 1569));
        assert_eq!(
            der_length(&[0x30, 0x83, 0x00, 0xFF, 0xFF]).map_err(|e| e.code()),
            Err("bad_der_header")
        );
        assert_eq!(
            der_length(&[0x30, 0x83, 0x01, 0x00, 0x00]).map_err(|e| e.code()),
            Err("der_too_long")
        );
        assert_eq!(
            der_length(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).map_err(|e| e.code()),
            Err("der_too_long")
        );
    }

    #[test]
    fn header_only_is_enough() {
        // The first short READ BINARY sees only the start of a long certificate.
        assert_eq!(der_length(&[0x30, 0x82, 0x07, 0xD0]), Ok(2004));
    }

    #[test]
    fn rejects_non_der_headers() {
        let code = |b: &[u8]| der_length(b).map_err(|e| e.code());
        assert_eq!(code(&[]), Err("der_truncated"));
        assert_eq!(code(&[0x30]), Err("der_truncated"));
        assert_eq!(code(&[0x30, 0x82, 0x01]), Err("der_truncated"));
        assert_eq!(code(&[0x31, 0x00]), Err("bad_der_header"));
        assert_eq!(code(&[0xFF, 0xFF]), Err("bad_der_header"));
        assert_eq!(code(&[0x30, 0x80]), Err("bad_der_header"));
        assert_eq!(code(&[0x30, 0x85, 1, 1, 1, 1, 1]), Err("bad_der_header"));
        assert_eq!(code(&[0x30, 0x81, 0x7F]), Err("bad_der_header"));
        assert_eq!(code(&[0x30, 0x82, 0x00, 0x80]), Err("bad_der_header"));
    }

    #[test]
    fn tlv_reader() {
        let t = read_tlv(&[0x0C, 0x02, b'a', b'b', 0x05]).expect("tlv");
        assert_eq!((t.tag, t.value, t.rest), (0x0C, &b"ab"[..], &[0x05][..]));
        assert!(read_tlv(&[0x0C, 0x03, b'a']).is_none());
        assert!(read_tlv(&[0x1F, 0x01, 0x00]).is_none());
        assert!(read_tlv(&[]).is_none());
        let mut long = vec![0x0C, 0x81, 0xC8];
        long.extend(std::iter::repeat_n(b'x', 200));
        let t = read_tlv(&long).expect("long tlv");
        assert_eq!(t.value.len(), 200);
        assert!(t.rest.is_empty());
    }
}
