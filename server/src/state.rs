//! The shared application state ([`AppState`]): configuration, verifier,
//! card number scheme, database pool, clock and counters.

use std::sync::Arc;
use std::time::Duration;

use shiori_core::library_card::CardNumberScheme;
use shiori_core::proof::{ProofPurpose, ProofRequest, MIN_NONCE};

use crate::clock::Clock;
use crate::config::{Config, PolicyConfig, StartError};
use crate::metrics::Metrics;
use crate::store::Db;
use crate::throttle::{AddressLimiter, HashSlots};
use crate::verify::{
    ChainVerifier, CrlDirectory, NoRevocationCheck, OcspChecker, RevocationChecker, TrustAnchors,
};

/// What every handler shares. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) verifier: ChainVerifier,
    pub(crate) scheme: CardNumberScheme,
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) metrics: Metrics,
    /// Per-address limit of `POST /api/v1/challenges`.
    pub(crate) challenge_limiter: AddressLimiter,
    /// Per-address limit of `POST /staff/login`.
    pub(crate) staff_login_limiter: AddressLimiter,
    /// The cap on concurrent staff password hashes.
    pub(crate) hash_slots: HashSlots,
}

impl AppState {
    /// Validate the configuration, load anchors and CRLs, open the database
    /// and run the migrations.
    pub(crate) async fn new(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        ProofRequest::new(
            ProofPurpose::Register,
            config.public_origin.clone(),
            vec![0u8; MIN_NONCE],
        )
        .map_err(StartError::Origin)?;
        let scheme =
            CardNumberScheme::new(config.card_numbers.clone()).map_err(StartError::CardNumbers)?;
        let files = &config.trust_anchors;
        let anchors = TrustAnchors::from_files(
            &files
                .signing
                .iter()
                .map(|p| p.as_path())
                .collect::<Vec<_>>(),
            &files.auth.iter().map(|p| p.as_path()).collect::<Vec<_>>(),
        )?;
        let mut crl_directory = None;
        let revocation: Arc<dyn RevocationChecker> = match (&config.crl_dir, &config.ocsp) {
            (Some(_), Some(_)) => {
                return Err(StartError::Config(
                    "crl_dir and ocsp are both set: choose one revocation source".into(),
                ))
            }
            (None, Some(ocsp)) => {
                if !ocsp.responder_url.starts_with("http://") {
                    return Err(StartError::Config(format!(
                        "ocsp.responder_url {:?}: an http:// URL is expected",
                        ocsp.responder_url
                    )));
                }
                Arc::new(
                    OcspChecker::new(
                        ocsp.responder_url.clone(),
                        Duration::from_secs(ocsp.timeout_secs.max(1)),
                        Box::new(rand::random::<[u8; 16]>),
                    )
                    .max_age(ocsp.max_age_secs),
                )
            }
            (Some(dir), None) => {
                let crls = Arc::new(CrlDirectory::new(dir.clone(), anchors.clone()));
                // Load (and log any bad file) now, not at the first registration.
                crls.refresh(clock.now());
                crl_directory = Some(crls.clone());
                crls
            }
            (None, None) => {
                tracing::warn!("no crl_dir configured: revoked certificates WILL BE ACCEPTED");
                Arc::new(NoRevocationCheck)
            }
        };
        if config.policy == PolicyConfig::Test {
            tracing::warn!("policy = test: JPKI-TEST certificates only, not for real residents");
        }
        let verifier = ChainVerifier::new(anchors, config.policy.into(), revocation);
        for b in &config.branches {
            let code_ok = (1..=16).contains(&b.code.len())
                && b.code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !code_ok
                || b.name.trim().is_empty()
                || !(1..=60).contains(&b.pickup_days)
                || !(1..=120).contains(&b.loan_days)
                || b.max_renewals > 10
            {
                return Err(StartError::Config(format!(
                    "branch {:?}: code must be 1-16 of A-Z a-z 0-9 - _, name non-empty, \
                     pickup_days 1-60, loan_days 1-120, max_renewals 0-10",
                    b.code
                )));
            }
        }
        if let Some(smtp) = &config.smtp {
            crate::notify::check_config(smtp)?;
        }
        if config.notices.deadline_soon_days > 7 {
            return Err(StartError::Config(
                "notices.deadline_soon_days must be 0-7".into(),
            ));
        }
        config.limits.check()?;
        if let Some(t) = &config.metrics_token {
            t.check()?;
        }
        let db = crate::store::open(&config.database, config.sqlite_synchronous).await?;
        let mut tx = crate::store::begin_write(&db).await?;
        crate::store::catalogue::sync_branches(&mut tx, &config.branches).await?;
        tx.commit().await?;
        let limits = config.limits;
        Ok(Self {
            inner: Arc::new(Inner {
                challenge_limiter: AddressLimiter::per_minute(limits.challenges_per_minute),
                staff_login_limiter: AddressLimiter::per_minute(limits.staff_logins_per_minute),
                hash_slots: HashSlots::new(
                    limits.password_hash_slots(),
                    Duration::from_millis(limits.password_queue_ms),
                ),
                config,
                verifier,
                scheme,
                db,
                clock,
                metrics: Metrics::new(crl_directory),
            }),
        })
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The open database (tests count rows with its pool).
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The library card number scheme in use.
    pub fn card_number_scheme(&self) -> &CardNumberScheme {
        &self.inner.scheme
    }

    /// Now, by the state's clock (unix seconds).
    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }
}
