//! Server functions of the matter page.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    matter::{CalendarFeedView, MatterDetailView},
};

/// Everything on the matter page, as the viewer may see it.
#[server(endpoint = "get_matter_detail")]
pub async fn get_matter_detail(id: String) -> Result<MatterDetailView, AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{endpoint, matter_page},
    };

    endpoint::signed_in(|c| async move {
        matter_page::get_matter_detail(&c.state, &c.principal, &c.client, &MatterId::parse(&id)?)
            .await
    })
    .await
}

/// Moves the matter to another stage (firm only).
#[server(endpoint = "set_matter_stage")]
pub async fn set_matter_stage(id: String, position: i64) -> Result<(), AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{endpoint, matter_page},
    };

    endpoint::signed_in(|c| async move {
        let id = MatterId::parse(&id)?;
        matter_page::set_matter_stage(&c.state, &c.principal, &c.client, &id, position).await
    })
    .await
}

/// Sets how fast the firm answers client messages on the matter, in
/// minutes; blank for the firm's default (firm only).
#[server(endpoint = "set_response_target")]
pub async fn set_response_target(id: String, minutes: String) -> Result<(), AppError> {
    use crate::{
        domain::{ids::MatterId, message::parse_sla_minutes},
        server::{endpoint, matter_page},
    };

    endpoint::signed_in(|c| async move {
        let id = MatterId::parse(&id)?;
        let minutes = parse_sla_minutes(&minutes)?;
        matter_page::set_response_target(&c.state, &c.principal, &c.client, &id, minutes).await
    })
    .await
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
        domain::ids::MatterId,
        server::{clock, endpoint, matter_page},
    };

    endpoint::signed_in(|c| async move {
        let id = MatterId::parse(&id)?;
        // Typed in the firm's zone, whoever types it.
        let firm = clock::firm(&c.state.db).await?;
        let new = matter_page::NewKeyDate {
            kind: &kind,
            title: &title,
            starts_at: firm
                .parse_datetime(&date, &time)
                .map_err(AppError::BadRequest)?,
            location: &location,
            client_visible: client_visible.is_some(),
        };
        matter_page::add_key_date(&c.state, &c.principal, &c.client, &id, &new).await
    })
    .await
}

/// Adds a status note (firm only); `client_visible` shares it.
#[server(endpoint = "add_matter_note")]
pub async fn add_matter_note(
    id: String,
    body: String,
    client_visible: Option<String>,
) -> Result<(), AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{endpoint, matter_page},
    };

    endpoint::signed_in(|c| async move {
        let id = MatterId::parse(&id)?;
        let shared = client_visible.is_some();
        matter_page::add_matter_note(&c.state, &c.principal, &c.client, &id, &body, shared).await
    })
    .await
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
    use crate::{
        domain::ids::MatterId,
        server::{endpoint, matter_page},
    };

    endpoint::signed_in(|c| async move {
        let id = MatterId::parse(&id)?;
        let item = matter_page::Shareable::parse(&what, &item)?;
        matter_page::set_shared(&c.state, &c.principal, &c.client, &id, &item, visible).await
    })
    .await
}

/// A new private calendar feed URL for the user and when it expires
/// (replacing any earlier one, which is also how a feed is renewed).
#[server(endpoint = "create_calendar_feed")]
pub async fn create_calendar_feed() -> Result<CalendarFeedView, AppError> {
    use crate::server::{calendar, endpoint};

    endpoint::signed_in(|c| async move {
        let feed = calendar::create_calendar_feed(&c.state, &c.principal, &c.client).await?;
        let path = crate::domain::links::calendar_feed(&feed.token);
        Ok(CalendarFeedView {
            url: format!("{}{path}", c.state.public_url.trim_end_matches('/')),
            path,
            expires_at: feed.expires_at,
        })
    })
    .await
}
