//! [`LibraryCardNumber`]: a valid card number of one library, and the forms
//! it is shown in.

use super::codabar::{Codabar, StartStop};
use super::error::RenderError;
use super::render::{self, BarcodeStyle, QrStyle};

/// A library card number that passed its library's
/// [`CardNumberScheme`](super::CardNumberScheme): issued by
/// [`issue`](super::CardNumberScheme::issue) or accepted by
/// [`parse`](super::CardNumberScheme::parse).
///
/// It remembers how its library prints and encodes it (start/stop characters,
/// whether the check character is in the bars, the printed hyphen), so it
/// can be rendered without the scheme.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LibraryCardNumber {
    /// Data digits followed by the check character, if any.
    number: String,
    /// Length of the data part (prefix and serial) in bytes (= characters).
    data_len: usize,
    start: StartStop,
    stop: StartStop,
    check_in_barcode: bool,
    hyphen_before_check: bool,
}

impl LibraryCardNumber {
    /// Built by the scheme after validation: `data` is ASCII digits and
    /// `check` a Codabar data character.
    pub(crate) fn new(
        data: &str,
        check: Option<char>,
        start: StartStop,
        stop: StartStop,
        check_in_barcode: bool,
        hyphen_before_check: bool,
    ) -> LibraryCardNumber {
        let mut number = String::with_capacity(data.len() + 1);
        number.push_str(data);
        number.extend(check);
        LibraryCardNumber {
            number,
            data_len: data.len(),
            start,
            stop,
            check_in_barcode,
            hyphen_before_check,
        }
    }

    /// The canonical form: data digits and check character, no start/stop,
    /// no hyphen (`0290253031`). This is what the server stores and looks up.
    /// With [`Modulus16`](super::CheckDigitScheme::Modulus16) the last
    /// character may be one of `- $ : / . +`.
    pub fn digits(&self) -> &str {
        &self.number
    }

    /// The digits before the check character: prefix and serial.
    pub fn data_digits(&self) -> &str {
        self.number.get(..self.data_len).unwrap_or(&self.number)
    }

    /// The check character, if the scheme has one.
    pub fn check_character(&self) -> Option<char> {
        self.number
            .get(self.data_len..)
            .and_then(|s| s.chars().next())
    }

    /// The form printed under the barcode and on the card: the digits, with a
    /// hyphen before the check character if the library prints one
    /// (`029025303-1`).
    pub fn human_readable(&self) -> String {
        match self.check_character() {
            Some(check) if self.hyphen_before_check => {
                format!("{}-{}", self.data_digits(), check)
            }
            _ => self.number.clone(),
        }
    }

    /// What the bars encode, start and stop included (`A0290253031A`): the
    /// check character is left out if the library does not encode it.
    pub fn barcode_payload(&self) -> String {
        self.barcode().payload()
    }

    /// The NW-7 symbol for this number.
    pub fn barcode(&self) -> Codabar {
        let data = if self.check_in_barcode {
            &self.number
        } else {
            self.data_digits()
        };
        Codabar::from_validated(self.start, data, self.stop)
    }

    /// The start character of this library's barcodes.
    pub fn start(&self) -> StartStop {
        self.start
    }

    /// The stop character of this library's barcodes.
    pub fn stop(&self) -> StartStop {
        self.stop
    }

    /// Whether the check character is encoded in the bars.
    pub fn check_in_barcode(&self) -> bool {
        self.check_in_barcode
    }

    /// The NW-7 barcode as SVG, with quiet zones and the
    /// [`human_readable`](Self::human_readable) number under the bars.
    pub fn to_svg(&self, style: &BarcodeStyle) -> Result<String, RenderError> {
        render::codabar_svg(&self.barcode(), Some(&self.human_readable()), style)
    }

    /// The NW-7 barcode as PNG (bars and quiet zones, no text).
    pub fn to_png(&self, style: &BarcodeStyle) -> Result<Vec<u8>, RenderError> {
        render::codabar_png(&self.barcode(), style)
    }

    /// A QR code of [`digits`](Self::digits) as SVG, for camera scanning.
    pub fn qr_svg(&self, style: &QrStyle) -> Result<String, RenderError> {
        render::qr_svg(self.digits(), style)
    }

    /// A QR code of [`digits`](Self::digits) as PNG, for camera scanning.
    pub fn qr_png(&self, style: &QrStyle) -> Result<Vec<u8>, RenderError> {
        render::qr_png(self.digits(), style)
    }
}

impl std::fmt::Display for LibraryCardNumber {
    /// The canonical [`digits`](Self::digits).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.number)
    }
}

impl AsRef<str> for LibraryCardNumber {
    fn as_ref(&self) -> &str {
        &self.number
    }
}
