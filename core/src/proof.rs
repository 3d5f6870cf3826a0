//! The proof a card signs: canonical, versioned, domain-separated bytes.
//!
//! ```text
//! "SHIORI-JPKI-PROOF" 00        17-byte domain tag + NUL
//! VV                            format version: 01 login, 02 registration
//! PP                            purpose: 01 register, 02 login
//! LL <origin, LL bytes>         the server origin, e.g. "https://library.example.jp"
//! NN <nonce, NN bytes>          the challenge nonce from the server (16–64 bytes)
//! 20 <SHA-256 of the auth certificate DER>
//! 20 <SHA-256 of the signing certificate DER>      version 02 (registration) only
//! ```
//!
//! Every field is length-prefixed and the parser rejects trailing bytes, so
//! one byte string has exactly one meaning. The card signs SHA-256 of these
//! bytes with PKCS#1 v1.5.
//!
//! A **registration** message binds both certificates and is signed by
//! **both** keys (see [`verify_registration`]): the signing key, whose
//! certificate carries the 4 basic facts, and the user-authentication key,
//! whose certificate later logs the patron in. An auth certificate is public
//! (any reader gets it without a PIN), so without the auth key's signature a
//! person with their own card could bind someone else's auth certificate to
//! their record, or have their own facts written over the record that auth
//! certificate already logs into. Both signatures over one message that names
//! both certificates show that one person holds both keys of one card.
//! Version 01 registration messages (signed by the signing key alone) are
//! refused as [`ProofError::OutdatedRegistration`].
//!
//! A **login** message (version 01) binds the auth certificate and is signed by
//! the auth key ([`verify_proof`]).
//!
//! Certificate-chain validation is the server's job and happens before this.

use crate::cert::{CertificatePurpose, JpkiCertificate};
use crate::digest::sha256;

const DOMAIN: &[u8; 18] = b"SHIORI-JPKI-PROOF\0";
/// Format version of login messages.
const VERSION_LOGIN: u8 = 1;
/// Format version of registration messages (both certificates bound).
const VERSION_REGISTRATION: u8 = 2;
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
    /// 4 basic facts) and by the user-authentication key.
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

    fn version(self) -> u8 {
        match self {
            Self::Register => VERSION_REGISTRATION,
            Self::Login => VERSION_LOGIN,
        }
    }

    /// The certificate purpose whose key must sign this proof (for a
    /// registration: the first of its two signers).
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
    /// A registration proof binds another signing certificate than the one
    /// presented.
    #[error("the proof binds another signing certificate")]
    SigningCertificateMismatch,
    /// A registration proof carries no signature by the user-authentication
    /// key.
    #[error("the registration carries no signature by the user-authentication key")]
    AuthSignatureMissing,
    /// The user-authentication key's signature over a registration proof
    /// does not verify: the auth certificate presented is not the signer's.
    #[error("the user-authentication key's signature does not verify")]
    BadAuthSignature,
    /// A registration proof in the old format, signed by the signing key alone.
    #[error("registration proofs signed by the signing key alone are no longer accepted")]
    OutdatedRegistration,
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
            Self::SigningCertificateMismatch => "signing_certificate_mismatch",
            Self::AuthSignatureMissing => "auth_signature_missing",
            Self::BadAuthSignature => "bad_auth_signature",
            Self::OutdatedRegistration => "outdated_registration_proof",
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

    /// The login message to sign, binding `auth_certificate_der`.
    ///
    /// For a registration request use [`ProofRequest::registration_message`];
    /// this one binds no signing certificate and fails to verify as one.
    pub fn message(&self, auth_certificate_der: &[u8]) -> ProofMessage {
        ProofMessage {
            request: self.clone(),
            auth_certificate_sha256: sha256(auth_certificate_der),
            signing_certificate_sha256: None,
        }
    }

    /// The registration message both keys sign, binding both certificates.
    pub fn registration_message(
        &self,
        auth_certificate_der: &[u8],
        signing_certificate_der: &[u8],
    ) -> ProofMessage {
        ProofMessage {
            request: self.clone(),
            auth_certificate_sha256: sha256(auth_certificate_der),
            signing_certificate_sha256: Some(sha256(signing_certificate_der)),
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
    /// SHA-256 of the signing certificate DER: registration messages only.
    pub signing_certificate_sha256: Option<[u8; 32]>,
}

impl ProofMessage {
    /// The canonical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let r = &self.request;
        let mut out = Vec::with_capacity(DOMAIN.len() + 4 + r.origin.len() + r.nonce.len() + 66);
        out.extend_from_slice(DOMAIN);
        out.push(match self.signing_certificate_sha256 {
            Some(_) => VERSION_REGISTRATION,
            None => VERSION_LOGIN,
        });
        out.push(r.purpose.byte());
        out.push(r.origin.len() as u8);
        out.extend_from_slice(r.origin.as_bytes());
        out.push(r.nonce.len() as u8);
        out.extend_from_slice(&r.nonce);
        out.push(32);
        out.extend_from_slice(&self.auth_certificate_sha256);
        if let Some(hash) = &self.signing_certificate_sha256 {
            out.push(32);
            out.extend_from_slice(hash);
        }
        out
    }

    /// Parse canonical bytes strictly (no trailing data, every field valid).
    pub fn parse(bytes: &[u8]) -> Result<Self, ProofError> {
        let mut r = Reader(bytes);
        if r.take(DOMAIN.len())? != DOMAIN {
            return Err(ProofError::Malformed("not a Shiori proof"));
        }
        let version = r.byte()?;
        if version != VERSION_LOGIN && version != VERSION_REGISTRATION {
            return Err(ProofError::Malformed("unknown version"));
        }
        let purpose = match r.byte()? {
            1 => ProofPurpose::Register,
            2 => ProofPurpose::Login,
            _ => return Err(ProofError::Malformed("unknown purpose")),
        };
        if version != purpose.version() {
            return Err(match purpose {
                ProofPurpose::Register => ProofError::OutdatedRegistration,
                ProofPurpose::Login => ProofError::Malformed("login proofs are version 1"),
            });
        }
        let n = r.byte()? as usize;
        let origin = std::str::from_utf8(r.take(n)?)
            .map_err(|_| ProofError::Malformed("origin is not UTF-8"))?
            .to_string();
        let n = r.byte()? as usize;
        let nonce = r.take(n)?.to_vec();
        if r.byte()? != 32 {
            return Err(ProofError::Malformed("certificate hash is not SHA-256"));
        }
        let auth_certificate_sha256 = r.hash()?;
        let signing_certificate_sha256 = match purpose {
            ProofPurpose::Register => {
                if r.byte()? != 32 {
                    return Err(ProofError::Malformed("certificate hash is not SHA-256"));
                }
                Some(r.hash()?)
            }
            ProofPurpose::Login => None,
        };
        if !r.0.is_empty() {
            return Err(ProofError::Malformed("trailing bytes"));
        }
        Ok(Self {
            request: ProofRequest::new(purpose, origin, nonce)?,
            auth_certificate_sha256,
            signing_certificate_sha256,
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
    fn hash(&mut self) -> Result<[u8; 32], ProofError> {
        let mut hash = [0u8; 32];
        hash.copy_from_slice(self.take(32)?);
        Ok(hash)
    }
}

/// Verify a login proof: the message must equal what the server expects
/// (`expected`, whose hash binds `auth_certificate_der`), `signer` must be the
/// right kind of certificate for the purpose, and `signature` must verify.
///
/// A registration is verified with [`verify_registration`] instead: this
/// function refuses a registration message (it names two signers).
pub fn verify_proof(
    message: &[u8],
    signature: &[u8],
    signer: &JpkiCertificate,
    expected: &ProofRequest,
    auth_certificate_der: &[u8],
) -> Result<ProofMessage, ProofError> {
    let m = parse_expected(message, expected, auth_certificate_der)?;
    if m.signing_certificate_sha256.is_some() {
        return Err(ProofError::WrongPurpose);
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

/// The two signatures of a registration over one message.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationSignatures<'a> {
    /// The signing key's signature.
    pub signing: &'a [u8],
    /// The user-authentication key's signature; empty when the client sent
    /// none ([`ProofError::AuthSignatureMissing`]).
    pub auth: &'a [u8],
}

/// Verify a registration proof: the message must equal what the server
/// expects and bind both presented certificates, and **both** keys must have
/// signed it: `signing` (a signing certificate) and `auth` (a
/// user-authentication certificate). Only then may the auth certificate be
/// bound to the patron that the signing certificate identifies.
pub fn verify_registration(
    message: &[u8],
    signatures: RegistrationSignatures<'_>,
    signing: &JpkiCertificate,
    auth: &JpkiCertificate,
    expected: &ProofRequest,
) -> Result<ProofMessage, ProofError> {
    if expected.purpose != ProofPurpose::Register {
        return Err(ProofError::WrongPurpose);
    }
    let m = parse_expected(message, expected, auth.der())?;
    if m.signing_certificate_sha256 != Some(sha256(signing.der())) {
        return Err(ProofError::SigningCertificateMismatch);
    }
    if signing.purpose() != CertificatePurpose::Signing
        || auth.purpose() != CertificatePurpose::Authentication
    {
        return Err(ProofError::WrongKey);
    }
    if signatures.auth.is_empty() {
        return Err(ProofError::AuthSignatureMissing);
    }
    signing
        .public_key()
        .verify_pkcs1_sha256(message, signatures.signing)
        .map_err(|_| ProofError::BadSignature)?;
    auth.public_key()
        .verify_pkcs1_sha256(message, signatures.auth)
        .map_err(|_| ProofError::BadAuthSignature)?;
    Ok(m)
}

/// Parse `message` and check it answers `expected` and binds the auth
/// certificate presented.
fn parse_expected(
    message: &[u8],
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

    fn login() -> ProofRequest {
        ProofRequest::new(ProofPurpose::Login, "https://lib.example.jp", vec![7u8; 32]).unwrap()
    }

    #[test]
    fn codes_are_distinct_snake_case() {
        let samples = [
            ProofError::Malformed("x"),
            ProofError::InvalidOrigin,
            ProofError::InvalidNonce(1),
            ProofError::WrongPurpose,
            ProofError::WrongOrigin,
            ProofError::WrongChallenge,
            ProofError::AuthCertificateMismatch,
            ProofError::WrongKey,
            ProofError::BadSignature,
            ProofError::SigningCertificateMismatch,
            ProofError::AuthSignatureMissing,
            ProofError::BadAuthSignature,
            ProofError::OutdatedRegistration,
        ];
        let mut codes: Vec<&str> = samples.iter().map(ProofError::code).collect();
        for code in &codes {
            assert!(
                !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
        }
        for e in &samples {
            assert!(!e.to_string().is_empty());
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), samples.len());
    }

    #[test]
    fn round_trip_and_layout() {
        let m = req().registration_message(b"auth", b"signing");
        let b = m.to_bytes();
        assert!(b.starts_with(b"SHIORI-JPKI-PROOF\0\x02\x01\x16https://lib.example.jp\x20"));
        assert_eq!(b.len(), 18 + 2 + 1 + 22 + 1 + 32 + 1 + 32 + 1 + 32);
        assert_eq!(&b[b.len() - 32..], sha256(b"signing"));
        assert_eq!(ProofMessage::parse(&b).unwrap(), m);

        let m = login().message(b"auth");
        let b = m.to_bytes();
        assert!(b.starts_with(b"SHIORI-JPKI-PROOF\0\x01\x02\x16https://lib.example.jp\x20"));
        assert_eq!(b.len(), 18 + 2 + 1 + 22 + 1 + 32 + 1 + 32);
        assert_eq!(ProofMessage::parse(&b).unwrap(), m);
    }

    #[test]
    fn a_registration_bound_to_one_certificate_is_outdated() {
        // Version 1 registration: what clients before the two-key
        // registration signed with the signing key alone.
        let b = req().message(b"auth").to_bytes();
        assert_eq!(b[18], 1);
        assert_eq!(
            ProofMessage::parse(&b),
            Err(ProofError::OutdatedRegistration)
        );
        // A login message claiming version 2 is not a login.
        let mut b = login().message(b"auth").to_bytes();
        b[18] = 2;
        assert!(matches!(
            ProofMessage::parse(&b),
            Err(ProofError::Malformed(_))
        ));
    }

    #[test]
    fn rejects_trailing_and_truncated() {
        for mut b in [
            req().registration_message(b"a", b"s").to_bytes(),
            login().message(b"a").to_bytes(),
        ] {
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
        fn truncations_are_errors(cut in 0usize..141) {
            let b = req().registration_message(b"c", b"s").to_bytes();
            prop_assume!(cut < b.len());
            prop_assert!(ProofMessage::parse(&b[..cut]).is_err());
        }
    }
}
