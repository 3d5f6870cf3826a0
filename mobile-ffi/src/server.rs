//! The library server through `shiori-client`, and the two taps that sign a
//! server's challenge.
//!
//! Registration on a phone takes three steps so the resident sees what the
//! card says before anything is sent:
//!
//! 1. [`LibraryServer::registration_challenge`] (network);
//! 2. [`registration_tap`] (card, one tap with both secrets typed up front:
//!    signing password and 4-digit auth PIN → both certificates and one
//!    proof signed by both keys; [`RegistrationProof::facts`] shows the 4
//!    basic facts);
//! 3. [`LibraryServer::register`] with the resident's e-mail and details
//!    (network; the server verifies everything again and derives the facts
//!    itself).
//!
//! Login is the same with [`LibraryServer::login_challenge`], [`login_tap`]
//! (4-digit PIN) and [`LibraryServer::login`]. A login through a card
//! registered before registrations proved both keys is refused with
//! [`ServerError::RegisterAgain`]: the app sends the resident to registration
//! (same patron, card number and holds once both secrets are proven).
//!
//! HTTP calls block like the card calls (same threading rule: never on the
//! main thread). The session token stays inside [`LibraryServer`]; the app
//! reads it once with [`LibraryServer::session_token`] to keep it in the
//! Android Keystore or the iOS Keychain and hands it back with
//! [`LibraryServer::restore_session`]. No record crossing the boundary holds
//! it, so no `toString()` can print it.

use std::sync::{Arc, Mutex, MutexGuard};

use shiori_client::flows::{self, RegistrationDetails as ClientDetails};
use shiori_client::{Client, ClientError};
use shiori_core::api::{
    Branch, Challenge as ApiChallenge, HistoryEntry, Hold, HoldState, ItemInfo, LibraryCard, Loan,
    Patron, ReadingHistory, SearchResults, SessionResponse, TitleDetails, TitleSummary,
};
use shiori_core::jpki::flows as card_flows;
use shiori_core::pin::{AuthPin, SigningPassword};
use shiori_core::proof::{ProofPurpose, ProofRequest};
use zeroize::Zeroizing;

use crate::{facts_of, last_try, BasicFacts, CardError, LinkTransport, NfcLink};

// Core's API records, exposed as they are (uniffi "remote" records: the
// definitions below mirror `shiori_core::api` field for field and generate
// only the FFI converters).

// Core's typed fields cross the FFI as the same strings as the JSON (custom
// types over `String`), so the Kotlin and Swift records are unchanged: a
// hold's `state` is `"queued"`, `"in_transit"`, …; a patron's `gender` is
// `"male"`, `"female"` or `"unknown"`.
uniffi::custom_type!(HoldState, String, {
    remote,
    lower: |state| state.as_str().to_owned(),
    try_lift: |text| Ok(text.parse::<HoldState>()?),
});

/// Core's certificate gender as the patron record carries it (named apart
/// from this crate's [`crate::Gender`] enum of the basic facts).
type PatronGender = shiori_core::cert::Gender;

uniffi::custom_type!(PatronGender, String, {
    remote,
    lower: |gender| gender.english_label().to_owned(),
    try_lift: |text| {
        PatronGender::from_english_label(&text)
            .ok_or_else(|| uniffi::deps::anyhow::anyhow!("unknown gender {text:?}"))
    },
});

/// A patron as the patron sees it.
#[uniffi::remote(Record)]
pub struct Patron {
    pub id: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub address: String,
    pub birth_date: String,
    pub gender: PatronGender,
    pub email: String,
    pub phone: Option<String>,
    pub home_branch: Option<String>,
    pub card_number: String,
    pub registered_at: String,
}

/// The library card: number, human-readable form and the NW-7 payload.
#[uniffi::remote(Record)]
pub struct LibraryCard {
    pub card_number: String,
    pub human_readable: String,
    pub barcode_payload: String,
    pub name: String,
}

/// A library branch.
#[uniffi::remote(Record)]
pub struct Branch {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub pickup_days: u32,
}

/// One title in search results.
#[uniffi::remote(Record)]
pub struct TitleSummary {
    pub id: i64,
    pub isbn: Option<String>,
    pub title: String,
    pub title_kana: Option<String>,
    pub authors: Vec<String>,
    pub publisher: Option<String>,
    pub year: Option<i32>,
    pub copies: u32,
    pub available: u32,
    pub holds: u32,
}

/// A page of search results.
#[uniffi::remote(Record)]
pub struct SearchResults {
    pub total: u64,
    pub total_capped: bool,
    pub page: u32,
    pub per_page: u32,
    pub titles: Vec<TitleSummary>,
}

/// One copy of a title.
#[uniffi::remote(Record)]
pub struct ItemInfo {
    pub barcode: String,
    pub branch: String,
    pub shelf: Option<String>,
    pub status: String,
}

/// A title with its copies.
#[uniffi::remote(Record)]
pub struct TitleDetails {
    pub summary: TitleSummary,
    pub subjects: Vec<String>,
    pub items: Vec<ItemInfo>,
}

/// A reservation.
#[uniffi::remote(Record)]
pub struct Hold {
    pub id: String,
    pub title_id: i64,
    pub title: String,
    pub pickup_branch: String,
    pub state: HoldState,
    pub position: Option<u32>,
    pub suspended_until: Option<String>,
    pub pickup_deadline: Option<String>,
    pub created_at: String,
}

/// A loan.
#[uniffi::remote(Record)]
pub struct Loan {
    pub id: String,
    pub title_id: i64,
    pub title: String,
    pub item_barcode: String,
    pub branch: String,
    pub checked_out_at: String,
    pub due_at: String,
    pub renewals: u32,
    pub overdue: bool,
}

/// One returned title in an opted-in reading history.
#[uniffi::remote(Record)]
pub struct HistoryEntry {
    pub title_id: i64,
    pub title: String,
    pub returned_on: String,
}

/// The reading history: off unless the patron opted in.
#[uniffi::remote(Record)]
pub struct ReadingHistory {
    pub enabled: bool,
    pub entries: Vec<HistoryEntry>,
}

/// What the resident adds to the card's facts when registering.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RegistrationDetails {
    /// Contact e-mail (required).
    pub email: String,
    /// Name reading in katakana.
    pub name_kana: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Home branch code (from [`LibraryServer::branches`]).
    pub home_branch: Option<String>,
}

/// The outcome of a registration or a login. The session token is not here:
/// see [`LibraryServer::session_token`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedIn {
    /// The patron, as the server derived it from the verified certificate.
    pub patron: Patron,
    /// Registration: a new patron (false: an existing patron re-registered
    /// with a renewed card). Always false for a login.
    pub created: bool,
    /// When the session ends (RFC 3339, UTC).
    pub session_expires_at: String,
}

/// Why a server call failed. `code` is stable; `reason` is English,
/// `reason_ja` Japanese for the resident where the server gave one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ServerError {
    /// The server refused the request (its stable error code and HTTP status).
    #[error("{reason}")]
    Refused {
        /// The server's stable code (`challenge_expired`, `hold_limit`, …).
        code: String,
        /// HTTP status.
        status: u16,
        /// The server's English message.
        reason: String,
        /// The server's Japanese message, if any.
        reason_ja: Option<String>,
    },
    /// The server could not be reached (no network, DNS, TLS, timeout).
    #[error("{reason}")]
    Unreachable {
        /// English text.
        reason: String,
    },
    /// The server answered something the API does not promise.
    #[error("{reason}")]
    BadAnswer {
        /// English text.
        reason: String,
    },
    /// The call needs a session and there is none: log in first.
    #[error("{reason}")]
    NotLoggedIn {
        /// English text.
        reason: String,
    },
    /// A login through a card whose link to the patron was never proven by
    /// both keys (registered before registrations did; the server's
    /// `auth_link_unproven`, 403). The resident registers again with the
    /// signing password and the PIN; the patron, library card number and
    /// holds stay.
    #[error("{reason}")]
    RegisterAgain {
        /// The server's English message.
        reason: String,
        /// The server's Japanese message, if any.
        reason_ja: Option<String>,
    },
}

/// The server's code for a login through an auth-certificate link that no
/// registration proved (docs/api.md).
const AUTH_LINK_UNPROVEN: &str = "auth_link_unproven";

impl ServerError {
    /// The stable machine code.
    pub fn code(&self) -> &str {
        match self {
            Self::Refused { code, .. } => code,
            Self::Unreachable { .. } => "server_unreachable",
            Self::BadAnswer { .. } => "bad_server_answer",
            Self::NotLoggedIn { .. } => "not_logged_in",
            Self::RegisterAgain { .. } => AUTH_LINK_UNPROVEN,
        }
    }
}

impl From<ClientError> for ServerError {
    fn from(e: ClientError) -> Self {
        let reason = e.to_string();
        match e {
            ClientError::Api { error, .. } if error.code == AUTH_LINK_UNPROVEN => {
                Self::RegisterAgain {
                    reason: error.message,
                    reason_ja: error.message_ja,
                }
            }
            ClientError::Api { status, error } => Self::Refused {
                code: error.code,
                status,
                reason: error.message,
                reason_ja: error.message_ja,
            },
            ClientError::Http(_) => Self::Unreachable { reason },
            ClientError::NotLoggedIn => Self::NotLoggedIn { reason },
            // The card steps are separate calls here, so a card error never
            // comes back through the client; a bad challenge is a bad answer.
            ClientError::Decode(_) | ClientError::Card(_) | ClientError::Challenge(_) => {
                Self::BadAnswer { reason }
            }
        }
    }
}

/// A challenge from the server, checked and ready for the card to sign.
#[derive(Debug, uniffi::Object)]
pub struct Challenge {
    challenge: ApiChallenge,
    request: ProofRequest,
}

#[uniffi::export]
impl Challenge {
    /// When the server stops accepting an answer (RFC 3339, UTC). Ask for a
    /// new challenge if the resident took longer.
    pub fn expires_at(&self) -> String {
        self.challenge.expires_at.clone()
    }

    /// The server origin the proof is bound to.
    pub fn origin(&self) -> String {
        self.challenge.origin.clone()
    }
}

/// A registration tap's result: both certificates and the signed proof. Kept
/// on the Rust side; the app shows [`RegistrationProof::facts`] and passes the
/// object to [`LibraryServer::register`].
#[derive(Debug, uniffi::Object)]
pub struct RegistrationProof {
    challenge_id: String,
    tap: card_flows::RegistrationTap,
    facts: BasicFacts,
}

#[uniffi::export]
impl RegistrationProof {
    /// The 4 basic facts as read on the device, for the resident to confirm.
    pub fn facts(&self) -> BasicFacts {
        self.facts.clone()
    }

    /// APDUs the tap took.
    pub fn apdus(&self) -> u32 {
        u32::try_from(self.tap.apdus).unwrap_or(u32::MAX)
    }
}

/// A login tap's result: the auth certificate and the signed proof.
#[derive(Debug, uniffi::Object)]
pub struct LoginProof {
    challenge_id: String,
    tap: card_flows::LoginTap,
}

#[uniffi::export]
impl LoginProof {
    /// APDUs the tap took.
    pub fn apdus(&self) -> u32 {
        u32::try_from(self.tap.apdus).unwrap_or(u32::MAX)
    }
}

/// The registration tap, one tap with both secrets asked for up front: read
/// the tries left of both (the last try of either only with
/// `allow_last_try`), verify the signing password, read both certificates,
/// sign `challenge` with the signing key, verify the 4-digit auth PIN and
/// sign the same proof with the auth key. Both signatures show the server
/// that one person holds both keys.
///
/// Both secrets are checked for format before the first APDU
/// ([`CardError::PinFormat`] names the mistyped one). `allow_last_try`
/// covers both: pass it only after the resident confirmed the last try of
/// each secret that has one left ([`card_status`](crate::card_status) gives
/// both counters). A [`CardError::WrongPin`] for the auth PIN means the
/// password was right (it goes first).
#[uniffi::export]
pub fn registration_tap(
    link: Arc<dyn NfcLink>,
    challenge: Arc<Challenge>,
    signing_password: String,
    auth_pin: String,
    allow_last_try: bool,
) -> Result<Arc<RegistrationProof>, CardError> {
    let typed = Zeroizing::new(signing_password);
    let password = SigningPassword::new(&typed)?;
    drop(typed);
    let typed = Zeroizing::new(auth_pin);
    let pin = AuthPin::new(&typed)?;
    drop(typed);
    let tap = card_flows::registration_tap(
        LinkTransport::new(link)?,
        &password,
        &pin,
        &challenge.request,
        last_try(allow_last_try),
    )?;
    let facts = facts_of(&tap.signing_certificate)?;
    Ok(Arc::new(RegistrationProof {
        challenge_id: challenge.challenge.id.clone(),
        tap,
        facts,
    }))
}

/// The login tap: verify the 4-digit auth PIN (tries left first; the last try
/// only with `allow_last_try`), read the auth certificate and sign
/// `challenge` with the auth key.
#[uniffi::export]
pub fn login_tap(
    link: Arc<dyn NfcLink>,
    challenge: Arc<Challenge>,
    auth_pin: String,
    allow_last_try: bool,
) -> Result<Arc<LoginProof>, CardError> {
    let typed = Zeroizing::new(auth_pin);
    let pin = AuthPin::new(&typed)?;
    drop(typed);
    let tap = card_flows::login_tap(
        LinkTransport::new(link)?,
        &pin,
        &challenge.request,
        last_try(allow_last_try),
    )?;
    Ok(Arc::new(LoginProof {
        challenge_id: challenge.challenge.id.clone(),
        tap,
    }))
}

/// One library server, with the patron's session once registered or logged
/// in. Calls block (see the crate's threading rule) and are serialized.
#[derive(uniffi::Object)]
pub struct LibraryServer {
    client: Mutex<Client>,
}

impl std::fmt::Debug for LibraryServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryServer").finish_non_exhaustive()
    }
}

impl LibraryServer {
    fn client(&self) -> MutexGuard<'_, Client> {
        // A panic while holding the lock cannot leave the client half-changed
        // (its only state is the token), so a poisoned lock is still usable.
        self.client.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn challenge(&self, purpose: ProofPurpose) -> Result<Arc<Challenge>, ServerError> {
        let challenge = self.client().challenge(purpose)?;
        let request = flows::proof_request(&challenge, purpose)?;
        Ok(Arc::new(Challenge { challenge, request }))
    }

    fn signed_in(r: SessionResponse) -> SignedIn {
        SignedIn {
            patron: r.patron,
            created: r.created,
            session_expires_at: r.session.expires_at.clone(),
        }
    }
}

#[uniffi::export]
impl LibraryServer {
    /// A client of the server at `base_url` (e.g. `https://library.example.jp`).
    #[uniffi::constructor]
    pub fn new(base_url: String) -> Arc<Self> {
        Arc::new(Self {
            client: Mutex::new(Client::new(&base_url)),
        })
    }

    /// Use a session token the app kept from an earlier run.
    pub fn restore_session(&self, token: String) {
        let token = Zeroizing::new(token);
        self.client().set_token(&token);
    }

    /// The current session token, for the app's secure store (Android
    /// Keystore, iOS Keychain); `None` when logged out. Never log it.
    pub fn session_token(&self) -> Option<String> {
        self.client().token().map(str::to_owned)
    }

    /// Whether a session token is set.
    pub fn is_logged_in(&self) -> bool {
        self.client().is_logged_in()
    }

    /// Step 1 of registration: a fresh challenge for the registration tap.
    pub fn registration_challenge(&self) -> Result<Arc<Challenge>, ServerError> {
        self.challenge(ProofPurpose::Register)
    }

    /// Step 1 of login: a fresh challenge for the login tap.
    pub fn login_challenge(&self) -> Result<Arc<Challenge>, ServerError> {
        self.challenge(ProofPurpose::Login)
    }

    /// Step 3 of registration: send the signed tap with the resident's
    /// details. Keeps the new session.
    pub fn register(
        &self,
        proof: Arc<RegistrationProof>,
        details: RegistrationDetails,
    ) -> Result<SignedIn, ServerError> {
        let details = ClientDetails {
            email: details.email,
            name_kana: details.name_kana,
            phone: details.phone,
            home_branch: details.home_branch,
        };
        let request = flows::registration_request(&proof.challenge_id, &proof.tap, &details);
        Ok(Self::signed_in(self.client().register(&request)?))
    }

    /// Log in with a signed login tap. Keeps the new session.
    pub fn login(&self, proof: Arc<LoginProof>) -> Result<SignedIn, ServerError> {
        let request = flows::login_request(&proof.challenge_id, &proof.tap);
        Ok(Self::signed_in(self.client().login(&request)?))
    }

    /// End this session on the server and forget the token.
    pub fn logout(&self) -> Result<(), ServerError> {
        Ok(self.client().logout()?)
    }

    /// The patron.
    pub fn me(&self) -> Result<Patron, ServerError> {
        Ok(self.client().me()?)
    }

    /// The library card (render it offline with
    /// [`library_card_barcode_png`](crate::library_card_barcode_png)).
    pub fn card(&self) -> Result<LibraryCard, ServerError> {
        Ok(self.client().card()?)
    }

    /// The library's branches (pickup places, home branch choices).
    pub fn branches(&self) -> Result<Vec<Branch>, ServerError> {
        Ok(self.client().branches()?.branches)
    }

    /// Search the catalogue (Japanese, English or an ISBN), optionally only
    /// titles at `branch` or with a copy on the shelf. `page` starts at 1.
    pub fn search(
        &self,
        query: String,
        branch: Option<String>,
        available_only: bool,
        page: u32,
        per_page: u32,
    ) -> Result<SearchResults, ServerError> {
        Ok(self
            .client()
            .search(&query, branch.as_deref(), available_only, page, per_page)?)
    }

    /// A title with its copies and where they are.
    pub fn title(&self, id: i64) -> Result<TitleDetails, ServerError> {
        Ok(self.client().title(id)?)
    }

    /// Reserve a title for pickup at `pickup_branch`.
    pub fn place_hold(&self, title_id: i64, pickup_branch: String) -> Result<Hold, ServerError> {
        Ok(self.client().place_hold(title_id, &pickup_branch)?)
    }

    /// The patron's holds with queue positions and states.
    pub fn holds(&self) -> Result<Vec<Hold>, ServerError> {
        Ok(self.client().holds()?.holds)
    }

    /// Cancel a hold.
    pub fn cancel_hold(&self, id: String) -> Result<Hold, ServerError> {
        Ok(self.client().cancel_hold(&id)?)
    }

    /// Suspend a hold until `until` (`YYYY-MM-DD`); it keeps its place.
    pub fn suspend_hold(&self, id: String, until: String) -> Result<Hold, ServerError> {
        Ok(self.client().suspend_hold(&id, &until)?)
    }

    /// Resume a suspended hold.
    pub fn resume_hold(&self, id: String) -> Result<Hold, ServerError> {
        Ok(self.client().resume_hold(&id)?)
    }

    /// The patron's loans.
    pub fn loans(&self) -> Result<Vec<Loan>, ServerError> {
        Ok(self.client().loans()?.loans)
    }

    /// Renew a loan.
    pub fn renew_loan(&self, id: String) -> Result<Loan, ServerError> {
        Ok(self.client().renew_loan(&id)?)
    }

    /// The reading history (empty and `enabled = false` unless the patron
    /// opted in: the library keeps no record of returns otherwise).
    pub fn reading_history(&self) -> Result<ReadingHistory, ServerError> {
        Ok(self.client().history()?)
    }

    /// Opt in to a reading history, or out (which deletes it).
    pub fn set_reading_history(&self, enabled: bool) -> Result<ReadingHistory, ServerError> {
        Ok(self.client().set_history(enabled)?)
    }

    /// Delete the patron's account and everything stored about them.
    pub fn delete_account(&self) -> Result<(), ServerError> {
        Ok(self.client().delete_account()?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use shiori_client::ClientError;
    use shiori_core::api::ApiError;

    use super::ServerError;

    fn refused(status: u16, code: &str) -> ServerError {
        ServerError::from(ClientError::Api {
            status,
            error: ApiError {
                code: code.into(),
                message: "register again".into(),
                message_ja: Some("もう一度利用登録をしてください。".into()),
            },
        })
    }

    #[test]
    fn an_unproven_auth_link_asks_to_register_again() {
        let e = refused(403, "auth_link_unproven");
        assert!(
            matches!(&e, ServerError::RegisterAgain { reason_ja: Some(ja), .. } if ja.contains("利用登録")),
            "{e:?}"
        );
        assert_eq!(e.code(), "auth_link_unproven");
    }

    #[test]
    fn other_refusals_keep_their_code_and_status() {
        for code in [
            "auth_signature_missing",
            "bad_auth_signature",
            "outdated_registration_proof",
            "unknown_patron",
        ] {
            let e = refused(403, code);
            assert!(
                matches!(&e, ServerError::Refused { status: 403, .. }),
                "{e:?}"
            );
            assert_eq!(e.code(), code);
        }
    }
}
