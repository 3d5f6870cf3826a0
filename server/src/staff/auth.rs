//! Staff accounts, login and sessions.
//!
//! * Passwords are hashed with **Argon2id** (RFC 9106) at OWASP's
//!   recommended cost, m = 19 MiB, t = 2, p = 1, with a random 16-byte salt,
//!   and stored as PHC strings; verification reads the parameters from the
//!   stored string, so raising the cost later keeps old hashes working.
//!   Hashing runs on the blocking pool, never on an async worker, and at
//!   most `limits.password_hashes` at once (default: the cores); a login
//!   waits `limits.password_queue_ms` for a slot, then is refused (503,
//!   `login_busy`). Logins are also limited per client address
//!   (`limits.staff_logins_per_minute`, 429 `rate_limited`). Passwords with
//!   control characters or only whitespace are refused when set.
//! * **Login** answers the same way whether the user name exists or not: an
//!   unknown name is verified against a dummy hash (same cost), and failures
//!   are counted per typed name. [`crate::config::StaffConfig`] sets the
//!   lockout: by default 5 failures within 15 minutes lock the name for 15
//!   minutes, during which even the right password is refused.
//! * **Sessions** live in the database: the browser holds a random 256-bit
//!   token in an HttpOnly, SameSite=Strict cookie (Secure when the public
//!   origin is https) and the server stores only its SHA-256. A session ends
//!   at logout, after the idle timeout, at its absolute end, or when the
//!   account's password is reset.

use std::net::IpAddr;
use std::sync::OnceLock;

use argon2::password_hash::{self, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::metrics::Limited;
use crate::state::AppState;
use crate::store::{self, staff as db};
use crate::throttle::Refusal;

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest accepted password, in bytes (a bound on hashing work).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// What a staff account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The desk: patrons, checkout, returns, shelves, the expiry sweep.
    Staff,
    /// Everything staff do, plus the audit log and staff accounts.
    Admin,
}

impl Role {
    /// `staff` or `admin`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    /// The stored form back; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A password as typed: zeroized when dropped, never shown by `Debug`.
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wrap a password (the string is zeroized when this is dropped).
    pub fn new(s: String) -> Self {
        Password(Zeroizing::new(s))
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Check the rules: no control characters, not only whitespace, at
    /// least 12 characters, at most 1024 bytes.
    pub fn check_policy(&self) -> Result<(), AccountError> {
        if self.0.chars().any(char::is_control) {
            return Err(AccountError::PasswordControlCharacters);
        }
        if !self.0.is_empty() && self.0.chars().all(char::is_whitespace) {
            return Err(AccountError::PasswordBlank);
        }
        if self.0.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AccountError::PasswordTooShort);
        }
        if self.0.len() > MAX_PASSWORD_BYTES {
            return Err(AccountError::PasswordTooLong);
        }
        Ok(())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(REDACTED)")
    }
}

/// Why an account could not be created or changed. Each variant has a
/// stable [`code`](AccountError::code).
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The user name breaks the naming rule.
    #[error("user names are 1-32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")]
    InvalidUsername,
    /// The password is shorter than [`MIN_PASSWORD_CHARS`].
    #[error("passwords need at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    /// The password is longer than [`MAX_PASSWORD_BYTES`].
    #[error("passwords may have at most {MAX_PASSWORD_BYTES} bytes")]
    PasswordTooLong,
    /// The password is nothing but spaces (of any kind).
    #[error("a password may not be only spaces")]
    PasswordBlank,
    /// The password holds a control character (a tab, a line break, NUL…),
    /// which cannot be typed reliably into the login form.
    #[error("a password may not contain control characters (tab, line break, ...)")]
    PasswordControlCharacters,
    /// An account with this name exists.
    #[error("a staff account with this user name already exists")]
    UsernameTaken,
    /// No account has this name.
    #[error("no staff account has this user name")]
    UnknownAccount,
    /// Hashing failed (should not happen).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl AccountError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::InvalidUsername => "invalid_username",
            AccountError::PasswordTooShort => "password_too_short",
            AccountError::PasswordTooLong => "password_too_long",
            AccountError::PasswordBlank => "password_blank",
            AccountError::PasswordControlCharacters => "password_control_characters",
            AccountError::UsernameTaken => "username_taken",
            AccountError::UnknownAccount => "unknown_account",
            AccountError::Hash(_) | AccountError::Database(_) => "internal",
        }
    }
}

/// A user name as stored: trimmed, ASCII lower case.
pub fn normalize_username(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

/// Whether `name` (normalized) follows the naming rule.
pub fn valid_username(name: &str) -> bool {
    let b = name.as_bytes();
    (1..=32).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

fn argon2() -> Result<Argon2<'static>, AccountError> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Argon2 into `out`, in `memory` (a hashing slot's blocks, grown to the
/// current cost on first use). A stored hash of a higher cost than today's
/// gets memory of its own for this one hash, so a slot never keeps more than
/// the current cost.
fn argon2_into(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Vec<Block>,
) -> Result<(), argon2::Error> {
    let needed = argon.params().block_count();
    if needed > Params::DEFAULT.block_count() {
        return argon.hash_password_into(password, salt, out);
    }
    if memory.len() < needed {
        memory.resize(needed, Block::default());
    }
    argon.hash_password_into_with_memory(password, salt, out, &mut memory[..needed])
}

fn hash_blocking(password: &Password, memory: &mut Vec<Block>) -> Result<String, AccountError> {
    let err = |e: &dyn std::fmt::Display| AccountError::Hash(e.to_string());
    let argon = argon2()?;
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| err(&e))?;
    let hash = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon2_into(&argon, password.as_bytes(), salt_bytes, out, memory)
            .map_err(password_hash::Error::from)
    })
    .map_err(|e| err(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(|e| err(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    };
    Ok(phc.to_string())
}

/// Hash a password (Argon2id PHC string) on the blocking pool, in one of
/// the password-hashing slots (waiting for one as long as it takes: only
/// administrators set passwords).
pub(crate) async fn hash_password(
    state: &AppState,
    password: Password,
) -> Result<String, AccountError> {
    let mut slot = state.inner().hash_slots.acquire_waiting().await;
    tokio::task::spawn_blocking(move || {
        let mut own = Vec::new();
        let memory = slot.as_mut().map_or(&mut own, |s| s.memory());
        hash_blocking(&password, memory)
    })
    .await
    .map_err(|e| AccountError::Hash(e.to_string()))?
}

/// A hash of a random password, for timing-even verification of unknown
/// names (computed once).
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut secret = Zeroizing::new([0u8; 24]);
        rand::rngs::OsRng.fill_bytes(&mut secret[..]);
        hash_blocking(
            &Password::new(URL_SAFE_NO_PAD.encode(&secret[..])),
            &mut Vec::new(),
        )
        .unwrap_or_default()
    })
}

/// Compute the dummy hash now, so that the first unknown name does not take
/// longer than a known one.
pub(crate) fn warm_up() {
    let _ = dummy_hash();
}

fn verify_blocking(password: &Password, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    // `Output`'s equality is constant-time.
    Output::init_with(expected.len(), |out| {
        argon2_into(&argon, password.as_bytes(), salt_bytes, out, memory)
            .map_err(password_hash::Error::from)
    })
    .is_ok_and(|computed| computed == expected)
}

/// Whether a stored hash was made with other settings than [`argon2`]'s
/// (an older cost, or another algorithm), so the next good login should
/// store a fresh one. An unparsable hash never verifies, so it is not asked.
fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(current) = argon2() else {
        return false;
    };
    let params = current.params();
    let param = |name: &str| parsed.params.get_decimal(name);
    parsed.algorithm.as_str() != "argon2id"
        || parsed.version != Some(0x13)
        || param("m") != Some(params.m_cost())
        || param("t") != Some(params.t_cost())
        || param("p") != Some(params.p_cost())
}

/// Verify, and on success with outdated settings also hash the password
/// afresh (while it is still at hand). `(verified, new hash)`.
fn verify_and_upgrade(
    password: &Password,
    phc: &str,
    memory: &mut Vec<Block>,
) -> (bool, Option<String>) {
    if !verify_blocking(password, phc, memory) {
        return (false, None);
    }
    let upgraded = if needs_rehash(phc) {
        hash_blocking(password, memory).ok()
    } else {
        None
    };
    (true, upgraded)
}

/// Create a staff account.
pub async fn add_staff(
    state: &AppState,
    username: &str,
    role: Role,
    password: Password,
) -> Result<(), AccountError> {
    let username = normalize_username(username);
    if !valid_username(&username) {
        return Err(AccountError::InvalidUsername);
    }
    password.check_policy()?;
    let password_hash = hash_password(state, password).await?;
    let mut id = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut id);
    let row = db::StaffUserRow {
        id: hex::encode(id),
        username,
        password_hash,
        role: role.as_str().to_owned(),
    };
    let mut tx = store::begin_write(state.db()).await?;
    match db::insert_user(&mut tx, &row, state.now()).await {
        Err(e) if store::is_unique_violation(&e) => return Err(AccountError::UsernameTaken),
        other => other?,
    }
    tx.commit().await?;
    Ok(())
}

/// Set a new password for `username` and end its sessions.
pub async fn reset_password(
    state: &AppState,
    username: &str,
    password: Password,
) -> Result<(), AccountError> {
    let username = normalize_username(username);
    password.check_policy()?;
    let password_hash = hash_password(state, password).await?;
    let mut tx = store::begin_write(state.db()).await?;
    if !db::set_password(&mut tx, &username, &password_hash, state.now()).await? {
        return Err(AccountError::UnknownAccount);
    }
    tx.commit().await?;
    Ok(())
}

/// A session token: the cookie's value. Zeroized on drop, hidden from `Debug`.
#[derive(Clone)]
pub(crate) struct SessionToken(Zeroizing<String>);

impl SessionToken {
    /// 256 random bits, base64url.
    pub(crate) fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut bytes[..]);
        SessionToken(Zeroizing::new(URL_SAFE_NO_PAD.encode(&bytes[..])))
    }

    /// A token as the cookie carried it.
    pub(crate) fn from_cookie(value: &str) -> Self {
        SessionToken(Zeroizing::new(value.to_owned()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database stores: SHA-256 of the token.
    pub(crate) fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(REDACTED)")
    }
}

/// A logged-in staff member, as the handlers see them.
#[derive(Debug, Clone)]
pub(crate) struct StaffSession {
    pub(crate) username: String,
    pub(crate) role: Role,
    pub(crate) token: SessionToken,
}

impl StaffSession {
    /// The CSRF token to put in this session's forms.
    pub(crate) fn csrf(&self) -> String {
        super::csrf::token_for(self.token.as_str())
    }
}

/// Why a login was refused (each renders the login form again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginRefused {
    /// Wrong name or password (the same for a name that does not exist).
    BadCredentials,
    /// Too many failures for this name: locked for now.
    Locked,
    /// Too many attempts from this client address
    /// (`limits.staff_logins_per_minute`): try again after the seconds given.
    RateLimited {
        /// Seconds until the next attempt is allowed.
        retry_after: u64,
    },
    /// Every password-hashing slot stayed busy for `limits.password_queue_ms`.
    Busy,
}

impl LoginRefused {
    pub(crate) fn code(self) -> &'static str {
        match self {
            LoginRefused::BadCredentials => "login_failed",
            LoginRefused::Locked => "login_locked",
            LoginRefused::RateLimited { .. } => Refusal::RateLimited { retry_after: 0 }.code(),
            LoginRefused::Busy => Refusal::HashingBusy.code(),
        }
    }

    /// `Retry-After` seconds, for the refusals that have one.
    pub(crate) fn retry_after(self) -> Option<u64> {
        match self {
            LoginRefused::BadCredentials | LoginRefused::Locked => None,
            LoginRefused::RateLimited { retry_after } => {
                Some(Refusal::RateLimited { retry_after }.retry_after())
            }
            LoginRefused::Busy => Some(Refusal::HashingBusy.retry_after()),
        }
    }
}

/// Check a login from `client` and open a session. `Ok(Err(_))` is a
/// refusal; `Err` an internal failure. Before any work the client address
/// is counted against `limits.staff_logins_per_minute`; the hash waits for
/// one of the `limits.password_hashes` slots.
pub(crate) async fn login(
    state: &AppState,
    client: IpAddr,
    username: &str,
    password: Password,
) -> Result<Result<SessionToken, LoginRefused>, sqlx::Error> {
    if let Err(Refusal::RateLimited { retry_after }) =
        state.inner().staff_login_limiter.check(client)
    {
        state.inner().metrics.rate_limited(Limited::StaffLogin);
        return Ok(Err(LoginRefused::RateLimited { retry_after }));
    }
    let cfg = state.config().staff;
    let name = normalize_username(username);
    // Names that cannot exist are not counted (no row per junk string), but
    // are answered the same way and after the same work.
    let countable = valid_username(&name);
    let user = if countable {
        db::user_by_name(state.db().pool(), &name).await?
    } else {
        None
    };
    let phc = user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let Ok(mut slot) = state.inner().hash_slots.acquire().await else {
        state.inner().metrics.login_busy();
        tracing::warn!("staff login refused: every password-hashing slot stayed busy");
        return Ok(Err(LoginRefused::Busy));
    };
    let (verified, upgraded) =
        tokio::task::spawn_blocking(move || verify_and_upgrade(&password, &phc, slot.memory()))
            .await
            .unwrap_or((false, None));

    let now = state.now();
    let mut tx = store::begin_write(state.db()).await?;
    let throttle = if countable {
        db::throttle(&mut tx, &name).await?.unwrap_or_default()
    } else {
        db::Throttle::default()
    };
    if throttle.locked_until > now {
        tx.commit().await?;
        return Ok(Err(LoginRefused::Locked));
    }
    let user = match user {
        Some(u) if verified => u,
        _ => {
            if countable {
                let window = i64::try_from(cfg.lockout_window_secs).unwrap_or(i64::MAX);
                let mut t = if now.saturating_sub(throttle.window_start) >= window {
                    db::Throttle {
                        failures: 0,
                        window_start: now,
                        locked_until: 0,
                    }
                } else {
                    throttle
                };
                t.failures += 1;
                if t.failures >= i64::from(cfg.lockout_failures.max(1)) {
                    t.locked_until =
                        now.saturating_add(i64::try_from(cfg.lockout_secs).unwrap_or(i64::MAX));
                    t.failures = 0;
                    t.window_start = now;
                    tracing::warn!(username = %name, "staff login locked after repeated failures");
                }
                db::put_throttle(&mut tx, &name, t).await?;
                db::purge_throttle(&mut tx, now.saturating_sub(window)).await?;
            }
            tx.commit().await?;
            return Ok(Err(LoginRefused::BadCredentials));
        }
    };
    db::clear_throttle(&mut tx, &name).await?;
    if let Some(hash) = upgraded {
        // Same password, current cost: sessions stay.
        db::upgrade_password_hash(&mut tx, &user.id, &hash).await?;
        tracing::info!(username = %user.username, "staff password hash upgraded to the current Argon2 settings");
    }
    let token = SessionToken::generate();
    let expires_at = now.saturating_add(i64::try_from(cfg.session_max_secs).unwrap_or(i64::MAX));
    db::insert_session(&mut tx, &token.hash(), &user.id, now, expires_at).await?;
    tx.commit().await?;
    tracing::info!(username = %user.username, "staff login");
    Ok(Ok(token))
}

/// The live session of `token`, if any: past its absolute end or idle too
/// long it is deleted and `None` returned; otherwise its last use is noted.
pub(crate) async fn session(
    state: &AppState,
    token: SessionToken,
) -> Result<Option<StaffSession>, sqlx::Error> {
    let hash = token.hash();
    let pool = state.db().pool();
    let Some(row) = db::session(pool, &hash).await? else {
        return Ok(None);
    };
    let now = state.now();
    let idle = i64::try_from(state.config().staff.session_idle_secs).unwrap_or(i64::MAX);
    let Some(role) = Role::parse(&row.role) else {
        return Ok(None);
    };
    if now >= row.expires_at || now.saturating_sub(row.last_seen_at) >= idle {
        db::delete_session(pool, &hash).await?;
        return Ok(None);
    }
    if now > row.last_seen_at {
        db::touch_session(pool, &hash, now).await?;
    }
    Ok(Some(StaffSession {
        username: row.username,
        role,
        token,
    }))
}

/// End a session.
pub(crate) async fn logout(state: &AppState, token: &SessionToken) -> Result<(), sqlx::Error> {
    db::delete_session(state.db().pool(), &token.hash()).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{
        hash_blocking, needs_rehash, normalize_username, valid_username, verify_and_upgrade,
        verify_blocking, Password,
    };
    use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};

    #[test]
    fn a_hash_with_an_older_cost_is_upgraded_on_a_good_login() {
        let password = Password::new("correct horse battery".into());
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string();
        assert!(needs_rehash(&weak));
        let mut m = Vec::new();
        // A wrong password upgrades nothing.
        assert_eq!(
            verify_and_upgrade(&Password::new("wrong horse battery".into()), &weak, &mut m),
            (false, None)
        );
        let (ok, upgraded) = verify_and_upgrade(&password, &weak, &mut m);
        assert!(ok);
        let upgraded = upgraded.expect("an upgraded hash");
        assert!(
            upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{upgraded}"
        );
        assert!(verify_blocking(&password, &upgraded, &mut m));
        assert!(!needs_rehash(&upgraded));
        // A current hash is left alone.
        assert_eq!(
            verify_and_upgrade(&password, &upgraded, &mut m),
            (true, None)
        );
    }

    #[test]
    fn hashes_are_argon2id_phc_strings_that_verify() {
        let right = Password::new("correct horse battery".into());
        let wrong = Password::new("correct horse batterY".into());
        // One slot's memory, reused (and left dirty) across every call.
        let mut m = Vec::new();
        let phc = hash_blocking(&right, &mut m).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert_eq!(m.len(), Params::DEFAULT.block_count());
        assert!(verify_blocking(&right, &phc, &mut m));
        assert!(!verify_blocking(&wrong, &phc, &mut m));
        assert!(!verify_blocking(&right, "not a hash", &mut m));
        // The argon2 crate's own verifier agrees with the slot-memory hash,
        // and a second hash in the same memory gets a new salt.
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(Argon2::default()
            .verify_password(right.as_bytes(), &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(wrong.as_bytes(), &parsed)
            .is_err());
        assert_ne!(hash_blocking(&right, &mut m).unwrap(), phc);
    }

    #[test]
    fn user_names_and_password_rules() {
        assert_eq!(normalize_username("  Sato.K "), "sato.k");
        assert!(valid_username("sato.k"));
        assert!(valid_username("a"));
        assert!(!valid_username(""));
        assert!(!valid_username("-sato"));
        assert!(!valid_username("佐藤"));
        assert!(!valid_username(&"a".repeat(33)));
        assert!(Password::new("12345678901".into()).check_policy().is_err());
        assert!(Password::new("123456789012".into()).check_policy().is_ok());
        // Characters, not bytes: 12 kana pass.
        assert!(Password::new("あいうえおかきくけこさし".into())
            .check_policy()
            .is_ok());
        assert_eq!(
            format!("{:?}", Password::new("secret-secret".into())),
            "Password(REDACTED)"
        );
    }
}
