//! The proof a card signs: canonical, versioned, domain-separated bytes.
//!
//! ```text
//! "SHIORI-JPKI-PROOF" 00        17-byte domain tag + NUL
//! 01                            format version
//! PP                            purpose: 01 register (signing key), 02 login (auth key)
//! LL <origin, LL bytes>         the server origin, e.g. "https://library.example.jp"
//! NN <nonce, NN bytes>          the challenge nonce from the server (16–64 bytes)
//! 20 <SHA-256 of the auth certificate DER>
//! ```
//!
//! Every field is length-prefixed and the parser rejects trailing bytes, so
//! one byte string has exactly one meaning. Binding the auth certificate's hash
//! into the registration proof lets a later login with the auth key find the
//! same patron. The card signs SHA-256 of these bytes with PKCS#1 v1.5.
//!
//! [`verify_proof`] is the verifier the server uses; it checks the message
//! against what the server expects and the signature against the certificate.
//! Certificate-chain validation is the server's job and happens before this.

use crate::cert::{CertificatePurpose, JpkiCertificate};
use crate::digest::sha256;

const DOMAIN: &[u8; 18] = b"SHIORI-JPKI-PROOF\0";
const VERSION: u8 = 1;
/// Shortest accepted challenge nonce.
pub const MIN_NONCE: usize = 16;
/// Longest accepted challenge nonce.
pub const MAX_NONCE: usize = 64;
/// Longest accepted origin.
pub const MAX_ORIGIN: usize = 255;

/// What a proof is for; decides which key must have signed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofPurpose {
    /// Registration: signed by the signing key (whose certificate carries the
    /// 4 basic facts).
    Register,
    /// Login on a new device: signed by the user-authentication key.
    Login,
}

impl ProofPurpose {
    fn byte(self) -> u8 {
        match self {
            Self::Register => 1,
            Self::Login => 2,
        }
    }

    /// The certificate purpose whose key must sign this proof.
    pub fn signer(self) -> CertificatePurpose {
        match self {
            Self::Register => CertificatePurpose::Signing,
            Self::Login => CertificatePurpose::Authentication,
        }
    }
}

/// Why a proof was rejected. Each reason has a stable [`ProofError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The bytes are not a well-formed proof message.
    #[error("malformed proof: {0}")]
    Malformed(&'static str),
    /// The origin is empty, too long, not ASCII or has a path.
    #[error("invalid origin")]
    InvalidOrigin,
    /// The nonce is shorter than 16 or longer than 64 bytes.
    #[error("invalid challenge nonce length {0}")]
    InvalidNonce(usize),
    /// The proof is for another purpose.
    #[error("the proof was made for another purpose")]
    WrongPurpose,
    /// The proof was made for another server.
    #[error("the proof was made for another server origin")]
    WrongOrigin,
    /// The proof answers another challenge.
    #[error("the proof answers another challenge")]
    WrongChallenge,
    /// The proof binds another auth certificate than the one presented.
    #[error("the proof binds another user-authentication certificate")]
    AuthCertificateMismatch,
    /// The signer's certificate is not the kind this purpose needs.
    #[error("the proof was signed with the wrong key for its purpose")]
    WrongKey,
    /// The signature does not verify with the certificate's key.
    #[error("the proof's signature does not verify")]
    BadSignature,
}

impl ProofError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_proof",
            Self::InvalidOrigin => "invalid_origin",
            Self::InvalidNonce(_) => "invalid_nonce",
            Self::WrongPurpose => "wrong_purpose",
            Self::WrongOrigin => "wrong_origin",
            Self::WrongChallenge => "wrong_challenge",
            Self::AuthCertificateMismatch => "auth_certificate_mismatch",
            Self::WrongKey => "wrong_key_for_purpose",
            Self::BadSignature => "bad_signature",
        }
    }
}

/// A challenge to answer: purpose, the server's origin and its nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofRequest {
    /// What the proof is for.
    pub purpose: ProofPurpose,
    /// The server origin (`scheme://host[:port]`).
    pub origin: String,
    /// The server's challenge nonce.
    pub nonce: Vec<u8>,
}

impl ProofRequest {
    /// Validate a request.
    pub fn new(
        purpose: ProofPurpose,
        origin: impl Into<String>,
        nonce: impl Into<Vec<u8>>,
    ) -> Result<Self, ProofError> {
        let origin = origin.into();
        let nonce = nonce.into();
        check_origin(&origin)?;
        if !(MIN_NONCE..=MAX_NONCE).contains(&nonce.len()) {
            return Err(ProofError::InvalidNonce(nonce.len()));
        }
        Ok(Self {
            purpose,
            origin,
            nonce,
        })
    }

    /// The message to sign, binding `auth_certificate_der`.
    pub fn message(&self, auth_certificate_der: &[u8]) -> ProofMessage {
        ProofMessage {
            request: self.clone(),
            auth_certificate_sha256: sha256(auth_certificate_der),
        }
    }
}

fn check_origin(origin: &str) -> Result<(), ProofError> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or(ProofError::InvalidOrigin)?;
    let ok = !rest.is_empty()
        && origin.len() <= MAX_ORIGIN
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    ok.then_some(()).ok_or(ProofError::InvalidOrigin)
}

/// A parsed or about-to-be-signed proof message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofMessage {
    /// Purpose, origin and nonce.
    pub request: ProofRequest,
    /// SHA-256 of the auth certificate DER.
    pub auth_certificate_sha256: [u8; 32],
}

impl ProofMessage {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let r = &self.request;
        let mut out = Vec::with_capacity(DOMAIN.len() + 4 + r.origin.len() + r.nonce.len() + 33);
        out.extend_from_slice(DOMAIN);
        out.push(VERSION);
        out.push(r.purpose.byte());
        out.push(r.origin.len() as u8);
        out.extend_from_slice(r.origin.as_bytes());
        out.push(r.nonce.len() as u8);
        out.extend_from_slice(&r.nonce);
        out.push(32);
        out.extend_from_slice(&self.auth_certificate_sha256);
        out
    }

    /// Parse canonical bytes strictly (no trailing data, every field valid).
    pub fn parse(bytes: &[u8]) -> Result<Self, ProofError> {
        let mut r = Reader(bytes);
        if r.take(DOMAIN.len())? != DOMAIN {
            return Err(ProofError::Malformed("not a Shiori proof"));
        }
        if r.byte()? != VERSION {
            return Err(ProofError::Malformed("unknown version"));
        }
        let purpose = match r.byte()? {
            1 => ProofPurpose::Register,
            2 => ProofPurpose::Login,
            _ => return Err(ProofError::Malformed("unknown purpose")),
        };
        let n = r.byte()? as usize;
        let origin = std::str::from_utf8(r.take(n)?)
            .map_err(|_| ProofError::Malformed("origin is not UTF-8"))?
            .to_string();
        let n = r.byte()? as usize;
        let nonce = r.take(n)?.to_vec();
        if r.byte()? != 32 {
            return Err(ProofError::Malformed("certificate hash is not SHA-256"));
        }
        let mut hash = [0u8; 32];
        hash.copy_from_slice(r.take(32)?);
        if !r.0.is_empty() {
            return Err(ProofError::Malformed("trailing bytes"));
        }
        Ok(Self {
            request: ProofRequest::new(purpose, origin, nonce)?,
            auth_certificate_sha256: hash,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ProofError> {
        if self.0.len() < n {
            return Err(ProofError::Malformed("truncated"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn byte(&mut self) -> Result<u8, ProofError> {
        Ok(self.take(1)?[0])
    }
}

/// Verify a proof: the message must equal what the server expects
/// (`expected`, whose hash binds `auth_certificate_der`), `signer` must be the
/// right kind of certificate for the purpose, and `signature` must verify.
pub fn verify_proof(
    message: &[u8],
    signature: &[u8],
    signer: &JpkiCertificate,
    expected: &ProofRequest,
    auth_certificate_der: &[u8],
) -> Result<ProofMessage, ProofError> {
    let m = ProofMessage::parse(message)?;
    if m.request.purpose != expected.purpose {
        return Err(ProofError::WrongPurpose);
    }
    if m.request.origin != expected.origin {
        return Err(ProofError::WrongOrigin);
    }
    if m.request.nonce != expected.nonce {
        return Err(ProofError::WrongChallenge);
    }
    if m.auth_certificate_sha256 != sha256(auth_certificate_der) {
        return Err(ProofError::AuthCertificateMismatch);
    }
    if signer.purpose() != expected.purpose.signer() {
        return Err(ProofError::WrongKey);
    }
    signer
        .public_key()
        .verify_pkcs1_sha256(message, signature)
        .map_err(|_| ProofError::BadSignature)?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn req() -> ProofRequest {
        ProofRequest::new(
            ProofPurpose::Register,
            "https://lib.example.jp",
            vec![7u8; 32],
        )
        .unwrap()
    }

    #[test]
    fn round_trip_and_layout() {
        let m = req().message(b"cert");
        let b = m.to_bytes();
        assert!(b.starts_with(b"SHIORI-JPKI-PROOF\0\x01\x01\x16https://lib.example.jp\x20"));
        assert_eq!(b.len(), 18 + 2 + 1 + 22 + 1 + 32 + 1 + 32);
        assert_eq!(ProofMessage::parse(&b).unwrap(), m);
    }

    #[test]
    fn rejects_trailing_and_truncated() {
        let mut b = req().message(b"cert").to_bytes();
        b.push(0);
        assert_eq!(
            ProofMessage::parse(&b),
            Err(ProofError::Malformed("trailing bytes"))
        );
        b.truncate(b.len() - 2);
        assert_eq!(
            ProofMessage::parse(&b),
            Err(ProofError::Malformed("truncated"))
        );
    }

    #[test]
    fn request_validation() {
        assert_eq!(
            ProofRequest::new(ProofPurpose::Login, "https://x.jp", vec![0; 15]),
            Err(ProofError::InvalidNonce(15))
        );
        for bad in [
            "lib.example.jp",
            "https://",
            "https://x.jp/path",
            "ftp://x",
            "https://ｘ.jp",
        ] {
            assert_eq!(
                ProofRequest::new(ProofPurpose::Login, bad, vec![0; 16]),
                Err(ProofError::InvalidOrigin),
                "{bad}"
            );
        }
        assert!(
            ProofRequest::new(ProofPurpose::Login, "http://127.0.0.1:8080", vec![0; 64]).is_ok()
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = ProofMessage::parse(&bytes);
        }

        #[test]
        fn truncations_are_errors(cut in 0usize..108) {
            let b = req().message(b"c").to_bytes();
            prop_assume!(cut < b.len());
            prop_assert!(ProofMessage::parse(&b[..cut]).is_err());
        }
    }
}
