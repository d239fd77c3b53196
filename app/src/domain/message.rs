//! Secure messaging as the UI sees it (DESIGN §2.6), and the rules on what a
//! message may contain.

use serde::{Deserialize, Serialize};

use super::{AppError, ids::DocumentId};

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
/// The longest response-time target a matter may set, in minutes (30 days).
pub const MAX_SLA_MINUTES: i64 = 43_200;
/// The firm's response-time target when config sets none: four hours.
pub const DEFAULT_SLA_MINUTES: u32 = 240;
/// The new-message email batch window when config sets none: at most one
/// email per thread and person in 15 minutes.
pub const DEFAULT_NOTIFY_BATCH_MINUTES: u32 = 15;

/// The most files one message may carry.
pub const MAX_ATTACHMENTS: usize = 10;

/// A file a message carries: a document of the thread's matter, at the
/// version it was sent with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    /// Its number within the message, from 1 (part of its download link).
    pub position: i64,
    /// The file's name.
    pub name: String,
    /// Plaintext bytes.
    pub size: i64,
}

impl AttachmentView {
    /// Where the attachment of `message_id` downloads from.
    pub fn href(&self, message_id: &str) -> String {
        super::links::message_attachment(message_id, self.position)
    }
}

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
    /// The files it carries, in order; none once retracted.
    pub attachments: Vec<AttachmentView>,
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
    /// How files chosen in the composer are uploaded: internal for firm
    /// users until the message is sent (see `policy::attach_rule`).
    pub upload_visibility: super::document::Visibility,
    /// How far the other participants have read.
    pub receipts: Vec<ReceiptView>,
}

/// A read receipt: how far one other participant has read a thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptView {
    /// Who read.
    pub name: String,
    /// The newest message they have seen (ids sort in sending order).
    pub last_read_message_id: String,
}

/// Who has read the message `message_id`, by name: the receipts that
/// reach it.
pub fn read_by<'a>(receipts: &'a [ReceiptView], message_id: &str) -> Vec<&'a str> {
    receipts
        .iter()
        .filter(|r| r.last_read_message_id.as_str() >= message_id)
        .map(|r| r.name.as_str())
        .collect()
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
    /// The client account the matter is for.
    pub account_name: String,
    /// Who wrote the newest waiting message.
    pub client_name: String,
    /// Its first words (empty if it was retracted or held only files).
    pub preview: String,
    /// "waiting 3 h".
    pub waiting: String,
    /// "due in 1 h", or "overdue by 20 min".
    pub due: String,
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

/// The first `max` characters of a message on one line, with "…" when
/// there was more.
pub fn preview_of(body: &str, max: usize) -> String {
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
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

/// Checks a message that may carry files: with attachments the text may be
/// left blank (returned as ""), otherwise as [`validate_body`].
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix.
pub fn validate_message(body: &str, attachments: usize) -> Result<&str, AppError> {
    if attachments > 0 && body.trim().is_empty() {
        return Ok("");
    }
    validate_body(body)
}

/// Reads a matter's response-time target as typed: blank means the firm's
/// default (`None`), otherwise whole minutes from 1 to [`MAX_SLA_MINUTES`].
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix.
pub fn parse_sla_minutes(raw: &str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i64>() {
        Ok(minutes) if (1..=MAX_SLA_MINUTES).contains(&minutes) => Ok(Some(minutes)),
        _ => Err(AppError::BadRequest(format!(
            "Give the response target in whole minutes, from 1 to {MAX_SLA_MINUTES} (30 days), or leave it blank for the firm's default."
        ))),
    }
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

/// Reads the documents to attach from the composer's field: document ids
/// separated by white space, each at most once, at most
/// [`MAX_ATTACHMENTS`]. Whether each one may be attached is for the server
/// to check.
///
/// # Errors
/// [`AppError::BadRequest`] saying what to fix; not found for an id that
/// is not one.
pub fn parse_attachments(raw: &str) -> Result<Vec<DocumentId>, AppError> {
    let mut ids: Vec<DocumentId> = Vec::new();
    for raw_id in raw.split_whitespace() {
        let id = DocumentId::parse(raw_id)?;
        if ids.contains(&id) {
            continue;
        }
        // Stops at the first id too many: a long list costs no more than
        // a short one.
        if ids.len() == MAX_ATTACHMENTS {
            return Err(AppError::BadRequest(format!(
                "A message may carry at most {MAX_ATTACHMENTS} files."
            )));
        }
        ids.push(id);
    }
    Ok(ids)
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
    fn a_message_is_read_by_those_whose_receipt_reaches_it() {
        let receipt = |name: &str, id: &str| ReceiptView {
            name: name.to_owned(),
            last_read_message_id: id.to_owned(),
        };
        let receipts = [receipt("Ann", "m2"), receipt("Ben", "m1")];
        assert_eq!(read_by(&receipts, "m1"), vec!["Ann", "Ben"]);
        assert_eq!(read_by(&receipts, "m2"), vec!["Ann"]);
        assert!(read_by(&receipts, "m3").is_empty());
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
    fn a_message_with_files_may_have_no_text() {
        assert_eq!(validate_message("  ", 1), Ok(""));
        assert!(validate_message("  ", 0).is_err());
        assert_eq!(validate_message(" hi ", 2), Ok("hi"));
    }

    #[test]
    fn a_response_target_is_blank_or_whole_minutes_up_to_thirty_days() {
        assert_eq!(parse_sla_minutes("  "), Ok(None));
        assert_eq!(parse_sla_minutes(" 90 "), Ok(Some(90)));
        assert_eq!(parse_sla_minutes("43200"), Ok(Some(43_200)));
        for bad in ["0", "-5", "43201", "1.5", "two hours"] {
            assert!(parse_sla_minutes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_subject_must_be_short_and_not_blank() {
        assert!(validate_subject("").is_err());
        assert!(validate_subject(&"x".repeat(MAX_SUBJECT_CHARS + 1)).is_err());
        assert_eq!(validate_subject(" Hearing "), Ok("Hearing"));
    }

    #[test]
    fn attachments_are_read_in_order_once_each_and_at_most_ten() {
        let id = |n: usize| format!("0190a5c2-7b1e-7c3d-9f00-{n:012}");
        assert_eq!(parse_attachments(""), Ok(vec![]));
        assert_eq!(
            parse_attachments(&format!(" {} {}\n{} ", id(1), id(2), id(1))),
            Ok(vec![
                DocumentId::from_trusted(id(1)),
                DocumentId::from_trusted(id(2))
            ])
        );
        let ten: Vec<String> = (0..MAX_ATTACHMENTS).map(id).collect();
        assert_eq!(parse_attachments(&ten.join(" ")).map(|v| v.len()), Ok(10));
        assert_eq!(
            parse_attachments(&format!("{} {}", ten.join(" "), id(99))),
            Err(AppError::BadRequest(format!(
                "A message may carry at most {MAX_ATTACHMENTS} files."
            )))
        );
        assert_eq!(parse_attachments("../etc/passwd"), Err(AppError::NotFound));
    }

    #[test]
    fn an_attachment_downloads_from_its_message() {
        let a = AttachmentView {
            position: 2,
            name: "x.pdf".to_owned(),
            size: 1,
        };
        assert_eq!(a.href("m1"), "/api/messages/m1/attachments/2");
    }
}
