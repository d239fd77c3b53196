//! Contacts as CSV (issue 11, point 10): the filtered list exported, files
//! previewed without writing, written in one audited transaction once
//! confirmed, a round trip that changes nothing, and a clear 400 for each
//! bad file.

use crate::{
    helpers::{DEMO_ALICE, DEMO_STAFF, TestApp},
    on_both_backends,
};

async fn export(app: &TestApp, client: &reqwest::Client, query: &str) -> (u16, String) {
    let response = client
        .get(app.url(&format!("/api/crm/contacts.csv{query}")))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn import(
    app: &TestApp,
    client: &reqwest::Client,
    query: &str,
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let response = client
        .post(app.url(&format!("/api/crm/contacts/import{query}")))
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

async fn contacts(app: &TestApp) -> i64 {
    app.count("select count(*) from contacts", &[]).await
}

async fn an_export_imported_again_changes_nothing(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, csv) = export(&app, &staff, "").await;
    assert_eq!(status, 200, "{csv}");
    assert!(csv.starts_with("name,email,phone,address,account,role,owner,referral_source,tags"));
    assert!(csv.contains("henri@moreau.example"), "{csv}");
    let lines = i64::try_from(csv.lines().count()).unwrap();
    assert_eq!(
        lines - 1,
        contacts(&app).await,
        "every contact, one line each"
    );

    let (status, preview) = import(&app, &staff, "?step=preview", csv.clone().into_bytes()).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["errors"], 0, "{preview}");
    assert_eq!(preview["new"], 0, "{preview}");
    assert_eq!(preview["updated"], 0, "{preview}");
    assert_eq!(preview["unchanged"].as_i64().unwrap(), lines - 1);

    let filtered = export(&app, &staff, "?q=moreau").await.1;
    assert!(filtered.lines().count() >= 2 && filtered.lines().count() < csv.lines().count());
    assert!(
        filtered
            .lines()
            .skip(1)
            .all(|l| l.to_lowercase().contains("moreau")),
        "the current filter: {filtered}"
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action = 'contacts.exported'",
            &[]
        )
        .await,
        2
    );
}

async fn a_preview_writes_nothing_and_the_confirmed_import_is_one_audited_transaction(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let before = contacts(&app).await;
    let file = "name,email,phone,tags\n\
                Marta Cruz,marta@quayside.example,+44 1,\"shipping, vip\"\n\
                Henri Moreau,HENRI@moreau.example,+33 1 00 00 00 00,\n\
                Broken Row,not-an-email,,\n\
                Marta Again,marta@quayside.example,,\n";
    let (status, preview) = import(&app, &staff, "?step=preview", file.into()).await;
    assert_eq!(status, 200, "{preview}");
    let actions: Vec<String> = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].to_string())
        .collect();
    assert_eq!(actions[0], "\"New\"");
    assert!(
        actions[1].contains("Update") && actions[1].contains("phone"),
        "{actions:?}"
    );
    assert!(actions[2].contains("Error"), "{actions:?}");
    assert!(
        actions[3].contains("line 2"),
        "a repeated email names its line: {actions:?}"
    );
    assert_eq!(contacts(&app).await, before, "a preview writes nothing");
    let digest = preview["digest"].as_str().unwrap().to_owned();
    let (status, body) = import(
        &app,
        &staff,
        &format!("?step=confirm&digest={digest}"),
        file.into(),
    )
    .await;
    assert_eq!(status, 400, "rows with errors are not written: {body}");

    let fixed = "name,email,phone,tags\n\
                 Marta Cruz,marta@quayside.example,+44 1,\"shipping, vip\"\n\
                 Henri Moreau,HENRI@moreau.example,+33 1 00 00 00 00,\n";
    let (_, preview) = import(&app, &staff, "?step=preview", fixed.into()).await;
    let digest = preview["digest"].as_str().unwrap().to_owned();
    let (status, body) = import(&app, &staff, "?step=confirm&digest=0000", fixed.into()).await;
    assert_eq!(status, 409, "only what was previewed is written: {body}");
    let (status, done) = import(
        &app,
        &staff,
        &format!("?step=confirm&digest={digest}"),
        fixed.into(),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["created"].as_i64(), done["updated"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(contacts(&app).await, before + 1);
    assert_eq!(
        app.count(
            "select count(*) from contacts c join contact_tags t on t.contact_id = c.id
             where c.email = 'marta@quayside.example' and t.tag in ('shipping', 'vip')",
            &[]
        )
        .await,
        2
    );
    assert_eq!(
        app.count(
            "select count(*) from contacts where email = 'henri@moreau.example'
             and phone = '+33 1 00 00 00 00'",
            &[]
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action = 'contacts.imported'
             and detail = '1 new, 1 updated'",
            &[]
        )
        .await,
        1
    );
    let (status, _) = import(
        &app,
        &staff,
        &format!("?step=confirm&digest={digest}"),
        fixed.into(),
    )
    .await;
    assert_eq!(
        status, 409,
        "the same confirmation twice plans differently the second time"
    );
    assert_eq!(contacts(&app).await, before + 1);
}

async fn each_bad_file_gets_a_clear_400_and_changes_nothing(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let before = contacts(&app).await;
    let mut fifty_thousand = b"name,email\n".to_vec();
    for i in 0..50_000 {
        fifty_thousand.extend_from_slice(format!("P{i},p{i}@x.example\n").as_bytes());
    }
    for (body, needle) in [
        (
            b"name,email\n\xE9ric Dupont,eric@x.example\n".to_vec(),
            "UTF-8",
        ),
        (b"Henri Moreau,henri@moreau.example\n".to_vec(), "column"),
        (b"name,phone\nHenri,1\n".to_vec(), "email"),
        (vec![b'a'; 3 * 1024 * 1024], "larger than 2 MiB"),
        (fifty_thousand, "more than 5000 rows"),
        (Vec::new(), "empty"),
    ] {
        let (status, body) = import(&app, &staff, "?step=preview", body).await;
        assert_eq!(status, 400, "{needle}: {body}");
        assert!(body.to_string().contains(needle), "{needle}: {body}");
    }
    assert_eq!(contacts(&app).await, before);
}

async fn clients_can_neither_export_nor_import(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, body) = export(&app, &alice, "").await;
    assert_eq!(status, 404);
    assert!(!body.contains("moreau.example"), "{body}");
    let (status, _) = import(
        &app,
        &alice,
        "?step=preview",
        b"name,email\nX Y,x@y.example\n".to_vec(),
    )
    .await;
    assert_eq!(status, 404);
    let anonymous = reqwest::Client::new();
    let (status, _) = export(&app, &anonymous, "").await;
    assert_eq!(status, 401);
}

async fn formulas_stay_text_in_the_export_and_an_ambiguous_account_is_a_row_error(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, body) = app
        .post(
            &staff,
            "/api/create_contact",
            &[
                ("name", "=HYPERLINK(\"http://x\") Cell"),
                ("email", "formula@cells.example"),
                ("phone", "+44 20 0000 0000"),
                ("address", ""),
                ("account_id", ""),
                ("role", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, csv) = export(&app, &staff, "?q=cells.example").await;
    let line = csv.lines().nth(1).unwrap();
    assert!(
        line.starts_with("\"'=HYPERLINK"),
        "opening it runs nothing: {line}"
    );
    assert!(line.contains("'+44 20"), "{line}");
    let (_, preview) = import(&app, &staff, "?step=preview", csv.into_bytes()).await;
    assert_eq!(
        preview["unchanged"], 1,
        "and it reads back the same: {preview}"
    );

    for _ in 0..2 {
        let (status, body) = app
            .post(
                &staff,
                "/api/create_account",
                &[("name", "Smith household"), ("kind", "household")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let file = "name,email,account\nJo Smith,jo@smith.example,Smith household\n";
    let (_, preview) = import(&app, &staff, "?step=preview", file.into()).await;
    let action = preview["rows"][0]["action"].to_string();
    assert!(action.contains("Several accounts"), "{action}");
}

on_both_backends!(
    formulas_stay_text_in_the_export_and_an_ambiguous_account_is_a_row_error,
    an_export_imported_again_changes_nothing,
    a_preview_writes_nothing_and_the_confirmed_import_is_one_audited_transaction,
    each_bad_file_gets_a_clear_400_and_changes_nothing,
    clients_can_neither_export_nor_import,
);
