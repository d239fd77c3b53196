//! The one error type that crosses the wire.
//!
//! Its variants are safe to show to users. Internal causes (database, I/O,
//! crypto) are logged on the server with their full chain and reach the browser
//! only as [`AppError::Internal`] carrying the request id, so support can find
//! the log line without the user ever seeing internals.

use serde::{Deserialize, Serialize};

/// An error a user may see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The object does not exist, or the user may not see it. The two are
    /// deliberately indistinguishable (DESIGN §2.2).
    #[error("Not found.")]
    NotFound,
    /// The request needs a signed-in user.
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// A sign-in step failed. One message for every cause (unknown email,
    /// wrong password, throttled, locked), so the answer reveals nothing.
    #[error("{}", crate::domain::auth::SIGN_IN_FAILED)]
    InvalidCredentials,
    /// An authentication code was wrong or used already.
    #[error(
        "That code is not valid. Enter the current code from your authenticator app, or a recovery code."
    )]
    InvalidCode,
    /// The request came from another site and changes state.
    #[error("This request came from another site and was refused.")]
    CrossSite,
    /// The input was rejected; the message says what to fix.
    #[error("{0}")]
    BadRequest(String),
    /// The request conflicts with the current state (for example a duplicate).
    #[error("{0}")]
    Conflict(String),
    /// Too many requests of this kind from this network (or from everyone)
    /// in a short time. Answered with `Retry-After` before any work is done.
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    TooManyRequests {
        /// Seconds until the next attempt may succeed.
        retry_after_secs: u64,
    },
    /// Something failed on our side. The details are in the server log under
    /// this request id.
    #[error("Something went wrong on our side (reference {request_id}).")]
    Internal {
        /// The id of the request, as logged and sent in `x-request-id`.
        request_id: String,
    },
    /// The server function machinery failed (transport, encoding). Kept as a
    /// string because it originates in the framework, never in our data.
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status code this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::NotFound => 404,
            Self::Unauthorized | Self::InvalidCredentials | Self::InvalidCode => 401,
            Self::CrossSite => 403,
            Self::BadRequest(_) => 400,
            Self::Conflict(_) => 409,
            Self::TooManyRequests { .. } => 429,
            Self::Internal { .. } | Self::Transport(_) => 500,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_show_only_the_request_id() {
        let shown = AppError::Internal {
            request_id: "req-1".into(),
        }
        .to_string();
        assert_eq!(shown, "Something went wrong on our side (reference req-1).");
    }

    #[test]
    fn each_error_maps_to_its_status_code() {
        assert_eq!(AppError::NotFound.status_code(), 404);
        assert_eq!(AppError::Unauthorized.status_code(), 401);
        assert_eq!(AppError::BadRequest("x".into()).status_code(), 400);
        assert_eq!(AppError::Conflict("x".into()).status_code(), 409);
        assert_eq!(
            AppError::TooManyRequests {
                retry_after_secs: 5
            }
            .status_code(),
            429
        );
    }
}
