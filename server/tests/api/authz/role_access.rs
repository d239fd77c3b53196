//! Which roles reach the contact list, invitations and the outbox, which
//! reveal no matter and so are not rows of the matrix.

use super::*;

/// Which roles reach the contact list, invitations and the outbox: the
/// expected status for (admin, attorney, staff, client). Refusals are 404,
/// like an object that does not exist.
const ROLE_ACCESS: &[(&str, [u16; 4])] = &[
    ("/api/list_contacts", [200, 200, 200, 404]),
    ("/api/invite_contact", [200, 404, 200, 404]),
    ("/api/list_outbox", [200, 404, 404, 404]),
    ("/api/list_inbox", [200, 200, 200, 404]),
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

on_both_backends!(each_role_reaches_contacts_invitations_and_the_outbox_only_as_the_policy_says);
