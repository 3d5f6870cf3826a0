//! Patron commands against a Shiori server: `register`, `login`, `card`,
//! `logout`. Thin adapters over `shiori-client`'s flows; the tap goes through a
//! PC/SC reader, or an in-process TEST card with `--virtual-card`.

use std::path::PathBuf;

use shiori_client::flows::{login_with_card, register_with_card, RegistrationDetails};
use shiori_client::Client;
use shiori_core::api::{LibraryCard, Patron};
use shiori_core::library_card::{Codabar, WideRatio};
use shiori_core::virtual_card::VirtualCard;
use shiori_core::Transport;

use crate::card;
use crate::messages::{Label, Lang, Msg};
use crate::session;
use crate::ui::{CliError, Ui};

/// Where the tap happens.
#[derive(Debug, clap::Args)]
pub struct TapArgs {
    /// Tap this TEST card image in-process instead of a card in a reader.
    #[arg(long, value_name = "CARD_JSON")]
    virtual_card: Option<PathBuf>,
    /// Allow spending the PIN's last try (it is refused otherwise).
    #[arg(long)]
    allow_last_try: bool,
}

/// `shiori register`.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// The library server, e.g. <https://library.example.jp>
    #[arg(long, env = "SHIORI_SERVER")]
    server: String,
    /// Contact e-mail address.
    #[arg(long)]
    email: String,
    /// Name reading in katakana (フリガナ).
    #[arg(long)]
    kana: Option<String>,
    /// Phone number.
    #[arg(long)]
    phone: Option<String>,
    /// Home branch code.
    #[arg(long)]
    branch: Option<String>,
    #[command(flatten)]
    tap: TapArgs,
}

/// `shiori login`.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// The library server.
    #[arg(long, env = "SHIORI_SERVER")]
    server: String,
    #[command(flatten)]
    tap: TapArgs,
}

/// `shiori card`.
#[derive(Debug, clap::Args)]
pub struct CardArgs {
    /// Save the barcode as PNG here.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    /// Save the barcode as SVG here.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

fn transport(ui: &Ui, reader: Option<&str>, tap: &TapArgs) -> Result<Box<dyn Transport>, CliError> {
    match &tap.virtual_card {
        Some(path) => {
            let card = VirtualCard::load(path).map_err(|e| {
                CliError(Msg::CardFileUnreadable {
                    path: path.display().to_string(),
                    detail: e.to_string(),
                })
            })?;
            Ok(Box::new(card))
        }
        None => Ok(Box::new(card::connect(ui, reader)?)),
    }
}

/// Register (or re-register with a renewed card).
pub fn register(ui: &Ui, reader: Option<&str>, args: &RegisterArgs) -> Result<(), CliError> {
    // Both secrets up front: the tap uses the signing password and the PIN
    // in one go, so the resident holds the card on the reader once.
    let password = card::signing_password(ui)?;
    let pin = card::auth_pin(ui)?;
    let mut client = Client::new(&args.server);
    let details = RegistrationDetails {
        email: args.email.clone(),
        name_kana: args.kana.clone(),
        phone: args.phone.clone(),
        home_branch: args.branch.clone(),
    };
    let t = transport(ui, reader, &args.tap)?;
    let done = register_with_card(
        &mut client,
        t,
        &password,
        &pin,
        &details,
        super::last_try(args.tap.allow_last_try),
    )?;
    session::save(client.base_url(), &done.response.session.token)?;
    print_patron(ui, &done.response.patron, Some(done.response.created));
    Ok(())
}

/// Log in on this computer with the auth PIN.
pub fn login(ui: &Ui, reader: Option<&str>, args: &LoginArgs) -> Result<(), CliError> {
    let pin = card::auth_pin(ui)?;
    let mut client = Client::new(&args.server);
    let t = transport(ui, reader, &args.tap)?;
    let r = login_with_card(
        &mut client,
        t,
        &pin,
        super::last_try(args.tap.allow_last_try),
    )?;
    session::save(client.base_url(), &r.session.token)?;
    print_patron(ui, &r.patron, None);
    Ok(())
}

/// A client with the saved session (`not_logged_in` without one).
pub(crate) fn logged_in() -> Result<Client, CliError> {
    let saved = session::load()?;
    let mut client = Client::new(&saved.server);
    client.set_token(&saved.token);
    Ok(client)
}

/// Show the library card (and save its barcode).
pub fn card(ui: &Ui, args: &CardArgs) -> Result<(), CliError> {
    let client = logged_in()?;
    let card = client.card()?;
    if let Some(p) = &args.png {
        write(p, &client.card_png()?)?;
    }
    if let Some(p) = &args.svg {
        write(p, client.card_svg()?.as_bytes())?;
    }
    show_card(ui, &card);
    Ok(())
}

/// Log out: revoke the token on the server and forget it here.
pub fn logout(_ui: &Ui) -> Result<(), CliError> {
    let mut client = logged_in()?;
    client.logout()?;
    session::forget()
}

fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| {
        CliError(Msg::FileError {
            path: path.display().to_string(),
            detail: e.to_string(),
        })
    })
}

fn say(ui: &Ui, ja: &str, en: &str) -> String {
    match ui.lang {
        Lang::Ja => ja.to_string(),
        Lang::En => en.to_string(),
    }
}

/// Print a patron: JSON with `--json`, else labelled lines.
pub fn print_patron(ui: &Ui, patron: &Patron, created: Option<bool>) {
    if ui.json {
        ui.print_json(&serde_json::json!({ "patron": patron, "created": created }));
        return;
    }
    match created {
        Some(true) => println!(
            "{}",
            say(ui, "利用者登録が完了しました。", "You are registered.")
        ),
        Some(false) => println!(
            "{}",
            say(
                ui,
                "登録内容を更新しました（カード番号はそのままです）。",
                "Your registration was updated (same card number)."
            )
        ),
        None => println!("{}", say(ui, "ログインしました。", "You are logged in.")),
    }
    card::line(ui, Label::Name, &patron.name);
    card::line(ui, Label::Address, &patron.address);
    card::line(ui, Label::BirthDate, &patron.birth_date);
    card::line(ui, Label::Gender, patron.gender.english_label());
    println!("{}: {}", say(ui, "メールアドレス", "E-mail"), patron.email);
    println!(
        "{}: {}",
        say(ui, "図書館カード番号", "Library card number"),
        patron.card_number
    );
}

/// Print the library card with its barcode drawn in the terminal.
pub fn show_card(ui: &Ui, card: &LibraryCard) {
    if ui.json {
        ui.print_json(&serde_json::json!({ "card": card }));
        return;
    }
    println!("{}", say(ui, "図書館カード", "Library card"));
    println!("  {}", card.name);
    if let Some(rows) = terminal_barcode(&card.barcode_payload) {
        for row in rows {
            println!("  {row}");
        }
    }
    println!("  {}", card.human_readable);
}

/// The NW-7 symbol as rows of block characters (2 modules per character,
/// 2:1 wide ratio, 10-module quiet zones), for a terminal welcome. Phones and
/// desk scanners use the PNG/SVG.
pub fn terminal_barcode(payload: &str) -> Option<Vec<String>> {
    let symbol = Codabar::from_payload(payload).ok()?;
    let mut modules = vec![false; 10];
    modules.extend(symbol.modules(WideRatio::Two));
    modules.extend([false; 10]);
    if modules.len() % 2 == 1 {
        modules.push(false);
    }
    let row: String = modules
        .chunks(2)
        .map(|pair| match (pair[0], pair[1]) {
            (true, true) => '█',
            (true, false) => '▌',
            (false, true) => '▐',
            (false, false) => ' ',
        })
        .collect();
    Some(vec![row; 3])
}
