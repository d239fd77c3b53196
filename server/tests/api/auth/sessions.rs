//! Sessions after sign-in: signing out, ending one session or all of them,
//! and the idle and absolute limits.

use super::*;

async fn signing_out_ends_the_session(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let response = alice
        .post(app.url("/api/sign_out"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(list_matters(&app, &alice).await.0, 401);
    assert!(
        audit_actions(&app)
            .await
            .contains(&("auth.sign_out".to_owned(), "success".to_owned()))
    );
}

async fn a_user_can_end_another_of_their_sessions_but_not_someone_elses(app: TestApp) {
    app.seed().await;
    let laptop = app.signed_in_client(DEMO_ALICE).await;
    let phone = app.signed_in_client(DEMO_ALICE).await;
    let bob = app.signed_in_client(DEMO_BOB).await;

    let sessions: Vec<serde_json::Value> = laptop
        .post(app.url("/api/list_sessions"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions
        .iter()
        .find(|s| s["current"] == false)
        .expect("the phone's session");
    let other_id = other["id"].as_str().unwrap().to_owned();

    // Bob cannot end Alice's session: it is not found for him.
    let response = bob
        .post(app.url("/api/end_session"))
        .form(&[("id", other_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(list_matters(&app, &phone).await.0, 200);

    let response = laptop
        .post(app.url("/api/end_session"))
        .form(&[("id", other_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        list_matters(&app, &phone).await.0,
        401,
        "the phone is signed out"
    );
    assert_eq!(
        list_matters(&app, &laptop).await.0,
        200,
        "the laptop stays signed in"
    );
}

async fn signing_out_everywhere_ends_every_session(app: TestApp) {
    app.seed().await;
    let laptop = app.signed_in_client(DEMO_BOB).await;
    let phone = app.signed_in_client(DEMO_BOB).await;
    let response = laptop
        .post(app.url("/api/sign_out_everywhere"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(list_matters(&app, &laptop).await.0, 401);
    assert_eq!(list_matters(&app, &phone).await.0, 401);
}

async fn the_sweeper_removes_sessions_past_the_idle_or_absolute_limit(app: TestApp) {
    app.seed().await;
    let laptop = app.signed_in_client(DEMO_ALICE).await;
    let phone = app.signed_in_client(DEMO_ALICE).await;
    let tablet = app.signed_in_client(DEMO_ALICE).await;
    let limits = app.state.session_limits;
    let now = app::server::now_ms();
    // The phone has been idle too long; the tablet is in use but was
    // signed in too long ago.
    sqlx::query("update user_sessions set last_seen_at = $1 where handle = $2")
        .bind(now - limits.idle_ms - 1000)
        .bind(current_session(&app, &phone).await)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    sqlx::query("update user_sessions set created_at = $1 where handle = $2")
        .bind(now - limits.absolute_ms - 1000)
        .bind(current_session(&app, &tablet).await)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    // (The server's own sweeper may get there first; either way both go.)
    app::server::auth::session::sweep_expired_sessions(&app.state.db, limits, now)
        .await
        .unwrap();
    let listed = sessions(&app, &laptop).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["current"], true);
    let (rows,): (i64,) = sqlx::query_as("select count(*) from user_sessions")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1, "the expired rows are gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_expires_after_the_idle_timeout() {
    let app = spawn_app_configured(
        app::server::db::Backend::Sqlite,
        axum::Router::new(),
        &[
            ("VELLUM_SESSION_IDLE_SECS", "1"),
            ("VELLUM_SESSION_ABSOLUTE_SECS", "60"),
        ],
    )
    .await;
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    assert_eq!(list_matters(&app, &alice).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    assert_eq!(list_matters(&app, &alice).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_expires_at_the_absolute_timeout_even_when_active() {
    let app = spawn_app_configured(
        app::server::db::Backend::Sqlite,
        axum::Router::new(),
        &[
            ("VELLUM_SESSION_IDLE_SECS", "4"),
            ("VELLUM_SESSION_ABSOLUTE_SECS", "6"),
        ],
    )
    .await;
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    // Active every second, so never idle for 4 s, yet out after 6 s. The
    // active part ends well before 6 s, so a loaded machine cannot push it
    // past the limit.
    for _ in 0..4 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert_eq!(list_matters(&app, &alice).await.0, 200);
    }
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(list_matters(&app, &alice).await.0, 401);
    let expired: (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = 'auth.session_expired'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(expired.0, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_is_swept_from_the_sessions_list_without_another_request() {
    let app = spawn_app_configured(
        app::server::db::Backend::Sqlite,
        axum::Router::new(),
        &[
            ("VELLUM_SESSION_IDLE_SECS", "2"),
            ("VELLUM_SESSION_ABSOLUTE_SECS", "60"),
        ],
    )
    .await;
    app.seed().await;
    let phone = app.signed_in_client(DEMO_ALICE).await;
    let laptop = app.signed_in_client(DEMO_ALICE).await;
    let phone_session = current_session(&app, &phone).await;
    // The laptop stays in use; the phone makes no request after this. By
    // 4 s it is past its idle limit (2 s) and a sweep (every second here).
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        assert_eq!(list_matters(&app, &laptop).await.0, 200);
    }
    let listed = sessions(&app, &laptop).await;
    assert_eq!(
        listed.len(),
        1,
        "only the live session is listed: {listed:?}"
    );
    let (rows,): (i64,) = sqlx::query_as("select count(*) from user_sessions where handle = $1")
        .bind(phone_session)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0, "the idle session's row is gone");
}

on_both_backends!(
    signing_out_ends_the_session,
    a_user_can_end_another_of_their_sessions_but_not_someone_elses,
    signing_out_everywhere_ends_every_session,
    the_sweeper_removes_sessions_past_the_idle_or_absolute_limit
);
