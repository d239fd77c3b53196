//! A matter's "Settings" panel (issue 11, point 4): its team, its parties,
//! its stage plan, and closing and reopening it.
//!
//! Firm users who can see the matter change them; clients are not found.
//! Team, parties and plan are the matter's content, so a closed matter
//! refuses them ([`authorize_matter_change`]). Every change is audited;
//! those the client notices (the plan, closing, reopening) also land on
//! the timeline of the client's people.

use anyhow::Context as _;

use crate::{
    domain::{
        AppError,
        ids::{MatterId, PartyId, UserId},
        matter::settings::{
            MatterSettingsView, PartyRole, PartyView, StageInput, TeamMemberView, TeamRole,
            validate_party_name,
        },
        policy::{may_manage_matter_settings, may_manage_walls},
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        db::{Db, WriteTx},
        new_id, now_ms,
        policy::{authorize_matter, authorize_matter_change, deny},
        touchpoints, walls,
    },
};

/// The most team members, parties or colleagues the panel lists.
const MAX_ROWS: i64 = 500;

/// Firm users who may see the matter (and, for a `change` of its
/// content, only while it is open); anyone else is not found, audited.
async fn require_settings(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    change: bool,
) -> Result<(), ServiceError> {
    if !may_manage_matter_settings(&principal.subject()) {
        return Err(deny(
            db,
            principal,
            client,
            matter_id,
            "may not manage matter settings",
        )
        .await);
    }
    if change {
        authorize_matter_change(db, principal, client, matter_id).await
    } else {
        authorize_matter(db, principal, client, matter_id).await
    }
}

fn settings_audit(
    principal: &Principal,
    client: &ClientInfo,
    action: &str,
    matter_id: &MatterId,
    detail: String,
) -> AuditEntry {
    AuditEntry::by(principal, client, action, AuditResult::Success)
        .on(matter_id)
        .detail(detail)
}

#[derive(sqlx::FromRow)]
struct HeadRow {
    number: String,
    account_name: String,
    status: String,
    closed_at: Option<i64>,
    current_stage: i64,
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    user_id: UserId,
    name: String,
    firm_role: String,
    role: String,
}

#[derive(sqlx::FromRow)]
struct PartyRow {
    id: PartyId,
    name: String,
    role: String,
}

/// The panel's data.
pub async fn get_matter_settings(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
) -> Result<MatterSettingsView, ServiceError> {
    require_settings(db, principal, client, matter_id, false).await?;
    let head: HeadRow = sqlx::query_as(
        "select m.number, a.name as account_name, m.status, m.closed_at, m.current_stage
         from matters m join accounts a on a.id = m.account_id where m.id = $1",
    )
    .bind(matter_id.clone())
    .fetch_one(db.pool())
    .await
    .context("loading a matter's settings")?;
    let team: Vec<TeamRow> = sqlx::query_as(
        "select t.user_id, u.display_name as name, u.role as firm_role, t.role
         from matter_team t join users u on u.id = t.user_id
         where t.matter_id = $1
         order by case t.role when 'responsible' then 0 else 1 end, u.display_name, u.id
         limit $2",
    )
    .bind(matter_id.clone())
    .bind(MAX_ROWS)
    .fetch_all(db.pool())
    .await
    .context("loading a matter's team")?;
    let colleagues: Vec<(UserId, String)> = sqlx::query_as(
        "select u.id, u.display_name || ' (' || u.role || ')' from users u
         where u.role <> 'client' and u.disabled = 0
           and not exists (select 1 from matter_team t where t.matter_id = $1 and t.user_id = u.id)
           and not exists (select 1 from ethical_walls w where w.matter_id = $1 and w.user_id = u.id)
         order by u.display_name, u.id limit $2",
    )
    .bind(matter_id.clone())
    .bind(MAX_ROWS)
    .fetch_all(db.pool())
    .await
    .context("listing colleagues for a matter's team")?;
    let parties: Vec<PartyRow> = sqlx::query_as(
        "select id, name, role from matter_parties where matter_id = $1
         order by created_at, id limit $2",
    )
    .bind(matter_id.clone())
    .bind(MAX_ROWS)
    .fetch_all(db.pool())
    .await
    .context("loading a matter's parties")?;
    let stages: Vec<(String, String)> = sqlx::query_as(
        "select name, description from matter_stages where matter_id = $1 order by position",
    )
    .bind(matter_id.clone())
    .fetch_all(db.pool())
    .await
    .context("loading a matter's stage plan")?;
    let can_manage_walls = may_manage_walls(&principal.subject());
    let walls = if can_manage_walls {
        walls::walls_on_matter(db, matter_id).await?
    } else {
        Vec::new()
    };
    Ok(MatterSettingsView {
        matter_id: matter_id.clone(),
        number: head.number,
        account_name: head.account_name,
        closed_at: (head.status == "closed").then_some(head.closed_at.unwrap_or_default()),
        team: team
            .into_iter()
            .filter_map(|row| {
                Some(TeamMemberView {
                    role: TeamRole::parse(&row.role).ok()?,
                    user_id: row.user_id,
                    name: row.name,
                    firm_role: row.firm_role,
                })
            })
            .collect(),
        colleagues,
        parties: parties
            .into_iter()
            .filter_map(|row| {
                Some(PartyView {
                    role: PartyRole::parse(&row.role).ok()?,
                    id: row.id,
                    name: row.name,
                })
            })
            .collect(),
        stages: stages
            .into_iter()
            .map(|(name, description)| StageInput { name, description })
            .collect(),
        current_stage: head.current_stage,
        can_manage_walls,
        walls,
    })
}

/// Locks the matter's row so that changes to its team are serialised on
/// PostgreSQL too (SQLite has one writer already).
async fn lock_matter(tx: &mut WriteTx, matter_id: &MatterId) -> anyhow::Result<String> {
    sqlx::query("update matters set id = id where id = $1")
        .bind(matter_id.clone())
        .execute(tx.conn())
        .await
        .context("locking a matter")?;
    sqlx::query_scalar("select number from matters where id = $1")
        .bind(matter_id.clone())
        .fetch_one(tx.conn())
        .await
        .context("loading a matter's number")
}

/// A 409 unless the matter still has a responsible attorney: nobody would
/// answer for it.
async fn keep_a_responsible(tx: &mut WriteTx, matter_id: &MatterId) -> Result<(), ServiceError> {
    let responsible: i64 = sqlx::query_scalar(
        "select count(*) from matter_team where matter_id = $1 and role = 'responsible'",
    )
    .bind(matter_id.clone())
    .fetch_one(tx.conn())
    .await
    .context("counting a matter's responsible attorneys")?;
    if responsible == 0 {
        return Err(AppError::Conflict(
            "A matter keeps at least one responsible attorney. Make someone else responsible first."
                .to_owned(),
        )
        .into());
    }
    Ok(())
}

/// Puts a firm user on the team with `role`, or changes their role if they
/// are on it. Only attorneys and admins may be responsible; a user walled
/// off the matter is refused.
pub async fn set_team_member(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    user_id: &UserId,
    role: TeamRole,
) -> Result<(), ServiceError> {
    require_settings(&state.db, principal, client, matter_id, true).await?;
    let user: Option<(String, String, i64, i64)> = sqlx::query_as(
        "select u.display_name, u.role, u.disabled,
                (select count(*) from ethical_walls w where w.matter_id = $2 and w.user_id = u.id)
         from users u where u.id = $1",
    )
    .bind(user_id.clone())
    .bind(matter_id.clone())
    .fetch_optional(state.db.pool())
    .await
    .context("loading a team member")?;
    let Some((name, firm_role, disabled, walled)) = user.filter(|u| u.1 != "client") else {
        return Err(deny(&state.db, principal, client, user_id, "not a firm user").await);
    };
    if disabled != 0 {
        return Err(AppError::Conflict(format!("{name}'s account is disabled.")).into());
    }
    if walled != 0 {
        return Err(AppError::Conflict(format!(
            "{name} is walled off this matter and cannot join its team."
        ))
        .into());
    }
    if role == TeamRole::Responsible && !matches!(firm_role.as_str(), "attorney" | "admin") {
        return Err(AppError::BadRequest(format!(
            "{name} is {firm_role}: only an attorney can be the responsible attorney."
        ))
        .into());
    }
    let mut tx = state.db.begin_write().await?;
    let number = lock_matter(&mut tx, matter_id).await?;
    sqlx::query(
        "insert into matter_team (matter_id, user_id, role, added_at) values ($1, $2, $3, $4)
         on conflict (matter_id, user_id) do update set role = excluded.role",
    )
    .bind(matter_id.clone())
    .bind(user_id.clone())
    .bind(role.as_str())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("setting a team member")?;
    keep_a_responsible(&mut tx, matter_id).await?;
    audit::append(
        &mut tx,
        &settings_audit(
            principal,
            client,
            "matter.team_changed",
            matter_id,
            format!("{number}: user {user_id} is {}", role.as_str()),
        ),
    )
    .await?;
    tx.commit().await.context("committing a team change")?;
    Ok(())
}

/// Takes a firm user off the team. The last responsible attorney stays.
pub async fn remove_team_member(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    user_id: &UserId,
) -> Result<(), ServiceError> {
    require_settings(&state.db, principal, client, matter_id, true).await?;
    let mut tx = state.db.begin_write().await?;
    let number = lock_matter(&mut tx, matter_id).await?;
    let removed = sqlx::query("delete from matter_team where matter_id = $1 and user_id = $2")
        .bind(matter_id.clone())
        .bind(user_id.clone())
        .execute(tx.conn())
        .await
        .context("removing a team member")?;
    if removed.rows_affected() == 0 {
        return Err(AppError::Conflict("That person is not on the team.".to_owned()).into());
    }
    keep_a_responsible(&mut tx, matter_id).await?;
    audit::append(
        &mut tx,
        &settings_audit(
            principal,
            client,
            "matter.team_changed",
            matter_id,
            format!("{number}: user {user_id} removed"),
        ),
    )
    .await?;
    tx.commit().await.context("committing a team change")?;
    Ok(())
}

/// Names a party to the matter. Answers its id.
pub async fn add_party(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    name: &str,
    role: PartyRole,
) -> Result<PartyId, ServiceError> {
    let name = validate_party_name(name)?;
    require_settings(&state.db, principal, client, matter_id, true).await?;
    let id = PartyId::from_trusted(new_id());
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into matter_parties (id, matter_id, name, role, created_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(id.clone())
    .bind(matter_id.clone())
    .bind(name.to_owned())
    .bind(role.as_str())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("adding a party")?;
    audit::append(
        &mut tx,
        &settings_audit(
            principal,
            client,
            "matter.party_added",
            matter_id,
            format!("{}: {name}", role.label()),
        ),
    )
    .await?;
    tx.commit().await.context("committing a party")?;
    Ok(id)
}

/// Removes a party named by mistake.
pub async fn remove_party(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    party_id: &PartyId,
) -> Result<(), ServiceError> {
    require_settings(&state.db, principal, client, matter_id, true).await?;
    let mut tx = state.db.begin_write().await?;
    let name: Option<String> = sqlx::query_scalar(
        "delete from matter_parties where id = $1 and matter_id = $2 returning name",
    )
    .bind(party_id.clone())
    .bind(matter_id.clone())
    .fetch_optional(tx.conn())
    .await
    .context("removing a party")?;
    let Some(name) = name else {
        drop(tx);
        return Err(deny(
            &state.db,
            principal,
            client,
            party_id,
            "not a party of the matter",
        )
        .await);
    };
    audit::append(
        &mut tx,
        &settings_audit(
            principal,
            client,
            "matter.party_removed",
            matter_id,
            format!("{party_id}: {name}"),
        ),
    )
    .await?;
    tx.commit().await.context("committing a party's removal")?;
    Ok(())
}

/// Replaces the matter's stage plan with `plan` (already checked by
/// `parse_stage_plan`). The matter stays at the same stage number, or at
/// the last stage if the plan is now shorter.
pub async fn set_stage_plan(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    plan: &[StageInput],
) -> Result<(), ServiceError> {
    require_settings(&state.db, principal, client, matter_id, true).await?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let number = lock_matter(&mut tx, matter_id).await?;
    sqlx::query("delete from matter_stages where matter_id = $1")
        .bind(matter_id.clone())
        .execute(tx.conn())
        .await
        .context("clearing a stage plan")?;
    insert_stages(&mut tx, matter_id, plan, now).await?;
    let count = i64::try_from(plan.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "update matters set current_stage = case when current_stage > $1 then $1 else current_stage end
         where id = $2",
    )
    .bind(count)
    .bind(matter_id.clone())
    .execute(tx.conn())
    .await
    .context("keeping the current stage in the plan")?;
    audit::append(
        &mut tx,
        &settings_audit(
            principal,
            client,
            "matter.stage_plan_changed",
            matter_id,
            format!("{number}: {count} stages"),
        ),
    )
    .await?;
    touchpoints::record_for_matter_clients(
        &mut tx,
        &principal.user_id,
        matter_id,
        "matter.stage_plan_changed",
        &format!("The stages of matter {number} were updated"),
    )
    .await?;
    tx.commit().await.context("committing a stage plan")?;
    Ok(())
}

/// Writes `plan` as the matter's stages, numbered from 1.
pub async fn insert_stages(
    tx: &mut WriteTx,
    matter_id: &MatterId,
    plan: &[StageInput],
    now: i64,
) -> anyhow::Result<()> {
    for (position, stage) in (1_i64..).zip(plan) {
        sqlx::query(
            "insert into matter_stages (id, matter_id, position, name, description, created_at)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(matter_id.clone())
        .bind(position)
        .bind(stage.name.clone())
        .bind(stage.description.clone())
        .bind(now)
        .execute(tx.conn())
        .await
        .context("writing a stage")?;
    }
    Ok(())
}

/// Closes the matter (`closed`) or reopens it. A closed matter is
/// read-only until it is reopened (`policy::authorize_matter_change`).
pub async fn set_matter_closed(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    closed: bool,
) -> Result<(), ServiceError> {
    require_settings(&state.db, principal, client, matter_id, false).await?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let (from, to, closed_at) = if closed {
        ("open", "closed", Some(now))
    } else {
        ("closed", "open", None)
    };
    let number: Option<String> = sqlx::query_scalar(
        "update matters set status = $1, closed_at = $2 where id = $3 and status = $4
         returning number",
    )
    .bind(to)
    .bind(closed_at)
    .bind(matter_id.clone())
    .bind(from)
    .fetch_optional(tx.conn())
    .await
    .context("closing or reopening a matter")?;
    let Some(number) = number else {
        let message = if closed {
            "This matter is closed already."
        } else {
            "This matter is open already."
        };
        return Err(AppError::Conflict(message.to_owned()).into());
    };
    let (action, summary) = if closed {
        ("matter.closed", format!("Matter {number} was closed"))
    } else {
        ("matter.reopened", format!("Matter {number} was reopened"))
    };
    audit::append(
        &mut tx,
        &settings_audit(principal, client, action, matter_id, number.clone()),
    )
    .await?;
    touchpoints::record_for_matter_clients(
        &mut tx,
        &principal.user_id,
        matter_id,
        action,
        &summary,
    )
    .await?;
    tx.commit().await.context("committing a matter's status")?;
    Ok(())
}
