//! The firm's stage templates at `/admin/stages` (issue 11, point 4): one
//! ordered plan per practice area, plus the default plan (practice area
//! `''`) for areas with none. Opening a matter copies its area's plan
//! (`opening::copy_stage_plan`); changing a template leaves the matters
//! already opened alone.

use std::collections::HashMap;

use anyhow::Context as _;

use crate::{
    domain::{
        AppError,
        matter::settings::{MAX_STAGE_TEMPLATES, StageInput, StageTemplateView},
        policy::may_manage_settings,
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        db::WriteTx,
        invitations::unique_as_conflict,
        new_id, now_ms,
    },
};

fn require_admin(principal: &Principal) -> Result<(), ServiceError> {
    if may_manage_settings(&principal.subject()) {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

/// Every template, the default plan first, then by practice area.
pub async fn list_stage_templates(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<StageTemplateView>, ServiceError> {
    require_admin(principal)?;
    let pool = state.db.pool();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "select practice_area, name, description from stage_templates
         order by case when practice_area = '' then 0 else 1 end, lower(practice_area), position",
    )
    .fetch_all(pool)
    .await
    .context("listing the stage templates")?;
    let counts: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "select lower(practice_area), count(*) from matters group by lower(practice_area)",
    )
    .fetch_all(pool)
    .await
    .context("counting matters by practice area")?
    .into_iter()
    .collect();
    let mut templates: Vec<StageTemplateView> = Vec::new();
    for (practice_area, name, description) in rows {
        let row = StageInput { name, description };
        match templates.last_mut() {
            Some(last) if last.practice_area == practice_area => last.stages.push(row),
            _ => {
                let matters = if practice_area.is_empty() {
                    0
                } else {
                    counts
                        .get(&practice_area.to_lowercase())
                        .copied()
                        .unwrap_or(0)
                };
                templates.push(StageTemplateView {
                    practice_area,
                    stages: vec![row],
                    matters,
                });
            }
        }
    }
    Ok(templates)
}

/// Saves `plan` as the template of `practice_area` (`""`: the default
/// plan), replacing the one it had, whatever its spelling's case. A new
/// area becomes a choice on `/matters/new`.
pub async fn save_stage_template(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    practice_area: &str,
    plan: &[StageInput],
) -> Result<(), ServiceError> {
    require_admin(principal)?;
    let mut tx = state.db.begin_write().await?;
    let existing = clear_template(&mut tx, practice_area).await?;
    if existing == 0 && !practice_area.is_empty() {
        let (areas,): (i64,) = sqlx::query_as(
            "select count(distinct lower(practice_area)) from stage_templates
             where practice_area <> ''",
        )
        .fetch_one(tx.conn())
        .await
        .context("counting the stage templates")?;
        if usize::try_from(areas).unwrap_or(usize::MAX) >= MAX_STAGE_TEMPLATES {
            return Err(AppError::BadRequest(format!(
                "The firm has {MAX_STAGE_TEMPLATES} practice areas, the most it may have. \
                 Remove one first."
            ))
            .into());
        }
    }
    let now = now_ms();
    for (position, stage) in (1_i64..).zip(plan) {
        sqlx::query(
            "insert into stage_templates (id, practice_area, position, name, description,
                                          created_at)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(practice_area.to_owned())
        .bind(position)
        .bind(stage.name.clone())
        .bind(stage.description.clone())
        .bind(now)
        .execute(tx.conn())
        .await
        .map_err(|e| {
            unique_as_conflict(
                e,
                "Someone else saved this template at the same moment. Reload and try again.",
            )
        })?;
    }
    let action = if existing == 0 {
        "stage_template.created"
    } else {
        "stage_template.updated"
    };
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, action, AuditResult::Success)
            .object("stage_template", area_label(practice_area))
            .detail(format!("{} stages", plan.len())),
    )
    .await?;
    tx.commit().await.context("committing a stage template")?;
    Ok(())
}

/// Removes the template of a named practice area; its matters keep their
/// plans, and new matters in that area get the default plan. The default
/// plan itself cannot be removed, only edited.
pub async fn remove_stage_template(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    practice_area: &str,
) -> Result<(), ServiceError> {
    require_admin(principal)?;
    if practice_area.is_empty() {
        return Err(AppError::BadRequest(
            "The default plan cannot be removed: new matters in an area with no template \
             of its own need it. Edit it instead."
                .to_owned(),
        )
        .into());
    }
    let mut tx = state.db.begin_write().await?;
    if clear_template(&mut tx, practice_area).await? == 0 {
        return Err(AppError::NotFound.into());
    }
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "stage_template.removed",
            AuditResult::Success,
        )
        .object("stage_template", area_label(practice_area)),
    )
    .await?;
    tx.commit()
        .await
        .context("committing a stage template's removal")?;
    Ok(())
}

/// Deletes the stages of `practice_area` (matched without regard to case,
/// as opening a matter matches it). Answers how many there were.
async fn clear_template(tx: &mut WriteTx, practice_area: &str) -> anyhow::Result<u64> {
    let deleted = sqlx::query("delete from stage_templates where lower(practice_area) = lower($1)")
        .bind(practice_area.to_owned())
        .execute(tx.conn())
        .await
        .context("clearing a stage template")?;
    Ok(deleted.rows_affected())
}

/// How the audit log names a template.
fn area_label(practice_area: &str) -> &str {
    if practice_area.is_empty() {
        "default plan"
    } else {
        practice_area
    }
}
