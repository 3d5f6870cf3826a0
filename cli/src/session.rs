//! The saved patron session: `$XDG_CONFIG_HOME/shiori/session.json` (or
//! `~/.config/shiori/…`), readable by the owner only. The token is never
//! printed; `shiori logout` revokes it on the server and deletes the file.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::messages::Msg;
use crate::ui::CliError;

/// What is saved between commands.
#[derive(Serialize, Deserialize)]
pub struct SavedSession {
    /// The server the token belongs to.
    pub server: String,
    /// The bearer token.
    pub token: Zeroizing<String>,
}

fn path() -> Result<PathBuf, CliError> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or(CliError(Msg::NotLoggedIn))?;
    Ok(base.join("shiori").join("session.json"))
}

fn file_error(path: &std::path::Path, e: impl std::fmt::Display) -> CliError {
    CliError(Msg::FileError {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

/// Save a session (mode 0600).
pub fn save(server: &str, token: &str) -> Result<(), CliError> {
    let p = path()?;
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    }
    let body = Zeroizing::new(
        serde_json::to_vec(&SavedSession {
            server: server.to_string(),
            token: Zeroizing::new(token.to_string()),
        })
        .map_err(|e| file_error(&p, e))?,
    );
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&p)
        .map_err(|e| file_error(&p, e))?;
    f.write_all(&body).map_err(|e| file_error(&p, e))
}

/// Load the saved session.
pub fn load() -> Result<SavedSession, CliError> {
    let p = path()?;
    let text = Zeroizing::new(std::fs::read(&p).map_err(|_| CliError(Msg::NotLoggedIn))?);
    serde_json::from_slice(&text).map_err(|e| file_error(&p, e))
}

/// Delete the saved session.
pub fn forget() -> Result<(), CliError> {
    let p = path()?;
    match std::fs::remove_file(&p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(file_error(&p, e)),
    }
}
