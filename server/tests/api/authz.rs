//! The authorization matrix (DESIGN §2.2, §7): every route and server
//! function so far, for each role, against the role's own object, another
//! client's object, and an object behind an ethical wall.
//!
//! Later issues extend it by adding rows to [`ROUTES`] (a check that reports
//! whether a user could see a matter through that route). Every row is run
//! against every case in [`cases`].

use std::{future::Future, pin::Pin};

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, DEMO_STAFF, TestApp, spawn_app},
    on_both_backends,
};

/// Whether `client` can see the matter with `number` through one route.
type Check = for<'a> fn(
    &'a TestApp,
    &'a reqwest::Client,
    &'a str,
) -> Pin<Box<dyn Future<Output = bool> + 'a>>;

/// One route or server function: its name and how to probe it.
struct Route {
    name: &'static str,
    sees: Check,
}

/// The routes and server functions that reveal matters.
const ROUTES: &[Route] = &[
    Route {
        name: "POST /api/list_matters",
        sees: |app, client, number| {
            Box::pin(async move {
                let response = client
                    .post(app.url("/api/list_matters"))
                    .form(&[("", "")])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                response.text().await.unwrap().contains(number)
            })
        },
    },
    Route {
        name: "POST /api/get_matter",
        sees: |app, client, number| {
            Box::pin(async move {
                let id = app.matter_id(number).await;
                let response = client
                    .post(app.url("/api/get_matter"))
                    .form(&[("id", id.as_str())])
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body = response.text().await.unwrap();
                match status {
                    200 => body.contains(number),
                    404 => {
                        assert!(
                            !body.contains(number),
                            "a 404 must not name the matter: {body}"
                        );
                        false
                    }
                    other => panic!("unexpected status {other}: {body}"),
                }
            })
        },
    },
    Route {
        name: "POST /api/matter_detail",
        sees: |app, client, number| {
            Box::pin(async move {
                let id = app.matter_id(number).await;
                let response = client
                    .post(app.url("/api/matter_detail"))
                    .form(&[("id", id.as_str())])
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body = response.text().await.unwrap();
                assert!(
                    status == 200 || (status == 404 && !body.contains(number)),
                    "{status}: {body}"
                );
                status == 200
            })
        },
    },
    Route {
        name: "GET /matters/{id} (matter page)",
        sees: |app, client, number| {
            Box::pin(async move {
                let id = app.matter_id(number).await;
                let response = client
                    .get(app.url(&format!("/matters/{id}")))
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body = response.text().await.unwrap();
                assert!(
                    status == 200 || (status == 404 && !body.contains(number)),
                    "{status}"
                );
                status == 200 && body.contains(number)
            })
        },
    },
    Route {
        name: "GET /api/matters/{id}/calendar.ics",
        sees: |app, client, number| {
            Box::pin(async move {
                let id = app.matter_id(number).await;
                let response = client
                    .get(app.url(&format!("/api/matters/{id}/calendar.ics")))
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                assert!(status == 200 || status == 404, "{status}");
                status == 200
            })
        },
    },
    Route {
        name: "POST /api/list_invoices",
        sees: |app, client, number| {
            Box::pin(async move {
                let (_, invoice) = issued_invoice(app, number).await;
                let response = client
                    .post(app.url("/api/list_invoices"))
                    .form(&[("", "")])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                response.text().await.unwrap().contains(&invoice)
            })
        },
    },
    Route {
        name: "POST /api/get_invoice",
        sees: |app, client, number| {
            Box::pin(async move {
                let (id, invoice) = issued_invoice(app, number).await;
                let response = client
                    .post(app.url("/api/get_invoice"))
                    .form(&[("id", id.as_str())])
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body = response.text().await.unwrap();
                match status {
                    200 => body.contains(&invoice),
                    404 => {
                        assert!(
                            !body.contains(&invoice),
                            "a 404 must not name the invoice: {body}"
                        );
                        false
                    }
                    other => panic!("unexpected status {other}: {body}"),
                }
            })
        },
    },
    Route {
        name: "GET /api/invoices/{id}/pdf",
        sees: |app, client, number| {
            Box::pin(async move {
                let (id, invoice) = issued_invoice(app, number).await;
                let response = client
                    .get(app.url(&format!("/api/invoices/{id}/pdf")))
                    .send()
                    .await
                    .unwrap();
                match response.status().as_u16() {
                    200 => {
                        String::from_utf8_lossy(&response.bytes().await.unwrap()).contains(&invoice)
                    }
                    404 => false,
                    other => panic!("unexpected status {other}"),
                }
            })
        },
    },
    Route {
        name: "POST /api/list_documents",
        sees: |app, client, number| Box::pin(status_probe(app, client, number, "list_documents")),
    },
    Route {
        name: "POST /api/list_document_requests",
        sees: |app, client, number| {
            Box::pin(status_probe(app, client, number, "list_document_requests"))
        },
    },
    Route {
        name: "GET /api/documents/{id}/download",
        sees: |app, client, number| {
            Box::pin(async move {
                let (document,): (String,) = sqlx::query_as(
                    "select d.id from documents d join matters m on m.id = d.matter_id
                     where m.number = $1 and d.visibility = 'client' order by d.id limit 1",
                )
                .bind(number.to_owned())
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
                let response = client
                    .get(app.url(&format!("/api/documents/{document}/download")))
                    .send()
                    .await
                    .unwrap();
                match response.status().as_u16() {
                    200 => true,
                    404 => false,
                    other => panic!("unexpected status {other}"),
                }
            })
        },
    },
    Route {
        name: "POST /api/matters/{id}/documents (upload)",
        sees: |app, client, number| {
            Box::pin(async move {
                let id = app.matter_id(number).await;
                let response = client
                    .post(app.url(&format!("/api/matters/{id}/documents")))
                    .query(&[("name", "probe.txt"), ("visibility", "client")])
                    .body("probe")
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body = response.text().await.unwrap();
                match status {
                    201 => true,
                    404 => {
                        assert!(
                            !body.contains(number),
                            "a 404 must not name the matter: {body}"
                        );
                        false
                    }
                    other => panic!("unexpected status {other}: {body}"),
                }
            })
        },
    },
    Route {
        name: "POST /api/matters/{id}/documents?replaces= (new version)",
        sees: |app, client, number| Box::pin(replace_probe(app, client, number)),
    },
    Route {
        name: "POST /api/matters/{id}/documents?request= (fulfil a request)",
        sees: |app, client, number| {
            Box::pin(async move {
                let request = open_request_on(app, number).await;
                let id = app.matter_id(number).await;
                let response = client
                    .post(app.url(&format!("/api/matters/{id}/documents")))
                    .query(&[
                        ("name", "probe.txt"),
                        ("visibility", "client"),
                        ("request", request.as_str()),
                    ])
                    .body("probe")
                    .send()
                    .await
                    .unwrap();
                upload_seen(response, number).await
            })
        },
    },
    Route {
        name: "GET /billing (billing page)",
        sees: |app, client, number| {
            Box::pin(async move {
                let (_, invoice) = issued_invoice(app, number).await;
                let response = client.get(app.url("/billing")).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.text().await.unwrap().contains(&invoice)
            })
        },
    },
    Route {
        name: "POST /api/list_threads",
        sees: |app, client, number| {
            Box::pin(async move {
                let response = client
                    .post(app.url("/api/list_threads"))
                    .form(&[("", "")])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                response.text().await.unwrap().contains(number)
            })
        },
    },
    Route {
        name: "POST /api/get_thread",
        sees: |app, client, number| {
            Box::pin(async move {
                let Some(thread) = app.thread_on(number).await else {
                    return false;
                };
                let response = client
                    .post(app.url("/api/get_thread"))
                    .form(&[("id", thread.as_str())])
                    .send()
                    .await
                    .unwrap();
                match response.status().as_u16() {
                    200 => response.text().await.unwrap().contains(number),
                    404 => false,
                    other => panic!("unexpected status {other}"),
                }
            })
        },
    },
    Route {
        name: "GET /api/messages/stream",
        sees: |app, client, number| {
            Box::pin(async move {
                let Some(thread) = app.thread_on(number).await else {
                    return false;
                };
                let response = client
                    .get(app.url(&format!("/api/messages/stream?thread={thread}")))
                    .send()
                    .await
                    .unwrap();
                match response.status().as_u16() {
                    200 => true,
                    404 => false,
                    other => panic!("unexpected status {other}"),
                }
            })
        },
    },
    Route {
        name: "GET /api/messages/{id}/attachments/{n}",
        sees: |app, client, number| {
            Box::pin(async move {
                let Some(message) = message_with_attachment_on(app, number).await else {
                    return false;
                };
                let response = client
                    .get(app.url(&format!("/api/messages/{message}/attachments/1")))
                    .send()
                    .await
                    .unwrap();
                match response.status().as_u16() {
                    200 => true,
                    404 => false,
                    other => panic!("unexpected status {other}"),
                }
            })
        },
    },
    Route {
        name: "GET / (dashboard page)",
        sees: |app, client, number| {
            Box::pin(async move {
                let response = client.get(app.url("/")).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.text().await.unwrap().contains(number)
            })
        },
    },
];

/// A server function taking `matter_id`: 200 means the matter was seen;
/// 404 (which must not name it) means it was not.
async fn status_probe(
    app: &TestApp,
    client: &reqwest::Client,
    number: &str,
    function: &str,
) -> bool {
    let id = app.matter_id(number).await;
    let response = client
        .post(app.url(&format!("/api/{function}")))
        .form(&[("matter_id", id.as_str())])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    match status {
        200 => true,
        404 => {
            assert!(
                !body.contains(number),
                "a 404 must not name the matter: {body}"
            );
            false
        }
        other => panic!("unexpected status {other}: {body}"),
    }
}

/// 201 means the upload went through (the matter was seen); 404, which
/// must not name the matter, means it was not.
async fn upload_seen(response: reqwest::Response, number: &str) -> bool {
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    match status {
        201 => true,
        404 => {
            assert!(
                !body.contains(number),
                "a 404 must not name the matter: {body}"
            );
            false
        }
        other => panic!("unexpected status {other}: {body}"),
    }
}

/// The email of the user `client` is signed in as.
async fn signed_in_email(app: &TestApp, client: &reqwest::Client) -> String {
    let response = client
        .post(app.url("/api/current_user"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    let user: serde_json::Value = response.json().await.unwrap();
    user["email"].as_str().unwrap().to_owned()
}

/// Uploads a new version of a client-visible document on the matter
/// `number`: the user's own upload when they have one there, else the
/// firm's. A client may version only their own uploads: on a matter they
/// see, the firm's document answers 404 as well.
async fn replace_probe(app: &TestApp, client: &reqwest::Client, number: &str) -> bool {
    let email = signed_in_email(app, client).await;
    let documents: Vec<(String, i64, String)> = sqlx::query_as(
        "select d.id, case when d.created_by = u.id then 1 else 0 end, u.role
         from documents d join matters m on m.id = d.matter_id join users u on u.email = $2
         where m.number = $1 and d.visibility = 'client'
         order by case when d.created_by = u.id then 0 else 1 end, d.id",
    )
    .bind(number.to_owned())
    .bind(email.clone())
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    let id = app.matter_id(number).await;
    let replace = |document: String| {
        let url = app.url(&format!("/api/matters/{id}/documents"));
        async move {
            client
                .post(url)
                .query(&[
                    ("name", "probe.txt"),
                    ("visibility", "client"),
                    ("replaces", document.as_str()),
                ])
                .body("probe")
                .send()
                .await
                .unwrap()
        }
    };
    let (first, _, role) = documents
        .first()
        .cloned()
        .expect("a client-visible document");
    let seen = upload_seen(replace(first).await, number).await;
    if seen && role == "client" {
        for (document, own, _) in documents.iter().skip(1) {
            let status = replace(document.clone()).await.status().as_u16();
            let expected = if *own == 1 { 201 } else { 404 };
            assert_eq!(
                status, expected,
                "{email} versioning {document} on {number}"
            );
        }
    }
    seen
}

/// A document request on the matter `number` that is not accepted yet: a
/// seeded one, or one made here for matters the demo asks nothing on.
async fn open_request_on(app: &TestApp, number: &str) -> String {
    let existing: Option<(String,)> = sqlx::query_as(
        "select r.id from document_requests r join matters m on m.id = r.matter_id
         where m.number = $1 and (r.review_status is null or r.review_status <> 'accepted')
         order by r.id limit 1",
    )
    .bind(number.to_owned())
    .fetch_optional(app.state.db.pool())
    .await
    .unwrap();
    if let Some((id,)) = existing {
        return id;
    }
    let id = app::server::new_id();
    sqlx::query(
        "insert into document_requests (id, matter_id, title, status, created_by, created_at)
         select $1, m.id, 'Matrix request', 'open', u.id, 0 from matters m, users u
         where m.number = $2 and u.email = $3",
    )
    .bind(id.clone())
    .bind(number.to_owned())
    .bind(DEMO_ADMIN)
    .execute(app.state.db.pool())
    .await
    .unwrap();
    id
}

/// Gives every matter the matrix probes a client-visible document, uploaded
/// by the admin before any test wall goes up, and each demo client one of
/// their own on their matters (which they, unlike the firm's, may version).
async fn give_every_probed_matter_a_document(app: &TestApp) {
    use app::domain::role::Role;
    let admin = principal_of(app, DEMO_ADMIN, Role::Admin).await;
    for number in [
        "LIT-2026-0012",
        "LIT-2026-0019",
        "COR-2026-0031",
        "EMP-2026-0007",
        "COR-2026-0050",
        "EST-2026-0003",
    ] {
        let document = upload_matrix_file(app, &admin, number).await;
        // And, where the matter has a conversation, a message carrying it.
        if let Some(thread) = app.thread_on(number).await {
            app::server::messages::send(
                &app.state,
                &admin,
                &app::server::auth::ClientInfo::default(),
                &thread,
                "matrix",
                &document,
            )
            .await
            .unwrap();
        }
    }
    for (email, numbers) in [
        (DEMO_ALICE, &["LIT-2026-0012", "COR-2026-0031"][..]),
        (DEMO_BOB, &["LIT-2026-0019"][..]),
    ] {
        let client = principal_of(app, email, Role::Client).await;
        for number in numbers {
            upload_matrix_file(app, &client, number).await;
        }
    }
}

/// A principal for the demo user `email`, for calling services directly.
async fn principal_of(
    app: &TestApp,
    email: &str,
    role: app::domain::role::Role,
) -> app::server::auth::Principal {
    let (id,): (String,) = sqlx::query_as("select id from users where email = $1")
        .bind(email.to_owned())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    app::server::auth::Principal {
        user_id: app::domain::ids::UserId::from_trusted(id),
        role,
        email: email.to_owned(),
        display_name: email.to_owned(),
        contact_id: None,
        session_handle: String::new(),
    }
}

/// Uploads a small client-visible file to the matter `number` as
/// `principal`; returns the document's id.
async fn upload_matrix_file(
    app: &TestApp,
    principal: &app::server::auth::Principal,
    number: &str,
) -> String {
    let frames = [Ok::<_, std::convert::Infallible>(
        axum::body::Bytes::from_static(b"matrix"),
    )];
    app::server::documents::upload(
        &app.state,
        principal,
        &app::server::auth::ClientInfo::default(),
        app::server::documents::UploadParams {
            matter_id: app::domain::ids::MatterId::from_trusted(app.matter_id(number).await),
            name: "matrix.txt".to_owned(),
            visibility: app::domain::document::Visibility::Client,
            request_id: None,
            replaces: None,
        },
        1024,
        futures_util::stream::iter(frames),
    )
    .await
    .unwrap()
    .document_id
}

/// A message with an attachment on the matter `number`, if it has one.
async fn message_with_attachment_on(app: &TestApp, number: &str) -> Option<String> {
    sqlx::query_as::<_, (String,)>(
        "select x.id from message_attachments a join messages x on x.id = a.message_id
         join message_threads t on t.id = x.thread_id join matters m on m.id = t.matter_id
         where m.number = $1 order by x.id limit 1",
    )
    .bind(number.to_owned())
    .fetch_optional(app.state.db.pool())
    .await
    .unwrap()
    .map(|(id,)| id)
}

/// One role's three objects and what it may see of them.
struct Case {
    email: &'static str,
    own: &'static str,
    other_clients: &'static str,
    /// Admins have firm-wide access, so they do see other clients' matters.
    sees_other_clients: bool,
    walled: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        // LIT-2026-0012 and COR-2026-0031 are Alice's; LIT-2026-0019 is Bob's.
        Case {
            email: DEMO_ALICE,
            own: "LIT-2026-0012",
            other_clients: "LIT-2026-0019",
            sees_other_clients: false,
            walled: "COR-2026-0031",
        },
        Case {
            email: DEMO_BOB,
            own: "LIT-2026-0019",
            other_clients: "LIT-2026-0012",
            sees_other_clients: false,
            walled: "EMP-2026-0007",
        },
        // The attorney is responsible for LIT-2026-0012, not on EMP-2026-0007's
        // team, and walled from COR-2026-0050 by the demo data.
        Case {
            email: DEMO_ATTORNEY,
            own: "LIT-2026-0012",
            other_clients: "EMP-2026-0007",
            sees_other_clients: false,
            walled: "COR-2026-0050",
        },
        // Staff are on every demo team.
        Case {
            email: DEMO_STAFF,
            own: "LIT-2026-0012",
            other_clients: "EMP-2026-0007",
            sees_other_clients: true,
            walled: "EST-2026-0003",
        },
        Case {
            email: DEMO_ADMIN,
            own: "LIT-2026-0012",
            other_clients: "EMP-2026-0007",
            sees_other_clients: true,
            walled: "LIT-2026-0019",
        },
    ]
}

/// The id and number of an issued invoice on the matter `number`: a seeded
/// one, or one made here for matters the demo does not bill.
async fn issued_invoice(app: &TestApp, number: &str) -> (String, String) {
    let existing: Option<(String, String)> = sqlx::query_as(
        "select i.id, i.number from invoices i join matters m on m.id = i.matter_id
         where m.number = $1 and i.status_base <> 'draft' order by i.created_at limit 1",
    )
    .bind(number.to_owned())
    .fetch_optional(app.state.db.pool())
    .await
    .unwrap();
    if let Some(found) = existing {
        return found;
    }
    let id = app::server::new_id();
    let invoice = format!("INV-T-{number}");
    sqlx::query(
        "insert into invoices (id, number, matter_id, account_id, currency,
         status_base, terms_days, issued_at, due_at, created_at)
         select $1, $2, m.id, m.account_id, 'GBP', 'sent', 30, 0, 0, 0
         from matters m where m.number = $3",
    )
    .bind(id.clone())
    .bind(invoice.clone())
    .bind(number.to_owned())
    .execute(app.state.db.pool())
    .await
    .unwrap();
    (id, invoice)
}

async fn no_route_shows_any_role_a_foreign_or_walled_matter(app: TestApp) {
    app.seed().await;
    give_every_probed_matter_a_document(&app).await;
    let mut failures = Vec::new();
    for case in cases() {
        app.wall_off(case.email, case.walled).await;
        let client = app.signed_in_client(case.email).await;
        for route in ROUTES {
            let probes = [
                ("own", case.own, true),
                (
                    "another client's",
                    case.other_clients,
                    case.sees_other_clients,
                ),
                ("walled", case.walled, false),
            ];
            for (what, number, expected) in probes {
                let seen = (route.sees)(&app, &client, number).await;
                if seen != expected {
                    failures.push(format!(
                        "{} via {}: {what} matter {number} seen={seen}, expected {expected}",
                        case.email, route.name
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix failures:\n{}",
        failures.join("\n")
    );
}

async fn a_denied_matter_answers_exactly_like_one_that_does_not_exist(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let bobs = app.matter_id("LIT-2026-0019").await;
    let foreign = alice
        .post(app.url("/api/get_matter"))
        .form(&[("id", bobs.as_str())])
        .send()
        .await
        .unwrap();
    let missing_id = app::server::new_id();
    let missing = alice
        .post(app.url("/api/get_matter"))
        .form(&[("id", missing_id.as_str())])
        .send()
        .await
        .unwrap();
    let malformed = alice
        .post(app.url("/api/get_matter"))
        .form(&[("id", "../etc/passwd")])
        .send()
        .await
        .unwrap();
    let foreign = (foreign.status(), foreign.text().await.unwrap());
    assert_eq!(foreign.0, 404);
    assert_eq!(foreign, (missing.status(), missing.text().await.unwrap()));
    assert_eq!(
        foreign,
        (malformed.status(), malformed.text().await.unwrap())
    );
    let denied: (i64,) = sqlx::query_as(
        "select count(*) from audit_log where action = 'access.matter' and result = 'denied'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert!(denied.0 >= 2, "denied attempts are audited");
}

async fn the_sql_filter_and_the_policy_rules_agree_for_every_user_and_matter(app: TestApp) {
    use app::domain::{
        ids::MatterId,
        policy::{Subject, may_view_matter},
        role::Role,
    };
    app.seed().await;
    app.wall_off(DEMO_STAFF, "EST-2026-0003").await;
    let users: Vec<(String, String)> = sqlx::query_as("select id, role from users")
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    let matters: Vec<(String,)> = sqlx::query_as("select id from matters")
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    for (user_id, role) in users {
        let subject = Subject {
            user_id,
            role: Role::parse(&role).unwrap(),
        };
        let listed: Vec<String> = app::server::matters::list_matters(&app.state.db, &subject)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id.to_string())
            .collect();
        for (matter_id,) in &matters {
            let id = MatterId::from_trusted(matter_id.clone());
            let facts = app::server::policy::matter_facts(&app.state.db, &subject, &id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                may_view_matter(&subject, facts),
                listed.contains(matter_id),
                "{subject:?} on {matter_id}"
            );
        }
    }
}

on_both_backends!(
    no_route_shows_any_role_a_foreign_or_walled_matter,
    a_denied_matter_answers_exactly_like_one_that_does_not_exist,
    the_sql_filter_and_the_policy_rules_agree_for_every_user_and_matter
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_callers_get_401_from_every_server_function() {
    let app = spawn_app(app::server::db::Backend::Sqlite).await;
    app.seed().await;
    let id = app.matter_id("LIT-2026-0012").await;
    let henri = app.contact_id("henri@moreau.example").await;
    for (path, form) in [
        ("/api/list_matters", vec![("", "")]),
        ("/api/get_matter", vec![("id", id.as_str())]),
        ("/api/list_sessions", vec![("", "")]),
        ("/api/end_session", vec![("id", "x")]),
        ("/api/sign_out", vec![("", "")]),
        ("/api/sign_out_everywhere", vec![("", "")]),
        ("/api/list_contacts", vec![("", "")]),
        ("/api/invite_contact", vec![("contact_id", henri.as_str())]),
        ("/api/list_outbox", vec![("", "")]),
        ("/api/list_invoices", vec![("", "")]),
        ("/api/get_invoice", vec![("id", id.as_str())]),
        (
            "/api/create_invoice",
            vec![("invoice[matter_id]", id.as_str())],
        ),
        (
            "/api/record_payment",
            vec![
                ("invoice_id", id.as_str()),
                ("amount", "1"),
                ("date", "2026-01-01"),
                ("method", ""),
            ],
        ),
        ("/api/issue_invoice", vec![("invoice_id", id.as_str())]),
        ("/api/void_invoice", vec![("invoice_id", id.as_str())]),
        ("/api/account", vec![("", "")]),
        ("/api/begin_mfa_enrolment", vec![("password", "x")]),
        ("/api/confirm_mfa_enrolment", vec![("code", "123456")]),
        ("/api/turn_off_mfa", vec![("password", "x")]),
        ("/api/matter_detail", vec![("id", id.as_str())]),
        (
            "/api/set_matter_stage",
            vec![("id", id.as_str()), ("position", "2")],
        ),
        (
            "/api/add_key_date",
            vec![
                ("id", id.as_str()),
                ("kind", "meeting"),
                ("title", "x"),
                ("date", "2027-01-01"),
                ("time", ""),
                ("location", ""),
            ],
        ),
        (
            "/api/add_matter_note",
            vec![("id", id.as_str()), ("body", "x")],
        ),
        (
            "/api/set_shared",
            vec![
                ("id", id.as_str()),
                ("what", "note"),
                ("item", "x"),
                ("visible", "true"),
            ],
        ),
        (
            "/api/set_response_target",
            vec![("id", id.as_str()), ("minutes", "30")],
        ),
        ("/api/new_calendar_feed", vec![("", "")]),
        ("/api/contact_timeline", vec![("id", id.as_str())]),
        ("/api/list_threads", vec![("", "")]),
        ("/api/unread_messages", vec![("", "")]),
        ("/api/get_thread", vec![("id", id.as_str())]),
        (
            "/api/send_message",
            vec![("thread_id", id.as_str()), ("body", "x")],
        ),
        (
            "/api/start_thread",
            vec![("matter_id", id.as_str()), ("subject", "x"), ("body", "x")],
        ),
        ("/api/retract_message", vec![("id", id.as_str())]),
        (
            "/api/mark_thread_read",
            vec![("thread_id", id.as_str()), ("message_id", id.as_str())],
        ),
        ("/api/message_inbox", vec![("", "")]),
        ("/api/set_message_emails", vec![("enabled", "false")]),
        ("/api/list_documents", vec![("matter_id", id.as_str())]),
        (
            "/api/list_document_requests",
            vec![("matter_id", id.as_str())],
        ),
        (
            "/api/create_document_request",
            vec![
                ("matter_id", id.as_str()),
                ("title", "x"),
                ("note", ""),
                ("due_date", ""),
            ],
        ),
        (
            "/api/review_document_request",
            vec![
                ("request_id", id.as_str()),
                ("accept", "true"),
                ("reason", ""),
            ],
        ),
        (
            "/api/set_document_visibility",
            vec![("document_id", id.as_str()), ("visibility", "internal")],
        ),
        // Exempt, because the link in the email is the credential and the
        // people using them cannot sign in yet: get_invitation,
        // accept_invitation, request_password_reset, get_password_reset and
        // reset_password. Their own tests are in `invitations.rs`.
    ] {
        let response = app
            .client
            .post(app.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{path}");
    }
    let (invoice, _) = issued_invoice(&app, "LIT-2026-0012").await;
    let pdf = app.get(&format!("/api/invoices/{invoice}/pdf")).await;
    assert_eq!(pdf.status(), 401, "GET /api/invoices/{{id}}/pdf");
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let stream = app
        .get(&format!("/api/messages/stream?thread={thread}"))
        .await;
    assert_eq!(stream.status(), 401, "GET /api/messages/stream");
    let upload = app
        .client
        .post(app.url(&format!("/api/matters/{id}/documents?name=x.txt")))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 401, "POST /api/matters/{{id}}/documents");
    let (document,): (String,) = sqlx::query_as("select id from documents limit 1")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let (message,): (String,) = sqlx::query_as("select id from messages limit 1")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    for path in [
        format!("/api/documents/{document}/download"),
        format!("/api/documents/{document}/versions/1/download"),
        format!("/api/messages/{message}/attachments/1"),
    ] {
        assert_eq!(app.get(&path).await.status(), 401, "{path}");
    }
}

/// Which roles reach the contact list, invitations and the outbox: the
/// expected status for (admin, attorney, staff, client). Refusals are 404,
/// like an object that does not exist.
const ROLE_ACCESS: &[(&str, [u16; 4])] = &[
    ("/api/list_contacts", [200, 200, 200, 404]),
    ("/api/invite_contact", [200, 404, 200, 404]),
    ("/api/list_outbox", [200, 404, 404, 404]),
    ("/api/message_inbox", [200, 200, 200, 404]),
];

/// In a module of its own: `on_both_backends!` makes modules `sqlite` and
/// `pg`, which the matrix above already uses.
mod role_access {
    use super::*;

    async fn each_role_reaches_contacts_invitations_and_the_outbox_only_as_the_policy_says(
        app: TestApp,
    ) {
        app.seed().await;
        let henri = app.contact_id("henri@moreau.example").await;
        let users = [DEMO_ADMIN, DEMO_ATTORNEY, DEMO_STAFF, DEMO_ALICE];
        let mut failures = Vec::new();
        for (i, email) in users.iter().enumerate() {
            let client = app.signed_in_client(email).await;
            for (path, expected) in ROLE_ACCESS {
                let form: &[(&str, &str)] = if *path == "/api/invite_contact" {
                    &[("contact_id", henri.as_str())]
                } else {
                    &[("", "")]
                };
                let response = client.post(app.url(path)).form(form).send().await.unwrap();
                let status = response.status().as_u16();
                let body = response.text().await.unwrap();
                if status != expected[i] {
                    failures.push(format!(
                        "{email} {path}: {status}, expected {}: {body}",
                        expected[i]
                    ));
                }
                if status == 404
                    && (body.contains("henri@moreau.example") || body.contains("/invite/"))
                {
                    failures.push(format!("{email} {path}: a 404 leaked data: {body}"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "role access failures:\n{}",
            failures.join("\n")
        );
    }

    on_both_backends!(
        each_role_reaches_contacts_invitations_and_the_outbox_only_as_the_policy_says
    );
}
