//! Server functions about documents and document requests. Uploads and
//! downloads are plain axum routes (they stream); see `server/src/documents.rs`.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    document::{DocumentRequestView, DocumentView},
};

/// The documents of a matter the user may see, with their versions.
#[server(endpoint = "list_documents")]
pub async fn list_documents(matter_id: String) -> Result<Vec<DocumentView>, AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{AppState, ServiceError, auth, documents},
    };

    let principal = auth::require_principal()?;
    let matter_id = MatterId::parse(&matter_id)
        .inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    documents::list_documents(&state, &principal, &auth::current().client, &matter_id)
        .await
        .map_err(ServiceError::into_app_error)
}

/// The document requests of a matter.
#[server(endpoint = "list_document_requests")]
pub async fn list_document_requests(
    matter_id: String,
) -> Result<Vec<DocumentRequestView>, AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{AppState, ServiceError, auth, documents},
    };

    let principal = auth::require_principal()?;
    let matter_id = MatterId::parse(&matter_id)
        .inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    documents::list_requests(&state, &principal, &auth::current().client, &matter_id)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Asks the client for a document (firm users). `due_date` is
/// `YYYY-MM-DD` (due by the end of that day, UTC), or empty for no due
/// date. Returns the request's id.
#[server(endpoint = "create_document_request")]
pub async fn create_document_request(
    matter_id: String,
    title: String,
    note: String,
    due_date: String,
) -> Result<String, AppError> {
    use crate::{
        domain::{ids::MatterId, time::parse_form_datetime},
        server::{AppState, ServiceError, auth, documents},
    };

    let principal = auth::require_principal()?;
    let matter_id = MatterId::parse(&matter_id)
        .inspect_err(|_| crate::server::error::set_response_status(404))?;
    let due_at = match due_date.trim() {
        "" => None,
        date => Some(parse_form_datetime(date, "23:59").map_err(|message| {
            crate::server::error::set_response_status(400);
            AppError::BadRequest(message)
        })?),
    };
    let state = AppState::from_context()?;
    documents::create_request(
        &state,
        &principal,
        &auth::current().client,
        &matter_id,
        &title,
        &note,
        due_at,
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// Accepts or rejects what was uploaded against a request (firm users); a
/// rejection needs a reason and reopens the request.
#[server(endpoint = "review_document_request")]
pub async fn review_document_request(
    request_id: String,
    accept: bool,
    reason: String,
) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, documents};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    documents::review_request(
        &state,
        &principal,
        &auth::current().client,
        &request_id,
        accept,
        &reason,
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// Makes a document client-visible or internal (firm users). `visibility`
/// is `client` or `internal`.
#[server(endpoint = "set_document_visibility")]
pub async fn set_document_visibility(
    document_id: String,
    visibility: String,
) -> Result<(), AppError> {
    use crate::{
        domain::document::Visibility,
        server::{AppState, ServiceError, auth, documents},
    };

    let principal = auth::require_principal()?;
    let visibility = Visibility::parse(&visibility)
        .inspect_err(|_| crate::server::error::set_response_status(400))?;
    let state = AppState::from_context()?;
    documents::set_visibility(
        &state,
        &principal,
        &auth::current().client,
        &document_id,
        visibility,
    )
    .await
    .map_err(ServiceError::into_app_error)
}
