//! A contact's record (issue 11, point 3): edited in place with an owner,
//! a referral source, tags and sealed notes; related to other contacts;
//! archived, never deleted; and listed a page at a time, searched,
//! filtered and sorted on the server.

use crate::{
    helpers::{DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TestApp},
    on_both_backends,
};

const HENRI: &str = "henri@moreau.example";

/// Adds a contact as `client`; answers its id.
async fn add(app: &TestApp, client: &reqwest::Client, name: &str, email: &str) -> String {
    let (status, body) = app
        .post(
            client,
            "/api/create_contact",
            &[
                ("name", name),
                ("email", email),
                ("phone", ""),
                ("address", ""),
                ("account_id", ""),
                ("role", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// The edit form for `id` named `name`, with `extra` fields on top.
async fn edit(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    name: &str,
    extra: &[(&str, &str)],
) -> (u16, String) {
    let mut fields = vec![("id".to_owned(), id.to_owned())];
    fields.push(("contact[name]".to_owned(), name.to_owned()));
    for (key, value) in extra {
        fields.push((format!("contact[{key}]"), (*value).to_owned()));
    }
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post(client, "/api/update_contact", &form).await
}

async fn record(app: &TestApp, client: &reqwest::Client, id: &str) -> serde_json::Value {
    let (status, body) = app
        .post(client, "/api/get_contact_record", &[("id", id)])
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn list(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> serde_json::Value {
    let (status, body) = app.post(client, "/api/list_contacts", form).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn staff_edit_a_contacts_details_owner_referral_tags_and_notes_each_change_audited(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = add(&app, &staff, "Ines Duarte", "ines@duarte.example").await;
    let created = record(&app, &staff, &id).await;
    assert_eq!(
        created["owner"][0],
        app.user_id(DEMO_STAFF).await,
        "whoever adds a contact owns it"
    );
    let attorney = app.user_id(DEMO_ATTORNEY).await;
    let henri = app.contact_id(HENRI).await;
    let notes = "Prefers a call after five; daughter handles the paperwork.";
    let fields = [
        ("email", "ines@duarte.example"),
        ("phone", "+351 21 000 0000"),
        ("owner_id", attorney.as_str()),
        ("referral_source", "website"),
        ("referred_by", henri.as_str()),
        ("tags", "VIP, estate planning, vip"),
        ("notes", notes),
    ];
    let (status, body) = edit(&app, &staff, &id, "Inês Duarte", &fields).await;
    assert_eq!(status, 200, "{body}");
    let saved = record(&app, &staff, &id).await;
    assert_eq!(saved["name"], "Inês Duarte");
    assert_eq!(saved["phone"], "+351 21 000 0000");
    assert_eq!(saved["owner"][0], attorney);
    assert_eq!(
        saved["referral_source"], "referral",
        "a referrer means a referral"
    );
    assert_eq!(saved["referred_by"][0], henri);
    assert_eq!(saved["tags"], serde_json::json!(["estate planning", "vip"]));
    assert_eq!(saved["notes"], notes);
    let sealed: Vec<u8> = sqlx::query_scalar("select notes_sealed from contacts where id = $1")
        .bind(id.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(
        !sealed.windows(9).any(|w| w == b"daughter "),
        "the notes are sealed at rest"
    );
    let audited = app
        .count(
            "select count(*) from audit_log where action = 'contact.updated' and object_id = $1
             and detail like '%owner%' and detail like '%tags%' and detail like '%notes%'
             and detail not like '%daughter%'",
            &[&id],
        )
        .await;
    assert_eq!(audited, 1, "audited by field, never by content");
    let on_timeline = app
        .count(
            "select count(*) from touchpoints where contact_id = $1 and kind = 'crm.updated'",
            &[&id],
        )
        .await;
    assert_eq!(on_timeline, 1);

    let (status, _) = edit(&app, &staff, &id, "Inês Duarte", &fields).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action = 'contact.updated' and object_id = $1",
            &[&id]
        )
        .await,
        1,
        "saving nothing new records nothing"
    );

    let long_tag = "x".repeat(41);
    for (extra, status_wanted, needle) in [
        (vec![("email", HENRI)], 409, "Another contact"),
        (vec![("referred_by", id.as_str())], 400, "Referred by"),
        (vec![("owner_id", henri.as_str())], 400, "Owner"),
        (
            vec![("referral_source", "billboard")],
            400,
            "Referral source",
        ),
        (vec![("tags", long_tag.as_str())], 400, "Tags"),
    ] {
        let (status, body) = edit(&app, &staff, &id, "Inês Duarte", &extra).await;
        assert_eq!(status, status_wanted, "{extra:?}: {body}");
        assert!(body.contains(needle), "{needle}: {body}");
    }
    assert_eq!(
        record(&app, &staff, &id).await["email"],
        "ines@duarte.example"
    );
}

async fn the_contact_list_is_paged_searched_filtered_and_sorted_on_the_server(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let before = list(&app, &staff, &[("", "")]).await["total"]
        .as_i64()
        .unwrap();
    let mut ids = Vec::new();
    for n in 0..55 {
        let name = format!("Pagina Tester{n:02}");
        let email = format!("tester{n:02}@paging.example");
        ids.push(add(&app, &staff, &name, &email).await);
    }
    let first = list(&app, &staff, &[("", "")]).await;
    assert_eq!(first["total"].as_i64().unwrap(), before + 55);
    assert_eq!(first["contacts"].as_array().unwrap().len(), 50);
    assert_eq!(first["page"], 1);
    let pages = first["pages"].as_u64().unwrap();
    assert!(pages >= 2, "{pages}");
    let last = list(&app, &staff, &[("page", &pages.to_string())]).await;
    assert_eq!(
        i64::try_from(last["contacts"].as_array().unwrap().len()).unwrap(),
        before + 55 - 50 * (i64::try_from(pages).unwrap() - 1)
    );
    let beyond = list(&app, &staff, &[("page", "999")]).await;
    assert_eq!(beyond["page"], pages, "a page past the end is the last");

    let found = list(&app, &staff, &[("q", "pagina TESTER07")]).await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["contacts"][0]["email"], "tester07@paging.example");
    let by_domain = list(&app, &staff, &[("q", "paging.example")]).await;
    assert_eq!(by_domain["total"], 55, "the email is searched too");
    let literal = list(&app, &staff, &[("q", "tester_%")]).await;
    assert_eq!(literal["total"], 0, "% and _ are taken literally");

    let attorney = app.user_id(DEMO_ATTORNEY).await;
    for (n, id) in ids.iter().enumerate().take(3) {
        let name = format!("Pagina Tester{n:02}");
        let email = format!("tester{n:02}@paging.example");
        let (status, body) = edit(
            &app,
            &staff,
            id,
            &name,
            &[
                ("email", email.as_str()),
                ("tags", "shipping"),
                ("owner_id", attorney.as_str()),
            ],
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let tagged = list(&app, &staff, &[("tag", "SHIPPING")]).await;
    assert_eq!(tagged["total"], 3, "{tagged}");
    assert!(
        tagged["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "shipping")
    );
    assert_eq!(
        tagged["contacts"][0]["tags"],
        serde_json::json!(["shipping"])
    );
    let owned = list(&app, &staff, &[("owner", attorney.as_str())]).await;
    assert_eq!(owned["total"], 3);
    let both = list(
        &app,
        &staff,
        &[
            ("q", "tester01"),
            ("tag", "shipping"),
            ("owner", attorney.as_str()),
        ],
    )
    .await;
    assert_eq!(both["total"], 1);

    let newest = list(&app, &staff, &[("sort", "newest"), ("q", "paging")]).await;
    assert_eq!(newest["contacts"][0]["email"], "tester54@paging.example");
    let oldest = list(&app, &staff, &[("sort", "oldest"), ("q", "paging")]).await;
    assert_eq!(oldest["contacts"][0]["email"], "tester00@paging.example");
    let z_to_a = list(&app, &staff, &[("sort", "name_desc"), ("q", "paging")]).await;
    assert_eq!(z_to_a["contacts"][0]["email"], "tester54@paging.example");
}

async fn open_for(app: &TestApp, client: &reqwest::Client, contact: &str) -> (u16, String) {
    let attorney = app.user_id(DEMO_ATTORNEY).await;
    app.post(
        client,
        "/api/open_matter",
        &[
            ("title", "Archive test"),
            ("practice_area", "Corporate"),
            ("number", ""),
            ("client_id", contact),
            ("responsible_id", attorney.as_str()),
        ],
    )
    .await
}

async fn an_archived_contact_keeps_their_history_leaves_the_list_and_gets_no_new_matter(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = add(&app, &staff, "Olga Archivist", "olga@archive.example").await;
    let form = [("id", id.as_str()), ("archived", "true")];
    let (status, body) = app.post(&staff, "/api/set_contact_archived", &form).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.post(&staff, "/api/set_contact_archived", &form).await;
    assert_eq!(status, 409, "archived already");
    let listed = list(&app, &staff, &[("q", "archivist")]).await;
    assert_eq!(listed["total"], 0);
    let archived = list(&app, &staff, &[("q", "archivist"), ("archived", "true")]).await;
    assert_eq!(archived["total"], 1);
    let kept = record(&app, &staff, &id).await;
    assert!(kept["archived_at"].is_i64(), "{kept}");
    assert_eq!(
        app.count(
            "select count(*) from touchpoints where contact_id = $1",
            &[&id]
        )
        .await,
        2,
        "created and archived, both on the timeline"
    );
    let (status, body) = open_for(&app, &staff, &id).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("archived"), "{body}");

    let form = [("id", id.as_str()), ("archived", "false")];
    let (status, body) = app.post(&staff, "/api/set_contact_archived", &form).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = open_for(&app, &staff, &id).await;
    assert_eq!(status, 200, "restored, they can be a client again: {body}");
}

async fn relate(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    kind: &str,
    related: &str,
) -> (u16, String) {
    app.post(
        client,
        "/api/add_relationship",
        &[("id", id), ("related_id", related), ("kind", kind)],
    )
    .await
}

async fn relationships_read_from_both_sides_and_are_removed_from_either(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let ana = add(&app, &staff, "Ana Moreau", "ana@moreau.example").await;
    let henri = app.contact_id(HENRI).await;
    let (status, body) = relate(&app, &staff, &ana, "spouse", &henri).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = relate(&app, &staff, &ana, "spouse", &henri).await;
    assert_eq!(status, 409, "recorded already");
    let (status, _) = relate(&app, &staff, &ana, "spouse", &ana).await;
    assert_eq!(status, 400, "not with themselves");
    let (status, _) = relate(&app, &staff, &ana, "nemesis", &henri).await;
    assert_eq!(status, 400, "only the firm's kinds");

    let from_ana = record(&app, &staff, &ana).await;
    let from_henri = record(&app, &staff, &henri).await;
    for view in [&from_ana, &from_henri] {
        let rels = view["relationships"].as_array().unwrap();
        assert_eq!(rels.len(), 1, "{view}");
        assert!(
            rels[0]["sentence"]
                .as_str()
                .unwrap()
                .starts_with("Ana Moreau is spouse of Henri"),
            "{view}"
        );
    }
    assert_eq!(from_henri["relationships"][0]["other_id"], ana);
    let rel_id = from_henri["relationships"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger = add(&app, &staff, "Nobody Related", "nobody@related.example").await;
    let (status, _) = app
        .post(
            &staff,
            "/api/remove_relationship",
            &[
                ("id", stranger.as_str()),
                ("relationship_id", rel_id.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 404, "only from one of its two contacts");
    let (status, body) = app
        .post(
            &staff,
            "/api/remove_relationship",
            &[("id", henri.as_str()), ("relationship_id", rel_id.as_str())],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        record(&app, &staff, &ana).await["relationships"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action in ('contact.related', 'contact.unrelated')",
            &[]
        )
        .await,
        2
    );
}

async fn clients_find_no_contact_record_and_change_nothing(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let henri = app.contact_id(HENRI).await;
    let before = app
        .count(
            "select count(*) from audit_log where action like 'contact.%'",
            &[],
        )
        .await;
    for (path, form) in [
        ("/api/list_contacts", vec![("q", "moreau")]),
        ("/api/get_contact_record", vec![("id", henri.as_str())]),
        (
            "/api/update_contact",
            vec![("id", henri.as_str()), ("contact[name]", "Hacked Name")],
        ),
        (
            "/api/update_contact",
            vec![("id", henri.as_str()), ("contact[name]", "")],
        ),
        (
            "/api/set_contact_archived",
            vec![("id", henri.as_str()), ("archived", "true")],
        ),
        (
            "/api/add_relationship",
            vec![
                ("id", henri.as_str()),
                ("related_id", henri.as_str()),
                ("kind", "spouse"),
            ],
        ),
    ] {
        let (status, body) = app.post(&alice, path, &form).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("moreau.example"), "{path}: {body}");
    }
    assert_eq!(
        app.count(
            "select count(*) from contacts where id = $1 and family_name = 'Moreau'
             and archived_at is null",
            &[&henri]
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action like 'contact.%'",
            &[]
        )
        .await,
        before
    );
}

on_both_backends!(
    staff_edit_a_contacts_details_owner_referral_tags_and_notes_each_change_audited,
    the_contact_list_is_paged_searched_filtered_and_sorted_on_the_server,
    an_archived_contact_keeps_their_history_leaves_the_list_and_gets_no_new_matter,
    relationships_read_from_both_sides_and_are_removed_from_either,
    clients_find_no_contact_record_and_change_nothing,
);
