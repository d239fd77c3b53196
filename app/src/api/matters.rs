//! Server functions about matters.

use leptos::prelude::*;

use crate::domain::{AppError, matter::MatterSummaryView};

/// The matters on the dashboard, with their current stage.
#[server(endpoint = "list_matters")]
pub async fn list_matters() -> Result<Vec<MatterSummaryView>, AppError> {
    use crate::server::{AppState, ServiceError, matters};

    let state = AppState::from_context()?;
    matters::list_matters(&state.db)
        .await
        .map_err(ServiceError::into_app_error)
}
