//! Calendar downloads: `GET /api/matters/{id}/calendar.ics` for a signed-in
//! user, and `GET /calendar/{token}.ics`, the private feed that calendar apps
//! fetch without a session. An expired or revoked feed answers 404, as an
//! unknown one does.

use app::{
    domain::{AppError, ids::MatterId, links},
    server::{
        ServiceError,
        auth::{ClientInfo, Principal},
        calendar,
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

/// The calendar routes.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(links::MATTER_CALENDAR, get(matter_calendar))
        .route(links::CALENDAR_FEED, get(feed))
}

fn ics(file_name: &str, body: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn matter_calendar(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<Response, ServiceError> {
    let id = MatterId::parse(&id)?;
    let (file_name, body) = calendar::matter_ics(&state.app, &principal, &client, &id).await?;
    Ok(ics(&file_name, body))
}

async fn feed(
    State(state): State<ServerState>,
    client: ClientInfo,
    Path(file): Path<String>,
) -> Result<Response, ServiceError> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let body = calendar::feed(&state.app, &client, token)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(ics("vellum.ics", body))
}
