//! Live message delivery: `GET /api/messages/stream?thread=<id>` answers
//! with server-sent events, one per message, each with the message id as
//! its event id.
//!
//! On (re)connect the stream first replays the messages after the id the
//! client last saw (`Last-Event-ID`, which browsers send by themselves when
//! they reconnect, or `?after=`), then follows the message bus. Every batch
//! is read from the database as "after the last id sent", so replay and
//! live delivery cannot lose or repeat a message, and a notice that
//! arrives during replay costs only one more query.
//!
//! Retractions go out as `retracted` events whose data is the message id,
//! and read receipts as `receipts` events whose data is the list of how far
//! the others have read (JSON), both without an event id (so
//! `Last-Event-ID` stays the last message). A (re)connect first sends every
//! retraction of the thread and the current receipts, so nothing that
//! happened while the page was away is missed; pages apply them
//! idempotently.
//!
//! A stream lives no longer than its session: it ends at the session's
//! absolute limit, and at its idle limit unless the user was active in
//! other requests meanwhile, checked on a timer as well as on news.

use std::{
    collections::VecDeque,
    convert::Infallible,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use app::{
    domain::{
        AppError,
        ids::MatterId,
        message::{MessageView, ReceiptView},
    },
    server::{
        AppState, ServiceError,
        auth::{
            ClientInfo, Principal,
            session::{self, AUTH_KEY, SessionAuth},
        },
        messages::{self, Notice},
        now_ms,
    },
};
use axum::{
    Router,
    extract::{Query, State},
    http::HeaderMap,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::get,
};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use crate::startup::ServerState;

/// The messaging routes.
pub fn routes() -> Router<ServerState> {
    Router::new().route("/api/messages/stream", get(stream_thread))
}

/// Checks every minute for threads whose response-time target has passed
/// and gives each one follow-up task (the inbox runs the same check when it
/// is opened, so the minute is the worst case).
pub fn spawn_escalations(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = messages::escalate_breaches(&state).await {
                tracing::error!(
                    error = format!("{err:#}"),
                    "escalating late message threads"
                );
            }
        }
    });
}

/// The query of a stream request.
#[derive(Deserialize)]
struct StreamQuery {
    thread: String,
    after: Option<String>,
}

/// A well-formed id, or `None`: ids reach queries only after this check.
fn checked_id(raw: &str) -> Option<String> {
    MatterId::parse(raw).ok().map(|id| id.as_str().to_owned())
}

async fn stream_thread(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    session: tower_sessions::Session,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, ServiceError> {
    // The session's times, as `resolve` just checked (and perhaps
    // refreshed) them: the stream's limits count from these.
    let times = session
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .context("reading the session of a message stream")?
        .ok_or(AppError::Unauthorized)?;
    let thread = checked_id(&query.thread).ok_or(AppError::NotFound)?;
    let thread = messages::authorize_stream(&state.app, &principal, &client, &thread).await?;
    // The browser's own Last-Event-ID wins over the `after` the page was
    // opened with: it is the later of the two.
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(checked_id)
        .or_else(|| query.after.as_deref().and_then(checked_id))
        .unwrap_or_default();
    // Subscribe before the replay query, so a message sent in between is
    // announced and then fetched, not missed.
    let live = Live {
        state: state.app.clone(),
        principal,
        client,
        authorized_at: Instant::now(),
        signed_in_at: times.signed_in_at,
        last_seen_at: times.last_seen_at,
        thread,
        last: after,
        rx: state.app.message_bus.subscribe(),
        pending: VecDeque::new(),
        replayed: false,
    };
    Ok(Sse::new(events(live))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response())
}

/// How long a stream goes on the access check it opened with. Access can
/// end while a page stays open (an ethical wall, a removal from the team, a
/// session ended elsewhere); past this, the next news of the thread checks
/// it again.
const REAUTHORIZE_AFTER: Duration = Duration::from_secs(10);

/// One open stream's position.
struct Live {
    state: AppState,
    principal: Principal,
    client: ClientInfo,
    /// When the principal's access to the thread was last checked.
    authorized_at: Instant,
    /// When the session signed in (UTC ms): the absolute limit counts from
    /// here.
    signed_in_at: i64,
    /// The session's last activity as last known (UTC ms): the idle limit
    /// counts from here.
    last_seen_at: i64,
    thread: String,
    /// The id of the last message sent to this client.
    last: String,
    rx: Receiver<Notice>,
    pending: VecDeque<Out>,
    replayed: bool,
}

/// One event for the client.
enum Out {
    Message(MessageView),
    Retracted(String),
    Receipts(Vec<ReceiptView>),
}

impl Live {
    /// Loads the messages after the last one sent. `false` when the stream
    /// should end (a database or decryption failure, logged here).
    async fn fetch(&mut self) -> bool {
        match messages::messages_after(&self.state, &self.principal, &self.thread, &self.last).await
        {
            Ok(batch) => {
                if let Some(newest) = batch.last() {
                    self.last.clone_from(&newest.id);
                }
                self.pending.extend(batch.into_iter().map(Out::Message));
                true
            }
            Err(err) => {
                let detail = match err {
                    ServiceError::User(err) => err.to_string(),
                    ServiceError::Internal(err) => format!("{err:#}"),
                };
                tracing::error!(error = detail, thread = %self.thread, "loading messages for a stream");
                false
            }
        }
    }

    /// Queues every retraction of the thread and the current read
    /// receipts: what a page that was away, or a stream that fell behind,
    /// may have missed. `false` when the stream should end (a database
    /// failure, logged here).
    async fn catch_up(&mut self) -> bool {
        let me = self.principal.user_id.to_string();
        let loaded = async {
            let retracted = messages::retracted_in(&self.state, &self.thread).await?;
            let receipts = messages::receipts(&self.state.db, &self.thread, &me).await?;
            Ok::<_, ServiceError>((retracted, receipts))
        };
        match loaded.await {
            Ok((retracted, receipts)) => {
                self.pending
                    .extend(retracted.into_iter().map(Out::Retracted));
                self.pending.push_back(Out::Receipts(receipts));
                true
            }
            Err(err) => {
                tracing::error!(error = %err, thread = %self.thread, "catching a stream up");
                false
            }
        }
    }

    /// Whether the principal may still follow the thread, checked at most
    /// every [`REAUTHORIZE_AFTER`]: their session must still be live (not
    /// signed out, ended from another device, or the user disabled) and the
    /// thread still theirs to see. A refusal of the thread is audited (as at
    /// connect); either ends the stream.
    async fn still_allowed(&mut self) -> bool {
        if self.authorized_at.elapsed() < REAUTHORIZE_AFTER {
            return true;
        }
        match session::load_principal(&self.state.db, &self.principal.session_handle).await {
            Ok(Some(_)) => {}
            Ok(None) => return false,
            Err(err) => {
                tracing::error!(error = format!("{err:#}"), thread = %self.thread, "re-checking a stream's session");
                return false;
            }
        }
        match messages::authorize_stream(&self.state, &self.principal, &self.client, &self.thread)
            .await
        {
            Ok(_) => {
                self.authorized_at = Instant::now();
                true
            }
            Err(ServiceError::User(_)) => false,
            Err(ServiceError::Internal(err)) => {
                tracing::error!(error = format!("{err:#}"), thread = %self.thread, "re-checking a message stream");
                false
            }
        }
    }

    /// When the session's limits end the stream (UTC ms), unless the user
    /// turns out to have been active meanwhile: the absolute limit, or the
    /// idle limit counted from the last activity known.
    fn session_deadline(&self) -> i64 {
        let limits = self.state.session_limits;
        (self.signed_in_at + limits.absolute_ms).min(self.last_seen_at + limits.idle_ms)
    }

    /// Whether the session is still within its idle and absolute limits
    /// (DESIGN §2.1), as `resolve` would judge a request now.
    ///
    /// The stream itself is not activity: it stays open, and carries news,
    /// without the user doing anything, so counting it would keep an
    /// unattended page signed in for ever. Only the user's other requests
    /// count. They move the session's last activity, which `resolve` notes
    /// in its `user_sessions` row, so past the idle limit as last known the
    /// row is read again before the stream ends. The row can also be gone
    /// (the session ended): that ends the stream too.
    async fn within_session_limits(&mut self) -> bool {
        let limits = self.state.session_limits;
        let now = now_ms();
        if !limits.expired(now, self.signed_in_at, self.last_seen_at) {
            return true;
        }
        if now - self.signed_in_at >= limits.absolute_ms {
            return false;
        }
        match session::last_seen_at(&self.state.db, &self.principal.session_handle).await {
            Ok(Some(seen)) => {
                self.last_seen_at = self.last_seen_at.max(seen);
                !limits.expired(now, self.signed_in_at, self.last_seen_at)
            }
            Ok(None) => false,
            Err(err) => {
                tracing::error!(error = format!("{err:#}"), thread = %self.thread, "re-checking a stream's session limits");
                false
            }
        }
    }

    /// The next event to send, waiting for one if need be; `None` ends the
    /// stream.
    async fn next(&mut self) -> Option<Out> {
        if !self.replayed {
            self.replayed = true;
            if !self.fetch().await {
                return None;
            }
            if !self.catch_up().await {
                return None;
            }
        }
        loop {
            if let Some(out) = self.pending.pop_front() {
                return Some(out);
            }
            // Wait for news, but no longer than the session's limits allow:
            // a quiet thread must not keep a stream open past them.
            let left = self.session_deadline() - now_ms();
            let wait = Duration::from_millis(u64::try_from(left).unwrap_or(0));
            let Ok(notice) = tokio::time::timeout(wait, self.rx.recv()).await else {
                if !self.within_session_limits().await {
                    return None;
                }
                continue;
            };
            if matches!(&notice, Ok(n) if n.thread_id() != self.thread) {
                continue;
            }
            if !self.within_session_limits().await || !self.still_allowed().await {
                return None;
            }
            match notice {
                Ok(Notice::Retraction { message_id, .. }) => {
                    self.pending.push_back(Out::Retracted(message_id));
                    continue;
                }
                Ok(Notice::Read { .. }) => {
                    let me = self.principal.user_id.to_string();
                    match messages::receipts(&self.state.db, &self.thread, &me).await {
                        Ok(receipts) => self.pending.push_back(Out::Receipts(receipts)),
                        Err(err) => {
                            tracing::error!(error = %err, thread = %self.thread, "loading read receipts for a stream");
                            return None;
                        }
                    }
                    continue;
                }
                Ok(Notice::Message { .. }) => {}
                // Missed notices: the database still has every message,
                // retraction and receipt; send the retractions and receipts
                // again (pages apply them idempotently), then fetch.
                Err(RecvError::Lagged(_)) => {
                    if !self.catch_up().await {
                        return None;
                    }
                }
                Err(RecvError::Closed) => return None,
            }
            if !self.fetch().await {
                return None;
            }
        }
    }
}

/// The event stream of one thread for one user.
fn events(live: Live) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(live, |mut live| async move {
        let event = match live.next().await? {
            Out::Message(message) => Event::default().id(message.id.clone()).json_data(&message),
            Out::Retracted(id) => Ok(Event::default().event("retracted").data(id)),
            Out::Receipts(receipts) => Event::default().event("receipts").json_data(&receipts),
        };
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                tracing::error!(error = %err, "encoding a message event");
                return None;
            }
        };
        Some((Ok(event), live))
    })
}
