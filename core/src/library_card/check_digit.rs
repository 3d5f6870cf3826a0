//! Check-digit schemes used with NW-7 in Japan, and detection of the scheme a
//! library's existing card numbers follow.
//!
//! JIS X 0506 makes the check character optional and names none, so each
//! library chose its own; see `docs/library-cards.md` for the table. All
//! schemes except [`CheckDigitScheme::Modulus16`] work on the data digits
//! alone (prefix and serial); modulus 16 also counts the start and stop
//! characters and may yield one of `- $ : / . +`.
//!
//! Conventions where sources differ, chosen here and documented:
//! * `m11`: weights 2, 3, 4, 5, 6, 7, 2, … from the rightmost data digit;
//!   check = (11 − sum mod 11) mod 11, so remainder 0 gives `0`; remainder 1
//!   would need "10" and has **no valid check digit**: such serials cannot be
//!   issued ([`CardNumberError::NoValidCheckDigit`]) and the scheme's
//!   `issue_at_or_after` skips them.
//! * `seven_dsr` / `nine_dsr`: (7 − n mod 7) mod 7 and (9 − n mod 9) mod 9, so
//!   remainder 0 gives `0` (not 7 or 9).

use serde::{Deserialize, Serialize};

use super::codabar::{data_char, data_value, StartStop};
use super::error::CardNumberError;
use super::input;

/// How a card number's check character is computed.
///
/// Serialized in `snake_case`: `none`, `modulus16`, `m10w21_split`,
/// `m10w21_whole`, `m10w31`, `m11`, `seven_dr`, `seven_dsr`, `nine_dr`,
/// `nine_dsr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckDigitScheme {
    /// No check character.
    None,
    /// Modulus 16 over the whole symbol including start and stop (A–D =
    /// 16–19, `-` 10, `$` 11, `:` 12, `/` 13, `.` 14, `+` 15); check =
    /// (16 − sum mod 16) mod 16, placed before the stop character. The
    /// vendors' "NW-7 check character".
    Modulus16,
    /// Modulus 10, weights 2 and 1 from the right, digits of products added
    /// (M10W21 分割 = Luhn). US library barcodes and CALIL's label tool.
    M10w21Split,
    /// Modulus 10, weights 2 and 1 from the right, products added whole
    /// (M10W21 一括).
    M10w21Whole,
    /// Modulus 10, weights 3 and 1 from the right (as in JAN/ITF).
    M10w31,
    /// Modulus 11, weights 2–7 from the right; remainder 1 has no check digit.
    M11,
    /// The number modulo 7 (7DR, セブンチェック).
    SevenDr,
    /// 7 minus the number modulo 7, remainder 0 giving 0 (7DSR).
    SevenDsr,
    /// The number modulo 9 (9DR).
    NineDr,
    /// 9 minus the number modulo 9, remainder 0 giving 0 (9DSR).
    NineDsr,
}

impl CheckDigitScheme {
    /// Every scheme, `None` first.
    pub const ALL: [CheckDigitScheme; 10] = [
        CheckDigitScheme::None,
        CheckDigitScheme::Modulus16,
        CheckDigitScheme::M10w21Split,
        CheckDigitScheme::M10w21Whole,
        CheckDigitScheme::M10w31,
        CheckDigitScheme::M11,
        CheckDigitScheme::SevenDr,
        CheckDigitScheme::SevenDsr,
        CheckDigitScheme::NineDr,
        CheckDigitScheme::NineDsr,
    ];

    /// The configuration name (`snake_case`, as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckDigitScheme::None => "none",
            CheckDigitScheme::Modulus16 => "modulus16",
            CheckDigitScheme::M10w21Split => "m10w21_split",
            CheckDigitScheme::M10w21Whole => "m10w21_whole",
            CheckDigitScheme::M10w31 => "m10w31",
            CheckDigitScheme::M11 => "m11",
            CheckDigitScheme::SevenDr => "seven_dr",
            CheckDigitScheme::SevenDsr => "seven_dsr",
            CheckDigitScheme::NineDr => "nine_dr",
            CheckDigitScheme::NineDsr => "nine_dsr",
        }
    }

    /// Whether the scheme appends a check character at all.
    pub fn has_check(self) -> bool {
        self != CheckDigitScheme::None
    }

    /// The check character for `data` (the digits before it: prefix and
    /// serial), or `None` for [`CheckDigitScheme::None`].
    ///
    /// `start` and `stop` only matter for modulus 16. Fails with
    /// [`CardNumberError::BadCharacter`] if `data` is empty or has a
    /// non-digit, and with [`CardNumberError::NoValidCheckDigit`] for modulus
    /// 11 remainder 1.
    pub fn compute(
        self,
        data: &str,
        start: StartStop,
        stop: StartStop,
    ) -> Result<Option<char>, CardNumberError> {
        let digits = to_digits(data)?;
        let value = match self {
            CheckDigitScheme::None => return Ok(None),
            CheckDigitScheme::Modulus16 => {
                let sum = start.value() + digits.iter().sum::<u32>() + stop.value();
                return Ok(data_char((16 - sum % 16) % 16));
            }
            CheckDigitScheme::M10w21Split => mod10(&digits, |d, w| {
                let p = d * w;
                p / 10 + p % 10
            }),
            CheckDigitScheme::M10w21Whole => mod10(&digits, |d, w| d * w),
            CheckDigitScheme::M10w31 => mod10(&digits, |d, w| d * (2 * w - 1)),
            CheckDigitScheme::M11 => {
                let sum: u32 = digits
                    .iter()
                    .rev()
                    .zip([2u32, 3, 4, 5, 6, 7].iter().cycle())
                    .map(|(d, w)| d * w)
                    .sum();
                match sum % 11 {
                    0 => 0,
                    1 => return Err(CardNumberError::NoValidCheckDigit),
                    r => 11 - r,
                }
            }
            CheckDigitScheme::SevenDr => modulo(&digits, 7),
            CheckDigitScheme::SevenDsr => (7 - modulo(&digits, 7)) % 7,
            CheckDigitScheme::NineDr => modulo(&digits, 9),
            CheckDigitScheme::NineDsr => (9 - modulo(&digits, 9)) % 9,
        };
        Ok(char::from_digit(value, 10))
    }
}

impl std::fmt::Display for CheckDigitScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn to_digits(data: &str) -> Result<Vec<u32>, CardNumberError> {
    if data.is_empty() {
        return Err(CardNumberError::Empty);
    }
    data.chars()
        .enumerate()
        .map(|(i, c)| {
            c.to_digit(10).ok_or(CardNumberError::BadCharacter {
                position: i + 1,
                found: c,
            })
        })
        .collect()
}

/// Modulus 10 with weights 2, 1, 2, … from the rightmost digit; `term`
/// combines a digit with its weight (1 or 2).
fn mod10(digits: &[u32], term: impl Fn(u32, u32) -> u32) -> u32 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| term(d, if i % 2 == 0 { 2 } else { 1 }))
        .sum();
    (10 - sum % 10) % 10
}

/// The decimal number written by `digits`, modulo `m`, for any length.
fn modulo(digits: &[u32], m: u32) -> u32 {
    digits.iter().fold(0, |r, d| (r * 10 + d) % m)
}

/// The check schemes (never [`CheckDigitScheme::None`]) that every one of
/// `numbers` satisfies, in [`CheckDigitScheme::ALL`] order: for validating a
/// library's existing card numbers before import, or choosing its scheme.
///
/// Each number is the full number with its check character last, as printed
/// or as scanned: a hyphen before the check digit, white space, full-width
/// digits and start/stop characters are accepted. Modulus 16 uses a number's
/// own start/stop characters when it has them and `start`/`stop` otherwise.
/// A number that is malformed or shorter than 2 characters fits no scheme.
/// An empty list gives an empty result. With few numbers several schemes fit
/// by chance (each about 1 in 10); a few dozen numbers settle it.
/// Numbers issued under a different convention for M11 remainder 1 or
/// 7DSR/9DSR remainder 0 (see the module documentation) fit neither.
pub fn detect_schemes<I, S>(numbers: I, start: StartStop, stop: StartStop) -> Vec<CheckDigitScheme>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut fitting: Vec<CheckDigitScheme> = CheckDigitScheme::ALL
        .iter()
        .copied()
        .filter(|s| s.has_check())
        .collect();
    let mut seen = false;
    for number in numbers {
        seen = true;
        let Some((frame, data, check)) = split_for_detection(number.as_ref(), start, stop) else {
            return Vec::new();
        };
        fitting.retain(|scheme| {
            scheme
                .compute(&data, frame.0, frame.1)
                .is_ok_and(|c| c == Some(check))
        });
        if fitting.is_empty() {
            break;
        }
    }
    if seen {
        fitting
    } else {
        Vec::new()
    }
}

/// Splits a printed or scanned number into (start/stop, data digits, check).
fn split_for_detection(
    number: &str,
    start: StartStop,
    stop: StartStop,
) -> Option<((StartStop, StartStop), String, char)> {
    let typed = input::normalize(number).ok()?;
    let frame = typed.frame.unwrap_or((start, stop));
    let mut body: Vec<char> = typed.body.iter().map(|(_, c)| *c).collect();
    if body.len() >= 3 && body[body.len() - 2] == '-' {
        body.remove(body.len() - 2);
    }
    let check = body.pop()?;
    data_value(check)?;
    if body.is_empty() || !body.iter().all(char::is_ascii_digit) {
        return None;
    }
    Some((frame, body.into_iter().collect(), check))
}

#[cfg(test)]
mod tests {
    use super::CheckDigitScheme as S;
    use super::*;

    const A: StartStop = StartStop::A;
    const B: StartStop = StartStop::B;

    fn check(s: S, data: &str) -> Option<char> {
        s.compute(data, A, B).expect("computable")
    }

    /// The vectors of library-facts §2.3, computed independently there.
    #[test]
    fn library_facts_vectors() {
        let rows: [(&str, &[(S, char)]); 4] = [
            (
                "12345678",
                &[
                    (S::M10w21Split, '2'),
                    (S::M10w21Whole, '4'),
                    (S::SevenDr, '2'),
                    (S::SevenDsr, '5'),
                    (S::NineDr, '0'),
                    (S::NineDsr, '0'),
                    (S::M11, '5'),
                ],
            ),
            (
                "123456",
                &[
                    (S::M10w21Split, '6'),
                    (S::SevenDr, '4'),
                    (S::SevenDsr, '3'),
                    (S::NineDr, '3'),
                    (S::NineDsr, '6'),
                    (S::M11, '0'),
                ],
            ),
            (
                "029025303",
                &[
                    (S::M10w21Split, '8'),
                    (S::SevenDr, '6'),
                    (S::SevenDsr, '1'),
                    (S::NineDr, '6'),
                    (S::NineDsr, '3'),
                    (S::M11, '9'),
                ],
            ),
            ("3023400051786", &[(S::M10w21Split, '1')]),
        ];
        for (data, expected) in rows {
            for &(scheme, digit) in expected {
                assert_eq!(check(scheme, data), Some(digit), "{scheme} of {data}");
            }
        }
        // M10W31 example from the same table (technical.jp).
        assert_eq!(check(S::M10w31, "4912345"), Some('6'));
        // Modulus 16 counts the start/stop characters.
        assert_eq!(S::Modulus16.compute("37859", A, B), Ok(Some('+')));
        assert_eq!(S::Modulus16.compute("1234567890123", A, B), Ok(Some(':')));
        assert_eq!(S::None.compute("123", A, B), Ok(None));
    }

    #[test]
    fn modulus16_never_yields_a_start_stop_character() {
        // sum % 16 == 0 must give '0', not 'A' (the 16 − s%16 mistake).
        // A(16) + "0" + A(16) = 32.
        assert_eq!(S::Modulus16.compute("0", A, A), Ok(Some('0')));
    }

    #[test]
    fn m11_remainder_one_has_no_check_digit() {
        // weights from the right: 1×2 + 0×3 … = 12 → 12 mod 11 = 1.
        assert_eq!(
            S::M11.compute("06", A, A),
            Err(CardNumberError::NoValidCheckDigit)
        );
    }

    #[test]
    fn compute_rejects_non_digits() {
        assert_eq!(
            S::M10w21Split.compute("12a4", A, A),
            Err(CardNumberError::BadCharacter {
                position: 3,
                found: 'a'
            })
        );
        assert_eq!(S::NineDr.compute("", A, A), Err(CardNumberError::Empty));
    }

    #[test]
    fn dr_schemes_work_beyond_u64() {
        let long = "9".repeat(40);
        assert_eq!(
            check(S::SevenDr, &long),
            Some(
                char::from_digit(
                    // 10^40 − 1 mod 7: 10^6 ≡ 1, 10^40 ≡ 10^4 ≡ 4, minus 1 → 3.
                    3, 10
                )
                .expect("digit")
            )
        );
        assert_eq!(check(S::NineDr, &long), Some('0'));
    }

    #[test]
    fn serde_names_are_snake_case() {
        for s in S::ALL {
            let json = serde_json::to_string(&s).expect("serialize");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            let back: S = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, s);
        }
    }

    #[test]
    fn detects_the_kagoshima_sample() {
        // Only 7DSR fits the one public sample (library-facts §2.2).
        assert_eq!(detect_schemes(["029025303-1"], A, A), vec![S::SevenDsr]);
        assert_eq!(detect_schemes(["0290253031"], A, A), vec![S::SevenDsr]);
    }

    #[test]
    fn detection_narrows_with_more_numbers() {
        let numbers: Vec<String> = (0..40u64)
            .map(|n| {
                let data = format!("1002{n:05}");
                let c = check(S::M10w21Split, &data).expect("check");
                format!("{data}{c}")
            })
            .collect();
        assert_eq!(detect_schemes(&numbers, A, A), vec![S::M10w21Split]);
        assert!(detect_schemes(Vec::<String>::new(), A, A).is_empty());
        assert!(detect_schemes(["12x4"], A, A).is_empty());
    }

    #[test]
    fn detection_uses_scanned_start_stop_for_modulus16() {
        assert_eq!(
            detect_schemes(["A37859+B", "A1234567890123:B"], A, A),
            vec![S::Modulus16]
        );
    }
}
