//! Records and enums that cross the boundary, converted from core's types.

use shiori_core::cert::{self, BasicInfo, JpkiCertificate};
use shiori_core::jpki::{PinStatus, TokenType};
use shiori_core::pin;

/// Which PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PinKind {
    /// 利用者証明用電子証明書の暗証番号: 4 digits, 3 tries.
    AuthPin,
    /// 署名用電子証明書の暗証番号: 6–16 of A–Z0–9, 5 tries.
    SigningPassword,
}

/// One PIN counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PinState {
    /// `tries_left` of `max_tries` remain (`tries_left` ≥ 1).
    TriesLeft {
        /// Tries remaining.
        tries_left: u8,
        /// Tries a fresh counter has (3 or 5).
        max_tries: u8,
    },
    /// Already verified in this card session.
    Verified,
    /// Blocked: only the municipal office can reset it.
    Blocked,
}

impl PinState {
    pub(crate) fn of(status: PinStatus, kind: pin::PinKind) -> Self {
        match status {
            PinStatus::TriesLeft(n) => PinState::TriesLeft {
                tries_left: n,
                max_tries: kind.max_tries(),
            },
            PinStatus::Verified => PinState::Verified,
            PinStatus::Blocked => PinState::Blocked,
        }
    }
}

/// What kind of JPKI token answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardType {
    /// A physical My Number Card (the only kind Shiori registers).
    MyNumberCard,
    /// An old 住基カード.
    JukiCard,
    /// The Android smartphone certificate.
    AndroidSmartphone,
    /// The iPhone smartphone certificate.
    IosSmartphone,
    /// Any other label.
    Unknown,
}

impl From<TokenType> for CardType {
    fn from(t: TokenType) -> Self {
        match t {
            TokenType::MyNumberCard => CardType::MyNumberCard,
            TokenType::JukiCard => CardType::JukiCard,
            TokenType::AndroidSmartphone => CardType::AndroidSmartphone,
            TokenType::IosSmartphone => CardType::IosSmartphone,
            TokenType::Unknown => CardType::Unknown,
        }
    }
}

/// The card's status, read without a PIN.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CardStatus {
    /// The token label (`JPKIAPICCTOKEN2` on a My Number Card).
    pub token_label: String,
    /// What the label means.
    pub card_type: CardType,
    /// A signing certificate is on the card.
    pub signing_certificate: bool,
    /// A user-authentication certificate is on the card.
    pub auth_certificate: bool,
    /// The 4-digit auth PIN's counter.
    pub auth_pin: PinState,
    /// The signing password's counter; absent without a signing certificate.
    pub signing_password: Option<PinState>,
}

/// 性別 as the certificate codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Gender {
    /// Code `1`.
    Male,
    /// Code `2`.
    Female,
    /// Code `3`: not recorded.
    Unknown,
}

/// The 4 basic facts (基本4情報) of the signing certificate.
///
/// Personal data: the app shows it to the resident and does not log it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BasicFacts {
    /// 氏名: surname, U+3000, given name.
    pub name: String,
    /// The part before U+3000.
    pub surname: String,
    /// The part after U+3000 (empty if none).
    pub given_name: String,
    /// One `0`/`1` per name character, `1` = substitute character.
    pub name_substitutes: String,
    /// 住所.
    pub address: String,
    /// One `0`/`1` per address character.
    pub address_substitutes: String,
    /// ISO 8601 birth date (`1990-01-02`).
    pub birth_date: String,
    /// The certificate's 9 characters (`419900102`).
    pub birth_date_raw: String,
    /// Era code 0–5 recorded with the date.
    pub era: u8,
    /// The era's Japanese name (`平成`).
    pub era_ja: String,
    /// 性別.
    pub gender: Gender,
    /// `男性` / `女性` / `不明`.
    pub gender_ja: String,
    /// The signing certificate's serial, upper-case hex.
    pub signing_serial_hex: String,
    /// End of the certificate's validity, Unix seconds.
    pub not_after: i64,
}

impl BasicFacts {
    pub(crate) fn new(info: &BasicInfo, certificate: &JpkiCertificate) -> Self {
        BasicFacts {
            name: info.name.clone(),
            surname: info.surname().to_string(),
            given_name: info.given_name().to_string(),
            name_substitutes: info.name_substitutes.as_str().to_string(),
            address: info.address.clone(),
            address_substitutes: info.address_substitutes.as_str().to_string(),
            birth_date: info.birth_date.to_string(),
            birth_date_raw: info.birth_date.raw(),
            era: info.birth_date.era.code(),
            era_ja: info.birth_date.era.japanese_name().to_string(),
            gender: match info.gender {
                cert::Gender::Male => Gender::Male,
                cert::Gender::Female => Gender::Female,
                cert::Gender::Unknown => Gender::Unknown,
            },
            gender_ja: info.gender.japanese_label().to_string(),
            signing_serial_hex: certificate.serial_hex(),
            not_after: certificate.not_after(),
        }
    }
}
