//! The router's state, and how the app's state reaches Leptos. Start-up
//! builds it; the routes and the edge middleware read it.

use app::server::AppState;
use axum::extract::FromRef;
use leptos::{
    config::LeptosOptions,
    prelude::{provide_context, use_context},
};

/// The router's state: the Leptos options and the app's own state.
#[derive(Clone, Debug)]
pub struct ServerState {
    /// Leptos's settings (bundle name, pkg dir).
    pub leptos_options: LeptosOptions,
    /// The application state provided to pages and server functions.
    pub app: AppState,
    /// How the server is reached.
    pub edge: Edge,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.leptos_options.clone()
    }
}

/// How browsers reach this server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Over HTTPS (our TLS or a proxy's): send HSTS.
    pub https: bool,
    /// Behind a trusted reverse proxy: take the client IP from
    /// `X-Forwarded-For`.
    pub behind_proxy: bool,
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
