//! # shiori-client
//!
//! The typed client of Shiori's HTTP API (`core::api` holds the JSON bodies),
//! used by the `shiori` CLI now and by the apps through the FFI crate. Blocking
//! on purpose: the apps call it from a worker thread, as they call the card.
//!
//! [`flows`] joins a card tap to the API: challenge → tap → registration or
//! login, so the CLI, the demo and the apps run the same production path.
#![deny(missing_docs)]

mod error;
pub mod flows;
mod http;

pub use error::ClientError;
pub use http::Client;
