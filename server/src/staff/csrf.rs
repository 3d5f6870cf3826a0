//! CSRF protection: a synchronizer token per session in every form, checked
//! on every POST before anything else happens.
//!
//! The token is derived from the session's secret (the cookie token, which
//! the server sees on every request but stores only as a SHA-256 hash):
//! `base64url(SHA-256("shiori-staff-csrf-v1" ‖ 0x00 ‖ session token))`. A
//! page from another origin can neither read the cookie nor the pages that
//! carry the derived token, so it cannot forge a form. Before login the same
//! derivation runs over a random pre-session cookie (the login form is
//! protected too). Together with `SameSite=Strict` cookies and the `Origin`
//! and `Sec-Fetch-Site` checks in [`super::Posted`], a cross-site POST never
//! reaches a handler.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The form field that carries the token.
pub(crate) const FIELD: &str = "csrf";

/// The CSRF token of the session (or pre-session) whose secret is `secret`.
pub(crate) fn token_for(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"shiori-staff-csrf-v1\0");
    h.update(secret.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

/// Whether `given` is the token for `secret`, compared in constant time.
pub(crate) fn verify(secret: &str, given: Option<&str>) -> bool {
    let Some(given) = given else {
        return false;
    };
    let expected = token_for(secret);
    constant_time_eq(expected.as_bytes(), given.as_bytes())
}

/// Byte strings equal, without an early exit on the first difference.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::{constant_time_eq, token_for, verify};

    #[test]
    fn tokens_bind_to_their_session() {
        let t = token_for("session-a");
        assert!(verify("session-a", Some(&t)));
        assert!(!verify("session-b", Some(&t)));
        assert!(!verify("session-a", None));
        assert!(!verify("session-a", Some("")));
        assert!(!verify("session-a", Some(&t[1..])));
        assert_ne!(t, "session-a", "the secret is not the token");
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
    }
}
