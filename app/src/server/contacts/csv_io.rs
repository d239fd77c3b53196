//! Contacts as CSV (issue 11, point 10): the list's current filter
//! exported, and files imported in two steps. The preview plans every row
//! (new, update matched by email, unchanged, or an error with its reason)
//! and writes nothing; the confirmation sends the same file with the
//! preview's digest, is planned again inside one write transaction, and
//! is written only if the plan is still the one the user saw. An export
//! imported again plans every row unchanged.

mod export;
mod plan;
mod read;
mod write;

pub use export::export_csv;
pub use plan::preview_import;
pub use write::confirm_import;

use crate::domain::AppError;

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}
