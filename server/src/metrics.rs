//! A few counters for `/metrics`, counted by hand with atomics and rendered
//! in the Prometheus text format (no metrics crate needed for this few),
//! and the CRL directory's gauges, read from it at each scrape.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::verify::{CrlDirectory, CrlProblem};

/// Outcome label of a registration.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome {
    /// A new patron.
    Created,
    /// An existing patron was updated.
    Updated,
    /// Rejected.
    Failed,
}

/// The counters.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    challenges: AtomicU64,
    registrations: [AtomicU64; 3],
    logins_ok: AtomicU64,
    logins_failed: AtomicU64,
    notices_sent: AtomicU64,
    notice_failures: AtomicU64,
    /// The CRL directory, when revocation is checked with CRL files.
    crl: Option<Arc<CrlDirectory>>,
    connection_cap_reached: AtomicU64,
    rate_limited: [AtomicU64; 2],
    challenges_full: AtomicU64,
    login_busy: AtomicU64,
}

/// What a per-address rate limit refused.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Limited {
    /// `POST /api/v1/challenges`.
    Challenges,
    /// `POST /staff/login`.
    StaffLogin,
}

const LIMITED: [&str; 2] = ["challenges", "staff_login"];

fn index(o: Outcome) -> usize {
    match o {
        Outcome::Created => 0,
        Outcome::Updated => 1,
        Outcome::Failed => 2,
    }
}

const LABELS: [&str; 3] = ["created", "updated", "failed"];

impl Metrics {
    /// Counters at zero, with the CRL directory whose state `/metrics` shows.
    pub(crate) fn new(crl: Option<Arc<CrlDirectory>>) -> Self {
        Self {
            crl,
            ..Self::default()
        }
    }

    pub(crate) fn challenge(&self) {
        self.challenges.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn registration(&self, o: Outcome) {
        self.registrations[index(o)].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn login(&self, ok: bool) {
        let c = if ok {
            &self.logins_ok
        } else {
            &self.logins_failed
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn notice_sent(&self) {
        self.notices_sent.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn connection_cap_reached(&self) {
        self.connection_cap_reached.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn rate_limited(&self, what: Limited) {
        let i = match what {
            Limited::Challenges => 0,
            Limited::StaffLogin => 1,
        };
        self.rate_limited[i].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn challenges_full(&self) {
        self.challenges_full.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn login_busy(&self) {
        self.login_busy.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn notice_failed(&self) {
        self.notice_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Prometheus text exposition format 0.0.4. `undelivered` is the outbox
    /// gauge (unsent notices, and those of them failing), read from the
    /// database by the caller; `None` if that read failed. `now` (unix
    /// seconds) rescans the CRL directory if due and dates the CRL ages.
    pub(crate) fn render(&self, undelivered: Option<(i64, i64)>, now: i64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP shiori_challenges_total Challenges issued.\n# TYPE shiori_challenges_total counter\nshiori_challenges_total {}",
            self.challenges.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP shiori_registrations_total Registrations by result.\n# TYPE shiori_registrations_total counter"
        );
        for (label, c) in LABELS.iter().zip(&self.registrations) {
            let _ = writeln!(
                out,
                "shiori_registrations_total{{result=\"{label}\"}} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP shiori_logins_total Logins by result.\n# TYPE shiori_logins_total counter"
        );
        for (label, c) in [("ok", &self.logins_ok), ("failed", &self.logins_failed)] {
            let _ = writeln!(
                out,
                "shiori_logins_total{{result=\"{label}\"}} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP shiori_notices_sent_total Notices the mail server accepted (this process).\n# TYPE shiori_notices_sent_total counter\nshiori_notices_sent_total {}",
            self.notices_sent.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP shiori_notice_failures_total Failed attempts to mail a notice (this process).\n# TYPE shiori_notice_failures_total counter\nshiori_notice_failures_total {}",
            self.notice_failures.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP shiori_connection_cap_reached_total Times the public listener stopped accepting at limits.max_connections.\n# TYPE shiori_connection_cap_reached_total counter\nshiori_connection_cap_reached_total {}",
            self.connection_cap_reached.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP shiori_rate_limited_total Requests refused 429 by a per-address rate limit.\n# TYPE shiori_rate_limited_total counter"
        );
        for (label, c) in LIMITED.iter().zip(&self.rate_limited) {
            let _ = writeln!(
                out,
                "shiori_rate_limited_total{{endpoint=\"{label}\"}} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP shiori_challenges_refused_total Challenges refused 503 at limits.max_live_challenges.\n# TYPE shiori_challenges_refused_total counter\nshiori_challenges_refused_total {}",
            self.challenges_full.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP shiori_staff_login_busy_total Staff logins refused 503 because every password-hashing slot stayed busy.\n# TYPE shiori_staff_login_busy_total counter\nshiori_staff_login_busy_total {}",
            self.login_busy.load(Ordering::Relaxed)
        );
        if let Some((pending, failing)) = undelivered {
            let _ = writeln!(
                out,
                "# HELP shiori_notices_undelivered Notices in the outbox not yet sent (all instances).\n# TYPE shiori_notices_undelivered gauge\nshiori_notices_undelivered {pending}"
            );
            let _ = writeln!(
                out,
                "# HELP shiori_notices_failing Unsent notices that failed at least {} times (all instances).\n# TYPE shiori_notices_failing gauge\nshiori_notices_failing {failing}",
                crate::notify::FAILING_AFTER_ATTEMPTS
            );
        }
        if let Some(crl) = &self.crl {
            crl.refresh(now);
            render_crl(&mut out, crl, now);
        }
        out
    }
}

/// The CRL directory's gauges: files skipped per problem code (every code
/// listed, 0 when none, so an alert can watch one series), anchors with no
/// valid CRL, and per issuing anchor the age and nextUpdate of the CRL in
/// force.
fn render_crl(out: &mut String, crl: &CrlDirectory, now: i64) {
    let report = crl.report();
    let _ = writeln!(
        out,
        "# HELP shiori_crl_files_with_problems CRL files ignored at the last load, by problem.\n# TYPE shiori_crl_files_with_problems gauge"
    );
    for code in CrlProblem::CODES {
        let n = report
            .problems
            .iter()
            .filter(|p| p.problem.code() == code)
            .count();
        let _ = writeln!(
            out,
            "shiori_crl_files_with_problems{{problem=\"{code}\"}} {n}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP shiori_crl_anchors_without_crl Trust anchors with no valid CRL (their certificates get revocation_unavailable).\n# TYPE shiori_crl_anchors_without_crl gauge\nshiori_crl_anchors_without_crl {}",
        report.anchors_without_crl
    );
    let _ = writeln!(
        out,
        "# HELP shiori_crl_age_seconds Seconds since thisUpdate of the newest valid CRL, by issuing anchor's SHA-256.\n# TYPE shiori_crl_age_seconds gauge"
    );
    for c in &report.in_force {
        let _ = writeln!(
            out,
            "shiori_crl_age_seconds{{issuer_sha256=\"{}\"}} {}",
            c.issuer_sha256,
            now - c.this_update
        );
    }
    let _ = writeln!(
        out,
        "# HELP shiori_crl_next_update_timestamp_seconds nextUpdate of that CRL (unix time); past it the issuer's certificates get revocation_unavailable.\n# TYPE shiori_crl_next_update_timestamp_seconds gauge"
    );
    for c in &report.in_force {
        if let Some(next) = c.next_update {
            let _ = writeln!(
                out,
                "shiori_crl_next_update_timestamp_seconds{{issuer_sha256=\"{}\"}} {next}",
                c.issuer_sha256
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::PathBuf;
    use std::sync::Arc;

    use super::Metrics;
    use crate::verify::{CrlDirectory, TrustAnchors};

    /// 2026-01-01T00:00:00Z: inside the test CRLs' validity.
    const NOW: i64 = 1_767_225_600;

    fn vector(rel: &str) -> Vec<u8> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test-vectors");
        std::fs::read(root.join(rel)).unwrap()
    }

    fn anchors() -> TrustAnchors {
        let (s1, s2, a1, a2) = (
            vector("pki/sign-root-g1.der"),
            vector("pki/sign-root-g2.der"),
            vector("pki/auth-root-g1.der"),
            vector("pki/auth-root-g2.der"),
        );
        TrustAnchors::from_der(&[&s1, &s2], &[&a1, &a2]).unwrap()
    }

    fn line<'a>(text: &'a str, series: &str) -> Option<&'a str> {
        text.lines().find(|l| l.starts_with(series))
    }

    #[test]
    fn a_bad_crl_file_shows_in_the_metrics_until_it_is_fixed() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["sign-g1.crl", "sign-g2.crl", "auth-g1.crl"] {
            std::fs::write(dir.path().join(f), vector(&format!("crl/{f}"))).unwrap();
        }
        std::fs::write(dir.path().join("auth-g2.crl"), b"half a download").unwrap();
        let crls = Arc::new(CrlDirectory::new(dir.path(), anchors()));
        let metrics = Metrics::new(Some(crls));

        let text = metrics.render(None, NOW);
        assert_eq!(
            line(
                &text,
                "shiori_crl_files_with_problems{problem=\"not_a_crl\"}"
            ),
            Some("shiori_crl_files_with_problems{problem=\"not_a_crl\"} 1"),
            "{text}"
        );
        assert_eq!(
            line(&text, "shiori_crl_anchors_without_crl"),
            Some("shiori_crl_anchors_without_crl 1")
        );
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("shiori_crl_age_seconds{"))
                .count(),
            3,
            "{text}"
        );
        assert!(text
            .lines()
            .filter(|l| l.starts_with("shiori_crl_next_update_timestamp_seconds{"))
            .all(|l| l.rsplit(' ').next().unwrap().parse::<i64>().unwrap() > NOW));

        // The operator replaces the file; the next scrape after the rescan
        // interval shows no problem and every anchor covered.
        std::fs::write(dir.path().join("auth-g2.crl"), vector("crl/auth-g2.crl")).unwrap();
        let text = metrics.render(None, NOW + 60);
        assert!(
            text.lines()
                .filter(|l| l.starts_with("shiori_crl_files_with_problems{"))
                .all(|l| l.ends_with(" 0")),
            "{text}"
        );
        assert_eq!(
            line(&text, "shiori_crl_anchors_without_crl"),
            Some("shiori_crl_anchors_without_crl 0")
        );
    }

    #[test]
    fn without_a_crl_directory_there_are_no_crl_series() {
        assert!(!Metrics::default().render(None, NOW).contains("shiori_crl_"));
    }
}
