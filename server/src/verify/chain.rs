//! Path validation for one end-entity certificate. JPKI chains have length 2:
//! leaf → self-signed root; there are no intermediates.

use std::sync::Arc;

use shiori_core::cert::{CertificatePurpose, JpkiCertificate, PolicyKind};

use super::{RevocationChecker, RevocationError, TrustAnchors, VerifyError};

/// A certificate that passed every check, with the anchor that issued it.
#[derive(Debug, Clone)]
pub struct VerifiedCertificate {
    /// The end-entity certificate.
    pub certificate: JpkiCertificate,
    /// The root that issued it.
    pub issuer: JpkiCertificate,
}

/// Verifies signing and auth certificates against anchors and a policy.
#[derive(Clone)]
pub struct ChainVerifier {
    anchors: TrustAnchors,
    policy: PolicyKind,
    revocation: Arc<dyn RevocationChecker>,
}

impl std::fmt::Debug for ChainVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainVerifier")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl ChainVerifier {
    /// A verifier accepting certificates under `policy` (production or
    /// JPKI-TEST) issued by `anchors`, checking revocation with `revocation`.
    pub fn new(
        anchors: TrustAnchors,
        policy: PolicyKind,
        revocation: Arc<dyn RevocationChecker>,
    ) -> Self {
        Self {
            anchors,
            policy,
            revocation,
        }
    }

    /// The anchors in use.
    pub fn anchors(&self) -> &TrustAnchors {
        &self.anchors
    }

    /// Validate `der` as a certificate for `purpose` at `now` (unix seconds).
    ///
    /// The checks run from cheapest to dearest, and the first failure decides
    /// the error: shape, purpose, policy, key usage, critical extensions,
    /// issuer (key identifier, then signature), validity, revocation.
    pub fn verify(
        &self,
        der: &[u8],
        purpose: CertificatePurpose,
        now: i64,
    ) -> Result<VerifiedCertificate, VerifyError> {
        let leaf = JpkiCertificate::from_der(der).map_err(VerifyError::Malformed)?;
        check_profile(&leaf, purpose, self.policy)?;
        let issuer = find_issuer(&leaf, self.anchors.for_purpose(purpose))?;
        if now < leaf.not_before() {
            return Err(VerifyError::NotYetValid);
        }
        if now > leaf.not_after() {
            return Err(VerifyError::Expired);
        }
        if !issuer.is_valid_at(now) {
            return Err(VerifyError::IssuerNotValid);
        }
        self.revocation
            .check(&leaf, issuer, now)
            .map_err(|e| match e {
                RevocationError::Revoked => VerifyError::Revoked,
                RevocationError::Unavailable(why) => VerifyError::RevocationUnavailable(why),
            })?;
        Ok(VerifiedCertificate {
            certificate: leaf,
            issuer: issuer.clone(),
        })
    }
}

fn check_profile(
    leaf: &JpkiCertificate,
    purpose: CertificatePurpose,
    policy: PolicyKind,
) -> Result<(), VerifyError> {
    if leaf.is_ca() || leaf.purpose() == CertificatePurpose::CertificateAuthority {
        return Err(VerifyError::CaAsLeaf);
    }
    if leaf.purpose() != purpose {
        return Err(VerifyError::WrongPurpose);
    }
    match leaf.policy() {
        Some(p) if p == policy => {}
        Some(PolicyKind::Test) => return Err(VerifyError::WrongPolicy("JPKI-TEST")),
        _ => return Err(VerifyError::WrongPolicy("production JPKI")),
    }
    let ku = leaf.key_usage();
    let ku_ok = ku.present
        && ku.critical
        && ku.digital_signature
        && !ku.key_cert_sign
        && match purpose {
            CertificatePurpose::Signing => ku.non_repudiation,
            _ => leaf.extended_key_usage_client_auth(),
        };
    if !ku_ok {
        return Err(VerifyError::WrongKeyUsage);
    }
    if let Some(oid) = leaf.unknown_critical_extensions().into_iter().next() {
        return Err(VerifyError::UnknownCriticalExtension(oid));
    }
    Ok(())
}

/// Pick the anchor that issued `leaf`: same DN and key identifier, then the
/// signature decides. Generations of a J-LIS root share the DN, so the name
/// alone picks nothing; a rogue root with the same DN has another key.
fn find_issuer<'a>(
    leaf: &JpkiCertificate,
    anchors: &'a [JpkiCertificate],
) -> Result<&'a JpkiCertificate, VerifyError> {
    let mut key_matched = false;
    for anchor in anchors
        .iter()
        .filter(|a| a.subject_der() == leaf.issuer_der())
    {
        if let (Some(aki), Some(ski)) = (leaf.authority_key_id(), anchor.subject_key_id()) {
            if aki != ski {
                continue;
            }
            key_matched = true;
        }
        if leaf.verify_issued_by(anchor).is_ok() {
            return Ok(anchor);
        }
    }
    Err(if key_matched {
        VerifyError::BadSignature
    } else {
        VerifyError::UnknownIssuer
    })
}
