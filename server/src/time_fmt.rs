//! RFC 3339 timestamps for the JSON bodies.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `unix` seconds as RFC 3339 in UTC (`2026-01-01T00:00:00Z`). Out-of-range
/// values (not produced by this server) fall back to the epoch.
pub(crate) fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(&Rfc3339)
        .unwrap_or_else(|_| unix.to_string())
}
