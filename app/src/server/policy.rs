//! Loading the facts the policy needs, and applying the same rules inside
//! list queries. The rules themselves are in `domain::policy`; this module
//! only translates them, and a test checks that both agree.

use anyhow::Context as _;

use super::{
    ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    db::Db,
};
use crate::domain::{
    AppError,
    ids::{MatterId, ObjectId},
    policy::{MatterFacts, Subject, has_firm_wide_access, may_change_matter, may_view_matter},
    role::Role,
};

/// A SQL condition that is true when matter `m` is visible to the user whose
/// id is bound at `$user` and whose role is bound at `$role`: the rules of
/// [`may_view_matter`], written for a `where` clause.
pub fn visible_matter_sql(user: &str, role: &str) -> String {
    visible_matter_id_sql("m.id", user, role)
}

/// [`visible_matter_sql`] for the matter whose id is the SQL expression
/// `matter`, for queries that hold a matter's id without its row (the
/// search's entries): the same rule, with no lookup of the matter itself.
pub fn visible_matter_id_sql(matter: &str, user: &str, role: &str) -> String {
    let firm_wide: Vec<String> = [Role::Admin, Role::Attorney, Role::Staff]
        .into_iter()
        .filter(|r| has_firm_wide_access(*r))
        .map(|r| format!("'{}'", r.as_str()))
        .collect();
    let firm_wide = if firm_wide.is_empty() {
        "false".to_owned()
    } else {
        format!("{role} in ({})", firm_wide.join(", "))
    };
    // Each set (the user's walls, teams, portal matters) is read once per
    // query, not once per matter: a list or a search over thousands of
    // matters probes it in memory. The columns are never null, so `not in`
    // means "not among".
    format!(
        "({matter} not in (select w.matter_id from ethical_walls w where w.user_id = {user})
          and ({firm_wide}
               or ({role} <> 'client' and {matter} in (select t.matter_id from matter_team t where t.user_id = {user}))
               or ({role} = 'client' and {matter} in (select a.matter_id from matter_client_access a where a.user_id = {user}))))"
    )
}

/// A condition on `d` (documents) joined to `m` (matters): the user bound at
/// `$user` with role `$role` may see the document. The matter rule above,
/// plus: clients see only client-visible documents
/// ([`crate::domain::policy::may_see_document`]).
pub fn visible_document_sql(user: &str, role: &str) -> String {
    format!(
        "{} and ({role} <> 'client' or d.visibility = 'client')",
        visible_matter_sql(user, role)
    )
}

/// A condition on the user `u`: they take part in the conversations of the
/// matter whose id is the SQL expression `matter`. Its clients with portal
/// access and its team, not walled off, not disabled. Firm-wide access
/// alone lets a user read a thread but does not make them a participant
/// (no emails, not named in read receipts).
pub fn participant_sql(matter: &str) -> String {
    format!(
        "u.disabled = 0
         and (exists (select 1 from matter_client_access a where a.matter_id = {matter} and a.user_id = u.id)
              or exists (select 1 from matter_team tm where tm.matter_id = {matter} and tm.user_id = u.id))
         and not exists (select 1 from ethical_walls w where w.matter_id = {matter} and w.user_id = u.id)"
    )
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    on_team: i64,
    client_access: i64,
    walled: i64,
}

/// The facts about `subject` and a matter; `None` when the matter does not
/// exist.
pub async fn matter_facts(
    db: &Db,
    subject: &Subject,
    matter_id: &MatterId,
) -> anyhow::Result<Option<MatterFacts>> {
    let row: Option<FactsRow> = sqlx::query_as(
        "select (select count(*) from matter_team t where t.matter_id = m.id and t.user_id = $1) as on_team,
                (select count(*) from matter_client_access a where a.matter_id = m.id and a.user_id = $1) as client_access,
                (select count(*) from ethical_walls w where w.matter_id = m.id and w.user_id = $1) as walled
         from matters m where m.id = $2",
    )
    .bind(subject.user_id.clone())
    .bind(matter_id.as_str().to_owned())
    .fetch_optional(db.pool())
    .await
    .context("loading access facts for a matter")?;
    Ok(row.map(|row| MatterFacts {
        on_team: row.on_team > 0,
        client_access: row.client_access > 0,
        walled: row.walled > 0,
    }))
}

/// Lets the request through when `principal` may see the matter. Otherwise
/// answers not found, exactly as for a matter that does not exist, and
/// audits the denied attempt (DESIGN §2.2).
pub async fn authorize_matter(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
) -> Result<(), ServiceError> {
    let subject = principal.subject();
    match matter_facts(db, &subject, matter_id).await? {
        Some(facts) if may_view_matter(&subject, facts) => Ok(()),
        facts => {
            let detail = match facts {
                Some(f) if f.walled => "ethical wall",
                Some(_) => "no access",
                None => "no such matter",
            };
            Err(deny(db, principal, client, matter_id, detail).await)
        }
    }
}

/// [`authorize_matter`], and then refuses with a 409 when the matter is
/// closed ([`may_change_matter`]): every write to a matter's content comes
/// through here or through [`ensure_matter_open`].
pub async fn authorize_matter_change(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
) -> Result<(), ServiceError> {
    authorize_matter(db, principal, client, matter_id).await?;
    ensure_matter_open(db, matter_id).await
}

/// A 409 when the matter is closed, for writes that reached the matter
/// through another object (a thread, a document, an invoice) and checked
/// the user's access on the way.
pub async fn ensure_matter_open(db: &Db, matter_id: &MatterId) -> Result<(), ServiceError> {
    let status: Option<String> = sqlx::query_scalar("select status from matters where id = $1")
        .bind(matter_id.as_str().to_owned())
        .fetch_optional(db.pool())
        .await
        .context("loading a matter's status")?;
    if may_change_matter(status.as_deref() == Some("closed")) {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "This matter is closed, so it can no longer change. Reopen it first.".to_owned(),
        )
        .into())
    }
}

/// Audits a refused attempt by `principal` to reach `object` (as
/// `access.<kind>`, with a `detail` for the reader) and answers not found,
/// exactly like a missing object (DESIGN §2.2). Every refusal of an object
/// goes through here.
pub async fn deny<I: ObjectId>(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    object: &I,
    detail: &str,
) -> ServiceError {
    let entry = AuditEntry::by(
        principal,
        client,
        format!("access.{}", I::KIND),
        AuditResult::Denied,
    )
    .on(object)
    .detail(detail);
    match audit::record(db, &entry).await {
        Ok(()) => AppError::NotFound.into(),
        Err(err) => err.into(),
    }
}
