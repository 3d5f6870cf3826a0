//! Why a certificate was rejected: one [`CertError`] variant per reason, each
//! with a stable [`CertError::code`] that the server maps to its API error
//! code and that apps can match on.
//!
//! No variant carries a personal fact (name, address, birth date, gender):
//! errors end up in logs, and a library may only keep what it needs. Variants
//! name the *field* that failed instead (see [`BasicInfoField`]).

use std::fmt;

/// One of the six subjectAltName `otherName` entries of a JPKI signing
/// certificate (OID arc `1.2.392.200149.8.5.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BasicInfoField {
    /// `…8.5.5.1` 氏名, the name (surname U+3000 given name).
    Name,
    /// `…8.5.5.2` 氏名代替文字の使用位置, substitute-character flags of the name.
    NameSubstitutes,
    /// `…8.5.5.3` 性別, gender code.
    Gender,
    /// `…8.5.5.4` 生年月日, birth date `EYYYYMMDD`.
    BirthDate,
    /// `…8.5.5.5` 住所, address.
    Address,
    /// `…8.5.5.6` 住所代替文字の使用位置, substitute-character flags of the address.
    AddressSubstitutes,
}

impl BasicInfoField {
    /// All six fields, in OID order.
    pub const ALL: [BasicInfoField; 6] = [
        BasicInfoField::Name,
        BasicInfoField::NameSubstitutes,
        BasicInfoField::Gender,
        BasicInfoField::BirthDate,
        BasicInfoField::Address,
        BasicInfoField::AddressSubstitutes,
    ];

    /// The dotted `otherName` type-id of this field.
    pub fn oid(self) -> &'static str {
        match self {
            BasicInfoField::Name => "1.2.392.200149.8.5.5.1",
            BasicInfoField::NameSubstitutes => "1.2.392.200149.8.5.5.2",
            BasicInfoField::Gender => "1.2.392.200149.8.5.5.3",
            BasicInfoField::BirthDate => "1.2.392.200149.8.5.5.4",
            BasicInfoField::Address => "1.2.392.200149.8.5.5.5",
            BasicInfoField::AddressSubstitutes => "1.2.392.200149.8.5.5.6",
        }
    }

    /// A stable snake_case name for logs and API error details.
    pub fn as_str(self) -> &'static str {
        match self {
            BasicInfoField::Name => "name",
            BasicInfoField::NameSubstitutes => "name_substitutes",
            BasicInfoField::Gender => "gender",
            BasicInfoField::BirthDate => "birth_date",
            BasicInfoField::Address => "address",
            BasicInfoField::AddressSubstitutes => "address_substitutes",
        }
    }

    /// The last arc of the OID (`1` … `6`), which identifies the field.
    pub(crate) fn last_arc(self) -> u8 {
        match self {
            BasicInfoField::Name => 1,
            BasicInfoField::NameSubstitutes => 2,
            BasicInfoField::Gender => 3,
            BasicInfoField::BirthDate => 4,
            BasicInfoField::Address => 5,
            BasicInfoField::AddressSubstitutes => 6,
        }
    }
}

impl fmt::Display for BasicInfoField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.as_str(), self.oid())
    }
}

/// Why a certificate (or a piece of one) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// The bytes end before the DER header or value they announce.
    #[error("certificate DER is truncated: {needed} bytes needed, {available} available")]
    DerTruncated {
        /// Bytes the encoding announces (header included).
        needed: usize,
        /// Bytes actually present.
        available: usize,
    },
    /// The outer DER header is not a definite-length, minimally encoded SEQUENCE.
    #[error("certificate DER header is invalid: {reason}")]
    BadDerHeader {
        /// What is wrong with the header.
        reason: &'static str,
    },
    /// The outer length is larger than any certificate a card holds.
    #[error("certificate DER announces {length} bytes, more than the {max} allowed")]
    DerTooLong {
        /// The announced total length.
        length: usize,
        /// The limit, [`super::MAX_CERTIFICATE_DER_LEN`].
        max: usize,
    },
    /// Bytes follow the certificate; [`super::JpkiCertificate::from_der`] takes
    /// exactly one DER certificate (trim EF filler with [`super::der_length`]).
    #[error("{extra} bytes follow the {der_length}-byte certificate DER")]
    TrailingData {
        /// Length of the certificate itself.
        der_length: usize,
        /// Bytes after it.
        extra: usize,
    },
    /// The X.509 structure could not be parsed.
    #[error("malformed certificate: {reason}")]
    Malformed {
        /// The parser's description of the problem.
        reason: String,
    },
    /// An extension appears more than once (RFC 5280 §4.2 forbids it).
    #[error("extension {oid} appears more than once")]
    DuplicateExtension {
        /// Dotted OID of the repeated extension.
        oid: String,
    },
    /// An extension we rely on could not be decoded.
    #[error("extension {oid} is malformed")]
    BadExtension {
        /// Dotted OID of the extension.
        oid: String,
    },
    /// The subject public key is not RSA.
    #[error("public key algorithm {algorithm} is not RSA")]
    NotRsa {
        /// Dotted OID of the key algorithm.
        algorithm: String,
    },
    /// The RSA key is shorter than 2048 bits.
    #[error("RSA key of {bits} bits is below the 2048-bit minimum")]
    KeyTooSmall {
        /// Modulus length in bits.
        bits: usize,
    },
    /// The RSA key is longer than 8192 bits (more than any verifier accepts).
    #[error("RSA key of {bits} bits is above the 8192-bit maximum")]
    KeyTooLarge {
        /// Modulus length in bits.
        bits: usize,
    },
    /// The RSA public key encoding is invalid (bad DER, negative or zero
    /// modulus or exponent).
    #[error("RSA public key is malformed: {reason}")]
    BadPublicKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An end-entity certificate carries no JPKI signing or authentication policy.
    #[error("no JPKI certificate policy found (policies: {})", if oids.is_empty() { "none".to_owned() } else { oids.join(", ") })]
    UnknownPolicy {
        /// Dotted OIDs of the policies the certificate does carry.
        oids: Vec<String>,
    },
    /// The certificate carries JPKI policies that contradict each other
    /// (signing and authentication, or production and test).
    #[error("certificate carries contradictory JPKI policies")]
    AmbiguousPolicy,
    /// A signing certificate lacks one of the subjectAltName facts.
    #[error("signing certificate has no {field}")]
    MissingBasicInfo {
        /// The missing field.
        field: BasicInfoField,
    },
    /// A subjectAltName fact appears more than once: which one is meant is
    /// ambiguous, so none is trusted.
    #[error("signing certificate carries {field} more than once")]
    DuplicateBasicInfo {
        /// The repeated field.
        field: BasicInfoField,
    },
    /// A subjectAltName fact is not `[0] EXPLICIT UTF8String` holding valid UTF-8.
    #[error("{field} is not an [0] EXPLICIT UTF8String")]
    BadBasicInfoEncoding {
        /// The badly encoded field.
        field: BasicInfoField,
    },
    /// The name or the address is an empty string.
    #[error("{field} is empty")]
    EmptyBasicInfo {
        /// The empty field.
        field: BasicInfoField,
    },
    /// The birth date is not `EYYYYMMDD` with era 0–5 and a real calendar date.
    #[error("birth date is invalid: {reason}")]
    BadBirthDate {
        /// What is wrong with it (never the value itself).
        reason: &'static str,
    },
    /// The gender is not `1`, `2` or `3`.
    #[error("gender code is not 1, 2 or 3")]
    BadGender,
    /// Substitute-character flags contain something other than `0` and `1`.
    #[error("{field} contains characters other than '0' and '1'")]
    BadSubstituteFlags {
        /// The flags field.
        field: BasicInfoField,
    },
    /// The signature algorithm is not sha256WithRSAEncryption (or the two
    /// algorithm identifiers of the certificate disagree).
    #[error("signature algorithm {oid} is not supported (only sha256WithRSAEncryption)")]
    UnsupportedSignatureAlgorithm {
        /// Dotted OID of the algorithm found.
        oid: String,
    },
    /// The signature does not verify with the given public key.
    #[error("signature does not verify with this public key")]
    BadSignature,
}

impl CertError {
    /// A stable machine-readable code, e.g. `"bad_signature"`. These codes are
    /// part of the API: never rename one.
    pub fn code(&self) -> &'static str {
        match self {
            CertError::DerTruncated { .. } => "der_truncated",
            CertError::BadDerHeader { .. } => "bad_der_header",
            CertError::DerTooLong { .. } => "der_too_long",
            CertError::TrailingData { .. } => "trailing_data",
            CertError::Malformed { .. } => "malformed_certificate",
            CertError::DuplicateExtension { .. } => "duplicate_extension",
            CertError::BadExtension { .. } => "bad_extension",
            CertError::NotRsa { .. } => "not_rsa",
            CertError::KeyTooSmall { .. } => "key_too_small",
            CertError::KeyTooLarge { .. } => "key_too_large",
            CertError::BadPublicKey { .. } => "bad_public_key",
            CertError::UnknownPolicy { .. } => "unknown_policy",
            CertError::AmbiguousPolicy => "ambiguous_policy",
            CertError::MissingBasicInfo { .. } => "missing_basic_info",
            CertError::DuplicateBasicInfo { .. } => "duplicate_basic_info",
            CertError::BadBasicInfoEncoding { .. } => "bad_basic_info_encoding",
            CertError::EmptyBasicInfo { .. } => "empty_basic_info",
            CertError::BadBirthDate { .. } => "bad_birth_date",
            CertError::BadGender => "bad_gender",
            CertError::BadSubstituteFlags { .. } => "bad_substitute_flags",
            CertError::UnsupportedSignatureAlgorithm { .. } => "unsupported_signature_algorithm",
            CertError::BadSignature => "bad_signature",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case() {
        let samples = [
            CertError::DerTruncated {
                needed: 1,
                available: 0,
            },
            CertError::BadDerHeader { reason: "x" },
            CertError::DerTooLong { length: 1, max: 0 },
            CertError::TrailingData {
                der_length: 1,
                extra: 1,
            },
            CertError::Malformed { reason: "x".into() },
            CertError::DuplicateExtension { oid: "1".into() },
            CertError::BadExtension { oid: "1".into() },
            CertError::NotRsa {
                algorithm: "1".into(),
            },
            CertError::KeyTooSmall { bits: 1 },
            CertError::KeyTooLarge { bits: 1 },
            CertError::BadPublicKey { reason: "x" },
            CertError::UnknownPolicy { oids: vec![] },
            CertError::AmbiguousPolicy,
            CertError::MissingBasicInfo {
                field: BasicInfoField::Name,
            },
            CertError::DuplicateBasicInfo {
                field: BasicInfoField::Name,
            },
            CertError::BadBasicInfoEncoding {
                field: BasicInfoField::Name,
            },
            CertError::EmptyBasicInfo {
                field: BasicInfoField::Name,
            },
            CertError::BadBirthDate { reason: "x" },
            CertError::BadGender,
            CertError::BadSubstituteFlags {
                field: BasicInfoField::Name,
            },
            CertError::UnsupportedSignatureAlgorithm { oid: "1".into() },
            CertError::BadSignature,
        ];
        let mut codes: Vec<&str> = samples.iter().map(CertError::code).collect();
        for code in &codes {
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
        for e in &samples {
            assert!(!e.to_string().is_empty());
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), samples.len());
    }

    #[test]
    fn unknown_policy_message_lists_oids() {
        let e = CertError::UnknownPolicy {
            oids: vec!["1.2.3".into(), "4.5".into()],
        };
        assert!(e.to_string().contains("1.2.3, 4.5"));
        let none = CertError::UnknownPolicy { oids: vec![] };
        assert!(none.to_string().contains("none"));
    }
}
