//! The plain HTTP routes: what a server function cannot do, because it
//! streams (uploads, downloads, the live message stream) or is fetched by a
//! link or a calendar app (statement PDFs, calendar files). One module per
//! area, each with its `router()`, each calling `app::server::<area>` and
//! nothing else; failures answer through the error value's own
//! `IntoResponse`.

pub mod billing;
pub mod brand;
pub mod calendar;
pub mod contacts;
pub mod documents;
pub mod messages;
pub mod walls;

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::limit::RequestBodyLimitLayer;

use crate::state::ServerState;

/// Every plain route. Request bodies are capped at `max_body_bytes`,
/// except the document uploads, which stream against their own limit, and
/// the contact import, which reads against its own.
pub fn router(max_body_bytes: usize) -> Router<ServerState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(billing::router())
        .merge(brand::router())
        .merge(calendar::router())
        .merge(messages::router())
        .merge(walls::router())
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .merge(documents::router())
        .merge(contacts::router())
}

/// `GET /healthz`: the process is up.
async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: the database answers.
async fn readyz(State(state): State<ServerState>) -> Response {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}
