//! Joining the portal and recovering an account (DESIGN §2.1): staff invite
//! a CRM contact, the contact sets a password through a one-time link, and
//! anyone can ask for a password reset link by email.
//!
//! Both links are 32 random bytes (`signin::new_handle`) of which only the
//! SHA-256 is stored. A link is spent by one conditional `update … where
//! used_at is null and expires_at > now`, so two racing submissions cannot
//! both use it. Expired, used, unknown and malformed links all get
//! [`LINK_NO_LONGER_VALID`].

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::AnyConnection;

use crate::domain::user::MAX_EMAIL_LEN;
use crate::domain::{
    AppError,
    auth::{check_new_password, normalise_email},
    ids::{ContactId, UserId},
    invitation::{
        INVITATION_TTL_MS, LINK_NO_LONGER_VALID, MAX_RESETS_PER_WINDOW, OneTimeLinkView,
        RESET_TTL_MS, RESET_WINDOW_MS, check_confirmation, is_well_formed_token,
    },
    policy::may_invite,
};

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal, session},
    crypto::{new_handle, token_hash},
    db::{Db, WriteTx},
    new_id, now_ms,
    outbox::{self, EmailKind, NewEmail},
    touchpoints::{self, NewTouchpoint},
};

/// The longest password accepted, in bytes, so a huge body cannot buy a
/// long hash.
const MAX_PASSWORD_BYTES: usize = 1024;

/// A fresh token and its stored hash.
fn new_token() -> anyhow::Result<(String, Vec<u8>)> {
    let token = new_handle()?;
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// A unique index refused a row that a pre-check in the same transaction
/// did not see (a concurrent insert on PostgreSQL): a conflict, not a fault.
/// Classified by the error kind, never by message text.
pub(super) fn unique_as_conflict(err: sqlx::Error, message: &str) -> ServiceError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::Conflict(message.to_owned()).into()
        }
        _ => err.into(),
    }
}

// --- Inviting -------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct InviteeRow {
    given_name: String,
    family_name: String,
    email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PortalUserRow {
    id: String,
    has_password: i64,
    disabled: i64,
}

/// Invites a contact to the portal: creates their client user (or reuses
/// the one an earlier invitation created), replaces any earlier unused
/// invitation, and queues an email with a one-time link valid for 7 days.
/// Users the policy does not allow to invite, and unknown contacts, get
/// "not found".
pub async fn invite_contact(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    contact_id: &ContactId,
) -> Result<(), ServiceError> {
    if !may_invite(&principal.subject()) {
        let mut tx = state.db.begin_write().await?;
        audit::append(
            &mut tx,
            &AuditEntry::from_client(client, "user.invited", AuditResult::Denied)
                .actor(principal.user_id.to_string())
                .object("contact", contact_id.to_string()),
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::NotFound.into());
    }
    // Fetched before the write: fetching may create the key, which takes
    // the writer too.
    let firm_key = state.keys.firm_key(&state.db).await?;
    let mut tx = state.db.begin_write().await?;
    invite_in(state, &mut tx, &firm_key, principal, client, contact_id).await?;
    tx.commit().await?;
    Ok(())
}

/// The invitation of [`invite_contact`], inside the caller's write and
/// after its policy check: the portal user (new, or the one an earlier
/// invitation made), the link, the email, the touchpoint and the audit row.
/// Answers the portal user's id.
pub(super) async fn invite_in(
    state: &AppState,
    tx: &mut WriteTx,
    firm_key: &super::crypto::DataKey,
    principal: &Principal,
    client: &ClientInfo,
    contact_id: &ContactId,
) -> Result<UserId, ServiceError> {
    let now = now_ms();
    let contact: InviteeRow =
        sqlx::query_as("select given_name, family_name, email from contacts where id = $1")
            .bind(contact_id.as_str().to_owned())
            .fetch_optional(tx.conn())
            .await
            .context("loading the contact to invite")?
            .ok_or(AppError::NotFound)?;
    let email = normalise_email(contact.email.as_deref().unwrap_or_default());
    if email.is_empty() {
        return Err(AppError::BadRequest(
            "This contact has no email address. Add one before inviting them.".to_owned(),
        )
        .into());
    }
    if email.len() > MAX_EMAIL_LEN {
        return Err(
            AppError::BadRequest("This contact's email address is too long.".to_owned()).into(),
        );
    }
    let display_name = format!("{} {}", contact.given_name, contact.family_name);
    let user_id = upsert_portal_user(tx.conn(), contact_id, &email, &display_name, now).await?;

    let token = issue_invitation(
        tx,
        &UserId::from_trusted(user_id.clone()),
        Some(contact_id),
        &principal.user_id,
        now,
    )
    .await?;

    let body = invitation_body(
        &state.public_url,
        &contact.given_name,
        &principal.display_name,
        &token,
    );
    outbox::enqueue(
        tx,
        firm_key,
        &NewEmail {
            kind: EmailKind::Invitation,
            to: &email,
            subject: "Your invitation to the client portal",
            body: &body,
        },
    )
    .await?;
    touchpoints::record(
        tx,
        &NewTouchpoint {
            contact_id: contact_id.clone(),
            matter_id: None,
            kind: "portal.invited".to_owned(),
            summary: "Invited to the portal".to_owned(),
            actor_user_id: Some(principal.user_id.clone()),
        },
    )
    .await?;
    audit::append(
        tx,
        &AuditEntry::from_client(client, "user.invited", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .object("user", user_id.clone())
            .detail(format!("contact {contact_id}")),
    )
    .await?;
    Ok(UserId::from_trusted(user_id))
}

/// Stores a new invitation for `user_id` (and, for a client, the contact
/// they are) and answers its one-time token, for the email. Only the
/// newest invitation works: an older link, perhaps forwarded or lying in
/// an old mailbox, stops working.
pub(super) async fn issue_invitation(
    tx: &mut WriteTx,
    user_id: &UserId,
    contact_id: Option<&ContactId>,
    invited_by: &UserId,
    now: i64,
) -> Result<String, ServiceError> {
    sqlx::query(
        "update invitations set expires_at = $1
         where user_id = $2 and used_at is null and expires_at > $1",
    )
    .bind(now)
    .bind(user_id.clone())
    .execute(tx.conn())
    .await
    .context("retiring earlier invitations")?;
    let (token, hash) = new_token()?;
    sqlx::query(
        "insert into invitations (id, user_id, contact_id, token_hash, invited_by, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(user_id.clone())
    .bind(contact_id.cloned())
    .bind(hash)
    .bind(invited_by.clone())
    .bind(now)
    .bind(now + INVITATION_TTL_MS)
    .execute(tx.conn())
    .await
    .context("storing the invitation")?;
    Ok(token)
}

/// The contact's client user: the existing one if it has no password yet
/// (its email follows the contact's), or a new one. A contact who already
/// has portal access, or whose address another user has, is a conflict.
async fn upsert_portal_user(
    conn: &mut AnyConnection,
    contact_id: &ContactId,
    email: &str,
    display_name: &str,
    now: i64,
) -> Result<String, ServiceError> {
    const TAKEN: &str = "Another account already uses this email address.";
    let existing: Option<PortalUserRow> = sqlx::query_as(
        "select id, cast(case when password_hash is null then 0 else 1 end as bigint) as has_password, disabled
         from users where contact_id = $1",
    )
    .bind(contact_id.as_str().to_owned())
    .fetch_optional(&mut *conn)
    .await
    .context("looking for the contact's portal user")?;
    if let Some(user) = &existing {
        if user.disabled != 0 {
            return Err(AppError::Conflict(
                "This contact's portal account is disabled.".to_owned(),
            )
            .into());
        }
        if user.has_password != 0 {
            return Err(AppError::Conflict(
                "This contact already has portal access. They can reset their password from the sign-in page.".to_owned(),
            )
            .into());
        }
    }
    let taken: Option<(String,)> = sqlx::query_as("select id from users where email = $1")
        .bind(email.to_owned())
        .fetch_optional(&mut *conn)
        .await
        .context("checking the email is free")?;
    if taken
        .as_ref()
        .is_some_and(|(id,)| existing.as_ref().is_none_or(|user| &user.id != id))
    {
        return Err(AppError::Conflict(TAKEN.to_owned()).into());
    }
    if let Some(user) = existing {
        sqlx::query("update users set email = $1, display_name = $2 where id = $3")
            .bind(email.to_owned())
            .bind(display_name.to_owned())
            .bind(user.id.clone())
            .execute(&mut *conn)
            .await
            .map_err(|e| unique_as_conflict(e, TAKEN))?;
        Ok(user.id)
    } else {
        let id = new_id();
        sqlx::query(
            "insert into users (id, email, display_name, role, contact_id, created_at)
             values ($1, $2, $3, 'client', $4, $5)",
        )
        .bind(id.clone())
        .bind(email.to_owned())
        .bind(display_name.to_owned())
        .bind(contact_id.as_str().to_owned())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(|e| unique_as_conflict(e, TAKEN))?;
        Ok(id)
    }
}

/// The invitation email. It holds the one-time link and nothing else
/// secret.
fn invitation_body(base: &str, given_name: &str, inviter: &str, token: &str) -> String {
    format!(
        "Hello {given_name},\n\n\
         {inviter} has invited you to your law firm's secure client portal, where you can \
         follow your matters, read documents and message your lawyers.\n\n\
         To accept, open this link on the portal and choose a password:\n\n\
         {base}/invite/{token}\n\n\
         The link works once and expires in 7 days. If you did not expect this email, \
         you can ignore it.\n"
    )
}

/// The password reset email.
fn reset_body(base: &str, token: &str) -> String {
    format!(
        "Hello,\n\n\
         Someone asked to reset the password of your client portal account. To choose a \
         new password, open this link on the portal:\n\n\
         {base}/reset/{token}\n\n\
         The link works once and expires in 1 hour. Setting a new password signs you out \
         everywhere. If you did not ask for this, ignore this email: your password stays \
         as it is.\n"
    )
}

// --- One-time links ----------------------------------------------------------

/// The two kinds of one-time link. Their tables have the same shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Invitation,
    Reset,
}

impl Link {
    fn table(self) -> &'static str {
        match self {
            Self::Invitation => "invitations",
            Self::Reset => "password_resets",
        }
    }
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    user_id: String,
    email: String,
    contact_id: Option<String>,
}

/// The user a working link belongs to: unused, unexpired, and the user
/// still enabled. Anything else is `None`, whatever the reason.
async fn find_link(db: &Db, link: Link, token: &str) -> anyhow::Result<Option<LinkRow>> {
    if !is_well_formed_token(token) {
        return Ok(None);
    }
    sqlx::query_as(&format!(
        "select l.user_id, u.email, u.contact_id
         from {} l join users u on u.id = l.user_id
         where l.token_hash = $1 and l.used_at is null and l.expires_at > $2 and u.disabled = 0",
        link.table()
    ))
    .bind(token_hash(token))
    .bind(now_ms())
    .fetch_optional(db.pool())
    .await
    .context("looking up a one-time link")
}

/// What the invitation page shows for `token`; `None` when the link does
/// not work.
pub async fn get_invitation(db: &Db, token: &str) -> Result<Option<OneTimeLinkView>, ServiceError> {
    Ok(find_link(db, Link::Invitation, token)
        .await?
        .map(|row| OneTimeLinkView { email: row.email }))
}

/// What the reset page shows for `token`; `None` when the link does not
/// work.
pub async fn get_password_reset(
    db: &Db,
    token: &str,
) -> Result<Option<OneTimeLinkView>, ServiceError> {
    Ok(find_link(db, Link::Reset, token)
        .await?
        .map(|row| OneTimeLinkView { email: row.email }))
}

fn link_invalid() -> ServiceError {
    AppError::BadRequest(LINK_NO_LONGER_VALID.to_owned()).into()
}

/// Checks a set-password form and hashes the password: the link works, the
/// two fields match, and the password follows the rules. Hashing happens
/// here, before any transaction, because it is slow.
async fn prepare_password(
    state: &AppState,
    link: Link,
    token: &str,
    password: &SecretString,
    confirm: &SecretString,
) -> Result<(LinkRow, String), ServiceError> {
    if password.expose_secret().len() > MAX_PASSWORD_BYTES
        || confirm.expose_secret().len() > MAX_PASSWORD_BYTES
    {
        return Err(AppError::BadRequest("The password is too long.".to_owned()).into());
    }
    // Checked before the password, so a dead link is reported as such and
    // costs no hashing.
    let row = find_link(&state.db, link, token)
        .await?
        .ok_or_else(link_invalid)?;
    check_confirmation(password.expose_secret(), confirm.expose_secret())
        .map_err(AppError::BadRequest)?;
    check_new_password(password.expose_secret(), &row.email).map_err(AppError::BadRequest)?;
    let hash = state.hasher.hash(password.clone()).await?;
    Ok((row, hash))
}

/// Spends the link and stores the new password hash, in the caller's
/// transaction. Fails with [`LINK_NO_LONGER_VALID`] when the link was spent
/// or expired since it was checked; the caller then drops the transaction,
/// which rolls everything back. Every other open link of the user is
/// retired too: with a password set, no older email should still work.
async fn spend_link_and_set_password(
    tx: &mut WriteTx,
    link: Link,
    token: &str,
    user_id: &str,
    password_hash: String,
) -> Result<(), ServiceError> {
    let now = now_ms();
    let spent = sqlx::query(&format!(
        "update {} set used_at = $1
         where token_hash = $2 and user_id = $3 and used_at is null and expires_at > $1",
        link.table()
    ))
    .bind(now)
    .bind(token_hash(token))
    .bind(user_id.to_owned())
    .execute(tx.conn())
    .await
    .context("spending a one-time link")?;
    if spent.rows_affected() != 1 {
        return Err(link_invalid());
    }
    let updated = sqlx::query("update users set password_hash = $1 where id = $2 and disabled = 0")
        .bind(password_hash)
        .bind(user_id.to_owned())
        .execute(tx.conn())
        .await
        .context("storing the password hash")?;
    if updated.rows_affected() != 1 {
        return Err(link_invalid());
    }
    for table in [Link::Invitation.table(), Link::Reset.table()] {
        sqlx::query(&format!(
            "update {table} set used_at = $1 where user_id = $2 and used_at is null"
        ))
        .bind(now)
        .bind(user_id.to_owned())
        .execute(tx.conn())
        .await
        .context("retiring the user's other one-time links")?;
    }
    Ok(())
}

/// Accepts an invitation: sets the client's first password through the
/// one-time link. MFA can be enrolled later from the account page.
#[tracing::instrument(skip_all)]
pub async fn accept_invitation(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    password: SecretString,
    confirm: SecretString,
) -> Result<(), ServiceError> {
    let (row, hash) = prepare_password(state, Link::Invitation, token, &password, &confirm).await?;
    let mut tx = state.db.begin_write().await?;
    spend_link_and_set_password(&mut tx, Link::Invitation, token, &row.user_id, hash).await?;
    if let Some(contact_id) = &row.contact_id {
        touchpoints::record(
            &mut tx,
            &NewTouchpoint {
                contact_id: ContactId::from_trusted(contact_id.clone()),
                matter_id: None,
                kind: "portal.invitation_accepted".to_owned(),
                summary: "Accepted the portal invitation".to_owned(),
                actor_user_id: Some(UserId::from_trusted(row.user_id.clone())),
            },
        )
        .await?;
    }
    audit::append(
        &mut tx,
        &AuditEntry::from_client(client, "user.invitation_accepted", AuditResult::Success)
            .actor(row.user_id.clone())
            .object("user", row.user_id.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// --- Password reset ----------------------------------------------------------

#[derive(sqlx::FromRow)]
struct ResetUserRow {
    id: String,
    email: String,
}

/// Sends a reset link to an existing, enabled account, at most
/// [`MAX_RESETS_PER_WINDOW`] an hour. The caller answers the same whatever
/// happened here, and the work is the same up to the two inserts for a
/// real account: one lookup, one count, one audit row.
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(
    state: &AppState,
    client: &ClientInfo,
    email: &str,
) -> Result<(), ServiceError> {
    let email = normalise_email(email);
    if email.len() > MAX_EMAIL_LEN {
        return Err(AppError::BadRequest("The email address is too long.".to_owned()).into());
    }
    let now = now_ms();
    // Made whether or not it is needed, so both paths cost the same. The
    // key is fetched before the write: fetching may create it, which takes
    // the writer too.
    let (token, hash) = new_token()?;
    let firm_key = state.keys.firm_key(&state.db).await?;
    let mut tx = state.db.begin_write().await?;
    let user: Option<ResetUserRow> =
        sqlx::query_as("select id, email from users where email = $1 and disabled = 0")
            .bind(email.clone())
            .fetch_optional(tx.conn())
            .await
            .context("looking up the account to reset")?;
    let (recent,): (i64,) = sqlx::query_as(
        "select count(*) from password_resets where user_id = $1 and created_at > $2",
    )
    .bind(user.as_ref().map_or_else(String::new, |u| u.id.clone()))
    .bind(now - RESET_WINDOW_MS)
    .fetch_one(tx.conn())
    .await
    .context("counting recent reset emails")?;

    let audit_row = match user {
        None => AuditEntry::from_client(
            client,
            "auth.password_reset_requested",
            AuditResult::Failure,
        )
        .detail("unknown or disabled account"),
        Some(user) if recent >= MAX_RESETS_PER_WINDOW => {
            tracing::info!("password reset throttled");
            AuditEntry::from_client(client, "auth.password_reset_requested", AuditResult::Denied)
                .actor(user.id.clone())
                .object("user", user.id)
                .detail(format!("throttled: {recent} reset emails in the last hour"))
        }
        Some(user) => {
            sqlx::query(
                "insert into password_resets (id, user_id, token_hash, created_at, expires_at)
                 values ($1, $2, $3, $4, $5)",
            )
            .bind(new_id())
            .bind(user.id.clone())
            .bind(hash)
            .bind(now)
            .bind(now + RESET_TTL_MS)
            .execute(tx.conn())
            .await
            .context("storing the reset link")?;
            outbox::enqueue(
                &mut tx,
                &firm_key,
                &NewEmail {
                    kind: EmailKind::PasswordReset,
                    to: &user.email,
                    subject: "Reset your portal password",
                    body: &reset_body(&state.public_url, &token),
                },
            )
            .await?;
            AuditEntry::from_client(
                client,
                "auth.password_reset_requested",
                AuditResult::Success,
            )
            .actor(user.id.clone())
            .object("user", user.id)
            .detail("reset link sent")
        }
    };
    audit::append(&mut tx, &audit_row).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password through a reset link and ends every session and the
/// calendar feed of the user, so whoever knew the old password is shut out.
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    password: SecretString,
    confirm: SecretString,
) -> Result<(), ServiceError> {
    let (row, hash) = prepare_password(state, Link::Reset, token, &password, &confirm).await?;
    let mut tx = state.db.begin_write().await?;
    spend_link_and_set_password(&mut tx, Link::Reset, token, &row.user_id, hash).await?;
    let ended = session::end_all_sessions(tx.conn(), &row.user_id).await?;
    // A calendar feed link would outlive the sessions: revoke it too.
    super::calendar::revoke_feeds(tx.conn(), &row.user_id).await?;
    if let Some(contact_id) = &row.contact_id {
        touchpoints::record(
            &mut tx,
            &NewTouchpoint {
                contact_id: ContactId::from_trusted(contact_id.clone()),
                matter_id: None,
                kind: "portal.password_reset".to_owned(),
                summary: "Reset their portal password".to_owned(),
                actor_user_id: Some(UserId::from_trusted(row.user_id.clone())),
            },
        )
        .await?;
    }
    audit::append(
        &mut tx,
        &AuditEntry::from_client(client, "auth.password_reset", AuditResult::Success)
            .actor(row.user_id.clone())
            .object("user", row.user_id.clone())
            .detail(format!("{ended} sessions ended")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_stored_as_its_sha256() {
        let hash = token_hash("abc");
        assert_eq!(hash.len(), 32);
        assert_eq!(
            hash[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "SHA-256(\"abc\") per FIPS 180-2"
        );
    }

    #[test]
    fn emails_carry_the_link_and_nothing_else_secret() {
        let body = invitation_body("https://portal.firm.test", "Henri", "Sam Staff", "TOKEN");
        assert!(body.contains("https://portal.firm.test/invite/TOKEN"));
        assert_eq!(
            body.matches("TOKEN").count(),
            1,
            "the token only in the link"
        );
        let body = reset_body("https://portal.firm.test", "TOKEN");
        assert!(body.contains("https://portal.firm.test/reset/TOKEN"));
        assert_eq!(body.matches("TOKEN").count(), 1);
    }
}
