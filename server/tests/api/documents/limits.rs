//! The upload size limit, with a server configured for a small one.

use super::*;

async fn small_limit_app(backend: app::server::db::Backend) -> TestApp {
    spawn_app_configured(
        backend,
        axum::Router::new(),
        &[("VELLUM_MAX_UPLOAD_BYTES", "100000")],
    )
    .await
}

async fn assert_nothing_stored(app: &TestApp, before: i64) {
    assert_eq!(
        app.count("select count(*) from document_versions", &[])
            .await,
        before,
        "no row"
    );
    assert_eq!(
        app.count("select count(*) from documents", &[]).await,
        before,
        "no document"
    );
    let blobs = app.data_dir().join("blobs");
    assert_eq!(
        files_under(&blobs).len(),
        usize::try_from(before).unwrap(),
        "no blob and no temp file"
    );
}

async fn an_upload_over_the_size_limit_gets_413_and_nothing_is_stored(app: TestApp) {
    app.seed().await;
    let before = app
        .count("select count(*) from document_versions", &[])
        .await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "big.bin",
        "client",
        &[],
        sample(100_001),
    )
    .await;
    assert_eq!(response.status(), 413);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("larger than the upload limit")
    );
    assert_nothing_stored(&app, before).await;

    // Without a declared length the limit is enforced while streaming.
    let (user,): (String,) = sqlx::query_as("select id from users where email = $1")
        .bind(DEMO_ALICE)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let principal = app::server::auth::Principal {
        user_id: app::domain::ids::UserId::from_trusted(user),
        role: app::domain::role::Role::Client,
        email: DEMO_ALICE.to_owned(),
        display_name: "Alice".to_owned(),
        contact_id: None,
        session_handle: String::new(),
    };
    let frames =
        (0..10).map(|_| Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(sample(30_000))));
    let result = app::server::documents::upload(
        &app.state,
        &principal,
        &app::server::auth::ClientInfo::default(),
        app::server::documents::UploadParams {
            matter_id: app::domain::ids::MatterId::from_trusted(app.matter_id(ALICES_MATTER).await),
            name: "streamed.bin".to_owned(),
            visibility: app::domain::document::Visibility::Client,
            request_id: None,
            replaces: None,
        },
        100_000,
        futures_util::stream::iter(frames),
    )
    .await;
    assert!(matches!(
        result,
        Err(app::server::documents::UploadError::TooLarge { limit: 100_000 })
    ));
    assert_nothing_stored(&app, before).await;

    // At the limit is fine.
    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "fits.bin",
        "client",
        &[],
        sample(100_000),
    )
    .await;
    assert_eq!(response.status(), 201);
}

on_both_backends!(
    spawn = small_limit_app,
    an_upload_over_the_size_limit_gets_413_and_nothing_is_stored,
);
