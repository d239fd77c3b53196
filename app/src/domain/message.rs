//! Secure messaging as the UI sees it (DESIGN §2.6), and the rules on what a
//! message may contain.

use serde::{Deserialize, Serialize};

use super::AppError;

/// The longest message body accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;
/// The longest thread subject accepted, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The most threads listed on one page.
pub const MAX_THREADS: i64 = 100;
/// The most messages shown in one thread (the newest ones).
pub const MAX_MESSAGES: i64 = 500;
/// What the portal shows in place of a retracted message.
pub const RETRACTED_TEXT: &str = "Message retracted";

/// One row of the thread list at `/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadSummaryView {
    /// The thread's id.
    pub id: String,
    /// The firm's matter number, e.g. `LIT-2026-0012`.
    pub matter_number: String,
    /// The matter's title.
    pub matter_title: String,
    /// What the thread is about.
    pub subject: String,
    /// When the last message arrived (UTC ms).
    pub last_message_at: i64,
    /// Messages from others that this user has not read yet.
    pub unread: i64,
}

/// One message as shown in a thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// The message's id.
    pub id: String,
    /// Who sent it.
    pub sender_name: String,
    /// True when the viewer sent it (and so may retract it).
    pub mine: bool,
    /// The text; `None` once retracted.
    pub body: Option<String>,
    /// When it was sent (UTC ms).
    pub created_at: i64,
}

/// A thread with its messages, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadView {
    /// The thread's id.
    pub id: String,
    /// The matter's id.
    pub matter_id: String,
    /// The firm's matter number.
    pub matter_number: String,
    /// What the thread is about.
    pub subject: String,
    /// The newest messages, oldest first.
    pub messages: Vec<MessageView>,
}

/// A thread waiting for the firm's answer, as the attorney inbox shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItemView {
    /// The thread's id.
    pub thread_id: String,
    /// The firm's matter number.
    pub matter_number: String,
    /// The matter's title.
    pub matter_title: String,
    /// What the thread is about.
    pub subject: String,
    /// When the oldest unanswered client message arrived (UTC ms).
    pub waiting_since: i64,
    /// The response-time target in minutes (the thread's own or the firm's).
    pub sla_minutes: i64,
    /// When the answer is due (UTC ms).
    pub due_at: i64,
    /// True once `due_at` has passed.
    pub breached: bool,
}

/// When a thread's answer is due, and whether that is past at `now` (all
/// UTC ms).
pub fn sla_due(waiting_since: i64, sla_minutes: i64, now: i64) -> (i64, bool) {
    let due = waiting_since.saturating_add(sla_minutes.saturating_mul(60_000));
    (due, now > due)
}

/// Checks a message body: not blank, at most [`MAX_MESSAGE_CHARS`]
/// characters. Returns it without surrounding whitespace.
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix.
pub fn validate_body(body: &str) -> Result<&str, AppError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::BadRequest("Write a message first.".to_owned()));
    }
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::BadRequest(format!(
            "A message may be at most {MAX_MESSAGE_CHARS} characters."
        )));
    }
    Ok(body)
}

/// Checks a thread subject: 1 to [`MAX_SUBJECT_CHARS`] characters.
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix.
pub fn validate_subject(subject: &str) -> Result<&str, AppError> {
    let subject = subject.trim();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(AppError::BadRequest(format!(
            "Give a subject of 1 to {MAX_SUBJECT_CHARS} characters."
        )));
    }
    Ok(subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_breaches_its_target_only_after_the_due_time() {
        assert_eq!(sla_due(1_000, 1, 61_000), (61_000, false));
        assert_eq!(sla_due(1_000, 1, 61_001), (61_000, true));
    }

    #[test]
    fn a_blank_message_is_refused() {
        assert!(validate_body("   \n").is_err());
    }

    #[test]
    fn a_message_is_trimmed_and_may_be_ten_thousand_characters() {
        assert_eq!(validate_body("  hello \n"), Ok("hello"));
        assert!(validate_body(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert!(validate_body(&"é".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    }

    #[test]
    fn a_subject_must_be_short_and_not_blank() {
        assert!(validate_subject("").is_err());
        assert!(validate_subject(&"x".repeat(MAX_SUBJECT_CHARS + 1)).is_err());
        assert_eq!(validate_subject(" Hearing "), Ok("Hearing"));
    }
}
