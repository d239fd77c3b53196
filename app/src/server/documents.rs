//! Documents (DESIGN §2.4): encrypted, streamed uploads and downloads,
//! versions, visibility, and document requests. Documents know nothing of
//! the areas that refer to them (messaging); those call in.
//!
//! Every lookup joins the document to its matter and applies the matter
//! policy and the document visibility rule in the query itself, so an object
//! the user may not see is never fetched and answers exactly like a missing
//! one.

mod download;
mod list;
mod requests;
mod seed;
mod upload;

pub use download::{Download, DownloadError, download, download_version_as};
pub use list::{
    CurrentVersion, current_version, list_documents, set_document_visibility, share_own_upload,
};
pub use requests::{create_document_request, list_document_requests, review_document_request};
pub use seed::seed_documents;
pub use upload::{MAX_UPLOAD_NAME_BYTES, UploadError, UploadParams, UploadedDocument, upload};

use anyhow::Context as _;

use super::{
    AppState,
    crypto::{FieldAad, decrypt_field, envelope_key_id},
};
use crate::domain::{document::UploadRules, ids::VersionId};

/// What the portal takes now: the configured size limit and whether the
/// firm allows programs (its settings). No access check: the rules are
/// the same for everyone who may upload at all.
///
/// # Errors
/// When the settings cannot be read.
pub async fn upload_rules(state: &AppState) -> anyhow::Result<UploadRules> {
    Ok(UploadRules {
        max_bytes: state.max_upload_bytes,
        allow_programs: super::settings::allow_programs(&state.db).await?,
    })
}

/// The table and column a file name is sealed in; the row is the version.
fn name_aad(version_id: &VersionId) -> FieldAad<'_> {
    FieldAad {
        table: "document_versions",
        column: "name_sealed",
        row_id: version_id.as_str(),
    }
}

/// Opens a sealed file name (also for message attachments).
pub(super) async fn open_name(
    state: &AppState,
    version_id: &VersionId,
    sealed: &[u8],
) -> anyhow::Result<String> {
    let key_id = envelope_key_id(sealed).context("reading a sealed file name")?;
    let key = state.keys.key_by_id(&state.db, key_id).await?;
    let plain = decrypt_field(&key, &name_aad(version_id), sealed)
        .with_context(|| format!("opening the file name of version {version_id}"))?;
    Ok(String::from_utf8_lossy(&plain).into_owned())
}

/// How old an unfinished upload's temp file or row-less blob must be before
/// the sweep removes it. Anything newer may be an upload in flight in
/// another process on the same data dir (an overlapping restart): its temp
/// file is still being written, or its blob was renamed into place and its
/// row is about to commit. An hour is far past either.
pub const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_hours(1);

/// Removes what an interrupted upload left behind: temp files, and blobs
/// whose database row was never committed, last written more than `grace`
/// ago ([`ORPHAN_GRACE`] at start). Run at start, before serving. The sweep
/// holds the blob store's lock; when another process holds it, that
/// process is sweeping and this one skips.
///
/// # Errors
/// On database or storage failure.
pub async fn sweep_orphans(state: &AppState, grace: std::time::Duration) -> anyhow::Result<()> {
    let blobs = std::sync::Arc::clone(&state.blobs);
    let lock = tokio::task::spawn_blocking(move || blobs.lock_sweep())
        .await
        .context("locking the sweep of unfinished uploads")?
        .context("locking the sweep of unfinished uploads")?;
    let Some(lock) = lock else {
        tracing::info!("another process is sweeping unfinished uploads; skipped");
        return Ok(());
    };
    // The cutoff is taken before the live keys are read: a blob renamed
    // into place after it is too new to remove, whatever the list says.
    let cutoff = std::time::SystemTime::now()
        .checked_sub(grace)
        .unwrap_or(std::time::UNIX_EPOCH);
    let live: Vec<(String,)> = sqlx::query_as("select blob_key from document_versions")
        .fetch_all(state.db.pool())
        .await
        .context("listing stored blobs")?;
    let live: std::collections::HashSet<String> = live.into_iter().map(|(k,)| k).collect();
    let blobs = std::sync::Arc::clone(&state.blobs);
    let (temps, orphans) =
        tokio::task::spawn_blocking(move || -> std::io::Result<(usize, usize)> {
            let temps = blobs.remove_temp(cutoff)?;
            let orphans = blobs.list_orphans(&|key| live.contains(key), cutoff)?;
            for key in &orphans {
                blobs.delete(key)?;
            }
            drop(lock);
            Ok((temps, orphans.len()))
        })
        .await
        .context("sweeping unfinished uploads")?
        .context("sweeping unfinished uploads")?;
    if temps + orphans > 0 {
        tracing::info!(temps, orphans, "removed unfinished uploads");
    }
    Ok(())
}
