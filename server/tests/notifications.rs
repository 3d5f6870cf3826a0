//! Notices by email end to end, against a real SMTP server: aiosmtpd
//! (`scripts/aiosmtpd.sh` installs it in a venv on first use) with a
//! handler that writes every accepted message as JSON, decoded by Python's
//! email package (`scripts/smtp_sink.py`). Holds become ready on the demo
//! catalogue (`server/data/demo-catalogue.csv`) with seeded patrons and a
//! pinned clock; the sender runs through the real `SmtpMailer`.
//!
//! Without python3/venv/PyPI the SMTP tests print why and pass, except with
//! `CI=true`, where they fail. Runs on SQLite, or on PostgreSQL with
//! `SHIORI_TEST_POSTGRES`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{json, Value};
use shiori_server::holds::{receive_transit, sweep, trap_item, Trapped};
use shiori_server::notify::{deliver_due, spawn_sender, DeliveryReport, SmtpMailer};
use shiori_server::{build_app_with_clock, Clock, SmtpConfig, SmtpTls};
use sqlx::Row;
use tower::ServiceExt;

mod support {
    pub mod library;
}
use support::library::{library_with, Library, DAY, DEMO, NOW};

const HARRY_POTTER: &str = "Harry Potter and the Philosopher's Stone";

// ---------------------------------------------------------------------------
// The SMTP sink

/// The venv's python with aiosmtpd, installed once per test binary; `None`
/// (after saying why) when it cannot be had outside CI.
fn sink_python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = PYTHON.get_or_init(|| {
        let script = workspace().join("scripts/aiosmtpd.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} failed ({}): {}",
                script.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let python = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if python.is_file() {
            Ok(python)
        } else {
            Err(format!(
                "{} printed no python: {python:?}",
                script.display()
            ))
        }
    });
    match found {
        Ok(p) => Some(p.clone()),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("aiosmtpd is required in CI: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED: no SMTP sink (aiosmtpd): {why}");
            None
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A loopback port nothing listens on (just released by us).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// aiosmtpd on 127.0.0.1:`port`, writing each message to a directory.
struct Sink {
    child: Child,
    dir: tempfile::TempDir,
}

impl Sink {
    fn start(python: &Path, port: u16) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("aiosmtpd.log")).unwrap();
        let mut child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "smtp_sink.JsonDir"])
            .arg(dir.path().join("mail"))
            .env("PYTHONPATH", workspace().join("scripts"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        // Ready when the port takes connections; bounded, and it must not die.
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                let log = std::fs::read_to_string(dir.path().join("aiosmtpd.log")).unwrap();
                panic!("aiosmtpd exited ({status}):\n{log}");
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd not listening on {addr} after 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Sink { child, dir }
    }

    /// Every message received so far (the handler writes a file before it
    /// answers 250, so a sent mail is already here).
    fn messages(&self) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail")) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text of a received mail with `\n` line ends.
fn text(mail: &Value) -> String {
    mail["text"].as_str().unwrap().replace("\r\n", "\n")
}

// ---------------------------------------------------------------------------
// The library

fn smtp_to(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        from: "市立図書館 <library@example.jp>".into(),
        tls: SmtpTls::None,
        username: None,
        poll_secs: 1,
        timeout_secs: 10,
    }
}

/// A library whose `[smtp]` points at 127.0.0.1:`port`.
async fn library_mailing_to(port: u16) -> Library {
    library_with(|c| c.smtp = Some(smtp_to(port))).await
}

/// What the notification tests do with the shared library harness.
trait Mail {
    fn mailer(&self) -> SmtpMailer;
    /// Patrons: (session token, the patron as `/me` shows them).
    async fn patrons_with_me(&self, n: usize) -> Vec<(String, Value)>;
    /// Place a hold that must be accepted; the hold.
    async fn placed(&self, token: &str, title_id: i64, branch: &str) -> Value;
    async fn deliver(&self, mailer: &SmtpMailer) -> DeliveryReport;
    /// The outbox, one JSON object per row.
    async fn outbox(&self) -> Vec<Value>;
    async fn metric(&self, name: &str) -> Option<i64>;
}

impl Mail for Library {
    fn mailer(&self) -> SmtpMailer {
        SmtpMailer::new(self.config.smtp.as_ref().unwrap(), None).unwrap()
    }

    async fn patrons_with_me(&self, n: usize) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for t in self.patrons(n).await {
            let (s, me) = self.call(Method::GET, "/api/v1/me", None, Some(&t)).await;
            assert_eq!(s, StatusCode::OK, "{me}");
            out.push((t, me));
        }
        out
    }

    async fn placed(&self, token: &str, title_id: i64, branch: &str) -> Value {
        let (s, hold) = self.place(token, title_id, branch).await;
        assert_eq!(s, StatusCode::CREATED, "{hold}");
        hold
    }

    async fn deliver(&self, mailer: &SmtpMailer) -> DeliveryReport {
        deliver_due(&self.state, mailer, self.clock.now())
            .await
            .unwrap()
    }

    async fn outbox(&self) -> Vec<Value> {
        sqlx::query(
            "SELECT id, kind, patron_id, hold_id, recipient, subject, body, attempts, \
             next_attempt_at, last_error, sent_at FROM outbox ORDER BY created_at, id",
        )
        .fetch_all(self.state.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            json!({
                "id": r.get::<String, _>("id"),
                "kind": r.get::<String, _>("kind"),
                "patron_id": r.get::<String, _>("patron_id"),
                "hold_id": r.get::<String, _>("hold_id"),
                "recipient": r.get::<String, _>("recipient"),
                "subject": r.get::<String, _>("subject"),
                "body": r.get::<String, _>("body"),
                "attempts": r.get::<i64, _>("attempts"),
                "next_attempt_at": r.get::<i64, _>("next_attempt_at"),
                "last_error": r.get::<Option<String>, _>("last_error"),
                "sent_at": r.get::<Option<i64>, _>("sent_at"),
            })
        })
        .collect()
    }

    async fn metric(&self, name: &str) -> Option<i64> {
        let res = self
            .app
            .clone()
            .oneshot(
                Request::get("/metrics")
                    .header(
                        "authorization",
                        format!("Bearer {}", support::library::METRICS_TOKEN),
                    )
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")).map(str::to_owned))
            .map(|v| v.parse().unwrap())
    }
}

/// (ISBN, barcode) of the first `n` demo titles with a copy at `branch`.
fn copies_at(branch: &str, n: usize) -> Vec<(String, String)> {
    let text = std::str::from_utf8(DEMO).unwrap();
    let mut seen = BTreeSet::new();
    let out: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[8] == branch && seen.insert(f[0].to_owned()))
        .map(|f| (f[0].replace('-', ""), f[7].to_owned()))
        .take(n)
        .collect();
    assert_eq!(out.len(), n, "not enough titles at {branch}");
    out
}

/// (ISBN, barcode) of a demo title's copy at `branch`.
fn copy_of(title: &str, branch: &str) -> (String, String) {
    let text = std::str::from_utf8(DEMO).unwrap();
    let f: Vec<&str> = text
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f[1] == title && f[8] == branch)
        .unwrap_or_else(|| panic!("{title} has no copy at {branch}"));
    (f[0].replace('-', ""), f[7].to_owned())
}

fn ready_deadline(t: Trapped) -> i64 {
    match t {
        Trapped::Ready {
            pickup_deadline, ..
        } => pickup_deadline,
        other => panic!("not ready: {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// The cases

#[tokio::test]
async fn a_trapped_copy_mails_one_ready_notice_with_only_part_of_the_title() {
    let Some(python) = sink_python() else { return };
    let port = free_port();
    let sink = Sink::start(&python, port);
    let lib = library_mailing_to(port).await;
    let (isbn, barcode) = copy_of(HARRY_POTTER, "central");
    let title = lib.title_id(&isbn).await;
    let [(token, me)] = lib.patrons_with_me(1).await.try_into().unwrap();
    lib.placed(&token, title, "central").await;
    // Placing a hold mails nothing.
    assert!(lib.outbox().await.is_empty());

    let deadline = ready_deadline(trap_item(&lib.state, &barcode).await.unwrap());
    let mailer = lib.mailer();
    let report = lib.deliver(&mailer).await;
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(report.failed, 0);

    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let mail = &mails[0];
    let email = me["email"].as_str().unwrap();
    assert_eq!(mail["rcpt_tos"], json!([email]));
    assert!(mail["to"].as_str().unwrap().contains(email), "{mail}");
    assert_eq!(mail["mail_from"], "library@example.jp");
    assert!(
        mail["from"].as_str().unwrap().contains("市立図書館"),
        "{mail}"
    );
    let subject = mail["subject"].as_str().unwrap();
    assert!(
        subject.contains("ご予約の資料が用意できました"),
        "{subject}"
    );
    assert!(subject.contains("Your reserved item is ready"), "{subject}");
    assert_eq!(mail["content_type"], "text/plain");
    assert_eq!(mail["charset"], "utf-8");
    assert!(mail["message_id"]
        .as_str()
        .unwrap()
        .ends_with("@example.jp>"));

    let body = text(mail);
    // The deadline is the end of the 7th day (JST) after today: Dec 7th.
    assert_eq!(shiori_server::holds::library_date(deadline), "2026-12-07");
    for expected in [
        "Harry Pott…",
        "中央図書館",
        "Central Library",
        "2026-12-07",
        "受取館",
        "Pick up by",
    ] {
        assert!(body.contains(expected), "{expected:?} missing:\n{body}");
    }
    // Japanese first, then English.
    assert!(body.find("用意できました").unwrap() < body.find("is ready").unwrap());
    // Never the whole title, never the patron's name, anywhere in the message.
    let raw = mail["raw"].as_str().unwrap();
    for secret in [HARRY_POTTER, "Harry Potter", me["name"].as_str().unwrap()] {
        assert!(!body.contains(secret), "{secret:?} in the text:\n{body}");
        assert!(!subject.contains(secret), "{secret:?} in the subject");
        assert!(!raw.contains(secret), "{secret:?} in the raw message");
    }

    // The patron's data export shows the notice as it was mailed.
    let (status, export) = lib
        .call(Method::GET, "/api/v1/me/export", None, Some(&token))
        .await;
    assert_eq!(status, StatusCode::OK);
    let notices = export["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{export:#}");
    assert_eq!(notices[0]["kind"], "hold_ready");
    assert_eq!(notices[0]["recipient"], email);
    assert_eq!(notices[0]["subject"], subject);
    assert!(notices[0]["sent_at"].is_string());
    assert!(text(mail).contains(notices[0]["body"].as_str().unwrap().lines().next().unwrap()));

    // Sent once: the row is marked, a second run sends nothing.
    let rows = lib.outbox().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["kind"], "hold_ready");
    assert_eq!(rows[0]["sent_at"], NOW);
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(lib.deliver(&mailer).await, DeliveryReport::default());
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(lib.metric("shiori_notices_undelivered").await, Some(0));
    assert_eq!(lib.metric("shiori_notices_sent_total").await, Some(1));

    // Sent notices are deleted after 7 days.
    lib.clock.set(NOW + 7 * DAY + 1);
    shiori_server::notify::purge(&lib.state, NOW + 7 * DAY + 1)
        .await
        .unwrap();
    assert!(lib.outbox().await.is_empty());
}

#[tokio::test]
async fn a_copy_arriving_from_another_branch_mails_its_ready_notice() {
    let Some(python) = sink_python() else { return };
    let port = free_port();
    let sink = Sink::start(&python, port);
    let lib = library_mailing_to(port).await;
    let (isbn, barcode) = copy_of(HARRY_POTTER, "central");
    let title = lib.title_id(&isbn).await;
    let [(token, me)] = lib.patrons_with_me(1).await.try_into().unwrap();
    lib.placed(&token, title, "east").await;
    assert!(matches!(
        trap_item(&lib.state, &barcode).await.unwrap(),
        Trapped::InTransit { .. }
    ));
    // In transit is not ready: nothing to say yet.
    assert!(lib.outbox().await.is_empty());
    receive_transit(&lib.state, &barcode).await.unwrap();
    assert_eq!(lib.deliver(&lib.mailer()).await.sent, 1);
    let mails = sink.messages();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["rcpt_tos"], json!([me["email"]]));
    let body = text(&mails[0]);
    assert!(
        body.contains("東分館") && body.contains("East Branch"),
        "{body}"
    );
}

#[tokio::test]
async fn the_sweep_mails_one_deadline_soon_notice_per_hold() {
    let Some(python) = sink_python() else { return };
    let port = free_port();
    let sink = Sink::start(&python, port);
    let lib = library_mailing_to(port).await;
    let mailer = lib.mailer();
    let copies = copies_at("central", 2);
    let patrons = lib.patrons_with_me(2).await;
    let mut deadlines = Vec::new();
    for ((isbn, barcode), (token, _)) in copies.iter().zip(&patrons) {
        let title = lib.title_id(isbn).await;
        lib.placed(token, title, "central").await;
        deadlines.push(ready_deadline(
            trap_item(&lib.state, barcode).await.unwrap(),
        ));
    }
    assert_eq!(lib.deliver(&mailer).await.sent, 2);
    // Far from the deadline, the sweep has nothing to say.
    assert_eq!(sweep(&lib.state).await.unwrap().deadline_notices, 0);

    // One day before the deadline (default window: 2 days).
    lib.clock.set(deadlines[0] - DAY);
    let swept = sweep(&lib.state).await.unwrap();
    assert!(swept.expired.is_empty());
    assert_eq!(swept.deadline_notices, 2);
    assert_eq!(lib.deliver(&mailer).await.sent, 2);
    // Sweeping again (later the same day) queues and sends nothing more.
    lib.clock.advance(3600);
    assert_eq!(sweep(&lib.state).await.unwrap().deadline_notices, 0);
    assert_eq!(lib.deliver(&mailer).await, DeliveryReport::default());

    let mails = sink.messages();
    assert_eq!(mails.len(), 4, "2 ready + 2 deadline soon");
    let mut soon_per_recipient = BTreeMap::new();
    for m in &mails {
        if m["subject"]
            .as_str()
            .unwrap()
            .contains("取置期限が近づいています")
        {
            *soon_per_recipient
                .entry(m["rcpt_tos"][0].as_str().unwrap().to_owned())
                .or_insert(0) += 1;
            assert!(text(m).contains("2026-12-07"), "{}", text(m));
        }
    }
    let expected: BTreeMap<String, i32> = patrons
        .iter()
        .map(|(_, me)| (me["email"].as_str().unwrap().to_owned(), 1))
        .collect();
    assert_eq!(soon_per_recipient, expected);
}

#[tokio::test]
async fn a_hold_ready_inside_the_reminder_window_gets_no_second_notice() {
    // Central keeps copies 1 day: the "ready" notice already names a
    // deadline less than 2 days away.
    let lib = library_with(|c| c.branches[0].pickup_days = 1).await;
    let (isbn, barcode) = copy_of(HARRY_POTTER, "central");
    let title = lib.title_id(&isbn).await;
    let [(token, _)] = lib.patrons_with_me(1).await.try_into().unwrap();
    lib.placed(&token, title, "central").await;
    let deadline = ready_deadline(trap_item(&lib.state, &barcode).await.unwrap());
    lib.clock.set(deadline - 3600);
    assert_eq!(sweep(&lib.state).await.unwrap().deadline_notices, 0);
    let kinds: Vec<Value> = lib
        .outbox()
        .await
        .iter()
        .map(|r| r["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("hold_ready")]);
}

#[tokio::test]
async fn nothing_is_lost_while_the_mail_server_is_down() {
    let Some(python) = sink_python() else { return };
    let port = free_port(); // nothing listens there yet
    let lib = library_mailing_to(port).await;
    let mailer = lib.mailer();
    let (isbn, barcode) = copy_of(HARRY_POTTER, "central");
    let title = lib.title_id(&isbn).await;
    let [(token, me)] = lib.patrons_with_me(1).await.try_into().unwrap();
    lib.placed(&token, title, "central").await;
    trap_item(&lib.state, &barcode).await.unwrap();

    // Each failed attempt is counted and the next one waits twice as long.
    let mut now = NOW;
    for (attempt, wait) in [(1, 60), (2, 120), (3, 240), (4, 480), (5, 960)] {
        lib.clock.set(now);
        let report = lib.deliver(&mailer).await;
        assert_eq!(report.failed, 1, "attempt {attempt}: {report:?}");
        assert!(report.server_unavailable);
        let rows = lib.outbox().await;
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row["attempts"], attempt);
        assert_eq!(row["sent_at"], Value::Null);
        assert_eq!(row["next_attempt_at"], now + wait, "attempt {attempt}");
        let error = row["last_error"].as_str().unwrap();
        assert!(error.contains("unavailable"), "{error}");
        // Not due again before then.
        lib.clock.set(now + wait - 1);
        assert_eq!(lib.deliver(&mailer).await, DeliveryReport::default());
        now += wait;
    }
    assert_eq!(lib.metric("shiori_notices_undelivered").await, Some(1));
    assert_eq!(lib.metric("shiori_notices_failing").await, Some(1));
    assert_eq!(lib.metric("shiori_notice_failures_total").await, Some(5));

    // The mail server comes back: the notice goes out at its next try.
    let sink = Sink::start(&python, port);
    lib.clock.set(now);
    let report = lib.deliver(&mailer).await;
    assert_eq!(report.sent, 1, "{report:?}");
    let mails = sink.messages();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["rcpt_tos"], json!([me["email"]]));
    let row = &lib.outbox().await[0];
    assert_eq!(row["attempts"], 6);
    assert_eq!(row["sent_at"], now);
    assert_eq!(row["last_error"], Value::Null);
    assert_eq!(lib.metric("shiori_notices_undelivered").await, Some(0));
    assert_eq!(lib.metric("shiori_notices_failing").await, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_senders_mail_each_notice_once() {
    let Some(python) = sink_python() else { return };
    let port = free_port();
    let sink = Sink::start(&python, port);
    let lib = library_mailing_to(port).await;
    const N: usize = 8;
    let patrons = lib.patrons_with_me(N).await;
    for ((isbn, barcode), (token, _)) in copies_at("central", N).iter().zip(&patrons) {
        let title = lib.title_id(isbn).await;
        lib.placed(token, title, "central").await;
        trap_item(&lib.state, barcode).await.unwrap();
    }
    assert_eq!(lib.outbox().await.len(), N);

    // A second server instance on the same database, and two senders in each.
    let (_, other) = build_app_with_clock(lib.config.clone(), lib.clock.clone())
        .await
        .unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(4));
    let tasks: Vec<_> = [lib.state.clone(), lib.state.clone(), other.clone(), other]
        .into_iter()
        .map(|state| {
            let mailer = lib.mailer();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                deliver_due(&state, &mailer, NOW).await.unwrap()
            })
        })
        .collect();
    let mut sent = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.failed, 0, "{r:?}");
        sent += r.sent;
    }
    assert_eq!(sent as usize, N);
    let mails = sink.messages();
    let recipients: Vec<String> = mails
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned())
        .collect();
    let distinct: BTreeSet<&String> = recipients.iter().collect();
    assert_eq!(mails.len(), N, "{recipients:?}");
    assert_eq!(
        distinct.len(),
        N,
        "each patron exactly once: {recipients:?}"
    );
    let expected: BTreeSet<String> = patrons
        .iter()
        .map(|(_, me)| me["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        distinct.into_iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );
}

#[tokio::test]
async fn the_background_sender_mails_and_stops_on_request() {
    let Some(python) = sink_python() else { return };
    let port = free_port();
    let sink = Sink::start(&python, port);
    let lib = library_mailing_to(port).await;
    let sender = spawn_sender(
        &lib.state,
        Arc::new(lib.mailer()),
        Duration::from_millis(50),
    );
    let (isbn, barcode) = copy_of(HARRY_POTTER, "central");
    let title = lib.title_id(&isbn).await;
    let [(token, _)] = lib.patrons_with_me(1).await.try_into().unwrap();
    lib.placed(&token, title, "central").await;
    trap_item(&lib.state, &barcode).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.messages().is_empty() {
        assert!(Instant::now() < deadline, "no mail after 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::timeout(Duration::from_secs(30), sender.stop())
        .await
        .expect("the sender did not stop");
    assert_eq!(sink.messages().len(), 1);
    assert!(lib.outbox().await[0]["sent_at"].is_i64());
}

#[tokio::test]
async fn deleting_an_account_deletes_its_queued_notices() {
    // No [smtp]: notices wait in the outbox.
    let lib = library_with(|_| {}).await;
    let (isbn, barcode) = copy_of("雪国", "west");
    let title = lib.title_id(&isbn).await;
    let [(a, me_a), (b, me_b)] = lib.patrons_with_me(2).await.try_into().unwrap();
    lib.placed(&a, title, "west").await;
    lib.placed(&b, title, "west").await;
    trap_item(&lib.state, &barcode).await.unwrap();
    let rows = lib.outbox().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["patron_id"], me_a["id"]);
    assert_eq!(rows[0]["recipient"], me_a["email"]);
    assert_eq!(lib.metric("shiori_notices_undelivered").await, Some(1));

    let (s, _) = lib.call(Method::DELETE, "/api/v1/me", None, Some(&a)).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // A's notice is gone; the copy went to B, whose notice is queued.
    let rows = lib.outbox().await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["patron_id"], me_b["id"]);
    assert!(rows.iter().all(|r| r["recipient"] != me_a["email"]));

    // And the foreign key alone removes them too (a patron row deleted by hand).
    sqlx::query("DELETE FROM patrons WHERE id = $1")
        .bind(me_b["id"].as_str().unwrap())
        .execute(lib.state.db().pool())
        .await
        .unwrap();
    assert!(lib.outbox().await.is_empty());
}

#[tokio::test]
async fn a_notice_whose_hold_closed_before_sending_is_dropped_unsent() {
    let lib = library_with(|_| {}).await;
    let (isbn, barcode) = copy_of(HARRY_POTTER, "central");
    let title = lib.title_id(&isbn).await;
    let [(token, _)] = lib.patrons_with_me(1).await.try_into().unwrap();
    let hold = lib.placed(&token, title, "central").await;
    trap_item(&lib.state, &barcode).await.unwrap();
    assert_eq!(lib.outbox().await.len(), 1);
    let (s, _) = lib
        .call(
            Method::DELETE,
            &format!("/api/v1/me/holds/{}", hold["id"].as_str().unwrap()),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // The sender drops it without mailing (the mailer here reaches nothing).
    let mailer = SmtpMailer::new(&smtp_to(free_port()), None).unwrap();
    let report = deliver_due(&lib.state, &mailer, NOW).await.unwrap();
    assert_eq!(report.moot, 1, "{report:?}");
    assert_eq!(report.failed, 0);
    assert!(lib.outbox().await.is_empty());
}
