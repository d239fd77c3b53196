//! Opening a matter from `/matters/new` (issue 11, point 4): its number
//! from the firm's pattern (or as typed, if free), its stage plan copied
//! from the practice area's template, the responsible attorney and the
//! opener on its team, and the client contact as its client party.

use anyhow::Context as _;

use crate::{
    domain::{
        AppError,
        ids::{AccountId, ContactId, MatterId, UserId},
        matter::{
            opening::{MatterFormView, NewMatter, format_number},
            settings::StageInput,
        },
        policy::may_open_matter,
        time::civil_date,
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        db::WriteTx,
        invitations::unique_as_conflict,
        new_id, now_ms,
        policy::deny,
        settings,
        touchpoints::{self, NewTouchpoint},
        walls,
    },
};

/// The most contacts and attorneys the form offers.
const MAX_CHOICES: i64 = 2000;
/// How many numbers past the count of this year's matters are tried
/// before giving up (numbers typed by hand may sit in the way).
const MAX_NUMBER_TRIES: u32 = 1000;

fn require_opener(principal: &Principal) -> Result<(), ServiceError> {
    if may_open_matter(&principal.subject()) {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

/// What the new-matter form offers: the next number, the practice areas
/// with a plan of their own, the contacts and the attorneys.
pub async fn get_matter_form(
    state: &AppState,
    principal: &Principal,
) -> Result<MatterFormView, ServiceError> {
    require_opener(principal)?;
    let db = &state.db;
    let pattern = number_pattern(state).await?;
    let mut conn = db.pool().acquire().await.context("a connection")?;
    let next_number = next_number(&mut conn, &pattern, now_ms()).await?;
    let practice_areas: Vec<String> = sqlx::query_scalar(
        "select distinct practice_area from stage_templates where practice_area <> ''
         order by practice_area",
    )
    .fetch_all(&mut *conn)
    .await
    .context("listing practice areas")?;
    let clients: Vec<(ContactId, String)> = sqlx::query_as(
        "select c.id, c.given_name || ' ' || c.family_name || coalesce(' · ' || a.name, '')
         from contacts c left join accounts a on a.id = c.account_id
         where c.archived_at is null
         order by c.family_name, c.given_name, c.id limit $1",
    )
    .bind(MAX_CHOICES)
    .fetch_all(&mut *conn)
    .await
    .context("listing contacts for a matter")?;
    let attorneys: Vec<(UserId, String)> = sqlx::query_as(
        "select id, display_name from users
         where role in ('attorney', 'admin') and disabled = 0
         order by case when role = 'attorney' then 0 else 1 end, display_name, id limit $1",
    )
    .bind(MAX_CHOICES)
    .fetch_all(&mut *conn)
    .await
    .context("listing attorneys")?;
    Ok(MatterFormView {
        next_number,
        practice_areas,
        clients,
        attorneys,
    })
}

/// The firm's matter number pattern (its settings, or the default).
async fn number_pattern(state: &AppState) -> anyhow::Result<String> {
    Ok(settings::current(&state.db, state.messaging.sla_minutes)
        .await?
        .number_pattern)
}

/// The next free number from `pattern`: the sequence starts after the
/// matters opened this (UTC) year and skips any number already taken.
async fn next_number(
    conn: &mut sqlx::AnyConnection,
    pattern: &str,
    now: i64,
) -> Result<String, ServiceError> {
    let (year, _, _) = civil_date(now);
    let year_start = crate::domain::time::parse_date(&format!("{year:04}-01-01"))
        .map_err(|e| anyhow::anyhow!("the start of the year: {e}"))?;
    let (opened,): (i64,) = sqlx::query_as("select count(*) from matters where opened_at >= $1")
        .bind(year_start)
        .fetch_one(&mut *conn)
        .await
        .context("counting this year's matters")?;
    let year = i32::try_from(year).context("a year past i32")?;
    let first = u32::try_from(opened).context("too many matters")? + 1;
    for seq in first..first + MAX_NUMBER_TRIES {
        let number = format_number(pattern, year, seq)?;
        let taken: Option<(String,)> = sqlx::query_as("select id from matters where number = $1")
            .bind(number.clone())
            .fetch_optional(&mut *conn)
            .await
            .context("checking a matter number")?;
        if taken.is_none() {
            return Ok(number);
        }
    }
    Err(AppError::Conflict("No free matter number: type one in.".to_owned()).into())
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    given_name: String,
    family_name: String,
    account_id: Option<AccountId>,
    archived_at: Option<i64>,
}

/// Opens a matter and answers its id. The client contact's account is the
/// matter's account; a contact without one gets a household account of
/// their own. Unknown contacts are not found; a typed number already in
/// use is a conflict.
pub async fn open_matter(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    new: &NewMatter,
) -> Result<MatterId, ServiceError> {
    require_opener(principal)?;
    let now = now_ms();
    let pattern = number_pattern(state).await?;
    let mut tx = state.db.begin_write().await?;
    let contact: Option<ClientRow> = sqlx::query_as(
        "select given_name, family_name, account_id, archived_at from contacts where id = $1",
    )
    .bind(new.client.clone())
    .fetch_optional(tx.conn())
    .await
    .context("loading the matter's client")?;
    let Some(contact) = contact else {
        drop(tx);
        return Err(deny(&state.db, principal, client, &new.client, "no such contact").await);
    };
    if contact.archived_at.is_some() {
        return Err(AppError::Conflict(
            "This contact is archived. Restore them from their record to open a matter for them."
                .to_owned(),
        )
        .into());
    }
    let responsible: Option<(String,)> = sqlx::query_as(
        "select id from users where id = $1 and role in ('attorney', 'admin') and disabled = 0",
    )
    .bind(new.responsible.clone())
    .fetch_optional(tx.conn())
    .await
    .context("loading the responsible attorney")?;
    if responsible.is_none() {
        return Err(AppError::BadRequest(
            "Responsible attorney: choose one of the firm's attorneys.".to_owned(),
        )
        .into());
    }
    let client_name = format!("{} {}", contact.given_name, contact.family_name);
    let account_id = match contact.account_id {
        Some(id) => id,
        None => household_for(&mut tx, &new.client, &client_name, now).await?,
    };
    // Locked before its walls are read: a wall being raised on every
    // matter of this client waits for this matter, or this matter for it.
    walls::lock_account(&mut tx, &account_id).await?;
    refuse_walled(&mut tx, &account_id, principal, &new.responsible).await?;
    let number = match &new.number {
        Some(number) => number.clone(),
        None => next_number(tx.conn(), &pattern, now).await?,
    };
    let matter_id = MatterId::from_trusted(new_id());
    let taken = if new.number.is_some() {
        format!("Matter number {number} is taken. Choose another.")
    } else {
        // Another matter took the next number a moment ago.
        format!("Matter number {number} was just taken. Open the matter again for the next one.")
    };
    sqlx::query(
        "insert into matters (id, number, title, practice_area, account_id, status, current_stage, opened_at, created_at)
         values ($1, $2, $3, $4, $5, 'open', 1, $6, $6)",
    )
    .bind(matter_id.clone())
    .bind(number.clone())
    .bind(new.title.clone())
    .bind(new.practice_area.clone())
    .bind(account_id.clone())
    .bind(now)
    .execute(tx.conn())
    .await
    .map_err(|e| unique_as_conflict(e, &taken))?;
    let stages = copy_stage_plan(&mut tx, &matter_id, &new.practice_area, now).await?;
    walls::wall_new_matter(&mut tx, principal, client, &matter_id, &account_id, now).await?;
    for (user, role) in [
        (&new.responsible, "responsible"),
        (&principal.user_id, "member"),
    ] {
        sqlx::query(
            "insert into matter_team (matter_id, user_id, role, added_at) values ($1, $2, $3, $4)
             on conflict do nothing",
        )
        .bind(matter_id.clone())
        .bind(user.clone())
        .bind(role)
        .bind(now)
        .execute(tx.conn())
        .await
        .context("putting the team on the matter")?;
    }
    sqlx::query(
        "insert into matter_parties (id, matter_id, name, role, created_at) values ($1, $2, $3, 'client', $4)",
    )
    .bind(new_id())
    .bind(matter_id.clone())
    .bind(client_name)
    .bind(now)
    .execute(tx.conn())
    .await
    .context("naming the client party")?;
    touchpoints::record(
        &mut tx,
        &NewTouchpoint {
            contact_id: new.client.clone(),
            matter_id: Some(matter_id.clone()),
            kind: "matter.opened".to_owned(),
            summary: format!("Matter {number} opened: {}", new.title),
            actor_user_id: Some(principal.user_id.clone()),
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "matter.opened", AuditResult::Success)
            .on(&matter_id)
            .detail(format!("{number}, {stages} stages, client {}", new.client)),
    )
    .await?;
    tx.commit().await.context("committing a new matter")?;
    Ok(matter_id)
}

/// Refuses a matter for a client whose every matter the opener or the
/// responsible attorney is walled off: they could not see it or answer for
/// it.
async fn refuse_walled(
    tx: &mut WriteTx,
    account_id: &AccountId,
    principal: &Principal,
    responsible: &UserId,
) -> Result<(), ServiceError> {
    if walls::walled_from_client(tx, account_id, &principal.user_id).await? {
        return Err(AppError::Conflict(
            "An ethical wall screens you from this client's matters. Ask a colleague to open it."
                .to_owned(),
        )
        .into());
    }
    if walls::walled_from_client(tx, account_id, responsible).await? {
        return Err(AppError::BadRequest(
            "Responsible attorney: an ethical wall screens them from this client's matters. \
             Choose another."
                .to_owned(),
        )
        .into());
    }
    Ok(())
}

/// A household account for a private client with none, linked to them.
async fn household_for(
    tx: &mut WriteTx,
    contact: &ContactId,
    name: &str,
    now: i64,
) -> Result<AccountId, ServiceError> {
    let id = AccountId::from_trusted(new_id());
    sqlx::query(
        "insert into accounts (id, name, kind, created_at) values ($1, $2, 'household', $3)",
    )
    .bind(id.clone())
    .bind(name.to_owned())
    .bind(now)
    .execute(tx.conn())
    .await
    .context("creating a household account")?;
    sqlx::query("update contacts set account_id = $1 where id = $2")
        .bind(id.clone())
        .bind(contact.clone())
        .execute(tx.conn())
        .await
        .context("linking the contact to their household")?;
    Ok(id)
}

/// Copies the practice area's stage template (or the firm's default plan
/// when the area has none) onto the matter. Answers how many stages.
async fn copy_stage_plan(
    tx: &mut WriteTx,
    matter_id: &MatterId,
    practice_area: &str,
    now: i64,
) -> Result<usize, ServiceError> {
    let mut plan: Vec<(i64, String, String)> = sqlx::query_as(
        "select position, name, description from stage_templates
         where lower(practice_area) = lower($1) order by position",
    )
    .bind(practice_area.to_owned())
    .fetch_all(tx.conn())
    .await
    .context("reading the stage template")?;
    if plan.is_empty() {
        plan = sqlx::query_as(
            "select position, name, description from stage_templates
             where practice_area = '' order by position",
        )
        .fetch_all(tx.conn())
        .await
        .context("reading the default stage template")?;
    }
    let plan: Vec<StageInput> = plan
        .into_iter()
        .map(|(_, name, description)| StageInput { name, description })
        .collect();
    super::settings::insert_stages(tx, matter_id, &plan, now).await?;
    Ok(plan.len())
}
