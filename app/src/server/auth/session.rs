//! Sessions: tower-sessions in the database (so any node serves any
//! request), plus a `user_sessions` row per signed-in session that lets users
//! list and end them.

use anyhow::Context as _;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use tower_sessions::{
    ExpiredDeletion, SessionStore,
    session::{Id, Record},
    session_store,
};
use tower_sessions_sqlx_store::{
    PostgresStore, SqliteStore,
    sqlx::{PgPool, SqlitePool},
};

use super::{ClientInfo, Principal};
use crate::{
    domain::{
        auth::SessionView,
        ids::{ContactId, SessionId, UserId},
        role::Role,
    },
    server::db::{Backend, Db},
};

/// The key under which the sign-in state lives in the session.
pub const AUTH_KEY: &str = "vellum.auth";

/// How far a sign-in got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthStage {
    /// The password was right; an MFA code is still owed.
    Password,
    /// The password was right, and this firm user has no MFA yet: they must
    /// set it up before anything else works.
    MfaSetup,
    /// Fully signed in.
    Complete,
}

/// The sign-in state stored in the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAuth {
    /// The `user_sessions` handle (empty until the sign-in completes).
    pub handle: String,
    /// The user.
    pub user_id: String,
    /// How far the sign-in got.
    pub stage: AuthStage,
    /// When the password step succeeded (UTC ms); the absolute timeout
    /// counts from here.
    pub signed_in_at: i64,
    /// The last request seen (UTC ms), refreshed at most once a minute.
    pub last_seen_at: i64,
}

/// The session store of either backend.
#[derive(Clone, Debug)]
pub enum VellumSessionStore {
    /// SQLite.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    Postgres(PostgresStore),
}

impl VellumSessionStore {
    /// Opens the store on the database at `url` and creates its table. The
    /// stores need typed pools, so this opens a small one of its own.
    pub async fn open(url: &str, backend: Backend) -> anyhow::Result<Self> {
        let store = match backend {
            Backend::Sqlite => {
                let pool = SqlitePool::connect(url)
                    .await
                    .context("opening the session store")?;
                let store = SqliteStore::new(pool);
                store
                    .migrate()
                    .await
                    .context("creating the session table")?;
                Self::Sqlite(store)
            }
            Backend::Postgres => {
                let pool = PgPool::connect(url)
                    .await
                    .context("opening the session store")?;
                let store = PostgresStore::new(pool);
                store
                    .migrate()
                    .await
                    .context("creating the session table")?;
                Self::Postgres(store)
            }
        };
        Ok(store)
    }
}

/// The key a session is stored under: the first 128 bits of SHA-256 of the
/// id in the cookie. The table then holds nothing a browser could present,
/// so a copy of the database (a backup, a read-only SQL injection) yields no
/// live session. The id is 128 random bits, so an unsalted hash is enough.
fn stored_id(id: &Id) -> Id {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(id.0.to_le_bytes());
    let mut half = [0_u8; 16];
    half.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(half))
}

/// `record` as stored: under its hashed id.
fn stored(record: &Record) -> Record {
    Record {
        id: stored_id(&record.id),
        ..record.clone()
    }
}

impl VellumSessionStore {
    async fn create_stored(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.create(record).await,
            Self::Postgres(store) => store.create(record).await,
        }
    }

    async fn delete_stored(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete(id).await,
            Self::Postgres(store) => store.delete(id).await,
        }
    }
}

#[async_trait]
impl SessionStore for VellumSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let mut row = stored(record);
            let wanted = row.id;
            self.create_stored(&mut row).await?;
            if row.id == wanted {
                return Ok(());
            }
            // The inner store met a collision and saved the copy under an id
            // of its own, which no cookie hashes to: drop it and draw again.
            self.delete_stored(&row.id).await?;
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = stored(record);
        match self {
            Self::Sqlite(store) => store.save(&row).await,
            Self::Postgres(store) => store.save(&row).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let found = match self {
            Self::Sqlite(store) => store.load(&stored_id(id)).await,
            Self::Postgres(store) => store.load(&stored_id(id)).await,
        }?;
        Ok(found.map(|record| Record { id: *id, ..record }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.delete_stored(&stored_id(id)).await
    }
}

#[async_trait]
impl ExpiredDeletion for VellumSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Self::Sqlite(store) => store.delete_expired().await,
            Self::Postgres(store) => store.delete_expired().await,
        }
    }
}

/// Records a completed sign-in in `user_sessions`.
pub async fn create_user_session(
    conn: &mut AnyConnection,
    handle: &SessionId,
    user_id: &str,
    client: &ClientInfo,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "insert into user_sessions (handle, user_id, created_at, last_seen_at, ip, user_agent)
         values ($1, $2, $3, $3, $4, $5)",
    )
    .bind(handle.clone())
    .bind(user_id.to_owned())
    .bind(now)
    .bind(client.ip.map(|ip| ip.to_string()))
    .bind(client.user_agent.clone())
    .execute(conn)
    .await
    .context("recording the session")?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PrincipalRow {
    id: String,
    role: String,
    email: String,
    display_name: String,
    contact_id: Option<String>,
}

/// Loads the user of a live session: `None` when the session was ended (its
/// row deleted) or the user disabled.
pub async fn load_principal(db: &Db, handle: &str) -> anyhow::Result<Option<Principal>> {
    let row: Option<PrincipalRow> = sqlx::query_as(
        "select u.id, u.role, u.email, u.display_name, u.contact_id
         from user_sessions s join users u on u.id = s.user_id
         where s.handle = $1 and u.disabled = 0",
    )
    .bind(handle.to_owned())
    .fetch_optional(db.pool())
    .await
    .context("loading the session's user")?;
    Ok(row.and_then(|row| {
        Some(Principal {
            user_id: UserId::from_trusted(row.id),
            role: Role::parse(&row.role)?,
            email: row.email,
            display_name: row.display_name,
            contact_id: row.contact_id.map(ContactId::from_trusted),
            session_handle: handle.to_owned(),
        })
    }))
}

/// Notes activity on a session, for the sessions page.
pub async fn touch(db: &Db, handle: &str, client: &ClientInfo, now: i64) -> anyhow::Result<()> {
    sqlx::query("update user_sessions set last_seen_at = $1, ip = $2 where handle = $3")
        .bind(now)
        .bind(client.ip.map(|ip| ip.to_string()))
        .bind(handle.to_owned())
        .execute(db.pool())
        .await
        .context("updating the session's last activity")?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    handle: String,
    created_at: i64,
    last_seen_at: i64,
    ip: Option<String>,
    user_agent: Option<String>,
}

/// The user's live sessions, most recently used first.
pub async fn list_sessions(
    db: &Db,
    user_id: &UserId,
    current_handle: &str,
) -> anyhow::Result<Vec<SessionView>> {
    let rows: Vec<SessionRow> = sqlx::query_as(
        "select handle, created_at, last_seen_at, ip, user_agent from user_sessions
         where user_id = $1 order by last_seen_at desc limit 100",
    )
    .bind(user_id.clone())
    .fetch_all(db.pool())
    .await
    .context("listing sessions")?;
    Ok(rows
        .into_iter()
        .map(|row| SessionView {
            current: row.handle == current_handle,
            id: row.handle,
            device: describe_device(row.user_agent.as_deref()),
            ip: row.ip.unwrap_or_default(),
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
        })
        .collect())
}

/// Ends one of the user's sessions. Scoped to the user, so nobody can end
/// another user's session by guessing its id. Returns whether one ended.
pub async fn end_session(
    conn: &mut AnyConnection,
    user_id: &UserId,
    handle: &SessionId,
) -> anyhow::Result<bool> {
    let result = sqlx::query("delete from user_sessions where handle = $1 and user_id = $2")
        .bind(handle.clone())
        .bind(user_id.clone())
        .execute(conn)
        .await
        .context("ending a session")?;
    Ok(result.rows_affected() > 0)
}

/// Ends every session of the user, and every sign-in of theirs still half
/// done (password given, MFA owed or being set up), which has no
/// `user_sessions` row yet: `users.sessions_ended_at` refuses those.
/// Returns how many sessions ended.
pub async fn end_all_sessions(conn: &mut AnyConnection, user_id: &str) -> anyhow::Result<u64> {
    let result = sqlx::query("delete from user_sessions where user_id = $1")
        .bind(user_id.to_owned())
        .execute(&mut *conn)
        .await
        .context("ending all sessions")?;
    sqlx::query("update users set sessions_ended_at = $1 where id = $2")
        .bind(crate::server::now_ms())
        .bind(user_id.to_owned())
        .execute(conn)
        .await
        .context("ending half-done sign-ins")?;
    Ok(result.rows_affected())
}

/// A short, human description of a browser from its user agent.
fn describe_device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent else {
        return "Unknown device".to_owned();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(marker, _)| ua.contains(marker))
    .map_or("Browser", |(_, name)| name);
    let os = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| ua.contains(marker))
    .map_or("unknown system", |(_, name)| name);
    format!("{browser} on {os}")
}

/// When the session was last active (UTC ms), as `resolve` last noted it:
/// `None` when the session was ended. An open message stream reads this to
/// learn whether its user was active elsewhere.
pub async fn last_seen_at(db: &Db, handle: &str) -> anyhow::Result<Option<i64>> {
    let row: Option<(i64,)> =
        sqlx::query_as("select last_seen_at from user_sessions where handle = $1")
            .bind(handle.to_owned())
            .fetch_optional(db.pool())
            .await
            .context("reading the session's last activity")?;
    Ok(row.map(|(at,)| at))
}

/// Removes the `user_sessions` rows of sessions past the idle or absolute
/// limit at `now`, so the sessions page lists only live ones, even for a
/// browser that never comes back. Returns how many were removed.
///
/// The absolute limit counts here from the row's `created_at`, when the
/// sign-in completed; the session itself counts from the password step,
/// at most the MFA window earlier. Requests on such a session are refused
/// on time all the same (`resolve` reads the session's own times); only
/// its row can stay listed that much longer.
pub async fn sweep_expired_sessions(
    db: &Db,
    limits: crate::domain::auth::SessionLimits,
    now: i64,
) -> anyhow::Result<u64> {
    let mut tx = db.begin_write().await?;
    let result =
        sqlx::query("delete from user_sessions where last_seen_at <= $1 or created_at <= $2")
            .bind(now - limits.idle_ms)
            .bind(now - limits.absolute_ms)
            .execute(tx.conn())
            .await
            .context("removing expired sessions")?;
    tx.commit().await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_described_from_the_user_agent() {
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(Some(iphone)), "Safari on iPhone");
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(describe_device(Some(chrome)), "Chrome on Linux");
        assert_eq!(describe_device(None), "Unknown device");
    }
}
