//! Sign-in throttle counters in the database, per account and per IP, so
//! every node enforces the same limits. The rules are in `domain::auth`.

use anyhow::Context as _;
use sqlx::AnyConnection;

use crate::{domain::auth::ThrottleState, server::db::Db};

/// The counter key of an account.
pub fn account_key(email: &str) -> String {
    format!("account:{email}")
}

/// The counter key of an IP address.
pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

#[derive(sqlx::FromRow)]
struct ThrottleRow {
    failures: i64,
    last_failure_at: i64,
    locked_until: Option<i64>,
}

/// Reads a counter.
pub async fn load(db: &Db, key: &str) -> anyhow::Result<Option<ThrottleState>> {
    let row: Option<ThrottleRow> = sqlx::query_as(
        "select failures, last_failure_at, locked_until from login_throttle where key = $1",
    )
    .bind(key.to_owned())
    .fetch_optional(db.pool())
    .await
    .context("reading a sign-in throttle counter")?;
    Ok(row.map(|row| ThrottleState {
        failures: row.failures,
        last_failure_at: row.last_failure_at,
        locked_until: row.locked_until,
    }))
}

/// Reads a counter inside a write transaction (to update it).
pub async fn load_for_update(
    conn: &mut AnyConnection,
    key: &str,
) -> anyhow::Result<Option<ThrottleState>> {
    let row: Option<ThrottleRow> = sqlx::query_as(
        "select failures, last_failure_at, locked_until from login_throttle where key = $1",
    )
    .bind(key.to_owned())
    .fetch_optional(conn)
    .await
    .context("reading a sign-in throttle counter")?;
    Ok(row.map(|row| ThrottleState {
        failures: row.failures,
        last_failure_at: row.last_failure_at,
        locked_until: row.locked_until,
    }))
}

/// Writes a counter.
pub async fn store(
    conn: &mut AnyConnection,
    key: &str,
    state: ThrottleState,
) -> anyhow::Result<()> {
    sqlx::query(
        "insert into login_throttle (key, failures, last_failure_at, locked_until) values ($1, $2, $3, $4)
         on conflict (key) do update set failures = $2, last_failure_at = $3, locked_until = $4",
    )
    .bind(key.to_owned())
    .bind(state.failures)
    .bind(state.last_failure_at)
    .bind(state.locked_until)
    .execute(conn)
    .await
    .context("writing a sign-in throttle counter")?;
    Ok(())
}

/// Forgets a counter (after a successful sign-in).
pub async fn clear(conn: &mut AnyConnection, key: &str) -> anyhow::Result<()> {
    sqlx::query("delete from login_throttle where key = $1")
        .bind(key.to_owned())
        .execute(conn)
        .await
        .context("clearing a sign-in throttle counter")?;
    Ok(())
}
