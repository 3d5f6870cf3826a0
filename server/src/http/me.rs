//! `/api/v1/me…`: the patron's own record, library card (JSON and images),
//! data export and account deletion. All need a bearer token.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use shiori_core::api::{LibraryCard, Patron};
use shiori_core::library_card::{BarcodeStyle, LibraryCardNumber, QrStyle};

use super::extract::CurrentPatron;
use crate::error::ApiErrorResponse;
use crate::state::AppState;
use crate::store::patrons::{self, CertificateRecord};
use crate::store::sessions::{self, SessionInfo};
use crate::time_fmt::rfc3339;

async fn patron(state: &AppState, current: &CurrentPatron) -> Result<Patron, ApiErrorResponse> {
    patrons::load(state.db().pool(), &current.patron_id)
        .await?
        .ok_or_else(ApiErrorResponse::unauthorized)
}

fn card_number(state: &AppState, p: &Patron) -> Result<LibraryCardNumber, ApiErrorResponse> {
    state
        .card_number_scheme()
        .parse(&p.card_number)
        .map_err(|e| ApiErrorResponse::internal(format_args!("stored card number: {e}")))
}

fn library_card(state: &AppState, p: &Patron) -> Result<LibraryCard, ApiErrorResponse> {
    let number = card_number(state, p)?;
    Ok(LibraryCard {
        card_number: number.digits().to_owned(),
        human_readable: number.human_readable(),
        barcode_payload: number.barcode_payload(),
        name: p.name.clone(),
    })
}

/// `GET /me`.
pub(crate) async fn get_me(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Json<Patron>, ApiErrorResponse> {
    Ok(Json(patron(&state, &current).await?))
}

/// `GET /me/card`.
pub(crate) async fn card(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Json<LibraryCard>, ApiErrorResponse> {
    let p = patron(&state, &current).await?;
    Ok(Json(library_card(&state, &p)?))
}

/// Which picture of the card.
#[derive(Debug, Clone, Copy)]
enum Image {
    BarcodeSvg,
    BarcodePng,
    QrSvg,
    QrPng,
}

async fn image(
    state: AppState,
    current: CurrentPatron,
    which: Image,
) -> Result<Response, ApiErrorResponse> {
    let p = patron(&state, &current).await?;
    let number = card_number(&state, &p)?;
    let render = |e: shiori_core::library_card::RenderError| {
        ApiErrorResponse::internal(format_args!("rendering the card: {e}"))
    };
    let (content_type, body) = match which {
        Image::BarcodeSvg => (
            "image/svg+xml",
            number
                .to_svg(&BarcodeStyle::default())
                .map_err(render)?
                .into_bytes(),
        ),
        Image::BarcodePng => (
            "image/png",
            number.to_png(&BarcodeStyle::default()).map_err(render)?,
        ),
        Image::QrSvg => (
            "image/svg+xml",
            number
                .qr_svg(&QrStyle::default())
                .map_err(render)?
                .into_bytes(),
        ),
        Image::QrPng => (
            "image/png",
            number.qr_png(&QrStyle::default()).map_err(render)?,
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        body,
    )
        .into_response())
}

/// `GET /me/card.svg`: the NW-7 barcode.
pub(crate) async fn card_svg(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Response, ApiErrorResponse> {
    image(state, current, Image::BarcodeSvg).await
}

/// `GET /me/card.png`: the NW-7 barcode.
pub(crate) async fn card_png(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Response, ApiErrorResponse> {
    image(state, current, Image::BarcodePng).await
}

/// `GET /me/card-qr.svg`.
pub(crate) async fn card_qr_svg(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Response, ApiErrorResponse> {
    image(state, current, Image::QrSvg).await
}

/// `GET /me/card-qr.png`.
pub(crate) async fn card_qr_png(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Response, ApiErrorResponse> {
    image(state, current, Image::QrPng).await
}

/// Everything stored about the patron (`GET /me/export`).
#[derive(Debug, serde::Serialize)]
pub(crate) struct Export {
    patron: Patron,
    card: LibraryCard,
    certificates: Vec<ExportedCertificate>,
    sessions: Vec<ExportedSession>,
    holds: Vec<shiori_core::api::Hold>,
    loans: Vec<shiori_core::api::Loan>,
    reading_history: Vec<shiori_core::api::HistoryEntry>,
    /// E-mail notices queued or sent in the last week (the outbox keeps
    /// sent ones 7 days).
    notices: Vec<ExportedNotice>,
    exported_at: String,
}

#[derive(Debug, serde::Serialize)]
struct ExportedNotice {
    kind: String,
    recipient: String,
    subject: String,
    body: String,
    created_at: String,
    sent_at: Option<String>,
    attempts: i64,
}

impl From<crate::store::outbox::PatronNotice> for ExportedNotice {
    fn from(n: crate::store::outbox::PatronNotice) -> Self {
        Self {
            kind: n.kind,
            recipient: n.recipient,
            subject: n.subject,
            body: n.body,
            created_at: rfc3339(n.created_at),
            sent_at: n.sent_at.map(rfc3339),
            attempts: n.attempts,
        }
    }
}

#[derive(Debug, serde::Serialize)]
struct ExportedCertificate {
    auth_certificate_sha256: String,
    auth_certificate_serial: String,
    auth_certificate_not_after: String,
    signing_certificate_sha256: String,
    signing_certificate_serial: String,
    signing_certificate_not_after: String,
}

impl From<CertificateRecord> for ExportedCertificate {
    fn from(c: CertificateRecord) -> Self {
        Self {
            auth_certificate_sha256: c.auth_fingerprint,
            auth_certificate_serial: c.auth_serial,
            auth_certificate_not_after: rfc3339(c.auth_not_after),
            signing_certificate_sha256: c.signing_fingerprint,
            signing_certificate_serial: c.signing_serial,
            signing_certificate_not_after: rfc3339(c.signing_not_after),
        }
    }
}

#[derive(Debug, serde::Serialize)]
struct ExportedSession {
    created_at: String,
    expires_at: String,
}

impl From<SessionInfo> for ExportedSession {
    fn from(s: SessionInfo) -> Self {
        Self {
            created_at: rfc3339(s.created_at),
            expires_at: rfc3339(s.expires_at),
        }
    }
}

/// `GET /me/export`.
pub(crate) async fn export(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<Json<Export>, ApiErrorResponse> {
    let p = patron(&state, &current).await?;
    let card = library_card(&state, &p)?;
    let certificates = patrons::certificates(state.db().pool(), &p.id).await?;
    let sessions = sessions::list(state.db().pool(), &p.id).await?;
    Ok(Json(Export {
        patron: p,
        card,
        certificates: certificates.into_iter().map(Into::into).collect(),
        sessions: sessions.into_iter().map(Into::into).collect(),
        holds: crate::holds::list(&state, &current.patron_id).await?,
        loans: crate::circulation::loans_of(&state, &current.patron_id).await?,
        reading_history: crate::store::loans::history(state.db().pool(), &current.patron_id)
            .await?
            .into_iter()
            .map(
                |(title_id, title, returned_on)| shiori_core::api::HistoryEntry {
                    title_id,
                    title,
                    returned_on,
                },
            )
            .collect(),
        notices: crate::store::outbox::of_patron(state.db().pool(), &current.patron_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
        exported_at: rfc3339(state.now()),
    }))
}

/// `DELETE /me`: the patron, their certificates and sessions, in one
/// transaction (204).
pub(crate) async fn delete_me(
    State(state): State<AppState>,
    current: CurrentPatron,
) -> Result<StatusCode, ApiErrorResponse> {
    let mut tx = crate::store::begin_write(state.db()).await?;
    if crate::store::loans::count_of_patron(&mut tx, &current.patron_id).await? > 0 {
        return Err(ApiErrorResponse::new(
            StatusCode::CONFLICT,
            "loans_outstanding",
            "please return the copies you have out before deleting your account",
        ));
    }
    crate::holds::release_patron(&mut tx, &current.patron_id, state.now()).await?;
    patrons::delete(&mut tx, &current.patron_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
