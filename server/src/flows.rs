//! The domain behind the handlers: challenges, registration, login and
//! sessions. Each function verifies first and writes last, in one
//! transaction, so a rejected request stores nothing.
//!
//! Order of a registration: decode → validate the typed fields → read the
//! challenge (404/410/409, purpose) → verify both certificate chains at the
//! clock's now → verify the proof over the message the server rebuilds from
//! the challenge, signed by **both** keys (`core::proof::verify_registration`)
//! → derive the 4 facts from the verified signing certificate → one write
//! transaction ([`in_write_transaction`]): consume the challenge atomically,
//! match ([`match_patron`]) or create the patron, issue the card number,
//! record the certificates with their link proven, revoke the patron's other
//! sessions if their facts changed, create the session. If the consume loses
//! a race, everything rolls back.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use shiori_core::api::{
    Challenge, ChallengeRequest, LoginRequest, Patron, RegistrationRequest, Session,
    SessionResponse,
};
use shiori_core::cert::{CertificatePurpose, JpkiCertificate};
use shiori_core::library_card::LibraryCardNumber;
use shiori_core::proof::{
    verify_proof, verify_registration, ProofPurpose, ProofRequest, RegistrationSignatures,
};

use crate::error::ApiErrorResponse;
use crate::metrics::Outcome;
use crate::state::AppState;
use std::future::Future;
use std::sync::Arc;

use crate::store::challenges::{self, ChallengeRow, Unusable};
use crate::store::patron_tx::{PatronTx, Sqlite};
use crate::store::patrons::{AuthLink, CertificateRecord, Contact, Facts, NewPatron};
use crate::store::sqlite_writer::SqliteReaders;
use crate::store::{self, DbError};
use crate::time_fmt::rfc3339;

/// Longest accepted e-mail address (RFC 5321 path limit).
const MAX_EMAIL: usize = 254;
/// Longest accepted optional text field, in characters.
const MAX_FIELD: usize = 100;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// SHA-256 of a bearer token: what the `sessions` table stores.
pub(crate) fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn ttl(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX / 2)
}

impl From<Unusable> for ApiErrorResponse {
    fn from(u: Unusable) -> Self {
        use axum::http::StatusCode;
        match u {
            Unusable::Unknown => ApiErrorResponse::new(
                StatusCode::NOT_FOUND,
                "unknown_challenge",
                "no such challenge",
            ),
            Unusable::Expired => ApiErrorResponse::new(
                StatusCode::GONE,
                "challenge_expired",
                "the challenge has expired; request a new one",
            ),
            Unusable::Reused => ApiErrorResponse::new(
                StatusCode::CONFLICT,
                "challenge_reused",
                "the challenge has already been answered; request a new one",
            ),
        }
    }
}

/// Issue a challenge for `req.purpose`.
pub(crate) async fn create_challenge(
    state: &AppState,
    req: ChallengeRequest,
) -> Result<Challenge, ApiErrorResponse> {
    let inner = state.inner();
    let now = state.now();
    let id = URL_SAFE_NO_PAD.encode(random_bytes::<16>());
    let row = ChallengeRow {
        purpose: req.purpose,
        nonce: random_bytes::<32>().to_vec(),
        origin: inner.config.public_origin.clone(),
        expires_at: now.saturating_add(ttl(inner.config.challenge_ttl_secs)),
        used_at: None,
    };
    // An expired challenge can no longer be answered (nor reported
    // reused): its row goes now, so storage holds only live challenges, and
    // at most `limits.max_live_challenges` of them.
    challenges::purge_expired(inner.db.pool(), now).await?;
    let cap = inner.config.limits.max_live_challenges;
    if !challenges::insert_below_cap(inner.db.pool(), &id, &row, now, cap).await? {
        inner.metrics.challenges_full();
        tracing::warn!(cap, "challenge refused: limits.max_live_challenges reached");
        return Err(crate::throttle::Refusal::ChallengesFull.into());
    }
    inner.metrics.challenge();
    Ok(Challenge {
        id,
        purpose: row.purpose,
        nonce: STANDARD.encode(&row.nonce),
        origin: row.origin,
        expires_at: rfc3339(row.expires_at),
    })
}

fn decode(field: &str, value: &str) -> Result<Vec<u8>, ApiErrorResponse> {
    STANDARD.decode(value.trim()).map_err(|_| {
        ApiErrorResponse::bad_request("bad_base64", format!("{field} is not valid base64"))
    })
}

/// A deliberately simple e-mail check (docs/api.md): one `@`, a non-empty
/// local part, a domain with a dot and no empty labels, no spaces or control
/// characters, at most 254 bytes. Deliverability is the library's business.
pub(crate) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= MAX_EMAIL
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|l| !l.is_empty())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn optional_field(name: &str, v: Option<String>) -> Result<Option<String>, ApiErrorResponse> {
    match v.map(|s| s.trim().to_owned()) {
        Some(s) if s.is_empty() => Ok(None),
        Some(s) if s.chars().count() > MAX_FIELD || s.chars().any(char::is_control) => {
            Err(ApiErrorResponse::bad_request(
                "invalid_field",
                format!("{name} is too long or contains control characters"),
            ))
        }
        other => Ok(other),
    }
}

/// Where a proof's challenge is read: on PostgreSQL before verification,
/// through sqlx; on SQLite inside the verification task on a read-only
/// connection, so the read costs no hand-off of its own.
enum ChallengeLookup {
    Read(Option<ChallengeRow>),
    OnSqlite(Arc<SqliteReaders>, String),
}

async fn lookup_challenge(state: &AppState, id: &str) -> Result<ChallengeLookup, ApiErrorResponse> {
    let db = &state.inner().db;
    Ok(match db.sqlite_readers() {
        Some(readers) => ChallengeLookup::OnSqlite(readers.clone(), id.to_owned()),
        None => ChallengeLookup::Read(challenges::find(db.pool(), id).await?),
    })
}

/// The challenge of a proof, which must be answerable at `now` and for
/// `purpose`. Blocking on SQLite: call it off the async workers.
fn usable_challenge(
    lookup: ChallengeLookup,
    purpose: ProofPurpose,
    now: i64,
) -> Result<ChallengeRow, ApiErrorResponse> {
    let row = match lookup {
        ChallengeLookup::Read(row) => row,
        ChallengeLookup::OnSqlite(readers, id) => {
            readers.read(|conn| Sqlite(conn).find_challenge(&id))?
        }
    }
    .ok_or(Unusable::Unknown)?;
    row.check(now)?;
    if row.purpose != purpose {
        return Err(ApiErrorResponse::unprocessable(
            "wrong_purpose",
            "the challenge was issued for another purpose",
        ));
    }
    Ok(row)
}

fn proof_request(row: &ChallengeRow) -> Result<ProofRequest, ApiErrorResponse> {
    ProofRequest::new(row.purpose, row.origin.clone(), row.nonce.clone())
        .map_err(|e| ApiErrorResponse::internal(format_args!("stored challenge: {e}")))
}

fn certificate_record(auth: &JpkiCertificate, signing: &JpkiCertificate) -> CertificateRecord {
    CertificateRecord {
        auth_fingerprint: hex::encode(auth.fingerprint_sha256()),
        auth_serial: auth.serial_hex(),
        auth_not_after: auth.not_after(),
        signing_fingerprint: hex::encode(signing.fingerprint_sha256()),
        signing_serial: signing.serial_hex(),
        signing_not_after: signing.not_after(),
    }
}

fn facts_of(signing: &JpkiCertificate) -> Result<Facts, ApiErrorResponse> {
    let info = signing.basic_info().ok_or_else(|| {
        ApiErrorResponse::unprocessable(
            "malformed_certificate",
            "the signing certificate carries no basic facts",
        )
    })?;
    Ok(Facts {
        name: info.name.clone(),
        address: info.address.clone(),
        birth_date: info.birth_date.to_string(),
        gender: info.gender,
    })
}

/// Run certificate and proof verification on tokio's blocking pool: RSA is
/// CPU work, and with OCSP revocation it waits on the network; neither may
/// stall the async workers that serve other requests.
async fn off_the_runtime<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&crate::state::Inner) -> Result<T, ApiErrorResponse> + Send + 'static,
) -> Result<T, ApiErrorResponse> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || work(state.inner()))
        .await
        .map_err(|e| ApiErrorResponse::internal(format_args!("verification task: {e}")))?
}

/// Register (or re-register) a patron. Returns the answer and whether a new
/// patron was created.
pub(crate) async fn register(
    state: &AppState,
    req: RegistrationRequest,
) -> Result<SessionResponse, ApiErrorResponse> {
    let result = register_inner(state, req).await;
    let outcome = match &result {
        Ok(r) if r.created => Outcome::Created,
        Ok(_) => Outcome::Updated,
        Err(_) => Outcome::Failed,
    };
    state.inner().metrics.registration(outcome);
    result
}

async fn register_inner(
    state: &AppState,
    req: RegistrationRequest,
) -> Result<SessionResponse, ApiErrorResponse> {
    let signing_der = decode("signing_certificate", &req.signing_certificate)?;
    let auth_der = decode("auth_certificate", &req.auth_certificate)?;
    let message = decode("message", &req.message)?;
    let signature = decode("signature", &req.signature)?;
    let auth_signature = match &req.auth_signature {
        Some(s) => decode("auth_signature", s)?,
        None => Vec::new(),
    };
    let email = req.email.trim().to_owned();
    if !valid_email(&email) {
        return Err(ApiErrorResponse::bad_request(
            "invalid_email",
            "the e-mail address is not valid",
        ));
    }
    let contact = Contact {
        email,
        name_kana: optional_field("name_kana", req.name_kana)?,
        phone: optional_field("phone", req.phone)?,
        home_branch: optional_field("home_branch", req.home_branch)?,
    };
    if let Some(code) = &contact.home_branch {
        if !state.config().branches.iter().any(|b| &b.code == code) {
            return Err(ApiErrorResponse::unprocessable(
                "unknown_branch",
                format!("there is no branch {code:?}"),
            ));
        }
    }

    let now = state.now();
    let challenge = lookup_challenge(state, &req.challenge_id).await?;
    let (signing, auth) = off_the_runtime(state, move |inner| {
        let challenge = usable_challenge(challenge, ProofPurpose::Register, now)?;
        let expected = proof_request(&challenge)?;
        let signing = inner
            .verifier
            .verify(&signing_der, CertificatePurpose::Signing, now)?
            .certificate;
        let auth = inner
            .verifier
            .verify(&auth_der, CertificatePurpose::Authentication, now)?
            .certificate;
        let signatures = RegistrationSignatures {
            signing: &signature,
            auth: &auth_signature,
        };
        verify_registration(&message, signatures, &signing, &auth, &expected)?;
        Ok((signing, auth))
    })
    .await?;
    let facts = facts_of(&signing)?;
    let certs = certificate_record(&auth, &signing);

    let body = Registration {
        challenge_id: req.challenge_id,
        facts,
        contact,
        certs,
        now,
    };
    in_write_transaction(state, body).await
}

/// The write half of a registration, in one transaction
/// ([`in_write_transaction`]): consume the challenge, match (docs/api.md) or
/// create the patron, record the certificates, open a session.
struct Registration {
    challenge_id: String,
    facts: Facts,
    contact: Contact,
    certs: CertificateRecord,
    now: i64,
}

impl WriteBody for Registration {
    type Output = SessionResponse;

    async fn run<S: PatronTx>(
        self,
        tx: &mut S,
        state: &AppState,
    ) -> Result<SessionResponse, ApiErrorResponse> {
        let Self {
            challenge_id,
            facts,
            contact,
            certs,
            now,
        } = self;
        tx.consume_challenge(&challenge_id, now).await??;
        let existing = match_patron(tx, &certs.auth_fingerprint, &facts).await?;
        let created = existing.is_none();
        let patron_id = match existing {
            Some(old) => {
                tx.update_patron(&old.id, &facts, &contact, now)
                    .await
                    .map_err(conflict)?;
                if facts_changed(&old, &facts) {
                    // Someone else may hold a session from before: a changed
                    // identity is a new start for every device.
                    tx.revoke_sessions(&old.id).await?;
                }
                old.id
            }
            None => {
                let id = URL_SAFE_NO_PAD.encode(random_bytes::<16>());
                let (serial, number) = issue_card_number(tx, state, now).await?;
                let new = NewPatron {
                    id: &id,
                    facts: &facts,
                    contact: &contact,
                    card_serial: serial,
                    card_number: number.digits(),
                };
                tx.insert_patron(&new, now).await.map_err(conflict)?;
                id
            }
        };
        tx.upsert_certificates(&patron_id, &certs, now).await?;
        let session = new_session(tx, state, &patron_id, now).await?;
        let patron = load_patron(tx, &patron_id).await?;
        Ok(SessionResponse {
            patron,
            session,
            created,
        })
    }
}

/// The patron a verified registration (both keys proven) belongs to, from
/// verified identity only (docs/api.md, "Matching"):
///
/// 1. the patron this auth certificate is linked to by an earlier proven
///    registration (the same card; the signing certificate is renewed after
///    a move or a name change, the auth certificate is not);
/// 2. the patron an unproven link (written before registrations proved both
///    keys) points to, only if that patron's name, birth date and gender are
///    the ones just verified: an unproven link may have been planted with
///    someone else's auth certificate;
/// 3. the patron with the same name, birth date and gender (a renewed card:
///    both certificates new, perhaps after a move).
///
/// Otherwise a new patron.
async fn match_patron<S: PatronTx>(
    tx: &mut S,
    auth_fingerprint: &str,
    facts: &Facts,
) -> Result<Option<Patron>, ApiErrorResponse> {
    if let Some(AuthLink { patron_id, proven }) = tx.auth_link(auth_fingerprint).await? {
        let linked = load_patron(tx, &patron_id).await?;
        let same_person = linked.name == facts.name
            && linked.birth_date == facts.birth_date
            && linked.gender == facts.gender;
        if proven || same_person {
            return Ok(Some(linked));
        }
    }
    match tx.patron_by_identity(facts).await? {
        Some(id) => Ok(Some(load_patron(tx, &id).await?)),
        None => Ok(None),
    }
}

/// Whether a registration changes any of the 4 basic facts of `old`.
fn facts_changed(old: &Patron, new: &Facts) -> bool {
    old.name != new.name
        || old.address != new.address
        || old.birth_date != new.birth_date
        || old.gender != new.gender
}

/// A write transaction's body, written once for both connection types.
trait WriteBody: Send + 'static {
    type Output: Send + 'static;
    fn run<S: PatronTx>(
        self,
        tx: &mut S,
        state: &AppState,
    ) -> impl Future<Output = Result<Self::Output, ApiErrorResponse>> + Send;
}

/// Run `body` in one write transaction, committed when it returns `Ok` and
/// rolled back otherwise: on SQLite in one message to the writer thread
/// (`store::sqlite_writer`), on PostgreSQL statement by statement through
/// sqlx (`store::begin_write`).
async fn in_write_transaction<B: WriteBody>(
    state: &AppState,
    body: B,
) -> Result<B::Output, ApiErrorResponse> {
    let db = &state.inner().db;
    if let Some(writer) = db.sqlite_writer() {
        let state = state.clone();
        return writer
            .transaction(move |conn| {
                futures_executor::block_on(body.run(&mut Sqlite(conn), &state))
            })
            .await;
    }
    let mut tx = store::begin_write(db).await?;
    let value = body.run(&mut *tx, state).await?;
    tx.commit().await?;
    Ok(value)
}

/// The next library card number from the scheme and the `card_serials`
/// sequence, recorded in the caller's transaction.
pub(crate) async fn issue_card_number<S: PatronTx>(
    tx: &mut S,
    state: &AppState,
    now: i64,
) -> Result<(i64, LibraryCardNumber), ApiErrorResponse> {
    let next = tx.next_card_serial().await?;
    let exhausted = || {
        ApiErrorResponse::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "card_numbers_exhausted",
            "no more library card numbers can be issued",
        )
    };
    let (serial, number) = u64::try_from(next)
        .ok()
        .and_then(|n| state.inner().scheme.issue_at_or_after(n).ok())
        .ok_or_else(exhausted)?;
    let serial = i64::try_from(serial).map_err(|_| exhausted())?;
    tx.insert_card_serial(serial, number.digits(), now).await?;
    Ok((serial, number))
}

fn conflict(e: DbError) -> ApiErrorResponse {
    if e.is_unique_violation() {
        ApiErrorResponse::new(
            axum::http::StatusCode::CONFLICT,
            "patron_conflict",
            "these details belong to another patron; please contact the library",
        )
    } else {
        e.into()
    }
}

async fn load_patron<S: PatronTx>(tx: &mut S, id: &str) -> Result<Patron, ApiErrorResponse> {
    tx.load_patron(id)
        .await?
        .ok_or_else(|| ApiErrorResponse::internal("patron vanished inside its transaction"))
}

pub(crate) async fn new_session<S: PatronTx>(
    tx: &mut S,
    state: &AppState,
    patron_id: &str,
    now: i64,
) -> Result<Session, ApiErrorResponse> {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let expires_at = now.saturating_add(ttl(state.inner().config.session_ttl_secs));
    tx.insert_session(&token_hash(&token), patron_id, now, expires_at)
        .await?;
    Ok(Session {
        token,
        expires_at: rfc3339(expires_at),
    })
}

/// Log in on a new device with the auth key.
pub(crate) async fn login(
    state: &AppState,
    req: LoginRequest,
) -> Result<SessionResponse, ApiErrorResponse> {
    let result = login_inner(state, req).await;
    state.inner().metrics.login(result.is_ok());
    result
}

async fn login_inner(
    state: &AppState,
    req: LoginRequest,
) -> Result<SessionResponse, ApiErrorResponse> {
    let auth_der = decode("auth_certificate", &req.auth_certificate)?;
    let message = decode("message", &req.message)?;
    let signature = decode("signature", &req.signature)?;
    let now = state.now();
    let challenge = lookup_challenge(state, &req.challenge_id).await?;
    let auth = off_the_runtime(state, move |inner| {
        let challenge = usable_challenge(challenge, ProofPurpose::Login, now)?;
        let expected = proof_request(&challenge)?;
        let auth = inner
            .verifier
            .verify(&auth_der, CertificatePurpose::Authentication, now)?
            .certificate;
        verify_proof(&message, &signature, &auth, &expected, &auth_der)?;
        Ok(auth)
    })
    .await?;
    let body = Login {
        challenge_id: req.challenge_id,
        fingerprint: hex::encode(auth.fingerprint_sha256()),
        now,
    };
    in_write_transaction(state, body).await
}

struct Login {
    challenge_id: String,
    fingerprint: String,
    now: i64,
}

impl WriteBody for Login {
    type Output = SessionResponse;

    async fn run<S: PatronTx>(
        self,
        tx: &mut S,
        state: &AppState,
    ) -> Result<SessionResponse, ApiErrorResponse> {
        let link = tx.auth_link(&self.fingerprint).await?.ok_or_else(|| {
            ApiErrorResponse::new(
                axum::http::StatusCode::NOT_FOUND,
                "unknown_patron",
                "no patron registered with this card; register first",
            )
        })?;
        if !link.proven {
            return Err(ApiErrorResponse::new(
                axum::http::StatusCode::FORBIDDEN,
                "auth_link_unproven",
                "this card was registered before registrations proved both keys; \
                 register again with the signing password and the PIN",
            ));
        }
        let patron_id = link.patron_id;
        tx.consume_challenge(&self.challenge_id, self.now).await??;
        let session = new_session(tx, state, &patron_id, self.now).await?;
        let patron = load_patron(tx, &patron_id).await?;
        Ok(SessionResponse {
            patron,
            session,
            created: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::valid_email;

    #[test]
    fn email_rule() {
        for ok in ["a@b.jp", "hanako.tanaka+lib@example.co.jp"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "@b.jp", "a@b", "a@@b.jp", "a@b..jp", "a b@c.jp", "a@.jp",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}
