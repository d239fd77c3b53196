//! Server functions of the firm's users at `/admin/users` (admins only).

use leptos::prelude::*;

use crate::domain::{AppError, user::FirmUserView};

/// The firm's users.
#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<FirmUserView>, AppError> {
    use crate::server::{endpoint, users};

    endpoint::signed_in(|c| async move { users::list_users(&c.state.db, &c.principal).await }).await
}

/// Invites a colleague with a role; they get a one-time link by email.
#[server(endpoint = "invite_colleague")]
pub async fn invite_colleague(name: String, email: String, role: String) -> Result<(), AppError> {
    use crate::server::{endpoint, users};

    endpoint::signed_in(|c| async move {
        users::invite_colleague(&c.state, &c.principal, &c.client, &name, &email, &role).await
    })
    .await
}

/// Gives a firm user another role.
#[server(endpoint = "change_role")]
pub async fn change_role(user_id: String, role: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::UserId,
        server::{endpoint, users},
    };

    endpoint::signed_in(|c| async move {
        let user_id = UserId::parse(&user_id)?;
        users::change_role(&c.state, &c.principal, &c.client, &user_id, &role).await
    })
    .await
}

/// Disables (`disabled = true`) or enables a firm user.
#[server(endpoint = "set_user_disabled")]
pub async fn set_user_disabled(user_id: String, disabled: bool) -> Result<(), AppError> {
    use crate::{
        domain::ids::UserId,
        server::{endpoint, users},
    };

    endpoint::signed_in(|c| async move {
        let user_id = UserId::parse(&user_id)?;
        users::set_user_disabled(&c.state, &c.principal, &c.client, &user_id, disabled).await
    })
    .await
}

/// Ends every session of a firm user; answers how many ended.
#[server(endpoint = "end_user_sessions")]
pub async fn end_user_sessions(user_id: String) -> Result<u64, AppError> {
    use crate::{
        domain::ids::UserId,
        server::{endpoint, users},
    };

    endpoint::signed_in(|c| async move {
        let user_id = UserId::parse(&user_id)?;
        users::end_user_sessions(&c.state, &c.principal, &c.client, &user_id).await
    })
    .await
}

/// Resets a firm user's two-step verification, with the admin's own
/// password.
#[server(endpoint = "reset_user_mfa")]
pub async fn reset_user_mfa(user_id: String, password: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::UserId,
        server::{endpoint, users},
    };

    endpoint::signed_in(|c| async move {
        let user_id = UserId::parse(&user_id)?;
        users::reset_user_mfa(&c.state, &c.principal, &c.client, &user_id, password.into()).await
    })
    .await
}
