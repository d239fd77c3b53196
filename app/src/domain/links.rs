//! Every plain-route URL (streamed files, PDF, calendar, live messages) in
//! one place: the route patterns that `server/src/routes/` mounts, next to
//! the functions that build links to them for pages, services and emails.
//! A route that moves changes here, and its links move with it.

use super::ids::{MessageId, ThreadId};

/// Uploads a document to a matter (`POST`).
pub const MATTER_DOCUMENTS: &str = "/api/matters/{id}/documents";
/// Downloads a document's current version.
pub const DOCUMENT_DOWNLOAD: &str = "/api/documents/{id}/download";
/// Downloads one version of a document.
pub const VERSION_DOWNLOAD: &str = "/api/documents/{id}/versions/{version}/download";
/// Follows a thread live (server-sent events).
pub const MESSAGE_STREAM: &str = "/api/messages/stream";
/// Downloads a file a message carries.
pub const MESSAGE_ATTACHMENT: &str = "/api/messages/{id}/attachments/{position}";
/// A matter's key dates as an `.ics` file.
pub const MATTER_CALENDAR: &str = "/api/matters/{id}/calendar.ics";
/// A personal calendar feed, by its secret file name.
pub const CALENDAR_FEED: &str = "/calendar/{file}";
/// An invoice as a PDF statement.
pub const INVOICE_PDF: &str = "/api/invoices/{id}/pdf";
/// The walls in force on a day, as CSV (`?date=YYYY-MM-DD`).
pub const WALLS_REPORT: &str = "/api/admin/walls.csv";
/// The contact list as CSV, filtered as the list's URL says.
pub const CONTACTS_EXPORT: &str = "/api/crm/contacts.csv";
/// The firm's logo (public: the sign-in page shows it).
pub const FIRM_LOGO: &str = "/brand/logo.png";
/// Where an admin posts a new logo, or its removal (a multipart form).
pub const FIRM_LOGO_UPLOAD: &str = "/api/admin/logo";
/// A CSV file of contacts, previewed (`?step=preview`) or written
/// (`?step=confirm&digest=…`); the body is the file.
pub const CONTACTS_IMPORT: &str = "/api/crm/contacts/import";

/// The logo's address at `version` (when it was saved).
pub fn firm_logo(version: i64) -> String {
    format!("{FIRM_LOGO}?v={version}")
}

/// Where files are uploaded to the matter `matter_id`.
pub fn matter_documents(matter_id: &str) -> String {
    format!("/api/matters/{matter_id}/documents")
}

/// Where version `version` of the document `document_id` downloads from.
pub fn version_download(document_id: &str, version: i64) -> String {
    format!("/api/documents/{document_id}/versions/{version}/download")
}

/// Where the page of thread `thread_id` follows it live, resuming after
/// the message `after` (from the start when `None`).
pub fn message_stream(thread_id: &ThreadId, after: Option<&MessageId>) -> String {
    let after = after.map_or("", MessageId::as_str);
    format!("/api/messages/stream?thread={thread_id}&after={after}")
}

/// Where attachment `position` of message `message_id` downloads from.
pub fn message_attachment(message_id: &str, position: i64) -> String {
    format!("/api/messages/{message_id}/attachments/{position}")
}

/// The `.ics` file of the matter `matter_id`'s key dates.
pub fn matter_calendar(matter_id: &str) -> String {
    format!("/api/matters/{matter_id}/calendar.ics")
}

/// A calendar feed, by its secret token (which is the file name).
pub fn calendar_feed(token: &str) -> String {
    format!("/calendar/{token}.ics")
}

/// The PDF statement of the invoice `invoice_id`.
pub fn invoice_pdf(invoice_id: &str) -> String {
    format!("/api/invoices/{invoice_id}/pdf")
}

/// The page of thread `thread_id`, as emails link to it (under the
/// firm's public URL).
pub fn thread_page(public_url: &str, thread_id: &ThreadId) -> String {
    format!("{public_url}/messages/{thread_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills a route pattern's `{name}` segments in order, as the router
    /// would match them.
    fn fill(pattern: &str, values: &[&str]) -> String {
        let mut out = String::new();
        let mut values = values.iter();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            let close = open + rest[open..].find('}').expect("a closed segment");
            out.push_str(&rest[..open]);
            out.push_str(values.next().expect("a value per segment"));
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn every_link_matches_the_route_it_points_at() {
        let thread = ThreadId::from_trusted("t1".to_owned());
        let message = MessageId::from_trusted("m1".to_owned());
        assert_eq!(matter_documents("m"), fill(MATTER_DOCUMENTS, &["m"]));
        assert_eq!(
            version_download("d", 3),
            fill(VERSION_DOWNLOAD, &["d", "3"])
        );
        assert_eq!(
            message_attachment("m1", 2),
            fill(MESSAGE_ATTACHMENT, &["m1", "2"])
        );
        assert_eq!(matter_calendar("m"), fill(MATTER_CALENDAR, &["m"]));
        assert_eq!(calendar_feed("tok"), fill(CALENDAR_FEED, &["tok.ics"]));
        assert_eq!(invoice_pdf("i"), fill(INVOICE_PDF, &["i"]));
        assert_eq!(
            message_stream(&thread, Some(&message)),
            format!("{MESSAGE_STREAM}?thread=t1&after=m1")
        );
        assert_eq!(
            message_stream(&thread, None),
            format!("{MESSAGE_STREAM}?thread=t1&after=")
        );
        assert_eq!(
            thread_page("https://firm.example", &thread),
            "https://firm.example/messages/t1"
        );
    }
}
