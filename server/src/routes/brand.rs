//! The firm's logo: served to anyone (the sign-in page shows it), and
//! replaced or removed by an admin through a form on `/admin/settings`
//! that works without JavaScript (a multipart post, answered with a
//! redirect back to the page).

use app::{
    domain::{AppError, links},
    server::{
        ServiceError,
        auth::{ClientInfo, Principal},
        logo,
    },
};
use axum::{
    Router,
    extract::{Multipart, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};

use crate::state::ServerState;

/// The logo routes.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(links::FIRM_LOGO, get(serve))
        .route(links::FIRM_LOGO_UPLOAD, post(replace))
}

/// `GET /brand/logo.png`: the logo, or 404 when the firm has none. Its
/// address carries its version, so it may be cached.
async fn serve(State(state): State<ServerState>) -> Result<Response, ServiceError> {
    let (bytes, _) = logo::stored(&state.app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            // Private: a response may carry the viewer's refreshed session
            // cookie, which no shared cache may keep.
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /api/admin/logo`, multipart: a `logo` file (a PNG), or `remove`.
/// Back to the settings page with `?logo=saved|removed`, or `refused` for
/// a file that is not a PNG of the allowed size. Anyone but an admin gets
/// the 404 of every page they may not see.
async fn replace(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    mut form: Multipart,
) -> Result<Response, ServiceError> {
    logo::require_admin(&principal)?;
    let unreadable =
        || AppError::BadRequest("The form did not arrive whole. Try again.".to_owned());
    let (mut file, mut remove) = (None, false);
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        match field.name() {
            Some("logo") => file = Some(field.bytes().await.map_err(|_| unreadable())?),
            Some("remove") => remove = true,
            _ => {}
        }
    }
    let chosen = if remove {
        None
    } else {
        file.filter(|f| !f.is_empty())
    };
    if !remove && chosen.is_none() {
        return Ok(Redirect::to("/admin/settings?logo=refused#logo-heading").into_response());
    }
    let outcome = logo::set(&state.app, &principal, &client, chosen.as_deref()).await;
    let answer = match outcome.map_err(ServiceError::into_app_error) {
        Ok(()) if remove => "removed",
        Ok(()) => "saved",
        Err(AppError::BadRequest(_)) => "refused",
        Err(other) => return Err(other.into()),
    };
    Ok(Redirect::to(&format!("/admin/settings?logo={answer}#logo-heading")).into_response())
}
