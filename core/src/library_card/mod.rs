//! Library card numbers: NW-7 (Codabar) numbers with a per-library check
//! scheme, validation of what desk scanners type, and the barcode and QR code
//! a phone shows at the desk.
//!
//! There is no single Japanese standard for library card numbers, so each
//! library describes its own in a [`CardNumberScheme`] (read from its
//! configuration file): prefix, length, zero padding, check-digit scheme,
//! start/stop characters, whether the check digit is in the bars.
//!
//! ```
//! use shiori_core::library_card::{CardNumberScheme, CardNumberSchemeConfig, CheckDigitScheme};
//!
//! let mut config = CardNumberSchemeConfig::new(10, CheckDigitScheme::SevenDsr);
//! config.prefix = "0290".into();
//! config.hyphen_before_check = true;
//! let scheme = CardNumberScheme::new(config)?;
//!
//! let card = scheme.issue(25303)?;
//! assert_eq!(card.digits(), "0290253031");
//! assert_eq!(card.human_readable(), "029025303-1");
//! assert_eq!(card.barcode_payload(), "A0290253031A");
//!
//! // What a USB scanner or a person types at the desk.
//! assert_eq!(scheme.parse("A0290253031A")?, card);
//! assert_eq!(scheme.parse("029025303-1")?, card);
//! assert_eq!(scheme.parse("0290253032").unwrap_err().code(), "bad_check_digit");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Rendering ([`LibraryCardNumber::to_svg`], [`LibraryCardNumber::to_png`],
//! [`LibraryCardNumber::qr_svg`], [`LibraryCardNumber::qr_png`]) uses our own
//! table-driven Codabar encoder (the `barcoders` crate gets `B`, `C` and `+`
//! wrong), the `png` crate and the `qrcode` crate. See
//! `docs/library-cards.md`.
//!
//! * [`scheme`] — [`CardNumberSchemeConfig`], [`CardNumberScheme`]: issue and parse.
//! * [`number`] — [`LibraryCardNumber`] and its display forms.
//! * [`check_digit`] — [`CheckDigitScheme`] and [`detect_schemes`].
//! * [`codabar`] — the NW-7 symbol: [`StartStop`], [`Codabar`], [`WideRatio`].
//! * [`render`] — SVG and PNG of the barcode and of a QR code.
//! * [`error`] — one error enum per concern, each with a stable `code()`.

pub mod check_digit;
pub mod codabar;
pub mod error;
mod input;
pub mod number;
pub mod render;
pub mod scheme;

pub use check_digit::{detect_schemes, CheckDigitScheme};
pub use codabar::{Codabar, StartStop, WideRatio};
pub use error::{CardNumberError, CodabarError, RenderError, SchemeError};
pub use number::LibraryCardNumber;
pub use render::{BarcodeStyle, QrErrorCorrection, QrStyle};
pub use scheme::{CardNumberScheme, CardNumberSchemeConfig};
