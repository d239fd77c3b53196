//! Opening matters from `/matters/new` (issue 11, point 4) and giving their
//! clients portal access (point 5).

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TestApp, new_client, token_in},
    on_both_backends,
};

/// A demo contact at the Moreau account with no portal account.
const HENRI: &str = "henri@moreau.example";
const NEW_PASSWORD: &str = "copper meadow violin orchard";

/// Opens a matter as `client` for the contact `contact_id`; the status
/// and the body (the new matter's id as JSON on success).
async fn open(
    app: &TestApp,
    client: &reqwest::Client,
    contact_id: &str,
    area: &str,
    number: &str,
) -> (u16, String) {
    let attorney = app.user_id(DEMO_ATTORNEY).await;
    app.post(
        client,
        "/api/open_matter",
        &[
            ("title", "Quay warehouse lease"),
            ("practice_area", area),
            ("number", number),
            ("client_id", contact_id),
            ("responsible_id", attorney.as_str()),
        ],
    )
    .await
}

/// Opens a Litigation matter for Henri as staff; answers its id.
async fn open_for_henri(app: &TestApp, staff: &reqwest::Client) -> String {
    let henri = app.contact_id(HENRI).await;
    let (status, body) = open(app, staff, &henri, "Litigation", "").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn staff_open_a_matter_numbered_by_the_pattern_with_its_template_stages_and_team(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, form) = app.post(&staff, "/api/get_matter_form", &[("", "")]).await;
    assert_eq!(status, 200, "{form}");
    let form: serde_json::Value = serde_json::from_str(&form).unwrap();
    let next = form["next_number"].as_str().unwrap().to_owned();
    let year = app::domain::time::civil_date(app::server::now_ms()).0;
    assert!(
        next.starts_with(&format!("{year}-")) && next.len() == 9,
        "{next}"
    );
    assert!(
        form["practice_areas"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "Litigation"),
        "{form}"
    );

    let id = open_for_henri(&app, &staff).await;
    let number = app
        .count(
            "select count(*) from matters where id = $1 and number = $2 and status = 'open'",
            &[&id, &next],
        )
        .await;
    assert_eq!(number, 1, "numbered {next}, as the form said");
    let stages: Vec<(String, String)> = sqlx::query_as(
        "select name, description from matter_stages where matter_id = $1 order by position",
    )
    .bind(id.clone())
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    let names: Vec<&str> = stages.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Intake",
            "Pleadings",
            "Discovery",
            "Mediation",
            "Trial",
            "Closed"
        ]
    );
    assert!(stages.iter().all(|(_, d)| !d.is_empty()), "described");
    let team: Vec<(String, String)> = sqlx::query_as(
        "select u.email, t.role from matter_team t join users u on u.id = t.user_id
         where t.matter_id = $1 order by u.email",
    )
    .bind(id.clone())
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(
        team,
        [
            (DEMO_ATTORNEY.to_owned(), "responsible".to_owned()),
            (DEMO_STAFF.to_owned(), "member".to_owned())
        ]
    );
    let party = app
        .count(
            "select count(*) from matter_parties where matter_id = $1 and role = 'client'
             and name = 'Henri Moreau'",
            &[&id],
        )
        .await;
    assert_eq!(party, 1);
    let henri = app.contact_id(HENRI).await;
    let touchpoint = app
        .count(
            "select count(*) from touchpoints where contact_id = $1 and matter_id = $2
             and kind = 'matter.opened'",
            &[&henri, &id],
        )
        .await;
    assert_eq!(touchpoint, 1, "on the client's timeline");
    let audited = app
        .count(
            "select count(*) from audit_log where action = 'matter.opened' and object_id = $1",
            &[&id],
        )
        .await;
    assert_eq!(audited, 1);
    // The opener is on the team, so sees what they opened; the next
    // number moves on.
    let (status, _) = app
        .post(&staff, "/api/get_matter_detail", &[("id", id.as_str())])
        .await;
    assert_eq!(status, 200);
    let (_, form) = app.post(&staff, "/api/get_matter_form", &[("", "")]).await;
    assert!(!form.contains(&format!("\"{next}\"")), "{form}");
}

async fn a_typed_number_must_be_free_and_well_formed_and_every_field_is_checked(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let henri = app.contact_id(HENRI).await;
    let (status, body) = open(&app, &staff, &henri, "Litigation", "LIT-2026-0012").await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("LIT-2026-0012 is taken"), "{body}");
    let (status, body) = open(&app, &staff, &henri, "Litigation", "LIT 42!").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = open(&app, &staff, &henri, "", "").await;
    assert_eq!(status, 400, "a practice area is needed");
    let unknown = "01900000-0000-7000-8000-000000000000";
    let (status, _) = open(&app, &staff, unknown, "Litigation", "").await;
    assert_eq!(status, 404, "an unknown contact");
    let staff_id = app.user_id(DEMO_STAFF).await;
    let (status, body) = app
        .post(
            &staff,
            "/api/open_matter",
            &[
                ("title", "X"),
                ("practice_area", "Litigation"),
                ("number", ""),
                ("client_id", henri.as_str()),
                ("responsible_id", staff_id.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 400, "staff are no responsible attorney: {body}");
    let (status, _) = open(&app, &staff, &henri, "Litigation", "2031-0001").await;
    assert_eq!(status, 200, "a free typed number");
    assert_eq!(
        app.count(
            "select count(*) from matters where number = '2031-0001'",
            &[]
        )
        .await,
        1
    );
}

async fn a_contact_without_an_account_gets_a_household_and_an_unknown_area_the_default_plan(
    app: TestApp,
) {
    app.seed().await;
    sqlx::query(
        "insert into contacts (id, given_name, family_name, email, created_at)
         values ('01900000-0000-7000-8000-0000000000c1', 'Nadia', 'Okafor', 'nadia@example.test', 0)",
    )
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let (status, body) = open(
        &app,
        &admin,
        "01900000-0000-7000-8000-0000000000c1",
        "Immigration",
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id: String = serde_json::from_str(&body).unwrap();
    let household = app
        .count(
            "select count(*) from matters m join accounts a on a.id = m.account_id
             join contacts c on c.account_id = a.id
             where m.id = $1 and a.kind = 'household' and a.name = 'Nadia Okafor'
             and c.email = 'nadia@example.test'",
            &[&id],
        )
        .await;
    assert_eq!(household, 1);
    let stages = app
        .count(
            "select count(*) from matter_stages where matter_id = $1",
            &[&id],
        )
        .await;
    assert_eq!(stages, 3, "the firm's default plan");
}

async fn giving_a_contact_with_no_portal_account_access_invites_them_to_the_matter(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = open_for_henri(&app, &staff).await;
    let henri = app.contact_id(HENRI).await;
    let (status, body) = app
        .post(
            &staff,
            "/api/give_portal_access",
            &[("matter_id", id.as_str()), ("contact_id", henri.as_str())],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "true", "an invitation went out");
    let (status, listed) = app
        .post(
            &staff,
            "/api/list_portal_access",
            &[("matter_id", id.as_str())],
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        listed.contains("\"portal\":\"invited\"") && listed.contains("\"has_access\":true"),
        "{listed}"
    );

    let emails = app.outbox_emails(HENRI).await;
    let token = token_in(&emails.last().unwrap().2, "/invite/");
    let (status, _) = app
        .post(
            &new_client(),
            "/api/accept_invitation",
            &[
                ("token", token.as_str()),
                ("password", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let client = new_client();
    let (status, step) = app.sign_in(&client, HENRI, NEW_PASSWORD).await;
    assert_eq!(status, 200, "{step}");
    let (_, matters) = app.post(&client, "/api/list_matters", &[("", "")]).await;
    assert!(matters.contains("Quay warehouse lease"), "{matters}");
    let (status, detail) = app
        .post(&client, "/api/get_matter_detail", &[("id", id.as_str())])
        .await;
    assert_eq!(status, 200);
    assert!(detail.contains("Pleadings"), "the client sees the stages");
}

async fn a_client_who_signs_in_gets_access_at_once_with_an_email_and_loses_it_on_revoking(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let alice_contact = app.contact_id(DEMO_ALICE).await;
    let (status, body) = open(&app, &staff, &alice_contact, "Corporate", "").await;
    assert_eq!(status, 200, "{body}");
    let id: String = serde_json::from_str(&body).unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, _) = app
        .post(&alice, "/api/get_matter_detail", &[("id", id.as_str())])
        .await;
    assert_eq!(status, 404, "not before access is given");

    let give = [
        ("matter_id", id.as_str()),
        ("contact_id", alice_contact.as_str()),
    ];
    let (status, body) = app.post(&staff, "/api/give_portal_access", &give).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "false", "no invitation: access at once");
    let (status, _) = app
        .post(&alice, "/api/get_matter_detail", &[("id", id.as_str())])
        .await;
    assert_eq!(status, 200, "her open session sees it at once");
    let emails = app.outbox_emails(DEMO_ALICE).await;
    let (kind, subject, body) = emails.last().unwrap();
    assert_eq!(kind, "matter_access");
    assert_eq!(subject, "You have a new matter in your portal");
    assert!(body.contains(&format!("/matters/{id}")), "{body}");
    assert!(
        !body.contains("Quay warehouse lease"),
        "no details by email"
    );
    let (status, _) = app.post(&staff, "/api/give_portal_access", &give).await;
    assert_eq!(status, 409, "already given");
    let record = [("id", alice_contact.as_str())];
    let (_, timeline) = app.post(&staff, "/api/get_contact_timeline", &record).await;
    let listed: serde_json::Value = serde_json::from_str(&timeline).unwrap();
    assert!(
        listed["portal_matters"]
            .to_string()
            .contains("Quay warehouse lease"),
        "the contact page lists the access: {timeline}"
    );

    let (status, body) = app.post(&staff, "/api/revoke_portal_access", &give).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .post(&alice, "/api/get_matter_detail", &[("id", id.as_str())])
        .await;
    assert_eq!(status, 404, "revoked at once");
    let (status, _) = app.post(&staff, "/api/revoke_portal_access", &give).await;
    assert_eq!(status, 404, "nothing left to revoke");
    let (_, timeline) = app.post(&staff, "/api/get_contact_timeline", &record).await;
    let listed: serde_json::Value = serde_json::from_str(&timeline).unwrap();
    assert!(
        !listed["portal_matters"]
            .to_string()
            .contains("Quay warehouse lease"),
        "{timeline}"
    );
    for action in [
        "matter.portal_access_granted",
        "matter.portal_access_revoked",
    ] {
        let rows = app
            .count(
                "select count(*) from audit_log where action = $1 and object_id = $2",
                &[action, &id],
            )
            .await;
        assert_eq!(rows, 1, "{action}");
    }
}

async fn only_staff_and_admins_who_see_the_matter_open_it_to_its_own_clients(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = open_for_henri(&app, &staff).await;
    let henri = app.contact_id(HENRI).await;
    let give = [("matter_id", id.as_str()), ("contact_id", henri.as_str())];
    for email in [DEMO_ATTORNEY, DEMO_ALICE] {
        let client = app.signed_in_client(email).await;
        for path in [
            "/api/give_portal_access",
            "/api/revoke_portal_access",
            "/api/list_portal_access",
        ] {
            let (status, _) = app.post(&client, path, &give).await;
            assert_eq!(status, 404, "{email} {path}");
        }
    }
    // A contact of another client's account is never given this matter.
    let other = app.contact_id("kenji@nakamura.example").await;
    let (status, _) = app
        .post(
            &staff,
            "/api/give_portal_access",
            &[("matter_id", id.as_str()), ("contact_id", other.as_str())],
        )
        .await;
    assert_eq!(status, 404);
    // Behind a wall, staff lose the matter and its access panel.
    let (number,): (String,) = sqlx::query_as("select number from matters where id = $1")
        .bind(id.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    app.wall_off(DEMO_STAFF, &number).await;
    let (status, _) = app.post(&staff, "/api/give_portal_access", &give).await;
    assert_eq!(status, 404, "walled");
    assert_eq!(
        app.count(
            "select count(*) from matter_client_access where matter_id = $1",
            &[&id]
        )
        .await,
        0
    );
    // Clients cannot open matters or see the form.
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, _) = app.post(&alice, "/api/get_matter_form", &[("", "")]).await;
    assert_eq!(status, 404);
    let (status, _) = open(&app, &alice, &henri, "Litigation", "").await;
    assert_eq!(status, 404);
    let page = alice.get(app.url("/matters/new")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    let page = staff.get(app.url("/matters/new")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Open matter"));
}

on_both_backends!(
    staff_open_a_matter_numbered_by_the_pattern_with_its_template_stages_and_team,
    a_typed_number_must_be_free_and_well_formed_and_every_field_is_checked,
    a_contact_without_an_account_gets_a_household_and_an_unknown_area_the_default_plan,
    giving_a_contact_with_no_portal_account_access_invites_them_to_the_matter,
    a_client_who_signs_in_gets_access_at_once_with_an_email_and_loses_it_on_revoking,
    only_staff_and_admins_who_see_the_matter_open_it_to_its_own_clients,
);
