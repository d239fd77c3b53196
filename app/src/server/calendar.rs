//! Key dates as iCalendar (RFC 5545): a download per matter, and a private
//! feed per user that calendar apps subscribe to. The feed's URL carries a
//! secret token, of which only the SHA-256 is stored.

use anyhow::Context as _;
use icalendar::{Calendar, Component as _, Event, EventLike as _};

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal, signin::new_handle},
    db::Db,
    matters::summary,
    now_ms,
    policy::{authorize_matter, visible_matter_sql},
};
use crate::domain::{AppError, ids::MatterId, policy::may_see_internal, role::Role};

#[derive(sqlx::FromRow)]
struct DateRow {
    id: String,
    kind: String,
    title: String,
    starts_at: i64,
    ends_at: Option<i64>,
    location: Option<String>,
    number: String,
}

fn to_calendar(name: &str, rows: Vec<DateRow>) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name);
    for row in rows {
        let Some(starts) = chrono::DateTime::from_timestamp_millis(row.starts_at) else {
            continue;
        };
        let ends = row
            .ends_at
            .and_then(chrono::DateTime::from_timestamp_millis)
            .unwrap_or(starts + chrono::Duration::hours(1));
        let mut event = Event::new();
        event
            .uid(&format!("{}@vellum", row.id))
            .summary(&format!("{} ({})", row.title, row.number))
            .description(&format!(
                "{} on matter {}",
                capitalise(&row.kind),
                row.number
            ))
            .starts(starts)
            .ends(ends);
        if let Some(location) = &row.location {
            event.location(location);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The key dates of one matter the principal may see, as an `.ics` file.
/// Returns the file name and the calendar.
pub async fn matter_ics(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: &MatterId,
) -> Result<(String, String), ServiceError> {
    authorize_matter(&state.db, principal, client, id).await?;
    let matter = summary(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let internal = may_see_internal(&principal.subject());
    let rows: Vec<DateRow> = sqlx::query_as(
        "select d.id, d.kind, d.title, d.starts_at, d.ends_at, d.location, m.number
         from key_dates d join matters m on m.id = d.matter_id
         where d.matter_id = $1 and (d.client_visible = 1 or $2 = 1)
         order by d.starts_at limit 500",
    )
    .bind(id.as_str().to_owned())
    .bind(i64::from(internal))
    .fetch_all(state.db.pool())
    .await?;
    audit::record(
        &state.db,
        &AuditEntry::new("matter.calendar_downloaded", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .object("matter", id.as_str())
            .client(client.ip, client.user_agent.as_deref()),
    )
    .await?;
    let file_name = format!(
        "{}.ics",
        matter
            .number
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok((
        file_name,
        to_calendar(&format!("Vellum {}", matter.number), rows),
    ))
}

fn token_hash(token: &str) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

/// Makes a new feed token for the user, replacing any earlier one (so an old
/// link that leaked stops working). The token is shown once.
pub async fn new_feed_token(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
) -> Result<String, ServiceError> {
    let token = new_handle()?;
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into calendar_tokens (user_id, token_hash, created_at) values ($1, $2, $3)
         on conflict (user_id) do update set token_hash = $2, created_at = $3",
    )
    .bind(principal.user_id.to_string())
    .bind(token_hash(&token))
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("storing the calendar token")?;
    audit::append(
        &mut tx,
        &AuditEntry::new("calendar.feed_created", AuditResult::Success)
            .actor(principal.user_id.to_string())
            .client(client.ip, client.user_agent.as_deref()),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The feed behind a token: key dates of every matter the token's user may
/// see now (so walls and lost access apply at once). `None` for an unknown
/// token, or a disabled user.
pub async fn feed(db: &Db, token: &str) -> anyhow::Result<Option<String>> {
    if token.len() > 100 {
        return Ok(None);
    }
    let user: Option<(String, String)> = sqlx::query_as(
        "select u.id, u.role from calendar_tokens t join users u on u.id = t.user_id
         where t.token_hash = $1 and u.disabled = 0",
    )
    .bind(token_hash(token))
    .fetch_optional(db.pool())
    .await
    .context("looking up a calendar token")?;
    let Some((user_id, role)) = user else {
        return Ok(None);
    };
    let role = Role::parse(&role).context("a user has an unknown role")?;
    let internal = i64::from(role.is_firm());
    let sql = format!(
        "select d.id, d.kind, d.title, d.starts_at, d.ends_at, d.location, m.number
         from key_dates d join matters m on m.id = d.matter_id
         where {} and (d.client_visible = 1 or $3 = 1)
         order by d.starts_at limit 2000",
        visible_matter_sql("$1", "$2")
    );
    let rows: Vec<DateRow> = sqlx::query_as(&sql)
        .bind(user_id)
        .bind(role.as_str())
        .bind(internal)
        .fetch_all(db.pool())
        .await
        .context("loading the feed's key dates")?;
    Ok(Some(to_calendar("Vellum", rows)))
}
