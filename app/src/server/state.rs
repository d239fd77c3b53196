//! The state every handler and server function reads from context.

use super::db::Db;

/// Shared application state. Cheap to clone: every field is a handle.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database, SQLite or PostgreSQL.
    pub db: Db,
}

impl AppState {
    /// Reads the state that the server provided to this render or server
    /// function call.
    pub fn from_context() -> Result<Self, crate::domain::AppError> {
        leptos::prelude::use_context::<Self>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            crate::domain::AppError::Internal {
                request_id: super::error::current_request_id(),
            }
        })
    }
}
