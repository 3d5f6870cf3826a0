//! The HTTP API's JSON bodies, shared by the server, the client crate and the
//! apps, so the two sides cannot drift. Binary fields (certificates,
//! signatures, nonces) are standard base64 with padding (RFC 4648 §4).
//!
//! Paths (all under `/api/v1`):
//!
//! | method | path | body → answer |
//! |---|---|---|
//! | POST | `/challenges` | [`ChallengeRequest`] → [`Challenge`] |
//! | POST | `/registrations` | [`RegistrationRequest`] → [`SessionResponse`] (201 new patron, 200 re-registration) |
//! | POST | `/sessions` | [`LoginRequest`] → [`SessionResponse`] |
//! | DELETE | `/sessions/current` | — → 204 (logs this token out) |
//! | GET | `/me` | → [`Patron`] |
//! | GET | `/me/card` | → [`LibraryCard`] |
//! | GET | `/me/card.svg`, `/me/card.png`, `/me/card-qr.svg`, `/me/card-qr.png` | → image |
//! | GET | `/me/export` | → [`Patron`] plus everything stored about the patron |
//! | DELETE | `/me` | → 204 (account deletion) |
//! | GET | `/branches` | → [`BranchList`] |
//! | GET | `/titles?q=&branch=&available=&page=&per_page=` | → [`SearchResults`] |
//! | GET | `/titles/{id}` | → [`TitleDetails`] |
//! | POST | `/me/holds` | [`HoldRequest`] → [`Hold`] (201) |
//! | GET | `/me/holds` | → [`HoldList`] |
//! | DELETE | `/me/holds/{id}` | → [`Hold`] (cancelled) |
//! | PUT | `/me/holds/{id}/suspension` | [`SuspendRequest`] → [`Hold`] |
//! | DELETE | `/me/holds/{id}/suspension` | → [`Hold`] (active again) |
//! | GET | `/me/loans` | → [`LoanList`] |
//! | POST | `/me/loans/{id}/renewal` | → [`Loan`] (new due date) |
//! | GET | `/me/history` | → [`ReadingHistory`] (only if opted in) |
//! | PUT | `/me/history` | [`HistorySetting`] → [`ReadingHistory`] (opting out deletes it) |
//!
//! Authenticated calls carry `Authorization: Bearer <token>`. Every error is
//! an [`ApiError`] with a stable `code`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::cert::Gender;
use crate::proof::ProofPurpose;

/// `POST /api/v1/challenges`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// What the proof will be for.
    pub purpose: ProofPurpose,
}

/// A single-use, short-lived challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// Opaque identifier to send back with the proof.
    pub id: String,
    /// What the proof is for.
    pub purpose: ProofPurpose,
    /// The nonce to sign (base64).
    pub nonce: String,
    /// The server origin the proof must name.
    pub origin: String,
    /// When the challenge stops being accepted (RFC 3339, UTC).
    pub expires_at: String,
}

/// `POST /api/v1/registrations`: the card's output plus what a library needs
/// besides. The 4 basic facts are NOT sent: the server reads them from the
/// verified signing certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// The challenge answered.
    pub challenge_id: String,
    /// Signing certificate DER (base64).
    pub signing_certificate: String,
    /// User-authentication certificate DER (base64).
    pub auth_certificate: String,
    /// The registration proof message both keys signed (`core::proof`,
    /// version 2, binding both certificates; base64). The server checks it
    /// against what it expects field by field, so a proof for another origin
    /// or challenge is named as such.
    pub message: String,
    /// The signing key's signature over the proof message (base64).
    pub signature: String,
    /// The user-authentication key's signature over the same message
    /// (base64). Required: a registration without it is refused with
    /// `auth_signature_missing` (it is optional in the JSON only so that an
    /// outdated client gets that clear answer rather than a parse error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_signature: Option<String>,
    /// Contact e-mail address.
    pub email: String,
    /// Name reading in katakana (フリガナ), typed by the resident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Home branch code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_branch: Option<String>,
}

/// `POST /api/v1/sessions`: log in on a new device with the auth key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The challenge answered.
    pub challenge_id: String,
    /// User-authentication certificate DER (base64).
    pub auth_certificate: String,
    /// The proof message the card signed (base64).
    pub message: String,
    /// The auth key's signature over the proof message (base64).
    pub signature: String,
}

/// A patron session token. The server stores only its hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The bearer token; shown once.
    pub token: String,
    /// Expiry (RFC 3339, UTC).
    pub expires_at: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token", &"****")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Answer to a registration or a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// The patron.
    pub patron: Patron,
    /// A new session.
    pub session: Session,
    /// Registration only: true when a new patron was created, false when an
    /// existing one was updated (renewed card).
    #[serde(default)]
    pub created: bool,
}

/// A patron as the patron sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patron {
    /// Stable identifier.
    pub id: String,
    /// 氏名 from the signing certificate (surname U+3000 given name).
    pub name: String,
    /// Reading of the name, as typed.
    pub name_kana: Option<String>,
    /// 住所 from the signing certificate.
    pub address: String,
    /// Birth date, ISO 8601 (`1990-01-02`).
    pub birth_date: String,
    /// `male`, `female` or `unknown` on the wire.
    pub gender: Gender,
    /// Contact e-mail.
    pub email: String,
    /// Phone.
    pub phone: Option<String>,
    /// Home branch code.
    pub home_branch: Option<String>,
    /// The library card number (digits).
    pub card_number: String,
    /// When the patron registered (RFC 3339).
    pub registered_at: String,
}

/// `GET /api/v1/me/card`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryCard {
    /// Card number digits.
    pub card_number: String,
    /// As printed (may group digits, e.g. `029025303-1`).
    pub human_readable: String,
    /// What the NW-7 bars encode, start/stop included (`A0290253031A`).
    pub barcode_payload: String,
    /// The patron's name, for display on the card.
    pub name: String,
}

/// Every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable machine code (`expired`, `challenge_reused`, …).
    pub code: String,
    /// Human message (English; `message_ja` in Japanese when available).
    pub message: String,
    /// The message in Japanese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_ja: Option<String>,
}

/// A branch of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// Short code (`central`).
    pub code: String,
    /// Name (Japanese).
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Days a copy waits on the hold shelf.
    pub pickup_days: u32,
}

/// `GET /api/v1/branches`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchList {
    /// All branches.
    pub branches: Vec<Branch>,
}

/// A title as found by search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleSummary {
    /// Identifier.
    pub id: i64,
    /// ISBN-13 when known.
    pub isbn: Option<String>,
    /// Title.
    pub title: String,
    /// Title reading in kana.
    pub title_kana: Option<String>,
    /// Authors.
    pub authors: Vec<String>,
    /// Publisher.
    pub publisher: Option<String>,
    /// Year of publication.
    pub year: Option<i32>,
    /// Copies in the library (in the filtered branch, when one was given).
    pub copies: u32,
    /// Copies on the shelf now (same scope).
    pub available: u32,
    /// Open holds on the title (queued, in transit, ready).
    pub holds: u32,
}

/// `GET /api/v1/titles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Matching titles in total, counted up to 1,000.
    pub total: u64,
    /// More than `total` titles match (narrow the search).
    #[serde(default)]
    pub total_capped: bool,
    /// This page (1-based).
    pub page: u32,
    /// Page size.
    pub per_page: u32,
    /// The titles on this page.
    pub titles: Vec<TitleSummary>,
}

/// One copy of a title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemInfo {
    /// Item barcode.
    pub barcode: String,
    /// Branch code.
    pub branch: String,
    /// Shelf location.
    pub shelf: Option<String>,
    /// `available`, `checked_out`, `in_transit`, `on_hold_shelf` or `missing`.
    pub status: String,
}

/// `GET /api/v1/titles/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleDetails {
    /// The title and its counts.
    #[serde(flatten)]
    pub summary: TitleSummary,
    /// Subjects.
    pub subjects: Vec<String>,
    /// Every copy.
    pub items: Vec<ItemInfo>,
}

/// `POST /api/v1/me/holds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// The title to reserve.
    pub title_id: i64,
    /// Where to pick it up (branch code).
    pub pickup_branch: String,
}

/// A patron's hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// Identifier.
    pub id: String,
    /// The title.
    pub title_id: i64,
    /// Its title text.
    pub title: String,
    /// Pickup branch code.
    pub pickup_branch: String,
    /// Where the hold is in its life (`queued`, `in_transit`, … on the wire).
    pub state: HoldState,
    /// Place in the title's queue (1 = next), while queued.
    pub position: Option<u32>,
    /// Not served before this date (inclusive, `YYYY-MM-DD`), while suspended.
    pub suspended_until: Option<String>,
    /// When the copy is on the hold shelf: collect before this (RFC 3339).
    pub pickup_deadline: Option<String>,
    /// When the hold was placed (RFC 3339).
    pub created_at: String,
}

/// Where a hold is in its life:
///
/// ```text
/// queued ──▶ ready ──▶ filled
///   │  └──▶ in_transit ──▶ ready
///   └──▶ cancelled (from any open state)   ready ──deadline──▶ pickup_expired
/// ```
///
/// The wire form (JSON, and the `holds.state` TEXT column) is the
/// snake_case name: [`HoldState::as_str`]. Exhaustive on purpose (no
/// `#[non_exhaustive]`): the server, CLI and apps match every state, and a
/// new one should fail their builds rather than fall into a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldState {
    /// Waiting in the title's queue (possibly suspended).
    Queued,
    /// A copy is travelling to the pickup branch.
    InTransit,
    /// A copy is on the hold shelf until the pickup deadline.
    Ready,
    /// Checked out to the patron.
    Filled,
    /// Cancelled by the patron, staff or account deletion.
    Cancelled,
    /// Not collected before the pickup deadline.
    PickupExpired,
}

impl HoldState {
    /// Every state, in life order.
    pub const ALL: [HoldState; 6] = [
        HoldState::Queued,
        HoldState::InTransit,
        HoldState::Ready,
        HoldState::Filled,
        HoldState::Cancelled,
        HoldState::PickupExpired,
    ];

    /// The wire and database form (`queued`, `in_transit`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            HoldState::Queued => "queued",
            HoldState::InTransit => "in_transit",
            HoldState::Ready => "ready",
            HoldState::Filled => "filled",
            HoldState::Cancelled => "cancelled",
            HoldState::PickupExpired => "pickup_expired",
        }
    }

    /// Open: the hold still wants (or holds) a copy.
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            HoldState::Queued | HoldState::InTransit | HoldState::Ready
        )
    }

    /// A copy is attached (travelling or on the hold shelf).
    pub const fn has_item(self) -> bool {
        matches!(self, HoldState::InTransit | HoldState::Ready)
    }
}

impl fmt::Display for HoldState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no [`HoldState`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown hold state {0:?}")]
pub struct UnknownHoldState(pub String);

impl FromStr for HoldState {
    type Err = UnknownHoldState;

    /// The exact wire form only (no case folding, no spaces).
    fn from_str(s: &str) -> Result<HoldState, UnknownHoldState> {
        HoldState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownHoldState(s.to_owned()))
    }
}

/// `GET /api/v1/me/holds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldList {
    /// Open holds first, then recently closed ones.
    pub holds: Vec<Hold>,
}

/// `PUT /api/v1/me/holds/{id}/suspension`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuspendRequest {
    /// Do not serve the hold before this date (`YYYY-MM-DD`, after today).
    pub until: String,
}

/// A copy a patron has out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loan {
    /// Identifier.
    pub id: String,
    /// The title.
    pub title_id: i64,
    /// Its title text.
    pub title: String,
    /// The copy's barcode.
    pub item_barcode: String,
    /// The copy's branch (where its loan rules come from).
    pub branch: String,
    /// When it was checked out (RFC 3339).
    pub checked_out_at: String,
    /// Return by this time (RFC 3339; the end of a library day, JST).
    pub due_at: String,
    /// Renewals so far.
    pub renewals: u32,
    /// Whether the due time has passed.
    pub overdue: bool,
}

/// `GET /api/v1/me/loans`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanList {
    /// Loans, soonest due first.
    pub loans: Vec<Loan>,
}

/// `PUT /api/v1/me/history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistorySetting {
    /// Keep a list of returned titles for me (off by default). Turning it
    /// off deletes the list.
    pub enabled: bool,
}

/// One returned title in an opted-in reading history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The title.
    pub title_id: i64,
    /// Its title text.
    pub title: String,
    /// The library day it was returned (`YYYY-MM-DD`, JST).
    pub returned_on: String,
}

/// `GET /api/v1/me/history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingHistory {
    /// Whether the patron opted in.
    pub enabled: bool,
    /// Returned titles, newest first (empty when not enabled).
    pub entries: Vec<HistoryEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each state's position in [`HoldState::ALL`], by an exhaustive match:
    /// a new variant fails to compile here until it is listed.
    fn index(state: HoldState) -> usize {
        match state {
            HoldState::Queued => 0,
            HoldState::InTransit => 1,
            HoldState::Ready => 2,
            HoldState::Filled => 3,
            HoldState::Cancelled => 4,
            HoldState::PickupExpired => 5,
        }
    }

    #[test]
    fn hold_states_round_trip_through_json_and_text() {
        let wire = [
            "queued",
            "in_transit",
            "ready",
            "filled",
            "cancelled",
            "pickup_expired",
        ];
        for (i, state) in HoldState::ALL.into_iter().enumerate() {
            assert_eq!(index(state), i, "{state:?} out of place in ALL");
            assert_eq!(state.as_str(), wire[i]);
            assert_eq!(state.to_string(), wire[i]);
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", wire[i]));
            assert_eq!(serde_json::from_str::<HoldState>(&json).unwrap(), state);
            assert_eq!(wire[i].parse::<HoldState>(), Ok(state));
        }
        let open: Vec<_> = HoldState::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(
            open,
            [HoldState::Queued, HoldState::InTransit, HoldState::Ready]
        );
        let with_item: Vec<_> = HoldState::ALL
            .into_iter()
            .filter(|s| s.has_item())
            .collect();
        assert_eq!(with_item, [HoldState::InTransit, HoldState::Ready]);
    }

    #[test]
    fn unknown_hold_state_is_a_typed_error() {
        for text in [
            "",
            "Queued",
            "QUEUED",
            "in-transit",
            "inTransit",
            " ready",
            "open",
        ] {
            assert_eq!(
                text.parse::<HoldState>(),
                Err(UnknownHoldState(text.to_owned())),
                "{text:?}"
            );
            assert!(serde_json::from_str::<HoldState>(&format!("\"{text}\"")).is_err());
        }
    }

    /// The wire form of a whole hold and patron is what it was as strings.
    #[test]
    fn hold_and_patron_json_is_unchanged() {
        let hold = Hold {
            id: "h1".into(),
            title_id: 7,
            title: "こころ".into(),
            pickup_branch: "central".into(),
            state: HoldState::PickupExpired,
            position: None,
            suspended_until: None,
            pickup_deadline: None,
            created_at: "2025-01-02T03:04:05Z".into(),
        };
        let json = serde_json::to_value(&hold).unwrap();
        assert_eq!(json["state"], "pickup_expired");
        assert_eq!(serde_json::from_value::<Hold>(json).unwrap(), hold);

        let patron = Patron {
            id: "p1".into(),
            name: "田中\u{3000}花子".into(),
            name_kana: None,
            address: "東京都".into(),
            birth_date: "1990-01-02".into(),
            gender: Gender::Female,
            email: "a@example.jp".into(),
            phone: None,
            home_branch: None,
            card_number: "1234".into(),
            registered_at: "2025-01-02T03:04:05Z".into(),
        };
        let json = serde_json::to_value(&patron).unwrap();
        assert_eq!(json["gender"], "female");
        assert_eq!(serde_json::from_value::<Patron>(json).unwrap(), patron);
    }

    /// The `enum` list of `schema`'s `property` in docs/openapi.yaml (a
    /// one-line flow mapping, as the document writes them).
    fn openapi_enum(schema: &str, property: &str) -> Vec<String> {
        let doc = include_str!("../../docs/openapi.yaml");
        let start = doc
            .find(&format!("\n    {schema}:\n"))
            .unwrap_or_else(|| panic!("no schema {schema}"));
        // The schema's lines run until the next schema (indented 4 spaces).
        let line = doc[start + 1..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("     ") || l.trim().is_empty())
            .find(|l| l.trim_start().starts_with(&format!("{property}:")))
            .unwrap_or_else(|| panic!("no {schema}.{property}"));
        let list = line
            .split_once("enum: [")
            .and_then(|(_, rest)| rest.split_once(']'))
            .unwrap_or_else(|| panic!("{schema}.{property} has no enum: {line}"))
            .0;
        list.split(',').map(|s| s.trim().to_owned()).collect()
    }

    #[test]
    fn openapi_lists_exactly_the_hold_states() {
        let listed = openapi_enum("Hold", "state");
        let ours: Vec<_> = HoldState::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        assert_eq!(listed, ours);
    }

    #[test]
    fn openapi_lists_exactly_the_genders() {
        let listed = openapi_enum("Patron", "gender");
        let ours: Vec<_> = [Gender::Male, Gender::Female, Gender::Unknown]
            .iter()
            .map(|g| {
                serde_json::to_value(g)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(listed, ours);
    }
}
