//! ISBNs: parsing what people type or what a catalogue file holds (ISBN-10
//! or ISBN-13, with hyphens, spaces, an `ISBN` label, full-width digits) into
//! one 13-digit form, with the check digit verified.
//!
//! Check digits (ISO 2108):
//!
//! * ISBN-10: weights 10, 9, …, 1 over all ten characters; the sum is a
//!   multiple of 11. A check value of 10 is written `X`.
//! * ISBN-13: weights 1, 3, 1, 3, … over all thirteen digits; the sum is a
//!   multiple of 10. An ISBN-10 becomes an ISBN-13 by prefixing `978` to its
//!   first nine digits and computing the ISBN-13 check digit afresh.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

/// Why a text is not a valid ISBN.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IsbnError {
    /// Not 10 or 13 digits once hyphens, spaces and the label are removed
    /// (the count is carried).
    #[error("an ISBN has 10 or 13 digits, but this has {0}")]
    Length(usize),
    /// A character that is not a digit, a hyphen or a space (or an `X` that is
    /// not the last character of an ISBN-10).
    #[error(
        "an ISBN may contain only digits, hyphens and spaces \
         (and X as the last character of an ISBN-10), not {0:?}"
    )]
    Character(char),
    /// The check digit does not match the other digits: a typing mistake.
    #[error("the ISBN check digit does not match the other digits; the number is mistyped")]
    CheckDigit,
    /// A 13-digit number that does not begin with 978 or 979 (such as an
    /// ISSN-derived 977 code), so it is not an ISBN.
    #[error("an ISBN-13 begins with 978 or 979")]
    Prefix,
}

impl IsbnError {
    /// A stable code for the API: `isbn_length`, `isbn_character`,
    /// `isbn_check_digit`, `isbn_prefix`.
    pub fn code(&self) -> &'static str {
        match self {
            IsbnError::Length(_) => "isbn_length",
            IsbnError::Character(_) => "isbn_character",
            IsbnError::CheckDigit => "isbn_check_digit",
            IsbnError::Prefix => "isbn_prefix",
        }
    }
}

/// An ISBN normalized to 13 digits.
///
/// Always 13 ASCII digits, beginning with 978 or 979, with a correct check
/// digit: the only way to make one is [`Isbn13::parse`] (deserializing goes
/// through it too).
///
/// ```
/// use shiori_core::catalogue::Isbn13;
///
/// let isbn = Isbn13::parse("ISBN 0-306-40615-2")?;
/// assert_eq!(isbn.as_str(), "9780306406157");
/// assert_eq!(isbn.hyphenless_isbn10().as_deref(), Some("0306406152"));
/// assert_eq!(Isbn13::parse("978-0-306-40615-8").unwrap_err().code(), "isbn_check_digit");
/// # Ok::<(), shiori_core::catalogue::IsbnError>(())
/// ```
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Isbn13(String);

impl Isbn13 {
    /// Parses an ISBN-10 or ISBN-13.
    ///
    /// Accepted: hyphens (and the Unicode hyphens and minus sign) and spaces
    /// anywhere; full-width digits (NFKC); an optional leading label `ISBN`,
    /// `ISBN:`, `ISBN-13:`, `ISBN-10:` (any case); `X` or `x` as the check
    /// character of an ISBN-10. The check digit is verified; an ISBN-10 is
    /// converted to its 978-prefixed ISBN-13; an ISBN-13 must begin with 978 or
    /// 979.
    pub fn parse(text: &str) -> Result<Isbn13, IsbnError> {
        let nfkc: String = text.nfkc().collect();
        let body = strip_label(nfkc.trim());

        // At most 13 characters are kept; the rest are only counted, so an
        // overlong input costs no memory.
        let mut kept: Vec<char> = Vec::with_capacity(13);
        let mut count = 0usize;
        for c in body.chars() {
            if is_separator(c) {
                continue;
            }
            if !(c.is_ascii_digit() || c == 'X' || c == 'x') {
                return Err(IsbnError::Character(c));
            }
            count += 1;
            if kept.len() < 13 {
                kept.push(c);
            }
        }
        match count {
            10 => from_isbn10(&kept),
            13 => from_isbn13(&kept),
            n => Err(IsbnError::Length(n)),
        }
    }

    /// The 13 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For a 978 ISBN, the ISBN-10 form: 10 characters without hyphens, the
    /// last of which may be `X`. A 979 ISBN has no ISBN-10 form: `None`.
    pub fn hyphenless_isbn10(&self) -> Option<String> {
        let rest = self.0.strip_prefix("978")?;
        let nine = rest.get(..9)?;
        let digits = digit_values(nine)?;
        let check = isbn10_check(&digits);
        let mut out = String::with_capacity(10);
        out.push_str(nine);
        out.push(check);
        Some(out)
    }
}

impl fmt::Display for Isbn13 {
    /// The 13 digits, without hyphens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Isbn13 {
    type Err = IsbnError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Isbn13::parse(text)
    }
}

impl TryFrom<String> for Isbn13 {
    type Error = IsbnError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Isbn13::parse(&text)
    }
}

impl From<Isbn13> for String {
    fn from(isbn: Isbn13) -> String {
        isbn.0
    }
}

/// Whether a query word looks like an ISBN attempt: after removing hyphens,
/// 10 characters of digits with an optional trailing `X`/`x`, or 13 digits.
///
/// It does not check the check digit: a search box uses this to decide
/// whether to parse the word with [`Isbn13::parse`] (and report a mistyped
/// ISBN) rather than search for it as text. Full-width digits and hyphens
/// count (the word is NFKC-normalized first). Call it on the words of the
/// raw query split on whitespace, before [`normalize`](super::normalize),
/// which turns hyphens into spaces.
pub fn looks_like_isbn(word: &str) -> bool {
    let chars: Vec<char> = word.nfkc().filter(|c| !is_hyphen(*c)).collect();
    match chars.as_slice() {
        [nine @ .., last] if chars.len() == 10 => {
            nine.iter().all(char::is_ascii_digit)
                && (last.is_ascii_digit() || *last == 'X' || *last == 'x')
        }
        all if all.len() == 13 => all.iter().all(char::is_ascii_digit),
        _ => false,
    }
}

/// Removes a leading `ISBN`, `ISBN:`, `ISBN-13:`, `ISBN-10`, … label.
fn strip_label(text: &str) -> &str {
    let Some(head) = text.get(..4) else {
        return text;
    };
    if !head.eq_ignore_ascii_case("isbn") {
        return text;
    }
    let mut rest = text.get(4..).unwrap_or_default();
    for tag in ["-13", "-10", "13", "10"] {
        if let Some(after) = rest.strip_prefix(tag) {
            if after.starts_with(':') || after.starts_with(char::is_whitespace) {
                rest = after;
                break;
            }
        }
    }
    let rest = rest.trim_start();
    rest.strip_prefix(':').unwrap_or(rest)
}

/// Hyphens and spaces that may separate the groups of an ISBN.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || is_hyphen(c)
}

/// `-` and its Unicode look-alikes (hyphen, non-breaking hyphen, figure
/// dash, en and em dash, horizontal bar, minus sign).
fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

/// Digit values of an all-digit string, or `None`.
fn digit_values(text: &str) -> Option<Vec<u32>> {
    text.chars().map(|c| c.to_digit(10)).collect()
}

/// The ISBN-10 check character (`0`–`9` or `X`) of nine digit values.
fn isbn10_check(nine: &[u32]) -> char {
    let sum: u32 = nine.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match (11 - sum % 11) % 11 {
        10 => 'X',
        n => char::from_digit(n, 10).unwrap_or('X'),
    }
}

/// The ISBN-13 check digit of twelve digit values.
fn isbn13_check(twelve: &[u32]) -> char {
    let sum: u32 = twelve
        .iter()
        .zip([1, 3].iter().cycle())
        .map(|(d, w)| d * w)
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10).unwrap_or('0')
}

/// Validates ten kept characters as an ISBN-10 and converts it.
fn from_isbn10(chars: &[char]) -> Result<Isbn13, IsbnError> {
    let [nine @ .., last] = chars else {
        return Err(IsbnError::Length(chars.len()));
    };
    let mut digits = Vec::with_capacity(12);
    digits.extend([9, 7, 8]);
    for c in nine {
        digits.push(c.to_digit(10).ok_or(IsbnError::Character(*c))?);
    }
    let (Some(prefixed), Some(body)) = (digits.get(..12), digits.get(3..)) else {
        return Err(IsbnError::Length(chars.len()));
    };
    if isbn10_check(body) != last.to_ascii_uppercase() {
        return Err(IsbnError::CheckDigit);
    }
    let mut out: String = prefixed
        .iter()
        .filter_map(|d| char::from_digit(*d, 10))
        .collect();
    out.push(isbn13_check(prefixed));
    Ok(Isbn13(out))
}

/// Validates thirteen kept characters as an ISBN-13.
fn from_isbn13(chars: &[char]) -> Result<Isbn13, IsbnError> {
    let mut digits = Vec::with_capacity(13);
    for c in chars {
        digits.push(c.to_digit(10).ok_or(IsbnError::Character(*c))?);
    }
    if !(digits.starts_with(&[9, 7, 8]) || digits.starts_with(&[9, 7, 9])) {
        return Err(IsbnError::Prefix);
    }
    let (Some(twelve), Some(last)) = (digits.get(..12), chars.get(12)) else {
        return Err(IsbnError::Length(chars.len()));
    };
    if isbn13_check(twelve) != *last {
        return Err(IsbnError::CheckDigit);
    }
    Ok(Isbn13(chars.iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(strip_label("ISBN-13: 978"), " 978");
        assert_eq!(strip_label("isbn10 4"), "4");
        assert_eq!(strip_label("ISBN:4"), "4");
        assert_eq!(strip_label("ISBN4"), "4");
        assert_eq!(strip_label("ISB"), "ISB");
        assert_eq!(strip_label("国際標準"), "国際標準");
    }

    #[test]
    fn check_characters() {
        // 0-306-40615-2 and 978-0-306-40615-7, the ISO 2108 examples.
        assert_eq!(isbn10_check(&[0, 3, 0, 6, 4, 0, 6, 1, 5]), '2');
        assert_eq!(isbn13_check(&[9, 7, 8, 0, 3, 0, 6, 4, 0, 6, 1, 5]), '7');
    }
}
