//! Statement downloads: `GET /api/invoices/{id}/pdf` for a signed-in user
//! who may see the invoice. The policy check is in the service; a refusal
//! answers exactly like a missing invoice.

use app::{
    domain::{ids::InvoiceId, links},
    server::{
        ServiceError,
        auth::{ClientInfo, Principal},
        billing,
    },
};
use axum::{
    Router,
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};

use crate::state::ServerState;

/// The billing routes.
pub fn router() -> Router<ServerState> {
    Router::new().route(links::INVOICE_PDF, get(statement_pdf))
}

/// Sends the statement as an attachment: a PDF is never rendered inline
/// from our origin, and `nosniff` (set for every response by the edge
/// middleware, and here again so the download does not depend on it) stops
/// a browser from guessing another type.
async fn statement_pdf(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<Response, ServiceError> {
    let id = InvoiceId::parse(&id)?;
    let (file_name, bytes) =
        billing::statement_pdf(&state.app.db, &principal, &client, &id).await?;
    Ok((
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
        .into_response())
}
