//! SELECT round trips through the real PC/SC stack: this process →
//! libpcsclite → pcscd → vpcd driver → TCP → `shiori virtual-card` and back.
//!
//! Run with `cargo bench -p shiori-cli --bench pcsc_select` while pcscd with
//! vsmartcard-vpcd is running (see docs/operations-ci.md). Prints median, p99
//! and max over `SHIORI_BENCH_ITERATIONS` (default 2000) round trips. A figure
//! near 40 ms means `TCP_QUICKACK` is not taking effect. Not a test: nothing
//! here asserts on time.

#![allow(clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use shiori_core::pcsc::PcscTransport;
use shiori_core::Transport;
use support::{card_path, VirtualCardProcess, SELECT_JPKI};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // else we use. Either way, run only with a PC/SC stack.
    if !support::pcscd_with_vpcd("pcsc_select bench") {
        return;
    }
    let iterations: usize = std::env::var("SHIORI_BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let card = VirtualCardProcess::start(card_path("tanaka-hanako"), 35963);
    let mut transport = PcscTransport::connect(card.reader).unwrap();
    let mut flow = transport.transaction().unwrap();

    for _ in 0..50 {
        assert_eq!(flow.transmit(&SELECT_JPKI).unwrap(), [0x90, 0x00]);
    }
    let mut times = Vec::with_capacity(iterations);
    let started = Instant::now();
    for _ in 0..iterations {
        let t = Instant::now();
        let response = flow.transmit(&SELECT_JPKI).unwrap();
        times.push(t.elapsed());
        assert_eq!(response, [0x90, 0x00]);
    }
    let total = started.elapsed();
    times.sort();
    println!(
        "pcsc_select: {iterations} SELECT round trips via pcscd+vpcd: \
         median {:?}, p99 {:?}, max {:?}, min {:?}, total {:?} ({:.0} APDU/s)",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
        times[0],
        total,
        iterations as f64 / total.as_secs_f64()
    );
}
