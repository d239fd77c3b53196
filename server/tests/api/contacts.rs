//! Adding contacts and accounts from the firm's pages (issue 11, point 3):
//! details saved, duplicates caught, firm users only.

use crate::{
    helpers::{DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TestApp},
    on_both_backends,
};

async fn add_contact(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    email: &str,
    account: &str,
    anyway: bool,
) -> (u16, String) {
    let mut form = vec![
        ("name", name),
        ("email", email),
        ("phone", "+44 20 7946 0000"),
        ("address", "1 Quay Street\nBristol"),
        ("account_id", account),
        ("role", "Finance Director"),
    ];
    if anyway {
        form.push(("anyway", "yes"));
    }
    app.post(client, "/api/create_contact", &form).await
}

async fn staff_add_an_account_and_a_contact_at_it_with_their_details(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, body) = app
        .post(
            &staff,
            "/api/create_account",
            &[("name", "Quayside Shipping Ltd"), ("kind", "organisation")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let account: String = serde_json::from_str(&body).unwrap();
    let (status, body) = add_contact(
        &app,
        &staff,
        "Marta de la Cruz",
        "Marta@Quayside.example",
        &account,
        false,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id: String = serde_json::from_str(&body).unwrap();
    let saved = app
        .count(
            "select count(*) from contacts where id = $1 and given_name = 'Marta de la'
             and family_name = 'Cruz' and email = 'marta@quayside.example'
             and phone = '+44 20 7946 0000' and address = $2 and job_title = 'Finance Director'
             and account_id = $3",
            &[&id, "1 Quay Street\nBristol", &account],
        )
        .await;
    assert_eq!(saved, 1, "every detail saved, the email normalised");
    let (_, listed) = app.post(&staff, "/api/list_contacts", &[("", "")]).await;
    assert!(listed.contains("Quayside Shipping Ltd"), "{listed}");
    let (_, accounts) = app.post(&staff, "/api/list_accounts", &[("", "")]).await;
    assert!(
        accounts.contains(
            "\"name\":\"Quayside Shipping Ltd\",\"kind\":\"organisation\",\"contacts\":1"
        ),
        "{accounts}"
    );
    for (action, object) in [("contact.created", &id), ("account.created", &account)] {
        let rows = app
            .count(
                "select count(*) from audit_log where action = $1 and object_id = $2",
                &[action, object],
            )
            .await;
        assert_eq!(rows, 1, "{action}");
    }
    let touchpoints = app
        .count(
            "select count(*) from touchpoints where contact_id = $1 and kind = 'crm.contact_created'",
            &[&id],
        )
        .await;
    assert_eq!(touchpoints, 1);
}

async fn a_duplicate_email_is_refused_and_a_namesake_is_saved_only_when_confirmed(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, body) =
        add_contact(&app, &staff, "H. Moreau", "HENRI@moreau.example", "", false).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body.contains("Henri Moreau already has the email"),
        "{body}"
    );
    let (status, body) = add_contact(&app, &staff, "  henri   MOREAU ", "", "", false).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("exists already"), "{body}");
    let (status, body) = add_contact(&app, &staff, "  henri   MOREAU ", "", "", true).await;
    assert_eq!(status, 200, "a different person of the same name: {body}");
    let henris = app
        .count(
            "select count(*) from contacts where lower(given_name) = 'henri' and lower(family_name) = 'moreau'",
            &[],
        )
        .await;
    assert_eq!(henris, 2);
}

async fn bad_contact_and_account_input_gets_a_clear_4xx(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, body) = add_contact(&app, &staff, "Ann Lee", "ann@", "", false).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Email"), "{body}");
    let (status, _) = add_contact(&app, &staff, "", "", "", false).await;
    assert_eq!(status, 400);
    let unknown = "01900000-0000-7000-8000-000000000000";
    let (status, _) = add_contact(&app, &staff, "Ann Lee", "", unknown, false).await;
    assert_eq!(status, 404, "an unknown account");
    let (status, body) = app
        .post(
            &staff,
            "/api/create_account",
            &[("name", "Club"), ("kind", "club")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = app
        .post(
            &staff,
            "/api/create_account",
            &[("name", " "), ("kind", "household")],
        )
        .await;
    assert_eq!(status, 400);
}

async fn only_firm_users_add_contacts_and_accounts(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, _) = add_contact(&app, &alice, "Eve Spy", "eve@spy.example", "", false).await;
    assert_eq!(status, 404);
    for (path, form) in [
        (
            "/api/create_account",
            vec![("name", "X"), ("kind", "household")],
        ),
        ("/api/list_accounts", vec![("", "")]),
    ] {
        let (status, _) = app.post(&alice, path, &form).await;
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(
        app.count(
            "select count(*) from contacts where email = 'eve@spy.example'",
            &[]
        )
        .await,
        0
    );
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let (status, body) = add_contact(
        &app,
        &attorney,
        "Noor Haddad",
        "noor@example.test",
        "",
        false,
    )
    .await;
    assert_eq!(status, 200, "attorneys add their contacts too: {body}");
}

on_both_backends!(
    staff_add_an_account_and_a_contact_at_it_with_their_details,
    a_duplicate_email_is_refused_and_a_namesake_is_saved_only_when_confirmed,
    bad_contact_and_account_input_gets_a_clear_4xx,
    only_firm_users_add_contacts_and_accounts,
);
