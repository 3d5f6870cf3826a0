//! CRL files as a revocation source, reloaded when the directory changes.
//!
//! Every `*.crl` / `*.der` file in the directory must be a DER CRL signed by
//! one of the trust anchors (found by key identifier and signature). A CRL
//! that does not verify is ignored — never trusted — and made visible: a
//! warning is logged once per file content (a rescan that finds the same
//! bytes logs nothing again), [`CrlDirectory::problems`] lists it with a
//! stable [`CrlProblem::code`], and `/metrics` counts it
//! (`docs/operations.md`, "Revocation").
//! A certificate whose issuer has no CRL, or whose CRL is past its nextUpdate,
//! gets "revocation unavailable" — never a silent pass.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

use sha2::{Digest, Sha256};
use shiori_core::cert::JpkiCertificate;
use x509_parser::prelude::*;
use x509_parser::revocation_list::CertificateRevocationList;

use super::{RevocationChecker, RevocationError, TrustAnchors};

/// How often (in request-time seconds) the directory is looked at for changes.
const RESCAN_SECONDS: i64 = 10;

/// Why a file in the CRL directory was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrlProblem {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Unreadable(String),
    /// The bytes are not a DER CRL.
    #[error("not a DER CRL: {0}")]
    NotACrl(String),
    /// Bytes follow the CRL.
    #[error("trailing data after the CRL")]
    TrailingData,
    /// Signed with something other than sha256WithRSAEncryption.
    #[error("CRL is not signed with sha256WithRSA")]
    UnsupportedAlgorithm,
    /// No configured trust anchor has this issuer name and a key that
    /// verifies the signature.
    #[error("CRL is not signed by a trust anchor")]
    NotSignedByAnchor,
}

impl CrlProblem {
    /// Every code, in the order `/metrics` lists them.
    pub const CODES: [&'static str; 5] = [
        "unreadable",
        "not_a_crl",
        "trailing_data",
        "unsupported_algorithm",
        "not_signed_by_anchor",
    ];

    /// Stable snake_case code (log field `problem`, metric label `problem`).
    pub fn code(&self) -> &'static str {
        match self {
            CrlProblem::Unreadable(_) => "unreadable",
            CrlProblem::NotACrl(_) => "not_a_crl",
            CrlProblem::TrailingData => "trailing_data",
            CrlProblem::UnsupportedAlgorithm => "unsupported_algorithm",
            CrlProblem::NotSignedByAnchor => "not_signed_by_anchor",
        }
    }
}

/// A file that was skipped at the last load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlFileProblem {
    /// The file.
    pub file: PathBuf,
    /// Why.
    pub problem: CrlProblem,
}

/// The CRL in force for one trust anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlInForce {
    /// SHA-256 fingerprint of the issuing anchor, lower-case hex (what
    /// `openssl x509 -fingerprint -sha256` prints, without colons).
    pub issuer_sha256: String,
    /// thisUpdate (unix seconds).
    pub this_update: i64,
    /// nextUpdate (unix seconds), if the CRL has one.
    pub next_update: Option<i64>,
}

/// What the directory holds, for `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrlReport {
    /// Files skipped at the last load.
    pub problems: Vec<CrlFileProblem>,
    /// The newest valid CRL of each anchor that has one, by fingerprint.
    pub in_force: Vec<CrlInForce>,
    /// Trust anchors with no valid CRL: their certificates all get
    /// `revocation_unavailable`.
    pub anchors_without_crl: usize,
}

struct LoadedCrl {
    next_update: Option<i64>,
    this_update: i64,
    revoked: HashSet<Vec<u8>>,
}

#[derive(Default)]
struct State {
    /// (file name, length, modified) of every file last loaded.
    signature: Vec<(PathBuf, u64, Option<SystemTime>)>,
    /// By issuing anchor's SHA-256 fingerprint: the newest valid CRL.
    by_issuer: HashMap<[u8; 32], LoadedCrl>,
    problems: Vec<CrlFileProblem>,
    /// Bad files already logged, with the SHA-256 of what was read (so the
    /// same bytes are not logged again at the next reload).
    logged: HashMap<PathBuf, [u8; 32]>,
    last_scan: Option<i64>,
}

/// A directory of CRL files.
pub struct CrlDirectory {
    dir: PathBuf,
    anchors: TrustAnchors,
    state: RwLock<State>,
}

impl std::fmt::Debug for CrlDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrlDirectory")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl CrlDirectory {
    /// Watch `dir`; CRLs must be signed by one of `anchors`.
    pub fn new(dir: impl Into<PathBuf>, anchors: TrustAnchors) -> Self {
        Self {
            dir: dir.into(),
            anchors,
            state: RwLock::new(State::default()),
        }
    }

    /// Files that were skipped at the last load, with the reason.
    pub fn problems(&self) -> Vec<CrlFileProblem> {
        self.state
            .read()
            .map(|s| s.problems.clone())
            .unwrap_or_default()
    }

    /// The problems and the CRLs in force, as of the last load.
    pub fn report(&self) -> CrlReport {
        let Ok(state) = self.state.read() else {
            return CrlReport::default();
        };
        let mut in_force: Vec<CrlInForce> = state
            .by_issuer
            .iter()
            .map(|(fp, crl)| CrlInForce {
                issuer_sha256: hex::encode(fp),
                this_update: crl.this_update,
                next_update: crl.next_update,
            })
            .collect();
        in_force.sort_by(|a, b| a.issuer_sha256.cmp(&b.issuer_sha256));
        let anchors_without_crl = self
            .anchors
            .all()
            .filter(|a| !state.by_issuer.contains_key(&a.fingerprint_sha256()))
            .count();
        CrlReport {
            problems: state.problems.clone(),
            in_force,
            anchors_without_crl,
        }
    }

    /// Look at the directory again if `now` (unix seconds) is past the rescan
    /// interval, and reload it if its files changed. Requests do this on
    /// their own; the server also calls it at start and at each `/metrics`
    /// scrape, so a bad file is seen even while no one registers.
    pub fn refresh(&self, now: i64) {
        let due = self
            .state
            .read()
            .map(|s| {
                s.last_scan
                    .is_none_or(|t| now - t >= RESCAN_SECONDS || now < t)
            })
            .unwrap_or(true);
        if !due {
            return;
        }
        let signature = scan(&self.dir);
        let Ok(mut state) = self.state.write() else {
            return;
        };
        state.last_scan = Some(now);
        if state.signature == signature && !signature.is_empty() {
            return;
        }
        let mut by_issuer: HashMap<[u8; 32], LoadedCrl> = HashMap::new();
        let mut problems = Vec::new();
        let mut logged = HashMap::new();
        for (path, ..) in &signature {
            let read = std::fs::read(path);
            let digest = match &read {
                Ok(der) => Sha256::digest(der).into(),
                Err(e) => Sha256::digest(e.to_string().as_bytes()).into(),
            };
            let loaded = read
                .map_err(|e| CrlProblem::Unreadable(e.to_string()))
                .and_then(|der| self.load(&der));
            match loaded {
                Ok((issuer, crl)) => {
                    if state.logged.contains_key(path) {
                        tracing::info!(file = %path.display(), "CRL file loads again");
                    }
                    let newer = by_issuer
                        .get(&issuer)
                        .is_none_or(|old| crl.this_update > old.this_update);
                    if newer {
                        by_issuer.insert(issuer, crl);
                    }
                }
                Err(problem) => {
                    if state.logged.get(path) != Some(&digest) {
                        tracing::warn!(
                            file = %path.display(),
                            problem = problem.code(),
                            "CRL file ignored: {problem}"
                        );
                    }
                    logged.insert(path.clone(), digest);
                    problems.push(CrlFileProblem {
                        file: path.clone(),
                        problem,
                    });
                }
            }
        }
        *state = State {
            signature,
            by_issuer,
            problems,
            logged,
            last_scan: Some(now),
        };
    }

    fn load(&self, der: &[u8]) -> Result<([u8; 32], LoadedCrl), CrlProblem> {
        let (rest, crl) = CertificateRevocationList::from_der(der)
            .map_err(|e| CrlProblem::NotACrl(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CrlProblem::TrailingData);
        }
        if crl.signature_algorithm.algorithm != x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA {
            return Err(CrlProblem::UnsupportedAlgorithm);
        }
        let tbs = crl.tbs_cert_list.as_ref();
        let sig = crl.signature_value.data.as_ref();
        let issuer = self
            .anchors
            .all()
            .filter(|a| a.subject_der() == crl.tbs_cert_list.issuer.as_raw())
            .find(|a| a.public_key().verify_pkcs1_sha256(tbs, sig).is_ok())
            .ok_or(CrlProblem::NotSignedByAnchor)?;
        let revoked = crl
            .iter_revoked_certificates()
            .map(|r| strip_leading_zeros(r.raw_serial()).to_vec())
            .collect();
        Ok((
            issuer.fingerprint_sha256(),
            LoadedCrl {
                this_update: crl.last_update().timestamp(),
                next_update: crl.next_update().map(|t| t.timestamp()),
                revoked,
            },
        ))
    }
}
fn scan(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "crl" || x == "der")
        })
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((e.path(), m.len(), m.modified().ok()))
        })
        .collect();
    out.sort();
    out
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let i = b
        .iter()
        .position(|&x| x != 0)
        .unwrap_or(b.len().saturating_sub(1));
    &b[i..]
}

impl RevocationChecker for CrlDirectory {
    fn check(
        &self,
        leaf: &JpkiCertificate,
        issuer: &JpkiCertificate,
        now: i64,
    ) -> Result<(), RevocationError> {
        self.refresh(now);
        let state = self
            .state
            .read()
            .map_err(|_| RevocationError::Unavailable("CRL state poisoned".into()))?;
        let crl = state
            .by_issuer
            .get(&issuer.fingerprint_sha256())
            .ok_or_else(|| {
                RevocationError::Unavailable("no CRL from this certificate's issuer".into())
            })?;
        if crl.next_update.is_some_and(|t| now > t) {
            return Err(RevocationError::Unavailable(
                "the issuer's CRL is out of date".into(),
            ));
        }
        if crl.revoked.contains(strip_leading_zeros(leaf.serial())) {
            return Err(RevocationError::Revoked);
        }
        Ok(())
    }
}
