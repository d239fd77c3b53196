//! Server functions of secure messaging.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    message::{ThreadSummaryView, ThreadView},
};

/// Checks that `raw` looks like an id before it reaches a query; anything
/// else is not found, like an id that does not exist.
#[cfg(feature = "ssr")]
fn checked_id(raw: &str) -> Result<String, AppError> {
    crate::domain::ids::MatterId::parse(raw)
        .map(|id| id.as_str().to_owned())
        .inspect_err(|_| crate::server::error::set_response_status(404))
}

/// The threads the user may take part in, with unread counts.
#[server(endpoint = "list_threads")]
pub async fn list_threads() -> Result<Vec<ThreadSummaryView>, AppError> {
    use crate::server::{AppState, ServiceError, auth, messages};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    messages::list_threads(&state.db, &principal)
        .await
        .map_err(ServiceError::into_app_error)
}

/// How many messages the user has not read yet (for the navigation).
#[server(endpoint = "unread_messages")]
pub async fn unread_messages() -> Result<i64, AppError> {
    use crate::server::{AppState, ServiceError, auth, messages};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    messages::unread_count(&state.db, &principal)
        .await
        .map_err(ServiceError::into_app_error)
}

/// A thread with its messages; opening it marks them read.
#[server(endpoint = "get_thread")]
pub async fn get_thread(id: String) -> Result<ThreadView, AppError> {
    use crate::server::{AppState, ServiceError, auth, messages};

    let principal = auth::require_principal()?;
    let id = checked_id(&id)?;
    let state = AppState::from_context()?;
    messages::open_thread(&state, &principal, &auth::current().client, &id)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Sends a message to a thread; returns the new message's id.
/// `attachments` lists the ids of documents of the matter, already
/// uploaded, separated by spaces.
#[server(endpoint = "send_message")]
pub async fn send_message(
    thread_id: String,
    body: String,
    #[server(default)] attachments: String,
) -> Result<String, AppError> {
    use crate::server::{AppState, ServiceError, auth, messages};

    let principal = auth::require_principal()?;
    let thread_id = checked_id(&thread_id)?;
    let state = AppState::from_context()?;
    messages::send(
        &state,
        &principal,
        &auth::current().client,
        &thread_id,
        &body,
        &attachments,
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// Starts a thread on a matter with a first message; returns its id.
#[server(endpoint = "start_thread")]
pub async fn start_thread(
    matter_id: String,
    subject: String,
    body: String,
) -> Result<String, AppError> {
    use crate::server::{AppState, ServiceError, auth, messages};

    let principal = auth::require_principal()?;
    let matter_id = crate::domain::ids::MatterId::parse(&matter_id)
        .inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    messages::start_thread(
        &state,
        &principal,
        &auth::current().client,
        &matter_id,
        &subject,
        &body,
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// Marks a message that arrived on an open page read (moves the read
/// receipt, which the sender sees).
#[server(endpoint = "mark_thread_read")]
pub async fn mark_thread_read(thread_id: String, message_id: String) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, messages};

    let principal = auth::require_principal()?;
    let thread_id = checked_id(&thread_id)?;
    let message_id = checked_id(&message_id)?;
    let state = AppState::from_context()?;
    messages::mark_thread_read(
        &state,
        &principal,
        &auth::current().client,
        &thread_id,
        &message_id,
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// Retracts one of the user's own messages.
#[server(endpoint = "retract_message")]
pub async fn retract_message(id: String) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, messages};

    let principal = auth::require_principal()?;
    let id = checked_id(&id)?;
    let state = AppState::from_context()?;
    messages::retract(&state, &principal, &auth::current().client, &id)
        .await
        .map_err(ServiceError::into_app_error)
}

/// The attorney inbox: threads waiting for the firm, longest first.
#[server(endpoint = "message_inbox")]
pub async fn message_inbox() -> Result<Vec<crate::domain::message::InboxItemView>, AppError> {
    use crate::server::{AppState, ServiceError, auth, messages};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    messages::inbox(&state, &principal)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Turns the user's "new secure message" emails on or off.
#[server(endpoint = "set_message_emails")]
pub async fn set_message_emails(enabled: bool) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, messages};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    messages::set_message_emails(&state, &principal, &auth::current().client, enabled)
        .await
        .map_err(ServiceError::into_app_error)
}
