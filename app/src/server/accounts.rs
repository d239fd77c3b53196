//! The firm's accounts (issue 11, point 3): organisations and private
//! clients' households. Adding one, the paged list at `/crm/accounts`,
//! and an account's record at `/crm/accounts/{id}`: details, owner,
//! referral, tags and notes (sealed with the firm's key), its people with
//! their roles, its matters, and archiving, since an account with history
//! is never deleted. Firm users only; every change is audited.

use anyhow::Context as _;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    crm::{Archiving, NotesOf, TagsOf, check_owner, owner_choices, require_firm, set_archived},
    db::{Db, WriteTx, contains_pattern},
    invitations::unique_as_conflict,
    new_id, now_ms,
    policy::{deny, visible_matter_sql},
};
use crate::domain::{
    AppError,
    account::{AccountEdit, AccountListView, AccountPersonView, AccountRecordView},
    contact::{AccountRowView, CrmQuery, CrmSort, parse_new_account},
    ids::{AccountId, ContactId, MatterId, UserId},
};

/// Accounts per page of the list.
pub const ACCOUNT_PAGE_SIZE: u32 = 50;
/// The most choices (accounts, owners, contacts) a form offers.
const MAX_CHOICES: i64 = 2000;
/// The most people or matters one record shows.
const MAX_ON_RECORD: i64 = 500;
/// The most words of a search that count.
const MAX_SEARCH_WORDS: usize = 5;

fn notes_of(id: &AccountId) -> NotesOf<'_> {
    NotesOf {
        table: "accounts",
        id: id.as_str(),
    }
}

fn tags_of(id: &AccountId) -> TagsOf<'_> {
    TagsOf {
        table: "account_tags",
        column: "account_id",
        id: id.as_str(),
    }
}

fn bad(message: &str) -> ServiceError {
    AppError::BadRequest(message.to_owned()).into()
}

/// Adds an account (an organisation, or a private client's household),
/// owned by whoever adds it.
pub async fn create_account(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    name: &str,
    kind: &str,
) -> Result<AccountId, ServiceError> {
    require_firm(principal)?;
    let (name, kind) = parse_new_account(name, kind)?;
    let id = AccountId::from_trusted(new_id());
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into accounts (id, name, kind, owner_id, created_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(id.clone())
    .bind(name.to_owned())
    .bind(kind)
    .bind(principal.user_id.clone())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("creating an account")?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "account.created", AuditResult::Success)
            .on(&id)
            .detail(kind),
    )
    .await?;
    tx.commit().await.context("committing an account")?;
    Ok(id)
}

/// The current accounts by name, for the forms that choose one.
pub async fn list_account_choices(
    db: &Db,
    principal: &Principal,
) -> Result<Vec<(AccountId, String)>, ServiceError> {
    require_firm(principal)?;
    Ok(sqlx::query_as(
        "select id, name from accounts where archived_at is null order by name, id limit $1",
    )
    .bind(MAX_CHOICES)
    .fetch_all(db.pool())
    .await
    .context("listing accounts to choose from")?)
}

/// The `where` clause of `query` over accounts `a`, and its values,
/// numbered from `$1`.
fn filters(query: &CrmQuery) -> (String, Vec<String>) {
    let mut clauses = vec![if query.archived {
        "a.archived_at is not null".to_owned()
    } else {
        "a.archived_at is null".to_owned()
    }];
    let mut binds = Vec::new();
    for word in query.q.split_whitespace().take(MAX_SEARCH_WORDS) {
        binds.push(contains_pattern(word));
        let n = binds.len();
        clauses.push(format!(
            "(lower(a.name) like ${n} escape '\\' or lower(coalesce(a.industry, '')) like ${n} escape '\\')"
        ));
    }
    if !query.tag.is_empty() {
        binds.push(query.tag.clone());
        let n = binds.len();
        clauses.push(format!(
            "exists (select 1 from account_tags t where t.account_id = a.id and t.tag = ${n})"
        ));
    }
    if !query.owner.is_empty() {
        binds.push(query.owner.clone());
        let n = binds.len();
        clauses.push(format!("a.owner_id = ${n}"));
    }
    (clauses.join(" and "), binds)
}

fn order_by(sort: CrmSort) -> &'static str {
    match sort {
        CrmSort::Name => "lower(a.name), a.id",
        CrmSort::NameDesc => "lower(a.name) desc, a.id desc",
        CrmSort::Newest => "a.created_at desc, a.id desc",
        CrmSort::Oldest => "a.created_at, a.id",
    }
}

/// One page of the accounts matching `query`, with the total and the tags
/// and owners to filter by. Clients get "not found".
pub async fn list_accounts(
    db: &Db,
    principal: &Principal,
    query: &CrmQuery,
) -> Result<AccountListView, ServiceError> {
    require_firm(principal)?;
    let pool = db.pool();
    let (clause, binds) = filters(query);
    let count_sql = format!("select count(*) from accounts a where {clause}");
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
    for bind in &binds {
        count = count.bind(bind.clone());
    }
    let (total,) = count.fetch_one(pool).await.context("counting accounts")?;
    let size = i64::from(ACCOUNT_PAGE_SIZE);
    let pages = u32::try_from((total + size - 1) / size)
        .unwrap_or(u32::MAX)
        .max(1);
    let page = query.page.clamp(1, pages);
    let (limit, offset) = (binds.len() + 1, binds.len() + 2);
    let list_sql = format!(
        "select a.id, a.name, a.kind,
                (select count(*) from contacts c where c.account_id = a.id) as contacts,
                o.display_name
         from accounts a left join users o on o.id = a.owner_id
         where {clause}
         order by {}
         limit ${limit} offset ${offset}",
        order_by(query.sort)
    );
    let mut list = sqlx::query_as::<_, (AccountId, String, String, i64, Option<String>)>(&list_sql);
    for bind in &binds {
        list = list.bind(bind.clone());
    }
    let rows = list
        .bind(size)
        .bind(i64::from(page - 1) * size)
        .fetch_all(pool)
        .await
        .context("listing accounts")?;
    let mut accounts: Vec<AccountRowView> = rows
        .into_iter()
        .map(|(id, name, kind, contacts, owner_name)| AccountRowView {
            id,
            name,
            kind,
            contacts,
            owner_name,
            tags: Vec::new(),
        })
        .collect();
    let ids: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    let mut tags_by_id = TagsOf::read_many("account_tags", "account_id", db, &ids).await?;
    for account in &mut accounts {
        account.tags = tags_by_id.remove(account.id.as_str()).unwrap_or_default();
    }
    let tags: Vec<String> =
        sqlx::query_scalar("select distinct tag from account_tags order by tag limit 500")
            .fetch_all(pool)
            .await
            .context("listing account tags")?;
    let owners: Vec<(UserId, String)> = sqlx::query_as(
        "select distinct o.id, o.display_name from accounts a join users o on o.id = a.owner_id
         order by o.display_name, o.id limit 500",
    )
    .fetch_all(pool)
    .await
    .context("listing account owners")?;
    Ok(AccountListView {
        accounts,
        total,
        page,
        pages,
        tags,
        owners,
    })
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    name: String,
    kind: String,
    industry: Option<String>,
    owner_id: Option<UserId>,
    owner_name: Option<String>,
    referral_source: Option<String>,
    notes_sealed: Option<Vec<u8>>,
    archived_at: Option<i64>,
}

/// The record page's details, people and matters, and the choices its
/// forms offer. Only the matters the viewer may see are listed.
pub async fn get_account_record(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &AccountId,
) -> Result<AccountRecordView, ServiceError> {
    require_firm(principal)?;
    let pool = state.db.pool();
    let row: Option<RecordRow> = sqlx::query_as(
        "select a.name, a.kind, a.industry, a.owner_id, o.display_name as owner_name,
                a.referral_source, a.notes_sealed, a.archived_at
         from accounts a left join users o on o.id = a.owner_id
         where a.id = $1",
    )
    .bind(id.clone())
    .fetch_optional(pool)
    .await
    .context("loading an account")?;
    let Some(row) = row else {
        return Err(deny(&state.db, principal, client, id, "no such account").await);
    };
    let notes = notes_of(id)
        .open(state, row.notes_sealed.as_deref())
        .await?;
    let tags = tags_of(id).read(pool).await?;
    let people: Vec<(ContactId, String, Option<String>, i64)> = sqlx::query_as(
        "select c.id, c.given_name || ' ' || c.family_name, c.job_title, cast(1 as bigint)
         from contacts c where c.account_id = $1
         union all
         select c.id, c.given_name || ' ' || c.family_name, l.role, cast(0 as bigint)
         from contact_account_links l join contacts c on c.id = l.contact_id
         where l.account_id = $1 and (c.account_id is null or c.account_id <> l.account_id)
         order by 2, 1 limit $2",
    )
    .bind(id.clone())
    .bind(MAX_ON_RECORD)
    .fetch_all(pool)
    .await
    .context("listing an account's people")?;
    // Walled or foreign matters stay out, in the query itself.
    let matters: Vec<(MatterId, String)> = sqlx::query_as(&format!(
        "select m.id, m.number || ' ' || m.title from matters m
         where m.account_id = $1 and {}
         order by m.number desc, m.id limit $4",
        visible_matter_sql("$2", "$3")
    ))
    .bind(id.clone())
    .bind(principal.user_id.clone())
    .bind(principal.role.as_str())
    .bind(MAX_ON_RECORD)
    .fetch_all(pool)
    .await
    .context("listing an account's matters")?;
    let owners = owner_choices(&state.db, row.owner_id.as_ref()).await?;
    let contacts: Vec<(ContactId, String)> = sqlx::query_as(
        "select id, given_name || ' ' || family_name || coalesce(' · ' || email, '')
         from contacts where archived_at is null
         order by family_name, given_name, id limit $1",
    )
    .bind(MAX_CHOICES)
    .fetch_all(pool)
    .await
    .context("listing contacts to link")?;
    Ok(AccountRecordView {
        id: id.clone(),
        name: row.name,
        kind: row.kind,
        industry: row.industry,
        owner: row.owner_id.zip(row.owner_name),
        referral_source: row.referral_source,
        tags,
        notes,
        archived_at: row.archived_at,
        people: people
            .into_iter()
            .map(|(contact_id, name, role, primary)| AccountPersonView {
                contact_id,
                name,
                role,
                primary: primary == 1,
            })
            .collect(),
        matters,
        owners,
        contacts,
    })
}

#[derive(sqlx::FromRow)]
struct BeforeRow {
    name: String,
    kind: String,
    industry: Option<String>,
    owner_id: Option<UserId>,
    referral_source: Option<String>,
    notes_sealed: Option<Vec<u8>>,
}

/// Saves the edit form; the audit row names the fields that changed,
/// never their values (the notes are confidential).
pub async fn update_account(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &AccountId,
    edit: &AccountEdit,
) -> Result<(), ServiceError> {
    require_firm(principal)?;
    let sealed_notes = notes_of(id).seal(state, &edit.notes).await?;
    let mut tx = state.db.begin_write().await?;
    let before: Option<BeforeRow> = sqlx::query_as(
        "select name, kind, industry, owner_id, referral_source, notes_sealed
         from accounts where id = $1",
    )
    .bind(id.clone())
    .fetch_optional(tx.conn())
    .await
    .context("loading an account to edit")?;
    let Some(before) = before else {
        drop(tx);
        return Err(deny(&state.db, principal, client, id, "no such account").await);
    };
    check_owner(&mut tx, edit.owner_id.as_ref(), before.owner_id.as_ref()).await?;
    let old_tags = tags_of(id).read(tx.conn()).await?;
    let old_notes = notes_of(id)
        .open(state, before.notes_sealed.as_deref())
        .await?;
    let changed: Vec<&str> = [
        ("name", before.name != edit.name),
        ("kind", before.kind != edit.kind),
        ("industry", before.industry != edit.industry),
        ("owner", before.owner_id != edit.owner_id),
        (
            "referral",
            before.referral_source.as_deref() != edit.referral_source,
        ),
        ("tags", old_tags != edit.tags),
        ("notes", old_notes != edit.notes),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect();
    if changed.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "update accounts set name = $1, kind = $2, industry = $3, owner_id = $4,
                referral_source = $5, notes_sealed = $6, updated_at = $7
         where id = $8",
    )
    .bind(edit.name.clone())
    .bind(edit.kind)
    .bind(edit.industry.clone())
    .bind(edit.owner_id.clone())
    .bind(edit.referral_source.map(str::to_owned))
    .bind(sealed_notes)
    .bind(now_ms())
    .bind(id.clone())
    .execute(tx.conn())
    .await
    .context("updating an account")?;
    if old_tags != edit.tags {
        tags_of(id).replace(&mut tx, &edit.tags).await?;
    }
    let summary = format!("Details updated: {}", changed.join(", "));
    record_change(&mut tx, principal, client, id, "account.updated", &summary).await?;
    tx.commit().await.context("committing an account's edit")?;
    Ok(())
}

/// Archives the account (`archived` true) or restores it. An archived
/// account leaves the list and the forms' choices; its contacts, matters
/// and history stay.
pub async fn set_account_archived(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &AccountId,
    archived: bool,
) -> Result<(), ServiceError> {
    require_firm(principal)?;
    let mut tx = state.db.begin_write().await?;
    match set_archived(&mut tx, "accounts", id.as_str(), archived).await? {
        Archiving::Done => {}
        Archiving::AlreadySo => {
            return Err(AppError::Conflict(if archived {
                "This account is archived already.".to_owned()
            } else {
                "This account is not archived.".to_owned()
            })
            .into());
        }
        Archiving::Missing => {
            drop(tx);
            return Err(deny(&state.db, principal, client, id, "no such account").await);
        }
    }
    let action = if archived {
        "account.archived"
    } else {
        "account.restored"
    };
    record_change(&mut tx, principal, client, id, action, action).await?;
    tx.commit().await.context("committing an archive")?;
    Ok(())
}

/// Links the contact to the account with a role there ("Director").
/// The contact's own account needs no link: their role there is on their
/// record.
pub async fn link_contact_to_account(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &AccountId,
    contact: &ContactId,
    role: &str,
) -> Result<(), ServiceError> {
    require_firm(principal)?;
    let mut tx = state.db.begin_write().await?;
    let account: Option<(Option<i64>,)> =
        sqlx::query_as("select archived_at from accounts where id = $1")
            .bind(id.clone())
            .fetch_optional(tx.conn())
            .await
            .context("loading an account")?;
    match account {
        None => {
            drop(tx);
            return Err(deny(&state.db, principal, client, id, "no such account").await);
        }
        Some((Some(_),)) => {
            return Err(AppError::Conflict(
                "This account is archived: restore it before linking anyone to it.".to_owned(),
            )
            .into());
        }
        Some((None,)) => {}
    }
    let found: Option<(Option<AccountId>,)> =
        sqlx::query_as("select account_id from contacts where id = $1 and archived_at is null")
            .bind(contact.clone())
            .fetch_optional(tx.conn())
            .await
            .context("loading the contact to link")?;
    match found {
        None => return Err(bad("Contact: choose one of the firm's contacts.")),
        Some((Some(own),)) if &own == id => {
            return Err(AppError::Conflict(
                "This is the contact's own account: change their role on their record.".to_owned(),
            )
            .into());
        }
        Some(_) => {}
    }
    sqlx::query(
        "insert into contact_account_links (contact_id, account_id, role, created_by, created_at)
         values ($1, $2, $3, $4, $5)",
    )
    .bind(contact.clone())
    .bind(id.clone())
    .bind(role.to_owned())
    .bind(principal.user_id.clone())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .map_err(|e| unique_as_conflict(e, "That contact is linked to this account already."))?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "account.contact_linked",
            AuditResult::Success,
        )
        .on(id)
        .detail(contact.as_str()),
    )
    .await?;
    tx.commit().await.context("committing a link")?;
    Ok(())
}

/// Removes a contact's further link to the account.
pub async fn unlink_contact_from_account(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &AccountId,
    contact: &ContactId,
) -> Result<(), ServiceError> {
    require_firm(principal)?;
    let mut tx = state.db.begin_write().await?;
    let removed =
        sqlx::query("delete from contact_account_links where account_id = $1 and contact_id = $2")
            .bind(id.clone())
            .bind(contact.clone())
            .execute(tx.conn())
            .await
            .context("unlinking a contact")?;
    if removed.rows_affected() == 0 {
        drop(tx);
        return Err(deny(&state.db, principal, client, id, "no such link").await);
    }
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "account.contact_unlinked",
            AuditResult::Success,
        )
        .on(id)
        .detail(contact.as_str()),
    )
    .await?;
    tx.commit().await.context("committing an unlink")?;
    Ok(())
}

/// The audit row of a change to an account.
async fn record_change(
    tx: &mut WriteTx,
    principal: &Principal,
    client: &ClientInfo,
    id: &AccountId,
    action: &str,
    summary: &str,
) -> Result<(), ServiceError> {
    audit::append(
        tx,
        &AuditEntry::by(principal, client, action, AuditResult::Success)
            .on(id)
            .detail(summary),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_account_filter_adds_a_clause_with_its_own_number() {
        let query = CrmQuery {
            q: "quay ship".to_owned(),
            tag: "vip".to_owned(),
            owner: "u1".to_owned(),
            ..CrmQuery::default()
        };
        let (clause, binds) = filters(&query);
        assert_eq!(binds, ["%quay%", "%ship%", "vip", "u1"]);
        assert!(clause.contains("like $2") && clause.contains("t.tag = $3"));
        assert!(clause.contains("a.owner_id = $4"));
        assert!(clause.starts_with("a.archived_at is null"));
    }
}
