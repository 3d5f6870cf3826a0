//! Notices to patrons by email: "ready for pickup" and "pickup deadline
//! soon", through an outbox.
//!
//! A hold change queues its notice in the `outbox` table inside the same
//! write transaction that makes the hold ready (`enqueue_hold_ready`), so
//! a notice exists exactly when the change is committed. The sender
//! ([`deliver_due`], run every few seconds by [`spawn_sender`]) claims due
//! notices one at a time, mails them through a [`Mailer`] (SMTP:
//! [`SmtpMailer`]) and marks them sent; a failed attempt is counted, its
//! reason kept, and the notice is tried again after an exponential backoff
//! (1, 2, 4 … minutes, at most an hour), for as long as its hold is ready.
//! Nothing is dropped while the mail server is down: `/metrics` shows how
//! many notices wait and how many keep failing. Delivery is at least once:
//! a server that dies after the mail server took a message but before it
//! recorded that sends it again (with the same `Message-ID`).
//!
//! Privacy (docs/privacy.md): a notice names only the first part of the
//! title, the pickup branch and the deadline date, never the full title and
//! never the patron's name. Sent notices are deleted after
//! [`SENT_RETENTION_DAYS`] days, unsent ones as soon as their hold is no
//! longer ready, and a patron's notices with their account.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::AnyConnection;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{SmtpConfig, SmtpPassword, SmtpTls, StartError};
use crate::holds::library_date;
use crate::state::AppState;
use crate::store::outbox::{self, Kind, NewNotice};

const DAY: i64 = 86_400;

/// Sent notices are deleted this many days after they went out.
pub const SENT_RETENTION_DAYS: i64 = 7;

/// A notice that failed this many times counts as failing in `/metrics`
/// (`shiori_notices_failing`); it is still retried.
pub const FAILING_AFTER_ATTEMPTS: i64 = 5;

/// How long a claim keeps other senders off a notice (seconds). Longer than
/// one SMTP conversation can take with the timeouts allowed.
const LEASE_SECS: i64 = 15 * 60;

/// Notices one [`deliver_due`] call takes on at most.
const BATCH: i64 = 100;

/// The first retry waits this long (seconds); each further one twice as long…
const FIRST_RETRY_SECS: i64 = 60;
/// …up to this.
const MAX_RETRY_SECS: i64 = 3600;

/// Characters of the title a notice shows at most (and never more than half).
const PARTIAL_TITLE_CHARS: usize = 10;

/// The stored reason of a failed attempt is cut to this many characters.
const MAX_ERROR_CHARS: usize = 500;

/// Queue a "ready for pickup" notice for `hold_id`, which the caller's
/// transaction has just made `ready`. Does nothing if the hold is not ready,
/// its patron has no email address, or the notice is already queued.
pub(crate) async fn enqueue_hold_ready(
    conn: &mut AnyConnection,
    hold_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    enqueue(conn, hold_id, Kind::HoldReady, now).await?;
    Ok(())
}

/// Queue "pickup deadline soon" notices for ready holds whose deadline is
/// `days` days away or less (and that were ready before that), once per
/// hold. Returns how many were queued.
pub(crate) async fn enqueue_deadline_soon(
    conn: &mut AnyConnection,
    now: i64,
    days: u32,
) -> Result<u64, sqlx::Error> {
    if days == 0 {
        return Ok(0);
    }
    let window = i64::from(days) * DAY;
    let mut queued = 0;
    for hold_id in outbox::holds_needing_deadline_notice(conn, now, now + window, window).await? {
        if enqueue(conn, &hold_id, Kind::PickupDeadlineSoon, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

async fn enqueue(
    conn: &mut AnyConnection,
    hold_id: &str,
    kind: Kind,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let Some(hold) = outbox::ready_hold(conn, hold_id).await? else {
        return Ok(false);
    };
    if hold.email.trim().is_empty() {
        return Ok(false);
    }
    let notice = render(kind, &hold);
    let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>());
    outbox::insert(
        conn,
        &NewNotice {
            id: &id,
            kind,
            patron_id: &hold.patron_id,
            hold_id,
            recipient: hold.email.trim(),
            subject: &notice.subject,
            body: &notice.body,
        },
        now,
    )
    .await
}

/// Subject and body of a notice.
struct Rendered {
    subject: String,
    body: String,
}

/// The mail text: Japanese first, then English.
fn render(kind: Kind, hold: &outbox::ReadyHold) -> Rendered {
    let title = partial_title(&hold.title);
    let date = library_date(hold.pickup_deadline);
    let branch = &hold.branch_name;
    let branch_en = hold.branch_name_en.as_deref().unwrap_or(branch);
    let (subject, ja_lead, en_lead) = match kind {
        Kind::HoldReady => (
            "【図書館】ご予約の資料が用意できました / Your reserved item is ready",
            "ご予約の資料が用意できました。取置期限までに受取館のカウンターでお受け取りください。",
            "Your reserved item is ready. Please collect it at the counter of the pickup library by the deadline.",
        ),
        Kind::PickupDeadlineSoon => (
            "【図書館】ご予約の資料の取置期限が近づいています / Pickup deadline soon",
            "ご予約の資料の取置期限が近づいています。期限までに受取館のカウンターでお受け取りください。",
            "The pickup deadline of your reserved item is near. Please collect it at the counter of the pickup library by then.",
        ),
    };
    let body = format!(
        "{ja_lead}\n\
         \n\
         資料: {title}\n\
         受取館: {branch}\n\
         取置期限: {date} まで\n\
         \n\
         期限を過ぎると予約は取り消されます。資料の詳細は、図書館のウェブサイトまたはアプリにログインしてご確認ください。\n\
         このメールは送信専用です。\n\
         \n\
         ----\n\
         \n\
         {en_lead}\n\
         \n\
         Item: {title}\n\
         Pickup library: {branch_en}\n\
         Pick up by: {date} (Japan time, end of day)\n\
         \n\
         After the deadline the hold is cancelled. Log in to the library's website or app for the details of the item.\n\
         This message was sent automatically; replies are not read.\n"
    );
    Rendered {
        subject: subject.to_owned(),
        body,
    }
}

/// The first part of a title, never all of it: at most
/// [`PARTIAL_TITLE_CHARS`] characters and at most half of them, then "…".
pub(crate) fn partial_title(title: &str) -> String {
    let title = title.trim();
    let keep = (title.chars().count() / 2).min(PARTIAL_TITLE_CHARS);
    let shown: String = title.chars().take(keep).collect();
    format!("{}…", shown.trim_end())
}

/// The wait before the next try after `attempts` failed ones.
fn backoff_secs(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 12)).unwrap_or(12);
    FIRST_RETRY_SECS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_RETRY_SECS)
}

/// One mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The notice's id (also the local part of its `Message-ID`).
    pub id: String,
    /// The patron's address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain text body.
    pub body: String,
}

/// Why a mail was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The recipient address cannot be used.
    #[error("invalid recipient address: {0}")]
    InvalidRecipient(String),
    /// The message could not be put together.
    #[error("message: {0}")]
    Message(String),
    /// The mail server could not be reached or the conversation broke off
    /// (connection refused, timeout, TLS failure): the notices after this
    /// one wait for the next run.
    #[error("mail server unavailable: {0}")]
    Unavailable(String),
    /// The mail server answered with a temporary failure (4xx).
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The mail server refused the message (5xx). Retried all the same
    /// (with the longest backoff soon); `/metrics` shows it failing.
    #[error("refused: {0}")]
    Permanent(String),
}

impl SendError {
    /// Stable code, for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            SendError::InvalidRecipient(_) => "invalid_recipient",
            SendError::Message(_) => "message",
            SendError::Unavailable(_) => "smtp_unavailable",
            SendError::Transient(_) => "smtp_transient",
            SendError::Permanent(_) => "smtp_permanent",
        }
    }
}

/// A boxed future of a send.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// Something that sends mail: [`SmtpMailer`], or a fake in tests.
pub trait Mailer: Send + Sync {
    /// Hand one mail to the mail system; `Ok` once it accepted it.
    fn send<'a>(&'a self, mail: &'a Mail) -> SendFuture<'a>;
}

/// Sends through an SMTP server (lettre), one connection per mail.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.email.to_string())
            .finish_non_exhaustive()
    }
}

/// Check an `[smtp]` section without connecting (at start-up).
pub(crate) fn check_config(config: &SmtpConfig) -> Result<Mailbox, StartError> {
    let bad = |what: String| StartError::Config(format!("smtp: {what}"));
    if config.host.trim().is_empty() {
        return Err(bad("host is empty".into()));
    }
    if config.port() == 0 {
        return Err(bad("port 0".into()));
    }
    if config.username.is_some() && config.tls == SmtpTls::None {
        return Err(bad(
            "username with tls = \"none\" would send the password in clear text".into(),
        ));
    }
    if config.poll_secs == 0 || config.timeout_secs == 0 {
        return Err(bad("poll_secs and timeout_secs must be at least 1".into()));
    }
    config
        .from
        .parse::<Mailbox>()
        .map_err(|e| bad(format!("from {:?}: {e}", config.from)))
}

impl SmtpMailer {
    /// A mailer for the `[smtp]` section; `password` goes with `username`
    /// (both or neither).
    pub fn new(config: &SmtpConfig, password: Option<SmtpPassword>) -> Result<Self, StartError> {
        let from = check_config(config)?;
        let bad = |what: String| StartError::Config(format!("smtp: {what}"));
        let tls = |host: &str| {
            TlsParameters::new(host.to_owned()).map_err(|e| bad(format!("TLS setup: {e}")))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port())
            .timeout(Some(Duration::from_secs(config.timeout_secs)));
        builder = match config.tls {
            SmtpTls::None => builder.tls(Tls::None),
            SmtpTls::Starttls => builder.tls(Tls::Required(tls(&config.host)?)),
            SmtpTls::Tls => builder.tls(Tls::Wrapper(tls(&config.host)?)),
        };
        match (&config.username, password) {
            (Some(user), Some(password)) => {
                builder = builder
                    .credentials(Credentials::new(user.clone(), password.expose().to_owned()));
            }
            (Some(_), None) => {
                return Err(bad(format!(
                    "username is set but {} is not",
                    SmtpPassword::ENV
                )))
            }
            (None, Some(_)) => {
                tracing::warn!(
                    "{} is set but smtp.username is not: not used",
                    SmtpPassword::ENV
                );
            }
            (None, None) => {}
        }
        let domain = from.email.domain().to_owned();
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
            domain,
        })
    }

    fn message(&self, mail: &Mail) -> Result<Message, SendError> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                SendError::InvalidRecipient(e.to_string())
            })?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .message_id(Some(format!("<{}@{}>", mail.id, self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| SendError::Message(e.to_string()))
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> SendFuture<'a> {
        Box::pin(async move {
            let message = self.message(mail)?;
            match self.transport.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) if e.is_transient() => Err(SendError::Transient(e.to_string())),
                Err(e) => Err(SendError::Unavailable(e.to_string())),
            }
        })
    }
}

/// What one [`deliver_due`] run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Notices the mail server accepted.
    pub sent: u32,
    /// Attempts that failed (the notices wait for their retry).
    pub failed: u32,
    /// Due notices another sender claimed first.
    pub claimed_elsewhere: u32,
    /// Notices dropped because their hold is no longer ready.
    pub moot: u32,
    /// The run stopped early: the mail server could not be reached.
    pub server_unavailable: bool,
}

/// Why [`deliver_due`] could not run.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl NotifyError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            NotifyError::Database(_) => "database",
        }
    }
}

/// Send the notices due at `now` (up to a batch): claim each, mail it, mark
/// it sent, or count the failure and schedule the retry. Safe to run from
/// several tasks or server instances at once: each notice is sent by the
/// one whose claim succeeded. Stops at the first notice the mail server
/// could not even be reached for; the rest wait for the next run.
pub async fn deliver_due(
    state: &AppState,
    mailer: &dyn Mailer,
    now: i64,
) -> Result<DeliveryReport, NotifyError> {
    let pool = state.db().pool();
    let metrics = &state.inner().metrics;
    let mut report = DeliveryReport::default();
    for id in outbox::due(pool, now, BATCH).await? {
        if !outbox::claim(pool, &id, now, now + LEASE_SECS).await? {
            report.claimed_elsewhere += 1;
            continue;
        }
        let Some(notice) = outbox::get(pool, &id).await? else {
            continue;
        };
        if !notice.hold_ready {
            outbox::delete(pool, &id).await?;
            report.moot += 1;
            continue;
        }
        let mail = Mail {
            id: notice.id,
            recipient: notice.recipient,
            subject: notice.subject,
            body: notice.body,
        };
        match mailer.send(&mail).await {
            Ok(()) => {
                outbox::mark_sent(pool, &mail.id, now).await?;
                metrics.notice_sent();
                report.sent += 1;
            }
            Err(e) => {
                let attempts = notice.attempts.saturating_add(1);
                let wait = backoff_secs(attempts);
                let reason: String = e.to_string().chars().take(MAX_ERROR_CHARS).collect();
                outbox::mark_failed(pool, &mail.id, &reason, now + wait).await?;
                metrics.notice_failed();
                report.failed += 1;
                // The reason itself stays in the outbox (it may quote the
                // patron's address back); the log gets the code only.
                tracing::warn!(
                    notice = %mail.id,
                    attempts,
                    code = e.code(),
                    retry_in_secs = wait,
                    "notice not delivered; see outbox.last_error"
                );
                if matches!(e, SendError::Unavailable(_)) {
                    report.server_unavailable = true;
                    break;
                }
            }
        }
    }
    Ok(report)
}

/// Delete sent notices older than [`SENT_RETENTION_DAYS`] and unsent ones
/// whose hold is no longer ready. Returns how many went.
pub async fn purge(state: &AppState, now: i64) -> Result<u64, NotifyError> {
    let mut conn = state.db().pool().acquire().await?;
    Ok(outbox::purge(&mut conn, now - SENT_RETENTION_DAYS * DAY).await?)
}

/// Notices not yet sent, and those of them that failed at least
/// [`FAILING_AFTER_ATTEMPTS`] times (for `/metrics`).
pub(crate) async fn undelivered(state: &AppState) -> Result<(i64, i64), sqlx::Error> {
    outbox::undelivered(state.db().pool(), FAILING_AFTER_ATTEMPTS).await
}

/// The background sender: runs [`purge`] and [`deliver_due`] every `every`
/// until [`Sender::stop`].
#[derive(Debug)]
pub struct Sender {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Sender {
    /// Ask the sender to stop and wait until it has (a mail being sent is
    /// finished first).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!("notice sender ended abnormally: {e}");
        }
    }
}

/// Start the background sender on the current tokio runtime.
pub fn spawn_sender(state: &AppState, mailer: Arc<dyn Mailer>, every: Duration) -> Sender {
    let (stop, mut stopped) = watch::channel(false);
    let state = state.clone();
    let task = tokio::spawn(async move {
        loop {
            let now = state.now();
            if let Err(e) = purge(&state, now).await {
                tracing::error!(code = e.code(), "purging sent notices: {e}");
            }
            match deliver_due(&state, &*mailer, now).await {
                Ok(r) if r.sent > 0 || r.failed > 0 => tracing::info!(
                    sent = r.sent,
                    failed = r.failed,
                    server_unavailable = r.server_unavailable,
                    "notices"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(code = e.code(), "sending notices: {e}"),
            }
            tokio::select! {
                changed = stopped.changed() => {
                    if changed.is_err() || *stopped.borrow() {
                        break;
                    }
                }
                () = tokio::time::sleep(every) => {}
            }
        }
    });
    Sender { stop, task }
}

/// The sender for the configuration `state` runs with: `None` (and a
/// warning) without an `[smtp]` section. The password comes from
/// `SHIORI_SMTP_PASSWORD`.
pub(crate) fn start_configured(state: &AppState) -> Result<Option<Sender>, StartError> {
    let Some(smtp) = &state.config().smtp else {
        tracing::warn!(
            "no [smtp] configured: notices to patrons are queued in the outbox and NOT mailed"
        );
        return Ok(None);
    };
    let mailer = SmtpMailer::new(smtp, SmtpPassword::from_env())?;
    tracing::info!(
        host = %smtp.host,
        port = smtp.port(),
        tls = ?smtp.tls,
        "notices are mailed through SMTP"
    );
    Ok(Some(spawn_sender(
        state,
        Arc::new(mailer),
        Duration::from_secs(smtp.poll_secs),
    )))
}

#[cfg(test)]
mod tests {
    use super::{backoff_secs, partial_title};

    #[test]
    fn titles_are_never_shown_whole() {
        assert_eq!(
            partial_title("Harry Potter and the Philosopher's Stone"),
            "Harry Pott…"
        );
        assert_eq!(
            partial_title("猫を棄てる 父親について語るとき"),
            "猫を棄てる 父親…"
        );
        assert_eq!(partial_title("吾輩は猫である"), "吾輩は…");
        assert_eq!(partial_title("雪国"), "雪…");
        assert_eq!(partial_title("海"), "…");
        assert_eq!(partial_title(""), "…");
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(backoff_secs).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(backoff_secs(i64::MAX), 3600);
        assert_eq!(backoff_secs(0), 60);
    }
}
