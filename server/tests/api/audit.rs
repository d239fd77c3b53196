//! The hash-chained audit log and the touchpoint timeline, on both backends.
//! Tampering is done with raw SQL, the way someone with database access would.

use std::time::Duration;

use app::{
    domain::ids::ContactId,
    server::{
        audit::{self, AuditEntry, AuditResult, BreakReason, VerifyReport},
        new_id, now_ms,
        touchpoints::{self, NewTouchpoint},
    },
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

/// A contact to hang touchpoints on.
async fn insert_contact(app: &TestApp) -> ContactId {
    let id = new_id();
    sqlx::query(
        "insert into contacts (id, given_name, family_name, created_at) values ($1, 'Ada', 'Moreau', $2)",
    )
    .bind(id.clone())
    .bind(now_ms())
    .execute(app.state.db.pool())
    .await
    .expect("insert contact");
    ContactId::from_trusted(id)
}

async fn record_touchpoint(app: &TestApp, contact: &ContactId, summary: &str) {
    let mut tx = app.state.db.begin_write().await.expect("begin");
    touchpoints::record(
        &mut tx,
        &NewTouchpoint {
            contact_id: contact.clone(),
            matter_id: None,
            kind: "portal.sign_in".to_owned(),
            summary: summary.to_owned(),
            actor_user_id: None,
        },
    )
    .await
    .expect("record touchpoint");
    tx.commit().await.expect("commit");
}

fn summaries(page: &[app::domain::touchpoint::TouchpointView]) -> Vec<&str> {
    page.iter().map(|t| t.summary.as_str()).collect()
}

on_both_backends! {
    async fn an_empty_audit_log_verifies_as_intact(app) {
        assert_eq!(verify(&app).await, VerifyReport::Intact { rows: 0 });
    }

    async fn an_untouched_chain_verifies_as_intact_with_every_row_counted(app) {
        record_entries(&app, 7).await;
        let report = verify(&app).await;
        assert_eq!(report, VerifyReport::Intact { rows: 7 });
        assert!(report.is_intact());
        assert!(report.to_string().contains("7 rows"), "{report}");
    }

    async fn a_chain_longer_than_one_verify_page_is_walked_to_the_end(app) {
        // verify reads 500 rows per query; cross a page boundary.
        let mut tx = app.state.db.begin_write().await.unwrap();
        for _ in 0..501 {
            audit::append(&mut tx, &AuditEntry::new("auth.sign_in", AuditResult::Failure))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(verify(&app).await, VerifyReport::Intact { rows: 501 });
    }

    async fn the_first_row_links_to_a_hash_of_zeros(app) {
        record_entries(&app, 1).await;
        let (prev,): (Vec<u8>,) = sqlx::query_as("select prev_hash from audit_log where seq = 1")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        assert_eq!(prev, vec![0; 32]);
    }

    async fn an_audit_row_rolls_back_with_the_action_it_records(app) {
        let mut tx = app.state.db.begin_write().await.unwrap();
        audit::append(&mut tx, &AuditEntry::new("matter.closed", AuditResult::Success))
            .await
            .unwrap();
        drop(tx);
        assert_eq!(verify(&app).await, VerifyReport::Intact { rows: 0 });
        record_entries(&app, 1).await;
        assert_eq!(verify(&app).await, VerifyReport::Intact { rows: 1 });
    }

    async fn an_edited_row_is_caught_and_named(app) {
        record_entries(&app, 5).await;
        run_sql(&app, "update audit_log set result = 'denied' where seq = 3").await;
        assert_eq!(verify(&app).await, broken_at(&app, 3, BreakReason::Edited).await);
    }

    async fn a_row_edited_to_remove_a_field_is_caught(app) {
        record_entries(&app, 3).await;
        run_sql(&app, "update audit_log set ip = null where seq = 2").await;
        let report = verify(&app).await;
        assert!(
            matches!(report, VerifyReport::Broken { seq: 2, reason: BreakReason::Edited, .. }),
            "{report}"
        );
        assert!(report.to_string().contains("edited"), "{report}");
    }

    async fn a_row_deleted_from_the_middle_is_caught_at_the_row_after_the_gap(app) {
        record_entries(&app, 5).await;
        run_sql(&app, "delete from audit_log where seq = 3").await;
        assert_eq!(verify(&app).await, broken_at(&app, 4, BreakReason::Unlinked).await);
    }

    async fn deleting_the_first_row_is_caught(app) {
        record_entries(&app, 3).await;
        run_sql(&app, "delete from audit_log where seq = 1").await;
        assert_eq!(verify(&app).await, broken_at(&app, 2, BreakReason::Unlinked).await);
    }

    async fn deleting_the_last_row_is_caught(app) {
        record_entries(&app, 5).await;
        run_sql(&app, "delete from audit_log where seq = 5").await;
        let report = verify(&app).await;
        assert_eq!(
            report,
            VerifyReport::Broken { seq: 5, id: None, reason: BreakReason::HeadMismatch }
        );
        assert!(report.to_string().contains("rows at the end were deleted"), "{report}");
    }

    async fn deleting_every_row_is_caught(app) {
        record_entries(&app, 3).await;
        run_sql(&app, "delete from audit_log").await;
        assert_eq!(
            verify(&app).await,
            VerifyReport::Broken { seq: 1, id: None, reason: BreakReason::HeadMismatch }
        );
    }

    async fn appending_after_the_last_rows_were_deleted_does_not_hide_the_deletion(app) {
        record_entries(&app, 4).await;
        run_sql(&app, "delete from audit_log where seq >= 3").await;
        record_entries(&app, 1).await;
        let report = verify(&app).await;
        assert!(
            matches!(report, VerifyReport::Broken { seq: 5, reason: BreakReason::Unlinked, .. }),
            "{report}"
        );
    }

    async fn rows_swapped_in_seq_order_are_caught(app) {
        record_entries(&app, 5).await;
        let moved = id_at(&app, 3).await;
        run_sql(&app, "update audit_log set seq = -1 where seq = 2").await;
        run_sql(&app, "update audit_log set seq = 2 where seq = 3").await;
        run_sql(&app, "update audit_log set seq = 3 where seq = -1").await;
        assert_eq!(
            verify(&app).await,
            VerifyReport::Broken { seq: 2, id: Some(moved), reason: BreakReason::Unlinked }
        );
    }

    async fn two_rows_with_their_contents_swapped_are_caught_at_the_first(app) {
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
        assert_eq!(verify(&app).await, broken_at(&app, 2, BreakReason::Edited).await);
    }

    async fn concurrent_writers_never_fork_the_chain(app) {
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

    async fn touchpoints_are_listed_newest_first_a_page_at_a_time(app) {
        let contact = insert_contact(&app).await;
        for summary in ["first", "second", "third", "fourth", "fifth"] {
            record_touchpoint(&app, &contact, summary).await;
            // Distinct milliseconds, so insertion order is time order.
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        let db = &app.state.db;

        let page1 = touchpoints::list_for_contact(db, contact.as_str(), None, 2).await.unwrap();
        assert_eq!(summaries(&page1), ["fifth", "fourth"]);
        let page2 = touchpoints::list_for_contact(db, contact.as_str(), Some(page1[1].cursor()), 2)
            .await
            .unwrap();
        assert_eq!(summaries(&page2), ["third", "second"]);
        let page3 = touchpoints::list_for_contact(db, contact.as_str(), Some(page2[1].cursor()), 2)
            .await
            .unwrap();
        assert_eq!(summaries(&page3), ["first"]);
        let page4 = touchpoints::list_for_contact(db, contact.as_str(), Some(page3[0].cursor()), 2)
            .await
            .unwrap();
        assert!(page4.is_empty());
        assert_eq!(page1[0].kind, "portal.sign_in");
        assert_eq!(page1[0].matter_id, None);
    }

    async fn touchpoints_in_the_same_millisecond_are_paged_without_loss_or_repeats(app) {
        let contact = insert_contact(&app).await;
        let at = now_ms();
        for i in 0..5 {
            sqlx::query(
                "insert into touchpoints (id, contact_id, kind, summary, occurred_at)
                 values ($1, $2, 'call', $3, $4)",
            )
            .bind(new_id())
            .bind(contact.as_str())
            .bind(format!("call {i}"))
            .bind(at)
            .execute(app.state.db.pool())
            .await
            .unwrap();
        }
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = touchpoints::list_for_contact(&app.state.db, contact.as_str(), before, 2)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            before = Some(last.cursor());
            seen.extend(page.into_iter().map(|t| t.id));
        }
        let mut expected = seen.clone();
        expected.sort_unstable_by(|a, b| b.cmp(a));
        expected.dedup();
        assert_eq!(seen.len(), 5);
        assert_eq!(seen, expected, "ids newest first, none repeated");
    }

    async fn a_contacts_timeline_leaves_out_other_contacts_and_clamps_the_page_size(app) {
        let alice = insert_contact(&app).await;
        let bob = insert_contact(&app).await;
        record_touchpoint(&app, &alice, "alice signed in").await;
        record_touchpoint(&app, &alice, "alice signed in again").await;
        record_touchpoint(&app, &bob, "bob signed in").await;
        let db = &app.state.db;
        let all = touchpoints::list_for_contact(db, alice.as_str(), None, 1000).await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|t| t.summary.starts_with("alice")));
        let one = touchpoints::list_for_contact(db, alice.as_str(), None, 0).await.unwrap();
        assert_eq!(one.len(), 1);
    }
}
