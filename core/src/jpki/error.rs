//! Errors of the JPKI client, each with a stable code and a message a resident
//! understands.

use crate::apdu::StatusWord;
use crate::cert::CertError;
use crate::exchange::ExchangeError;
use crate::pin::PinKind;
use crate::transport::TransportError;

use super::TokenType;

/// Why a conversation with the card failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JpkiError {
    /// SELECT of the JPKI AP failed: this is not a My Number Card.
    #[error("this card is not a My Number Card (the JPKI application answered {0})")]
    NotMyNumberCard(StatusWord),
    /// The JPKI AP is there but the token is not a My Number Card (an old
    /// 住基カード, or a smartphone certificate where a card is required).
    #[error("this is not a My Number Card but a {0:?} token")]
    UnsupportedToken(TokenType),
    /// The card has no signing certificate (under 15, or not issued).
    #[error("this card has no signing certificate")]
    NoSigningCertificate,
    /// The PIN is blocked; only the municipal office can unblock it.
    #[error("the {} is blocked; it can be reset at the municipal office", .0.name_en())]
    PinBlocked(PinKind),
    /// The PIN was wrong; `tries_left` tries remain (0 means it is now blocked).
    #[error("wrong {}: {tries_left} tries left", .pin.name_en())]
    WrongPin {
        /// Which PIN.
        pin: PinKind,
        /// Tries remaining after this failure.
        tries_left: u8,
    },
    /// Only one try is left and the caller did not allow spending it.
    #[error("only one try is left on the {}; not sending it without confirmation", .0.name_en())]
    LastTryRefused(PinKind),
    /// The card refused because the PIN has not been verified in this session.
    #[error("the card requires the {} first", .0.name_en())]
    PinRequired(PinKind),
    /// The link to the card was lost; start again from the beginning.
    #[error("the card was moved away or the link was lost: {0}")]
    CardLost(String),
    /// Another link failure (its own text says what kind).
    #[error(transparent)]
    Transport(TransportError),
    /// The card answered a status word the client does not expect here.
    #[error("the card answered {sw} to {command}")]
    UnexpectedStatus {
        /// Which command.
        command: &'static str,
        /// What the card answered.
        sw: StatusWord,
    },
    /// The card's answer was malformed (wrong length, not a certificate, …).
    #[error("the card sent malformed data for {what}: {detail}")]
    MalformedResponse {
        /// What was being read.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A certificate read from the card did not parse.
    #[error("a certificate on the card is not valid: {0}")]
    Certificate(#[from] CertError),
    /// The signature the card returned does not verify with its certificate.
    #[error("the card's signature does not match its certificate")]
    BadCardSignature,
    /// The protocol exchange itself failed (endless responses, bad APDU).
    #[error("card protocol error: {0}")]
    Protocol(String),
}

impl JpkiError {
    /// A stable machine code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotMyNumberCard(_) => "not_my_number_card",
            Self::UnsupportedToken(_) => "unsupported_token",
            Self::NoSigningCertificate => "no_signing_certificate",
            Self::PinBlocked(_) => "pin_blocked",
            Self::WrongPin { .. } => "wrong_pin",
            Self::LastTryRefused(_) => "last_try_refused",
            Self::PinRequired(_) => "pin_required",
            Self::CardLost(_) => "card_lost",
            Self::Transport(_) => "reader_error",
            Self::UnexpectedStatus { .. } => "unexpected_status",
            Self::MalformedResponse { .. } => "malformed_response",
            Self::Certificate(_) => "bad_card_certificate",
            Self::BadCardSignature => "bad_card_signature",
            Self::Protocol(_) => "protocol_error",
        }
    }

    /// The message in Japanese, for residents.
    pub fn message_ja(&self) -> String {
        match self {
            Self::NotMyNumberCard(_) => {
                "マイナンバーカードではありません。カードを確認してください。".into()
            }
            Self::UnsupportedToken(TokenType::JukiCard) => {
                "住基カードには対応していません。マイナンバーカードをお使いください。".into()
            }
            Self::UnsupportedToken(_) => {
                "このカード（またはスマートフォン用電子証明書）には対応していません。".into()
            }
            Self::NoSigningCertificate => {
                "このカードには署名用電子証明書がありません。市区町村の窓口で発行を受けてください。"
                    .into()
            }
            Self::PinBlocked(p) => format!(
                "{}がロックされています。お住まいの市区町村の窓口で解除してください。",
                p.name_ja()
            ),
            Self::WrongPin { pin, tries_left: 0 } => format!(
                "{}が違います。ロックされました。市区町村の窓口で解除してください。",
                pin.name_ja()
            ),
            Self::WrongPin { pin, tries_left } => {
                format!("{}が違います。残り{}回です。", pin.name_ja(), tries_left)
            }
            Self::LastTryRefused(p) => format!(
                "{}の残り回数が1回です。間違えるとロックされます。確認のうえ、やり直してください。",
                p.name_ja()
            ),
            Self::PinRequired(p) => format!("{}の入力が必要です。", p.name_ja()),
            Self::CardLost(_) => {
                "カードとの通信が途切れました。カードを動かさずに、もう一度かざしてください。"
                    .into()
            }
            Self::Transport(_) => {
                "カードリーダーでエラーが発生しました。接続を確認してください。".into()
            }
            Self::BadCardSignature => "カードの署名を確認できませんでした。".into(),
            Self::UnexpectedStatus { .. }
            | Self::MalformedResponse { .. }
            | Self::Certificate(_)
            | Self::Protocol(_) => {
                "カードを正しく読み取れませんでした。もう一度お試しください。".into()
            }
        }
    }
}

impl From<TransportError> for JpkiError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::CardLost(m) => Self::CardLost(m),
            other => Self::Transport(other),
        }
    }
}

impl From<ExchangeError> for JpkiError {
    fn from(e: ExchangeError) -> Self {
        match e {
            ExchangeError::Transport(t) => t.into(),
            other => Self::Protocol(other.to_string()),
        }
    }
}
