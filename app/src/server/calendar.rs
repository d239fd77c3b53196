//! Key dates as iCalendar (RFC 5545): a download per matter, and a private
//! feed per user that calendar apps subscribe to. The feed's URL carries a
//! secret token, of which only the SHA-256 is stored.
//!
//! A feed carries every key date its user may see, internal ones included
//! for the firm, to whoever holds the link, without a session. So the link
//! expires (config `calendar_feed_days`), dies with the user's sessions
//! ([`revoke_feeds`]: password reset, signing out everywhere) and with the
//! user (disabled users' feeds answer like unknown ones), and its use is
//! audited, once per feed and day.

use anyhow::Context as _;
use icalendar::{Calendar, Component as _, Event, EventLike as _};
use sqlx::AnyConnection;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    crypto::{new_handle, token_hash},
    matters::summary,
    now_ms,
    policy::{authorize_matter, visible_matter_sql},
};
use crate::domain::{AppError, ids::MatterId, policy::may_see_internal, role::Role, time::DAY_MS};

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
        &AuditEntry::by(
            principal,
            client,
            "matter.calendar_downloaded",
            AuditResult::Success,
        )
        .object("matter", id.as_str()),
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

/// A new feed token, to show its user once, and when it stops working.
#[derive(Debug)]
pub struct FeedToken {
    /// The secret that goes into the feed's URL.
    pub token: String,
    /// When the link stops working (UTC ms).
    pub expires_at: i64,
}

/// Makes a new feed token for the user, replacing any earlier one (so an old
/// link that leaked stops working). This is also how a user renews a feed
/// before it expires. The token is shown once.
pub async fn create_calendar_feed(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
) -> Result<FeedToken, ServiceError> {
    let token = new_handle()?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "insert into calendar_tokens (user_id, token_hash, created_at) values ($1, $2, $3)
         on conflict (user_id) do update set token_hash = $2, created_at = $3, audited_day = null",
    )
    .bind(principal.user_id.to_string())
    .bind(token_hash(&token))
    .bind(now)
    .execute(tx.conn())
    .await
    .context("storing the calendar token")?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "calendar.feed_created",
            AuditResult::Success,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(FeedToken {
        token,
        expires_at: now + state.calendar_feed_days * DAY_MS,
    })
}

/// Revokes the user's calendar feed, inside the caller's write. Call it
/// wherever access obtained with the user's credentials must end: a password
/// reset, signing out everywhere, and (when they come) disabling the user
/// and an admin ending their sessions. Returns whether there was a feed.
pub async fn revoke_feeds(conn: &mut AnyConnection, user_id: &str) -> anyhow::Result<bool> {
    let result = sqlx::query("delete from calendar_tokens where user_id = $1")
        .bind(user_id.to_owned())
        .execute(conn)
        .await
        .context("revoking the calendar feed")?;
    Ok(result.rows_affected() > 0)
}

/// The feed behind a token: key dates of every matter the token's user may
/// see now (so walls and lost access apply at once). `None` for an unknown
/// or expired token, or a disabled user. The first fetch of each UTC day is
/// audited (who, from where); later ones that day are not, so a calendar
/// app polling every few minutes cannot flood the audit log.
///
/// The lifetime is counted from the link's creation with today's setting,
/// so shortening `calendar_feed_days` also shortens links already given
/// out.
pub async fn feed(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
) -> anyhow::Result<Option<String>> {
    if token.len() > 100 {
        return Ok(None);
    }
    let now = now_ms();
    let hash = token_hash(token);
    let user: Option<(String, String, Option<i64>)> = sqlx::query_as(
        "select u.id, u.role, t.audited_day from calendar_tokens t join users u on u.id = t.user_id
         where t.token_hash = $1 and u.disabled = 0 and t.created_at > $2",
    )
    .bind(hash.clone())
    .bind(now - state.calendar_feed_days * DAY_MS)
    .fetch_optional(state.db.pool())
    .await
    .context("looking up a calendar token")?;
    let Some((user_id, role, audited_day)) = user else {
        return Ok(None);
    };
    let today = now.div_euclid(DAY_MS);
    if audited_day.is_none_or(|day| day < today) {
        audit_first_fetch_today(state, client, &user_id, hash, today).await?;
    }
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
        .fetch_all(state.db.pool())
        .await
        .context("loading the feed's key dates")?;
    Ok(Some(to_calendar("Vellum", rows)))
}

/// Marks the feed as audited `today` and appends the day's audit row, both
/// in one write. The mark moves only forward and is checked inside the
/// write, so of several fetches racing past the read in [`feed`], one
/// appends the row and the others change nothing.
async fn audit_first_fetch_today(
    state: &AppState,
    client: &ClientInfo,
    user_id: &str,
    hash: Vec<u8>,
    today: i64,
) -> anyhow::Result<()> {
    let mut tx = state.db.begin_write().await?;
    let marked = sqlx::query(
        "update calendar_tokens set audited_day = $1
         where user_id = $2 and token_hash = $3 and (audited_day is null or audited_day < $1)",
    )
    .bind(today)
    .bind(user_id.to_owned())
    .bind(hash)
    .execute(tx.conn())
    .await
    .context("marking the calendar feed's audited day")?;
    if marked.rows_affected() == 1 {
        audit::append(
            &mut tx,
            &AuditEntry::new("calendar.feed_fetched", AuditResult::Success)
                .actor(user_id.to_owned())
                .client(client.ip, client.user_agent.as_deref())
                .detail("first fetch of the day; later fetches that day are not recorded"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
