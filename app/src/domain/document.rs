//! Documents and document requests as the browser sees them (DESIGN §2.4),
//! and the pure rules about them: visibility, file-name sanitising and
//! request status.

use serde::{Deserialize, Serialize};

use super::{AppError, ids::MatterId};

/// The longest file name kept, in characters. Longer names are cut; every
/// filesystem we target allows at least 255 bytes.
pub const MAX_FILE_NAME_CHARS: usize = 200;
/// The longest request title, in characters.
pub const MAX_REQUEST_TITLE_CHARS: usize = 200;
/// The longest request note or rejection reason, in characters.
pub const MAX_REQUEST_NOTE_CHARS: usize = 2000;
/// The most documents or requests one list returns.
pub const MAX_LIST_ROWS: i64 = 500;

/// Who may see a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Visibility {
    /// The client sees it on the portal.
    Client,
    /// Firm users only.
    Internal,
}

impl Visibility {
    /// The stored and query-string form: `client` or `internal`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Internal => "internal",
        }
    }

    /// Parses the stored or query-string form.
    ///
    /// # Errors
    /// A 400 naming the accepted values.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        match raw {
            "client" => Ok(Self::Client),
            "internal" => Ok(Self::Internal),
            _ => Err(AppError::BadRequest(
                "Visibility must be \"client\" or \"internal\".".to_owned(),
            )),
        }
    }
}

/// One version of a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentVersionView {
    /// 1 for the first upload, then 2, 3…
    pub version: i64,
    /// The sanitised file name.
    pub name: String,
    /// Plaintext size in bytes.
    pub size: i64,
    /// When it was uploaded (UTC ms).
    pub uploaded_at: i64,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// Where to download it from.
    pub download_url: String,
}

/// A document and its versions, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentView {
    /// The document's id.
    pub id: String,
    /// The matter it belongs to.
    pub matter_id: MatterId,
    /// Who may see it.
    pub visibility: Visibility,
    /// The request it was uploaded against, if any.
    pub request_id: Option<String>,
    /// Every version, newest first; never empty.
    pub versions: Vec<DocumentVersionView>,
}

impl DocumentView {
    /// The newest version's file name.
    pub fn name(&self) -> &str {
        self.versions.first().map_or("", |v| v.name.as_str())
    }
}

/// Where a document request stands. `Overdue` is computed, never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestStatus {
    /// Waiting for the client.
    Open,
    /// Open and past its due date.
    Overdue,
    /// The client uploaded something against it.
    Fulfilled,
}

impl RequestStatus {
    /// A request's status from what is stored and the time now: open past
    /// its due date is overdue.
    pub fn compute(stored_fulfilled: bool, due_at: Option<i64>, now_ms: i64) -> Self {
        if stored_fulfilled {
            Self::Fulfilled
        } else if due_at.is_some_and(|due| due < now_ms) {
            Self::Overdue
        } else {
            Self::Open
        }
    }

    /// A label for the checklist.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Overdue => "Overdue",
            Self::Fulfilled => "Submitted",
        }
    }
}

/// What staff decided about an upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewStatus {
    /// The upload is what was asked for.
    Accepted,
    /// It is not; the request is open again.
    Rejected,
}

/// A document request on a matter's checklist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRequestView {
    /// The request's id.
    pub id: String,
    /// What is asked for, e.g. "2023 tax return".
    pub title: String,
    /// More detail from the firm.
    pub note: String,
    /// When it is due (UTC ms), if ever.
    pub due_at: Option<i64>,
    /// Open, overdue or fulfilled.
    pub status: RequestStatus,
    /// The latest review of an upload, if any.
    pub review: Option<ReviewStatus>,
    /// Why the last upload was rejected.
    pub rejection_reason: Option<String>,
    /// The document uploaded against it, if any.
    pub document_id: Option<String>,
}

/// Makes an uploaded file name safe to store and to send back in a
/// `Content-Disposition` header: no path (only the part after the last `/`
/// or `\`), no control or bidirectional-override characters, no leading
/// dots (hidden files, `..`), no trailing dots or spaces (Windows strips
/// them), at most [`MAX_FILE_NAME_CHARS`]. An empty result becomes
/// `document`.
pub fn sanitize_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_control()
                || is_bidi_control(c)
                || matches!(c, '"' | ':' | '*' | '?' | '<' | '>' | '|')
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let cut: String = trimmed.chars().take(MAX_FILE_NAME_CHARS).collect();
    let cut = cut.trim_end_matches(['.', ' ']);
    if cut.is_empty() {
        "document".to_owned()
    } else {
        cut.to_owned()
    }
}

/// Characters that reorder how text is displayed: an `exe.pdf` can be made
/// to look like a `pdf.exe` with them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// The content type a download is sent with: a short allow-list of types
/// browsers do not execute, chosen by extension; everything else (HTML, SVG,
/// XML, scripts) is `application/octet-stream`, so it is never rendered
/// inline as a page of ours.
pub fn content_type_for(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        _ => "application/octet-stream",
    }
}

/// File name endings of programs and scripts, which a portal for documents
/// never takes: opened from a firm's machine, they would run.
pub const REFUSED_EXTENSIONS: &[&str] = &[
    "exe", "msi", "bat", "cmd", "com", "scr", "pif", "cpl", "vbs", "vbe", "js", "jse", "wsf",
    "wsh", "ps1", "psm1", "hta", "jar", "sh", "app", "dmg", "pkg", "apk", "lnk", "reg", "dll",
];

/// What the portal takes: how big a file may be (config
/// `max_upload_bytes`) and whether the firm allows programs. Stated up
/// front beside every upload control, checked in the browser before a
/// byte is sent, and again by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRules {
    /// The largest file, in bytes.
    pub max_bytes: u64,
    /// Whether programs and scripts ([`REFUSED_EXTENSIONS`]) are taken.
    pub allow_programs: bool,
}

impl UploadRules {
    /// The rules when they could not be read: no size stated (the server
    /// still enforces its own) and no programs.
    pub fn unknown() -> Self {
        Self {
            max_bytes: u64::MAX,
            allow_programs: false,
        }
    }

    /// What the portal says, up front, about the files it takes.
    pub fn text(&self) -> String {
        let size = if self.max_bytes == u64::MAX {
            String::new()
        } else {
            format!(
                ", each up to {}",
                human_size(i64::try_from(self.max_bytes).unwrap_or(i64::MAX))
            )
        };
        let refused = if self.allow_programs {
            "Empty files are refused."
        } else {
            "Programs (.exe, .bat, …) and empty files are refused."
        };
        format!(
            "Up to 20 files at a time{size}: PDFs, photos, Word and Excel files and the like. {refused}"
        )
    }

    /// Why a file may not be uploaded, in words for its sender, judged by
    /// its name and size (when known) before a byte is sent: an empty
    /// file, one over the size limit, or a program the firm does not take.
    pub fn refuse(&self, name: &str, size: Option<u64>) -> Option<String> {
        match size {
            Some(0) => {
                return Some(format!(
                    "{name} is empty. Choose the file again, or another copy of it."
                ));
            }
            Some(size) if size > self.max_bytes => {
                let show = |bytes: u64| human_size(i64::try_from(bytes).unwrap_or(i64::MAX));
                return Some(format!(
                    "{name} is {}; files can be at most {}.",
                    show(size),
                    show(self.max_bytes)
                ));
            }
            _ => {}
        }
        if self.allow_programs {
            return None;
        }
        let ext = name
            .rsplit_once('.')
            .map(|(_, ext)| ext.trim().to_ascii_lowercase())
            .unwrap_or_default();
        REFUSED_EXTENSIONS
            .contains(&ext.as_str())
            .then(|| format!("{name} is a program or script (.{ext}); these cannot be uploaded."))
    }
}

/// A size for people: "512 bytes", "1.5 MB".
pub fn human_size(bytes: i64) -> String {
    #[expect(
        clippy::cast_precision_loss,
        reason = "a display value, rounded to one decimal"
    )]
    let b = bytes as f64;
    match bytes {
        ..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.1} kB", b / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.1} GB", b / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: UploadRules = UploadRules {
        max_bytes: 2_000_000,
        allow_programs: false,
    };

    #[test]
    fn the_rules_state_the_size_and_refuse_empty_oversized_and_program_files() {
        assert!(
            RULES.text().contains("each up to 2.0 MB"),
            "{}",
            RULES.text()
        );
        assert!(RULES.text().contains("Programs (.exe, .bat, …)"));
        assert_eq!(RULES.refuse("passport.jpg", Some(1_999_999)), None);
        assert_eq!(
            RULES.refuse("scan.pdf", Some(0)),
            Some("scan.pdf is empty. Choose the file again, or another copy of it.".to_owned())
        );
        assert_eq!(
            RULES.refuse("video.mov", Some(3_500_000)),
            Some("video.mov is 3.5 MB; files can be at most 2.0 MB.".to_owned())
        );
        assert!(RULES.refuse("setup.EXE", None).is_some());
        assert!(RULES.refuse("run.sh ", Some(10)).is_some());
    }

    #[test]
    fn a_firm_that_allows_programs_takes_them_but_never_empty_files() {
        let rules = UploadRules {
            allow_programs: true,
            ..RULES
        };
        assert_eq!(rules.refuse("setup.exe", Some(10)), None);
        assert!(rules.refuse("setup.exe", Some(0)).is_some());
        assert!(!rules.text().contains("Programs"));
        assert!(
            !UploadRules::unknown().text().contains("each up to"),
            "no size when none is known"
        );
    }

    #[test]
    fn sanitising_keeps_only_the_last_path_component() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\Users\\a\\tax.pdf"), "tax.pdf");
    }

    #[test]
    fn sanitising_drops_leading_dots_and_control_characters() {
        assert_eq!(sanitize_file_name(".bashrc"), "bashrc");
        assert_eq!(sanitize_file_name(".."), "document");
        assert_eq!(
            sanitize_file_name("a\u{0}b\nc\u{202E}fdp.exe"),
            "a_b_c_fdp.exe"
        );
        assert_eq!(sanitize_file_name("  report.pdf. "), "report.pdf");
        assert_eq!(sanitize_file_name(""), "document");
    }

    #[test]
    fn sanitising_cuts_long_names() {
        let long = "a".repeat(1000);
        assert_eq!(
            sanitize_file_name(&long).chars().count(),
            MAX_FILE_NAME_CHARS
        );
    }

    #[test]
    fn html_and_unknown_types_download_as_octet_stream() {
        assert_eq!(content_type_for("x.html"), "application/octet-stream");
        assert_eq!(content_type_for("x.svg"), "application/octet-stream");
        assert_eq!(content_type_for("noext"), "application/octet-stream");
        assert_eq!(content_type_for("Scan.PDF"), "application/pdf");
    }

    #[test]
    fn an_open_request_past_its_due_date_is_overdue() {
        assert_eq!(
            RequestStatus::compute(false, Some(10), 11),
            RequestStatus::Overdue
        );
        assert_eq!(
            RequestStatus::compute(false, Some(10), 9),
            RequestStatus::Open
        );
        assert_eq!(RequestStatus::compute(false, None, 9), RequestStatus::Open);
        assert_eq!(
            RequestStatus::compute(true, Some(10), 11),
            RequestStatus::Fulfilled
        );
    }

    #[test]
    fn visibility_round_trips_and_rejects_other_values() {
        for v in [Visibility::Client, Visibility::Internal] {
            assert_eq!(Visibility::parse(v.as_str()), Ok(v));
        }
        assert!(Visibility::parse("public").is_err());
    }
}
