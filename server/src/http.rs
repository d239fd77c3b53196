//! The HTTP edge: the per-request middleware (request id, CSP nonce, security
//! headers, panic containment, access log) and the health endpoints.

use std::{panic::AssertUnwindSafe, time::Instant};

use app::server::RequestId;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use futures_util::FutureExt as _;
use leptos::nonce::Nonce;
use tracing::Instrument as _;

use crate::startup::ServerState;

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
pub async fn request_context(mut request: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::now_v7().to_string();
    let nonce = Nonce::new();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    request.extensions_mut().insert(nonce.clone());

    // The path only: query strings may carry one-time tokens.
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    );
    let started = Instant::now();
    let outcome = AssertUnwindSafe(next.run(request).instrument(span.clone()))
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
    apply_security_headers(&mut response, &nonce, &request_id);
    response
}

/// The answer to a request whose handler failed unexpectedly: no internals,
/// only a reference the firm's IT can look up in the logs.
fn internal_error_response(request_id: &str) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("Something went wrong on our side. Reference: {request_id}\n"),
    )
        .into_response()
}

fn apply_security_headers(response: &mut Response, nonce: &Nonce, request_id: &str) {
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
    // Pages and API answers carry client data: never keep them in shared or
    // browser caches. Static assets set their own caching.
    if !has_cache_policy {
        set(header::CACHE_CONTROL, "no-store");
    }
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(state): State<ServerState>) -> Response {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
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
        crate::startup::request_context_provider(state.app.clone()),
        move || app::ui::shell(options.clone()),
    );
    render(request.map(Body::new)).await.into_response()
}
