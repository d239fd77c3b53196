//! The site assets (wasm, JS glue, CSS, icons), embedded in the executable.
//!
//! `cargo xtask build` writes them to `VELLUM_SITE_DIR` with a content hash in
//! their names, plus brotli and gzip copies. Files under `pkg/` are therefore
//! immutable and cached for a year; everything else for an hour.

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "$VELLUM_SITE_DIR"]
struct Site;

/// The base name of the hashed bundle files, e.g. `vellum-3f9a…`. Including
/// the file makes the compiler rebuild the server whenever the site changes.
pub fn output_name() -> &'static str {
    include_str!(concat!(env!("VELLUM_SITE_DIR"), "/output-name.txt")).trim()
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const SHORT: &str = "public, max-age=3600";

/// Answers `path` from the embedded site, or `None` when there is no such file.
pub fn serve(path: &str, request_headers: &HeaderMap) -> Option<Response> {
    let path = path.trim_start_matches('/');
    if path.is_empty()
        || path == "output-name.txt"
        // Our own build writes these names, in lowercase.
        || std::path::Path::new(path)
            .extension()
            .is_some_and(|ext| ext == "br" || ext == "gz")
    {
        return None;
    }
    let file = Site::get(path)?;
    let etag = format!(
        "\"{}\"",
        app::server::crypto::to_hex(&file.metadata.sha256_hash()[..16])
    );
    let cache = if path.starts_with("pkg/") {
        IMMUTABLE
    } else {
        SHORT
    };

    let mut builder = Response::builder()
        .header(header::CACHE_CONTROL, cache)
        .header(header::ETAG, &etag)
        .header(header::VARY, "accept-encoding")
        .header(header::CONTENT_TYPE, file.metadata.mimetype());

    let matches_etag = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    if matches_etag {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .ok();
    }

    let accepts = |coding: &str| {
        request_headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|c| c.trim().split(';').next() == Some(coding))
            })
    };
    let (body, encoding) = if let Some(br) = accepts("br")
        .then(|| Site::get(&format!("{path}.br")))
        .flatten()
    {
        (br.data, Some("br"))
    } else if let Some(gz) = accepts("gzip")
        .then(|| Site::get(&format!("{path}.gz")))
        .flatten()
    {
        (gz.data, Some("gzip"))
    } else {
        (file.data, None)
    };
    if let Some(encoding) = encoding {
        builder = builder.header(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    builder.body(Body::from(body.into_owned())).ok()
}
