//! The authorization matrix (DESIGN §2.2, §7): every route and server
//! function so far, for each role, against the role's own object, another
//! client's object, and an object behind an ethical wall.
//!
//! Later issues extend it by adding rows to [`ROUTES`], in `routes.rs` (a
//! check that reports whether a user could see a matter through that
//! route). Every row is run against every case in [`cases`].

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, DEMO_STAFF, TestApp, spawn_app},
    on_both_backends,
};

/// In a module of its own: `on_both_backends!` makes modules `sqlite` and
/// `pg`, which the matrix here already uses.
mod role_access;
mod routes;

use routes::{FIRM_ONLY, ROUTES};

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
            app::server::messages::send_message(
                &app.state,
                &admin,
                &app::server::auth::ClientInfo::default(),
                &app::domain::ids::ThreadId::parse(&thread).unwrap(),
                "matrix",
                &[app::domain::ids::DocumentId::parse(&document).unwrap()],
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
    .into()
}

/// One role's three objects and what it may see of them.
struct Case {
    email: &'static str,
    own: &'static str,
    other_clients: &'static str,
    /// Admins have firm-wide access, so they do see other clients' matters.
    sees_other_clients: bool,
    walled: &'static str,
    /// A client: the firm's own tools ([`FIRM_ONLY`]) show them nothing.
    client: bool,
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
            client: true,
        },
        Case {
            email: DEMO_BOB,
            own: "LIT-2026-0019",
            other_clients: "LIT-2026-0012",
            sees_other_clients: false,
            walled: "EMP-2026-0007",
            client: true,
        },
        // The attorney is responsible for LIT-2026-0012, not on EMP-2026-0007's
        // team, and walled from COR-2026-0050 by the demo data.
        Case {
            email: DEMO_ATTORNEY,
            own: "LIT-2026-0012",
            other_clients: "EMP-2026-0007",
            sees_other_clients: false,
            walled: "COR-2026-0050",
            client: false,
        },
        // Staff are on every demo team.
        Case {
            email: DEMO_STAFF,
            own: "LIT-2026-0012",
            other_clients: "EMP-2026-0007",
            sees_other_clients: true,
            walled: "EST-2026-0003",
            client: false,
        },
        Case {
            email: DEMO_ADMIN,
            own: "LIT-2026-0012",
            other_clients: "EMP-2026-0007",
            sees_other_clients: true,
            walled: "LIT-2026-0019",
            client: false,
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
                let expected = expected && !(case.client && FIRM_ONLY.contains(&route.name));
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
        let listed: Vec<String> = app::server::matters::visible_matters(&app.state.db, &subject)
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
        ("/api/change_password", vec![("current", "x"), ("new", "y")]),
        ("/api/sign_out", vec![("", "")]),
        ("/api/sign_out_everywhere", vec![("", "")]),
        ("/api/list_contacts", vec![("", "")]),
        ("/api/get_contact_record", vec![("id", henri.as_str())]),
        (
            "/api/update_contact",
            vec![("id", henri.as_str()), ("contact[name]", "x")],
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
        (
            "/api/remove_relationship",
            vec![("id", henri.as_str()), ("relationship_id", henri.as_str())],
        ),
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
        ("/api/list_walls", vec![("", "")]),
        ("/api/list_wall_choices", vec![("", "")]),
        ("/api/list_client_walls", vec![("", "")]),
        (
            "/api/lift_client_wall",
            vec![
                ("account_id", id.as_str()),
                ("user_id", id.as_str()),
                ("reason", "x"),
            ],
        ),
        ("/api/list_users", vec![("", "")]),
        (
            "/api/invite_colleague",
            vec![("name", "x"), ("email", "x@firm.test"), ("role", "staff")],
        ),
        (
            "/api/change_role",
            vec![("user_id", id.as_str()), ("role", "staff")],
        ),
        (
            "/api/set_user_disabled",
            vec![("user_id", id.as_str()), ("disabled", "true")],
        ),
        ("/api/end_user_sessions", vec![("user_id", id.as_str())]),
        (
            "/api/reset_user_mfa",
            vec![("user_id", id.as_str()), ("password", "x")],
        ),
        ("/api/get_matter_form", vec![("", "")]),
        ("/api/get_firm_settings", vec![("", "")]),
        (
            "/api/set_payment_instructions",
            vec![("payment_instructions", "x")],
        ),
        ("/api/get_client_home", vec![("", "")]),
        ("/api/list_stage_templates", vec![("", "")]),
        ("/api/search", vec![("q", "moreau")]),
        (
            "/api/save_stage_template",
            vec![("practice_area", "Family"), ("stages[0][name]", "x")],
        ),
        (
            "/api/remove_stage_template",
            vec![("practice_area", "Litigation")],
        ),
        (
            "/api/update_firm_settings",
            vec![
                ("firm_name", "x"),
                ("currency", "GBP"),
                ("number_pattern", "{seq}"),
                ("response_minutes", "60"),
                ("hours_start", "09:00"),
                ("hours_end", "17:00"),
                ("time_zone", "UTC"),
            ],
        ),
        (
            "/api/create_contact",
            vec![
                ("name", "x"),
                ("email", ""),
                ("phone", ""),
                ("address", ""),
                ("account_id", ""),
                ("role", ""),
            ],
        ),
        (
            "/api/create_account",
            vec![("name", "x"), ("kind", "household")],
        ),
        ("/api/list_accounts", vec![("", "")]),
        ("/api/list_account_choices", vec![("", "")]),
        ("/api/get_account_record", vec![("id", henri.as_str())]),
        (
            "/api/update_account",
            vec![("id", henri.as_str()), ("account[name]", "x")],
        ),
        (
            "/api/set_account_archived",
            vec![("id", henri.as_str()), ("archived", "true")],
        ),
        (
            "/api/link_contact_to_account",
            vec![
                ("id", henri.as_str()),
                ("contact_id", henri.as_str()),
                ("role", "x"),
            ],
        ),
        (
            "/api/unlink_contact_from_account",
            vec![("id", henri.as_str()), ("contact_id", henri.as_str())],
        ),
        (
            "/api/open_matter",
            vec![
                ("title", "x"),
                ("practice_area", "x"),
                ("number", ""),
                ("client_id", henri.as_str()),
                ("responsible_id", id.as_str()),
            ],
        ),
        ("/api/list_portal_access", vec![("matter_id", id.as_str())]),
        ("/api/get_matter_settings", vec![("matter_id", id.as_str())]),
        (
            "/api/set_team_member",
            vec![
                ("matter_id", id.as_str()),
                ("user_id", id.as_str()),
                ("role", "member"),
            ],
        ),
        (
            "/api/remove_team_member",
            vec![("matter_id", id.as_str()), ("user_id", id.as_str())],
        ),
        (
            "/api/add_party",
            vec![("matter_id", id.as_str()), ("name", "x"), ("role", "party")],
        ),
        (
            "/api/remove_party",
            vec![("matter_id", id.as_str()), ("party_id", id.as_str())],
        ),
        (
            "/api/set_stage_plan",
            vec![("matter_id", id.as_str()), ("stages[0][name]", "x")],
        ),
        (
            "/api/set_matter_closed",
            vec![("matter_id", id.as_str()), ("closed", "true")],
        ),
        (
            "/api/give_portal_access",
            vec![("matter_id", id.as_str()), ("contact_id", henri.as_str())],
        ),
        (
            "/api/revoke_portal_access",
            vec![("matter_id", id.as_str()), ("contact_id", henri.as_str())],
        ),
        ("/api/begin_mfa_setup", vec![("", "")]),
        ("/api/confirm_mfa_setup", vec![("code", "123456")]),
        (
            "/api/raise_wall",
            vec![
                ("matter_id", id.as_str()),
                ("user_id", id.as_str()),
                ("reason", "x"),
            ],
        ),
        (
            "/api/lift_wall",
            vec![
                ("matter_id", id.as_str()),
                ("user_id", id.as_str()),
                ("reason", "x"),
            ],
        ),
        (
            "/api/record_trust_deposit",
            vec![
                ("matter_id", id.as_str()),
                ("amount", "1"),
                ("date", "2026-01-01"),
                ("description", "x"),
            ],
        ),
        (
            "/api/transfer_trust_to_invoice",
            vec![("invoice_id", id.as_str()), ("amount", "1")],
        ),
        (
            "/api/add_invoice_credit",
            vec![
                ("invoice_id", id.as_str()),
                ("amount", "1"),
                ("reason", "x"),
            ],
        ),
        (
            "/api/void_invoice",
            vec![("invoice_id", id.as_str()), ("reason", "x")],
        ),
        ("/api/get_account", vec![("", "")]),
        ("/api/begin_mfa_enrolment", vec![("password", "x")]),
        ("/api/confirm_mfa_enrolment", vec![("code", "123456")]),
        ("/api/turn_off_mfa", vec![("password", "x")]),
        ("/api/get_matter_detail", vec![("id", id.as_str())]),
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
        ("/api/create_calendar_feed", vec![("", "")]),
        ("/api/get_contact_timeline", vec![("id", id.as_str())]),
        ("/api/list_threads", vec![("", "")]),
        ("/api/count_unread_messages", vec![("", "")]),
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
        ("/api/list_inbox", vec![("", "")]),
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
