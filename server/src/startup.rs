//! Start-up: configuration → database → workers → router → bound port, and
//! the orderly stop: drain the requests, then the workers.

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
};

use anyhow::Context as _;
use app::server::{
    AppState,
    auth::{password::PasswordHasher, session::VellumSessionStore},
    crypto::{KeyService, Keyring},
    db::Db,
};
use axum::{Router, middleware};
use axum_server::tls_rustls::RustlsConfig;
use leptos::config::LeptosOptions;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::limit::RequestBodyLimitLayer;
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

use crate::{
    assets,
    config::{Config, ConfigError, KeyringSource, TlsFiles},
    http, routes,
    state::{Edge, ServerState, request_context_provider},
    workers::Workers,
};

/// A server that is bound to its port and ready to run.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    state: AppState,
    tls: Option<RustlsConfig>,
    workers: Workers,
}

impl Application {
    /// Opens the database, applies migrations, starts the background
    /// workers, builds the router and binds the port. `extra_routes` lets
    /// tests add routes inside the middleware.
    pub async fn build(config: &Config, extra_routes: Router<ServerState>) -> anyhow::Result<Self> {
        let state = app_state(config).await?;
        let sessions =
            VellumSessionStore::open(config.database_url.expose(), state.db.backend()).await?;
        let mailer = match &config.smtp {
            Some(smtp) => Some(crate::mail::Mailer::new(smtp)?),
            None => None,
        };
        let workers = Workers::start(&state, sessions.clone(), mailer).await?;
        let tls = match &config.tls {
            Some(files) => Some(rustls_config(files).await?),
            None => None,
        };
        let listener = config.bind().await?;
        let addr = listener.local_addr().context("reading the bound address")?;
        let router = router(config, state.clone(), sessions, addr, extra_routes);
        Ok(Self {
            listener,
            router,
            state,
            tls,
            workers,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The application state, for tests that inspect the database.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, drains in-flight requests, then
    /// stops the workers.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Self {
            listener,
            router,
            tls,
            workers,
            ..
        } = self;
        let served = serve(listener, router, tls, shutdown).await;
        workers.stop().await;
        served
    }
}

/// Serves `router` on `listener` (over TLS when configured) until
/// `shutdown` resolves, then drains in-flight requests.
async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    tls: Option<RustlsConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let Some(tls) = tls else {
        return axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
    };
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, tls)?
        .handle(handle)
        .serve(service)
        .await
}

/// Loads the certificate and key, naming the setting when they are unusable.
async fn rustls_config(files: &TlsFiles) -> Result<RustlsConfig, ConfigError> {
    // ring is the one crypto provider in the build; installing it twice (as
    // tests that start several servers do) is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    RustlsConfig::from_pem_file(&files.cert, &files.key)
        .await
        .map_err(|err| ConfigError {
            setting: "tls_cert / tls_key (VELLUM_TLS_CERT / VELLUM_TLS_KEY)",
            message: format!(
                "cannot use {} and {}: {err}",
                files.cert.display(),
                files.key.display()
            ),
        })
}

/// Opens the database (applying migrations), the keyring and the password
/// hasher: everything the CLI subcommands and the server share.
pub async fn app_state(config: &Config) -> anyhow::Result<AppState> {
    config.prepare_data_dir()?;
    let db = Db::connect(config.database_url.expose())
        .await
        .with_context(|| format!("opening the database at {}", config.database_url))?;
    db.migrate().await?;
    let keyring = match &config.keyring {
        KeyringSource::File(path) => Keyring::load_or_create(path)?,
        KeyringSource::Inline(text) => {
            Keyring::from_env_value(text).context("VELLUM_MASTER_KEY")?
        }
    };
    let state = AppState {
        db,
        hasher: PasswordHasher::new(config.argon2)?,
        keys: Arc::new(KeyService::new(Arc::new(keyring))),
        session_limits: config.session_limits,
        blobs: Arc::new(app::server::blobs::FsBlobStore::open_dir(
            &config.data_dir.join("blobs"),
        )?),
        public_url: config.public_url.clone(),
        calendar_feed_days: i64::from(config.calendar_feed_days),
        message_bus: app::server::messages::MessageBus::new(),
        messaging: app::server::messages::MessagingSettings {
            sla_minutes: i64::from(config.message_sla_minutes),
            notify_batch_minutes: i64::from(config.notify_batch_minutes),
        },
        flood: Arc::new(app::server::flood::FloodGate::new(
            app::server::flood::FloodLimits::default(),
        )),
        max_upload_bytes: config.max_upload_bytes,
    };
    app::server::auth::signin::upgrade_recovery_codes(&state).await?;
    Ok(state)
}

/// The Leptos options, built in code: the bundle's hashed name comes from the
/// embedded site, so the executable needs no `Cargo.toml` or env variables.
fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(assets::output_name())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(leptos::config::Env::PROD)
        .build()
}

/// The session cookie: HttpOnly, SameSite=Lax, expiring after the idle
/// timeout. Under TLS it is Secure and named with the `__Host-` prefix.
fn session_layer(
    config: &Config,
    store: VellumSessionStore,
) -> SessionManagerLayer<VellumSessionStore> {
    let idle = time::Duration::milliseconds(config.session_limits.idle_ms);
    // `__Host-` makes browsers refuse the cookie unless it is Secure, has
    // Path=/ and no Domain: it cannot be planted by a sibling subdomain.
    let name = if config.https() {
        "__Host-vellum_session"
    } else {
        "vellum_session"
    };
    SessionManagerLayer::new(store)
        .with_name(name)
        .with_secure(config.https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}

/// The app's routes, generated once per process. Generating them runs the
/// app with resource loading switched off through a process-wide flag, and
/// a resource first polled by a render on another thread while that flag
/// is up waits for ever (leptos-rs/leptos#4773). One server per process
/// never meets this, but the integration tests start many servers in one
/// process while others are serving: that was the page render that hung
/// now and then, there and only there.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES
        .get_or_init(|| generate_route_list(app::ui::App))
        .clone()
}

fn router(
    config: &Config,
    state: AppState,
    sessions: VellumSessionStore,
    addr: SocketAddr,
    extra_routes: Router<ServerState>,
) -> Router {
    let leptos_options = leptos_options(addr);
    let pages = route_list();
    let edge = Edge {
        https: config.https(),
        behind_proxy: config.behind_proxy,
    };
    let server_state = ServerState {
        leptos_options: leptos_options.clone(),
        app: state.clone(),
        edge,
    };
    Router::new()
        .merge(extra_routes)
        .leptos_routes_with_context(&server_state, pages, request_context_provider(state), {
            let options = leptos_options.clone();
            move || app::ui::shell(options.clone())
        })
        .fallback(http::fallback)
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .merge(routes::router(config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            server_state.clone(),
            http::auth_context,
        ))
        .layer(session_layer(config, sessions))
        // Before the session layer: a refused request writes nothing at all.
        .layer(middleware::from_fn_with_state(
            server_state.clone(),
            http::flood_gate,
        ))
        .layer(middleware::from_fn(http::reject_cross_site))
        .layer(middleware::from_fn_with_state(edge, http::request_context))
        .with_state(server_state)
}
