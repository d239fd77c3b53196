//! Start-up: configuration → database → router → bound port.

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
use axum::{Router, extract::FromRef, middleware, routing::get};
use axum_server::tls_rustls::RustlsConfig;
use leptos::{
    config::LeptosOptions,
    prelude::{provide_context, use_context},
};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::limit::RequestBodyLimitLayer;
use tower_sessions::{ExpiredDeletion as _, Expiry, SessionManagerLayer, cookie::SameSite};

use crate::{
    assets,
    config::{Config, ConfigError, KeyringSource, TlsFiles},
    http,
};

/// The router's state: the Leptos options and the app's own state.
#[derive(Clone, Debug)]
pub struct ServerState {
    /// Leptos's settings (bundle name, pkg dir).
    pub leptos_options: LeptosOptions,
    /// The application state provided to pages and server functions.
    pub app: AppState,
    /// How the server is reached.
    pub edge: http::Edge,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.leptos_options.clone()
    }
}

/// A server that is bound to its port and ready to run.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    state: AppState,
    tls: Option<RustlsConfig>,
}

impl Application {
    /// Opens the database, applies migrations, builds the router and binds
    /// the port. `extra_routes` lets tests add routes inside the middleware.
    pub async fn build(config: &Config, extra_routes: Router<ServerState>) -> anyhow::Result<Self> {
        let state = app_state(config).await?;
        app::server::documents::sweep_orphans(&state, app::server::documents::ORPHAN_GRACE).await?;
        // Mail queued in plaintext by an older version is sealed before the
        // sender can pick it up.
        app::server::outbox::seal_plaintext_bodies(&state.db, &state.keys).await?;
        crate::messages::spawn_escalations(state.clone());
        spawn_flood_audit(state.clone());
        if let Some(smtp) = &config.smtp {
            crate::mail::spawn_delivery(state.clone(), crate::mail::Mailer::new(smtp)?);
        }
        let sessions =
            VellumSessionStore::open(config.database_url.expose(), state.db.backend()).await?;
        tokio::spawn(
            sessions
                .clone()
                .continuously_delete_expired(tokio::time::Duration::from_secs(300)),
        );
        spawn_session_sweeper(state.clone());
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

    /// Serves until `shutdown` resolves, then drains in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let Some(tls) = self.tls else {
            return axum::serve(self.listener, service)
                .with_graceful_shutdown(shutdown)
                .await;
        };
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        axum_server::from_tcp_rustls(self.listener.into_std()?, tls)?
            .handle(handle)
            .serve(service)
            .await
    }
}

/// Audits the flood limits' refusals once a window, one row per network.
fn spawn_flood_audit(state: AppState) {
    tokio::spawn(async move {
        let window = std::time::Duration::from_millis(app::server::flood::WINDOW_MS.unsigned_abs());
        let mut ticks = tokio::time::interval(window);
        loop {
            ticks.tick().await;
            if let Err(err) = state.flood.flush(&state.db).await {
                tracing::error!(error = format!("{err:#}"), "cannot audit refused requests");
            }
        }
    });
}

/// Removes expired `user_sessions` rows every quarter of the idle timeout
/// (at least every second, at most every minute), so the sessions page
/// lists only live sessions. The tower-sessions records expire on their own
/// (`continuously_delete_expired` above).
fn spawn_session_sweeper(state: AppState) {
    let every_ms = (state.session_limits.idle_ms / 4).clamp(1_000, 60_000);
    let every = std::time::Duration::from_millis(u64::try_from(every_ms).unwrap_or(60_000));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = app::server::now_ms();
            match app::server::auth::session::sweep_expired_sessions(
                &state.db,
                state.session_limits,
                now,
            )
            .await
            {
                Ok(0) => {}
                Ok(swept) => tracing::info!(swept, "removed expired sessions"),
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), "removing expired sessions");
                }
            }
        }
    });
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

/// Provides the app state and this request's CSP nonce to a render or a
/// server function call.
pub fn request_context_provider(state: AppState) -> impl Fn() + Clone + Send + 'static {
    move || {
        provide_context(state.clone());
        // Leptos made a nonce of its own; replace it with the one in the
        // response's CSP header.
        let nonce = use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<leptos::nonce::Nonce>().cloned());
        if let Some(nonce) = nonce {
            provide_context(nonce);
        }
    }
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
    let routes = route_list();
    let edge = http::Edge {
        https: config.https(),
        behind_proxy: config.behind_proxy,
    };
    let server_state = ServerState {
        leptos_options: leptos_options.clone(),
        app: state.clone(),
        edge,
    };
    Router::new()
        .route("/healthz", get(http::healthz))
        .route("/readyz", get(http::readyz))
        .merge(crate::calendar::routes())
        .merge(crate::messages::routes())
        .merge(crate::billing::billing_routes())
        .merge(extra_routes)
        .leptos_routes_with_context(&server_state, routes, request_context_provider(state), {
            let options = leptos_options.clone();
            move || app::ui::shell(options.clone())
        })
        .fallback(http::fallback)
        // The global body limit covers everything above; the document
        // routes merged below stream uploads against their own limit.
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .merge(crate::documents::document_routes(config.max_upload_bytes))
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
