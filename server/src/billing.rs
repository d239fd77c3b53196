//! Statement downloads: `GET /api/invoices/{id}/pdf` for a signed-in user
//! who may see the invoice. The policy check is in the service; a refusal
//! answers exactly like a missing invoice.

use app::{
    domain::ids::InvoiceId,
    server::{ServiceError, auth::AuthContext, billing},
};
use axum::{
    Extension, Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::startup::ServerState;

/// The billing routes.
pub fn billing_routes() -> Router<ServerState> {
    Router::new().route("/api/invoices/{id}/pdf", get(statement_pdf))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found.\n").into_response()
}

/// Sends the statement as an attachment: a PDF is never rendered inline
/// from our origin, and `nosniff` (set for every response by the edge
/// middleware, and here again so the download does not depend on it) stops
/// a browser from guessing another type.
async fn statement_pdf(
    State(state): State<ServerState>,
    Extension(auth): Extension<AuthContext>,
    Path(id): Path<String>,
) -> Response {
    let Some(principal) = auth.principal else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.\n").into_response();
    };
    let Ok(id) = InvoiceId::parse(&id) else {
        return not_found();
    };
    match billing::statement_pdf(&state.app.db, &principal, &auth.client, &id).await {
        Ok((file_name, bytes)) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(ServiceError::User(_)) => not_found(),
        Err(ServiceError::Internal(err)) => {
            tracing::error!(error = format!("{err:#}"), "rendering a statement PDF");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
