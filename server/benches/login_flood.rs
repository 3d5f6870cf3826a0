//! Memory and `/health` latency of the server binary while 96 clients flood
//! `/staff/login` (issue 10 item 3: 32 clients took the server from 15 MB
//! to 3.5 GB, 96 clients to 6.8 GB with `/health` at 1.3–2.5 s).
//!
//! `cargo bench -p shiori-server --bench login_flood` starts the
//! `shiori-server` binary of the same build (release under `cargo bench`)
//! twice on a fresh SQLite file, each time for ~20 s of flood:
//!
//! * `hash cap only`: the per-address login limit set out of reach, so
//!   every attempt asks for an Argon2 hash and only the hashing slots
//!   (`limits.password_hashes`, default the cores) bound the work;
//! * `defaults`: the shipped `[limits]`, the 96 clients on 96 loopback
//!   addresses (127.0.0.10…), so the per-address limit applies to each.
//!
//! It samples the server's RSS (`/proc/PID/status`, VmRSS) every 50 ms and
//! times `GET /health` every 50 ms on its own connection, and prints the
//! peak RSS, `/health` p50/p99/max, and the login answers by status.
//! Figures go to docs/performance.md. `LOGIN_FLOOD_SECS` changes the
//! duration, `LOGIN_FLOOD_CLIENTS` the number of clients.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shiori_server::Config;

const PASSWORD: &str = "bench-admin-password-1";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start the server with `config` written to a file in `dir`.
fn start(dir: &std::path::Path, config: &Config) -> Child {
    let path = dir.join("shiori.toml");
    std::fs::write(&path, toml::to_string(config).unwrap()).unwrap();
    let bin = env!("CARGO_BIN_EXE_shiori-server");
    let status = Command::new(bin)
        .args(["add-staff", "--config", path.to_str().unwrap(), "admin"])
        .env("SHIORI_STAFF_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success() || dir.join("added").exists());
    std::fs::write(dir.join("added"), b"").unwrap();
    let child = Command::new(bin)
        .args(["serve", "--config", path.to_str().unwrap()])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(config.listen).is_err() {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Connect from `local` (a loopback address) to `server`.
fn connect_from(local: IpAddr, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(local, 0).into())?;
    socket.connect(&server.into())?;
    let s: TcpStream = socket.into();
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    Ok(s)
}

fn exchange(local: IpAddr, server: SocketAddr, request: &str) -> std::io::Result<String> {
    let mut s = connect_from(local, server)?;
    s.write_all(request.as_bytes())?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The pre-session cookie and CSRF token of the login form.
fn login_form(local: IpAddr, server: SocketAddr) -> (String, String) {
    let page = exchange(
        local,
        server,
        "GET /staff/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let cookie = page
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: shiori_staff_pre="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let end = page[start..].find('"').unwrap() + start;
    (cookie, page[start..end].to_owned())
}

fn status_of(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

struct Figures {
    peak_rss_mib: f64,
    health_ms: Vec<f64>,
    health_failures: usize,
    answers: BTreeMap<u16, u64>,
}

fn flood(label: &str, config: &Config, clients: u64, secs: u64, spread: bool) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let mut child = start(dir.path(), config);
    let pid = child.id();
    let server = config.listen;
    let idle_rss = rss_kib(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(BTreeMap::<u16, u64>::new()));
    let mut threads = Vec::new();
    for i in 0..clients {
        let stop = stop.clone();
        let answers = answers.clone();
        let local = if spread {
            IpAddr::V4(Ipv4Addr::new(
                127,
                0,
                (10 + i / 200) as u8,
                (10 + i % 200) as u8,
            ))
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        };
        threads.push(std::thread::spawn(move || {
            let (cookie, csrf) = login_form(local, server);
            let body = format!("csrf={csrf}&username=admin&password=wrong-password-{i}");
            let request = format!(
                "POST /staff/login HTTP/1.1\r\nHost: x\r\nCookie: shiori_staff_pre={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            while !stop.load(Ordering::Relaxed) {
                let status = exchange(local, server, &request)
                    .map(|a| status_of(&a))
                    .unwrap_or(0);
                *answers.lock().unwrap().entry(status).or_default() += 1;
            }
        }));
    }
    let started = Instant::now();
    let mut peak = idle_rss;
    let mut health_ms = Vec::new();
    let mut health_failures = 0;
    while started.elapsed() < Duration::from_secs(secs) {
        peak = peak.max(rss_kib(pid));
        let t = Instant::now();
        match exchange(
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
            server,
            "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ) {
            Ok(a) if status_of(&a) == 200 => health_ms.push(t.elapsed().as_secs_f64() * 1000.0),
            _ => health_failures += 1,
        }
        peak = peak.max(rss_kib(pid));
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let after = rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();
    eprintln!(
        "{label}: RSS idle {:.1} MiB, after the flood {:.1} MiB",
        idle_rss as f64 / 1024.0,
        after as f64 / 1024.0
    );
    let answers = answers.lock().unwrap().clone();
    Figures {
        peak_rss_mib: peak as f64 / 1024.0,
        health_ms,
        health_failures,
        answers,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(label: &str, mut f: Figures, clients: u64, secs: u64) {
    f.health_ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "login_flood [{label}] {clients} clients, {secs} s: peak RSS {:.1} MiB; /health p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} samples, {} failed); login answers by status {:?}",
        f.peak_rss_mib,
        percentile(&f.health_ms, 0.50),
        percentile(&f.health_ms, 0.99),
        f.health_ms.last().copied().unwrap_or(f64::NAN),
        f.health_ms.len(),
        f.health_failures,
        f.answers
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not run it.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let clients = env_num("LOGIN_FLOOD_CLIENTS", 96);
    let secs = env_num("LOGIN_FLOOD_SECS", 20);
    let base = |dir_db: &str| {
        let mut c = Config::test_defaults(dir_db, "http://127.0.0.1:8080");
        c.listen = SocketAddr::from(([127, 0, 0, 1], free_port()));
        c.public_origin = format!("http://{}", c.listen);
        c
    };
    let dir = tempfile::tempdir().unwrap();
    let mut cap_only = base(dir.path().join("a.db").to_str().unwrap());
    cap_only.limits.staff_logins_per_minute = 100_000;
    let f = flood("hash cap only", &cap_only, clients, secs, false);
    report("hash cap only", f, clients, secs);
    let defaults = base(dir.path().join("b.db").to_str().unwrap());
    let f = flood("defaults", &defaults, clients, secs, true);
    report("defaults", f, clients, secs);
}
