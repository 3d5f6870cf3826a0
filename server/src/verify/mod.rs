//! Certificate verification to the JPKI profile.
//!
//! We cannot use rustls-webpki: every real JPKI certificate carries a critical
//! certificatePolicies extension, which webpki rejects. Validation here is our
//! own, on `shiori_core::cert` (x509-parser underneath), and follows the shape
//! of webpki: one small file per concern, one error variant per rejection.

mod anchors;
mod chain;
mod crl;
mod error;
mod ocsp;
mod revocation;

pub use anchors::{AnchorError, TrustAnchors};
pub use chain::{ChainVerifier, VerifiedCertificate};
pub use crl::{CrlDirectory, CrlFileProblem, CrlInForce, CrlProblem, CrlReport};
pub use error::VerifyError;
pub use ocsp::{NonceSource, OcspChecker};
pub use revocation::{NoRevocationCheck, RevocationChecker, RevocationError};
