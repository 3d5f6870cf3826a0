//! How the command talks back: localized sentences on stderr for people,
//! results on stdout (plain or `--json`), and one error type whose message a
//! resident can act on.

use crate::messages::{Lang, Msg};

/// Output settings chosen on the command line.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Language of the sentences.
    pub lang: Lang,
    /// Print results as JSON on stdout.
    pub json: bool,
}

impl Ui {
    /// The sentence for `msg` in the chosen language.
    pub fn text(&self, msg: &Msg) -> String {
        msg.text(self.lang)
    }

    /// Tell the person something on stderr (progress, hints). Never part of
    /// the result, so stdout stays clean for scripts.
    pub fn say(&self, msg: &Msg) {
        eprintln!("{}", self.text(msg));
    }

    /// Print a JSON result on stdout.
    pub fn print_json(&self, value: &serde_json::Value) {
        println!("{value}");
    }

    /// Report a failure: JSON `{"error": {code, message}}` on stdout with
    /// `--json`, else the sentence on stderr.
    pub fn report(&self, error: &CliError) {
        let message = self.text(&error.0);
        if self.json {
            self.print_json(&serde_json::json!({
                "error": { "code": error.0.code(), "message": message }
            }));
        } else {
            eprintln!("shiori: {message}");
        }
    }
}

/// A failure to show to the person, as one of the [`Msg`] sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError(pub Msg);

impl From<Msg> for CliError {
    fn from(msg: Msg) -> Self {
        CliError(msg)
    }
}

impl From<shiori_core::pcsc::PcscError> for CliError {
    fn from(error: shiori_core::pcsc::PcscError) -> Self {
        CliError(Msg::from_pcsc(&error))
    }
}

impl From<shiori_core::jpki::JpkiError> for CliError {
    fn from(error: shiori_core::jpki::JpkiError) -> Self {
        CliError(Msg::from_jpki(&error))
    }
}

impl From<shiori_core::TransportError> for CliError {
    fn from(error: shiori_core::TransportError) -> Self {
        shiori_core::jpki::JpkiError::from(error).into()
    }
}

impl From<shiori_core::cert::CertError> for CliError {
    fn from(error: shiori_core::cert::CertError) -> Self {
        shiori_core::jpki::JpkiError::from(error).into()
    }
}

impl From<shiori_client::ClientError> for CliError {
    fn from(error: shiori_client::ClientError) -> Self {
        CliError(Msg::from_client(&error))
    }
}
