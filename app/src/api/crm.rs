//! Server functions of the CRM.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    contact::{ContactForm, ContactListView, ContactRecordView, ContactTimelineView},
    ids::ContactId,
};

/// One page of the firm's contacts, searched, filtered and sorted as the
/// list page's URL says (firm users only).
#[server(endpoint = "list_contacts")]
pub async fn list_contacts(
    #[server(default)] q: String,
    #[server(default)] tag: String,
    #[server(default)] owner: String,
    #[server(default)] sort: String,
    #[server(default)] page: String,
    #[server(default)] archived: bool,
) -> Result<ContactListView, AppError> {
    use crate::{
        domain::contact::CrmQuery,
        server::{contacts, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let query = CrmQuery::from_params(&q, &tag, &owner, &sort, &page, archived);
        contacts::list::list_contacts(&c.state.db, &c.principal, &query).await
    })
    .await
}

/// A contact's details and the choices their edit forms offer.
#[server(endpoint = "get_contact_record")]
pub async fn get_contact_record(id: String) -> Result<ContactRecordView, AppError> {
    use crate::server::{contacts, endpoint};

    endpoint::signed_in(|c| async move {
        let id = ContactId::parse(&id)?;
        contacts::record::get_contact_record(&c.state, &c.principal, &c.client, &id).await
    })
    .await
}

/// Saves a contact's edit form (its fields as `contact[name]`, …).
#[server(endpoint = "update_contact")]
pub async fn update_contact(id: String, contact: ContactForm) -> Result<(), AppError> {
    use crate::{
        domain::{
            contact::{ContactEdit, ContactEditForm, NewContact},
            ids::AccountId,
        },
        server::{contacts, crm, endpoint},
    };

    endpoint::signed_in(|c| async move {
        // Firm users only: anyone else learns nothing, not even which
        // field is wrong.
        crm::require_firm(&c.principal)?;
        let id = ContactId::parse(&id)?;
        let f = &contact;
        let account_id = match f.account_id.trim() {
            "" => None,
            raw => Some(AccountId::parse(raw)?),
        };
        let details =
            NewContact::parse(&f.name, &f.email, &f.phone, &f.address, account_id, &f.role)?;
        let form = ContactEditForm {
            owner_id: &f.owner_id,
            referral_source: &f.referral_source,
            referred_by: &f.referred_by,
            tags: &f.tags,
            notes: &f.notes,
        };
        let edit = ContactEdit::parse(details, &form)?;
        contacts::record::update_contact(&c.state, &c.principal, &c.client, &id, &edit).await
    })
    .await
}

/// Archives a contact (`archived` true) or restores them.
#[server(endpoint = "set_contact_archived")]
pub async fn set_contact_archived(id: String, archived: bool) -> Result<(), AppError> {
    use crate::server::{contacts, endpoint};

    endpoint::signed_in(|c| async move {
        let id = ContactId::parse(&id)?;
        contacts::record::set_contact_archived(&c.state, &c.principal, &c.client, &id, archived)
            .await
    })
    .await
}

/// Records that the contact `id` is `kind` (spouse of, assistant to…) the
/// contact `related_id`.
#[server(endpoint = "add_relationship")]
pub async fn add_relationship(
    id: String,
    related_id: String,
    kind: String,
) -> Result<(), AppError> {
    use crate::{
        domain::contact::parse_relationship_kind,
        server::{contacts, crm, endpoint},
    };

    endpoint::signed_in(|c| async move {
        crm::require_firm(&c.principal)?;
        let (id, related) = (ContactId::parse(&id)?, ContactId::parse(&related_id)?);
        let kind = parse_relationship_kind(&kind)?;
        contacts::record::add_relationship(&c.state, &c.principal, &c.client, &id, &related, kind)
            .await
    })
    .await
}

/// Removes a relationship from the contact's record.
#[server(endpoint = "remove_relationship")]
pub async fn remove_relationship(id: String, relationship_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::RelationshipId,
        server::{contacts, endpoint},
    };

    endpoint::signed_in(|c| async move {
        let id = ContactId::parse(&id)?;
        let relationship = RelationshipId::parse(&relationship_id)?;
        contacts::record::remove_relationship(&c.state, &c.principal, &c.client, &id, &relationship)
            .await
    })
    .await
}

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
        domain::{contact::NewContact, ids::AccountId},
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
