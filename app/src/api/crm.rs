//! Server functions of the CRM.

use leptos::prelude::*;

use crate::domain::{AppError, contact::ContactTimelineView};

/// One page of a contact's timeline, newest first. Pass the last entry's
/// `occurred_at` and `id` to get the next page.
#[server(endpoint = "get_contact_timeline")]
pub async fn get_contact_timeline(
    id: String,
    before_at: Option<i64>,
    before_id: Option<String>,
) -> Result<ContactTimelineView, AppError> {
    use crate::{
        domain::ids::ContactId,
        server::{crm, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let id = ContactId::parse(&id)?;
        let before = before_at.zip(before_id).filter(|(_, id)| id.len() <= 64);
        crm::get_contact_timeline(&c.state.db, &c.principal, &c.client, &id, before).await
    })
    .await
}
