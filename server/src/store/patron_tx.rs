//! The statements of a registration or a login transaction, on either
//! connection type, so their logic (`flows.rs`) is written once: on sqlx's
//! `AnyConnection` (PostgreSQL) each is an `await`; on the SQLite writer's
//! rusqlite connection ([`Sqlite`]) each runs at once and its future is
//! already complete, and the writer thread drives the whole transaction with
//! `futures_executor::block_on` without a single hand-off.

use std::future::{ready, Future};

use rusqlite::{Connection, OptionalExtension};
use shiori_core::api::Patron;
use sqlx::AnyConnection;

use super::challenges::{self, ChallengeRow, Unusable};
use super::patrons::{self, AuthLink, CertificateRecord, Contact, Facts, NewPatron};
use super::sessions;
use super::sqlite_writer::numbered;
use super::DbError;
use crate::time_fmt::rfc3339;

/// One open write transaction (see the module documentation).
pub(crate) trait PatronTx: Send {
    /// Mark the challenge used, or say why it cannot be.
    fn consume_challenge(
        &mut self,
        id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Result<(), Unusable>, DbError>> + Send;
    /// The patron this auth certificate is linked to, and whether the link
    /// was proven.
    fn auth_link(
        &mut self,
        fingerprint: &str,
    ) -> impl Future<Output = Result<Option<AuthLink>, DbError>> + Send;
    /// Delete every session of a patron.
    fn revoke_sessions(
        &mut self,
        patron_id: &str,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    /// The patron with this name, birth date and gender (docs/api.md,
    /// matching rules).
    fn patron_by_identity(
        &mut self,
        facts: &Facts,
    ) -> impl Future<Output = Result<Option<String>, DbError>> + Send;
    /// The next unused card serial.
    fn next_card_serial(&mut self) -> impl Future<Output = Result<i64, DbError>> + Send;
    fn insert_card_serial(
        &mut self,
        serial: i64,
        card_number: &str,
        now: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    fn insert_patron(
        &mut self,
        patron: &NewPatron<'_>,
        now: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    fn update_patron(
        &mut self,
        id: &str,
        facts: &Facts,
        contact: &Contact,
        now: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    fn upsert_certificates(
        &mut self,
        patron_id: &str,
        certs: &CertificateRecord,
        now: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    fn insert_session(
        &mut self,
        token_hash: &[u8],
        patron_id: &str,
        now: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send;
    fn load_patron(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Patron>, DbError>> + Send;
}

impl PatronTx for AnyConnection {
    async fn consume_challenge(
        &mut self,
        id: &str,
        now: i64,
    ) -> Result<Result<(), Unusable>, DbError> {
        Ok(challenges::consume(self, id, now).await?)
    }

    async fn auth_link(&mut self, fingerprint: &str) -> Result<Option<AuthLink>, DbError> {
        Ok(patrons::auth_link(self, fingerprint).await?)
    }

    async fn revoke_sessions(&mut self, patron_id: &str) -> Result<(), DbError> {
        Ok(patrons::revoke_sessions(self, patron_id).await?)
    }

    async fn patron_by_identity(&mut self, facts: &Facts) -> Result<Option<String>, DbError> {
        Ok(patrons::by_identity(self, facts).await?)
    }

    async fn next_card_serial(&mut self) -> Result<i64, DbError> {
        Ok(patrons::next_card_serial(self).await?)
    }

    async fn insert_card_serial(
        &mut self,
        serial: i64,
        card_number: &str,
        now: i64,
    ) -> Result<(), DbError> {
        Ok(patrons::insert_card_serial(self, serial, card_number, now).await?)
    }

    async fn insert_patron(&mut self, patron: &NewPatron<'_>, now: i64) -> Result<(), DbError> {
        Ok(patrons::insert(self, patron, now).await?)
    }

    async fn update_patron(
        &mut self,
        id: &str,
        facts: &Facts,
        contact: &Contact,
        now: i64,
    ) -> Result<(), DbError> {
        Ok(patrons::update(self, id, facts, contact, now).await?)
    }

    async fn upsert_certificates(
        &mut self,
        patron_id: &str,
        certs: &CertificateRecord,
        now: i64,
    ) -> Result<(), DbError> {
        Ok(patrons::upsert_certificates(self, patron_id, certs, now).await?)
    }

    async fn insert_session(
        &mut self,
        token_hash: &[u8],
        patron_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), DbError> {
        Ok(sessions::insert(self, token_hash, patron_id, now, expires_at).await?)
    }

    async fn load_patron(&mut self, id: &str) -> Result<Option<Patron>, DbError> {
        Ok(patrons::load(self, id).await?)
    }
}

/// The SQLite writer's connection inside its transaction.
pub(crate) struct Sqlite<'c>(pub(crate) &'c mut Connection);

impl Sqlite<'_> {
    fn execute(&self, sql: &str, values: &[&dyn rusqlite::ToSql]) -> Result<(), DbError> {
        self.0
            .prepare_cached(sql)?
            .execute(numbered(values).as_slice())?;
        Ok(())
    }

    fn one<T: rusqlite::types::FromSql>(
        &self,
        sql: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<Option<T>, DbError> {
        Ok(self
            .0
            .prepare_cached(sql)?
            .query_row(numbered(values).as_slice(), |r| r.get(0))
            .optional()?)
    }

    fn consume_now(&self, id: &str, now: i64) -> Result<Result<(), Unusable>, DbError> {
        let marked = self
            .0
            .prepare_cached(challenges::SQL_CONSUME)?
            .execute(numbered(&[&now, &id, &now]).as_slice())?;
        if marked == 1 {
            return Ok(Ok(()));
        }
        Ok(Err(challenges::why_unusable(self.find_challenge(id)?, now)))
    }

    /// A stored challenge (`challenges::find` on this connection).
    pub(crate) fn find_challenge(&self, id: &str) -> Result<Option<ChallengeRow>, DbError> {
        Ok(self
            .0
            .prepare_cached(challenges::SQL_FIND)?
            .query_row(numbered(&[&id]).as_slice(), |r| {
                Ok(ChallengeRow {
                    purpose: challenges::purpose_of(&r.get::<_, String>("purpose")?),
                    nonce: r.get("nonce")?,
                    origin: r.get("origin")?,
                    expires_at: r.get("expires_at")?,
                    used_at: r.get("used_at")?,
                })
            })
            .optional()?)
    }

    fn auth_link_now(&self, fingerprint: &str) -> Result<Option<AuthLink>, DbError> {
        Ok(self
            .0
            .prepare_cached(patrons::SQL_AUTH_LINK)?
            .query_row(numbered(&[&fingerprint]).as_slice(), |r| {
                Ok(AuthLink {
                    patron_id: r.get("patron_id")?,
                    proven: r.get::<_, Option<i64>>("auth_proven_at")?.is_some(),
                })
            })
            .optional()?)
    }

    fn load_now(&self, id: &str) -> Result<Option<Patron>, DbError> {
        Ok(self
            .0
            .prepare_cached(patrons::SQL_LOAD)?
            .query_row(numbered(&[&id]).as_slice(), |r| {
                Ok(Patron {
                    id: r.get("id")?,
                    name: r.get("name")?,
                    name_kana: r.get("name_kana")?,
                    address: r.get("address")?,
                    birth_date: r.get("birth_date")?,
                    gender: patrons::gender_from_db(&r.get::<_, String>("gender")?).map_err(
                        |e| {
                            rusqlite::Error::FromSqlConversionFailure(
                                r.as_ref().column_index("gender").unwrap_or(0),
                                rusqlite::types::Type::Text,
                                Box::new(e),
                            )
                        },
                    )?,
                    email: r.get("email")?,
                    phone: r.get("phone")?,
                    home_branch: r.get("home_branch")?,
                    card_number: r.get("card_number")?,
                    registered_at: rfc3339(r.get("created_at")?),
                })
            })
            .optional()?)
    }
}

impl PatronTx for Sqlite<'_> {
    fn consume_challenge(
        &mut self,
        id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Result<(), Unusable>, DbError>> + Send {
        ready(self.consume_now(id, now))
    }

    fn auth_link(
        &mut self,
        fingerprint: &str,
    ) -> impl Future<Output = Result<Option<AuthLink>, DbError>> + Send {
        ready(self.auth_link_now(fingerprint))
    }

    fn revoke_sessions(
        &mut self,
        patron_id: &str,
    ) -> impl Future<Output = Result<(), DbError>> + Send {
        ready(self.execute(patrons::SQL_REVOKE_SESSIONS, &[&patron_id]))
    }

    fn patron_by_identity(
        &mut self,
        facts: &Facts,
    ) -> impl Future<Output = Result<Option<String>, DbError>> + Send {
        ready(self.one(
            patrons::SQL_BY_IDENTITY,
            &[
                &facts.name,
                &facts.birth_date,
                &patrons::gender_to_db(facts.gender),
            ],
        ))
    }

    fn next_card_serial(&mut self) -> impl Future<Output = Result<i64, DbError>> + Send {
        ready(
            self.one(patrons::SQL_NEXT_CARD_SERIAL, &[])
                .map(|n| n.unwrap_or(1)),
        )
    }

    fn insert_card_serial(
        &mut self,
        serial: i64,
        card_number: &str,
        now: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send {
        ready(self.execute(
            patrons::SQL_INSERT_CARD_SERIAL,
            &[&serial, &card_number, &now],
        ))
    }

    fn insert_patron(
        &mut self,
        p: &NewPatron<'_>,
        now: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send {
        ready(self.execute(
            patrons::SQL_INSERT,
            &[
                &p.id,
                &p.facts.name,
                &p.contact.name_kana,
                &p.facts.address,
                &p.facts.birth_date,
                &patrons::gender_to_db(p.facts.gender),
                &p.contact.email,
                &p.contact.phone,
                &p.contact.home_branch,
                &p.card_serial,
                &p.card_number,
                &now,
                &now,
            ],
        ))
    }

    fn update_patron(
        &mut self,
        id: &str,
        facts: &Facts,
        contact: &Contact,
        now: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send {
        ready(self.execute(
            patrons::SQL_UPDATE,
            &[
                &facts.name,
                &facts.address,
                &facts.birth_date,
                &patrons::gender_to_db(facts.gender),
                &contact.email,
                &contact.name_kana,
                &contact.phone,
                &contact.home_branch,
                &now,
                &id,
            ],
        ))
    }

    fn upsert_certificates(
        &mut self,
        patron_id: &str,
        c: &CertificateRecord,
        now: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send {
        ready(self.execute(
            patrons::SQL_UPSERT_CERTIFICATES,
            &[
                &c.auth_fingerprint,
                &patron_id,
                &c.auth_serial,
                &c.auth_not_after,
                &c.signing_fingerprint,
                &c.signing_serial,
                &c.signing_not_after,
                &now,
            ],
        ))
    }

    fn insert_session(
        &mut self,
        token_hash: &[u8],
        patron_id: &str,
        now: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<(), DbError>> + Send {
        ready(self.execute(
            sessions::SQL_INSERT,
            &[&token_hash, &patron_id, &now, &expires_at],
        ))
    }

    fn load_patron(
        &mut self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Patron>, DbError>> + Send {
        ready(self.load_now(id))
    }
}
