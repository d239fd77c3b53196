//! The seam for an online payment provider (card, open banking). Vellum
//! ships none; a firm that wants one implements [`PaymentProvider`] and
//! mounts its webhook. Nothing else in billing changes: a confirmed payment
//! is recorded like one staff typed in, through the same checks.
//!
//! The webhook route's shape, for an implementation to follow:
//!
//! ```text
//! POST /api/payments/webhook/{provider}
//!   body:    the provider's raw bytes, at most 64 KiB, read before parsing
//!   headers: the provider's signature header
//!   1. verify_webhook(headers, body) checks the signature over the raw body
//!      (constant-time, with a timestamp window) before anything is parsed;
//!      a bad signature answers 400 and is audited, nothing else is done;
//!   2. the event's id is recorded in the same transaction as its effect,
//!      so a redelivered event answers 200 and changes nothing;
//!   3. a `Paid` event records a payment on the invoice with the method
//!      "Online (<provider>)", refusing more than the balance due, audited
//!      and put on the client's timeline;
//!   4. the answer is 200 with an empty body: providers retry anything else.
//! ```
//!
//! Secrets (API keys, webhook signing secrets) come from config, never from
//! the database or a wire type, and never reach logs.

use async_trait::async_trait;

use crate::domain::ids::InvoiceId;

/// Where to send the client to pay, and the provider's reference for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// The provider's hosted payment page.
    pub url: String,
    /// The provider's id for this checkout, kept to match its events.
    pub reference: String,
}

/// What a verified webhook says happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderEvent {
    /// The client paid `amount` minor units of the invoice.
    Paid {
        /// The provider's event id, for idempotence.
        event_id: String,
        /// The invoice the checkout was for.
        invoice_id: InvoiceId,
        /// In the invoice's currency, minor units.
        amount: i64,
    },
    /// Anything the portal does not act on; acknowledged and ignored.
    Other {
        /// The provider's event id.
        event_id: String,
    },
}

/// Why a webhook was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The signature is missing, wrong or too old.
    #[error("the webhook signature does not verify")]
    BadSignature,
    /// The body is not an event this provider sends.
    #[error("the webhook body is not a known event: {0}")]
    Malformed(String),
}

/// An online payment provider.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// The name in the webhook path and the payment method, e.g. `stripe`.
    fn name(&self) -> &'static str;

    /// Starts a checkout for `amount` minor units of an invoice whose
    /// balance the caller has checked.
    async fn start_checkout(
        &self,
        invoice_id: &InvoiceId,
        amount: i64,
        currency: &str,
    ) -> anyhow::Result<Checkout>;

    /// Checks a webhook's signature over the raw body, then reads it.
    fn verify_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<ProviderEvent, WebhookError>;
}
