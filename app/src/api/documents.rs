//! Server functions about documents and document requests. Uploads and
//! downloads are plain axum routes (they stream); see
//! `server/src/routes/documents.rs`.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    document::{DocumentRequestView, DocumentView, UploadRules},
};

/// What the portal takes (size, programs), for the upload controls to
/// state up front and check before sending.
#[server(endpoint = "get_upload_rules")]
pub async fn get_upload_rules() -> Result<UploadRules, AppError> {
    use crate::server::{documents, endpoint};

    endpoint::signed_in(|c| async move { Ok(documents::upload_rules(&c.state).await?) }).await
}

/// The documents of a matter the user may see, with their versions.
#[server(endpoint = "list_documents")]
pub async fn list_documents(matter_id: String) -> Result<Vec<DocumentView>, AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{documents, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let matter_id = MatterId::parse(&matter_id)?;
        documents::list_documents(&c.state, &c.principal, &c.client, &matter_id).await
    })
    .await
}

/// The document requests of a matter.
#[server(endpoint = "list_document_requests")]
pub async fn list_document_requests(
    matter_id: String,
) -> Result<Vec<DocumentRequestView>, AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{documents, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let matter_id = MatterId::parse(&matter_id)?;
        documents::list_document_requests(&c.state, &c.principal, &c.client, &matter_id).await
    })
    .await
}

/// Asks the client for a document (firm users). `due_date` is
/// `YYYY-MM-DD` (due by the end of that day in the firm's zone), or empty for no due
/// date. Returns the request's id.
#[server(endpoint = "create_document_request")]
pub async fn create_document_request(
    matter_id: String,
    title: String,
    note: String,
    due_date: String,
) -> Result<String, AppError> {
    use crate::server::{clock, documents, endpoint};

    endpoint::signed_in(|c| async move {
        let matter_id = crate::domain::ids::MatterId::parse(&matter_id)?;
        let due_at = match due_date.trim() {
            "" => None,
            date => Some(
                clock::firm(&c.state.db)
                    .await?
                    .parse_datetime(date, "23:59")
                    .map_err(AppError::BadRequest)?,
            ),
        };
        documents::create_document_request(
            &c.state,
            &c.principal,
            &c.client,
            &matter_id,
            &title,
            &note,
            due_at,
        )
        .await
        .map(String::from)
    })
    .await
}

/// Accepts or rejects what was uploaded against a request (firm users); a
/// rejection needs a reason and reopens the request.
#[server(endpoint = "review_document_request")]
pub async fn review_document_request(
    request_id: String,
    accept: bool,
    reason: String,
) -> Result<(), AppError> {
    use crate::{
        domain::ids::DocumentRequestId,
        server::{documents, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let request_id = DocumentRequestId::parse(&request_id)?;
        documents::review_document_request(
            &c.state,
            &c.principal,
            &c.client,
            &request_id,
            accept,
            &reason,
        )
        .await
    })
    .await
}

/// Makes a document client-visible or internal (firm users). `visibility`
/// is `client` or `internal`.
#[server(endpoint = "set_document_visibility")]
pub async fn set_document_visibility(
    document_id: String,
    visibility: String,
) -> Result<(), AppError> {
    use crate::{
        domain::{document::Visibility, ids::DocumentId},
        server::{documents, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let document_id = DocumentId::parse(&document_id)?;
        let visibility = Visibility::parse(&visibility)?;
        documents::set_document_visibility(
            &c.state,
            &c.principal,
            &c.client,
            &document_id,
            visibility,
        )
        .await
    })
    .await
}
