//! Streaming an upload into an encrypted blob.
//!
//! The body is read frame by frame, re-cut into [`CHUNK_SIZE`] chunks,
//! hashed and encrypted on a blocking thread and written to a temp blob.
//! Memory stays at a few chunks whatever the file's size. Only when the
//! whole file is in does the blob get renamed into place and its row
//! committed; any failure (too large, client gone, disk full) drops the temp
//! blob, so nothing half-written is ever visible.

use std::{io::Write as _, sync::Arc};

use anyhow::Context as _;
use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use super::{AppState, name_aad};
use crate::{
    domain::{
        AppError,
        document::{Visibility, content_type_for, sanitize_file_name},
        ids::{DocumentId, DocumentRequestId, MatterId, VersionId},
        policy::{may_replace_document, may_upload_document},
    },
    server::{
        ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        blobs::BlobStore,
        crypto::{
            CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, FileEncryptor, FileKey, encrypt_field, to_hex,
            wrap_file_key,
        },
        new_id, now_ms,
        policy::{authorize_matter_change, deny},
        touchpoints::{self, NewTouchpoint},
    },
};

/// The longest file name accepted in the query string, in bytes, before
/// sanitising cuts it to `MAX_FILE_NAME_CHARS`.
pub const MAX_UPLOAD_NAME_BYTES: usize = 1024;

/// The answer to an upload against a request the firm already accepted:
/// accepting closes it (only a rejection reopens it).
const ACCEPTED_REQUEST: &str =
    "This request was accepted and is closed. Upload the file on its own instead.";

/// Frames in flight between the request and the encrypting thread: enough
/// to keep both busy, few enough that memory stays flat.
const PIPELINE_DEPTH: usize = 8;

/// What to upload, from the query string.
#[derive(Clone, Debug)]
pub struct UploadParams {
    /// The matter it belongs to.
    pub matter_id: MatterId,
    /// The file name as the browser sent it; sanitised here.
    pub name: String,
    /// Who may see it. A new version must name its document's visibility:
    /// replacing a file never publishes or hides it.
    pub visibility: Visibility,
    /// The document request it fulfils, if any; never an accepted one.
    pub request_id: Option<DocumentRequestId>,
    /// The document it is a new version of, if any. Clients version only
    /// their own uploads.
    pub replaces: Option<DocumentId>,
}

/// What was stored.
#[derive(Clone, Debug, serde::Serialize)]
pub struct UploadedDocument {
    /// The document's id.
    pub document_id: DocumentId,
    /// The version number just stored.
    pub version: i64,
    /// The sanitised file name.
    pub name: String,
    /// Plaintext bytes.
    pub size: u64,
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The file is larger than the configured limit; nothing was stored.
    #[error("The file is larger than the upload limit of {limit} bytes.")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// Anything else.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// A refused upload's answer: 413 for a file over the limit, else the
/// service error's own.
impl axum::response::IntoResponse for UploadError {
    fn into_response(self) -> axum::response::Response {
        match self {
            Self::TooLarge { .. } => {
                let status = axum::http::StatusCode::PAYLOAD_TOO_LARGE;
                crate::server::error::error_response(status, self.to_string())
            }
            Self::Service(err) => axum::response::IntoResponse::into_response(err),
        }
    }
}

impl From<AppError> for UploadError {
    fn from(err: AppError) -> Self {
        Self::Service(err.into())
    }
}

impl From<anyhow::Error> for UploadError {
    fn from(err: anyhow::Error) -> Self {
        Self::Service(err.into())
    }
}

impl From<sqlx::Error> for UploadError {
    fn from(err: sqlx::Error) -> Self {
        Self::Service(err.into())
    }
}

/// A message to the encrypting thread. The end is explicit, so a body that
/// stops early (the client went away) is never mistaken for a whole file.
enum Piece {
    Data(Bytes),
    End,
}

/// Stores `body` as a new document (or a new version of one) on a matter,
/// after checking the policy. `limit` is the most plaintext bytes accepted.
///
/// # Errors
/// [`UploadError::TooLarge`] past `limit`; not found for a matter, request
/// or document the user may not see (or, for a new version, may not
/// replace); a 400 for a visibility other than the replaced document's; a
/// 409 for a request that was already accepted; internal errors for I/O
/// and database failures. In every case nothing is stored.
pub async fn upload<S, E>(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    params: UploadParams,
    limit: u64,
    mut body: S,
) -> Result<UploadedDocument, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: std::fmt::Display,
{
    let db = &state.db;
    let subject = principal.subject();
    authorize_matter_change(db, principal, client, &params.matter_id).await?;
    let matter = &params.matter_id;
    let replaces = match &params.replaces {
        Some(id) => {
            let row: Option<(String, String)> = sqlx::query_as(
                "select visibility, created_by from documents where id = $1 and matter_id = $2",
            )
            .bind(id.clone())
            .bind(matter.clone())
            .fetch_optional(db.pool())
            .await?;
            let replaceable = match row {
                Some((visibility, created_by)) => {
                    let visibility = Visibility::parse(&visibility)?;
                    may_replace_document(&subject, visibility, &created_by).then_some(visibility)
                }
                None => None,
            };
            // Someone else's document answers like a missing one.
            let Some(visibility) = replaceable else {
                let refused = deny(db, principal, client, id, "missing or not replaceable");
                return Err(refused.await.into());
            };
            // A version that quietly published an internal document (or hid
            // a shared one) would be a disclosure nobody chose.
            if visibility != params.visibility {
                return Err(AppError::BadRequest(format!(
                    "A new version keeps the document's visibility ({}); change the visibility separately.",
                    visibility.as_str()
                ))
                .into());
            }
            Some(id.clone())
        }
        None => None,
    };
    let visibility = params.visibility;
    if !may_upload_document(&subject, visibility) {
        return Err(
            AppError::BadRequest("Only the firm can file internal documents.".to_owned()).into(),
        );
    }
    if let Some(request_id) = &params.request_id {
        let found: Option<(Option<String>,)> = sqlx::query_as(
            "select review_status from document_requests where id = $1 and matter_id = $2",
        )
        .bind(request_id.clone())
        .bind(matter.clone())
        .fetch_optional(db.pool())
        .await?;
        match found {
            None => {
                let refused = deny(db, principal, client, request_id, "missing or not visible");
                return Err(refused.await.into());
            }
            Some((Some(review),)) if review == "accepted" => {
                return Err(AppError::Conflict(ACCEPTED_REQUEST.to_owned()).into());
            }
            Some(_) => {}
        }
    }

    let name = sanitize_file_name(&params.name);
    if let Some(refused) = super::upload_rules(state).await?.refuse(&name, None) {
        return Err(AppError::BadRequest(refused).into());
    }
    let version_id = VersionId::from_trusted(new_id());
    let data_key = state.keys.matter_key(db, matter).await?;
    let file_key = FileKey::generate().context("making a file key")?;
    let wrapped_key =
        wrap_file_key(&data_key, version_id.as_str(), &file_key).context("wrapping a file key")?;
    let name_sealed = encrypt_field(&data_key, &name_aad(&version_id), name.as_bytes())
        .context("sealing a file name")?;

    // A version's blob is stored under the version's id.
    let (size, digest) = store_blob(
        &state.blobs,
        version_id.as_str(),
        file_key,
        limit,
        &mut body,
    )
    .await?;
    let sha256 = digest.to_vec();

    let committed = commit_rows(
        state,
        principal,
        client,
        &CommitRows {
            matter,
            version_id: &version_id,
            replaces: replaces.as_ref(),
            visibility,
            request_id: params.request_id.as_ref(),
            size,
            sha256: &sha256,
            wrapped_key: &wrapped_key,
            name_sealed: &name_sealed,
            content_type: content_type_for(&name),
        },
    )
    .await;
    match committed {
        Ok((document_id, version)) => Ok(UploadedDocument {
            document_id,
            version,
            name,
            size,
            sha256: to_hex(&sha256),
        }),
        Err(err) => {
            // The row is not there, so the blob must not be either.
            let blobs = Arc::clone(&state.blobs);
            let key = String::from(version_id);
            let _ = tokio::task::spawn_blocking(move || blobs.delete(&key)).await;
            Err(err.into())
        }
    }
}

/// Streams `body` into the blob `key`, encrypted. Returns the plaintext size
/// and SHA-256 once the blob is committed.
async fn store_blob<S, E>(
    blobs: &Arc<dyn BlobStore>,
    key: &str,
    file_key: FileKey,
    limit: u64,
    body: &mut S,
) -> Result<(u64, [u8; 32]), UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: std::fmt::Display,
{
    let (tx, rx) = mpsc::channel::<Piece>(PIPELINE_DEPTH);
    let worker = {
        let blobs = Arc::clone(blobs);
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || encrypt_to_blob(blobs.as_ref(), &key, &file_key, rx))
    };
    let mut total = 0_u64;
    // Hashing here and encrypting on the worker puts the two on different
    // cores.
    let mut hasher = Sha256::new();
    let mut failure: Option<UploadError> = None;
    while let Some(frame) = body.next().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(err) => {
                failure = Some(anyhow::anyhow!("reading the upload: {err}").into());
                break;
            }
        };
        total += frame.len() as u64;
        if total > limit {
            failure = Some(UploadError::TooLarge { limit });
            break;
        }
        hasher.update(&frame);
        if tx.send(Piece::Data(frame)).await.is_err() {
            // The worker stopped; its error is reported below.
            break;
        }
    }
    if failure.is_none() && total == 0 {
        // An empty file is nearly always a failed export or a cloud file
        // not downloaded yet: the sender should know now, not the firm later.
        failure = Some(
            AppError::BadRequest(
                "The file is empty. Choose the file again, or another copy of it.".to_owned(),
            )
            .into(),
        );
    }
    if failure.is_none() {
        // A send error means the worker already stopped; its result says why.
        let _ = tx.send(Piece::End).await;
    }
    drop(tx);
    // Always wait for the worker, so a refused upload has removed its temp
    // file before the answer goes out.
    let outcome = worker.await.context("the upload worker stopped")?;
    if let Some(err) = failure {
        Err(err)
    } else {
        outcome?;
        Ok((total, hasher.finalize().into()))
    }
}

/// The blocking half: re-chunks, encrypts and writes; commits the blob
/// only after [`Piece::End`].
fn encrypt_to_blob(
    blobs: &dyn BlobStore,
    key: &str,
    file_key: &FileKey,
    mut rx: mpsc::Receiver<Piece>,
) -> anyhow::Result<()> {
    let mut pending = blobs.put(key).context("creating a temp blob")?;
    let (header, mut encryptor) = FileEncryptor::new(file_key, key)?;
    pending.write_all(&header).context("writing a blob")?;
    // One buffer for the whole file: filled with plaintext, encrypted in
    // place (the tag grows it), written, cleared.
    let mut buffer: Vec<u8> = Vec::with_capacity(ENCRYPTED_CHUNK_SIZE);
    loop {
        match rx.blocking_recv() {
            Some(Piece::Data(mut frame)) => {
                while !frame.is_empty() {
                    // A full buffer is written only once more data arrives:
                    // until then it may be the last chunk.
                    if buffer.len() == CHUNK_SIZE {
                        encryptor.encrypt_next_in_place(&mut buffer)?;
                        pending.write_all(&buffer).context("writing a blob")?;
                        buffer.clear();
                    }
                    let take = (CHUNK_SIZE - buffer.len()).min(frame.len());
                    buffer.extend_from_slice(&frame.split_to(take));
                }
            }
            Some(Piece::End) => break,
            None => anyhow::bail!("the upload ended before the whole file arrived"),
        }
    }
    let sealed = encryptor.encrypt_last(&buffer)?;
    pending.write_all(&sealed).context("writing a blob")?;
    pending.commit().context("committing a blob")?;
    Ok(())
}

/// The rows one upload writes.
struct CommitRows<'a> {
    matter: &'a MatterId,
    version_id: &'a VersionId,
    replaces: Option<&'a DocumentId>,
    visibility: Visibility,
    request_id: Option<&'a DocumentRequestId>,
    size: u64,
    sha256: &'a [u8],
    wrapped_key: &'a [u8],
    name_sealed: &'a [u8],
    content_type: &'a str,
}

/// Writes the document (or its next version), fulfils the request, and
/// records audit rows and the client's touchpoints, in one transaction.
/// What was checked before the upload streamed is checked again here, so a
/// change meanwhile (the document's visibility, the request accepted) is a
/// 409 rather than a version or fulfilment nobody allowed.
async fn commit_rows(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    rows: &CommitRows<'_>,
) -> Result<(DocumentId, i64), ServiceError> {
    let now = now_ms();
    let user = principal.user_id.to_string();
    let mut tx = state.db.begin_write().await?;
    let (document_id, version) = if let Some(id) = rows.replaces {
        let numbered: Option<(i64,)> = sqlx::query_as(
            "update documents set current_version = current_version + 1
             where id = $1 and matter_id = $2 and visibility = $3 returning current_version",
        )
        .bind(id.clone())
        .bind(rows.matter.clone())
        .bind(rows.visibility.as_str())
        .fetch_optional(tx.conn())
        .await
        .context("numbering a new version")?;
        let Some((version,)) = numbered else {
            return Err(AppError::Conflict(
                "The document's visibility changed while the file was uploading; upload it again."
                    .to_owned(),
            )
            .into());
        };
        (id.clone(), version)
    } else {
        let id = DocumentId::from_trusted(new_id());
        sqlx::query(
            "insert into documents (id, matter_id, visibility, current_version, request_id, created_by, created_at)
             values ($1, $2, $3, 1, $4, $5, $6)",
        )
        .bind(id.clone())
        .bind(rows.matter.clone())
        .bind(rows.visibility.as_str())
        .bind(rows.request_id.cloned())
        .bind(user.as_str())
        .bind(now)
        .execute(tx.conn())
        .await
        .context("adding a document")?;
        (id, 1)
    };
    sqlx::query(
        "insert into document_versions
             (id, document_id, version, size, sha256, wrapped_key, blob_key, name_sealed, content_type, uploaded_by, uploaded_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(rows.version_id.clone())
    .bind(document_id.clone())
    .bind(version)
    .bind(i64::try_from(rows.size).context("file size")?)
    .bind(rows.sha256.to_vec())
    .bind(rows.wrapped_key.to_vec())
    .bind(rows.version_id.clone())
    .bind(rows.name_sealed.to_vec())
    .bind(rows.content_type)
    .bind(user.as_str())
    .bind(now)
    .execute(tx.conn())
    .await
    .context("adding a document version")?;
    let mut entries = vec![(
        "document.uploaded",
        AuditEntry::by(principal, client, "document.uploaded", AuditResult::Success)
            .on(&document_id),
        format!("Uploaded a document (version {version})"),
    )];
    if let Some(request_id) = rows.request_id {
        let fulfilled = sqlx::query(
            "update document_requests
             set status = 'fulfilled', fulfilled_by_version = $1, fulfilled_at = $2,
                 review_status = null, reviewed_by = null, reviewed_at = null
             where id = $3 and matter_id = $4
               and (review_status is null or review_status <> 'accepted')",
        )
        .bind(rows.version_id.clone())
        .bind(now)
        .bind(request_id.clone())
        .bind(rows.matter.clone())
        .execute(tx.conn())
        .await
        .context("fulfilling a document request")?
        .rows_affected();
        if fulfilled != 1 {
            return Err(AppError::Conflict(ACCEPTED_REQUEST.to_owned()).into());
        }
        entries.push((
            "document_request.fulfilled",
            AuditEntry::by(
                principal,
                client,
                "document_request.fulfilled",
                AuditResult::Success,
            )
            .on(request_id),
            "Fulfilled a document request".to_owned(),
        ));
    }
    for (action, entry, summary) in entries {
        audit::append(&mut tx, &entry).await?;
        if let Some(contact_id) = &principal.contact_id {
            touchpoints::record(
                &mut tx,
                &NewTouchpoint {
                    contact_id: contact_id.clone(),
                    matter_id: Some(rows.matter.clone()),
                    kind: format!("portal.{action}"),
                    summary,
                    actor_user_id: Some(principal.user_id.clone()),
                },
            )
            .await?;
        }
    }
    tx.commit().await.context("committing an upload")?;
    Ok((document_id, version))
}
