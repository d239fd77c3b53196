//! The document routes: streamed uploads and downloads (DESIGN §2.4). They
//! are plain axum handlers rather than server functions because their
//! bodies stream; the work is done by `app::server::documents`.
//!
//! Upload routes are exempt from the global request-body limit and enforce
//! `max_upload_bytes` themselves while streaming, with a clear 413.

use std::fmt::Write as _;

use app::{
    domain::{
        AppError,
        document::Visibility,
        ids::{DocumentId, DocumentRequestId, MatterId},
        links,
    },
    server::{
        auth::{ClientInfo, Principal},
        documents::{
            self, Download, DownloadError, MAX_UPLOAD_NAME_BYTES, UploadError, UploadParams,
        },
    },
};
use axum::{
    Json, Router,
    body::Body,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;

use crate::state::ServerState;

/// The document routes, merged outside the global body limit (see
/// [`super::router`]).
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(links::MATTER_DOCUMENTS, post(upload))
        .route(links::DOCUMENT_DOWNLOAD, get(download_current))
        .route(links::VERSION_DOWNLOAD, get(download_version))
}

/// The upload's query string.
#[derive(Debug, Deserialize)]
struct UploadQuery {
    name: String,
    /// Left out, it is who is uploading that decides: the client's own
    /// files are theirs to see, the firm's stay firm only.
    visibility: Option<String>,
    request: Option<String>,
    replaces: Option<String>,
}

/// `POST /api/matters/{id}/documents?name=…&visibility=client|internal[&request=…][&replaces=…]`
/// with the raw file as the body. A new version (`replaces`) names its
/// document's visibility; the upload never changes it.
async fn upload(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, UploadError> {
    // Uploads stream against this instead of the global body limit.
    let limit = state.app.max_upload_bytes;
    // Refuse up front when the size is declared, before reading anything.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(UploadError::TooLarge { limit });
    }
    let Ok(Query(query)) = Query::<UploadQuery>::try_from_uri(request.uri()) else {
        return Err(AppError::BadRequest(
            "Say the file's name (name=…) and who may see it (visibility=client or internal)."
                .to_owned(),
        )
        .into());
    };
    if query.name.len() > MAX_UPLOAD_NAME_BYTES {
        return Err(AppError::BadRequest("The file name is too long.".to_owned()).into());
    }
    let params = UploadParams {
        matter_id: MatterId::parse(&id)?,
        name: query.name,
        visibility: match query.visibility.as_deref() {
            Some(raw) => Visibility::parse(raw)?,
            None if principal.role.is_firm() => Visibility::Internal,
            None => Visibility::Client,
        },
        request_id: query
            .request
            .as_deref()
            .map(DocumentRequestId::parse)
            .transpose()?,
        replaces: query
            .replaces
            .as_deref()
            .map(DocumentId::parse)
            .transpose()?,
    };
    let body = request.into_body().into_data_stream();
    let stored = documents::upload(&state.app, &principal, &client, params, limit, body).await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

async fn download_current(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, DownloadError> {
    let id = DocumentId::parse(&id).map_err(|_| DownloadError::not_found())?;
    let range = range(&headers);
    let download = documents::download(&state.app, &principal, &client, &id, 0, range).await?;
    Ok(send_download(download))
}

async fn download_version(
    State(state): State<ServerState>,
    principal: Principal,
    client: ClientInfo,
    Path((id, version)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Response, DownloadError> {
    let id = DocumentId::parse(&id).map_err(|_| DownloadError::not_found())?;
    if version < 1 {
        return Err(DownloadError::not_found());
    }
    let range = range(&headers);
    let download =
        documents::download(&state.app, &principal, &client, &id, version, range).await?;
    Ok(send_download(download))
}

/// The request's `Range` header, if it is text.
pub(super) fn range(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::RANGE).and_then(|v| v.to_str().ok())
}

/// Sends a document as an attachment: never rendered inline, with its exact
/// length, honouring a single byte range.
pub(super) fn send_download(download: Download) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&download.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&download.name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    let (status, length) = match &download.range {
        Some(range) => {
            if let Ok(value) = HeaderValue::from_str(&format!(
                "bytes {}-{}/{}",
                range.start(),
                range.end(),
                download.size
            )) {
                headers.insert(header::CONTENT_RANGE, value);
            }
            (StatusCode::PARTIAL_CONTENT, range.end() - range.start() + 1)
        }
        None => (StatusCode::OK, download.size),
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    (status, headers, Body::from_stream(download.body)).into_response()
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`
/// (RFC 6266 §4.3, RFC 8187). The fallback replaces anything outside
/// printable ASCII, quotes and backslashes.
fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_names_its_file_for_old_and_new_browsers() {
        assert_eq!(
            content_disposition("Résumé \"v2\".pdf"),
            "attachment; filename=\"R_sum_ _v2_.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22v2%22.pdf"
        );
    }
}
