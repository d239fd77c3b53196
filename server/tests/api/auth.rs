//! Sign-in, MFA, throttling, sessions and cross-site protection.

use app::domain::auth::{
    ACCOUNT_LOCK_FAILURES, IP_LOCK_FAILURES, MFA_LOCK_FAILURES, SIGN_IN_FAILED,
};

use crate::{
    helpers::{
        DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, DEMO_STAFF, TEST_PASSWORD, TestApp,
        new_client, spawn_app_configured,
    },
    on_both_backends,
};

// Sessions in a file of their own, to keep each file short.
mod sessions;

async fn verify_mfa(app: &TestApp, client: &reqwest::Client, code: &str) -> u16 {
    client
        .post(app.url("/api/verify_mfa"))
        .form(&[("code", code)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A client whose requests come from `ip`, another loopback address, so a
/// test can be many networks at once.
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .local_address(Some(ip.parse().unwrap()))
        .timeout(std::time::Duration::from_mins(1))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn count_audit(app: &TestApp, action: &str, detail: &str) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = $1 and detail = $2")
            .bind(action)
            .bind(detail)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    n
}

async fn list_matters(app: &TestApp, client: &reqwest::Client) -> (u16, String) {
    let response = client
        .post(app.url("/api/list_matters"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vellum_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("select action, result from audit_log order by seq")
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
}

/// The sessions `client`'s user sees at `/account/sessions`.
async fn sessions(app: &TestApp, client: &reqwest::Client) -> Vec<serde_json::Value> {
    let response = client
        .post(app.url("/api/list_sessions"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The `user_sessions` handle of `client`'s own session.
async fn current_session(app: &TestApp, client: &reqwest::Client) -> String {
    let listed = sessions(app, client).await;
    let current = listed
        .iter()
        .find(|s| s["current"] == true)
        .expect("the current session");
    current["id"].as_str().unwrap().to_owned()
}

async fn a_client_signs_in_and_sees_only_their_own_matters(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, body) = list_matters(&app, &alice).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("Harbour lease dispute") && body.contains("Second bakery acquisition"),
        "{body}"
    );
    assert!(
        !body.contains("Freight contract claim"),
        "Bob's matter leaked: {body}"
    );
    let touchpoints: (i64,) =
        sqlx::query_as("select count(*) from touchpoints where kind = 'portal.sign_in'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(
        touchpoints.0, 1,
        "the sign-in lands on Alice's CRM timeline"
    );
}

async fn an_unknown_email_and_a_wrong_password_get_the_identical_answer(app: TestApp) {
    app.seed().await;
    let unknown = app
        .sign_in(&new_client(), "nobody@client.test", TEST_PASSWORD)
        .await;
    let wrong = app
        .sign_in(&new_client(), DEMO_ALICE, "wrong password entirely")
        .await;
    assert_eq!(unknown, wrong);
    assert_eq!(unknown.0, 401);
    assert!(unknown.1.contains("InvalidCredentials"), "{}", unknown.1);
    // The browser shows the error's one message for every cause.
    assert_eq!(
        app::domain::AppError::InvalidCredentials.to_string(),
        SIGN_IN_FAILED
    );
}

async fn a_firm_user_must_complete_mfa_before_anything_works(app: TestApp) {
    app.seed().await;
    let client = new_client();
    let (status, body) = app.sign_in(&client, DEMO_STAFF, TEST_PASSWORD).await;
    assert_eq!(status, 200);
    assert!(body.contains("MfaRequired"), "{body}");
    assert_eq!(
        list_matters(&app, &client).await.0,
        401,
        "the password alone is not enough"
    );

    let wrong = client
        .post(app.url("/api/verify_mfa"))
        .form(&[("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.text().await.unwrap().contains("InvalidCode"));

    let code = app.fresh_totp_code(DEMO_STAFF);
    let right = client
        .post(app.url("/api/verify_mfa"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(list_matters(&app, &client).await.0, 200);

    // The same code cannot be used again.
    let again = new_client();
    app.sign_in(&again, DEMO_STAFF, TEST_PASSWORD).await;
    let replay = again
        .post(app.url("/api/verify_mfa"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
}

async fn the_session_id_rotates_at_sign_in_and_again_when_mfa_completes(app: TestApp) {
    app.seed().await;
    let client = new_client();
    let password_step = client
        .post(app.url("/api/sign_in"))
        .form(&[("email", DEMO_STAFF), ("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    let after_password = session_cookie(&password_step).expect("a session after the password step");
    let code = app.fresh_totp_code(DEMO_STAFF);
    let mfa_step = client
        .post(app.url("/api/verify_mfa"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    let after_mfa = session_cookie(&mfa_step).expect("a new session id after MFA");
    assert_ne!(after_password, after_mfa);

    // Signing in again from the same browser rotates once more.
    let again = client
        .post(app.url("/api/sign_in"))
        .form(&[("email", DEMO_ALICE), ("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    let after_second = session_cookie(&again).expect("a new session id at sign-in");
    assert_ne!(after_second, after_mfa);

    // The old ids are dead: presenting one gets no access.
    for old in [after_password, after_mfa] {
        let response = reqwest::Client::new()
            .post(app.url("/api/list_matters"))
            .header("cookie", old)
            .form(&[("", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
}

async fn the_session_cookie_is_http_only_and_same_site_lax(app: TestApp) {
    app.seed().await;
    let response = new_client()
        .post(app.url("/api/sign_in"))
        .form(&[("email", DEMO_ALICE), ("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vellum_session="))
        .expect("a session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
}

async fn repeated_failures_lock_the_account_and_the_lock_answers_like_a_wrong_password(
    app: TestApp,
) {
    app.seed().await;
    let mut answers = Vec::new();
    for _ in 0..ACCOUNT_LOCK_FAILURES {
        answers.push(
            app.sign_in(&new_client(), DEMO_ALICE, "not her password at all")
                .await,
        );
    }
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "every failure answers the same"
    );
    // Even the right password is refused now, with the same answer.
    let locked = app.sign_in(&new_client(), DEMO_ALICE, TEST_PASSWORD).await;
    assert_eq!(locked, answers[0]);
    let actions = audit_actions(&app).await;
    assert!(
        actions.contains(&("auth.account_locked".to_owned(), "denied".to_owned())),
        "{actions:?}"
    );
    let reasons: Vec<(String,)> = sqlx::query_as(
        "select detail from audit_log where action = 'auth.sign_in' order by seq desc limit 1",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(reasons[0].0, "locked");
}

async fn repeated_failures_from_one_ip_lock_that_ip_for_every_account(app: TestApp) {
    app.seed().await;
    for i in 0..IP_LOCK_FAILURES {
        app.sign_in(
            &new_client(),
            &format!("guess{i}@client.test"),
            "some password guess",
        )
        .await;
    }
    let refused = app.sign_in(&new_client(), DEMO_BOB, TEST_PASSWORD).await;
    assert_eq!(refused.0, 401);
    assert!(
        audit_actions(&app)
            .await
            .contains(&("auth.ip_locked".to_owned(), "denied".to_owned()))
    );
}

async fn wrong_codes_between_correct_passwords_still_lock_the_account(app: TestApp) {
    app.seed().await;
    let attacker = new_client();
    // The attacker knows the password and guesses codes, signing in
    // again before each batch: TOTP guesses and recovery-code guesses.
    let mut guesses = 0;
    while guesses < MFA_LOCK_FAILURES + 2 {
        let (status, step) = app.sign_in(&attacker, DEMO_STAFF, TEST_PASSWORD).await;
        if status != 200 {
            break;
        }
        assert!(step.contains("MfaRequired"), "{step}");
        for guess in ["000000", "999999", "abcde-fghjk"] {
            assert_eq!(verify_mfa(&app, &attacker, guess).await, 401);
            guesses += 1;
        }
    }
    assert!(
        guesses >= MFA_LOCK_FAILURES,
        "only {guesses} guesses were needed to lock"
    );
    // Past the limit even the right code is refused, and so is the
    // right password on a fresh sign-in.
    let code = app.fresh_totp_code(DEMO_STAFF);
    assert_eq!(verify_mfa(&app, &attacker, &code).await, 401);
    let fresh = new_client();
    let (status, _) = app.sign_in(&fresh, DEMO_STAFF, TEST_PASSWORD).await;
    assert_eq!(
        status, 401,
        "a second-factor lock locks the password step too"
    );
    let actions = audit_actions(&app).await;
    assert!(
        actions.contains(&("auth.account_locked".to_owned(), "denied".to_owned())),
        "{actions:?}"
    );
}

async fn a_burst_of_concurrent_wrong_passwords_gets_no_more_guesses_than_the_lock_allows(
    app: TestApp,
) {
    app.seed().await;
    // 100 guesses at once, each from its own address, so neither the
    // per-network throttle nor the flood limit hides the account's own.
    let guesses = (1..=100).map(|n| {
        let app = &app;
        async move {
            app.sign_in(
                &client_from(&format!("127.0.0.{n}")),
                DEMO_ALICE,
                "not her password at all",
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    assert!(
        answers.iter().all(|(status, _)| *status == 401),
        "{answers:?}"
    );
    // Every attempt is counted before its hash runs, so at most the
    // lock's number of guesses were ever checked against the hash.
    let checked = count_audit(&app, "auth.sign_in", "wrong password").await;
    assert!(checked >= 1, "no guess was checked at all");
    assert!(
        checked <= ACCOUNT_LOCK_FAILURES,
        "{checked} guesses were checked"
    );
    let (status, _) = app
        .sign_in(&client_from("127.0.0.200"), DEMO_ALICE, TEST_PASSWORD)
        .await;
    assert_eq!(
        status, 401,
        "the right password is refused while the lock holds"
    );
    assert!(count_audit(&app, "auth.sign_in", "locked").await >= 1);
}

async fn two_concurrent_uses_of_one_totp_code_let_exactly_one_session_in(app: TestApp) {
    app.seed().await;
    for email in [DEMO_ADMIN, DEMO_ATTORNEY, DEMO_STAFF, "partner@vellum.test"] {
        let (laptop, phone) = (new_client(), new_client());
        assert_eq!(app.sign_in(&laptop, email, TEST_PASSWORD).await.0, 200);
        assert_eq!(app.sign_in(&phone, email, TEST_PASSWORD).await.0, 200);
        let code = app.fresh_totp_code(email);
        let (a, b) = tokio::join!(
            verify_mfa(&app, &laptop, &code),
            verify_mfa(&app, &phone, &code)
        );
        let mut statuses = [a, b];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 401], "{email}: one code, one session");
    }
}

async fn turning_mfa_off_with_wrong_passwords_is_throttled_audited_and_locks_the_account(
    app: TestApp,
) {
    app.seed().await;
    let bob = app.signed_in_client(DEMO_BOB).await;
    for _ in 0..ACCOUNT_LOCK_FAILURES {
        let response = bob
            .post(app.url("/api/turn_off_mfa"))
            .form(&[("password", "a wrong guess here")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    let response = bob
        .post(app.url("/api/turn_off_mfa"))
        .form(&[("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        401,
        "the right password is refused while the lock holds"
    );
    let (failures,): (i64,) = sqlx::query_as(
        "select count(*) from audit_log where action = 'auth.mfa_disabled' and result = 'failure'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(failures, ACCOUNT_LOCK_FAILURES + 1);
    assert_eq!(
        app.sign_in(&new_client(), DEMO_BOB, TEST_PASSWORD).await.0,
        401
    );
}

async fn setting_up_mfa_needs_the_current_password(app: TestApp) {
    app.seed().await;
    let bob = app.signed_in_client(DEMO_BOB).await;
    let begin = |password: &'static str| {
        let bob = bob.clone();
        let url = app.url("/api/begin_mfa_enrolment");
        async move {
            bob.post(url)
                .form(&[("password", password)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(begin("").await, 401);
    assert_eq!(begin("a wrong guess here").await, 401);
    let (pending,): (Option<Vec<u8>>,) =
        sqlx::query_as("select totp_pending from users where email = $1")
            .bind(DEMO_BOB)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert!(
        pending.is_none(),
        "no authenticator was bound without the password"
    );
    assert_eq!(
        count_audit(&app, "auth.mfa_enrolment", "wrong password").await,
        2
    );
    assert_eq!(begin(TEST_PASSWORD).await, 200);
}

async fn recovery_codes_are_stored_under_a_keyed_hash_and_old_plain_hashes_are_upgraded(
    app: TestApp,
) {
    app.seed().await;
    let (user_id,): (String,) = sqlx::query_as("select id from users where email = $1")
        .bind(DEMO_STAFF)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let codes =
        app::server::auth::signin::set_totp_seed(&app.state, &user_id, b"12345678901234567890")
            .await
            .unwrap();
    let plain = |code: &str| {
        use sha2::Digest as _;
        sha2::Sha256::digest(code.replace('-', "").as_bytes()).to_vec()
    };
    let stored: Vec<(Vec<u8>,)> =
        sqlx::query_as("select code_hash from recovery_codes where user_id = $1")
            .bind(&user_id)
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(stored.len(), 10);
    for code in &codes {
        assert!(
            stored.iter().all(|(h,)| *h != plain(code)),
            "a code is stored as its plain SHA-256"
        );
    }
    // A row an earlier version wrote (plain SHA-256) is re-hashed at
    // start-up and still signs in.
    let legacy = "k7m2p-q9r4t";
    sqlx::query(
        "insert into recovery_codes (id, user_id, code_hash, keyed, created_at)
         values ($1, $2, $3, 0, 0)",
    )
    .bind(app::server::new_id())
    .bind(&user_id)
    .bind(plain(legacy))
    .execute(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(
        app::server::auth::signin::upgrade_recovery_codes(&app.state)
            .await
            .unwrap(),
        1
    );
    let client = new_client();
    assert_eq!(app.sign_in(&client, DEMO_STAFF, TEST_PASSWORD).await.0, 200);
    assert_eq!(verify_mfa(&app, &client, legacy).await, 200);
    assert_eq!(list_matters(&app, &client).await.0, 200);
}

async fn the_audit_chain_stays_intact_through_sign_in_and_out(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    alice
        .post(app.url("/api/sign_out"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    app.sign_in(&new_client(), DEMO_ALICE, "wrong password entirely")
        .await;
    let report = app::server::audit::verify(&app.state.db).await.unwrap();
    assert!(report.is_intact(), "{report}");
}

async fn changing_the_password_needs_the_current_one_and_signs_out_every_other_session(
    app: TestApp,
) {
    app.seed().await;
    let here = app.signed_in_client(DEMO_ALICE).await;
    let elsewhere = app.signed_in_client(DEMO_ALICE).await;
    let new = "quiet orchard copper meadow";
    // The wrong current password changes nothing, and is audited.
    let (status, _) = app
        .post(
            &here,
            "/api/change_password",
            &[("current", "not my password at all"), ("new", new)],
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        count_audit(&app, "auth.password_changed", "wrong password").await,
        1
    );
    // A weak new one is refused with the rule it breaks.
    let (status, body) = app
        .post(
            &here,
            "/api/change_password",
            &[("current", TEST_PASSWORD), ("new", "short")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("New password: Use at least 12 characters"),
        "{body}"
    );

    let (status, body) = app
        .post(
            &here,
            "/api/change_password",
            &[("current", TEST_PASSWORD), ("new", new)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "1", "one other session signed out");
    // This session goes on; the other one is over.
    assert_eq!(list_matters(&app, &here).await.0, 200);
    assert_eq!(list_matters(&app, &elsewhere).await.0, 401);
    // The old password no longer works, the new one does.
    let old = crate::helpers::new_client()
        .post(app.url("/api/sign_in"))
        .form(&[("email", DEMO_ALICE), ("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
    let fresh = crate::helpers::new_client();
    let signed_in = fresh
        .post(app.url("/api/sign_in"))
        .form(&[("email", DEMO_ALICE), ("password", new)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    assert_eq!(
        count_audit(&app, "auth.password_changed", "1 other sessions ended").await,
        1
    );
}

async fn a_password_change_ends_a_half_done_sign_in_and_the_calendar_feed(app: TestApp) {
    app.seed().await;
    // Someone who has the old password is part-way in, waiting on a code.
    let half = new_client();
    let (status, body) = app.sign_in(&half, DEMO_STAFF, TEST_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, body) = app
        .post(&staff, "/api/create_calendar_feed", &[("", "")])
        .await;
    assert_eq!(status, 200, "{body}");
    let feed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let feed = feed["path"].as_str().unwrap().to_owned();
    assert_eq!(
        new_client()
            .get(app.url(&feed))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let (status, body) = app
        .post(
            &staff,
            "/api/change_password",
            &[
                ("current", TEST_PASSWORD),
                ("new", "quiet orchard copper meadow"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // A fresh, never-used code no longer finishes that sign-in.
    assert_eq!(
        verify_mfa(&app, &half, &app.fresh_totp_code(DEMO_STAFF)).await,
        401
    );
    assert_eq!(
        new_client()
            .get(app.url(&feed))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "the feed was revoked"
    );
    assert_eq!(
        list_matters(&app, &staff).await.0,
        200,
        "this session goes on"
    );
}

on_both_backends!(
    a_password_change_ends_a_half_done_sign_in_and_the_calendar_feed,
    changing_the_password_needs_the_current_one_and_signs_out_every_other_session,
    a_client_signs_in_and_sees_only_their_own_matters,
    an_unknown_email_and_a_wrong_password_get_the_identical_answer,
    a_firm_user_must_complete_mfa_before_anything_works,
    the_session_id_rotates_at_sign_in_and_again_when_mfa_completes,
    the_session_cookie_is_http_only_and_same_site_lax,
    repeated_failures_lock_the_account_and_the_lock_answers_like_a_wrong_password,
    repeated_failures_from_one_ip_lock_that_ip_for_every_account,
    wrong_codes_between_correct_passwords_still_lock_the_account,
    a_burst_of_concurrent_wrong_passwords_gets_no_more_guesses_than_the_lock_allows,
    two_concurrent_uses_of_one_totp_code_let_exactly_one_session_in,
    turning_mfa_off_with_wrong_passwords_is_throttled_audited_and_locks_the_account,
    setting_up_mfa_needs_the_current_password,
    recovery_codes_are_stored_under_a_keyed_hash_and_old_plain_hashes_are_upgraded,
    the_audit_chain_stays_intact_through_sign_in_and_out
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_redirect_to_sign_in_without_a_session_and_server_functions_answer_401() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    for path in ["/", "/account/sessions", "/some/unknown/page"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/login", "{path}");
    }
    assert_eq!(app.get("/login").await.status(), 200);
    assert_eq!(list_matters(&app, &app.client).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_state_changing_requests_are_refused() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    app.seed().await;
    let form = [("email", DEMO_ALICE), ("password", TEST_PASSWORD)];
    let cross = new_client()
        .post(app.url("/api/sign_in"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let foreign_origin = new_client()
        .post(app.url("/api/sign_in"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign_origin.status(), 403);
    let same = new_client()
        .post(app.url("/api/sign_in"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", format!("http://{}", app.addr))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_admin_sets_up_mfa_at_first_sign_in_and_a_recovery_code_then_signs_in_once() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    let admin =
        app::server::auth::admin::create_admin(&app.state, "first.admin@firm.test", "First Admin")
            .await
            .unwrap();
    let first = new_client();
    let (status, step) = app
        .sign_in(&first, "first.admin@firm.test", &admin.password)
        .await;
    assert_eq!(status, 200);
    assert!(step.contains("MfaSetupRequired"), "{step}");
    // Nothing else works until two-step verification is set up.
    let (status, _) = app.post(&first, "/api/list_matters", &[("", "")]).await;
    assert_eq!(status, 401, "a half sign-in reaches nothing");
    let page = first.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        page.headers()["location"],
        "/login",
        "pages send it to sign in"
    );
    let (_, recovery_codes) = app.set_up_mfa(&first).await;
    assert_eq!(recovery_codes.len(), 10);
    let (status, _) = app.post(&first, "/api/list_matters", &[("", "")]).await;
    assert_eq!(status, 200, "signed in once it is set up");

    for attempt in 0..2 {
        let client = new_client();
        let (status, step) = app
            .sign_in(&client, "first.admin@firm.test", &admin.password)
            .await;
        assert_eq!(status, 200);
        assert!(step.contains("MfaRequired"), "{step}");
        let response = client
            .post(app.url("/api/verify_mfa"))
            .form(&[("code", recovery_codes[0].as_str())])
            .send()
            .await
            .unwrap();
        let expected = if attempt == 0 { 200 } else { 401 };
        assert_eq!(response.status(), expected, "attempt {attempt}");
    }
    let duplicate =
        app::server::auth::admin::create_admin(&app.state, "First.Admin@firm.test", "Again").await;
    match duplicate {
        Err(err) => assert!(err.to_string().contains("already exists"), "{err}"),
        Ok(_) => panic!("a second admin with the same email was created"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mfa_set_up_step_answers_only_a_session_that_gave_a_firm_users_password() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    app.seed().await;
    let stranger = new_client();
    for path in ["/api/begin_mfa_setup", "/api/confirm_mfa_setup"] {
        let (status, _) = app.post(&stranger, path, &[("code", "123456")]).await;
        assert_eq!(status, 401, "{path} without a sign-in");
    }
    // A firm user who has MFA goes to the code step, never to a new set-up.
    let attorney = new_client();
    let (_, step) = app.sign_in(&attorney, DEMO_ATTORNEY, TEST_PASSWORD).await;
    assert!(step.contains("\"MfaRequired\""), "{step}");
    let (status, _) = app
        .post(&attorney, "/api/begin_mfa_setup", &[("", "")])
        .await;
    assert_eq!(status, 401, "no second authenticator behind the first");
    let page = stranger.get(app.url("/login/setup")).send().await.unwrap();
    assert_eq!(page.headers()["location"], "/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_enrols_in_mfa_and_then_needs_a_code_until_turning_it_off() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    app.seed().await;
    let bob = app.signed_in_client(DEMO_BOB).await;
    let enrolment: serde_json::Value = bob
        .post(app.url("/api/begin_mfa_enrolment"))
        .form(&[("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let svg = enrolment["qr_svg"].as_str().unwrap();
    assert!(svg.starts_with("<svg"));
    let secret = enrolment["secret"].as_str().unwrap();
    let seed = app::server::auth::totp::seed_from_base32(secret).unwrap();
    let now = u64::try_from(app::server::now_ms() / 1000).unwrap();

    let wrong = bob
        .post(app.url("/api/confirm_mfa_enrolment"))
        .form(&[("code", "123456")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let code = app::server::auth::totp::code_at(&seed, now).unwrap();
    let confirmed = bob
        .post(app.url("/api/confirm_mfa_enrolment"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    let codes: Vec<String> = confirmed.json().await.unwrap();
    assert_eq!(codes.len(), 10);

    // The seed is stored sealed, never in the clear.
    let (stored,): (Vec<u8>,) = sqlx::query_as("select totp_secret from users where email = $1")
        .bind(DEMO_BOB)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(!stored.windows(seed.len()).any(|w| w == seed.as_slice()));

    // Signing in now needs a code; the enrolment code cannot be replayed.
    let phone = new_client();
    let (_, step) = app.sign_in(&phone, DEMO_BOB, TEST_PASSWORD).await;
    assert!(step.contains("MfaRequired"), "{step}");
    let replay = phone
        .post(app.url("/api/verify_mfa"))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    let next = app::server::auth::totp::code_at(&seed, now + 30).unwrap();
    let ok = phone
        .post(app.url("/api/verify_mfa"))
        .form(&[("code", next.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    let off = bob
        .post(app.url("/api/turn_off_mfa"))
        .form(&[("password", "wrong password here")])
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 401);
    let off = bob
        .post(app.url("/api/turn_off_mfa"))
        .form(&[("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 200);
    let (_, step) = app.sign_in(&new_client(), DEMO_BOB, TEST_PASSWORD).await;
    assert!(step.contains("Done"), "{step}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firm_users_cannot_turn_mfa_off() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let off = staff
        .post(app.url("/api/turn_off_mfa"))
        .form(&[("password", TEST_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 400);
    let (enabled,): (i64,) = sqlx::query_as("select mfa_enabled from users where email = $1")
        .bind(DEMO_STAFF)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(enabled, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_views_are_audited_and_land_on_their_timeline() {
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    assert_eq!(list_matters(&app, &alice).await.0, 200);
    let page = alice.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200, "the dashboard page renders for her");
    let (audited,): (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = 'matters.listed'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(
        audited, 2,
        "the server function and the page each read her matters once"
    );
    let (timeline,): (i64,) = sqlx::query_as(
        "select count(*) from touchpoints t join users u on u.contact_id = t.contact_id
         where u.email = $1 and t.kind = 'portal.matters.listed'",
    )
    .bind(DEMO_ALICE)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(timeline, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_key_given_in_the_environment_is_used_and_no_key_file_is_written() {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD.encode([7_u8; 32]);
    let app = spawn_app_configured(
        app::server::db::Backend::Sqlite,
        axum::Router::new(),
        &[("VELLUM_MASTER_KEY", &format!("v1:{key}"))],
    )
    .await;
    // Seeding seals TOTP seeds with the firm key, wrapped by this master key.
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    assert_eq!(list_matters(&app, &staff).await.0, 200);
    let (files,): (i64,) = sqlx::query_as("select count(*) from data_keys where scope = 'firm'")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(files, 1);
    assert!(!app.data_dir().join("keys").join("master.key").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_keyring_file_is_created_private_in_the_data_dir() {
    use std::os::unix::fs::PermissionsExt as _;
    let app = crate::helpers::spawn_app(app::server::db::Backend::Sqlite).await;
    let path = app.data_dir().join("keys").join("master.key");
    let mode = std::fs::metadata(&path)
        .expect("the keyring file exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_server_stops_its_workers_too() {
    let data_dir = tempfile::tempdir().unwrap();
    let vars = std::collections::HashMap::from([
        ("VELLUM_DATA_DIR", data_dir.path().display().to_string()),
        (
            "VELLUM_DATABASE_URL",
            format!("sqlite://{}", data_dir.path().join("vellum.db").display()),
        ),
        ("VELLUM_LISTEN", "127.0.0.1:0".to_owned()),
        // The session sweeper then runs every second.
        ("VELLUM_SESSION_IDLE_SECS", "2".to_owned()),
    ]);
    let config = server::config::Config::load(&server::config::Overrides::default(), |key| {
        vars.get(key).cloned()
    })
    .unwrap();
    let application = server::startup::Application::build(&config, axum::Router::new())
        .await
        .unwrap();
    let state = application.state().clone();
    let stopped = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        application.run_until(async {}),
    )
    .await;
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "the server and its workers stop"
    );

    // Nothing sweeps any more: a long-expired session stays put.
    sqlx::query(
        "insert into users (id, email, display_name, role, created_at) values ($1, $2, $3, $4, $5)",
    )
    .bind("0190f000-0000-7000-8000-000000000001")
    .bind("gone@vellum.test")
    .bind("Gone")
    .bind("staff")
    .bind(0_i64)
    .execute(state.db.pool())
    .await
    .unwrap();
    sqlx::query(
        "insert into user_sessions (handle, user_id, created_at, last_seen_at)
         values ($1, $2, $3, $3)",
    )
    .bind("expired")
    .bind("0190f000-0000-7000-8000-000000000001")
    .bind(0_i64)
    .execute(state.db.pool())
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let (rows,): (i64,) = sqlx::query_as("select count(*) from user_sessions")
        .fetch_one(state.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1, "a worker was still running after the stop");
}
