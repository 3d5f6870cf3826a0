//! From a card tap to a patron session: the same path for the CLI, the demo
//! and the apps.
//!
//! 1. ask the server for a challenge (purpose, nonce, origin);
//! 2. tap the card: `core::jpki::flows` verifies the PIN(s) (tries left
//!    first), reads the certificates and signs the proof (a registration with
//!    both keys);
//! 3. send certificates and signature; the server verifies everything again
//!    and answers with the patron and a session.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use shiori_core::api::{Challenge, LoginRequest, RegistrationRequest, SessionResponse};
use shiori_core::cert::BasicInfo;
use shiori_core::jpki::flows::{login_tap, registration_tap, LoginTap, RegistrationTap};
use shiori_core::pin::{AuthPin, LastTry, SigningPassword};
use shiori_core::proof::{ProofPurpose, ProofRequest};
use shiori_core::Transport;

use crate::{Client, ClientError};

/// What the resident adds to the card's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationDetails {
    /// Contact e-mail.
    pub email: String,
    /// Name reading in katakana.
    pub name_kana: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Home branch code.
    pub home_branch: Option<String>,
}

/// The outcome of a registration: the facts the app showed from the card, and
/// the server's answer.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The 4 basic facts as parsed on the device from the signing certificate.
    pub local_facts: BasicInfo,
    /// APDUs the tap took.
    pub apdus: usize,
    /// The server's answer.
    pub response: SessionResponse,
}

/// Turn the server's challenge into what the card signs, refusing a challenge
/// for another purpose or with a nonce that is not base64.
pub fn proof_request(c: &Challenge, expected: ProofPurpose) -> Result<ProofRequest, ClientError> {
    if c.purpose != expected {
        return Err(ClientError::Decode(
            "the server sent a challenge for another purpose".into(),
        ));
    }
    let nonce = B64
        .decode(&c.nonce)
        .map_err(|e| ClientError::Decode(format!("nonce: {e}")))?;
    Ok(ProofRequest::new(expected, c.origin.clone(), nonce)?)
}

/// The 4 basic facts the device itself read from the tap's signing
/// certificate (the server derives its own from the verified certificate).
pub fn local_facts(tap: &RegistrationTap) -> Result<BasicInfo, ClientError> {
    tap.signing_certificate
        .basic_info()
        .cloned()
        .ok_or_else(|| ClientError::Decode("the signing certificate has no basic facts".into()))
}

/// The `POST /registrations` body for a signed registration tap.
pub fn registration_request(
    challenge_id: &str,
    tap: &RegistrationTap,
    details: &RegistrationDetails,
) -> RegistrationRequest {
    RegistrationRequest {
        challenge_id: challenge_id.to_owned(),
        signing_certificate: B64.encode(tap.signing_certificate.der()),
        auth_certificate: B64.encode(tap.auth_certificate.der()),
        message: B64.encode(&tap.message),
        signature: B64.encode(&tap.signature),
        auth_signature: Some(B64.encode(&tap.auth_signature)),
        email: details.email.clone(),
        name_kana: details.name_kana.clone(),
        phone: details.phone.clone(),
        home_branch: details.home_branch.clone(),
    }
}

/// The `POST /sessions` body for a signed login tap.
pub fn login_request(challenge_id: &str, tap: &LoginTap) -> LoginRequest {
    LoginRequest {
        challenge_id: challenge_id.to_owned(),
        auth_certificate: B64.encode(tap.auth_certificate.der()),
        message: B64.encode(&tap.message),
        signature: B64.encode(&tap.signature),
    }
}

/// Register (or re-register with a renewed card) with the signing password
/// and the auth PIN, in one tap: challenge, tap, request in one call (the
/// CLI's path; the apps take the three steps separately to show the facts
/// before sending them).
pub fn register_with_card<T: Transport>(
    client: &mut Client,
    transport: T,
    password: &SigningPassword,
    pin: &AuthPin,
    details: &RegistrationDetails,
    last: LastTry,
) -> Result<Registered, ClientError> {
    let challenge = client.challenge(ProofPurpose::Register)?;
    let request = proof_request(&challenge, ProofPurpose::Register)?;
    let tap = registration_tap(transport, password, pin, &request, last)?;
    let local_facts = local_facts(&tap)?;
    let response = client.register(&registration_request(&challenge.id, &tap, details))?;
    Ok(Registered {
        local_facts,
        apdus: tap.apdus,
        response,
    })
}

/// Log in on a new device with the 4-digit auth PIN.
pub fn login_with_card<T: Transport>(
    client: &mut Client,
    transport: T,
    pin: &AuthPin,
    last: LastTry,
) -> Result<SessionResponse, ClientError> {
    let challenge = client.challenge(ProofPurpose::Login)?;
    let request = proof_request(&challenge, ProofPurpose::Login)?;
    let tap = login_tap(transport, pin, &request, last)?;
    client.login(&login_request(&challenge.id, &tap))
}
