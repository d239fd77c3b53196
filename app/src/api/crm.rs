//! Server functions of the CRM.

use leptos::prelude::*;

use crate::domain::{AppError, contact::ContactTimelineView};

/// One page of a contact's timeline, newest first. Pass the last entry's
/// `occurred_at` and `id` to get the next page.
#[server(endpoint = "contact_timeline")]
pub async fn contact_timeline(
    id: String,
    before_at: Option<i64>,
    before_id: Option<String>,
) -> Result<ContactTimelineView, AppError> {
    use crate::{
        domain::ids::ContactId,
        server::{AppState, ServiceError, auth, crm},
    };

    let principal = auth::require_principal()?;
    let id =
        ContactId::parse(&id).inspect_err(|_| crate::server::error::set_response_status(404))?;
    let before = before_at.zip(before_id).filter(|(_, id)| id.len() <= 64);
    let state = AppState::from_context()?;
    crm::timeline(&state.db, &principal, &auth::current().client, &id, before)
        .await
        .map_err(ServiceError::into_app_error)
}
