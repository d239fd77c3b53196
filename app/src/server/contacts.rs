//! Adding contacts, the firm's people (issue 11, point 3). Firm users
//! only. Accounts are in `accounts`.
//!
//! A new contact whose email is already a contact's is refused; one whose
//! name normalises the same as another's is held back with a warning,
//! unless the user says it is someone else. The list is in `list`; a
//! contact's record (edits, relationships, archiving) in `record`.

pub mod csv_io;
pub mod list;
pub mod record;

use anyhow::Context as _;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    crm::{TagsOf, require_firm},
    invitations::unique_as_conflict,
    new_id, now_ms,
    policy::deny,
    touchpoints::{self, NewTouchpoint},
};
use crate::domain::{
    AppError,
    contact::{NewContact, normalise_name},
    ids::ContactId,
};

/// Where a contact's tags are kept.
pub(crate) fn tags_of(id: &ContactId) -> TagsOf<'_> {
    TagsOf {
        table: "contact_tags",
        column: "contact_id",
        id: id.as_str(),
    }
}

/// Adds a contact and answers its id. `anyway` saves a contact whose name
/// matches another's (a different person of the same name).
pub async fn create_contact(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    new: &NewContact,
    anyway: bool,
) -> Result<ContactId, ServiceError> {
    require_firm(principal)?;
    let mut tx = state.db.begin_write().await?;
    if let Some(account_id) = &new.account_id {
        let found: Option<(Option<i64>,)> =
            sqlx::query_as("select archived_at from accounts where id = $1")
                .bind(account_id.clone())
                .fetch_optional(tx.conn())
                .await
                .context("loading the contact's account")?;
        match found {
            None => {
                drop(tx);
                return Err(
                    deny(&state.db, principal, client, account_id, "no such account").await,
                );
            }
            Some((Some(_),)) => {
                return Err(AppError::BadRequest(
                    "Account: that account is archived. Restore it first, or choose another."
                        .to_owned(),
                )
                .into());
            }
            Some((None,)) => {}
        }
    }
    if let Some(email) = &new.email {
        let same: Option<(String, String)> =
            sqlx::query_as("select given_name, family_name from contacts where email = $1")
                .bind(email.clone())
                .fetch_optional(tx.conn())
                .await
                .context("looking for a contact with the same email")?;
        if let Some((given, family)) = same {
            return Err(AppError::Conflict(format!(
                "{given} {family} already has the email {email}: open their record instead."
            ))
            .into());
        }
    }
    if !anyway {
        let namesakes: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "select given_name, family_name, email from contacts where lower(family_name) = lower($1)
             limit 500",
        )
        .bind(new.family_name.clone())
        .fetch_all(tx.conn())
        .await
        .context("looking for contacts of the same name")?;
        let wanted = normalise_name(&new.name());
        if let Some((given, family, email)) = namesakes
            .into_iter()
            .find(|(g, f, _)| normalise_name(&format!("{g} {f}")) == wanted)
        {
            let email = email.map(|e| format!(" ({e})")).unwrap_or_default();
            return Err(AppError::Conflict(format!(
                "A contact named {given} {family}{email} exists already. If this is someone else, tick \"This is someone else: save anyway\" and add them again."
            ))
            .into());
        }
    }
    let id = ContactId::from_trusted(new_id());
    sqlx::query(
        "insert into contacts (id, account_id, given_name, family_name, email, phone, job_title, address,
                               owner_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.clone())
    .bind(new.account_id.clone())
    .bind(new.given_name.clone())
    .bind(new.family_name.clone())
    .bind(new.email.clone())
    .bind(new.phone.clone())
    .bind(new.role.clone())
    .bind(new.address.clone())
    // Whoever adds a contact owns the relationship until someone else does.
    .bind(principal.user_id.clone())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .map_err(|e| unique_as_conflict(e, "A contact already has this email."))?;
    touchpoints::record(
        &mut tx,
        &NewTouchpoint {
            contact_id: id.clone(),
            matter_id: None,
            kind: "crm.contact_created".to_owned(),
            summary: "Added to the CRM".to_owned(),
            actor_user_id: Some(principal.user_id.clone()),
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "contact.created", AuditResult::Success).on(&id),
    )
    .await?;
    tx.commit().await.context("committing a contact")?;
    Ok(id)
}
