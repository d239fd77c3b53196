//! The "new secure message" emails: who is told, how often, and the
//! user's choice to turn them off.

use anyhow::Context as _;

use super::ThreadRow;
use crate::domain::ids::UserId;
use crate::server::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    crypto::DataKey,
    db::WriteTx,
    now_ms,
    outbox::{self, EmailKind, NewEmail},
    policy::participant_sql,
};

/// Queues "You have a new secure message" for every participant of the
/// thread but the sender: the matter's clients with portal access and its
/// team, not walled off, not disabled, who have not turned these emails
/// off and were not told about this thread within the batch window. The
/// email holds a link only, never the message (DESIGN §2.6); it is sealed
/// with `firm_key` like every outbox body.
pub(super) async fn notify_participants(
    state: &AppState,
    tx: &mut WriteTx,
    firm_key: &DataKey,
    thread: &ThreadRow,
    sender_id: &UserId,
) -> anyhow::Result<()> {
    let now = now_ms();
    let quiet_since = now - state.messaging.notify_batch_minutes.saturating_mul(60_000);
    let sql = format!(
        "select u.id, u.email from users u
         where u.id <> $1 and {}
           and not exists (select 1 from message_email_prefs p where p.user_id = u.id and p.enabled = 0)
           and not exists (select 1 from message_notices n
                           where n.thread_id = $3 and n.user_id = u.id and n.last_sent_at > $4)
         order by u.id",
        participant_sql("$2")
    );
    let recipients: Vec<(String, String)> = sqlx::query_as(&sql)
        .bind(sender_id.clone())
        .bind(thread.matter_id.clone())
        .bind(thread.id.clone())
        .bind(quiet_since)
        .fetch_all(tx.conn())
        .await
        .context("finding whom to tell about a new message")?;
    let link = crate::domain::links::thread_page(&state.public_url, &thread.id);
    let body = format!(
        "You have a new secure message in your Vellum portal.\n\n\
         Read it here: {link}\n\n\
         For your privacy the message itself is never sent by email.\n"
    );
    for (user_id, email) in recipients {
        outbox::enqueue(
            tx,
            firm_key,
            &NewEmail {
                kind: EmailKind::MessageNotice,
                to: &email,
                subject: "You have a new secure message",
                body: &body,
            },
        )
        .await?;
        sqlx::query(
            "insert into message_notices (thread_id, user_id, last_sent_at) values ($1, $2, $3)
             on conflict (thread_id, user_id) do update set last_sent_at = excluded.last_sent_at",
        )
        .bind(thread.id.clone())
        .bind(user_id)
        .bind(now)
        .execute(tx.conn())
        .await
        .context("recording a message notice")?;
    }
    Ok(())
}

/// Turns the principal's new-message emails on or off.
pub async fn set_message_emails(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    enabled: bool,
) -> Result<(), ServiceError> {
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into message_email_prefs (user_id, enabled) values ($1, $2)
         on conflict (user_id) do update set enabled = excluded.enabled",
    )
    .bind(principal.user_id.to_string())
    .bind(i64::from(enabled))
    .execute(tx.conn())
    .await
    .context("saving the message email preference")?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "message.emails_set",
            AuditResult::Success,
        )
        .detail(if enabled { "on" } else { "off" }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
