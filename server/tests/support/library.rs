//! The in-process library harness shared by `library.rs`, `circulation.rs`,
//! `notifications.rs` and `staff.rs`: a server on the demo catalogue with a pinned clock,
//! seeded patrons, and JSON calls through the router.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use shiori_server::{build_app_with_clock, AppState, Config, ManualClock};
use tower::ServiceExt;

/// 2026-11-30T01:00:00Z = 10:00 JST on 2026-11-30.
pub const NOW: i64 = 1_796_000_400;
pub const DAY: i64 = 86_400;
/// `/metrics` is served on the public router only to this bearer token.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123";
pub const DEMO: &[u8] = shiori_server::import::DEMO_CATALOGUE;

pub struct Library {
    pub app: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    /// The configuration the server was built from.
    pub config: Config,
    _dir: tempfile::TempDir,
}

pub async fn library_with(adjust: impl FnOnce(&mut Config)) -> Library {
    let dir = tempfile::tempdir().unwrap();
    let db = shiori_server::testing::test_database(dir.path())
        .await
        .unwrap();
    let mut config = Config::test_defaults(db, "http://127.0.0.1:8080");
    config.metrics_token = Some(shiori_server::MetricsToken::new(METRICS_TOKEN));
    adjust(&mut config);
    let clock = Arc::new(ManualClock::new(NOW));
    let (app, state) = build_app_with_clock(config.clone(), clock.clone())
        .await
        .unwrap();
    let report = shiori_server::import::import_csv(&state, DEMO)
        .await
        .unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    Library {
        app,
        state,
        clock,
        config,
        _dir: dir,
    }
}

pub async fn library() -> Library {
    library_with(|_| {}).await
}

impl Library {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        call(&self.app, method, path, body, token).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None, None).await
    }

    /// Titles found for `q` (URL-encoded here), by title text.
    pub async fn search(&self, q: &str) -> Vec<String> {
        let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        let (status, body) = self
            .get(&format!("/api/v1/titles?q={q}&per_page=100"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["titles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn title_id(&self, isbn: &str) -> i64 {
        let (_, body) = self.get(&format!("/api/v1/titles?q={isbn}")).await;
        assert_eq!(body["total"], 1, "{isbn}: {body}");
        body["titles"][0]["id"].as_i64().unwrap()
    }

    pub async fn place(&self, token: &str, title_id: i64, branch: &str) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/api/v1/me/holds",
            Some(json!({"title_id": title_id, "pickup_branch": branch})),
            Some(token),
        )
        .await
    }

    pub async fn holds(&self, token: &str) -> Vec<Value> {
        let (status, body) = self
            .call(Method::GET, "/api/v1/me/holds", None, Some(token))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["holds"].as_array().unwrap().clone()
    }

    pub async fn patrons(&self, n: usize) -> Vec<String> {
        shiori_server::testing::seed_patrons(&self.state, n)
            .await
            .unwrap()
    }
}

pub async fn call(
    app: &Router,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(v) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&v).unwrap())),
        None => req.body(Body::empty()),
    };
    let res = app.clone().oneshot(req.unwrap()).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)))
    };
    (status, value)
}

/// ISBN-13 of a demo title, from the CSV (so the test does not restate it).
pub fn demo_isbn(title: &str) -> String {
    let text = std::str::from_utf8(DEMO).unwrap();
    let line = text
        .lines()
        .find(|l| l.split(',').nth(1) == Some(title))
        .unwrap_or_else(|| panic!("{title} not in the demo catalogue"));
    line.split(',').next().unwrap().replace('-', "")
}

/// The ISBN-10 form of a 978 ISBN-13.
pub fn isbn10(isbn13: &str) -> String {
    let body = &isbn13[3..12];
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(i, c)| (10 - i as u32) * c.to_digit(10).unwrap())
        .sum();
    let check = (11 - sum % 11) % 11;
    let check = if check == 10 {
        "X".to_owned()
    } else {
        check.to_string()
    };
    format!("{body}{check}")
}
