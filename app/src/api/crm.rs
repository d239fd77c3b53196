//! Server functions of the CRM.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    contact::{AccountRowView, ContactTimelineView},
    ids::{AccountId, ContactId},
};

/// One page of a contact's timeline, newest first. Pass the last entry's
/// `occurred_at` and `id` to get the next page.
#[server(endpoint = "get_contact_timeline")]
pub async fn get_contact_timeline(
    id: String,
    before_at: Option<i64>,
    before_id: Option<String>,
) -> Result<ContactTimelineView, AppError> {
    use crate::server::{crm, endpoint};

    endpoint::signed_in(|c| async move {
        let id = ContactId::parse(&id)?;
        let before = before_at.zip(before_id).filter(|(_, id)| id.len() <= 64);
        crm::get_contact_timeline(&c.state.db, &c.principal, &c.client, &id, before).await
    })
    .await
}

/// Adds a contact; answers its id. `anyway` (the "This is someone else"
/// box) saves one whose name matches another contact's.
#[server(endpoint = "create_contact")]
pub async fn create_contact(
    name: String,
    email: String,
    phone: String,
    address: String,
    account_id: String,
    role: String,
    anyway: Option<String>,
) -> Result<ContactId, AppError> {
    use crate::{
        domain::contact::NewContact,
        server::{contacts, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let account_id = match account_id.trim() {
            "" => None,
            id => Some(AccountId::parse(id)?),
        };
        let new = NewContact::parse(&name, &email, &phone, &address, account_id, &role)?;
        contacts::create_contact(&c.state, &c.principal, &c.client, &new, anyway.is_some()).await
    })
    .await
}

/// Adds an account (organisation or household); answers its id.
#[server(endpoint = "create_account")]
pub async fn create_account(name: String, kind: String) -> Result<AccountId, AppError> {
    use crate::server::{contacts, endpoint};

    endpoint::signed_in(|c| async move {
        contacts::create_account(&c.state, &c.principal, &c.client, &name, &kind).await
    })
    .await
}

/// The firm's accounts.
#[server(endpoint = "list_accounts")]
pub async fn list_accounts() -> Result<Vec<AccountRowView>, AppError> {
    use crate::server::{contacts, endpoint};

    endpoint::signed_in(|c| async move { contacts::list_accounts(&c.state.db, &c.principal).await })
        .await
}
