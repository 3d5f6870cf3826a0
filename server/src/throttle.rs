//! Bounds on the work unauthenticated clients can ask for: per-address rate
//! limits ([`AddressLimiter`], GCRA from `governor`, keyed by the client
//! address of [`crate::client_addr`] with IPv6 grouped by /64), the cap on
//! concurrent staff password hashes ([`HashSlots`]), and the refusals they
//! answer with ([`Refusal`], one stable code each).
//!
//! Why: one client made 728 challenges a second, and 32 clients posting to
//! `/staff/login` ran 32 Argon2 hashes of 19 MiB each at once (3.5 GB).

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::Block;
use axum::http::StatusCode;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiErrorResponse;

/// Why a request was refused before any real work. Each has a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Too many requests of this kind from one client address (429).
    RateLimited {
        /// Seconds until the next one is allowed.
        retry_after: u64,
    },
    /// The global cap on unexpired challenges is reached (503).
    ChallengesFull,
    /// Every password-hashing slot stayed busy for the whole queue wait (503).
    HashingBusy,
}

impl Refusal {
    /// The stable code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Refusal::RateLimited { .. } => "rate_limited",
            Refusal::ChallengesFull => "challenges_unavailable",
            Refusal::HashingBusy => "login_busy",
        }
    }

    /// The HTTP status.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Refusal::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::ChallengesFull | Refusal::HashingBusy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `Retry-After` seconds.
    pub(crate) fn retry_after(self) -> u64 {
        match self {
            Refusal::RateLimited { retry_after } => retry_after.max(1),
            Refusal::ChallengesFull => 60,
            Refusal::HashingBusy => 5,
        }
    }

    /// An English message.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Refusal::RateLimited { .. } => {
                "too many requests from this address: wait for Retry-After seconds"
            }
            Refusal::ChallengesFull => {
                "too many challenges are open right now: try again in a minute"
            }
            Refusal::HashingBusy => "the server is busy checking passwords: try again shortly",
        }
    }
}

impl From<Refusal> for ApiErrorResponse {
    fn from(r: Refusal) -> Self {
        ApiErrorResponse::new(r.status(), r.code(), r.message()).with_retry_after(r.retry_after())
    }
}

/// The key an address is counted under: IPv4 as is (also when mapped into
/// IPv6), IPv6 by its /64, which one subscriber usually holds whole.
pub(crate) fn address_key(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// Checks between shrinking the limiter's table (keys idle long enough to
/// be back at a full burst are dropped).
const RETAIN_EVERY: u64 = 4096;

/// A per-address rate limit: `per_minute` requests as a burst, refilled
/// evenly over the minute.
#[derive(Debug)]
pub(crate) struct AddressLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl AddressLimiter {
    /// `per_minute` (at least 1) requests a minute per address key.
    pub(crate) fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        AddressLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// Count one request from `addr`, or refuse it with the wait.
    pub(crate) fn check(&self, addr: IpAddr) -> Result<(), Refusal> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % RETAIN_EVERY == RETAIN_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&address_key(addr))
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                Refusal::RateLimited {
                    retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                }
            })
    }
}

/// Slots for staff password hashes (Argon2 at 19 MiB each): at most this
/// many run at once; a login waits up to the queue time for one.
///
/// Each slot keeps its Argon2 working memory between hashes ([`HashSlot`]),
/// so the server holds at most `slots × 19 MiB` for hashing however many
/// logins come. Allocating the memory per hash instead left every 19 MiB
/// block in one of glibc's malloc arenas after use: a 96-client login flood
/// grew the process to 478 MiB and kept it there (docs/performance.md).
#[derive(Debug)]
pub(crate) struct HashSlots {
    slots: Arc<Semaphore>,
    count: usize,
    queue: Duration,
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

/// One password-hashing slot, held until dropped, with the slot's Argon2
/// working memory (empty until the first hash sizes it).
#[derive(Debug)]
pub(crate) struct HashSlot {
    _permit: OwnedSemaphorePermit,
    memory: Vec<Block>,
    pool: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl HashSlot {
    /// The slot's Argon2 blocks, kept for the slot's next holder.
    pub(crate) fn memory(&mut self) -> &mut Vec<Block> {
        &mut self.memory
    }
}

impl Drop for HashSlot {
    fn drop(&mut self) {
        let memory = std::mem::take(&mut self.memory);
        // One buffer per permit: the pool never holds more than `slots`.
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(memory);
        }
    }
}

impl HashSlots {
    /// `slots` (at least 1) concurrent hashes, waiting at most `queue`.
    pub(crate) fn new(slots: usize, queue: Duration) -> Self {
        HashSlots {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            count: slots.max(1),
            queue,
            memory: Arc::default(),
        }
    }

    fn slot(&self, permit: OwnedSemaphorePermit) -> HashSlot {
        let memory = self
            .memory
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default();
        HashSlot {
            _permit: permit,
            memory,
            pool: self.memory.clone(),
        }
    }

    /// A slot, held until dropped, or [`Refusal::HashingBusy`] after the
    /// queue wait.
    pub(crate) async fn acquire(&self) -> Result<HashSlot, Refusal> {
        match tokio::time::timeout(self.queue, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(self.slot(permit)),
            Ok(Err(_)) | Err(_) => Err(Refusal::HashingBusy),
        }
    }

    /// Every slot, until the permit is dropped (tests).
    pub(crate) async fn occupy_all(&self) -> Option<OwnedSemaphorePermit> {
        let n = u32::try_from(self.count).unwrap_or(u32::MAX);
        self.slots.clone().acquire_many_owned(n).await.ok()
    }

    /// A slot, however long it takes (for administrators setting passwords).
    pub(crate) async fn acquire_waiting(&self) -> Option<HashSlot> {
        let permit = self.slots.clone().acquire_owned().await.ok()?;
        Some(self.slot(permit))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::{address_key, AddressLimiter, HashSlots, Refusal};
    use std::time::Duration;

    #[tokio::test]
    async fn a_hashing_slots_memory_goes_to_the_next_holder_and_no_more_is_kept() {
        let slots = HashSlots::new(2, Duration::from_millis(10));
        let mut a = slots.acquire().await.unwrap();
        let mut b = slots.acquire().await.unwrap();
        assert_eq!(slots.acquire().await.unwrap_err(), Refusal::HashingBusy);
        a.memory().resize(3, argon2::Block::default());
        b.memory().resize(5, argon2::Block::default());
        drop(a);
        drop(b);
        let mut lens = Vec::new();
        for _ in 0..10 {
            let mut c = slots.acquire().await.unwrap();
            let mut d = slots.acquire().await.unwrap();
            let mut pair = [c.memory().len(), d.memory().len()];
            pair.sort_unstable();
            lens.push(pair);
        }
        // Every later pair of slots got the two buffers back, none new.
        assert!(lens.iter().all(|p| *p == [3, 5]), "{lens:?}");
        assert_eq!(slots.memory.lock().unwrap().len(), 2);
    }
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            address_key(ip("2001:db8:1:2:aaaa::1")),
            address_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            address_key(ip("2001:db8:1:2::1")),
            address_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(address_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(address_key(ip("192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn a_burst_then_refusal_per_address() {
        let l = AddressLimiter::per_minute(3);
        for _ in 0..3 {
            l.check(ip("192.0.2.1")).unwrap();
        }
        let Err(Refusal::RateLimited { retry_after }) = l.check(ip("192.0.2.1")) else {
            panic!("the fourth is refused");
        };
        assert!((1..=20).contains(&retry_after), "{retry_after}");
        // Another address has its own budget; the same /64 does not.
        l.check(ip("192.0.2.2")).unwrap();
        for _ in 0..3 {
            l.check(ip("2001:db8::1")).unwrap();
        }
        assert!(l.check(ip("2001:db8::ffff")).is_err());
    }

    #[test]
    fn codes_are_distinct_snake_case() {
        let all = [
            Refusal::RateLimited { retry_after: 1 },
            Refusal::ChallengesFull,
            Refusal::HashingBusy,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), all.len());
        assert!(codes
            .iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
    }
}
