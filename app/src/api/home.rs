//! Server functions of the client's home.

use leptos::prelude::*;

use crate::domain::{AppError, home::ClientHomeView};

/// The cards at the top of a client's dashboard; `None` for the firm.
#[server(endpoint = "get_client_home")]
pub async fn get_client_home() -> Result<Option<ClientHomeView>, AppError> {
    use crate::server::{endpoint, home};

    endpoint::signed_in(|c| async move { home::client_home(&c.state.db, &c.principal).await }).await
}
