//! The walls report: `GET /api/admin/walls.csv?date=YYYY-MM-DD`, every
//! ethical wall in force on that UTC day, for admins. Anyone else gets the
//! same 404 as for a page that does not exist.

use app::{
    domain::links,
    server::{
        ServiceError,
        auth::{ClientInfo, Principal},
        walls,
    },
};
use axum::{
    Router,
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;

use crate::state::ServerState;

/// The walls routes.
pub fn router() -> Router<ServerState> {
    Router::new().route(links::WALLS_REPORT, get(walls_report))
}

#[derive(Deserialize)]
struct ReportQuery {
    date: String,
}

async fn walls_report(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ServiceError> {
    let csv = walls::walls_report_csv(&state.app.db, &principal, &client, &query.date).await?;
    // The date was parsed by the service, so it is safe in a file name.
    let file_name = format!("walls-{}.csv", query.date.trim());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        csv,
    )
        .into_response())
}
