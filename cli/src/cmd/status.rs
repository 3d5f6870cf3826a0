//! `shiori status`: what the card is, which certificates it holds and how many
//! tries each PIN has left. Sends no PIN, so it is safe to run any time —
//! before asking a resident for a password, say.

use shiori_core::jpki::{flows, PinStatus};

use crate::card;
use crate::messages::{Label, Msg};
use crate::ui::{CliError, Ui};

/// Read and print the card status.
pub fn run(ui: &Ui, reader: Option<&str>) -> Result<(), CliError> {
    let mut transport = card::connect(ui, reader)?;
    let reader = transport.reader_name().to_owned();
    let status = flows::read_status(&mut transport.transaction()?)?;
    if ui.json {
        ui.print_json(&serde_json::json!({
            "reader": reader,
            "token": {
                "label": status.token.label,
                "type": status.token.token_type.code(),
            },
            "certificates": {
                "signing": status.availability.signing,
                "auth": status.availability.auth,
            },
            "auth_pin": pin_json(status.auth_pin),
            "signing_password": status.signing_password.map(pin_json),
        }));
        return Ok(());
    }
    card::line(ui, Label::Reader, &reader);
    card::line(
        ui,
        Label::TokenType,
        format!(
            "{} ({})",
            ui.text(&Msg::Token(status.token.token_type.code())),
            status.token.label
        ),
    );
    card::line(
        ui,
        Label::SigningCertificate,
        ui.text(&Msg::Present(status.availability.signing)),
    );
    card::line(
        ui,
        Label::AuthCertificate,
        ui.text(&Msg::Present(status.availability.auth)),
    );
    if let Some(p) = status.signing_password {
        card::line(ui, Label::SigningPassword, ui.text(&pin_msg(p)));
    }
    card::line(ui, Label::AuthPin, ui.text(&pin_msg(status.auth_pin)));
    Ok(())
}

fn pin_msg(status: PinStatus) -> Msg {
    match status {
        PinStatus::TriesLeft(n) => Msg::TriesLeft(n),
        PinStatus::Verified => Msg::PinVerified,
        PinStatus::Blocked => Msg::PinBlocked,
    }
}

fn pin_json(status: PinStatus) -> serde_json::Value {
    match status {
        PinStatus::TriesLeft(n) => serde_json::json!({ "state": "ok", "tries_left": n }),
        PinStatus::Verified => serde_json::json!({ "state": "verified" }),
        PinStatus::Blocked => serde_json::json!({ "state": "blocked", "tries_left": 0 }),
    }
}
