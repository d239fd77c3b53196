//! The client's home cards (issue 12, point 5): to-dos, new messages, the
//! next date and what is owed, each only from the client's own matters.

use app::domain::{billing::BillingView, home::ClientHomeView};

use crate::{
    helpers::{DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, TestApp},
    on_both_backends,
};

async fn home(app: &TestApp, client: &reqwest::Client) -> Option<ClientHomeView> {
    let (status, body) = app.post(client, "/api/get_client_home", &[("", "")]).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn a_clients_home_lists_their_requests_overdue_first_their_next_date_and_what_they_owe(
    app: TestApp,
) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let cards = home(&app, &alice).await.expect("a client has home cards");

    // Two requests on each of her two matters; the overdue tax returns lead.
    let titles: Vec<&str> = cards.to_do.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        ["2023 tax return", "2023 tax return", "Photo ID", "Photo ID"]
    );
    assert!(cards.to_do[0].overdue);
    assert_eq!(cards.to_do[0].due.as_deref(), Some("overdue by 2 days"));
    assert!(!cards.to_do[2].overdue);
    assert_eq!(cards.to_do[2].due.as_deref(), Some("due in 14 days"));
    assert!(
        cards
            .to_do
            .iter()
            .all(|t| ["LIT-2026-0012", "COR-2026-0031"].contains(&t.matter_number.as_str())),
        "only her matters: {:?}",
        cards.to_do
    );

    let next = cards.next_date.expect("a date is coming");
    assert_eq!(next.title, "Witness statement review");
    assert_eq!(next.when, "in 4 days");

    // What she owes is the balance of her issued statements.
    let response = alice
        .post(app.url("/api/list_invoices"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    let billing: BillingView = response.json().await.unwrap();
    let expected: i64 = billing
        .invoices
        .iter()
        .map(|i| i.totals.balance.max(0))
        .sum();
    assert!(expected > 0);
    assert_eq!(cards.owed.len(), 1);
    assert_eq!(cards.owed[0].minor, expected);
    assert_eq!(cards.payment_instructions, "");

    // Paying instructions come from the firm's settings.
    sqlx::query(
        "insert into firm_settings (id, firm_name, currency, number_pattern, response_minutes,
                                    hours_start, hours_end, time_zone, updated_at, payment_instructions)
         values (1, 'Harbour Law LLP', 'GBP', '{year}-{seq:4}', 60, '09:00', '17:30', 'UTC', 0,
                 'Sort code 12-34-56, account 12345678')",
    )
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let cards = home(&app, &alice).await.unwrap();
    assert_eq!(
        cards.payment_instructions,
        "Sort code 12-34-56, account 12345678"
    );
}

async fn a_fulfilled_request_leaves_the_list_and_another_clients_never_shows(app: TestApp) {
    app.seed().await;
    let bob = app.signed_in_client(DEMO_BOB).await;
    let cards = home(&app, &bob).await.unwrap();
    assert_eq!(cards.to_do.len(), 2);
    assert!(
        cards
            .to_do
            .iter()
            .all(|t| t.matter_number == "LIT-2026-0019")
    );
    sqlx::query("update document_requests set status = 'fulfilled' where title = 'Photo ID'")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let cards = home(&app, &bob).await.unwrap();
    let titles: Vec<&str> = cards.to_do.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["2023 tax return"]);
}

async fn the_firm_has_no_client_home(app: TestApp) {
    app.seed().await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    assert_eq!(home(&app, &attorney).await, None);
}

on_both_backends!(
    a_clients_home_lists_their_requests_overdue_first_their_next_date_and_what_they_owe,
    a_fulfilled_request_leaves_the_list_and_another_clients_never_shows,
    the_firm_has_no_client_home
);
