//! The firm's search box (firm users only).

use leptos::prelude::*;

use crate::domain::{AppError, search::SearchResultsView};

/// Contacts, accounts and the matters the viewer may see, matching `q`.
#[server(endpoint = "search")]
pub async fn search(q: String) -> Result<SearchResultsView, AppError> {
    use crate::server::{endpoint, search};

    endpoint::signed_in(|c| async move { search::search(&c.state.db, &c.principal, &q).await })
        .await
}
