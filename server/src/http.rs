//! The HTTP edge: the per-request middleware (request id, CSP nonce, security
//! headers, panic containment, access log, cross-site check, flood limits,
//! the session) and the fallback for what no route matched.

use std::{panic::AssertUnwindSafe, time::Instant};

use app::{
    domain::AppError,
    server::{
        RequestId, ServiceError,
        auth::{AuthContext, ClientInfo},
    },
};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures_util::FutureExt as _;
use leptos::{nonce::Nonce, server_fn::error::FromServerFnError};
use tracing::Instrument as _;

use crate::state::{Edge, ServerState, request_context_provider};

/// The header that carries the request id back to the client.
pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The content security policy, around this request's nonce. The nonce lets
/// the Leptos hydration and streaming scripts run and nothing else inline;
/// `'wasm-unsafe-eval'` lets the wasm bundle compile.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; \
         font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
         object-src 'none'"
    )
}

/// Runs around every request:
/// - gives it an id (in the extensions, the log span and `x-request-id`);
/// - makes a CSP nonce that the page's scripts are rendered with;
/// - turns a panic into a bare 500 that carries only the request id;
/// - adds the security headers to every response;
/// - writes one access-log line.
pub async fn request_context(
    State(edge): State<Edge>,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = uuid::Uuid::now_v7().to_string();
    let nonce = Nonce::new();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    request.extensions_mut().insert(nonce.clone());

    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %loggable_path(request.uri().path()),
        request_id = %request_id,
    );
    let started = Instant::now();
    // The id is also the task's, so an error answered without the request
    // at hand (a plain route's `IntoResponse`) can still name it.
    let handled = RequestId(request_id.clone()).scope(next.run(request));
    let outcome = AssertUnwindSafe(handled.instrument(span.clone()))
        .catch_unwind()
        .await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned());
            span.in_scope(|| tracing::error!(panic = %what, "handler panicked"));
            internal_error_response(&request_id)
        }
    };
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis(),
            "request finished"
        );
    });
    apply_security_headers(&mut response, &nonce, &request_id, edge.https);
    response
}

/// The path as logged: never the query string, and never the secret part of
/// paths that carry one-time or feed tokens.
fn loggable_path(path: &str) -> &str {
    const SECRET_PATHS: [(&str, &str); 3] = [
        ("/invite/", "/invite/…"),
        ("/reset/", "/reset/…"),
        ("/calendar/", "/calendar/…"),
    ];
    SECRET_PATHS
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix) && path.len() > prefix.len())
        .map_or(path, |(_, redacted)| redacted)
}

/// The answer to a request whose handler failed unexpectedly: no internals,
/// only a reference the firm's IT can look up in the logs.
fn internal_error_response(request_id: &str) -> Response {
    AppError::Internal {
        request_id: request_id.to_owned(),
    }
    .into_response()
}

fn apply_security_headers(response: &mut Response, nonce: &Nonce, request_id: &str, https: bool) {
    let headers = response.headers_mut();
    let has_cache_policy = headers.contains_key(header::CACHE_CONTROL);
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(
        header::CONTENT_SECURITY_POLICY,
        &content_security_policy(nonce),
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    );
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(REQUEST_ID_HEADER.clone(), request_id);
    if https {
        // Two years, the HSTS preload list's minimum.
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    // Pages and API answers carry client data: never keep them in shared or
    // browser caches. Static assets set their own caching.
    if !has_cache_policy {
        set(header::CACHE_CONTROL, "no-store");
    }
}

/// Answers what no route matched: an embedded asset if there is one, else the
/// app's "not found" page with a 404.
pub async fn fallback(State(state): State<ServerState>, request: Request) -> Response {
    if let Some(asset) = crate::assets::serve(request.uri().path(), request.headers()) {
        return asset;
    }
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        request_context_provider(state.app.clone()),
        move || app::ui::shell(options.clone()),
    );
    render(request.map(Body::new)).await.into_response()
}

/// Refuses state-changing requests that a browser says came from another
/// site (`Sec-Fetch-Site`), or whose `Origin` is not this server. Requests
/// without either header do not come from a browser page, so they cannot be
/// cross-site request forgery.
///
/// A page address carrying a form's error (`__err`, how a form posted
/// without JavaScript gets its message back) is honoured only when this
/// site's own redirect led there; from anywhere else the error is dropped,
/// so a link cannot put words of its author's in the portal's mouth.
pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if *request.method() == axum::http::Method::GET
        && let Some(clean) = without_foreign_form_error(request.uri(), request.headers())
    {
        return axum::response::Redirect::to(&clean).into_response();
    }
    let safe_method = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if safe_method || is_same_site(request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!("refused a cross-site state-changing request");
    AppError::CrossSite.into_response()
}

/// The address without its form-error parameters, when it has some and
/// the browser does not say this site sent it here.
fn without_foreign_form_error(
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
) -> Option<String> {
    let query = uri.query()?;
    let is_form_error = |pair: &&str| pair.starts_with("__err=") || pair.starts_with("__path=");
    if !query.split('&').any(|pair| is_form_error(&pair)) {
        return None;
    }
    let ours = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "same-origin");
    if ours {
        return None;
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_form_error(pair))
        .collect();
    Some(if kept.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    })
}

fn is_same_site(headers: &axum::http::HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let origin_host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            host.is_some() && origin_host == host
        }
    }
}

/// Paths that need no session: the sign-in steps, health checks, assets,
/// the firm's logo (the sign-in page shows it) and server functions (which
/// check for themselves and answer 401).
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login"
            | "/login/mfa"
            | "/login/setup"
            | "/reset"
            | "/healthz"
            | "/readyz"
            | "/favicon.svg"
            | "/enquire"
    ) || path.starts_with("/pkg/")
        || path.starts_with("/api/")
        || path.starts_with("/invite/")
        || path.starts_with("/calendar/")
        || path.starts_with("/reset/")
        || path == app::domain::links::FIRM_LOGO
}

/// Works out who is asking: reads the session, enforces the idle and
/// absolute timeouts, checks the session was not ended elsewhere, and puts an
/// [`AuthContext`] in the request. Pages that need a session redirect to
/// `/login` when there is none.
pub async fn auth_context(
    State(state): State<ServerState>,
    session: tower_sessions::Session,
    mut request: Request,
    next: Next,
) -> Response {
    let client = ClientInfo {
        ip: client_ip(&request, state.edge.behind_proxy),
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(300).collect()),
    };
    let context = match resolve(&state, &session, client).await {
        Ok(context) => context,
        Err(err) => {
            return ServiceError::Internal(err.context("resolving the session")).into_response();
        }
    };
    let path = request.uri().path();
    let needs_session = !is_public(path) && context.principal.is_none();
    if needs_session
        && matches!(
            *request.method(),
            axum::http::Method::GET | axum::http::Method::HEAD
        )
    {
        return axum::response::Redirect::to("/login").into_response();
    }
    let no_step_pending = match path {
        "/login/mfa" => context.pending_mfa.is_none(),
        "/login/setup" => context.pending_mfa_setup.is_none(),
        _ => false,
    };
    if no_step_pending {
        return axum::response::Redirect::to("/login").into_response();
    }
    request.extensions_mut().insert(context);
    next.run(request).await
}

/// Applies the flood limits ([`app::server::flood`]) to the unauthenticated
/// requests that write, before anything else reads or writes: a refusal is
/// a 429 with `Retry-After`, audited later in aggregate.
pub async fn flood_gate(
    State(state): State<ServerState>,
    request: Request,
    next: Next,
) -> Response {
    use app::server::flood::Class;
    let Some(class) = Class::of(request.method().as_str(), request.uri().path()) else {
        return next.run(request).await;
    };
    let ip = client_ip(&request, state.edge.behind_proxy);
    let Err(retry_after_secs) = state.app.flood.admit(class, ip, app::server::now_ms()) else {
        return next.run(request).await;
    };
    let error = AppError::TooManyRequests { retry_after_secs };
    let mut response = error.clone().into_response();
    if request.uri().path().starts_with("/api/") {
        // A server function's page decodes the function's own error
        // encoding, so it shows the message.
        *response.body_mut() = Body::from(<AppError as FromServerFnError>::ser(&error));
    }
    response
}

/// The client's address: the peer, or behind a trusted proxy the last
/// address the proxy appended to `X-Forwarded-For` (earlier entries come
/// from the client and could be forged).
fn client_ip(request: &Request, behind_proxy: bool) -> Option<std::net::IpAddr> {
    let forwarded = behind_proxy
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok());
    forwarded.or_else(|| {
        request
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip())
    })
}

async fn resolve(
    state: &ServerState,
    session: &tower_sessions::Session,
    client: ClientInfo,
) -> anyhow::Result<AuthContext> {
    use app::server::auth::session::{AUTH_KEY, AuthStage, SessionAuth, load_principal, touch};

    let mut context = AuthContext {
        client,
        ..AuthContext::default()
    };
    let Some(mut auth) = session.get::<SessionAuth>(AUTH_KEY).await? else {
        return Ok(context);
    };
    let now = app::server::now_ms();
    let limits = state.app.session_limits;
    if limits.expired(now, auth.signed_in_at, auth.last_seen_at) {
        end_expired(state, session, &auth, &context.client).await?;
        return Ok(context);
    }
    match auth.stage {
        AuthStage::Password => {
            context.pending_mfa = Some(app::domain::ids::UserId::from_trusted(auth.user_id));
        }
        AuthStage::MfaSetup => {
            context.pending_mfa_setup = Some(app::domain::ids::UserId::from_trusted(auth.user_id));
        }
        AuthStage::Complete => match load_principal(&state.app.db, &auth.handle).await? {
            Some(principal) => {
                // Refresh activity at most once a minute (or a quarter of
                // the idle timeout, if shorter): precise enough, without a
                // write per request.
                if now - auth.last_seen_at >= (limits.idle_ms / 4).min(60_000) {
                    auth.last_seen_at = now;
                    touch(&state.app.db, &auth.handle, &context.client, now).await?;
                    session.insert(AUTH_KEY, auth).await?;
                }
                context.principal = Some(principal);
            }
            // Ended from another device, or the user was disabled.
            None => session.flush().await?,
        },
    }
    Ok(context)
}

async fn end_expired(
    state: &ServerState,
    session: &tower_sessions::Session,
    auth: &app::server::auth::session::SessionAuth,
    client: &ClientInfo,
) -> anyhow::Result<()> {
    use app::{
        domain::ids::{SessionId, UserId},
        server::audit::{self, AuditEntry, AuditResult},
    };

    let mut tx = state.app.db.begin_write().await?;
    if !auth.handle.is_empty() {
        // Both come from our own session record.
        let user = UserId::from_trusted(auth.user_id.clone());
        let handle = SessionId::from_trusted(auth.handle.clone());
        app::server::auth::session::end_session(tx.conn(), &user, &handle).await?;
    }
    audit::append(
        &mut tx,
        &AuditEntry::from_client(client, "auth.session_expired", AuditResult::Success)
            .actor(auth.user_id.clone()),
    )
    .await?;
    tx.commit().await?;
    session.flush().await?;
    Ok(())
}
