//! Ethical walls raised and lifted by the admin (issue 11, point 6): they
//! take effect at once, only the admin may touch them, and the
//! point-in-time report says who was screened from what on a day.

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TestApp},
    on_both_backends,
};

const MATTER: &str = "LIT-2026-0012";

async fn wall(
    app: &TestApp,
    admin: &reqwest::Client,
    path: &str,
    matter: &str,
    user: &str,
    reason: &str,
) -> (u16, String) {
    app.post(
        admin,
        path,
        &[("matter_id", matter), ("user_id", user), ("reason", reason)],
    )
    .await
}

async fn report(app: &TestApp, client: &reqwest::Client, date: &str) -> (u16, String) {
    let response = client
        .get(app.url(&format!("/api/admin/walls.csv?date={date}")))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn today() -> String {
    let (y, m, d) = app::domain::time::civil_date(app::server::now_ms());
    format!("{y:04}-{m:02}-{d:02}")
}

async fn sees_matter(app: &TestApp, client: &reqwest::Client, matter: &str) -> bool {
    let (status, _) = app.post(client, "/api/get_matter", &[("id", matter)]).await;
    let (_, listed) = app.post(client, "/api/list_matters", &[("", "")]).await;
    assert_eq!(
        status == 200,
        listed.contains(MATTER),
        "the list agrees with the page"
    );
    status == 200
}

async fn a_wall_hides_the_matter_from_that_person_at_once_and_lifting_it_restores_it(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let matter = app.matter_id(MATTER).await;
    let user = app.user_id(DEMO_ATTORNEY).await;
    assert!(sees_matter(&app, &attorney, &matter).await);

    let (status, body) = wall(&app, &admin, "/api/raise_wall", &matter, &user, " ").await;
    assert_eq!(status, 400, "a wall needs a reason: {body}");
    let (status, body) = wall(&app, &admin, "/api/raise_wall", &matter, &user, "Conflict").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !sees_matter(&app, &attorney, &matter).await,
        "the same session loses the matter at once"
    );
    let (status, body) = wall(&app, &admin, "/api/raise_wall", &matter, &user, "Again").await;
    assert_eq!(status, 409, "{body}");
    let (_, listed) = app.post(&admin, "/api/list_walls", &[("", "")]).await;
    assert!(
        listed.contains("Conflict") && listed.contains(MATTER),
        "{listed}"
    );

    let (status, _) = wall(&app, &admin, "/api/lift_wall", &matter, &user, "").await;
    assert_eq!(status, 400, "lifting needs a reason too");
    let (status, body) = wall(&app, &admin, "/api/lift_wall", &matter, &user, "Resolved").await;
    assert_eq!(status, 200, "{body}");
    assert!(sees_matter(&app, &attorney, &matter).await);
    let (status, _) = wall(&app, &admin, "/api/lift_wall", &matter, &user, "Resolved").await;
    assert_eq!(status, 404, "there is no wall left to lift");
    for action in ["wall.raised", "wall.lifted"] {
        let rows = app
            .count(
                "select count(*) from audit_log where action = $1",
                &[action],
            )
            .await;
        assert_eq!(rows, 1, "{action}");
    }
}

async fn a_client_cannot_be_walled_off(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let matter = app.matter_id(MATTER).await;
    let alice = app.user_id(DEMO_ALICE).await;
    let (status, body) = wall(&app, &admin, "/api/raise_wall", &matter, &alice, "No").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("portal access"), "{body}");
    let (status, _) = wall(&app, &admin, "/api/raise_wall", &matter, "not-an-id", "No").await;
    assert_eq!(status, 404);
}

async fn only_the_admin_may_see_raise_lift_or_report_walls(app: TestApp) {
    app.seed().await;
    let matter = app.matter_id(MATTER).await;
    let user = app.user_id(DEMO_STAFF).await;
    for email in [DEMO_ATTORNEY, DEMO_STAFF, DEMO_ALICE] {
        let client = app.signed_in_client(email).await;
        for path in ["/api/raise_wall", "/api/lift_wall"] {
            let (status, _) = wall(&app, &client, path, &matter, &user, "x").await;
            assert_eq!(status, 404, "{email} {path}");
        }
        for path in ["/api/list_walls", "/api/list_wall_choices"] {
            assert_eq!(
                app.post(&client, path, &[("", "")]).await.0,
                404,
                "{email} {path}"
            );
        }
        assert_eq!(
            report(&app, &client, &today()).await.0,
            404,
            "{email} report"
        );
        let page = client.get(app.url("/admin/walls")).send().await.unwrap();
        assert_eq!(page.status(), 404, "{email} page");
    }
    let walls = app.count("select count(*) from ethical_walls", &[]).await;
    assert_eq!(walls, 1, "only the seeded wall stands");
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let page = admin.get(app.url("/admin/walls")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Raise a wall") && html.contains("Lift this wall"));
}

async fn the_report_names_every_wall_in_force_on_the_day_asked(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let matter = app.matter_id(MATTER).await;
    let user = app.user_id(DEMO_STAFF).await;
    let reason = "=HYPERLINK(\"http://evil.example\")";
    assert_eq!(
        wall(&app, &admin, "/api/raise_wall", &matter, &user, reason)
            .await
            .0,
        200
    );
    assert_eq!(
        wall(&app, &admin, "/api/lift_wall", &matter, &user, "Done")
            .await
            .0,
        200
    );

    let (status, csv) = report(&app, &admin, &today()).await;
    assert_eq!(status, 200, "{csv}");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("matter,user,reason,raised,lifted,lift reason")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.len(),
        2,
        "the seeded wall and today's, lifted or not: {csv}"
    );
    let todays = rows
        .iter()
        .find(|r| r.starts_with(MATTER))
        .expect("today's wall");
    assert!(
        todays.contains(DEMO_STAFF) && todays.contains(",Done"),
        "{todays}"
    );
    assert!(
        todays.contains("\"'=HYPERLINK("),
        "a formula stays text: {todays}"
    );
    assert!(
        rows.iter().any(|r| r.contains(DEMO_ATTORNEY)),
        "the seeded wall: {csv}"
    );

    let long_ago = app::domain::time::civil_date(app::server::now_ms() - 100 * 86_400_000);
    let long_ago = format!("{:04}-{:02}-{:02}", long_ago.0, long_ago.1, long_ago.2);
    let (status, csv) = report(&app, &admin, &long_ago).await;
    assert_eq!(status, 200);
    assert_eq!(csv.lines().count(), 1, "no wall stood then: {csv}");
    assert_eq!(report(&app, &admin, "yesterday").await.0, 400);
    let reports = app
        .count(
            "select count(*) from audit_log where action = 'wall.report'",
            &[],
        )
        .await;
    assert_eq!(reports, 2, "each download is audited");
}

/// Opens a matter for `contact` as `client` with `responsible` answering
/// for it: the status and the body (the id as JSON on success).
async fn open_for(
    app: &TestApp,
    client: &reqwest::Client,
    contact: &str,
    responsible: &str,
) -> (u16, String) {
    app.post(
        client,
        "/api/open_matter",
        &[
            ("title", "A later instruction"),
            ("practice_area", "Litigation"),
            ("number", ""),
            ("client_id", contact),
            ("responsible_id", responsible),
        ],
    )
    .await
}

async fn a_wall_on_every_matter_of_a_client_also_walls_the_matters_opened_for_it_later(
    app: TestApp,
) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let matter = app.matter_id(MATTER).await;
    let contact: String = sqlx::query_scalar(
        "select id from contacts where account_id = (select account_id from matters where id = $1)
         order by id limit 1",
    )
    .bind(matter.clone())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    let (staff_id, attorney_id, admin_id) = (
        app.user_id(DEMO_STAFF).await,
        app.user_id(DEMO_ATTORNEY).await,
        app.user_id(DEMO_ADMIN).await,
    );
    // A wall of its own on another matter of the same client, first.
    let bakery = app.matter_id("COR-2026-0031").await;
    let (status, body) = wall(
        &app,
        &admin,
        "/api/raise_wall",
        &bakery,
        &staff_id,
        "Sat on the vendor's board",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for user in [&staff_id, &attorney_id] {
        let (status, body) = app
            .post(
                &admin,
                "/api/raise_wall",
                &[
                    ("matter_id", matter.as_str()),
                    ("user_id", user.as_str()),
                    ("reason", "Acted for the other side"),
                    ("whole_client", "true"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, listed) = app
        .post(&admin, "/api/list_client_walls", &[("", "")])
        .await;
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");

    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, body) = open_for(&app, &staff, &contact, &admin_id).await;
    assert_eq!(status, 409, "a walled colleague cannot open one: {body}");
    let (status, body) = open_for(&app, &admin, &contact, &attorney_id).await;
    assert_eq!(status, 400, "nor answer for one: {body}");
    assert!(body.contains("Responsible attorney"), "{body}");
    let (status, body) = open_for(&app, &admin, &contact, &admin_id).await;
    assert_eq!(status, 200, "{body}");
    let later: String = serde_json::from_str(&body).unwrap();
    assert_eq!(
        app.count(
            "select count(*) from ethical_walls where matter_id = $1",
            &[&later]
        )
        .await,
        2,
        "walled from the moment it is opened"
    );
    assert_eq!(
        app.count(
            "select count(*) from wall_history where matter_id = $1 and lifted_at is null",
            &[&later]
        )
        .await,
        2,
        "and the report will say so"
    );
    let (status, _) = app
        .post(&staff, "/api/get_matter", &[("id", later.as_str())])
        .await;
    assert_eq!(status, 404);

    let account: String = sqlx::query_scalar("select account_id from matters where id = $1")
        .bind(matter.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let lift = [
        ("account_id", account.as_str()),
        ("user_id", staff_id.as_str()),
        ("reason", "The other matter is over"),
    ];
    let (status, body) = app.post(&staff, "/api/lift_client_wall", &lift).await;
    assert_eq!(status, 404, "only the admin lifts walls: {body}");
    let (status, body) = app.post(&admin, "/api/lift_client_wall", &lift).await;
    assert_eq!(status, 200, "{body}");
    for id in [&matter, &later] {
        assert_eq!(
            app.count(
                "select count(*) from ethical_walls where matter_id = $1 and user_id = $2",
                &[id, &staff_id]
            )
            .await,
            0,
            "lifted from every matter of the client"
        );
        assert_eq!(
            app.count(
                "select count(*) from wall_history where matter_id = $1 and user_id = $2
                 and lift_reason = 'The other matter is over'",
                &[id, &staff_id]
            )
            .await,
            1,
            "with the reason in its history"
        );
    }
    let (status, _) = app.post(&admin, "/api/lift_client_wall", &lift).await;
    assert_eq!(status, 404, "lifted already");
    assert_eq!(
        app.count(
            "select count(*) from ethical_walls where matter_id = $1 and user_id = $2
             and reason = 'Sat on the vendor''s board'",
            &[&bakery, &staff_id]
        )
        .await,
        1,
        "a wall raised on one matter for its own reason stays"
    );
    let (status, body) = open_for(&app, &admin, &contact, &admin_id).await;
    assert_eq!(status, 200, "{body}");
    let newest: String = serde_json::from_str(&body).unwrap();
    assert_eq!(
        app.count(
            "select count(*) from ethical_walls where matter_id = $1 and user_id = $2",
            &[&newest, &staff_id]
        )
        .await,
        0,
        "a lifted client wall walls no new matter"
    );
    assert_eq!(
        app.count(
            "select count(*) from ethical_walls where matter_id = $1 and user_id = $2",
            &[&newest, &attorney_id]
        )
        .await,
        1,
        "the other client wall still does"
    );
    for action in ["wall.raised_for_client", "wall.lifted_for_client"] {
        assert!(
            app.count(
                "select count(*) from audit_log where action = $1",
                &[action]
            )
            .await
                >= 1,
            "{action} audited"
        );
    }
}

async fn a_wall_on_every_matter_of_a_client_raised_while_a_matter_opens_misses_none(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let matter = app.matter_id(MATTER).await;
    let account: String = sqlx::query_scalar("select account_id from matters where id = $1")
        .bind(matter.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let contact: String =
        sqlx::query_scalar("select id from contacts where account_id = $1 order by id limit 1")
            .bind(account.clone())
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let (staff_id, admin_id) = (app.user_id(DEMO_STAFF).await, app.user_id(DEMO_ADMIN).await);
    let raise = [
        ("matter_id", matter.as_str()),
        ("user_id", staff_id.as_str()),
        ("reason", "Acted for the other side"),
        ("whole_client", "true"),
    ];
    let lift = [
        ("account_id", account.as_str()),
        ("user_id", staff_id.as_str()),
        ("reason", "Over"),
    ];
    // Each round races the wall against an opening for the same client:
    // whichever commits first, the new matter ends up walled.
    for round in 0..8 {
        let (opened, raised) = tokio::join!(
            open_for(&app, &admin, &contact, &admin_id),
            app.post(&admin, "/api/raise_wall", &raise),
        );
        assert_eq!(opened.0, 200, "round {round}: {}", opened.1);
        assert_eq!(raised.0, 200, "round {round}: {}", raised.1);
        let unwalled = app
            .count(
                "select count(*) from matters m where m.account_id = $1
                 and not exists (select 1 from ethical_walls w
                                 where w.matter_id = m.id and w.user_id = $2)",
                &[&account, &staff_id],
            )
            .await;
        assert_eq!(
            unwalled, 0,
            "round {round}: a matter of the client was missed"
        );
        let (status, body) = app.post(&admin, "/api/lift_client_wall", &lift).await;
        assert_eq!(status, 200, "round {round}: {body}");
    }
}

on_both_backends!(
    a_wall_on_every_matter_of_a_client_raised_while_a_matter_opens_misses_none,
    a_wall_on_every_matter_of_a_client_also_walls_the_matters_opened_for_it_later,
    a_wall_hides_the_matter_from_that_person_at_once_and_lifting_it_restores_it,
    a_client_cannot_be_walled_off,
    only_the_admin_may_see_raise_lift_or_report_walls,
    the_report_names_every_wall_in_force_on_the_day_asked
);
