//! `shiori`: the desktop side of Shiori.
//!
//! Talks to My Number Cards in PC/SC readers, serves a virtual (TEST) card to
//! the local `pcscd` so every PC/SC application can use it, and — as the
//! server side lands — registers and logs in library patrons from a desktop.
//!
//! Results go to stdout (plain text, or JSON with `--json`); explanations for
//! people go to stderr in Japanese or English (`--lang`, default from the
//! locale). All card work is done by `shiori-core`; this crate only adapts.

mod card;
mod cmd;
mod messages;
mod session;
mod ui;
mod vpcd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::messages::Lang;
use crate::ui::Ui;

/// Shiori: become a library patron with your My Number Card.
#[derive(Debug, Parser)]
#[command(name = "shiori", version, about)]
struct Cli {
    /// Use this card reader (see `shiori readers`) instead of the first one
    /// holding a card.
    #[arg(long, global = true, env = "SHIORI_READER", value_name = "NAME")]
    reader: Option<String>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    json: bool,
    /// Language of messages (default: from LANG).
    #[arg(long, global = true, value_enum)]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List card readers and whether a card is in each.
    Readers,
    /// Show the card type, its certificates and the tries left on each PIN.
    /// Asks for no PIN.
    Status,
    /// Show (and save) the card's certificates.
    Certs(cmd::certs::Args),
    /// Show the 4 basic facts from the signing certificate (asks for the
    /// signing password).
    Info(cmd::info::Args),
    /// Sign a file with the card.
    Sign(cmd::sign::Args),
    /// Serve a virtual (TEST) My Number Card to pcscd through vpcd until
    /// killed; prints "ready" once the card is in the virtual reader.
    VirtualCard(cmd::virtual_card::Args),
    /// Register at a library with your My Number Card (signing password).
    Register(cmd::patron::RegisterArgs),
    /// Log in on this computer with your My Number Card (4-digit PIN).
    Login(cmd::patron::LoginArgs),
    /// Show your library card.
    Card(cmd::patron::CardArgs),
    /// Log out of the library server on this computer.
    Logout,
    /// A whole registration with a virtual TEST card against an embedded server.
    Demo(cmd::demo::Args),
    /// Search the library's catalogue (no login needed).
    Search(cmd::library::SearchArgs),
    /// Show a title and its copies.
    Title(cmd::library::TitleArgs),
    /// Your holds (reservations): place, list, cancel, suspend, resume.
    #[command(subcommand)]
    Hold(cmd::library::HoldCommand),
    /// The copies you have out.
    Loans,
    /// Renew a loan.
    Renew(cmd::library::RenewArgs),
    /// Your reading history: off unless you turn it on (`--on`); `--off`
    /// deletes it.
    History(cmd::library::HistoryArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ui = Ui {
        lang: cli.lang.unwrap_or_else(Lang::from_env),
        json: cli.json,
    };
    let reader = cli.reader.as_deref();
    let result = match &cli.command {
        Command::Readers => cmd::readers::run(&ui),
        Command::Status => cmd::status::run(&ui, reader),
        Command::Certs(args) => cmd::certs::run(&ui, reader, args),
        Command::Info(args) => cmd::info::run(&ui, reader, args),
        Command::Sign(args) => cmd::sign::run(&ui, reader, args),
        Command::VirtualCard(args) => cmd::virtual_card::run(&ui, args),
        Command::Register(args) => cmd::patron::register(&ui, reader, args),
        Command::Login(args) => cmd::patron::login(&ui, reader, args),
        Command::Card(args) => cmd::patron::card(&ui, args),
        Command::Logout => cmd::patron::logout(&ui),
        Command::Demo(args) => cmd::demo::run(&ui, args),
        Command::Search(args) => cmd::library::search(&ui, args),
        Command::Title(args) => cmd::library::title(&ui, args),
        Command::Hold(command) => cmd::library::hold(&ui, command),
        Command::Loans => cmd::library::loans(&ui),
        Command::Renew(args) => cmd::library::renew(&ui, args),
        Command::History(args) => cmd::library::history(&ui, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            ui.report(&error);
            ExitCode::FAILURE
        }
    }
}
