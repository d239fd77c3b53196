//! Background work beside the server: each worker runs a service on a
//! timer, on one `JoinSet`, and stops cleanly on shutdown (a pass in
//! progress finishes; the next does not start).
//!
//! - at start, before serving: the sweep of unfinished uploads;
//! - the escalation of message threads past their response-time target;
//! - the audit of the flood limits' refusals;
//! - the removal of expired sessions (ours and tower-sessions' records);
//! - the delivery of the email outbox, when SMTP is configured.

use std::{future::Future, time::Duration};

use app::server::{AppState, auth::session::VellumSessionStore, documents, flood, messages};
use tokio::{task::JoinSet, time::MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use tower_sessions::ExpiredDeletion as _;

use crate::mail::{self, Mailer};

/// The running workers.
#[derive(Debug)]
pub struct Workers {
    tasks: JoinSet<()>,
    stop: CancellationToken,
}

impl Workers {
    /// Sweeps what interrupted uploads left behind, then starts every
    /// worker. Dropping the result aborts them; [`Workers::stop`] lets
    /// them finish their pass.
    ///
    /// # Errors
    /// When the sweep fails (the server does not start).
    pub async fn start(
        state: &AppState,
        sessions: VellumSessionStore,
        mailer: Option<Mailer>,
    ) -> anyhow::Result<Self> {
        documents::sweep_orphans(state, documents::ORPHAN_GRACE).await?;
        // Mail queued in plaintext by an older version is sealed before the
        // sender can pick it up.
        app::server::outbox::seal_plaintext_bodies(&state.db, &state.keys).await?;
        let mut workers = Self {
            tasks: JoinSet::new(),
            stop: CancellationToken::new(),
        };
        // Every minute at worst: the inbox runs the same check when it is
        // opened.
        workers.every(Duration::from_mins(1), "escalating late message threads", {
            let state = state.clone();
            move || escalate(state.clone())
        });
        let window = Duration::from_millis(flood::WINDOW_MS.unsigned_abs());
        workers.every(window, "auditing refused requests", {
            let state = state.clone();
            move || flush_flood_audit(state.clone())
        });
        workers.every(session_sweep_period(state), "removing expired sessions", {
            let state = state.clone();
            move || sweep_sessions(state.clone())
        });
        // tower-sessions' own records expire on their own schedule.
        let stop = workers.stop.clone();
        workers.tasks.spawn(async move {
            tokio::select! {
                result = sessions.continuously_delete_expired(Duration::from_mins(5)) => {
                    if let Err(err) = result {
                        tracing::error!(error = %err, "deleting expired session records");
                    }
                }
                () = stop.cancelled() => {}
            }
        });
        if let Some(mailer) = mailer {
            workers.every(mail::POLL, "delivering the outbox", {
                let state = state.clone();
                move || deliver(state.clone(), mailer.clone())
            });
        }
        Ok(workers)
    }

    /// Asks every worker to stop and waits until they have.
    pub async fn stop(mut self) {
        self.stop.cancel();
        while let Some(joined) = self.tasks.join_next().await {
            if let Err(err) = joined {
                tracing::error!(error = %err, "a worker failed");
            }
        }
    }

    /// Runs `pass` every `period`, the first at once, until stopped. A
    /// failed pass is logged (as `what`) and the next one tries again.
    fn every<F, Fut>(&mut self, period: Duration, what: &'static str, mut pass: F)
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send,
    {
        let stop = self.stop.clone();
        self.tasks.spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = stop.cancelled() => return,
                }
                if let Err(err) = pass().await {
                    tracing::error!(error = format!("{err:#}"), "{what}");
                }
            }
        });
    }
}

/// Gives every thread past its response-time target one follow-up task.
async fn escalate(state: AppState) -> anyhow::Result<()> {
    messages::escalate_breaches(&state).await.map(drop)
}

/// Audits the flood limits' refusals of the last window, one row per
/// network.
async fn flush_flood_audit(state: AppState) -> anyhow::Result<()> {
    state.flood.flush(&state.db).await.map(drop)
}

/// How often expired sessions are swept: a quarter of the idle timeout, at
/// least every second and at most every minute.
fn session_sweep_period(state: &AppState) -> Duration {
    let every_ms = (state.session_limits.idle_ms / 4).clamp(1_000, 60_000);
    Duration::from_millis(u64::try_from(every_ms).unwrap_or(60_000))
}

/// Removes expired `user_sessions` rows, so the sessions page lists only
/// live sessions.
async fn sweep_sessions(state: AppState) -> anyhow::Result<()> {
    let now = app::server::now_ms();
    let swept =
        app::server::auth::session::sweep_expired_sessions(&state.db, state.session_limits, now)
            .await?;
    if swept > 0 {
        tracing::info!(swept, "removed expired sessions");
    }
    Ok(())
}

/// Sends every email that is due.
async fn deliver(state: AppState, mailer: Mailer) -> anyhow::Result<()> {
    mail::deliver_due(&state, &mailer).await.map(drop)
}
