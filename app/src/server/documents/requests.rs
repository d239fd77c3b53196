//! Document requests: the firm asks a client for specific items; the client
//! uploads against them; staff accept or reject what came in.

use super::AppState;
use crate::{
    domain::{
        AppError,
        document::{
            DocumentRequestView, MAX_LIST_ROWS, MAX_REQUEST_NOTE_CHARS, MAX_REQUEST_TITLE_CHARS,
            RequestStatus, ReviewStatus,
        },
        ids::{DocumentRequestId, MatterId},
        policy::may_manage_documents,
    },
    server::{
        ServiceError,
        activity::{self, View},
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        new_id, now_ms,
        policy::{
            authorize_matter, authorize_matter_change, deny, ensure_matter_open, visible_matter_sql,
        },
    },
};

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    title: String,
    note: String,
    due_at: Option<i64>,
    status: String,
    review_status: Option<String>,
    rejection_reason: Option<String>,
    document_id: Option<String>,
}

/// The document requests of a matter, oldest first. The view is recorded.
///
/// # Errors
/// Not found for a matter the user may not see.
pub async fn list_document_requests(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
) -> Result<Vec<DocumentRequestView>, ServiceError> {
    authorize_matter(&state.db, principal, client, matter_id).await?;
    let rows: Vec<Row> = sqlx::query_as(
        "select r.id, r.title, r.note, r.due_at, r.status, r.review_status, r.rejection_reason,
                v.document_id
         from document_requests r
         left join document_versions v on v.id = r.fulfilled_by_version
         where r.matter_id = $1
         order by r.created_at, r.id
         limit $2",
    )
    .bind(matter_id.as_str().to_owned())
    .bind(MAX_LIST_ROWS)
    .fetch_all(state.db.pool())
    .await?;
    let now = now_ms();
    let requests = rows
        .into_iter()
        .map(|row| DocumentRequestView {
            status: RequestStatus::compute(row.status == "fulfilled", row.due_at, now),
            review: match row.review_status.as_deref() {
                Some("accepted") => Some(ReviewStatus::Accepted),
                Some("rejected") => Some(ReviewStatus::Rejected),
                _ => None,
            },
            id: row.id,
            title: row.title,
            note: row.note,
            due_at: row.due_at,
            rejection_reason: row.rejection_reason,
            document_id: row.document_id,
        })
        .collect();
    activity::viewed(
        &state.db,
        principal,
        client,
        &View {
            action: "document_requests.listed",
            object: Some(("matter", matter_id.as_str())),
            matter: Some(matter_id),
            summary: "Viewed the document requests of a matter",
        },
    )
    .await?;
    Ok(requests)
}

/// Bounds and trims a text field.
fn bounded(text: &str, max: usize, what: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(AppError::BadRequest(format!(
            "{what} is longer than {max} characters."
        )));
    }
    Ok(text.to_owned())
}

/// Asks the client of a matter for a document. Firm users only.
///
/// # Errors
/// Not found for a matter the user may not see or a client; a 400 for an
/// empty or overlong title or note.
pub async fn create_document_request(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    title: &str,
    note: &str,
    due_at: Option<i64>,
) -> Result<DocumentRequestId, ServiceError> {
    authorize_matter_change(&state.db, principal, client, matter_id).await?;
    if !may_manage_documents(&principal.subject()) {
        return Err(deny(
            &state.db,
            principal,
            client,
            matter_id,
            "may not ask for documents",
        )
        .await);
    }
    let title = bounded(title, MAX_REQUEST_TITLE_CHARS, "The title")?;
    if title.is_empty() {
        return Err(AppError::BadRequest("Say which document you need.".to_owned()).into());
    }
    let note = bounded(note, MAX_REQUEST_NOTE_CHARS, "The note")?;
    let id = DocumentRequestId::from_trusted(new_id());
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into document_requests (id, matter_id, title, note, due_at, status, created_by, created_at)
         values ($1, $2, $3, $4, $5, 'open', $6, $7)",
    )
    .bind(id.clone())
    .bind(matter_id.clone())
    .bind(title)
    .bind(note)
    .bind(due_at)
    .bind(principal.user_id.to_string())
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "document_request.created",
            AuditResult::Success,
        )
        .on(&id),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Accepts or rejects what was uploaded against a request. A rejection
/// needs a reason and reopens the request. Firm users only.
///
/// # Errors
/// Not found for a request the user may not see or manage; a 400 for a
/// rejection without a reason or a request with nothing uploaded.
pub async fn review_document_request(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    request_id: &DocumentRequestId,
    accept: bool,
    reason: &str,
) -> Result<(), ServiceError> {
    let subject = principal.subject();
    if !may_manage_documents(&subject) {
        return Err(deny(
            &state.db,
            principal,
            client,
            request_id,
            "may not review uploads",
        )
        .await);
    }
    let reason = bounded(reason, MAX_REQUEST_NOTE_CHARS, "The reason")?;
    if !accept && reason.is_empty() {
        return Err(AppError::BadRequest("Say why the upload is rejected.".to_owned()).into());
    }
    let sql = format!(
        "select r.status, r.matter_id from document_requests r join matters m on m.id = r.matter_id
         where r.id = $3 and {}",
        visible_matter_sql("$1", "$2")
    );
    let found: Option<(String, MatterId)> = sqlx::query_as(&sql)
        .bind(subject.user_id.clone())
        .bind(subject.role.as_str())
        .bind(request_id.clone())
        .fetch_optional(state.db.pool())
        .await?;
    match found {
        None => {
            let why = "missing or not visible";
            return Err(deny(&state.db, principal, client, request_id, why).await);
        }
        Some((status, _)) if status != "fulfilled" => {
            return Err(AppError::Conflict(
                "Nothing has been uploaded for this request yet.".to_owned(),
            )
            .into());
        }
        Some((_, matter_id)) => ensure_matter_open(&state.db, &matter_id).await?,
    }
    let mut tx = state.db.begin_write().await?;
    let (review, status, reason) = if accept {
        ("accepted", "fulfilled", None)
    } else {
        ("rejected", "open", Some(reason))
    };
    sqlx::query(
        "update document_requests
         set review_status = $1, status = $2, rejection_reason = $3, reviewed_by = $4, reviewed_at = $5
         where id = $6 and status = 'fulfilled'",
    )
    .bind(review)
    .bind(status)
    .bind(reason)
    .bind(principal.user_id.to_string())
    .bind(now_ms())
    .bind(request_id.clone())
    .execute(tx.conn())
    .await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            format!("document_request.{review}"),
            AuditResult::Success,
        )
        .on(request_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
