//! The data layer: migrations, the demo firm and the repository queries, on
//! both backends.

use app::domain::{policy::Subject, role::Role};
use app::server::{
    db::Backend,
    matters::visible_matters,
    new_id, now_ms,
    seed::{SeedOutcome, seed_demo},
};

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, DEMO_STAFF, TestApp},
    on_both_backends,
};

/// The tables of the core schema.
const CORE_TABLES: &[&str] = &[
    "accounts",
    "contacts",
    "users",
    "matters",
    "matter_team",
    "matter_client_access",
    "ethical_walls",
    "matter_parties",
    "matter_stages",
    "key_dates",
    "touchpoints",
    "audit_log",
];

async fn rows_in(app: &TestApp, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(&format!("select count(*) from {table}"))
        .fetch_one(app.state.db.pool())
        .await
        .unwrap_or_else(|e| panic!("counting {table}: {e}"));
    n
}

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut all = Vec::new();
    for table in CORE_TABLES {
        all.push(rows_in(app, table).await);
    }
    all
}

fn migration_files(backend: Backend) -> usize {
    let folder = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    std::fs::read_dir(format!(
        "{}/../migrations/{folder}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("migrations folder")
    .filter(|e| {
        e.as_ref()
            .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
    })
    .count()
}

async fn concurrent_writers_all_succeed_and_every_audit_row_is_kept(app: TestApp) {
    // Each listing writes an audit row inside a write transaction while
    // other requests write their sessions. On SQLite a transaction that
    // read before writing used to fail at once with "database is locked".
    app.seed().await;
    let before = rows_in(&app, "audit_log").await;
    let mut clients = Vec::new();
    for email in [DEMO_ALICE, DEMO_BOB, DEMO_ALICE, DEMO_BOB] {
        clients.push(app.signed_in_client(email).await);
    }
    let requests = clients.iter().cycle().take(48).map(|client| async {
        let response = client
            .post(app.url("/api/list_matters"))
            .form(&[("", "")])
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    });
    let answers = futures_util::future::join_all(requests).await;
    let failed: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status != 200)
        .collect();
    assert!(
        failed.is_empty(),
        "every concurrent request succeeds: {failed:?}"
    );
    let (listed,): (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = 'matters.listed'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(listed, 48, "one audit row per listing");
    assert!(rows_in(&app, "audit_log").await >= before + 48);
}

async fn migrations_run_from_empty_and_create_every_core_table(app: TestApp) {
    for table in CORE_TABLES {
        assert_eq!(rows_in(&app, table).await, 0, "{table} should start empty");
    }
    let (applied,): (i64,) =
        sqlx::query_as("select count(*) from _sqlx_migrations where success = true")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(
        usize::try_from(applied).unwrap(),
        migration_files(app.state.db.backend())
    );
}

async fn running_migrations_again_changes_nothing(app: TestApp) {
    app.state.db.migrate().await.expect("second migration run");
    assert_eq!(counts(&app).await, vec![0; CORE_TABLES.len()]);
}

async fn seeding_the_demo_firm_twice_changes_nothing_the_second_time(app: TestApp) {
    assert_eq!(
        seed_demo(&app.state.db).await.unwrap(),
        SeedOutcome::Created
    );
    let after_first = counts(&app).await;
    assert_eq!(
        seed_demo(&app.state.db).await.unwrap(),
        SeedOutcome::AlreadyPresent
    );
    assert_eq!(counts(&app).await, after_first);
}

async fn the_demo_firm_has_its_users_and_two_clients_with_matters_stages_and_dates(app: TestApp) {
    seed_demo(&app.state.db).await.unwrap();
    let users: Vec<(String, String)> =
        sqlx::query_as("select email, role from users order by email")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    for (email, role) in [
        (DEMO_ADMIN, "admin"),
        (DEMO_ATTORNEY, "attorney"),
        (DEMO_STAFF, "staff"),
        (DEMO_ALICE, "client"),
        (DEMO_BOB, "client"),
    ] {
        assert!(
            users.contains(&(email.to_owned(), role.to_owned())),
            "missing {email} as {role}"
        );
    }
    for client in [DEMO_ALICE, DEMO_BOB] {
        let matters: Vec<(String, i64, i64)> = sqlx::query_as(
            "select m.id,
                    (select count(*) from matter_stages s where s.matter_id = m.id),
                    (select count(*) from key_dates d where d.matter_id = m.id)
             from matters m
             join matter_client_access a on a.matter_id = m.id
             join users u on u.id = a.user_id
             where u.email = $1",
        )
        .bind(client)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
        assert!(matters.len() >= 2, "{client} has {} matters", matters.len());
        for (id, stages, dates) in matters {
            assert!(
                stages >= 3 && dates >= 1,
                "matter {id} of {client}: {stages} stages, {dates} dates"
            );
        }
    }
    let (accounts,): (i64,) = sqlx::query_as(
        "select count(distinct c.account_id) from users u join contacts c on c.id = u.contact_id
         where u.role = 'client'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(accounts, 2, "Alice and Bob are at different accounts");
    assert!(rows_in(&app, "touchpoints").await >= 10);
    assert!(rows_in(&app, "ethical_walls").await >= 1);
}

async fn the_dashboard_query_lists_matters_with_their_current_stage(app: TestApp) {
    let admin = Subject {
        user_id: new_id(),
        role: Role::Admin,
    };
    assert!(
        visible_matters(&app.state.db, &admin)
            .await
            .unwrap()
            .is_empty()
    );
    seed_demo(&app.state.db).await.unwrap();
    let matters = visible_matters(&app.state.db, &admin).await.unwrap();
    assert_eq!(matters.len(), 10);
    let lease = matters
        .iter()
        .find(|m| m.number == "LIT-2026-0012")
        .expect("the lease dispute is listed");
    assert_eq!(lease.title, "Harbour lease dispute");
    assert_eq!(lease.client_name, "Moreau Bakery Ltd");
    assert_eq!(lease.current_stage.as_deref(), Some("Discovery"));
    assert_eq!((lease.stage_position, lease.stage_count), (3, 6));
    // Closed matters come after open ones.
    let first_closed = matters
        .iter()
        .position(|m| m.status == "closed")
        .expect("a closed matter");
    assert!(matters[first_closed..].iter().all(|m| m.status == "closed"));
}

async fn foreign_keys_are_enforced(app: TestApp) {
    let orphan = sqlx::query(
        "insert into matters (id, number, title, practice_area, account_id, opened_at, created_at)
         values ($1, 'X-1', 'Orphan', 'Litigation', $2, 0, 0)",
    )
    .bind(new_id())
    .bind(new_id())
    .execute(app.state.db.pool())
    .await;
    assert!(orphan.is_err(), "a matter with no account was accepted");
}

async fn a_client_user_must_be_linked_to_a_contact(app: TestApp) {
    let unlinked = sqlx::query(
        "insert into users (id, email, display_name, role, created_at)
         values ($1, 'c@x.test', 'C', 'client', $2)",
    )
    .bind(new_id())
    .bind(now_ms())
    .execute(app.state.db.pool())
    .await;
    assert!(unlinked.is_err(), "a client without a contact was accepted");
}

async fn concurrent_write_transactions_all_commit(app: TestApp) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let db = app.state.db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin_write().await?;
            sqlx::query(
                "insert into accounts (id, name, kind, created_at)
                 values ($1, $2, 'organisation', $3)",
            )
            .bind(new_id())
            .bind(format!("Account {i}"))
            .bind(now_ms())
            .execute(tx.conn())
            .await?;
            tx.commit().await?;
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(rows_in(&app, "accounts").await, 16);
}

async fn the_list_matters_server_function_answers_json(app: TestApp) {
    app.seed().await;
    let client = app.signed_in_client(DEMO_ADMIN).await;
    let response = client
        .post(app.url("/api/list_matters"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let matters: Vec<serde_json::Value> = response.json().await.unwrap();
    assert_eq!(matters.len(), 10);
    assert!(matters.iter().any(|m| m["current_stage"] == "Discovery"));
}

on_both_backends!(
    concurrent_writers_all_succeed_and_every_audit_row_is_kept,
    migrations_run_from_empty_and_create_every_core_table,
    running_migrations_again_changes_nothing,
    seeding_the_demo_firm_twice_changes_nothing_the_second_time,
    the_demo_firm_has_its_users_and_two_clients_with_matters_stages_and_dates,
    the_dashboard_query_lists_matters_with_their_current_stage,
    foreign_keys_are_enforced,
    a_client_user_must_be_linked_to_a_contact,
    concurrent_write_transactions_all_commit,
    the_list_matters_server_function_answers_json
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    let pool = app.state.db.pool();
    let (mode,): (String,) = sqlx::query_as("pragma journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let (fk,): (i64,) = sqlx::query_as("pragma foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let (timeout,): (i64,) = sqlx::query_as("pragma busy_timeout")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(timeout >= 1000, "busy timeout {timeout} ms");
}

/// The permission bits of `path`.
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Asserts that the data dir, the blob folders and the SQLite files in
/// `data_dir` are readable by their owner only.
fn assert_private(data_dir: &std::path::Path) {
    for dir in [
        data_dir.to_path_buf(),
        data_dir.join("blobs"),
        data_dir.join("blobs/tmp"),
    ] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    for file in ["vellum.db", "vellum.db-wal", "vellum.db-shm"] {
        assert_eq!(mode(&data_dir.join(file)), 0o600, "{file}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_dir_blob_folders_and_database_files_are_private_to_their_owner() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    app.seed().await;
    assert_private(app.data_dir());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looser_modes_on_the_data_dir_and_database_files_are_tightened_at_start() {
    use std::os::unix::fs::PermissionsExt as _;

    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let data = data_dir.display().to_string();
    let url = format!("sqlite://{data}/vellum.db");
    let settings = [
        ("VELLUM_DATA_DIR", data.as_str()),
        ("VELLUM_DATABASE_URL", url.as_str()),
    ];
    let first =
        crate::helpers::spawn_app_configured(Backend::Sqlite, axum::Router::new(), &settings).await;
    first.seed().await;
    drop(first);
    // The last connection to close may have removed the WAL files.
    let loosen = |path: std::path::PathBuf, bits: u32| {
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(bits)).unwrap();
        }
    };
    for sub in ["", "blobs", "blobs/tmp"] {
        loosen(data_dir.join(sub), 0o755);
    }
    for file in ["vellum.db", "vellum.db-wal", "vellum.db-shm"] {
        loosen(data_dir.join(file), 0o644);
    }

    let _second =
        crate::helpers::spawn_app_configured(Backend::Sqlite, axum::Router::new(), &settings).await;
    assert_private(&data_dir);
}
