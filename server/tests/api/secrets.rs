//! Bearer secrets at rest: a copy of the database (a backup, a stolen
//! disk) must not hand anyone a live link, code or session.

use std::path::Path;

use crate::{
    helpers::{DEMO_STAFF, TEST_PASSWORD, TestApp, new_client},
    on_both_backends,
};

const HENRI: &str = "henri@moreau.example";
const HENRIS_PASSWORD: &str = "copper meadow lighthouse";
const HENRIS_NEW_PASSWORD: &str = "violet harbour compass";

/// Posts a form and keeps every session cookie value the server set.
async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
    seen: &mut Vec<String>,
) -> (u16, String) {
    let response = client.post(app.url(path)).form(form).send().await.unwrap();
    for cookie in response.headers().get_all("set-cookie") {
        let cookie = cookie.to_str().unwrap();
        if let Some(value) = cookie
            .strip_prefix("vellum_session=")
            .and_then(|rest| rest.split(';').next())
            .filter(|value| !value.is_empty())
        {
            seen.push(value.to_owned());
        }
    }
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The token of the last `prefix` link in the newest email to `to`.
async fn link_in_last_email(app: &TestApp, to: &str, prefix: &str) -> (String, String) {
    let emails = app.outbox_emails(to).await;
    let (_, _, body) = emails.last().expect("an email");
    let start = body.rfind(prefix).expect("the email has a link");
    let link: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let token = link[prefix.len()..].to_owned();
    (link, token)
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Where `secret` is found at rest: the raw bytes of every file in the data
/// dir (the SQLite database, its WAL and shared memory, blobs, temp files),
/// and on PostgreSQL every row of every table rendered as text.
async fn found_at_rest(app: &TestApp, secret: &str) -> Vec<String> {
    let mut found = Vec::new();
    for file in files_under(app.data_dir()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
            found.push(file.display().to_string());
        }
    }
    if app.state.db.backend() == app::server::db::Backend::Postgres {
        // Every schema of ours: the session store keeps its own.
        let tables: Vec<(String,)> = sqlx::query_as(
            "select format('%I.%I', table_schema, table_name) from information_schema.tables
             where table_schema not in ('pg_catalog', 'information_schema')",
        )
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
        for (table,) in tables {
            let rows: Vec<(String,)> = sqlx::query_as(&format!("select t::text from {table} t"))
                .fetch_all(app.state.db.pool())
                .await
                .unwrap();
            if rows.iter().any(|(row,)| row.contains(secret)) {
                found.push(format!("table {table}"));
            }
        }
    }
    found
}

async fn no_link_code_or_session_cookie_from_a_whole_flow_is_readable_at_rest(app: TestApp) {
    app.seed().await;
    let mut seen: Vec<String> = Vec::new();

    // Staff sign in and invite Henri.
    let staff = new_client();
    post(
        &app,
        &staff,
        "/api/sign_in",
        &[("email", DEMO_STAFF), ("password", TEST_PASSWORD)],
        &mut seen,
    )
    .await;
    let code = app.fresh_totp_code(DEMO_STAFF);
    assert_eq!(
        post(
            &app,
            &staff,
            "/api/verify_mfa",
            &[("code", &code)],
            &mut seen
        )
        .await
        .0,
        200
    );
    let contact = app.contact_id(HENRI).await;
    assert_eq!(
        post(
            &app,
            &staff,
            "/api/invite_contact",
            &[("contact_id", &contact)],
            &mut seen
        )
        .await
        .0,
        200
    );
    let (invite_link, invite_token) = link_in_last_email(&app, HENRI, "/invite/").await;

    // Henri accepts, forgets the password, resets it and signs in.
    let henri = new_client();
    let accepted = post(
        &app,
        &henri,
        "/api/accept_invitation",
        &[
            ("token", &invite_token),
            ("password", HENRIS_PASSWORD),
            ("confirm", HENRIS_PASSWORD),
        ],
        &mut seen,
    )
    .await;
    assert_eq!(accepted.0, 200, "{}", accepted.1);
    assert_eq!(
        post(
            &app,
            &new_client(),
            "/api/request_password_reset",
            &[("email", HENRI)],
            &mut seen
        )
        .await
        .0,
        200
    );
    let (reset_link, reset_token) = link_in_last_email(&app, HENRI, "/reset/").await;
    let reset = post(
        &app,
        &new_client(),
        "/api/reset_password",
        &[
            ("token", &reset_token),
            ("password", HENRIS_NEW_PASSWORD),
            ("confirm", HENRIS_NEW_PASSWORD),
        ],
        &mut seen,
    )
    .await;
    assert_eq!(reset.0, 200, "{}", reset.1);
    let henri = new_client();
    let signed_in = post(
        &app,
        &henri,
        "/api/sign_in",
        &[("email", HENRI), ("password", HENRIS_NEW_PASSWORD)],
        &mut seen,
    )
    .await;
    assert!(signed_in.1.contains("Done"), "{}", signed_in.1);

    // The partner signs in with a recovery code, then signs out.
    let (partner_id,): (String,) =
        sqlx::query_as("select id from users where email = 'partner@vellum.test'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let codes =
        app::server::auth::signin::set_totp_seed(&app.state, &partner_id, b"12345678901234567890")
            .await
            .unwrap();
    let partner = new_client();
    post(
        &app,
        &partner,
        "/api/sign_in",
        &[
            ("email", "partner@vellum.test"),
            ("password", TEST_PASSWORD),
        ],
        &mut seen,
    )
    .await;
    assert_eq!(
        post(
            &app,
            &partner,
            "/api/verify_mfa",
            &[("code", &codes[0])],
            &mut seen
        )
        .await
        .0,
        200
    );
    assert_eq!(
        post(&app, &partner, "/api/list_matters", &[("", "")], &mut seen)
            .await
            .0,
        200
    );
    assert_eq!(
        post(&app, &partner, "/api/sign_out", &[("", "")], &mut seen)
            .await
            .0,
        200
    );
    // Henri's session stays live: a live cookie must not be at rest either.
    assert_eq!(
        post(&app, &henri, "/api/list_matters", &[("", "")], &mut seen)
            .await
            .0,
        200
    );

    assert!(
        seen.len() >= 5,
        "the flow saw too few session cookies: {seen:?}"
    );
    let mut secrets = vec![
        invite_link,
        invite_token,
        reset_link,
        reset_token,
        codes[0].clone(),
        codes[0].replace('-', ""),
        codes[1].clone(),
        codes[1].replace('-', ""),
        HENRIS_PASSWORD.to_owned(),
        HENRIS_NEW_PASSWORD.to_owned(),
    ];
    secrets.extend(seen);
    for secret in &secrets {
        let found = found_at_rest(&app, secret).await;
        assert!(
            found.is_empty(),
            "{secret:?} is readable at rest in {found:?}"
        );
    }
}

on_both_backends!(no_link_code_or_session_cookie_from_a_whole_flow_is_readable_at_rest);
