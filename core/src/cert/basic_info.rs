//! The 4 basic facts (基本4情報) of a JPKI signing certificate — name,
//! address, birth date, gender — plus the substitute-character flags of the
//! name and the address. How they are pulled out of the subjectAltName is in
//! `san.rs`; this file holds the validated values.

use std::fmt;

use super::{BasicInfoField, BirthDate, CertError};

/// The resident's facts as the signing certificate states them.
///
/// `Debug` prints them: keep values of this type out of logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BasicInfo {
    /// 氏名: surname, U+3000 (ideographic space), given name. Non-empty.
    pub name: String,
    /// Which characters of `name` are substitute characters (代替文字).
    pub name_substitutes: SubstituteFlags,
    /// 住所: the registered address, from the prefecture on. Non-empty.
    pub address: String,
    /// Which characters of `address` are substitute characters.
    pub address_substitutes: SubstituteFlags,
    /// 生年月日.
    pub birth_date: BirthDate,
    /// 性別.
    pub gender: Gender,
}

/// The separator between surname and given name in [`BasicInfo::name`].
pub const NAME_SEPARATOR: char = '\u{3000}';

impl BasicInfo {
    /// The surname: the part of the name before the first U+3000, or the
    /// whole name when there is no U+3000 (some foreign residents' names).
    pub fn surname(&self) -> &str {
        match self.name.split_once(NAME_SEPARATOR) {
            Some((surname, _)) => surname,
            None => &self.name,
        }
    }

    /// The given name: the part after the first U+3000, or `""` when the name
    /// has no U+3000.
    pub fn given_name(&self) -> &str {
        match self.name.split_once(NAME_SEPARATOR) {
            Some((_, given)) => given,
            None => "",
        }
    }

    /// Whether `name_substitutes` has one flag per character of `name`.
    pub fn name_substitutes_match(&self) -> bool {
        self.name_substitutes.matches(self.name.chars().count())
    }

    /// Whether `address_substitutes` has one flag per character of `address`.
    pub fn address_substitutes_match(&self) -> bool {
        self.address_substitutes
            .matches(self.address.chars().count())
    }
}

/// 性別 as coded in the signing certificate: `1` male, `2` female, `3` unknown.
/// (The 券面事項入力補助AP uses other codes; this is the certificate's.)
///
/// In JSON (the API's `Patron.gender`) and in the database it is the
/// lower-case English label ([`Gender::english_label`]): `male`, `female`,
/// `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// Code `1`.
    Male,
    /// Code `2`.
    Female,
    /// Code `3`: not recorded / unknown.
    Unknown,
}

impl Gender {
    /// Parses the certificate's value: exactly `"1"`, `"2"` or `"3"`.
    pub fn parse(value: &str) -> Result<Gender, CertError> {
        match value {
            "1" => Ok(Gender::Male),
            "2" => Ok(Gender::Female),
            "3" => Ok(Gender::Unknown),
            _ => Err(CertError::BadGender),
        }
    }

    /// The numeric code, 1–3.
    pub fn code(self) -> u8 {
        match self {
            Gender::Male => 1,
            Gender::Female => 2,
            Gender::Unknown => 3,
        }
    }

    /// Japanese label: `"男性"`, `"女性"`, `"不明"`.
    pub fn japanese_label(self) -> &'static str {
        match self {
            Gender::Male => "男性",
            Gender::Female => "女性",
            Gender::Unknown => "不明",
        }
    }

    /// English label: `"male"`, `"female"`, `"unknown"`.
    pub fn english_label(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Unknown => "unknown",
        }
    }

    /// The inverse of [`Gender::english_label`] (exact `male`, `female`,
    /// `unknown`; how the server stores it).
    pub fn from_english_label(label: &str) -> Option<Gender> {
        [Gender::Male, Gender::Female, Gender::Unknown]
            .into_iter()
            .find(|g| g.english_label() == label)
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.japanese_label())
    }
}

/// Substitute-character flags (代替文字の使用位置): one `'0'`/`'1'` per
/// character of the name or address, `'1'` where the register could not
/// represent the character and put a substitute in its place.
///
/// Only `'0'` and `'1'` are accepted. The **count** is not enforced: a flag
/// string whose length differs from the value's character count is kept
/// as-is and [`SubstituteFlags::matches`] reports it. The flags are a display
/// aid, and whether the U+3000 separator of the name has its own flag is not
/// confirmed by a primary source, so rejecting a real resident's certificate
/// over it would do more harm than good. A certificate without the flags
/// entry gets empty flags.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SubstituteFlags(String);

impl SubstituteFlags {
    /// Validates a flag string for `field` (only `'0'` and `'1'`).
    pub fn parse(value: &str, field: BasicInfoField) -> Result<SubstituteFlags, CertError> {
        if value.bytes().all(|b| b == b'0' || b == b'1') {
            Ok(SubstituteFlags(value.to_owned()))
        } else {
            Err(CertError::BadSubstituteFlags { field })
        }
    }

    /// The flags as the certificate carries them, e.g. `"00010"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Number of flags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No flags at all (also the case when the certificate has no entry).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Zero-based character positions flagged `'1'`.
    pub fn positions(&self) -> Vec<usize> {
        self.0
            .bytes()
            .enumerate()
            .filter_map(|(i, b)| (b == b'1').then_some(i))
            .collect()
    }

    /// Whether any character is a substitute.
    pub fn any(&self) -> bool {
        self.0.contains('1')
    }

    /// Whether there is exactly one flag per character of a value of
    /// `char_count` characters.
    pub fn matches(&self, char_count: usize) -> bool {
        self.0.len() == char_count
    }
}

impl fmt::Display for SubstituteFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::Era;

    fn sample(name: &str, flags: &str) -> BasicInfo {
        BasicInfo {
            name: name.to_owned(),
            name_substitutes: SubstituteFlags::parse(flags, BasicInfoField::NameSubstitutes)
                .expect("flags"),
            address: "東京都千代田区千代田１－１".to_owned(),
            address_substitutes: SubstituteFlags::parse(
                "0000000000000",
                BasicInfoField::AddressSubstitutes,
            )
            .expect("flags"),
            birth_date: BirthDate {
                era: Era::Heisei,
                year: 1990,
                month: 1,
                day: 2,
            },
            gender: Gender::Female,
        }
    }

    #[test]
    fn splits_name_on_ideographic_space() {
        let info = sample("田中\u{3000}花子", "00000");
        assert_eq!((info.surname(), info.given_name()), ("田中", "花子"));
        assert!(info.name_substitutes_match());
        assert!(info.address_substitutes_match());
        let single = sample("SMITH JOHN", "0000000000");
        assert_eq!((single.surname(), single.given_name()), ("SMITH JOHN", ""));
        let three = sample("a\u{3000}b\u{3000}c", "00000");
        assert_eq!((three.surname(), three.given_name()), ("a", "b\u{3000}c"));
    }

    #[test]
    fn genders() {
        for (raw, g, code, ja, en) in [
            ("1", Gender::Male, 1, "男性", "male"),
            ("2", Gender::Female, 2, "女性", "female"),
            ("3", Gender::Unknown, 3, "不明", "unknown"),
        ] {
            assert_eq!(Gender::parse(raw), Ok(g));
            assert_eq!(
                (g.code(), g.japanese_label(), g.english_label()),
                (code, ja, en)
            );
            // The JSON and database form is the English label, both ways.
            assert_eq!(serde_json::to_string(&g).unwrap(), format!("\"{en}\""));
            assert_eq!(
                serde_json::from_str::<Gender>(&format!("\"{en}\"")).unwrap(),
                g
            );
            assert_eq!(Gender::from_english_label(en), Some(g));
        }
        for label in ["", "Male", "MALE", "男性", "1", " male", "other"] {
            assert_eq!(Gender::from_english_label(label), None, "{label}");
            assert!(serde_json::from_str::<Gender>(&format!("\"{label}\"")).is_err());
        }
        for raw in ["", "0", "4", "9", "11", " 1", "M", "１"] {
            assert_eq!(Gender::parse(raw), Err(CertError::BadGender), "{raw}");
        }
    }

    #[test]
    fn substitute_flags() {
        let f = SubstituteFlags::parse("01001", BasicInfoField::NameSubstitutes).expect("ok");
        assert_eq!(f.positions(), vec![1, 4]);
        assert!(f.any() && f.matches(5) && !f.matches(4));
        assert_eq!(f.as_str(), "01001");
        let none = SubstituteFlags::parse("", BasicInfoField::NameSubstitutes).expect("ok");
        assert!(none.is_empty() && !none.any() && none.positions().is_empty());
        let mismatch = sample("田中\u{3000}花子", "000");
        assert!(!mismatch.name_substitutes_match());
        for bad in ["0102", "0 1", "x", "０"] {
            assert_eq!(
                SubstituteFlags::parse(bad, BasicInfoField::AddressSubstitutes),
                Err(CertError::BadSubstituteFlags {
                    field: BasicInfoField::AddressSubstitutes
                })
            );
        }
    }
}
