//! Server functions for portal invitations, password resets, the contact
//! list staff invite from, and the admin's email outbox.
//!
//! The one-time link functions are public (no session): the link itself is
//! the credential. Everything else needs a signed-in user, and the policy
//! decides the rest.

use leptos::prelude::*;

use crate::domain::{
    AppError, contact::ContactListView, invitation::OneTimeLinkView, outbox::OutboxView,
};

/// The firm's contacts with their portal status (firm users only).
#[server(endpoint = "list_contacts")]
pub async fn list_contacts() -> Result<ContactListView, AppError> {
    use crate::server::{AppState, ServiceError, auth, invitations};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    invitations::list_contacts(&state.db, &principal)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Invites a contact to the client portal (staff and admins only).
#[server(endpoint = "invite_contact")]
pub async fn invite_contact(contact_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::ContactId,
        server::{AppState, ServiceError, auth, invitations},
    };

    let principal = auth::require_principal()?;
    let contact_id = ContactId::parse(&contact_id)
        .inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    invitations::invite_contact(&state, &principal, &auth::current().client, &contact_id)
        .await
        .map_err(ServiceError::into_app_error)
}

/// The email outbox (admins only).
#[server(endpoint = "list_outbox")]
pub async fn list_outbox() -> Result<Vec<OutboxView>, AppError> {
    use crate::server::{AppState, ServiceError, auth, outbox};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    outbox::list_for(&state.db, &principal, &auth::current().client)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Whose invitation `token` is; `None` when the link does not work. Public.
#[server(endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<Option<OneTimeLinkView>, AppError> {
    use crate::server::{AppState, ServiceError, invitations};

    let state = AppState::from_context()?;
    invitations::find_invitation(&state.db, &token)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Sets the invited client's first password. Public: the link is the
/// credential.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, invitations};

    let state = AppState::from_context()?;
    invitations::accept_invitation(
        &state,
        &auth::current().client,
        &token,
        password.into(),
        confirm.into(),
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// Emails a reset link if the account exists. Public, and answers the same
/// either way.
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, invitations};

    let state = AppState::from_context()?;
    invitations::request_password_reset(&state, &auth::current().client, &email)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Whose reset link `token` is; `None` when the link does not work. Public.
#[server(endpoint = "get_password_reset")]
pub async fn get_password_reset(token: String) -> Result<Option<OneTimeLinkView>, AppError> {
    use crate::server::{AppState, ServiceError, invitations};

    let state = AppState::from_context()?;
    invitations::find_password_reset(&state.db, &token)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Sets a new password through a reset link and signs the user out
/// everywhere. Public: the link is the credential.
#[server(endpoint = "reset_password")]
pub async fn reset_password(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, invitations};

    let state = AppState::from_context()?;
    invitations::reset_password(
        &state,
        &auth::current().client,
        &token,
        password.into(),
        confirm.into(),
    )
    .await
    .map_err(ServiceError::into_app_error)
}
