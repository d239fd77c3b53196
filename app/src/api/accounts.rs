//! Server functions of the firm's accounts (firm users only).

use leptos::prelude::*;

use crate::domain::{
    AppError,
    account::{AccountForm, AccountListView, AccountRecordView},
    ids::AccountId,
};

/// Adds an account (organisation or household); answers its id.
#[server(endpoint = "create_account")]
pub async fn create_account(name: String, kind: String) -> Result<AccountId, AppError> {
    use crate::server::{accounts, endpoint};

    endpoint::signed_in(|c| async move {
        accounts::create_account(&c.state, &c.principal, &c.client, &name, &kind).await
    })
    .await
}

/// One page of the firm's accounts, searched, filtered and sorted as the
/// list page's URL says.
#[server(endpoint = "list_accounts")]
pub async fn list_accounts(
    #[server(default)] q: String,
    #[server(default)] tag: String,
    #[server(default)] owner: String,
    #[server(default)] sort: String,
    #[server(default)] page: String,
    #[server(default)] archived: bool,
) -> Result<AccountListView, AppError> {
    use crate::{
        domain::contact::CrmQuery,
        server::{accounts, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let query = CrmQuery::from_params(&q, &tag, &owner, &sort, &page, archived);
        accounts::list_accounts(&c.state.db, &c.principal, &query).await
    })
    .await
}

/// The current accounts by name, for the forms that choose one.
#[server(endpoint = "list_account_choices")]
pub async fn list_account_choices() -> Result<Vec<(AccountId, String)>, AppError> {
    use crate::server::{accounts, endpoint};

    endpoint::signed_in(|c| async move {
        accounts::list_account_choices(&c.state.db, &c.principal).await
    })
    .await
}

/// An account's details, people and matters, and the choices its forms
/// offer.
#[server(endpoint = "get_account_record")]
pub async fn get_account_record(id: String) -> Result<AccountRecordView, AppError> {
    use crate::server::{accounts, endpoint};

    endpoint::signed_in(|c| async move {
        let id = AccountId::parse(&id)?;
        accounts::get_account_record(&c.state, &c.principal, &c.client, &id).await
    })
    .await
}

/// Saves an account's edit form (its fields as `account[name]`, …).
#[server(endpoint = "update_account")]
pub async fn update_account(id: String, account: AccountForm) -> Result<(), AppError> {
    use crate::{
        domain::account::AccountEdit,
        server::{accounts, crm, endpoint},
    };

    endpoint::signed_in(|c| async move {
        // Firm users only: anyone else learns nothing, not even which
        // field is wrong.
        crm::require_firm(&c.principal)?;
        let id = AccountId::parse(&id)?;
        let edit = AccountEdit::parse(&account)?;
        accounts::update_account(&c.state, &c.principal, &c.client, &id, &edit).await
    })
    .await
}

/// Archives an account (`archived` true) or restores it.
#[server(endpoint = "set_account_archived")]
pub async fn set_account_archived(id: String, archived: bool) -> Result<(), AppError> {
    use crate::server::{accounts, endpoint};

    endpoint::signed_in(|c| async move {
        let id = AccountId::parse(&id)?;
        accounts::set_account_archived(&c.state, &c.principal, &c.client, &id, archived).await
    })
    .await
}

/// Links a contact to the account with their role there.
#[server(endpoint = "link_contact_to_account")]
pub async fn link_contact_to_account(
    id: String,
    contact_id: String,
    role: String,
) -> Result<(), AppError> {
    use crate::{
        domain::{account::parse_link_role, ids::ContactId},
        server::{accounts, crm, endpoint},
    };

    endpoint::signed_in(|c| async move {
        crm::require_firm(&c.principal)?;
        let id = AccountId::parse(&id)?;
        let contact = ContactId::parse(&contact_id)?;
        let role = parse_link_role(&role)?;
        accounts::link_contact_to_account(&c.state, &c.principal, &c.client, &id, &contact, &role)
            .await
    })
    .await
}

/// Removes a contact's further link to the account.
#[server(endpoint = "unlink_contact_from_account")]
pub async fn unlink_contact_from_account(id: String, contact_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::ContactId,
        server::{accounts, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let id = AccountId::parse(&id)?;
        let contact = ContactId::parse(&contact_id)?;
        accounts::unlink_contact_from_account(&c.state, &c.principal, &c.client, &id, &contact)
            .await
    })
    .await
}
