//! Shared by the PC/SC integration tests and the SELECT benchmark: find out
//! whether a real pcscd with the vpcd driver is there, and run
//! `shiori virtual-card` as a child process that is killed when dropped.
//!
//! Nothing here sleeps: every wait is on a real event (a line on the child's
//! stdout, a PC/SC reader state change) with a deadline.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shiori_core::pcsc;

/// The vpcd reader served on port 35963.
pub const READER_0: &str = "Virtual PCD 00 00";
/// The vpcd reader served on port 35964.
pub const READER_1: &str = "Virtual PCD 00 01";

/// JPKI AP SELECT: `00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01`.
pub const SELECT_JPKI: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];
/// SELECT of an AID no My Number Card has.
pub const SELECT_WRONG_AID: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x99,
];

/// How long a child may take to report "ready", and pcscd to show the card.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A card image from `test-vectors/cards/`.
pub fn card_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-vectors/cards")
        .join(format!("{name}.json"))
}

/// Whether this run must have the real PC/SC stack: in CI (`CI=true`) or when
/// `.ci/run` says it started one (`SHIORI_PCSC_AVAILABLE=1`).
pub fn pcsc_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("SHIORI_PCSC_AVAILABLE").is_ok_and(|v| v == "1")
}

/// `true` when pcscd answers and lists the vpcd readers. When they are
/// missing: panics if [`pcsc_required`], else explains and returns `false`
/// so the caller can skip on a developer machine without pcscd.
pub fn pcscd_with_vpcd(test: &str) -> bool {
    let problem = match pcsc::list_readers() {
        Ok(readers) if readers.iter().any(|r| r.name == READER_0) => return true,
        Ok(readers) => format!(
            "pcscd runs but has no vpcd reader (readers: {:?}); install vsmartcard-vpcd and restart pcscd",
            readers.iter().map(|r| &r.name).collect::<Vec<_>>()
        ),
        Err(e) => format!("pcscd is not reachable: {e}"),
    };
    if pcsc_required() {
        panic!(
            "{test}: {problem} (CI=true: the PC/SC stack is required; see docs/operations-ci.md)"
        );
    }
    eprintln!("SKIPPED {test}: {problem}. Run `bash .ci/run` or see docs/operations-ci.md.");
    false
}

/// A running `shiori virtual-card`; killed and reaped on drop.
pub struct VirtualCardProcess {
    child: Child,
    stderr: Arc<Mutex<String>>,
    /// The reader pcscd shows this card in.
    pub reader: &'static str,
}

impl VirtualCardProcess {
    /// Start serving `card` on vpcd `port` (35963 or 35964) and wait for the
    /// child's "ready" line, then for pcscd to report the card present.
    pub fn start(card: PathBuf, port: u16) -> Self {
        let reader = match port {
            35963 => READER_0,
            35964 => READER_1,
            other => panic!("no vpcd reader is configured on port {other}"),
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_shiori"))
            .args(["--lang", "en", "virtual-card", "--card"])
            .arg(&card)
            .args(["--vpcd-port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start `shiori virtual-card`");
        let stderr = Arc::new(Mutex::new(String::new()));
        collect(child.stderr.take().unwrap(), Arc::clone(&stderr));
        let (lines_tx, lines_rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut process = Self {
            child,
            stderr,
            reader,
        };
        match lines_rx.recv_timeout(DEADLINE) {
            Ok(line) if line == "ready" => {}
            Ok(other) => process.fail(&format!("printed {other:?} instead of \"ready\"")),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                process.fail(&format!("did not print \"ready\" within {DEADLINE:?}"))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                process.fail("exited before printing \"ready\"")
            }
        }
        if let Err(e) = pcsc::wait_for_card(Some(reader), DEADLINE) {
            process.fail(&format!("pcscd never showed the card in {reader:?}: {e}"));
        }
        process
    }

    fn fail(&mut self, what: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let stderr = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        panic!("`shiori virtual-card` {what}; its stderr:\n{stderr}");
    }
}

impl Drop for VirtualCardProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(mut from: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut s) = into.lock() {
                s.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    });
}
