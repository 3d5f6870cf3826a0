//! Every unauthenticated path is bounded (issue 10 items 2–4 and part of 8),
//! checked against a real server on a loopback socket: slow and idle
//! connections are closed, connections over the cap wait, an oversized
//! `Content-Length` is 413 at once, challenges and staff logins are limited
//! per client address, `/metrics` is served only where configured. Waits
//! are on conditions with a deadline, never sleeps. Runs on PostgreSQL too
//! when `SHIORI_TEST_POSTGRES` is set.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use shiori_server::{Config, MetricsToken};

/// Far above every configured timeout in these tests: a bound, not a
/// speed claim.
const DEADLINE: Duration = Duration::from_secs(15);

struct Server {
    addr: SocketAddr,
    metrics: SocketAddr,
    task: tokio::task::JoinHandle<Result<(), shiori_server::StartError>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A server on 127.0.0.1:0 with `/metrics` on a second loopback port.
async fn server(adjust: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics_addr = metrics.local_addr().unwrap();
    let db = shiori_server::testing::test_database(dir.path())
        .await
        .unwrap();
    let mut config = Config::test_defaults(db, format!("http://{addr}"));
    adjust(&mut config);
    let (router, state) = shiori_server::build_app(config).await.unwrap();
    let task = tokio::spawn(async move {
        shiori_server::serve_app_with_listeners(listener, Some(metrics), router, &state).await
    });
    Server {
        addr,
        metrics: metrics_addr,
        task,
        _dir: dir,
    }
}

/// Connect (blocking) with a read deadline.
fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s
}

/// Read until the server closes the connection; `Err` if the deadline
/// passes first.
fn read_until_closed(s: &mut TcpStream) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(out),
            Err(e) => return Err(e),
        }
    }
}

/// Read one HTTP/1.1 response with a `Content-Length` (keep-alive).
fn read_response(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&out).into_owned();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let len = text[..head_end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if out.len() >= head_end + 4 + len {
                return text;
            }
        }
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed before a whole response: {text}");
        out.extend_from_slice(&buf[..n]);
    }
}

/// One request on a fresh connection (closed after it).
fn request(addr: SocketAddr, raw: &str) -> String {
    let mut s = connect(addr);
    s.write_all(raw.as_bytes()).unwrap();
    String::from_utf8(read_until_closed(&mut s).unwrap()).unwrap()
}

fn get(addr: SocketAddr, path: &str, extra: &str) -> String {
    request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n"),
    )
}

fn post_challenge(addr: SocketAddr, extra: &str) -> String {
    let body = r#"{"purpose":"register"}"#;
    request(
        addr,
        &format!(
            "POST /api/v1/challenges HTTP/1.1\r\nHost: x\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

fn status(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a response: {response:?}"))
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn metric(server: &Server, name: &str) -> u64 {
    let text = get(server.metrics, "/metrics", "");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Blocking work off the async runtime that serves.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_and_a_partial_header_are_closed_at_the_header_timeout() {
    let srv = server(|c| c.limits.header_read_timeout_secs = 1).await;
    let addr = srv.addr;
    blocking(move || {
        // Sends nothing at all.
        let mut silent = connect(addr);
        // Sends half a request line and stops.
        let mut partial = connect(addr);
        partial
            .write_all(b"GET /health HTTP/1.1\r\nHost: x")
            .unwrap();
        let started = Instant::now();
        read_until_closed(&mut silent).expect("the silent connection is closed");
        read_until_closed(&mut partial).expect("the partial header is closed");
        assert!(started.elapsed() < DEADLINE);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_is_closed_when_idle_between_requests() {
    let srv = server(|c| c.limits.header_read_timeout_secs = 1).await;
    let addr = srv.addr;
    blocking(move || {
        let mut s = connect(addr);
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let first = read_response(&mut s);
        assert_eq!(status(&first), 200, "{first}");
        // Keep-alive: the server waits for the next request, but not forever.
        read_until_closed(&mut s).expect("the idle kept-alive connection is closed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_coming_is_dropped_at_the_idle_timeout() {
    let srv = server(|c| c.limits.idle_timeout_secs = 1).await;
    let addr = srv.addr;
    blocking(move || {
        let mut s = connect(addr);
        // 40 bytes announced, 10 sent.
        s.write_all(
            b"POST /api/v1/challenges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"purpose\"",
        )
        .unwrap();
        let answer = read_until_closed(&mut s).expect("closed well before the 30 s request timeout");
        // Nothing, or a 4xx/5xx: never a challenge.
        let text = String::from_utf8_lossy(&answer);
        assert!(!text.contains(" 201 "), "{text}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_until_one_closes_and_are_counted() {
    let srv = server(|c| {
        c.limits.max_connections = 2;
        c.limits.header_read_timeout_secs = 60;
    })
    .await;
    let addr = srv.addr;
    // Two kept-alive connections, each served once, then idle: the cap.
    let (a, b) = blocking(move || {
        let open = || {
            let mut s = connect(addr);
            s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            assert_eq!(status(&read_response(&mut s)), 200);
            s
        };
        (open(), open())
    })
    .await;
    assert_eq!(metric(&srv, "shiori_connection_cap_reached_total"), 0);
    let mut third = blocking(move || {
        let mut s = connect(addr);
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        s
    })
    .await;
    // The accept loop is at the cap (the metric says so, from the other
    // listener): the third connection is not being served.
    let deadline = Instant::now() + DEADLINE;
    while metric(&srv, "shiori_connection_cap_reached_total") == 0 {
        assert!(Instant::now() < deadline, "the cap was never reached");
        tokio::task::yield_now().await;
    }
    third.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    let e = third.read(&mut buf).unwrap_err();
    assert_eq!(
        e.kind(),
        std::io::ErrorKind::WouldBlock,
        "answered over the cap"
    );
    third.set_nonblocking(false).unwrap();
    // One closes: the third is served.
    a.shutdown(std::net::Shutdown::Both).unwrap();
    drop(a);
    let answer =
        blocking(move || String::from_utf8(read_until_closed(&mut third).unwrap()).unwrap()).await;
    assert_eq!(status(&answer), 200, "{answer}");
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_content_length_is_413_without_waiting_for_the_body() {
    let srv = server(|_| {}).await;
    let addr = srv.addr;
    let answer = blocking(move || {
        let mut s = connect(addr);
        s.write_all(
            b"POST /api/v1/challenges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n",
        )
        .unwrap();
        // The deadline (15 s) is far below the 30 s request timeout that
        // used to answer 408.
        read_response(&mut s)
    })
    .await;
    assert_eq!(status(&answer), 413, "{answer}");
    assert!(answer.contains("\"code\":\"body_too_large\""), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn challenges_are_limited_per_client_address() {
    let srv = server(|c| {
        c.limits.challenges_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let addr = srv.addr;
    let (throttled, from_behind_proxy) = blocking(move || {
        for _ in 0..3 {
            let a = post_challenge(addr, "");
            assert_eq!(status(&a), 201, "{a}");
        }
        let throttled = post_challenge(addr, "");
        // Through the trusted proxy (the peer 127.0.0.1), another client.
        let from_behind_proxy = post_challenge(addr, "X-Forwarded-For: 203.0.113.9\r\n");
        (throttled, from_behind_proxy)
    })
    .await;
    assert_eq!(status(&throttled), 429, "{throttled}");
    assert!(
        throttled.contains("\"code\":\"rate_limited\""),
        "{throttled}"
    );
    // A resident's app shows the Japanese text.
    assert!(
        throttled.contains("\"message_ja\":\"短い時間に"),
        "{throttled}"
    );
    let retry: u64 = header(&throttled, "retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(status(&from_behind_proxy), 201, "{from_behind_proxy}");
    assert!(get(srv.metrics, "/metrics", "")
        .contains("shiori_rate_limited_total{endpoint=\"challenges\"} 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_for_header_from_an_untrusted_peer_changes_nothing() {
    let srv = server(|c| c.limits.challenges_per_minute = 2).await;
    let addr = srv.addr;
    let answers = blocking(move || {
        (0..3)
            .map(|i| post_challenge(addr, &format!("X-Forwarded-For: 198.51.100.{i}\r\n")))
            .collect::<Vec<_>>()
    })
    .await;
    assert_eq!(status(&answers[0]), 201);
    assert_eq!(status(&answers[1]), 201);
    assert_eq!(status(&answers[2]), 429, "{}", answers[2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_only_where_configured() {
    // Default: not on the public listener.
    let srv = server(|_| {}).await;
    let public = get(srv.addr, "/metrics", "");
    assert_eq!(status(&public), 404, "{public}");
    assert!(get(srv.metrics, "/metrics", "").contains("shiori_challenges_total"));
    // With a token: on the public listener, to that token only.
    let token = "metrics-token-0123456789";
    let srv = server(|c| c.metrics_token = Some(MetricsToken::new(token))).await;
    let addr = srv.addr;
    let (none, wrong, right) = blocking(move || {
        (
            get(addr, "/metrics", ""),
            get(
                addr,
                "/metrics",
                "Authorization: Bearer metrics-token-wrong-wrong\r\n",
            ),
            get(
                addr,
                "/metrics",
                &format!("Authorization: Bearer {token}\r\n"),
            ),
        )
    })
    .await;
    assert_eq!(status(&none), 401, "{none}");
    assert_eq!(status(&wrong), 401, "{wrong}");
    assert_eq!(status(&right), 200, "{right}");
    assert!(
        right.contains("shiori_connection_cap_reached_total"),
        "{right}"
    );
}

#[tokio::test]
async fn a_short_metrics_token_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::test_defaults(dir.path().join("shiori.db"), "http://127.0.0.1:8080");
    config.metrics_token = Some(MetricsToken::new("short"));
    assert!(shiori_server::build_app(config.clone()).await.is_err());
    config.metrics_token = None;
    config.limits.max_connections = 0;
    assert!(shiori_server::build_app(config).await.is_err());
}
