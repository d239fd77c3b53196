//! The email outbox (DESIGN §2.10). Every email is queued here inside the
//! transaction of the action that caused it, so an invitation and its email
//! commit together or not at all. When SMTP is configured the server's
//! sender takes the rows that are due ([`claim_due`]) and records each
//! outcome ([`mark_sent`], [`mark_failed`]); without it they wait here
//! until it is.
//!
//! Bodies hold live one-time links, so they are stored sealed with the
//! firm's data key ([`enqueue`]), opened only by the sender
//! ([`open_body`]), and dropped once the email is sent or given up. The
//! admin's outbox page shows delivery status only, never a body.

use anyhow::Context as _;
use zeroize::Zeroizing;

use crate::domain::{AppError, outbox::OutboxView, policy::may_view_outbox};

use super::{
    ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    crypto::{DataKey, FieldAad, KeyService, decrypt_field, encrypt_field, envelope_key_id},
    db::{Db, WriteTx},
    new_id, now_ms,
};

/// The most emails one outbox page lists.
pub const MAX_PAGE_SIZE: i64 = 200;

/// What an email is for. Stored as text in `outbox.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailKind {
    /// A portal invitation with its one-time link.
    Invitation,
    /// A password reset with its one-time link.
    PasswordReset,
    /// "You have a new secure message", with a link and never the text.
    MessageNotice,
    /// "You have a new matter in your portal", with a link to it.
    MatterAccess,
    /// "A new enquiry has arrived", to intake staff, with a link and
    /// never its details.
    NewEnquiry,
}

impl EmailKind {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::PasswordReset => "password_reset",
            Self::MessageNotice => "message_notice",
            Self::MatterAccess => "matter_access",
            Self::NewEnquiry => "new_enquiry",
        }
    }
}

/// An email to queue. The body is plain text and must never hold a
/// password, a message body or any secret other than a one-time link.
#[derive(Clone, Debug)]
pub struct NewEmail<'a> {
    /// What it is for.
    pub kind: EmailKind,
    /// The recipient's address.
    pub to: &'a str,
    /// The subject line.
    pub subject: &'a str,
    /// The plain-text body.
    pub body: &'a str,
}

/// Where the body of outbox row `id` is sealed: it opens only there.
fn body_aad(id: &str) -> FieldAad<'_> {
    FieldAad {
        table: "outbox",
        column: "body_sealed",
        row_id: id,
    }
}

/// Queues an email inside the caller's write transaction, its body sealed
/// with `firm_key`. The caller fetches the key
/// ([`KeyService::firm_key`]) before it starts the transaction: fetching
/// may create the key, which takes the writer.
pub async fn enqueue(
    tx: &mut WriteTx,
    firm_key: &DataKey,
    email: &NewEmail<'_>,
) -> anyhow::Result<()> {
    let id = new_id();
    let sealed = encrypt_field(firm_key, &body_aad(&id), email.body.as_bytes())
        .context("sealing an email body")?;
    sqlx::query(
        "insert into outbox (id, to_address, subject, body_sealed, kind, created_at, attempts)
         values ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(id)
    .bind(email.to.to_owned())
    .bind(email.subject.to_owned())
    .bind(sealed)
    .bind(email.kind.as_str())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .with_context(|| format!("queueing a {} email", email.kind.as_str()))?;
    Ok(())
}

/// The body of `email`, opened with the data key its envelope names.
///
/// # Errors
/// When the email has no body (it was dropped), the key cannot be found,
/// or the envelope does not belong to this row.
pub async fn open_body(
    keys: &KeyService,
    db: &Db,
    email: &PendingEmail,
) -> anyhow::Result<Zeroizing<String>> {
    let sealed = email
        .sealed_body
        .as_deref()
        .context("the email has no body")?;
    let key_id = envelope_key_id(sealed).context("reading an email body's envelope")?;
    let key = keys.key_by_id(db, key_id).await?;
    let body =
        decrypt_field(&key, &body_aad(&email.id), sealed).context("opening an email body")?;
    let text = std::str::from_utf8(&body).context("an email body is not text")?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Seals the bodies of unsent mail queued before bodies were sealed
/// (migration 0015 kept them in `body_text`) and drops any other plaintext
/// body, so queued mail is still delivered and nothing stays readable. Run
/// at start, before the sender; returns how many were sealed.
///
/// # Errors
/// On database failure or when the firm key cannot be had.
pub async fn seal_plaintext_bodies(db: &Db, keys: &KeyService) -> anyhow::Result<usize> {
    let (unsealed,): (i64,) =
        sqlx::query_as("select count(*) from outbox where body_text is not null")
            .fetch_one(db.pool())
            .await
            .context("counting plaintext email bodies")?;
    if unsealed == 0 {
        return Ok(0);
    }
    let firm_key = keys.firm_key(db).await?;
    let pending: Vec<(String, String)> = sqlx::query_as(
        "select id, body_text from outbox
         where body_text is not null and sent_at is null and failed_at is null",
    )
    .fetch_all(db.pool())
    .await
    .context("reading plaintext email bodies")?;
    let mut tx = db.begin_write().await?;
    for (id, body) in &pending {
        let body = Zeroizing::new(body.as_bytes().to_vec());
        let sealed =
            encrypt_field(&firm_key, &body_aad(id), &body).context("sealing an email body")?;
        sqlx::query("update outbox set body_sealed = $1, body_text = null where id = $2")
            .bind(sealed)
            .bind(id.clone())
            .execute(tx.conn())
            .await
            .context("storing a sealed email body")?;
    }
    sqlx::query("update outbox set body_text = null where body_text is not null")
        .execute(tx.conn())
        .await
        .context("dropping plaintext email bodies")?;
    tx.commit().await?;
    tracing::info!(
        sealed = pending.len(),
        "sealed the email bodies queued before bodies were encrypted"
    );
    Ok(pending.len())
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: String,
    to_address: String,
    kind: String,
    created_at: i64,
    sent_at: Option<i64>,
    attempts: i64,
    last_error: Option<String>,
    failed_at: Option<i64>,
}

impl From<OutboxRow> for OutboxView {
    fn from(row: OutboxRow) -> Self {
        Self {
            id: row.id,
            to_address: row.to_address,
            kind: row.kind,
            created_at: row.created_at,
            sent_at: row.sent_at,
            attempts: row.attempts,
            last_error: row.last_error,
            failed_at: row.failed_at,
        }
    }
}

/// The newest emails, newest first, `limit` of them (clamped to
/// 1..=[`MAX_PAGE_SIZE`]), without their bodies. No access check: callers
/// decide who may read.
pub async fn list(db: &Db, limit: i64) -> anyhow::Result<Vec<OutboxView>> {
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "select id, to_address, kind, created_at, sent_at, attempts, last_error, failed_at
         from outbox order by created_at desc, id desc limit $1",
    )
    .bind(limit.clamp(1, MAX_PAGE_SIZE))
    .fetch_all(db.pool())
    .await
    .context("listing the outbox")?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The outbox page for a user the policy lets read it; anyone else gets
/// "not found". Reading is audited: it names who was sent what kind of mail.
pub async fn list_outbox(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
) -> Result<Vec<OutboxView>, ServiceError> {
    if !may_view_outbox(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    let emails = list(db, MAX_PAGE_SIZE).await?;
    let mut tx = db.begin_write().await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "outbox.viewed", AuditResult::Success)
            .detail(format!("{} emails listed", emails.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(emails)
}

/// An email claimed for sending, its body still sealed ([`open_body`]
/// opens it). Its `Debug` leaves out the body.
#[derive(Clone, sqlx::FromRow)]
pub struct PendingEmail {
    /// The outbox row.
    pub id: String,
    /// The recipient's address.
    #[sqlx(rename = "to_address")]
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The sealed body; `None` only if it was lost (dropped by hand).
    #[sqlx(rename = "body_sealed")]
    pub sealed_body: Option<Vec<u8>>,
    /// Attempts made, this one included.
    pub attempts: i64,
}

impl std::fmt::Debug for PendingEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingEmail")
            .field("id", &self.id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// The longest wait between two attempts at one email.
const MAX_RETRY_DELAY_MS: i64 = 60 * 60 * 1000;
/// After this many attempts (about a day of retries) an email is given up.
pub const MAX_ATTEMPTS: i64 = 30;
/// An email not sent within this time is given up rather than sent late:
/// its links (invitations last 7 days) would have expired, and turning SMTP
/// on must not flush a stale backlog on people.
pub const MAX_AGE_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// How long a claimed email is left alone by other senders. A sender that
/// dies mid-way leaves it due again after this, so nothing is lost.
const CLAIM_MS: i64 = 5 * 60 * 1000;

/// How long to wait after the `attempts`-th failed attempt: 30 s, doubling
/// each time, at most an hour.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    30_000_i64
        .saturating_mul(1_i64 << doublings)
        .min(MAX_RETRY_DELAY_MS)
}

/// Claims the unsent emails due at `now`, oldest first, at most `limit`,
/// counting the attempt. Claiming is one write: two senders (two servers,
/// or an old and a new process during a deploy) never take the same email.
/// Emails older than [`MAX_AGE_MS`] are given up instead.
pub async fn claim_due(db: &Db, now: i64, limit: i64) -> anyhow::Result<Vec<PendingEmail>> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "update outbox set failed_at = $1, last_error = 'not sent within 7 days; given up',
                           body_sealed = null
         where sent_at is null and failed_at is null and created_at < $2",
    )
    .bind(now)
    .bind(now.saturating_sub(MAX_AGE_MS))
    .execute(tx.conn())
    .await
    .context("giving up stale emails")?;
    // The outer conditions repeat the inner ones so that on PostgreSQL a
    // sender that waited for another's row lock re-checks the row it
    // finally sees, and skips it when that one claimed it.
    let claimed: Vec<PendingEmail> = sqlx::query_as(
        "update outbox set attempts = attempts + 1, next_attempt_at = $1
         where id in (select id from outbox
                      where sent_at is null and failed_at is null and next_attempt_at <= $2
                      order by created_at, id limit $3)
           and sent_at is null and failed_at is null and next_attempt_at <= $2
         returning id, to_address, subject, body_sealed, attempts",
    )
    .bind(now.saturating_add(CLAIM_MS))
    .bind(now)
    .bind(limit)
    .fetch_all(tx.conn())
    .await
    .context("claiming the emails due")?;
    tx.commit().await?;
    Ok(claimed)
}

/// Records that the email was handed to the mail server, and drops its
/// body: the link in it is the recipient's alone now.
pub async fn mark_sent(db: &Db, id: &str, now: i64) -> anyhow::Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "update outbox set sent_at = $1, last_error = null, body_sealed = null where id = $2",
    )
    .bind(now)
    .bind(id.to_owned())
    .execute(tx.conn())
    .await
    .context("marking an email sent")?;
    tx.commit().await?;
    Ok(())
}

/// Records a failed attempt: retried after [`retry_delay_ms`], or given up
/// when `permanent` (the mail server refused it for good) or after
/// [`MAX_ATTEMPTS`], and then its body is dropped. `error` is what the mail
/// server or the network said, with any address in it that looks like a
/// link removed.
pub async fn mark_failed(
    db: &Db,
    email: &PendingEmail,
    error: &str,
    permanent: bool,
    now: i64,
) -> anyhow::Result<()> {
    let give_up = permanent || email.attempts >= MAX_ATTEMPTS;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "update outbox set last_error = $1, next_attempt_at = $2, failed_at = $3,
                           body_sealed = case when $5 = 1 then null else body_sealed end
         where id = $4",
    )
    .bind(redact_links(error))
    .bind(now.saturating_add(retry_delay_ms(email.attempts)))
    .bind(give_up.then_some(now))
    .bind(email.id.clone())
    .bind(i64::from(give_up))
    .execute(tx.conn())
    .await
    .context("recording a failed email attempt")?;
    tx.commit().await?;
    Ok(())
}

/// `text`, at most 300 characters, with every word that looks like a link
/// replaced: a mail server's refusal may quote the body's one-time link.
fn redact_links(text: &str) -> String {
    let words: Vec<&str> = text
        .split(' ')
        .map(|word| if word.contains("://") { "[link]" } else { word })
        .collect();
    words.join(" ").chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let delays: Vec<i64> = (1..=9).map(retry_delay_ms).collect();
        assert_eq!(&delays[..4], &[30_000, 60_000, 120_000, 240_000]);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(retry_delay_ms(100), MAX_RETRY_DELAY_MS);
        assert_eq!(retry_delay_ms(0), 30_000);
    }

    #[test]
    fn a_failure_reason_never_keeps_a_link() {
        let reason =
            redact_links("550 rejected: contains https://portal.example/reset/abc123 (spam)");
        assert_eq!(reason, "550 rejected: contains [link] (spam)");
        assert!(redact_links(&"x".repeat(1000)).len() <= 300);
    }

    #[test]
    fn a_pending_email_never_shows_its_body() {
        let email = PendingEmail {
            id: "e1".into(),
            to: "alice@client.test".into(),
            subject: "Reset".into(),
            sealed_body: Some(b"https://portal.example/reset/secret-token".to_vec()),
            attempts: 1,
        };
        assert!(!format!("{email:?}").contains("secret-token"));
    }
}
