//! Listing a matter's documents and changing who may see them, and the
//! lookups other areas (messaging) make of a document.

use anyhow::Context as _;

use super::{AppState, open_name};
use crate::{
    domain::{
        document::{DocumentVersionView, DocumentView, MAX_LIST_ROWS, Visibility},
        ids::{DocumentId, MatterId, VersionId},
        links,
        policy::may_manage_documents,
    },
    server::{
        ServiceError,
        activity::{self, View},
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        db::{Db, WriteTx},
        policy::{
            authorize_matter, deny, ensure_matter_open, visible_document_sql, visible_matter_sql,
        },
    },
};

/// The detail of a refusal: the document is missing or not the user's.
const NOT_VISIBLE: &str = "missing or not visible";

#[derive(sqlx::FromRow)]
struct Row {
    document_id: DocumentId,
    visibility: String,
    request_id: Option<String>,
    version_id: VersionId,
    version: i64,
    size: i64,
    name_sealed: Vec<u8>,
    uploaded_at: i64,
    uploaded_by: String,
}

/// The documents on a matter that `principal` may see, each with its
/// versions newest first. The listing is recorded.
///
/// # Errors
/// Not found for a matter the user may not see.
pub async fn list_documents(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
) -> Result<Vec<DocumentView>, ServiceError> {
    authorize_matter(&state.db, principal, client, matter_id).await?;
    let subject = principal.subject();
    // One query for every version of every visible document (no N+1); the
    // limit bounds the documents, their versions come along.
    let sql = format!(
        "select d.id as document_id, d.visibility, d.request_id, v.id as version_id, v.version,
                v.size, v.name_sealed, v.uploaded_at, u.display_name as uploaded_by
         from documents d
         join matters m on m.id = d.matter_id
         join document_versions v on v.document_id = d.id
         join users u on u.id = v.uploaded_by
         where d.matter_id = $3 and {}
           and d.id in (select d2.id from documents d2 where d2.matter_id = $3
                        and ($2 <> 'client' or d2.visibility = 'client')
                        order by d2.created_at desc, d2.id desc limit $4)
         order by d.created_at desc, d.id desc, v.version desc",
        visible_document_sql("$1", "$2")
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(subject.user_id.clone())
        .bind(subject.role.as_str())
        .bind(matter_id.as_str().to_owned())
        .bind(MAX_LIST_ROWS)
        .fetch_all(state.db.pool())
        .await?;
    let mut documents: Vec<DocumentView> = Vec::new();
    for row in rows {
        let name = open_name(state, &row.version_id, &row.name_sealed).await?;
        let version = DocumentVersionView {
            version: row.version,
            name,
            size: row.size,
            uploaded_at: row.uploaded_at,
            uploaded_by: row.uploaded_by,
            download_url: links::version_download(row.document_id.as_str(), row.version),
        };
        match documents.last_mut() {
            Some(doc) if doc.id == row.document_id.as_str() => doc.versions.push(version),
            _ => documents.push(DocumentView {
                id: row.document_id.into(),
                matter_id: matter_id.clone(),
                visibility: Visibility::parse(&row.visibility)?,
                request_id: row.request_id,
                versions: vec![version],
            }),
        }
    }
    activity::viewed(
        &state.db,
        principal,
        client,
        &View {
            action: "documents.listed",
            object: Some(("matter", matter_id.as_str())),
            matter: Some(matter_id),
            summary: "Viewed the documents of a matter",
        },
    )
    .await?;
    Ok(documents)
}

/// Makes a document client-visible or internal. Firm users only.
///
/// # Errors
/// Not found for a document the user may not see or manage.
pub async fn set_document_visibility(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    document_id: &DocumentId,
    visibility: Visibility,
) -> Result<(), ServiceError> {
    let subject = principal.subject();
    if !may_manage_documents(&subject) {
        return Err(deny(&state.db, principal, client, document_id, NOT_VISIBLE).await);
    }
    let mut tx = state.db.begin_write().await?;
    let sql = format!(
        "update documents set visibility = $3
         where id = $4 and exists (select 1 from matters m where m.id = documents.matter_id and {})",
        visible_matter_sql("$1", "$2")
    );
    let updated = sqlx::query(&sql)
        .bind(subject.user_id.clone())
        .bind(subject.role.as_str())
        .bind(visibility.as_str())
        .bind(document_id.clone())
        .execute(tx.conn())
        .await?
        .rows_affected();
    if updated == 0 {
        drop(tx);
        return Err(deny(&state.db, principal, client, document_id, NOT_VISIBLE).await);
    }
    let matter_id: MatterId = sqlx::query_scalar("select matter_id from documents where id = $1")
        .bind(document_id.clone())
        .fetch_one(tx.conn())
        .await?;
    // Checked once the document is known to be visible, so that a closed
    // matter's 409 never answers for a document the user may not see; the
    // change is rolled back with the transaction.
    ensure_matter_open(&state.db, &matter_id).await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "document.visibility_changed",
            AuditResult::Success,
        )
        .on(document_id)
        .detail(visibility.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A document's current version, as another area that refers to it sees
/// it (a message about to carry it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentVersion {
    /// The version's id.
    pub version_id: VersionId,
    /// Who may see the document.
    pub visibility: Visibility,
    /// Whether it is a fresh upload of the principal's own: one version,
    /// theirs. A document with history may hold others' work, or earlier
    /// versions nobody meant to show.
    pub own_upload: bool,
}

/// The current version of document `document_id` on matter `matter_id`,
/// when `principal` may see it; `None` when it is missing or not theirs to
/// see (the caller audits the refusal in its own terms). Both ids must be
/// well-formed.
///
/// # Errors
/// On database failure.
pub async fn current_version(
    db: &Db,
    principal: &Principal,
    matter_id: &MatterId,
    document_id: &DocumentId,
) -> Result<Option<CurrentVersion>, ServiceError> {
    let sql = format!(
        "select v.id, d.visibility, d.created_by, d.current_version from documents d
         join matters m on m.id = d.matter_id
         join document_versions v on v.document_id = d.id and v.version = d.current_version
         where d.id = $3 and d.matter_id = $4 and {}",
        visible_document_sql("$1", "$2")
    );
    let found: Option<(VersionId, String, String, i64)> = sqlx::query_as(&sql)
        .bind(principal.user_id.to_string())
        .bind(principal.role.as_str())
        .bind(document_id.clone())
        .bind(matter_id.clone())
        .fetch_optional(db.pool())
        .await?;
    let Some((version_id, visibility, created_by, current_version)) = found else {
        return Ok(None);
    };
    Ok(Some(CurrentVersion {
        version_id,
        visibility: Visibility::parse(&visibility)?,
        own_upload: created_by == principal.user_id.as_str() && current_version == 1,
    }))
}

/// Makes `document_id` client-visible inside `tx` when it is the
/// principal's own fresh internal upload ([`CurrentVersion::own_upload`])
/// on a matter they may see, audited like any change of visibility, with
/// `why` in the detail. The conditions are checked inside the write (the
/// document may have changed, or a wall gone up, since it was looked up);
/// returns whether it was shared.
///
/// # Errors
/// On database failure.
pub async fn share_own_upload(
    tx: &mut WriteTx,
    principal: &Principal,
    client: &ClientInfo,
    document_id: &DocumentId,
    why: &str,
) -> anyhow::Result<bool> {
    let sql = format!(
        "update documents set visibility = 'client'
         where id = $3 and visibility = 'internal' and created_by = $1 and current_version = 1
           and exists (select 1 from matters m where m.id = documents.matter_id and {})",
        visible_matter_sql("$1", "$2")
    );
    let shared = sqlx::query(&sql)
        .bind(principal.user_id.to_string())
        .bind(principal.role.as_str())
        .bind(document_id.clone())
        .execute(tx.conn())
        .await
        .context("sharing a document")?;
    if shared.rows_affected() != 1 {
        return Ok(false);
    }
    audit::append(
        tx,
        &AuditEntry::by(
            principal,
            client,
            "document.visibility_changed",
            AuditResult::Success,
        )
        .on(document_id)
        .detail(format!("client ({why})")),
    )
    .await?;
    Ok(true)
}
