//! The staff console through the router, in process: login and lockout,
//! sessions and their cookies, roles, CSRF, the desk (scan, checkout,
//! return, transit), the lists, the sweep, the audit log, escaping.
//! Runs on PostgreSQL too when `SHIORI_TEST_POSTGRES` is set.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use sha2::{Digest, Sha256};
use shiori_server::staff::{add_staff, Password, Role};
use sqlx::Row;
use tower::ServiceExt;

mod support {
    pub mod library;
}
use support::library::{demo_isbn, library, library_with, Library, DAY};

const ADMIN_PW: &str = "admin-password-1";
const STAFF_PW: &str = "staff-password-1";

/// One answer: status, the headers that matter, the body as text.
#[derive(Debug)]
struct Page {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Page {
    /// The CSRF token of the first form on the page.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no csrf field in {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }

    fn contains(&self, s: &str) -> bool {
        self.body.contains(s)
    }

    /// Whether `raw` appears HTML-escaped (named or numeric references).
    fn contains_escaped(&self, raw: &str) -> bool {
        let named = raw
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        let numeric = raw
            .replace('&', "&#38;")
            .replace('<', "&#60;")
            .replace('>', "&#62;")
            .replace('"', "&#34;");
        self.body.contains(&named) || self.body.contains(&numeric)
    }

    /// The page's notice text (the `<p class="notice …">`).
    fn notice(&self) -> String {
        let Some(i) = self.body.find("class=\"notice") else {
            return String::new();
        };
        let start = self.body[i..].find('>').unwrap() + i + 1;
        let end = self.body[start..].find("</p>").unwrap() + start;
        self.body[start..end].to_owned()
    }
}

/// A browser with a cookie jar, talking to the router in process.
struct Browser {
    app: Router,
    jar: BTreeMap<String, String>,
    origin: Option<String>,
    sec_fetch_site: Option<String>,
}

impl Browser {
    fn new(lib: &Library) -> Self {
        Browser {
            app: lib.app.clone(),
            jar: BTreeMap::new(),
            origin: None,
            sec_fetch_site: None,
        }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<String>) -> Page {
        let mut req = Request::builder().method(method).uri(path);
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(header::COOKIE, cookies.join("; "));
        }
        if let Some(o) = &self.origin {
            req = req.header(header::ORIGIN, o);
        }
        if let Some(s) = &self.sec_fetch_site {
            req = req.header("sec-fetch-site", s);
        }
        let req = match form {
            Some(f) => req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(f)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let set_cookies: Vec<String> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for c in &set_cookies {
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || v.is_empty() {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.to_owned(), v.to_owned());
            }
        }
        let location = headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Page {
            status,
            location,
            set_cookies,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(Method::POST, path, Some(body)).await
    }

    /// POST a form with the CSRF token of the page at `form_page`.
    async fn submit(&mut self, form_page: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(form_page).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    async fn login(&mut self, user: &str, password: &str) -> Page {
        self.submit(
            "/staff/login",
            "/staff/login",
            &[("username", user), ("password", password)],
        )
        .await
    }

    async fn logged_in(lib: &Library, user: &str, password: &str) -> Browser {
        let mut b = Browser::new(lib);
        let page = b.login(user, password).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/staff/desk"));
        b
    }
}

async fn staff_library() -> Library {
    let lib = library().await;
    add_users(&lib).await;
    lib
}

/// A staff library whose per-address login limit does not interfere (all
/// in-process requests come from one unknown address).
async fn unthrottled_staff_library() -> Library {
    let lib = library_with(|c| c.limits.staff_logins_per_minute = 1000).await;
    add_users(&lib).await;
    lib
}

async fn add_users(lib: &Library) {
    add_staff(
        &lib.state,
        "admin",
        Role::Admin,
        Password::new(ADMIN_PW.into()),
    )
    .await
    .unwrap();
    add_staff(
        &lib.state,
        "sato",
        Role::Staff,
        Password::new(STAFF_PW.into()),
    )
    .await
    .unwrap();
}

async fn count(lib: &Library, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(lib.state.db().pool())
        .await
        .unwrap()
}

/// A seeded patron's card number (digits) and session token.
async fn patron(lib: &Library) -> (String, String) {
    let [token] = lib.patrons(1).await.try_into().unwrap();
    let (_, me) = lib
        .call(Method::GET, "/api/v1/me", None, Some(&token))
        .await;
    (me["card_number"].as_str().unwrap().to_owned(), token)
}

async fn barcode_of(lib: &Library, title: &str, branch: &str) -> String {
    let id = lib.title_id(&demo_isbn(title)).await;
    let (_, t) = lib.get(&format!("/api/v1/titles/{id}")).await;
    t["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["branch"] == branch)
        .unwrap_or_else(|| panic!("{title} has no copy at {branch}: {t}"))["barcode"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn cookie<'a>(page: &'a Page, name: &str) -> &'a str {
    page.set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", page.set_cookies))
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_stores_only_a_hash() {
    let lib = staff_library().await;
    let mut b = Browser::new(&lib);
    // Not logged in: every page leads to the login form.
    let page = b.get("/staff/desk").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/staff/login"));

    let form = b.get("/staff/login").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.contains("<html lang=\"ja\">"), "{}", form.body);
    assert!(form.contains("autocomplete=\"current-password\""));
    for (name, value) in [
        ("content-security-policy", "script-src"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        let v = form.headers[name].to_str().unwrap();
        if name == "content-security-policy" {
            assert!(
                v.contains("default-src 'none'") && !v.contains(value),
                "{v}"
            );
        } else {
            assert_eq!(v, value);
        }
    }

    let page = b.login("admin", ADMIN_PW).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let c = cookie(&page, "shiori_staff");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/staff"] {
        assert!(c.contains(attr), "{c}");
    }
    assert!(!c.contains("Secure"), "http origin: no Secure flag: {c}");
    let token = c
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("shiori_staff=")
        .to_owned();
    assert!(token.len() >= 43, "256-bit token: {token}");
    let rows = sqlx::query("SELECT token_hash FROM staff_sessions")
        .fetch_all(lib.state.db().pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let stored: Vec<u8> = rows[0].try_get("token_hash").unwrap();
    assert_eq!(stored, Sha256::digest(token.as_bytes()).to_vec());

    let desk = b.get("/staff/desk").await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.contains("id=\"card\""));
    assert!(desk.contains("autofocus"), "the scan field is focused");
    assert!(desk.contains("class=\"skip\" href=\"#main\""));
    assert!(desk.contains("<label for=\"card\">"));
    assert!(!desk.contains("<script"), "no script on any page");

    // The stored hash does not work as a cookie.
    let mut thief = Browser::new(&lib);
    thief
        .jar
        .insert("shiori_staff".into(), hex::encode(&stored));
    assert_eq!(thief.get("/staff/desk").await.status, StatusCode::SEE_OTHER);

    // Logout ends the session on the server, not just in the browser.
    let page = b.submit("/staff/desk", "/staff/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(cookie(&page, "shiori_staff").contains("Max-Age=0"));
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM staff_sessions").await, 0);
    let mut replay = Browser::new(&lib);
    replay.jar.insert("shiori_staff".into(), token);
    assert_eq!(
        replay.get("/staff/desk").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn cookies_are_secure_on_an_https_origin() {
    let lib = library_with(|c| c.public_origin = "https://library.example.jp".into()).await;
    add_users(&lib).await;
    let mut b = Browser::new(&lib);
    let form = b.get("/staff/login").await;
    assert!(cookie(&form, "shiori_staff_pre").contains("; Secure"));
    let page = b.login("sato", STAFF_PW).await;
    assert!(cookie(&page, "shiori_staff").contains("; Secure"));
    // A browser on another origin cannot post, even with the cookie.
    b.origin = Some("https://evil.example".into());
    let page = b
        .submit("/staff/desk", "/staff/desk", &[("card", "x")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    b.origin = Some("https://library.example.jp".into());
    let page = b
        .submit("/staff/desk", "/staff/desk", &[("card", "x")])
        .await;
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "served: {}",
        page.body
    );
    // Under Referrer-Policy: no-referrer browsers send `Origin: null` on a
    // form POST: the token decides.
    b.origin = Some("null".into());
    let page = b
        .submit("/staff/desk", "/staff/desk", &[("card", "x")])
        .await;
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "served: {}",
        page.body
    );
    b.sec_fetch_site = Some("cross-site".into());
    let page = b
        .submit("/staff/desk", "/staff/desk", &[("card", "x")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    b.sec_fetch_site = Some("same-origin".into());
    let page = b
        .submit("/staff/desk", "/staff/desk", &[("card", "x")])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bad_logins_look_the_same_for_known_and_unknown_names() {
    let lib = staff_library().await;
    let mut b = Browser::new(&lib);
    let wrong = b.login("admin", "wrong-password-1").await;
    let unknown = b.login("nobody", "wrong-password-1").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(wrong.notice(), "ユーザー名またはパスワードが違います。");
    assert_eq!(unknown.notice(), wrong.notice());
    assert!(wrong
        .set_cookies
        .iter()
        .all(|c| !c.starts_with("shiori_staff=")));
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM staff_sessions").await, 0);
    // User names are case-insensitive; the password is not.
    assert_eq!(
        b.login("ADMIN", &ADMIN_PW.to_uppercase()).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.login(" Admin ", ADMIN_PW).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn five_failures_lock_the_name_for_fifteen_minutes() {
    // The per-name lockout alone: the per-address limit is out of the way.
    let lib = unthrottled_staff_library().await;
    let mut b = Browser::new(&lib);
    for _ in 0..5 {
        assert_eq!(
            b.login("admin", "wrong-password-1").await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            b.login("ghost", "wrong-password-1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Locked: even the right password is refused, and an unknown name is
    // locked the same way.
    let locked = b.login("admin", ADMIN_PW).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
    assert!(locked.notice().contains("ロック"), "{}", locked.notice());
    assert_eq!(b.login("ghost", ADMIN_PW).await.notice(), locked.notice());
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM staff_sessions").await, 0);
    // Another account is not affected.
    assert_eq!(
        b.login("sato", STAFF_PW).await.status,
        StatusCode::SEE_OTHER
    );

    lib.clock.advance(15 * 60 - 1);
    assert_eq!(
        Browser::new(&lib).login("admin", ADMIN_PW).await.status,
        StatusCode::UNAUTHORIZED
    );
    lib.clock.advance(1);
    assert_eq!(
        Browser::new(&lib).login("admin", ADMIN_PW).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn failures_outside_the_window_do_not_add_up() {
    // The per-name lockout alone: the per-address limit is out of the way.
    let lib = unthrottled_staff_library().await;
    let mut b = Browser::new(&lib);
    for _ in 0..4 {
        b.login("admin", "wrong-password-1").await;
    }
    lib.clock.advance(15 * 60);
    for _ in 0..4 {
        b.login("admin", "wrong-password-1").await;
    }
    assert_eq!(
        b.login("admin", ADMIN_PW).await.status,
        StatusCode::SEE_OTHER
    );
    // A success clears the count.
    let mut c = Browser::new(&lib);
    for _ in 0..4 {
        c.login("admin", "wrong-password-1").await;
    }
    assert_eq!(
        c.login("admin", ADMIN_PW).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_absolute_end() {
    let lib = staff_library().await;
    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    lib.clock.advance(29 * 60);
    assert_eq!(b.get("/staff/desk").await.status, StatusCode::OK);
    lib.clock.advance(30 * 60);
    assert_eq!(
        b.get("/staff/desk").await.status,
        StatusCode::SEE_OTHER,
        "idle"
    );
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM staff_sessions").await, 0);

    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    // Busy all day: used every 20 minutes, it still ends after 12 hours.
    for _ in 0..35 {
        lib.clock.advance(20 * 60);
        assert_eq!(b.get("/staff/desk").await.status, StatusCode::OK);
    }
    lib.clock.advance(20 * 60);
    assert_eq!(
        b.get("/staff/desk").await.status,
        StatusCode::SEE_OTHER,
        "absolute end"
    );
}

#[tokio::test]
async fn staff_cannot_see_the_audit_log_or_manage_accounts() {
    let lib = staff_library().await;
    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    let desk = b.get("/staff/desk").await;
    assert!(!desk.contains("/staff/audit"), "no admin links for staff");
    assert_eq!(b.get("/staff/audit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/staff/accounts").await.status, StatusCode::FORBIDDEN);
    let page = b
        .submit(
            "/staff/desk",
            "/staff/accounts",
            &[
                ("username", "mallory"),
                ("role", "admin"),
                ("password", "mallory-password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = b
        .submit(
            "/staff/desk",
            "/staff/accounts/password",
            &[("username", "admin"), ("password", "mallory-password")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM staff_users").await, 2);
    assert_eq!(
        Browser::new(&lib)
            .login("admin", "mallory-password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Staff do run the expiry sweep.
    assert_eq!(b.get("/staff/sweep").await.status, StatusCode::OK);
    let page = b.submit("/staff/sweep", "/staff/sweep", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

#[tokio::test]
async fn admin_creates_accounts_and_resets_passwords() {
    let lib = staff_library().await;
    let mut admin = Browser::logged_in(&lib, "admin", ADMIN_PW).await;
    let page = admin
        .submit(
            "/staff/accounts?lang=en",
            "/staff/accounts",
            &[
                ("username", "Suzuki"),
                ("role", "staff"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.notice(), "Passwords need at least 12 characters.");
    let page = admin
        .submit(
            "/staff/accounts",
            "/staff/accounts",
            &[
                ("username", "Suzuki"),
                ("role", "staff"),
                ("password", "suzuki-password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("<td>suzuki</td>"));
    let page = admin
        .submit(
            "/staff/accounts",
            "/staff/accounts",
            &[
                ("username", "suzuki"),
                ("role", "admin"),
                ("password", "suzuki-password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM staff_users WHERE username = 'suzuki'")
            .fetch_one(lib.state.db().pool())
            .await
            .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains("suzuki-password"));

    let mut suzuki = Browser::logged_in(&lib, "suzuki", "suzuki-password").await;
    let page = admin
        .submit(
            "/staff/accounts",
            "/staff/accounts/password",
            &[("username", "suzuki"), ("password", "a-new-password-2")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The reset ended suzuki's session; only the new password works.
    assert_eq!(
        suzuki.get("/staff/desk").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        Browser::new(&lib)
            .login("suzuki", "suzuki-password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    Browser::logged_in(&lib, "suzuki", "a-new-password-2").await;

    let audit = admin.get("/staff/audit?lang=en").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.contains("created staff account"));
    assert!(audit.contains("reset password"));
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let lib = staff_library().await;
    let (card, _) = patron(&lib).await;
    let item = barcode_of(&lib, "雪国", "west").await;
    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    let mut other = Browser::logged_in(&lib, "admin", ADMIN_PW).await;
    let foreign = other.get("/staff/desk").await.csrf();
    let own = b.get("/staff/desk").await.csrf();
    assert_ne!(own, foreign, "one token per session");

    let form = [("card", card.as_str()), ("item", item.as_str())];
    for csrf in [None, Some(""), Some("forged"), Some(foreign.as_str())] {
        let mut fields = form.to_vec();
        if let Some(t) = csrf {
            fields.push(("csrf", t));
        }
        let page = b.post("/staff/desk/checkout", &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{csrf:?}");
        assert!(page.contains("csrf_rejected"));
        let page = b.post("/staff/desk/return", &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = b.post("/staff/desk", &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = b.post("/staff/logout", &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        count(&lib, "SELECT COUNT(*) FROM loans").await,
        0,
        "no loan"
    );
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM staff_audit").await, 0);
    assert_eq!(
        b.get("/staff/desk").await.status,
        StatusCode::OK,
        "still logged in"
    );

    // With its own token the same form works.
    let mut fields = form.to_vec();
    fields.push(("csrf", own.as_str()));
    let page = b.post("/staff/desk/checkout", &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM loans").await, 1);

    // The login form is protected too.
    let mut fresh = Browser::new(&lib);
    fresh.get("/staff/login").await;
    let page = fresh
        .post(
            "/staff/login",
            &[("username", "sato"), ("password", STAFF_PW)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page
        .set_cookies
        .iter()
        .all(|c| !c.starts_with("shiori_staff=")));
}

#[tokio::test]
async fn scan_return_shelf_checkout_at_the_desk() {
    let lib = staff_library().await;
    let (card, token) = patron(&lib).await;
    let title = lib.title_id(&demo_isbn("雪国")).await;
    let item = barcode_of(&lib, "雪国", "west").await;
    let (s, _) = lib.place(&token, title, "west").await;
    assert_eq!(s, StatusCode::CREATED);
    let human = lib
        .state
        .card_number_scheme()
        .parse(&card)
        .unwrap()
        .human_readable();
    let payload = lib
        .state
        .card_number_scheme()
        .parse(&card)
        .unwrap()
        .barcode_payload();

    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    // The copy is pulled from the shelf (pick list) and scanned at the
    // return field: it is set aside for the patron.
    let pick = b.get("/staff/pick-list?branch=west&lang=en").await;
    assert!(pick.contains(&format!("<td>{item}</td>")), "{}", pick.body);
    let page = b
        .submit("/staff/desk", "/staff/desk/return", &[("item", &item)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.notice()
            .contains(&format!("To the hold shelf for card {human}")),
        "{}",
        page.notice()
    );
    assert!(page.body.contains("id=\"return\"") && page.body.contains("autofocus"));
    let shelf = b.get("/staff/shelf?branch=west").await;
    assert!(
        shelf.contains(&format!("<td>{human}</td>")),
        "{}",
        shelf.body
    );
    assert!(!shelf.contains("pickup expired"));
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM staff_audit").await, 0);

    // Scan the card as the scanner types it (start/stop characters).
    let page = b
        .submit("/staff/desk", "/staff/desk", &[("card", &payload)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("テスト　利用者"), "the name: {}", page.body);
    assert!(page.contains(&human));
    assert!(
        page.contains("id=\"ready\""),
        "the ready hold: {}",
        page.body
    );
    assert!(page.contains("<td>雪国</td><td>West Branch</td><td>2026-12-10</td>"));
    assert!(page.contains("id=\"item\"") && page.body.contains("autofocus"));
    let rows = sqlx::query("SELECT staff_username, action, patron_id, at FROM staff_audit")
        .fetch_all(lib.state.db().pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].try_get::<String, _>("staff_username").unwrap(),
        "sato"
    );
    assert_eq!(
        rows[0].try_get::<String, _>("action").unwrap(),
        "view_patron"
    );
    let (_, me) = lib
        .call(Method::GET, "/api/v1/me", None, Some(&token))
        .await;
    assert_eq!(
        rows[0]
            .try_get::<Option<String>, _>("patron_id")
            .unwrap()
            .as_deref(),
        me["id"].as_str()
    );
    assert_eq!(rows[0].try_get::<i64, _>("at").unwrap(), lib.state.now());

    // Check the ready copy out to the patron through the form.
    let page = b
        .submit(
            "/staff/desk",
            "/staff/desk/checkout",
            &[("card", &card), ("item", &item)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.notice().starts_with("Checked out: 雪国"),
        "{}",
        page.notice()
    );
    assert!(page.contains("id=\"loans\""));
    assert!(!page.contains("id=\"ready\""));
    assert_eq!(lib.holds(&token).await[0]["state"], "filled");
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM loans").await, 1);
    assert!(!b.get("/staff/shelf?branch=west").await.contains(&human));
    assert_eq!(
        count(
            &lib,
            "SELECT COUNT(*) FROM staff_audit WHERE action = 'checkout'"
        )
        .await,
        1
    );

    // Returned: nobody waits, back to the shelf; the loan is gone.
    let page = b
        .submit("/staff/desk", "/staff/desk/return", &[("item", &item)])
        .await;
    assert!(
        page.notice().starts_with("Returned: Back to the shelf"),
        "{}",
        page.notice()
    );
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM loans").await, 0);

    // The audit log shows who opened which card, without titles.
    let mut admin = Browser::logged_in(&lib, "admin", ADMIN_PW).await;
    let audit = admin.get("/staff/audit?lang=en").await;
    assert!(
        audit.contains("<td>sato</td><td>viewed patron</td>"),
        "{}",
        audit.body
    );
    assert!(audit.contains(&human));
    assert!(!audit.contains("雪国"), "no titles in the audit log");
}

#[tokio::test]
async fn a_copy_from_another_branch_travels_and_is_received() {
    let lib = staff_library().await;
    let (card, token) = patron(&lib).await;
    let human = lib
        .state
        .card_number_scheme()
        .parse(&card)
        .unwrap()
        .human_readable();
    // 坊っちゃん has a copy at central only; the patron picks up at east.
    let title = lib.title_id(&demo_isbn("坊っちゃん")).await;
    let item = barcode_of(&lib, "坊っちゃん", "central").await;
    lib.place(&token, title, "east").await;
    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    b.get("/staff/desk?lang=en").await;
    let page = b
        .submit("/staff/desk", "/staff/desk/return", &[("item", &item)])
        .await;
    assert!(
        page.notice().contains("Send to East Branch"),
        "{}",
        page.notice()
    );
    let page = b
        .submit("/staff/desk", "/staff/desk/return", &[("item", &item)])
        .await;
    assert!(
        page.notice()
            .starts_with(&format!("Arrived: To the hold shelf for card {human}")),
        "{}",
        page.notice()
    );
    assert!(b.get("/staff/shelf?branch=east").await.contains(&human));
}

#[tokio::test]
async fn desk_mistakes_show_a_message_and_change_nothing() {
    let lib = staff_library().await;
    let (card, _) = patron(&lib).await;
    let item = barcode_of(&lib, "雪国", "west").await;
    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    b.get("/staff/desk?lang=en").await;

    let nobody = lib
        .state
        .card_number_scheme()
        .issue_at_or_after(900)
        .unwrap()
        .1
        .human_readable();
    let page = b
        .submit("/staff/desk", "/staff/desk", &[("card", &nobody)])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.notice(), "No patron has this library card number.");
    assert!(page.contains("id=\"card\"") && !page.contains("id=\"item\""));
    let page = b
        .submit("/staff/desk", "/staff/desk", &[("card", "0290000019-9")])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.notice().starts_with("Not a library card number"),
        "{}",
        page.notice()
    );
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM staff_audit").await, 0);

    let page = b
        .submit(
            "/staff/desk",
            "/staff/desk/checkout",
            &[("card", &card), ("item", "9999999")],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.notice(), "No copy has this barcode.");
    assert!(page.contains("id=\"item\""), "the patron stays on screen");
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM loans").await, 0);

    let ok = b
        .submit(
            "/staff/desk",
            "/staff/desk/checkout",
            &[("card", &card), ("item", &item)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let again = b
        .submit(
            "/staff/desk",
            "/staff/desk/checkout",
            &[("card", &card), ("item", &item)],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        again.notice(),
        "This copy is already checked out: return it first."
    );
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM loans").await, 1);

    let page = b
        .submit("/staff/desk", "/staff/desk/return", &[("item", "9999999")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.notice(), "No copy has this barcode.");
    let page = b
        .submit("/staff/desk", "/staff/desk/return", &[("item", "")])
        .await;
    assert_eq!(page.notice(), "Scan a barcode first.");
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM loans").await, 1);

    // Japanese by default, and the error in Japanese.
    b.get("/staff/desk?lang=ja").await;
    let page = b
        .submit("/staff/desk", "/staff/desk/return", &[("item", "9999999")])
        .await;
    assert!(page.contains("<html lang=\"ja\">"));
    assert_eq!(page.notice(), "このバーコードの資料はありません。");
}

#[tokio::test]
async fn hostile_titles_and_names_are_escaped() {
    let lib = staff_library().await;
    let csv = "isbn,title,title_kana,authors,publisher,year,subjects,item_barcode,branch,shelf\n\
               9784000000017,<script>alert(1)</script>,,\"<b>x</b>\",,2020,,7000001,central,\"<i>913</i>\"\n";
    let report = shiori_server::import::import_csv(&lib.state, csv.as_bytes())
        .await
        .unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let (card, token) = patron(&lib).await;
    sqlx::query("UPDATE patrons SET name = $1")
        .bind("<img src=x onerror=alert(2)>")
        .execute(lib.state.db().pool())
        .await
        .unwrap();
    let title: i64 = sqlx::query_scalar("SELECT title_id FROM items WHERE barcode = '7000001'")
        .fetch_one(lib.state.db().pool())
        .await
        .unwrap();
    lib.place(&token, title, "central").await;

    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    let pick = b.get("/staff/pick-list?branch=central").await;
    assert!(
        pick.contains_escaped("<script>alert(1)</script>"),
        "{}",
        pick.body
    );
    assert!(pick.contains_escaped("<i>913</i>"));
    let ret = b
        .submit("/staff/desk", "/staff/desk/return", &[("item", "7000001")])
        .await;
    assert!(
        ret.contains_escaped("<script>alert(1)</script>"),
        "{}",
        ret.body
    );
    let shelf = b.get("/staff/shelf?branch=central").await;
    let desk = b
        .submit("/staff/desk", "/staff/desk", &[("card", &card)])
        .await;
    assert!(
        desk.contains_escaped("<img src=x onerror=alert(2)>"),
        "{}",
        desk.body
    );
    for page in [&pick, &ret, &shelf, &desk] {
        assert!(
            page.contains_escaped("<script>alert(1)</script>"),
            "{}",
            page.body
        );
        assert!(!page.contains("<script"), "{}", page.body);
        assert!(!page.contains("<img"), "{}", page.body);
        assert!(!page.contains("<i>"), "{}", page.body);
    }
    // The login form echoes a typed user name, escaped.
    let mut anon = Browser::new(&lib);
    let page = anon
        .login("\"><script>x</script>", "whatever-password")
        .await;
    assert!(!page.contains("<script>x"), "{}", page.body);
    assert!(
        page.contains_escaped("\"><script>x</script>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn the_shelf_marks_expired_holds_and_the_sweep_clears_them() {
    let lib = staff_library().await;
    let (card, token) = patron(&lib).await;
    let human = lib
        .state
        .card_number_scheme()
        .parse(&card)
        .unwrap()
        .human_readable();
    let title = lib.title_id(&demo_isbn("雪国")).await;
    let item = barcode_of(&lib, "雪国", "west").await;
    lib.place(&token, title, "west").await;
    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    b.get("/staff/desk?lang=en").await;
    b.submit("/staff/desk", "/staff/desk/return", &[("item", &item)])
        .await;
    // West keeps holds 10 days; on the 11th day the hold is past its deadline.
    lib.clock.advance(11 * DAY);
    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    let shelf = b.get("/staff/shelf?branch=west&lang=en").await;
    assert!(shelf.contains(&human));
    assert!(shelf.contains("class=\"expired\""), "{}", shelf.body);
    assert!(shelf.contains("pickup expired"));

    let page = b.submit("/staff/sweep", "/staff/sweep", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.contains("Holds expired (not collected): 1"),
        "{}",
        page.body
    );
    assert!(page.contains("back to the shelf 1"), "{}", page.body);
    assert_eq!(lib.holds(&token).await[0]["state"], "pickup_expired");
    assert!(!b.get("/staff/shelf?branch=west").await.contains(&human));
    // Unknown branch: a message, not an error page.
    let page = b.get("/staff/shelf?branch=mars").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.notice(), "There is no such branch.");
}

#[tokio::test]
async fn the_language_is_chosen_once_and_remembered() {
    let lib = staff_library().await;
    let mut b = Browser::logged_in(&lib, "sato", STAFF_PW).await;
    let ja = b.get("/staff/desk").await;
    assert!(ja.contains("<html lang=\"ja\">"));
    assert!(ja.contains("利用者カード番号"));
    let en = b.get("/staff/desk?lang=en").await;
    assert!(en.contains("<html lang=\"en\">"));
    assert!(cookie(&en, "shiori_staff_lang").starts_with("shiori_staff_lang=en;"));
    let again = b.get("/staff/shelf").await;
    assert!(again.contains("<html lang=\"en\">"), "remembered");
    assert!(
        again.contains("href=\"/staff/shelf?lang=ja\""),
        "the switch"
    );
    // Every field has a label.
    for page in [&again, &b.get("/staff/desk").await] {
        let inputs =
            page.body.matches("<input id=").count() + page.body.matches("<select id=").count();
        let labels = page.body.matches("<label for=").count();
        assert_eq!(inputs, labels, "{}", page.body);
    }
}

/// The audit rows (staff, target) of one audit page, and its "older" link.
fn audit_rows(page: &Page) -> (Vec<(String, String)>, Option<String>) {
    let rows = page
        .body
        .split("<tr><td>")
        .skip(1)
        .map(|r| {
            let cells: Vec<&str> = r
                .split("</tr>")
                .next()
                .unwrap()
                .split("<td>")
                .map(|c| c.trim_end_matches("</td>"))
                .collect();
            (cells[1].to_owned(), cells[3].to_owned())
        })
        .collect();
    let older = page.body.find("id=\"older\" href=\"").map(|i| {
        let start = i + "id=\"older\" href=\"".len();
        let end = page.body[start..].find('"').unwrap() + start;
        page.body[start..end]
            .replace("&amp;", "&")
            .replace("&#38;", "&")
    });
    (rows, older)
}

/// Follow the "older" links from `first` to the end; every row once.
async fn all_audit_rows(admin: &mut Browser, first: &str) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut next = Some(first.to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        let (mut these, older) = audit_rows(&page);
        assert!(these.len() <= 100, "at most 100 rows a page");
        if older.is_some() {
            assert_eq!(these.len(), 100, "a page with a next page is full");
        }
        rows.append(&mut these);
        next = older;
        pages += 1;
        assert!(pages < 20, "the older links must end");
    }
    rows
}

#[tokio::test]
async fn the_audit_log_pages_and_filters_by_card() {
    let lib = staff_library().await;
    let (card_a, _) = patron(&lib).await;
    let (card_b, _) = patron(&lib).await;
    let pool = lib.state.db().pool();
    let id_of = |card: String| async move {
        sqlx::query_scalar::<_, String>("SELECT id FROM patrons WHERE card_number = $1")
            .bind(card)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let (a, b) = (id_of(card_a.clone()).await, id_of(card_b.clone()).await);
    // 150 views of A and 80 of B, interleaved, with runs of equal times so
    // the page boundary falls inside a run (the cursor must use the id too).
    for i in 0..230_i64 {
        let (who, patron) = if i % 23 < 8 {
            ("tanaka", &b)
        } else {
            ("sato", &a)
        };
        sqlx::query(
            "INSERT INTO staff_audit (at, staff_username, action, patron_id) \
             VALUES ($1, $2, 'view_patron', $3)",
        )
        .bind(1_800_000_000 - i / 7)
        .bind(who)
        .bind(patron)
        .execute(pool)
        .await
        .unwrap();
    }
    let human = |card: &str| {
        lib.state
            .card_number_scheme()
            .parse(card)
            .unwrap()
            .human_readable()
    };
    let mut admin = Browser::logged_in(&lib, "admin", ADMIN_PW).await;

    let all = all_audit_rows(&mut admin, "/staff/audit?lang=en").await;
    assert_eq!(all.len(), 230, "every row once, over three pages");
    assert_eq!(
        all.iter().filter(|(_, t)| *t == human(&card_a)).count(),
        150
    );
    assert_eq!(all.iter().filter(|(_, t)| *t == human(&card_b)).count(), 80);

    // Only B's, typed as a scanner would send it (digits and check digit).
    let only_b = all_audit_rows(&mut admin, &format!("/staff/audit?lang=en&card={card_b}")).await;
    assert_eq!(only_b.len(), 80);
    assert!(only_b
        .iter()
        .all(|(staff, t)| staff == "tanaka" && *t == human(&card_b)));
    let only_a = all_audit_rows(&mut admin, &format!("/staff/audit?card={}", human(&card_a))).await;
    assert_eq!(only_a.len(), 150, "the human-readable form works too");

    // Bad input is a clear error, not a page of something else.
    let page = admin.get("/staff/audit?lang=en&card=not-a-card").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(!page.notice().is_empty());
    assert!(audit_rows(&page).0.is_empty());
    let page = admin.get("/staff/audit?lang=en&before=yesterday").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.notice().contains("does not exist"),
        "{}",
        page.notice()
    );
}

/// Passwords of only spaces, or with control characters, are refused
/// wherever a password is set (`add_staff` is also what the `add-staff`
/// command runs; `reset_password` is the console's reset), with a code.
#[tokio::test]
async fn blank_passwords_and_control_characters_are_refused_with_a_code() {
    let lib = staff_library().await;
    for (password, code) in [
        ("            ", "password_blank"),
        ("\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}", "password_blank"),
        ("correct\thorse battery", "password_control_characters"),
        ("correct horse battery\n", "password_control_characters"),
        ("correct horse\u{0}battery", "password_control_characters"),
    ] {
        let e = add_staff(&lib.state, "kato", Role::Staff, Password::new(password.into()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), code, "{password:?}");
        let e = shiori_server::staff::reset_password(&lib.state, "sato", Password::new(password.into()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), code, "{password:?}");
    }
    assert_eq!(
        count(
            &lib,
            "SELECT COUNT(*) FROM staff_users WHERE username = 'kato'"
        )
        .await,
        0
    );
    // Inner spaces are fine.
    add_staff(
        &lib.state,
        "kato",
        Role::Staff,
        Password::new("correct horse battery".into()),
    )
    .await
    .unwrap();
}

/// Login attempts are limited per client address: beyond the burst the
/// answer is 429 with `Retry-After` and a page in the console's language.
#[tokio::test]
async fn staff_logins_are_limited_per_client_address() {
    let lib = library_with(|c| c.limits.staff_logins_per_minute = 3).await;
    add_users(&lib).await;
    let mut b = Browser::new(&lib);
    for _ in 0..3 {
        assert_eq!(
            b.login("nobody", "wrong-password-1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password waits now.
    let page = b.login("admin", ADMIN_PW).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    let retry: u64 = page.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(
        page.notice().contains("ログインの試行が多すぎます"),
        "{}",
        page.notice()
    );
    assert_eq!(count(&lib, "SELECT COUNT(*) FROM staff_sessions").await, 0);
}

/// At most `limits.password_hashes` hashes run at once; a login that finds
/// every slot busy for `password_queue_ms` is refused 503 with
/// `Retry-After`, and succeeds once a slot is free.
#[tokio::test]
async fn a_login_finding_every_hashing_slot_busy_is_refused_then_served() {
    let lib = library_with(|c| {
        c.limits.password_hashes = Some(2);
        c.limits.password_queue_ms = 50;
    })
    .await;
    add_users(&lib).await;
    let mut b = Browser::new(&lib);
    let held = shiori_server::testing::occupy_password_hash_slots(&lib.state).await;
    assert!(held.is_some());
    let page = b.login("admin", ADMIN_PW).await;
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert_eq!(page.headers["retry-after"], "5");
    assert!(
        page.notice().contains("混み合っています"),
        "{}",
        page.notice()
    );
    drop(held);
    let page = b.login("admin", ADMIN_PW).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}
