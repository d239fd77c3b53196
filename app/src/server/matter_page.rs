//! The matter page: stages, key dates and status notes, and the firm's edits
//! to them. Access goes through `policy::authorize_matter` first; clients
//! then see only what the firm marked client-visible.

use anyhow::Context as _;

use super::{
    AppState, ServiceError,
    activity::{self, View},
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    crypto::{FieldAad, decrypt_field, encrypt_field, envelope_key_id},
    matters::summary,
    new_id, now_ms,
    policy::{authorize_matter, authorize_matter_change, deny},
};
use crate::domain::{
    AppError,
    ids::{KeyDateId, MatterId, NoteId},
    matter::{
        KEY_DATE_KINDS, KeyDateView, MAX_NOTE_CHARS, MAX_TITLE_CHARS, MatterDetailView, NoteView,
        ResponseTargetView, StagePhase, StageView,
    },
    policy::{may_change_matter, may_edit_matter, may_manage_matter_settings, may_see_internal},
};

fn note_aad(id: &NoteId) -> FieldAad<'_> {
    FieldAad {
        table: "matter_notes",
        column: "body",
        row_id: id.as_str(),
    }
}

#[derive(sqlx::FromRow)]
struct KeyDateRow {
    id: KeyDateId,
    kind: String,
    title: String,
    starts_at: i64,
    ends_at: Option<i64>,
    location: Option<String>,
    client_visible: i64,
}

impl From<KeyDateRow> for KeyDateView {
    fn from(row: KeyDateRow) -> Self {
        Self {
            id: row.id.into(),
            kind: row.kind,
            title: row.title,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            location: row.location,
            client_visible: row.client_visible != 0,
        }
    }
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: NoteId,
    body_sealed: Vec<u8>,
    client_visible: i64,
    author: Option<String>,
    created_at: i64,
}

/// The matter page's data for `principal`. The view is recorded.
pub async fn get_matter_detail(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &MatterId,
) -> Result<MatterDetailView, ServiceError> {
    authorize_matter(&state.db, principal, client, id).await?;
    let subject = principal.subject();
    let internal = may_see_internal(&subject);
    let summary = summary(&state.db, id).await?.ok_or(AppError::NotFound)?;

    let stages: Vec<(i64, String, String)> = sqlx::query_as(
        "select position, name, description from matter_stages where matter_id = $1 order by position",
    )
    .bind(id.as_str().to_owned())
    .fetch_all(state.db.pool())
    .await?;
    let stages = stages
        .into_iter()
        .map(|(position, name, description)| StageView {
            position,
            name,
            description,
            phase: StagePhase::of(position, summary.stage_position),
        })
        .collect();

    // Clients see only what the firm shared: the filter is in the query.
    let key_dates: Vec<KeyDateRow> = sqlx::query_as(
        "select id, kind, title, starts_at, ends_at, location, client_visible from key_dates
         where matter_id = $1 and (client_visible = 1 or $2 = 1)
         order by starts_at, id limit 200",
    )
    .bind(id.as_str().to_owned())
    .bind(i64::from(internal))
    .fetch_all(state.db.pool())
    .await?;

    let note_rows: Vec<NoteRow> = sqlx::query_as(
        "select n.id, n.body_sealed, n.client_visible, u.display_name as author, n.created_at
         from matter_notes n left join users u on u.id = n.author_id
         where n.matter_id = $1 and (n.client_visible = 1 or $2 = 1)
         order by n.created_at desc, n.id desc limit 100",
    )
    .bind(id.as_str().to_owned())
    .bind(i64::from(internal))
    .fetch_all(state.db.pool())
    .await?;
    let mut notes = Vec::with_capacity(note_rows.len());
    for row in note_rows {
        let key_id = envelope_key_id(&row.body_sealed)
            .context("reading a note envelope")?
            .to_owned();
        let key = state.keys.key_by_id(&state.db, &key_id).await?;
        let body = decrypt_field(&key, &note_aad(&row.id), &row.body_sealed)
            .context("decrypting a note")?;
        notes.push(NoteView {
            id: row.id.into(),
            body: String::from_utf8_lossy(&body).into_owned(),
            client_visible: row.client_visible != 0,
            author: row.author,
            created_at: row.created_at,
        });
    }

    activity::viewed(
        &state.db,
        principal,
        client,
        &View {
            action: "matter.viewed",
            object: Some(("matter", id.as_str())),
            matter: Some(id),
            summary: &format!("Viewed matter {}", summary.number),
        },
    )
    .await?;
    let response_target = if internal {
        let (own_minutes,): (Option<i64>,) =
            sqlx::query_as("select message_sla_minutes from matters where id = $1")
                .bind(id.as_str().to_owned())
                .fetch_one(state.db.pool())
                .await?;
        Some(ResponseTargetView {
            own_minutes,
            firm_minutes: super::settings::current(&state.db, state.messaging.sla_minutes)
                .await?
                .response_minutes,
        })
    } else {
        None
    };
    let open = may_change_matter(summary.status == "closed");
    Ok(MatterDetailView {
        summary,
        stages,
        key_dates: key_dates.into_iter().map(Into::into).collect(),
        notes,
        can_edit: may_edit_matter(&subject) && open,
        can_manage_access: crate::domain::policy::may_manage_portal_access(&subject),
        can_manage_settings: may_manage_matter_settings(&subject),
        response_target,
    })
}

/// Lets firm users who can see the matter edit it; everyone else gets not
/// found (a client must not learn that editing exists).
async fn authorize_edit(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &MatterId,
) -> Result<(), ServiceError> {
    authorize_matter_change(&state.db, principal, client, id).await?;
    if may_edit_matter(&principal.subject()) {
        Ok(())
    } else {
        Err(deny(&state.db, principal, client, id, "may not edit").await)
    }
}

fn edit_audit(
    principal: &Principal,
    client: &ClientInfo,
    action: &str,
    id: &MatterId,
) -> AuditEntry {
    AuditEntry::by(principal, client, action, AuditResult::Success).on(id)
}

/// Moves the matter to the stage at `position`.
pub async fn set_matter_stage(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &MatterId,
    position: i64,
) -> Result<(), ServiceError> {
    authorize_edit(state, principal, client, id).await?;
    let mut tx = state.db.begin_write().await?;
    let updated = sqlx::query(
        "update matters set current_stage = $1 where id = $2
         and exists (select 1 from matter_stages s where s.matter_id = $2 and s.position = $1)",
    )
    .bind(position)
    .bind(id.as_str().to_owned())
    .execute(tx.conn())
    .await?;
    if updated.rows_affected() == 0 {
        return Err(
            AppError::BadRequest("That stage does not exist on this matter.".to_owned()).into(),
        );
    }
    audit::append(
        &mut tx,
        &edit_audit(principal, client, "matter.stage_changed", id)
            .detail(format!("stage {position}")),
    )
    .await?;
    let (number, stage_name): (String, String) = sqlx::query_as(
        "select m.number, s.name from matters m
         join matter_stages s on s.matter_id = m.id and s.position = m.current_stage
         where m.id = $1",
    )
    .bind(id.clone())
    .fetch_one(tx.conn())
    .await?;
    super::touchpoints::record_for_matter_clients(
        &mut tx,
        &principal.user_id,
        id,
        "matter.stage_changed",
        &format!("Matter {number} moved to {stage_name}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the matter's own response-time target for client messages (`None`:
/// the firm's default). Firm users who may edit the matter only.
pub async fn set_response_target(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &MatterId,
    minutes: Option<i64>,
) -> Result<(), ServiceError> {
    authorize_edit(state, principal, client, id).await?;
    let mut tx = state.db.begin_write().await?;
    sqlx::query("update matters set message_sla_minutes = $1 where id = $2")
        .bind(minutes)
        .bind(id.as_str().to_owned())
        .execute(tx.conn())
        .await?;
    audit::append(
        &mut tx,
        &edit_audit(principal, client, "matter.response_target_changed", id)
            .detail(minutes.map_or_else(|| "firm default".to_owned(), |m| format!("{m} minutes"))),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A key date as typed in the firm's form.
pub struct NewKeyDate<'a> {
    /// hearing, deadline, meeting or other.
    pub kind: &'a str,
    /// What it is.
    pub title: &'a str,
    /// When it starts (UTC ms).
    pub starts_at: i64,
    /// Where, if anywhere.
    pub location: &'a str,
    /// Shown to the client.
    pub client_visible: bool,
}

/// Adds a key date.
pub async fn add_key_date(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &MatterId,
    date: &NewKeyDate<'_>,
) -> Result<(), ServiceError> {
    if !KEY_DATE_KINDS.contains(&date.kind) {
        return Err(
            AppError::BadRequest("Choose hearing, deadline, meeting or other.".to_owned()).into(),
        );
    }
    let title = date.title.trim();
    if title.is_empty()
        || title.chars().count() > MAX_TITLE_CHARS
        || date.location.chars().count() > MAX_TITLE_CHARS
    {
        return Err(AppError::BadRequest(format!(
            "Give a title of 1 to {MAX_TITLE_CHARS} characters."
        ))
        .into());
    }
    authorize_edit(state, principal, client, id).await?;
    let mut tx = state.db.begin_write().await?;
    let location = Some(date.location.trim()).filter(|l| !l.is_empty());
    sqlx::query(
        "insert into key_dates (id, matter_id, kind, title, starts_at, ends_at, location, client_visible, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(KeyDateId::from_trusted(new_id()))
    .bind(id.clone())
    .bind(date.kind.to_owned())
    .bind(title.to_owned())
    .bind(date.starts_at)
    .bind(date.starts_at + 3_600_000)
    .bind(location.map(str::to_owned))
    .bind(i64::from(date.client_visible))
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    audit::append(
        &mut tx,
        &edit_audit(principal, client, "matter.key_date_added", id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a status note, sealed with the matter's key.
pub async fn add_matter_note(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &MatterId,
    body: &str,
    client_visible: bool,
) -> Result<(), ServiceError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_NOTE_CHARS {
        return Err(AppError::BadRequest(format!(
            "Write a note of 1 to {MAX_NOTE_CHARS} characters."
        ))
        .into());
    }
    authorize_edit(state, principal, client, id).await?;
    let note_id = NoteId::from_trusted(new_id());
    let key = state.keys.matter_key(&state.db, id).await?;
    let sealed =
        encrypt_field(&key, &note_aad(&note_id), body.as_bytes()).context("sealing a note")?;
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into matter_notes (id, matter_id, body_sealed, client_visible, author_id, created_at)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(note_id.clone())
    .bind(id.as_str().to_owned())
    .bind(sealed)
    .bind(i64::from(client_visible))
    .bind(principal.user_id.to_string())
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    audit::append(
        &mut tx,
        &edit_audit(principal, client, "matter.note_added", id).detail(if client_visible {
            "shared"
        } else {
            "internal"
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a visibility change applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shareable {
    /// A key date.
    KeyDate(KeyDateId),
    /// A status note.
    Note(NoteId),
}

impl Shareable {
    /// Parses the form's kind (`key_date` or `note`) and the item's id.
    ///
    /// # Errors
    /// Another kind is a bad request; an id that is not one, not found.
    pub fn parse(what: &str, item: &str) -> Result<Self, AppError> {
        match what {
            "key_date" => Ok(Self::KeyDate(KeyDateId::parse(item)?)),
            "note" => Ok(Self::Note(NoteId::parse(item)?)),
            _ => Err(AppError::BadRequest(
                "Share a key date (key_date) or a note (note).".to_owned(),
            )),
        }
    }
}

/// Shares an item with the client or takes it back. The item must belong to
/// the matter, which the principal must be able to edit.
pub async fn set_shared(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter: &MatterId,
    item: &Shareable,
    visible: bool,
) -> Result<(), ServiceError> {
    authorize_edit(state, principal, client, matter).await?;
    let (sql, item_id) = match item {
        Shareable::KeyDate(id) => (
            "update key_dates set client_visible = $1 where id = $2 and matter_id = $3",
            id.as_str(),
        ),
        Shareable::Note(id) => (
            "update matter_notes set client_visible = $1 where id = $2 and matter_id = $3",
            id.as_str(),
        ),
    };
    let mut tx = state.db.begin_write().await?;
    let updated = sqlx::query(sql)
        .bind(i64::from(visible))
        .bind(item_id.to_owned())
        .bind(matter.clone())
        .execute(tx.conn())
        .await?;
    if updated.rows_affected() == 0 {
        drop(tx);
        let why = "not on this matter";
        return Err(match item {
            Shareable::KeyDate(id) => deny(&state.db, principal, client, id, why).await,
            Shareable::Note(id) => deny(&state.db, principal, client, id, why).await,
        });
    }
    let action = match item {
        Shareable::KeyDate(_) => "matter.key_date_visibility",
        Shareable::Note(_) => "matter.note_visibility",
    };
    audit::append(
        &mut tx,
        &edit_audit(principal, client, action, matter).detail(if visible {
            "shared"
        } else {
            "hidden"
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
