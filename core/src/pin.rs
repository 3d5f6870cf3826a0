//! PINs and passwords for the JPKI application.
//!
//! Both types validate on construction, keep their bytes in zeroizing memory,
//! and print as `****` in `Debug`; neither implements `Display`. The card
//! compares bytes, so the signing password is upper-cased before it is ever
//! sent: a lower-case password can never match and would burn one of 5 tries
//! (docs/card-protocol.md, "PIN rules").

use zeroize::Zeroizing;

/// Which JPKI credential a PIN opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// 利用者証明用電子証明書 暗証番号: 4 digits, 3 tries, IEF `0018`.
    Auth,
    /// 署名用電子証明書 暗証番号: 6–16 of `A–Z0–9`, 5 tries, IEF `001B`.
    Signing,
}

impl PinKind {
    /// The number of tries a fresh or reset counter has.
    pub fn max_tries(self) -> u8 {
        match self {
            PinKind::Auth => 3,
            PinKind::Signing => 5,
        }
    }

    /// The PIN's internal EF.
    pub fn fid(self) -> u16 {
        match self {
            PinKind::Auth => 0x0018,
            PinKind::Signing => 0x001B,
        }
    }

    /// A stable machine name (`auth_pin`, `signing_password`).
    pub fn code(self) -> &'static str {
        match self {
            PinKind::Auth => "auth_pin",
            PinKind::Signing => "signing_password",
        }
    }

    /// What a resident calls it, in Japanese.
    pub fn name_ja(self) -> &'static str {
        match self {
            PinKind::Auth => "利用者証明用電子証明書の暗証番号（数字4桁）",
            PinKind::Signing => "署名用電子証明書の暗証番号（英数字6〜16文字）",
        }
    }

    /// What a resident calls it, in English.
    pub fn name_en(self) -> &'static str {
        match self {
            PinKind::Auth => "user-authentication PIN (4 digits)",
            PinKind::Signing => "signing password (6-16 letters and digits)",
        }
    }
}

/// Why a typed PIN or password is not acceptable. Nothing was sent to the card.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinFormatError {
    /// The auth PIN is not exactly 4 digits.
    #[error("the user-authentication PIN must be exactly 4 digits")]
    AuthPinNotFourDigits,
    /// The signing password is shorter than 6 or longer than 16 characters.
    #[error("the signing password must be 6 to 16 characters long (got {0})")]
    SigningPasswordLength(usize),
    /// The signing password contains something other than A–Z and 0–9.
    #[error("the signing password may contain only letters A-Z and digits 0-9 (character {position} is not one)")]
    SigningPasswordCharacter {
        /// 1-based position of the first bad character.
        position: usize,
    },
}

impl PinFormatError {
    /// A stable code for APIs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AuthPinNotFourDigits => "auth_pin_format",
            Self::SigningPasswordLength(_) => "signing_password_length",
            Self::SigningPasswordCharacter { .. } => "signing_password_character",
        }
    }
}

/// The 4-digit user-authentication PIN.
#[derive(Clone)]
pub struct AuthPin(Zeroizing<Vec<u8>>);

impl AuthPin {
    /// Validate a typed PIN: exactly 4 ASCII digits, leading zeros kept.
    pub fn new(input: &str) -> Result<Self, PinFormatError> {
        let b = input.as_bytes();
        if b.len() != 4 || !b.iter().all(u8::is_ascii_digit) {
            return Err(PinFormatError::AuthPinNotFourDigits);
        }
        Ok(Self(Zeroizing::new(b.to_vec())))
    }

    /// The bytes sent in VERIFY.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for AuthPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthPin(****)")
    }
}

/// The signing password: 6–16 of `A–Z0–9`, upper-cased on construction.
#[derive(Clone)]
pub struct SigningPassword(Zeroizing<Vec<u8>>);

impl SigningPassword {
    /// Validate and upper-case a typed password.
    pub fn new(input: &str) -> Result<Self, PinFormatError> {
        let n = input.chars().count();
        if !(6..=16).contains(&n) {
            return Err(PinFormatError::SigningPasswordLength(n));
        }
        let mut out = Zeroizing::new(Vec::with_capacity(n));
        for (i, c) in input.chars().enumerate() {
            if !c.is_ascii_alphanumeric() {
                return Err(PinFormatError::SigningPasswordCharacter { position: i + 1 });
            }
            out.push(c.to_ascii_uppercase() as u8);
        }
        Ok(Self(out))
    }

    /// The bytes sent in VERIFY.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SigningPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningPassword(****)")
    }
}

/// Whether a VERIFY may spend the very last try of a PIN.
///
/// The client refuses by default: a blocked PIN costs the resident a trip to
/// the municipal office. A UI passes [`LastTry::Allow`] only after the resident
/// has seen a warning and confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LastTry {
    /// Refuse to send the PIN when only one try is left.
    #[default]
    Refuse,
    /// The resident confirmed: send it even if it is the last try.
    Allow,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_pin_rules() {
        assert!(AuthPin::new("0123").is_ok(), "leading zero kept");
        assert_eq!(AuthPin::new("0123").unwrap().as_bytes(), b"0123");
        for bad in ["123", "12345", "12a4", "１２３４", "", "12 4"] {
            assert_eq!(
                AuthPin::new(bad).unwrap_err(),
                PinFormatError::AuthPinNotFourDigits,
                "{bad}"
            );
        }
    }

    #[test]
    fn signing_password_rules() {
        assert_eq!(
            SigningPassword::new("abc123").unwrap().as_bytes(),
            b"ABC123"
        );
        assert_eq!(
            SigningPassword::new("ABCDEFGHIJKLMNOP")
                .unwrap()
                .as_bytes()
                .len(),
            16
        );
        assert_eq!(
            SigningPassword::new("abc12").unwrap_err(),
            PinFormatError::SigningPasswordLength(5)
        );
        assert_eq!(
            SigningPassword::new("A".repeat(17).as_str()).unwrap_err(),
            PinFormatError::SigningPasswordLength(17)
        );
        assert_eq!(
            SigningPassword::new("abc-123").unwrap_err(),
            PinFormatError::SigningPasswordCharacter { position: 4 }
        );
        assert!(
            SigningPassword::new("ＡＢＣ１２３").is_err(),
            "full-width is not ASCII"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let p = AuthPin::new("4821").unwrap();
        let s = SigningPassword::new("SECRET99").unwrap();
        let out = format!("{p:?} {s:?}");
        assert!(!out.contains("4821") && !out.contains("SECRET99"), "{out}");
    }
}
