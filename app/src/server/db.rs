//! The data layer: one pool over SQLite (the embedded default) or PostgreSQL.
//!
//! Queries go through `sqlx::Any`, so one SQL text serves both backends
//! wherever the SQL is the same. The schema keeps to types that cross `Any`
//! unchanged: text ids, `bigint` times in UTC milliseconds, `bigint` 0/1 flags
//! and money in minor units (see `migrations/`).

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use anyhow::Context as _;
use sqlx::{
    AnyConnection, AnyPool, Transaction,
    any::{AnyConnectOptions, AnyPoolOptions},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Which database engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, embedded in the process.
    Sqlite,
    /// PostgreSQL, for firms that outgrow one machine.
    Postgres,
}

impl Backend {
    /// Recognises the backend from a database URL's scheme. Anything else is
    /// rejected, so a typo never silently falls back to a default database.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            "" => Err("it has no scheme; expected sqlite://… or postgres://…".to_owned()),
            other => Err(format!(
                "unknown scheme \"{other}\"; expected sqlite://… or postgres://…"
            )),
        }
    }
}

/// The file a SQLite URL names (`sqlite://path`, `sqlite:path`, with or
/// without `?…` options); `None` for other backends and in-memory databases.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, options) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory = path.is_empty()
        || path == ":memory:"
        || options.split('&').any(|option| option == "mode=memory");
    (!in_memory).then(|| PathBuf::from(path))
}

/// A handle on the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time. Write transactions queue here
    /// instead of failing with `SQLITE_BUSY` when two of them race to upgrade
    /// their locks (which `busy_timeout` does not cover). PostgreSQL needs no
    /// such gate.
    writer: Option<Arc<Semaphore>>,
}

/// A write transaction. On SQLite it also holds the single-writer permit.
pub struct WriteTx {
    tx: Transaction<'static, sqlx::Any>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl WriteTx {
    /// The connection to run statements on.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Commits, releasing the writer permit afterwards.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Db {
    /// Opens a pool on `url` (`sqlite://…` or `postgres://…`). For SQLite the
    /// file is created if missing.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).map_err(|e| anyhow::anyhow!("database URL: {e}"))?;
        if let Some(file) = sqlite_file(url) {
            // Made 0600 before SQLite opens it: SQLite gives the -wal and
            // -shm files it creates the main file's mode. Files an older
            // version left readable by others are tightened.
            super::file_modes::private_file(&file)?;
            for suffix in ["-wal", "-shm"] {
                let mut side = file.clone().into_os_string();
                side.push(suffix);
                super::file_modes::tighten_if_present(Path::new(&side))?;
            }
        }
        let (url, max_connections) = match backend {
            Backend::Sqlite if url.contains('?') => (url.to_owned(), 8),
            Backend::Sqlite => (format!("{url}?mode=rwc"), 8),
            Backend::Postgres => (url.to_owned(), 16),
        };
        let options = AnyConnectOptions::from_str(&url).context("parsing the database URL")?;
        let sqlite = backend == Backend::Sqlite;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    // Deleted and overwritten values (a plaintext email body
                    // sealed at start, a spent session) are zeroed in the
                    // file instead of lingering in free space.
                    if sqlite {
                        sqlx::query("pragma secure_delete = on")
                            .execute(&mut *conn)
                            .await?;
                        // Sorts and materialized results (the search's
                        // matches) stay in memory: faster, and names never
                        // spill to a temporary file beside the database.
                        sqlx::query("pragma temp_store = memory")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .context("connecting to the database")?;
        if backend == Backend::Sqlite {
            // sqlx already turns foreign keys on and sets a 5 s busy timeout
            // on every SQLite connection, and SQLite's default `synchronous =
            // full` makes each commit durable. WAL lets readers proceed while
            // the one writer writes; the setting is stored in the file itself.
            sqlx::query("pragma journal_mode = wal")
                .execute(&pool)
                .await
                .context("switching SQLite to WAL mode")?;
        }
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(Semaphore::new(1)));
        Ok(Self {
            pool,
            backend,
            writer,
        })
    }

    /// Applies the migrations of this backend. Each backend has its own
    /// folder with the same version numbers.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("../migrations/postgres"),
        };
        migrator
            .run(&self.pool)
            .await
            .context("applying database migrations")
    }

    /// The pool, for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction, waiting for the writer slot on SQLite.
    pub async fn begin_write(&self) -> anyhow::Result<WriteTx> {
        let permit = match &self.writer {
            Some(gate) => Some(
                Arc::clone(gate)
                    .acquire_owned()
                    .await
                    .context("the SQLite writer gate was closed")?,
            ),
            None => None,
        };
        let tx = match self.backend {
            // IMMEDIATE takes SQLite's write lock up front, waiting out
            // `busy_timeout` for writers outside the gate (the session store).
            // A deferred transaction that reads first and then writes cannot
            // wait: SQLite answers "database is locked" at once rather than
            // risk a deadlock, and the request would fail.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .context("beginning a transaction")?;
        Ok(WriteTx {
            tx,
            _permit: permit,
        })
    }

    /// Checks that the database answers, for `/readyz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("select 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `raw`, lowercased, as a `like` pattern matching it anywhere, its own
/// `%`, `_` and `\` taken literally (the query says `escape '\'`).
pub fn contains_pattern(raw: &str) -> String {
    let mut pattern = String::with_capacity(raw.len() + 2);
    pattern.push('%');
    for c in raw.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_is_taken_from_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/vellum.db"),
            Ok(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Ok(Backend::Postgres)
        );
    }

    #[test]
    fn an_unknown_or_missing_scheme_is_rejected_with_the_expected_forms() {
        let err = Backend::from_url("mysql://h/db").unwrap_err();
        assert!(err.contains("unknown scheme \"mysql\""), "{err}");
        assert!(err.contains("sqlite://"), "{err}");
        assert!(Backend::from_url("data/vellum.db").is_err());
    }

    #[test]
    fn the_sqlite_file_is_read_from_every_url_form_and_memory_has_none() {
        for (url, file) in [
            ("sqlite://data/vellum.db", Some("data/vellum.db")),
            ("sqlite:///srv/v.db?mode=rwc", Some("/srv/v.db")),
            ("sqlite:v.db", Some("v.db")),
            ("sqlite::memory:", None),
            ("sqlite://x.db?mode=memory", None),
            ("postgres://u@h/db", None),
        ] {
            assert_eq!(sqlite_file(url), file.map(PathBuf::from), "{url}");
        }
    }

    #[test]
    fn a_search_word_matches_literally_anywhere() {
        assert_eq!(contains_pattern("Mo%re_au\\"), "%mo\\%re\\_au\\\\%");
    }
}
