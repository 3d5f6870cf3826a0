//! # shiori-core
//!
//! The card side of Shiori: everything needed to talk to a My Number Card
//! (マイナンバーカード) over its JPKI application and to understand what it returns,
//! with no network, no async runtime and no database.
//!
//! * [`api`] — JSON bodies of the HTTP API, shared by server and clients.
//! * [`apdu`] — ISO 7816-4 command and response APDUs and typed status words.
//! * [`transport`] — the one-method [`Transport`] trait that every link (PC/SC,
//!   phone NFC, the virtual card, recorded transcripts) implements.
//! * [`exchange`] — the central exchange that follows `61xx` and `6Cxx`.
//! * [`jpki`] — the JPKI card client: select, token info, tries left, VERIFY,
//!   certificate reads and on-card signatures, with PIN safety rules built in.
//! * [`pin`] — PIN types that validate, zeroize and never print.
//! * [`cert`] — the JPKI certificate profile: the 4 basic facts from a signing
//!   certificate, purpose by policy OID.
//! * [`proof`] — the canonical bytes the card signs for registration and login,
//!   and their verifier (shared with the server).
//! * [`transcript`] — recording and replaying APDU conversations for tests.
//! * [`library_card`] — library card numbers (NW-7 with a per-library check
//!   scheme), desk-scanner input validation, barcode and QR rendering.
//! * [`catalogue`] — the library catalogue: search normalization and n-gram
//!   terms, ISBN-10/13 parsing, catalogue CSV import (parsing only).
//!
//! Time is always a parameter: nothing here reads the clock.
#![deny(missing_docs)]

pub mod apdu;
pub mod api;
pub mod catalogue;
pub mod cert;
pub mod digest;
pub mod exchange;
pub mod jpki;
pub mod library_card;
pub mod pin;
pub mod proof;
pub mod transcript;
pub mod transport;

#[cfg(feature = "pcsc")]
pub mod pcsc;
#[cfg(feature = "virtual-card")]
pub mod virtual_card;

pub use transport::{LinkCapabilities, Transport, TransportError};
