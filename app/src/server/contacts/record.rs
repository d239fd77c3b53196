//! A contact's record at `/crm/contacts/{id}` (issue 11, point 3): their
//! details, owner, referral, tags and notes, edited in place; their
//! relationships with other contacts; archiving, since a contact with
//! history is never deleted. Firm users only. Every change is audited and
//! lands on the contact's timeline; the notes are sealed with the firm's
//! key.

use anyhow::Context as _;

use crate::{
    domain::{
        AppError,
        contact::{ContactEdit, ContactRecordView, RelationshipView, relationship_label},
        ids::{AccountId, ContactId, RelationshipId, UserId},
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        contacts::tags_of,
        crm::{Archiving, NotesOf, check_owner, owner_choices, require_firm, set_archived},
        db::WriteTx,
        invitations::unique_as_conflict,
        new_id, now_ms,
        policy::deny,
        touchpoints::{self, NewTouchpoint},
    },
};

/// The most choices (owners, accounts, other contacts) the form offers.
const MAX_CHOICES: i64 = 2000;
/// The most relationships one record shows.
const MAX_RELATIONSHIPS: i64 = 200;

fn notes_of(id: &ContactId) -> NotesOf<'_> {
    NotesOf {
        table: "contacts",
        id: id.as_str(),
    }
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    given_name: String,
    family_name: String,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    job_title: Option<String>,
    account_id: Option<AccountId>,
    account_name: Option<String>,
    owner_id: Option<UserId>,
    owner_name: Option<String>,
    referral_source: Option<String>,
    referred_by: Option<ContactId>,
    referrer_name: Option<String>,
    notes_sealed: Option<Vec<u8>>,
    archived_at: Option<i64>,
}

const RECORD_SELECT: &str = "select c.given_name, c.family_name, c.email, c.phone, c.address,
        c.job_title, c.account_id, a.name as account_name, c.owner_id,
        o.display_name as owner_name, c.referral_source, c.referred_by,
        r.given_name || ' ' || r.family_name as referrer_name, c.notes_sealed, c.archived_at
     from contacts c
     left join accounts a on a.id = c.account_id
     left join users o on o.id = c.owner_id
     left join contacts r on r.id = c.referred_by
     where c.id = $1";

/// The record page's details and the choices its forms offer.
pub async fn get_contact_record(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &ContactId,
) -> Result<ContactRecordView, ServiceError> {
    require_firm(principal)?;
    let pool = state.db.pool();
    let row: Option<RecordRow> = sqlx::query_as(RECORD_SELECT)
        .bind(id.clone())
        .fetch_optional(pool)
        .await
        .context("loading a contact")?;
    let Some(row) = row else {
        return Err(deny(&state.db, principal, client, id, "no such contact").await);
    };
    let notes = notes_of(id)
        .open(state, row.notes_sealed.as_deref())
        .await?;
    let name = format!("{} {}", row.given_name, row.family_name);
    let tags = tags_of(id).read(pool).await?;
    let relationships = relationships_of(state, id, &name).await?;
    let account_links: Vec<(AccountId, String, String)> = sqlx::query_as(
        "select a.id, a.name, l.role from contact_account_links l
         join accounts a on a.id = l.account_id
         where l.contact_id = $1 order by a.name, a.id limit $2",
    )
    .bind(id.clone())
    .bind(MAX_RELATIONSHIPS)
    .fetch_all(pool)
    .await
    .context("reading a contact's account links")?;
    let owners = owner_choices(&state.db, row.owner_id.as_ref()).await?;
    let accounts: Vec<(AccountId, String)> = sqlx::query_as(
        "select id, name from accounts where archived_at is null or id = $2
             order by name, id limit $1",
    )
    .bind(MAX_CHOICES)
    // The contact's own account stays a choice even when archived.
    .bind(
        row.account_id
            .clone()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default(),
    )
    .fetch_all(pool)
    .await
    .context("listing accounts")?;
    let others: Vec<(ContactId, String)> = sqlx::query_as(
        "select id, given_name || ' ' || family_name || coalesce(' · ' || email, '')
         from contacts where id <> $1 and archived_at is null
         order by family_name, given_name, id limit $2",
    )
    .bind(id.clone())
    .bind(MAX_CHOICES)
    .fetch_all(pool)
    .await
    .context("listing other contacts")?;
    Ok(ContactRecordView {
        id: id.clone(),
        name,
        email: row.email,
        phone: row.phone,
        address: row.address,
        role: row.job_title,
        account: row.account_id.zip(row.account_name),
        owner: row.owner_id.zip(row.owner_name),
        referral_source: row.referral_source,
        referred_by: row.referred_by.zip(row.referrer_name),
        tags,
        notes,
        archived_at: row.archived_at,
        relationships,
        account_links,
        owners,
        accounts,
        others,
    })
}

/// The contact's relationships in both directions, as sentences.
async fn relationships_of(
    state: &AppState,
    id: &ContactId,
    name: &str,
) -> anyhow::Result<Vec<RelationshipView>> {
    let rows: Vec<(RelationshipId, String, ContactId, ContactId, String, String)> = sqlx::query_as(
        "select r.id, r.kind, r.contact_id, r.related_id,
                    a.given_name || ' ' || a.family_name, b.given_name || ' ' || b.family_name
             from contact_relationships r
             join contacts a on a.id = r.contact_id
             join contacts b on b.id = r.related_id
             where r.contact_id = $1 or r.related_id = $1
             order by r.created_at, r.id limit $2",
    )
    .bind(id.clone())
    .bind(MAX_RELATIONSHIPS)
    .fetch_all(state.db.pool())
    .await
    .context("reading a contact's relationships")?;
    Ok(rows
        .into_iter()
        .map(|(rel_id, kind, from, to, from_name, to_name)| {
            let label = relationship_label(&kind);
            if &from == id {
                RelationshipView {
                    id: rel_id,
                    sentence: format!("{name} is {label} {to_name}"),
                    other_id: to,
                }
            } else {
                RelationshipView {
                    id: rel_id,
                    sentence: format!("{from_name} is {label} {name}"),
                    other_id: from,
                }
            }
        })
        .collect())
}

/// What an edit is about to change, for the audit log and the timeline.
#[derive(sqlx::FromRow)]
struct BeforeRow {
    given_name: String,
    family_name: String,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    job_title: Option<String>,
    account_id: Option<AccountId>,
    owner_id: Option<UserId>,
    referral_source: Option<String>,
    referred_by: Option<ContactId>,
    notes_sealed: Option<Vec<u8>>,
}

/// Saves the edit form. Answers nothing; the page reloads the record.
pub async fn update_contact(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &ContactId,
    edit: &ContactEdit,
) -> Result<(), ServiceError> {
    require_firm(principal)?;
    let sealed_notes = notes_of(id).seal(state, &edit.notes).await?;
    let mut tx = state.db.begin_write().await?;
    let before: Option<BeforeRow> = sqlx::query_as(
        "select given_name, family_name, email, phone, address, job_title, account_id, owner_id,
                referral_source, referred_by, notes_sealed
         from contacts where id = $1",
    )
    .bind(id.clone())
    .fetch_optional(tx.conn())
    .await
    .context("loading a contact to edit")?;
    let Some(before) = before else {
        drop(tx);
        return Err(deny(&state.db, principal, client, id, "no such contact").await);
    };
    check_references(&mut tx, id, edit, &before).await?;
    let old_tags = tags_of(id).read(tx.conn()).await?;
    let d = &edit.details;
    let changed: Vec<&str> = [
        (
            "name",
            before.given_name != d.given_name || before.family_name != d.family_name,
        ),
        ("email", before.email != d.email),
        ("phone", before.phone != d.phone),
        ("address", before.address != d.address),
        (
            "account",
            before.account_id != d.account_id || before.job_title != d.role,
        ),
        ("owner", before.owner_id != edit.owner_id),
        (
            "referral",
            before.referral_source.as_deref() != edit.referral_source
                || before.referred_by != edit.referred_by,
        ),
        ("tags", old_tags != edit.tags),
        (
            "notes",
            notes_of(id)
                .open(state, before.notes_sealed.as_deref())
                .await?
                != edit.notes,
        ),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let taken = match &d.email {
        Some(email) => format!("Another contact has the email {email}: open their record instead."),
        None => "Another contact has this email.".to_owned(),
    };
    sqlx::query(
        "update contacts set given_name = $1, family_name = $2, email = $3, phone = $4,
                address = $5, account_id = $6, job_title = $7, owner_id = $8,
                referral_source = $9, referred_by = $10, notes_sealed = $11, updated_at = $12
         where id = $13",
    )
    .bind(d.given_name.clone())
    .bind(d.family_name.clone())
    .bind(d.email.clone())
    .bind(d.phone.clone())
    .bind(d.address.clone())
    .bind(d.account_id.clone())
    .bind(d.role.clone())
    .bind(edit.owner_id.clone())
    .bind(edit.referral_source.map(str::to_owned))
    .bind(edit.referred_by.clone())
    .bind(sealed_notes)
    .bind(now_ms())
    .bind(id.clone())
    .execute(tx.conn())
    .await
    .map_err(|e| unique_as_conflict(e, &taken))?;
    if old_tags != edit.tags {
        tags_of(id).replace(&mut tx, &edit.tags).await?;
    }
    let summary = format!("Details updated: {}", changed.join(", "));
    record_change(&mut tx, principal, client, id, "contact.updated", &summary).await?;
    tx.commit().await.context("committing a contact's edit")?;
    Ok(())
}

/// The account, owner and referrer an edit names must exist (and the
/// owner work at the firm, the referrer be someone else). An archived
/// account or a disabled owner is refused only as a change: a contact
/// keeps the ones they have.
async fn check_references(
    tx: &mut WriteTx,
    id: &ContactId,
    edit: &ContactEdit,
    before: &BeforeRow,
) -> Result<(), ServiceError> {
    if let Some(account_id) = edit
        .details
        .account_id
        .as_ref()
        .filter(|a| before.account_id.as_ref() != Some(*a))
    {
        let found: Option<(Option<i64>,)> =
            sqlx::query_as("select archived_at from accounts where id = $1")
                .bind(account_id.clone())
                .fetch_optional(tx.conn())
                .await
                .context("loading the contact's account")?;
        match found {
            None => return Err(bad("Account: choose one of the firm's accounts.")),
            Some((Some(_),)) => {
                return Err(bad(
                    "Account: that account is archived. Restore it first, or choose another.",
                ));
            }
            Some((None,)) => {}
        }
    }
    check_owner(tx, edit.owner_id.as_ref(), before.owner_id.as_ref()).await?;
    if let Some(referrer) = &edit.referred_by {
        if referrer == id {
            return Err(bad("Referred by: someone other than the contact."));
        }
        let found: Option<(String,)> = sqlx::query_as("select id from contacts where id = $1")
            .bind(referrer.clone())
            .fetch_optional(tx.conn())
            .await
            .context("loading the referring contact")?;
        if found.is_none() {
            return Err(bad("Referred by: choose one of the firm's contacts."));
        }
    }
    Ok(())
}

fn bad(message: &str) -> ServiceError {
    AppError::BadRequest(message.to_owned()).into()
}

/// Archives the contact (`archived` true) or restores them. An archived
/// contact leaves the list and cannot be given a new matter; their
/// history stays.
pub async fn set_contact_archived(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &ContactId,
    archived: bool,
) -> Result<(), ServiceError> {
    require_firm(principal)?;
    let mut tx = state.db.begin_write().await?;
    match set_archived(&mut tx, "contacts", id.as_str(), archived).await? {
        Archiving::Done => {}
        Archiving::AlreadySo => {
            return Err(AppError::Conflict(if archived {
                "This contact is archived already.".to_owned()
            } else {
                "This contact is not archived.".to_owned()
            })
            .into());
        }
        Archiving::Missing => {
            drop(tx);
            return Err(deny(&state.db, principal, client, id, "no such contact").await);
        }
    }
    let (action, summary) = if archived {
        ("contact.archived", "Archived")
    } else {
        ("contact.restored", "Restored from the archive")
    };
    record_change(&mut tx, principal, client, id, action, summary).await?;
    tx.commit().await.context("committing an archive")?;
    Ok(())
}

/// Records "`id` is `kind` `related`" (e.g. spouse of).
pub async fn add_relationship(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &ContactId,
    related: &ContactId,
    kind: &str,
) -> Result<(), ServiceError> {
    require_firm(principal)?;
    if id == related {
        return Err(bad("Related contact: someone other than the contact."));
    }
    let mut tx = state.db.begin_write().await?;
    let names: Vec<(ContactId, String)> = sqlx::query_as(
        "select id, given_name || ' ' || family_name from contacts where id = $1 or id = $2",
    )
    .bind(id.clone())
    .bind(related.clone())
    .fetch_all(tx.conn())
    .await
    .context("loading related contacts")?;
    if !names.iter().any(|(c, _)| c == id) {
        drop(tx);
        return Err(deny(&state.db, principal, client, id, "no such contact").await);
    }
    let Some((_, related_name)) = names.iter().find(|(c, _)| c == related) else {
        return Err(bad("Related contact: choose one of the firm's contacts."));
    };
    sqlx::query(
        "insert into contact_relationships (id, contact_id, related_id, kind, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(id.clone())
    .bind(related.clone())
    .bind(kind.to_owned())
    .bind(principal.user_id.clone())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .map_err(|e| unique_as_conflict(e, "That relationship is recorded already."))?;
    let summary = format!("Recorded as {} {related_name}", relationship_label(kind));
    record_change(&mut tx, principal, client, id, "contact.related", &summary).await?;
    tx.commit().await.context("committing a relationship")?;
    Ok(())
}

/// Removes a relationship from `id`'s record (either direction).
pub async fn remove_relationship(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &ContactId,
    relationship: &RelationshipId,
) -> Result<(), ServiceError> {
    require_firm(principal)?;
    let mut tx = state.db.begin_write().await?;
    let removed = sqlx::query(
        "delete from contact_relationships where id = $1 and (contact_id = $2 or related_id = $2)",
    )
    .bind(relationship.clone())
    .bind(id.clone())
    .execute(tx.conn())
    .await
    .context("removing a relationship")?;
    if removed.rows_affected() == 0 {
        drop(tx);
        return Err(deny(
            &state.db,
            principal,
            client,
            relationship,
            "no such relationship",
        )
        .await);
    }
    record_change(
        &mut tx,
        principal,
        client,
        id,
        "contact.unrelated",
        "A relationship was removed",
    )
    .await?;
    tx.commit()
        .await
        .context("committing a removed relationship")?;
    Ok(())
}

/// The audit row and the timeline entry of a change to a contact.
async fn record_change(
    tx: &mut WriteTx,
    principal: &Principal,
    client: &ClientInfo,
    id: &ContactId,
    action: &str,
    summary: &str,
) -> Result<(), ServiceError> {
    touchpoints::record(
        tx,
        &NewTouchpoint {
            contact_id: id.clone(),
            matter_id: None,
            kind: format!("crm.{}", action.trim_start_matches("contact.")),
            summary: summary.to_owned(),
            actor_user_id: Some(principal.user_id.clone()),
        },
    )
    .await?;
    audit::append(
        tx,
        &AuditEntry::by(principal, client, action, AuditResult::Success)
            .on(id)
            .detail(summary),
    )
    .await?;
    Ok(())
}
