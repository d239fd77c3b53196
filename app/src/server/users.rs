//! The firm's own people (issue 11, point 2), managed by admins at
//! `/admin/users`: inviting a colleague, changing a role, disabling and
//! enabling, ending someone's sessions and resetting their MFA.
//!
//! A colleague joins as a client does, through a one-time link
//! (`invitations::issue_invitation`), and then sets up MFA at their first
//! sign-in before anything else works (`auth::enrol::begin_mfa_setup`).
//!
//! The firm always keeps an active admin. Every change that could remove
//! one first locks the active admins' rows (`lock_active_admins`), so two
//! admins demoting each other at once cannot both succeed: the second
//! waits, then counts again.

use anyhow::Context as _;
use secrecy::SecretString;
use sqlx::AnyConnection;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal, enrol, session, signin},
    calendar,
    db::{Db, WriteTx},
    invitations::{issue_invitation, unique_as_conflict},
    new_id, now_ms,
    outbox::{self, EmailKind, NewEmail},
    policy::deny,
};
use crate::domain::{
    AppError,
    ids::UserId,
    policy::may_manage_users,
    role::Role,
    user::{EmailAddress, FirmUserView, UserStatus, parse_firm_role, validate_name},
};

/// Why an address cannot be invited.
const TAKEN: &str = "Someone already signs in with this email address.";

/// The most users the list shows: far more than a firm has.
const MAX_USERS: i64 = 2000;

/// Refuses everyone but admins, as not found: the page does not exist for
/// them.
fn require_admin(principal: &Principal) -> Result<(), ServiceError> {
    if may_manage_users(&principal.subject()) {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: UserId,
    display_name: String,
    email: String,
    role: String,
    disabled: i64,
    has_password: i64,
    mfa_enabled: i64,
    sessions: i64,
}

/// The firm's users (never clients, who are managed through their
/// contacts), by name. Only whether a password exists leaves the database.
pub async fn list_users(db: &Db, principal: &Principal) -> Result<Vec<FirmUserView>, ServiceError> {
    require_admin(principal)?;
    let rows: Vec<UserRow> = sqlx::query_as(
        "select u.id, u.display_name, u.email, u.role, u.disabled,
                cast(case when u.password_hash is null then 0 else 1 end as bigint) as has_password,
                u.mfa_enabled,
                (select count(*) from user_sessions s where s.user_id = u.id) as sessions
         from users u
         where u.role <> 'client'
         order by u.display_name, u.id
         limit $1",
    )
    .bind(MAX_USERS)
    .fetch_all(db.pool())
    .await
    .context("listing the firm's users")?;
    rows.into_iter()
        .map(|row| {
            let role = Role::parse(&row.role).context("a user has an unknown role")?;
            let status = match (row.disabled, row.has_password) {
                (1, _) => UserStatus::Disabled,
                (_, 0) => UserStatus::Invited,
                _ => UserStatus::Active,
            };
            Ok(FirmUserView {
                is_you: row.id == principal.user_id,
                id: row.id,
                name: row.display_name,
                email: row.email,
                role,
                status,
                mfa_enabled: row.mfa_enabled != 0,
                sessions: row.sessions,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct ExistingRow {
    id: UserId,
    role: String,
    has_password: i64,
    disabled: i64,
}

/// Invites a colleague: creates their firm user with `role` and no
/// password, and emails a one-time link valid for 7 days. Inviting an
/// address that was invited but never accepted sends a fresh link (and
/// takes the new name and role); an address anyone already signs in with
/// is a conflict.
pub async fn invite_colleague(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    name: &str,
    email: &str,
    role: &str,
) -> Result<(), ServiceError> {
    require_admin(principal)?;
    let name = validate_name(name)?;
    let email = EmailAddress::parse(email)?;
    let role = parse_firm_role(role)?;
    let now = now_ms();
    // Fetched before the write: fetching may create the key, which takes
    // the writer too.
    let firm_key = state.keys.firm_key(&state.db).await?;
    let mut tx = state.db.begin_write().await?;
    let existing: Option<ExistingRow> = sqlx::query_as(
        "select id, role, cast(case when password_hash is null then 0 else 1 end as bigint) as has_password,
                disabled
         from users where email = $1",
    )
    .bind(email.as_str().to_owned())
    .fetch_optional(tx.conn())
    .await
    .context("looking for the colleague's address")?;
    let user_id = match existing {
        Some(user) if user.role == "client" || user.has_password != 0 => {
            return Err(AppError::Conflict(TAKEN.to_owned()).into());
        }
        // Their link could never work (a disabled user's links do not).
        Some(user) if user.disabled != 0 => {
            return Err(AppError::Conflict(
                "This colleague is disabled. Enable them before inviting them again.".to_owned(),
            )
            .into());
        }
        Some(user) => {
            sqlx::query("update users set display_name = $1, role = $2 where id = $3")
                .bind(name.to_owned())
                .bind(role.as_str())
                .bind(user.id.clone())
                .execute(tx.conn())
                .await
                .context("updating the invited colleague")?;
            user.id
        }
        None => {
            let id = UserId::from_trusted(new_id());
            sqlx::query(
                "insert into users (id, email, display_name, role, created_at)
                 values ($1, $2, $3, $4, $5)",
            )
            .bind(id.clone())
            .bind(email.as_str().to_owned())
            .bind(name.to_owned())
            .bind(role.as_str())
            .bind(now)
            .execute(tx.conn())
            .await
            .map_err(|e| unique_as_conflict(e, TAKEN))?;
            id
        }
    };
    let token = issue_invitation(&mut tx, &user_id, None, &principal.user_id, now).await?;
    let body = colleague_invitation_body(
        &state.public_url,
        name,
        &principal.display_name,
        role,
        &token,
    );
    outbox::enqueue(
        &mut tx,
        &firm_key,
        &NewEmail {
            kind: EmailKind::Invitation,
            to: email.as_str(),
            subject: "You are invited to your firm's Vellum",
            body: &body,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "user.invited", AuditResult::Success)
            .on(&user_id)
            .detail(format!("colleague, role {}", role.as_str())),
    )
    .await?;
    tx.commit().await.context("committing an invitation")?;
    Ok(())
}

/// The colleague's invitation email: the one-time link and nothing else
/// secret.
fn colleague_invitation_body(
    base: &str,
    name: &str,
    inviter: &str,
    role: Role,
    token: &str,
) -> String {
    format!(
        "Hello {name},\n\n\
         {inviter} has invited you to your firm's Vellum, its client portal and CRM, as {role}.\n\n\
         To accept, open this link and choose a password:\n\n\
         {base}/invite/{token}\n\n\
         When you first sign in you will set up two-step verification, so have an \
         authenticator app on your phone ready.\n\n\
         The link works once and expires in 7 days. If you did not expect this email, \
         you can ignore it.\n",
        role = role.as_str(),
    )
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    role: String,
    disabled: i64,
    has_password: i64,
}

/// A firm user about to be changed.
struct Target {
    role: Role,
    disabled: bool,
    /// An admin who can sign in: one of those [`lock_active_admins`] counts.
    active_admin: bool,
}

/// Loads the firm user `user_id` inside the write: `None` for a client or
/// an unknown id, which the caller refuses with [`refuse`].
async fn firm_user(tx: &mut WriteTx, user_id: &UserId) -> anyhow::Result<Option<Target>> {
    let row: Option<TargetRow> = sqlx::query_as(
        "select role, disabled,
                cast(case when password_hash is null then 0 else 1 end as bigint) as has_password
         from users where id = $1 and role <> 'client'",
    )
    .bind(user_id.clone())
    .fetch_optional(tx.conn())
    .await
    .context("loading a firm user")?;
    let Some(row) = row else {
        return Ok(None);
    };
    let role = Role::parse(&row.role).context("a user has an unknown role")?;
    let disabled = row.disabled != 0;
    Ok(Some(Target {
        role,
        disabled,
        active_admin: role == Role::Admin && !disabled && row.has_password != 0,
    }))
}

/// Not found, audited: for a user id that names no firm user. The write
/// is dropped first, because the audit row needs the writer.
async fn refuse(
    state: &AppState,
    tx: WriteTx,
    principal: &Principal,
    client: &ClientInfo,
    user_id: &UserId,
) -> ServiceError {
    drop(tx);
    deny(&state.db, principal, client, user_id, "no such firm user").await
}

/// Locks the rows of the active admins (enabled, with a password) on
/// PostgreSQL, where SQLite has one writer already, and counts them, so a
/// change that would leave none is refused even when two such changes race.
async fn lock_active_admins(conn: &mut AnyConnection) -> anyhow::Result<u64> {
    let locked = sqlx::query(
        "update users set role = role
         where role = 'admin' and disabled = 0 and password_hash is not null",
    )
    .execute(conn)
    .await
    .context("locking the active admins")?;
    Ok(locked.rows_affected())
}

/// What stops a change that would leave the firm without an active admin.
fn last_admin() -> ServiceError {
    AppError::Conflict(
        "This is the firm's last active admin. Make someone else an admin first.".to_owned(),
    )
    .into()
}

/// Ends every session and calendar feed of `user_id`: after their access
/// changed, nothing they held before still works. Returns how many
/// sessions ended.
async fn shut_out(conn: &mut AnyConnection, user_id: &UserId) -> anyhow::Result<u64> {
    let ended = session::end_all_sessions(&mut *conn, user_id.as_str()).await?;
    calendar::revoke_feeds(conn, user_id.as_str()).await?;
    Ok(ended)
}

/// Gives the firm user `user_id` the role `role`. Their sessions end, so
/// the new privilege starts with a new session (DESIGN §2.1). Demoting the
/// last active admin is refused.
pub async fn change_role(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    user_id: &UserId,
    role: &str,
) -> Result<(), ServiceError> {
    require_admin(principal)?;
    let role = parse_firm_role(role)?;
    let mut tx = state.db.begin_write().await?;
    let active_admins = lock_active_admins(tx.conn()).await?;
    let Some(target) = firm_user(&mut tx, user_id).await? else {
        return Err(refuse(state, tx, principal, client, user_id).await);
    };
    let current = target.role;
    if current == role {
        return Ok(());
    }
    if target.active_admin && active_admins <= 1 {
        return Err(last_admin());
    }
    sqlx::query("update users set role = $1 where id = $2")
        .bind(role.as_str())
        .bind(user_id.clone())
        .execute(tx.conn())
        .await
        .context("changing a role")?;
    let ended = shut_out(tx.conn(), user_id).await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "user.role_changed", AuditResult::Success)
            .on(user_id)
            .detail(format!(
                "{} to {}; {ended} sessions ended",
                current.as_str(),
                role.as_str()
            )),
    )
    .await?;
    tx.commit().await.context("committing a role change")?;
    Ok(())
}

/// Disables (`disabled = true`) or enables the firm user `user_id`.
/// Disabling ends their sessions and revokes their calendar feeds at once;
/// the last active admin, and the admin's own account, cannot be disabled.
pub async fn set_user_disabled(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    user_id: &UserId,
    disabled: bool,
) -> Result<(), ServiceError> {
    require_admin(principal)?;
    let mut tx = state.db.begin_write().await?;
    let active_admins = lock_active_admins(tx.conn()).await?;
    let Some(target) = firm_user(&mut tx, user_id).await? else {
        return Err(refuse(state, tx, principal, client, user_id).await);
    };
    if target.disabled == disabled {
        return Ok(());
    }
    if disabled {
        if *user_id == principal.user_id {
            return Err(AppError::BadRequest(
                "You cannot disable your own account. Ask another admin.".to_owned(),
            )
            .into());
        }
        if target.active_admin && active_admins <= 1 {
            return Err(last_admin());
        }
    }
    sqlx::query("update users set disabled = $1 where id = $2")
        .bind(i64::from(disabled))
        .bind(user_id.clone())
        .execute(tx.conn())
        .await
        .context("disabling or enabling a user")?;
    let (action, detail) = if disabled {
        let ended = shut_out(tx.conn(), user_id).await?;
        ("user.disabled", format!("{ended} sessions ended"))
    } else {
        ("user.enabled", String::new())
    };
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, action, AuditResult::Success)
            .on(user_id)
            .detail(detail),
    )
    .await?;
    tx.commit().await.context("committing a user's status")?;
    Ok(())
}

/// Ends every session of the firm user `user_id` (and their calendar
/// feeds): for a lost laptop. Returns how many sessions ended.
pub async fn end_user_sessions(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    user_id: &UserId,
) -> Result<u64, ServiceError> {
    require_admin(principal)?;
    let mut tx = state.db.begin_write().await?;
    if firm_user(&mut tx, user_id).await?.is_none() {
        return Err(refuse(state, tx, principal, client, user_id).await);
    }
    let ended = shut_out(tx.conn(), user_id).await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "user.sessions_ended",
            AuditResult::Success,
        )
        .on(user_id)
        .detail(format!("{ended} sessions ended")),
    )
    .await?;
    tx.commit().await.context("committing ended sessions")?;
    Ok(ended)
}

/// Resets the MFA of the firm user `user_id` (a lost phone), after the
/// admin gives their own password again: whoever holds an admin's session
/// alone must not be able to take over a colleague's second factor. The
/// seed and recovery codes are removed and the user's sessions end; they
/// set up MFA afresh at their next sign-in.
pub async fn reset_user_mfa(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    user_id: &UserId,
    password: SecretString,
) -> Result<(), ServiceError> {
    require_admin(principal)?;
    if *user_id == principal.user_id {
        return Err(AppError::BadRequest(
            "Use one of your recovery codes to sign in, or ask another admin to reset your two-step verification."
                .to_owned(),
        )
        .into());
    }
    signin::reauthenticate(state, principal, client, password, "user.mfa_reset").await?;
    let mut tx = state.db.begin_write().await?;
    if firm_user(&mut tx, user_id).await?.is_none() {
        return Err(refuse(state, tx, principal, client, user_id).await);
    }
    enrol::clear_mfa(tx.conn(), user_id.as_str()).await?;
    let ended = shut_out(tx.conn(), user_id).await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "user.mfa_reset", AuditResult::Success)
            .on(user_id)
            .detail(format!("{ended} sessions ended")),
    )
    .await?;
    tx.commit().await.context("committing an MFA reset")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_colleague_email_carries_the_link_and_nothing_else_secret() {
        let body = colleague_invitation_body(
            "https://portal.firm.test",
            "Ada",
            "Sam Admin",
            Role::Attorney,
            "TOKEN",
        );
        assert!(body.contains("https://portal.firm.test/invite/TOKEN"));
        assert_eq!(body.matches("TOKEN").count(), 1);
        assert!(body.contains("as attorney"));
    }
}
