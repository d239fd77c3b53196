//! The CRM timeline: staff see a contact's touchpoints newest first, a page
//! at a time; walled matters and clients stay out. The paging tests call
//! `touchpoints::list_for_contact`, the timeline's one query, directly.

use std::time::Duration;

use app::{
    domain::{ids::ContactId, policy::Subject, role::Role},
    server::{
        new_id, now_ms,
        touchpoints::{self, NewTouchpoint},
    },
};

use crate::{
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, DEMO_STAFF, TestApp},
    on_both_backends,
};

async fn timeline(
    app: &TestApp,
    client: &reqwest::Client,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = client
        .post(app.url("/api/get_contact_timeline"))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

/// A contact to hang touchpoints on.
async fn insert_contact(app: &TestApp) -> ContactId {
    let id = new_id();
    sqlx::query(
        "insert into contacts (id, given_name, family_name, created_at)
         values ($1, 'Ada', 'Moreau', $2)",
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

/// A firm user: the timeline entries these tests write concern no matter,
/// so every firm user sees them.
fn firm_user() -> Subject {
    Subject {
        user_id: new_id(),
        role: Role::Staff,
    }
}

async fn staff_see_a_clients_portal_touchpoints_newest_first(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    alice
        .post(app.url("/api/list_matters"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let id = app.contact_id(DEMO_ALICE).await;
    let (status, page) = timeline(&app, &staff, &[("id", &id)]).await;
    assert_eq!(status, 200);
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(
        entries[0]["kind"], "portal.matters.listed",
        "newest first: {entries:?}"
    );
    assert_eq!(entries[1]["kind"], "portal.sign_in");
    let times: Vec<i64> = entries
        .iter()
        .map(|e| e["occurred_at"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
}

async fn the_timeline_pages_without_loss_or_repeats(app: TestApp) {
    app.seed().await;
    let id = app.contact_id(DEMO_BOB).await;
    for i in 0..120_i64 {
        sqlx::query(
            "insert into touchpoints (id, contact_id, kind, summary, occurred_at)
             values ($1, $2, 'note', $3, $4)",
        )
        .bind(app::server::new_id())
        .bind(id.clone())
        .bind(format!("note {i}"))
        .bind(1_000 + i / 3)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    }
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    let mut seen = std::collections::HashSet::new();
    let mut form = vec![("id".to_owned(), id.clone())];
    loop {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, page) = timeline(&app, &admin, &pairs).await;
        assert_eq!(status, 200);
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= 50);
        for e in entries {
            assert!(
                seen.insert(e["id"].as_str().unwrap().to_owned()),
                "repeated entry"
            );
        }
        if page["has_more"] != true {
            break;
        }
        let last = entries.last().unwrap();
        form = vec![
            ("id".to_owned(), id.clone()),
            ("before_at".to_owned(), last["occurred_at"].to_string()),
            (
                "before_id".to_owned(),
                last["id"].as_str().unwrap().to_owned(),
            ),
        ];
    }
    let (total,): (i64,) = sqlx::query_as("select count(*) from touchpoints where contact_id = $1")
        .bind(id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(i64::try_from(seen.len()).unwrap(), total);
}

async fn entries_about_a_walled_matter_are_hidden_and_clients_cannot_see_timelines(app: TestApp) {
    app.seed().await;
    // The demo walls the attorney off COR-2026-0050 (Nakamura); Kenji's
    // history includes an entry on it.
    let kenji = app.contact_id("kenji@nakamura.example").await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let (status, page) = timeline(&app, &attorney, &[("id", &kenji)]).await;
    assert_eq!(status, 200);
    assert!(
        !page.to_string().contains("Lender negotiation debrief"),
        "a walled entry leaked"
    );
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    assert!(
        timeline(&app, &admin, &[("id", &kenji)])
            .await
            .1
            .to_string()
            .contains("Lender negotiation debrief")
    );

    let alice = app.signed_in_client(DEMO_ALICE).await;
    let own = app.contact_id(DEMO_ALICE).await;
    assert_eq!(timeline(&app, &alice, &[("id", &own)]).await.0, 404);
    assert_eq!(
        app.client
            .post(app.url("/api/get_contact_timeline"))
            .form(&[("id", own.as_str())])
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn touchpoints_are_listed_newest_first_a_page_at_a_time(app: TestApp) {
    let contact = insert_contact(&app).await;
    for summary in ["first", "second", "third", "fourth", "fifth"] {
        record_touchpoint(&app, &contact, summary).await;
        // Distinct milliseconds, so insertion order is time order.
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let (db, me) = (&app.state.db, firm_user());

    let page1 = touchpoints::list_for_contact(db, &me, &contact, None, 2)
        .await
        .unwrap();
    assert_eq!(summaries(&page1), ["fifth", "fourth"]);
    let page2 = touchpoints::list_for_contact(db, &me, &contact, Some(page1[1].cursor()), 2)
        .await
        .unwrap();
    assert_eq!(summaries(&page2), ["third", "second"]);
    let page3 = touchpoints::list_for_contact(db, &me, &contact, Some(page2[1].cursor()), 2)
        .await
        .unwrap();
    assert_eq!(summaries(&page3), ["first"]);
    let page4 = touchpoints::list_for_contact(db, &me, &contact, Some(page3[0].cursor()), 2)
        .await
        .unwrap();
    assert!(page4.is_empty());
    assert_eq!(page1[0].kind, "portal.sign_in");
    assert_eq!(page1[0].matter_id, None);
}

async fn touchpoints_in_the_same_millisecond_are_paged_without_loss_or_repeats(app: TestApp) {
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
    let (db, me) = (&app.state.db, firm_user());
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = touchpoints::list_for_contact(db, &me, &contact, before, 2)
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

async fn a_contacts_timeline_leaves_out_other_contacts_and_clamps_the_page_size(app: TestApp) {
    let alice = insert_contact(&app).await;
    let bob = insert_contact(&app).await;
    record_touchpoint(&app, &alice, "alice signed in").await;
    record_touchpoint(&app, &alice, "alice signed in again").await;
    record_touchpoint(&app, &bob, "bob signed in").await;
    let (db, me) = (&app.state.db, firm_user());
    let all = touchpoints::list_for_contact(db, &me, &alice, None, 1000)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|t| t.summary.starts_with("alice")));
    let one = touchpoints::list_for_contact(db, &me, &alice, None, 0)
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
}

on_both_backends!(
    staff_see_a_clients_portal_touchpoints_newest_first,
    the_timeline_pages_without_loss_or_repeats,
    entries_about_a_walled_matter_are_hidden_and_clients_cannot_see_timelines,
    touchpoints_are_listed_newest_first_a_page_at_a_time,
    touchpoints_in_the_same_millisecond_are_paged_without_loss_or_repeats,
    a_contacts_timeline_leaves_out_other_contacts_and_clamps_the_page_size
);
