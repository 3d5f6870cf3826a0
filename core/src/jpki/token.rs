//! Token info (EF `0006`) and certificate availability (EF `0008`).

use crate::transport::Transport;

use super::{fid, JpkiCard, JpkiError};

/// What kind of JPKI token answered, from the label in EF `0006`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// `JPKIAPICCTOKEN2`: a physical My Number Card.
    MyNumberCard,
    /// `JPKIAPICCTOKEN`: an old 住基カード (Basic Resident Register card).
    JukiCard,
    /// `JPKIAPGPSETOKEN`: the Android smartphone certificate.
    AndroidSmartphone,
    /// `JPKIAPIOSTOKEN`: the iPhone smartphone certificate.
    IosSmartphone,
    /// Any other label.
    Unknown,
}

impl TokenType {
    /// Classify a token label (space padding ignored).
    pub fn from_label(label: &str) -> Self {
        match label.trim_end_matches([' ', '\0']) {
            "JPKIAPICCTOKEN2" => Self::MyNumberCard,
            "JPKIAPICCTOKEN" => Self::JukiCard,
            "JPKIAPGPSETOKEN" => Self::AndroidSmartphone,
            "JPKIAPIOSTOKEN" => Self::IosSmartphone,
            _ => Self::Unknown,
        }
    }

    /// A stable machine name.
    pub fn code(self) -> &'static str {
        match self {
            Self::MyNumberCard => "my_number_card",
            Self::JukiCard => "juki_card",
            Self::AndroidSmartphone => "android_smartphone",
            Self::IosSmartphone => "ios_smartphone",
            Self::Unknown => "unknown",
        }
    }
}

/// The parts of EF `0006` (a serialised PKCS#11 `CK_TOKEN_INFO`) Shiori uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The label, padding removed.
    pub label: String,
    /// What the label means.
    pub token_type: TokenType,
}

impl TokenInfo {
    /// Parse EF `0006`: the first 32 bytes are the space-padded ASCII label.
    pub fn parse(bytes: &[u8]) -> Result<Self, JpkiError> {
        let raw = bytes
            .get(..32)
            .ok_or_else(|| JpkiError::MalformedResponse {
                what: "token info (EF 0006)",
                detail: format!("{} bytes, expected at least 32", bytes.len()),
            })?;
        if !raw
            .iter()
            .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == 0)
        {
            return Err(JpkiError::MalformedResponse {
                what: "token info (EF 0006)",
                detail: "label is not ASCII".into(),
            });
        }
        let label = String::from_utf8_lossy(raw)
            .trim_end_matches([' ', '\0'])
            .to_string();
        Ok(Self {
            token_type: TokenType::from_label(&label),
            label,
        })
    }
}

/// Which certificates the card holds, from EF `0008` (`8F 8F 00` = both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateAvailability {
    /// A signing certificate is present (byte 0 non-zero).
    pub signing: bool,
    /// A user-authentication certificate is present (byte 1 non-zero).
    pub auth: bool,
}

impl CertificateAvailability {
    /// Parse the 3-byte EF `0008`.
    pub fn parse(bytes: &[u8]) -> Result<Self, JpkiError> {
        match bytes {
            [s, a, ..] => Ok(Self {
                signing: *s != 0,
                auth: *a != 0,
            }),
            _ => Err(JpkiError::MalformedResponse {
                what: "certificate availability (EF 0008)",
                detail: format!("{} bytes, expected 3", bytes.len()),
            }),
        }
    }
}

impl<T: Transport> JpkiCard<T> {
    /// Read and parse the token info (EF `0006`).
    pub fn token_info(&mut self) -> Result<TokenInfo, JpkiError> {
        let bytes = self.read_fixed(fid::TOKEN_INFO, 160)?;
        TokenInfo::parse(&bytes)
    }

    /// Read and parse certificate availability (EF `0008`).
    pub fn certificate_availability(&mut self) -> Result<CertificateAvailability, JpkiError> {
        let bytes = self.read_fixed(fid::AVAILABILITY, 3)?;
        CertificateAvailability::parse(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let mut b = b"JPKIAPICCTOKEN2".to_vec();
        b.resize(160, b' ');
        assert_eq!(
            TokenInfo::parse(&b).unwrap().token_type,
            TokenType::MyNumberCard
        );
        let mut b = b"JPKIAPICCTOKEN".to_vec();
        b.resize(32, b' ');
        assert_eq!(
            TokenInfo::parse(&b).unwrap().token_type,
            TokenType::JukiCard
        );
        assert!(TokenInfo::parse(&[0x20; 31]).is_err());
        assert!(TokenInfo::parse(&[0xFF; 32]).is_err());
    }

    #[test]
    fn availability() {
        let a = CertificateAvailability::parse(&[0x8F, 0x8F, 0]).unwrap();
        assert!(a.signing && a.auth);
        let a = CertificateAvailability::parse(&[0, 0x8F, 0]).unwrap();
        assert!(!a.signing && a.auth);
        assert!(CertificateAvailability::parse(&[0x8F]).is_err());
    }
}
