//! The birth date fact (`1.2.392.200149.8.5.5.4`): `EYYYYMMDD`, where `E` is
//! the era the resident register records (0 unknown, 1 明治 … 5 令和) and
//! `YYYYMMDD` is the **Gregorian** date (`jpki-facts.md` §5.1).
//!
//! We check that the date exists (month 1–12, day within the month, leap
//! years by the Gregorian rule). We do not check that the era matches the
//! date's year: the register is authoritative, era boundaries fall mid-year,
//! and code 0 ("unknown") is legitimate.

use std::fmt;

use super::CertError;

/// A Japanese era (元号) as coded in the birth date fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Era {
    /// Code 0: the era is not recorded.
    Unknown = 0,
    /// Code 1: 明治 (1868–1912).
    Meiji = 1,
    /// Code 2: 大正 (1912–1926).
    Taisho = 2,
    /// Code 3: 昭和 (1926–1989).
    Showa = 3,
    /// Code 4: 平成 (1989–2019).
    Heisei = 4,
    /// Code 5: 令和 (2019–).
    Reiwa = 5,
}

impl Era {
    /// The era for a code 0–5, `None` otherwise.
    pub fn from_code(code: u8) -> Option<Era> {
        Some(match code {
            0 => Era::Unknown,
            1 => Era::Meiji,
            2 => Era::Taisho,
            3 => Era::Showa,
            4 => Era::Heisei,
            5 => Era::Reiwa,
            _ => return None,
        })
    }

    /// The numeric code (0–5) used in the certificate.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The era's Japanese name (`"平成"`); `"不明"` for [`Era::Unknown`].
    pub fn japanese_name(self) -> &'static str {
        match self {
            Era::Unknown => "不明",
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The era's romanised name (`"Heisei"`); `"Unknown"` for [`Era::Unknown`].
    pub fn english_name(self) -> &'static str {
        match self {
            Era::Unknown => "Unknown",
            Era::Meiji => "Meiji",
            Era::Taisho => "Taisho",
            Era::Showa => "Showa",
            Era::Heisei => "Heisei",
            Era::Reiwa => "Reiwa",
        }
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.japanese_name())
    }
}

/// A validated birth date. `Display` gives ISO 8601 (`1990-01-02`);
/// [`BirthDate::raw`] gives back the certificate's 9 characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate {
    /// The era recorded alongside the date.
    pub era: Era,
    /// Gregorian year, 1–9999.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31 (valid for the month and year).
    pub day: u8,
}

impl BirthDate {
    /// Parses `EYYYYMMDD` (exactly 9 ASCII digits).
    pub fn parse(raw: &str) -> Result<BirthDate, CertError> {
        let bad = |reason| CertError::BadBirthDate { reason };
        let bytes = raw.as_bytes();
        if bytes.len() != 9 {
            return Err(bad("not 9 characters (EYYYYMMDD)"));
        }
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(bad("not all digits"));
        }
        let num = |range: std::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'))
        };
        let era = Era::from_code(bytes[0] - b'0').ok_or(bad("era code is not 0–5"))?;
        let year = num(1..5);
        let month = num(5..7) as u8;
        let day = num(7..9) as u8;
        if year == 0 {
            return Err(bad("year 0000 does not exist"));
        }
        if !(1..=12).contains(&month) {
            return Err(bad("month is not 01–12"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(bad("day does not exist in that month"));
        }
        Ok(BirthDate {
            era,
            year,
            month,
            day,
        })
    }

    /// The 9 characters as they appear in the certificate (`"419900102"`).
    pub fn raw(&self) -> String {
        format!(
            "{}{:04}{:02}{:02}",
            self.era.code(),
            self.year,
            self.month,
            self.day
        )
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap_year(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let d = BirthDate::parse("419900102").expect("valid");
        assert_eq!(
            d,
            BirthDate {
                era: Era::Heisei,
                year: 1990,
                month: 1,
                day: 2
            }
        );
        assert_eq!(d.to_string(), "1990-01-02");
        assert_eq!(d.raw(), "419900102");
        assert_eq!(d.era.japanese_name(), "平成");
    }

    #[test]
    fn every_era_code() {
        for (code, era, name) in [
            (0, Era::Unknown, "不明"),
            (1, Era::Meiji, "明治"),
            (2, Era::Taisho, "大正"),
            (3, Era::Showa, "昭和"),
            (4, Era::Heisei, "平成"),
            (5, Era::Reiwa, "令和"),
        ] {
            assert_eq!(Era::from_code(code), Some(era));
            assert_eq!(era.code(), code);
            assert_eq!(era.to_string(), name);
            let raw = format!("{code}20000101");
            assert_eq!(BirthDate::parse(&raw).expect("valid").era, era);
        }
        assert_eq!(Era::from_code(6), None);
        assert_eq!(Era::Reiwa.english_name(), "Reiwa");
    }

    #[test]
    fn leap_years() {
        assert!(BirthDate::parse("420000229").is_ok()); // divisible by 400
        assert!(BirthDate::parse("419960229").is_ok());
        assert!(BirthDate::parse("119000229").is_err()); // divisible by 100 only
        assert!(BirthDate::parse("419990229").is_err());
        assert!(BirthDate::parse("419990228").is_ok());
        assert!(BirthDate::parse("420000230").is_err());
    }

    #[test]
    fn rejects_bad_values_with_typed_errors() {
        for raw in [
            "",
            "41990010",
            "4199001020",
            "619900102",
            "919900102",
            "41990a102",
            "4199013 1",
            "419901301",
            "419900001",
            "419900100",
            "419900431",
            "400000101",
            "４19900102",
            "-19900102",
        ] {
            let err = BirthDate::parse(raw).expect_err(raw);
            assert_eq!(err.code(), "bad_birth_date", "{raw}");
        }
    }
}
