//! Document requests: fulfilled by an upload, rejected with a reason,
//! accepted, overdue.

use super::*;

async fn an_accepted_document_request_stays_closed(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let matter = app.matter_id(ALICES_MATTER).await;
    let (status, id) = app
        .post(
            &staff,
            "/api/create_document_request",
            &[
                ("matter_id", matter.as_str()),
                ("title", "Signed lease"),
                ("note", ""),
                ("due_date", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{id}");
    let request: String = serde_json::from_str(&id).unwrap();
    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "lease.pdf",
        "client",
        &[("request", request.as_str())],
        b"the lease".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 201);
    let (status, _) = app
        .post(
            &staff,
            "/api/review_document_request",
            &[
                ("request_id", request.as_str()),
                ("accept", "true"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let before: (String, String, Option<String>) = sqlx::query_as(
        "select status, fulfilled_by_version, review_status from document_requests where id = $1",
    )
    .bind(request.clone())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    let documents = app.count("select count(*) from documents", &[]).await;
    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "other.pdf",
        "client",
        &[("request", request.as_str())],
        b"something else".to_vec(),
    )
    .await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("accepted"), "{body}");
    let after: (String, String, Option<String>) = sqlx::query_as(
        "select status, fulfilled_by_version, review_status from document_requests where id = $1",
    )
    .bind(request.clone())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(after, before, "the request is unchanged");
    assert_eq!(
        app.count("select count(*) from documents", &[]).await,
        documents,
        "nothing stored"
    );
}

async fn a_document_request_is_fulfilled_by_an_upload_rejected_with_a_reason_and_then_accepted(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let matter = app.matter_id(ALICES_MATTER).await;
    let (status, id) = app
        .post(
            &staff,
            "/api/create_document_request",
            &[
                ("matter_id", matter.as_str()),
                ("title", "Bank statements 2024"),
                ("note", "All accounts"),
                ("due_date", "2099-12-31"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{id}");
    let request: String = serde_json::from_str(&id).unwrap();
    let status_of = |alice: reqwest::Client, matter: String, request: String| {
        let app = &app;
        async move {
            let (_, list) = app
                .post(
                    &alice,
                    "/api/list_document_requests",
                    &[("matter_id", matter.as_str())],
                )
                .await;
            let list: Value = serde_json::from_str(&list).unwrap();
            list.as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == request.as_str())
                .unwrap()
                .clone()
        }
    };
    assert_eq!(
        status_of(alice.clone(), matter.clone(), request.clone()).await["status"],
        "Open"
    );
    // Staff cannot review before anything came in.
    let (status, _) = app
        .post(
            &staff,
            "/api/review_document_request",
            &[
                ("request_id", request.as_str()),
                ("accept", "true"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, 409);

    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "statements.pdf",
        "client",
        &[("request", request.as_str())],
        b"first try".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        status_of(alice.clone(), matter.clone(), request.clone()).await["status"],
        "Fulfilled"
    );
    assert_eq!(
        app.count(
            "select count(*) from touchpoints where kind = 'portal.document_request.fulfilled'",
            &[]
        )
        .await,
        1
    );

    let (status, _) = app
        .post(
            &staff,
            "/api/review_document_request",
            &[
                ("request_id", request.as_str()),
                ("accept", "false"),
                ("reason", "  "),
            ],
        )
        .await;
    assert_eq!(status, 400, "a rejection needs a reason");
    let (status, body) = app
        .post(
            &staff,
            "/api/review_document_request",
            &[
                ("request_id", request.as_str()),
                ("accept", "false"),
                ("reason", "Page 3 is missing"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let rejected = status_of(alice.clone(), matter.clone(), request.clone()).await;
    assert_eq!(
        (
            rejected["status"].as_str(),
            rejected["review"].as_str(),
            rejected["rejection_reason"].as_str()
        ),
        (Some("Open"), Some("Rejected"), Some("Page 3 is missing"))
    );

    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "statements-full.pdf",
        "client",
        &[("request", request.as_str())],
        b"second try".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 201);
    let (status, _) = app
        .post(
            &staff,
            "/api/review_document_request",
            &[
                ("request_id", request.as_str()),
                ("accept", "true"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let accepted = status_of(alice.clone(), matter.clone(), request.clone()).await;
    assert_eq!(
        (accepted["status"].as_str(), accepted["review"].as_str()),
        (Some("Fulfilled"), Some("Accepted"))
    );

    // Clients cannot ask for documents or review them.
    let (status, _) = app
        .post(
            &alice,
            "/api/create_document_request",
            &[
                ("matter_id", matter.as_str()),
                ("title", "x"),
                ("note", ""),
                ("due_date", ""),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post(
            &alice,
            "/api/review_document_request",
            &[
                ("request_id", request.as_str()),
                ("accept", "true"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(status, 404);
}

async fn an_open_request_past_its_due_date_is_listed_as_overdue(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let matter = app.matter_id(ALICES_MATTER).await;
    // The demo seeds one request due in two weeks and one two days ago.
    let (_, list) = app
        .post(
            &alice,
            "/api/list_document_requests",
            &[("matter_id", matter.as_str())],
        )
        .await;
    let list: Value = serde_json::from_str(&list).unwrap();
    let status = |title: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["title"] == title)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("Photo ID"), "Open");
    assert_eq!(status("2023 tax return"), "Overdue");
    let stored = app
        .count(
            "select count(*) from document_requests where status not in ('open', 'fulfilled')",
            &[],
        )
        .await;
    assert_eq!(stored, 0, "overdue is computed, never stored");
}

on_both_backends!(
    an_accepted_document_request_stays_closed,
    a_document_request_is_fulfilled_by_an_upload_rejected_with_a_reason_and_then_accepted,
    an_open_request_past_its_due_date_is_listed_as_overdue
);
