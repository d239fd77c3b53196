//! CRM touchpoints: the timeline of interactions with a contact (DESIGN §2.9).
//!
//! Portal activity (sign-ins, matters viewed, documents downloaded) lands
//! here as well as in the audit log: the audit log is the tamper-evident
//! record for security, the timeline is what the firm reads about a client.

use anyhow::Context as _;

use crate::domain::{
    ids::{ContactId, MatterId, UserId},
    policy::Subject,
    touchpoint::TouchpointView,
};

use super::{
    db::{Db, WriteTx},
    new_id, now_ms,
    policy::visible_matter_sql,
};

/// The most touchpoints one page lists.
pub const MAX_PAGE_SIZE: i64 = 100;

/// A touchpoint to record. `occurred_at` is set when it is written.
#[derive(Clone, Debug)]
pub struct NewTouchpoint {
    /// The contact the interaction was with.
    pub contact_id: ContactId,
    /// The matter it concerned, if any.
    pub matter_id: Option<MatterId>,
    /// What happened, as a dotted name: `portal.sign_in`,
    /// `portal.matter_viewed`…
    pub kind: String,
    /// A one-line description for the timeline. No secrets or message
    /// bodies: firm staff read it without matter-level access checks.
    pub summary: String,
    /// The user who acted, if it was not the contact alone.
    pub actor_user_id: Option<UserId>,
}

/// Records a touchpoint inside the caller's write transaction, so it commits
/// together with the action it describes.
pub async fn record(tx: &mut WriteTx, t: &NewTouchpoint) -> anyhow::Result<()> {
    sqlx::query(
        "insert into touchpoints (id, contact_id, matter_id, kind, summary, actor_user_id, occurred_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(t.contact_id.as_str())
    .bind(t.matter_id.as_ref().map(MatterId::as_str))
    .bind(t.kind.as_str())
    .bind(t.summary.as_str())
    .bind(t.actor_user_id.as_ref().map(UserId::as_str))
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .with_context(|| format!("recording a {} touchpoint", t.kind))?;
    Ok(())
}

/// Records the same touchpoint on the timeline of every contact of the
/// matter's client account: the people a change to their matter concerns.
pub async fn record_for_matter_clients(
    tx: &mut WriteTx,
    actor: &UserId,
    matter_id: &MatterId,
    kind: &str,
    summary: &str,
) -> anyhow::Result<()> {
    let contacts: Vec<(ContactId,)> = sqlx::query_as(
        "select c.id from contacts c join matters m on m.account_id = c.account_id
         where m.id = $1 order by c.id",
    )
    .bind(matter_id.clone())
    .fetch_all(tx.conn())
    .await
    .context("finding a matter's client contacts")?;
    for (contact_id,) in contacts {
        record(
            tx,
            &NewTouchpoint {
                contact_id,
                matter_id: Some(matter_id.clone()),
                kind: kind.to_owned(),
                summary: summary.to_owned(),
                actor_user_id: Some(actor.clone()),
            },
        )
        .await?;
    }
    Ok(())
}

/// A timeline row as the database returns it.
#[derive(Debug, sqlx::FromRow)]
struct TouchpointRow {
    id: String,
    kind: String,
    summary: String,
    matter_id: Option<String>,
    occurred_at: i64,
}

impl From<TouchpointRow> for TouchpointView {
    fn from(row: TouchpointRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            summary: row.summary,
            matter_id: row.matter_id.map(MatterId::from_trusted),
            occurred_at: row.occurred_at,
        }
    }
}

/// Lists the touchpoints on a contact's timeline that `viewer` may see,
/// newest first, `limit` at a time (clamped to 1..=[`MAX_PAGE_SIZE`]).
/// Entries about a matter the viewer may not see (no team membership, or an
/// ethical wall) are left out in the query itself; whether the viewer may
/// read the contact's timeline at all is the caller's check
/// ([`crate::domain::policy::may_view_contacts`] in [`super::crm::get_contact_timeline`]).
///
/// Pages are keyed on `(occurred_at, id)` rather than offsets, so a page
/// costs the same however far back it is and new touchpoints do not shift
/// later pages. Pass the last entry's [`TouchpointView::cursor`] as `before`
/// to get the next page. The id breaks ties between touchpoints written in
/// the same millisecond.
pub async fn list_for_contact(
    db: &Db,
    viewer: &Subject,
    contact_id: &ContactId,
    before: Option<(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<TouchpointView>> {
    let limit = limit.clamp(1, MAX_PAGE_SIZE);
    // No cursor: start after the newest possible entry; ids are never empty.
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
    let rows: Vec<TouchpointRow> = sqlx::query_as(&sql)
        .bind(viewer.user_id.as_str())
        .bind(viewer.role.as_str())
        .bind(contact_id.as_str())
        .bind(before_at)
        .bind(before_id)
        .bind(limit)
        .fetch_all(db.pool())
        .await
        .context("listing a contact's touchpoints")?;
    Ok(rows.into_iter().map(Into::into).collect())
}
