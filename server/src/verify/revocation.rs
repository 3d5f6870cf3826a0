//! Revocation behind one trait. CRL files are the default
//! ([`CrlDirectory`](super::CrlDirectory)); production JPKI revocation data is
//! only open to approved verifiers, so this trait is where an operator plugs in
//! theirs (OCSP per RFC 6960, the J-LIS platform service, …).

use shiori_core::cert::JpkiCertificate;

/// Why revocation did not pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevocationError {
    /// The issuer lists this certificate as revoked.
    #[error("revoked")]
    Revoked,
    /// Status unknown: no data for this issuer, data too old, source down.
    #[error("{0}")]
    Unavailable(String),
}

/// Decides whether a verified certificate is revoked.
pub trait RevocationChecker: Send + Sync {
    /// Check `leaf` (issued by `issuer`) at `now` (unix seconds).
    fn check(
        &self,
        leaf: &JpkiCertificate,
        issuer: &JpkiCertificate,
        now: i64,
    ) -> Result<(), RevocationError>;
}

/// No revocation checking. Only for development with test anchors; the server
/// refuses it with production anchors.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRevocationCheck;

impl RevocationChecker for NoRevocationCheck {
    fn check(
        &self,
        _: &JpkiCertificate,
        _: &JpkiCertificate,
        _: i64,
    ) -> Result<(), RevocationError> {
        Ok(())
    }
}
