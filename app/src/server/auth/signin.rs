//! The sign-in use cases: password step, MFA step, sign-out, and the user's
//! sessions. Every outcome is audited; clients' sign-ins also land on their
//! CRM timeline.

use anyhow::Context as _;
use secrecy::SecretString;
use sqlx::AnyConnection;
use tower_sessions::Session;

use super::{
    ClientInfo, Principal,
    session::{self, AUTH_KEY, AuthStage, SessionAuth},
    throttle, totp,
};
use crate::{
    domain::{
        AppError,
        auth::{
            ACCOUNT_LOCK_FAILURES, IP_LOCK_FAILURES, SignInStep, Throttle, ThrottleState,
            normalise_email, record_failure,
        },
        ids::{ContactId, UserId},
        role::Role,
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        crypto::{FieldAad, decrypt_field, encrypt_field, envelope_key_id},
        db::WriteTx,
        new_id, now_ms,
        touchpoints::{self, NewTouchpoint},
    },
};

/// An MFA step must follow the password within this time.
const MFA_WINDOW_MS: i64 = 5 * 60 * 1000;
/// The longest email address (RFC 5321).
const MAX_EMAIL_LEN: usize = 254;
/// The longest password accepted at sign-in, in bytes, so a huge body cannot
/// buy a long hash.
const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(sqlx::FromRow)]
struct UserAuthRow {
    id: String,
    role: String,
    password_hash: Option<String>,
    contact_id: Option<String>,
    mfa_enabled: i64,
    disabled: i64,
}

async fn find_user(state: &AppState, email: &str) -> anyhow::Result<Option<UserAuthRow>> {
    sqlx::query_as(
        "select id, role, password_hash, contact_id, mfa_enabled, disabled from users where email = $1",
    )
    .bind(email.to_owned())
    .fetch_optional(state.db.pool())
    .await
    .context("looking up the user")
}

fn audit_entry(action: &str, result: AuditResult, client: &ClientInfo) -> AuditEntry {
    AuditEntry::new(action, result).client(client.ip, client.user_agent.as_deref())
}

/// The password step. Unknown email, wrong password, throttled and locked
/// accounts all get [`AppError::InvalidCredentials`] after the same work.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    client: &ClientInfo,
    email: &str,
    password: SecretString,
) -> Result<SignInStep, ServiceError> {
    use secrecy::ExposeSecret as _;
    let email = normalise_email(email);
    if email.len() > MAX_EMAIL_LEN || password.expose_secret().len() > MAX_PASSWORD_BYTES {
        return Err(AppError::BadRequest("The email or password is too long.".to_owned()).into());
    }
    let now = now_ms();
    let account_key = throttle::account_key(&email);
    let ip_key = client.ip.map(|ip| throttle::ip_key(&ip.to_string()));

    let mut decision =
        crate::domain::auth::throttle(throttle::load(&state.db, &account_key).await?, now);
    if let Some(ip_key) = &ip_key {
        let by_ip = crate::domain::auth::throttle(throttle::load(&state.db, ip_key).await?, now);
        decision = worse(decision, by_ip);
    }

    let user = find_user(state, &email).await?;
    let usable = user
        .as_ref()
        .filter(|u| u.disabled == 0 && decision == Throttle::Allow);
    // Always run one verification, against the dummy hash when there is
    // nothing real to check, so every failure costs the same time.
    let verified = state
        .hasher
        .verify(password, usable.and_then(|u| u.password_hash.clone()))
        .await?;

    let Some(user) = usable.filter(|_| verified) else {
        let reason = match (&user, decision) {
            (None, _) => "unknown account",
            (Some(_), Throttle::Locked) => "locked",
            (Some(_), Throttle::Wait) => "throttled",
            (Some(u), Throttle::Allow) if u.disabled != 0 => "disabled account",
            (Some(_), Throttle::Allow) => "wrong password",
        };
        let mut tx = state.db.begin_write().await?;
        let mut entry = audit_entry("auth.sign_in", AuditResult::Failure, client).detail(reason);
        if let Some(user) = &user {
            entry = entry.actor(user.id.clone()).object("user", user.id.clone());
        }
        audit::append(&mut tx, &entry).await?;
        count_failure(
            &mut tx,
            &account_key,
            ACCOUNT_LOCK_FAILURES,
            now,
            client,
            user.as_ref().map(|u| u.id.as_str()),
        )
        .await?;
        if let Some(ip_key) = &ip_key {
            count_failure(&mut tx, ip_key, IP_LOCK_FAILURES, now, client, None).await?;
        }
        tx.commit().await?;
        return Err(AppError::InvalidCredentials.into());
    };

    let role = Role::parse(&user.role).context("a user has an unknown role")?;
    // A new session id at every privilege change defeats session fixation.
    session
        .cycle_id()
        .await
        .context("rotating the session id")?;
    let mut tx = state.db.begin_write().await?;
    throttle::clear(tx.conn(), &account_key).await?;
    if role.is_firm() || user.mfa_enabled != 0 {
        let pending = SessionAuth {
            handle: String::new(),
            user_id: user.id.clone(),
            stage: AuthStage::Password,
            signed_in_at: now,
            last_seen_at: now,
        };
        session
            .insert(AUTH_KEY, pending)
            .await
            .context("storing the sign-in state")?;
        audit::append(
            &mut tx,
            &audit_entry("auth.password_verified", AuditResult::Success, client)
                .actor(user.id.clone())
                .detail("awaiting MFA code"),
        )
        .await?;
        tx.commit().await?;
        return Ok(SignInStep::MfaRequired);
    }
    complete(
        &mut tx,
        session,
        client,
        &user.id,
        user.contact_id.as_deref(),
        now,
        "auth.sign_in",
    )
    .await?;
    tx.commit().await?;
    Ok(SignInStep::Done)
}

fn worse(a: Throttle, b: Throttle) -> Throttle {
    match (a, b) {
        (Throttle::Locked, _) | (_, Throttle::Locked) => Throttle::Locked,
        (Throttle::Wait, _) | (_, Throttle::Wait) => Throttle::Wait,
        _ => Throttle::Allow,
    }
}

async fn count_failure(
    tx: &mut WriteTx,
    key: &str,
    lock_at: i64,
    now: i64,
    client: &ClientInfo,
    user_id: Option<&str>,
) -> anyhow::Result<()> {
    let previous: Option<ThrottleState> = throttle::load_for_update(tx.conn(), key).await?;
    let (next, locked) = record_failure(previous, now, lock_at);
    throttle::store(tx.conn(), key, next).await?;
    if locked {
        let what = if key.starts_with("ip:") {
            "auth.ip_locked"
        } else {
            "auth.account_locked"
        };
        let mut entry = audit_entry(what, AuditResult::Denied, client)
            .detail(format!("{} failed attempts", next.failures));
        if let Some(user_id) = user_id {
            entry = entry
                .actor(user_id.to_owned())
                .object("user", user_id.to_owned());
        }
        audit::append(tx, &entry).await?;
        tracing::warn!(kind = what, "sign-in lock engaged");
    }
    Ok(())
}

/// Finishes a sign-in: a `user_sessions` row, the session state, the audit
/// row and, for clients, a touchpoint.
async fn complete(
    tx: &mut WriteTx,
    session: &Session,
    client: &ClientInfo,
    user_id: &str,
    contact_id: Option<&str>,
    signed_in_at: i64,
    action: &str,
) -> anyhow::Result<()> {
    let now = now_ms();
    let handle = new_handle()?;
    session::create_user_session(tx.conn(), &handle, user_id, client, now).await?;
    let auth = SessionAuth {
        handle,
        user_id: user_id.to_owned(),
        stage: AuthStage::Complete,
        signed_in_at,
        last_seen_at: now,
    };
    session
        .insert(AUTH_KEY, auth)
        .await
        .context("storing the sign-in state")?;
    audit::append(
        tx,
        &audit_entry(action, AuditResult::Success, client).actor(user_id.to_owned()),
    )
    .await?;
    if let Some(contact_id) = contact_id {
        touchpoints::record(
            tx,
            &NewTouchpoint {
                contact_id: ContactId::from_trusted(contact_id.to_owned()),
                matter_id: None,
                kind: "portal.sign_in".to_owned(),
                summary: "Signed in to the portal".to_owned(),
                actor_user_id: Some(UserId::from_trusted(user_id.to_owned())),
            },
        )
        .await?;
    }
    Ok(())
}

/// 32 random bytes, base64url: a session handle or a one-time token.
pub fn new_handle() -> anyhow::Result<String> {
    use base64::Engine as _;
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("the OS random generator failed: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[derive(sqlx::FromRow)]
struct MfaRow {
    email: String,
    contact_id: Option<String>,
    totp_secret: Option<Vec<u8>>,
    totp_last_step: Option<i64>,
}

/// The MFA step: a current TOTP code or an unused recovery code.
#[tracing::instrument(skip_all)]
pub async fn verify_mfa(
    state: &AppState,
    session: &Session,
    client: &ClientInfo,
    code: &str,
) -> Result<(), ServiceError> {
    let now = now_ms();
    let pending: Option<SessionAuth> =
        session.get(AUTH_KEY).await.context("reading the session")?;
    let Some(pending) =
        pending.filter(|p| p.stage == AuthStage::Password && now - p.signed_in_at < MFA_WINDOW_MS)
    else {
        return Err(AppError::Unauthorized.into());
    };
    if code.len() > 64 {
        return Err(AppError::InvalidCode.into());
    }
    let row: MfaRow = sqlx::query_as(
        "select email, contact_id, totp_secret, totp_last_step from users where id = $1 and disabled = 0",
    )
    .bind(pending.user_id.clone())
    .fetch_optional(state.db.pool())
    .await
    .context("loading the user's MFA settings")?
    .ok_or(AppError::Unauthorized)?;

    let account_key = throttle::account_key(&row.email);
    let decision =
        crate::domain::auth::throttle(throttle::load(&state.db, &account_key).await?, now);

    let mut tx = state.db.begin_write().await?;
    let accepted = if decision == Throttle::Allow {
        let by_totp = match &row.totp_secret {
            Some(sealed) => {
                let seed = open_totp_seed(state, &pending.user_id, sealed).await?;
                let unix_seconds = u64::try_from(now / 1000).context("clock before 1970")?;
                totp::verify(&seed, code, unix_seconds, row.totp_last_step)?
            }
            None => None,
        };
        match by_totp {
            Some(step) => {
                sqlx::query("update users set totp_last_step = $1 where id = $2")
                    .bind(step)
                    .bind(pending.user_id.clone())
                    .execute(tx.conn())
                    .await
                    .context("recording the TOTP step")?;
                Some("totp")
            }
            None => use_recovery_code(tx.conn(), &pending.user_id, code, now)
                .await?
                .then_some("recovery code"),
        }
    } else {
        None
    };

    let Some(method) = accepted else {
        audit::append(
            &mut tx,
            &audit_entry("auth.mfa", AuditResult::Failure, client)
                .actor(pending.user_id.clone())
                .detail("invalid code"),
        )
        .await?;
        count_failure(
            &mut tx,
            &account_key,
            ACCOUNT_LOCK_FAILURES,
            now,
            client,
            Some(&pending.user_id),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::InvalidCode.into());
    };

    throttle::clear(tx.conn(), &account_key).await?;
    audit::append(
        &mut tx,
        &audit_entry("auth.mfa", AuditResult::Success, client)
            .actor(pending.user_id.clone())
            .detail(method),
    )
    .await?;
    // The code is spent whatever happens next, so commit before rotating:
    // the session store writes through its own connection, which must not
    // wait on this transaction's lock.
    tx.commit().await?;
    session
        .cycle_id()
        .await
        .context("rotating the session id")?;
    let mut tx = state.db.begin_write().await?;
    complete(
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
    Ok(())
}

/// Marks a matching unused recovery code as used. Recovery codes are
/// formatted `xxxxx-xxxxx`; case and dashes are ignored.
async fn use_recovery_code(
    conn: &mut AnyConnection,
    user_id: &str,
    code: &str,
    now: i64,
) -> anyhow::Result<bool> {
    let normalised: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    if normalised.len() != 10 {
        return Ok(false);
    }
    let hash = recovery_code_hash(&normalised);
    let used = sqlx::query(
        "update recovery_codes set used_at = $1 where user_id = $2 and code_hash = $3 and used_at is null",
    )
    .bind(now)
    .bind(user_id.to_owned())
    .bind(hash)
    .execute(conn)
    .await
    .context("using a recovery code")?;
    Ok(used.rows_affected() == 1)
}

/// The stored form of a recovery code.
pub fn recovery_code_hash(normalised: &str) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(normalised.as_bytes()).to_vec()
}

/// Where a user's TOTP seed is sealed.
fn totp_aad(user_id: &str) -> FieldAad<'_> {
    FieldAad {
        table: "users",
        column: "totp_secret",
        row_id: user_id,
    }
}

async fn open_totp_seed(
    state: &AppState,
    user_id: &str,
    sealed: &[u8],
) -> anyhow::Result<zeroize::Zeroizing<Vec<u8>>> {
    let key_id = envelope_key_id(sealed)
        .context("reading a TOTP seed envelope")?
        .to_owned();
    let key = state.keys.key_by_id(&state.db, &key_id).await?;
    decrypt_field(&key, &totp_aad(user_id), sealed).context("decrypting a TOTP seed")
}

/// Stores a TOTP seed for a user, sealed with the firm data key, and turns
/// MFA on. Returns fresh recovery codes (shown once, stored hashed).
pub async fn set_totp_seed(
    state: &AppState,
    user_id: &str,
    seed: &[u8],
) -> anyhow::Result<Vec<String>> {
    let key = state.keys.firm_key(&state.db).await?;
    let sealed = encrypt_field(&key, &totp_aad(user_id), seed).context("sealing a TOTP seed")?;
    let codes = (0..10)
        .map(|_| new_recovery_code())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "update users set totp_secret = $1, mfa_enabled = 1, totp_last_step = null where id = $2",
    )
    .bind(sealed)
    .bind(user_id.to_owned())
    .execute(tx.conn())
    .await
    .context("storing the TOTP seed")?;
    sqlx::query("delete from recovery_codes where user_id = $1")
        .bind(user_id.to_owned())
        .execute(tx.conn())
        .await
        .context("replacing recovery codes")?;
    for code in &codes {
        let normalised: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
        sqlx::query("insert into recovery_codes (id, user_id, code_hash, created_at) values ($1, $2, $3, $4)")
            .bind(new_id())
            .bind(user_id.to_owned())
            .bind(recovery_code_hash(&normalised))
            .bind(now_ms())
            .execute(tx.conn())
            .await
            .context("storing a recovery code")?;
    }
    audit::append(
        &mut tx,
        &AuditEntry::new("auth.mfa_enrolled", AuditResult::Success).actor(user_id.to_owned()),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// A recovery code: 10 random characters from an unambiguous alphabet, shown
/// as `xxxxx-xxxxx`. About 50 bits each, far beyond guessing under throttling.
fn new_recovery_code() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0_u8; 10];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("the OS random generator failed: {e}"))?;
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{}", &chars[..5], &chars[5..]))
}

/// Sets a user's password (already checked against the rules by the caller).
pub async fn set_password(
    state: &AppState,
    user_id: &str,
    password: SecretString,
) -> anyhow::Result<()> {
    let hash = state.hasher.hash(password).await?;
    sqlx::query("update users set password_hash = $1 where id = $2")
        .bind(hash)
        .bind(user_id.to_owned())
        .execute(state.db.pool())
        .await
        .context("storing the password hash")?;
    Ok(())
}

/// Signs out the current session.
pub async fn sign_out(
    state: &AppState,
    session: &Session,
    principal: &Principal,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let mut tx = state.db.begin_write().await?;
    session::end_session(
        tx.conn(),
        principal.user_id.as_str(),
        &principal.session_handle,
    )
    .await?;
    audit::append(
        &mut tx,
        &audit_entry("auth.sign_out", AuditResult::Success, client)
            .actor(principal.user_id.to_string()),
    )
    .await?;
    tx.commit().await?;
    session.flush().await.context("clearing the session")?;
    Ok(())
}

/// Ends one of the principal's sessions (by its id on the sessions page).
/// Another user's session, or one that does not exist, is not found.
pub async fn end_session(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &str,
) -> Result<(), ServiceError> {
    let mut tx = state.db.begin_write().await?;
    if !session::end_session(tx.conn(), principal.user_id.as_str(), id).await? {
        return Err(AppError::NotFound.into());
    }
    audit::append(
        &mut tx,
        &audit_entry("auth.session_ended", AuditResult::Success, client)
            .actor(principal.user_id.to_string())
            .object("session", "one"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the principal, this one included.
pub async fn sign_out_everywhere(
    state: &AppState,
    session: &Session,
    principal: &Principal,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let mut tx = state.db.begin_write().await?;
    let ended = session::end_all_sessions(tx.conn(), principal.user_id.as_str()).await?;
    crate::server::calendar::revoke_feeds(tx.conn(), principal.user_id.as_str()).await?;
    audit::append(
        &mut tx,
        &audit_entry("auth.session_ended", AuditResult::Success, client)
            .actor(principal.user_id.to_string())
            .detail(format!("signed out everywhere ({ended} sessions)")),
    )
    .await?;
    tx.commit().await?;
    session.flush().await.context("clearing the session")?;
    Ok(())
}
