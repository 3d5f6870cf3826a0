//! The link to a card: one synchronous, object-safe call.
//!
//! Every card conversation in Shiori goes through [`Transport::transmit`]. Desktop
//! readers (PC/SC), phone NFC (Android `IsoDep`, iOS Core NFC, implemented in
//! Kotlin and Swift through the FFI crate), the virtual card and recorded
//! transcripts are interchangeable behind it. The protocol logic above never
//! touches a socket, a reader handle or a clock.

/// What a link can carry. The JPKI client uses it to choose between one
/// extended-length READ BINARY and a series of short ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkCapabilities {
    /// The link (reader, phone NFC stack) passes extended Lc/Le APDUs.
    pub extended_length: bool,
    /// The largest response, in bytes including the status word, that the link
    /// can return from one transmit (Android's `IsoDep.getMaxTransceiveLength`).
    pub max_transceive: usize,
}

impl LinkCapabilities {
    /// A link that only carries short APDUs (256 data bytes + SW).
    pub const SHORT_ONLY: Self = Self {
        extended_length: false,
        max_transceive: 258,
    };
    /// A link that carries extended APDUs up to 64 KiB.
    pub const EXTENDED: Self = Self {
        extended_length: true,
        max_transceive: 65_538,
    };
}

/// Why a transmit failed below the APDU level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The card left the field or the reader (NFC tag lost, card pulled out).
    /// The card's security state is gone: start again from SELECT.
    #[error("the card was removed or the link to it was lost: {0}")]
    CardLost(String),
    /// The card or reader did not answer in time.
    #[error("the card did not answer in time: {0}")]
    Timeout(String),
    /// The link refused the command as too long (e.g. no extended length).
    #[error("the reader could not carry this command: {0}")]
    Unsupported(String),
    /// Anything else the link reports (reader unplugged, service stopped, …).
    #[error("card reader error: {0}")]
    Link(String),
}

/// A link to one card. Implementations send the command bytes as they are and
/// return the raw response bytes, status word included.
///
/// It must be object-safe: the JPKI client holds `&mut dyn Transport`.
pub trait Transport {
    /// Send one command APDU, return the response APDU (data followed by SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// What this link can carry.
    fn capabilities(&self) -> LinkCapabilities;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn capabilities(&self) -> LinkCapabilities {
        (**self).capabilities()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn capabilities(&self) -> LinkCapabilities {
        (**self).capabilities()
    }
}
