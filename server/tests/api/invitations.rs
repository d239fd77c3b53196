//! Invitations, password resets, the contact list and the email outbox.

use app::domain::invitation::{LINK_NO_LONGER_VALID, MAX_RESETS_PER_WINDOW};

use crate::{
    helpers::{
        DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, DEMO_STAFF, TEST_PASSWORD, TestApp,
        new_client, spawn_app, token_in,
    },
    on_both_backends,
};

/// A contact of the demo firm with an email and no portal account.
const HENRI: &str = "henri@moreau.example";
/// The password invited and reset users choose in these tests.
const NEW_PASSWORD: &str = "copper meadow violin orchard";

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Staff invite `email`'s contact; returns the token from the email.
async fn invite(app: &TestApp, staff: &reqwest::Client, email: &str) -> String {
    let id = app.contact_id(email).await;
    let (status, body) = app
        .post(staff, "/api/invite_contact", &[("contact_id", &id)])
        .await;
    assert_eq!(status, 200, "{body}");
    let emails = app.outbox_emails(email).await;
    let (_, _, body) = emails.last().expect("an invitation email");
    token_in(body, "/invite/")
}

async fn accept(app: &TestApp, token: &str, password: &str, confirm: &str) -> (u16, String) {
    app.post(
        &new_client(),
        "/api/accept_invitation",
        &[
            ("token", token),
            ("password", password),
            ("confirm", confirm),
        ],
    )
    .await
}

async fn request_reset(app: &TestApp, email: &str) -> (u16, String) {
    app.post(
        &new_client(),
        "/api/request_password_reset",
        &[("email", email)],
    )
    .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> (u16, String) {
    app.post(
        &new_client(),
        "/api/reset_password",
        &[
            ("token", token),
            ("password", password),
            ("confirm", password),
        ],
    )
    .await
}

/// Signs in a user without MFA from a fresh client; returns the client and
/// whether it got all the way in.
async fn signs_in(app: &TestApp, email: &str, password: &str) -> (reqwest::Client, bool) {
    let client = new_client();
    let (status, body) = app.sign_in(&client, email, password).await;
    (client, status == 200 && body.contains("Done"))
}

async fn list_matters_status(app: &TestApp, client: &reqwest::Client) -> u16 {
    app.post(client, "/api/list_matters", &[("", "")]).await.0
}

async fn an_invitation_works_once_and_not_a_second_time(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let token = invite(&app, &staff, HENRI).await;

    let (status, page) = get(&app, &new_client(), &format!("/invite/{token}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("New password") && page.contains("Confirm password"),
        "{page}"
    );
    assert!(page.contains(HENRI), "the page names the account");

    assert_eq!(
        accept(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await.0,
        200
    );
    let (henri, signed_in) = signs_in(&app, HENRI, NEW_PASSWORD).await;
    assert!(
        signed_in,
        "the invited client signs in with the new password"
    );
    assert_eq!(list_matters_status(&app, &henri).await, 200);

    let again = accept(
        &app,
        &token,
        "another fine long passphrase",
        "another fine long passphrase",
    )
    .await;
    assert_eq!(again.0, 400);
    assert!(again.1.contains(LINK_NO_LONGER_VALID), "{}", again.1);
    let (_, page) = get(&app, &new_client(), &format!("/invite/{token}")).await;
    assert!(
        page.contains(LINK_NO_LONGER_VALID) && !page.contains("New password"),
        "{page}"
    );
    let (_, still) = signs_in(&app, HENRI, NEW_PASSWORD).await;
    assert!(still, "the second attempt changed nothing");

    let timeline = app
        .count(
            "select count(*) from touchpoints
             where kind in ('portal.invited', 'portal.invitation_accepted')",
            &[],
        )
        .await;
    assert_eq!(timeline, 2, "both steps land on the contact's timeline");
    let audited = app
        .count(
            "select count(*) from audit_log
             where action in ('user.invited', 'user.invitation_accepted') and result = 'success'",
            &[],
        )
        .await;
    assert_eq!(audited, 2);
}

async fn an_expired_invitation_is_refused_like_an_unknown_one(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let token = invite(&app, &staff, HENRI).await;
    sqlx::query("update invitations set expires_at = $1")
        .bind(app::server::now_ms() - 1)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let expired = accept(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    let unknown = accept(&app, &"x".repeat(43), NEW_PASSWORD, NEW_PASSWORD).await;
    let malformed = accept(&app, "../../etc/passwd", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(expired.0, 400);
    assert!(expired.1.contains(LINK_NO_LONGER_VALID), "{}", expired.1);
    assert_eq!(expired, unknown);
    assert_eq!(expired, malformed);
    let (_, page) = get(&app, &new_client(), &format!("/invite/{token}")).await;
    assert!(page.contains(LINK_NO_LONGER_VALID), "{page}");
    assert!(!signs_in(&app, HENRI, NEW_PASSWORD).await.1);
}

async fn only_the_tokens_hash_is_stored(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let token = invite(&app, &staff, HENRI).await;
    assert_eq!(token.len(), 43);
    let rows: Vec<(String, String, String, String, Vec<u8>)> =
        sqlx::query_as("select id, user_id, contact_id, invited_by, token_hash from invitations")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    let (id, user_id, contact, invited_by, hash) = &rows[0];
    for text in [id, user_id, contact, invited_by] {
        assert!(!text.contains(&token), "the raw token is stored");
    }
    assert_ne!(hash.as_slice(), token.as_bytes());
    assert_eq!(hash.len(), 32, "a SHA-256");
    assert_eq!(*hash, app::server::crypto::token_hash(&token));
}

async fn the_invitation_email_lands_in_the_outbox_with_the_link_and_no_password(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let token = invite(&app, &staff, HENRI).await;
    let emails = app.outbox_emails(HENRI).await;
    assert_eq!(emails.len(), 1);
    let (kind, subject, body) = &emails[0];
    assert_eq!(kind, "invitation");
    assert!(subject.contains("invitation"), "{subject}");
    assert!(body.contains(&format!("/invite/{token}")), "{body}");
    accept(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    for (_, _, body) in app.outbox_emails(HENRI).await {
        assert!(
            !body.contains(NEW_PASSWORD) && !body.contains(TEST_PASSWORD),
            "{body}"
        );
    }
}

async fn a_new_invitation_replaces_the_earlier_one(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let first = invite(&app, &staff, HENRI).await;
    let second = invite(&app, &staff, HENRI).await;
    assert_ne!(first, second);
    assert_eq!(
        app.count(
            "select count(*) from users where email = 'henri@moreau.example'",
            &[]
        )
        .await,
        1,
        "one client user per contact"
    );
    assert_eq!(
        accept(&app, &first, NEW_PASSWORD, NEW_PASSWORD).await.0,
        400
    );
    assert_eq!(
        accept(&app, &second, NEW_PASSWORD, NEW_PASSWORD).await.0,
        200
    );
}

async fn a_bad_or_mismatched_password_is_refused_and_the_link_still_works(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let token = invite(&app, &staff, HENRI).await;
    let short = accept(&app, &token, "short", "short").await;
    assert_eq!(short.0, 400);
    assert!(short.1.contains("at least 12"), "{}", short.1);
    let mismatch = accept(&app, &token, NEW_PASSWORD, "copper meadow violin orchestra").await;
    assert_eq!(mismatch.0, 400);
    assert!(mismatch.1.contains("do not match"), "{}", mismatch.1);
    let huge = "x".repeat(2000);
    assert_eq!(accept(&app, &token, &huge, &huge).await.0, 400);
    assert_eq!(
        accept(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await.0,
        200
    );
}

async fn a_contact_who_already_has_portal_access_is_not_invited_again(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let alice = app.contact_id(DEMO_ALICE).await;
    let (status, body) = app
        .post(&staff, "/api/invite_contact", &[("contact_id", &alice)])
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(app.outbox_emails(DEMO_ALICE).await.is_empty());
}

async fn an_unknown_contact_answers_not_found(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let missing = app::server::new_id();
    let unknown = app
        .post(&staff, "/api/invite_contact", &[("contact_id", &missing)])
        .await;
    let malformed = app
        .post(
            &staff,
            "/api/invite_contact",
            &[("contact_id", "' or 1=1 --")],
        )
        .await;
    assert_eq!(unknown.0, 404);
    assert_eq!(unknown, malformed);
}

async fn clients_cannot_invite_or_see_the_contact_list(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let henri = app.contact_id(HENRI).await;
    let invited = app
        .post(&alice, "/api/invite_contact", &[("contact_id", &henri)])
        .await;
    assert_eq!(invited.0, 404);
    let missing = app
        .post(
            &alice,
            "/api/invite_contact",
            &[("contact_id", &app::server::new_id())],
        )
        .await;
    assert_eq!(invited, missing, "a refusal looks like a missing contact");
    assert!(app.outbox_emails(HENRI).await.is_empty());
    let listed = app.post(&alice, "/api/list_contacts", &[("", "")]).await;
    assert_eq!(listed.0, 404);
    let (status, page) = get(&app, &alice, "/crm/contacts").await;
    assert_eq!(status, 404);
    assert!(
        !page.contains(HENRI) && page.contains("Not found"),
        "{page}"
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action = 'user.invited' and result = 'denied'",
            &[]
        )
        .await,
        2,
        "both refusals are audited"
    );
}

async fn firm_users_see_the_contact_list_and_only_staff_and_admins_get_invite_buttons(
    app: TestApp,
) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, page) = get(&app, &staff, "/crm/contacts").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(HENRI) && page.contains("Invite to portal"),
        "{page}"
    );
    assert!(page.contains("Moreau Bakery Ltd"), "accounts are shown");

    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let (status, page) = get(&app, &attorney, "/crm/contacts").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(HENRI) && !page.contains("Invite to portal"),
        "{page}"
    );
    let henri = app.contact_id(HENRI).await;
    assert_eq!(
        app.post(&attorney, "/api/invite_contact", &[("contact_id", &henri)])
            .await
            .0,
        404
    );
}

async fn a_reset_answers_the_same_for_known_and_unknown_emails_and_only_the_known_one_gets_an_email(
    app: TestApp,
) {
    app.seed().await;
    let known = request_reset(&app, DEMO_ALICE).await;
    let unknown = request_reset(&app, "nobody@client.test").await;
    assert_eq!(known.0, 200);
    assert_eq!(known, unknown);
    let emails = app.outbox_emails(DEMO_ALICE).await;
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].0, "password_reset");
    assert!(emails[0].2.contains("/reset/"), "{}", emails[0].2);
    assert!(app.outbox_emails("nobody@client.test").await.is_empty());
    assert_eq!(app.count("select count(*) from outbox", &[]).await, 1);
    // Case and spaces do not matter, as at sign-in.
    assert_eq!(request_reset(&app, "  Alice@Client.TEST ").await, known);
    assert_eq!(app.outbox_emails(DEMO_ALICE).await.len(), 2);
}

async fn a_reset_link_sets_the_password_works_once_and_ends_the_users_other_sessions(app: TestApp) {
    app.seed().await;
    let laptop = app.signed_in_client(DEMO_ALICE).await;
    let phone = app.signed_in_client(DEMO_ALICE).await;
    request_reset(&app, DEMO_ALICE).await;
    let emails = app.outbox_emails(DEMO_ALICE).await;
    let token = token_in(&emails[0].2, "/reset/");

    let (status, page) = get(&app, &new_client(), &format!("/reset/{token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("New password"), "{page}");
    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.0, 200);
    assert_eq!(
        list_matters_status(&app, &laptop).await,
        401,
        "signed out everywhere"
    );
    assert_eq!(list_matters_status(&app, &phone).await, 401);
    assert!(
        !signs_in(&app, DEMO_ALICE, TEST_PASSWORD).await.1,
        "the old password is dead"
    );
    assert!(signs_in(&app, DEMO_ALICE, NEW_PASSWORD).await.1);

    let again = reset(&app, &token, "another fine long passphrase").await;
    assert_eq!(again.0, 400);
    assert!(again.1.contains(LINK_NO_LONGER_VALID), "{}", again.1);
    assert!(signs_in(&app, DEMO_ALICE, NEW_PASSWORD).await.1);
    assert_eq!(
        app.count(
            "select count(*) from audit_log
             where action = 'auth.password_reset' and result = 'success'",
            &[]
        )
        .await,
        1
    );
}

async fn an_expired_reset_link_is_refused(app: TestApp) {
    app.seed().await;
    request_reset(&app, DEMO_BOB).await;
    let token = token_in(&app.outbox_emails(DEMO_BOB).await[0].2, "/reset/");
    sqlx::query("update password_resets set expires_at = $1")
        .bind(app::server::now_ms() - 1)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let expired = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(expired, reset(&app, &"y".repeat(43), NEW_PASSWORD).await);
    assert!(expired.1.contains(LINK_NO_LONGER_VALID));
    assert!(signs_in(&app, DEMO_BOB, TEST_PASSWORD).await.1);
}

async fn reset_emails_are_limited_per_account_and_hour_with_the_same_answer(app: TestApp) {
    app.seed().await;
    let first = request_reset(&app, DEMO_BOB).await;
    for _ in 0..MAX_RESETS_PER_WINDOW + 2 {
        assert_eq!(request_reset(&app, DEMO_BOB).await, first);
    }
    let sent = app.outbox_emails(DEMO_BOB).await.len();
    assert_eq!(i64::try_from(sent).unwrap(), MAX_RESETS_PER_WINDOW);
    assert!(
        app.count(
            "select count(*) from audit_log
             where action = 'auth.password_reset_requested' and result = 'denied'",
            &[]
        )
        .await
            >= 1
    );
}

async fn the_outbox_is_shown_to_admins_only(app: TestApp) {
    app.seed().await;
    request_reset(&app, DEMO_BOB).await;
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let (status, body) = app.post(&admin, "/api/list_outbox", &[("", "")]).await;
    assert_eq!(status, 200);
    assert!(body.contains(DEMO_BOB), "{body}");
    let (status, page) = get(&app, &admin, "/admin/outbox").await;
    assert_eq!(status, 200);
    assert!(page.contains(DEMO_BOB), "{page}");

    for email in [DEMO_STAFF, DEMO_ATTORNEY, DEMO_BOB] {
        let user = app.signed_in_client(email).await;
        let (status, body) = app.post(&user, "/api/list_outbox", &[("", "")]).await;
        assert_eq!(status, 404, "{email}");
        assert!(!body.contains("/reset/"), "{email}: {body}");
        let (status, page) = get(&app, &user, "/admin/outbox").await;
        assert_eq!(status, 404, "{email}");
        assert!(!page.contains("/reset/"), "{email}: {page}");
    }
    assert_eq!(
        app.post(&new_client(), "/api/list_outbox", &[("", "")])
            .await
            .0,
        401
    );
    let anonymous = new_client()
        .get(app.url("/admin/outbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        anonymous.status(),
        303,
        "pages send anonymous visitors to sign in"
    );
}

async fn the_admin_outbox_shows_recipient_kind_and_status_but_never_a_body_or_link(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let invitation = invite(&app, &staff, HENRI).await;
    request_reset(&app, DEMO_BOB).await;
    let reset_token = token_in(&app.outbox_emails(DEMO_BOB).await[0].2, "/reset/");
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let (status, listed) = app.post(&admin, "/api/list_outbox", &[("", "")]).await;
    assert_eq!(status, 200);
    let (status, page) = get(&app, &admin, "/admin/outbox").await;
    assert_eq!(status, 200);
    for shown in [&listed, &page] {
        assert!(shown.contains(HENRI) && shown.contains(DEMO_BOB), "{shown}");
        assert!(
            shown.contains("invitation") && shown.contains("password_reset"),
            "{shown}"
        );
        for secret in [
            invitation.as_str(),
            reset_token.as_str(),
            "/invite/",
            "/reset/",
            "body_text",
        ] {
            assert!(
                !shown.contains(secret),
                "the outbox shows {secret}: {shown}"
            );
        }
    }
}

async fn a_queued_invitation_or_reset_link_never_lies_in_the_database_in_plaintext(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let invitation = invite(&app, &staff, HENRI).await;
    request_reset(&app, DEMO_BOB).await;
    let reset_token = token_in(&app.outbox_emails(DEMO_BOB).await[0].2, "/reset/");
    for token in [&invitation, &reset_token] {
        assert!(
            !app.outbox_on_disk_contains(token).await,
            "{token} is stored in plaintext"
        );
    }
}

async fn the_audit_chain_stays_intact_through_invitations_and_resets(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let token = invite(&app, &staff, HENRI).await;
    accept(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    accept(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    request_reset(&app, HENRI).await;
    request_reset(&app, "nobody@client.test").await;
    let reset_token = token_in(&app.outbox_emails(HENRI).await[1].2, "/reset/");
    reset(&app, &reset_token, "brand new passphrase here").await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let henri = app.contact_id(HENRI).await;
    app.post(&alice, "/api/invite_contact", &[("contact_id", &henri)])
        .await;
    let report = app::server::audit::verify(&app.state.db).await.unwrap();
    assert!(report.is_intact(), "{report}");
}

async fn a_password_reset_revokes_the_users_calendar_feed(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, body) = app
        .post(&alice, "/api/create_calendar_feed", &[("", "")])
        .await;
    assert_eq!(status, 200, "{body}");
    let feed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let path = feed["path"].as_str().unwrap();
    assert_eq!(get(&app, &new_client(), path).await.0, 200);

    request_reset(&app, DEMO_ALICE).await;
    let token = token_in(&app.outbox_emails(DEMO_ALICE).await[0].2, "/reset/");
    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.0, 200);
    assert_eq!(
        get(&app, &new_client(), path).await.0,
        404,
        "the reset revokes the feed"
    );
}

on_both_backends!(
    an_invitation_works_once_and_not_a_second_time,
    an_expired_invitation_is_refused_like_an_unknown_one,
    only_the_tokens_hash_is_stored,
    the_invitation_email_lands_in_the_outbox_with_the_link_and_no_password,
    a_new_invitation_replaces_the_earlier_one,
    a_bad_or_mismatched_password_is_refused_and_the_link_still_works,
    a_contact_who_already_has_portal_access_is_not_invited_again,
    an_unknown_contact_answers_not_found,
    clients_cannot_invite_or_see_the_contact_list,
    firm_users_see_the_contact_list_and_only_staff_and_admins_get_invite_buttons,
    a_reset_answers_the_same_for_known_and_unknown_emails_and_only_the_known_one_gets_an_email,
    a_reset_link_sets_the_password_works_once_and_ends_the_users_other_sessions,
    an_expired_reset_link_is_refused,
    reset_emails_are_limited_per_account_and_hour_with_the_same_answer,
    the_outbox_is_shown_to_admins_only,
    the_admin_outbox_shows_recipient_kind_and_status_but_never_a_body_or_link,
    a_queued_invitation_or_reset_link_never_lies_in_the_database_in_plaintext,
    the_audit_chain_stays_intact_through_invitations_and_resets,
    a_password_reset_revokes_the_users_calendar_feed
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reset_and_link_pages_are_public() {
    let app = spawn_app(app::server::db::Backend::Sqlite).await;
    let (status, page) = get(&app, &app.client, "/reset").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Send reset link") && page.contains("Email"),
        "{page}"
    );
    for path in [
        format!("/invite/{}", "z".repeat(43)),
        format!("/reset/{}", "z".repeat(43)),
        "/invite/not-a-token".to_owned(),
    ] {
        let (status, page) = get(&app, &app.client, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains(LINK_NO_LONGER_VALID), "{path}: {page}");
    }
    let (_, login) = get(&app, &app.client, "/login").await;
    assert!(login.contains("Forgot your password?") && login.contains("href=\"/reset\""));
}
