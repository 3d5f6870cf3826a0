//! `shiori-server serve [--config FILE]`: run the HTTP API.
//! `shiori-server import-catalogue [--config FILE] CATALOGUE`: import a
//! catalogue CSV or MARC file into the configured database, print the report
//! (JSON) on stdout and every rejected row on stderr; exit status 3 when any
//! row was rejected.
//! `shiori-server add-staff [--config FILE] [--role staff|admin] USERNAME`:
//! create a staff console account (the first admin, typically); the
//! password comes from `SHIORI_STAFF_PASSWORD` or the first line of stdin,
//! never from the command line (where `ps` and shell history would keep it).
//!
//! Without `--config` the server uses `shiori.db` in the current directory
//! with the JPKI-TEST anchors of the workspace's `test-vectors/`, says loudly
//! that this is a test setup, and starts with the demo catalogue.
//! `SHIORI_DATABASE`, `SHIORI_PUBLIC_ORIGIN`, `SHIORI_LISTEN` and
//! `SHIORI_METRICS_TOKEN` override the configuration; `RUST_LOG` sets what
//! is logged (default `info`, one line per request included).

use std::path::PathBuf;
use std::process::ExitCode;

use shiori_server::staff::{Password, Role};
use shiori_server::Config;

const USAGE: &str = "usage: shiori-server serve [--config FILE]\n       \
                     shiori-server import-catalogue [--config FILE] CATALOGUE.{csv,mrc,xml}\n       \
                     shiori-server add-staff [--config FILE] [--role staff|admin] USERNAME\n         \
                     (password from SHIORI_STAFF_PASSWORD or stdin, at least 12 characters)";

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve,
    Import(PathBuf),
    AddStaff { username: String, role: Role },
}

/// Log to stderr at the levels `RUST_LOG` selects (default `info`; e.g.
/// `RUST_LOG=info,shiori::request=warn` hides the per-request lines).
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let (filter, bad) = match EnvFilter::try_from_default_env() {
        Ok(f) => (f, None),
        Err(e) => (
            EnvFilter::new("info"),
            std::env::var("RUST_LOG").ok().map(|v| (v, e)),
        ),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
    if let Some((value, e)) = bad.filter(|(v, _)| !v.is_empty()) {
        tracing::warn!("RUST_LOG={value:?} not understood ({e}); logging at info");
    }
}

fn main() -> ExitCode {
    init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, config_path) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(msg) => {
            eprintln!("shiori-server: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut config = match &config_path {
        Some(path) => match Config::from_toml_file(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("shiori-server: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => Config::test_defaults("shiori.db", "http://127.0.0.1:8080"),
    };
    if let Err(e) = config.apply_env() {
        eprintln!("shiori-server: {e}");
        return ExitCode::FAILURE;
    }
    if config_path.is_none() {
        eprintln!("{}", test_setup_banner(&config));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("shiori-server: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match command {
        Command::Serve => serve(&runtime, config),
        Command::Import(csv) => import(&runtime, config, &csv),
        Command::AddStaff { username, role } => add_staff(&runtime, config, &username, role),
    }
}

/// The warning printed when no `--config` is given, naming what is in force
/// after the `SHIORI_*` overrides (the database's password, if any, hidden).
fn test_setup_banner(config: &Config) -> String {
    format!(
        "\n*** WARNING: no --config given. This is a TEST setup: JPKI-TEST trust anchors, \
         listening on {}, origin {}, database {:?}. Real My Number Cards are NOT accepted \
         and this must never hold real residents' data. ***\n",
        config.listen, config.public_origin, config.database
    )
}

fn serve(runtime: &tokio::runtime::Runtime, config: Config) -> ExitCode {
    let test_setup = config.policy == shiori_server::PolicyConfig::Test;
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(shiori_server::StartError::Io)?;
        let (router, state) = shiori_server::build_app(config).await?;
        if test_setup {
            // A TEST server starts with the demo catalogue to search.
            match shiori_server::import::import_demo_if_empty(&state).await {
                Ok(Some(r)) => eprintln!(
                    "shiori-server: TEST setup: imported the demo catalogue ({} titles, {} copies)",
                    r.titles, r.items
                ),
                Ok(None) => {}
                Err(e) => eprintln!("shiori-server: demo catalogue not imported: {e}"),
            }
        }
        shiori_server::serve_app_with_state(listener, router, &state).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shiori-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The exit status of an import that stored the good rows but rejected
/// some (1: the import failed, as the message says; 2: a usage error).
const EXIT_REJECTED: u8 = 3;

/// Import a catalogue file: MARC 21 when it ends in `.mrc`, `.marc` or
/// `.xml` (ISO 2709 or MARCXML), CSV otherwise. Prints the JSON report on
/// stdout, every rejected row ("line N: code: reason") and the totals on
/// stderr; exits with [`EXIT_REJECTED`] when any row was rejected.
fn import(runtime: &tokio::runtime::Runtime, config: Config, path: &std::path::Path) -> ExitCode {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("shiori-server: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let marc = matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("mrc" | "marc" | "xml")
    );
    let result = runtime.block_on(async {
        let (_router, state) = shiori_server::build_app(config)
            .await
            .map_err(|e| e.to_string())?;
        let report = if marc {
            shiori_server::import::import_marc(&state, &bytes).await
        } else {
            shiori_server::import::import_csv(&state, bytes.as_slice()).await
        };
        report.map_err(|e| format!("{} ({})", e, e.code()))
    });
    match result {
        Ok(report) => {
            match serde_json::to_string_pretty(&report) {
                Ok(json) => println!("{json}"),
                Err(e) => eprintln!("shiori-server: {e}"),
            }
            for r in &report.rejected {
                eprintln!("shiori-server: line {}: {}: {}", r.line, r.code, r.reason);
            }
            eprintln!(
                "shiori-server: read {} rows: {} imported, {} updated, {} unchanged, {} rejected \
                 ({} titles, {} copies)",
                report.rows_read,
                report.imported_rows,
                report.updated_rows,
                report.unchanged_rows,
                report.rejected_rows,
                report.titles,
                report.items,
            );
            if report.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                // The other rows are stored; fix the listed lines and re-run.
                ExitCode::from(EXIT_REJECTED)
            }
        }
        Err(e) => {
            eprintln!("shiori-server: import failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The new account's password: `SHIORI_STAFF_PASSWORD`, or the first line
/// of stdin (its line ending removed).
fn read_password() -> Result<Password, String> {
    if let Ok(p) = std::env::var("SHIORI_STAFF_PASSWORD") {
        return Ok(Password::new(p));
    }
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password for the new account (input is shown; prefer SHIORI_STAFF_PASSWORD or a pipe): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    zeroize::Zeroize::zeroize(&mut line);
    if password.is_empty() {
        return Err("no password: set SHIORI_STAFF_PASSWORD or give it on stdin".into());
    }
    Ok(Password::new(password))
}

fn add_staff(
    runtime: &tokio::runtime::Runtime,
    config: Config,
    username: &str,
    role: Role,
) -> ExitCode {
    let password = match read_password() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("shiori-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let (_router, state) = shiori_server::build_app(config)
            .await
            .map_err(|e| e.to_string())?;
        shiori_server::staff::add_staff(&state, username, role, password)
            .await
            .map_err(|e| format!("{e} ({})", e.code()))
    });
    match result {
        Ok(()) => {
            eprintln!(
                "shiori-server: staff account {:?} ({}) created",
                shiori_server::staff::auth::normalize_username(username),
                role.as_str()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shiori-server: add-staff failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The command and the `--config` file, if any.
fn parse_args(args: &[String]) -> Result<(Command, Option<PathBuf>), String> {
    let mut rest: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut config = None;
    if let Some(i) = rest.iter().position(|a| *a == "--config") {
        let path = rest.get(i + 1).ok_or("--config needs a file")?;
        config = Some(PathBuf::from(path));
        rest.drain(i..=i + 1);
    }
    match rest.as_slice() {
        ["serve"] => Ok((Command::Serve, config)),
        ["import-catalogue", csv] => Ok((Command::Import(PathBuf::from(csv)), config)),
        ["add-staff", rest @ ..] => {
            let mut role = Role::Staff;
            let mut username = None;
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                match *a {
                    "--role" => {
                        let r = it.next().ok_or("--role needs staff or admin")?;
                        role = Role::parse(r).ok_or("--role is staff or admin")?;
                    }
                    name if !name.starts_with('-') && username.is_none() => {
                        username = Some((*name).to_owned());
                    }
                    _ => {
                        return Err(
                            "add-staff: unexpected arguments (the password is never an argument)"
                                .into(),
                        )
                    }
                }
            }
            let username = username.ok_or("add-staff needs a USERNAME")?;
            Ok((Command::AddStaff { username, role }, config))
        }
        ["--help"] | ["-h"] => Err("help".into()),
        _ => Err("unexpected arguments".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_args, Command, Role};
    use std::path::PathBuf;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn commands() {
        assert_eq!(parse_args(&args(&["serve"])), Ok((Command::Serve, None)));
        assert_eq!(
            parse_args(&args(&["serve", "--config", "a.toml"])),
            Ok((Command::Serve, Some(PathBuf::from("a.toml"))))
        );
        assert_eq!(
            parse_args(&args(&["--config", "a.toml", "import-catalogue", "c.csv"])),
            Ok((
                Command::Import(PathBuf::from("c.csv")),
                Some(PathBuf::from("a.toml"))
            ))
        );
        assert!(parse_args(&args(&["serve", "--config"])).is_err());
        assert!(parse_args(&args(&["import-catalogue"])).is_err());
        assert_eq!(
            parse_args(&args(&[
                "add-staff",
                "--config",
                "a.toml",
                "--role",
                "admin",
                "sato"
            ])),
            Ok((
                Command::AddStaff {
                    username: "sato".into(),
                    role: Role::Admin
                },
                Some(PathBuf::from("a.toml"))
            ))
        );
        assert_eq!(
            parse_args(&args(&["add-staff", "suzuki"])),
            Ok((
                Command::AddStaff {
                    username: "suzuki".into(),
                    role: Role::Staff
                },
                None
            ))
        );
        assert!(parse_args(&args(&["add-staff"])).is_err());
        assert!(parse_args(&args(&["add-staff", "--role", "root", "sato"])).is_err());
        assert!(parse_args(&args(&["add-staff", "sato", "hunter2hunter2"])).is_err());
        assert!(parse_args(&args(&[])).is_err());
    }
}
