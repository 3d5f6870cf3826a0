//! [`JpkiCertificate`]: one X.509 certificate from a My Number Card or a J-LIS
//! root, parsed once with x509-parser into owned values.
//!
//! Parsing checks structure, not trust: whether the certificate is valid now,
//! chains to a pinned root, has the right key usage, or is revoked is the
//! verifier's call (the server's path validation), using the accessors here.
//! What parsing does refuse is anything the accessors could not describe
//! truthfully: non-RSA or out-of-range keys, duplicate or undecodable
//! extensions we rely on, an end-entity certificate without a JPKI policy,
//! and a signing certificate whose basic facts are missing or invalid.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use x509_parser::certificate::{X509Certificate, X509CertificateParser};
use x509_parser::nom::Parser;
use x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AlgorithmIdentifier, X509Name};

use super::extensions::{read_extensions, signing_facts};
use super::{
    der_length, BasicInfo, CertError, CertificatePurpose, KeyUsage, PolicyKind, RsaPublicKey,
};

/// A parsed JPKI certificate. It owns its DER; every accessor is a cheap read
/// of values decoded in [`JpkiCertificate::from_der`], except that the
/// display strings of [`JpkiCertificate::issuer`] and
/// [`JpkiCertificate::subject`] are formatted on first use. Two certificates
/// are equal when their DER is.
///
/// `Debug` shows the certificate's identity (purpose, serial, names,
/// validity) but never the resident's facts.
#[derive(Clone)]
pub struct JpkiCertificate {
    der: Vec<u8>,
    tbs: Range<usize>,
    serial: Range<usize>,
    issuer_der: Range<usize>,
    subject_der: Range<usize>,
    signature: Vec<u8>,
    /// `None` when both algorithm identifiers are sha256WithRSAEncryption,
    /// otherwise the dotted OID that is not.
    unsupported_signature_algorithm: Option<String>,
    /// Display strings, made on first use: formatting names costs more than
    /// the rest of the parse, and most callers never display them.
    issuer: OnceLock<String>,
    subject: OnceLock<String>,
    not_before: i64,
    not_after: i64,
    purpose: CertificatePurpose,
    policy: Option<PolicyKind>,
    is_ca: bool,
    key_usage: KeyUsage,
    eku_client_auth: bool,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    authority_cert_serial: Option<Vec<u8>>,
    unknown_critical_extensions: Vec<String>,
    public_key: RsaPublicKey,
    basic_info: Option<BasicInfo>,
}

impl JpkiCertificate {
    /// Parses exactly one DER certificate: `der` must end where the
    /// certificate ends. Card EFs carry filler after the certificate; trim it
    /// with [`der_length`] or use [`JpkiCertificate::from_ef_contents`].
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let length = der_length(der)?;
        if length > der.len() {
            return Err(CertError::DerTruncated {
                needed: length,
                available: der.len(),
            });
        }
        if length < der.len() {
            return Err(CertError::TrailingData {
                der_length: length,
                extra: der.len() - length,
            });
        }
        // Deep extension parsing off: `extensions.rs` decodes what we use.
        let parsed = X509CertificateParser::new()
            .with_deep_parse_extensions(false)
            .parse(der);
        let cert = match parsed {
            Ok(([], cert)) => cert,
            Ok((rest, _)) => {
                return Err(CertError::TrailingData {
                    der_length: der.len() - rest.len(),
                    extra: rest.len(),
                })
            }
            Err(e) => {
                return Err(CertError::Malformed {
                    reason: e.to_string(),
                })
            }
        };
        if cert.signature_value.unused_bits != 0 {
            return Err(CertError::Malformed {
                reason: "signature BIT STRING has unused bits".to_owned(),
            });
        }
        Self::from_parsed(der, &cert)
    }

    /// Parses the certificate at the start of an EF's contents, ignoring the
    /// filler after it (the length comes from the DER header).
    pub fn from_ef_contents(contents: &[u8]) -> Result<Self, CertError> {
        let length = der_length(contents)?;
        let der = contents.get(..length).ok_or(CertError::DerTruncated {
            needed: length,
            available: contents.len(),
        })?;
        Self::from_der(der)
    }

    fn from_parsed(der: &[u8], cert: &X509Certificate<'_>) -> Result<Self, CertError> {
        let tbs = &cert.tbs_certificate;
        let ext = read_extensions(tbs.extensions())?;
        let public_key = RsaPublicKey::from_spki(&tbs.subject_pki)?;

        let (purpose, policy) = match (ext.is_ca, ext.policy) {
            (true, policy) => (
                CertificatePurpose::CertificateAuthority,
                policy.map(|(_, kind)| kind),
            ),
            (false, Some((purpose, kind))) => (purpose, Some(kind)),
            (false, None) => {
                return Err(CertError::UnknownPolicy {
                    oids: ext.policy_oids,
                })
            }
        };
        let basic_info = match purpose {
            CertificatePurpose::Signing => Some(signing_facts(tbs.extensions())?),
            _ => None,
        };

        Ok(JpkiCertificate {
            tbs: span(der, tbs.as_ref())?,
            serial: span(der, serial_magnitude(tbs.raw_serial()))?,
            issuer_der: span(der, tbs.issuer.as_raw())?,
            subject_der: span(der, tbs.subject.as_raw())?,
            signature: cert.signature_value.data.to_vec(),
            unsupported_signature_algorithm: unsupported_algorithm(
                &cert.signature_algorithm,
                &tbs.signature,
            ),
            issuer: OnceLock::new(),
            subject: OnceLock::new(),
            not_before: tbs.validity.not_before.timestamp(),
            not_after: tbs.validity.not_after.timestamp(),
            purpose,
            policy,
            is_ca: ext.is_ca,
            key_usage: ext.key_usage,
            eku_client_auth: ext.eku_client_auth,
            subject_key_id: ext.subject_key_id,
            authority_key_id: ext.authority_key_id,
            authority_cert_serial: ext.authority_cert_serial,
            unknown_critical_extensions: ext.unknown_critical,
            public_key,
            basic_info,
            der: der.to_vec(),
        })
    }

    /// The certificate's DER, exactly as parsed.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// What the certificate is for: [`CertificatePurpose::CertificateAuthority`]
    /// when basicConstraints says CA, otherwise from the JPKI policy OID.
    pub fn purpose(&self) -> CertificatePurpose {
        self.purpose
    }

    /// Production or JPKI-TEST policy. Always `Some` for end-entity
    /// certificates; `None` for roots without a JPKI policy (the real roots
    /// carry none).
    pub fn policy(&self) -> Option<PolicyKind> {
        self.policy
    }

    /// The serial number's magnitude, big-endian, without the DER sign octet
    /// (`01 2D 57 CA`).
    pub fn serial(&self) -> &[u8] {
        &self.der[self.serial.clone()]
    }

    /// The serial number as upper-case hex (`"012D57CA"`), as J-LIS and
    /// OpenSSL print it.
    pub fn serial_hex(&self) -> String {
        hex::encode_upper(self.serial())
    }

    /// The issuer DN for display (`"C=JP, O=JPKI, OU=…"`, in certificate
    /// order). Compare names with [`JpkiCertificate::issuer_der`].
    pub fn issuer(&self) -> &str {
        self.issuer.get_or_init(|| display_name(self.issuer_der()))
    }

    /// The subject DN for display. On JPKI end-entity certificates it holds an
    /// issuance identifier, not the resident's name.
    pub fn subject(&self) -> &str {
        self.subject
            .get_or_init(|| display_name(self.subject_der()))
    }

    /// The issuer `Name` DER, for exact comparison with a root's subject.
    pub fn issuer_der(&self) -> &[u8] {
        &self.der[self.issuer_der.clone()]
    }

    /// The subject `Name` DER.
    pub fn subject_der(&self) -> &[u8] {
        &self.der[self.subject_der.clone()]
    }

    /// notBefore, in Unix seconds (UTC).
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// notAfter, in Unix seconds (UTC). JPKI sets 23:59:59 JST (14:59:59Z).
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// Whether `unix_seconds` lies within notBefore..=notAfter (both
    /// inclusive, RFC 5280 §4.1.2.5). The caller supplies the time.
    pub fn is_valid_at(&self, unix_seconds: i64) -> bool {
        self.not_before <= unix_seconds && unix_seconds <= self.not_after
    }

    /// The subjectKeyIdentifier, if present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_deref()
    }

    /// The keyIdentifier of the authorityKeyIdentifier, if present. Matches
    /// the issuing root's [`JpkiCertificate::subject_key_id`].
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_deref()
    }

    /// The authorityCertSerialNumber of the authorityKeyIdentifier, if
    /// present (raw INTEGER content; `01` names the 2015 root).
    pub fn authority_cert_serial(&self) -> Option<&[u8]> {
        self.authority_cert_serial.as_deref()
    }

    /// The key usage bits and whether the extension is critical.
    pub fn key_usage(&self) -> KeyUsage {
        self.key_usage
    }

    /// Whether the extendedKeyUsage lists `id-kp-clientAuth` (auth certificates).
    pub fn extended_key_usage_client_auth(&self) -> bool {
        self.eku_client_auth
    }

    /// Dotted OIDs of critical extensions outside the set we understand (KU,
    /// BC, certificatePolicies, EKU, SAN, AKI, SKI, IAN, CRLDP). A verifier
    /// must reject a certificate for which this is not empty (RFC 5280 §4.2).
    pub fn unknown_critical_extensions(&self) -> Vec<String> {
        self.unknown_critical_extensions.clone()
    }

    /// basicConstraints `CA:TRUE`.
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }

    /// The subject's RSA public key (2048–8192 bits, checked at parse).
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public_key
    }

    /// SHA-256 of the DER: the fingerprint J-LIS publishes for its roots,
    /// and the value the proof format binds the auth certificate by.
    pub fn fingerprint_sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.der).into()
    }

    /// The resident's facts: `Some` exactly for signing certificates (parsing
    /// fails when a signing certificate lacks them).
    pub fn basic_info(&self) -> Option<&BasicInfo> {
        self.basic_info.as_ref()
    }

    /// The DER of the TBSCertificate: the bytes the issuer signed.
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// The signature bits (256 bytes for RSA-2048).
    pub fn signature_value(&self) -> &[u8] {
        &self.signature
    }

    /// Whether the certificate is signed with sha256WithRSAEncryption (both
    /// the outer and the TBS algorithm identifier, parameters NULL or absent).
    pub fn signature_is_sha256_rsa(&self) -> bool {
        self.unsupported_signature_algorithm.is_none()
    }

    /// Checks that `issuer`'s key made this certificate's signature. Only the
    /// signature: names, validity and key usage are the caller's to check.
    /// J-LIS roots of different generations share a DN, so this is how a
    /// verifier picks the right one.
    pub fn verify_issued_by(&self, issuer: &JpkiCertificate) -> Result<(), CertError> {
        if let Some(oid) = &self.unsupported_signature_algorithm {
            return Err(CertError::UnsupportedSignatureAlgorithm { oid: oid.clone() });
        }
        issuer
            .public_key
            .verify_pkcs1_sha256(self.tbs_der(), &self.signature)
    }
}

impl fmt::Debug for JpkiCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JpkiCertificate")
            .field("purpose", &self.purpose)
            .field("policy", &self.policy)
            .field("serial", &self.serial_hex())
            .field("issuer", &self.issuer())
            .field("subject", &self.subject())
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field(
                "basic_info",
                &self.basic_info.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// Certificates are equal when their DER is: everything else is derived from it.
impl PartialEq for JpkiCertificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for JpkiCertificate {}

/// RFC 4514-style display of a `Name` DER that x509-parser already accepted.
fn display_name(der: &[u8]) -> String {
    match X509Name::from_der(der) {
        Ok((_, name)) => name.to_string(),
        Err(_) => format!("<undecodable name {}>", hex::encode_upper(der)),
    }
}

/// `None` if both identifiers are sha256WithRSAEncryption with NULL or absent
/// parameters; otherwise the dotted OID of the offending one.
fn unsupported_algorithm(
    outer: &AlgorithmIdentifier<'_>,
    inner: &AlgorithmIdentifier<'_>,
) -> Option<String> {
    let ok = |alg: &AlgorithmIdentifier<'_>| {
        alg.algorithm == OID_PKCS1_SHA256WITHRSA
            && alg
                .parameters
                .as_ref()
                .is_none_or(|p| p.tag() == x509_parser::asn1_rs::Tag::Null && p.data.is_empty())
    };
    if !ok(outer) {
        Some(outer.algorithm.to_id_string())
    } else if !ok(inner) || inner.algorithm != outer.algorithm {
        Some(inner.algorithm.to_id_string())
    } else {
        None
    }
}

/// Drops the sign octet(s) of a positive INTEGER's content; negative or
/// single-octet serials are kept as they are.
fn serial_magnitude(raw: &[u8]) -> &[u8] {
    let zeros = raw.iter().take_while(|&&b| b == 0).count();
    &raw[zeros.min(raw.len().saturating_sub(1))..]
}

/// Where `part`, a sub-slice of `whole` handed out by x509-parser, lies in it.
fn span(whole: &[u8], part: &[u8]) -> Result<Range<usize>, CertError> {
    let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    let end = start.checked_add(part.len());
    match end {
        Some(end) if start <= whole.len() && end <= whole.len() => Ok(start..end),
        _ => Err(CertError::Malformed {
            reason: "parser returned bytes outside the certificate".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests;
