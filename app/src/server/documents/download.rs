//! Streaming a download out of an encrypted blob.
//!
//! A blocking thread reads and verifies one chunk at a time and hands the
//! plaintext to the response body through a short channel, so memory stays
//! flat. A range request decrypts only the chunks it touches. A full
//! download also checks the last-chunk flag and the plaintext's SHA-256; if
//! anything fails, the body ends with an error, which cuts the connection
//! short of its `Content-Length`, so the client never holds a "complete"
//! wrong file. The failure is logged and audited.

use std::{
    io::{self, Read, Seek, SeekFrom},
    ops::RangeInclusive,
    sync::Arc,
};

use anyhow::Context as _;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;

use super::{AppState, open_name};
use crate::{
    domain::{
        AppError,
        ids::{DocumentId, MatterId, VersionId},
    },
    server::{
        ServiceError,
        activity::{self, View},
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        crypto::{
            CHUNK_SIZE, ChunkDecryptor, ENCRYPTED_CHUNK_SIZE, HEADER_LEN, envelope_key_id,
            unwrap_file_key,
        },
        policy::{deny, visible_document_sql},
    },
};

/// Chunks in flight between the decrypting thread and the socket.
const PIPELINE_DEPTH: usize = 4;

/// A download ready to send.
pub struct Download {
    /// The sanitised file name, for `Content-Disposition`.
    pub name: String,
    /// The stored content type (from the allow-list).
    pub content_type: String,
    /// The file's full plaintext size.
    pub size: u64,
    /// The byte range being sent, when the request asked for one.
    pub range: Option<RangeInclusive<u64>>,
    /// The plaintext, chunk by chunk; ends with an error if verification
    /// fails.
    pub body: BoxStream<'static, io::Result<Bytes>>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("size", &self.size)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// Why a download could not start.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The requested range lies outside the file (416).
    #[error("The requested range is outside the file.")]
    RangeNotSatisfiable {
        /// The file's size, for `Content-Range: bytes */size`.
        size: u64,
    },
    /// Anything else.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// A download that could not start: 416 with the file's size for a range
/// outside it, else the service error's own answer.
impl axum::response::IntoResponse for DownloadError {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{HeaderValue, StatusCode, header};
        match self {
            Self::RangeNotSatisfiable { size } => {
                let status = StatusCode::RANGE_NOT_SATISFIABLE;
                let mut response = crate::server::error::error_response(status, self.to_string());
                if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    response.headers_mut().insert(header::CONTENT_RANGE, value);
                }
                response
            }
            Self::Service(err) => axum::response::IntoResponse::into_response(err),
        }
    }
}

impl From<anyhow::Error> for DownloadError {
    fn from(err: anyhow::Error) -> Self {
        Self::Service(err.into())
    }
}

impl From<sqlx::Error> for DownloadError {
    fn from(err: sqlx::Error) -> Self {
        Self::Service(err.into())
    }
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: VersionId,
    matter_id: MatterId,
    size: i64,
    sha256: Vec<u8>,
    wrapped_key: Vec<u8>,
    blob_key: String,
    name_sealed: Vec<u8>,
    content_type: String,
}

/// Prepares the download of a document's current version (`version` 0) or
/// of an earlier one, honouring a `Range` header.
///
/// # Errors
/// Not found for a document or version the user may not see (audited);
/// [`DownloadError::RangeNotSatisfiable`] for a range outside the file.
pub async fn download(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    document_id: &DocumentId,
    version: i64,
    range: Option<&str>,
) -> Result<Download, DownloadError> {
    let seen = View {
        action: "document.downloaded",
        object: Some(("document", document_id.as_str())),
        matter: None,
        summary: "Downloaded a document",
    };
    download_version_as(state, principal, client, document_id, version, range, seen).await
}

/// Prepares the download of `document_id` at `version` (0: the current
/// one): finds the version, checks the document rules and the range,
/// records the view (`seen`, with the document's matter filled in) and
/// starts the decrypting thread. Other areas hand out a document they
/// refer to through this, such as the version a message carries.
///
/// # Errors
/// As [`download`].
pub async fn download_version_as(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    document_id: &DocumentId,
    version: i64,
    range: Option<&str>,
    seen: View<'_>,
) -> Result<Download, DownloadError> {
    let subject = principal.subject();
    let sql = format!(
        "select v.id, d.matter_id, v.size, v.sha256, v.wrapped_key, v.blob_key, v.name_sealed, v.content_type
         from documents d
         join matters m on m.id = d.matter_id
         join document_versions v on v.document_id = d.id
              and v.version = case when $3 > 0 then $3 else d.current_version end
         where d.id = $4 and {}",
        visible_document_sql("$1", "$2")
    );
    let row: Option<VersionRow> = sqlx::query_as(&sql)
        .bind(subject.user_id.clone())
        .bind(subject.role.as_str())
        .bind(version)
        .bind(document_id.clone())
        .fetch_optional(state.db.pool())
        .await?;
    let Some(row) = row else {
        let refused = deny(
            &state.db,
            principal,
            client,
            document_id,
            "missing or not visible",
        );
        return Err(refused.await.into());
    };
    let size = u64::try_from(row.size).context("stored size")?;
    let range = match range.map(http_range_header::parse_range_header) {
        Some(Ok(parsed)) if parsed.ranges.len() == 1 => match parsed.validate(size) {
            Ok(mut ranges) => ranges.pop(),
            Err(_) => return Err(DownloadError::RangeNotSatisfiable { size }),
        },
        // A malformed or multi-range header is ignored (RFC 9110 §14.2):
        // the whole file is sent.
        _ => None,
    };
    if size == 0 && range.is_some() {
        return Err(DownloadError::RangeNotSatisfiable { size });
    }

    let key_id = envelope_key_id(&row.wrapped_key).context("reading a wrapped file key")?;
    let data_key = state.keys.key_by_id(&state.db, key_id).await?;
    let file_key = unwrap_file_key(&data_key, row.id.as_str(), &row.wrapped_key)
        .context("unwrapping a file key")?;
    let name = open_name(state, &row.id, &row.name_sealed).await?;

    let matter = row.matter_id.clone();
    activity::viewed(
        &state.db,
        principal,
        client,
        &View {
            matter: Some(&matter),
            ..seen
        },
    )
    .await?;

    let job = Job {
        blobs: Arc::clone(&state.blobs),
        blob_key: row.blob_key,
        version_id: row.id.into(),
        size,
        expected_sha256: row.sha256,
        range: range.clone(),
    };
    let failure = FailureAudit {
        db: state.db.clone(),
        principal: principal.clone(),
        document_id: document_id.clone(),
        client: client.clone(),
    };
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(PIPELINE_DEPTH);
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        if let Err(err) = job.run(&file_key, &tx) {
            tracing::error!(document = %failure.document_id, error = format!("{err:#}"), "a document failed verification on download");
            if let Err(audit_err) = handle.block_on(failure.record(&err)) {
                tracing::error!(
                    error = format!("{audit_err:#}"),
                    "could not audit a document integrity failure"
                );
            }
            let _ = tx.blocking_send(Err(io::Error::other(
                "the stored document failed its integrity check; the download was stopped",
            )));
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(Download {
        name,
        content_type: row.content_type,
        size,
        range,
        body: Box::pin(body),
    })
}

/// What the decrypting thread needs.
struct Job {
    blobs: Arc<dyn crate::server::blobs::BlobStore>,
    blob_key: String,
    version_id: String,
    size: u64,
    expected_sha256: Vec<u8>,
    range: Option<RangeInclusive<u64>>,
}

impl Job {
    /// Sends the verified plaintext of the range (or the whole file) into
    /// `tx`. Returns early without error if the client went away.
    fn run(
        &self,
        file_key: &crate::server::crypto::FileKey,
        tx: &mpsc::Sender<io::Result<Bytes>>,
    ) -> anyhow::Result<()> {
        let chunk = CHUNK_SIZE as u64;
        // A file of n bytes has max(1, ⌈n / CHUNK_SIZE⌉) chunks; the last
        // one may be full, or empty for an empty file.
        let chunks = self.size.div_ceil(chunk).max(1);
        let expected_len =
            HEADER_LEN as u64 + self.size + chunks * (ENCRYPTED_CHUNK_SIZE - CHUNK_SIZE) as u64;
        let (mut reader, len) = self
            .blobs
            .open(&self.blob_key)
            .context("opening the blob")?;
        anyhow::ensure!(
            len == expected_len,
            "the blob is {len} bytes, expected {expected_len}: truncated or extended"
        );
        let mut header = [0_u8; HEADER_LEN];
        reader
            .read_exact(&mut header)
            .context("reading the blob header")?;
        let decryptor = ChunkDecryptor::new(file_key, &self.version_id, &header)?;

        let (first, last, skip, mut remaining) = match &self.range {
            Some(r) => (
                r.start() / chunk,
                r.end() / chunk,
                r.start() % chunk,
                r.end() - r.start() + 1,
            ),
            None => (0, chunks - 1, 0, self.size),
        };
        reader
            .seek(SeekFrom::Start(
                HEADER_LEN as u64 + first * ENCRYPTED_CHUNK_SIZE as u64,
            ))
            .context("seeking in the blob")?;
        let mut hasher = self.range.is_none().then(Sha256::new);
        for index in first..=last {
            let is_last = index == chunks - 1;
            let sealed_len = if is_last {
                usize::try_from(
                    expected_len - HEADER_LEN as u64 - index * ENCRYPTED_CHUNK_SIZE as u64,
                )?
            } else {
                ENCRYPTED_CHUNK_SIZE
            };
            // Each chunk is read into its own buffer, decrypted in place and
            // handed to the response as it is: no copies.
            let mut chunk_buf = vec![0_u8; sealed_len];
            reader
                .read_exact(&mut chunk_buf)
                .context("reading the blob")?;
            decryptor.decrypt_chunk_in_place(u32::try_from(index)?, is_last, &mut chunk_buf)?;
            let plain = Bytes::from(chunk_buf);
            if let Some(hasher) = &mut hasher {
                hasher.update(&plain);
            }
            let from = if index == first {
                usize::try_from(skip)?
            } else {
                0
            };
            let to = (from as u64 + remaining).min(plain.len() as u64);
            let piece = plain.slice(from..usize::try_from(to)?);
            remaining -= piece.len() as u64;
            let is_final_piece = index == last;
            if is_final_piece && let Some(hasher) = hasher.take() {
                // Hold back the file's end until the whole file is known
                // to be the one that was uploaded.
                let digest = hasher.finalize();
                anyhow::ensure!(
                    crate::server::crypto::ct_eq(digest.as_slice(), &self.expected_sha256),
                    "the plaintext's SHA-256 does not match the one recorded at upload"
                );
            }
            if tx.blocking_send(Ok(piece)).is_err() {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// Writes the `document.integrity_failure` audit row.
struct FailureAudit {
    db: crate::server::db::Db,
    principal: Principal,
    document_id: DocumentId,
    client: ClientInfo,
}

impl FailureAudit {
    async fn record(&self, err: &anyhow::Error) -> anyhow::Result<()> {
        let detail = match err.downcast_ref::<crate::server::crypto::CryptoError>() {
            Some(crypto) => crypto.to_string(),
            None => format!("{err}"),
        };
        audit::record(
            &self.db,
            &AuditEntry::by(
                &self.principal,
                &self.client,
                "document.integrity_failure",
                AuditResult::Failure,
            )
            .on(&self.document_id)
            .detail(detail),
        )
        .await
    }
}

/// Keeps the user-facing error type in one place for the HTTP layer.
impl DownloadError {
    /// The not-found error, for callers that refuse before looking.
    pub fn not_found() -> Self {
        Self::Service(AppError::NotFound.into())
    }
}
