//! Server functions of the matter page.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    matter::{CalendarFeedView, MatterDetailView},
};

#[cfg(feature = "ssr")]
fn matter_id(raw: &str) -> Result<crate::domain::ids::MatterId, AppError> {
    crate::domain::ids::MatterId::parse(raw)
        .inspect_err(|_| crate::server::error::set_response_status(404))
}

/// Everything on the matter page, as the viewer may see it.
#[server(endpoint = "matter_detail")]
pub async fn matter_detail(id: String) -> Result<MatterDetailView, AppError> {
    use crate::server::{AppState, ServiceError, auth, matter_page};

    let principal = auth::require_principal()?;
    let id = matter_id(&id)?;
    let state = AppState::from_context()?;
    matter_page::detail(&state, &principal, &auth::current().client, &id)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Moves the matter to another stage (firm only).
#[server(endpoint = "set_matter_stage")]
pub async fn set_matter_stage(id: String, position: i64) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, matter_page};

    let principal = auth::require_principal()?;
    let id = matter_id(&id)?;
    let state = AppState::from_context()?;
    matter_page::set_stage(&state, &principal, &auth::current().client, &id, position)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Sets how fast the firm answers client messages on the matter, in
/// minutes; blank for the firm's default (firm only).
#[server(endpoint = "set_response_target")]
pub async fn set_response_target(id: String, minutes: String) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, matter_page};

    let principal = auth::require_principal()?;
    let id = matter_id(&id)?;
    let minutes = crate::domain::message::parse_sla_minutes(&minutes)
        .map_err(|e| ServiceError::from(e).into_app_error())?;
    let state = AppState::from_context()?;
    matter_page::set_response_target(&state, &principal, &auth::current().client, &id, minutes)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Adds a hearing, deadline or meeting (firm only). `date` is `YYYY-MM-DD`
/// and `time` `HH:MM`, in UTC.
#[server(endpoint = "add_key_date")]
pub async fn add_key_date(
    id: String,
    kind: String,
    title: String,
    date: String,
    time: String,
    location: String,
    client_visible: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        domain::time::parse_form_datetime,
        server::{AppState, ServiceError, auth, matter_page},
    };

    let principal = auth::require_principal()?;
    let id = matter_id(&id)?;
    let starts_at = parse_form_datetime(&date, &time)
        .map_err(|e| ServiceError::from(AppError::BadRequest(e)).into_app_error())?;
    let state = AppState::from_context()?;
    let new = matter_page::NewKeyDate {
        kind: &kind,
        title: &title,
        starts_at,
        location: &location,
        client_visible: client_visible.is_some(),
    };
    matter_page::add_key_date(&state, &principal, &auth::current().client, &id, &new)
        .await
        .map_err(ServiceError::into_app_error)
}

/// Adds a status note (firm only); `client_visible` shares it.
#[server(endpoint = "add_matter_note")]
pub async fn add_matter_note(
    id: String,
    body: String,
    client_visible: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, matter_page};

    let principal = auth::require_principal()?;
    let id = matter_id(&id)?;
    let state = AppState::from_context()?;
    matter_page::add_note(
        &state,
        &principal,
        &auth::current().client,
        &id,
        &body,
        client_visible.is_some(),
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// Shares a key date or note with the client, or takes it back (firm only).
/// `what` is `key_date` or `note`.
#[server(endpoint = "set_shared")]
pub async fn set_shared(
    id: String,
    what: String,
    item: String,
    visible: bool,
) -> Result<(), AppError> {
    use crate::server::{AppState, ServiceError, auth, matter_page};

    let principal = auth::require_principal()?;
    let id = matter_id(&id)?;
    let what = match what.as_str() {
        "key_date" => matter_page::Shareable::KeyDate,
        "note" => matter_page::Shareable::Note,
        _ => return Err(AppError::BadRequest("Unknown item kind.".to_owned())),
    };
    let state = AppState::from_context()?;
    matter_page::set_visibility(
        &state,
        &principal,
        &auth::current().client,
        &id,
        what,
        &item,
        visible,
    )
    .await
    .map_err(ServiceError::into_app_error)
}

/// A new private calendar feed URL for the user and when it expires
/// (replacing any earlier one, which is also how a feed is renewed).
#[server(endpoint = "new_calendar_feed")]
pub async fn new_calendar_feed() -> Result<CalendarFeedView, AppError> {
    use crate::server::{AppState, ServiceError, auth, calendar};

    let principal = auth::require_principal()?;
    let state = AppState::from_context()?;
    calendar::new_feed_token(&state, &principal, &auth::current().client)
        .await
        .map(|feed| CalendarFeedView {
            path: format!("/calendar/{}.ics", feed.token),
            expires_at: feed.expires_at,
        })
        .map_err(ServiceError::into_app_error)
}
