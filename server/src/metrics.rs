//! A few counters for `/metrics`, counted by hand with atomics and rendered
//! in the Prometheus text format (no metrics crate needed for this few).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// database by the caller; `None` if that read failed.
    pub(crate) fn render(&self, undelivered: Option<(i64, i64)>) -> String {
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
        out
    }
}
