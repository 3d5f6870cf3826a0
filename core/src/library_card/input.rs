//! Normalising what a desk scanner or a person typed, before any scheme is
//! applied.
//!
//! USB scanners type ASCII, optionally with the start/stop characters (upper
//! or lower case); people type from the printed card, on Japanese keyboards
//! often in full width (`０２９０…`) and with a long-vowel mark or a minus
//! sign for the hyphen. All of these map to the ASCII form here.

use super::codabar::StartStop;
use super::error::CardNumberError;

/// Longest input looked at, in characters; anything longer is rejected
/// before further work.
pub(crate) const MAX_INPUT_CHARS: usize = 64;

/// Typed input with white space trimmed, characters mapped to ASCII and the
/// start/stop characters split off.
#[derive(Debug)]
pub(crate) struct Typed {
    /// The start and stop characters, if both were typed.
    pub(crate) frame: Option<(StartStop, StartStop)>,
    /// The characters between them, each with its 1-based position in the
    /// trimmed input.
    pub(crate) body: Vec<(usize, char)>,
}

/// Maps full-width ASCII to ASCII and the dashes people type to `-`.
fn to_ascii(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' => '-',
        _ => c,
    }
}

/// Trims, maps to ASCII and splits off start/stop characters.
pub(crate) fn normalize(input: &str) -> Result<Typed, CardNumberError> {
    let trimmed = input.trim();
    let count = trimmed.chars().take(MAX_INPUT_CHARS + 1).count();
    if count == 0 {
        return Err(CardNumberError::Empty);
    }
    if count > MAX_INPUT_CHARS {
        return Err(CardNumberError::WrongLength {
            min: 1,
            max: MAX_INPUT_CHARS,
            found: trimmed.chars().count(),
        });
    }
    let mut body: Vec<(usize, char)> = trimmed
        .chars()
        .map(to_ascii)
        .enumerate()
        .map(|(i, c)| (i + 1, c))
        .collect();
    let first = body.first().and_then(|&(_, c)| StartStop::from_char(c));
    let last = if body.len() >= 2 {
        body.last().and_then(|&(_, c)| StartStop::from_char(c))
    } else {
        None
    };
    let frame = match (first, last) {
        (Some(start), Some(stop)) => {
            body.pop();
            body.remove(0);
            Some((start, stop))
        }
        (None, None) => None,
        _ => return Err(CardNumberError::UnpairedStartStop),
    };
    Ok(Typed { frame, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(t: &Typed) -> String {
        t.body.iter().map(|(_, c)| c).collect()
    }

    #[test]
    fn scanner_and_keyboard_forms() {
        let t = normalize("  a0290253031a\r\n").expect("ok");
        assert_eq!(t.frame, Some((StartStop::A, StartStop::A)));
        assert_eq!(body(&t), "0290253031");
        assert_eq!(t.body[0].0, 2);

        let t = normalize("０２９０２５３０３ー１").expect("ok");
        assert_eq!(t.frame, None);
        assert_eq!(body(&t), "029025303-1");

        let t = normalize("\u{3000}029025303\u{2212}1").expect("ok");
        assert_eq!(body(&t), "029025303-1");
    }

    #[test]
    fn rejects_empty_unpaired_and_huge() {
        assert_eq!(normalize(" \t").err(), Some(CardNumberError::Empty));
        assert_eq!(
            normalize("A12345").err(),
            Some(CardNumberError::UnpairedStartStop)
        );
        assert_eq!(
            normalize("12345D").err(),
            Some(CardNumberError::UnpairedStartStop)
        );
        assert_eq!(
            normalize("A").err(),
            Some(CardNumberError::UnpairedStartStop)
        );
        assert!(matches!(
            normalize(&"1".repeat(1000)),
            Err(CardNumberError::WrongLength { found: 1000, .. })
        ));
    }
}
