//! An account's record (issue 11, point 3): edited in place with an
//! owner, a referral source, tags and sealed notes; its people with their
//! roles, and further contacts linked with a role; only the matters the
//! viewer may see; archived, never deleted; and listed a page at a time,
//! searched, filtered and sorted on the server.

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TestApp},
    on_both_backends,
};

/// Adds an account as `client`; answers its id.
async fn add(app: &TestApp, client: &reqwest::Client, name: &str) -> String {
    let (status, body) = app
        .post(
            client,
            "/api/create_account",
            &[("name", name), ("kind", "organisation")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// The id of the demo account named `name`.
async fn account_id(app: &TestApp, name: &str) -> String {
    sqlx::query_scalar("select id from accounts where name = $1")
        .bind(name.to_owned())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

/// Saves the edit form of `id` with `fields` (name and kind given).
async fn edit(
    app: &TestApp,
    client: &reqwest::Client,
    id: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut form = vec![("id".to_owned(), id.to_owned())];
    for (key, value) in fields {
        form.push((format!("account[{key}]"), (*value).to_owned()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(client, "/api/update_account", &form).await
}

async fn record(app: &TestApp, client: &reqwest::Client, id: &str) -> serde_json::Value {
    let (status, body) = app
        .post(client, "/api/get_account_record", &[("id", id)])
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn list(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> serde_json::Value {
    let (status, body) = app.post(client, "/api/list_accounts", form).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Links `contact` to `account` with `role`, as `client`.
async fn link(
    app: &TestApp,
    client: &reqwest::Client,
    account: &str,
    contact: &str,
    role: &str,
) -> (u16, String) {
    let form = [("id", account), ("contact_id", contact), ("role", role)];
    app.post(client, "/api/link_contact_to_account", &form)
        .await
}

fn names(listed: &serde_json::Value) -> Vec<String> {
    listed["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn staff_edit_an_accounts_details_owner_referral_tags_and_notes_each_change_audited(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = add(&app, &staff, "Quayside Shipping Ltd").await;
    assert_eq!(
        record(&app, &staff, &id).await["owner"][0],
        app.user_id(DEMO_STAFF).await,
        "whoever adds an account owns it"
    );
    let attorney = app.user_id(DEMO_ATTORNEY).await;
    let notes = "Board meets in March; the CFO signs off on fees.";
    let fields = [
        ("name", "Quayside Shipping Limited"),
        ("kind", "organisation"),
        ("industry", "Freight"),
        ("owner_id", attorney.as_str()),
        ("referral_source", "event"),
        ("tags", "Shipping, VIP, vip"),
        ("notes", notes),
    ];
    let (status, body) = edit(&app, &staff, &id, &fields).await;
    assert_eq!(status, 200, "{body}");
    let saved = record(&app, &staff, &id).await;
    assert_eq!(saved["name"], "Quayside Shipping Limited");
    assert_eq!(saved["industry"], "Freight");
    assert_eq!(saved["owner"][0], attorney);
    assert_eq!(saved["referral_source"], "event");
    assert_eq!(saved["tags"], serde_json::json!(["shipping", "vip"]));
    assert_eq!(saved["notes"], notes);
    let sealed: Vec<u8> = sqlx::query_scalar("select notes_sealed from accounts where id = $1")
        .bind(id.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(
        !sealed.windows(4).any(|w| w == b"CFO "),
        "the notes are sealed at rest"
    );
    let audited = app
        .count(
            "select count(*) from audit_log where action = 'account.updated' and object_id = $1
             and detail like '%owner%' and detail like '%tags%' and detail like '%notes%'
             and detail not like '%CFO%'",
            &[&id],
        )
        .await;
    assert_eq!(audited, 1, "audited by field, never by content");

    let (status, _) = edit(&app, &staff, &id, &fields).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action = 'account.updated' and object_id = $1",
            &[&id]
        )
        .await,
        1,
        "saving nothing new records nothing"
    );

    let henri = app.contact_id("henri@moreau.example").await;
    for (field, value, wanted, needle) in [
        ("name", "", 400, "Name"),
        ("kind", "club", 400, "Kind"),
        ("referral_source", "billboard", 400, "Referral source"),
        ("owner_id", henri.as_str(), 400, "Owner"),
    ] {
        let mut bad = fields.to_vec();
        bad.retain(|(k, _)| *k != field);
        bad.push((field, value));
        let (status, body) = edit(&app, &staff, &id, &bad).await;
        assert_eq!(status, wanted, "{field}: {body}");
        assert!(body.contains(needle), "{needle}: {body}");
    }
    assert_eq!(
        record(&app, &staff, &id).await["name"],
        "Quayside Shipping Limited"
    );
}

async fn the_account_list_is_paged_searched_filtered_and_sorted_on_the_server(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let demo = list(&app, &staff, &[("", "")]).await["total"]
        .as_i64()
        .unwrap();
    for n in 0..55 {
        add(&app, &staff, &format!("Zephyr Trading {n:02}")).await;
    }
    let first = list(&app, &staff, &[("q", "zephyr")]).await;
    assert_eq!(first["total"], 55);
    assert_eq!(
        (first["page"].as_u64(), first["pages"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(names(&first).len(), 50);
    assert_eq!(names(&first)[0], "Zephyr Trading 00");
    let second = list(&app, &staff, &[("q", "zephyr"), ("page", "2")]).await;
    assert_eq!(names(&second).len(), 5);
    let desc = list(&app, &staff, &[("q", "zephyr"), ("sort", "name_desc")]).await;
    assert_eq!(names(&desc)[0], "Zephyr Trading 54");
    let everyone = list(&app, &staff, &[("", "")]).await;
    assert_eq!(everyone["total"].as_i64().unwrap(), demo + 55);

    let tagged = add(&app, &staff, "Harbourside Charters").await;
    let attorney = app.user_id(DEMO_ATTORNEY).await;
    let (status, body) = edit(
        &app,
        &staff,
        &tagged,
        &[
            ("name", "Harbourside Charters"),
            ("kind", "organisation"),
            ("owner_id", attorney.as_str()),
            ("tags", "marine"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let by_tag = list(&app, &staff, &[("tag", "marine")]).await;
    assert_eq!(names(&by_tag), ["Harbourside Charters"]);
    assert_eq!(by_tag["accounts"][0]["tags"], serde_json::json!(["marine"]));
    assert!(
        by_tag["tags"]
            .as_array()
            .unwrap()
            .contains(&"marine".into())
    );
    let by_owner = list(&app, &staff, &[("owner", attorney.as_str())]).await;
    assert_eq!(names(&by_owner), ["Harbourside Charters"]);
}

async fn people_are_listed_with_their_roles_and_further_links_read_from_both_records(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let moreau = account_id(&app, "Moreau Bakery Ltd").await;
    let nakamura = account_id(&app, "Nakamura Holdings").await;
    let alice = app.contact_id(DEMO_ALICE).await;
    let before = record(&app, &staff, &moreau).await;
    let people = before["people"].as_array().unwrap();
    assert!(
        people.iter().any(|p| p["contact_id"] == alice
            && p["role"] == "Managing Director"
            && p["primary"] == true),
        "{people:?}"
    );

    let (status, body) = link(&app, &staff, &nakamura, &alice, "Non-executive director").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = link(&app, &staff, &nakamura, &alice, "Director").await;
    assert_eq!(status, 409, "linked once: {body}");
    let (status, body) = link(&app, &staff, &moreau, &alice, "Director").await;
    assert_eq!(status, 409, "her own account needs no link: {body}");
    let (status, body) = link(&app, &staff, &nakamura, &alice, " ").await;
    assert_eq!(status, 400, "a link has a role: {body}");

    let linked = record(&app, &staff, &nakamura).await;
    assert!(
        linked["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["contact_id"] == alice
                && p["role"] == "Non-executive director"
                && p["primary"] == false),
        "{linked}"
    );
    let (status, body) = app
        .post(&staff, "/api/get_contact_record", &[("id", alice.as_str())])
        .await;
    assert_eq!(status, 200);
    let contact: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        contact["account_links"],
        serde_json::json!([[nakamura, "Nakamura Holdings", "Non-executive director"]])
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action = 'account.contact_linked'
             and object_id = $1",
            &[&nakamura]
        )
        .await,
        1
    );

    let unlink = [("id", nakamura.as_str()), ("contact_id", alice.as_str())];
    let (status, _) = app
        .post(&staff, "/api/unlink_contact_from_account", &unlink)
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(&staff, "/api/unlink_contact_from_account", &unlink)
        .await;
    assert_eq!(status, 404, "nothing left to unlink");
    let after = record(&app, &staff, &nakamura).await;
    assert!(
        !after["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["contact_id"] == alice),
        "{after}"
    );
}

async fn an_account_record_lists_only_the_matters_the_viewer_may_see(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let moreau = account_id(&app, "Moreau Bakery Ltd").await;
    let numbers = |record: &serde_json::Value| -> Vec<String> {
        record["matters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m[1].as_str().unwrap().split(' ').next().unwrap().to_owned())
            .collect()
    };
    let open = record(&app, &admin, &moreau).await;
    assert!(
        numbers(&open).contains(&"LIT-2026-0012".to_owned()),
        "{open}"
    );
    assert!(
        numbers(&open).contains(&"COR-2026-0031".to_owned()),
        "{open}"
    );
    app.wall_off(DEMO_ADMIN, "LIT-2026-0012").await;
    let walled = record(&app, &admin, &moreau).await;
    assert!(
        !numbers(&walled).contains(&"LIT-2026-0012".to_owned()),
        "{walled}"
    );
    assert!(
        numbers(&walled).contains(&"COR-2026-0031".to_owned()),
        "{walled}"
    );
    assert!(
        !walled.to_string().contains("Harbour lease dispute"),
        "no trace of the walled matter"
    );
}

async fn an_archived_account_leaves_the_list_and_takes_no_new_contacts(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = add(&app, &staff, "Old Mill Partners").await;
    let form = [("id", id.as_str()), ("archived", "true")];
    let (status, body) = app.post(&staff, "/api/set_account_archived", &form).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.post(&staff, "/api/set_account_archived", &form).await;
    assert_eq!(status, 409, "{body}");
    assert!(record(&app, &staff, &id).await["archived_at"].is_i64());
    assert!(
        !names(&list(&app, &staff, &[("q", "old mill")]).await)
            .contains(&"Old Mill Partners".to_owned())
    );
    let archived = list(&app, &staff, &[("q", "old mill"), ("archived", "true")]).await;
    assert_eq!(names(&archived), ["Old Mill Partners"]);
    let (_, choices) = app
        .post(&staff, "/api/list_account_choices", &[("", "")])
        .await;
    assert!(!choices.contains("Old Mill Partners"), "{choices}");
    let (status, body) = app
        .post(
            &staff,
            "/api/create_contact",
            &[
                ("name", "Nora Mill"),
                ("email", "nora@oldmill.example"),
                ("phone", ""),
                ("address", ""),
                ("account_id", id.as_str()),
                ("role", "Partner"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("archived"), "{body}");
    let henri = app.contact_id("henri@moreau.example").await;
    let (status, body) = link(&app, &staff, &id, &henri, "Adviser").await;
    assert_eq!(
        status, 409,
        "nobody is linked to an archived account: {body}"
    );
    let (status, body) = app
        .post(
            &staff,
            "/api/update_contact",
            &[
                ("id", henri.as_str()),
                ("contact[name]", "Henri Moreau"),
                ("contact[email]", "henri@moreau.example"),
                ("contact[account_id]", id.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 400, "nor moved to one: {body}");

    let restore = [("id", id.as_str()), ("archived", "false")];
    let (status, _) = app
        .post(&staff, "/api/set_account_archived", &restore)
        .await;
    assert_eq!(status, 200);
    assert!(
        names(&list(&app, &staff, &[("q", "old mill")]).await)
            .contains(&"Old Mill Partners".to_owned())
    );
    for action in ["account.archived", "account.restored"] {
        assert_eq!(
            app.count(
                "select count(*) from audit_log where action = $1 and object_id = $2",
                &[action, &id]
            )
            .await,
            1,
            "{action}"
        );
    }
}

async fn clients_find_no_account_and_change_nothing(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let moreau = account_id(&app, "Moreau Bakery Ltd").await;
    let henri = app.contact_id("henri@moreau.example").await;
    let before = app
        .count(
            "select count(*) from audit_log where action like 'account.%'",
            &[],
        )
        .await;
    for (path, form) in [
        ("/api/list_accounts", vec![("q", "moreau")]),
        ("/api/list_account_choices", vec![("", "")]),
        ("/api/get_account_record", vec![("id", moreau.as_str())]),
        (
            "/api/update_account",
            vec![
                ("id", moreau.as_str()),
                ("account[name]", "Hacked"),
                ("account[kind]", "organisation"),
            ],
        ),
        // A bad form tells a client nothing either, not which field.
        (
            "/api/update_account",
            vec![("id", moreau.as_str()), ("account[name]", "")],
        ),
        (
            "/api/link_contact_to_account",
            vec![
                ("id", moreau.as_str()),
                ("contact_id", henri.as_str()),
                ("role", ""),
            ],
        ),
        (
            "/api/set_account_archived",
            vec![("id", moreau.as_str()), ("archived", "true")],
        ),
        (
            "/api/link_contact_to_account",
            vec![
                ("id", moreau.as_str()),
                ("contact_id", henri.as_str()),
                ("role", "x"),
            ],
        ),
        (
            "/api/unlink_contact_from_account",
            vec![("id", moreau.as_str()), ("contact_id", henri.as_str())],
        ),
    ] {
        let (status, body) = app.post(&alice, path, &form).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("Bakery"), "{path}: {body}");
    }
    assert_eq!(
        app.count(
            "select count(*) from accounts where id = $1 and name = 'Moreau Bakery Ltd'
             and archived_at is null",
            &[&moreau]
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action like 'account.%'",
            &[]
        )
        .await,
        before
    );
}

async fn a_disabled_owner_is_kept_on_save_but_never_given_anew(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = add(&app, &staff, "Kestrel Freight").await;
    let attorney = app.user_id(DEMO_ATTORNEY).await;
    let owned = [
        ("name", "Kestrel Freight"),
        ("kind", "organisation"),
        ("owner_id", attorney.as_str()),
    ];
    let (status, body) = edit(&app, &staff, &id, &owned).await;
    assert_eq!(status, 200, "{body}");
    sqlx::query("update users set disabled = 1 where id = $1")
        .bind(attorney.clone())
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let shown = record(&app, &staff, &id).await;
    assert!(
        shown["owners"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o[0] == attorney),
        "the form still offers the current owner: {shown}"
    );
    let renamed = [
        ("name", "Kestrel Freight Ltd"),
        ("kind", "organisation"),
        ("owner_id", attorney.as_str()),
    ];
    let (status, body) = edit(&app, &staff, &id, &renamed).await;
    assert_eq!(status, 200, "keeping a disabled owner is no change: {body}");
    assert_eq!(record(&app, &staff, &id).await["owner"][0], attorney);

    let other = add(&app, &staff, "Osprey Marine").await;
    let given = [
        ("name", "Osprey Marine"),
        ("kind", "organisation"),
        ("owner_id", attorney.as_str()),
    ];
    let (status, body) = edit(&app, &staff, &other, &given).await;
    assert_eq!(
        status, 400,
        "a disabled colleague is given nothing new: {body}"
    );
    assert!(body.contains("Owner"), "{body}");
}

async fn a_contact_moved_to_an_account_they_were_linked_to_is_listed_once(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let nakamura = account_id(&app, "Nakamura Holdings").await;
    let henri = app.contact_id("henri@moreau.example").await;
    let (status, body) = link(&app, &staff, &nakamura, &henri, "Adviser").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            &staff,
            "/api/update_contact",
            &[
                ("id", henri.as_str()),
                ("contact[name]", "Henri Moreau"),
                ("contact[email]", "henri@moreau.example"),
                ("contact[account_id]", nakamura.as_str()),
                ("contact[role]", "Director"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let people = record(&app, &staff, &nakamura).await["people"].clone();
    let henris: Vec<&serde_json::Value> = people
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["contact_id"] == henri)
        .collect();
    assert_eq!(henris.len(), 1, "{people}");
    assert_eq!(henris[0]["primary"], true);
    assert_eq!(henris[0]["role"], "Director");
}

on_both_backends!(
    a_disabled_owner_is_kept_on_save_but_never_given_anew,
    a_contact_moved_to_an_account_they_were_linked_to_is_listed_once,
    staff_edit_an_accounts_details_owner_referral_tags_and_notes_each_change_audited,
    the_account_list_is_paged_searched_filtered_and_sorted_on_the_server,
    people_are_listed_with_their_roles_and_further_links_read_from_both_records,
    an_account_record_lists_only_the_matters_the_viewer_may_see,
    an_archived_account_leaves_the_list_and_takes_no_new_contacts,
    clients_find_no_account_and_change_nothing,
);
