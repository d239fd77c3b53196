//! The firm's stage templates at `/admin/stages` (issue 11, point 4):
//! edited by the admin alone, copied into new matters of their practice
//! area, never into the matters already opened.

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TestApp},
    on_both_backends,
};

const HENRI: &str = "henri@moreau.example";

/// The form fields of a template for `area` with `stages` as (name,
/// description).
fn template_form(area: &str, stages: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form = vec![("practice_area".to_owned(), area.to_owned())];
    for (i, (name, description)) in stages.iter().enumerate() {
        form.push((format!("stages[{i}][name]"), (*name).to_owned()));
        form.push((
            format!("stages[{i}][description]"),
            (*description).to_owned(),
        ));
    }
    form
}

async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(String, String)],
) -> (u16, String) {
    let response = client.post(app.url(path)).form(form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Opens a matter in `area` for Henri as `staff`; answers its id.
async fn open_in(app: &TestApp, staff: &reqwest::Client, area: &str) -> String {
    let henri = app.contact_id(HENRI).await;
    let attorney = app.user_id(DEMO_ATTORNEY).await;
    let (status, body) = app
        .post(
            staff,
            "/api/open_matter",
            &[
                ("title", "Estate of A. Moreau"),
                ("practice_area", area),
                ("number", ""),
                ("client_id", henri.as_str()),
                ("responsible_id", attorney.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Opens a matter in `area`; answers its stages' names.
async fn open_and_read_stages(app: &TestApp, staff: &reqwest::Client, area: &str) -> Vec<String> {
    let id = open_in(app, staff, area).await;
    stage_names(app, &id).await
}

async fn stage_names(app: &TestApp, matter_id: &str) -> Vec<String> {
    sqlx::query_scalar("select name from matter_stages where matter_id = $1 order by position")
        .bind(matter_id.to_owned())
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
}

async fn an_admins_template_is_copied_into_new_matters_of_its_area_and_leaves_opened_ones_alone(
    app: TestApp,
) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let (status, body) = post_form(
        &app,
        &admin,
        "/api/save_stage_template",
        &template_form(
            " Family ",
            &[
                ("Consultation", "We hear what you need."),
                ("", ""),
                ("Settlement", "We agree the terms with the other side."),
            ],
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, list) = app
        .post(&admin, "/api/list_stage_templates", &[("", "")])
        .await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list[0]["practice_area"], "",
        "the default plan first: {list}"
    );
    let family = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["practice_area"] == "Family")
        .expect("the new area is listed, trimmed");
    assert_eq!(family["stages"].as_array().unwrap().len(), 2, "{family}");

    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (_, form) = app.post(&staff, "/api/get_matter_form", &[("", "")]).await;
    assert!(
        form.contains("\"Family\""),
        "offered on /matters/new: {form}"
    );
    let opened_first = open_in(&app, &staff, "family").await;
    assert_eq!(
        stage_names(&app, &opened_first).await,
        ["Consultation", "Settlement"]
    );

    let (status, body) = post_form(
        &app,
        &admin,
        "/api/save_stage_template",
        &template_form(
            "FAMILY",
            &[("Consultation", ""), ("Mediation", ""), ("Order", "")],
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let opened_later = open_and_read_stages(&app, &staff, "Family").await;
    assert_eq!(opened_later, ["Consultation", "Mediation", "Order"]);
    assert_eq!(
        app.count(
            "select count(distinct lower(practice_area)) from stage_templates
             where lower(practice_area) = 'family'",
            &[],
        )
        .await,
        1,
        "the same area whatever its case, replaced not duplicated"
    );
    assert_eq!(
        stage_names(&app, &opened_first).await,
        ["Consultation", "Settlement"],
        "the matter opened first keeps its plan"
    );
    for action in ["stage_template.created", "stage_template.updated"] {
        assert_eq!(
            app.count(
                "select count(*) from audit_log where action = $1 and object_kind = 'stage_template'",
                &[action],
            )
            .await,
            1,
            "{action}"
        );
    }
}

async fn the_default_plan_serves_areas_without_a_template_and_cannot_be_removed(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let mut form = template_form("", &[("Opened", "We have your file."), ("Done", "")]);
    form.push(("default_plan".to_owned(), "true".to_owned()));
    let (status, body) = post_form(&app, &admin, "/api/save_stage_template", &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        open_and_read_stages(&app, &staff, "Tax").await,
        ["Opened", "Done"]
    );

    let (status, body) = app
        .post(
            &admin,
            "/api/remove_stage_template",
            &[("practice_area", "Litigation")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        open_and_read_stages(&app, &staff, "Litigation").await,
        ["Opened", "Done"],
        "an area whose template was removed gets the default plan"
    );
    let (status, _) = app
        .post(
            &admin,
            "/api/remove_stage_template",
            &[("practice_area", "Litigation")],
        )
        .await;
    assert_eq!(status, 404, "gone already");
    let (status, body) = app
        .post(
            &admin,
            "/api/remove_stage_template",
            &[("practice_area", " ")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        app.count(
            "select count(*) from stage_templates where practice_area = ''",
            &[]
        )
        .await,
        2,
        "the default plan stays"
    );
}

async fn a_bad_template_gets_a_400_naming_what_to_fix_and_changes_nothing(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let before = app.count("select count(*) from stage_templates", &[]).await;
    let long_area = "x".repeat(81);
    for (form, needle) in [
        (
            template_form("Litigation", &[("", "A stage with no name")]),
            "Stage 1",
        ),
        (template_form("Litigation", &[("", "")]), "1 to 20 stages"),
        (template_form("  ", &[("Intake", "")]), "Practice area"),
        (
            template_form(&long_area, &[("Intake", "")]),
            "Practice area",
        ),
    ] {
        let (status, body) = post_form(&app, &admin, "/api/save_stage_template", &form).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains(needle), "{needle}: {body}");
    }
    assert_eq!(
        app.count("select count(*) from stage_templates", &[]).await,
        before
    );
    assert_eq!(
        app.count(
            "select count(*) from stage_templates where practice_area = 'Litigation'",
            &[]
        )
        .await,
        6,
        "Litigation keeps its six stages"
    );
}

async fn only_the_admin_sees_or_changes_the_stage_templates(app: TestApp) {
    app.seed().await;
    let before = app.count("select count(*) from stage_templates", &[]).await;
    for email in [DEMO_ATTORNEY, DEMO_STAFF, DEMO_ALICE] {
        let client = app.signed_in_client(email).await;
        let (status, body) = app
            .post(&client, "/api/list_stage_templates", &[("", "")])
            .await;
        assert_eq!(status, 404, "{email}");
        assert!(!body.contains("Pleadings"), "{email}: {body}");
        let (status, _) = post_form(
            &app,
            &client,
            "/api/save_stage_template",
            &template_form("Litigation", &[("Only one", "")]),
        )
        .await;
        assert_eq!(status, 404, "{email}");
        let (status, _) = app
            .post(
                &client,
                "/api/remove_stage_template",
                &[("practice_area", "Litigation")],
            )
            .await;
        assert_eq!(status, 404, "{email}");
    }
    assert_eq!(
        app.count("select count(*) from stage_templates", &[]).await,
        before,
        "nothing changed"
    );
}

on_both_backends!(
    an_admins_template_is_copied_into_new_matters_of_its_area_and_leaves_opened_ones_alone,
    the_default_plan_serves_areas_without_a_template_and_cannot_be_removed,
    a_bad_template_gets_a_400_naming_what_to_fix_and_changes_nothing,
    only_the_admin_sees_or_changes_the_stage_templates,
);
