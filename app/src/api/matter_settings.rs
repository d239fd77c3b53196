//! Server functions of a matter's "Settings" panel: team, parties, stage
//! plan, closing and reopening.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::domain::ids::MatterId;
use crate::domain::{
    AppError,
    matter::settings::{MatterSettingsView, StageInput},
};

/// The panel's data (firm users who can see the matter).
#[server(endpoint = "get_matter_settings")]
pub async fn get_matter_settings(matter_id: String) -> Result<MatterSettingsView, AppError> {
    use crate::server::{endpoint, matters::settings};

    endpoint::signed_in(|c| async move {
        let matter_id = MatterId::parse(&matter_id)?;
        settings::get_matter_settings(&c.state.db, &c.principal, &c.client, &matter_id).await
    })
    .await
}

/// Puts a colleague on the team, or changes their role on it.
#[server(endpoint = "set_team_member")]
pub async fn set_team_member(
    matter_id: String,
    user_id: String,
    role: String,
) -> Result<(), AppError> {
    use crate::{
        domain::{ids::UserId, matter::settings::TeamRole},
        server::{endpoint, matters::settings},
    };

    endpoint::signed_in(|c| async move {
        let (matter_id, user_id) = (MatterId::parse(&matter_id)?, UserId::parse(&user_id)?);
        let role = TeamRole::parse(&role)?;
        settings::set_team_member(
            &c.state,
            &c.principal,
            &c.client,
            &matter_id,
            &user_id,
            role,
        )
        .await
    })
    .await
}

/// Takes a colleague off the team.
#[server(endpoint = "remove_team_member")]
pub async fn remove_team_member(matter_id: String, user_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::UserId,
        server::{endpoint, matters::settings},
    };

    endpoint::signed_in(|c| async move {
        let (matter_id, user_id) = (MatterId::parse(&matter_id)?, UserId::parse(&user_id)?);
        settings::remove_team_member(&c.state, &c.principal, &c.client, &matter_id, &user_id).await
    })
    .await
}

/// Names a party to the matter.
#[server(endpoint = "add_party")]
pub async fn add_party(matter_id: String, name: String, role: String) -> Result<(), AppError> {
    use crate::{
        domain::matter::settings::PartyRole,
        server::{endpoint, matters::settings},
    };

    endpoint::signed_in(|c| async move {
        let matter_id = MatterId::parse(&matter_id)?;
        let role = PartyRole::parse(&role)?;
        settings::add_party(&c.state, &c.principal, &c.client, &matter_id, &name, role).await?;
        Ok(())
    })
    .await
}

/// Removes a party named by mistake.
#[server(endpoint = "remove_party")]
pub async fn remove_party(matter_id: String, party_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::PartyId,
        server::{endpoint, matters::settings},
    };

    endpoint::signed_in(|c| async move {
        let (matter_id, party_id) = (MatterId::parse(&matter_id)?, PartyId::parse(&party_id)?);
        settings::remove_party(&c.state, &c.principal, &c.client, &matter_id, &party_id).await
    })
    .await
}

/// Replaces the matter's stage plan; rows left blank are dropped.
#[server(endpoint = "set_stage_plan")]
pub async fn set_stage_plan(
    matter_id: String,
    #[server(default)] stages: Vec<StageInput>,
) -> Result<(), AppError> {
    use crate::{
        domain::matter::settings::parse_stage_plan,
        server::{endpoint, matters::settings},
    };

    endpoint::signed_in(|c| async move {
        let matter_id = MatterId::parse(&matter_id)?;
        let plan = parse_stage_plan(&stages)?;
        settings::set_stage_plan(&c.state, &c.principal, &c.client, &matter_id, &plan).await
    })
    .await
}

/// Closes the matter (`closed` true) or reopens it.
#[server(endpoint = "set_matter_closed")]
pub async fn set_matter_closed(matter_id: String, closed: bool) -> Result<(), AppError> {
    use crate::server::{endpoint, matters::settings};

    endpoint::signed_in(|c| async move {
        let matter_id = MatterId::parse(&matter_id)?;
        settings::set_matter_closed(&c.state, &c.principal, &c.client, &matter_id, closed).await
    })
    .await
}
