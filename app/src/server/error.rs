//! Turning internal failures into user-safe errors.
//!
//! Services return [`ServiceError`]. Its `Internal` variant carries the full
//! cause chain, which is logged once, at the edge, next to the request id;
//! the browser sees only [`AppError::Internal`] with that id.

use crate::domain::AppError;

/// The id of the current HTTP request, put in the request extensions by the
/// server's middleware and echoed in the `x-request-id` response header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The request id of the request being handled, if any.
pub fn current_request_id() -> String {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestId>().cloned())
        .map_or_else(|| "unknown".to_owned(), |id| id.0)
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
    /// under the current request id, and sets the response status to match.
    pub fn into_app_error(self) -> AppError {
        let err = self.log_and_convert();
        set_response_status(err.status_code());
        err
    }

    fn log_and_convert(self) -> AppError {
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

/// Sets the status of the response being rendered or the server function
/// being answered.
pub fn set_response_status(code: u16) {
    if let (Some(options), Ok(status)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(code),
    ) {
        options.set_status(status);
    }
}
