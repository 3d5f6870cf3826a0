//! NW-7 (Codabar, JIS X 0506): the character set, the start/stop characters
//! and the table of bar and space widths.
//!
//! The table is the whole encoder: each character is 7 elements (bar, space,
//! bar, space, bar, space, bar), each narrow or wide, and characters are
//! separated by one narrow space. We encode it ourselves instead of using the
//! `barcoders` crate because barcoders 2.0.0 swaps the patterns of `B` and
//! `C` and encodes `+` with wide spaces that no reader accepts (see
//! `docs/library-cards.md` and `core/tests/library_card_zbar.rs`, which proves
//! both with `zbarimg`).

use serde::{Deserialize, Serialize};

use super::error::CodabarError;

/// A Codabar start or stop character.
///
/// A symbol begins with one and ends with one; libraries choose a pair (A/A,
/// A/B, …) and desk scanners can be told to send them or strip them. In
/// configuration files they are written `"A"`…`"D"` (lower case is accepted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StartStop {
    /// `A` (also written `T` on old scanners).
    #[serde(alias = "a")]
    A,
    /// `B` (also written `N`).
    #[serde(alias = "b")]
    B,
    /// `C` (also written `*`).
    #[serde(alias = "c")]
    C,
    /// `D` (also written `E`).
    #[serde(alias = "d")]
    D,
}

impl StartStop {
    /// All four, in order.
    pub const ALL: [StartStop; 4] = [StartStop::A, StartStop::B, StartStop::C, StartStop::D];

    /// The character as it appears in a barcode payload.
    pub fn as_char(self) -> char {
        match self {
            StartStop::A => 'A',
            StartStop::B => 'B',
            StartStop::C => 'C',
            StartStop::D => 'D',
        }
    }

    /// The start/stop character for `c` (`A`–`D`, either case).
    pub fn from_char(c: char) -> Option<StartStop> {
        match c {
            'A' | 'a' => Some(StartStop::A),
            'B' | 'b' => Some(StartStop::B),
            'C' | 'c' => Some(StartStop::C),
            'D' | 'd' => Some(StartStop::D),
            _ => None,
        }
    }

    /// The value modulus 16 gives this character (A = 16 … D = 19).
    pub(crate) fn value(self) -> u32 {
        match self {
            StartStop::A => 16,
            StartStop::B => 17,
            StartStop::C => 18,
            StartStop::D => 19,
        }
    }
}

impl std::fmt::Display for StartStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

/// The 16 data characters in the order of their modulus-16 values (0–15).
pub(crate) const DATA_CHARS: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '-', '$', ':', '/', '.', '+',
];

/// The modulus-16 value of a data character (`0`–`9` = 0–9, `-` 10, `$` 11,
/// `:` 12, `/` 13, `.` 14, `+` 15).
pub(crate) fn data_value(c: char) -> Option<u32> {
    DATA_CHARS
        .iter()
        .position(|&d| d == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The data character with modulus-16 value `v` (0–15).
pub(crate) fn data_char(v: u32) -> Option<char> {
    usize::try_from(v)
        .ok()
        .and_then(|i| DATA_CHARS.get(i).copied())
}

/// Element widths of every character: bit 6 is the first bar, bit 0 the last
/// bar; a set bit is a wide element. From the Codabar specification (AIM
/// USS-Codabar / JIS X 0506); `B` = 0101001 and `C` = 0001011, `+` = 0010101.
const PATTERNS: [(char, u8); 20] = [
    ('0', 0b000_0011),
    ('1', 0b000_0110),
    ('2', 0b000_1001),
    ('3', 0b110_0000),
    ('4', 0b001_0010),
    ('5', 0b100_0010),
    ('6', 0b010_0001),
    ('7', 0b010_0100),
    ('8', 0b011_0000),
    ('9', 0b100_1000),
    ('-', 0b000_1100),
    ('$', 0b001_1000),
    (':', 0b100_0101),
    ('/', 0b101_0001),
    ('.', 0b101_0100),
    ('+', 0b001_0101),
    ('A', 0b001_1010),
    ('B', 0b010_1001),
    ('C', 0b000_1011),
    ('D', 0b000_1110),
];

fn pattern(c: char) -> Option<u8> {
    PATTERNS
        .iter()
        .find(|(p, _)| *p == c)
        .map(|(_, bits)| *bits)
}

/// How many narrow modules a wide element takes.
///
/// JIS X 0506 allows a wide:narrow ratio from 2:1 to 3:1; 3:1 reads more
/// reliably from a phone screen, 2:1 is shorter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WideRatio {
    /// Wide elements are 2 narrow modules.
    Two,
    /// Wide elements are 3 narrow modules (the default).
    #[default]
    Three,
}

impl WideRatio {
    /// The width of a wide element in narrow modules.
    pub fn modules(self) -> usize {
        match self {
            WideRatio::Two => 2,
            WideRatio::Three => 3,
        }
    }
}

/// A complete NW-7 symbol: start character, data characters, stop character.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Codabar {
    start: StartStop,
    data: String,
    stop: StartStop,
}

impl Codabar {
    /// A symbol from its parts; `data` must be 1 or more of `0-9 - $ : / . +`.
    pub fn new(start: StartStop, data: &str, stop: StartStop) -> Result<Codabar, CodabarError> {
        if data.is_empty() {
            return Err(CodabarError::EmptyData);
        }
        if let Some((position, found)) = data
            .chars()
            .enumerate()
            .find(|(_, c)| data_value(*c).is_none())
        {
            return Err(CodabarError::BadCharacter {
                position: position + 1,
                found,
            });
        }
        Ok(Codabar {
            start,
            data: data.to_owned(),
            stop,
        })
    }

    /// A symbol from parts the caller has already validated (a
    /// [`LibraryCardNumber`](super::LibraryCardNumber)'s).
    pub(crate) fn from_validated(start: StartStop, data: &str, stop: StartStop) -> Codabar {
        Codabar {
            start,
            data: data.to_owned(),
            stop,
        }
    }

    /// A symbol from a full payload such as `A0290253031A` (what a scanner
    /// that sends start/stop characters types, and what
    /// [`LibraryCardNumber::barcode_payload`](super::LibraryCardNumber::barcode_payload)
    /// returns), so an app can render a number the server sent.
    pub fn from_payload(payload: &str) -> Result<Codabar, CodabarError> {
        let mut chars = payload.chars();
        let start = chars.next().and_then(StartStop::from_char);
        let stop = chars.next_back().and_then(StartStop::from_char);
        match (start, stop) {
            (Some(start), Some(stop)) => {
                Codabar::new(start, chars.as_str(), stop).map_err(|e| match e {
                    CodabarError::BadCharacter { position, found } => CodabarError::BadCharacter {
                        position: position + 1,
                        found,
                    },
                    other => other,
                })
            }
            _ => Err(CodabarError::MissingStartStop),
        }
    }

    /// The start character.
    pub fn start(&self) -> StartStop {
        self.start
    }

    /// The data characters between start and stop.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The stop character.
    pub fn stop(&self) -> StartStop {
        self.stop
    }

    /// The payload with start and stop: what a decoder that keeps them reads.
    pub fn payload(&self) -> String {
        let mut s = String::with_capacity(self.data.len() + 2);
        s.push(self.start.as_char());
        s.push_str(&self.data);
        s.push(self.stop.as_char());
        s
    }

    /// The symbol as narrow modules, `true` = bar, without quiet zones.
    pub fn modules(&self, ratio: WideRatio) -> Vec<bool> {
        let chars = std::iter::once(self.start.as_char())
            .chain(self.data.chars())
            .chain(std::iter::once(self.stop.as_char()));
        let mut out = Vec::with_capacity((self.data.len() + 2) * 14);
        for (i, c) in chars.enumerate() {
            if i > 0 {
                out.push(false);
            }
            // The constructors admit only characters of the table, so the
            // fallback (all narrow) is never taken; it avoids a panic path.
            let bits = pattern(c).unwrap_or(0);
            for element in 0..7u8 {
                let wide = bits & (1 << (6 - element)) != 0;
                let width = if wide { ratio.modules() } else { 1 };
                let is_bar = element % 2 == 0;
                out.extend(std::iter::repeat_n(is_bar, width));
            }
        }
        out
    }
}

impl std::fmt::Display for Codabar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.start, self.data, self.stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(s: &str) -> Vec<bool> {
        s.chars().map(|c| c == '1').collect()
    }

    #[test]
    fn two_to_one_matches_the_published_module_strings() {
        // Module strings from the Codabar specification at 2:1 (the form
        // libraries such as barcodelib and JsBarcode list after their fixes).
        let cases = [
            ("0", "101010011"),
            ("3", "110010101"),
            ("6", "100101011"),
            ("9", "110100101"),
            ("-", "101001101"),
            ("$", "101100101"),
            (":", "1101011011"),
            ("/", "1101101011"),
            (".", "1101101101"),
            ("+", "1011011011"),
        ];
        for (c, expected) in cases {
            let sym = Codabar::new(StartStop::A, c, StartStop::A).expect("valid");
            let m = sym.modules(WideRatio::Two);
            // A(10) gap(1) char gap(1) A(10)
            let inner = &m[11..m.len() - 11];
            assert_eq!(inner, bits(expected).as_slice(), "char {c}");
        }
        let starts = [
            (StartStop::A, "1011001001"),
            (StartStop::B, "1001001011"),
            (StartStop::C, "1010010011"),
            (StartStop::D, "1010011001"),
        ];
        for (s, expected) in starts {
            let sym = Codabar::new(s, "1", StartStop::A).expect("valid");
            let m = sym.modules(WideRatio::Two);
            assert_eq!(&m[..10], bits(expected).as_slice(), "start {s}");
        }
    }

    #[test]
    fn every_character_has_two_or_three_wide_elements() {
        for (c, p) in PATTERNS {
            let wide = p.count_ones();
            assert!(wide == 2 || wide == 3, "{c}: {wide}");
            assert!(p < 0b1000_0000, "{c}");
        }
    }

    #[test]
    fn three_to_one_widths() {
        let sym = Codabar::new(StartStop::A, "0", StartStop::A).expect("valid");
        // A: 3 wide (13 modules) ×2, '0': 2 wide (11), two gaps.
        assert_eq!(sym.modules(WideRatio::Three).len(), 13 + 1 + 11 + 1 + 13);
    }

    #[test]
    fn payload_round_trip_and_errors() {
        let sym = Codabar::from_payload("a37859+b").expect("valid");
        assert_eq!(sym.payload(), "A37859+B");
        assert_eq!(sym.to_string(), "A37859+B");
        assert_eq!(
            Codabar::from_payload("12345"),
            Err(CodabarError::MissingStartStop)
        );
        assert_eq!(Codabar::from_payload("AB"), Err(CodabarError::EmptyData));
        assert_eq!(
            Codabar::from_payload("A12X4A"),
            Err(CodabarError::BadCharacter {
                position: 4,
                found: 'X'
            })
        );
        assert_eq!(data_char(15), Some('+'));
        assert_eq!(data_value('$'), Some(11));
        assert_eq!(data_char(16), None);
    }
}
