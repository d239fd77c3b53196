//! The documents a message carries: choosing them at sending (sharing the
//! sender's own fresh uploads), listing them with the messages, and
//! downloading one. The documents themselves, and their rules, belong to
//! `documents`; this module calls it.

use std::collections::HashMap;

use anyhow::Context as _;

use super::{ThreadRow, find_thread, threads::MessageRow};
use crate::{
    domain::{
        AppError,
        ids::{DocumentId, MessageId, ThreadId, VersionId},
        message::AttachmentView,
        policy::{Attach, attach_rule},
    },
    server::{
        AppState, ServiceError,
        activity::View,
        auth::{ClientInfo, Principal},
        db::WriteTx,
        documents::{self, Download, DownloadError, open_name},
        policy::{deny, visible_document_sql},
    },
};

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    message_id: MessageId,
    position: i64,
    version_id: VersionId,
    size: i64,
    name_sealed: Vec<u8>,
}

/// The attachments of the loaded messages (ordered by id), by message id,
/// in one query over the id range. Files of retracted messages are left
/// out (their names are not even decrypted), and so is a document the
/// viewer may no longer see: one the firm made internal after it was sent
/// is not listed for clients.
pub(super) async fn load_attachments(
    state: &AppState,
    viewer: &Principal,
    thread_id: &ThreadId,
    rows: &[MessageRow],
) -> anyhow::Result<HashMap<MessageId, Vec<AttachmentView>>> {
    let mut by_message = HashMap::new();
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
        .bind(thread_id.clone())
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

/// A document about to go out with a message.
pub(super) struct Attachable {
    document_id: DocumentId,
    /// Its current version, which the message pins.
    pub(super) version_id: VersionId,
    /// Sending shares it with the client ([`Attach::ShareOnSend`]).
    share: bool,
}

/// The documents to attach, in order, at their current versions. Each must
/// be a document of the thread's matter that the sender may see (anything
/// else is not found, and audited, like any unseen object) and that every
/// participant may open once sent ([`attach_rule`]).
pub(super) async fn attachable(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    thread: &ThreadRow,
    document_ids: &[DocumentId],
) -> Result<Vec<Attachable>, ServiceError> {
    let subject = principal.subject();
    let mut files = Vec::with_capacity(document_ids.len());
    for document_id in document_ids {
        let found =
            documents::current_version(&state.db, principal, &thread.matter_id, document_id)
                .await?;
        let Some(current) = found else {
            let why = format!("attaching to thread {}", thread.id);
            return Err(deny(&state.db, principal, client, document_id, &why).await);
        };
        let share = match attach_rule(&subject, current.visibility, current.own_upload) {
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
            document_id: document_id.clone(),
            version_id: current.version_id,
            share,
        });
    }
    Ok(files)
}

/// Makes the firm user's own internal uploads among `files` client-visible,
/// inside the send's write ([`documents::share_own_upload`], which checks
/// the conditions of [`attachable`] again: the document may have changed,
/// or a wall gone up, since). A file no longer fit to share stays
/// internal, and `insert_message` then refuses the send.
pub(super) async fn share_on_send(
    tx: &mut WriteTx,
    principal: &Principal,
    client: &ClientInfo,
    thread: &ThreadRow,
    files: &[Attachable],
) -> anyhow::Result<()> {
    let why = format!("sent in thread {}", thread.id);
    for file in files.iter().filter(|f| f.share) {
        documents::share_own_upload(tx, principal, client, &file.document_id, &why).await?;
    }
    Ok(())
}

/// Prepares the download of attachment `position` of message `message_id`:
/// the document version the message was sent with. The user must take part
/// in the thread, the message must not be retracted, and the document rules
/// still apply (a document the firm has since made internal is not offered
/// to clients). Recorded as "attachment downloaded".
///
/// # Errors
/// Not found (audited) for anything the user may not see; as
/// [`documents::download`] otherwise.
pub async fn download_attachment(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    message_id: &MessageId,
    position: i64,
    range: Option<&str>,
) -> Result<Download, DownloadError> {
    let (document_id, version) =
        find_attachment(state, principal, client, message_id, position).await?;
    let seen = View {
        action: "message.attachment_downloaded",
        object: Some(("message", message_id.as_str())),
        matter: None,
        summary: "Downloaded a message attachment",
    };
    documents::download_version_as(state, principal, client, &document_id, version, range, seen)
        .await
}

/// Finds attachment `position` of message `message_id` for download: the
/// message must be in a thread the principal may take part in and not
/// retracted. Returns the document id and pinned version, whose download
/// still applies the document rules. Anything else is not found (audited).
async fn find_attachment(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    message_id: &MessageId,
    position: i64,
) -> Result<(DocumentId, i64), ServiceError> {
    let found: Option<(ThreadId, DocumentId, i64)> = sqlx::query_as(
        "select x.thread_id, v.document_id, v.version from message_attachments a
         join messages x on x.id = a.message_id
         join document_versions v on v.id = a.version_id
         where a.message_id = $1 and a.position = $2
           and not exists (select 1 from message_retractions r where r.message_id = x.id)",
    )
    .bind(message_id.clone())
    .bind(position)
    .fetch_optional(state.db.pool())
    .await
    .context("loading a message attachment")?;
    let Some((thread_id, document_id, version)) = found else {
        let why = format!("attachment {position}: missing, or the message was retracted");
        return Err(deny(&state.db, principal, client, message_id, &why).await);
    };
    find_thread(&state.db, principal, client, &thread_id).await?;
    Ok((document_id, version))
}
