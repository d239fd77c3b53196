//! The firm's users at `/admin/users` (issue 11, point 2): a colleague is
//! invited by email and sets up MFA before anything else works; admins
//! change roles, disable and enable, end sessions and reset MFA; the firm
//! never loses its last active admin; and everything is audited.

use crate::{
    helpers::{
        DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_STAFF, TEST_PASSWORD, TestApp, new_client,
        token_in,
    },
    on_both_backends,
};

const COLLEAGUE: &str = "ada.lovelace@firm.test";
const NEW_PASSWORD: &str = "copper meadow violin orchard";

async fn invite(app: &TestApp, admin: &reqwest::Client, email: &str, role: &str) -> (u16, String) {
    app.post(
        admin,
        "/api/invite_colleague",
        &[("name", "Ada Lovelace"), ("email", email), ("role", role)],
    )
    .await
}

/// The admin invites `COLLEAGUE` as `role`, who accepts with
/// [`NEW_PASSWORD`].
async fn join(app: &TestApp, admin: &reqwest::Client, role: &str) {
    let (status, body) = invite(app, admin, COLLEAGUE, role).await;
    assert_eq!(status, 200, "{body}");
    let emails = app.outbox_emails(COLLEAGUE).await;
    let (kind, _, body) = emails.last().expect("an invitation email");
    assert_eq!(kind, "invitation");
    let token = token_in(body, "/invite/");
    let (status, body) = app
        .post(
            &new_client(),
            "/api/accept_invitation",
            &[
                ("token", token.as_str()),
                ("password", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Signs the colleague in, which (their MFA not set up yet) takes them
/// through the set-up.
async fn colleague_client(app: &TestApp) -> reqwest::Client {
    let client = new_client();
    let (status, step) = app.sign_in(&client, COLLEAGUE, NEW_PASSWORD).await;
    assert_eq!(status, 200, "{step}");
    assert!(step.contains("MfaSetupRequired"), "{step}");
    app.set_up_mfa(&client).await;
    client
}

async fn audited(app: &TestApp, action: &str, user_id: &str) -> i64 {
    app.count(
        "select count(*) from audit_log where action = $1 and object_id = $2",
        &[action, user_id],
    )
    .await
}

async fn an_invited_colleague_sets_a_password_then_must_set_up_mfa_before_anything_works(
    app: TestApp,
) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    join(&app, &admin, "attorney").await;
    let ada = app.user_id(COLLEAGUE).await;
    assert_eq!(audited(&app, "user.invited", &ada).await, 1);

    let half = new_client();
    let (_, step) = app.sign_in(&half, COLLEAGUE, NEW_PASSWORD).await;
    assert!(step.contains("MfaSetupRequired"), "{step}");
    for path in [
        "/api/list_matters",
        "/api/get_account",
        "/api/list_sessions",
    ] {
        let (status, _) = app.post(&half, path, &[("", "")]).await;
        assert_eq!(status, 401, "{path} before the set-up");
    }
    app.set_up_mfa(&half).await;
    let (status, body) = app.post(&half, "/api/get_account", &[("", "")]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"role\":\"attorney\""), "{body}");
    assert!(body.contains("\"mfa_enabled\":true"), "{body}");

    let (status, listed) = app.post(&admin, "/api/list_users", &[("", "")]).await;
    assert_eq!(status, 200);
    let users: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    let row = users
        .iter()
        .find(|u| u["email"] == COLLEAGUE)
        .expect("listed");
    assert_eq!(row["status"], "active");
    assert!(
        !listed.contains("password") && !listed.contains("totp"),
        "{listed}"
    );
    assert!(
        users.iter().all(|u| u["role"] != "client"),
        "clients are not listed"
    );
}

async fn an_invitation_needs_a_name_an_address_and_a_firm_role_and_never_takes_a_used_address(
    app: TestApp,
) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    for (email, role, needle) in [
        ("not-an-address", "staff", "Email"),
        (COLLEAGUE, "client", "Role"),
        (COLLEAGUE, "owner", "Role"),
    ] {
        let (status, body) = invite(&app, &admin, email, role).await;
        assert_eq!(status, 400, "{email} {role}: {body}");
        assert!(body.contains(needle), "{body}");
    }
    let (status, body) = app
        .post(
            &admin,
            "/api/invite_colleague",
            &[("name", "  "), ("email", COLLEAGUE), ("role", "staff")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    for taken in [DEMO_STAFF, DEMO_ALICE, "ALICE@client.test"] {
        let (status, body) = invite(&app, &admin, taken, "staff").await;
        assert_eq!(status, 409, "{taken}: {body}");
    }
    // Asking again before it was accepted sends a fresh link; the old one
    // stops working.
    assert_eq!(invite(&app, &admin, COLLEAGUE, "staff").await.0, 200);
    let first = token_in(&app.outbox_emails(COLLEAGUE).await[0].2, "/invite/");
    assert_eq!(invite(&app, &admin, COLLEAGUE, "attorney").await.0, 200);
    let (status, _) = app
        .post(
            &new_client(),
            "/api/accept_invitation",
            &[
                ("token", first.as_str()),
                ("password", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 400, "the first link was replaced");
    let users = app
        .count(
            "select count(*) from users where email = $1 and role = 'attorney'",
            &[COLLEAGUE],
        )
        .await;
    assert_eq!(users, 1, "one user, with the latest role");
}

async fn disabling_a_user_ends_their_sessions_and_calendar_feeds_and_enabling_lets_them_back(
    app: TestApp,
) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, body) = app
        .post(&staff, "/api/create_calendar_feed", &[("", "")])
        .await;
    assert_eq!(status, 200, "{body}");
    let feed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let feed = feed["path"].as_str().unwrap().to_owned();
    let id = app.user_id(DEMO_STAFF).await;

    let (status, body) = app
        .post(
            &admin,
            "/api/set_user_disabled",
            &[("user_id", id.as_str()), ("disabled", "true")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.post(&staff, "/api/list_matters", &[("", "")]).await;
    assert_eq!(status, 401, "the open session ended at once");
    let feed_status = new_client().get(app.url(&feed)).send().await.unwrap();
    assert_eq!(feed_status.status(), 404, "the feed was revoked");
    let (status, _) = app.sign_in(&new_client(), DEMO_STAFF, TEST_PASSWORD).await;
    assert_eq!(status, 401, "a disabled user cannot sign in");

    let (status, _) = app
        .post(
            &admin,
            "/api/set_user_disabled",
            &[("user_id", id.as_str()), ("disabled", "false")],
        )
        .await;
    assert_eq!(status, 200);
    app.signed_in_client(DEMO_STAFF).await;
    assert_eq!(audited(&app, "user.disabled", &id).await, 1);
    assert_eq!(audited(&app, "user.enabled", &id).await, 1);
}

async fn the_last_active_admin_can_be_neither_disabled_nor_demoted(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let me = app.user_id(DEMO_ADMIN).await;
    let (status, body) = app
        .post(
            &admin,
            "/api/change_role",
            &[("user_id", me.as_str()), ("role", "attorney")],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("last active admin"), "{body}");
    let (status, body) = app
        .post(
            &admin,
            "/api/set_user_disabled",
            &[("user_id", me.as_str()), ("disabled", "true")],
        )
        .await;
    assert_eq!(status, 400, "nobody disables themself: {body}");

    // An invited admin who never signed in does not count.
    assert_eq!(invite(&app, &admin, COLLEAGUE, "admin").await.0, 200);
    let (status, _) = app
        .post(
            &admin,
            "/api/change_role",
            &[("user_id", me.as_str()), ("role", "attorney")],
        )
        .await;
    assert_eq!(status, 409, "an invited admin is not yet active");

    // With a second active admin, one of them may step down.
    let staff = app.user_id(DEMO_STAFF).await;
    let (status, body) = app
        .post(
            &admin,
            "/api/change_role",
            &[("user_id", staff.as_str()), ("role", "admin")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            &admin,
            "/api/change_role",
            &[("user_id", me.as_str()), ("role", "attorney")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let admins = app
        .count(
            "select count(*) from users where role = 'admin' and disabled = 0 and password_hash is not null",
            &[],
        )
        .await;
    assert_eq!(admins, 1);
    assert_eq!(audited(&app, "user.role_changed", &me).await, 1);
}

async fn two_admins_demoting_each_other_at_once_leave_the_firm_an_admin(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let staff_id = app.user_id(DEMO_STAFF).await;
    let (status, _) = app
        .post(
            &admin,
            "/api/change_role",
            &[("user_id", staff_id.as_str()), ("role", "admin")],
        )
        .await;
    assert_eq!(status, 200);
    let other = app.signed_in_client(DEMO_STAFF).await;
    let admin_id = app.user_id(DEMO_ADMIN).await;
    let demote_staff = [("user_id", staff_id.as_str()), ("role", "staff")];
    let demote_admin = [("user_id", admin_id.as_str()), ("role", "staff")];
    let (first, second) = tokio::join!(
        app.post(&admin, "/api/change_role", &demote_staff),
        app.post(&other, "/api/change_role", &demote_admin),
    );
    let admins = app
        .count(
            "select count(*) from users where role = 'admin' and disabled = 0",
            &[],
        )
        .await;
    assert_eq!(
        admins, 1,
        "exactly one demotion may win: {first:?} {second:?}"
    );
}

async fn an_admin_ends_someones_sessions_and_a_role_change_ends_them_too(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let id = app.user_id(DEMO_ATTORNEY).await;
    let (status, body) = app
        .post(
            &admin,
            "/api/end_user_sessions",
            &[("user_id", id.as_str())],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "1", "one session ended");
    let (status, _) = app.post(&attorney, "/api/list_matters", &[("", "")]).await;
    assert_eq!(status, 401);
    assert_eq!(audited(&app, "user.sessions_ended", &id).await, 1);

    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let (status, _) = app
        .post(
            &admin,
            "/api/change_role",
            &[("user_id", id.as_str()), ("role", "staff")],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.post(&attorney, "/api/list_matters", &[("", "")]).await;
    assert_eq!(status, 401, "the new privilege starts a new session");
}

async fn resetting_mfa_needs_the_admins_password_and_makes_the_user_set_it_up_again(app: TestApp) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    join(&app, &admin, "staff").await;
    let ada_session = colleague_client(&app).await;
    let ada = app.user_id(COLLEAGUE).await;

    let (status, _) = app
        .post(
            &admin,
            "/api/reset_user_mfa",
            &[("user_id", ada.as_str()), ("password", "not the password")],
        )
        .await;
    assert_eq!(status, 401, "a wrong password resets nothing");
    let enabled = app
        .count(
            "select count(*) from users where id = $1 and mfa_enabled = 1",
            &[&ada],
        )
        .await;
    assert_eq!(enabled, 1);

    let (status, body) = app
        .post(
            &admin,
            "/api/reset_user_mfa",
            &[("user_id", ada.as_str()), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .post(&ada_session, "/api/list_matters", &[("", "")])
        .await;
    assert_eq!(status, 401, "the reset ends their sessions");
    let codes = app
        .count(
            "select count(*) from recovery_codes where user_id = $1",
            &[&ada],
        )
        .await;
    assert_eq!(codes, 0, "the old recovery codes are gone");
    colleague_client(&app).await;
    assert_eq!(audited(&app, "user.mfa_reset", &ada).await, 1);

    let me = app.user_id(DEMO_ADMIN).await;
    let (status, _) = app
        .post(
            &admin,
            "/api/reset_user_mfa",
            &[("user_id", me.as_str()), ("password", TEST_PASSWORD)],
        )
        .await;
    assert_eq!(status, 400, "an admin cannot reset their own");
}

async fn only_the_admin_may_see_or_change_the_firms_users(app: TestApp) {
    app.seed().await;
    let target = app.user_id(DEMO_STAFF).await;
    let calls: [(&str, Vec<(&str, &str)>); 6] = [
        ("/api/list_users", vec![("", "")]),
        (
            "/api/invite_colleague",
            vec![("name", "X"), ("email", COLLEAGUE), ("role", "admin")],
        ),
        (
            "/api/change_role",
            vec![("user_id", target.as_str()), ("role", "admin")],
        ),
        (
            "/api/set_user_disabled",
            vec![("user_id", target.as_str()), ("disabled", "true")],
        ),
        ("/api/end_user_sessions", vec![("user_id", target.as_str())]),
        (
            "/api/reset_user_mfa",
            vec![("user_id", target.as_str()), ("password", TEST_PASSWORD)],
        ),
    ];
    for email in [DEMO_ATTORNEY, DEMO_STAFF, DEMO_ALICE] {
        let client = app.signed_in_client(email).await;
        for (path, form) in &calls {
            let (status, body) = app.post(&client, path, form).await;
            assert_eq!(status, 404, "{email} {path}: {body}");
        }
        let page = client.get(app.url("/admin/users")).send().await.unwrap();
        assert_eq!(page.status(), 404, "{email} page");
    }
    let unchanged = app
        .count(
            "select count(*) from users where id = $1 and role = 'staff' and disabled = 0",
            &[&target],
        )
        .await;
    assert_eq!(unchanged, 1);
    assert_eq!(
        app.count("select count(*) from users where email = $1", &[COLLEAGUE])
            .await,
        0
    );

    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let page = admin.get(app.url("/admin/users")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Invite a colleague") && html.contains("Send invitation"));
    // A client's id is no firm user: not found, like an unknown one.
    let alice = app.user_id(DEMO_ALICE).await;
    let (status, _) = app
        .post(
            &admin,
            "/api/change_role",
            &[("user_id", alice.as_str()), ("role", "admin")],
        )
        .await;
    assert_eq!(status, 404);
    let report = app::server::audit::verify(&app.state.db).await.unwrap();
    assert!(report.is_intact(), "{report}");
}

async fn ending_someones_sessions_also_ends_a_sign_in_still_waiting_on_its_mfa_set_up(
    app: TestApp,
) {
    app.seed().await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    join(&app, &admin, "staff").await;
    let ada = app.user_id(COLLEAGUE).await;
    // Someone holding the password gets as far as the set-up step.
    let half = new_client();
    let (_, step) = app.sign_in(&half, COLLEAGUE, NEW_PASSWORD).await;
    assert!(step.contains("MfaSetupRequired"), "{step}");
    let (status, _) = app
        .post(
            &admin,
            "/api/end_user_sessions",
            &[("user_id", ada.as_str())],
        )
        .await;
    assert_eq!(status, 200);
    for path in ["/api/begin_mfa_setup", "/api/confirm_mfa_setup"] {
        let (status, _) = app.post(&half, path, &[("code", "123456")]).await;
        assert_eq!(status, 401, "{path} after the admin ended the sessions");
    }
    assert_eq!(
        app.count(
            "select count(*) from users where id = $1 and totp_pending is null and mfa_enabled = 0",
            &[&ada]
        )
        .await,
        1,
        "no seed was planted"
    );
    // A fresh sign-in works as before.
    colleague_client(&app).await;

    // A disabled colleague who never accepted is not sent a dead link.
    assert_eq!(
        invite(&app, &admin, "grace@firm.test", "staff").await.0,
        200
    );
    let grace = app.user_id("grace@firm.test").await;
    let (status, _) = app
        .post(
            &admin,
            "/api/set_user_disabled",
            &[("user_id", grace.as_str()), ("disabled", "true")],
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = invite(&app, &admin, "grace@firm.test", "staff").await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("Enable them"), "{body}");
}

on_both_backends!(
    an_invited_colleague_sets_a_password_then_must_set_up_mfa_before_anything_works,
    an_invitation_needs_a_name_an_address_and_a_firm_role_and_never_takes_a_used_address,
    disabling_a_user_ends_their_sessions_and_calendar_feeds_and_enabling_lets_them_back,
    the_last_active_admin_can_be_neither_disabled_nor_demoted,
    two_admins_demoting_each_other_at_once_leave_the_firm_an_admin,
    an_admin_ends_someones_sessions_and_a_role_change_ends_them_too,
    resetting_mfa_needs_the_admins_password_and_makes_the_user_set_it_up_again,
    only_the_admin_may_see_or_change_the_firms_users,
    ending_someones_sessions_also_ends_a_sign_in_still_waiting_on_its_mfa_set_up,
);
