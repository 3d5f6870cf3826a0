//! Why a certificate was rejected: one variant per reason, one stable code each.

use shiori_core::cert::CertError;

/// A rejected certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The bytes are not a certificate of the JPKI shape.
    #[error("malformed certificate: {0}")]
    Malformed(CertError),
    /// A CA certificate was offered where an end-entity certificate belongs.
    #[error("a CA certificate was offered as an end-entity certificate")]
    CaAsLeaf,
    /// A signing certificate was offered as auth, or the other way round.
    #[error("the certificate is for another purpose")]
    WrongPurpose,
    /// The certificate's policy is JPKI-TEST where production is required, or
    /// the other way round.
    #[error("the certificate's policy ({0}) is not accepted by this server")]
    WrongPolicy(&'static str),
    /// Key usage or extended key usage does not fit the purpose.
    #[error("the certificate's key usage does not fit its purpose")]
    WrongKeyUsage,
    /// A critical extension we do not understand.
    #[error("the certificate has an unknown critical extension {0}")]
    UnknownCriticalExtension(String),
    /// No configured anchor issued it.
    #[error("the certificate was not issued by a trusted JPKI authority")]
    UnknownIssuer,
    /// An anchor with the right key identifier exists but its signature fails.
    #[error("the certificate's signature does not verify")]
    BadSignature,
    /// Validity ended before the request time.
    #[error("the certificate expired")]
    Expired,
    /// Validity starts after the request time.
    #[error("the certificate is not yet valid")]
    NotYetValid,
    /// The issuing anchor is outside its own validity.
    #[error("the issuing authority's certificate is not valid at this time")]
    IssuerNotValid,
    /// Revoked by its issuer.
    #[error("the certificate has been revoked")]
    Revoked,
    /// Revocation status could not be established (no or stale CRL, OCSP down).
    #[error("revocation status unavailable: {0}")]
    RevocationUnavailable(String),
}

impl VerifyError {
    /// The stable API error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_certificate",
            Self::CaAsLeaf => "ca_as_leaf",
            Self::WrongPurpose => "wrong_purpose",
            Self::WrongPolicy(_) => "wrong_policy",
            Self::WrongKeyUsage => "wrong_key_usage",
            Self::UnknownCriticalExtension(_) => "unknown_critical_extension",
            Self::UnknownIssuer => "unknown_issuer",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuerNotValid => "issuer_not_valid",
            Self::Revoked => "revoked",
            Self::RevocationUnavailable(_) => "revocation_unavailable",
        }
    }
}
