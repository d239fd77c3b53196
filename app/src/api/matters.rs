//! Server functions about matters.

use leptos::prelude::*;

use crate::domain::{AppError, matter::MatterSummaryView};

/// The matters on the dashboard, with their current stage.
#[server(endpoint = "list_matters")]
pub async fn list_matters() -> Result<Vec<MatterSummaryView>, AppError> {
    use crate::server::{AppState, ServiceError, auth, matters};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    matters::dashboard(&state.db, &principal, &auth::current().client)
        .await
        .map_err(ServiceError::into_app_error)
}

/// One matter's summary: its stage and client.
#[server(endpoint = "get_matter")]
pub async fn get_matter(id: String) -> Result<MatterSummaryView, AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{AppState, ServiceError, auth, matters},
    };

    let principal = auth::require_principal()?;
    let id =
        MatterId::parse(&id).inspect_err(|_| crate::server::error::set_response_status(404))?;
    let state = AppState::from_context()?;
    matters::get_matter(&state.db, &principal, &auth::current().client, &id)
        .await
        .map_err(ServiceError::into_app_error)
}
