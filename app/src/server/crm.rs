//! The CRM record of a contact: their timeline, newest first, a page at a
//! time. Firm users only; entries about matters the viewer may not see (no
//! team membership, or an ethical wall) are left out in the query itself.

use super::{
    ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    db::Db,
    policy::visible_matter_sql,
    touchpoints,
};
use crate::domain::{
    AppError,
    contact::ContactTimelineView,
    ids::{ContactId, MatterId},
    policy::may_view_contacts,
};

/// Entries per page.
pub const TIMELINE_PAGE: i64 = 50;

/// One page of a contact's timeline, older than `before` when given.
pub async fn get_contact_timeline(
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

    let mut entries = touchpoints::list_for_contact(
        db,
        &principal.subject(),
        contact_id,
        before,
        TIMELINE_PAGE + 1,
    )
    .await?;
    let has_more = i64::try_from(entries.len()).unwrap_or(i64::MAX) > TIMELINE_PAGE;
    entries.truncate(usize::try_from(TIMELINE_PAGE).unwrap_or(50));

    // Walled or foreign matters stay out, in the query itself.
    let portal_matters: Vec<(MatterId, String)> = sqlx::query_as(&format!(
        "select m.id, m.number || ' ' || m.title from matters m
         join matter_client_access g on g.matter_id = m.id
         join users u on u.id = g.user_id
         where u.contact_id = $1 and {}
         order by m.number limit 200",
        visible_matter_sql("$2", "$3")
    ))
    .bind(contact_id.clone())
    .bind(principal.user_id.clone())
    .bind(principal.role.as_str())
    .fetch_all(db.pool())
    .await?;

    audit::record(
        db,
        &AuditEntry::by(
            principal,
            client,
            "contact.timeline_viewed",
            AuditResult::Success,
        )
        .object("contact", contact_id.as_str()),
    )
    .await?;
    Ok(ContactTimelineView {
        name: format!("{given} {family}"),
        email,
        account_name,
        entries,
        has_more,
        portal_matters,
    })
}
