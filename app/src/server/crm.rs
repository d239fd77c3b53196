//! The CRM record of a contact: their timeline, newest first, a page at a
//! time. Firm users only; entries about matters the viewer may not see (no
//! team membership, or an ethical wall) are left out in the query itself.
//!
//! Also what the contact and account records share: the firm-only guard,
//! notes sealed with the firm's key, and tags.

use std::collections::HashMap;

use anyhow::Context as _;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    crypto::{FieldAad, decrypt_field, encrypt_field, envelope_key_id},
    db::{Db, WriteTx},
    now_ms,
    policy::visible_matter_sql,
    touchpoints,
};
use crate::domain::{
    AppError,
    contact::ContactTimelineView,
    ids::{ContactId, MatterId, UserId},
    policy::may_view_contacts,
};

/// The most firm users an "Owner" field offers.
const MAX_OWNER_CHOICES: i64 = 2000;

/// Contacts and accounts are the firm's: anyone else is told "not found".
pub fn require_firm(principal: &Principal) -> Result<(), ServiceError> {
    if may_view_contacts(&principal.subject()) {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

/// Where a record's notes are kept: `notes_sealed` of `table` (contacts
/// or accounts), bound to the row by the associated data.
#[derive(Clone, Copy)]
pub struct NotesOf<'a> {
    /// `"contacts"` or `"accounts"`.
    pub table: &'static str,
    /// The row's id.
    pub id: &'a str,
}

impl NotesOf<'_> {
    fn aad(&self) -> FieldAad<'_> {
        FieldAad {
            table: self.table,
            column: "notes",
            row_id: self.id,
        }
    }

    /// `notes` sealed with the firm's key; `None` for none. Call it before
    /// the write transaction: fetching the key may create it, which takes
    /// the writer too.
    pub async fn seal(&self, state: &AppState, notes: &str) -> anyhow::Result<Option<Vec<u8>>> {
        if notes.is_empty() {
            return Ok(None);
        }
        let key = state.keys.firm_key(&state.db).await?;
        Ok(Some(
            encrypt_field(&key, &self.aad(), notes.as_bytes()).context("sealing notes")?,
        ))
    }

    /// The notes in `sealed`, or empty for none.
    pub async fn open(&self, state: &AppState, sealed: Option<&[u8]>) -> anyhow::Result<String> {
        let Some(sealed) = sealed else {
            return Ok(String::new());
        };
        let key_id = envelope_key_id(sealed)
            .context("reading a notes envelope")?
            .to_owned();
        let key = state.keys.key_by_id(&state.db, &key_id).await?;
        let plain = decrypt_field(&key, &self.aad(), sealed).context("opening notes")?;
        Ok(String::from_utf8_lossy(&plain).into_owned())
    }
}

/// Where a record's tags are kept: `table` (`contact_tags` or
/// `account_tags`), keyed by `column`.
#[derive(Clone, Copy)]
pub struct TagsOf<'a> {
    /// The tags table.
    pub table: &'static str,
    /// Its column naming the record.
    pub column: &'static str,
    /// The record's id.
    pub id: &'a str,
}

impl TagsOf<'_> {
    /// The record's tags, sorted here (the database's collation may not
    /// order them as `parse_tags` does).
    pub async fn read<'c, E>(&self, executor: E) -> anyhow::Result<Vec<String>>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let mut tags: Vec<String> = sqlx::query_scalar(&format!(
            "select tag from {} where {} = $1",
            self.table, self.column
        ))
        .bind(self.id.to_owned())
        .fetch_all(executor)
        .await
        .context("reading tags")?;
        tags.sort();
        Ok(tags)
    }

    /// Replaces the record's tags with `tags`.
    pub async fn replace(&self, tx: &mut WriteTx, tags: &[String]) -> anyhow::Result<()> {
        sqlx::query(&format!(
            "delete from {} where {} = $1",
            self.table, self.column
        ))
        .bind(self.id.to_owned())
        .execute(tx.conn())
        .await
        .context("clearing tags")?;
        for tag in tags {
            sqlx::query(&format!(
                "insert into {} ({}, tag) values ($1, $2)",
                self.table, self.column
            ))
            .bind(self.id.to_owned())
            .bind(tag.clone())
            .execute(tx.conn())
            .await
            .context("adding a tag")?;
        }
        Ok(())
    }
}

impl TagsOf<'_> {
    /// The tags of each of `ids` (records of this table), in one query.
    pub async fn read_many(
        table: &'static str,
        column: &'static str,
        db: &Db,
        ids: &[&str],
    ) -> anyhow::Result<HashMap<String, Vec<String>>> {
        let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
        if ids.is_empty() {
            return Ok(by_id);
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "select {column}, tag from {table} where {column} in ({}) order by tag",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for id in ids {
            query = query.bind((*id).to_owned());
        }
        for (id, tag) in query.fetch_all(db.pool()).await.context("reading tags")? {
            by_id.entry(id).or_default().push(tag);
        }
        Ok(by_id)
    }
}

/// What archiving or restoring a record did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Archiving {
    /// It is archived (or restored) now.
    Done,
    /// It was so already.
    AlreadySo,
    /// There is no such record.
    Missing,
}

/// Archives (`archived` true) or restores the row `id` of `table`
/// (`contacts` or `accounts`) in `tx`.
pub async fn set_archived(
    tx: &mut WriteTx,
    table: &'static str,
    id: &str,
    archived: bool,
) -> anyhow::Result<Archiving> {
    let updated = sqlx::query(&format!(
        "update {table} set archived_at = case when $1 = 1 then $2 else null end, updated_at = $2
         where id = $3 and (archived_at is null) = ($1 = 1)"
    ))
    .bind(i64::from(archived))
    .bind(now_ms())
    .bind(id.to_owned())
    .execute(tx.conn())
    .await
    .context("archiving a record")?;
    if updated.rows_affected() > 0 {
        return Ok(Archiving::Done);
    }
    let exists: Option<(String,)> =
        sqlx::query_as(&format!("select id from {table} where id = $1"))
            .bind(id.to_owned())
            .fetch_optional(tx.conn())
            .await
            .context("loading a record to archive")?;
    Ok(if exists.is_some() {
        Archiving::AlreadySo
    } else {
        Archiving::Missing
    })
}

/// The firm users a record's "Owner" offers: the active ones, and its
/// current owner even when disabled, so saving the form keeps them.
pub async fn owner_choices(
    db: &Db,
    current: Option<&UserId>,
) -> anyhow::Result<Vec<(UserId, String)>> {
    sqlx::query_as(
        "select id, display_name from users
         where role <> 'client' and (disabled = 0 or id = $2)
         order by display_name, id limit $1",
    )
    .bind(MAX_OWNER_CHOICES)
    .bind(current.map(|o| o.as_str().to_owned()).unwrap_or_default())
    .fetch_all(db.pool())
    .await
    .context("listing owners")
}

/// A record's new owner must be an active firm user; keeping the owner it
/// has is always allowed, even once they are disabled.
pub async fn check_owner(
    tx: &mut WriteTx,
    new: Option<&UserId>,
    before: Option<&UserId>,
) -> Result<(), ServiceError> {
    let Some(owner_id) = new.filter(|o| before != Some(*o)) else {
        return Ok(());
    };
    let found: Option<(String,)> =
        sqlx::query_as("select id from users where id = $1 and role <> 'client' and disabled = 0")
            .bind(owner_id.clone())
            .fetch_optional(tx.conn())
            .await
            .context("loading a record's owner")?;
    match found {
        Some(_) => Ok(()),
        None => Err(AppError::BadRequest("Owner: choose someone at the firm.".to_owned()).into()),
    }
}

/// Entries per page.
pub const TIMELINE_PAGE: i64 = 50;

/// One page of a contact's timeline, older than `before` when given.
pub async fn get_contact_timeline(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    contact_id: &ContactId,
    before: Option<(i64, String)>,
) -> Result<ContactTimelineView, ServiceError> {
    require_firm(principal)?;
    let contact: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "select c.given_name, c.family_name, c.email, a.name from contacts c
         left join accounts a on a.id = c.account_id where c.id = $1",
    )
    .bind(contact_id.as_str().to_owned())
    .fetch_optional(db.pool())
    .await?;
    let Some((given, family, email, account_name)) = contact else {
        return Err(AppError::NotFound.into());
    };

    let mut entries = touchpoints::list_for_contact(
        db,
        &principal.subject(),
        contact_id,
        before,
        TIMELINE_PAGE + 1,
    )
    .await?;
    let has_more = i64::try_from(entries.len()).unwrap_or(i64::MAX) > TIMELINE_PAGE;
    entries.truncate(usize::try_from(TIMELINE_PAGE).unwrap_or(50));

    // Walled or foreign matters stay out, in the query itself.
    let portal_matters: Vec<(MatterId, String)> = sqlx::query_as(&format!(
        "select m.id, m.number || ' ' || m.title from matters m
         join matter_client_access g on g.matter_id = m.id
         join users u on u.id = g.user_id
         where u.contact_id = $1 and {}
         order by m.number limit 200",
        visible_matter_sql("$2", "$3")
    ))
    .bind(contact_id.clone())
    .bind(principal.user_id.clone())
    .bind(principal.role.as_str())
    .fetch_all(db.pool())
    .await?;

    audit::record(
        db,
        &AuditEntry::by(
            principal,
            client,
            "contact.timeline_viewed",
            AuditResult::Success,
        )
        .object("contact", contact_id.as_str()),
    )
    .await?;
    Ok(ContactTimelineView {
        name: format!("{given} {family}"),
        email,
        account_name,
        entries,
        has_more,
        portal_matters,
    })
}
