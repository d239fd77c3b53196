//! New versions of a document: who may replace which, and what a
//! replacement may not change.

use super::*;

async fn a_new_version_keeps_the_old_one_downloadable(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let first = upload_ok(
        &app,
        &alice,
        ALICES_MATTER,
        "draft.txt",
        b"version one".to_vec(),
    )
    .await;
    let id = first["document_id"].as_str().unwrap().to_owned();
    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "draft-2.txt",
        "client",
        &[("replaces", id.as_str())],
        b"version two".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 201);
    let second: Value = response.json().await.unwrap();
    assert_eq!(
        (second["document_id"].as_str(), second["version"].as_i64()),
        (Some(id.as_str()), Some(2))
    );
    let (_, _, current) = download(&app, &alice, &format!("/api/documents/{id}/download")).await;
    assert_eq!(current.unwrap(), b"version two");
    let (_, _, old) = download(
        &app,
        &alice,
        &format!("/api/documents/{id}/versions/1/download"),
    )
    .await;
    assert_eq!(old.unwrap(), b"version one");
    let matter = app.matter_id(ALICES_MATTER).await;
    let (_, listed) = app
        .post(
            &alice,
            "/api/list_documents",
            &[("matter_id", matter.as_str())],
        )
        .await;
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let doc = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id.as_str())
        .unwrap();
    let names: Vec<&str> = doc["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["draft-2.txt", "draft.txt"]);
}

async fn a_client_cannot_replace_the_firms_letter(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let letter = firm_document(&app, ALICES_MATTER, "client").await;
    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "letter.txt",
        "client",
        &[("replaces", letter.as_str())],
        b"forged".to_vec(),
    )
    .await;
    let foreign = (response.status(), response.text().await.unwrap());
    let missing_id = app::server::new_id();
    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "letter.txt",
        "client",
        &[("replaces", missing_id.as_str())],
        b"forged".to_vec(),
    )
    .await;
    assert_eq!(foreign.0, 404, "{}", foreign.1);
    assert_eq!(
        foreign,
        (response.status(), response.text().await.unwrap()),
        "answers like a missing document"
    );
    assert_eq!(
        current_version(&app, &letter).await,
        1,
        "the letter is unchanged"
    );
    let denied = app
        .count(
            &format!(
                "select count(*) from audit_log
                 where action = 'access.document' and result = 'denied' and object_id = '{letter}'"
            ),
            &[],
        )
        .await;
    assert_eq!(denied, 1, "the attempt is audited");
    // Her own upload she may version.
    let own = upload_ok(&app, &alice, ALICES_MATTER, "mine.txt", b"one".to_vec()).await;
    let own = own["document_id"].as_str().unwrap().to_owned();
    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "mine.txt",
        "client",
        &[("replaces", own.as_str())],
        b"two".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 201);
}

async fn a_client_cannot_replace_another_clients_document_on_a_shared_matter(app: TestApp) {
    app.seed().await;
    // Bob is given access to Alice's matter too.
    sqlx::query(
        "insert into matter_client_access (matter_id, user_id, granted_at)
         select m.id, u.id, 0 from matters m, users u
         where m.number = $1 and u.email = $2",
    )
    .bind(ALICES_MATTER)
    .bind(DEMO_BOB)
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let bob = app.signed_in_client(DEMO_BOB).await;
    let stored = upload_ok(
        &app,
        &alice,
        ALICES_MATTER,
        "alices.txt",
        b"alice's".to_vec(),
    )
    .await;
    let id = stored["document_id"].as_str().unwrap().to_owned();
    let (_, _, seen) = download(&app, &bob, &format!("/api/documents/{id}/download")).await;
    assert_eq!(seen.unwrap(), b"alice's", "Bob may read it");
    let response = upload(
        &app,
        &bob,
        ALICES_MATTER,
        "alices.txt",
        "client",
        &[("replaces", id.as_str())],
        b"bob's".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(current_version(&app, &id).await, 1);
    let (_, _, current) = download(&app, &alice, &format!("/api/documents/{id}/download")).await;
    assert_eq!(current.unwrap(), b"alice's");
}

async fn a_firm_upload_cannot_change_a_documents_visibility_by_replacing_it(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let letter = firm_document(&app, ALICES_MATTER, "client").await;
    let notes = firm_document(&app, ALICES_MATTER, "internal").await;
    for (id, visibility) in [(&letter, "internal"), (&notes, "client")] {
        let response = upload(
            &app,
            &staff,
            ALICES_MATTER,
            "v2.txt",
            visibility,
            &[("replaces", id.as_str())],
            b"v2".to_vec(),
        )
        .await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("keeps the document's visibility"), "{body}");
        assert_eq!(current_version(&app, id).await, 1);
    }
    let response = upload(
        &app,
        &staff,
        ALICES_MATTER,
        "v2.txt",
        "internal",
        &[("replaces", notes.as_str())],
        b"v2".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 201);
    let (visibility,): (String,) = sqlx::query_as("select visibility from documents where id = $1")
        .bind(notes.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(
        (visibility.as_str(), current_version(&app, &notes).await),
        ("internal", 2)
    );
}

on_both_backends!(
    a_new_version_keeps_the_old_one_downloadable,
    a_client_cannot_replace_the_firms_letter,
    a_client_cannot_replace_another_clients_document_on_a_shared_matter,
    a_firm_upload_cannot_change_a_documents_visibility_by_replacing_it
);
