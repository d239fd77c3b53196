//! Authentication: password hashing, sign-in with throttling and MFA, and
//! sessions. Authorization lives in `domain::policy` and `server::policy`.

pub mod admin;
pub mod enrol;
pub mod password;
pub mod session;
pub mod signin;
pub mod throttle;
pub mod totp;

use crate::domain::{
    AppError,
    ids::{ContactId, UserId},
    policy::Subject,
    role::Role,
};

/// Where a request came from, for throttling, audit and the sessions page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's IP address.
    pub ip: Option<std::net::IpAddr>,
    /// The `User-Agent` header, truncated.
    pub user_agent: Option<String>,
}

/// A signed-in user, as loaded for this request. Carries no secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// Their role.
    pub role: Role,
    /// Their email.
    pub email: String,
    /// Their name.
    pub display_name: String,
    /// For clients, the CRM contact they are.
    pub contact_id: Option<ContactId>,
    /// The handle of this session in `user_sessions`.
    pub session_handle: String,
}

impl Principal {
    /// The policy's view of this user.
    pub fn subject(&self) -> Subject {
        Subject {
            user_id: self.user_id.to_string(),
            role: self.role,
        }
    }
}

/// What the server's auth middleware learned about a request; put in the
/// request extensions for handlers and server functions.
#[derive(Clone, Debug, Default)]
pub struct AuthContext {
    /// The signed-in user, if any.
    pub principal: Option<Principal>,
    /// A user who gave the right password and still owes an MFA code.
    pub pending_mfa: Option<UserId>,
    /// A firm user who gave the right password and must set up MFA first.
    pub pending_mfa_setup: Option<UserId>,
    /// Where the request came from.
    pub client: ClientInfo,
}

/// The auth context of the request being handled, from the Leptos context.
pub fn current() -> AuthContext {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<AuthContext>().cloned())
        .unwrap_or_default()
}

/// The signed-in user, for a plain route: `principal: Principal` among a
/// handler's arguments. Nobody signed in is [`AppError::Unauthorized`],
/// answered 401 by the error itself.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AuthContext>()
            .and_then(|context| context.principal.clone())
            .ok_or(AppError::Unauthorized)
    }
}

/// Where a plain route's request came from (empty when the middleware did
/// not run, as in a bare router).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<AuthContext>()
            .map(|context| context.client.clone())
            .unwrap_or_default())
    }
}
