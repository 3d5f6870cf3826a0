//! The `patrons`, `patron_certificates` and `card_serials` tables.
//!
//! What is stored about a patron: the 4 basic facts from the verified signing
//! certificate, the contact details they typed, the library card number, and
//! for each registered card the serials, SHA-256 fingerprints and expiry of
//! its auth and signing certificates. Never certificate DER, never the
//! individual number.

use shiori_core::api::Patron;
use shiori_core::cert::Gender;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::time_fmt::rfc3339;

/// A `patrons.gender` text that names no [`Gender`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown gender {0:?} in the patrons table")]
pub(crate) struct UnknownGender(pub(crate) String);

/// A gender as the `patrons.gender` TEXT column stores it (`male`,
/// `female`, `unknown`). With [`gender_from_db`], the only place the
/// patron's gender meets its text.
pub(crate) fn gender_to_db(gender: Gender) -> &'static str {
    gender.english_label()
}

/// The `patrons.gender` TEXT column read back: unknown text is an error.
pub(crate) fn gender_from_db(text: &str) -> Result<Gender, UnknownGender> {
    Gender::from_english_label(text).ok_or_else(|| UnknownGender(text.to_owned()))
}

/// The 4 basic facts (birth date ISO 8601; gender stored as
/// [`gender_to_db`] writes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Facts {
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) birth_date: String,
    pub(crate) gender: Gender,
}

/// What the resident typed.
#[derive(Debug, Clone)]
pub(crate) struct Contact {
    pub(crate) email: String,
    pub(crate) name_kana: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) home_branch: Option<String>,
}

/// One registered certificate pair.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct CertificateRecord {
    pub(crate) auth_fingerprint: String,
    pub(crate) auth_serial: String,
    pub(crate) auth_not_after: i64,
    pub(crate) signing_fingerprint: String,
    pub(crate) signing_serial: String,
    pub(crate) signing_not_after: i64,
}

/// Where an auth certificate leads, and whether the link was proven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthLink {
    pub(crate) patron_id: String,
    /// The registration that wrote the link carried the auth key's
    /// signature. Links from before the two-key registration were never
    /// proven (migration 0007).
    pub(crate) proven: bool,
}

pub(crate) const SQL_AUTH_LINK: &str =
    "SELECT patron_id, auth_proven_at FROM patron_certificates WHERE auth_fingerprint = $1";
pub(crate) const SQL_BY_IDENTITY: &str =
    "SELECT id FROM patrons WHERE name = $1 AND birth_date = $2 AND gender = $3";
pub(crate) const SQL_REVOKE_SESSIONS: &str = "DELETE FROM sessions WHERE patron_id = $1";
pub(crate) const SQL_NEXT_CARD_SERIAL: &str =
    "SELECT COALESCE(MAX(serial), 0) + 1 AS next FROM card_serials";
pub(crate) const SQL_INSERT_CARD_SERIAL: &str =
    "INSERT INTO card_serials (serial, card_number, issued_at) VALUES ($1, $2, $3)";
pub(crate) const SQL_INSERT: &str =
    "INSERT INTO patrons (id, name, name_kana, address, birth_date, gender, email, phone, \
     home_branch, card_serial, card_number, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
pub(crate) const SQL_UPDATE: &str =
    "UPDATE patrons SET name = $1, address = $2, birth_date = $3, gender = $4, email = $5, \
     name_kana = COALESCE($6, name_kana), phone = COALESCE($7, phone), \
     home_branch = COALESCE($8, home_branch), updated_at = $9 WHERE id = $10";
/// Record a certificate pair whose auth link was proven by the auth key's
/// signature in the same registration ($8 is both the creation and the
/// proof time).
pub(crate) const SQL_UPSERT_CERTIFICATES: &str =
    "INSERT INTO patron_certificates (auth_fingerprint, patron_id, auth_serial, \
     auth_not_after, signing_fingerprint, signing_serial, signing_not_after, created_at, \
     auth_proven_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
     ON CONFLICT (auth_fingerprint) DO UPDATE SET patron_id = excluded.patron_id, \
     signing_fingerprint = excluded.signing_fingerprint, \
     signing_serial = excluded.signing_serial, \
     signing_not_after = excluded.signing_not_after, \
     auth_proven_at = excluded.auth_proven_at";
pub(crate) const SQL_LOAD: &str =
    "SELECT id, name, name_kana, address, birth_date, gender, email, phone, home_branch, \
     card_number, created_at FROM patrons WHERE id = $1";

pub(crate) async fn auth_link(
    conn: &mut AnyConnection,
    fingerprint: &str,
) -> Result<Option<AuthLink>, sqlx::Error> {
    let row = sqlx::query(SQL_AUTH_LINK)
        .bind(fingerprint)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(AuthLink {
            patron_id: r.try_get("patron_id")?,
            proven: r.try_get::<Option<i64>, _>("auth_proven_at")?.is_some(),
        })
    })
    .transpose()
}

/// Log a patron out everywhere (their facts changed).
pub(crate) async fn revoke_sessions(
    conn: &mut AnyConnection,
    patron_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(SQL_REVOKE_SESSIONS)
        .bind(patron_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn by_identity(
    conn: &mut AnyConnection,
    facts: &Facts,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(SQL_BY_IDENTITY)
        .bind(&facts.name)
        .bind(&facts.birth_date)
        .bind(gender_to_db(facts.gender))
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get("id")).transpose()
}

/// The next unused card serial (1 for the first patron).
pub(crate) async fn next_card_serial(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query(SQL_NEXT_CARD_SERIAL)
        .fetch_one(conn)
        .await?
        .try_get("next")
}

pub(crate) async fn insert_card_serial(
    conn: &mut AnyConnection,
    serial: i64,
    card_number: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(SQL_INSERT_CARD_SERIAL)
        .bind(serial)
        .bind(card_number)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A new patron row.
pub(crate) struct NewPatron<'a> {
    pub(crate) id: &'a str,
    pub(crate) facts: &'a Facts,
    pub(crate) contact: &'a Contact,
    pub(crate) card_serial: i64,
    pub(crate) card_number: &'a str,
}

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    p: &NewPatron<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(SQL_INSERT)
        .bind(p.id)
        .bind(&p.facts.name)
        .bind(&p.contact.name_kana)
        .bind(&p.facts.address)
        .bind(&p.facts.birth_date)
        .bind(gender_to_db(p.facts.gender))
        .bind(&p.contact.email)
        .bind(&p.contact.phone)
        .bind(&p.contact.home_branch)
        .bind(p.card_serial)
        .bind(p.card_number)
        .bind(now)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Re-registration: the facts from the new certificate replace the old ones
/// (an address changes after a move); contact fields are replaced when sent.
pub(crate) async fn update(
    conn: &mut AnyConnection,
    id: &str,
    facts: &Facts,
    contact: &Contact,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(SQL_UPDATE)
        .bind(&facts.name)
        .bind(&facts.address)
        .bind(&facts.birth_date)
        .bind(gender_to_db(facts.gender))
        .bind(&contact.email)
        .bind(&contact.name_kana)
        .bind(&contact.phone)
        .bind(&contact.home_branch)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Record (or re-point) a certificate pair to `patron_id`.
pub(crate) async fn upsert_certificates(
    conn: &mut AnyConnection,
    patron_id: &str,
    c: &CertificateRecord,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(SQL_UPSERT_CERTIFICATES)
        .bind(&c.auth_fingerprint)
        .bind(patron_id)
        .bind(&c.auth_serial)
        .bind(c.auth_not_after)
        .bind(&c.signing_fingerprint)
        .bind(&c.signing_serial)
        .bind(c.signing_not_after)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

fn patron_from_row(r: &AnyRow) -> Result<Patron, sqlx::Error> {
    Ok(Patron {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        name_kana: r.try_get("name_kana")?,
        address: r.try_get("address")?,
        birth_date: r.try_get("birth_date")?,
        gender: gender_from_db(&r.try_get::<String, _>("gender")?).map_err(|e| {
            sqlx::Error::ColumnDecode {
                index: "gender".into(),
                source: Box::new(e),
            }
        })?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        home_branch: r.try_get("home_branch")?,
        card_number: r.try_get("card_number")?,
        registered_at: rfc3339(r.try_get("created_at")?),
    })
}

pub(crate) async fn load(
    db: impl sqlx::AnyExecutor<'_>,
    id: &str,
) -> Result<Option<Patron>, sqlx::Error> {
    let row = sqlx::query(SQL_LOAD).bind(id).fetch_optional(db).await?;
    row.as_ref().map(patron_from_row).transpose()
}

pub(crate) async fn certificates(
    db: &AnyPool,
    patron_id: &str,
) -> Result<Vec<CertificateRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT auth_fingerprint, auth_serial, auth_not_after, signing_fingerprint, \
         signing_serial, signing_not_after FROM patron_certificates WHERE patron_id = $1 \
         ORDER BY created_at",
    )
    .bind(patron_id)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CertificateRecord {
                auth_fingerprint: r.try_get("auth_fingerprint")?,
                auth_serial: r.try_get("auth_serial")?,
                auth_not_after: r.try_get("auth_not_after")?,
                signing_fingerprint: r.try_get("signing_fingerprint")?,
                signing_serial: r.try_get("signing_serial")?,
                signing_not_after: r.try_get("signing_not_after")?,
            })
        })
        .collect()
}

/// Delete a patron with their holds, queued and sent notices, sessions and
/// certificates (the card serial row stays, so a number is never issued twice).
pub(crate) async fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    for sql in [
        "DELETE FROM outbox WHERE patron_id = $1",
        "DELETE FROM holds WHERE patron_id = $1",
        "DELETE FROM reading_history WHERE patron_id = $1",
        "DELETE FROM sessions WHERE patron_id = $1",
        "DELETE FROM patron_certificates WHERE patron_id = $1",
        "DELETE FROM patrons WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gender_round_trips_through_the_text_column() {
        for (gender, text) in [
            (Gender::Male, "male"),
            (Gender::Female, "female"),
            (Gender::Unknown, "unknown"),
        ] {
            assert_eq!(gender_to_db(gender), text);
            assert_eq!(gender_from_db(text), Ok(gender));
        }
        for text in ["", "Male", "1", "女性", "other"] {
            assert_eq!(gender_from_db(text), Err(UnknownGender(text.to_owned())));
        }
    }
}
