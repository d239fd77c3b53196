//! Data keys in the database: created once per scope, wrapped by the master
//! key, and usable to seal fields, on both backends.

use std::sync::Arc;

use app::server::{
    crypto::{
        CryptoError, ExposeSecret as _, FieldAad, KeyScope, KeyService, Keyring, decrypt_field,
        encrypt_field, envelope_key_id,
    },
    new_id, now_ms,
};

use app::domain::ids::MatterId;

use crate::{helpers::TestApp, on_both_backends};

/// A key service over a fresh keyring file in its own temp directory.
fn key_service() -> (KeyService, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir for the keyring");
    let keyring = Keyring::load_or_create(&dir.path().join("keys/master.key")).expect("keyring");
    (KeyService::new(Arc::new(keyring)), dir)
}

/// Inserts a matter (and the account it needs); returns its id.
async fn insert_matter(app: &TestApp) -> MatterId {
    let account_id = new_id();
    let matter_id = new_id();
    sqlx::query(
        "insert into accounts (id, name, kind, created_at)
         values ($1, 'Client', 'organisation', $2)",
    )
    .bind(&account_id)
    .bind(now_ms())
    .execute(app.state.db.pool())
    .await
    .expect("insert account");
    sqlx::query(
        "insert into matters (id, number, title, practice_area, account_id, opened_at, created_at)
         values ($1, $2, 'A matter', 'Litigation', $3, 0, 0)",
    )
    .bind(&matter_id)
    .bind(format!("M-{matter_id}"))
    .bind(&account_id)
    .execute(app.state.db.pool())
    .await
    .expect("insert matter");
    MatterId::from_trusted(matter_id)
}

async fn count_data_keys(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("select count(*) from data_keys")
        .fetch_one(app.state.db.pool())
        .await
        .expect("count data keys");
    n
}

async fn a_matter_key_is_created_once_and_the_same_key_comes_back_later(app: TestApp) {
    let db = &app.state.db;
    let (keys, dir) = key_service();
    let matter = insert_matter(&app).await;
    let first = keys.matter_key(db, &matter).await.unwrap();
    assert_eq!(first.scope(), &KeyScope::Matter(matter.to_string()));
    let again = keys.matter_key(db, &matter).await.unwrap();
    assert_eq!(again.id(), first.id());
    assert_eq!(again.expose_secret(), first.expose_secret());

    // A new service with the same keyring (a restart) finds it too.
    let restarted = KeyService::new(Arc::new(
        Keyring::load_or_create(&dir.path().join("keys/master.key")).unwrap(),
    ));
    let later = restarted.matter_key(db, &matter).await.unwrap();
    assert_eq!(later.id(), first.id());
    assert_eq!(later.expose_secret(), first.expose_secret());
    assert_eq!(count_data_keys(&app).await, 1);
}

async fn the_firm_key_is_distinct_from_matter_keys_and_created_once(app: TestApp) {
    let db = &app.state.db;
    let (keys, _dir) = key_service();
    let matter = insert_matter(&app).await;
    let firm = keys.firm_key(db).await.unwrap();
    assert_eq!(firm.scope(), &KeyScope::Firm);
    assert_eq!(keys.firm_key(db).await.unwrap().id(), firm.id());
    let matter_key = keys.matter_key(db, &matter).await.unwrap();
    assert_ne!(matter_key.id(), firm.id());
    assert_ne!(matter_key.expose_secret(), firm.expose_secret());
    assert_eq!(count_data_keys(&app).await, 2);
}

async fn concurrent_first_requests_for_a_matter_key_agree_on_one_key(app: TestApp) {
    let matter = insert_matter(&app).await;
    let (keys, dir) = key_service();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        // Separate services, as on separate servers: no shared cache.
        let keys = KeyService::new(Arc::new(
            Keyring::load_or_create(&dir.path().join("keys/master.key")).unwrap(),
        ));
        let db = app.state.db.clone();
        let matter = matter.clone();
        tasks.push(tokio::spawn(async move {
            let key = keys.matter_key(&db, &matter).await?;
            anyhow::Ok((key.id().to_owned(), *key.expose_secret()))
        }));
    }
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap().unwrap());
    }
    assert!(
        seen.iter().all(|k| k == &seen[0]),
        "the tasks got different keys"
    );
    assert_eq!(
        keys.matter_key(&app.state.db, &matter).await.unwrap().id(),
        seen[0].0
    );
    assert_eq!(count_data_keys(&app).await, 1);
}

async fn the_stored_wrapped_key_is_not_the_raw_key(app: TestApp) {
    let (keys, _dir) = key_service();
    let matter = insert_matter(&app).await;
    let key = keys.matter_key(&app.state.db, &matter).await.unwrap();
    let (wrapped, kek_version): (Vec<u8>, i64) =
        sqlx::query_as("select wrapped_key, kek_version from data_keys where id = $1")
            .bind(key.id())
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(kek_version, 1);
    let raw = key.expose_secret();
    assert_eq!(
        wrapped.len(),
        12 + raw.len() + 16,
        "nonce, ciphertext and tag"
    );
    assert!(
        !wrapped.windows(raw.len()).any(|w| w == raw),
        "the raw key appears in the stored bytes"
    );
}

async fn a_field_encrypted_for_one_row_fails_for_another_row(app: TestApp) {
    let db = &app.state.db;
    let (keys, _dir) = key_service();
    let matter = insert_matter(&app).await;
    let key = keys.matter_key(db, &matter).await.unwrap();
    let (row, other_row) = (new_id(), new_id());
    let here = FieldAad {
        table: "messages",
        column: "body",
        row_id: &row,
    };
    let envelope = encrypt_field(&key, &here, b"settle at 40k").unwrap();

    // The reading side finds the key from the envelope alone.
    let found = keys
        .key_by_id(db, envelope_key_id(&envelope).unwrap())
        .await
        .unwrap();
    assert_eq!(
        decrypt_field(&found, &here, &envelope).unwrap().as_slice(),
        b"settle at 40k"
    );

    let there = FieldAad {
        row_id: &other_row,
        ..here
    };
    let err = decrypt_field(&found, &there, &envelope).unwrap_err();
    assert!(matches!(err, CryptoError::NotAuthentic), "{err}");
    assert_eq!(
        err.to_string(),
        "the encrypted value does not belong to this record or was altered"
    );
}

async fn a_keyring_with_the_wrong_master_key_cannot_unwrap_the_data_keys(app: TestApp) {
    let db = &app.state.db;
    let (keys, _dir) = key_service();
    let matter = insert_matter(&app).await;
    let key = keys.matter_key(db, &matter).await.unwrap();
    keys.firm_key(db).await.unwrap();

    let (impostor, _other_dir) = key_service();
    let err = impostor.matter_key(db, &matter).await.unwrap_err();
    assert!(
        matches!(
            err.downcast_ref::<CryptoError>(),
            Some(CryptoError::NotAuthentic)
        ),
        "{err:#}"
    );
    assert!(format!("{err:#}").contains("keyring"), "{err:#}");
    assert!(impostor.firm_key(db).await.is_err());
    assert!(impostor.key_by_id(db, key.id()).await.is_err());
    assert_eq!(
        count_data_keys(&app).await,
        2,
        "no replacement key was made"
    );
}

async fn the_database_refuses_a_second_active_key_for_the_same_scope(app: TestApp) {
    let (keys, _dir) = key_service();
    let matter = insert_matter(&app).await;
    keys.matter_key(&app.state.db, &matter).await.unwrap();
    keys.firm_key(&app.state.db).await.unwrap();
    for matter_id in [Some(matter.as_str()), None] {
        let scope = if matter_id.is_some() {
            "matter"
        } else {
            "firm"
        };
        let second = sqlx::query(
            "insert into data_keys (id, scope, matter_id, kek_version, wrapped_key, created_at)
             values ($1, $2, $3, 1, $4, $5)",
        )
        .bind(new_id())
        .bind(scope)
        .bind(matter_id)
        .bind(vec![0_u8; 60])
        .bind(now_ms())
        .execute(app.state.db.pool())
        .await;
        assert!(second.is_err(), "a second active {scope} key was accepted");
    }
}

async fn a_data_key_for_a_missing_matter_is_refused(app: TestApp) {
    let (keys, _dir) = key_service();
    assert!(
        keys.matter_key(&app.state.db, &MatterId::from_trusted(new_id()))
            .await
            .is_err()
    );
    assert_eq!(count_data_keys(&app).await, 0);
}

async fn keys_wrapped_before_a_master_key_rotation_still_unwrap(app: TestApp) {
    let db = &app.state.db;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/master.key");
    let mut keyring = Keyring::load_or_create(&path).unwrap();
    let matter = insert_matter(&app).await;
    let before = KeyService::new(Arc::new(Keyring::load_or_create(&path).unwrap()))
        .matter_key(db, &matter)
        .await
        .unwrap();

    assert_eq!(keyring.rotate().unwrap(), 2);
    let after = KeyService::new(Arc::new(keyring));
    let same = after.matter_key(db, &matter).await.unwrap();
    assert_eq!(same.expose_secret(), before.expose_secret());
    // New keys are wrapped by the new version.
    let firm = after.firm_key(db).await.unwrap();
    let (version,): (i64,) = sqlx::query_as("select kek_version from data_keys where id = $1")
        .bind(firm.id())
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(version, 2);
}

on_both_backends!(
    a_matter_key_is_created_once_and_the_same_key_comes_back_later,
    the_firm_key_is_distinct_from_matter_keys_and_created_once,
    concurrent_first_requests_for_a_matter_key_agree_on_one_key,
    the_stored_wrapped_key_is_not_the_raw_key,
    a_field_encrypted_for_one_row_fails_for_another_row,
    a_keyring_with_the_wrong_master_key_cannot_unwrap_the_data_keys,
    the_database_refuses_a_second_active_key_for_the_same_scope,
    a_data_key_for_a_missing_matter_is_refused,
    keys_wrapped_before_a_master_key_rotation_still_unwrap
);
