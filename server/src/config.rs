//! Server configuration ([`Config`]), read from a TOML file by the binary, or
//! built in code by an embedding program (`shiori demo`), and the errors that
//! stop the server from starting ([`StartError`]).
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! public_origin = "https://library.example.jp"
//! database = "/var/lib/shiori/shiori.db"
//! policy = "production"
//! crl_dir = "/var/lib/shiori/crl"   # or, instead, an [ocsp] table:
//! # [ocsp]
//! # responder_url = "http://ocsp.example.jp"
//! # timeout_secs = 5
//! challenge_ttl_secs = 300
//! session_ttl_secs = 2592000
//!
//! [trust_anchors]
//! signing = ["/etc/shiori/signca01.cer", "/etc/shiori/signca02.cer", "/etc/shiori/signca03.cer"]
//! auth = ["/etc/shiori/authca01.cer", "/etc/shiori/authca02.cer", "/etc/shiori/authca03.cer"]
//!
//! [card_numbers]
//! prefix = "0290"
//! length = 10
//! check_digit = "seven_dsr"
//!
//! [smtp]                            # optional: without it notices wait in the outbox
//! host = "smtp.example.jp"
//! port = 587
//! from = "library@example.jp"
//! tls = "starttls"                  # none | starttls | tls
//! username = "library"              # password only from SHIORI_SMTP_PASSWORD
//!
//! [notices]
//! deadline_soon_days = 2
//!
//! metrics_listen = "127.0.0.1:9090"  # /metrics here only (or metrics_token, or both)
//! trusted_proxies = ["10.0.0.0/8"]   # peers whose X-Forwarded-For is believed
//!
//! [limits]                          # every key has a default (docs/operations.md)
//! max_connections = 1024
//! header_read_timeout_secs = 10
//! idle_timeout_secs = 60
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest;
use shiori_core::cert::PolicyKind;
use shiori_core::library_card::{CardNumberSchemeConfig, CheckDigitScheme, SchemeError};
use shiori_core::proof::ProofError;

use crate::verify::AnchorError;

/// Default challenge lifetime: 5 minutes.
pub const DEFAULT_CHALLENGE_TTL_SECS: u64 = 300;
/// Default session lifetime: 30 days.
pub const DEFAULT_SESSION_TTL_SECS: u64 = 30 * 24 * 60 * 60;

/// Everything the server needs to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the binary listens on (ignored by [`crate::serve`], which
    /// takes a bound listener).
    pub listen: SocketAddr,
    /// The origin clients reach this server at (`scheme://host[:port]`, no
    /// path). Proofs must name exactly this origin.
    pub public_origin: String,
    /// The database: an SQLite file path (created if missing), or a
    /// `postgres://` URL. `SHIORI_DATABASE` overrides it; a PostgreSQL
    /// password is best given by `PGPASSWORD` or `~/.pgpass`, not the file.
    pub database: Database,
    /// SQLite only: when a commit counts as done. `"normal"` (the default):
    /// a crash of the server loses nothing, a power cut may lose the last
    /// transactions (never the file). `"full"`: every commit waits for the
    /// disk (fsync), at a cost in registrations per second
    /// (docs/performance.md). PostgreSQL always commits durably.
    #[serde(default)]
    pub sqlite_synchronous: SqliteSynchronous,
    /// DER files of the J-LIS roots, per purpose.
    pub trust_anchors: TrustAnchorFiles,
    /// Production JPKI or JPKI-TEST certificates.
    pub policy: PolicyConfig,
    /// Directory of CRL files signed by the anchors. Without it revocation is
    /// NOT checked (a warning is logged).
    #[serde(default)]
    pub crl_dir: Option<PathBuf>,
    /// Ask an OCSP responder (RFC 6960) for every certificate instead of
    /// reading CRL files. Give either this or `crl_dir`, not both.
    #[serde(default)]
    pub ocsp: Option<OcspConfig>,
    /// The library's branches (`[[branches]]`): where copies live and holds
    /// are picked up. Synced into the database at start-up.
    #[serde(default)]
    pub branches: Vec<BranchConfig>,
    /// Hold rules (`[holds]`).
    #[serde(default)]
    pub holds: HoldRules,
    /// Loan limits (`[loans]`); periods and renewals are per branch.
    #[serde(default)]
    pub loans: LoanRules,
    /// Which notices are queued for patrons (`[notices]`).
    #[serde(default)]
    pub notices: NoticeRules,
    /// The mail server notices go out through (`[smtp]`). Without it notices
    /// are queued in the outbox and not sent (a warning is logged at start).
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// How library card numbers look (core's scheme settings).
    pub card_numbers: CardNumberSchemeConfig,
    /// Challenge lifetime in seconds.
    #[serde(default = "default_challenge_ttl")]
    pub challenge_ttl_secs: u64,
    /// Session lifetime in seconds.
    #[serde(default = "default_session_ttl")]
    pub session_ttl_secs: u64,
    /// The staff console (`[staff]`): session lifetimes, lockout, audit
    /// retention.
    #[serde(default)]
    pub staff: StaffConfig,
    /// Bounds on what clients, above all unauthenticated ones, can make the
    /// server hold or do (`[limits]`): connections, timeouts, password
    /// hashes, per-address rates, live challenges.
    #[serde(default)]
    pub limits: Limits,
    /// Serve `/metrics` on this separate address (e.g. a loopback or
    /// management interface), and not on the public listener.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// Serve `/metrics` on the public listener to requests that carry
    /// `Authorization: Bearer <token>` (at least 16 characters).
    /// `SHIORI_METRICS_TOKEN` overrides it. With neither this nor
    /// [`Config::metrics_listen`], `/metrics` is not served at all.
    #[serde(default)]
    pub metrics_token: Option<MetricsToken>,
    /// Reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For`
    /// is believed when they are the peer: the client address used for
    /// throttling is then the rightmost entry not in this list.
    #[serde(default)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// The bearer token that `/metrics` asks for on the public listener.
/// `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// The environment variable that overrides the file.
    pub const ENV: &'static str = "SHIORI_METRICS_TOKEN";
    /// Shortest accepted token.
    pub const MIN_CHARS: usize = 16;

    /// A token (for embedders and tests).
    pub fn new(token: impl Into<String>) -> Self {
        MetricsToken(token.into())
    }

    /// Refuse a token shorter than [`MetricsToken::MIN_CHARS`].
    pub fn check(&self) -> Result<(), StartError> {
        if self.0.chars().count() < Self::MIN_CHARS || self.0.chars().any(char::is_whitespace) {
            return Err(StartError::Config(format!(
                "metrics_token needs at least {} characters and no spaces",
                Self::MIN_CHARS
            )));
        }
        Ok(())
    }

    /// Whether an `Authorization` header value is `Bearer <this token>`
    /// (compared in constant time).
    pub(crate) fn matches_header(&self, value: &[u8]) -> bool {
        let Some(given) = value.strip_prefix(b"Bearer ") else {
            return false;
        };
        let a = sha2::Sha256::digest(given);
        let b = sha2::Sha256::digest(self.0.as_bytes());
        a.iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(REDACTED)")
    }
}

/// Bounds on connections, work and storage that clients can cause
/// (`[limits]`); every field has a default, and [`Limits::check`] says
/// which values are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Connections served at once on the public listener (default 1024;
    /// keep it well under the process's open-file limit). At the cap new
    /// connections wait, unserved, until one closes (a warning at most once
    /// a minute, and `shiori_connection_cap_reached_total` counts them).
    pub max_connections: usize,
    /// A client must send a request's complete header within this many
    /// seconds of the server starting to wait for it, on a new connection
    /// and between requests on a kept-alive one (default 10).
    pub header_read_timeout_secs: u64,
    /// A connection on which nothing is read or written for this many
    /// seconds is closed (default 60).
    pub idle_timeout_secs: u64,
    /// Staff password hashes computed at once (default: the number of CPU
    /// cores). Each takes about 19 MiB while it runs.
    pub password_hashes: Option<usize>,
    /// How long a staff login waits for a free hashing slot before it is
    /// refused with 503 and `Retry-After` (milliseconds, default 2000).
    pub password_queue_ms: u64,
    /// Staff login attempts per minute from one client address (default
    /// 10, as a burst, then one every 6 s). An IPv6 address counts by its /64.
    pub staff_logins_per_minute: u32,
    /// Challenges per minute from one client address (default 60, as a
    /// burst, then one a second). An IPv6 address counts by its /64.
    pub challenges_per_minute: u32,
    /// Unexpired challenges kept at once, from all clients together
    /// (default 100000); beyond it new ones are refused with 503.
    pub max_live_challenges: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            password_hashes: None,
            password_queue_ms: 2000,
            staff_logins_per_minute: 10,
            challenges_per_minute: 60,
            max_live_challenges: 100_000,
        }
    }
}

impl Limits {
    /// Refuse values that would switch a bound off or make the server useless.
    pub fn check(&self) -> Result<(), StartError> {
        let bad = |what: &str| Err(StartError::Config(format!("limits.{what}")));
        if !(1..=1_000_000).contains(&self.max_connections) {
            return bad("max_connections must be 1-1000000");
        }
        if !(1..=300).contains(&self.header_read_timeout_secs) {
            return bad("header_read_timeout_secs must be 1-300");
        }
        if !(1..=3600).contains(&self.idle_timeout_secs) {
            return bad("idle_timeout_secs must be 1-3600");
        }
        if self
            .password_hashes
            .is_some_and(|n| !(1..=1024).contains(&n))
        {
            return bad("password_hashes must be 1-1024");
        }
        if self.password_queue_ms > 60_000 {
            return bad("password_queue_ms must be 0-60000");
        }
        if !(1..=100_000).contains(&self.staff_logins_per_minute) {
            return bad("staff_logins_per_minute must be 1-100000");
        }
        if !(1..=100_000).contains(&self.challenges_per_minute) {
            return bad("challenges_per_minute must be 1-100000");
        }
        if !(1..=100_000_000).contains(&self.max_live_challenges) {
            return bad("max_live_challenges must be 1-100000000");
        }
        Ok(())
    }

    /// Concurrent password hashes: the configured number, or the cores.
    pub fn password_hash_slots(&self) -> usize {
        self.password_hashes.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        })
    }
}

/// Staff console settings (`[staff]`); every field has a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaffConfig {
    /// A session unused this long ends (seconds, default 30 minutes).
    pub session_idle_secs: u64,
    /// A session ends this long after login however busy (seconds, default
    /// 12 hours: one day at the desk).
    pub session_max_secs: u64,
    /// Failed logins of one user name that lock it (default 5) ...
    pub lockout_failures: u32,
    /// ... when they fall within this window (seconds, default 15 minutes).
    pub lockout_window_secs: u64,
    /// How long the lock lasts (seconds, default 15 minutes).
    pub lockout_secs: u64,
    /// Audit rows older than this are deleted by the expiry sweep (days,
    /// default 365).
    pub audit_retention_days: u32,
}

impl Default for StaffConfig {
    fn default() -> Self {
        StaffConfig {
            session_idle_secs: 30 * 60,
            session_max_secs: 12 * 3600,
            lockout_failures: 5,
            lockout_window_secs: 15 * 60,
            lockout_secs: 15 * 60,
            audit_retention_days: 365,
        }
    }
}

fn default_challenge_ttl() -> u64 {
    DEFAULT_CHALLENGE_TTL_SECS
}

fn default_session_ttl() -> u64 {
    DEFAULT_SESSION_TTL_SECS
}

/// One branch of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BranchConfig {
    /// Short code used in the catalogue and the API (`central`).
    pub code: String,
    /// Name shown to residents (Japanese).
    pub name: String,
    /// English name.
    #[serde(default)]
    pub name_en: Option<String>,
    /// Days a copy waits on the hold shelf for pickup (1–60, default 7).
    #[serde(default = "default_pickup_days")]
    pub pickup_days: u32,
    /// Loan period of this branch's copies in days (1–120, default 14).
    #[serde(default = "default_loan_days")]
    pub loan_days: u32,
    /// Renewals allowed per loan (0–10, default 1).
    #[serde(default = "default_max_renewals")]
    pub max_renewals: u32,
}

fn default_loan_days() -> u32 {
    14
}

fn default_max_renewals() -> u32 {
    1
}

fn default_pickup_days() -> u32 {
    7
}

/// Limits and retention for holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HoldRules {
    /// Open holds (queued, in transit, ready) one patron may have (default 10).
    pub max_open_per_patron: u32,
    /// Days a closed hold stays visible to its patron before the sweep
    /// deletes it (default 14; no reading history beyond that).
    pub closed_retention_days: u32,
    /// Seconds between expiry sweeps while serving (default 300, at least 10).
    pub sweep_interval_secs: u64,
}

impl Default for HoldRules {
    fn default() -> Self {
        HoldRules {
            max_open_per_patron: 10,
            closed_retention_days: 14,
            sweep_interval_secs: 300,
        }
    }
}

/// Loan limits for every patron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoanRules {
    /// Copies one patron may have out at once (default 20).
    pub max_loans_per_patron: u32,
}

impl Default for LoanRules {
    fn default() -> Self {
        LoanRules {
            max_loans_per_patron: 20,
        }
    }
}

/// Which notices patrons get by email (`[notices]`); they are queued in the
/// outbox whether or not `[smtp]` is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoticeRules {
    /// A "pickup deadline soon" notice goes out when a ready hold's deadline
    /// is this many days away or less (0–7, default 2; 0 turns it off). A
    /// hold that became ready inside that window gets none: its "ready"
    /// notice already names the deadline. At most 7, so that a sent notice
    /// (kept 7 days) outlives the hold it reminds of.
    pub deadline_soon_days: u32,
}

impl Default for NoticeRules {
    fn default() -> Self {
        NoticeRules {
            deadline_soon_days: 2,
        }
    }
}

/// The SMTP server notices are sent through (`[smtp]`). The password is not
/// part of the configuration: it comes from `SHIORI_SMTP_PASSWORD` only
/// ([`SmtpPassword`]), so `Debug` and the file never show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name of the mail server (also the name its TLS certificate must carry).
    pub host: String,
    /// Port (default by `tls`: 25 for `none`, 587 for `starttls`, 465 for `tls`).
    #[serde(default)]
    pub port: Option<u16>,
    /// The sender address (`library@example.jp` or `図書館 <library@example.jp>`).
    pub from: String,
    /// How the connection is protected (default `starttls`).
    #[serde(default)]
    pub tls: SmtpTls,
    /// User name for SMTP AUTH; the password is read from `SHIORI_SMTP_PASSWORD`.
    /// Not allowed with `tls = "none"` (it would travel in clear text).
    #[serde(default)]
    pub username: Option<String>,
    /// Seconds between two runs of the sender (default 10).
    #[serde(default = "default_smtp_poll")]
    pub poll_secs: u64,
    /// Seconds to wait for the mail server in each step (default 30).
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: u64,
}

impl SmtpConfig {
    /// The configured port, or the usual one for the TLS mode.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        })
    }
}

fn default_smtp_poll() -> u64 {
    10
}

fn default_smtp_timeout() -> u64 {
    30
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on the same host or a trusted network.
    None,
    /// Plain connection upgraded with STARTTLS, which is required (the
    /// server's certificate is checked against the system's roots).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// The SMTP password, from the environment only. `Debug` hides it, and it
/// is zeroized when dropped. (lettre keeps its own copy in the mailer's
/// credentials for as long as the server runs; it offers no zeroizing type.)
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct SmtpPassword(String);

impl SmtpPassword {
    /// The environment variable that holds it.
    pub const ENV: &'static str = "SHIORI_SMTP_PASSWORD";

    /// A password (for embedders that keep it elsewhere).
    pub fn new(password: impl Into<String>) -> Self {
        SmtpPassword(password.into())
    }

    /// `SHIORI_SMTP_PASSWORD`, if set and not empty.
    pub fn from_env() -> Option<Self> {
        std::env::var(Self::ENV)
            .ok()
            .filter(|p| !p.is_empty())
            .map(SmtpPassword)
    }

    /// The password itself, for the SMTP client.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpPassword(REDACTED)")
    }
}

/// The OCSP responder to ask (`[ocsp]` in the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcspConfig {
    /// The responder's `http://` URL (OCSP answers are signed; plain HTTP is
    /// how responders are usually reached).
    pub responder_url: String,
    /// How long to wait for an answer, in seconds (default 5). A responder
    /// that does not answer makes the check fail (`revocation_unavailable`).
    #[serde(default = "default_ocsp_timeout")]
    pub timeout_secs: u64,
    /// The oldest `thisUpdate` accepted when the responder does not echo the
    /// nonce (pre-signed answers), in seconds (default one day).
    #[serde(default = "default_ocsp_max_age")]
    pub max_age_secs: i64,
}

fn default_ocsp_timeout() -> u64 {
    5
}

fn default_ocsp_max_age() -> i64 {
    24 * 3600
}

/// Trust anchor files (DER) for each certificate purpose. Several generations
/// per purpose are normal (the J-LIS roots share one DN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustAnchorFiles {
    /// Roots of signing certificates (署名用電子証明書).
    pub signing: Vec<PathBuf>,
    /// Roots of user-authentication certificates (利用者証明用電子証明書).
    pub auth: Vec<PathBuf>,
}

/// Which certificate policy the server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyConfig {
    /// JPKI-TEST certificates (test vectors, the demo). Never with real residents.
    Test,
    /// Real My Number Cards.
    Production,
}

impl From<PolicyConfig> for PolicyKind {
    fn from(p: PolicyConfig) -> PolicyKind {
        match p {
            PolicyConfig::Test => PolicyKind::Test,
            PolicyConfig::Production => PolicyKind::Production,
        }
    }
}

impl Config {
    /// A test setup: the generated JPKI-TEST roots (g1 and g2 for each
    /// purpose) and CRLs from the workspace's `test-vectors/`, policy
    /// [`PolicyConfig::Test`], card numbers `0290xxxxx-c` (7DSR), listening
    /// on `127.0.0.1:8080`. Never use it with real residents.
    pub fn test_defaults(
        database: impl Into<Database>,
        public_origin: impl Into<String>,
    ) -> Config {
        let vectors = test_vectors_dir();
        let mut card_numbers = CardNumberSchemeConfig::new(10, CheckDigitScheme::SevenDsr);
        card_numbers.prefix = "0290".into();
        card_numbers.hyphen_before_check = true;
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_origin: public_origin.into(),
            database: database.into(),
            sqlite_synchronous: SqliteSynchronous::Normal,
            trust_anchors: TrustAnchorFiles {
                signing: vec![
                    vectors.join("pki/sign-root-g1.der"),
                    vectors.join("pki/sign-root-g2.der"),
                ],
                auth: vec![
                    vectors.join("pki/auth-root-g1.der"),
                    vectors.join("pki/auth-root-g2.der"),
                ],
            },
            policy: PolicyConfig::Test,
            crl_dir: Some(vectors.join("crl")),
            ocsp: None,
            branches: vec![
                BranchConfig {
                    code: "central".into(),
                    name: "中央図書館".into(),
                    name_en: Some("Central Library".into()),
                    pickup_days: 7,
                    loan_days: 14,
                    max_renewals: 1,
                },
                BranchConfig {
                    code: "east".into(),
                    name: "東分館".into(),
                    name_en: Some("East Branch".into()),
                    pickup_days: 7,
                    loan_days: 14,
                    max_renewals: 1,
                },
                BranchConfig {
                    code: "west".into(),
                    name: "西分館".into(),
                    name_en: Some("West Branch".into()),
                    pickup_days: 10,
                    loan_days: 21,
                    max_renewals: 2,
                },
            ],
            holds: HoldRules::default(),
            loans: LoanRules::default(),
            notices: NoticeRules::default(),
            smtp: None,
            card_numbers,
            challenge_ttl_secs: DEFAULT_CHALLENGE_TTL_SECS,
            session_ttl_secs: DEFAULT_SESSION_TTL_SECS,
            staff: StaffConfig::default(),
            limits: Limits::default(),
            metrics_listen: None,
            metrics_token: None,
            trusted_proxies: Vec::new(),
        }
    }

    /// Apply the environment's overrides: `SHIORI_DATABASE`,
    /// `SHIORI_PUBLIC_ORIGIN`, `SHIORI_LISTEN` and `SHIORI_METRICS_TOKEN`
    /// (so that a container or a unit file can point one configuration file
    /// at different places).
    pub fn apply_env(&mut self) -> Result<(), StartError> {
        self.apply_vars(|name| std::env::var(name).ok())
    }

    /// [`Config::apply_env`] with the variables read through `var`.
    pub fn apply_vars(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), StartError> {
        if let Some(db) = var("SHIORI_DATABASE") {
            self.database = db.into();
        }
        if let Some(origin) = var("SHIORI_PUBLIC_ORIGIN") {
            self.public_origin = origin;
        }
        if let Some(listen) = var("SHIORI_LISTEN") {
            self.listen = listen
                .parse()
                .map_err(|e| StartError::Config(format!("SHIORI_LISTEN={listen:?}: {e}")))?;
        }
        if let Some(token) = var(MetricsToken::ENV).filter(|t| !t.is_empty()) {
            self.metrics_token = Some(MetricsToken(token));
        }
        Ok(())
    }

    /// Read a TOML configuration file.
    pub fn from_toml_file(path: &Path) -> Result<Config, StartError> {
        let text = std::fs::read_to_string(path).map_err(StartError::Io)?;
        toml::from_str(&text).map_err(|e| StartError::Config(format!("{}: {e}", path.display())))
    }
}

/// Where the data lives: a path to an SQLite file, or a `postgres://` (or
/// `postgresql://`) URL. `Debug` hides a password in the URL.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Database(String);

/// SQLite's `PRAGMA synchronous` in WAL mode (see [`Config::sqlite_synchronous`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    /// Durable against a crash of the process, not against a power cut.
    #[default]
    Normal,
    /// Every commit is on disk before it is acknowledged.
    Full,
}

impl SqliteSynchronous {
    /// The pragma statement.
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Self::Normal => "PRAGMA synchronous = NORMAL",
            Self::Full => "PRAGMA synchronous = FULL",
        }
    }
}

/// The storage back-end a [`Database`] selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file in WAL mode (one server process).
    Sqlite,
    /// A PostgreSQL server (any number of server processes).
    Postgres,
}

impl Database {
    /// The back-end the location names.
    pub fn backend(&self) -> Backend {
        if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// The location as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SQLite file (an optional `sqlite://` or `sqlite:` prefix removed).
    pub fn sqlite_path(&self) -> &Path {
        let s = &self.0;
        Path::new(
            s.strip_prefix("sqlite://")
                .or_else(|| s.strip_prefix("sqlite:"))
                .unwrap_or(s),
        )
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut u) if self.backend() == Backend::Postgres && u.password().is_some() => {
                let _ = u.set_password(Some("REDACTED"));
                write!(f, "Database({:?})", u.as_str())
            }
            _ if self.backend() == Backend::Postgres && self.0.contains("password=") => {
                f.write_str("Database(\"postgres://… (contains a password)\")")
            }
            _ => write!(f, "Database({:?})", self.0),
        }
    }
}

impl From<&str> for Database {
    fn from(s: &str) -> Self {
        Database(s.to_owned())
    }
}

impl From<String> for Database {
    fn from(s: String) -> Self {
        Database(s)
    }
}

impl From<PathBuf> for Database {
    /// An SQLite file (a non-UTF-8 path is converted lossily).
    fn from(p: PathBuf) -> Self {
        Database(p.to_string_lossy().into_owned())
    }
}

impl From<&Path> for Database {
    fn from(p: &Path) -> Self {
        p.to_path_buf().into()
    }
}

/// The workspace's `test-vectors/` directory (compiled in).
pub fn test_vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("test-vectors")
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The public origin is not a valid proof origin.
    #[error("public_origin: {0}")]
    Origin(ProofError),
    /// The library card number scheme is invalid.
    #[error("card_numbers: {0}")]
    CardNumbers(SchemeError),
    /// The trust anchors could not be loaded.
    #[error(transparent)]
    Anchors(#[from] AnchorError),
    /// The database could not be opened.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The SQLite file could not be opened for the registration writer.
    #[error("database: the SQLite writer connection: {0}")]
    SqliteWriter(String),
    /// A migration failed.
    #[error("database migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Socket or file I/O failed.
    #[error("i/o: {0}")]
    Io(std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::{Backend, Config, Database};

    #[test]
    fn database_selects_the_backend_and_hides_passwords() {
        let pg = Database::from("postgres://shiori:s3cret@db.example.jp:5432/shiori");
        assert_eq!(pg.backend(), Backend::Postgres);
        let shown = format!("{pg:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.example.jp"), "{shown}");
        let pg = Database::from("postgresql://db/shiori?password=s3cret");
        assert_eq!(pg.backend(), Backend::Postgres);
        assert!(!format!("{pg:?}").contains("s3cret"));
        for (text, path) in [
            ("/var/lib/shiori/shiori.db", "/var/lib/shiori/shiori.db"),
            ("sqlite:///var/lib/shiori.db", "/var/lib/shiori.db"),
            ("sqlite:shiori.db", "shiori.db"),
        ] {
            let db = Database::from(text);
            assert_eq!(db.backend(), Backend::Sqlite, "{text}");
            assert_eq!(db.sqlite_path(), std::path::Path::new(path));
        }
    }

    #[test]
    fn smtp_section_and_password() {
        let text = r#"
listen = "127.0.0.1:8080"
public_origin = "https://library.example.jp"
database = "shiori.db"
policy = "production"
[trust_anchors]
signing = []
auth = []
[card_numbers]
length = 10
check_digit = "seven_dsr"
[smtp]
host = "smtp.example.jp"
from = "library@example.jp"
username = "library"
[notices]
deadline_soon_days = 3
"#;
        let c: Config = toml::from_str(text).unwrap();
        let smtp = c.smtp.as_ref().unwrap();
        assert_eq!(smtp.tls, super::SmtpTls::Starttls);
        assert_eq!(smtp.port(), 587);
        assert_eq!(smtp.poll_secs, 10);
        assert_eq!(c.notices.deadline_soon_days, 3);
        assert_eq!(c.sqlite_synchronous, super::SqliteSynchronous::Normal);
        let full = text.replace(
            "database = \"shiori.db\"",
            "database = \"shiori.db\"\nsqlite_synchronous = \"full\"",
        );
        let full: Config = toml::from_str(&full).unwrap();
        assert_eq!(full.sqlite_synchronous, super::SqliteSynchronous::Full);
        let bad = text.replace(
            "database = \"shiori.db\"",
            "database = \"shiori.db\"\nsqlite_synchronous = \"off\"",
        );
        assert!(toml::from_str::<Config>(&bad).is_err());
        // A password in the file is refused: it belongs in the environment.
        let with_password = text.replace(
            "username = \"library\"",
            "username = \"library\"\npassword = \"s3cret\"",
        );
        let e = toml::from_str::<Config>(&with_password).unwrap_err();
        assert!(e.to_string().contains("password"), "{e}");
        let mut p = super::SmtpPassword::new("s3cret");
        assert!(!format!("{p:?}").contains("s3cret"));
        assert!(!format!("{c:?}").contains("s3cret"));
        // Wiped when dropped (the type says so), and by hand too.
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
        wiped_on_drop(&p);
        zeroize::Zeroize::zeroize(&mut p);
        assert_eq!(p.expose(), "");
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut c = Config::test_defaults("a.db", "http://127.0.0.1:8080");
        c.apply_vars(|name| match name {
            "SHIORI_DATABASE" => Some("postgres://db/shiori".into()),
            "SHIORI_PUBLIC_ORIGIN" => Some("https://library.example.jp".into()),
            "SHIORI_LISTEN" => Some("0.0.0.0:9000".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.database.backend(), Backend::Postgres);
        assert_eq!(c.public_origin, "https://library.example.jp");
        assert_eq!(c.listen.port(), 9000);
        let err = c
            .apply_vars(|name| (name == "SHIORI_LISTEN").then(|| "nine".to_owned()))
            .unwrap_err();
        assert!(err.to_string().contains("SHIORI_LISTEN"), "{err}");
    }
}
