//! Billing statements (DESIGN §2.5): exact sums, derived statuses, who sees
//! which invoice, the PDF, the staff's writes and the trust ledger.

use app::domain::billing::{BillingView, InvoiceStatus, InvoiceView};

use crate::{
    helpers::{DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, DEMO_STAFF, TestApp},
    on_both_backends,
};

mod trust;

/// The id and number of the seeded invoice on `matter` with stored status
/// `base` (the demo has at most one of each per matter).
async fn seeded(app: &TestApp, matter: &str, base: &str) -> (String, String) {
    sqlx::query_as(
        "select i.id, i.number from invoices i join matters m on m.id = i.matter_id
         where m.number = $1 and i.status_base = $2 order by i.created_at limit 1",
    )
    .bind(matter.to_owned())
    .bind(base.to_owned())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap()
}

async fn list(app: &TestApp, client: &reqwest::Client, matter: Option<&str>) -> BillingView {
    let form: Vec<(&str, &str)> = matter.map(|m| vec![("matter_id", m)]).unwrap_or_default();
    let response = client
        .post(app.url("/api/list_invoices"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn get_invoice(app: &TestApp, client: &reqwest::Client, id: &str) -> (u16, String) {
    let response = client
        .post(app.url("/api/get_invoice"))
        .form(&[("id", id)])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn pay(app: &TestApp, client: &reqwest::Client, id: &str, amount: &str) -> (u16, String) {
    app.post(
        client,
        "/api/record_payment",
        &[
            ("invoice_id", id),
            ("amount", amount),
            ("date", "2026-11-20"),
            ("method", "Card"),
        ],
    )
    .await
}

/// Creates an issued invoice on `matter` with two lines: 1.5 h at £250.00
/// and 20 % tax, and an expense of 0.33 × £100.01 at 7.5 % tax.
async fn create_sample(app: &TestApp, staff: &reqwest::Client, matter: &str) -> (u16, String) {
    let matter = app.matter_id(matter).await;
    app.post(
        staff,
        "/api/create_invoice",
        &[
            ("invoice[matter_id]", matter.as_str()),
            ("invoice[currency]", "gbp"),
            ("invoice[due_in_days]", "14"),
            ("invoice[issue]", "true"),
            ("invoice[lines][0][kind]", "time"),
            ("invoice[lines][0][description]", "Advice on the lease"),
            ("invoice[lines][0][quantity]", "1.5"),
            ("invoice[lines][0][unit_amount]", "250.00"),
            ("invoice[lines][0][tax_rate]", "20"),
            ("invoice[lines][1][kind]", "expense"),
            ("invoice[lines][1][description]", "Couriers"),
            ("invoice[lines][1][quantity]", "0.33"),
            ("invoice[lines][1][unit_amount]", "100.01"),
            ("invoice[lines][1][tax_rate]", "7.5"),
            ("invoice[lines][2][kind]", "time"),
            ("invoice[lines][2][description]", ""),
            ("invoice[lines][2][quantity]", ""),
            ("invoice[lines][2][unit_amount]", ""),
        ],
    )
    .await
}

fn find<'a>(view: &'a BillingView, number: &str) -> &'a InvoiceView {
    view.invoices
        .iter()
        .find(|i| i.number == number)
        .unwrap_or_else(|| panic!("{number} not listed"))
}

async fn totals_tax_and_balance_are_computed_exactly_in_minor_units(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, body) = create_sample(&app, &staff, "LIT-2026-0012").await;
    assert_eq!(status, 200, "{body}");
    let number: String = serde_json::from_str(&body).unwrap();
    let view = list(&app, &staff, None).await;
    let invoice = find(&view, &number);
    // 1.5 × 25,000p = 37,500p, tax 7,500p. 0.33 × 10,001p = 3,300.33p
    // → 3,300p, tax 7.5 % = 247.5p → 248p (half up, per line).
    assert_eq!(invoice.lines.len(), 2, "the blank row is skipped");
    assert_eq!(invoice.lines[1].amount.minor, 3_300);
    assert_eq!(invoice.lines[1].tax.minor, 248);
    assert_eq!(invoice.totals.subtotal, 40_800);
    assert_eq!(invoice.totals.tax, 7_748);
    assert_eq!(invoice.totals.total, 48_548);
    assert_eq!(invoice.totals.balance, 48_548);
    assert_eq!(invoice.currency.code(), "GBP");
    assert_eq!(invoice.status, InvoiceStatus::Sent);
    assert_eq!(invoice.money(invoice.totals.total).to_string(), "£485.48");
    // The seeded partially paid invoice: 1,883.00 total, 500.00 paid,
    // 25.00 credited.
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let mine = list(&app, &alice, None).await;
    let partly = mine
        .invoices
        .iter()
        .find(|i| i.status == InvoiceStatus::PartiallyPaid)
        .unwrap();
    assert_eq!(
        (
            partly.totals.total,
            partly.totals.paid,
            partly.totals.credited,
            partly.totals.balance
        ),
        (188_300, 50_000, 2_500, 135_800)
    );
}

async fn status_follows_payments_from_partially_paid_to_paid(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (_, body) = create_sample(&app, &staff, "LIT-2026-0012").await;
    let number: String = serde_json::from_str(&body).unwrap();
    let (id,): (String,) = sqlx::query_as("select id from invoices where number = $1")
        .bind(number.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();

    assert_eq!(pay(&app, &staff, &id, "100.00").await.0, 200);
    assert_eq!(
        find(&list(&app, &staff, None).await, &number).status,
        InvoiceStatus::PartiallyPaid
    );
    let (status, body) = pay(&app, &staff, &id, "385.49").await;
    assert_eq!(status, 400, "more than the balance: {body}");
    assert!(body.contains("£385.48"), "{body}");
    assert_eq!(pay(&app, &staff, &id, "385.48").await.0, 200);
    let paid = find(&list(&app, &staff, None).await, &number).clone();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!((paid.totals.paid, paid.totals.balance), (48_548, 0));
    let (count,): (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = 'invoice.payment_recorded'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(count, 2);
}

async fn an_unpaid_invoice_past_its_due_date_is_overdue_and_a_voided_one_is_void(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    // The seeded COR-2026-0031 invoice was issued 45 days ago on 14-day terms.
    let (_, overdue) = seeded(&app, "COR-2026-0031", "sent").await;
    let view = list(&app, &staff, None).await;
    assert_eq!(find(&view, &overdue).status, InvoiceStatus::Overdue);
    // Overdue is computed, never stored.
    let (base,): (String,) = sqlx::query_as("select status_base from invoices where number = $1")
        .bind(overdue.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(base, "sent");

    let (bobs, bobs_number) = seeded(&app, "LIT-2026-0019", "sent").await;
    // Voiding needs a reason.
    for reason in ["", "   "] {
        let (status, body) = app
            .post(
                &staff,
                "/api/void_invoice",
                &[("invoice_id", bobs.as_str()), ("reason", reason)],
            )
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("Reason for voiding"), "{body}");
    }
    assert_ne!(
        find(&list(&app, &staff, None).await, &bobs_number).status,
        InvoiceStatus::Void
    );
    assert_eq!(
        app.post(
            &staff,
            "/api/void_invoice",
            &[
                ("invoice_id", bobs.as_str()),
                ("reason", "Raised twice by mistake")
            ]
        )
        .await
        .0,
        200
    );
    let voided = list(&app, &staff, None).await;
    assert_eq!(find(&voided, &bobs_number).status, InvoiceStatus::Void);
    assert_eq!(
        find(&voided, &bobs_number).void_reason.as_deref(),
        Some("Raised twice by mistake")
    );
    // The audit row keeps the reason; the client is told it is cancelled,
    // never the firm's reason.
    let (detail,): (String,) = sqlx::query_as(
        "select detail from audit_log where action = 'invoice.voided' and object_id = $1",
    )
    .bind(bobs.clone())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(detail, format!("{bobs_number}: Raised twice by mistake"));
    let bob = app.signed_in_client(DEMO_BOB).await;
    let seen_by_bob = list(&app, &bob, None).await;
    assert_eq!(find(&seen_by_bob, &bobs_number).status, InvoiceStatus::Void);
    assert_eq!(find(&seen_by_bob, &bobs_number).void_reason, None);
    let (status, body) = pay(&app, &staff, &bobs, "1.00").await;
    assert_eq!(status, 400, "{body}");
    // A paid invoice cannot be voided.
    let (paid, _) = seeded(&app, "EMP-2026-0007", "viewed").await;
    assert_eq!(
        app.post(
            &staff,
            "/api/void_invoice",
            &[("invoice_id", paid.as_str()), ("reason", "Paid elsewhere")]
        )
        .await
        .0,
        400
    );
}

async fn a_client_sees_only_their_own_matters_non_draft_invoices(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let view = list(&app, &alice, None).await;
    let (_, draft) = seeded(&app, "COR-2026-0031", "draft").await;
    let (bobs_id, bobs) = seeded(&app, "LIT-2026-0019", "sent").await;
    assert_eq!(
        view.invoices.len(),
        3,
        "three issued invoices on Alice's matters"
    );
    assert!(
        view.invoices
            .iter()
            .all(|i| i.number != draft && i.number != bobs)
    );
    assert!(
        view.invoices
            .iter()
            .all(|i| i.matter_number == "LIT-2026-0012" || i.matter_number == "COR-2026-0031")
    );
    assert!(!view.may_manage);

    let (draft_id, _) = seeded(&app, "COR-2026-0031", "draft").await;
    let foreign = get_invoice(&app, &alice, &bobs_id).await;
    let hidden_draft = get_invoice(&app, &alice, &draft_id).await;
    let missing = get_invoice(&app, &alice, &app::server::new_id()).await;
    let malformed = get_invoice(&app, &alice, "../../etc/passwd").await;
    assert_eq!(foreign.0, 404);
    assert_eq!(foreign, missing);
    assert_eq!(hidden_draft, missing);
    assert_eq!(malformed, missing);
    assert!(!foreign.1.contains(&bobs));

    // Another client's matter, asked for by id, is not found either.
    let bobs_matter = app.matter_id("LIT-2026-0019").await;
    let (status, _) = app
        .post(
            &alice,
            "/api/list_invoices",
            &[("matter_id", bobs_matter.as_str())],
        )
        .await;
    assert_eq!(status, 404);
    let denied: (i64,) = sqlx::query_as(
        "select count(*) from audit_log where action = 'access.invoice' and result = 'denied'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(denied.0, 3, "the refused lookups are audited");
}

async fn a_clients_first_view_marks_the_invoice_viewed_and_writes_audit_and_a_touchpoint(
    app: TestApp,
) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (id, number) = seeded(&app, "COR-2026-0031", "sent").await;
    let (status, body) = get_invoice(&app, &alice, &id).await;
    assert_eq!(status, 200, "{body}");
    let invoice: InvoiceView = serde_json::from_str(&body).unwrap();
    assert_eq!(invoice.number, number);
    // Still overdue: being seen does not pay it.
    assert_eq!(invoice.status, InvoiceStatus::Overdue);
    let (base, viewed_at): (String, Option<i64>) =
        sqlx::query_as("select status_base, viewed_at from invoices where id = $1")
            .bind(id.clone())
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(base, "viewed");
    assert!(viewed_at.is_some());

    // A second look keeps the first time.
    get_invoice(&app, &alice, &id).await;
    let (again,): (Option<i64>,) = sqlx::query_as("select viewed_at from invoices where id = $1")
        .bind(id.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(again, viewed_at);

    let (audited,): (i64,) = sqlx::query_as(
        "select count(*) from audit_log
         where action = 'invoice.viewed' and object_id = $1 and result = 'success'",
    )
    .bind(id.clone())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(audited, 2);
    let (touchpoints,): (i64,) = sqlx::query_as(
        "select count(*) from touchpoints t join users u on u.contact_id = t.contact_id
         where u.email = $1 and t.kind = 'portal.invoice.viewed' and t.summary = $2",
    )
    .bind(DEMO_ALICE)
    .bind(format!("Viewed statement {number}"))
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(touchpoints, 2);
}

async fn the_pdf_is_a_pdf_naming_the_invoice_and_another_clients_pdf_is_not_found(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (id, number) = seeded(&app, "LIT-2026-0012", "viewed").await;
    let response = alice
        .get(app.url(&format!("/api/invoices/{id}/pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"{number}.pdf\"")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&bytes).contains(&number));

    let (downloads,): (i64,) = sqlx::query_as(
        "select count(*) from audit_log where action = 'invoice.downloaded' and object_id = $1",
    )
    .bind(id.clone())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(downloads, 1);
    let (touchpoints,): (i64,) =
        sqlx::query_as("select count(*) from touchpoints where kind = 'portal.invoice.downloaded'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(touchpoints, 1);

    let (bobs, bobs_number) = seeded(&app, "LIT-2026-0019", "sent").await;
    let foreign = alice
        .get(app.url(&format!("/api/invoices/{bobs}/pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
    assert!(!foreign.text().await.unwrap().contains(&bobs_number));
    let anonymous = app.get(&format!("/api/invoices/{id}/pdf")).await;
    assert_eq!(anonymous.status(), 401);
    let bob = app.signed_in_client(DEMO_BOB).await;
    let bobs_own = bob
        .get(app.url(&format!("/api/invoices/{bobs}/pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(bobs_own.status(), 200);
}

async fn staff_create_invoices_and_record_payments_and_clients_and_attorneys_cannot(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (own, _) = seeded(&app, "COR-2026-0031", "sent").await;
    for client in [&alice, &attorney] {
        assert_eq!(create_sample(&app, client, "LIT-2026-0012").await.0, 404);
        assert_eq!(pay(&app, client, &own, "1.00").await.0, 404);
        assert_eq!(
            app.post(
                client,
                "/api/void_invoice",
                &[("invoice_id", own.as_str()), ("reason", "x")]
            )
            .await
            .0,
            404
        );
    }
    let (count,): (i64,) = sqlx::query_as("select count(*) from payments")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 3, "only the seeded payments");

    // Staff may; and a draft becomes visible to the client once issued.
    let matter = app.matter_id("LIT-2026-0012").await;
    let (status, body) = app
        .post(
            &staff,
            "/api/create_invoice",
            &[
                ("invoice[matter_id]", matter.as_str()),
                ("invoice[lines][0][kind]", "expense"),
                ("invoice[lines][0][description]", "Search fees"),
                ("invoice[lines][0][quantity]", "1"),
                ("invoice[lines][0][unit_amount]", "12.34"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let number: String = serde_json::from_str(&body).unwrap();
    assert!(
        list(&app, &alice, None)
            .await
            .invoices
            .iter()
            .all(|i| i.number != number),
        "drafts are hidden"
    );
    let (id,): (String,) = sqlx::query_as("select id from invoices where number = $1")
        .bind(number.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(
        app.post(&staff, "/api/issue_invoice", &[("invoice_id", id.as_str())])
            .await
            .0,
        200
    );
    assert_eq!(
        find(&list(&app, &alice, None).await, &number).totals.total,
        1_234
    );
    assert_eq!(pay(&app, &staff, &id, "12.34").await.0, 200);
    let (created, paid): ((i64,), (i64,)) = (
        sqlx::query_as("select count(*) from audit_log where action = 'invoice.created'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap(),
        sqlx::query_as("select count(*) from audit_log where action = 'invoice.payment_recorded'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap(),
    );
    assert_eq!((created.0, paid.0), (1, 1));

    // Bad input is a 400 that says what to fix.
    for (field, value, message) in [
        (
            "invoice[lines][0][unit_amount]",
            "12.345",
            "at most 2 digits",
        ),
        ("invoice[lines][0][unit_amount]", "-5", "is not a number"),
        (
            "invoice[lines][0][unit_amount]",
            "99999999999999999999",
            "too large",
        ),
        ("invoice[currency]", "pounds", "not a currency code"),
    ] {
        let mut form = vec![
            ("invoice[matter_id]", matter.as_str()),
            ("invoice[lines][0][kind]", "time"),
            ("invoice[lines][0][description]", "Work"),
            ("invoice[lines][0][quantity]", "1"),
            ("invoice[lines][0][unit_amount]", "1.00"),
        ];
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        let (status, body) = app.post(&staff, "/api/create_invoice", &form).await;
        assert_eq!(status, 400, "{field}={value}: {body}");
        assert!(body.contains(message), "{field}={value}: {body}");
    }
    let (status, body) = pay(&app, &staff, &own, "abc").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app
        .post(
            &staff,
            "/api/record_payment",
            &[
                ("invoice_id", own.as_str()),
                ("amount", "1.00"),
                ("date", "2026-02-30"),
                ("method", ""),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Date"), "{body}");
}

async fn the_trust_balance_is_the_sum_of_the_ledger(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let view = list(&app, &alice, None).await;
    let balances: Vec<(String, i64)> = view
        .trust
        .iter()
        .map(|t| (t.matter_number.clone(), t.balance.minor))
        .collect();
    assert_eq!(
        balances,
        vec![
            ("COR-2026-0031".to_owned(), 250_000),
            ("LIT-2026-0012".to_owned(), 341_380)
        ]
    );
    assert_eq!(view.trust[1].balance.to_string(), "£3,413.80");

    sqlx::query(
        "insert into trust_transactions (id, account_id, matter_id, kind, amount, currency,
         description, occurred_at, created_at)
         select $1, m.account_id, m.id, 'application', -41380, 'GBP', 'Applied', 0, 0
         from matters m where m.number = 'LIT-2026-0012'",
    )
    .bind(app::server::new_id())
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let matter = app.matter_id("LIT-2026-0012").await;
    let one = list(&app, &alice, Some(&matter)).await;
    assert_eq!(one.trust.len(), 1);
    assert_eq!(one.trust[0].balance.minor, 300_000);
    assert!(
        one.invoices
            .iter()
            .all(|i| i.matter_number == "LIT-2026-0012")
    );
}

async fn the_audit_chain_stays_intact_through_billing_activity(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (id, _) = seeded(&app, "COR-2026-0031", "sent").await;
    get_invoice(&app, &alice, &id).await;
    alice
        .get(app.url(&format!("/api/invoices/{id}/pdf")))
        .send()
        .await
        .unwrap();
    create_sample(&app, &staff, "LIT-2026-0012").await;
    pay(&app, &staff, &id, "10.00").await;
    let report = app::server::audit::verify(&app.state.db).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
}

async fn the_billing_page_lists_statements_and_shows_the_staff_forms_only_to_staff(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (_, number) = seeded(&app, "COR-2026-0031", "sent").await;
    let (_, draft) = seeded(&app, "COR-2026-0031", "draft").await;
    let page = alice.get(app.url("/billing")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&number) && html.contains("£3,413.80"),
        "statements and trust balance"
    );
    assert!(html.contains("Download PDF") && html.contains("paid-bar"));
    assert!(!html.contains(&draft), "no drafts for clients");
    for staff_only in [
        "New invoice",
        "Record a payment",
        "Pay from trust",
        "Add a credit",
        "Record a trust deposit",
    ] {
        assert!(!html.contains(staff_only), "{staff_only} is for staff");
    }
    assert!(!html.contains("style="), "the CSP forbids inline styles");
    let html = staff
        .get(app.url("/billing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&draft) && html.contains("New invoice") && html.contains("Record a payment")
    );
    assert!(html.contains(">Amount<") && html.contains(">Date<"));
    for form in [
        "Pay from trust",
        "Amount from trust",
        "Add a credit",
        "Reason",
        "Record a trust deposit",
        "Date received",
    ] {
        assert!(html.contains(form), "staff see {form}");
    }

    // One statement, and the matter page's statements panel.
    let (id, _) = seeded(&app, "COR-2026-0031", "sent").await;
    let statement = alice
        .get(app.url(&format!("/billing/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        statement.contains(&format!("Statement {number}")) && statement.contains("Balance due")
    );
    let (base,): (String,) = sqlx::query_as("select status_base from invoices where id = $1")
        .bind(id.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(base, "viewed", "opening the statement page marks it viewed");
    let matter = app.matter_id("COR-2026-0031").await;
    let page = alice
        .get(app.url(&format!("/matters/{matter}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Statements") && page.contains(&number) && page.contains("£2,500.00"),
        "{page}"
    );
}

on_both_backends!(
    totals_tax_and_balance_are_computed_exactly_in_minor_units,
    status_follows_payments_from_partially_paid_to_paid,
    an_unpaid_invoice_past_its_due_date_is_overdue_and_a_voided_one_is_void,
    a_client_sees_only_their_own_matters_non_draft_invoices,
    a_clients_first_view_marks_the_invoice_viewed_and_writes_audit_and_a_touchpoint,
    the_pdf_is_a_pdf_naming_the_invoice_and_another_clients_pdf_is_not_found,
    staff_create_invoices_and_record_payments_and_clients_and_attorneys_cannot,
    the_trust_balance_is_the_sum_of_the_ledger,
    the_audit_chain_stays_intact_through_billing_activity,
    the_billing_page_lists_statements_and_shows_the_staff_forms_only_to_staff
);
