//! The firm's settings at `/admin/settings` (issue 11, point 1): stored,
//! audited, applied, and the admin's alone.

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TestApp},
    on_both_backends,
};

fn form<'a>(pattern: &'a str, minutes: &'a str, zone: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("firm_name", "Harbour Law LLP"),
        ("currency", "eur"),
        ("number_pattern", pattern),
        ("response_minutes", minutes),
        ("hours_start", "08:30"),
        ("hours_end", "18:00"),
        ("time_zone", zone),
    ]
}

async fn an_admins_settings_are_stored_audited_and_applied_to_numbers_and_response_targets(
    app: TestApp,
) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let (status, before) = app
        .post(&admin, "/api/get_firm_settings", &[("", "")])
        .await;
    assert_eq!(status, 200, "{before}");
    assert!(
        before.contains("{year}-{seq:4}"),
        "the defaults first: {before}"
    );
    assert_eq!(
        app.post(
            &crate::helpers::new_client(),
            "/api/get_firm_brand",
            &[("", "")]
        )
        .await,
        (
            200,
            "{\"name\":\"Your law firm\",\"logo_url\":null}".to_owned()
        )
    );
    let (status, body) = app
        .post(
            &admin,
            "/api/update_firm_settings",
            &form("HL/{year}/{seq:3}", "90", "Europe/Dublin"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The firm's name is public: the sign-in page shows it.
    let anyone = crate::helpers::new_client();
    let (status, brand) = app.post(&anyone, "/api/get_firm_brand", &[("", "")]).await;
    assert_eq!(status, 200);
    assert!(brand.contains("\"name\":\"Harbour Law LLP\""), "{brand}");
    let (_, after) = app
        .post(&admin, "/api/get_firm_settings", &[("", "")])
        .await;
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(after["firm_name"], "Harbour Law LLP");
    assert_eq!(after["currency"], "EUR");
    assert_eq!(after["time_zone"], "Europe/Dublin");
    // How clients pay has its own form; saving the main form keeps it.
    let (status, body) = app
        .post(
            &admin,
            "/api/set_payment_instructions",
            &[(
                "payment_instructions",
                "  Sort code 12-34-56\nAccount 12345678 ",
            )],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            &admin,
            "/api/update_firm_settings",
            &form("HL/{year}/{seq:3}", "90", "Europe/Dublin"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, kept) = app
        .post(&admin, "/api/get_firm_settings", &[("", "")])
        .await;
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(
        kept["payment_instructions"],
        "Sort code 12-34-56\nAccount 12345678"
    );
    let (status, _) = app
        .post(
            &app.signed_in_client(DEMO_STAFF).await,
            "/api/set_payment_instructions",
            &[("payment_instructions", "Pay me instead")],
        )
        .await;
    assert_eq!(status, 404, "only admins set how clients pay");
    let audited = app
        .count(
            "select count(*) from audit_log where action = 'settings.updated'
             and detail like '%number pattern%' and detail like '%response target%'",
            &[],
        )
        .await;
    assert_eq!(audited, 1);

    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (_, matter_form) = app.post(&staff, "/api/get_matter_form", &[("", "")]).await;
    let matter_form: serde_json::Value = serde_json::from_str(&matter_form).unwrap();
    let year = app::domain::time::civil_date(app::server::now_ms()).0;
    assert!(
        matter_form["next_number"]
            .as_str()
            .unwrap()
            .starts_with(&format!("HL/{year}/")),
        "{matter_form}"
    );
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let id = app.matter_id("COR-2026-0031").await;
    let (_, detail) = app
        .post(&attorney, "/api/get_matter_detail", &[("id", id.as_str())])
        .await;
    assert!(
        detail.contains("\"firm_minutes\":90"),
        "the firm's response target: {detail}"
    );
}

async fn bad_settings_get_a_400_naming_the_field(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    for (fields, needle) in [
        (form("{year}", "90", "UTC"), "pattern"),
        (form("{seq}", "0", "UTC"), "Response target"),
        (form("{seq}", "90", "Mars"), "Time zone"),
    ] {
        let (status, body) = app.post(&admin, "/api/update_firm_settings", &fields).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains(needle), "{needle}: {body}");
    }
    assert_eq!(
        app.count("select count(*) from firm_settings", &[]).await,
        0,
        "nothing saved"
    );
}

async fn only_the_admin_sees_or_changes_the_settings(app: TestApp) {
    app.seed().await;
    for email in [DEMO_ATTORNEY, DEMO_STAFF, DEMO_ALICE] {
        let client = app.signed_in_client(email).await;
        let (status, _) = app
            .post(&client, "/api/get_firm_settings", &[("", "")])
            .await;
        assert_eq!(status, 404, "{email}");
        let (status, _) = app
            .post(
                &client,
                "/api/update_firm_settings",
                &form("{seq}", "90", "UTC"),
            )
            .await;
        assert_eq!(status, 404, "{email}");
    }
    assert_eq!(
        app.count("select count(*) from firm_settings", &[]).await,
        0
    );
}

on_both_backends!(
    an_admins_settings_are_stored_audited_and_applied_to_numbers_and_response_targets,
    bad_settings_get_a_400_naming_the_field,
    only_the_admin_sees_or_changes_the_settings,
);
