//! Every sentence the `shiori` command shows a person, in Japanese and English.
//!
//! Messages are written for a resident at a library desk or at home, not for
//! a smart-card engineer: they say what happened and what to do next. Each
//! has a stable `code` for `--json` output and scripts; the wording may change,
//! the code does not.

use std::path::Path;

/// The language of the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// 日本語
    Ja,
    /// English
    En,
}

impl Lang {
    /// The language from the locale environment (`LC_ALL`, then
    /// `LC_MESSAGES`, then `LANG`): Japanese for `ja*`, English otherwise.
    pub fn from_env() -> Self {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        Self::from_locale(&locale)
    }

    fn from_locale(locale: &str) -> Self {
        if locale.to_ascii_lowercase().starts_with("ja") {
            Lang::Ja
        } else {
            Lang::En
        }
    }
}

/// One thing to tell the person using the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// The PC/SC service is not running.
    ServiceUnavailable,
    /// No reader is connected.
    NoReaders,
    /// The reader given with `--reader` does not exist.
    ReaderNotFound {
        /// The name that was asked for.
        reader: String,
    },
    /// No card is in any reader (or the chosen one).
    NoCard,
    /// The card was taken away or reset mid-way.
    CardLost,
    /// No card arrived in time.
    CardTimeout,
    /// Another card-reader problem, with the technical detail.
    ReaderError {
        /// What PC/SC said.
        detail: String,
    },
    /// Heading of the reader list.
    ReadersHeading {
        /// How many readers.
        count: usize,
    },
    /// "card present" / "no card" after a reader's name.
    CardPresent(bool),
    /// The virtual card file could not be loaded.
    CardFileUnreadable {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// Could not connect to vpcd.
    VpcdUnreachable {
        /// `host:port`.
        address: String,
        /// Why.
        detail: String,
    },
    /// Connected to vpcd; waiting for pcscd to power the card.
    VpcdConnected {
        /// The card's name.
        card: String,
        /// `host:port`.
        address: String,
    },
    /// pcscd powered the card: it is in the virtual reader now.
    VirtualCardInserted,
    /// The vpcd connection ended (pcscd stopped).
    VpcdClosed,
    /// The vpcd connection failed.
    VpcdFailed {
        /// Why.
        detail: String,
    },
    /// Waiting for the resident to place the card.
    PlaceCard,
    /// The card said no (wrong PIN, blocked, not a My Number Card, …); the
    /// core library's own wording, in both languages.
    /// The library server (or the way to it) failed: the server's own code
    /// and messages where it sent them.
    Server {
        /// The server's or the client's stable code.
        code: String,
        /// Japanese text.
        ja: String,
        /// English text.
        en: String,
    },
    /// A patron command needs a session and none is saved.
    NotLoggedIn,
    Card {
        /// `JpkiError::code`.
        code: &'static str,
        /// Japanese text.
        ja: String,
        /// English text.
        en: String,
    },
    /// A typed PIN or password has the wrong form; nothing was sent.
    PinFormat {
        /// `PinFormatError::code`.
        code: &'static str,
        /// Which PIN.
        signing: bool,
    },
    /// The prompt for the signing password.
    PromptSigningPassword,
    /// The prompt for the auth PIN.
    PromptAuthPin,
    /// No terminal to ask for a PIN and no environment variable set.
    NoPinSource {
        /// The environment variable that would provide it.
        variable: &'static str,
    },
    /// A file could not be read or written.
    FileError {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// A labelled line of output (`label: value`).
    Label(Label),
    /// Tries left on a PIN.
    TriesLeft(u8),
    /// The PIN is blocked.
    PinBlocked,
    /// The PIN is verified in this session.
    PinVerified,
    /// A certificate is (not) on the card.
    Present(bool),
    /// A file was written.
    Saved {
        /// The file.
        path: String,
    },
    /// What kind of JPKI token answered (`TokenType::code`).
    Token(&'static str),
}

/// Field names in command output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// The reader used.
    Reader,
    /// Token type (label in EF 0006).
    TokenType,
    /// Signing certificate.
    SigningCertificate,
    /// User-authentication certificate.
    AuthCertificate,
    /// Signing certificate's CA.
    SigningCa,
    /// User-authentication certificate's CA.
    AuthCa,
    /// Signing password counter.
    SigningPassword,
    /// Auth PIN counter.
    AuthPin,
    /// Name (氏名).
    Name,
    /// Address (住所).
    Address,
    /// Birth date (生年月日).
    BirthDate,
    /// Gender (性別).
    Gender,
    /// Certificate subject.
    Subject,
    /// Certificate issuer.
    Issuer,
    /// Certificate serial number.
    Serial,
    /// Validity period.
    Validity,
    /// SHA-256 fingerprint.
    Fingerprint,
    /// The key that signed.
    Key,
    /// The signature.
    Signature,
}

impl Label {
    fn ja(self) -> &'static str {
        match self {
            Label::Reader => "カードリーダー",
            Label::TokenType => "カードの種類",
            Label::SigningCertificate => "署名用電子証明書",
            Label::AuthCertificate => "利用者証明用電子証明書",
            Label::SigningCa => "署名用電子証明書の発行者証明書",
            Label::AuthCa => "利用者証明用電子証明書の発行者証明書",
            Label::SigningPassword => "署名用電子証明書の暗証番号",
            Label::AuthPin => "利用者証明用電子証明書の暗証番号",
            Label::Name => "氏名",
            Label::Address => "住所",
            Label::BirthDate => "生年月日",
            Label::Gender => "性別",
            Label::Subject => "主体者",
            Label::Issuer => "発行者",
            Label::Serial => "シリアル番号",
            Label::Validity => "有効期間",
            Label::Fingerprint => "SHA-256 フィンガープリント",
            Label::Key => "署名した鍵",
            Label::Signature => "署名",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Label::Reader => "Card reader",
            Label::TokenType => "Card type",
            Label::SigningCertificate => "Signing certificate",
            Label::AuthCertificate => "User-authentication certificate",
            Label::SigningCa => "Signing certificate issuer (CA)",
            Label::AuthCa => "User-authentication certificate issuer (CA)",
            Label::SigningPassword => "Signing password",
            Label::AuthPin => "Authentication PIN",
            Label::Name => "Name",
            Label::Address => "Address",
            Label::BirthDate => "Date of birth",
            Label::Gender => "Gender",
            Label::Subject => "Subject",
            Label::Issuer => "Issuer",
            Label::Serial => "Serial number",
            Label::Validity => "Valid",
            Label::Fingerprint => "SHA-256 fingerprint",
            Label::Key => "Signing key",
            Label::Signature => "Signature",
        }
    }
}

impl Msg {
    /// A stable identifier for scripts and `--json` output.
    pub fn code(&self) -> &str {
        match self {
            Msg::Server { code, .. } => code,
            Msg::NotLoggedIn => "not_logged_in",
            Msg::ServiceUnavailable => "pcsc_service_unavailable",
            Msg::NoReaders => "no_readers",
            Msg::ReaderNotFound { .. } => "reader_not_found",
            Msg::NoCard => "no_card",
            Msg::CardLost => "card_lost",
            Msg::CardTimeout => "card_timeout",
            Msg::ReaderError { .. } => "reader_error",
            Msg::ReadersHeading { .. } => "readers",
            Msg::CardPresent(_) => "card_present",
            Msg::CardFileUnreadable { .. } => "card_file_unreadable",
            Msg::VpcdUnreachable { .. } => "vpcd_unreachable",
            Msg::VpcdConnected { .. } => "vpcd_connected",
            Msg::VirtualCardInserted => "virtual_card_inserted",
            Msg::VpcdClosed => "vpcd_closed",
            Msg::VpcdFailed { .. } => "vpcd_failed",
            Msg::PlaceCard => "place_card",
            Msg::Card { code, .. } | Msg::PinFormat { code, .. } => code,
            Msg::PromptSigningPassword => "prompt_signing_password",
            Msg::PromptAuthPin => "prompt_auth_pin",
            Msg::NoPinSource { .. } => "no_pin_source",
            Msg::FileError { .. } => "file_error",
            Msg::Label(_) => "label",
            Msg::TriesLeft(_) => "tries_left",
            Msg::PinBlocked => "pin_blocked",
            Msg::PinVerified => "pin_verified",
            Msg::Present(_) => "present",
            Msg::Saved { .. } => "saved",
            Msg::Token(_) => "token",
        }
    }

    /// The sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => self.ja(),
            Lang::En => self.en(),
        }
    }

    fn ja(&self) -> String {
        match self {
            Msg::ServiceUnavailable => "カードリーダーのサービス (pcscd) が動いていません。\
                 `sudo systemctl start pcscd` で起動してから、もう一度お試しください。"
                .into(),
            Msg::NoReaders => "カードリーダーが見つかりません。\
                 リーダーをパソコンにつないでから、もう一度お試しください。"
                .into(),
            Msg::ReaderNotFound { reader } => format!(
                "カードリーダー「{reader}」が見つかりません。\
                 `shiori readers` で名前を確かめてください。"
            ),
            Msg::NoCard => "カードリーダーにカードがありません。\
                 マイナンバーカードをリーダーに置いてください。"
                .into(),
            Msg::CardLost => "途中でカードが離れました。\
                 カードをリーダーに置いたまま、もう一度お試しください。"
                .into(),
            Msg::CardTimeout => "カードが置かれないまま時間切れになりました。".into(),
            Msg::ReaderError { detail } => {
                format!("カードリーダーでエラーが起きました ({detail})。")
            }
            Msg::ReadersHeading { count } => format!("カードリーダー {count} 台:"),
            Msg::CardPresent(true) => "カードあり".into(),
            Msg::CardPresent(false) => "カードなし".into(),
            Msg::CardFileUnreadable { path, detail } => {
                format!("仮想カードのファイル {path} を読み込めません: {detail}")
            }
            Msg::VpcdUnreachable { address, detail } => format!(
                "仮想カードリーダー (vpcd, {address}) に接続できません: {detail}。\
                 pcscd と vsmartcard-vpcd が動いているか確かめてください。"
            ),
            Msg::VpcdConnected { card, address } => {
                format!("仮想カード「{card}」を仮想カードリーダー ({address}) に接続しました。")
            }
            Msg::VirtualCardInserted => "仮想カードがリーダーに入りました。\
                 終了するには Ctrl+C を押してください。"
                .into(),
            Msg::VpcdClosed => {
                "仮想カードリーダーが接続を閉じました (pcscd が止まりました)。".into()
            }
            Msg::VpcdFailed { detail } => {
                format!("仮想カードリーダーとの通信に失敗しました: {detail}")
            }
            Msg::PlaceCard => "マイナンバーカードをカードリーダーに置いてください…".into(),
            Msg::Card { ja, .. } | Msg::Server { ja, .. } => ja.clone(),
            Msg::NotLoggedIn => "ログインしていません。`shiori register` または `shiori login` を先に実行してください。".into(),
            Msg::PinFormat { signing: true, .. } => {
                "署名用パスワードは英大文字と数字の6〜16文字です。カードには送っていません。".into()
            }
            Msg::PinFormat { signing: false, .. } => {
                "利用者証明用暗証番号は数字4桁です。カードには送っていません。".into()
            }
            Msg::PromptSigningPassword => "署名用パスワード（英数字6〜16文字）: ".into(),
            Msg::PromptAuthPin => "利用者証明用暗証番号（数字4桁）: ".into(),
            Msg::NoPinSource { variable } => format!(
                "暗証番号を入力する端末がありません。環境変数 {variable} で渡してください。"
            ),
            Msg::FileError { path, detail } => {
                format!("ファイル {path} を読み書きできません: {detail}")
            }
            Msg::Label(label) => label.ja().into(),
            Msg::TriesLeft(n) => format!("残り {n} 回"),
            Msg::PinBlocked => "ロック中（市区町村の窓口で解除できます）".into(),
            Msg::PinVerified => "入力済み".into(),
            Msg::Present(true) => "あり".into(),
            Msg::Present(false) => "なし".into(),
            Msg::Saved { path } => format!("{path} に保存しました。"),
            Msg::Token(code) => match *code {
                "my_number_card" => "マイナンバーカード",
                "juki_card" => "住民基本台帳カード",
                "android_smartphone" => "スマートフォン用電子証明書 (Android)",
                "ios_smartphone" => "スマートフォン用電子証明書 (iPhone)",
                _ => "不明なカード",
            }
            .into(),
        }
    }

    fn en(&self) -> String {
        match self {
            Msg::ServiceUnavailable => "The card reader service (pcscd) is not running. \
                 Start it with `sudo systemctl start pcscd` and try again."
                .into(),
            Msg::NoReaders => {
                "No card reader was found. Connect a reader to this computer and try again.".into()
            }
            Msg::ReaderNotFound { reader } => format!(
                "Card reader \"{reader}\" was not found. Check its name with `shiori readers`."
            ),
            Msg::NoCard => {
                "There is no card in the reader. Place your My Number Card on the reader.".into()
            }
            Msg::CardLost => "The card was moved away from the reader. \
                 Keep it on the reader and try again."
                .into(),
            Msg::CardTimeout => "No card was placed on the reader in time.".into(),
            Msg::ReaderError { detail } => format!("The card reader reported an error ({detail})."),
            Msg::ReadersHeading { count } => match count {
                1 => "1 card reader:".into(),
                n => format!("{n} card readers:"),
            },
            Msg::CardPresent(true) => "card present".into(),
            Msg::CardPresent(false) => "no card".into(),
            Msg::CardFileUnreadable { path, detail } => {
                format!("Cannot load the virtual card file {path}: {detail}")
            }
            Msg::VpcdUnreachable { address, detail } => format!(
                "Cannot connect to the virtual card reader (vpcd, {address}): {detail}. \
                 Check that pcscd and vsmartcard-vpcd are running."
            ),
            Msg::VpcdConnected { card, address } => {
                format!("Virtual card \"{card}\" connected to the virtual card reader ({address}).")
            }
            Msg::VirtualCardInserted => {
                "The virtual card is in the reader. Press Ctrl+C to stop.".into()
            }
            Msg::VpcdClosed => {
                "The virtual card reader closed the connection (pcscd stopped).".into()
            }
            Msg::VpcdFailed { detail } => {
                format!("Talking to the virtual card reader failed: {detail}")
            }
            Msg::PlaceCard => "Place your My Number Card on the card reader…".into(),
            Msg::Card { en, .. } | Msg::Server { en, .. } => en.clone(),
            Msg::NotLoggedIn => "Not logged in: run `shiori register` or `shiori login` first.".into(),
            Msg::PinFormat { signing: true, .. } => {
                "The signing password is 6 to 16 letters A-Z and digits. Nothing was sent to the card."
                    .into()
            }
            Msg::PinFormat { signing: false, .. } => {
                "The authentication PIN is 4 digits. Nothing was sent to the card.".into()
            }
            Msg::PromptSigningPassword => "Signing password (6-16 letters and digits): ".into(),
            Msg::PromptAuthPin => "Authentication PIN (4 digits): ".into(),
            Msg::NoPinSource { variable } => format!(
                "There is no terminal to type the PIN in. Pass it in the environment variable {variable}."
            ),
            Msg::FileError { path, detail } => format!("Cannot read or write {path}: {detail}"),
            Msg::Label(label) => label.en().into(),
            Msg::TriesLeft(1) => "1 try left".into(),
            Msg::TriesLeft(n) => format!("{n} tries left"),
            Msg::PinBlocked => "blocked (the municipal office can unblock it)".into(),
            Msg::PinVerified => "verified".into(),
            Msg::Present(true) => "present".into(),
            Msg::Present(false) => "not present".into(),
            Msg::Saved { path } => format!("Saved {path}."),
            Msg::Token(code) => match *code {
                "my_number_card" => "My Number Card",
                "juki_card" => "Basic Resident Register card (Juki card)",
                "android_smartphone" => "smartphone certificate (Android)",
                "ios_smartphone" => "smartphone certificate (iPhone)",
                _ => "unknown card",
            }
            .into(),
        }
    }

    /// The message for a failed PC/SC operation.
    pub fn from_pcsc(error: &shiori_core::pcsc::PcscError) -> Self {
        use shiori_core::pcsc::PcscError as E;
        match error {
            E::ServiceUnavailable(_) => Msg::ServiceUnavailable,
            E::NoReaders => Msg::NoReaders,
            E::ReaderNotFound(reader) => Msg::ReaderNotFound {
                reader: reader.clone(),
            },
            E::NoCard => Msg::NoCard,
            E::Timeout(_) => Msg::CardTimeout,
            E::CardLost(_) => Msg::CardLost,
            E::Pcsc { .. } => Msg::ReaderError {
                detail: error.to_string(),
            },
        }
    }

    /// The message for a failed call to the library server (or the tap in it).
    pub fn from_client(error: &shiori_client::ClientError) -> Self {
        use shiori_client::ClientError as E;
        match error {
            E::Card(e) => Self::from_jpki(e),
            E::NotLoggedIn => Msg::NotLoggedIn,
            E::Api { error, .. } => Msg::Server {
                code: error.code.clone(),
                ja: error
                    .message_ja
                    .clone()
                    .unwrap_or_else(|| error.message.clone()),
                en: error.message.clone(),
            },
            other => Msg::Server {
                code: other.code().to_string(),
                ja: format!("図書館のサーバーとの通信に失敗しました: {other}"),
                en: other.to_string(),
            },
        }
    }

    /// The message for a failed card conversation.
    pub fn from_jpki(error: &shiori_core::jpki::JpkiError) -> Self {
        Msg::Card {
            code: error.code(),
            ja: error.message_ja(),
            en: error.to_string(),
        }
    }

    /// The message for a PIN typed in the wrong form.
    pub fn from_pin_format(error: &shiori_core::pin::PinFormatError, signing: bool) -> Self {
        Msg::PinFormat {
            code: error.code(),
            signing,
        }
    }

    /// The message for a file that could not be read or written.
    pub fn file(path: &Path, detail: impl std::fmt::Display) -> Self {
        Msg::FileError {
            path: path.display().to_string(),
            detail: detail.to_string(),
        }
    }

    /// The message for a card file that would not load.
    pub fn card_file(path: &Path, detail: impl std::fmt::Display) -> Self {
        Msg::CardFileUnreadable {
            path: path.display().to_string(),
            detail: detail.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_locale() {
        assert_eq!(Lang::from_locale("ja_JP.UTF-8"), Lang::Ja);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(Lang::from_locale(""), Lang::En);
    }

    #[test]
    fn every_message_has_both_languages() {
        let all = [
            Msg::ServiceUnavailable,
            Msg::NoReaders,
            Msg::ReaderNotFound { reader: "R".into() },
            Msg::NoCard,
            Msg::CardLost,
            Msg::CardTimeout,
            Msg::ReaderError { detail: "d".into() },
            Msg::ReadersHeading { count: 2 },
            Msg::CardPresent(true),
            Msg::CardFileUnreadable {
                path: "p".into(),
                detail: "d".into(),
            },
            Msg::VpcdUnreachable {
                address: "a".into(),
                detail: "d".into(),
            },
            Msg::VpcdConnected {
                card: "c".into(),
                address: "a".into(),
            },
            Msg::VirtualCardInserted,
            Msg::VpcdClosed,
            Msg::VpcdFailed { detail: "d".into() },
            Msg::PlaceCard,
            Msg::PinFormat {
                code: "c",
                signing: true,
            },
            Msg::PinFormat {
                code: "c",
                signing: false,
            },
            Msg::PromptSigningPassword,
            Msg::PromptAuthPin,
            Msg::NoPinSource { variable: "V" },
            Msg::FileError {
                path: "p".into(),
                detail: "d".into(),
            },
            Msg::TriesLeft(2),
            Msg::PinBlocked,
            Msg::PinVerified,
            Msg::Present(true),
            Msg::Present(false),
            Msg::Saved { path: "p".into() },
            Msg::Token("my_number_card"),
            Msg::Token("other"),
            Msg::Card {
                code: "c",
                ja: "カード".into(),
                en: "card".into(),
            },
        ];
        let labels = [
            Label::Reader,
            Label::TokenType,
            Label::SigningCertificate,
            Label::AuthCertificate,
            Label::SigningCa,
            Label::AuthCa,
            Label::SigningPassword,
            Label::AuthPin,
            Label::Name,
            Label::Address,
            Label::BirthDate,
            Label::Gender,
            Label::Subject,
            Label::Issuer,
            Label::Serial,
            Label::Validity,
            Label::Fingerprint,
            Label::Key,
            Label::Signature,
        ];
        let all = all.into_iter().chain(labels.map(Msg::Label));
        for m in all {
            let (ja, en) = (m.text(Lang::Ja), m.text(Lang::En));
            assert!(!ja.is_empty() && !en.is_empty(), "{}", m.code());
            assert_ne!(ja, en, "{}", m.code());
            // Japanese text is really Japanese.
            assert!(ja.chars().any(|c| c > '\u{3000}'), "{m:?}");
        }
    }
}
