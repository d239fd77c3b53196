//! The CRM record of a contact: their timeline, newest first, a page at a
//! time. Firm users only; entries about matters the viewer may not see (no
//! team membership, or an ethical wall) are left out in the query itself.

use super::{
    ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    db::Db,
    policy::visible_matter_sql,
};
use crate::domain::{
    AppError,
    contact::ContactTimelineView,
    ids::{ContactId, MatterId},
    policy::may_view_contacts,
    touchpoint::TouchpointView,
};

/// Entries per page.
pub const TIMELINE_PAGE: i64 = 50;

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    kind: String,
    summary: String,
    matter_id: Option<String>,
    occurred_at: i64,
}

/// One page of a contact's timeline, older than `before` when given.
pub async fn timeline(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    contact_id: &ContactId,
    before: Option<(i64, String)>,
) -> Result<ContactTimelineView, ServiceError> {
    if !may_view_contacts(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    let contact: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "select c.given_name, c.family_name, c.email, a.name from contacts c
         left join accounts a on a.id = c.account_id where c.id = $1",
    )
    .bind(contact_id.as_str().to_owned())
    .fetch_optional(db.pool())
    .await?;
    let Some((given, family, email, account_name)) = contact else {
        return Err(AppError::NotFound.into());
    };

    let (before_at, before_id) = before.unwrap_or((i64::MAX, String::new()));
    let sql = format!(
        "select t.id, t.kind, t.summary, t.matter_id, t.occurred_at from touchpoints t
         left join matters m on m.id = t.matter_id
         where t.contact_id = $3
           and (t.occurred_at < $4 or (t.occurred_at = $4 and ($5 = '' or t.id < $5)))
           and (t.matter_id is null or {})
         order by t.occurred_at desc, t.id desc
         limit $6",
        visible_matter_sql("$1", "$2")
    );
    let mut rows: Vec<EntryRow> = sqlx::query_as(&sql)
        .bind(principal.user_id.to_string())
        .bind(principal.role.as_str())
        .bind(contact_id.as_str().to_owned())
        .bind(before_at)
        .bind(before_id)
        .bind(TIMELINE_PAGE + 1)
        .fetch_all(db.pool())
        .await?;
    let has_more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > TIMELINE_PAGE;
    rows.truncate(usize::try_from(TIMELINE_PAGE).unwrap_or(50));

    audit::record(
        db,
        &AuditEntry::new("contact.timeline_viewed", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .object("contact", contact_id.as_str())
            .client(client.ip, client.user_agent.as_deref()),
    )
    .await?;
    Ok(ContactTimelineView {
        name: format!("{given} {family}"),
        email,
        account_name,
        entries: rows
            .into_iter()
            .map(|row| TouchpointView {
                id: row.id,
                kind: row.kind,
                summary: row.summary,
                matter_id: row.matter_id.map(MatterId::from_trusted),
                occurred_at: row.occurred_at,
            })
            .collect(),
        has_more,
    })
}
