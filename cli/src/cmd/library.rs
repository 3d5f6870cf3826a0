//! `shiori search`, `shiori title`, `shiori hold …`, `shiori loans`,
//! `shiori renew`: the catalogue and a patron's holds and loans, through
//! the same client the apps use. Search needs no login (it uses the saved
//! session's server, or `--server`); the rest use the saved session.

use shiori_client::Client;
use shiori_core::api::{Hold, HoldState, Loan, TitleSummary};

use super::patron::logged_in;
use crate::messages::{Lang, Msg};
use crate::session;
use crate::ui::{CliError, Ui};

/// `shiori search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Words in Japanese or English, or an ISBN (10 or 13, hyphens allowed).
    query: String,
    /// Library server (default: the one you registered or logged in at).
    #[arg(long)]
    server: Option<String>,
    /// Only titles with a copy at this branch.
    #[arg(long)]
    branch: Option<String>,
    /// Only titles with a copy on the shelf now.
    #[arg(long)]
    available: bool,
    /// Page of results (20 per page).
    #[arg(long, default_value_t = 1)]
    page: u32,
}

/// `shiori title`.
#[derive(Debug, clap::Args)]
pub struct TitleArgs {
    /// Title id (from `shiori search`).
    id: i64,
    /// Library server (default: the saved session's).
    #[arg(long)]
    server: Option<String>,
}

/// `shiori hold …`.
#[derive(Debug, clap::Subcommand)]
pub enum HoldCommand {
    /// Reserve a title for pickup at a branch.
    Place {
        /// Title id (from `shiori search`).
        title_id: i64,
        /// Pickup branch code (e.g. central).
        #[arg(long)]
        branch: String,
    },
    /// Your holds and your place in each queue.
    List,
    /// Cancel a hold.
    Cancel {
        /// Hold id (from `shiori hold list`).
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
    /// Keep your place but do not serve the hold before a date.
    Suspend {
        /// Hold id.
        #[arg(allow_hyphen_values = true)]
        id: String,
        /// Date `YYYY-MM-DD` (after today, within a year).
        #[arg(long)]
        until: String,
    },
    /// Serve a suspended hold again.
    Resume {
        /// Hold id.
        #[arg(allow_hyphen_values = true)]
        id: String,
    },
}

/// `shiori renew`.
#[derive(Debug, clap::Args)]
pub struct RenewArgs {
    /// Loan id (from `shiori loans`). Ids are base64url and may begin
    /// with `-`: taken as the id, not as an option.
    #[arg(allow_hyphen_values = true)]
    loan_id: String,
}

/// `shiori history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Start keeping a list of the titles you return.
    #[arg(long, conflicts_with = "off")]
    on: bool,
    /// Stop, and delete the list.
    #[arg(long)]
    off: bool,
}

fn server_client(server: Option<&str>) -> Result<Client, CliError> {
    match server {
        Some(s) => Ok(Client::new(s)),
        None => session::load().map(|saved| Client::new(&saved.server)),
    }
}

fn json(ui: &Ui, value: impl serde::Serialize) -> Result<(), CliError> {
    let v = serde_json::to_value(value).map_err(|e| {
        CliError(Msg::Server {
            code: "encode".into(),
            ja: e.to_string(),
            en: e.to_string(),
        })
    })?;
    ui.print_json(&v);
    Ok(())
}

fn title_line(ui: &Ui, t: &TitleSummary) -> String {
    let authors = t.authors.join(match ui.lang {
        Lang::Ja => "、",
        Lang::En => "; ",
    });
    match ui.lang {
        Lang::Ja => format!(
            "[{}] {} — {}（{}年）在架 {}/{} 冊・予約 {} 件",
            t.id,
            t.title,
            authors,
            t.year.map(|y| y.to_string()).unwrap_or_else(|| "?".into()),
            t.available,
            t.copies,
            t.holds
        ),
        Lang::En => format!(
            "[{}] {} — {} ({}) on shelf {}/{}, holds {}",
            t.id,
            t.title,
            authors,
            t.year.map(|y| y.to_string()).unwrap_or_else(|| "?".into()),
            t.available,
            t.copies,
            t.holds
        ),
    }
}

/// Search the catalogue.
pub fn search(ui: &Ui, args: &SearchArgs) -> Result<(), CliError> {
    let client = server_client(args.server.as_deref())?;
    let found = client.search(
        &args.query,
        args.branch.as_deref(),
        args.available,
        args.page,
        20,
    )?;
    if ui.json {
        return json(ui, &found);
    }
    println!(
        "{}",
        match ui.lang {
            Lang::Ja => format!("{} 件（{} ページ目）", found.total, found.page),
            Lang::En => format!("{} found (page {})", found.total, found.page),
        }
    );
    for t in &found.titles {
        println!("{}", title_line(ui, t));
    }
    Ok(())
}

/// Show a title with its copies.
pub fn title(ui: &Ui, args: &TitleArgs) -> Result<(), CliError> {
    let client = server_client(args.server.as_deref())?;
    let t = client.title(args.id)?;
    if ui.json {
        return json(ui, &t);
    }
    println!("{}", title_line(ui, &t.summary));
    if let Some(isbn) = &t.summary.isbn {
        println!("ISBN {isbn}");
    }
    for i in &t.items {
        println!(
            "  {} {} {} {}",
            i.barcode,
            i.branch,
            i.shelf.as_deref().unwrap_or("-"),
            i.status
        );
    }
    Ok(())
}

fn hold_line(ui: &Ui, h: &Hold) -> String {
    let state = match (ui.lang, h.state) {
        (Lang::Ja, HoldState::Queued) => match &h.suspended_until {
            Some(d) => format!("予約中（{} 番目、{} まで保留）", h.position.unwrap_or(0), d),
            None => format!("予約中（{} 番目）", h.position.unwrap_or(0)),
        },
        (Lang::Ja, HoldState::InTransit) => "回送中".into(),
        (Lang::Ja, HoldState::Ready) => format!(
            "受取可（期限 {}）",
            h.pickup_deadline.as_deref().unwrap_or("-")
        ),
        (Lang::Ja, HoldState::Filled) => "貸出済".into(),
        (Lang::Ja, HoldState::Cancelled) => "取消済".into(),
        (Lang::Ja, HoldState::PickupExpired) => "受取期限切れ".into(),
        (Lang::En, HoldState::Queued) => match &h.suspended_until {
            Some(d) => format!(
                "queued (#{}, suspended until {})",
                h.position.unwrap_or(0),
                d
            ),
            None => format!("queued (#{})", h.position.unwrap_or(0)),
        },
        (Lang::En, HoldState::Ready) => format!(
            "ready for pickup (until {})",
            h.pickup_deadline.as_deref().unwrap_or("-")
        ),
        (
            Lang::En,
            other @ (HoldState::InTransit
            | HoldState::Filled
            | HoldState::Cancelled
            | HoldState::PickupExpired),
        ) => other.as_str().replace('_', " "),
    };
    format!("{}  {} @{} — {}", h.id, h.title, h.pickup_branch, state)
}

/// `shiori hold …`.
pub fn hold(ui: &Ui, command: &HoldCommand) -> Result<(), CliError> {
    let client = logged_in()?;
    let hold = match command {
        HoldCommand::List => {
            let list = client.holds()?;
            if ui.json {
                return json(ui, &list);
            }
            print_lines(
                ui,
                &list.holds,
                ("予約はありません。", "No holds."),
                hold_line,
            );
            return Ok(());
        }
        HoldCommand::Place { title_id, branch } => client.place_hold(*title_id, branch)?,
        HoldCommand::Cancel { id } => client.cancel_hold(id)?,
        HoldCommand::Suspend { id, until } => client.suspend_hold(id, until)?,
        HoldCommand::Resume { id } => client.resume_hold(id)?,
    };
    if ui.json {
        return json(ui, &hold);
    }
    println!("{}", hold_line(ui, &hold));
    Ok(())
}

fn loan_line(ui: &Ui, l: &Loan) -> String {
    let overdue = match (ui.lang, l.overdue) {
        (Lang::Ja, true) => "（延滞）",
        (Lang::En, true) => " (overdue)",
        _ => "",
    };
    match ui.lang {
        Lang::Ja => format!(
            "{}  {}  返却期限 {}{}・延長 {} 回",
            l.id, l.title, l.due_at, overdue, l.renewals
        ),
        Lang::En => format!(
            "{}  {}  due {}{}, renewed {}×",
            l.id, l.title, l.due_at, overdue, l.renewals
        ),
    }
}

/// `shiori loans`.
pub fn loans(ui: &Ui) -> Result<(), CliError> {
    let list = logged_in()?.loans()?;
    if ui.json {
        return json(ui, &list);
    }
    print_lines(
        ui,
        &list.loans,
        ("借りている資料はありません。", "Nothing on loan."),
        loan_line,
    );
    Ok(())
}

/// One line per item, or the `(ja, en)` message when there is none.
fn print_lines<T>(ui: &Ui, items: &[T], empty: (&str, &str), line: fn(&Ui, &T) -> String) {
    if items.is_empty() {
        println!(
            "{}",
            match ui.lang {
                Lang::Ja => empty.0,
                Lang::En => empty.1,
            }
        );
    }
    for item in items {
        println!("{}", line(ui, item));
    }
}

/// `shiori renew`.
pub fn renew(ui: &Ui, args: &RenewArgs) -> Result<(), CliError> {
    let loan = logged_in()?.renew_loan(&args.loan_id)?;
    if ui.json {
        return json(ui, &loan);
    }
    println!("{}", loan_line(ui, &loan));
    Ok(())
}

/// `shiori history [--on | --off]`.
pub fn history(ui: &Ui, args: &HistoryArgs) -> Result<(), CliError> {
    let client = logged_in()?;
    let history = match (args.on, args.off) {
        (true, _) => client.set_history(true)?,
        (_, true) => client.set_history(false)?,
        _ => client.history()?,
    };
    if ui.json {
        return json(ui, &history);
    }
    let state = match (ui.lang, history.enabled) {
        (Lang::Ja, true) => {
            "読書記録: 記録中（返却した資料を残します。--off で停止し、記録を削除します）"
        }
        (Lang::Ja, false) => "読書記録: 記録していません（--on で開始できます）",
        (Lang::En, true) => {
            "Reading history: on (returned titles are kept; --off stops and deletes it)"
        }
        (Lang::En, false) => "Reading history: off (--on starts it)",
    };
    println!("{state}");
    for e in &history.entries {
        println!("{}  {}", e.returned_on, e.title);
    }
    Ok(())
}
