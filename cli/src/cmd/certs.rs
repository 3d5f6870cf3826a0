//! `shiori certs`: show the card's certificates and optionally save them as
//! PEM or DER. The user-authentication certificate and both CA certificates
//! are free to read; the signing certificate (which carries name, address,
//! birth date and gender) only with `--signing` and the signing password.

use std::path::PathBuf;

use shiori_core::cert::JpkiCertificate;
use shiori_core::jpki::{fid, JpkiCard};

use crate::card;
use crate::messages::{Label, Msg};
use crate::ui::{CliError, Ui};

/// File format for `--out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Base64 text (`.pem`).
    Pem,
    /// Binary DER (`.der`).
    Der,
}

/// Arguments of `shiori certs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Save the certificates into this directory (auth, auth-ca, signing-ca,
    /// signing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// File format when saving.
    #[arg(long, value_enum, default_value = "pem")]
    pub format: Format,
    /// Also read the signing certificate (asks for the signing password, or
    /// takes it from SHIORI_SIGNING_PASSWORD).
    #[arg(long)]
    pub signing: bool,
    /// Send the password even if only one try is left.
    #[arg(long)]
    pub allow_last_try: bool,
}

/// Read, print and optionally save the certificates.
pub fn run(ui: &Ui, reader: Option<&str>, args: &Args) -> Result<(), CliError> {
    let password = args
        .signing
        .then(|| card::signing_password(ui))
        .transpose()?;
    let mut transport = card::connect(ui, reader)?;
    let read = {
        let mut flow = transport.transaction()?;
        let mut card = JpkiCard::open(&mut flow)?;
        let availability = card.certificate_availability()?;
        let mut wanted = vec![(Label::AuthCertificate, fid::AUTH_CERT, "auth")];
        wanted.push((Label::AuthCa, fid::AUTH_CA, "auth-ca"));
        if availability.signing {
            wanted.push((Label::SigningCa, fid::SIGNING_CA, "signing-ca"));
        }
        if let Some(password) = &password {
            card.verify_signing_password(password, super::last_try(args.allow_last_try))?;
            wanted.push((Label::SigningCertificate, fid::SIGNING_CERT, "signing"));
        }
        let mut read = Vec::new();
        for (label, file, name) in wanted {
            let cert = JpkiCertificate::from_der(&card.read_certificate(file)?)?;
            read.push((label, name, cert));
        }
        read
    };

    let mut json = serde_json::Map::new();
    for (label, name, cert) in &read {
        if let Some(dir) = &args.out {
            let (ext, bytes) = match args.format {
                Format::Pem => ("pem", card::pem(cert.der()).into_bytes()),
                Format::Der => ("der", cert.der().to_vec()),
            };
            let path = dir.join(format!("{name}.{ext}"));
            std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(&path, bytes))
                .map_err(|e| Msg::file(&path, e))?;
            ui.say(&Msg::Saved {
                path: path.display().to_string(),
            });
        }
        if ui.json {
            json.insert((*name).to_owned(), card::certificate_json(cert));
        } else {
            println!("{}:", ui.text(&Msg::Label(*label)));
            card::print_certificate(ui, cert);
        }
    }
    if ui.json {
        ui.print_json(&serde_json::json!({ "certificates": json }));
    }
    Ok(())
}
