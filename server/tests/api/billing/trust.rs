//! Trust money and credits: deposits, transfers from trust to an invoice
//! that never overdraw the ledger (also when they race), and credits.

use futures_util::future::join_all;

use super::{create_sample, list};
use crate::{
    helpers::{DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TestApp},
    on_both_backends,
};

/// A matter of the demo firm with no trust money, whose account has
/// contacts and which staff may see: its number and id.
async fn matter_without_trust(app: &TestApp) -> (String, String) {
    sqlx::query_as(
        "select m.number, m.id from matters m
         where not exists (select 1 from trust_transactions t where t.matter_id = m.id)
           and exists (select 1 from contacts c where c.account_id = m.account_id)
           and not exists (select 1 from ethical_walls w join users u on u.id = w.user_id
                           where w.matter_id = m.id and u.email = $1)
         order by m.number limit 1",
    )
    .bind(DEMO_STAFF)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap()
}

/// The id of the newest invoice on the matter numbered `number`.
async fn newest_invoice(app: &TestApp, number: &str) -> String {
    let (id,): (String,) = sqlx::query_as(
        "select i.id from invoices i join matters m on m.id = i.matter_id
         where m.number = $1 order by i.created_at desc, i.id desc limit 1",
    )
    .bind(number.to_owned())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    id
}

async fn deposit(
    app: &TestApp,
    staff: &reqwest::Client,
    matter: &str,
    amount: &str,
) -> (u16, String) {
    app.post(
        staff,
        "/api/record_trust_deposit",
        &[
            ("matter_id", matter),
            ("amount", amount),
            ("date", "2026-11-20"),
            ("description", "Retainer"),
        ],
    )
    .await
}

async fn transfer(
    app: &TestApp,
    staff: &reqwest::Client,
    invoice: &str,
    amount: &str,
) -> (u16, String) {
    app.post(
        staff,
        "/api/transfer_trust_to_invoice",
        &[("invoice_id", invoice), ("amount", amount)],
    )
    .await
}

async fn trust_minor(app: &TestApp, matter: &str) -> i64 {
    app.count(
        "select cast(coalesce(sum(amount), 0) as bigint) from trust_transactions where matter_id = $1",
        &[matter],
    )
    .await
}

async fn staff_record_a_deposit_and_pay_an_invoice_from_trust_within_both_balances(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (number, matter) = matter_without_trust(&app).await;

    let (status, body) = deposit(&app, &staff, &matter, "10.00").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(trust_minor(&app, &matter).await, 1_000);
    let (status, body) = deposit(&app, &staff, &matter, "-5").await;
    assert_eq!(status, 400, "a deposit is money in: {body}");

    let (status, body) = create_sample(&app, &staff, &number).await;
    assert_eq!(status, 200, "{body}");
    let invoice = newest_invoice(&app, &number).await;
    let (status, body) = transfer(&app, &staff, &invoice, "20.00").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("more than the trust balance (£10.00)"),
        "{body}"
    );
    let (status, body) = transfer(&app, &staff, &invoice, "9000.00").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("more than the balance due"), "{body}");

    let (status, body) = transfer(&app, &staff, &invoice, "7.50").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        trust_minor(&app, &matter).await,
        250,
        "the ledger holds what is left"
    );
    let paid = app
        .count(
            "select cast(coalesce(sum(amount), 0) as bigint) from payments where invoice_id = $1",
            &[invoice.as_str()],
        )
        .await;
    assert_eq!(paid, 750, "the invoice shows the transfer as a payment");
    for action in ["trust.deposit_recorded", "invoice.trust_applied"] {
        let rows = app
            .count(
                "select count(*) from audit_log where action = $1",
                &[action],
            )
            .await;
        assert_eq!(rows, 1, "{action} is audited once");
    }
    let touched = app
        .count(
            "select count(*) from touchpoints where matter_id = $1 and kind like 'billing.%'",
            &[matter.as_str()],
        )
        .await;
    assert!(
        touched >= 2,
        "the deposit and the transfer are on the client's timeline"
    );
}

async fn concurrent_transfers_never_take_trust_below_zero(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (number, matter) = matter_without_trust(&app).await;
    assert_eq!(deposit(&app, &staff, &matter, "100.00").await.0, 200);
    assert_eq!(create_sample(&app, &staff, &number).await.0, 200);
    let invoice = newest_invoice(&app, &number).await;

    let attempts = (0..10).map(|_| transfer(&app, &staff, &invoice, "30.00"));
    let outcomes = join_all(attempts).await;
    let accepted = outcomes.iter().filter(|(status, _)| *status == 200).count();
    let refused = outcomes
        .iter()
        .filter(|(status, body)| *status == 400 && body.contains("trust balance"))
        .count();
    assert_eq!((accepted, refused), (3, 7), "{outcomes:?}");
    assert_eq!(
        trust_minor(&app, &matter).await,
        1_000,
        "£100 less three £30 transfers"
    );
}

async fn a_credit_needs_a_reason_and_stays_within_the_balance_due(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (number, _) = matter_without_trust(&app).await;
    assert_eq!(create_sample(&app, &staff, &number).await.0, 200);
    let invoice = newest_invoice(&app, &number).await;
    let credit = |amount: &'static str, reason: &'static str| {
        let (app, staff, invoice) = (&app, &staff, invoice.clone());
        async move {
            app.post(
                staff,
                "/api/add_invoice_credit",
                &[
                    ("invoice_id", invoice.as_str()),
                    ("amount", amount),
                    ("reason", reason),
                ],
            )
            .await
        }
    };
    let (status, body) = credit("50.00", " ").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Reason"), "{body}");
    let (status, body) = credit("9000.00", "Goodwill").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = credit("50.00", "Goodwill").await;
    assert_eq!(status, 200, "{body}");
    let credited = app
        .count(
            "select cast(coalesce(sum(amount), 0) as bigint) from credits where invoice_id = $1",
            &[invoice.as_str()],
        )
        .await;
    assert_eq!(credited, 5_000);
}

async fn clients_and_attorneys_cannot_move_trust_money_or_credit(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (number, matter) = matter_without_trust(&app).await;
    assert_eq!(create_sample(&app, &staff, &number).await.0, 200);
    let invoice = newest_invoice(&app, &number).await;
    for email in [DEMO_ALICE, DEMO_ATTORNEY] {
        let user = app.signed_in_client(email).await;
        assert_eq!(
            deposit(&app, &user, &matter, "10.00").await.0,
            404,
            "{email}"
        );
        assert_eq!(
            transfer(&app, &user, &invoice, "1.00").await.0,
            404,
            "{email}"
        );
        let (status, _) = app
            .post(
                &user,
                "/api/add_invoice_credit",
                &[
                    ("invoice_id", invoice.as_str()),
                    ("amount", "1"),
                    ("reason", "x"),
                ],
            )
            .await;
        assert_eq!(status, 404, "{email}");
    }
    assert_eq!(trust_minor(&app, &matter).await, 0);
    let alice = app.signed_in_client(DEMO_ALICE).await;
    assert!(
        list(&app, &alice, None)
            .await
            .trust
            .iter()
            .all(|t| t.balance.minor >= 0)
    );
}

on_both_backends!(
    staff_record_a_deposit_and_pay_an_invoice_from_trust_within_both_balances,
    concurrent_transfers_never_take_trust_below_zero,
    a_credit_needs_a_reason_and_stays_within_the_balance_due,
    clients_and_attorneys_cannot_move_trust_money_or_credit
);
