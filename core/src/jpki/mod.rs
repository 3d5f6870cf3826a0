//! The JPKI card client (公的個人認証 AP of the My Number Card).
//!
//! [`JpkiCard`] wraps a [`Transport`](crate::Transport) and speaks the JPKI
//! application's commands, one file per command family:
//! [`select`] (SELECT AP / EF), [`read`] (READ BINARY
//! strategies), [`verify`] (tries left and VERIFY with the PIN
//! safety rules), [`sign`] (COMPUTE DIGITAL SIGNATURE) and
//! [`token`] (token info and certificate availability).
//! [`flows`] composes them into the taps the apps make:
//! card status, registration and login. docs/card-protocol.md lists the exact
//! APDUs of each flow.

mod card;
mod error;
pub mod flows;
pub mod read;
pub mod select;
pub mod sign;
pub mod token;
pub mod verify;

pub use card::JpkiCard;
pub use error::JpkiError;
pub use flows::{CardStatus, LoginTap, RegistrationTap};
pub use read::SfiReadMode;
pub use sign::KeyKind;
pub use token::{CertificateAvailability, TokenInfo, TokenType};
pub use verify::PinStatus;

/// The JPKI application's DF name. Always sent in full: JICSAP cards also
/// accept a prefix, which could select another application.
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

/// Elementary files of the JPKI AP (jpki-facts §2.1). Every FID fits a short EF
/// identifier, so reads, VERIFY and signatures name them by SFI and skip SELECTs
/// (except on a card that does not take reads by SFI: [`read::SfiReadMode`]).
pub mod fid {
    /// Signing certificate; readable only after the signing password.
    pub const SIGNING_CERT: u16 = 0x0001;
    /// Signing CA (root) certificate.
    pub const SIGNING_CA: u16 = 0x0002;
    /// Token info (`CK_TOKEN_INFO`, label first).
    pub const TOKEN_INFO: u16 = 0x0006;
    /// Certificate availability (`8F 8F 00`).
    pub const AVAILABILITY: u16 = 0x0008;
    /// User-authentication certificate; free to read on the physical card.
    pub const AUTH_CERT: u16 = 0x000A;
    /// Auth CA (root) certificate.
    pub const AUTH_CA: u16 = 0x000B;
    /// Auth private key.
    pub const AUTH_KEY: u16 = 0x0017;
    /// Auth PIN.
    pub const AUTH_PIN: u16 = 0x0018;
    /// Signing private key.
    pub const SIGNING_KEY: u16 = 0x001A;
    /// Signing password.
    pub const SIGNING_PIN: u16 = 0x001B;

    /// The short EF identifier of a JPKI FID, if it has one.
    pub fn sfi(fid: u16) -> Option<u8> {
        (1..=0x1E).contains(&fid).then_some(fid as u8)
    }
}
