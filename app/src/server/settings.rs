//! The firm's settings (issue 11, point 1), stored in one row of
//! `firm_settings`. Until an admin saves them, the configuration's values
//! are the defaults (`FirmSettings::defaults`); after that the row wins.

use anyhow::Context as _;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    db::Db,
    now_ms,
};
use crate::domain::{
    AppError,
    policy::may_manage_settings,
    settings::{DEFAULT_FIRM_NAME, FirmSettings},
};

#[derive(sqlx::FromRow)]
struct SettingsRow {
    firm_name: String,
    currency: String,
    number_pattern: String,
    response_minutes: i64,
    hours_start: String,
    hours_end: String,
    time_zone: String,
    payment_instructions: String,
    allow_programs: i64,
}

/// The settings in force: the stored row, or the defaults for a new firm
/// with `default_minutes` (the configuration's response target). For the
/// services that apply them; no access check.
pub(crate) async fn current(db: &Db, default_minutes: i64) -> anyhow::Result<FirmSettings> {
    let row: Option<SettingsRow> = sqlx::query_as(
        "select firm_name, currency, number_pattern, response_minutes, hours_start, hours_end,
                time_zone, payment_instructions, allow_programs
         from firm_settings where id = 1",
    )
    .fetch_optional(db.pool())
    .await
    .context("reading the firm's settings")?;
    Ok(row.map_or_else(
        || FirmSettings::defaults(default_minutes),
        |row| FirmSettings {
            firm_name: row.firm_name,
            currency: row.currency,
            number_pattern: row.number_pattern,
            response_minutes: row.response_minutes,
            hours_start: row.hours_start,
            hours_end: row.hours_end,
            time_zone: row.time_zone,
            payment_instructions: row.payment_instructions,
            allow_programs: row.allow_programs != 0,
        },
    ))
}

/// The firm's name as clients see it: every page's header, every email
/// and every statement's letterhead.
pub async fn firm_name(db: &Db) -> anyhow::Result<String> {
    Ok(stored_text(db, "firm_name")
        .await?
        .unwrap_or_else(|| DEFAULT_FIRM_NAME.to_owned()))
}

/// The firm's time zone: `UTC` until an admin sets one.
pub async fn time_zone(db: &Db) -> anyhow::Result<String> {
    Ok(stored_text(db, "time_zone")
        .await?
        .unwrap_or_else(|| "UTC".to_owned()))
}

/// Whether the firm takes programs and scripts as uploads (off until an
/// admin turns it on).
pub async fn allow_programs(db: &Db) -> anyhow::Result<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("select allow_programs from firm_settings where id = 1")
            .fetch_optional(db.pool())
            .await
            .context("reading whether programs may be uploaded")?;
    Ok(row.is_some_and(|(allowed,)| allowed != 0))
}

/// How clients pay the firm, as its admin wrote it (empty until then).
pub async fn payment_instructions(db: &Db) -> anyhow::Result<String> {
    Ok(stored_text(db, "payment_instructions")
        .await?
        .unwrap_or_default())
}

/// One text setting as stored, `None` until an admin first saves; for
/// the pages that need one setting, not all of them.
async fn stored_text(db: &Db, column: &'static str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as(&format!("select {column} from firm_settings where id = 1"))
            .fetch_optional(db.pool())
            .await
            .with_context(|| format!("reading the firm's {column}"))?;
    Ok(row.map(|(text,)| text))
}

/// The settings page's data, for admins; anyone else is not found.
pub async fn get_firm_settings(
    state: &AppState,
    principal: &Principal,
) -> Result<FirmSettings, ServiceError> {
    if !may_manage_settings(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    Ok(current(&state.db, state.messaging.sla_minutes).await?)
}

/// Saves the settings page's form (admins only), audited with the fields
/// that changed. The payment instructions have a form of their own and
/// stay as they were.
pub async fn update_firm_settings(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    new: &FirmSettings,
) -> Result<(), ServiceError> {
    if !may_manage_settings(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    if !super::clock::is_known_zone(&new.time_zone) {
        return Err(AppError::BadRequest(format!(
            "Time zone: \"{}\" is not in the time zone database; choose one from the list.",
            new.time_zone
        ))
        .into());
    }
    let old = current(&state.db, state.messaging.sla_minutes).await?;
    let new = FirmSettings {
        payment_instructions: old.payment_instructions.clone(),
        allow_programs: old.allow_programs,
        ..new.clone()
    };
    save(state, principal, client, &old, &new).await
}

/// Saves how clients pay (admins only), audited like the other settings.
pub async fn set_payment_instructions(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    raw: &str,
) -> Result<(), ServiceError> {
    if !may_manage_settings(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    let old = current(&state.db, state.messaging.sla_minutes).await?;
    let new = old.clone().with_payment_instructions(raw)?;
    save(state, principal, client, &old, &new).await
}

/// Takes programs and scripts as uploads, or stops (admins only),
/// audited like the other settings.
pub async fn set_allow_programs(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    allowed: bool,
) -> Result<(), ServiceError> {
    if !may_manage_settings(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    let old = current(&state.db, state.messaging.sla_minutes).await?;
    let new = FirmSettings {
        allow_programs: allowed,
        ..old.clone()
    };
    save(state, principal, client, &old, &new).await
}

/// Writes `new` over `old`, audited with the fields that changed.
async fn save(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    old: &FirmSettings,
    new: &FirmSettings,
) -> Result<(), ServiceError> {
    let changed: Vec<&str> = [
        ("firm name", old.firm_name != new.firm_name),
        ("currency", old.currency != new.currency),
        ("number pattern", old.number_pattern != new.number_pattern),
        (
            "response target",
            old.response_minutes != new.response_minutes,
        ),
        (
            "business hours",
            old.hours_start != new.hours_start || old.hours_end != new.hours_end,
        ),
        ("time zone", old.time_zone != new.time_zone),
        (
            "payment instructions",
            old.payment_instructions != new.payment_instructions,
        ),
        ("program uploads", old.allow_programs != new.allow_programs),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect();
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into firm_settings (id, firm_name, currency, number_pattern, response_minutes,
                                    hours_start, hours_end, time_zone, updated_by, updated_at,
                                    payment_instructions, allow_programs)
         values (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         on conflict (id) do update set firm_name = $1, currency = $2, number_pattern = $3,
             response_minutes = $4, hours_start = $5, hours_end = $6, time_zone = $7,
             updated_by = $8, updated_at = $9, payment_instructions = $10, allow_programs = $11",
    )
    .bind(new.firm_name.clone())
    .bind(new.currency.clone())
    .bind(new.number_pattern.clone())
    .bind(new.response_minutes)
    .bind(new.hours_start.clone())
    .bind(new.hours_end.clone())
    .bind(new.time_zone.clone())
    .bind(principal.user_id.clone())
    .bind(now_ms())
    .bind(new.payment_instructions.clone())
    .bind(i64::from(new.allow_programs))
    .execute(tx.conn())
    .await
    .context("saving the firm's settings")?;
    let detail = if changed.is_empty() {
        "nothing changed".to_owned()
    } else {
        format!("changed: {}", changed.join(", "))
    };
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "settings.updated", AuditResult::Success)
            .object("settings", "firm")
            .detail(detail),
    )
    .await?;
    tx.commit().await.context("committing the settings")?;
    Ok(())
}
