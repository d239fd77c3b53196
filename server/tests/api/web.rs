//! The HTTP edge: health endpoints, security headers, limits, panics, assets.

use axum::{Router, routing::get};
use server::state::ServerState;

use crate::{
    helpers::{DEMO_ALICE, TestApp, spawn_app_with},
    on_both_backends,
};

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .expect("header is text")
}

/// The nonce named in a CSP header.
fn csp_nonce(csp: &str) -> String {
    let start = csp.find("'nonce-").expect("CSP has a nonce") + "'nonce-".len();
    let end = start + csp[start..].find('\'').expect("nonce is quoted");
    csp[start..end].to_owned()
}

async fn assert_security_headers(app: &TestApp, path: &str) {
    let response = app.get(path).await;
    let csp = header(&response, "content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    assert!(csp.contains("'nonce-"), "{path}: {csp}");
    assert!(!csp.contains("'unsafe-inline'"), "{path}: {csp}");
    assert_eq!(
        header(&response, "x-content-type-options"),
        "nosniff",
        "{path}"
    );
    assert_eq!(
        header(&response, "referrer-policy"),
        "same-origin",
        "{path}"
    );
    assert!(
        header(&response, "permissions-policy").contains("camera=()"),
        "{path}"
    );
    assert!(!header(&response, "x-request-id").is_empty(), "{path}");
}

async fn healthz_answers_when_the_process_is_up(app: TestApp) {
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok\n");
}

async fn readyz_answers_when_the_database_can_be_reached(app: TestApp) {
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ready\n");
}

async fn readyz_answers_503_when_the_database_cannot_be_reached(app: TestApp) {
    app.state.db.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "the process itself is still up"
    );
}

on_both_backends!(
    healthz_answers_when_the_process_is_up,
    readyz_answers_when_the_database_can_be_reached,
    readyz_answers_503_when_the_database_cannot_be_reached
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    for path in [
        "/",
        "/login",
        "/healthz",
        "/readyz",
        "/no/such/page",
        "/favicon.svg",
    ] {
        assert_security_headers(&app, path).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_use_a_fresh_nonce_that_matches_their_scripts() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    let first = app.get("/login").await;
    let nonce = csp_nonce(header(&first, "content-security-policy"));
    assert_eq!(header(&first, "cache-control"), "no-store");
    let html = first.text().await.unwrap();
    assert!(
        html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")),
        "the hydration script carries the header's nonce"
    );
    let second = app.get("/login").await;
    assert_ne!(csp_nonce(header(&second, "content-security-policy")), nonce);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_answers_500_with_a_request_id_and_no_internals() {
    let routes: Router<ServerState> = Router::new().route(
        "/test/panic",
        get(|| async {
            panic!("secret internal detail: db password hunter2");
            #[expect(unreachable_code, reason = "the handler's type needs a body")]
            ""
        }),
    );
    let app = spawn_app_with(app::server::db::Backend::Sqlite, routes).await;
    app.seed().await;
    let client = app.signed_in_client(DEMO_ALICE).await;
    let response = client.get(app.url("/test/panic")).send().await.unwrap();
    assert_eq!(response.status(), 500);
    let request_id = header(&response, "x-request-id").to_owned();
    assert_security_headers(&app, "/test/panic").await;
    let body = response.text().await.unwrap();
    assert!(body.contains(&request_id), "{body}");
    assert!(
        !body.contains("hunter2") && !body.contains("secret"),
        "{body}"
    );
    // The server keeps serving.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_body_over_the_limit_is_rejected_with_413() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    let too_big = vec![b'a'; usize::try_from(server::config::DEFAULT_MAX_BODY_BYTES).unwrap() + 1];
    let response = app
        .client
        .post(app.url("/api/list_matters"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(too_big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_path_answers_404_with_the_apps_not_found_page() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    app.seed().await;
    let client = app.signed_in_client(DEMO_ALICE).await;
    let response = client
        .get(app.url("/matters/does-not-exist/anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_has_labelled_email_and_password_fields() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    let html = app.get("/login").await.text().await.unwrap();
    assert!(
        html.contains("<label for=\"login-email\">Email</label>"),
        "{html}"
    );
    assert!(
        html.contains("<label for=\"login-password\">Password</label>"),
        "{html}"
    );
    assert!(
        html.contains("method=\"post\""),
        "credentials must never go in a URL"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_bundle_files_are_cached_for_a_year_and_sent_precompressed() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    let name = server::assets::output_name();
    assert_ne!(
        name, "vellum-unbuilt",
        "build the site first: cargo xtask build"
    );
    let wasm = format!("/pkg/{name}_bg.wasm");
    let response = app
        .client
        .get(app.url(&wasm))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/wasm");
    assert_eq!(header(&response, "content-encoding"), "br");
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let etag = header(&response, "etag").to_owned();

    let revalidated = app
        .client
        .get(app.url(&wasm))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);

    let plain = app.get(&format!("/pkg/{name}.css")).await;
    assert_eq!(plain.status(), 200);
    assert!(header(&plain, "content-type").starts_with("text/css"));
    assert!(plain.headers().get("content-encoding").is_none());

    let html = app.get("/login").await.text().await.unwrap();
    assert!(
        html.contains(&format!("/pkg/{name}.css")),
        "the page links the hashed stylesheet"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_certificate_it_serves_https_with_hsts_and_a_secure_host_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let app = crate::helpers::spawn_app_configured(
        app::server::db::Backend::Sqlite,
        Router::new(),
        &[
            ("VELLUM_TLS_CERT", cert_path.to_str().unwrap()),
            ("VELLUM_TLS_KEY", key_path.to_str().unwrap()),
        ],
    )
    .await;
    app.seed().await;
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("https://localhost:{}", app.addr.port());
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(header(&health, "strict-transport-security").starts_with("max-age="));

    let signed_in = client
        .post(format!("{base}/api/sign_in"))
        .form(&[
            ("email", DEMO_ALICE),
            ("password", crate::helpers::TEST_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-vellum_session="))
        .expect("a __Host- session cookie")
        .to_owned();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_answers_carry_no_hsts() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    assert!(
        app.get("/healthz")
            .await
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_posted_without_javascript_comes_back_to_its_page_with_the_friendly_message() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    let client = crate::helpers::new_client();
    let posted = client
        .post(app.url("/api/sign_in"))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", app.url("/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("email", "nobody@client.test"),
            ("password", "not it at all"),
        ])
        .send()
        .await
        .unwrap();
    // Back to the form, not a bare error body with the error's status.
    assert!(posted.status().is_redirection(), "{}", posted.status());
    let location = posted.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("/login?") && location.contains("__err="),
        "{location}"
    );

    let page = client
        .get(&location)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(app::domain::auth::SIGN_IN_FAILED), "{html}");
    assert!(!html.contains("InvalidCredentials"));

    // The same address from a link elsewhere (or typed) drops the message:
    // nobody else's words appear as the portal's.
    for site in [Some("cross-site"), Some("none"), None] {
        let mut request = client.get(&location);
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 303, "{site:?}");
        assert_eq!(response.headers()["location"], "/login", "{site:?}");
    }
}
