//! Secure messaging (DESIGN §2.6): threads on a matter, encrypted immutable
//! messages, retractions and read receipts.
//!
//! Who may take part in a thread is decided by the matter's access rules
//! (`domain::policy::may_message`), applied inside every query, so a thread
//! on a matter the user may not see answers exactly like a missing one.
//! Bodies are sealed with the matter's data key; the associated data binds
//! each ciphertext to its thread and message id. Bodies are never logged,
//! audited or put in touchpoints.
//!
//! Messaging may call documents (an attachment is a document version);
//! documents never call messaging.
//!
//! - `bus`: news of threads for the open streams;
//! - `threads`: listing and reading threads, read receipts;
//! - `send`: starting threads, sending and retracting messages;
//! - `attachments`: the documents a message carries;
//! - `notices`: the "new secure message" emails;
//! - `inbox`: the attorney inbox and the escalation of late answers;
//! - `stream`: following a thread live;
//! - `seed`: the demo conversations.

mod attachments;
mod bus;
mod inbox;
mod notices;
mod seed;
mod send;
mod stream;
mod threads;

pub use attachments::download_attachment;
pub use bus::{MessageBus, Notice};
pub use inbox::{escalate_breaches, list_inbox};
pub use notices::set_message_emails;
pub use seed::seed_messages;
pub use send::{retract_message, send_message, start_thread};
pub use stream::{Resume, StreamEvent, follow_thread};
pub use threads::{count_unread_messages, get_thread, list_threads, mark_thread_read, open_body};

use anyhow::Context as _;

use super::{
    ServiceError,
    auth::{ClientInfo, Principal},
    crypto::FieldAad,
    db::{Db, WriteTx},
    policy::{deny, visible_matter_sql},
    touchpoints::{self, NewTouchpoint},
};
use crate::domain::ids::{MatterId, MessageId, ThreadId};

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
            sla_minutes: i64::from(crate::domain::message::DEFAULT_SLA_MINUTES),
            notify_batch_minutes: i64::from(crate::domain::message::DEFAULT_NOTIFY_BATCH_MINUTES),
        }
    }
}

/// The row id in a message body's associated data: thread and message, so a
/// body moved to another message or thread fails to decrypt.
fn body_row_id(thread_id: &ThreadId, message_id: &MessageId) -> String {
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
    id: ThreadId,
    matter_id: MatterId,
    number: String,
    subject: String,
}

/// Loads a thread the principal may take part in. Anything else is not
/// found, and the attempt is audited (DESIGN §2.2).
async fn find_thread(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    thread_id: &ThreadId,
) -> Result<ThreadRow, ServiceError> {
    let sql = format!(
        "select t.id, t.matter_id, m.number, t.subject from message_threads t
         join matters m on m.id = t.matter_id
         where t.id = $1 and {}",
        visible_matter_sql("$2", "$3")
    );
    let row: Option<ThreadRow> = sqlx::query_as(&sql)
        .bind(thread_id.clone())
        .bind(principal.user_id.to_string())
        .bind(principal.role.as_str())
        .fetch_optional(db.pool())
        .await
        .context("loading a message thread")?;
    if let Some(row) = row {
        return Ok(row);
    }
    Err(deny(db, principal, client, thread_id, "missing or not visible").await)
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
                matter_id: Some(thread.matter_id.clone()),
                kind: kind.to_owned(),
                summary: format!("{summary} ({})", thread.number),
                actor_user_id: Some(principal.user_id.clone()),
            },
        )
        .await?;
    }
    Ok(())
}
