//! Why a library card number, a scheme, a Codabar payload or a rendering was
//! rejected. Every error has a stable snake_case [`code`](CardNumberError::code)
//! that the server maps to its API error code and the staff console to a
//! message, and a `Display` text a person can act on.
//!
//! Positions are 1-based character positions in the trimmed input, as a
//! person counts them.

use thiserror::Error;

use super::codabar::StartStop;

/// A card number that cannot be issued, or typed input that is not a valid
/// card number of the library.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardNumberError {
    /// Nothing but white space was typed.
    #[error("no card number was entered")]
    Empty,
    /// A character that cannot be part of a card number.
    #[error("character {position} ({found:?}) cannot be part of a card number")]
    BadCharacter {
        /// 1-based position of the character.
        position: usize,
        /// The character.
        found: char,
    },
    /// A start character without a stop character, or the reverse.
    #[error("the number has a start or stop character (A–D) at one end but not at the other")]
    UnpairedStartStop,
    /// The start/stop characters are not the library's pair: most likely
    /// another library's card.
    #[error("the barcode starts with {found_start} and ends with {found_stop}, but this library's cards use {expected_start}…{expected_stop}")]
    WrongStartStop {
        /// The library's start character.
        expected_start: StartStop,
        /// The library's stop character.
        expected_stop: StartStop,
        /// The start character read.
        found_start: StartStop,
        /// The stop character read.
        found_stop: StartStop,
    },
    /// Too few or too many characters.
    #[error("a card number has {}, but {found} were entered", expected_lengths(*.min, *.max))]
    WrongLength {
        /// Fewest characters accepted (without start/stop and hyphen).
        min: usize,
        /// Most characters accepted.
        max: usize,
        /// Characters entered.
        found: usize,
    },
    /// The number does not begin with the library's prefix.
    #[error("this library's card numbers begin with {expected}")]
    WrongPrefix {
        /// The prefix the library's numbers begin with.
        expected: String,
    },
    /// The check digit does not match: a typo or a misread.
    #[error("the check digit does not match: the number was mistyped or misread")]
    BadCheckDigit,
    /// No check digit exists for these digits under the scheme (modulus 11
    /// with remainder 1), so no such card was ever issued.
    #[error(
        "no check digit exists for these digits under modulus 11, so this number cannot be issued"
    )]
    NoValidCheckDigit,
    /// The serial does not fit the digits left after the prefix.
    #[error("serial {serial} does not fit: the largest serial is {max}")]
    SerialOutOfRange {
        /// The serial asked for.
        serial: u64,
        /// The largest serial the scheme can hold.
        max: u64,
    },
}

fn expected_lengths(min: usize, max: usize) -> String {
    if min == max {
        format!("{min} characters")
    } else {
        format!("{min} to {max} characters")
    }
}

impl CardNumberError {
    /// A stable snake_case code for APIs, logs and translations.
    pub fn code(&self) -> &'static str {
        match self {
            CardNumberError::Empty => "empty",
            CardNumberError::BadCharacter { .. } => "bad_character",
            CardNumberError::UnpairedStartStop => "unpaired_start_stop",
            CardNumberError::WrongStartStop { .. } => "wrong_start_stop",
            CardNumberError::WrongLength { .. } => "wrong_length",
            CardNumberError::WrongPrefix { .. } => "wrong_prefix",
            CardNumberError::BadCheckDigit => "bad_check_digit",
            CardNumberError::NoValidCheckDigit => "no_valid_check_digit",
            CardNumberError::SerialOutOfRange { .. } => "serial_out_of_range",
        }
    }

    /// The message in Japanese, for the staff console and the apps.
    pub fn message_ja(&self) -> String {
        match self {
            CardNumberError::Empty => "利用者カード番号が入力されていません。".into(),
            CardNumberError::BadCharacter { position, found } => {
                format!("{position}文字目の「{found}」は利用者カード番号に使えない文字です。")
            }
            CardNumberError::UnpairedStartStop => {
                "バーコードの読み取りが不完全です（スタート／ストップ文字の片方だけがあります）。もう一度読み取ってください。".into()
            }
            CardNumberError::WrongStartStop { .. } => {
                "この図書館の利用者カードではないようです（スタート／ストップ文字が違います）。".into()
            }
            CardNumberError::WrongLength { min, max, found } if min == max => {
                format!("利用者カード番号は{min}桁ですが、{found}桁入力されました。")
            }
            CardNumberError::WrongLength { min, max, found } => {
                format!("利用者カード番号は{min}〜{max}桁ですが、{found}桁入力されました。")
            }
            CardNumberError::WrongPrefix { expected } => {
                format!("この図書館の利用者カード番号は「{expected}」で始まります。")
            }
            CardNumberError::BadCheckDigit => {
                "チェックデジットが一致しません。番号の入力または読み取りを確認してください。".into()
            }
            CardNumberError::NoValidCheckDigit => {
                "この番号は利用者カード番号として発行されない番号です。入力を確認してください。".into()
            }
            CardNumberError::SerialOutOfRange { max, .. } => {
                format!("通し番号が桁数を超えています（最大 {max}）。")
            }
        }
    }
}

/// A card-number scheme (library configuration) that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemeError {
    /// The prefix has a character other than `0`–`9`.
    #[error("the prefix may only contain the digits 0-9")]
    PrefixNotDigits,
    /// The total length is outside what the scheme supports.
    #[error("length {length} is outside {min}..={max}")]
    LengthOutOfRange {
        /// The configured length.
        length: usize,
        /// Shortest supported length.
        min: usize,
        /// Longest supported length.
        max: usize,
    },
    /// Prefix and check digit leave no digit for the serial.
    #[error("prefix ({prefix_len} digits) and check digit leave no room for a serial in {length} characters")]
    NoRoomForSerial {
        /// Digits in the prefix.
        prefix_len: usize,
        /// The configured length.
        length: usize,
    },
    /// Numbers of varying length whose barcode omits the check digit cannot
    /// be told apart from numbers one digit longer.
    #[error("zero_pad = false with check_in_barcode = false is ambiguous: a scanned number without its check digit looks like a shorter number with one")]
    AmbiguousVariableLength,
}

impl SchemeError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            SchemeError::PrefixNotDigits => "prefix_not_digits",
            SchemeError::LengthOutOfRange { .. } => "length_out_of_range",
            SchemeError::NoRoomForSerial { .. } => "no_room_for_serial",
            SchemeError::AmbiguousVariableLength => "ambiguous_variable_length",
        }
    }
}

/// A Codabar payload that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodabarError {
    /// The payload does not begin and end with `A`–`D`.
    #[error("a Codabar payload must begin and end with one of A, B, C, D")]
    MissingStartStop,
    /// There are no data characters between start and stop.
    #[error("a Codabar symbol needs at least one data character")]
    EmptyData,
    /// A character outside `0-9 - $ : / . +` between start and stop.
    #[error("character {position} ({found:?}) cannot be encoded in Codabar")]
    BadCharacter {
        /// 1-based position of the character in the payload.
        position: usize,
        /// The character.
        found: char,
    },
}

impl CodabarError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            CodabarError::MissingStartStop => "missing_start_stop",
            CodabarError::EmptyData => "empty_data",
            CodabarError::BadCharacter { .. } => "bad_character",
        }
    }
}

/// A barcode or QR code that cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    /// The quiet zone is narrower than the symbology requires.
    #[error("the quiet zone must be at least {min} modules, not {found}")]
    QuietZoneTooSmall {
        /// Smallest quiet zone allowed.
        min: u32,
        /// The quiet zone asked for.
        found: u32,
    },
    /// A size is zero or the image would be unreasonably large.
    #[error("image size out of range: {0}")]
    BadSize(&'static str),
    /// The text does not fit in a QR code.
    #[error("the text does not fit in a QR code: {0}")]
    Qr(String),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

impl RenderError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            RenderError::QuietZoneTooSmall { .. } => "quiet_zone_too_small",
            RenderError::BadSize(_) => "bad_size",
            RenderError::Qr(_) => "qr",
            RenderError::Png(_) => "png",
        }
    }
}
