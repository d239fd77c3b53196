//! Email out (DESIGN §2.10) as the admin's outbox page sees it.

use serde::{Deserialize, Serialize};

/// One email in the outbox: to whom, what kind, and how delivery went.
/// There is deliberately no body: bodies hold live one-time links, which
/// are the recipient's alone, so no body can be sent to a browser by
/// accident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxView {
    /// The email's id (UUIDv7 text).
    pub id: String,
    /// The recipient's address.
    pub to_address: String,
    /// What kind of email: `invitation`, `password_reset`…
    pub kind: String,
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
