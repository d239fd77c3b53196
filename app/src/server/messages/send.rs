//! Starting threads, sending messages and retracting them.

use anyhow::Context as _;

use super::{
    ThreadRow,
    attachments::{Attachable, attachable, share_on_send},
    body_aad, body_row_id, client_touchpoint, find_thread,
    notices::notify_participants,
    threads::mark_read,
};
use crate::{
    domain::{
        AppError,
        ids::{DocumentId, MatterId, MessageId, ThreadId, UserId},
        message::{validate_body, validate_message, validate_subject},
        policy::may_retract_message,
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        crypto::{DataKey, encrypt_field},
        db::WriteTx,
        new_id, now_ms,
        policy::{authorize_matter, deny, ensure_matter_open},
    },
};

/// Seals and stores one message inside `tx` under `key` (the matter's data
/// key, fetched before the write transaction: creating it may write too),
/// with the document versions it carries, moving the thread's last-message
/// time and the sender's read receipt along.
pub(super) async fn insert_message(
    key: &DataKey,
    tx: &mut WriteTx,
    thread: &ThreadRow,
    sender_id: &UserId,
    body: &str,
    attachments: &[Attachable],
) -> Result<MessageId, ServiceError> {
    let message_id = MessageId::from_trusted(new_id());
    let row_id = body_row_id(&thread.id, &message_id);
    let sealed =
        encrypt_field(key, &body_aad(&row_id), body.as_bytes()).context("sealing a message")?;
    let now = now_ms();
    sqlx::query("insert into messages (id, thread_id, sender_id, body_sealed, created_at) values ($1, $2, $3, $4, $5)")
        .bind(message_id.clone())
        .bind(thread.id.clone())
        .bind(sender_id.clone())
        .bind(sealed)
        .bind(now)
        .execute(tx.conn())
        .await
        .context("storing a message")?;
    for (position, file) in (1_i64..).zip(attachments) {
        // Checked again inside the write: the firm may have made the
        // document internal since it was looked up.
        let linked = sqlx::query(
            "insert into message_attachments (message_id, position, version_id)
             select $1, $2, v.id from document_versions v join documents d on d.id = v.document_id
             where v.id = $3 and d.visibility = 'client'",
        )
        .bind(message_id.clone())
        .bind(position)
        .bind(file.version_id.clone())
        .execute(tx.conn())
        .await
        .context("storing a message attachment")?;
        if linked.rows_affected() != 1 {
            return Err(AppError::BadRequest(
                "One of the files is no longer shared with the client; send the message again without it."
                    .to_owned(),
            )
            .into());
        }
    }
    sqlx::query("update message_threads set last_message_at = $1 where id = $2")
        .bind(now)
        .bind(thread.id.clone())
        .execute(tx.conn())
        .await
        .context("moving a thread's last-message time")?;
    mark_read(tx, &thread.id, sender_id, &message_id).await?;
    Ok(message_id)
}

/// Sends a message to a thread the principal may take part in, carrying
/// the documents `attachments` (see
/// [`crate::domain::message::parse_attachments`]). Returns the new
/// message's id.
pub async fn send_message(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    thread_id: &ThreadId,
    body: &str,
    document_ids: &[DocumentId],
) -> Result<MessageId, ServiceError> {
    let body = validate_message(body, document_ids.len())?;
    let thread = find_thread(&state.db, principal, client, thread_id).await?;
    let files = attachable(state, principal, client, &thread, document_ids).await?;
    let out = Outgoing {
        thread: &thread,
        body,
        files: &files,
        new_thread: false,
    };
    deliver(state, principal, client, &out).await
}

/// A message on its way out: the first of a new thread, or the next one
/// of a thread that exists.
struct Outgoing<'a> {
    thread: &'a ThreadRow,
    body: &'a str,
    files: &'a [Attachable],
    new_thread: bool,
}

/// Writes a message (and its new thread) in one transaction with what goes
/// with it: shared files, the audit row, the client's touchpoint, the
/// follow-up the firm's answer closes and the participants' emails; then
/// tells open pages. Returns the message's id.
async fn deliver(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    out: &Outgoing<'_>,
) -> Result<MessageId, ServiceError> {
    let thread = out.thread;
    ensure_matter_open(&state.db, &thread.matter_id).await?;
    // Fetched before the write transaction: creating a key may write too.
    let key = state.keys.matter_key(&state.db, &thread.matter_id).await?;
    let firm_key = state.keys.firm_key(&state.db).await?;
    let mut tx = state.db.begin_write().await?;
    if out.new_thread {
        create_thread(&mut tx, thread, &principal.user_id).await?;
    } else {
        share_on_send(&mut tx, principal, client, thread, out.files).await?;
    }
    let message_id = insert_message(
        &key,
        &mut tx,
        thread,
        &principal.user_id,
        out.body,
        out.files,
    )
    .await?;
    let (detail, summary) = if out.new_thread {
        (
            format!("new thread {}", thread.id),
            "Started a secure conversation",
        )
    } else {
        let files = out.files.len();
        (
            format!("thread {}, {files} attachment(s)", thread.id),
            "Sent a secure message",
        )
    };
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "message.sent", AuditResult::Success)
            .on(&message_id)
            .detail(detail),
    )
    .await?;
    client_touchpoint(&mut tx, principal, thread, "portal.message.sent", summary).await?;
    if !out.new_thread && principal.role.is_firm() {
        complete_follow_ups(&mut tx, &thread.id, principal).await?;
    }
    notify_participants(state, &mut tx, &firm_key, thread, &principal.user_id).await?;
    tx.commit().await?;
    state.message_bus.publish(&thread.id);
    Ok(message_id)
}

/// The firm answered: the thread's open follow-up task is done.
async fn complete_follow_ups(
    tx: &mut WriteTx,
    thread_id: &ThreadId,
    principal: &Principal,
) -> anyhow::Result<()> {
    let done =
        sqlx::query("update tasks set status = 'done' where thread_id = $1 and status = 'open'")
            .bind(thread_id.clone())
            .execute(tx.conn())
            .await
            .context("completing a thread's follow-up task")?;
    if done.rows_affected() > 0 {
        audit::append(
            tx,
            &AuditEntry::new("task.completed", AuditResult::Success)
                .actor(principal.user_id.to_string())
                .on(thread_id)
                .detail(format!("the firm answered thread {thread_id}")),
        )
        .await?;
    }
    Ok(())
}

/// Starts a thread on a matter the principal may see, with its first
/// message. Returns the thread's id.
pub async fn start_thread(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    subject: &str,
    body: &str,
) -> Result<ThreadId, ServiceError> {
    let subject = validate_subject(subject)?;
    let body = validate_body(body)?;
    authorize_matter(&state.db, principal, client, matter_id).await?;
    let (number,): (String,) = sqlx::query_as("select number from matters where id = $1")
        .bind(matter_id.clone())
        .fetch_one(state.db.pool())
        .await
        .context("loading a matter's number")?;
    let thread = ThreadRow {
        id: ThreadId::from_trusted(new_id()),
        matter_id: matter_id.clone(),
        number,
        subject: subject.to_owned(),
    };
    let out = Outgoing {
        thread: &thread,
        body,
        files: &[],
        new_thread: true,
    };
    deliver(state, principal, client, &out).await?;
    Ok(thread.id)
}

pub(super) async fn create_thread(
    tx: &mut WriteTx,
    thread: &ThreadRow,
    created_by: &UserId,
) -> anyhow::Result<()> {
    let now = now_ms();
    sqlx::query(
        "insert into message_threads (id, matter_id, subject, created_by, created_at, last_message_at)
         values ($1, $2, $3, $4, $5, $5)",
    )
    .bind(thread.id.clone())
    .bind(thread.matter_id.clone())
    .bind(thread.subject.clone())
    .bind(created_by.clone())
    .bind(now)
    .execute(tx.conn())
    .await
    .context("creating a message thread")?;
    Ok(())
}

/// Retracts a message its sender wrote. The ciphertext stays (messages are
/// never changed); a retraction row hides it and the audit log records who
/// did it. Retracting twice is a no-op.
pub async fn retract_message(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    message_id: &MessageId,
) -> Result<(), ServiceError> {
    let found: Option<(ThreadId, String)> =
        sqlx::query_as("select thread_id, sender_id from messages where id = $1")
            .bind(message_id.clone())
            .fetch_optional(state.db.pool())
            .await
            .context("loading a message")?;
    let Some((thread_id, sender_id)) = found else {
        return Err(deny(&state.db, principal, client, message_id, "missing").await);
    };
    // Checks that the thread is visible before revealing anything about the
    // sender.
    let thread = find_thread(&state.db, principal, client, &thread_id).await?;
    if !may_retract_message(&principal.subject(), &sender_id) {
        return Err(AppError::NotFound.into());
    }
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into message_retractions (message_id, retracted_by, retracted_at) values ($1, $2, $3)
         on conflict (message_id) do nothing",
    )
    .bind(message_id.clone())
    .bind(principal.user_id.to_string())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("retracting a message")?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "message.retracted", AuditResult::Success)
            .on(message_id)
            .detail(format!("thread {}", thread.id)),
    )
    .await?;
    tx.commit().await?;
    state.message_bus.publish_retraction(&thread.id, message_id);
    Ok(())
}
