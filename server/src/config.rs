//! Server configuration ([`Config`]), read from a TOML file by the binary, or
//! built in code by an embedding program (`shiori demo`), and the errors that
//! stop the server from starting ([`StartError`]).
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! public_origin = "https://library.example.jp"
//! database = "/var/lib/shiori/shiori.db"
//! policy = "production"
//! crl_dir = "/var/lib/shiori/crl"
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
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
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
    /// The SQLite database file (created if missing).
    pub database: PathBuf,
    /// DER files of the J-LIS roots, per purpose.
    pub trust_anchors: TrustAnchorFiles,
    /// Production JPKI or JPKI-TEST certificates.
    pub policy: PolicyConfig,
    /// Directory of CRL files signed by the anchors. Without it revocation is
    /// NOT checked (a warning is logged).
    #[serde(default)]
    pub crl_dir: Option<PathBuf>,
    /// How library card numbers look (core's scheme settings).
    pub card_numbers: CardNumberSchemeConfig,
    /// Challenge lifetime in seconds.
    #[serde(default = "default_challenge_ttl")]
    pub challenge_ttl_secs: u64,
    /// Session lifetime in seconds.
    #[serde(default = "default_session_ttl")]
    pub session_ttl_secs: u64,
}

fn default_challenge_ttl() -> u64 {
    DEFAULT_CHALLENGE_TTL_SECS
}

fn default_session_ttl() -> u64 {
    DEFAULT_SESSION_TTL_SECS
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
    pub fn test_defaults(database: impl Into<PathBuf>, public_origin: impl Into<String>) -> Config {
        let vectors = test_vectors_dir();
        let mut card_numbers = CardNumberSchemeConfig::new(10, CheckDigitScheme::SevenDsr);
        card_numbers.prefix = "0290".into();
        card_numbers.hyphen_before_check = true;
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_origin: public_origin.into(),
            database: database.into(),
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
            card_numbers,
            challenge_ttl_secs: DEFAULT_CHALLENGE_TTL_SECS,
            session_ttl_secs: DEFAULT_SESSION_TTL_SECS,
        }
    }

    /// Read a TOML configuration file.
    pub fn from_toml_file(path: &Path) -> Result<Config, StartError> {
        let text = std::fs::read_to_string(path).map_err(StartError::Io)?;
        toml::from_str(&text).map_err(|e| StartError::Config(format!("{}: {e}", path.display())))
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
    /// A migration failed.
    #[error("database migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Socket or file I/O failed.
    #[error("i/o: {0}")]
    Io(std::io::Error),
}
