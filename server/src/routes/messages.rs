//! The messaging routes: the live message stream and the files messages
//! carry.
//!
//! `GET /api/messages/stream?thread=<id>` answers with server-sent events,
//! one per message, each with the message id as its event id. Retractions
//! go out as `retracted` events whose data is the message id, and read
//! receipts as `receipts` events whose data is the list of how far the
//! others have read (JSON), both without an event id (so `Last-Event-ID`
//! stays the last message). The stream's logic (replay, access re-checks,
//! session limits) is the service's, `app::server::messages::follow_thread`;
//! this is only its adapter to SSE.

use std::{convert::Infallible, time::Duration};

use anyhow::Context as _;
use app::{
    domain::{
        AppError,
        ids::{MessageId, ThreadId},
        links,
    },
    server::{
        ServiceError,
        auth::{
            ClientInfo, Principal,
            session::{AUTH_KEY, SessionAuth},
        },
        documents::DownloadError,
        messages::{self, Resume, StreamEvent},
    },
};
use axum::{
    Router,
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::get,
};
use futures_util::{StreamExt as _, future};
use serde::Deserialize;

use super::documents::{range, send_download};
use crate::state::ServerState;

/// The messaging routes.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(links::MESSAGE_STREAM, get(stream_thread))
        .route(links::MESSAGE_ATTACHMENT, get(download_attachment))
}

/// The query of a stream request.
#[derive(Deserialize)]
struct StreamQuery {
    thread: String,
    after: Option<String>,
}

async fn stream_thread(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    session: tower_sessions::Session,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, ServiceError> {
    // The session's record, as the auth middleware just checked (and
    // perhaps refreshed) it: the stream's limits count from its times.
    let times = session
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .context("reading the session of a message stream")?
        .ok_or(AppError::Unauthorized)?;
    let thread_id = ThreadId::parse(&query.thread)?;
    let resume = Resume::from_request(
        headers.get("last-event-id").and_then(|v| v.to_str().ok()),
        query.after.as_deref(),
    );
    let events =
        messages::follow_thread(&state.app, principal, client, &times, &thread_id, resume).await?;
    // An event that cannot be encoded ends the stream; the page reconnects.
    let events = events.scan((), |(), event| {
        future::ready(to_sse(event).map(Ok::<_, Infallible>))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response())
}

/// One stream event as a server-sent event; `None` when it cannot be
/// encoded (logged).
fn to_sse(event: StreamEvent) -> Option<Event> {
    let encoded = match event {
        StreamEvent::Message(message) => {
            Event::default().id(message.id.clone()).json_data(&message)
        }
        StreamEvent::Retracted(id) => Ok(Event::default().event("retracted").data(id.as_str())),
        StreamEvent::Receipts(receipts) => Event::default().event("receipts").json_data(&receipts),
    };
    encoded
        .inspect_err(|err| tracing::error!(error = %err, "encoding a message event"))
        .ok()
}

/// `GET /api/messages/{id}/attachments/{position}`: a file a message
/// carries, as the message sent it.
async fn download_attachment(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    Path((id, position)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Response, DownloadError> {
    // Ids reach queries and the audit log only once they look like ids.
    let id = MessageId::parse(&id).map_err(|_| DownloadError::not_found())?;
    if position < 1 {
        return Err(DownloadError::not_found());
    }
    let range = range(&headers);
    let download =
        messages::download_attachment(&state.app, &principal, &client, &id, position, range)
            .await?;
    Ok(send_download(download))
}
