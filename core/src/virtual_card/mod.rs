//! A software My Number Card (feature `virtual-card`).
//!
//! [`VirtualCard`] answers the JPKI AP's APDUs with the same status words as
//! the real card (jpki-facts §3): SELECT by full AID only, `6982` before
//! VERIFY, PIN counters that block at zero (`63C0`, then `6984`), security state
//! lost on re-select, reset and power-off, SFI reads that make the EF current
//! (or, switched by [`SfiReads`], leave it alone or are refused, as some cards
//! do), extended Le, EF filler, and on-card RSA PKCS#1 v1.5 signing. It serves
//! tests, `shiori demo`, and `shiori virtual-card` (which hands it to a real
//! `pcscd`).
//!
//! Its keys are TEST keys from `test-vectors/`.

mod card;
mod image;
mod parse;

pub use card::{SfiReads, VirtualCard, VirtualCardError, VirtualCardOptions};
pub use image::CardImage;
