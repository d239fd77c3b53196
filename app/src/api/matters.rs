//! Server functions about matters.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    ids::MatterId,
    matter::{
        MatterSummaryView,
        opening::{MatterAccessView, MatterFormView},
    },
};

/// The matters on the dashboard, with their current stage.
#[server(endpoint = "list_matters")]
pub async fn list_matters() -> Result<Vec<MatterSummaryView>, AppError> {
    use crate::server::{endpoint, matters};

    endpoint::signed_in(|c| async move {
        matters::list_matters(&c.state.db, &c.principal, &c.client).await
    })
    .await
}

/// One matter's summary: its stage and client.
#[server(endpoint = "get_matter")]
pub async fn get_matter(id: String) -> Result<MatterSummaryView, AppError> {
    use crate::server::{endpoint, matters};

    endpoint::signed_in(|c| async move {
        matters::get_matter(&c.state.db, &c.principal, &c.client, &MatterId::parse(&id)?).await
    })
    .await
}

/// What the new-matter form offers: the next number, practice areas,
/// contacts and attorneys.
#[server(endpoint = "get_matter_form")]
pub async fn get_matter_form() -> Result<MatterFormView, AppError> {
    use crate::server::{endpoint, matters::opening};

    endpoint::signed_in(|c| async move { opening::get_matter_form(&c.state, &c.principal).await })
        .await
}

/// Opens a matter; answers its id. An empty number takes the next one
/// from the firm's pattern.
#[server(endpoint = "open_matter")]
pub async fn open_matter(
    title: String,
    practice_area: String,
    number: String,
    client_id: String,
    responsible_id: String,
) -> Result<MatterId, AppError> {
    use crate::{
        domain::{
            ids::{ContactId, UserId},
            matter::opening::NewMatter,
        },
        server::{endpoint, matters::opening},
    };

    endpoint::signed_in(|c| async move {
        let new = NewMatter::parse(
            &title,
            &practice_area,
            &number,
            ContactId::parse(&client_id)?,
            UserId::parse(&responsible_id)?,
        )?;
        opening::open_matter(&c.state, &c.principal, &c.client, &new).await
    })
    .await
}

/// The matter's client contacts and whether each reaches it in the portal.
#[server(endpoint = "list_portal_access")]
pub async fn list_portal_access(matter_id: String) -> Result<MatterAccessView, AppError> {
    use crate::server::{endpoint, matters::access};

    endpoint::signed_in(|c| async move {
        let matter_id = MatterId::parse(&matter_id)?;
        access::list_portal_access(&c.state.db, &c.principal, &c.client, &matter_id).await
    })
    .await
}

/// Gives a client contact portal access to the matter: at once if they
/// sign in already, else with an invitation. Answers whether one was sent.
#[server(endpoint = "give_portal_access")]
pub async fn give_portal_access(matter_id: String, contact_id: String) -> Result<bool, AppError> {
    use crate::{
        domain::ids::ContactId,
        server::{endpoint, matters::access},
    };

    endpoint::signed_in(|c| async move {
        let (matter_id, contact_id) =
            (MatterId::parse(&matter_id)?, ContactId::parse(&contact_id)?);
        let granted =
            access::give_portal_access(&c.state, &c.principal, &c.client, &matter_id, &contact_id)
                .await?;
        Ok(granted == access::Granted::Invited)
    })
    .await
}

/// Takes a client contact's portal access to the matter away.
#[server(endpoint = "revoke_portal_access")]
pub async fn revoke_portal_access(matter_id: String, contact_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::ContactId,
        server::{endpoint, matters::access},
    };

    endpoint::signed_in(|c| async move {
        let (matter_id, contact_id) =
            (MatterId::parse(&matter_id)?, ContactId::parse(&contact_id)?);
        access::revoke_portal_access(&c.state, &c.principal, &c.client, &matter_id, &contact_id)
            .await
    })
    .await
}
