//! Enrolling in TOTP MFA from the account page (optional for clients, who
//! may also turn it off again; firm users are enrolled when created).

use anyhow::Context as _;
use secrecy::SecretString;

use super::{ClientInfo, Principal, signin, totp};
use crate::{
    domain::{
        AppError,
        auth::{AccountView, MfaEnrolmentView},
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        crypto::{FieldAad, decrypt_field, encrypt_field, envelope_key_id},
        now_ms,
    },
};

fn pending_aad(user_id: &str) -> FieldAad<'_> {
    FieldAad {
        table: "users",
        column: "totp_pending",
        row_id: user_id,
    }
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    mfa_enabled: i64,
    totp_pending: Option<Vec<u8>>,
    message_emails: i64,
}

async fn account_row(state: &AppState, principal: &Principal) -> anyhow::Result<AccountRow> {
    // Message emails are on unless the user turned them off.
    sqlx::query_as(
        "select mfa_enabled, totp_pending,
                coalesce((select p.enabled from message_email_prefs p where p.user_id = users.id), 1) as message_emails
         from users where id = $1",
    )
        .bind(principal.user_id.to_string())
        .fetch_one(state.db.pool())
        .await
        .context("loading the account")
}

/// The account page's data.
pub async fn get_account(
    state: &AppState,
    principal: &Principal,
) -> Result<AccountView, ServiceError> {
    let row = account_row(state, principal).await?;
    Ok(AccountView {
        display_name: principal.display_name.clone(),
        email: principal.email.clone(),
        role: principal.role,
        mfa_enabled: row.mfa_enabled != 0,
        may_turn_off_mfa: !principal.role.is_firm(),
        message_emails: row.message_emails != 0,
    })
}

/// Starts enrolment: a new seed, kept sealed until the user proves a code
/// from it, and the QR code to scan.
///
/// The current password is required first: whoever holds a session alone
/// (a borrowed laptop, a stolen cookie) must not be able to bind the
/// account to an authenticator of their own.
pub async fn begin_mfa_enrolment(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    password: SecretString,
) -> Result<MfaEnrolmentView, ServiceError> {
    if account_row(state, principal).await?.mfa_enabled != 0 {
        return Err(AppError::Conflict("Two-step verification is already on.".to_owned()).into());
    }
    signin::reauthenticate(state, principal, client, password, "auth.mfa_enrolment").await?;
    let user_id = principal.user_id.to_string();
    let seed = totp::generate_seed();
    let key = state.keys.firm_key(&state.db).await?;
    let sealed =
        encrypt_field(&key, &pending_aad(&user_id), &seed).context("sealing the pending seed")?;
    sqlx::query("update users set totp_pending = $1 where id = $2")
        .bind(sealed)
        .bind(user_id)
        .execute(state.db.pool())
        .await
        .context("storing the pending seed")?;
    let url = totp::provisioning_url(&seed, &principal.email)?;
    Ok(MfaEnrolmentView {
        qr_svg: totp::qr_svg(&url)?,
        secret: totp::seed_to_base32(&seed),
    })
}

/// Finishes enrolment with a code from the new seed; returns the recovery
/// codes, shown once.
pub async fn confirm_mfa_enrolment(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    code: &str,
) -> Result<Vec<String>, ServiceError> {
    let user_id = principal.user_id.to_string();
    let Some(sealed) = account_row(state, principal).await?.totp_pending else {
        return Err(AppError::BadRequest(
            "Start the set-up again: no set-up is in progress.".to_owned(),
        )
        .into());
    };
    let key_id = envelope_key_id(&sealed)
        .context("reading the pending seed")?
        .to_owned();
    let key = state.keys.key_by_id(&state.db, &key_id).await?;
    let seed =
        decrypt_field(&key, &pending_aad(&user_id), &sealed).context("opening the pending seed")?;
    let now = u64::try_from(now_ms() / 1000).context("clock before 1970")?;
    let Some(step) = totp::verify(&seed, code, now, None)? else {
        audit::record(
            &state.db,
            &AuditEntry::new("auth.mfa_enrolment", AuditResult::Failure)
                .actor(user_id.clone())
                .client(client.ip, client.user_agent.as_deref())
                .detail("invalid code"),
        )
        .await?;
        return Err(AppError::InvalidCode.into());
    };
    let codes = signin::set_totp_seed(state, &user_id, &seed).await?;
    // The code just used must not sign in again (RFC 6238 §5.2).
    sqlx::query("update users set totp_pending = null, totp_last_step = $1 where id = $2")
        .bind(step)
        .bind(user_id)
        .execute(state.db.pool())
        .await
        .context("finishing enrolment")?;
    Ok(codes)
}

/// Turns MFA off for a client, after they confirm their password (throttled
/// and audited like a sign-in). Firm users must keep it.
pub async fn turn_off_mfa(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    password: SecretString,
) -> Result<(), ServiceError> {
    if principal.role.is_firm() {
        return Err(AppError::BadRequest(
            "Two-step verification is required for the firm's staff.".to_owned(),
        )
        .into());
    }
    signin::reauthenticate(state, principal, client, password, "auth.mfa_disabled").await?;
    let user_id = principal.user_id.to_string();
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "update users set totp_secret = null, totp_pending = null, mfa_enabled = 0, totp_last_step = null where id = $1",
    )
    .bind(user_id.clone())
    .execute(tx.conn())
    .await
    .context("turning MFA off")?;
    sqlx::query("delete from recovery_codes where user_id = $1")
        .bind(user_id.clone())
        .execute(tx.conn())
        .await
        .context("removing recovery codes")?;
    audit::append(
        &mut tx,
        &AuditEntry::new("auth.mfa_disabled", AuditResult::Success)
            .actor(user_id)
            .client(client.ip, client.user_agent.as_deref()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
