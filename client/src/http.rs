//! [`Client`]: one method per API call.

use serde::de::DeserializeOwned;
use serde::Serialize;
use shiori_core::api::{
    ApiError, BranchList, Challenge, ChallengeRequest, HistorySetting, Hold, HoldList, HoldRequest,
    LibraryCard, Loan, LoanList, LoginRequest, Patron, ReadingHistory, RegistrationRequest,
    SearchResults, SessionResponse, SuspendRequest, TitleDetails,
};
use shiori_core::proof::ProofPurpose;
use ureq::http::Response;
use ureq::Body;
use zeroize::Zeroizing;

use crate::ClientError;

/// A client of one Shiori server, optionally holding a patron session token.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("logged_in", &self.token.is_some())
            .finish()
    }
}

impl Client {
    /// A client of the server at `base_url` (e.g. `https://library.example.jp`).
    pub fn new(base_url: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        Self {
            agent,
            base: base_url.trim_end_matches('/').to_string(),
            token: None,
        }
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Use `token` for authenticated calls.
    pub fn set_token(&mut self, token: &str) {
        self.token = Some(Zeroizing::new(token.to_string()));
    }

    /// Forget the session token.
    pub fn clear_token(&mut self) {
        self.token = None;
    }

    /// The session token, for an app to keep in its secure store (Android
    /// Keystore, iOS Keychain). Never log it.
    pub fn token(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.as_str())
    }

    /// Whether a session token is set.
    pub fn is_logged_in(&self) -> bool {
        self.token.is_some()
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    fn bearer(&self) -> Result<String, ClientError> {
        let t = self.token.as_ref().ok_or(ClientError::NotLoggedIn)?;
        Ok(format!("Bearer {}", t.as_str()))
    }

    fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let r = self
            .agent
            .post(&self.url(path))
            .send_json(body)
            .map_err(|e| ClientError::Http(e.to_string()))?;
        json(r)
    }

    fn get_authed(&self, path: &str) -> Result<Response<Body>, ClientError> {
        let r = self
            .agent
            .get(&self.url(path))
            .header("Authorization", &self.bearer()?)
            .call()
            .map_err(|e| ClientError::Http(e.to_string()))?;
        ok(r)
    }

    fn get(&self, path: &str) -> Result<Response<Body>, ClientError> {
        let r = self
            .agent
            .get(&self.url(path))
            .call()
            .map_err(|e| ClientError::Http(e.to_string()))?;
        ok(r)
    }

    fn send_authed<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let url = self.url(path);
        let bearer = self.bearer()?;
        let r = match (method, body) {
            ("POST", Some(b)) => self
                .agent
                .post(&url)
                .header("Authorization", &bearer)
                .send_json(b),
            ("PUT", Some(b)) => self
                .agent
                .put(&url)
                .header("Authorization", &bearer)
                .send_json(b),
            _ => self
                .agent
                .delete(&url)
                .header("Authorization", &bearer)
                .call(),
        }
        .map_err(|e| ClientError::Http(e.to_string()))?;
        json(r)
    }

    fn delete_authed(&self, path: &str) -> Result<(), ClientError> {
        let r = self
            .agent
            .delete(&self.url(path))
            .header("Authorization", &self.bearer()?)
            .call()
            .map_err(|e| ClientError::Http(e.to_string()))?;
        ok(r).map(|_| ())
    }

    /// `POST /challenges`.
    pub fn challenge(&self, purpose: ProofPurpose) -> Result<Challenge, ClientError> {
        self.post("/challenges", &ChallengeRequest { purpose })
    }

    /// `POST /registrations`. On success the client keeps the session token.
    pub fn register(
        &mut self,
        request: &RegistrationRequest,
    ) -> Result<SessionResponse, ClientError> {
        let r: SessionResponse = self.post("/registrations", request)?;
        self.set_token(&r.session.token);
        Ok(r)
    }

    /// `POST /sessions` (login on a new device). Keeps the session token.
    pub fn login(&mut self, request: &LoginRequest) -> Result<SessionResponse, ClientError> {
        let r: SessionResponse = self.post("/sessions", request)?;
        self.set_token(&r.session.token);
        Ok(r)
    }

    /// `DELETE /sessions/current`, then forget the token.
    pub fn logout(&mut self) -> Result<(), ClientError> {
        self.delete_authed("/sessions/current")?;
        self.clear_token();
        Ok(())
    }

    /// `GET /me`.
    pub fn me(&self) -> Result<Patron, ClientError> {
        json(self.get_authed("/me")?)
    }

    /// `GET /me/card`.
    pub fn card(&self) -> Result<LibraryCard, ClientError> {
        json(self.get_authed("/me/card")?)
    }

    /// `GET /me/card.png`: the NW-7 barcode image.
    pub fn card_png(&self) -> Result<Vec<u8>, ClientError> {
        bytes(self.get_authed("/me/card.png")?)
    }

    /// `GET /me/card.svg`.
    pub fn card_svg(&self) -> Result<String, ClientError> {
        let b = bytes(self.get_authed("/me/card.svg")?)?;
        String::from_utf8(b).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// `GET /me/export`: everything the server stores about the patron.
    pub fn export(&self) -> Result<serde_json::Value, ClientError> {
        json(self.get_authed("/me/export")?)
    }

    /// `DELETE /me`: delete the account. The token stops working.
    pub fn delete_account(&mut self) -> Result<(), ClientError> {
        self.delete_authed("/me")?;
        self.clear_token();
        Ok(())
    }

    /// `GET /branches`.
    pub fn branches(&self) -> Result<BranchList, ClientError> {
        json(self.get("/branches")?)
    }

    /// `GET /titles`: search (`q` in Japanese or English, or an ISBN),
    /// optionally only titles held at `branch`, only available copies, page.
    pub fn search(
        &self,
        q: &str,
        branch: Option<&str>,
        available_only: bool,
        page: u32,
        per_page: u32,
    ) -> Result<SearchResults, ClientError> {
        let mut query = url_query(&[("q", q)]);
        if let Some(b) = branch {
            query.push('&');
            query.push_str(&url_query(&[("branch", b)]));
        }
        if available_only {
            query.push_str("&available=true");
        }
        query.push_str(&format!("&page={page}&per_page={per_page}"));
        json(self.get(&format!("/titles?{query}"))?)
    }

    /// `GET /titles/{id}`.
    pub fn title(&self, id: i64) -> Result<TitleDetails, ClientError> {
        json(self.get(&format!("/titles/{id}"))?)
    }

    /// `POST /me/holds`.
    pub fn place_hold(&self, title_id: i64, pickup_branch: &str) -> Result<Hold, ClientError> {
        let body = HoldRequest {
            title_id,
            pickup_branch: pickup_branch.to_owned(),
        };
        self.send_authed("POST", "/me/holds", Some(&body))
    }

    /// `GET /me/holds`.
    pub fn holds(&self) -> Result<HoldList, ClientError> {
        json(self.get_authed("/me/holds")?)
    }

    /// `DELETE /me/holds/{id}`: cancel.
    pub fn cancel_hold(&self, id: &str) -> Result<Hold, ClientError> {
        self.send_authed::<(), _>("DELETE", &format!("/me/holds/{}", path_segment(id)), None)
    }

    /// `PUT /me/holds/{id}/suspension`: not served before `until` (`YYYY-MM-DD`).
    pub fn suspend_hold(&self, id: &str, until: &str) -> Result<Hold, ClientError> {
        let body = SuspendRequest {
            until: until.to_owned(),
        };
        self.send_authed(
            "PUT",
            &format!("/me/holds/{}/suspension", path_segment(id)),
            Some(&body),
        )
    }

    /// `GET /me/loans`.
    pub fn loans(&self) -> Result<LoanList, ClientError> {
        json(self.get_authed("/me/loans")?)
    }

    /// `POST /me/loans/{id}/renewal`.
    pub fn renew_loan(&self, id: &str) -> Result<Loan, ClientError> {
        self.send_authed(
            "POST",
            &format!("/me/loans/{}/renewal", path_segment(id)),
            Some(&serde_json::json!({})),
        )
    }

    /// `GET /me/history`: the opted-in reading history (empty when off).
    pub fn history(&self) -> Result<ReadingHistory, ClientError> {
        json(self.get_authed("/me/history")?)
    }

    /// `PUT /me/history`: opt in to a reading history, or out (which deletes
    /// it).
    pub fn set_history(&self, enabled: bool) -> Result<ReadingHistory, ClientError> {
        self.send_authed("PUT", "/me/history", Some(&HistorySetting { enabled }))
    }

    /// `DELETE /me/holds/{id}/suspension`: resume.
    pub fn resume_hold(&self, id: &str) -> Result<Hold, ClientError> {
        self.send_authed::<(), _>(
            "DELETE",
            &format!("/me/holds/{}/suspension", path_segment(id)),
            None,
        )
    }
}

/// Pass 2xx through; turn anything else into [`ClientError::Api`].
fn ok(mut r: Response<Body>) -> Result<Response<Body>, ClientError> {
    let status = r.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(r);
    }
    let error = r
        .body_mut()
        .read_json::<ApiError>()
        .unwrap_or_else(|e| ApiError {
            code: "http_error".into(),
            message: format!("HTTP {status} without an API error body ({e})"),
            message_ja: None,
        });
    Err(ClientError::Api { status, error })
}

fn json<T: DeserializeOwned>(r: Response<Body>) -> Result<T, ClientError> {
    ok(r)?
        .body_mut()
        .read_json::<T>()
        .map_err(|e| ClientError::Decode(e.to_string()))
}

fn bytes(r: Response<Body>) -> Result<Vec<u8>, ClientError> {
    ok(r)?
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_vec()
        .map_err(|e| ClientError::Decode(e.to_string()))
}

fn url_query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A path segment with everything but unreserved characters escaped.
fn path_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
