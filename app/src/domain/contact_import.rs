//! Importing contacts from CSV (issue 11, point 10), as the preview shows
//! it: each row is new, an update of the contact with the same email,
//! unchanged, or an error with its reason. Nothing is written until the
//! user confirms the preview they saw.

use serde::{Deserialize, Serialize};

/// The largest file accepted, in bytes.
pub const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024;
/// The most rows one file may have; bigger lists are split.
pub const MAX_IMPORT_ROWS: usize = 5_000;
/// The columns, in the order the export writes them. `name` is required;
/// the rest may be missing or empty.
pub const IMPORT_COLUMNS: [&str; 9] = [
    "name",
    "email",
    "phone",
    "address",
    "account",
    "role",
    "owner",
    "referral_source",
    "tags",
];

/// What a file over [`MAX_IMPORT_BYTES`] is told.
pub fn file_too_big() -> String {
    format!(
        "The file is larger than {} MiB. Split it into smaller files and import each.",
        MAX_IMPORT_BYTES / (1024 * 1024)
    )
}

/// What importing one row would do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportAction {
    /// A contact that does not exist yet.
    New,
    /// The contact with this email, whose named fields change.
    Update(Vec<String>),
    /// The contact with this email, as it is already.
    Unchanged,
    /// Nothing: the reason to fix.
    Error(String),
}

/// One row of the preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowView {
    /// The line of the file (the header is line 1).
    pub line: u64,
    /// The name as read.
    pub name: String,
    /// The email as read.
    pub email: String,
    /// What importing it would do.
    pub action: ImportAction,
}

/// The preview of a file: every row, the counts, and the digest that the
/// confirmation must name, so what is written is what was shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreviewView {
    /// Every row, in file order.
    pub rows: Vec<ImportRowView>,
    /// How many are new.
    pub new: usize,
    /// How many update a contact.
    pub updated: usize,
    /// How many change nothing.
    pub unchanged: usize,
    /// How many cannot be imported.
    pub errors: usize,
    /// SHA-256 of the plan, hex.
    pub digest: String,
}

impl ImportPreviewView {
    /// True when confirming would write something and nothing is wrong.
    pub fn can_confirm(&self) -> bool {
        self.errors == 0 && self.new + self.updated > 0
    }
}

/// What a confirmed import wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportDoneView {
    /// Contacts added.
    pub created: usize,
    /// Contacts changed.
    pub updated: usize,
}
