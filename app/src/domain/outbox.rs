//! Email out (DESIGN §2.10) as the admin's outbox page sees it.

use serde::{Deserialize, Serialize};

/// One email in the outbox. Until SMTP is configured, the body is how an
/// admin passes a new client their invitation link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxView {
    /// The email's id (UUIDv7 text).
    pub id: String,
    /// The recipient's address.
    pub to_address: String,
    /// The subject line.
    pub subject: String,
    /// What kind of email: `invitation`, `password_reset`…
    pub kind: String,
    /// The plain-text body. It may hold a one-time link, never a password
    /// or a message body.
    pub body_text: String,
    /// When it was queued (UTC ms).
    pub created_at: i64,
    /// When it was sent (UTC ms); `None` while it waits in the outbox.
    pub sent_at: Option<i64>,
    /// How many times sending was tried.
    pub attempts: i64,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// When it was given up (UTC ms): refused for good, too many attempts,
    /// or not sent within a week.
    pub failed_at: Option<i64>,
}
