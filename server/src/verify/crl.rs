//! CRL files as a revocation source, reloaded when the directory changes.
//!
//! Every `*.crl` / `*.der` file in the directory must be a DER CRL signed by
//! one of the trust anchors (found by key identifier and signature). A CRL
//! that does not verify is ignored and reported by [`CrlDirectory::problems`].
//! A certificate whose issuer has no CRL, or whose CRL is past its nextUpdate,
//! gets "revocation unavailable" — never a silent pass.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

use shiori_core::cert::JpkiCertificate;
use x509_parser::prelude::*;
use x509_parser::revocation_list::CertificateRevocationList;

use super::{RevocationChecker, RevocationError, TrustAnchors};

/// How often (in request-time seconds) the directory is looked at for changes.
const RESCAN_SECONDS: i64 = 10;

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
    problems: Vec<String>,
    last_scan: Option<i64>,
}

/// A directory of CRL files.
pub struct CrlDirectory {
    dir: PathBuf,
    anchors: TrustAnchors,
    state: RwLock<State>,
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
    pub fn problems(&self) -> Vec<String> {
        self.state
            .read()
            .map(|s| s.problems.clone())
            .unwrap_or_default()
    }

    /// Reload if `now` is past the rescan interval and the files changed.
    fn refresh(&self, now: i64) {
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
        for (path, ..) in &signature {
            match std::fs::read(path)
                .map_err(|e| e.to_string())
                .and_then(|der| self.load(&der))
            {
                Ok((issuer, crl)) => {
                    let newer = by_issuer
                        .get(&issuer)
                        .is_none_or(|old| crl.this_update > old.this_update);
                    if newer {
                        by_issuer.insert(issuer, crl);
                    }
                }
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
        *state = State {
            signature,
            by_issuer,
            problems,
            last_scan: Some(now),
        };
    }

    fn load(&self, der: &[u8]) -> Result<([u8; 32], LoadedCrl), String> {
        let (rest, crl) =
            CertificateRevocationList::from_der(der).map_err(|e| format!("not a DER CRL: {e}"))?;
        if !rest.is_empty() {
            return Err("trailing data after the CRL".into());
        }
        if crl.signature_algorithm.algorithm != x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA {
            return Err("CRL is not signed with sha256WithRSA".into());
        }
        let tbs = crl.tbs_cert_list.as_ref();
        let sig = crl.signature_value.data.as_ref();
        let issuer = self
            .anchors
            .all()
            .filter(|a| a.subject_der() == crl.tbs_cert_list.issuer.as_raw())
            .find(|a| a.public_key().verify_pkcs1_sha256(tbs, sig).is_ok())
            .ok_or("CRL is not signed by a trust anchor")?;
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
