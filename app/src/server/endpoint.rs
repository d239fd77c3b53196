//! How a server function runs: who is calling, the state, the one service
//! call, and its error mapped to the wire. The response status is set from
//! the error value here and nowhere else.
//!
//! ```text
//! #[server(endpoint = "get_matter")]
//! pub async fn get_matter(id: String) -> Result<MatterSummaryView, AppError> {
//!     endpoint::signed_in(|c| async move {
//!         matters::get_matter(&c.state.db, &c.principal, &c.client, &MatterId::parse(&id)?).await
//!     })
//!     .await
//! }
//! ```
//!
//! Ids and inputs are parsed inside the call, so a malformed one answers
//! through the same error value as any other refusal (not found, bad
//! request).

use anyhow::Context as _;

use super::{
    AppState, ServiceError,
    auth::{self, ClientInfo, Principal},
};
use crate::domain::AppError;

/// A signed-in caller of a server function, and the state to serve them.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The application state.
    pub state: AppState,
    /// Who is signed in.
    pub principal: Principal,
    /// Where the request came from.
    pub client: ClientInfo,
}

/// A caller of a public server function (signed in or not), and the state.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// The application state.
    pub state: AppState,
    /// Where the request came from.
    pub client: ClientInfo,
}

/// Whether the request being answered is a server function called by a
/// plain HTML form, which accepts HTML, rather than by the hydrated page,
/// which asks for JSON.
fn posted_without_script() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts.uri.path().starts_with("/api/")
            && parts
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// Runs `call` for the signed-in user; nobody signed in is
/// [`AppError::Unauthorized`] (401).
///
/// # Errors
/// The call's error, as the user may see it, with the response status set
/// to match.
pub async fn signed_in<T, F, Fut>(call: F) -> Result<T, AppError>
where
    F: FnOnce(Caller) -> Fut,
    Fut: Future<Output = Result<T, ServiceError>>,
{
    let run = async {
        let context = auth::current();
        let principal = context.principal.ok_or(AppError::Unauthorized)?;
        let state = state()?;
        call(Caller {
            state,
            principal,
            client: context.client,
        })
        .await
    };
    answer(run.await)
}

/// Runs `call` for anyone: the public server functions, where a one-time
/// link or the sign-in itself is the credential.
///
/// # Errors
/// As [`signed_in`].
pub async fn anyone<T, F, Fut>(call: F) -> Result<T, AppError>
where
    F: FnOnce(Visitor) -> Fut,
    Fut: Future<Output = Result<T, ServiceError>>,
{
    let run = async {
        let state = state()?;
        call(Visitor {
            state,
            client: auth::current().client,
        })
        .await
    };
    answer(run.await)
}

/// The request's session, for the server functions that sign in and out.
///
/// # Errors
/// When the session layer is missing (a wiring fault: internal).
pub async fn session() -> Result<tower_sessions::Session, ServiceError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|err| anyhow::anyhow!("the session layer is missing: {err}").into())
}

/// The state that the server provided to this render or server function
/// call.
fn state() -> Result<AppState, ServiceError> {
    Ok(leptos::prelude::use_context::<AppState>()
        .context("AppState missing from the Leptos context")?)
}

/// Maps a service failure to the wire error (logging internal causes) and
/// sets the response status from it.
fn answer<T>(result: Result<T, ServiceError>) -> Result<T, AppError> {
    result.map_err(|err| {
        let err = err.into_app_error();
        set_response_status(err.status_code());
        err
    })
}

/// Sets the status of the response being rendered or the server function
/// being answered. The mechanism behind [`answer`], and the not-found
/// page's own status; nothing else sets a status by hand.
///
/// A form posted before the page's script ran (it asks for HTML) is not
/// answered with the error's status: server functions send such a form
/// back to its page with the error in the address (`__err`), where the
/// form shows its friendly message, and a 4xx here would replace that
/// redirect with a bare error body.
pub(crate) fn set_response_status(code: u16) {
    if posted_without_script() {
        return;
    }
    if let (Some(options), Ok(status)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(code),
    ) {
        options.set_status(status);
    }
}
