//! OCSP (RFC 6960) as a revocation source.
//!
//! For each certificate the checker POSTs an `OCSPRequest` with one CertID
//! (SHA-1 hashes of the issuer's name and key, as RFC 5019 responders expect)
//! and a fresh nonce to the configured responder, then accepts the answer only
//! if it is a `BasicOCSPResponse` signed with sha256WithRSA either by the
//! issuing root itself or by a responder certificate that root issued for
//! OCSP signing, names our CertID, echoes our nonce (when the responder echoes
//! nonces at all, the answer must be fresh: thisUpdate no older than
//! [`OcspChecker::max_age`]), and is inside its thisUpdate/nextUpdate window at
//! `now`. Anything else is "revocation unavailable", never a pass.
//!
//! The call blocks (bounded by a timeout); servers call verification from a
//! blocking thread.

use std::time::Duration;

use der::asn1::{Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha1::{Digest, Sha1};
use shiori_core::cert::{JpkiCertificate, RsaPublicKey};
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_ocsp::ext::Nonce;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    TbsRequest, Version,
};

use super::{RevocationChecker, RevocationError};

const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const OID_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const OID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
const OID_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
/// Clock skew tolerated on thisUpdate, in seconds.
const SKEW: i64 = 300;

/// Where nonces come from (randomness is a parameter, like time).
pub type NonceSource = Box<dyn Fn() -> [u8; 16] + Send + Sync>;

/// An OCSP client for one responder URL.
pub struct OcspChecker {
    url: String,
    agent: ureq::Agent,
    nonce: NonceSource,
    max_age: i64,
}

impl std::fmt::Debug for OcspChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcspChecker")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

fn unavailable(why: impl Into<String>) -> RevocationError {
    RevocationError::Unavailable(why.into())
}

impl OcspChecker {
    /// A checker asking `url` (e.g. `http://ocsp.example.jp`), waiting at most
    /// `timeout`, with nonces from `nonce`.
    pub fn new(url: impl Into<String>, timeout: Duration, nonce: NonceSource) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build()
            .into();
        Self {
            url: url.into(),
            agent,
            nonce,
            max_age: 24 * 3600,
        }
    }

    /// The oldest thisUpdate accepted from a responder that does not echo
    /// nonces (pre-signed responses), in seconds. Default one day.
    pub fn max_age(mut self, seconds: i64) -> Self {
        self.max_age = seconds;
        self
    }

    fn post(&self, body: &[u8]) -> Result<Vec<u8>, RevocationError> {
        let mut r = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/ocsp-request")
            .send(body)
            .map_err(|e| unavailable(format!("OCSP responder unreachable: {e}")))?;
        if r.status().as_u16() != 200 {
            return Err(unavailable(format!(
                "OCSP responder answered HTTP {}",
                r.status()
            )));
        }
        r.body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_vec()
            .map_err(|e| unavailable(format!("OCSP response unreadable: {e}")))
    }
}

/// The CertID of `leaf` under `issuer` (SHA-1, RFC 5019).
fn cert_id(leaf: &JpkiCertificate, issuer: &JpkiCertificate) -> Result<CertId, RevocationError> {
    let octets = |b: &[u8]| {
        OctetString::new(Sha1::digest(b).to_vec()).map_err(|e| unavailable(e.to_string()))
    };
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: OID_SHA1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: octets(issuer.subject_der())?,
        issuer_key_hash: octets(issuer.public_key().pkcs1_der())?,
        serial_number: SerialNumber::new(leaf.serial()).map_err(|e| unavailable(e.to_string()))?,
    })
}

fn nonce_of(exts: &Option<Vec<Extension>>) -> Option<Vec<u8>> {
    let e = exts.as_ref()?.iter().find(|e| e.extn_id == OID_NONCE)?;
    // The value is an OCTET STRING wrapping the nonce (RFC 8954); OpenSSL
    // also accepts a bare value, so take the inner octets when they parse.
    let raw = e.extn_value.as_bytes();
    Some(
        OctetString::from_der(raw)
            .map(|o| o.as_bytes().to_vec())
            .unwrap_or_else(|_| raw.to_vec()),
    )
}

/// The key that may sign responses about certificates from `issuer`: the
/// issuer itself, or a delegated responder certificate it signed for OCSP.
fn responder_key(
    basic: &BasicOcspResponse,
    issuer: &JpkiCertificate,
) -> Result<Vec<RsaPublicKey>, RevocationError> {
    let mut keys = vec![issuer.public_key().clone()];
    for cert in basic.certs.iter().flatten() {
        if delegated_by(cert, issuer) {
            let spki = cert
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(|e| unavailable(e.to_string()))?;
            if let Ok(k) = RsaPublicKey::from_spki_der(&spki) {
                keys.push(k);
            }
        }
    }
    Ok(keys)
}

fn delegated_by(cert: &Certificate, issuer: &JpkiCertificate) -> bool {
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    let Some(sig) = cert.signature.as_bytes() else {
        return false;
    };
    let ocsp_signing = cert.tbs_certificate.extensions.iter().flatten().any(|e| {
        e.extn_id == OID_EKU
            && ExtendedKeyUsage::from_der(e.extn_value.as_bytes())
                .is_ok_and(|eku| eku.0.contains(&OID_KP_OCSP_SIGNING))
    });
    cert.signature_algorithm.oid == OID_SHA256_WITH_RSA
        && ocsp_signing
        && issuer.public_key().verify_pkcs1_sha256(&tbs, sig).is_ok()
}

fn unix(t: &x509_ocsp::OcspGeneralizedTime) -> i64 {
    t.0.to_unix_duration().as_secs() as i64
}

impl RevocationChecker for OcspChecker {
    fn check(
        &self,
        leaf: &JpkiCertificate,
        issuer: &JpkiCertificate,
        now: i64,
    ) -> Result<(), RevocationError> {
        let id = cert_id(leaf, issuer)?;
        let nonce = (self.nonce)();
        let nonce_ext = Extension {
            extn_id: OID_NONCE,
            critical: false,
            extn_value: OctetString::new(
                Nonce::new(nonce.to_vec())
                    .and_then(|n| n.to_der())
                    .map_err(|e| unavailable(e.to_string()))?,
            )
            .map_err(|e| unavailable(e.to_string()))?,
        };
        let request = OcspRequest {
            tbs_request: TbsRequest {
                version: Version::V1,
                requestor_name: None,
                request_list: vec![Request {
                    req_cert: id.clone(),
                    single_request_extensions: None,
                }],
                request_extensions: Some(vec![nonce_ext]),
            },
            optional_signature: None,
        };
        let body = request.to_der().map_err(|e| unavailable(e.to_string()))?;
        let answer = self.post(&body)?;

        let response =
            OcspResponse::from_der(&answer).map_err(|_| unavailable("malformed OCSP response"))?;
        if response.response_status != OcspResponseStatus::Successful {
            return Err(unavailable(format!(
                "OCSP responder status {:?}",
                response.response_status
            )));
        }
        let bytes = response
            .response_bytes
            .ok_or_else(|| unavailable("OCSP response has no body"))?;
        if bytes.response_type != OID_OCSP_BASIC {
            return Err(unavailable("OCSP response is not a basic response"));
        }
        let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
            .map_err(|_| unavailable("malformed basic OCSP response"))?;
        if basic.signature_algorithm.oid != OID_SHA256_WITH_RSA {
            return Err(unavailable(
                "OCSP response is not signed with sha256WithRSA",
            ));
        }
        let tbs = basic
            .tbs_response_data
            .to_der()
            .map_err(|e| unavailable(e.to_string()))?;
        let sig = basic
            .signature
            .as_bytes()
            .ok_or_else(|| unavailable("bad OCSP signature encoding"))?;
        let signed = responder_key(&basic, issuer)?
            .iter()
            .any(|k| k.verify_pkcs1_sha256(&tbs, sig).is_ok());
        if !signed {
            return Err(unavailable(
                "OCSP response not signed by the issuer or its responder",
            ));
        }
        let data = &basic.tbs_response_data;
        let this = data
            .responses
            .iter()
            .find(|r| r.cert_id == id)
            .ok_or_else(|| unavailable("OCSP response does not answer for this certificate"))?;
        match nonce_of(&data.response_extensions) {
            Some(echo) if echo != nonce => {
                return Err(unavailable("OCSP nonce mismatch (replayed response?)"))
            }
            Some(_) => {}
            None if now - unix(&this.this_update) > self.max_age => {
                return Err(unavailable("OCSP response too old"))
            }
            None => {}
        }
        if unix(&this.this_update) > now + SKEW {
            return Err(unavailable("OCSP response from the future"));
        }
        if this.next_update.as_ref().is_some_and(|n| unix(n) < now) {
            return Err(unavailable("OCSP response expired"));
        }
        match this.cert_status {
            CertStatus::Good(_) => Ok(()),
            CertStatus::Revoked(_) => Err(RevocationError::Revoked),
            CertStatus::Unknown(_) => {
                Err(unavailable("OCSP responder does not know this certificate"))
            }
        }
    }
}
