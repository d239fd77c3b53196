//! Server functions for signing in and out, MFA, and the user's sessions.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    auth::{AccountView, CurrentUserView, MfaEnrolmentView, SessionView, SignInStep},
};

/// The password step. On success the browser goes on to the MFA step or the
/// dashboard.
#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<SignInStep, AppError> {
    use crate::server::{auth::signin, endpoint};

    endpoint::anyone(|v| async move {
        let session = endpoint::session().await?;
        let step = signin::sign_in(&v.state, &session, &v.client, &email, password.into()).await?;
        leptos_axum::redirect(match step {
            SignInStep::Done => "/",
            SignInStep::MfaRequired => "/login/mfa",
            SignInStep::MfaSetupRequired => "/login/setup",
        });
        Ok(step)
    })
    .await
}

/// The MFA step: a code from the authenticator app, or a recovery code.
#[server(endpoint = "verify_mfa")]
pub async fn verify_mfa(code: String) -> Result<(), AppError> {
    use crate::server::{auth::signin, endpoint};

    endpoint::anyone(|v| async move {
        let session = endpoint::session().await?;
        signin::verify_mfa(&v.state, &session, &v.client, &code).await?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// Starts the two-step set-up that a firm user's first sign-in waits on:
/// a QR code to scan.
#[server(endpoint = "begin_mfa_setup")]
pub async fn begin_mfa_setup() -> Result<MfaEnrolmentView, AppError> {
    use crate::server::{auth::enrol, endpoint};

    endpoint::anyone(|v| async move {
        let session = endpoint::session().await?;
        enrol::begin_mfa_setup(&v.state, &session).await
    })
    .await
}

/// Finishes that set-up with a first code and completes the sign-in;
/// answers the recovery codes, shown once.
#[server(endpoint = "confirm_mfa_setup")]
pub async fn confirm_mfa_setup(code: String) -> Result<Vec<String>, AppError> {
    use crate::server::{auth::enrol, endpoint};

    endpoint::anyone(|v| async move {
        let session = endpoint::session().await?;
        enrol::confirm_mfa_setup(&v.state, &session, &v.client, &code).await
    })
    .await
}

/// Signs out this session.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{auth::signin, endpoint};

    endpoint::signed_in(|c| async move {
        let session = endpoint::session().await?;
        signin::sign_out(&c.state, &session, &c.principal, &c.client).await?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// Who is signed in, for the header. `None` when nobody is.
#[server(endpoint = "get_current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUserView>, AppError> {
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
    use crate::server::{auth::session, endpoint};

    endpoint::signed_in(|c| async move {
        let current = &c.principal.session_handle;
        Ok(session::list_sessions(&c.state.db, &c.principal.user_id, current).await?)
    })
    .await
}

/// Ends one of the user's own sessions.
#[server(endpoint = "end_session")]
pub async fn end_session(id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::SessionId,
        server::{auth::signin, endpoint},
    };

    endpoint::signed_in(|c| async move {
        signin::end_session(&c.state, &c.principal, &c.client, &SessionId::parse(&id)?).await
    })
    .await
}

/// Ends every session of the user, this one included.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::server::{auth::signin, endpoint};

    endpoint::signed_in(|c| async move {
        let session = endpoint::session().await?;
        signin::sign_out_everywhere(&c.state, &session, &c.principal, &c.client).await?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// The account page's data.
#[server(endpoint = "get_account")]
pub async fn get_account() -> Result<AccountView, AppError> {
    use crate::server::{auth::enrol, endpoint};

    endpoint::signed_in(|c| async move { enrol::get_account(&c.state, &c.principal).await }).await
}

/// Starts setting up two-step verification, after the current password: a
/// QR code to scan.
#[server(endpoint = "begin_mfa_enrolment")]
pub async fn begin_mfa_enrolment(password: String) -> Result<MfaEnrolmentView, AppError> {
    use crate::server::{auth::enrol, endpoint};

    endpoint::signed_in(|c| async move {
        enrol::begin_mfa_enrolment(&c.state, &c.principal, &c.client, password.into()).await
    })
    .await
}

/// Finishes the set-up with a first code; answers the recovery codes.
#[server(endpoint = "confirm_mfa_enrolment")]
pub async fn confirm_mfa_enrolment(code: String) -> Result<Vec<String>, AppError> {
    use crate::server::{auth::enrol, endpoint};

    endpoint::signed_in(|c| async move {
        enrol::confirm_mfa_enrolment(&c.state, &c.principal, &c.client, &code).await
    })
    .await
}

/// Turns two-step verification off (clients only), with the password.
#[server(endpoint = "turn_off_mfa")]
pub async fn turn_off_mfa(password: String) -> Result<(), AppError> {
    use crate::server::{auth::enrol, endpoint};

    endpoint::signed_in(|c| async move {
        enrol::turn_off_mfa(&c.state, &c.principal, &c.client, password.into()).await
    })
    .await
}

/// Changes the password: the current one, then the new one. Answers how
/// many other sessions were signed out.
#[server(endpoint = "change_password")]
pub async fn change_password(current: String, new: String) -> Result<u64, AppError> {
    use crate::server::{auth::signin, endpoint};

    endpoint::signed_in(|c| async move {
        signin::change_password(
            &c.state,
            &c.principal,
            &c.client,
            current.into(),
            new.into(),
        )
        .await
    })
    .await
}
