//! `shiori info`: the 4 basic facts (name, address, date of birth, gender)
//! from the signing certificate, as the library will see them. Needs the
//! signing password (hidden prompt, or SHIORI_SIGNING_PASSWORD).

use shiori_core::cert::JpkiCertificate;
use shiori_core::jpki::{fid, JpkiCard, JpkiError};

use crate::card;
use crate::messages::{Label, Lang};
use crate::ui::{CliError, Ui};

/// Arguments of `shiori info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Send the password even if only one try is left.
    #[arg(long)]
    pub allow_last_try: bool,
}

/// Verify the signing password, read the signing certificate, print the facts.
pub fn run(ui: &Ui, reader: Option<&str>, args: &Args) -> Result<(), CliError> {
    let password = card::signing_password(ui)?;
    let mut transport = card::connect(ui, reader)?;
    let der = {
        let mut flow = transport.transaction()?;
        let mut card = JpkiCard::open(&mut flow)?;
        if !card.certificate_availability()?.signing {
            return Err(JpkiError::NoSigningCertificate.into());
        }
        card.verify_signing_password(&password, super::last_try(args.allow_last_try))?;
        card.read_certificate(fid::SIGNING_CERT)?
    };
    let cert = JpkiCertificate::from_der(&der)?;
    let Some(facts) = cert.basic_info() else {
        return Err(JpkiError::MalformedResponse {
            what: "signing certificate",
            detail: "no basic information in subjectAltName".into(),
        }
        .into());
    };
    let iso_birth_date = format!(
        "{:04}-{:02}-{:02}",
        facts.birth_date.year, facts.birth_date.month, facts.birth_date.day
    );
    if ui.json {
        ui.print_json(&serde_json::json!({
            "name": facts.name,
            "address": facts.address,
            "birth_date": iso_birth_date,
            "birth_date_raw": facts.birth_date.raw(),
            "gender": facts.gender.code(),
            "name_has_substitutes": facts.name_substitutes.any(),
            "address_has_substitutes": facts.address_substitutes.any(),
            "certificate_sha256": hex::encode_upper(cert.fingerprint_sha256()),
        }));
        return Ok(());
    }
    let gender = match ui.lang {
        Lang::Ja => facts.gender.japanese_label(),
        Lang::En => facts.gender.english_label(),
    };
    card::line(ui, Label::Name, &facts.name);
    card::line(ui, Label::Address, &facts.address);
    card::line(ui, Label::BirthDate, iso_birth_date);
    card::line(ui, Label::Gender, gender);
    Ok(())
}
