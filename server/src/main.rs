//! `shiori-server serve [--config FILE]`: run the HTTP API.
//!
//! Without `--config` the server starts on `shiori.db` in the current
//! directory with the JPKI-TEST anchors of the workspace's `test-vectors/`
//! and says loudly that this is a test setup.

use std::path::PathBuf;
use std::process::ExitCode;

use shiori_server::Config;

const USAGE: &str = "usage: shiori-server serve [--config FILE]";

fn main() -> ExitCode {
    tracing_subscriber::fmt().with_target(false).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = match parse_args(&args) {
        Ok(Some(path)) => match Config::from_toml_file(&path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("shiori-server: {e}");
                return ExitCode::FAILURE;
            }
        },
        Ok(None) => {
            let c = Config::test_defaults("shiori.db", "http://127.0.0.1:8080");
            eprintln!(
                "\n*** WARNING: no --config given. This is a TEST setup: JPKI-TEST trust \
                 anchors, database ./shiori.db, origin {}. Real My Number Cards are NOT \
                 accepted and this must never hold real residents' data. ***\n",
                c.public_origin
            );
            c
        }
        Err(msg) => {
            eprintln!("shiori-server: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = config.apply_env() {
        eprintln!("shiori-server: {e}");
        return ExitCode::FAILURE;
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
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(shiori_server::StartError::Io)?;
        shiori_server::serve(listener, config).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shiori-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `Ok(Some(path))` with `--config`, `Ok(None)` without.
fn parse_args(args: &[String]) -> Result<Option<PathBuf>, String> {
    match args {
        [cmd] if cmd == "serve" => Ok(None),
        [cmd, flag, path] if cmd == "serve" && flag == "--config" => Ok(Some(path.into())),
        [cmd] if cmd == "--help" || cmd == "-h" => Err("help".into()),
        _ => Err("unexpected arguments".into()),
    }
}
