//! ISO/IEC 7816-4 APDUs: commands (cases 1–4, short and extended), responses
//! and status words as named variants.
//!
//! Encoding rules follow ISO 7816-4 §5.1: extended Lc is `00 hi lo`, extended
//! Le is `00 hi lo` when there is no body and `hi lo` after an extended Lc, all
//! big-endian. (siketyan/apdu-rs writes them little-endian; see
//! `docs/card-protocol.md`.)

mod command;
mod response;
mod status;

pub use command::{Command, CommandError, Le};
pub use response::{Response, ResponseError};
pub use status::StatusWord;
