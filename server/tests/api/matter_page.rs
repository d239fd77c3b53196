//! The matter page: stages, key dates, notes, calendar downloads and feeds.

use crate::{
    helpers::{DEMO_ALICE, DEMO_STAFF, TestApp},
    on_both_backends,
};

async fn detail(app: &TestApp, client: &reqwest::Client, id: &str) -> (u16, serde_json::Value) {
    let response = client
        .post(app.url("/api/get_matter_detail"))
        .form(&[("id", id)])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

/// Asks for a new calendar feed link as `client`; returns its path.
async fn new_feed(app: &TestApp, client: &reqwest::Client) -> String {
    new_feed_with_expiry(app, client).await.0
}

/// Asks for a new calendar feed link as `client`; returns its path and
/// when it expires.
async fn new_feed_with_expiry(app: &TestApp, client: &reqwest::Client) -> (String, i64) {
    let response = client
        .post(app.url("/api/create_calendar_feed"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let feed: serde_json::Value = response.json().await.unwrap();
    (
        feed["path"].as_str().unwrap().to_owned(),
        feed["expires_at"].as_i64().unwrap(),
    )
}

/// How many feed fetches were audited.
async fn feed_fetches_audited(app: &TestApp) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = 'calendar.feed_fetched'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    n
}

async fn the_firm_shares_dates_and_notes_and_the_client_sees_only_what_was_shared(app: TestApp) {
    app.seed().await;
    let id = app.matter_id("LIT-2026-0012").await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let alice = app.signed_in_client(DEMO_ALICE).await;

    assert_eq!(
        app.post(
            &staff,
            "/api/add_matter_note",
            &[
                ("id", &id),
                ("body", "Landlord's reply received; we are reviewing it."),
                ("client_visible", "on")
            ]
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.post(
            &staff,
            "/api/add_matter_note",
            &[
                ("id", &id),
                ("body", "Internal: weak on the second ground.")
            ]
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.post(
            &staff,
            "/api/add_key_date",
            &[
                ("id", &id),
                ("kind", "deadline"),
                ("title", "Internal prep deadline"),
                ("date", "2027-01-15"),
                ("time", "10:00"),
                ("location", "")
            ]
        )
        .await
        .0,
        200
    );

    let (status, firm_view) = detail(&app, &staff, &id).await;
    assert_eq!(status, 200);
    assert_eq!(firm_view["notes"].as_array().unwrap().len(), 2);
    assert_eq!(firm_view["can_edit"], true);

    let (status, client_view) = detail(&app, &alice, &id).await;
    assert_eq!(status, 200);
    let text = client_view.to_string();
    assert!(text.contains("Landlord's reply received"), "{text}");
    assert!(
        !text.contains("weak on the second ground"),
        "an internal note leaked: {text}"
    );
    assert!(
        !text.contains("Internal prep deadline"),
        "an internal date leaked: {text}"
    );
    assert_eq!(client_view["can_edit"], false);
    assert_eq!(client_view["stages"][2]["phase"], "Current");
    assert_eq!(client_view["stages"][0]["phase"], "Past");

    // Sharing the date makes it appear for her.
    let date_id = firm_view["key_dates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"] == "Internal prep deadline")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.post(
            &staff,
            "/api/set_shared",
            &[
                ("id", &id),
                ("what", "key_date"),
                ("item", &date_id),
                ("visible", "true")
            ]
        )
        .await
        .0,
        200
    );
    assert!(
        detail(&app, &alice, &id)
            .await
            .1
            .to_string()
            .contains("Internal prep deadline")
    );
}

async fn note_bodies_are_encrypted_at_rest(app: TestApp) {
    app.seed().await;
    let id = app.matter_id("LIT-2026-0012").await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let secret = "Settlement authority is forty thousand";
    assert_eq!(
        app.post(
            &staff,
            "/api/add_matter_note",
            &[("id", &id), ("body", secret)]
        )
        .await
        .0,
        200
    );
    let rows: Vec<(Vec<u8>,)> = sqlx::query_as("select body_sealed from matter_notes")
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        !rows[0]
            .0
            .windows(secret.len())
            .any(|w| w == secret.as_bytes())
    );
}

async fn clients_cannot_change_a_matter_and_staff_can_move_its_stage(app: TestApp) {
    app.seed().await;
    let id = app.matter_id("LIT-2026-0012").await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    for (path, form) in [
        (
            "/api/set_matter_stage",
            vec![("id", id.as_str()), ("position", "5")],
        ),
        (
            "/api/add_matter_note",
            vec![
                ("id", id.as_str()),
                ("body", "client note"),
                ("client_visible", "on"),
            ],
        ),
        (
            "/api/add_key_date",
            vec![
                ("id", id.as_str()),
                ("kind", "meeting"),
                ("title", "x"),
                ("date", "2027-01-01"),
                ("time", ""),
                ("location", ""),
            ],
        ),
    ] {
        assert_eq!(app.post(&alice, path, &form).await.0, 404, "{path}");
    }
    let staff = app.signed_in_client(DEMO_STAFF).await;
    assert_eq!(
        app.post(
            &staff,
            "/api/set_matter_stage",
            &[("id", &id), ("position", "4")]
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.post(
            &staff,
            "/api/set_matter_stage",
            &[("id", &id), ("position", "99")]
        )
        .await
        .0,
        400
    );
    let (_, view) = detail(&app, &alice, &id).await;
    assert_eq!(view["summary"]["current_stage"], "Mediation");
    let (stage_changes,): (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = 'matter.stage_changed'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(stage_changes, 1);
}

async fn a_matters_key_dates_download_as_ics_for_those_who_may_see_it(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let own = app.matter_id("LIT-2026-0012").await;
    let response = alice
        .get(app.url(&format!("/api/matters/{own}/calendar.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let body = response.text().await.unwrap();
    assert!(body.starts_with("BEGIN:VCALENDAR"), "{body}");
    assert!(body.contains("Case management conference"), "{body}");
    let bobs = app.matter_id("LIT-2026-0019").await;
    let response = alice
        .get(app.url(&format!("/api/matters/{bobs}/calendar.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let anonymous = app.get(&format!("/api/matters/{own}/calendar.ics")).await;
    assert_eq!(anonymous.status(), 401);
}

async fn an_unknown_item_kind_to_share_is_a_bad_request_not_a_server_error(app: TestApp) {
    app.seed().await;
    let id = app.matter_id("LIT-2026-0012").await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let item = "01890000-0000-7000-8000-000000000000";
    let status = app
        .post(
            &staff,
            "/api/set_shared",
            &[
                ("id", &id),
                ("what", "invoice"),
                ("item", item),
                ("visible", "true"),
            ],
        )
        .await
        .0;
    assert_eq!(status, 400);
}

async fn a_plain_routes_internal_failure_answers_with_the_request_reference(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let own = app.matter_id("LIT-2026-0012").await;
    // The calendar's own query fails; sessions and the audit log still work.
    sqlx::query("alter table key_dates rename to key_dates_gone")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let response = alice
        .get(app.url(&format!("/api/matters/{own}/calendar.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let reference = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.text().await.unwrap();
    assert!(
        body.contains(&reference),
        "the body names the request: {body:?}"
    );
    assert!(!body.contains("key_dates"), "no internals: {body}");
}

async fn a_calendar_feed_serves_the_users_dates_behind_a_secret_that_can_be_replaced(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let path = new_feed(&app, &alice).await;
    assert!(
        path.starts_with("/calendar/") && path.to_ascii_lowercase().ends_with(".ics"),
        "{path}"
    );

    let feed = app.get(&path).await;
    assert_eq!(feed.status(), 200, "the feed needs no session");
    let body = feed.text().await.unwrap();
    assert!(body.contains("Case management conference"), "{body}");
    assert!(
        !body.contains("Mediation day"),
        "Bob's hearing leaked: {body}"
    );

    let token = path
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics")
        .to_owned();
    let stored: Vec<(Vec<u8>,)> = sqlx::query_as("select token_hash from calendar_tokens")
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    assert!(
        !stored.iter().any(|(h,)| h == token.as_bytes()),
        "only the hash is stored"
    );

    let replaced = new_feed(&app, &alice).await;
    assert_ne!(replaced, path);
    assert_eq!(
        app.get(&path).await.status(),
        404,
        "the old link stops working"
    );
    assert_eq!(app.get("/calendar/not-a-token.ics").await.status(), 404);
}

async fn a_calendar_feed_stops_working_after_signing_out_everywhere(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let path = new_feed(&app, &alice).await;
    assert_eq!(app.get(&path).await.status(), 200);
    assert_eq!(
        app.post(&alice, "/api/sign_out_everywhere", &[("", "")])
            .await
            .0,
        200
    );
    assert_eq!(
        app.get(&path).await.status(),
        404,
        "signing out everywhere revokes the feed"
    );
}

async fn a_calendar_feed_stops_working_once_its_user_is_disabled(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let path = new_feed(&app, &alice).await;
    assert_eq!(app.get(&path).await.status(), 200);
    sqlx::query("update users set disabled = 1 where email = $1")
        .bind(DEMO_ALICE)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(
        app.get(&path).await.status(),
        404,
        "a disabled user's feed answers like an unknown one"
    );
}

async fn a_calendar_feed_expires_after_180_days_and_a_new_link_renews_it(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let path = new_feed(&app, &alice).await;
    let days_back = |days: i64| {
        sqlx::query("update calendar_tokens set created_at = created_at - $1")
            .bind(days * 86_400_000)
            .execute(app.state.db.pool())
    };
    days_back(179).await.unwrap();
    assert_eq!(app.get(&path).await.status(), 200, "still good on day 179");
    days_back(2).await.unwrap();
    assert_eq!(
        app.get(&path).await.status(),
        404,
        "an expired link answers like an unknown one"
    );

    let (renewed, expires_at) = new_feed_with_expiry(&app, &alice).await;
    assert_ne!(renewed, path);
    let in_180_days = app::server::now_ms() + 180 * 86_400_000;
    assert!(
        (in_180_days - expires_at).abs() < 60_000,
        "the new link says when it expires"
    );
    assert_eq!(app.get(&renewed).await.status(), 200, "the new link works");
    assert_eq!(app.get(&path).await.status(), 404);
}

async fn repeated_fetches_of_a_calendar_feed_on_one_day_write_one_audit_row(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let path = new_feed(&app, &alice).await;
    for _ in 0..3 {
        assert_eq!(app.get(&path).await.status(), 200);
    }
    assert_eq!(feed_fetches_audited(&app).await, 1, "one row for the day");
    // The next day, the first fetch is recorded again.
    sqlx::query("update calendar_tokens set audited_day = audited_day - 1")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(app.get(&path).await.status(), 200);
    assert_eq!(app.get(&path).await.status(), 200);
    assert_eq!(feed_fetches_audited(&app).await, 2);
    let report = app::server::audit::verify(&app.state.db).await.unwrap();
    assert!(report.is_intact(), "{report}");
}

on_both_backends!(
    the_firm_shares_dates_and_notes_and_the_client_sees_only_what_was_shared,
    note_bodies_are_encrypted_at_rest,
    clients_cannot_change_a_matter_and_staff_can_move_its_stage,
    a_matters_key_dates_download_as_ics_for_those_who_may_see_it,
    an_unknown_item_kind_to_share_is_a_bad_request_not_a_server_error,
    a_plain_routes_internal_failure_answers_with_the_request_reference,
    a_calendar_feed_serves_the_users_dates_behind_a_secret_that_can_be_replaced,
    a_calendar_feed_stops_working_after_signing_out_everywhere,
    a_calendar_feed_stops_working_once_its_user_is_disabled,
    a_calendar_feed_expires_after_180_days_and_a_new_link_renews_it,
    repeated_fetches_of_a_calendar_feed_on_one_day_write_one_audit_row
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calendar_feed_lasts_as_many_days_as_configured() {
    let app = crate::helpers::spawn_app_configured(
        app::server::db::Backend::Sqlite,
        axum::Router::new(),
        &[("VELLUM_CALENDAR_FEED_DAYS", "2")],
    )
    .await;
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let path = new_feed(&app, &alice).await;
    assert_eq!(app.get(&path).await.status(), 200);
    sqlx::query("update calendar_tokens set created_at = created_at - $1")
        .bind(3 * 86_400_000_i64)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(app.get(&path).await.status(), 404);
}
