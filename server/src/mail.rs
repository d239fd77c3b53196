//! SMTP delivery of the outbox (DESIGN §2.10), when `smtp_url` is set.
//!
//! Actions queue emails in the outbox inside their own transactions; this
//! sender takes the rows that are due every few seconds, hands each to the
//! mail server with lettre (implicit TLS or STARTTLS over rustls), and
//! records the outcome. A failed attempt is retried later with a growing
//! delay ([`outbox::retry_delay_ms`]), so a mail server that is down loses
//! nothing; an email refused for good, or still unsent after many attempts
//! or a week, is given up and shows so on the admin's outbox page.

use std::time::Duration;

use anyhow::Context as _;
use app::server::{
    AppState,
    outbox::{self, PendingEmail},
};
use lettre::{
    AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use secrecy::ExposeSecret as _;

use crate::config::SmtpSettings;

/// How often the sender looks for due emails (the worker's period).
pub const POLL: Duration = Duration::from_secs(2);
/// The most emails one pass sends, so one pass stays short.
const BATCH: i64 = 50;

/// A connection pool to the configured mail server and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `settings` (already validated by the configuration).
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Self> {
        // ring is the one rustls provider in the build; a second install
        // (the TLS listener may have made one) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.url.expose_secret())
                .context("smtp_url")?
                .timeout(Some(Duration::from_secs(30)))
                .build();
        Ok(Self {
            transport,
            from: settings.from.clone(),
        })
    }

    /// Sends `email` from the firm: its name is the sender's name and signs
    /// the body, whatever address the configuration sends from.
    async fn send(&self, email: &PendingEmail, body: &str, firm: &str) -> Result<(), Failure> {
        let to: Mailbox = email.to.parse().map_err(|e| Failure {
            reason: format!("the recipient address is not valid: {e}"),
            permanent: true,
        })?;
        let from = Mailbox::new(Some(firm.to_owned()), self.from.email.clone());
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(email.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(format!("{body}\n--\n{firm}\n"))
            .map_err(|e| Failure {
                reason: format!("building the email: {e}"),
                permanent: true,
            })?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| Failure {
                // A 5xx answer will not change on a retry.
                permanent: e.is_permanent(),
                reason: e.to_string(),
            })
    }
}

/// Why an attempt failed, and whether retrying could help.
struct Failure {
    reason: String,
    permanent: bool,
}

/// Sends every email that is due now; returns how many went out.
pub async fn deliver_due(state: &AppState, mailer: &Mailer) -> anyhow::Result<usize> {
    let claimed = outbox::claim_due(&state.db, app::server::now_ms(), BATCH).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let firm = app::server::settings::firm_name(&state.db).await?;
    let mut sent = 0;
    for email in &claimed {
        let body = match outbox::open_body(&state.keys, &state.db, email).await {
            Ok(body) => body,
            Err(err) => {
                // A body that does not open now never will (it was altered,
                // moved or lost); give it up rather than retry for a week.
                tracing::error!(email_id = %email.id, error = format!("{err:#}"), "cannot open an email body");
                outbox::mark_failed(
                    &state.db,
                    email,
                    "the email could not be decrypted",
                    true,
                    app::server::now_ms(),
                )
                .await?;
                continue;
            }
        };
        match mailer.send(email, &body, &firm).await {
            Ok(()) => {
                // Should this fail, the claim runs out and the email goes
                // again: at least once, never lost.
                outbox::mark_sent(&state.db, &email.id, app::server::now_ms()).await?;
                sent += 1;
            }
            Err(failure) => {
                // Neither the body (it may hold a one-time link) nor the
                // address reaches the log; the outbox row names both.
                tracing::warn!(
                    email_id = %email.id,
                    attempts = email.attempts,
                    permanent = failure.permanent,
                    "email delivery failed"
                );
                outbox::mark_failed(
                    &state.db,
                    email,
                    &failure.reason,
                    failure.permanent,
                    app::server::now_ms(),
                )
                .await?;
            }
        }
    }
    Ok(sent)
}
