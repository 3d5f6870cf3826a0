//! # shiori-ffi
//!
//! The uniffi facade the Android (Kotlin) and iOS (Swift) apps call. It is
//! thin on purpose: every rule about the card (PIN safety, tries left, APDU
//! choice, certificate parsing) lives in `shiori-core`; this crate converts
//! types at the boundary and nothing else.
//!
//! ## The NFC link
//!
//! The app implements [`NfcLink`] (Android over `IsoDep`, iOS over Core NFC's
//! `NFCISO7816Tag`) and passes it to [`card_status`], [`read_basic_facts`],
//! [`registration_tap`] or [`login_tap`]. The adapter turns it into core's
//! [`Transport`]; capabilities are asked once per call, before the first APDU.
//!
//! ## Threading rule
//!
//! Every exported card function is **synchronous and blocks** until the whole
//! conversation with the card is over, calling [`NfcLink::transmit`] on the
//! caller's thread once per APDU. So:
//!
//! * **Android:** call from a background thread (e.g. `Dispatchers.IO`), never
//!   the main thread. `transmit` calls `IsoDep.transceive`, which itself
//!   blocks and must not run on the main thread.
//! * **iOS:** Core NFC's `sendCommand(apdu:completionHandler:)` is
//!   asynchronous and delivers its completion on the NFC session's queue.
//!   Call the Rust function from a queue that is **not** the session's
//!   delegate queue; `transmit` sends the command and waits on a semaphore
//!   that the completion handler signals. Waiting on the session's own queue
//!   deadlocks.
//!
//! A lost tag is [`LinkError::TagLost`]: the card's security state is gone and
//! the app starts again from the beginning (a fresh tap).
//!
//! ## Secrets
//!
//! The signing password and the 4-digit auth PIN cross the boundary as
//! `String`s (uniffi has no other way). Each is moved into zeroizing memory
//! at once, validated by core's [`SigningPassword`] or
//! [`AuthPin`](shiori_core::pin::AuthPin) (which zeroize on drop too), and
//! never logged or printed. A registration takes **both** secrets in one call
//! ([`registration_tap`]): both are checked for format before the first APDU,
//! so a mistyped PIN costs neither a password try nor a tap. No error text
//! ever contains a secret.
//!
//! ## The last try
//!
//! Every card call refuses to send a secret that has one try left
//! ([`CardError::LastTryRefused`], nothing sent) unless `allow_last_try` is
//! set, which the app does only after the resident confirmed. A registration
//! sends two secrets and the flag covers both: the app knows both counters
//! from [`card_status`] (the first tap) and sets the flag only when the
//! resident confirmed the last try of each secret that has one left.

use std::sync::Arc;

use shiori_core::cert::JpkiCertificate;
use shiori_core::jpki::{self, flows, JpkiError};
use shiori_core::library_card::render::{self, BarcodeStyle};
use shiori_core::library_card::{Codabar, RenderError};
use shiori_core::pin::{self, LastTry, PinFormatError, SigningPassword};
use shiori_core::transport::{self, Transport, TransportError};
use zeroize::Zeroizing;

uniffi::setup_scaffolding!();

mod server;
mod types;
#[cfg(feature = "virtual-card")]
mod virtual_link;

#[cfg(feature = "virtual-card")]
pub use virtual_link::VirtualCardLink;

pub use server::{
    login_tap, registration_tap, Challenge, LibraryServer, LoginProof, RegistrationDetails,
    RegistrationProof, ServerError, SignedIn,
};
pub use types::{BasicFacts, CardStatus, CardType, Gender, PinKind, PinState};

/// Why the NFC link could not carry an APDU. Raised by the app's [`NfcLink`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum LinkError {
    /// The card left the field (`TagLostException`, iOS "tag connection
    /// lost"). Start again with a fresh tap.
    #[error("the card left the NFC field: {reason}")]
    TagLost {
        /// What the platform said.
        reason: String,
    },
    /// The card did not answer in time.
    #[error("the card did not answer in time: {reason}")]
    Timeout {
        /// What the platform said.
        reason: String,
    },
    /// The platform refused the command as too long for the link.
    #[error("the NFC link could not carry this command: {reason}")]
    Unsupported {
        /// What the platform said.
        reason: String,
    },
    /// Any other platform failure (NFC off, session invalidated, …).
    #[error("NFC error: {reason}")]
    Other {
        /// What the platform said.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for LinkError {
    /// An exception the app's `transmit` did not declare. Kotlin hands over
    /// the whole stack trace; the first line (type and message) is enough
    /// for a log and keeps app paths out of error texts.
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        let first = e.reason.lines().next().unwrap_or_default().trim();
        Self::Other {
            reason: first.to_owned(),
        }
    }
}

impl From<LinkError> for TransportError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::TagLost { reason } => TransportError::CardLost(reason),
            LinkError::Timeout { reason } => TransportError::Timeout(reason),
            LinkError::Unsupported { reason } => TransportError::Unsupported(reason),
            LinkError::Other { reason } => TransportError::Link(reason),
        }
    }
}

/// What the phone's NFC link can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct LinkCapabilities {
    /// Extended-length APDUs pass (Android: `IsoDep.isExtendedLengthApduSupported`;
    /// iPhone: true).
    pub extended_length: bool,
    /// The largest response in bytes, status word included, one transmit can
    /// return (Android: `IsoDep.getMaxTransceiveLength`).
    pub max_transceive: u32,
}

/// The NFC link to one card, implemented by the app (see the crate
/// documentation for the threading rule).
#[uniffi::export(foreign)]
pub trait NfcLink: Send + Sync {
    /// Send one command APDU as it is and return the whole response APDU
    /// (data followed by SW1 SW2). Blocks until the card answers.
    fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, LinkError>;

    /// What this link can carry. Asked once per exported call.
    fn capabilities(&self) -> Result<LinkCapabilities, LinkError>;
}

/// Core's [`Transport`] over the app's [`NfcLink`].
struct LinkTransport {
    link: Arc<dyn NfcLink>,
    capabilities: transport::LinkCapabilities,
}

impl LinkTransport {
    fn new(link: Arc<dyn NfcLink>) -> Result<Self, CardError> {
        let caps = link
            .capabilities()
            .map_err(|e| CardError::from(JpkiError::from(TransportError::from(e))))?;
        Ok(Self {
            link,
            capabilities: transport::LinkCapabilities {
                extended_length: caps.extended_length,
                max_transceive: usize::try_from(caps.max_transceive).unwrap_or(usize::MAX),
            },
        })
    }
}

impl Transport for LinkTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.link.transmit(command.to_vec()).map_err(Into::into)
    }

    fn capabilities(&self) -> transport::LinkCapabilities {
        self.capabilities
    }
}

/// Why a card call failed. Each variant is a stable code (see
/// [`CardError::code`]); `reason` is English for logs, `reason_ja` is what a
/// resident reads. Neither ever contains a PIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum CardError {
    /// The typed PIN or password has the wrong format; nothing was sent (in
    /// a registration: neither secret, not even the SELECT).
    #[error("{reason}")]
    PinFormat {
        /// Which secret was mistyped.
        pin: PinKind,
        /// Core's stable code (`signing_password_length`, `auth_pin_format`, …).
        code: String,
        /// English text.
        reason: String,
    },
    /// Not a My Number Card (no JPKI application, or another token type).
    #[error("{reason}")]
    NotMyNumberCard {
        /// English text.
        reason: String,
        /// Japanese text for the resident.
        reason_ja: String,
    },
    /// The card has no signing certificate.
    #[error("{reason}")]
    NoSigningCertificate {
        /// English text.
        reason: String,
        /// Japanese text for the resident.
        reason_ja: String,
    },
    /// The PIN is blocked; only the municipal office can reset it.
    #[error("{reason}")]
    PinBlocked {
        /// Which PIN.
        pin: PinKind,
        /// English text.
        reason: String,
        /// Japanese text for the resident.
        reason_ja: String,
    },
    /// The PIN was wrong; `tries_left` remain (0: now blocked).
    #[error("{reason}")]
    WrongPin {
        /// Which PIN.
        pin: PinKind,
        /// Tries remaining after this failure.
        tries_left: u8,
        /// English text.
        reason: String,
        /// Japanese text for the resident.
        reason_ja: String,
    },
    /// One try left and the call did not set `allow_last_try`; nothing sent.
    #[error("{reason}")]
    LastTryRefused {
        /// Which PIN.
        pin: PinKind,
        /// English text.
        reason: String,
        /// Japanese text for the resident.
        reason_ja: String,
    },
    /// The card left the field; tap again.
    #[error("{reason}")]
    CardLost {
        /// English text.
        reason: String,
        /// Japanese text for the resident.
        reason_ja: String,
    },
    /// Any other failure talking to the card; `code` is core's stable code
    /// (`reader_error`, `unexpected_status`, `malformed_response`, …).
    #[error("{reason}")]
    Card {
        /// Core's stable code.
        code: String,
        /// English text.
        reason: String,
        /// Japanese text for the resident.
        reason_ja: String,
    },
}

impl CardError {
    /// The stable machine code (the same strings as core's `code()`).
    pub fn code(&self) -> &str {
        match self {
            Self::PinFormat { code, .. } | Self::Card { code, .. } => code,
            Self::NotMyNumberCard { .. } => "not_my_number_card",
            Self::NoSigningCertificate { .. } => "no_signing_certificate",
            Self::PinBlocked { .. } => "pin_blocked",
            Self::WrongPin { .. } => "wrong_pin",
            Self::LastTryRefused { .. } => "last_try_refused",
            Self::CardLost { .. } => "card_lost",
        }
    }
}

impl From<JpkiError> for CardError {
    fn from(e: JpkiError) -> Self {
        let reason = e.to_string();
        let reason_ja = e.message_ja();
        match e {
            JpkiError::NotMyNumberCard(_) | JpkiError::UnsupportedToken(_) => {
                Self::NotMyNumberCard { reason, reason_ja }
            }
            JpkiError::NoSigningCertificate => Self::NoSigningCertificate { reason, reason_ja },
            JpkiError::PinBlocked(p) => Self::PinBlocked {
                pin: p.into(),
                reason,
                reason_ja,
            },
            JpkiError::WrongPin { pin, tries_left } => Self::WrongPin {
                pin: pin.into(),
                tries_left,
                reason,
                reason_ja,
            },
            JpkiError::LastTryRefused(p) => Self::LastTryRefused {
                pin: p.into(),
                reason,
                reason_ja,
            },
            JpkiError::CardLost(_) => Self::CardLost { reason, reason_ja },
            other => Self::Card {
                code: other.code().to_string(),
                reason,
                reason_ja,
            },
        }
    }
}

impl From<PinFormatError> for CardError {
    fn from(e: PinFormatError) -> Self {
        let pin = match e {
            PinFormatError::AuthPinNotFourDigits => PinKind::AuthPin,
            PinFormatError::SigningPasswordLength(_)
            | PinFormatError::SigningPasswordCharacter { .. } => PinKind::SigningPassword,
        };
        Self::PinFormat {
            pin,
            code: e.code().to_string(),
            reason: e.to_string(),
        }
    }
}

/// Why a library card barcode could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum BarcodeError {
    /// The payload is not an NW-7 symbol (start/stop `A`–`D` around digits).
    #[error("{reason}")]
    BadPayload {
        /// Core's stable code.
        code: String,
        /// English text.
        reason: String,
    },
    /// The image could not be rendered at this size.
    #[error("{reason}")]
    Render {
        /// Core's stable code.
        code: String,
        /// English text.
        reason: String,
    },
}

/// Read the card's status before asking for a PIN: card type, which
/// certificates exist, tries left on both PINs. Sends no PIN and costs no try.
#[uniffi::export]
pub fn card_status(link: Arc<dyn NfcLink>) -> Result<CardStatus, CardError> {
    let status = flows::read_status(LinkTransport::new(link)?)?;
    Ok(status.into())
}

/// Verify the signing password and return the 4 basic facts of the signing
/// certificate, for the resident to check before registering.
///
/// Refuses to spend the password's last try unless `allow_last_try` is set
/// (after the app has warned the resident and they confirmed).
#[uniffi::export]
pub fn read_basic_facts(
    link: Arc<dyn NfcLink>,
    signing_password: String,
    allow_last_try: bool,
) -> Result<BasicFacts, CardError> {
    let typed = Zeroizing::new(signing_password);
    let password = SigningPassword::new(&typed)?;
    drop(typed);
    let certificate = flows::read_signing_certificate(
        LinkTransport::new(link)?,
        &password,
        last_try(allow_last_try),
    )?;
    facts_of(&certificate)
}

fn last_try(allow: bool) -> LastTry {
    if allow {
        LastTry::Allow
    } else {
        LastTry::Refuse
    }
}

fn facts_of(certificate: &JpkiCertificate) -> Result<BasicFacts, CardError> {
    let info = certificate.basic_info().ok_or_else(|| CardError::Card {
        code: "missing_basic_info".into(),
        reason: "the signing certificate carries no basic facts".into(),
        reason_ja: JpkiError::Protocol(String::new()).message_ja(),
    })?;
    Ok(BasicFacts::new(info, certificate))
}

/// The library card's NW-7 barcode as a PNG, from the payload the server
/// sends (`barcode_payload`, e.g. `A0290253031A`), for offline display.
/// `module_px` is the width of a narrow bar in pixels (4 is a good default).
#[uniffi::export]
pub fn library_card_barcode_png(
    barcode_payload: String,
    module_px: u32,
) -> Result<Vec<u8>, BarcodeError> {
    let symbol = symbol(&barcode_payload)?;
    render::codabar_png(&symbol, &style(module_px)).map_err(render_error)
}

/// The library card's NW-7 barcode as an SVG document with `caption` (the
/// human-readable number) under the bars if given.
#[uniffi::export]
pub fn library_card_barcode_svg(
    barcode_payload: String,
    caption: Option<String>,
) -> Result<String, BarcodeError> {
    let symbol = symbol(&barcode_payload)?;
    render::codabar_svg(&symbol, caption.as_deref(), &BarcodeStyle::default()).map_err(render_error)
}

fn symbol(payload: &str) -> Result<Codabar, BarcodeError> {
    Codabar::from_payload(payload).map_err(|e| BarcodeError::BadPayload {
        code: e.code().to_string(),
        reason: e.to_string(),
    })
}

fn style(module_px: u32) -> BarcodeStyle {
    BarcodeStyle {
        module_px,
        ..BarcodeStyle::default()
    }
}

fn render_error(e: RenderError) -> BarcodeError {
    BarcodeError::Render {
        code: e.code().to_string(),
        reason: e.to_string(),
    }
}

impl From<pin::PinKind> for PinKind {
    fn from(k: pin::PinKind) -> Self {
        match k {
            pin::PinKind::Auth => PinKind::AuthPin,
            pin::PinKind::Signing => PinKind::SigningPassword,
        }
    }
}

impl From<jpki::CardStatus> for CardStatus {
    fn from(s: jpki::CardStatus) -> Self {
        CardStatus {
            token_label: s.token.label,
            card_type: s.token.token_type.into(),
            signing_certificate: s.availability.signing,
            auth_certificate: s.availability.auth,
            auth_pin: PinState::of(s.auth_pin, pin::PinKind::Auth),
            signing_password: s
                .signing_password
                .map(|p| PinState::of(p, pin::PinKind::Signing)),
        }
    }
}
