//! The taps the apps make, each one card conversation:
//!
//! * [`read_status`] — before asking for a PIN: token type, which certificates
//!   exist, tries left on both PINs. Sends no PIN.
//! * [`registration_tap`] — signing password and auth PIN → both
//!   certificates and one registration proof signed by **both** keys, so the
//!   server knows one person holds both (docs/card-protocol.md).
//!   9 APDUs with extended length (SELECT, tries of both secrets, VERIFY
//!   password, 2 reads, sign, VERIFY PIN, sign).
//! * [`login_tap`] — auth PIN → auth certificate and a login proof signed by
//!   the auth key. 5 APDUs with extended length.
//! * [`read_signing_certificate`] — signing password → signing certificate,
//!   to show the resident their 4 basic facts before anything is sent.
//!   4 APDUs with extended length (SELECT, tries, VERIFY, read).

use crate::cert::JpkiCertificate;
use crate::pin::{AuthPin, LastTry, PinKind, SigningPassword};
use crate::proof::{ProofPurpose, ProofRequest};
use crate::transport::Transport;

use super::{fid, CertificateAvailability, JpkiCard, JpkiError, KeyKind, PinStatus, TokenInfo};

/// What a card is and how its PINs stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardStatus {
    /// Token info (label, type).
    pub token: TokenInfo,
    /// Which certificates are on the card.
    pub availability: CertificateAvailability,
    /// The auth PIN's counter.
    pub auth_pin: PinStatus,
    /// The signing password's counter; `None` without a signing certificate.
    pub signing_password: Option<PinStatus>,
}

/// Read the card's status. Sends no PIN.
pub fn read_status<T: Transport>(transport: T) -> Result<CardStatus, JpkiError> {
    let mut card = JpkiCard::open(transport)?;
    let token = card.token_info()?;
    let availability = card.certificate_availability()?;
    let auth_pin = card.pin_status(PinKind::Auth)?;
    let signing_password = if availability.signing {
        Some(card.pin_status(PinKind::Signing)?)
    } else {
        None
    };
    Ok(CardStatus {
        token,
        availability,
        auth_pin,
        signing_password,
    })
}

/// What a registration tap returns: both certificates and the proof signed
/// by both keys.
#[derive(Debug, Clone)]
pub struct RegistrationTap {
    /// The signing certificate (carries the 4 basic facts).
    pub signing_certificate: JpkiCertificate,
    /// The user-authentication certificate (bound into the proof).
    pub auth_certificate: JpkiCertificate,
    /// The proof message bytes that were signed (binding both certificates).
    pub message: Vec<u8>,
    /// The signing key's PKCS#1 v1.5 SHA-256 signature over `message`.
    pub signature: Vec<u8>,
    /// The user-authentication key's signature over the same `message`.
    pub auth_signature: Vec<u8>,
    /// APDUs this tap used.
    pub apdus: usize,
}

/// Registration, one tap: read the tries left of both secrets (refusing a
/// blocked one, or a last try unless `last` allows it, before either is
/// sent), VERIFY the signing password, read both certificates, sign the
/// registration proof with the signing key, VERIFY the auth PIN and sign the
/// same proof with the auth key. Each signature is checked against its
/// certificate on the device. `last` applies to each secret on its own.
pub fn registration_tap<T: Transport>(
    transport: T,
    password: &SigningPassword,
    pin: &AuthPin,
    request: &ProofRequest,
    last: LastTry,
) -> Result<RegistrationTap, JpkiError> {
    if request.purpose != ProofPurpose::Register {
        return Err(JpkiError::Protocol(
            "registration needs a register challenge".into(),
        ));
    }
    let mut card = JpkiCard::open(transport)?;
    // Both counters first: a blocked PIN must not cost a password try.
    let password_status = card.pin_status(PinKind::Signing)?;
    let pin_status = card.pin_status(PinKind::Auth)?;
    JpkiCard::<T>::check_tries(PinKind::Signing, password_status, last)?;
    JpkiCard::<T>::check_tries(PinKind::Auth, pin_status, last)?;
    card.verify_signing_password_read(password, password_status, last)?;
    let signing = JpkiCertificate::from_der(&card.read_certificate(fid::SIGNING_CERT)?)?;
    let auth = JpkiCertificate::from_der(&card.read_certificate(fid::AUTH_CERT)?)?;
    let message = request
        .registration_message(auth.der(), signing.der())
        .to_bytes();
    let signature = card.sign(KeyKind::Signing, &message, &signing)?;
    card.verify_auth_pin_read(pin, pin_status, last)?;
    let auth_signature = card.sign(KeyKind::Auth, &message, &auth)?;
    Ok(RegistrationTap {
        signing_certificate: signing,
        auth_certificate: auth,
        message,
        signature,
        auth_signature,
        apdus: card.apdu_count(),
    })
}

/// Verify the signing password and read the signing certificate (which holds
/// the 4 basic facts). No signature and no challenge: the apps use it to show
/// the resident what the card says, offline.
pub fn read_signing_certificate<T: Transport>(
    transport: T,
    password: &SigningPassword,
    last: LastTry,
) -> Result<JpkiCertificate, JpkiError> {
    let mut card = JpkiCard::open(transport)?;
    card.verify_signing_password(password, last)?;
    Ok(JpkiCertificate::from_der(
        &card.read_certificate(fid::SIGNING_CERT)?,
    )?)
}

/// What a login tap returns.
#[derive(Debug, Clone)]
pub struct LoginTap {
    /// The user-authentication certificate.
    pub auth_certificate: JpkiCertificate,
    /// The proof message bytes that were signed.
    pub message: Vec<u8>,
    /// The auth key's signature over `message`.
    pub signature: Vec<u8>,
    /// APDUs this tap used.
    pub apdus: usize,
}

/// Login: verify the auth PIN, read the auth certificate, sign the login proof
/// with the auth key and check the signature.
pub fn login_tap<T: Transport>(
    transport: T,
    pin: &AuthPin,
    request: &ProofRequest,
    last: LastTry,
) -> Result<LoginTap, JpkiError> {
    if request.purpose != ProofPurpose::Login {
        return Err(JpkiError::Protocol("login needs a login challenge".into()));
    }
    let mut card = JpkiCard::open(transport)?;
    card.verify_auth_pin(pin, last)?;
    let auth = JpkiCertificate::from_der(&card.read_certificate(fid::AUTH_CERT)?)?;
    let message = request.message(auth.der()).to_bytes();
    let signature = card.sign(KeyKind::Auth, &message, &auth)?;
    Ok(LoginTap {
        auth_certificate: auth,
        message,
        signature,
        apdus: card.apdu_count(),
    })
}
