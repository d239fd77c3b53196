//! The firm's search box (issue 11, point 9): contacts, accounts, and
//! matters by number, title or party, from an index kept current by the
//! database itself; a walled matter is never a hit and never counted.

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, TestApp},
    on_both_backends,
};

async fn search(app: &TestApp, client: &reqwest::Client, q: &str) -> serde_json::Value {
    let (status, body) = app.post(client, "/api/search", &[("q", q)]).await;
    assert_eq!(status, 200, "{q}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The labels and count of the group of `kind` (matter, contact, account).
fn group(found: &serde_json::Value, kind: &str) -> (Vec<String>, i64) {
    let group = found["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"].as_str().unwrap().eq_ignore_ascii_case(kind))
        .unwrap_or_else(|| panic!("no {kind} group: {found}"));
    let labels = group["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["label"].as_str().unwrap().to_owned())
        .collect();
    (labels, group["total"].as_i64().unwrap())
}

async fn a_firm_user_finds_contacts_accounts_and_matters_by_number_title_or_party(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let found = search(&app, &admin, "lit-2026-0012").await;
    assert_eq!(
        group(&found, "matter"),
        (vec!["LIT-2026-0012 Harbour lease dispute".to_owned()], 1)
    );
    let (labels, _) = group(&search(&app, &admin, "harbour LEASE").await, "matter");
    assert!(
        labels.iter().any(|l| l.starts_with("LIT-2026-0012")),
        "{labels:?}"
    );
    let (labels, total) = group(&search(&app, &admin, "Quayside").await, "matter");
    assert_eq!(
        (labels.len(), total),
        (1, 1),
        "by the opposing party: {labels:?}"
    );
    let found = search(&app, &admin, "moreau").await;
    let (contacts, _) = group(&found, "contact");
    assert!(contacts.iter().any(|c| c == "Henri Moreau"), "{found}");
    let (_, matters) = group(&found, "matter");
    assert!(matters >= 2, "the client party names its matters: {found}");
    let (accounts, _) = group(&search(&app, &admin, "brightwater").await, "account");
    assert_eq!(accounts, ["Brightwater Logistics"]);
    let (contacts, _) = group(&search(&app, &admin, "moreau.example").await, "contact");
    assert!(!contacts.is_empty(), "by email too");

    // The index follows every change, whoever makes it.
    let matter = app.matter_id("LIT-2026-0012").await;
    let (status, body) = app
        .post(
            &admin,
            "/api/add_party",
            &[
                ("matter_id", matter.as_str()),
                ("name", "Zanzibar Shipping Ltd"),
                ("role", "opposing_counsel"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (labels, _) = group(&search(&app, &admin, "zanzibar").await, "matter");
    assert_eq!(labels, ["LIT-2026-0012 Harbour lease dispute"]);
    let henri = app.contact_id("henri@moreau.example").await;
    let (status, body) = app
        .post(
            &admin,
            "/api/update_contact",
            &[
                ("id", henri.as_str()),
                ("contact[name]", "Henri Moreau-Lefèvre"),
                ("contact[email]", "henri@moreau.example"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (contacts, _) = group(&search(&app, &admin, "lefèvre").await, "contact");
    assert_eq!(contacts, ["Henri Moreau-Lefèvre"]);

    // Short words, quotes and wildcards are text, not syntax.
    for odd in ["li", "\"", "%", "o'neil \"x", "*", "a AND b", "NEAR(x y)"] {
        search(&app, &admin, odd).await;
    }
    let (labels, total) = group(&search(&app, &admin, "%").await, "matter");
    assert_eq!((labels.len(), total), (0, 0), "a % is a percent sign");
}

async fn a_walled_matter_is_never_a_hit_and_never_counted(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    // The seed walls the attorney off the Nakamura refinancing already.
    let (labels, total) = group(&search(&app, &attorney, "COR-2026-0050").await, "matter");
    assert_eq!((labels.len(), total), (0, 0), "{labels:?}");
    let (labels, _) = group(&search(&app, &admin, "COR-2026-0050").await, "matter");
    assert_eq!(labels.len(), 1, "the admin sees it");

    let (labels, before) = group(&search(&app, &attorney, "2026").await, "matter");
    assert!(
        labels.iter().any(|l| l.starts_with("LIT-2026-0012")),
        "{labels:?}"
    );
    let matter = app.matter_id("LIT-2026-0012").await;
    let user = app.user_id(DEMO_ATTORNEY).await;
    let (status, body) = app
        .post(
            &admin,
            "/api/raise_wall",
            &[
                ("matter_id", matter.as_str()),
                ("user_id", user.as_str()),
                ("reason", "Acted for the landlord"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (labels, after) = group(&search(&app, &attorney, "2026").await, "matter");
    assert!(
        !labels.iter().any(|l| l.starts_with("LIT-2026-0012")),
        "the same session loses the hit at once: {labels:?}"
    );
    assert_eq!(after, before - 1, "and the count");
    let (labels, total) = group(&search(&app, &attorney, "quayside").await, "matter");
    assert_eq!((labels.len(), total), (0, 0), "not by its party either");
}

async fn clients_cannot_search_and_an_empty_search_is_a_clear_400(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, body) = app.post(&alice, "/api/search", &[("q", "moreau")]).await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.contains("Moreau"), "{body}");
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let (status, body) = app.post(&admin, "/api/search", &[("q", "   ")]).await;
    assert_eq!(status, 400);
    assert!(body.contains("Search"), "{body}");
}

on_both_backends!(
    a_firm_user_finds_contacts_accounts_and_matters_by_number_title_or_party,
    a_walled_matter_is_never_a_hit_and_never_counted,
    clients_cannot_search_and_an_empty_search_is_a_clear_400,
);
