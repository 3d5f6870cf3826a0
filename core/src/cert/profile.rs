//! The JPKI profile: which policy OIDs mean what, what a certificate is for,
//! its key usage, and which extensions we understand.
//!
//! Policies (`jpki-facts.md` §5): signing `1.2.392.200149.8.5.1.1.20`,
//! authentication `1.2.392.200149.8.5.1.3.30`; JPKI-TEST cards use the `…1.0.*`
//! arc, `…1.0.20` for signing (read off test cards) and `…1.0.30` for
//! authentication (our inferred convention, which the test PKI follows).

use x509_parser::oid_registry::{
    OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER, OID_X509_EXT_BASIC_CONSTRAINTS,
    OID_X509_EXT_CERTIFICATE_POLICIES, OID_X509_EXT_CRL_DISTRIBUTION_POINTS,
    OID_X509_EXT_EXTENDED_KEY_USAGE, OID_X509_EXT_ISSUER_ALT_NAME, OID_X509_EXT_KEY_USAGE,
    OID_X509_EXT_SUBJECT_ALT_NAME, OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
};

use super::CertError;

/// What a JPKI certificate is for, decided from its CA flag and policy OID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificatePurpose {
    /// 署名用電子証明書: carries the 4 basic facts; proves who the resident is.
    Signing,
    /// 利用者証明用電子証明書: an opaque identifier, used to log in.
    Authentication,
    /// A J-LIS root (basicConstraints `CA:TRUE`).
    CertificateAuthority,
}

/// Whether a policy OID belongs to the production JPKI or to JPKI-TEST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// `1.2.392.200149.8.5.1.1.20` (signing) / `…1.3.30` (authentication).
    Production,
    /// `1.2.392.200149.8.5.1.0.20` (signing) / `…1.0.30` (authentication).
    /// Never accept these where real identities are expected.
    Test,
}

/// Encoded OID `1.2.392.200149.8.5`, the J-LIS JPKI arc.
pub(crate) const JPKI_ARC: [u8; 8] = [0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05];

/// The dotted policy OID for a purpose and kind, or `None` for a CA.
pub fn policy_oid(purpose: CertificatePurpose, kind: PolicyKind) -> Option<&'static str> {
    match (purpose, kind) {
        (CertificatePurpose::Signing, PolicyKind::Production) => Some("1.2.392.200149.8.5.1.1.20"),
        (CertificatePurpose::Signing, PolicyKind::Test) => Some("1.2.392.200149.8.5.1.0.20"),
        (CertificatePurpose::Authentication, PolicyKind::Production) => {
            Some("1.2.392.200149.8.5.1.3.30")
        }
        (CertificatePurpose::Authentication, PolicyKind::Test) => Some("1.2.392.200149.8.5.1.0.30"),
        (CertificatePurpose::CertificateAuthority, _) => None,
    }
}

/// Classifies one encoded policy OID.
fn classify_policy(encoded: &[u8]) -> Option<(CertificatePurpose, PolicyKind)> {
    let tail = encoded.strip_prefix(&JPKI_ARC[..])?;
    match tail {
        [0x01, 0x01, 0x14] => Some((CertificatePurpose::Signing, PolicyKind::Production)),
        [0x01, 0x00, 0x14] => Some((CertificatePurpose::Signing, PolicyKind::Test)),
        [0x01, 0x03, 0x1E] => Some((CertificatePurpose::Authentication, PolicyKind::Production)),
        [0x01, 0x00, 0x1E] => Some((CertificatePurpose::Authentication, PolicyKind::Test)),
        _ => None,
    }
}

/// The JPKI policy found among a certificate's policy OIDs (encoded form),
/// `Ok(None)` when there is none, an error when two disagree.
pub(crate) fn jpki_policy<'a>(
    encoded_oids: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Option<(CertificatePurpose, PolicyKind)>, CertError> {
    let mut found = None;
    for oid in encoded_oids {
        if let Some(p) = classify_policy(oid) {
            match found {
                Some(prev) if prev != p => return Err(CertError::AmbiguousPolicy),
                _ => found = Some(p),
            }
        }
    }
    Ok(found)
}

/// The key usage extension, reduced to the bits the JPKI profile uses.
///
/// Signing certificates carry `digitalSignature, nonRepudiation` (critical),
/// authentication certificates `digitalSignature` (critical), roots
/// `keyCertSign, cRLSign` (critical).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsage {
    /// The certificate has a key usage extension at all. When `false`, every
    /// other field is `false`.
    pub present: bool,
    /// The extension is marked critical.
    pub critical: bool,
    /// `digitalSignature` (bit 0).
    pub digital_signature: bool,
    /// `nonRepudiation` / `contentCommitment` (bit 1).
    pub non_repudiation: bool,
    /// `keyCertSign` (bit 5).
    pub key_cert_sign: bool,
    /// `cRLSign` (bit 6).
    pub crl_sign: bool,
    /// All bits as x509-parser decodes them: bit *n* of RFC 5280's
    /// `KeyUsage` is `1 << n` (`digitalSignature` = `0x0001`). Lets a verifier
    /// insist that no other usage is set.
    pub bits: u16,
}

impl KeyUsage {
    pub(crate) fn from_extension(flags: u16, critical: bool) -> Self {
        KeyUsage {
            present: true,
            critical,
            digital_signature: flags & (1 << 0) != 0,
            non_repudiation: flags & (1 << 1) != 0,
            key_cert_sign: flags & (1 << 5) != 0,
            crl_sign: flags & (1 << 6) != 0,
            bits: flags,
        }
    }
}

/// Extensions whose semantics we implement, so they may be critical:
/// KU, BC, certificatePolicies, EKU, SAN, AKI, SKI, IAN, CRLDP.
pub(crate) fn is_understood_extension(oid: &x509_parser::der_parser::oid::Oid<'_>) -> bool {
    [
        &OID_X509_EXT_KEY_USAGE,
        &OID_X509_EXT_BASIC_CONSTRAINTS,
        &OID_X509_EXT_CERTIFICATE_POLICIES,
        &OID_X509_EXT_EXTENDED_KEY_USAGE,
        &OID_X509_EXT_SUBJECT_ALT_NAME,
        &OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER,
        &OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
        &OID_X509_EXT_ISSUER_ALT_NAME,
        &OID_X509_EXT_CRL_DISTRIBUTION_POINTS,
    ]
    .into_iter()
    .any(|known| known == oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(tail: &[u8]) -> Vec<u8> {
        let mut v = JPKI_ARC.to_vec();
        v.extend_from_slice(tail);
        v
    }

    #[test]
    fn classifies_the_four_policies() {
        use CertificatePurpose::*;
        use PolicyKind::*;
        assert_eq!(
            classify_policy(&enc(&[1, 1, 20])),
            Some((Signing, Production))
        );
        assert_eq!(classify_policy(&enc(&[1, 0, 20])), Some((Signing, Test)));
        assert_eq!(
            classify_policy(&enc(&[1, 3, 30])),
            Some((Authentication, Production))
        );
        assert_eq!(
            classify_policy(&enc(&[1, 0, 30])),
            Some((Authentication, Test))
        );
        assert_eq!(classify_policy(&enc(&[1, 2, 20])), None);
        assert_eq!(classify_policy(&enc(&[1, 1, 20, 1])), None);
        assert_eq!(classify_policy(&[0x2A, 0x03]), None);
    }

    #[test]
    fn oid_strings_match_encodings() {
        use CertificatePurpose::*;
        use PolicyKind::*;
        for (purpose, kind, tail) in [
            (Signing, Production, [1u8, 1, 20]),
            (Signing, Test, [1, 0, 20]),
            (Authentication, Production, [1, 3, 30]),
            (Authentication, Test, [1, 0, 30]),
        ] {
            let dotted = policy_oid(purpose, kind).expect("end-entity policy");
            let oid = x509_parser::der_parser::oid::Oid::new(enc(&tail).into());
            assert_eq!(oid.to_id_string(), dotted);
        }
        assert_eq!(policy_oid(CertificateAuthority, Production), None);
    }

    #[test]
    fn contradictory_policies_are_rejected() {
        let sign = enc(&[1, 1, 20]);
        let auth = enc(&[1, 3, 30]);
        let test_sign = enc(&[1, 0, 20]);
        let other = [0x2A, 0x03];
        assert_eq!(
            jpki_policy([&other[..], &sign[..], &sign[..]]),
            Ok(Some((CertificatePurpose::Signing, PolicyKind::Production)))
        );
        assert_eq!(jpki_policy([&other[..]]), Ok(None));
        assert_eq!(
            jpki_policy([&sign[..], &auth[..]]),
            Err(CertError::AmbiguousPolicy)
        );
        assert_eq!(
            jpki_policy([&sign[..], &test_sign[..]]),
            Err(CertError::AmbiguousPolicy)
        );
    }

    #[test]
    fn key_usage_bits() {
        // 03 02 06 C0: digitalSignature + nonRepudiation.
        let ku = KeyUsage::from_extension(0x0003, true);
        assert!(ku.present && ku.critical && ku.digital_signature && ku.non_repudiation);
        assert!(!ku.key_cert_sign && !ku.crl_sign);
        let ca = KeyUsage::from_extension(0x0060, true);
        assert!(ca.key_cert_sign && ca.crl_sign && !ca.digital_signature);
        assert!(!KeyUsage::default().present);
    }
}
