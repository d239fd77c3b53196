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
    throttle::{self, Counter, Reservation},
    totp,
};
use crate::domain::user::MAX_EMAIL_LEN;
use crate::{
    domain::{
        AppError,
        auth::{SignInStep, Throttle, normalise_email},
        ids::{ContactId, SessionId, UserId},
        role::Role,
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        crypto::{FieldAad, decrypt_field, encrypt_field, envelope_key_id, new_handle},
        db::WriteTx,
        new_id, now_ms,
        touchpoints::{self, NewTouchpoint},
    },
};

/// An MFA step must follow the password within this time.
const MFA_WINDOW_MS: i64 = 5 * 60 * 1000;
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
    let user = find_user(state, &email).await?;
    let mut counters = vec![Counter::account(&email)];
    counters.extend(client.ip.map(Counter::ip));
    if let Some(user) = &user {
        // A second-factor lock locks the account for passwords too.
        counters.push(Counter::mfa(&user.id).lock_only());
    }
    let reservation = reserve_attempt(
        state,
        client,
        &counters,
        user.as_ref().map(|u| u.id.as_str()),
        now,
    )
    .await?;
    let decision = reservation.decision;

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
        let mut entry =
            AuditEntry::from_client(client, "auth.sign_in", AuditResult::Failure).detail(reason);
        if let Some(user) = &user {
            entry = entry.actor(user.id.clone()).object("user", user.id.clone());
        }
        // The attempt was counted when it was reserved.
        audit::record(&state.db, &entry).await?;
        return Err(AppError::InvalidCredentials.into());
    };

    let role = Role::parse(&user.role).context("a user has an unknown role")?;
    // A new session id at every privilege change defeats session fixation.
    session
        .cycle_id()
        .await
        .context("rotating the session id")?;
    let mut tx = state.db.begin_write().await?;
    if role.is_firm() || user.mfa_enabled != 0 {
        // Only the whole sign-in clears the account's counters: until the
        // second factor is given, the password step just gives back its own
        // attempt, so "right password, wrong codes" can never reset a count.
        throttle::refund(tx.conn(), &reservation).await?;
        // A firm user without MFA (a colleague's first sign-in, or after an
        // admin reset it) sets it up before anything else works.
        let (auth_stage, next, detail) = if user.mfa_enabled != 0 {
            (
                AuthStage::Password,
                SignInStep::MfaRequired,
                "awaiting MFA code",
            )
        } else {
            (
                AuthStage::MfaSetup,
                SignInStep::MfaSetupRequired,
                "awaiting MFA set-up",
            )
        };
        let pending = SessionAuth {
            handle: String::new(),
            user_id: user.id.clone(),
            stage: auth_stage,
            signed_in_at: now,
            last_seen_at: now,
        };
        session
            .insert(AUTH_KEY, pending)
            .await
            .context("storing the sign-in state")?;
        audit::append(
            &mut tx,
            &AuditEntry::from_client(client, "auth.password_verified", AuditResult::Success)
                .actor(user.id.clone())
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        return Ok(next);
    }
    throttle::refund(tx.conn(), &reservation).await?;
    signed_in_fully(tx.conn(), &email, &user.id).await?;
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

/// Reserves an attempt against `counters` in a write of its own, committed
/// before any hashing, and audits any lock it engaged.
async fn reserve_attempt(
    state: &AppState,
    client: &ClientInfo,
    counters: &[Counter],
    user_id: Option<&str>,
    now: i64,
) -> anyhow::Result<Reservation> {
    let mut tx = state.db.begin_write().await?;
    let reservation = throttle::reserve(tx.conn(), counters, now).await?;
    for lock in &reservation.locked {
        let action = lock.scope.lock_action();
        let mut entry = AuditEntry::from_client(client, action, AuditResult::Denied).detail(
            format!("{} failed {} attempts", lock.failures, lock.scope.what()),
        );
        if let Some(user_id) = user_id.filter(|_| action == "auth.account_locked") {
            entry = entry
                .actor(user_id.to_owned())
                .object("user", user_id.to_owned());
        }
        audit::append(&mut tx, &entry).await?;
        tracing::warn!(kind = action, "sign-in lock engaged");
    }
    tx.commit().await?;
    Ok(reservation)
}

/// After every factor succeeded, the account's password and second-factor
/// counters are forgotten. Network counters are never cleared by one
/// success (anyone with an account of their own could otherwise wipe the
/// count of their guesses at others'); callers refund the attempt instead.
pub(super) async fn signed_in_fully(
    conn: &mut AnyConnection,
    email: &str,
    user_id: &str,
) -> anyhow::Result<()> {
    throttle::clear(&mut *conn, &Counter::account(email)).await?;
    throttle::clear(conn, &Counter::mfa(user_id)).await
}

/// Re-checks the signed-in user's password before a change to how they
/// sign in (setting up or turning off two-step verification). It goes
/// through the same throttle as signing in, so it is no free password
/// oracle for someone holding a session, and failures are audited.
pub async fn reauthenticate(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    password: SecretString,
    action: &str,
) -> Result<(), ServiceError> {
    use secrecy::ExposeSecret as _;
    if password.expose_secret().len() > MAX_PASSWORD_BYTES {
        return Err(AppError::InvalidCredentials.into());
    }
    let user_id = principal.user_id.to_string();
    let mut counters = vec![Counter::account(&normalise_email(&principal.email))];
    counters.extend(client.ip.map(Counter::ip));
    counters.push(Counter::mfa(&user_id).lock_only());
    let reservation = reserve_attempt(state, client, &counters, Some(&user_id), now_ms()).await?;
    let decision = reservation.decision;
    let hash: Option<String> = if decision == Throttle::Allow {
        sqlx::query_scalar("select password_hash from users where id = $1")
            .bind(user_id.clone())
            .fetch_optional(state.db.pool())
            .await
            .context("loading the password hash")?
            .flatten()
    } else {
        None
    };
    if !state.hasher.verify(password, hash).await? {
        let reason = if decision == Throttle::Allow {
            "wrong password"
        } else {
            "throttled"
        };
        audit::record(
            &state.db,
            &AuditEntry::from_client(client, action, AuditResult::Failure)
                .actor(user_id)
                .detail(reason),
        )
        .await?;
        return Err(AppError::InvalidCredentials.into());
    }
    let mut tx = state.db.begin_write().await?;
    throttle::refund(tx.conn(), &reservation).await?;
    tx.commit().await?;
    Ok(())
}

/// Finishes a sign-in: a `user_sessions` row, the session state, the audit
/// row and, for clients, a touchpoint.
pub(super) async fn complete(
    tx: &mut WriteTx,
    session: &Session,
    client: &ClientInfo,
    user_id: &str,
    contact_id: Option<&str>,
    signed_in_at: i64,
    action: &str,
) -> anyhow::Result<()> {
    let now = now_ms();
    let handle = SessionId::from_trusted(new_handle()?);
    session::create_user_session(tx.conn(), &handle, user_id, client, now).await?;
    let auth = SessionAuth {
        handle: handle.into(),
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
        &AuditEntry::from_client(client, action, AuditResult::Success).actor(user_id.to_owned()),
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
        "select email, contact_id, totp_secret, totp_last_step from users
         where id = $1 and disabled = 0 and coalesce(sessions_ended_at, 0) < $2",
    )
    .bind(pending.user_id.clone())
    .bind(pending.signed_in_at)
    .fetch_optional(state.db.pool())
    .await
    .context("loading the user's MFA settings")?
    .ok_or(AppError::Unauthorized)?;

    let mut counters = vec![
        Counter::account(&row.email).lock_only(),
        Counter::mfa(&pending.user_id),
    ];
    counters.extend(client.ip.map(Counter::mfa_ip));
    let reservation =
        reserve_attempt(state, client, &counters, Some(&pending.user_id), now).await?;
    let decision = reservation.decision;

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
        let spent = match by_totp {
            // Inside the write and conditional, so two requests racing with
            // one code cannot both spend it (RFC 6238 §5.2).
            Some(step) => spend_totp_step(tx.conn(), &pending.user_id, step).await?,
            None => false,
        };
        if spent {
            Some("totp")
        } else {
            let key = recovery_code_key(state).await?;
            use_recovery_code(tx.conn(), &key, &pending.user_id, code, now)
                .await?
                .then_some("recovery code")
        }
    } else {
        None
    };

    let Some(method) = accepted else {
        let detail = if decision == Throttle::Allow {
            "invalid code"
        } else {
            "throttled"
        };
        audit::append(
            &mut tx,
            &AuditEntry::from_client(client, "auth.mfa", AuditResult::Failure)
                .actor(pending.user_id.clone())
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::InvalidCode.into());
    };

    throttle::refund(tx.conn(), &reservation).await?;
    signed_in_fully(tx.conn(), &row.email, &pending.user_id).await?;
    audit::append(
        &mut tx,
        &AuditEntry::from_client(client, "auth.mfa", AuditResult::Success)
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

/// Records `step` as the user's last accepted TOTP step, only if it is later
/// than the one stored. Returns false when another request spent it first.
async fn spend_totp_step(
    conn: &mut AnyConnection,
    user_id: &str,
    step: i64,
) -> anyhow::Result<bool> {
    let spent = sqlx::query(
        "update users set totp_last_step = $1
         where id = $2 and (totp_last_step is null or totp_last_step < $1)",
    )
    .bind(step)
    .bind(user_id.to_owned())
    .execute(conn)
    .await
    .context("recording the TOTP step")?;
    Ok(spent.rows_affected() == 1)
}

/// Marks a matching unused recovery code as used. Recovery codes are
/// formatted `xxxxx-xxxxx`; case and dashes are ignored.
async fn use_recovery_code(
    conn: &mut AnyConnection,
    key: &RecoveryCodeKey,
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
    let hash = key.hash(user_id, &legacy_recovery_code_hash(&normalised))?;
    let used = sqlx::query(
        "update recovery_codes set used_at = $1
         where user_id = $2 and code_hash = $3 and keyed = 1 and used_at is null",
    )
    .bind(now)
    .bind(user_id.to_owned())
    .bind(hash)
    .execute(conn)
    .await
    .context("using a recovery code")?;
    Ok(used.rows_affected() == 1)
}

/// The key recovery codes are hashed with. A code has about 50 bits, so a
/// plain hash of it falls to an offline search from a database copy; keyed
/// with a secret that lives only under the keyring (derived from the firm
/// data key, which key rotation re-wraps but never changes), the hashes in
/// a stolen database are useless on their own.
pub struct RecoveryCodeKey(zeroize::Zeroizing<[u8; 32]>);

impl RecoveryCodeKey {
    /// The stored form of a recovery code: HMAC-SHA-256 over the user id and
    /// the code's SHA-256, so equal codes of two users never hash alike.
    fn hash(&self, user_id: &str, code_sha256: &[u8]) -> anyhow::Result<Vec<u8>> {
        use hmac::Mac as _;
        let mut mac = hmac_sha256(self.0.as_slice())?;
        mac.update(user_id.as_bytes());
        mac.update(&[0]);
        mac.update(code_sha256);
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

/// Derives the [`RecoveryCodeKey`] from the firm data key.
pub async fn recovery_code_key(state: &AppState) -> anyhow::Result<RecoveryCodeKey> {
    use hmac::Mac as _;
    use secrecy::ExposeSecret as _;
    let firm = state.keys.firm_key(&state.db).await?;
    let mut mac = hmac_sha256(firm.expose_secret())?;
    mac.update(b"vellum recovery codes v1");
    let mut key = zeroize::Zeroizing::new([0_u8; 32]);
    key.copy_from_slice(&mac.finalize().into_bytes());
    Ok(RecoveryCodeKey(key))
}

fn hmac_sha256(key: &[u8]) -> anyhow::Result<hmac::Hmac<sha2::Sha256>> {
    <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(key)
        .map_err(|_| anyhow::anyhow!("HMAC refused its key"))
}

/// What earlier versions stored: the code's plain SHA-256. Now only the
/// input to the keyed hash, and the form [`upgrade_recovery_codes`] finds in
/// rows written before keyed hashing.
fn legacy_recovery_code_hash(normalised: &str) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(normalised.as_bytes()).to_vec()
}

/// Re-hashes recovery codes stored by earlier versions (a plain SHA-256)
/// with the keyed hash, in place. The plain hash is the keyed hash's input,
/// so no code is lost. Run at start-up; does nothing once all are keyed.
pub async fn upgrade_recovery_codes(state: &AppState) -> anyhow::Result<u64> {
    let legacy: Vec<(String, String, Vec<u8>)> =
        sqlx::query_as("select id, user_id, code_hash from recovery_codes where keyed = 0")
            .fetch_all(state.db.pool())
            .await
            .context("finding recovery codes to re-hash")?;
    if legacy.is_empty() {
        return Ok(0);
    }
    let key = recovery_code_key(state).await?;
    let mut tx = state.db.begin_write().await?;
    let mut upgraded = 0;
    for (id, user_id, plain) in legacy {
        upgraded += sqlx::query(
            "update recovery_codes set code_hash = $1, keyed = 1 where id = $2 and keyed = 0",
        )
        .bind(key.hash(&user_id, &plain)?)
        .bind(id)
        .execute(tx.conn())
        .await
        .context("re-hashing a recovery code")?
        .rows_affected();
    }
    tx.commit().await?;
    tracing::info!(upgraded, "re-hashed recovery codes with the keyed hash");
    Ok(upgraded)
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
    let recovery_key = recovery_code_key(state).await?;
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
        sqlx::query("insert into recovery_codes (id, user_id, code_hash, keyed, created_at) values ($1, $2, $3, 1, $4)")
            .bind(new_id())
            .bind(user_id.to_owned())
            .bind(recovery_key.hash(user_id, &legacy_recovery_code_hash(&normalised))?)
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

/// Changes the signed-in user's password from the account page: the
/// current one first (throttled and audited as a sign-in is), then the new
/// one against the same rules as ever. Every other session of theirs ends,
/// half-done sign-ins and the calendar feed included, so whoever learnt
/// the old password is shut out; this session stays.
pub async fn change_password(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    current: SecretString,
    new: SecretString,
) -> Result<u64, ServiceError> {
    use secrecy::ExposeSecret as _;
    reauthenticate(state, principal, client, current, "auth.password_changed").await?;
    crate::domain::auth::check_new_password(new.expose_secret(), &principal.email)
        .map_err(|problem| AppError::BadRequest(format!("New password: {problem}")))?;
    let hash = state.hasher.hash(new).await?;
    let mut tx = state.db.begin_write().await?;
    sqlx::query("update users set password_hash = $1 where id = $2")
        .bind(hash)
        .bind(principal.user_id.to_string())
        .execute(tx.conn())
        .await
        .context("storing the new password hash")?;
    let ended = sqlx::query("delete from user_sessions where user_id = $1 and handle <> $2")
        .bind(principal.user_id.to_string())
        .bind(principal.session_handle.clone())
        .execute(tx.conn())
        .await
        .context("ending the user's other sessions")?
        .rows_affected();
    // A sign-in half done with the old password (waiting on its code)
    // ends too, as does the calendar feed, as after a reset. This session
    // has its row, and the mark only refuses sign-ins without one.
    sqlx::query("update users set sessions_ended_at = $1 where id = $2")
        .bind(now_ms())
        .bind(principal.user_id.to_string())
        .execute(tx.conn())
        .await
        .context("ending half-done sign-ins")?;
    crate::server::calendar::revoke_feeds(tx.conn(), principal.user_id.as_str()).await?;
    audit::append(
        &mut tx,
        &AuditEntry::from_client(client, "auth.password_changed", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .detail(format!("{ended} other sessions ended")),
    )
    .await?;
    tx.commit().await.context("committing a password change")?;
    Ok(ended)
}

/// Signs out the current session.
pub async fn sign_out(
    state: &AppState,
    session: &Session,
    principal: &Principal,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let mut tx = state.db.begin_write().await?;
    let current = SessionId::from_trusted(principal.session_handle.clone());
    session::end_session(tx.conn(), &principal.user_id, &current).await?;
    audit::append(
        &mut tx,
        &AuditEntry::from_client(client, "auth.sign_out", AuditResult::Success)
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
    id: &SessionId,
) -> Result<(), ServiceError> {
    let mut tx = state.db.begin_write().await?;
    if !session::end_session(tx.conn(), &principal.user_id, id).await? {
        return Err(AppError::NotFound.into());
    }
    audit::append(
        &mut tx,
        &AuditEntry::from_client(client, "auth.session_ended", AuditResult::Success)
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
        &AuditEntry::from_client(client, "auth.session_ended", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .detail(format!("signed out everywhere ({ended} sessions)")),
    )
    .await?;
    tx.commit().await?;
    session.flush().await.context("clearing the session")?;
    Ok(())
}
