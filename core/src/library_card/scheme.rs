//! [`CardNumberScheme`]: one library's rules for its card numbers — prefix,
//! length, padding, check digit, start/stop characters — and the two things
//! done with them: issuing a number from a serial and validating what a
//! desk scanner or a person typed.

use serde::{Deserialize, Serialize};

use super::check_digit::CheckDigitScheme;
use super::codabar::{data_value, StartStop};
use super::error::{CardNumberError, SchemeError};
use super::input;
use super::number::LibraryCardNumber;

/// Shortest configurable card number, in characters (check included).
pub const MIN_LENGTH: usize = 4;
/// Longest configurable card number, in characters (check included).
pub const MAX_LENGTH: usize = 32;

/// A library's card-number settings as written in its configuration file;
/// turn it into a [`CardNumberScheme`] to use it (deserializing a
/// `CardNumberScheme` directly validates on the way).
///
/// ```toml
/// [library_card]
/// prefix = "0290"             # optional, digits only (e.g. a library code)
/// length = 10                 # characters including prefix and check digit
/// check_digit = "seven_dsr"   # see CheckDigitScheme
/// start = "A"                 # optional, default A
/// stop = "A"                  # optional, default A
/// zero_pad = true             # optional, default true
/// check_in_barcode = true     # optional, default true
/// hyphen_before_check = true  # optional, default false
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardNumberSchemeConfig {
    /// Digits every number begins with, such as a library or branch code.
    #[serde(default)]
    pub prefix: String,
    /// Characters in a number: prefix, serial and check character, without
    /// start/stop characters or hyphen. With `zero_pad = false` the longest.
    pub length: usize,
    /// How the check character is computed.
    pub check_digit: CheckDigitScheme,
    /// Start character of the barcode (default `A`).
    #[serde(default = "default_start_stop")]
    pub start: StartStop,
    /// Stop character of the barcode (default `A`).
    #[serde(default = "default_start_stop")]
    pub stop: StartStop,
    /// Pad serials with leading zeros to a fixed length (default). If false,
    /// numbers are as short as their serial (but at least [`MIN_LENGTH`]
    /// characters) and `length` is the maximum.
    #[serde(default = "default_true")]
    pub zero_pad: bool,
    /// Encode the check character in the bars (default) so the desk scanner
    /// sends it and [`CardNumberScheme::parse`] verifies it. If false the
    /// bars hold only the data digits and the check is printed only.
    #[serde(default = "default_true")]
    pub check_in_barcode: bool,
    /// Print a hyphen before the check character (`029025303-1`).
    #[serde(default)]
    pub hyphen_before_check: bool,
}

fn default_start_stop() -> StartStop {
    StartStop::A
}

fn default_true() -> bool {
    true
}

impl CardNumberSchemeConfig {
    /// Settings with the given length and check scheme and every other field
    /// at its default: no prefix, A…A, zero padding, check in the bars, no
    /// hyphen.
    pub fn new(length: usize, check_digit: CheckDigitScheme) -> CardNumberSchemeConfig {
        CardNumberSchemeConfig {
            prefix: String::new(),
            length,
            check_digit,
            start: default_start_stop(),
            stop: default_start_stop(),
            zero_pad: true,
            check_in_barcode: true,
            hyphen_before_check: false,
        }
    }
}

/// A validated [`CardNumberSchemeConfig`]: issues and parses one library's
/// card numbers.
///
/// Deserializes from the same fields as the config (and fails with the
/// [`SchemeError`] message if they cannot work together).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CardNumberSchemeConfig", into = "CardNumberSchemeConfig")]
pub struct CardNumberScheme {
    config: CardNumberSchemeConfig,
}

impl TryFrom<CardNumberSchemeConfig> for CardNumberScheme {
    type Error = SchemeError;

    fn try_from(config: CardNumberSchemeConfig) -> Result<Self, SchemeError> {
        CardNumberScheme::new(config)
    }
}

impl From<CardNumberScheme> for CardNumberSchemeConfig {
    fn from(scheme: CardNumberScheme) -> Self {
        scheme.config
    }
}

impl CardNumberScheme {
    /// Validates `config`.
    pub fn new(config: CardNumberSchemeConfig) -> Result<CardNumberScheme, SchemeError> {
        if !config.prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SchemeError::PrefixNotDigits);
        }
        if !(MIN_LENGTH..=MAX_LENGTH).contains(&config.length) {
            return Err(SchemeError::LengthOutOfRange {
                length: config.length,
                min: MIN_LENGTH,
                max: MAX_LENGTH,
            });
        }
        let check_len = usize::from(config.check_digit.has_check());
        if config.prefix.len() + check_len >= config.length {
            return Err(SchemeError::NoRoomForSerial {
                prefix_len: config.prefix.len(),
                length: config.length,
            });
        }
        if !config.zero_pad && !config.check_in_barcode && config.check_digit.has_check() {
            return Err(SchemeError::AmbiguousVariableLength);
        }
        Ok(CardNumberScheme { config })
    }

    /// The settings.
    pub fn config(&self) -> &CardNumberSchemeConfig {
        &self.config
    }

    /// The check-digit scheme.
    pub fn check_digit(&self) -> CheckDigitScheme {
        self.config.check_digit
    }

    fn check_len(&self) -> usize {
        usize::from(self.config.check_digit.has_check())
    }

    /// Digits available for the serial.
    pub fn serial_width(&self) -> usize {
        self.config.length - self.config.prefix.len() - self.check_len()
    }

    /// The largest serial [`issue`](Self::issue) accepts.
    pub fn max_serial(&self) -> u64 {
        u32::try_from(self.serial_width())
            .ok()
            .and_then(|w| 10u64.checked_pow(w))
            .map_or(u64::MAX, |p| p - 1)
    }

    /// The card number for sequence value `serial`: prefix, serial (zero
    /// padded unless configured otherwise) and check character.
    ///
    /// Fails with [`CardNumberError::SerialOutOfRange`] when the serial has
    /// too many digits and [`CardNumberError::NoValidCheckDigit`] when M11
    /// has no check digit for it (use [`issue_at_or_after`](Self::issue_at_or_after)
    /// to skip those).
    pub fn issue(&self, serial: u64) -> Result<LibraryCardNumber, CardNumberError> {
        let max = self.max_serial();
        if serial > max {
            return Err(CardNumberError::SerialOutOfRange { serial, max });
        }
        let width = if self.config.zero_pad {
            self.serial_width()
        } else {
            // Even unpadded numbers keep MIN_LENGTH characters: scanners are
            // commonly set to a minimum Codabar length, and zbar reads no
            // symbol with a single data character.
            MIN_LENGTH.saturating_sub(self.config.prefix.len() + self.check_len())
        };
        let mut data = self.config.prefix.clone();
        data.push_str(&format!("{serial:0width$}"));
        let check = self
            .config
            .check_digit
            .compute(&data, self.config.start, self.config.stop)?;
        Ok(self.number(&data, check))
    }

    /// The first number that can be issued at `serial` or after it, with the
    /// serial used: skips the serials that have no M11 check digit.
    pub fn issue_at_or_after(
        &self,
        serial: u64,
    ) -> Result<(u64, LibraryCardNumber), CardNumberError> {
        let mut next = serial;
        // M11 remainder 1 never holds for more than a few serials in a row
        // (the last digit's weight is 2); the bound only guards the loop.
        for _ in 0..1000 {
            match self.issue(next) {
                Err(CardNumberError::NoValidCheckDigit) => {
                    next = next
                        .checked_add(1)
                        .ok_or(CardNumberError::SerialOutOfRange {
                            serial: next,
                            max: self.max_serial(),
                        })?;
                }
                other => return other.map(|number| (next, number)),
            }
        }
        Err(CardNumberError::NoValidCheckDigit)
    }

    /// The serial a number of this scheme was issued from.
    pub fn serial_of(&self, number: &LibraryCardNumber) -> Option<u64> {
        number
            .data_digits()
            .strip_prefix(self.config.prefix.as_str())?
            .parse()
            .ok()
    }

    fn number(&self, data: &str, check: Option<char>) -> LibraryCardNumber {
        LibraryCardNumber::new(
            data,
            check,
            self.config.start,
            self.config.stop,
            self.config.check_in_barcode,
            self.config.hyphen_before_check,
        )
    }

    /// Lengths accepted for a full number (data and check).
    fn full_lengths(&self) -> (usize, usize) {
        if self.config.zero_pad {
            (self.config.length, self.config.length)
        } else {
            (
                (self.config.prefix.len() + 1 + self.check_len()).max(MIN_LENGTH),
                self.config.length,
            )
        }
    }

    /// Validates a number as a desk scanner or a person typed it.
    ///
    /// Accepted: the digits alone (`0290253031`), with the library's
    /// start/stop characters in either case (`A0290253031A`), with a hyphen
    /// before the check character (`029025303-1`), surrounded by white space,
    /// in full-width characters. If the check character is not in the bars,
    /// the digits without it (what the scanner sends) are accepted too and
    /// the check character is computed. Anything else fails with a
    /// [`CardNumberError`] naming the reason.
    pub fn parse(&self, input: &str) -> Result<LibraryCardNumber, CardNumberError> {
        let typed = input::normalize(input)?;
        let has_check = self.config.check_digit.has_check();
        let mut body = typed.body;
        let len = body.len();
        let hyphenated = has_check && len >= 3 && body[len - 2].1 == '-';
        if hyphenated {
            body.remove(len - 2);
        }
        let is_mod16 = self.config.check_digit == CheckDigitScheme::Modulus16;
        for (i, &(position, found)) in body.iter().enumerate() {
            let allowed = found.is_ascii_digit()
                || (is_mod16 && i + 1 == body.len() && data_value(found).is_some());
            if !allowed {
                return Err(CardNumberError::BadCharacter { position, found });
            }
        }
        if let Some((found_start, found_stop)) = typed.frame {
            if (found_start, found_stop) != (self.config.start, self.config.stop) {
                return Err(CardNumberError::WrongStartStop {
                    expected_start: self.config.start,
                    expected_stop: self.config.stop,
                    found_start,
                    found_stop,
                });
            }
        }
        let (mut min, max) = self.full_lengths();
        let data_only_allowed =
            has_check && !self.config.check_in_barcode && self.config.zero_pad && !hyphenated;
        if data_only_allowed {
            min -= 1;
        }
        let found = body.len();
        if !(min..=max).contains(&found) {
            return Err(CardNumberError::WrongLength { min, max, found });
        }
        let with_check = has_check && !(data_only_allowed && found == max - 1);
        let given_check = if with_check {
            body.pop().map(|(_, c)| c)
        } else {
            None
        };
        if let Some(&(position, found)) = body.iter().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(CardNumberError::BadCharacter { position, found });
        }
        let data: String = body.iter().map(|(_, c)| c).collect();
        if !data.starts_with(self.config.prefix.as_str()) {
            return Err(CardNumberError::WrongPrefix {
                expected: self.config.prefix.clone(),
            });
        }
        let computed = self
            .config
            .check_digit
            .compute(&data, self.config.start, self.config.stop);
        let check = match (given_check, computed) {
            (Some(given), Ok(Some(c))) if given == c => Some(c),
            (Some(_), Ok(_) | Err(CardNumberError::NoValidCheckDigit)) => {
                return Err(CardNumberError::BadCheckDigit)
            }
            (None, Ok(c)) => c,
            (_, Err(e)) => return Err(e),
        };
        Ok(self.number(&data, check))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kagoshima() -> CardNumberScheme {
        let mut config = CardNumberSchemeConfig::new(10, CheckDigitScheme::SevenDsr);
        config.prefix = "0290".into();
        config.hyphen_before_check = true;
        CardNumberScheme::new(config).expect("valid")
    }

    #[test]
    fn issues_and_shows_the_public_sample() {
        let scheme = kagoshima();
        let n = scheme.issue(25303).expect("issue");
        assert_eq!(n.digits(), "0290253031");
        assert_eq!(n.human_readable(), "029025303-1");
        assert_eq!(n.barcode_payload(), "A0290253031A");
        assert_eq!(n.data_digits(), "029025303");
        assert_eq!(n.check_character(), Some('1'));
        assert_eq!(n.to_string(), "0290253031");
        assert_eq!(scheme.serial_of(&n), Some(25303));
        assert_eq!(scheme.max_serial(), 99_999);
    }

    #[test]
    fn parses_every_typed_form() {
        let scheme = kagoshima();
        let expected = scheme.issue(25303).expect("issue");
        for input in [
            "0290253031",
            "029025303-1",
            "A0290253031A",
            "a0290253031a",
            " 0290253031\r\n",
            "０２９０２５３０３－１",
            "029025303ー1",
        ] {
            assert_eq!(scheme.parse(input).as_ref(), Ok(&expected), "{input:?}");
        }
    }

    #[test]
    fn error_codes() {
        let scheme = kagoshima();
        let code = |s: &str| scheme.parse(s).map(|_| ()).map_err(|e| e.code());
        assert_eq!(code(""), Err("empty"));
        let err = scheme.parse("0290253032").expect_err("bad check");
        assert!(err.message_ja().contains("チェックデジット"));
        assert!(err.to_string().contains("check digit"));
        let err = scheme.parse("029025303").expect_err("short");
        assert_eq!(
            err.message_ja(),
            "利用者カード番号は10桁ですが、9桁入力されました。"
        );
        assert_eq!(code("0290253032"), Err("bad_check_digit"));
        assert_eq!(code("029025303"), Err("wrong_length"));
        assert_eq!(code("02902530311"), Err("wrong_length"));
        assert_eq!(code("1290253031"), Err("wrong_prefix"));
        assert_eq!(code("02902X3031"), Err("bad_character"));
        assert_eq!(code("0290-253031"), Err("bad_character"));
        assert_eq!(code("B0290253031A"), Err("wrong_start_stop"));
        assert_eq!(code("A0290253031"), Err("unpaired_start_stop"));
        assert_eq!(
            scheme.issue(100_000).map_err(|e| e.code()),
            Err("serial_out_of_range")
        );
        assert_eq!(
            scheme.parse("02902X3031"),
            Err(CardNumberError::BadCharacter {
                position: 6,
                found: 'X'
            })
        );
    }

    #[test]
    fn check_outside_the_bars() {
        let mut config = CardNumberSchemeConfig::new(8, CheckDigitScheme::M10w21Split);
        config.check_in_barcode = false;
        let scheme = CardNumberScheme::new(config).expect("valid");
        let n = scheme.issue(1234567).expect("issue");
        assert_eq!(n.digits(), "12345674");
        assert_eq!(n.barcode_payload(), "A1234567A");
        assert_eq!(scheme.parse("A1234567A").as_ref(), Ok(&n));
        assert_eq!(scheme.parse("1234567").as_ref(), Ok(&n));
        assert_eq!(scheme.parse("12345674").as_ref(), Ok(&n));
        assert_eq!(scheme.parse("1234567-4").as_ref(), Ok(&n));
        assert_eq!(
            scheme.parse("12345675").map_err(|e| e.code()),
            Err("bad_check_digit")
        );
    }

    #[test]
    fn modulus16_with_symbol_check_characters() {
        let mut config = CardNumberSchemeConfig::new(6, CheckDigitScheme::Modulus16);
        config.stop = StartStop::B;
        config.hyphen_before_check = true;
        let scheme = CardNumberScheme::new(config).expect("valid");
        let n = scheme.issue(37859).expect("issue");
        assert_eq!(n.digits(), "37859+");
        assert_eq!(n.barcode_payload(), "A37859+B");
        assert_eq!(n.human_readable(), "37859-+");
        assert_eq!(scheme.parse("37859-+").as_ref(), Ok(&n));
        assert_eq!(scheme.parse("A37859+B").as_ref(), Ok(&n));
        assert_eq!(
            scheme.parse("3785+9").map_err(|e| e.code()),
            Err("bad_character")
        );
        // A check character of '-' printed after the hyphen.
        let dash = (0..100_000u64)
            .filter_map(|s| scheme.issue(s).ok())
            .find(|n| n.check_character() == Some('-'))
            .expect("some serial has '-'");
        assert_eq!(scheme.parse(&dash.human_readable()).as_ref(), Ok(&dash));
        assert_eq!(scheme.parse(dash.digits()).as_ref(), Ok(&dash));
    }

    #[test]
    fn variable_length_numbers() {
        let mut config = CardNumberSchemeConfig::new(8, CheckDigitScheme::M10w21Split);
        config.prefix = "9".into();
        config.zero_pad = false;
        let scheme = CardNumberScheme::new(config).expect("valid");
        let n = scheme.issue(42).expect("issue");
        assert_eq!(n.data_digits(), "942");
        assert_eq!(
            scheme.issue(123_456).expect("issue").data_digits(),
            "9123456"
        );
        let short = scheme.issue(7).expect("issue");
        assert_eq!(short.data_digits(), "907");
        assert_eq!(scheme.serial_of(&short), Some(7));
        assert_eq!(scheme.parse(n.digits()).as_ref(), Ok(&n));
        assert_eq!(scheme.max_serial(), 999_999);
        assert_eq!(scheme.parse("9").map_err(|e| e.code()), Err("wrong_length"));
    }

    #[test]
    fn m11_skips_serials_without_a_check_digit() {
        let scheme = CardNumberScheme::new(CardNumberSchemeConfig::new(6, CheckDigitScheme::M11))
            .expect("valid");
        // 00006: 6×2 = 12, remainder 1.
        assert_eq!(
            scheme.issue(6).map_err(|e| e.code()),
            Err("no_valid_check_digit")
        );
        let (serial, n) = scheme.issue_at_or_after(6).expect("issue");
        assert_eq!(serial, 7);
        assert_eq!(scheme.parse(n.digits()).as_ref(), Ok(&n));
        // A number whose data has no M11 digit is a typo, whatever follows.
        assert_eq!(
            scheme.parse("000060").map_err(|e| e.code()),
            Err("bad_check_digit")
        );
    }

    #[test]
    fn config_validation() {
        let bad = |f: &dyn Fn(&mut CardNumberSchemeConfig)| {
            let mut c = CardNumberSchemeConfig::new(8, CheckDigitScheme::SevenDr);
            f(&mut c);
            CardNumberScheme::new(c).map(|_| ()).map_err(|e| e.code())
        };
        assert_eq!(bad(&|_| {}), Ok(()));
        assert_eq!(bad(&|c| c.prefix = "12a".into()), Err("prefix_not_digits"));
        assert_eq!(bad(&|c| c.length = 3), Err("length_out_of_range"));
        assert_eq!(bad(&|c| c.length = 33), Err("length_out_of_range"));
        assert_eq!(
            bad(&|c| c.prefix = "1234567".into()),
            Err("no_room_for_serial")
        );
        assert_eq!(
            bad(&|c| {
                c.zero_pad = false;
                c.check_in_barcode = false;
            }),
            Err("ambiguous_variable_length")
        );
        let wide = CardNumberScheme::new(CardNumberSchemeConfig::new(32, CheckDigitScheme::None))
            .expect("valid");
        assert_eq!(wide.max_serial(), u64::MAX);
        assert_eq!(wide.issue(u64::MAX).expect("issue").digits().len(), 32);
    }

    #[test]
    fn deserializes_and_validates() {
        let scheme: CardNumberScheme = serde_json::from_str(
            r#"{"prefix":"0290","length":10,"check_digit":"seven_dsr","start":"a","stop":"B"}"#,
        )
        .expect("valid");
        assert_eq!(scheme.config().stop, StartStop::B);
        assert!(scheme.config().zero_pad);
        let err = serde_json::from_str::<CardNumberScheme>(r#"{"length":2,"check_digit":"none"}"#)
            .expect_err("too short");
        assert!(err.to_string().contains("length 2"), "{err}");
        let err = serde_json::from_str::<CardNumberScheme>(r#"{"length":8,"check_digit":"luhn"}"#)
            .expect_err("unknown scheme");
        assert!(err.to_string().contains("unknown variant"), "{err}");
        let err = serde_json::from_str::<CardNumberScheme>(
            r#"{"length":8,"check_digit":"m11","lenght":9}"#,
        )
        .expect_err("typo");
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
}
