//! A matter's settings panel (issue 11, point 4): team, parties, stage
//! plan, closing and reopening, and walls raised from it (point 6).

use crate::{
    documents::upload_ok,
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TestApp},
    on_both_backends,
};

const LEASE: &str = "LIT-2026-0012";

async fn settings_of(app: &TestApp, client: &reqwest::Client, matter: &str) -> serde_json::Value {
    let (status, body) = app
        .post(client, "/api/get_matter_settings", &[("matter_id", matter)])
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn team_roles(settings: &serde_json::Value) -> Vec<(String, String)> {
    settings["team"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn the_team_takes_colleagues_and_roles_and_always_keeps_a_responsible_attorney(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let matter = app.matter_id(LEASE).await;
    let (admin_id, attorney_id, staff_id) = (
        app.user_id(DEMO_ADMIN).await,
        app.user_id(DEMO_ATTORNEY).await,
        app.user_id(DEMO_STAFF).await,
    );
    let settings = settings_of(&app, &staff, &matter).await;
    assert!(
        settings["colleagues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c[0] == admin_id.as_str()),
        "the admin is not on the team yet, so the form offers them: {settings}"
    );

    let set = |user: &str, role: &str| {
        [
            ("matter_id", matter.clone()),
            ("user_id", user.to_owned()),
            ("role", role.to_owned()),
        ]
    };
    let (status, body) = app
        .post(
            &staff,
            "/api/set_team_member",
            &set(&staff_id, "responsible")
                .each_ref()
                .map(|(k, v)| (*k, v.as_str())),
        )
        .await;
    assert_eq!(status, 400, "staff are not attorneys: {body}");
    assert!(body.contains("only an attorney"), "{body}");

    let (status, body) = app
        .post(
            &staff,
            "/api/set_team_member",
            &set(&admin_id, "responsible")
                .each_ref()
                .map(|(k, v)| (*k, v.as_str())),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The original attorney steps back to member: the admin answers now.
    let (status, body) = app
        .post(
            &staff,
            "/api/set_team_member",
            &set(&attorney_id, "member")
                .each_ref()
                .map(|(k, v)| (*k, v.as_str())),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let roles = team_roles(&settings_of(&app, &staff, &matter).await);
    assert_eq!(
        roles.iter().filter(|(_, r)| r == "Responsible").count(),
        1,
        "{roles:?}"
    );
    assert_eq!(
        app.count(
            "select count(*) from matter_team where matter_id = $1 and user_id = $2 and role = 'responsible'",
            &[&matter, &admin_id]
        )
        .await,
        1
    );

    // The last responsible attorney can be neither removed nor demoted.
    let (status, body) = app
        .post(
            &staff,
            "/api/remove_team_member",
            &[
                ("matter_id", matter.as_str()),
                ("user_id", admin_id.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("at least one responsible"), "{body}");
    let (status, _) = app
        .post(
            &staff,
            "/api/set_team_member",
            &set(&admin_id, "member")
                .each_ref()
                .map(|(k, v)| (*k, v.as_str())),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(
        app.count(
            "select count(*) from matter_team where matter_id = $1 and user_id = $2 and role = 'responsible'",
            &[&matter, &admin_id]
        )
        .await,
        1,
        "the refused change was rolled back"
    );

    // A member leaves; the change is audited each time.
    let (status, body) = app
        .post(
            &staff,
            "/api/remove_team_member",
            &[
                ("matter_id", matter.as_str()),
                ("user_id", attorney_id.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.count(
            "select count(*) from matter_team where matter_id = $1 and user_id = $2",
            &[&matter, &attorney_id]
        )
        .await,
        0
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action = 'matter.team_changed' and object_id = $1",
            &[&matter]
        )
        .await,
        3
    );
}

async fn parties_are_named_with_a_role_and_removed_and_each_change_is_audited(app: TestApp) {
    app.seed().await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let matter = app.matter_id(LEASE).await;
    let (status, body) = app
        .post(
            &attorney,
            "/api/add_party",
            &[
                ("matter_id", matter.as_str()),
                ("name", " Quayside Holdings Ltd "),
                ("role", "opposing_party"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let settings = settings_of(&app, &attorney, &matter).await;
    let party = settings["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Quayside Holdings Ltd")
        .unwrap_or_else(|| panic!("the party is listed, trimmed: {settings}"))
        .clone();
    assert_eq!(party["role"], "OpposingParty");

    for (name, role) in [("", "party"), ("Judge Dredd", "judge")] {
        let (status, _) = app
            .post(
                &attorney,
                "/api/add_party",
                &[
                    ("matter_id", matter.as_str()),
                    ("name", name),
                    ("role", role),
                ],
            )
            .await;
        assert_eq!(status, 400, "{name:?} as {role}");
    }

    let party_id = party["id"].as_str().unwrap();
    let remove = [("matter_id", matter.as_str()), ("party_id", party_id)];
    let (status, body) = app.post(&attorney, "/api/remove_party", &remove).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.post(&attorney, "/api/remove_party", &remove).await;
    assert_eq!(status, 404, "gone");
    for action in ["matter.party_added", "matter.party_removed"] {
        assert_eq!(
            app.count(
                "select count(*) from audit_log where action = $1 and object_id = $2",
                &[action, &matter]
            )
            .await,
            1,
            "{action}"
        );
    }
}

async fn a_new_stage_plan_replaces_the_stages_keeps_the_matter_inside_it_and_tells_the_client(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let matter = app.matter_id(LEASE).await;
    // The lease is at stage 3 of 6; the new plan has two stages.
    let (status, body) = app
        .post(
            &staff,
            "/api/set_stage_plan",
            &[
                ("matter_id", matter.as_str()),
                ("stages[0][name]", " Review "),
                ("stages[0][description]", "We read everything."),
                ("stages[1][name]", ""),
                ("stages[1][description]", ""),
                ("stages[2][name]", "Settle"),
                ("stages[2][description]", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let stages: Vec<(i64, String, String)> = sqlx::query_as(
        "select position, name, description from matter_stages where matter_id = $1 order by position",
    )
    .bind(matter.clone())
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(
        stages,
        vec![
            (1, "Review".to_owned(), "We read everything.".to_owned()),
            (2, "Settle".to_owned(), String::new()),
        ]
    );
    assert_eq!(
        app.count(
            "select count(*) from matters where id = $1 and current_stage = 2",
            &[&matter]
        )
        .await,
        1,
        "the matter is at the plan's last stage"
    );
    let alice_contact = app.contact_id(DEMO_ALICE).await;
    assert_eq!(
        app.count(
            "select count(*) from touchpoints where contact_id = $1 and kind = 'matter.stage_plan_changed'",
            &[&alice_contact]
        )
        .await,
        1
    );
    // The client sees the new plan.
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, detail) = app
        .post(&alice, "/api/get_matter_detail", &[("id", matter.as_str())])
        .await;
    assert_eq!(status, 200);
    assert!(
        detail.contains("We read everything.") && !detail.contains("Discovery"),
        "{detail}"
    );

    // A described stage needs a name; an empty plan is refused.
    for form in [
        vec![("stages[0][description]", "no name")],
        vec![("stages[0][name]", " ")],
    ] {
        let mut form = form;
        form.push(("matter_id", matter.as_str()));
        let (status, body) = app.post(&staff, "/api/set_stage_plan", &form).await;
        assert_eq!(status, 400, "{body}");
    }
}

async fn a_closed_matter_refuses_every_change_but_serves_its_documents_until_it_is_reopened(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let matter = app.matter_id(LEASE).await;
    let document = upload_ok(&app, &alice, LEASE, "lease.pdf", b"%PDF-1.4 lease".to_vec()).await;
    let document = document["document_id"].as_str().unwrap().to_owned();
    let thread = app.thread_on(LEASE).await.expect("the lease has a thread");

    let close = [("matter_id", matter.as_str()), ("closed", "true")];
    let (status, body) = app.post(&staff, "/api/set_matter_closed", &close).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.post(&staff, "/api/set_matter_closed", &close).await;
    assert_eq!(status, 409, "closed already");

    let refused: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "/api/set_matter_stage",
            vec![("id", &matter), ("position", "2")],
        ),
        (
            "/api/add_key_date",
            vec![
                ("id", &matter),
                ("kind", "meeting"),
                ("title", "Call"),
                ("date", "2027-01-01"),
                ("time", "10:00"),
                ("location", ""),
            ],
        ),
        ("/api/add_matter_note", vec![("id", &matter), ("body", "x")]),
        (
            "/api/start_thread",
            vec![("matter_id", &matter), ("subject", "x"), ("body", "x")],
        ),
        (
            "/api/send_message",
            vec![("thread_id", &thread), ("body", "x")],
        ),
        (
            "/api/create_document_request",
            vec![
                ("matter_id", &matter),
                ("title", "Passport"),
                ("note", ""),
                ("due_date", ""),
            ],
        ),
        (
            "/api/set_document_visibility",
            vec![("document_id", &document), ("visibility", "internal")],
        ),
        (
            "/api/set_stage_plan",
            vec![("matter_id", &matter), ("stages[0][name]", "Only")],
        ),
        (
            "/api/add_party",
            vec![("matter_id", &matter), ("name", "X"), ("role", "party")],
        ),
        (
            "/api/record_trust_deposit",
            vec![
                ("matter_id", &matter),
                ("amount", "10.00"),
                ("date", "2026-01-01"),
                ("description", "Retainer"),
            ],
        ),
    ];
    for (path, form) in &refused {
        let (status, body) = app.post(&staff, path, form).await;
        assert_eq!(status, 409, "{path}: {body}");
        assert!(body.contains("closed"), "{path}: {body}");
    }
    let (status, _) = app
        .post(
            &alice,
            "/api/send_message",
            &[("thread_id", &thread), ("body", "x")],
        )
        .await;
    assert_eq!(status, 409, "the client cannot write either");
    let upload = crate::documents::upload(
        &app,
        &alice,
        LEASE,
        "late.pdf",
        "client",
        &[],
        b"x".to_vec(),
    )
    .await;
    assert_eq!(upload.status(), 409);
    assert_eq!(
        app.count(
            "select count(*) from documents where matter_id = $1 and visibility = 'internal'",
            &[&matter]
        )
        .await,
        app.count(
            "select count(*) from documents where matter_id = $1 and visibility = 'internal' and id <> $2",
            &[&matter, &document]
        )
        .await,
        "the refused visibility change was rolled back"
    );

    // Reading goes on: the page, and the documents.
    let download = alice
        .get(app.url(&format!("/api/documents/{document}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let page = alice
        .get(app.url(&format!("/matters/{matter}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("This matter is closed"));
    let alice_contact = app.contact_id(DEMO_ALICE).await;
    assert_eq!(
        app.count(
            "select count(*) from touchpoints where contact_id = $1 and kind = 'matter.closed'",
            &[&alice_contact]
        )
        .await,
        1
    );

    let reopen = [("matter_id", matter.as_str()), ("closed", "false")];
    let (status, body) = app.post(&staff, "/api/set_matter_closed", &reopen).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            &staff,
            "/api/set_matter_stage",
            &[("id", &matter), ("position", "4")],
        )
        .await;
    assert_eq!(status, 200, "open again: {body}");
    assert_eq!(
        app.count(
            "select count(*) from touchpoints where contact_id = $1 and kind = 'matter.stage_changed'",
            &[&alice_contact]
        )
        .await,
        1,
        "a stage change reaches the client's timeline"
    );
    for action in ["matter.closed", "matter.reopened"] {
        assert_eq!(
            app.count(
                "select count(*) from audit_log where action = $1 and object_id = $2",
                &[action, &matter]
            )
            .await,
            1,
            "{action}"
        );
    }
}

async fn clients_and_walled_colleagues_find_no_settings_at_all(app: TestApp) {
    app.seed().await;
    let matter = app.matter_id(LEASE).await;
    let staff_id = app.user_id(DEMO_STAFF).await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    app.wall_off(DEMO_ATTORNEY, LEASE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/api/get_matter_settings", vec![("matter_id", &matter)]),
        (
            "/api/set_team_member",
            vec![
                ("matter_id", &matter),
                ("user_id", &staff_id),
                ("role", "member"),
            ],
        ),
        (
            "/api/remove_team_member",
            vec![("matter_id", &matter), ("user_id", &staff_id)],
        ),
        (
            "/api/add_party",
            vec![("matter_id", &matter), ("name", "X"), ("role", "party")],
        ),
        (
            "/api/remove_party",
            vec![("matter_id", &matter), ("party_id", &matter)],
        ),
        (
            "/api/set_stage_plan",
            vec![("matter_id", &matter), ("stages[0][name]", "Only")],
        ),
        (
            "/api/set_matter_closed",
            vec![("matter_id", &matter), ("closed", "true")],
        ),
    ];
    for client in [&alice, &attorney] {
        for (path, form) in &calls {
            let (status, body) = app.post(client, path, form).await;
            assert_eq!(status, 404, "{path}: {body}");
            assert!(!body.contains(LEASE), "{path}: {body}");
        }
    }
    assert_eq!(
        app.count(
            "select count(*) from matters where id = $1 and status = 'open'",
            &[&matter]
        )
        .await,
        1
    );
    let page = alice
        .get(app.url(&format!("/matters/{matter}")))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(
        !page.contains("Save stage plan") && !page.contains("Close matter"),
        "the client's page has no settings"
    );
}

async fn an_admin_walls_a_colleague_off_every_matter_of_a_client_from_the_matter(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let matter = app.matter_id(LEASE).await;
    let staff_id = app.user_id(DEMO_STAFF).await;
    let client_matters = app
        .count(
            "select count(*) from matters where account_id = (select account_id from matters where id = $1)",
            &[&matter],
        )
        .await;
    let (status, body) = app
        .post(
            &admin,
            "/api/raise_wall",
            &[
                ("matter_id", matter.as_str()),
                ("user_id", staff_id.as_str()),
                ("reason", "Acted for the landlord before joining"),
                ("whole_client", "true"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.trim(), client_matters.to_string());
    assert_eq!(
        app.count(
            "select count(*) from ethical_walls w join matters m on m.id = w.matter_id
             where w.user_id = $1 and m.account_id = (select account_id from matters where id = $2)",
            &[&staff_id, &matter]
        )
        .await,
        client_matters
    );
    let settings = settings_of(&app, &admin, &matter).await;
    assert_eq!(settings["walls"].as_array().unwrap().len(), 1, "{settings}");
    // At once, staff lose every one of them.
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, list) = app.post(&staff, "/api/list_matters", &[("", "")]).await;
    assert_eq!(status, 200);
    assert!(!list.contains(LEASE), "{list}");
    // Only admins raise walls, from here as from /admin/walls.
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let (status, _) = app
        .post(
            &attorney,
            "/api/raise_wall",
            &[
                ("matter_id", matter.as_str()),
                ("user_id", staff_id.as_str()),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let settings = settings_of(&app, &attorney, &matter).await;
    assert_eq!(settings["can_manage_walls"], false);
    assert!(
        settings["walls"].as_array().unwrap().is_empty(),
        "who is screened is the admin's to know"
    );
}

on_both_backends!(
    the_team_takes_colleagues_and_roles_and_always_keeps_a_responsible_attorney,
    parties_are_named_with_a_role_and_removed_and_each_change_is_audited,
    a_new_stage_plan_replaces_the_stages_keeps_the_matter_inside_it_and_tells_the_client,
    a_closed_matter_refuses_every_change_but_serves_its_documents_until_it_is_reopened,
    clients_and_walled_colleagues_find_no_settings_at_all,
    an_admin_walls_a_colleague_off_every_matter_of_a_client_from_the_matter,
);
