//! What the card commands share: finding the card in a reader (asking the
//! resident to place it), taking a PIN without echoing it, and showing
//! certificates.

use std::time::Duration;

use base64::Engine as _;
use shiori_core::cert::JpkiCertificate;
use shiori_core::pcsc::{self, PcscError, PcscTransport};
use shiori_core::pin::{AuthPin, SigningPassword};
use zeroize::Zeroizing;

use crate::messages::{Label, Msg};
use crate::ui::{CliError, Ui};

/// How long to wait for a card to be placed when none is in a reader.
const PLACE_CARD_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variable that supplies the signing password (scripts, tests).
pub const SIGNING_PASSWORD_ENV: &str = "SHIORI_SIGNING_PASSWORD";
/// Environment variable that supplies the auth PIN (scripts, tests).
pub const AUTH_PIN_ENV: &str = "SHIORI_AUTH_PIN";

/// Connect to the card in `reader`, or in the first reader holding one. With
/// no card anywhere, ask for it and wait up to a minute.
pub fn connect(ui: &Ui, reader: Option<&str>) -> Result<PcscTransport, CliError> {
    match PcscTransport::open(reader) {
        Err(PcscError::NoCard) => {
            ui.say(&Msg::PlaceCard);
            let found = pcsc::wait_for_card(reader, PLACE_CARD_TIMEOUT)?;
            Ok(PcscTransport::connect(&found)?)
        }
        other => Ok(other?),
    }
}

/// A secret from `variable`, else typed at a hidden prompt on the terminal.
fn secret(ui: &Ui, variable: &'static str, prompt: &Msg) -> Result<Zeroizing<String>, CliError> {
    if let Ok(value) = std::env::var(variable) {
        return Ok(Zeroizing::new(value));
    }
    rpassword::prompt_password(ui.text(prompt))
        .map(Zeroizing::new)
        .map_err(|_| Msg::NoPinSource { variable }.into())
}

/// The signing password, from the environment or a hidden prompt.
pub fn signing_password(ui: &Ui) -> Result<SigningPassword, CliError> {
    let typed = secret(ui, SIGNING_PASSWORD_ENV, &Msg::PromptSigningPassword)?;
    SigningPassword::new(typed.trim()).map_err(|e| Msg::from_pin_format(&e, true).into())
}

/// The auth PIN, from the environment or a hidden prompt.
pub fn auth_pin(ui: &Ui) -> Result<AuthPin, CliError> {
    let typed = secret(ui, AUTH_PIN_ENV, &Msg::PromptAuthPin)?;
    AuthPin::new(typed.trim()).map_err(|e| Msg::from_pin_format(&e, false).into())
}

/// `label: value` in the chosen language.
pub fn line(ui: &Ui, label: Label, value: impl std::fmt::Display) {
    println!("{}: {value}", ui.text(&Msg::Label(label)));
}

/// A certificate as PEM.
pub fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Base64 of `bytes` (signatures in JSON output).
pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A Unix time as a UTC date and time, `2025-04-01 00:00:00 UTC`.
pub fn utc(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A certificate's identifying facts as JSON.
pub fn certificate_json(cert: &JpkiCertificate) -> serde_json::Value {
    serde_json::json!({
        "subject": cert.subject(),
        "issuer": cert.issuer(),
        "serial": cert.serial_hex(),
        "not_before": utc(cert.not_before()),
        "not_after": utc(cert.not_after()),
        "sha256": hex::encode_upper(cert.fingerprint_sha256()),
        "pem": pem(cert.der()),
    })
}

/// A certificate's identifying facts, one per line, indented.
pub fn print_certificate(ui: &Ui, cert: &JpkiCertificate) {
    let field = |label: Label, value: String| {
        println!("  {}: {value}", ui.text(&Msg::Label(label)));
    };
    field(Label::Subject, cert.subject().to_owned());
    field(Label::Issuer, cert.issuer().to_owned());
    field(Label::Serial, cert.serial_hex());
    field(
        Label::Validity,
        format!("{} – {}", utc(cert.not_before()), utc(cert.not_after())),
    );
    field(
        Label::Fingerprint,
        hex::encode_upper(cert.fingerprint_sha256()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_743_465_600), "2025-04-01 00:00:00 UTC");
        assert_eq!(utc(1_901_198_399), "2030-03-31 14:39:59 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn pem_wraps_at_64() {
        let p = pem(&[0u8; 100]);
        let lines: Vec<&str> = p.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last().copied(), Some("-----END CERTIFICATE-----"));
    }
}
