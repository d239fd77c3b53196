//! The hash-chained audit log, on both backends.
//! Tampering is done with raw SQL, the way someone with database access would.

use app::server::{
    audit::{self, AuditEntry, AuditResult, BreakReason, VerifyReport},
    new_id,
};

use crate::{helpers::TestApp, on_both_backends};

/// Records `n` audit entries, one transaction each.
async fn record_entries(app: &TestApp, n: usize) {
    for i in 0..n {
        let entry = AuditEntry::new("matter.viewed", AuditResult::Success)
            .actor(new_id())
            .object("matter", new_id())
            .client(Some([203, 0, 113, 9].into()), Some("Mozilla/5.0"))
            .detail(format!("entry {i}"));
        audit::record(&app.state.db, &entry).await.expect("record");
    }
}

/// The id of the audit row at `seq`.
async fn id_at(app: &TestApp, seq: i64) -> String {
    let (id,): (String,) = sqlx::query_as("select id from audit_log where seq = $1")
        .bind(seq)
        .fetch_one(app.state.db.pool())
        .await
        .expect("audit row");
    id
}

async fn run_sql(app: &TestApp, sql: &str) {
    sqlx::query(sql)
        .execute(app.state.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The report naming the row now at `seq` as the first bad one.
async fn broken_at(app: &TestApp, seq: i64, reason: BreakReason) -> VerifyReport {
    VerifyReport::Broken {
        seq,
        id: Some(id_at(app, seq).await),
        reason,
    }
}

async fn verify(app: &TestApp) -> VerifyReport {
    audit::verify(&app.state.db).await.expect("verify")
}

async fn an_empty_audit_log_verifies_as_intact(app: TestApp) {
    assert_eq!(verify(&app).await, VerifyReport::Intact { rows: 0 });
}

async fn an_untouched_chain_verifies_as_intact_with_every_row_counted(app: TestApp) {
    record_entries(&app, 7).await;
    let report = verify(&app).await;
    assert_eq!(report, VerifyReport::Intact { rows: 7 });
    assert!(report.is_intact());
    assert!(report.to_string().contains("7 rows"), "{report}");
}

async fn a_chain_longer_than_one_verify_page_is_walked_to_the_end(app: TestApp) {
    // verify reads 500 rows per query; cross a page boundary.
    let mut tx = app.state.db.begin_write().await.unwrap();
    for _ in 0..501 {
        audit::append(
            &mut tx,
            &AuditEntry::new("auth.sign_in", AuditResult::Failure),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(verify(&app).await, VerifyReport::Intact { rows: 501 });
}

async fn the_first_row_links_to_a_hash_of_zeros(app: TestApp) {
    record_entries(&app, 1).await;
    let (prev,): (Vec<u8>,) = sqlx::query_as("select prev_hash from audit_log where seq = 1")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(prev, vec![0; 32]);
}

async fn an_audit_row_rolls_back_with_the_action_it_records(app: TestApp) {
    let mut tx = app.state.db.begin_write().await.unwrap();
    audit::append(
        &mut tx,
        &AuditEntry::new("matter.closed", AuditResult::Success),
    )
    .await
    .unwrap();
    drop(tx);
    assert_eq!(verify(&app).await, VerifyReport::Intact { rows: 0 });
    record_entries(&app, 1).await;
    assert_eq!(verify(&app).await, VerifyReport::Intact { rows: 1 });
}

async fn an_edited_row_is_caught_and_named(app: TestApp) {
    record_entries(&app, 5).await;
    run_sql(&app, "update audit_log set result = 'denied' where seq = 3").await;
    assert_eq!(
        verify(&app).await,
        broken_at(&app, 3, BreakReason::Edited).await
    );
}

async fn a_row_edited_to_remove_a_field_is_caught(app: TestApp) {
    record_entries(&app, 3).await;
    run_sql(&app, "update audit_log set ip = null where seq = 2").await;
    let report = verify(&app).await;
    assert!(
        matches!(
            report,
            VerifyReport::Broken {
                seq: 2,
                reason: BreakReason::Edited,
                ..
            }
        ),
        "{report}"
    );
    assert!(report.to_string().contains("edited"), "{report}");
}

async fn a_row_deleted_from_the_middle_is_caught_at_the_row_after_the_gap(app: TestApp) {
    record_entries(&app, 5).await;
    run_sql(&app, "delete from audit_log where seq = 3").await;
    assert_eq!(
        verify(&app).await,
        broken_at(&app, 4, BreakReason::Unlinked).await
    );
}

async fn deleting_the_first_row_is_caught(app: TestApp) {
    record_entries(&app, 3).await;
    run_sql(&app, "delete from audit_log where seq = 1").await;
    assert_eq!(
        verify(&app).await,
        broken_at(&app, 2, BreakReason::Unlinked).await
    );
}

async fn deleting_the_last_row_is_caught(app: TestApp) {
    record_entries(&app, 5).await;
    run_sql(&app, "delete from audit_log where seq = 5").await;
    let report = verify(&app).await;
    assert_eq!(
        report,
        VerifyReport::Broken {
            seq: 5,
            id: None,
            reason: BreakReason::HeadMismatch
        }
    );
    assert!(
        report.to_string().contains("rows at the end were deleted"),
        "{report}"
    );
}

async fn deleting_every_row_is_caught(app: TestApp) {
    record_entries(&app, 3).await;
    run_sql(&app, "delete from audit_log").await;
    assert_eq!(
        verify(&app).await,
        VerifyReport::Broken {
            seq: 1,
            id: None,
            reason: BreakReason::HeadMismatch
        }
    );
}

async fn appending_after_the_last_rows_were_deleted_does_not_hide_the_deletion(app: TestApp) {
    record_entries(&app, 4).await;
    run_sql(&app, "delete from audit_log where seq >= 3").await;
    record_entries(&app, 1).await;
    let report = verify(&app).await;
    assert!(
        matches!(
            report,
            VerifyReport::Broken {
                seq: 5,
                reason: BreakReason::Unlinked,
                ..
            }
        ),
        "{report}"
    );
}

async fn rows_swapped_in_seq_order_are_caught(app: TestApp) {
    record_entries(&app, 5).await;
    let moved = id_at(&app, 3).await;
    run_sql(&app, "update audit_log set seq = -1 where seq = 2").await;
    run_sql(&app, "update audit_log set seq = 2 where seq = 3").await;
    run_sql(&app, "update audit_log set seq = 3 where seq = -1").await;
    assert_eq!(
        verify(&app).await,
        VerifyReport::Broken {
            seq: 2,
            id: Some(moved),
            reason: BreakReason::Unlinked
        }
    );
}

async fn two_rows_with_their_contents_swapped_are_caught_at_the_first(app: TestApp) {
    record_entries(&app, 4).await;
    let pool = app.state.db.pool();
    let details: Vec<(Option<String>,)> =
        sqlx::query_as("select detail from audit_log where seq in (2, 3) order by seq")
            .fetch_all(pool)
            .await
            .unwrap();
    // Each row gets the other's detail but keeps its own hashes.
    for (seq, (detail,)) in [2_i64, 3].into_iter().zip(details.into_iter().rev()) {
        sqlx::query("update audit_log set detail = $1 where seq = $2")
            .bind(detail)
            .bind(seq)
            .execute(pool)
            .await
            .unwrap();
    }
    assert_eq!(
        verify(&app).await,
        broken_at(&app, 2, BreakReason::Edited).await
    );
}

async fn concurrent_writers_never_fork_the_chain(app: TestApp) {
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let db = app.state.db.clone();
            tokio::spawn(async move {
                let entry = AuditEntry::new("auth.sign_in", AuditResult::Success)
                    .detail(format!("writer {i}"));
                audit::record(&db, &entry).await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("record");
    }
    assert_eq!(verify(&app).await, VerifyReport::Intact { rows: 20 });
    let (n, max): (i64, i64) = sqlx::query_as("select count(*), max(seq) from audit_log")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!((n, max), (20, 20));
}

on_both_backends!(
    an_empty_audit_log_verifies_as_intact,
    an_untouched_chain_verifies_as_intact_with_every_row_counted,
    a_chain_longer_than_one_verify_page_is_walked_to_the_end,
    the_first_row_links_to_a_hash_of_zeros,
    an_audit_row_rolls_back_with_the_action_it_records,
    an_edited_row_is_caught_and_named,
    a_row_edited_to_remove_a_field_is_caught,
    a_row_deleted_from_the_middle_is_caught_at_the_row_after_the_gap,
    deleting_the_first_row_is_caught,
    deleting_the_last_row_is_caught,
    deleting_every_row_is_caught,
    appending_after_the_last_rows_were_deleted_does_not_hide_the_deletion,
    rows_swapped_in_seq_order_are_caught,
    two_rows_with_their_contents_swapped_are_caught_at_the_first,
    concurrent_writers_never_fork_the_chain
);
