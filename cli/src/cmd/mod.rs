//! One module per `shiori` subcommand; each is a thin adapter over
//! `shiori-core`.

pub mod certs;
pub mod demo;
pub mod info;
pub mod library;
pub mod patron;
pub mod readers;
pub mod sign;
pub mod status;
pub mod virtual_card;

use shiori_core::pin::LastTry;

/// `--allow-last-try` as the core library's [`LastTry`].
pub fn last_try(allow: bool) -> LastTry {
    if allow {
        LastTry::Allow
    } else {
        LastTry::Refuse
    }
}
