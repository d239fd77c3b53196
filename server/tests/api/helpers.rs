//! `spawn_app`: a real server on port 0 over a fresh database, a temp SQLite
//! file or a new PostgreSQL database that is dropped afterwards. The
//! [`TestApp`] it returns carries what the tests do to it again and again:
//! sign in, call a server function, look up a matter, a contact or a thread,
//! count rows.

use std::{collections::HashMap, net::SocketAddr};

use app::server::{AppState, db::Backend};
use axum::Router;
use server::{
    config::{Config, Overrides},
    startup::Application,
    state::ServerState,
};
use sqlx::{Connection as _, PgConnection};
use tokio::sync::oneshot;

/// The demo firm's users, as [`TestApp::seed`] creates them: tests name
/// them by these, so a change to the seed is a change in one place.
pub use app::server::seed::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, DEMO_STAFF};

/// Runs each named test once on SQLite (module `sqlite`) and once on
/// PostgreSQL (module `pg`). A test is a plain `async fn name(app: TestApp)`
/// beside the invocation, so rustfmt formats it; the generated test
/// `sqlite::name` or `pg::name` hands it a server from `spawn_app`. With
/// `spawn = f` first, it hands it what `f(backend).await` returns instead: a
/// server configured otherwise, or a server with something beside it.
///
/// ```text
/// async fn a_client_sees_only_their_matters(app: TestApp) { .. }
/// on_both_backends!(a_client_sees_only_their_matters, another_test);
/// on_both_backends!(spawn = small_limit_app, an_upload_over_the_limit_is_refused);
/// ```
///
/// A test left out of the list is never called, and the dead-code lint
/// says so.
///
/// Tests run on a multi-threaded runtime, as `vellum serve` does. Many
/// servers share this process: the route list is generated once per process
/// (`startup::route_list`), because a generation running while another
/// test's server renders a page made that render wait for ever.
#[macro_export]
macro_rules! on_both_backends {
    (@modules $spawn:path, $($name:ident),+) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($spawn(app::server::db::Backend::Sqlite).await).await;
                }
            )+
        }
        mod pg {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($spawn(app::server::db::Backend::Postgres).await).await;
                }
            )+
        }
    };
    // The spawn function is the test file's own, named from inside the
    // generated modules.
    (spawn = $spawn:ident, $($name:ident),+ $(,)?) => {
        $crate::on_both_backends!(@modules super::$spawn, $($name),+);
    };
    ($($name:ident),+ $(,)?) => {
        $crate::on_both_backends!(@modules $crate::helpers::spawn_app, $($name),+);
    };
}

/// The PostgreSQL server that test databases are created on.
fn pg_admin_url() -> String {
    std::env::var("VELLUM_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A running server and what tests need to talk to it.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// An HTTP client with a cookie jar.
    pub client: reqwest::Client,
    /// The server's state, for looking into the database.
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    used_steps: std::sync::Mutex<HashMap<String, u64>>,
    config: Config,
    _pg_database: Option<PgTestDatabase>,
    /// The temp data dir, owned by the first instance on it.
    _data_dir: Option<tempfile::TempDir>,
}

/// The password every seeded test user has.
pub const TEST_PASSWORD: &str = "plum kettle harbour lantern";
/// The TOTP seed of every seeded firm user (RFC 6238's test seed).
pub const TEST_TOTP_SEED: &[u8] = b"12345678901234567890";

impl TestApp {
    /// Seeds the demo firm with [`TEST_PASSWORD`] and [`TEST_TOTP_SEED`].
    pub async fn seed(&self) {
        app::server::seed::seed_demo_firm(&self.state, &TEST_PASSWORD.into(), TEST_TOTP_SEED)
            .await
            .expect("seed the demo firm");
    }

    /// A fresh client (own cookie jar) signed in as `email`, completing the
    /// MFA step for firm users with a TOTP code not used before.
    pub async fn signed_in_client(&self, email: &str) -> reqwest::Client {
        let client = new_client();
        let response = client
            .post(self.url("/api/sign_in"))
            .form(&[("email", email), ("password", TEST_PASSWORD)])
            .send()
            .await
            .expect("sign-in request");
        assert_eq!(
            response.status(),
            200,
            "signing in as {email}: {}",
            response.text().await.unwrap_or_default()
        );
        let step: String = response.text().await.expect("sign-in answer");
        if step.contains("MfaRequired") {
            let code = self.fresh_totp_code(email);
            let response = client
                .post(self.url("/api/verify_mfa"))
                .form(&[("code", code.as_str())])
                .send()
                .await
                .expect("MFA request");
            assert_eq!(
                response.status(),
                200,
                "MFA for {email}: {}",
                response.text().await.unwrap_or_default()
            );
        }
        client
    }

    /// A TOTP code for `email` at a time step this test has not used yet for
    /// that user (codes cannot be replayed). One step ahead is accepted, so a
    /// user can sign in twice within 30 seconds.
    pub fn fresh_totp_code(&self, email: &str) -> String {
        let now = u64::try_from(app::server::now_ms() / 1000).expect("time");
        let mut used = self.used_steps.lock().expect("lock");
        let step = used
            .get(email)
            .map_or(now / 30, |last| (last + 1).max(now / 30));
        assert!(
            step <= now / 30 + 1,
            "signed {email} in too often for TOTP steps"
        );
        used.insert(email.to_owned(), step);
        app::server::auth::totp::code_at(TEST_TOTP_SEED, step * 30).expect("TOTP code")
    }

    /// Every email queued for `to`, oldest first: (kind, subject, body),
    /// the body opened with the app's own crypto as the mail sender opens
    /// it. Without SMTP nothing else can read a link, so tests read it here.
    pub async fn outbox_emails(&self, to: &str) -> Vec<(String, String, String)> {
        let rows: Vec<(String, String, String, Option<Vec<u8>>)> = sqlx::query_as(
            "select id, kind, subject, body_sealed from outbox where to_address = $1
             order by created_at, id",
        )
        .bind(to.to_owned())
        .fetch_all(self.state.db.pool())
        .await
        .expect("reading the outbox");
        let mut emails = Vec::new();
        for (id, kind, subject, sealed_body) in rows {
            let pending = app::server::outbox::PendingEmail {
                id,
                to: to.to_owned(),
                subject: subject.clone(),
                sealed_body,
                attempts: 0,
            };
            let body = app::server::outbox::open_body(&self.state.keys, &self.state.db, &pending)
                .await
                .expect("opening an email body");
            emails.push((kind, subject, body.as_str().to_owned()));
        }
        emails
    }

    /// Whether `needle` is stored anywhere in the outbox as it lies on disk:
    /// on SQLite the raw bytes of the database file and its WAL and shared
    /// memory files, on PostgreSQL every outbox row rendered as text.
    pub async fn outbox_on_disk_contains(&self, needle: &str) -> bool {
        match self.state.db.backend() {
            Backend::Sqlite => ["vellum.db", "vellum.db-wal", "vellum.db-shm"]
                .iter()
                .filter_map(|name| std::fs::read(self.data_dir().join(name)).ok())
                .any(|bytes| {
                    bytes
                        .windows(needle.len())
                        .any(|window| window == needle.as_bytes())
                }),
            Backend::Postgres => {
                let rows: Vec<(String,)> = sqlx::query_as("select o::text from outbox o")
                    .fetch_all(self.state.db.pool())
                    .await
                    .expect("reading the outbox rows");
                rows.iter().any(|(row,)| row.contains(needle))
            }
        }
    }

    /// The server's data dir.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.config.data_dir
    }

    /// Starts a second server on this one's data dir and database, as an
    /// overlapping restart does (start-up work such as the orphan sweep
    /// included). It stops when dropped; the data dir and database stay
    /// this server's.
    pub async fn second_instance(&self) -> TestApp {
        start(self.config.clone(), Router::new(), None, None).await
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// GET `path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET request failed")
    }

    /// POSTs `form` to `path` as `client`, as a server function is called:
    /// the status and the body.
    pub async fn post(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String) {
        let response = client.post(self.url(path)).form(form).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Signs in as `email` with `password`, as `client`: the status and the
    /// body, whose step says whether MFA comes next. Does not complete MFA;
    /// [`TestApp::signed_in_client`] does.
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> (u16, String) {
        self.post(
            client,
            "/api/sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// Completes a first sign-in's MFA set-up for `client`, whose password
    /// step answered `MfaSetupRequired`: takes the seed the set-up page
    /// shows and proves a code from it. Answers the seed and the recovery
    /// codes.
    pub async fn set_up_mfa(&self, client: &reqwest::Client) -> (Vec<u8>, Vec<String>) {
        let (status, body) = self.post(client, "/api/begin_mfa_setup", &[("", "")]).await;
        assert_eq!(status, 200, "begin the set-up: {body}");
        let view: serde_json::Value = serde_json::from_str(&body).expect("set-up JSON");
        let secret = view["secret"].as_str().expect("the key").to_owned();
        let seed = app::server::auth::totp::seed_from_base32(&secret)
            .expect("base32")
            .to_vec();
        let now = u64::try_from(app::server::now_ms() / 1000).expect("time");
        let code = app::server::auth::totp::code_at(&seed, now).expect("code");
        let (status, body) = self
            .post(client, "/api/confirm_mfa_setup", &[("code", code.as_str())])
            .await;
        assert_eq!(status, 200, "confirm the set-up: {body}");
        let codes: Vec<String> = serde_json::from_str(&body).expect("recovery codes");
        (seed, codes)
    }

    /// The id of the user whose email is `email`.
    pub async fn user_id(&self, email: &str) -> String {
        let (id,): (String,) = sqlx::query_as("select id from users where email = $1")
            .bind(email.to_owned())
            .fetch_one(self.state.db.pool())
            .await
            .unwrap();
        id
    }

    /// The id of the matter `number`.
    pub async fn matter_id(&self, number: &str) -> String {
        let (id,): (String,) = sqlx::query_as("select id from matters where number = $1")
            .bind(number.to_owned())
            .fetch_one(self.state.db.pool())
            .await
            .unwrap();
        id
    }

    /// The id of the contact whose email is `email`.
    pub async fn contact_id(&self, email: &str) -> String {
        let (id,): (String,) = sqlx::query_as("select id from contacts where email = $1")
            .bind(email.to_owned())
            .fetch_one(self.state.db.pool())
            .await
            .unwrap();
        id
    }

    /// The first message thread on the matter `number`, if it has one (the
    /// demo gives some matters one).
    pub async fn thread_on(&self, number: &str) -> Option<String> {
        sqlx::query_as::<_, (String,)>(
            "select t.id from message_threads t join matters m on m.id = t.matter_id
             where m.number = $1 order by t.id limit 1",
        )
        .bind(number.to_owned())
        .fetch_optional(self.state.db.pool())
        .await
        .unwrap()
        .map(|(id,)| id)
    }

    /// Puts `email` behind an ethical wall on the matter `number`; a wall
    /// that is already there stays as it is.
    pub async fn wall_off(&self, email: &str, number: &str) {
        sqlx::query(
            "insert into ethical_walls (matter_id, user_id, reason, created_at)
             select m.id, u.id, 'test wall', 0 from matters m, users u
             where m.number = $1 and u.email = $2
             on conflict do nothing",
        )
        .bind(number.to_owned())
        .bind(email.to_owned())
        .execute(self.state.db.pool())
        .await
        .unwrap();
    }

    /// The number a `select count(*) ..` query answers, with `binds` for
    /// its `$1`, `$2`, ...
    pub async fn count(&self, sql: &str, binds: &[&str]) -> i64 {
        let mut query = sqlx::query_as::<_, (i64,)>(sql);
        for bind in binds {
            query = query.bind((*bind).to_owned());
        }
        query.fetch_one(self.state.db.pool()).await.unwrap().0
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

/// A PostgreSQL database made for one test; dropped with it.
struct PgTestDatabase {
    name: String,
}

impl Drop for PgTestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside async; use a small runtime of its own.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for dropping the test database")
                .block_on(async move {
                    let mut admin = PgConnection::connect(&pg_admin_url()).await?;
                    sqlx::raw_sql(&format!("drop database if exists \"{name}\" with (force)"))
                        .execute(&mut admin)
                        .await
                        .map(|_| ())
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

/// The token in the last link `prefix` (`/invite/` or `/reset/`) in an
/// email's `body`.
pub fn token_in(body: &str, prefix: &str) -> String {
    let start = body.rfind(prefix).expect("the email has a link") + prefix.len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// An HTTP client with its own cookie jar that does not follow redirects.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        // A hung request fails its test within a minute instead of
        // stalling the whole suite.
        .timeout(std::time::Duration::from_mins(1))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// Starts a server on a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Router::new()).await
}

/// Starts a server with extra routes inside the middleware stack (for
/// example a route that panics).
pub async fn spawn_app_with(backend: Backend, extra_routes: Router<ServerState>) -> TestApp {
    spawn_app_configured(backend, extra_routes, &[]).await
}

/// Sends the server's logs to the test's captured output, shown when a
/// test fails.
fn init_test_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "warn,server=info,app=info",
        ))
        .with_test_writer()
        .try_init();
}

/// Starts a server with extra routes and extra `VELLUM_*` settings.
pub async fn spawn_app_configured(
    backend: Backend,
    extra_routes: Router<ServerState>,
    settings: &[(&'static str, &str)],
) -> TestApp {
    init_test_logs();
    let data_dir = tempfile::tempdir().expect("temp data dir");
    let (database_url, database) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", data_dir.path().join("vellum.db").display()),
            None,
        ),
        Backend::Postgres => {
            let name = format!("vellum_test_{}", uuid::Uuid::now_v7().simple());
            let admin_url = pg_admin_url();
            let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("PostgreSQL at {admin_url} is required for pg:: tests: {e}")
            });
            sqlx::raw_sql(&format!("create database \"{name}\""))
                .execute(&mut admin)
                .await
                .expect("create the test database");
            let (base, _) = admin_url
                .rsplit_once('/')
                .expect("admin URL has a database");
            (format!("{base}/{name}"), Some(name))
        }
    };
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("VELLUM_DATA_DIR", data_dir.path().display().to_string()),
        ("VELLUM_DATABASE_URL", database_url),
        ("VELLUM_LISTEN", "127.0.0.1:0".to_owned()),
    ]);
    for (key, value) in settings {
        vars.insert(key, (*value).to_owned());
    }
    let config =
        Config::load(&Overrides::default(), |key| vars.get(key).cloned()).expect("test config");
    start(
        config,
        extra_routes,
        database.map(|name| PgTestDatabase { name }),
        Some(data_dir),
    )
    .await
}

/// Builds and runs a server with `config`; the returned app owns the test
/// database and data dir it is given, if any.
async fn start(
    config: Config,
    extra_routes: Router<ServerState>,
    database: Option<PgTestDatabase>,
    data_dir: Option<tempfile::TempDir>,
) -> TestApp {
    let application = Application::build(&config, extra_routes)
        .await
        .expect("build the application");
    let addr = application.local_addr().expect("bound address");
    let state = application.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        client: new_client(),
        state,
        shutdown: Some(stop),
        used_steps: std::sync::Mutex::new(HashMap::new()),
        config,
        _pg_database: database,
        _data_dir: data_dir,
    }
}
