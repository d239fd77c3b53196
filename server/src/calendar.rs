//! Calendar downloads: `GET /api/matters/{id}/calendar.ics` for a signed-in
//! user, and `GET /calendar/{token}.ics`, the private feed that calendar apps
//! fetch without a session. An expired or revoked feed answers 404, as an
//! unknown one does.

use app::{
    domain::ids::MatterId,
    server::{ServiceError, auth::AuthContext, calendar},
};
use axum::{
    Extension, Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::startup::ServerState;

/// The calendar routes.
pub fn routes() -> Router<ServerState> {
    Router::new()
        .route("/api/matters/{id}/calendar.ics", get(matter_calendar))
        .route("/calendar/{file}", get(feed))
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

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found.\n").into_response()
}

async fn matter_calendar(
    State(state): State<ServerState>,
    Extension(auth): Extension<AuthContext>,
    Path(id): Path<String>,
) -> Response {
    let Some(principal) = auth.principal else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.\n").into_response();
    };
    let Ok(id) = MatterId::parse(&id) else {
        return not_found();
    };
    match calendar::matter_ics(&state.app, &principal, &auth.client, &id).await {
        Ok((file_name, body)) => ics(&file_name, body),
        Err(ServiceError::User(_)) => not_found(),
        Err(ServiceError::Internal(err)) => {
            tracing::error!(error = format!("{err:#}"), "building a matter calendar");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn feed(
    State(state): State<ServerState>,
    Extension(auth): Extension<AuthContext>,
    Path(file): Path<String>,
) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return not_found();
    };
    match calendar::feed(&state.app, &auth.client, token).await {
        Ok(Some(body)) => ics("vellum.ics", body),
        Ok(None) => not_found(),
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "building a calendar feed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
