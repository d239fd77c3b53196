//! Which roles reach the contact list, invitations and the outbox, which
//! reveal no matter and so are not rows of the matrix.

use super::*;

/// Which roles reach the contact list, invitations and the outbox: the
/// expected status for (admin, attorney, staff, client). Refusals are 404,
/// like an object that does not exist.
const ROLE_ACCESS: &[(&str, [u16; 4])] = &[
    ("/api/list_contacts", [200, 200, 200, 404]),
    ("/api/list_accounts", [200, 200, 200, 404]),
    ("/api/list_account_choices", [200, 200, 200, 404]),
    ("/api/invite_contact", [200, 404, 200, 404]),
    ("/api/list_outbox", [200, 404, 404, 404]),
    ("/api/list_users", [200, 404, 404, 404]),
    ("/api/list_stage_templates", [200, 404, 404, 404]),
    ("/api/list_client_walls", [200, 404, 404, 404]),
    ("/api/list_inbox", [200, 200, 200, 404]),
    ("/api/list_leads", [200, 200, 200, 404]),
    ("/api/set_allow_programs", [200, 404, 404, 404]),
    ("/api/get_time_zone_choice", [200, 200, 200, 200]),
    ("/api/get_upload_rules", [200, 200, 200, 200]),
    ("/api/get_clock", [200, 200, 200, 200]),
];

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
            if status == 404 && (body.contains("henri@moreau.example") || body.contains("/invite/"))
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

/// Which roles reach the firm's pages: the expected status for (admin,
/// attorney, staff, client). `{contact}` and `{account}` stand for a demo
/// contact's and account's ids.
const PAGE_ACCESS: &[(&str, [u16; 4])] = &[
    ("/admin/users", [200, 404, 404, 404]),
    ("/admin/settings", [200, 404, 404, 404]),
    ("/admin/stages", [200, 404, 404, 404]),
    ("/admin/outbox", [200, 404, 404, 404]),
    ("/admin/walls", [200, 404, 404, 404]),
    ("/crm/contacts", [200, 200, 200, 404]),
    ("/crm/accounts", [200, 200, 200, 404]),
    ("/matters/new", [200, 200, 200, 404]),
    ("/intake", [200, 200, 200, 404]),
    ("/crm/contacts/{contact}", [200, 200, 200, 404]),
    ("/crm/accounts/{account}", [200, 200, 200, 404]),
];

async fn every_admin_page_is_not_found_but_for_the_admin_and_every_crm_page_for_clients(
    app: TestApp,
) {
    app.seed().await;
    let henri = app.contact_id("henri@moreau.example").await;
    let account: String = sqlx::query_scalar("select account_id from contacts where id = $1")
        .bind(henri.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let users = [DEMO_ADMIN, DEMO_ATTORNEY, DEMO_STAFF, DEMO_ALICE];
    let mut failures = Vec::new();
    for (i, email) in users.iter().enumerate() {
        let client = app.signed_in_client(email).await;
        for (path, expected) in PAGE_ACCESS {
            let path = path
                .replace("{contact}", &henri)
                .replace("{account}", &account);
            let response = client.get(app.url(&path)).send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            if status != expected[i] {
                failures.push(format!(
                    "{email} {path}: {status}, expected {}",
                    expected[i]
                ));
            }
            if status == 404 && body.contains("henri@moreau.example") {
                failures.push(format!("{email} {path}: a 404 leaked data"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "page access failures:\n{}",
        failures.join("\n")
    );
}

on_both_backends!(
    each_role_reaches_contacts_invitations_and_the_outbox_only_as_the_policy_says,
    every_admin_page_is_not_found_but_for_the_admin_and_every_crm_page_for_clients,
);
