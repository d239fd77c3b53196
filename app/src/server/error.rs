//! Turning internal failures into user-safe errors, and errors into HTTP
//! answers.
//!
//! Services return [`ServiceError`]. Its `Internal` variant carries the full
//! cause chain, which is logged once, at the edge, next to the request id;
//! the browser sees only [`AppError::Internal`] with that id. The status of
//! the answer always comes from the error value ([`AppError::status_code`]):
//! plain routes answer through [`IntoResponse`] here, server functions
//! through [`super::endpoint`].

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::domain::AppError;

/// The id of the current HTTP request, put in the request extensions by the
/// server's middleware and echoed in the `x-request-id` response header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

tokio::task_local! {
    /// The id of the request this task is answering, for errors that become
    /// answers where no request is at hand (an [`IntoResponse`]).
    static REQUEST_ID: RequestId;
}

impl RequestId {
    /// Runs `work` (the rest of the request's handling) with this as the
    /// current request id.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        REQUEST_ID.scope(self, work).await
    }
}

/// The request id of the request being handled, if any: from the task the
/// server's middleware runs the request in, or from the Leptos context (a
/// page render may poll server functions on tasks of its own).
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(|id| id.0.clone())
        .ok()
        .or_else(|| {
            leptos::prelude::use_context::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<RequestId>().map(|id| id.0.clone()))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// What a service can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A failure the user can act on; shown as is.
    #[error(transparent)]
    User(#[from] AppError),
    /// A failure on our side; logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ServiceError {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(err.into())
    }
}

impl ServiceError {
    /// Converts to the wire error, logging internal causes with their chain
    /// under the current request id. This is the one place they are logged.
    pub fn into_app_error(self) -> AppError {
        match self {
            Self::User(err) => err,
            Self::Internal(err) => {
                let request_id = current_request_id();
                tracing::error!(request_id = %request_id, error = format!("{err:#}"), "internal error");
                AppError::Internal { request_id }
            }
        }
    }
}

/// The body of a failed plain route.
#[derive(serde::Serialize)]
struct ErrorBody {
    /// The message for people.
    error: String,
}

/// The answer of a failed plain route: `{"error": "…"}` with `status`.
/// Error types answer through this in their `IntoResponse`.
pub fn error_response(status: StatusCode, message: String) -> Response {
    (status, Json(ErrorBody { error: message })).into_response()
}

/// A failed plain route: the user-safe message with the error's own status
/// (and `Retry-After` when it says when to retry).
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = match &self {
            Self::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let mut response = error_response(status, self.to_string());
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// A failed plain route: internal causes are logged with the request id,
/// and the answer carries only that reference.
impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        self.into_app_error().into_response()
    }
}
