//! Listing and reading threads: unread counts, opening a thread (which
//! reads it), read receipts, and the messages a stream sends.

use anyhow::Context as _;

use super::{
    ThreadRow, attachments::load_attachments, body_aad, body_row_id, client_touchpoint, find_thread,
};
use crate::{
    domain::{
        ids::{MessageId, ThreadId, UserId},
        message::{
            MAX_MESSAGES, MAX_THREADS, MessageView, ReceiptView, ThreadSummaryView, ThreadView,
        },
        policy::composer_upload_visibility,
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        crypto::{decrypt_field, envelope_key_id},
        db::{Db, WriteTx},
        now_ms,
        policy::{deny, participant_sql, visible_matter_sql},
    },
};

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: ThreadId,
    number: String,
    title: String,
    subject: String,
    last_message_at: i64,
    unread: i64,
}

/// The threads the principal may take part in, most recent first, with
/// their unread counts.
pub async fn list_threads(
    db: &Db,
    principal: &Principal,
) -> Result<Vec<ThreadSummaryView>, ServiceError> {
    let sql = format!(
        "select t.id, m.number, m.title, t.subject, t.last_message_at,
                (select count(*) from messages x
                 where x.thread_id = t.id and x.sender_id <> $1
                   and x.id > coalesce((select r.last_read_message_id from message_reads r
                                        where r.thread_id = t.id and r.user_id = $1), '')) as unread
         from message_threads t join matters m on m.id = t.matter_id
         where {}
         order by t.last_message_at desc, t.id desc limit $3",
        visible_matter_sql("$1", "$2")
    );
    let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
        .bind(principal.user_id.to_string())
        .bind(principal.role.as_str())
        .bind(MAX_THREADS)
        .fetch_all(db.pool())
        .await
        .context("listing message threads")?;
    Ok(rows
        .into_iter()
        .map(|r| ThreadSummaryView {
            id: r.id.into(),
            matter_number: r.number,
            matter_title: r.title,
            subject: r.subject,
            last_message_at: r.last_message_at,
            unread: r.unread,
        })
        .collect())
}

/// How many messages from others the principal has not read, over every
/// thread they may take part in: the number next to "Messages".
pub async fn count_unread_messages(db: &Db, principal: &Principal) -> Result<i64, ServiceError> {
    let sql = format!(
        "select count(*) from messages x
         join message_threads t on t.id = x.thread_id
         join matters m on m.id = t.matter_id
         where x.sender_id <> $1
           and x.id > coalesce((select r.last_read_message_id from message_reads r
                                where r.thread_id = t.id and r.user_id = $1), '')
           and {}",
        visible_matter_sql("$1", "$2")
    );
    let (count,): (i64,) = sqlx::query_as(&sql)
        .bind(principal.user_id.to_string())
        .bind(principal.role.as_str())
        .fetch_one(db.pool())
        .await
        .context("counting unread messages")?;
    Ok(count)
}

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    pub(super) id: MessageId,
    sender_id: String,
    sender_name: String,
    body_sealed: Vec<u8>,
    created_at: i64,
    retracted: i64,
}

/// Decrypts the body of message `message_id` in thread `thread_id`.
///
/// # Errors
/// When the ciphertext was sealed for another message or thread, or was
/// altered: the error chain names the message and says the value does not
/// belong to this record. The plaintext is never part of an error.
pub async fn open_body(
    state: &AppState,
    thread_id: &ThreadId,
    message_id: &MessageId,
    sealed: &[u8],
) -> anyhow::Result<String> {
    let key_id = envelope_key_id(sealed)
        .with_context(|| format!("reading the envelope of message {message_id}"))?
        .to_owned();
    let key = state.keys.key_by_id(&state.db, &key_id).await?;
    let row_id = body_row_id(thread_id, message_id);
    let body = decrypt_field(&key, &body_aad(&row_id), sealed)
        .with_context(|| format!("decrypting message {message_id} of thread {thread_id}"))?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// A thread and its newest messages, oldest first. Opening it marks every
/// message in it read and records the read (audit, and a touchpoint for
/// clients).
pub async fn get_thread(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    thread_id: &ThreadId,
) -> Result<ThreadView, ServiceError> {
    let thread = find_thread(&state.db, principal, client, thread_id).await?;
    let mut rows: Vec<MessageRow> = sqlx::query_as(
        "select x.id, x.sender_id, u.display_name as sender_name, x.body_sealed, x.created_at,
                (select count(*) from message_retractions r where r.message_id = x.id) as retracted
         from messages x join users u on u.id = x.sender_id
         where x.thread_id = $1
         order by x.id desc limit $2",
    )
    .bind(thread.id.clone())
    .bind(MAX_MESSAGES)
    .fetch_all(state.db.pool())
    .await
    .context("loading messages")?;
    rows.reverse();
    let me = principal.user_id.to_string();
    let messages = to_views(state, &thread.id, principal, rows).await?;
    let last = messages
        .last()
        .map(|m| MessageId::from_trusted(m.id.clone()));
    record_read(state, principal, client, &thread, last.as_ref(), true).await?;
    let receipts = receipts(&state.db, &thread.id, &me).await?;
    Ok(ThreadView {
        id: thread.id.into(),
        matter_id: thread.matter_id.into(),
        matter_number: thread.number,
        subject: thread.subject,
        messages,
        upload_visibility: composer_upload_visibility(&principal.subject()),
        receipts,
    })
}

/// Records that the principal has read `thread` up to `last` (when it has
/// messages): the read receipt moves forward and the read is audited. A
/// client's opening of the thread (`opened`), or a read that moved their
/// receipt, goes on their timeline; open pages of the thread hear of a
/// receipt that moved. A repeated read changes nothing but the audit log.
async fn record_read(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    thread: &ThreadRow,
    last: Option<&MessageId>,
    opened: bool,
) -> Result<(), ServiceError> {
    let mut tx = state.db.begin_write().await?;
    let moved = match last {
        Some(last) => mark_read(&mut tx, &thread.id, &principal.user_id, last).await?,
        None => false,
    };
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "message.read", AuditResult::Success).on(&thread.id),
    )
    .await?;
    if opened || moved {
        client_touchpoint(
            &mut tx,
            principal,
            thread,
            "portal.message.read",
            "Read secure messages",
        )
        .await?;
    }
    tx.commit().await?;
    if moved {
        state.message_bus.publish_read(&thread.id);
    }
    Ok(())
}

/// Marks the message `message_id` of `thread_id` read, for a page that
/// showed it as it arrived. Not found unless the principal takes part in
/// the thread and the message is in it.
pub async fn mark_thread_read(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    thread_id: &ThreadId,
    message_id: &MessageId,
) -> Result<(), ServiceError> {
    let thread = find_thread(&state.db, principal, client, thread_id).await?;
    let found: Option<(String,)> =
        sqlx::query_as("select id from messages where id = $1 and thread_id = $2")
            .bind(message_id.clone())
            .bind(thread.id.clone())
            .fetch_optional(state.db.pool())
            .await
            .context("finding a message to mark read")?;
    if found.is_none() {
        let why = format!("not in thread {}", thread.id);
        return Err(deny(&state.db, principal, client, message_id, &why).await);
    }
    record_read(state, principal, client, &thread, Some(message_id), false).await
}

/// How far the participants other than `me` have read `thread_id`. The
/// caller must have authorized the thread. Only today's participants are
/// named (the people `notify_participants` writes to): a firm-wide reader
/// who is not on the team, someone walled off, removed or disabled since,
/// leaves no name behind.
pub(super) async fn receipts(
    db: &Db,
    thread_id: &ThreadId,
    me: &str,
) -> Result<Vec<ReceiptView>, ServiceError> {
    let sql = format!(
        "select u.display_name, r.last_read_message_id
         from message_reads r
         join users u on u.id = r.user_id
         join message_threads t on t.id = r.thread_id
         where r.thread_id = $1 and r.user_id <> $2 and {}
         order by u.display_name, u.id",
        participant_sql("t.matter_id")
    );
    let rows: Vec<(String, String)> = sqlx::query_as(&sql)
        .bind(thread_id.clone())
        .bind(me.to_owned())
        .fetch_all(db.pool())
        .await
        .context("loading read receipts")?;
    Ok(rows
        .into_iter()
        .map(|(name, last_read_message_id)| ReceiptView {
            name,
            last_read_message_id,
        })
        .collect())
}

/// Decrypts loaded rows (oldest first) into views for `viewer`, with the
/// attachments the viewer may see.
async fn to_views(
    state: &AppState,
    thread_id: &ThreadId,
    viewer: &Principal,
    rows: Vec<MessageRow>,
) -> anyhow::Result<Vec<MessageView>> {
    let me = viewer.user_id.as_str();
    let mut attachments = load_attachments(state, viewer, thread_id, &rows).await?;
    let mut messages = Vec::with_capacity(rows.len());
    for row in rows {
        // A retracted message is not even decrypted: nothing to leak. Its
        // files are no longer offered either.
        let (body, files) = if row.retracted > 0 {
            (None, Vec::new())
        } else {
            let body = open_body(state, thread_id, &row.id, &row.body_sealed).await?;
            (Some(body), attachments.remove(&row.id).unwrap_or_default())
        };
        messages.push(MessageView {
            mine: row.sender_id == me,
            id: row.id.into(),
            sender_name: row.sender_name,
            body,
            attachments: files,
            created_at: row.created_at,
        });
    }
    Ok(messages)
}

/// The messages of `thread_id` after the message `after` (all of them when
/// `after` is empty), oldest first, at most [`MAX_MESSAGES`]. Ids are
/// UUIDv7 text, which sorts in sending order, so "after" needs no clock.
/// The caller must have authorized the thread (`find_thread`).
pub(super) async fn messages_after(
    state: &AppState,
    principal: &Principal,
    thread_id: &ThreadId,
    after: Option<&MessageId>,
) -> Result<Vec<MessageView>, ServiceError> {
    let rows: Vec<MessageRow> = sqlx::query_as(
        "select x.id, x.sender_id, u.display_name as sender_name, x.body_sealed, x.created_at,
                (select count(*) from message_retractions r where r.message_id = x.id) as retracted
         from messages x join users u on u.id = x.sender_id
         where x.thread_id = $1 and x.id > $2
         order by x.id limit $3",
    )
    .bind(thread_id.clone())
    .bind(after.map_or("", MessageId::as_str).to_owned())
    .bind(MAX_MESSAGES)
    .fetch_all(state.db.pool())
    .await
    .context("loading new messages")?;
    Ok(to_views(state, thread_id, principal, rows).await?)
}

/// The ids of the retracted messages of `thread_id`, for a stream that
/// (re)connects: a retraction made while a page was away reaches it then.
/// The caller must have authorized the thread (`find_thread`).
pub(super) async fn retracted_in(
    state: &AppState,
    thread_id: &ThreadId,
) -> Result<Vec<MessageId>, ServiceError> {
    let ids: Vec<(MessageId,)> = sqlx::query_as(
        "select r.message_id from message_retractions r join messages x on x.id = r.message_id
         where x.thread_id = $1 order by r.message_id desc limit $2",
    )
    .bind(thread_id.clone())
    .bind(MAX_MESSAGES)
    .fetch_all(state.db.pool())
    .await
    .context("loading retractions")?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Moves the user's read receipt forward to `message_id` (never back).
/// Returns whether it moved.
pub(super) async fn mark_read(
    tx: &mut WriteTx,
    thread_id: &ThreadId,
    user_id: &UserId,
    message_id: &MessageId,
) -> anyhow::Result<bool> {
    let moved = sqlx::query(
        "insert into message_reads (thread_id, user_id, last_read_message_id, read_at) values ($1, $2, $3, $4)
         on conflict (thread_id, user_id) do update
         set last_read_message_id = excluded.last_read_message_id, read_at = excluded.read_at
         where message_reads.last_read_message_id < excluded.last_read_message_id",
    )
    .bind(thread_id.clone())
    .bind(user_id.clone())
    .bind(message_id.clone())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("recording a read receipt")?;
    Ok(moved.rows_affected() > 0)
}
