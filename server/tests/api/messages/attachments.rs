//! Attachments on messages: which documents may be attached, who downloads
//! them, and what sending or retracting does to them.

use super::*;

async fn a_message_carries_attachments_that_every_participant_downloads_as_sent(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let contract = upload_ok(
        &app,
        &alice,
        "LIT-2026-0012",
        "contract.pdf",
        b"%PDF-1.7 signed".to_vec(),
    )
    .await;
    let photo = upload_ok(
        &app,
        &alice,
        "LIT-2026-0012",
        "site photo.png",
        b"\x89PNG photo".to_vec(),
    )
    .await;
    let ids = format!(
        "{} {}",
        contract["document_id"].as_str().unwrap(),
        photo["document_id"].as_str().unwrap()
    );
    let message = send_with(&app, &alice, &thread, "Both files attached.", &ids).await;

    let seen = open(&app, &attorney, &thread).await;
    let last = seen["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["id"], message.as_str());
    let files: Vec<(i64, String, i64)> = last["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["position"].as_i64().unwrap(),
                a["name"].as_str().unwrap().to_owned(),
                a["size"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        files,
        vec![
            (1, "contract.pdf".to_owned(), 15),
            (2, "site photo.png".to_owned(), 10)
        ]
    );
    let page = attorney
        .get(app.url(&format!("/messages/{thread}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/api/messages/{message}/attachments/2")),
        "the thread page links the files"
    );

    let (status, bytes) = fetch(
        &app,
        &attorney,
        &format!("/api/messages/{message}/attachments/1"),
    )
    .await;
    assert_eq!((status, bytes), (200, b"%PDF-1.7 signed".to_vec()));
    // A later version of the document does not change what was sent.
    let replaced = upload(
        &app,
        &alice,
        "LIT-2026-0012",
        "contract.pdf",
        "client",
        &[("replaces", contract["document_id"].as_str().unwrap())],
        b"%PDF-1.7 changed later".to_vec(),
    )
    .await;
    assert_eq!(replaced.status(), 201);
    let (status, bytes) = fetch(
        &app,
        &alice,
        &format!("/api/messages/{message}/attachments/1"),
    )
    .await;
    assert_eq!(
        (status, bytes),
        (200, b"%PDF-1.7 signed".to_vec()),
        "the message keeps the version it was sent with"
    );
    let (status, _) = fetch(
        &app,
        &alice,
        &format!("/api/messages/{message}/attachments/3"),
    )
    .await;
    assert_eq!(status, 404, "no third file");

    assert_eq!(
        app.count(
            "select count(*) from audit_log
             where action = 'message.attachment_downloaded' and object_id = $1",
            &[&message]
        )
        .await,
        2
    );

    // The firm makes the photo internal: clients no longer see it listed
    // or get it; the firm still does.
    let (status, body) = app
        .post(
            &attorney,
            "/api/set_document_visibility",
            &[
                ("document_id", photo["document_id"].as_str().unwrap()),
                ("visibility", "internal"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let seen = open(&app, &alice, &thread).await;
    let mine = seen["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == message.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["attachments"].as_array().unwrap().len(), 1);
    assert!(!seen.to_string().contains("site photo.png"));
    assert_eq!(
        fetch(
            &app,
            &alice,
            &format!("/api/messages/{message}/attachments/2")
        )
        .await
        .0,
        404
    );
    assert_eq!(
        fetch(
            &app,
            &attorney,
            &format!("/api/messages/{message}/attachments/2")
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.count(
            "select count(*) from touchpoints
             where kind = 'portal.message.attachment_downloaded' and summary = $1",
            &["Downloaded a message attachment"]
        )
        .await,
        1,
        "Alice's download is on her timeline; the attorney's is in the audit log only"
    );
}

async fn only_documents_of_the_threads_matter_that_may_be_shared_can_be_attached(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let bob = app.signed_in_client(DEMO_BOB).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    // Someone else's internal document is not shared by attaching it.
    let internal = upload(
        &app,
        &staff,
        "LIT-2026-0012",
        "strategy.txt",
        "internal",
        &[],
        b"internal".to_vec(),
    )
    .await;
    assert_eq!(internal.status(), 201);
    let internal: Value = internal.json().await.unwrap();
    let other_matter = upload_ok(
        &app,
        &alice,
        "COR-2026-0031",
        "shares.txt",
        b"shares".to_vec(),
    )
    .await;
    let bobs = upload_ok(&app, &bob, "LIT-2026-0019", "bob.txt", b"bob".to_vec()).await;
    let before = app
        .count(
            "select count(*) from messages where thread_id = $1",
            &[&thread],
        )
        .await;

    let attempt = |client: reqwest::Client, ids: String| {
        let app = &app;
        let thread = thread.clone();
        async move {
            app.post(
                &client,
                "/api/send_message",
                &[
                    ("thread_id", thread.as_str()),
                    ("body", "see attached"),
                    ("attachments", ids.as_str()),
                ],
            )
            .await
        }
    };
    let (status, body) = attempt(
        attorney.clone(),
        internal["document_id"].as_str().unwrap().to_owned(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("This document is internal"), "{body}");
    let (status, _) = attempt(
        alice.clone(),
        internal["document_id"].as_str().unwrap().to_owned(),
    )
    .await;
    assert_eq!(status, 404, "a client cannot even see an internal document");
    let (status, _) = attempt(
        alice.clone(),
        other_matter["document_id"].as_str().unwrap().to_owned(),
    )
    .await;
    assert_eq!(
        status, 404,
        "a document of another matter is not found here"
    );
    let (status, body) = attempt(
        alice.clone(),
        bobs["document_id"].as_str().unwrap().to_owned(),
    )
    .await;
    assert_eq!(status, 404, "another client's document is not found");
    assert!(!body.contains("bob.txt"));
    let (status, _) = attempt(alice.clone(), app::server::new_id()).await;
    assert_eq!(status, 404);
    let (status, _) = attempt(alice.clone(), "../../etc/passwd".to_owned()).await;
    assert_eq!(status, 404, "a malformed id is not found either");
    let many: Vec<String> = (0..11).map(|_| app::server::new_id()).collect();
    let (status, body) = attempt(alice.clone(), many.join(" ")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("at most 10 files"), "{body}");
    let (status, body) = app
        .post(
            &alice,
            "/api/send_message",
            &[
                ("thread_id", thread.as_str()),
                ("body", " "),
                ("attachments", ""),
            ],
        )
        .await;
    assert_eq!(status, 400, "a message needs text or a file: {body}");

    assert_eq!(
        app.count(
            "select count(*) from messages where thread_id = $1",
            &[&thread]
        )
        .await,
        before,
        "nothing was sent"
    );
    assert!(
        app.count(
            "select count(*) from audit_log where action = 'access.document' and result = $1",
            &["denied"]
        )
        .await
            >= 3,
        "refusals are audited"
    );
    let files_only = upload_ok(&app, &alice, "LIT-2026-0012", "scan.pdf", b"scan".to_vec()).await;
    send_with(
        &app,
        &alice,
        &thread,
        "",
        files_only["document_id"].as_str().unwrap(),
    )
    .await;
}

async fn a_firm_users_fresh_internal_upload_is_shared_by_sending_it_and_nothing_else_is(
    app: TestApp,
) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    // What the attorney's composer does: upload as internal.
    let draft = upload(
        &app,
        &attorney,
        "LIT-2026-0012",
        "draft deed.pdf",
        "internal",
        &[],
        b"draft deed".to_vec(),
    )
    .await;
    assert_eq!(draft.status(), 201);
    let draft: Value = draft.json().await.unwrap();
    let document = draft["document_id"].as_str().unwrap().to_owned();
    let direct = format!("/api/documents/{document}/download");
    assert_eq!(
        fetch(&app, &alice, &direct).await.0,
        404,
        "not shared before the message is sent"
    );

    let message = send_with(
        &app,
        &attorney,
        &thread,
        "The draft deed for your review.",
        &document,
    )
    .await;
    assert_eq!(
        fetch(&app, &alice, &direct).await,
        (200, b"draft deed".to_vec()),
        "sending shared it"
    );
    assert_eq!(
        fetch(
            &app,
            &alice,
            &format!("/api/messages/{message}/attachments/1")
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log
             where action = 'document.visibility_changed' and object_id = $1",
            &[&document]
        )
        .await,
        1
    );

    // Retracting hides the message and its files from the conversation;
    // the document stays with the matter, where the firm decides.
    let (status, _) = app
        .post(
            &attorney,
            "/api/retract_message",
            &[("id", message.as_str())],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        fetch(
            &app,
            &alice,
            &format!("/api/messages/{message}/attachments/1")
        )
        .await
        .0,
        404
    );
    assert_eq!(
        fetch(&app, &alice, &direct).await.0,
        200,
        "nothing silently changes in the documents"
    );

    // A document with history is not shared by attaching it, even by
    // the firm user who created it: its other versions may not be theirs.
    let memo = upload(
        &app,
        &attorney,
        "LIT-2026-0012",
        "memo.txt",
        "internal",
        &[],
        b"v1".to_vec(),
    )
    .await;
    let memo: Value = memo.json().await.unwrap();
    let memo = memo["document_id"].as_str().unwrap().to_owned();
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let v2 = upload(
        &app,
        &staff,
        "LIT-2026-0012",
        "memo.txt",
        "internal",
        &[("replaces", memo.as_str())],
        b"staff notes".to_vec(),
    )
    .await;
    assert_eq!(v2.status(), 201);
    let (status, body) = app
        .post(
            &attorney,
            "/api/send_message",
            &[
                ("thread_id", thread.as_str()),
                ("body", "memo"),
                ("attachments", memo.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        fetch(&app, &alice, &format!("/api/documents/{memo}/download"))
            .await
            .0,
        404,
        "still internal"
    );
}

async fn a_retracted_message_no_longer_offers_its_attachments(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let doc = upload_ok(
        &app,
        &alice,
        "LIT-2026-0012",
        "wrong.pdf",
        b"wrong file".to_vec(),
    )
    .await;
    let message = send_with(
        &app,
        &alice,
        &thread,
        "Oops",
        doc["document_id"].as_str().unwrap(),
    )
    .await;
    let path = format!("/api/messages/{message}/attachments/1");
    assert_eq!(fetch(&app, &attorney, &path).await.0, 200);
    let (status, _) = app
        .post(&alice, "/api/retract_message", &[("id", message.as_str())])
        .await;
    assert_eq!(status, 200);

    assert_eq!(fetch(&app, &attorney, &path).await.0, 404);
    let seen = open(&app, &attorney, &thread).await;
    let last = seen["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["attachments"], serde_json::json!([]));
    assert!(!seen.to_string().contains("wrong.pdf"));
}

on_both_backends!(
    a_message_carries_attachments_that_every_participant_downloads_as_sent,
    only_documents_of_the_threads_matter_that_may_be_shared_can_be_attached,
    a_firm_users_fresh_internal_upload_is_shared_by_sending_it_and_nothing_else_is,
    a_retracted_message_no_longer_offers_its_attachments
);
