//! Following a thread live: the state machine behind the message stream
//! (`GET /api/messages/stream`, whose route only turns these events into
//! server-sent events).
//!
//! On (re)connect the stream first replays the messages after the id the
//! page last saw, then follows the message bus. Every batch is read from
//! the database as "after the last id sent", so replay and live delivery
//! cannot lose or repeat a message, and a notice that arrives during replay
//! costs only one more query.
//!
//! A (re)connect also sends every retraction of the thread and the current
//! read receipts, so nothing that happened while the page was away is
//! missed; pages apply them idempotently.
//!
//! A stream lives no longer than its session: it ends at the session's
//! absolute limit, and at its idle limit unless the user was active in
//! other requests meanwhile, checked on a timer as well as on news. Access
//! is checked again as news arrives ([`REAUTHORIZE_AFTER`]).

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::{
    Notice, find_thread,
    threads::{messages_after, receipts, retracted_in},
};
use crate::{
    domain::{
        ids::{MessageId, ThreadId},
        message::{MessageView, ReceiptView},
    },
    server::{
        AppState, ServiceError,
        auth::{
            ClientInfo, Principal,
            session::{self, SessionAuth},
        },
        now_ms,
    },
};

/// How long a stream goes on the access check it opened with. Access can
/// end while a page stays open (an ethical wall, a removal from the team, a
/// session ended elsewhere); past this, the next news of the thread checks
/// it again.
const REAUTHORIZE_AFTER: Duration = Duration::from_secs(10);

/// One event for a page following a thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// A message, replayed or new; its id is the event id.
    Message(MessageView),
    /// The id of a message that was retracted.
    Retracted(MessageId),
    /// How far the others have read.
    Receipts(Vec<ReceiptView>),
}

/// Where a (re)connecting page resumes: after the last message it has.
#[derive(Clone, Debug, Default)]
pub struct Resume {
    /// The browser's `Last-Event-ID`, which it sends by itself when it
    /// reconnects: the later of the two, so it wins.
    pub last_event_id: Option<MessageId>,
    /// The `after` the page was opened with.
    pub after: Option<MessageId>,
}

impl Resume {
    /// Reads the two from a request, keeping only well-formed ids: a page
    /// that sends something else starts from the beginning.
    pub fn from_request(last_event_id: Option<&str>, after: Option<&str>) -> Self {
        let well_formed = |raw: Option<&str>| raw.and_then(|id| MessageId::parse(id).ok());
        Self {
            last_event_id: well_formed(last_event_id),
            after: well_formed(after),
        }
    }

    /// The message to resume after; `None` is from the start.
    fn after(self) -> Option<MessageId> {
        self.last_event_id.or(self.after)
    }
}

/// Follows `thread_id` for `principal`: the messages after `resume`, then
/// news as it comes, until the session's limits or a lost right to the
/// thread end it. `session` is the session's record as the auth middleware
/// just checked it; the stream's limits count from its times.
///
/// # Errors
/// Not found (audited) for a thread the principal may not take part in.
pub async fn follow_thread(
    state: &AppState,
    principal: Principal,
    client: ClientInfo,
    session: &SessionAuth,
    thread_id: &ThreadId,
    resume: Resume,
) -> Result<impl Stream<Item = StreamEvent> + Send + 'static, ServiceError> {
    let thread = find_thread(&state.db, &principal, &client, thread_id).await?;
    // Subscribe before the replay query, so a message sent in between is
    // announced and then fetched, not missed.
    let live = Live {
        state: state.clone(),
        principal,
        client,
        authorized_at: Instant::now(),
        signed_in_at: session.signed_in_at,
        last_seen_at: session.last_seen_at,
        thread: thread.id,
        last: resume.after(),
        rx: state.message_bus.subscribe(),
        pending: VecDeque::new(),
        replayed: false,
    };
    Ok(stream::unfold(live, |mut live| async move {
        let event = live.next().await?;
        Some((event, live))
    }))
}

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
    thread: ThreadId,
    /// The id of the last message sent to this client; `None` before the
    /// first.
    last: Option<MessageId>,
    rx: Receiver<Notice>,
    pending: VecDeque<StreamEvent>,
    replayed: bool,
}

impl Live {
    /// Loads the messages after the last one sent. `false` when the stream
    /// should end (a database or decryption failure, logged here).
    async fn fetch(&mut self) -> bool {
        match messages_after(
            &self.state,
            &self.principal,
            &self.thread,
            self.last.as_ref(),
        )
        .await
        {
            Ok(batch) => {
                if let Some(newest) = batch.last() {
                    self.last = Some(MessageId::from_trusted(newest.id.clone()));
                }
                self.pending
                    .extend(batch.into_iter().map(StreamEvent::Message));
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
            let retracted = retracted_in(&self.state, &self.thread).await?;
            let receipts = receipts(&self.state.db, &self.thread, &me).await?;
            Ok::<_, ServiceError>((retracted, receipts))
        };
        match loaded.await {
            Ok((retracted, receipts)) => {
                self.pending
                    .extend(retracted.into_iter().map(StreamEvent::Retracted));
                self.pending.push_back(StreamEvent::Receipts(receipts));
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
        match find_thread(&self.state.db, &self.principal, &self.client, &self.thread).await {
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
    async fn next(&mut self) -> Option<StreamEvent> {
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
            if matches!(&notice, Ok(n) if *n.thread_id() != self.thread) {
                continue;
            }
            if !self.within_session_limits().await || !self.still_allowed().await {
                return None;
            }
            match notice {
                Ok(Notice::Retraction { message_id, .. }) => {
                    self.pending.push_back(StreamEvent::Retracted(message_id));
                    continue;
                }
                Ok(Notice::Read { .. }) => {
                    let me = self.principal.user_id.to_string();
                    match receipts(&self.state.db, &self.thread, &me).await {
                        Ok(receipts) => self.pending.push_back(StreamEvent::Receipts(receipts)),
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
