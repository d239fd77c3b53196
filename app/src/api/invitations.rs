//! Server functions for portal invitations, password resets and the
//! admin's email outbox.
//!
//! The one-time link functions are public (no session): the link itself is
//! the credential. Everything else needs a signed-in user, and the policy
//! decides the rest.

use leptos::prelude::*;

use crate::domain::{AppError, invitation::OneTimeLinkView, outbox::OutboxView};

/// Invites a contact to the client portal (staff and admins only).
#[server(endpoint = "invite_contact")]
pub async fn invite_contact(contact_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::ContactId,
        server::{endpoint, invitations},
    };

    endpoint::signed_in(|c| async move {
        let contact_id = ContactId::parse(&contact_id)?;
        invitations::invite_contact(&c.state, &c.principal, &c.client, &contact_id).await
    })
    .await
}

/// The email outbox (admins only).
#[server(endpoint = "list_outbox")]
pub async fn list_outbox() -> Result<Vec<OutboxView>, AppError> {
    use crate::server::{endpoint, outbox};

    endpoint::signed_in(|c| async move {
        outbox::list_outbox(&c.state.db, &c.principal, &c.client).await
    })
    .await
}

/// Whose invitation `token` is; `None` when the link does not work. Public.
#[server(endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<Option<OneTimeLinkView>, AppError> {
    use crate::server::{endpoint, invitations};

    endpoint::anyone(|v| async move { invitations::get_invitation(&v.state.db, &token).await })
        .await
}

/// Sets the invited client's first password. Public: the link is the
/// credential.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::{endpoint, invitations};

    endpoint::anyone(|v| async move {
        let (password, confirm) = (password.into(), confirm.into());
        invitations::accept_invitation(&v.state, &v.client, &token, password, confirm).await
    })
    .await
}

/// Emails a reset link if the account exists. Public, and answers the same
/// either way.
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{endpoint, invitations};

    endpoint::anyone(|v| async move {
        invitations::request_password_reset(&v.state, &v.client, &email).await
    })
    .await
}

/// Whose reset link `token` is; `None` when the link does not work. Public.
#[server(endpoint = "get_password_reset")]
pub async fn get_password_reset(token: String) -> Result<Option<OneTimeLinkView>, AppError> {
    use crate::server::{endpoint, invitations};

    endpoint::anyone(|v| async move { invitations::get_password_reset(&v.state.db, &token).await })
        .await
}

/// Sets a new password through a reset link and signs the user out
/// everywhere. Public: the link is the credential.
#[server(endpoint = "reset_password")]
pub async fn reset_password(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::{endpoint, invitations};

    endpoint::anyone(|v| async move {
        let (password, confirm) = (password.into(), confirm.into());
        invitations::reset_password(&v.state, &v.client, &token, password, confirm).await
    })
    .await
}
