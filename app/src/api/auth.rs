//! Server functions for signing in and out, MFA, and the user's sessions.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    auth::{AccountView, CurrentUserView, MfaEnrolmentView, SessionView, SignInStep},
};

#[cfg(feature = "ssr")]
async fn session() -> Result<tower_sessions::Session, AppError> {
    leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "the session layer is missing");
            AppError::Internal {
                request_id: crate::server::error::current_request_id(),
            }
        })
}

/// The password step. On success the browser goes on to the MFA step or the
/// dashboard.
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<SignInStep, AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let state = AppState::from_context()?;
    let client = auth::current().client;
    let step = auth::signin::sign_in(&state, &session().await?, &client, &email, password.into())
        .await
        .map_err(ServiceError::into_app_error)?;
    leptos_axum::redirect(match step {
        SignInStep::Done => "/",
        SignInStep::MfaRequired => "/login/mfa",
    });
    Ok(step)
}

/// The MFA step: a code from the authenticator app, or a recovery code.
#[server(endpoint = "verify_mfa")]
pub async fn verify_mfa(code: String) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let state = AppState::from_context()?;
    let client = auth::current().client;
    auth::signin::verify_mfa(&state, &session().await?, &client, &code)
        .await
        .map_err(ServiceError::into_app_error)?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Signs out this session.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    auth::signin::sign_out(
        &state,
        &session().await?,
        &principal,
        &auth::current().client,
    )
    .await
    .map_err(ServiceError::into_app_error)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Who is signed in, for the header. `None` when nobody is.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<CurrentUserView>, AppError> {
    Ok(crate::server::auth::current()
        .principal
        .map(|p| CurrentUserView {
            display_name: p.display_name,
            email: p.email,
            role: p.role,
        }))
}

/// The signed-in user's sessions.
#[server(endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    auth::session::list_sessions(
        &state.db,
        principal.user_id.as_str(),
        &principal.session_handle,
    )
    .await
    .map_err(|e| ServiceError::from(e).into_app_error())
}

/// Ends one of the user's own sessions.
#[server(endpoint = "end_session")]
pub async fn end_session(id: String) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    auth::signin::end_session(&state, &principal, &auth::current().client, &id)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Ends every session of the user, this one included.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    auth::signin::sign_out_everywhere(
        &state,
        &session().await?,
        &principal,
        &auth::current().client,
    )
    .await
    .map_err(ServiceError::into_app_error)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The account page's data.
#[server(endpoint = "account")]
pub async fn account() -> Result<AccountView, AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    auth::enrol::account(&state, &principal)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Starts setting up two-step verification, after the current password: a
/// QR code to scan.
#[server(endpoint = "begin_mfa_enrolment")]
pub async fn begin_mfa_enrolment(password: String) -> Result<MfaEnrolmentView, AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    auth::enrol::begin(&state, &principal, &auth::current().client, password.into())
        .await
        .map_err(ServiceError::into_app_error)
}

/// Finishes the set-up with a first code; answers the recovery codes.
#[server(endpoint = "confirm_mfa_enrolment")]
pub async fn confirm_mfa_enrolment(code: String) -> Result<Vec<String>, AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    auth::enrol::confirm(&state, &principal, &auth::current().client, &code)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Turns two-step verification off (clients only), with the password.
#[server(endpoint = "turn_off_mfa")]
pub async fn turn_off_mfa(password: String) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    auth::enrol::turn_off(&state, &principal, &auth::current().client, password.into())
        .await
        .map_err(ServiceError::into_app_error)
}
