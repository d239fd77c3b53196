//! Time as people read it (issue 12, point 4): dates typed in the firm's
//! zone, pages in the viewer's, storage in UTC.

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_STAFF, TestApp},
    on_both_backends,
};

/// Sets the firm's zone through the settings form, keeping the defaults.
async fn set_firm_zone(app: &TestApp, zone: &str) -> (u16, String) {
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    app.post(
        &admin,
        "/api/update_firm_settings",
        &[
            ("firm_name", "Harbour Law LLP"),
            ("currency", "GBP"),
            ("number_pattern", "{year}-{seq:4}"),
            ("response_minutes", "240"),
            ("hours_start", "09:00"),
            ("hours_end", "17:30"),
            ("time_zone", zone),
        ],
    )
    .await
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn a_key_date_is_typed_in_the_firms_zone_and_read_in_the_viewers(app: TestApp) {
    app.seed().await;
    let (status, body) = set_firm_zone(&app, "Asia/Tokyo").await;
    assert_eq!(status, 200, "{body}");
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = app.matter_id("LIT-2026-0012").await;
    let (status, body) = app
        .post(
            &staff,
            "/api/add_key_date",
            &[
                ("id", id.as_str()),
                ("kind", "hearing"),
                ("title", "Directions hearing"),
                ("date", "2027-03-10"),
                ("time", "14:30"),
                ("location", ""),
                ("client_visible", "on"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // 14:30 in Tokyo (+9) is 05:30 UTC, as stored.
    let stored = app
        .count(
            "select starts_at from key_dates where title = 'Directions hearing'",
            &[],
        )
        .await;
    assert_eq!(
        app::domain::time::format_utc(stored),
        "2027-03-10 05:30 UTC"
    );

    let alice = app.signed_in_client(DEMO_ALICE).await;
    let matter = page(&alice, &app, &format!("/matters/{id}")).await;
    assert!(
        matter.contains("Wed 10 Mar 2027, 2:30 pm"),
        "the firm's zone by default"
    );
    assert!(!matter.contains("UTC"), "no page says UTC");

    // Her own zone, chosen on /account, wins for her alone.
    let (status, body) = app
        .post(
            &alice,
            "/api/set_my_time_zone",
            &[("time_zone", "Europe/London")],
        )
        .await;
    assert_eq!((status, body.as_str()), (200, "\"Europe/London\""));
    let matter = page(&alice, &app, &format!("/matters/{id}")).await;
    assert!(
        matter.contains("Wed 10 Mar 2027, 5:30 am"),
        "London, in GMT"
    );
    let (_, clock) = app.post(&alice, "/api/get_clock", &[("", "")]).await;
    let clock: serde_json::Value = serde_json::from_str(&clock).unwrap();
    assert_eq!(clock["zone"], "Europe/London");
    assert_eq!(clock["firm_zone"], "Asia/Tokyo");
    let staff_page = page(&staff, &app, &format!("/matters/{id}")).await;
    assert!(staff_page.contains("Wed 10 Mar 2027, 2:30 pm"));
    // The form names the zone it reads times in.
    assert!(
        staff_page.contains("In the firm&#x27;s time zone, Asia/Tokyo.")
            || staff_page.contains("In the firm's time zone, Asia/Tokyo.")
    );

    // Blank goes back to the firm's.
    let (status, body) = app
        .post(&alice, "/api/set_my_time_zone", &[("time_zone", "")])
        .await;
    assert_eq!((status, body.as_str()), (200, "\"Asia/Tokyo\""));
    let (_, clock) = app.post(&alice, "/api/get_clock", &[("", "")]).await;
    assert!(clock.contains("\"zone\":\"Asia/Tokyo\""), "{clock}");
}

async fn a_zone_not_in_the_database_gets_a_400(app: TestApp) {
    app.seed().await;
    let (status, body) = set_firm_zone(&app, "Europe/Atlantis").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Time zone"), "{body}");
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, body) = app
        .post(
            &alice,
            "/api/set_my_time_zone",
            &[("time_zone", "Mars/Olympus_Mons")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        app.count(
            "select count(*) from users where time_zone is not null",
            &[]
        )
        .await,
        0,
        "nothing saved"
    );
    // Signed out, the zone is the firm's: the sign-in page has no user.
    let (status, clock) = app
        .post(&crate::helpers::new_client(), "/api/get_clock", &[("", "")])
        .await;
    assert_eq!(status, 200);
    assert!(clock.contains("\"zone\":\"UTC\""), "{clock}");
    let (status, _) = app
        .post(
            &crate::helpers::new_client(),
            "/api/set_my_time_zone",
            &[("time_zone", "Europe/London")],
        )
        .await;
    assert_eq!(status, 401);
}

async fn payments_are_dated_in_the_firms_zone(app: TestApp) {
    app.seed().await;
    let (status, body) = set_firm_zone(&app, "America/New_York").await;
    assert_eq!(status, 200, "{body}");
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = app.matter_id("LIT-2026-0012").await;
    let (status, body) = app
        .post(
            &staff,
            "/api/record_trust_deposit",
            &[
                ("matter_id", id.as_str()),
                ("amount", "100.00"),
                ("currency", "GBP"),
                ("date", "2026-12-01"),
                ("description", "Retainer for the zone test"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let at = app
        .count(
            "select occurred_at from trust_transactions where description = 'Retainer for the zone test'",
            &[],
        )
        .await;
    // Midnight in New York (-5) is 05:00 UTC.
    assert_eq!(app::domain::time::format_utc(at), "2026-12-01 05:00 UTC");
}

on_both_backends!(
    a_key_date_is_typed_in_the_firms_zone_and_read_in_the_viewers,
    a_zone_not_in_the_database_gets_a_400,
    payments_are_dated_in_the_firms_zone,
);
