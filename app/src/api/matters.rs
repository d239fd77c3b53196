//! Server functions about matters.

use leptos::prelude::*;

use crate::domain::{AppError, matter::MatterSummaryView};

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
    use crate::{
        domain::ids::MatterId,
        server::{endpoint, matters},
    };

    endpoint::signed_in(|c| async move {
        matters::get_matter(&c.state.db, &c.principal, &c.client, &MatterId::parse(&id)?).await
    })
    .await
}
