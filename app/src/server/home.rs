//! The client's home cards (issue 12, point 5): open document requests,
//! unread messages, the next key date and what is owed, each read through
//! the one matter rule ([`visible_matter_sql`]).

use anyhow::Context as _;

use super::{
    ServiceError, auth::Principal, billing, db::Db, messages, now_ms, policy::visible_matter_sql,
    settings,
};
use crate::domain::{
    home::{ClientHomeView, NextDateView, ToDoView},
    ids::MatterId,
    policy::has_client_home,
};

/// How many requests the to-do card lists; the matter pages hold the rest.
const TO_DO_LIMIT: i64 = 20;

#[derive(sqlx::FromRow)]
struct RequestRow {
    title: String,
    matter_id: String,
    matter_number: String,
    due_at: Option<i64>,
    rejection_reason: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DateRow {
    title: String,
    kind: String,
    starts_at: i64,
    matter_id: String,
    matter_number: String,
}

/// The home cards of a client; `None` for the firm's people, whose
/// dashboard is their matters.
pub async fn client_home(
    db: &Db,
    principal: &Principal,
) -> Result<Option<ClientHomeView>, ServiceError> {
    if !has_client_home(&principal.subject()) {
        return Ok(None);
    }
    let (user, role) = (principal.user_id.to_string(), principal.role.as_str());
    let now = now_ms();
    let visible = visible_matter_sql("$1", "$2");
    let requests: Vec<RequestRow> = sqlx::query_as(&format!(
        "select r.title, m.id as matter_id, m.number as matter_number, r.due_at,
                r.rejection_reason
         from document_requests r
         join matters m on m.id = r.matter_id
         where r.status = 'open' and m.status = 'open' and {visible}
         order by case when r.due_at is null then 1 else 0 end, r.due_at, r.created_at
         limit $3"
    ))
    .bind(user.clone())
    .bind(role)
    .bind(TO_DO_LIMIT)
    .fetch_all(db.pool())
    .await
    .context("listing a client's open document requests")?;
    let next: Option<DateRow> = sqlx::query_as(&format!(
        "select k.title, k.kind, k.starts_at, m.id as matter_id, m.number as matter_number
         from key_dates k
         join matters m on m.id = k.matter_id
         where k.client_visible = 1 and k.starts_at >= $3 and m.status = 'open' and {visible}
         order by k.starts_at
         limit 1"
    ))
    .bind(user)
    .bind(role)
    .bind(now)
    .fetch_optional(db.pool())
    .await
    .context("finding a client's next key date")?;
    // Days count in the zone the client reads the page in.
    let clock = super::clock::for_viewer(db, Some(principal)).await?;
    Ok(Some(ClientHomeView {
        to_do: requests
            .into_iter()
            .map(|r| ToDoView {
                title: r.title,
                matter_id: MatterId::from_trusted(r.matter_id),
                matter_number: r.matter_number,
                overdue: r.due_at.is_some_and(|due| due < now),
                due: r.due_at.map(|due| clock.due_phrase(due)),
                sent_back: r.rejection_reason,
            })
            .collect(),
        unread_messages: messages::count_unread_messages(db, principal).await?,
        next_date: next.map(|d| NextDateView {
            title: d.title,
            kind: d.kind,
            starts_at: d.starts_at,
            when: clock.relative_day(d.starts_at),
            matter_id: MatterId::from_trusted(d.matter_id),
            matter_number: d.matter_number,
        }),
        owed: billing::amounts_owed(db, principal).await?,
        payment_instructions: settings::payment_instructions(db).await?,
    }))
}
