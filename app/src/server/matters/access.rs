//! Portal access to one matter (issue 11, point 5): staff give one of the
//! matter's client contacts access, or take it away.
//!
//! A contact with no portal account is invited, and the access is granted
//! in the same write: they reach the matter the moment they accept, and not
//! before, since nobody signs in without a password. A contact who already
//! signs in gets the access at once and an email saying so. Revoking takes
//! effect on the next request; open message streams re-check access as
//! news arrives (`messages::stream`).

use anyhow::Context as _;

use crate::{
    domain::{
        AppError,
        contact::PortalAccess,
        ids::{ContactId, MatterId, UserId},
        matter::opening::{MatterAccessView, PortalAccessView},
        policy::may_manage_portal_access,
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        db::Db,
        invitations::invite_in,
        now_ms,
        outbox::{self, EmailKind, NewEmail},
        policy::{authorize_matter, deny},
        touchpoints::{self, NewTouchpoint},
    },
};

/// Staff and admins who may see the matter; anyone else is not found
/// (and audited, through the matter check).
async fn require_manager(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
) -> Result<(), ServiceError> {
    if !may_manage_portal_access(&principal.subject()) {
        return Err(deny(
            db,
            principal,
            client,
            matter_id,
            "may not manage portal access",
        )
        .await);
    }
    authorize_matter(db, principal, client, matter_id).await
}

#[derive(sqlx::FromRow)]
struct AccessRow {
    id: ContactId,
    given_name: String,
    family_name: String,
    email: Option<String>,
    user_id: Option<String>,
    has_password: i64,
    disabled: Option<i64>,
    has_access: i64,
}

/// The matter's client contacts (the people of its account) and whether
/// each reaches it in the portal.
pub async fn list_portal_access(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
) -> Result<MatterAccessView, ServiceError> {
    require_manager(db, principal, client, matter_id).await?;
    let rows: Vec<AccessRow> = sqlx::query_as(
        "select c.id, c.given_name, c.family_name, c.email, u.id as user_id,
                cast(case when u.password_hash is null then 0 else 1 end as bigint) as has_password,
                u.disabled,
                cast(case when g.user_id is null then 0 else 1 end as bigint) as has_access
         from matters m
         join contacts c on c.account_id = m.account_id
         left join users u on u.contact_id = c.id
         left join matter_client_access g on g.matter_id = m.id and g.user_id = u.id
         where m.id = $1
         order by c.family_name, c.given_name, c.id
         limit 200",
    )
    .bind(matter_id.clone())
    .fetch_all(db.pool())
    .await
    .context("listing the matter's client contacts")?;
    let contacts = rows
        .into_iter()
        .map(|row| PortalAccessView {
            portal: match (&row.user_id, row.disabled, row.has_password) {
                (None, _, _) => PortalAccess::None,
                (Some(_), Some(1), _) => PortalAccess::Disabled,
                (Some(_), _, 0) => PortalAccess::Invited,
                (Some(_), _, _) => PortalAccess::Active,
            },
            contact_id: row.id,
            name: format!("{} {}", row.given_name, row.family_name),
            email: row.email,
            has_access: row.has_access != 0,
        })
        .collect();
    Ok(MatterAccessView {
        matter_id: matter_id.clone(),
        contacts,
    })
}

#[derive(sqlx::FromRow)]
struct GranteeRow {
    number: String,
    /// The portal user's sign-in address, where their email goes.
    email: Option<String>,
    user_id: Option<String>,
    has_password: i64,
    disabled: Option<i64>,
}

/// What [`give_portal_access`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granted {
    /// The contact had no portal account: an invitation went out.
    Invited,
    /// The contact signs in already: access is theirs now.
    AtOnce,
}

/// Gives the client contact `contact_id` (one of the matter's account's
/// people) portal access to `matter_id`.
pub async fn give_portal_access(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    contact_id: &ContactId,
) -> Result<Granted, ServiceError> {
    require_manager(&state.db, principal, client, matter_id).await?;
    let firm_key = state.keys.firm_key(&state.db).await?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let row: Option<GranteeRow> = sqlx::query_as(
        "select m.number, u.email, u.id as user_id,
                cast(case when u.password_hash is null then 0 else 1 end as bigint) as has_password,
                u.disabled
         from matters m
         join contacts c on c.account_id = m.account_id and c.id = $2
         left join users u on u.contact_id = c.id
         where m.id = $1",
    )
    .bind(matter_id.clone())
    .bind(contact_id.clone())
    .fetch_optional(tx.conn())
    .await
    .context("loading the contact to give access")?;
    let Some(row) = row else {
        drop(tx);
        return Err(deny(
            &state.db,
            principal,
            client,
            contact_id,
            "not a client contact of the matter",
        )
        .await);
    };
    if row.disabled == Some(1) {
        return Err(
            AppError::Conflict("This contact's portal account is disabled.".to_owned()).into(),
        );
    }
    let (user_id, granted) = match row.user_id {
        Some(user_id) if row.has_password != 0 => (UserId::from_trusted(user_id), Granted::AtOnce),
        // No account yet, or invited and not yet accepted: (re)invite.
        _ => (
            invite_in(state, &mut tx, &firm_key, principal, client, contact_id).await?,
            Granted::Invited,
        ),
    };
    let inserted = sqlx::query(
        "insert into matter_client_access (matter_id, user_id, granted_at) values ($1, $2, $3)
         on conflict do nothing",
    )
    .bind(matter_id.clone())
    .bind(user_id.clone())
    .bind(now)
    .execute(tx.conn())
    .await
    .context("granting portal access")?;
    if inserted.rows_affected() == 0 && granted == Granted::AtOnce {
        return Err(AppError::Conflict(
            "This contact can already see the matter in the portal.".to_owned(),
        )
        .into());
    }
    if granted == Granted::AtOnce {
        let email = row
            .email
            .context("a portal user without an email address")?;
        let body = new_matter_body(&state.public_url, &row.number, matter_id);
        outbox::enqueue(
            &mut tx,
            &firm_key,
            &NewEmail {
                kind: EmailKind::MatterAccess,
                to: &email,
                subject: "You have a new matter in your portal",
                body: &body,
            },
        )
        .await?;
    }
    touchpoints::record(
        &mut tx,
        &NewTouchpoint {
            contact_id: contact_id.clone(),
            matter_id: Some(matter_id.clone()),
            kind: "portal.access_granted".to_owned(),
            summary: format!("Given portal access to matter {}", row.number),
            actor_user_id: Some(principal.user_id.clone()),
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "matter.portal_access_granted",
            AuditResult::Success,
        )
        .on(matter_id)
        .detail(format!("user {user_id}, contact {contact_id}")),
    )
    .await?;
    tx.commit().await.context("committing portal access")?;
    Ok(granted)
}

/// The email to a client who already signs in: which matter, and where.
/// No matter details beyond its number.
fn new_matter_body(base: &str, number: &str, matter_id: &MatterId) -> String {
    format!(
        "Hello,\n\n\
         Your law firm has given you access to matter {number} in your secure client portal.\n\n\
         Sign in to see it:\n\n\
         {base}/matters/{matter_id}\n"
    )
}

/// Takes `contact_id`'s portal access to `matter_id` away, at once. Not
/// found when they had none.
pub async fn revoke_portal_access(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    contact_id: &ContactId,
) -> Result<(), ServiceError> {
    require_manager(&state.db, principal, client, matter_id).await?;
    let mut tx = state.db.begin_write().await?;
    let revoked = sqlx::query(
        "delete from matter_client_access
         where matter_id = $1 and user_id in (select id from users where contact_id = $2)",
    )
    .bind(matter_id.clone())
    .bind(contact_id.clone())
    .execute(tx.conn())
    .await
    .context("revoking portal access")?;
    if revoked.rows_affected() == 0 {
        drop(tx);
        return Err(deny(
            &state.db,
            principal,
            client,
            contact_id,
            "no access to revoke",
        )
        .await);
    }
    touchpoints::record(
        &mut tx,
        &NewTouchpoint {
            contact_id: contact_id.clone(),
            matter_id: Some(matter_id.clone()),
            kind: "portal.access_revoked".to_owned(),
            summary: "Portal access to a matter revoked".to_owned(),
            actor_user_id: Some(principal.user_id.clone()),
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "matter.portal_access_revoked",
            AuditResult::Success,
        )
        .on(matter_id)
        .detail(format!("contact {contact_id}")),
    )
    .await?;
    tx.commit().await.context("committing a revocation")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_matter_email_names_the_number_and_links_the_matter() {
        let id = MatterId::from_trusted("0190-m".to_owned());
        let body = new_matter_body("https://portal.firm.test", "2026-0001", &id);
        assert!(body.contains("matter 2026-0001"));
        assert!(body.contains("https://portal.firm.test/matters/0190-m"));
    }
}
