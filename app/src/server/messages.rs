//! Secure messaging (DESIGN §2.6): threads on a matter, encrypted immutable
//! messages, retractions and read receipts.
//!
//! Who may take part in a thread is decided by the matter's access rules
//! (`domain::policy::may_message`), applied inside every query, so a thread
//! on a matter the user may not see answers exactly like a missing one.
//! Bodies are sealed with the matter's data key; the associated data binds
//! each ciphertext to its thread and message id. Bodies are never logged,
//! audited or put in touchpoints.

use anyhow::Context as _;
use tokio::sync::broadcast;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    crypto::{DataKey, FieldAad, decrypt_field, encrypt_field, envelope_key_id},
    db::{Db, WriteTx},
    documents::open_name,
    new_id, now_ms,
    outbox::{self, EmailKind, NewEmail},
    policy::{authorize_matter, participant_sql, visible_document_sql, visible_matter_sql},
    touchpoints::{self, NewTouchpoint},
};
use crate::domain::{
    AppError,
    document::Visibility,
    ids::MatterId,
    message::{
        AttachmentView, InboxItemView, MAX_MESSAGES, MAX_THREADS, MessageView, ReceiptView,
        ThreadSummaryView, ThreadView, parse_attachments, sla_due, validate_body, validate_message,
        validate_subject,
    },
    policy::{Attach, attach_rule, composer_upload_visibility, may_retract_message, may_use_inbox},
};

/// Tells open message streams that a thread has news. Only ids go through
/// it, never bodies: each stream reloads what its own user may see from the
/// database, which also makes replay and live delivery one path.
#[derive(Clone, Debug)]
pub struct MessageBus(broadcast::Sender<Notice>);

/// News of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A new message in the thread with this id.
    Message {
        /// The thread's id.
        thread_id: String,
    },
    /// A message of the thread was retracted.
    Retraction {
        /// The thread's id.
        thread_id: String,
        /// The retracted message's id.
        message_id: String,
    },
    /// Someone read further in the thread.
    Read {
        /// The thread's id.
        thread_id: String,
    },
}

impl Notice {
    /// The thread the news is about.
    pub fn thread_id(&self) -> &str {
        match self {
            Self::Message { thread_id }
            | Self::Retraction { thread_id, .. }
            | Self::Read { thread_id } => thread_id,
        }
    }
}

impl MessageBus {
    /// A bus holding up to 1024 undelivered notices per listener; a
    /// listener that falls further behind reloads from the database.
    pub fn new() -> Self {
        Self(broadcast::channel(1024).0)
    }

    /// Announces a new message in `thread_id`. Nobody listening is fine.
    pub fn publish(&self, thread_id: &str) {
        self.send(Notice::Message {
            thread_id: thread_id.to_owned(),
        });
    }

    /// Announces that `message_id` in `thread_id` was retracted.
    pub fn publish_retraction(&self, thread_id: &str, message_id: &str) {
        self.send(Notice::Retraction {
            thread_id: thread_id.to_owned(),
            message_id: message_id.to_owned(),
        });
    }

    /// Announces that someone read further in `thread_id`.
    pub fn publish_read(&self, thread_id: &str) {
        self.send(Notice::Read {
            thread_id: thread_id.to_owned(),
        });
    }

    fn send(&self, notice: Notice) {
        // An error only means that no page is open right now.
        let _ = self.0.send(notice);
    }

    /// Starts listening for news of any thread.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.0.subscribe()
    }
}

impl Default for MessageBus {
    fn default() -> Self {
        Self::new()
    }
}

/// The firm's messaging settings, from config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessagingSettings {
    /// The default response-time target, in minutes.
    pub sla_minutes: i64,
    /// At most one new-message email per thread and person in this many
    /// minutes.
    pub notify_batch_minutes: i64,
}

impl Default for MessagingSettings {
    fn default() -> Self {
        Self {
            sla_minutes: 240,
            notify_batch_minutes: 15,
        }
    }
}

/// The row id in a message body's associated data: thread and message, so a
/// body moved to another message or thread fails to decrypt.
fn body_row_id(thread_id: &str, message_id: &str) -> String {
    format!("{thread_id}/{message_id}")
}

fn body_aad(row_id: &str) -> FieldAad<'_> {
    FieldAad {
        table: "messages",
        column: "body",
        row_id,
    }
}

/// The thread facts every operation needs, loaded only when the user may
/// take part in it.
#[derive(sqlx::FromRow)]
struct ThreadRow {
    id: String,
    matter_id: String,
    number: String,
    subject: String,
}

/// Loads a thread the principal may take part in. Anything else is not
/// found, and the attempt is audited (DESIGN §2.2).
async fn find_thread(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    thread_id: &str,
) -> Result<ThreadRow, ServiceError> {
    let sql = format!(
        "select t.id, t.matter_id, m.number, t.subject from message_threads t
         join matters m on m.id = t.matter_id
         where t.id = $1 and {}",
        visible_matter_sql("$2", "$3")
    );
    let row: Option<ThreadRow> = sqlx::query_as(&sql)
        .bind(thread_id.to_owned())
        .bind(principal.user_id.to_string())
        .bind(principal.role.as_str())
        .fetch_optional(db.pool())
        .await
        .context("loading a message thread")?;
    if let Some(row) = row {
        return Ok(row);
    }
    Err(not_found(
        db,
        principal,
        client,
        "access.thread",
        ("thread", thread_id),
        None,
    )
    .await)
}

/// Audits a refused attempt (`action`, on `object` as (kind, id), with an
/// optional `detail`) and answers not found, exactly like a missing object
/// (DESIGN §2.2).
async fn not_found(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    action: &str,
    object: (&str, &str),
    detail: Option<String>,
) -> ServiceError {
    let mut entry = AuditEntry::new(action, AuditResult::Denied)
        .actor(principal.user_id.to_string())
        .object(object.0, object.1)
        .client(client.ip, client.user_agent.as_deref());
    if let Some(detail) = detail {
        entry = entry.detail(detail);
    }
    if let Err(err) = audit::record(db, &entry).await {
        return err.into();
    }
    AppError::NotFound.into()
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
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
            id: r.id,
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
pub async fn unread_count(db: &Db, principal: &Principal) -> Result<i64, ServiceError> {
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
struct MessageRow {
    id: String,
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
    thread_id: &str,
    message_id: &str,
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
pub async fn open_thread(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    thread_id: &str,
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
    let last = messages.last().map(|m| m.id.as_str());
    record_read(state, principal, client, &thread, last, true).await?;
    let receipts = receipts(&state.db, &thread.id, &me).await?;
    Ok(ThreadView {
        id: thread.id,
        matter_id: thread.matter_id,
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
    last: Option<&str>,
    opened: bool,
) -> Result<(), ServiceError> {
    let me = principal.user_id.to_string();
    let mut tx = state.db.begin_write().await?;
    let moved = match last {
        Some(last) => mark_read(&mut tx, &thread.id, &me, last).await?,
        None => false,
    };
    audit::append(
        &mut tx,
        &AuditEntry::new("message.read", AuditResult::Success)
            .actor(me)
            .object("thread", thread.id.as_str())
            .client(client.ip, client.user_agent.as_deref()),
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
    thread_id: &str,
    message_id: &str,
) -> Result<(), ServiceError> {
    let thread = find_thread(&state.db, principal, client, thread_id).await?;
    let found: Option<(String,)> =
        sqlx::query_as("select id from messages where id = $1 and thread_id = $2")
            .bind(message_id.to_owned())
            .bind(thread.id.clone())
            .fetch_optional(state.db.pool())
            .await
            .context("finding a message to mark read")?;
    if found.is_none() {
        return Err(not_found(
            &state.db,
            principal,
            client,
            "access.message",
            ("message", message_id),
            Some(format!("not in thread {}", thread.id)),
        )
        .await);
    }
    record_read(state, principal, client, &thread, Some(message_id), false).await
}

/// How far the participants other than `me` have read `thread_id`. The
/// caller must have authorized the thread. Only today's participants are
/// named (the people `notify_participants` writes to): a firm-wide reader
/// who is not on the team, someone walled off, removed or disabled since,
/// leaves no name behind.
pub async fn receipts(
    db: &Db,
    thread_id: &str,
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
        .bind(thread_id.to_owned())
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
    thread_id: &str,
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
            id: row.id,
            sender_name: row.sender_name,
            body,
            attachments: files,
            created_at: row.created_at,
        });
    }
    Ok(messages)
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    message_id: String,
    position: i64,
    version_id: String,
    size: i64,
    name_sealed: Vec<u8>,
}

/// The attachments of the loaded messages (ordered by id), by message id,
/// in one query over the id range. Files of retracted messages are left
/// out (their names are not even decrypted), and so is a document the
/// viewer may no longer see: one the firm made internal after it was sent
/// is not listed for clients.
async fn load_attachments(
    state: &AppState,
    viewer: &Principal,
    thread_id: &str,
    rows: &[MessageRow],
) -> anyhow::Result<std::collections::HashMap<String, Vec<AttachmentView>>> {
    let mut by_message = std::collections::HashMap::new();
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(by_message);
    };
    let sql = format!(
        "select a.message_id, a.position, v.id as version_id, v.size, v.name_sealed
         from message_attachments a
         join messages x on x.id = a.message_id
         join document_versions v on v.id = a.version_id
         join documents d on d.id = v.document_id
         join matters m on m.id = d.matter_id
         where x.thread_id = $3 and a.message_id >= $4 and a.message_id <= $5
           and not exists (select 1 from message_retractions r where r.message_id = x.id)
           and {}
         order by a.message_id, a.position",
        visible_document_sql("$1", "$2")
    );
    let found: Vec<AttachmentRow> = sqlx::query_as(&sql)
        .bind(viewer.user_id.to_string())
        .bind(viewer.role.as_str())
        .bind(thread_id.to_owned())
        .bind(first.id.clone())
        .bind(last.id.clone())
        .fetch_all(state.db.pool())
        .await
        .context("loading message attachments")?;
    for row in found {
        let name = open_name(state, &row.version_id, &row.name_sealed).await?;
        by_message
            .entry(row.message_id)
            .or_insert_with(Vec::new)
            .push(AttachmentView {
                position: row.position,
                name,
                size: row.size,
            });
    }
    Ok(by_message)
}

/// Checks that the principal may follow `thread_id` live; returns the
/// thread's id as stored. Refusals are audited and answer not found.
pub async fn authorize_stream(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    thread_id: &str,
) -> Result<String, ServiceError> {
    find_thread(&state.db, principal, client, thread_id)
        .await
        .map(|t| t.id)
}

/// The messages of `thread_id` after the message `after` (all of them when
/// `after` is empty), oldest first, at most [`MAX_MESSAGES`]. Ids are
/// UUIDv7 text, which sorts in sending order, so "after" needs no clock.
/// The caller must have authorized the thread with [`authorize_stream`].
pub async fn messages_after(
    state: &AppState,
    principal: &Principal,
    thread_id: &str,
    after: &str,
) -> Result<Vec<MessageView>, ServiceError> {
    let rows: Vec<MessageRow> = sqlx::query_as(
        "select x.id, x.sender_id, u.display_name as sender_name, x.body_sealed, x.created_at,
                (select count(*) from message_retractions r where r.message_id = x.id) as retracted
         from messages x join users u on u.id = x.sender_id
         where x.thread_id = $1 and x.id > $2
         order by x.id limit $3",
    )
    .bind(thread_id.to_owned())
    .bind(after.to_owned())
    .bind(MAX_MESSAGES)
    .fetch_all(state.db.pool())
    .await
    .context("loading new messages")?;
    Ok(to_views(state, thread_id, principal, rows).await?)
}

/// The ids of the retracted messages of `thread_id`, for a stream that
/// (re)connects: a retraction made while a page was away reaches it then.
/// The caller must have authorized the thread with [`authorize_stream`].
pub async fn retracted_in(state: &AppState, thread_id: &str) -> Result<Vec<String>, ServiceError> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "select r.message_id from message_retractions r join messages x on x.id = r.message_id
         where x.thread_id = $1 order by r.message_id desc limit $2",
    )
    .bind(thread_id.to_owned())
    .bind(MAX_MESSAGES)
    .fetch_all(state.db.pool())
    .await
    .context("loading retractions")?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Moves the user's read receipt forward to `message_id` (never back).
/// Returns whether it moved.
async fn mark_read(
    tx: &mut WriteTx,
    thread_id: &str,
    user_id: &str,
    message_id: &str,
) -> anyhow::Result<bool> {
    let moved = sqlx::query(
        "insert into message_reads (thread_id, user_id, last_read_message_id, read_at) values ($1, $2, $3, $4)
         on conflict (thread_id, user_id) do update
         set last_read_message_id = excluded.last_read_message_id, read_at = excluded.read_at
         where message_reads.last_read_message_id < excluded.last_read_message_id",
    )
    .bind(thread_id.to_owned())
    .bind(user_id.to_owned())
    .bind(message_id.to_owned())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("recording a read receipt")?;
    Ok(moved.rows_affected() > 0)
}

/// Records a client's messaging on their CRM timeline. Firm users' actions
/// are in the audit log only.
async fn client_touchpoint(
    tx: &mut WriteTx,
    principal: &Principal,
    thread: &ThreadRow,
    kind: &str,
    summary: &str,
) -> anyhow::Result<()> {
    if let Some(contact_id) = &principal.contact_id {
        touchpoints::record(
            tx,
            &NewTouchpoint {
                contact_id: contact_id.clone(),
                matter_id: Some(MatterId::from_trusted(thread.matter_id.clone())),
                kind: kind.to_owned(),
                summary: format!("{summary} ({})", thread.number),
                actor_user_id: Some(principal.user_id.clone()),
            },
        )
        .await?;
    }
    Ok(())
}

/// Seals and stores one message inside `tx` under `key` (the matter's data
/// key, fetched before the write transaction: creating it may write too),
/// with the document versions it carries, moving the thread's last-message
/// time and the sender's read receipt along.
async fn insert_message(
    key: &DataKey,
    tx: &mut WriteTx,
    thread: &ThreadRow,
    sender_id: &str,
    body: &str,
    attachments: &[Attachable],
) -> Result<String, ServiceError> {
    let message_id = new_id();
    let row_id = body_row_id(&thread.id, &message_id);
    let sealed =
        encrypt_field(key, &body_aad(&row_id), body.as_bytes()).context("sealing a message")?;
    let now = now_ms();
    sqlx::query("insert into messages (id, thread_id, sender_id, body_sealed, created_at) values ($1, $2, $3, $4, $5)")
        .bind(message_id.clone())
        .bind(thread.id.clone())
        .bind(sender_id.to_owned())
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
/// the documents listed in `attachments` (ids separated by white space;
/// see [`parse_attachments`]). Returns the new message's id.
pub async fn send(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    thread_id: &str,
    body: &str,
    attachments: &str,
) -> Result<String, ServiceError> {
    let document_ids = parse_attachments(attachments)?;
    let body = validate_message(body, document_ids.len())?;
    let thread = find_thread(&state.db, principal, client, thread_id).await?;
    let files = attachable(state, principal, client, &thread, &document_ids).await?;
    let key = state.keys.matter_key(&state.db, &thread.matter_id).await?;
    let mut tx = state.db.begin_write().await?;
    share_on_send(&mut tx, principal, client, &thread, &files).await?;
    let message_id = insert_message(
        &key,
        &mut tx,
        &thread,
        principal.user_id.as_str(),
        body,
        &files,
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditEntry::new("message.sent", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .object("message", message_id.as_str())
            .client(client.ip, client.user_agent.as_deref())
            .detail(format!(
                "thread {}, {} attachment(s)",
                thread.id,
                files.len()
            )),
    )
    .await?;
    client_touchpoint(
        &mut tx,
        principal,
        &thread,
        "portal.message.sent",
        "Sent a secure message",
    )
    .await?;
    if principal.role.is_firm() {
        complete_follow_ups(&mut tx, &thread.id, principal).await?;
    }
    notify_participants(state, &mut tx, &thread, principal.user_id.as_str()).await?;
    tx.commit().await?;
    state.message_bus.publish(&thread.id);
    Ok(message_id)
}

/// A document about to go out with a message.
struct Attachable {
    document_id: String,
    /// Its current version, which the message pins.
    version_id: String,
    /// Sending shares it with the client ([`Attach::ShareOnSend`]).
    share: bool,
}

/// The documents to attach, in order, at their current versions. Each must
/// be a document of the thread's matter that the sender may see (anything
/// else is not found, and audited, like any unseen object) and that every
/// participant may open once sent ([`attach_rule`]).
async fn attachable(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    thread: &ThreadRow,
    document_ids: &[&str],
) -> Result<Vec<Attachable>, ServiceError> {
    let sql = format!(
        "select v.id, d.visibility, d.created_by, d.current_version from documents d
         join matters m on m.id = d.matter_id
         join document_versions v on v.document_id = d.id and v.version = d.current_version
         where d.id = $3 and d.matter_id = $4 and {}",
        visible_document_sql("$1", "$2")
    );
    let subject = principal.subject();
    let mut files = Vec::with_capacity(document_ids.len());
    for document_id in document_ids {
        // Only ids that look like ids reach the query and the audit log.
        let found: Option<(String, String, String, i64)> = if MatterId::parse(document_id).is_err()
        {
            None
        } else {
            sqlx::query_as(&sql)
                .bind(principal.user_id.to_string())
                .bind(principal.role.as_str())
                .bind((*document_id).to_owned())
                .bind(thread.matter_id.clone())
                .fetch_optional(state.db.pool())
                .await
                .context("loading a document to attach")?
        };
        let Some((version_id, visibility, created_by, current_version)) = found else {
            return Err(not_found(
                &state.db,
                principal,
                client,
                "access.document",
                (
                    "document",
                    MatterId::parse(document_id).map_or("(malformed)", |_| *document_id),
                ),
                Some(format!("attaching to thread {}", thread.id)),
            )
            .await);
        };
        // A fresh upload of the sender's own: one version, theirs. A
        // document with history may hold others' work, or earlier versions
        // nobody meant to show.
        let own_upload = created_by == principal.user_id.as_str() && current_version == 1;
        let share = match attach_rule(&subject, Visibility::parse(&visibility)?, own_upload) {
            Attach::AsIs => false,
            Attach::ShareOnSend => true,
            Attach::Refused => {
                return Err(AppError::BadRequest(
                    "This document is internal: share it with the client from the matter's documents first, or attach a copy you upload here."
                        .to_owned(),
                )
                .into());
            }
        };
        files.push(Attachable {
            document_id: (*document_id).to_owned(),
            version_id,
            share,
        });
    }
    Ok(files)
}

/// Makes the firm user's own internal uploads among `files` client-visible,
/// inside the send's write, audited like any change of visibility. The
/// conditions of [`attachable`] are checked again here (the document may
/// have changed, or a wall gone up, since); a file no longer fit to share
/// stays internal, and `insert_message` then refuses the send.
async fn share_on_send(
    tx: &mut WriteTx,
    principal: &Principal,
    client: &ClientInfo,
    thread: &ThreadRow,
    files: &[Attachable],
) -> anyhow::Result<()> {
    for file in files.iter().filter(|f| f.share) {
        let sql = format!(
            "update documents set visibility = 'client'
             where id = $3 and visibility = 'internal' and created_by = $1 and current_version = 1
               and exists (select 1 from matters m where m.id = documents.matter_id and {})",
            visible_matter_sql("$1", "$2")
        );
        let shared = sqlx::query(&sql)
            .bind(principal.user_id.to_string())
            .bind(principal.role.as_str())
            .bind(file.document_id.clone())
            .execute(tx.conn())
            .await
            .context("sharing an attached document")?;
        if shared.rows_affected() == 1 {
            audit::append(
                tx,
                &AuditEntry::new("document.visibility_changed", AuditResult::Success)
                    .actor(principal.user_id.to_string())
                    .object("document", file.document_id.as_str())
                    .client(client.ip, client.user_agent.as_deref())
                    .detail(format!("client (sent in thread {})", thread.id)),
            )
            .await?;
        }
    }
    Ok(())
}

/// Finds attachment `position` of message `message_id` for download: the
/// message must be in a thread the principal may take part in and not
/// retracted. Returns the document id and pinned version, whose download
/// still applies the document rules. Anything else is not found (audited).
pub async fn find_attachment(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    message_id: &str,
    position: i64,
) -> Result<(String, i64), ServiceError> {
    let found: Option<(String, String, i64)> = sqlx::query_as(
        "select x.thread_id, v.document_id, v.version from message_attachments a
         join messages x on x.id = a.message_id
         join document_versions v on v.id = a.version_id
         where a.message_id = $1 and a.position = $2
           and not exists (select 1 from message_retractions r where r.message_id = x.id)",
    )
    .bind(message_id.to_owned())
    .bind(position)
    .fetch_optional(state.db.pool())
    .await
    .context("loading a message attachment")?;
    let Some((thread_id, document_id, version)) = found else {
        return Err(not_found(
            &state.db,
            principal,
            client,
            "access.attachment",
            ("message", message_id),
            Some(format!(
                "attachment {position}: missing, or the message was retracted"
            )),
        )
        .await);
    };
    find_thread(&state.db, principal, client, &thread_id).await?;
    Ok((document_id, version))
}

/// The firm answered: the thread's open follow-up task is done.
async fn complete_follow_ups(
    tx: &mut WriteTx,
    thread_id: &str,
    principal: &Principal,
) -> anyhow::Result<()> {
    let done =
        sqlx::query("update tasks set status = 'done' where thread_id = $1 and status = 'open'")
            .bind(thread_id.to_owned())
            .execute(tx.conn())
            .await
            .context("completing a thread's follow-up task")?;
    if done.rows_affected() > 0 {
        audit::append(
            tx,
            &AuditEntry::new("task.completed", AuditResult::Success)
                .actor(principal.user_id.to_string())
                .object("thread", thread_id)
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
) -> Result<String, ServiceError> {
    let subject = validate_subject(subject)?;
    let body = validate_body(body)?;
    authorize_matter(&state.db, principal, client, matter_id).await?;
    let (number,): (String,) = sqlx::query_as("select number from matters where id = $1")
        .bind(matter_id.as_str().to_owned())
        .fetch_one(state.db.pool())
        .await
        .context("loading a matter's number")?;
    let thread = ThreadRow {
        id: new_id(),
        matter_id: matter_id.as_str().to_owned(),
        number,
        subject: subject.to_owned(),
    };
    let key = state.keys.matter_key(&state.db, &thread.matter_id).await?;
    let mut tx = state.db.begin_write().await?;
    create_thread(&mut tx, &thread, principal.user_id.as_str()).await?;
    let message_id = insert_message(
        &key,
        &mut tx,
        &thread,
        principal.user_id.as_str(),
        body,
        &[],
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditEntry::new("message.sent", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .object("message", message_id.as_str())
            .client(client.ip, client.user_agent.as_deref())
            .detail(format!("new thread {}", thread.id)),
    )
    .await?;
    client_touchpoint(
        &mut tx,
        principal,
        &thread,
        "portal.message.sent",
        "Started a secure conversation",
    )
    .await?;
    notify_participants(state, &mut tx, &thread, principal.user_id.as_str()).await?;
    tx.commit().await?;
    state.message_bus.publish(&thread.id);
    Ok(thread.id)
}

async fn create_thread(
    tx: &mut WriteTx,
    thread: &ThreadRow,
    created_by: &str,
) -> anyhow::Result<()> {
    let now = now_ms();
    sqlx::query(
        "insert into message_threads (id, matter_id, subject, created_by, created_at, last_message_at)
         values ($1, $2, $3, $4, $5, $5)",
    )
    .bind(thread.id.clone())
    .bind(thread.matter_id.clone())
    .bind(thread.subject.clone())
    .bind(created_by.to_owned())
    .bind(now)
    .execute(tx.conn())
    .await
    .context("creating a message thread")?;
    Ok(())
}

/// Retracts a message its sender wrote. The ciphertext stays (messages are
/// never changed); a retraction row hides it and the audit log records who
/// did it. Retracting twice is a no-op.
pub async fn retract(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    message_id: &str,
) -> Result<(), ServiceError> {
    let (thread_id, sender_id): (String, String) =
        sqlx::query_as("select thread_id, sender_id from messages where id = $1")
            .bind(message_id.to_owned())
            .fetch_optional(state.db.pool())
            .await
            .context("loading a message")?
            .unwrap_or_default();
    // Checks that the thread is visible before revealing anything about the
    // sender: an unknown id takes the same path and ends in not found.
    let thread = find_thread(&state.db, principal, client, &thread_id).await?;
    if !may_retract_message(&principal.subject(), &sender_id) {
        return Err(AppError::NotFound.into());
    }
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into message_retractions (message_id, retracted_by, retracted_at) values ($1, $2, $3)
         on conflict (message_id) do nothing",
    )
    .bind(message_id.to_owned())
    .bind(principal.user_id.to_string())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("retracting a message")?;
    audit::append(
        &mut tx,
        &AuditEntry::new("message.retracted", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .object("message", message_id)
            .client(client.ip, client.user_agent.as_deref())
            .detail(format!("thread {}", thread.id)),
    )
    .await?;
    tx.commit().await?;
    state.message_bus.publish_retraction(&thread.id, message_id);
    Ok(())
}

/// Queues "You have a new secure message" for every participant of the
/// thread but the sender: the matter's clients with portal access and its
/// team, not walled off, not disabled, who have not turned these emails
/// off and were not told about this thread within the batch window. The
/// email holds a link only, never the message (DESIGN §2.6).
async fn notify_participants(
    state: &AppState,
    tx: &mut WriteTx,
    thread: &ThreadRow,
    sender_id: &str,
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
        .bind(sender_id.to_owned())
        .bind(thread.matter_id.clone())
        .bind(thread.id.clone())
        .bind(quiet_since)
        .fetch_all(tx.conn())
        .await
        .context("finding whom to tell about a new message")?;
    let link = format!("{}/messages/{}", state.public_url, thread.id);
    let body = format!(
        "You have a new secure message in your Vellum portal.\n\n\
         Read it here: {link}\n\n\
         For your privacy the message itself is never sent by email.\n"
    );
    for (user_id, email) in recipients {
        outbox::enqueue(
            tx,
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
        &AuditEntry::new("message.emails_set", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .client(client.ip, client.user_agent.as_deref())
            .detail(if enabled { "on" } else { "off" }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct WaitingRow {
    id: String,
    matter_id: String,
    number: String,
    title: String,
    subject: String,
    sla_minutes: i64,
    waiting_since: i64,
}

/// Threads whose newest messages are from a client with no firm answer
/// after them, and since when they wait. `filter` is a further `where`
/// condition on the thread `t` and matter `m`, with placeholders from `$2`.
fn waiting_sql(filter: &str) -> String {
    format!(
        "select * from (
           select t.id, t.matter_id, m.number, m.title, t.subject,
                  coalesce(t.sla_minutes, m.message_sla_minutes, $1) as sla_minutes,
                  (select min(x.created_at) from messages x join users su on su.id = x.sender_id
                   where x.thread_id = t.id and su.role = 'client'
                     and x.id > coalesce((select max(y.id) from messages y join users fu on fu.id = y.sender_id
                                          where y.thread_id = t.id and fu.role <> 'client'), '')) as waiting_since
           from message_threads t join matters m on m.id = t.matter_id
           where {filter}
         ) w
         where w.waiting_since is not null
         order by w.waiting_since, w.id"
    )
}

/// The attorney inbox: threads the principal may see that wait for the
/// firm's answer, longest-waiting first, with their response-time targets.
/// Clients have no inbox (not found). Breaches are escalated first, so the
/// tasks are there when the inbox shows them.
pub async fn inbox(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<InboxItemView>, ServiceError> {
    if !may_use_inbox(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    escalate_breaches(state).await?;
    let sql = format!("{} limit $4", waiting_sql(&visible_matter_sql("$2", "$3")));
    let rows: Vec<WaitingRow> = sqlx::query_as(&sql)
        .bind(state.messaging.sla_minutes)
        .bind(principal.user_id.to_string())
        .bind(principal.role.as_str())
        .bind(MAX_THREADS)
        .fetch_all(state.db.pool())
        .await
        .context("loading the inbox")?;
    let now = now_ms();
    Ok(rows
        .into_iter()
        .map(|r| {
            let (due_at, breached) = sla_due(r.waiting_since, r.sla_minutes, now);
            InboxItemView {
                thread_id: r.id,
                matter_number: r.number,
                matter_title: r.title,
                subject: r.subject,
                waiting_since: r.waiting_since,
                sla_minutes: r.sla_minutes,
                due_at,
                breached,
            }
        })
        .collect())
}

/// Gives every thread in breach of its response-time target one open
/// follow-up task, owned by the matter's responsible attorney (a thread
/// that already has an open task gets no second one). Returns how many
/// tasks were created. Runs as the system: it sees every thread, and the
/// task's owner is on the matter's team and not walled off.
///
/// # Errors
/// When the database fails.
pub async fn escalate_breaches(state: &AppState) -> anyhow::Result<usize> {
    let sql = format!(
        "{} limit 1000",
        waiting_sql(
            "not exists (select 1 from tasks k where k.thread_id = t.id and k.status = 'open')"
        )
    );
    let rows: Vec<WaitingRow> = sqlx::query_as(&sql)
        .bind(state.messaging.sla_minutes)
        .fetch_all(state.db.pool())
        .await
        .context("finding late message threads")?;
    let now = now_ms();
    let mut created = 0;
    for row in rows {
        let (due_at, breached) = sla_due(row.waiting_since, row.sla_minutes, now);
        if !breached {
            continue;
        }
        let mut tx = state.db.begin_write().await?;
        let task_id = new_id();
        // The unique index on open tasks per thread makes a race between
        // two nodes (or the inbox and the timer) harmless.
        let inserted = sqlx::query(
            "insert into tasks (id, owner_user_id, matter_id, thread_id, title, due_at, status, created_at)
             select $1, tm.user_id, $2, $3, $4, $5, 'open', $6 from matter_team tm
             where tm.matter_id = $2 and tm.role = 'responsible'
               and not exists (select 1 from ethical_walls w where w.matter_id = $2 and w.user_id = tm.user_id)
               and not exists (select 1 from tasks k where k.thread_id = $3 and k.status = 'open')
               -- Re-checked inside the write: the firm may have answered
               -- since the waiting threads were read.
               and not exists (select 1 from messages y join users fu on fu.id = y.sender_id
                               where y.thread_id = $3 and fu.role <> 'client' and y.created_at >= $7)
             order by tm.user_id limit 1
             on conflict do nothing",
        )
        .bind(task_id.clone())
        .bind(row.matter_id.clone())
        .bind(row.id.clone())
        .bind(format!("Answer the client's message on {}: {}", row.number, row.subject))
        .bind(due_at)
        .bind(now)
        .bind(row.waiting_since)
        .execute(tx.conn())
        .await
        .context("creating a follow-up task")?;
        if inserted.rows_affected() > 0 {
            audit::append(
                &mut tx,
                &AuditEntry::new("task.created", AuditResult::Success)
                    .object("task", task_id.as_str())
                    .detail(format!("message response time passed on thread {}", row.id)),
            )
            .await?;
            created += 1;
        }
        tx.commit().await?;
    }
    Ok(created)
}

/// Demo conversations for `seed-demo`: one client question on each of
/// Alice's and Bob's matters, sealed like real messages. Idempotent: a
/// matter that already has a thread is skipped.
///
/// # Errors
/// When the demo firm is missing or storing fails.
pub async fn seed_messages(state: &AppState) -> anyhow::Result<()> {
    const DEMO_THREADS: &[(&str, &str, &str, &str)] = &[
        (
            "LIT-2026-0012",
            "alice@client.test",
            "Witness statements",
            "Do you need anything else from me before the witness statements are filed?",
        ),
        (
            "COR-2026-0031",
            "alice@client.test",
            "Share transfer",
            "Could you confirm when the share transfer forms will be ready to sign?",
        ),
        (
            "LIT-2026-0019",
            "bob@client.test",
            "Settlement offer",
            "I have thought about the settlement offer. Can we talk this week?",
        ),
        (
            "EMP-2026-0007",
            "bob@client.test",
            "Tribunal date",
            "Has the tribunal confirmed the hearing date yet?",
        ),
    ];
    for (number, email, subject, body) in DEMO_THREADS {
        let found: Option<(String, i64)> = sqlx::query_as(
            "select m.id, (select count(*) from message_threads t where t.matter_id = m.id) from matters m where m.number = $1",
        )
        .bind((*number).to_owned())
        .fetch_optional(state.db.pool())
        .await
        .context("finding a demo matter")?;
        let Some((matter_id, 0)) = found else {
            continue;
        };
        let (sender_id,): (String,) = sqlx::query_as("select id from users where email = $1")
            .bind((*email).to_owned())
            .fetch_one(state.db.pool())
            .await
            .context("finding a demo client")?;
        let thread = ThreadRow {
            id: new_id(),
            matter_id,
            number: (*number).to_owned(),
            subject: (*subject).to_owned(),
        };
        let key = state.keys.matter_key(&state.db, &thread.matter_id).await?;
        let mut tx = state.db.begin_write().await?;
        create_thread(&mut tx, &thread, &sender_id).await?;
        insert_message(&key, &mut tx, &thread, &sender_id, body, &[]).await?;
        tx.commit().await?;
    }
    Ok(())
}
