//! The firm's logo (issue 12, point 8): an admin's PNG in every page's
//! header and on statements; anything else is refused and nothing stored.

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_STAFF, TestApp, new_client},
    on_both_backends,
};

/// A 2 × 2 PNG with some transparency.
const TINY_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 2, 8, 6, 0,
    0, 0, 114, 182, 13, 36, 0, 0, 0, 20, 73, 68, 65, 84, 120, 156, 99, 56, 33, 39, 247, 95, 78,
    238, 68, 3, 3, 140, 1, 0, 63, 23, 7, 15, 164, 218, 120, 29, 0, 0, 0, 0, 73, 69, 78, 68, 174,
    66, 96, 130,
];

/// Posts the logo form as a browser would: one multipart field.
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    field: &str,
    file: &[u8],
) -> (u16, String) {
    let boundary = "vellum-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = client
        .post(app.url("/api/admin/logo"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location)
}

async fn an_admins_png_logo_heads_every_page_and_statement_until_removed(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    assert_eq!(
        post_form(&app, &admin, "logo", TINY_PNG).await,
        (303, "/admin/settings?logo=saved#logo-heading".to_owned())
    );
    let anyone = new_client();
    let logo = anyone.get(app.url("/brand/logo.png")).send().await.unwrap();
    assert_eq!(logo.status(), 200);
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert_eq!(logo.bytes().await.unwrap().as_ref(), TINY_PNG);
    let (_, brand) = app.post(&anyone, "/api/get_firm_brand", &[("", "")]).await;
    assert!(
        brand.contains("\"logo_url\":\"/brand/logo.png?v="),
        "{brand}"
    );
    let login = anyone
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login.contains("class=\"brand-logo\""),
        "the sign-in page shows it"
    );

    // On the statement's letterhead too.
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (id,): (String,) = sqlx::query_as(
        "select i.id from invoices i join matters m on m.id = i.matter_id
         where m.number = 'LIT-2026-0012' and i.issued_at is not null limit 1",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    let pdf = alice
        .get(app.url(&format!("/api/invoices/{id}/pdf")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/Subtype /Image"), "the logo is drawn");
    assert!(text.contains("/SMask"), "with its transparency");

    assert_eq!(
        post_form(&app, &admin, "remove", b"1").await,
        (303, "/admin/settings?logo=removed#logo-heading".to_owned())
    );
    let gone = anyone.get(app.url("/brand/logo.png")).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action in ('settings.logo_saved', 'settings.logo_removed')",
            &[]
        )
        .await,
        2
    );
}

async fn only_a_png_from_an_admin_is_taken(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    for file in [&b"GIF89a definitely not a png"[..], &TINY_PNG[..40], &[]] {
        assert_eq!(
            post_form(&app, &admin, "logo", file).await,
            (303, "/admin/settings?logo=refused#logo-heading".to_owned())
        );
    }
    let staff = app.signed_in_client(DEMO_STAFF).await;
    assert_eq!(post_form(&app, &staff, "logo", TINY_PNG).await.0, 404);
    // A page on another site cannot make an admin's browser post one.
    let forged = admin
        .post(app.url("/api/admin/logo"))
        .header("origin", "https://attacker.example")
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "cross-site posts are refused");
    assert_eq!(
        post_form(&app, &new_client(), "logo", TINY_PNG).await.0,
        401
    );
    assert_eq!(
        app.count("select count(*) from firm_logo", &[]).await,
        0,
        "nothing stored"
    );
}

on_both_backends!(
    an_admins_png_logo_heads_every_page_and_statement_until_removed,
    only_a_png_from_an_admin_is_taken,
);
