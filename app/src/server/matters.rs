//! Matter queries and use cases: the dashboard and summaries here,
//! opening a matter in `opening`, its clients' portal access in `access`,
//! its team, parties, stage plan and status in `settings`, the firm's
//! stage templates in `templates`.

pub mod access;
pub mod opening;
pub mod settings;
pub mod templates;

use crate::domain::{AppError, ids::MatterId, matter::MatterSummaryView, policy::Subject};

use super::{
    ServiceError,
    activity::{self, View},
    auth::{ClientInfo, Principal},
    db::Db,
    policy::{authorize_matter, visible_matter_sql},
};

/// The most matters one dashboard page lists.
pub const DASHBOARD_PAGE_SIZE: i64 = 200;

/// A dashboard row as the database returns it.
#[derive(Debug, sqlx::FromRow)]
struct MatterSummaryRow {
    id: String,
    number: String,
    title: String,
    practice_area: String,
    client_name: String,
    current_stage: Option<String>,
    stage_position: i64,
    stage_count: i64,
    status: String,
}

impl From<MatterSummaryRow> for MatterSummaryView {
    fn from(row: MatterSummaryRow) -> Self {
        Self {
            id: MatterId::from_trusted(row.id),
            number: row.number,
            title: row.title,
            practice_area: row.practice_area,
            client_name: row.client_name,
            current_stage: row.current_stage,
            stage_position: row.stage_position,
            stage_count: row.stage_count,
            status: row.status,
        }
    }
}

/// The dashboard: the matters `principal` may see. The view is recorded.
pub async fn list_matters(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
) -> Result<Vec<MatterSummaryView>, ServiceError> {
    let matters = visible_matters(db, &principal.subject()).await?;
    activity::viewed(
        db,
        principal,
        client,
        &View {
            action: "matters.listed",
            object: None,
            matter: None,
            summary: "Viewed their matters",
        },
    )
    .await?;
    Ok(matters)
}

/// One matter's summary, for a user the policy lets see it. Anything else is
/// not found, exactly like a matter that does not exist.
pub async fn get_matter(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    id: &MatterId,
) -> Result<MatterSummaryView, ServiceError> {
    authorize_matter(db, principal, client, id).await?;
    let row: Option<MatterSummaryRow> =
        sqlx::query_as(&format!("{SUMMARY_SELECT} where m.id = $1"))
            .bind(id.as_str().to_owned())
            .fetch_optional(db.pool())
            .await?;
    let matter: MatterSummaryView = row.map(Into::into).ok_or(AppError::NotFound)?;
    activity::viewed(
        db,
        principal,
        client,
        &View {
            action: "matter.viewed",
            object: Some(("matter", id.as_str())),
            matter: Some(id),
            summary: &format!("Viewed matter {}", matter.number),
        },
    )
    .await?;
    Ok(matter)
}

/// A matter's summary, with no access check: callers authorize first.
pub(crate) async fn summary(
    db: &Db,
    id: &MatterId,
) -> Result<Option<MatterSummaryView>, sqlx::Error> {
    let row: Option<MatterSummaryRow> =
        sqlx::query_as(&format!("{SUMMARY_SELECT} where m.id = $1"))
            .bind(id.as_str().to_owned())
            .fetch_optional(db.pool())
            .await?;
    Ok(row.map(Into::into))
}

/// The columns and joins of a matter summary.
const SUMMARY_SELECT: &str =
    "select m.id, m.number, m.title, m.practice_area, a.name as client_name,
        s.name as current_stage, m.current_stage as stage_position,
        (select count(*) from matter_stages c where c.matter_id = m.id) as stage_count,
        m.status
 from matters m
 join accounts a on a.id = m.account_id
 left join matter_stages s on s.matter_id = m.id and s.position = m.current_stage";

/// Lists the matters `subject` may see, with their current stage, open ones
/// first, newest first. The policy is applied in the query itself, so a
/// walled or foreign matter is never fetched.
///
/// The stage count is a correlated subquery rather than a per-row query, so
/// the page costs one round trip however many matters it shows.
pub async fn visible_matters(
    db: &Db,
    subject: &Subject,
) -> Result<Vec<MatterSummaryView>, ServiceError> {
    let sql = format!(
        "{SUMMARY_SELECT}
         where {}
         order by case when m.status = 'open' then 0 else 1 end, m.opened_at desc, m.id desc
         limit $3",
        visible_matter_sql("$1", "$2")
    );
    let rows: Vec<MatterSummaryRow> = sqlx::query_as(&sql)
        .bind(subject.user_id.clone())
        .bind(subject.role.as_str())
        .bind(DASHBOARD_PAGE_SIZE)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
