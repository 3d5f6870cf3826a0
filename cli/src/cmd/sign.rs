//! `shiori sign`: have the card sign a file (SHA-256, RSA PKCS#1 v1.5) with
//! the signing key (signing password) or the user-authentication key (4-digit
//! PIN). The signature is checked against the key's certificate before it is
//! shown, so a wrong result never leaves the command.

use std::path::PathBuf;

use shiori_core::cert::JpkiCertificate;
use shiori_core::jpki::{fid, JpkiCard, KeyKind};

use crate::card;
use crate::messages::{Label, Msg};
use crate::ui::{CliError, Ui};

/// Which key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyChoice {
    /// The signing key (asks for the signing password).
    Signing,
    /// The user-authentication key (asks for the 4-digit PIN).
    Auth,
}

/// Arguments of `shiori sign`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to sign.
    #[arg(long, value_name = "PATH")]
    pub file: PathBuf,
    /// Which key signs.
    #[arg(long, value_enum, default_value = "signing")]
    pub key: KeyChoice,
    /// Write the raw 256-byte signature to this file (default: print it as
    /// base64).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Send the PIN even if only one try is left.
    #[arg(long)]
    pub allow_last_try: bool,
}

/// Sign the file and print or save the signature.
pub fn run(ui: &Ui, reader: Option<&str>, args: &Args) -> Result<(), CliError> {
    let message = std::fs::read(&args.file).map_err(|e| Msg::file(&args.file, e))?;
    let last = super::last_try(args.allow_last_try);
    let (key, signing_password, auth_pin) = match args.key {
        KeyChoice::Signing => (KeyKind::Signing, Some(card::signing_password(ui)?), None),
        KeyChoice::Auth => (KeyKind::Auth, None, Some(card::auth_pin(ui)?)),
    };
    let mut transport = card::connect(ui, reader)?;
    let (signature, cert) = {
        let mut flow = transport.transaction()?;
        let mut card = JpkiCard::open(&mut flow)?;
        if let Some(password) = &signing_password {
            card.verify_signing_password(password, last)?;
        }
        if let Some(pin) = &auth_pin {
            card.verify_auth_pin(pin, last)?;
        }
        let cert_file = match key {
            KeyKind::Signing => fid::SIGNING_CERT,
            KeyKind::Auth => fid::AUTH_CERT,
        };
        let cert = JpkiCertificate::from_der(&card.read_certificate(cert_file)?)?;
        (card.sign(key, &message, &cert)?, cert)
    };
    if let Some(out) = &args.out {
        std::fs::write(out, &signature).map_err(|e| Msg::file(out, e))?;
        ui.say(&Msg::Saved {
            path: out.display().to_string(),
        });
    }
    let key_name = match key {
        KeyKind::Signing => "signing",
        KeyKind::Auth => "auth",
    };
    if ui.json {
        ui.print_json(&serde_json::json!({
            "key": key_name,
            "algorithm": "sha256WithRSAEncryption",
            "signature": card::base64(&signature),
            "certificate": card::certificate_json(&cert),
        }));
    } else if args.out.is_none() {
        card::line(ui, Label::Key, key_name);
        card::line(ui, Label::Signature, card::base64(&signature));
    }
    Ok(())
}
