//! The matrix's rows: every route and server function that reveals a
//! matter, and how to probe whether a user sees one through it.

use std::{future::Future, pin::Pin};

use super::*;

/// Whether `client` can see the matter with `number` through one route.
pub(super) type Check = for<'a> fn(
    &'a TestApp,
    &'a reqwest::Client,
    &'a str,
) -> Pin<Box<dyn Future<Output = bool> + 'a>>;

/// One route or server function: its name and how to probe it.
pub(super) struct Route {
    pub(super) name: &'static str,
    pub(super) sees: Check,
}

/// The routes only firm users have: a client is refused them (404), so
/// sees nothing through them, not even their own matters.
pub(super) const FIRM_ONLY: &[&str] = &["POST /api/search (by matter number)"];

/// The routes and server functions that reveal matters.
pub(super) const ROUTES: &[Route] = &[
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
        name: "POST /api/get_matter_detail",
        sees: |app, client, number| {
            Box::pin(async move {
                let id = app.matter_id(number).await;
                let response = client
                    .post(app.url("/api/get_matter_detail"))
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
        name: "POST /api/search (by matter number)",
        sees: |app, client, number| {
            Box::pin(async move {
                let response = client
                    .post(app.url("/api/search"))
                    .form(&[("q", number)])
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body = response.text().await.unwrap();
                match status {
                    // Firm users: a hit names the matter; a miss counts none.
                    200 => body.contains(number),
                    // Clients have no search at all.
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
        .post(app.url("/api/get_current_user"))
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
