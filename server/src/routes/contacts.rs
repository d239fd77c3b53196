//! Contacts as CSV: `GET /api/crm/contacts.csv` exports the list as its
//! filter stands; `POST /api/crm/contacts/import?step=preview` plans a file
//! and writes nothing, `?step=confirm&digest=…` writes the file previewed.
//! Firm users only; clients get the same 404 as for a page that does not
//! exist.

use app::{
    domain::{
        AppError,
        contact::CrmQuery,
        contact_import::{ImportDoneView, ImportPreviewView, MAX_IMPORT_BYTES, file_too_big},
        links,
    },
    server::{
        ServiceError,
        auth::{ClientInfo, Principal},
        contacts::csv_io,
    },
};
use axum::{
    Json, Router,
    body::Body,
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use futures_util::StreamExt as _;
use serde::Deserialize;

use crate::state::ServerState;

/// The contact CSV routes. The import reads its own body against
/// [`MAX_IMPORT_BYTES`], so a file too big gets a sentence, not a bare 413.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(links::CONTACTS_EXPORT, get(export))
        .route(links::CONTACTS_IMPORT, post(import))
}

#[derive(Deserialize)]
struct ExportQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    archived: Option<String>,
}

async fn export(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ServiceError> {
    let archived = query.archived.as_deref() == Some("true");
    let query = CrmQuery::from_params(
        &query.q,
        &query.tag,
        &query.owner,
        &query.sort,
        "1",
        archived,
    );
    let csv = csv_io::export_csv(&state.app.db, &principal, &client, &query).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"contacts.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

#[derive(Deserialize)]
struct ImportQuery {
    step: String,
    #[serde(default)]
    digest: String,
}

/// What an import step answers.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Answer {
    Preview(ImportPreviewView),
    Done(ImportDoneView),
}

async fn import(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    Query(query): Query<ImportQuery>,
    body: Body,
) -> Result<Json<Answer>, ServiceError> {
    let bytes = read_file(body).await?;
    match query.step.as_str() {
        "preview" => Ok(Json(Answer::Preview(
            csv_io::preview_import(&state.app, &principal, &bytes).await?,
        ))),
        "confirm" => Ok(Json(Answer::Done(
            csv_io::confirm_import(&state.app, &principal, &client, &bytes, &query.digest).await?,
        ))),
        _ => Err(AppError::BadRequest("Step: preview or confirm.".to_owned()).into()),
    }
}

/// How much of a file too big is read (and dropped) before answering, so
/// the browser sending it gets the sentence rather than a reset
/// connection. Past this the connection is simply closed.
const DRAIN_BYTES: usize = 8 * MAX_IMPORT_BYTES;

/// The request body, if it is at most [`MAX_IMPORT_BYTES`].
async fn read_file(body: Body) -> Result<Vec<u8>, ServiceError> {
    let too_big = || AppError::BadRequest(file_too_big());
    let mut stream = body.into_data_stream();
    let mut file = Vec::new();
    let mut seen = 0_usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            AppError::BadRequest("The file did not arrive whole. Try again.".to_owned())
        })?;
        seen = seen.saturating_add(chunk.len());
        if seen > DRAIN_BYTES {
            return Err(too_big().into());
        }
        if seen <= MAX_IMPORT_BYTES {
            file.extend_from_slice(&chunk);
        }
    }
    if seen > MAX_IMPORT_BYTES {
        return Err(too_big().into());
    }
    Ok(file)
}
