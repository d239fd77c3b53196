//! The document routes: streamed uploads and downloads (DESIGN §2.4). They
//! are plain axum handlers rather than server functions because their
//! bodies stream; the work is done by `app::server::documents`.
//!
//! Upload routes are exempt from the global request-body limit and enforce
//! `max_upload_bytes` themselves while streaming, with a clear 413.

use app::{
    domain::{AppError, document::Visibility, ids::MatterId},
    server::{
        ServiceError,
        auth::{AuthContext, Principal},
        documents::{self, DownloadError, MAX_UPLOAD_NAME_BYTES, UploadError, UploadParams},
    },
};
use axum::{
    Extension, Json, Router,
    body::Body,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;

use crate::startup::ServerState;

/// The configured upload limit, handed to the upload handler.
#[derive(Clone, Copy, Debug)]
struct UploadLimit(u64);

/// The document routes, merged into the router outside the global body
/// limit (see `startup::router`).
pub fn document_routes(max_upload_bytes: u64) -> Router<ServerState> {
    Router::new()
        .route("/api/matters/{id}/documents", post(upload))
        .route("/api/documents/{id}/download", get(download_current))
        .route(
            "/api/documents/{id}/versions/{version}/download",
            get(download_version),
        )
        .route(
            "/api/messages/{id}/attachments/{position}",
            get(download_attachment),
        )
        .layer(Extension(UploadLimit(max_upload_bytes)))
}

/// The upload's query string.
#[derive(Debug, Deserialize)]
struct UploadQuery {
    name: String,
    #[serde(default = "client_visibility")]
    visibility: String,
    request: Option<String>,
    replaces: Option<String>,
}

fn client_visibility() -> String {
    "client".to_owned()
}

/// A user-facing error as a JSON body with its status.
fn error_response(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// Converts a service failure, logging internal causes under the request id.
fn service_error(err: ServiceError, request: Option<&app::server::RequestId>) -> Response {
    let err = match err {
        ServiceError::User(err) => err,
        ServiceError::Internal(err) => {
            let request_id = request.map_or_else(|| "unknown".to_owned(), |id| id.0.clone());
            tracing::error!(request_id = %request_id, error = format!("{err:#}"), "internal error");
            AppError::Internal { request_id }
        }
    };
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error_response(status, &err.to_string())
}

/// The signed-in user and the auth context, or `None` when nobody is.
fn principal_of(extensions: &axum::http::Extensions) -> Option<(Principal, AuthContext)> {
    let context = extensions.get::<AuthContext>().cloned()?;
    Some((context.principal.clone()?, context))
}

fn unauthorized() -> Response {
    error_response(
        StatusCode::UNAUTHORIZED,
        &AppError::Unauthorized.to_string(),
    )
}

/// `POST /api/matters/{id}/documents?name=…&visibility=client|internal[&request=…][&replaces=…]`
/// with the raw file as the body. A new version (`replaces`) names its
/// document's visibility; the upload never changes it.
async fn upload(
    State(state): State<ServerState>,
    Extension(UploadLimit(limit)): Extension<UploadLimit>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let Some((principal, context)) = principal_of(request.extensions()) else {
        return unauthorized();
    };
    let request_id = request
        .extensions()
        .get::<app::server::RequestId>()
        .cloned();
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The file is larger than the upload limit of {limit} bytes."),
        )
    };
    // Refuse up front when the size is declared, before reading anything.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return too_large();
    }
    let Ok(Query(query)) = Query::<UploadQuery>::try_from_uri(request.uri()) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "Say the file's name (name=…) and who may see it (visibility=client or internal).",
        );
    };
    if query.name.len() > MAX_UPLOAD_NAME_BYTES {
        return error_response(StatusCode::BAD_REQUEST, "The file name is too long.");
    }
    let Ok(matter_id) = MatterId::parse(&id) else {
        return error_response(StatusCode::NOT_FOUND, &AppError::NotFound.to_string());
    };
    let visibility = match Visibility::parse(&query.visibility) {
        Ok(v) => v,
        Err(err) => return error_response(StatusCode::BAD_REQUEST, &err.to_string()),
    };
    let params = UploadParams {
        matter_id,
        name: query.name,
        visibility,
        request_id: query.request,
        replaces: query.replaces,
    };
    let body = request.into_body().into_data_stream();
    match documents::upload(&state.app, &principal, &context.client, params, limit, body).await {
        Ok(stored) => (StatusCode::CREATED, Json(stored)).into_response(),
        Err(UploadError::TooLarge { .. }) => too_large(),
        Err(UploadError::Service(err)) => service_error(err, request_id.as_ref()),
    }
}

async fn download_current(
    State(state): State<ServerState>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let target = Target::Document {
        id: &id,
        version: 0,
    };
    serve_download(&state, target, request.into_parts().0).await
}

async fn download_version(
    State(state): State<ServerState>,
    Path((id, version)): Path<(String, i64)>,
    request: Request,
) -> Response {
    if version < 1 {
        return error_response(StatusCode::NOT_FOUND, &AppError::NotFound.to_string());
    }
    let target = Target::Document { id: &id, version };
    serve_download(&state, target, request.into_parts().0).await
}

/// `GET /api/messages/{id}/attachments/{position}`: a file a message
/// carries, as the message sent it.
async fn download_attachment(
    State(state): State<ServerState>,
    Path((id, position)): Path<(String, i64)>,
    request: Request,
) -> Response {
    // Ids reach queries and the audit log only once they look like ids.
    if position < 1 || MatterId::parse(&id).is_err() {
        return error_response(StatusCode::NOT_FOUND, &AppError::NotFound.to_string());
    }
    let target = Target::Attachment {
        message_id: &id,
        position,
    };
    serve_download(&state, target, request.into_parts().0).await
}

/// What a download route sends.
#[derive(Clone, Copy, Debug)]
enum Target<'a> {
    /// A version of a document (0: the current one).
    Document { id: &'a str, version: i64 },
    /// A file a message carries.
    Attachment { message_id: &'a str, position: i64 },
}

/// Sends a document as an attachment: never rendered inline, with its exact
/// length, honouring a single byte range.
async fn serve_download(
    state: &ServerState,
    target: Target<'_>,
    request: axum::http::request::Parts,
) -> Response {
    let Some((principal, context)) = principal_of(&request.extensions) else {
        return unauthorized();
    };
    let request_id = request.extensions.get::<app::server::RequestId>().cloned();
    let range = request
        .headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let prepared = match target {
        Target::Document { id, version } => {
            documents::download(&state.app, &principal, &context.client, id, version, range).await
        }
        Target::Attachment {
            message_id,
            position,
        } => {
            documents::download_attachment(
                &state.app,
                &principal,
                &context.client,
                message_id,
                position,
                range,
            )
            .await
        }
    };
    let download = match prepared {
        Ok(download) => download,
        Err(DownloadError::RangeNotSatisfiable { size }) => {
            let mut response = error_response(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "The requested range is outside the file.",
            );
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return response;
        }
        Err(DownloadError::Service(err)) => return service_error(err, request_id.as_ref()),
    };
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
            encoded.push_str(&format!("%{byte:02X}"));
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
