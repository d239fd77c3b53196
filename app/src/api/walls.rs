//! Server functions of ethical walls (admins only). The point-in-time
//! report is a plain route, `GET /api/admin/walls.csv?date=YYYY-MM-DD`.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    wall::{ClientWallView, WallChoicesView, WallView},
};

/// The walls in force.
#[server(endpoint = "list_walls")]
pub async fn list_walls() -> Result<Vec<WallView>, AppError> {
    use crate::server::{endpoint, walls};

    endpoint::signed_in(|c| async move { walls::list_walls(&c.state.db, &c.principal).await }).await
}

/// The matters and firm users a new wall may name.
#[server(endpoint = "list_wall_choices")]
pub async fn list_wall_choices() -> Result<WallChoicesView, AppError> {
    use crate::server::{endpoint, walls};

    endpoint::signed_in(
        |c| async move { walls::list_wall_choices(&c.state.db, &c.principal).await },
    )
    .await
}

/// Screens a firm user from a matter (or from every matter of its
/// client), with a reason. Answers how many walls were raised.
#[server(endpoint = "raise_wall")]
pub async fn raise_wall(
    matter_id: String,
    user_id: String,
    reason: String,
    #[server(default)] whole_client: bool,
) -> Result<usize, AppError> {
    use crate::{
        domain::ids::{MatterId, UserId},
        server::{endpoint, walls},
    };

    endpoint::signed_in(|c| async move {
        let (matter_id, user_id) = (MatterId::parse(&matter_id)?, UserId::parse(&user_id)?);
        let target = walls::WallTarget {
            matter_id: &matter_id,
            user_id: &user_id,
            whole_client,
        };
        walls::raise_wall(&c.state, &c.principal, &c.client, &target, &reason).await
    })
    .await
}

/// Lifts a wall, with a reason.
#[server(endpoint = "lift_wall")]
pub async fn lift_wall(matter_id: String, user_id: String, reason: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::{MatterId, UserId},
        server::{endpoint, walls},
    };

    endpoint::signed_in(|c| async move {
        let (matter_id, user_id) = (MatterId::parse(&matter_id)?, UserId::parse(&user_id)?);
        walls::lift_wall(
            &c.state,
            &c.principal,
            &c.client,
            &matter_id,
            &user_id,
            &reason,
        )
        .await
    })
    .await
}

/// The walls on every matter of a client.
#[server(endpoint = "list_client_walls")]
pub async fn list_client_walls() -> Result<Vec<ClientWallView>, AppError> {
    use crate::server::{endpoint, walls};

    endpoint::signed_in(
        |c| async move { walls::list_client_walls(&c.state.db, &c.principal).await },
    )
    .await
}

/// Lifts a wall on every matter of a client, with a reason. Answers how
/// many matters' walls were lifted with it.
#[server(endpoint = "lift_client_wall")]
pub async fn lift_client_wall(
    account_id: String,
    user_id: String,
    reason: String,
) -> Result<usize, AppError> {
    use crate::{
        domain::ids::{AccountId, UserId},
        server::{endpoint, walls},
    };

    endpoint::signed_in(|c| async move {
        let (account_id, user_id) = (AccountId::parse(&account_id)?, UserId::parse(&user_id)?);
        walls::lift_client_wall(
            &c.state,
            &c.principal,
            &c.client,
            &account_id,
            &user_id,
            &reason,
        )
        .await
    })
    .await
}
