//! Enrolling in TOTP MFA: from the account page (optional for clients, who
//! may also turn it off again), and at a firm user's first sign-in, where
//! nothing else works until it is set up (DESIGN §2.1; also after an admin
//! reset it).

use anyhow::Context as _;
use secrecy::SecretString;
use sqlx::AnyConnection;

use tower_sessions::Session;

use super::{
    ClientInfo, Principal,
    session::{AUTH_KEY, AuthStage, SessionAuth},
    signin, totp,
};
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
    message_emails: i64,
}

async fn account_row(state: &AppState, principal: &Principal) -> anyhow::Result<AccountRow> {
    // Message emails are on unless the user turned them off.
    sqlx::query_as(
        "select mfa_enabled,
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
    start_pending(state, principal.user_id.as_str(), &principal.email).await
}

/// A new seed for `user_id`, kept sealed in `totp_pending` until they prove
/// a code from it, and the QR code to scan.
async fn start_pending(
    state: &AppState,
    user_id: &str,
    email: &str,
) -> Result<MfaEnrolmentView, ServiceError> {
    let seed = totp::generate_seed();
    let key = state.keys.firm_key(&state.db).await?;
    let sealed =
        encrypt_field(&key, &pending_aad(user_id), &seed).context("sealing the pending seed")?;
    // Only while MFA is off: a set-up that raced another's confirmation
    // must not leave a seed its maker knows on an enrolled account.
    let stored =
        sqlx::query("update users set totp_pending = $1 where id = $2 and mfa_enabled = 0")
            .bind(sealed)
            .bind(user_id.to_owned())
            .execute(state.db.pool())
            .await
            .context("storing the pending seed")?;
    if stored.rows_affected() != 1 {
        return Err(AppError::Conflict("Two-step verification is already on.".to_owned()).into());
    }
    let url = totp::provisioning_url(&seed, email)?;
    Ok(MfaEnrolmentView {
        qr_svg: totp::qr_svg(&url)?,
        secret: totp::seed_to_base32(&seed),
        otpauth_url: url,
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
    finish_pending(state, principal.user_id.as_str(), client, code).await
}

/// Turns MFA on for `user_id` with the seed pending since
/// [`start_pending`], if `code` comes from it; returns the recovery codes.
async fn finish_pending(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    code: &str,
) -> Result<Vec<String>, ServiceError> {
    let pending: Option<Vec<u8>> =
        sqlx::query_scalar("select totp_pending from users where id = $1 and mfa_enabled = 0")
            .bind(user_id.to_owned())
            .fetch_optional(state.db.pool())
            .await
            .context("loading the pending seed")?
            .flatten();
    let Some(sealed) = pending else {
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
        decrypt_field(&key, &pending_aad(user_id), &sealed).context("opening the pending seed")?;
    let now = u64::try_from(now_ms() / 1000).context("clock before 1970")?;
    let Some(step) = totp::verify(&seed, code, now, None)? else {
        audit::record(
            &state.db,
            &AuditEntry::new("auth.mfa_enrolment", AuditResult::Failure)
                .actor(user_id.to_owned())
                .client(client.ip, client.user_agent.as_deref())
                .detail("invalid code"),
        )
        .await?;
        return Err(AppError::InvalidCode.into());
    };
    let codes = signin::set_totp_seed(state, user_id, &seed).await?;
    // The code just used must not sign in again (RFC 6238 §5.2).
    sqlx::query("update users set totp_pending = null, totp_last_step = $1 where id = $2")
        .bind(step)
        .bind(user_id.to_owned())
        .execute(state.db.pool())
        .await
        .context("finishing enrolment")?;
    Ok(codes)
}

/// Removes `user_id`'s TOTP seed (set or pending) and recovery codes, in
/// the caller's write: MFA is off until they set it up again.
pub(crate) async fn clear_mfa(conn: &mut AnyConnection, user_id: &str) -> anyhow::Result<()> {
    sqlx::query(
        "update users set totp_secret = null, totp_pending = null, mfa_enabled = 0, totp_last_step = null
         where id = $1",
    )
    .bind(user_id.to_owned())
    .execute(&mut *conn)
    .await
    .context("turning MFA off")?;
    sqlx::query("delete from recovery_codes where user_id = $1")
        .bind(user_id.to_owned())
        .execute(conn)
        .await
        .context("removing recovery codes")?;
    Ok(())
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
    clear_mfa(tx.conn(), &user_id).await?;
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

// --- Set-up at sign-in --------------------------------------------------------

/// How long a sign-in may wait on its MFA set-up after the password: long
/// enough to install an authenticator app, short enough that an abandoned
/// half sign-in does not linger.
const SETUP_WINDOW_MS: i64 = 15 * 60 * 1000;

/// The user whose password this session proved and who must now set up
/// MFA; anyone else is unauthorized.
async fn awaiting_setup(
    state: &AppState,
    session: &Session,
) -> Result<(SessionAuth, SetupRow), ServiceError> {
    let pending: Option<SessionAuth> =
        session.get(AUTH_KEY).await.context("reading the session")?;
    let Some(pending) = pending
        .filter(|p| p.stage == AuthStage::MfaSetup && now_ms() - p.signed_in_at < SETUP_WINDOW_MS)
    else {
        return Err(AppError::Unauthorized.into());
    };
    let row: SetupRow = sqlx::query_as(
        "select email, contact_id from users
         where id = $1 and disabled = 0 and mfa_enabled = 0 and coalesce(sessions_ended_at, 0) < $2",
    )
    .bind(pending.user_id.clone())
    .bind(pending.signed_in_at)
    .fetch_optional(state.db.pool())
    .await
    .context("loading the user setting up MFA")?
    .ok_or(AppError::Unauthorized)?;
    Ok((pending, row))
}

#[derive(sqlx::FromRow)]
struct SetupRow {
    email: String,
    contact_id: Option<String>,
}

/// Starts the set-up that a sign-in is waiting on: a seed and its QR code.
/// The password was given moments ago, so it is not asked again.
pub async fn begin_mfa_setup(
    state: &AppState,
    session: &Session,
) -> Result<MfaEnrolmentView, ServiceError> {
    let (pending, row) = awaiting_setup(state, session).await?;
    start_pending(state, &pending.user_id, &row.email).await
}

/// Finishes that set-up with a first code and completes the sign-in: the
/// session id rotates, as at every sign-in. Answers the recovery codes,
/// shown once.
pub async fn confirm_mfa_setup(
    state: &AppState,
    session: &Session,
    client: &ClientInfo,
    code: &str,
) -> Result<Vec<String>, ServiceError> {
    let (pending, row) = awaiting_setup(state, session).await?;
    let codes = finish_pending(state, &pending.user_id, client, code).await?;
    session
        .cycle_id()
        .await
        .context("rotating the session id")?;
    let mut tx = state.db.begin_write().await?;
    signin::signed_in_fully(tx.conn(), &row.email, &pending.user_id).await?;
    signin::complete(
        &mut tx,
        session,
        client,
        &pending.user_id,
        row.contact_id.as_deref(),
        pending.signed_in_at,
        "auth.sign_in",
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}
