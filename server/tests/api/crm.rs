//! The CRM timeline: staff see a contact's touchpoints newest first, a page
//! at a time; walled matters and clients stay out.

use crate::{helpers::TestApp, on_both_backends};

async fn contact_id(app: &TestApp, email: &str) -> String {
    let (id,): (String,) = sqlx::query_as("select id from contacts where email = $1")
        .bind(email.to_owned())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    id
}

async fn timeline(
    app: &TestApp,
    client: &reqwest::Client,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = client
        .post(app.url("/api/contact_timeline"))
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

on_both_backends! {
    async fn staff_see_a_clients_portal_touchpoints_newest_first(app) {
        app.seed().await;
        let alice = app.signed_in_client("alice@client.test").await;
        alice.post(app.url("/api/list_matters")).form(&[("", "")]).send().await.unwrap();
        let staff = app.signed_in_client("staff@vellum.test").await;
        let id = contact_id(&app, "alice@client.test").await;
        let (status, page) = timeline(&app, &staff, &[("id", &id)]).await;
        assert_eq!(status, 200);
        let entries = page["entries"].as_array().unwrap();
        assert_eq!(entries[0]["kind"], "portal.matters.listed", "newest first: {entries:?}");
        assert_eq!(entries[1]["kind"], "portal.sign_in");
        let times: Vec<i64> = entries.iter().map(|e| e["occurred_at"].as_i64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]));
    }

    async fn the_timeline_pages_without_loss_or_repeats(app) {
        app.seed().await;
        let id = contact_id(&app, "bob@client.test").await;
        for i in 0..120_i64 {
            sqlx::query("insert into touchpoints (id, contact_id, kind, summary, occurred_at) values ($1, $2, 'note', $3, $4)")
                .bind(app::server::new_id())
                .bind(id.clone())
                .bind(format!("note {i}"))
                .bind(1_000 + i / 3)
                .execute(app.state.db.pool())
                .await
                .unwrap();
        }
        let admin = app.signed_in_client("admin@vellum.test").await;
        let mut seen = std::collections::HashSet::new();
        let mut form = vec![("id".to_owned(), id.clone())];
        loop {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (status, page) = timeline(&app, &admin, &pairs).await;
            assert_eq!(status, 200);
            let entries = page["entries"].as_array().unwrap();
            assert!(entries.len() <= 50);
            for e in entries {
                assert!(seen.insert(e["id"].as_str().unwrap().to_owned()), "repeated entry");
            }
            if page["has_more"] != true {
                break;
            }
            let last = entries.last().unwrap();
            form = vec![
                ("id".to_owned(), id.clone()),
                ("before_at".to_owned(), last["occurred_at"].to_string()),
                ("before_id".to_owned(), last["id"].as_str().unwrap().to_owned()),
            ];
        }
        let (total,): (i64,) = sqlx::query_as("select count(*) from touchpoints where contact_id = $1")
            .bind(id).fetch_one(app.state.db.pool()).await.unwrap();
        assert_eq!(i64::try_from(seen.len()).unwrap(), total);
    }

    async fn entries_about_a_walled_matter_are_hidden_and_clients_cannot_see_timelines(app) {
        app.seed().await;
        // The demo walls the attorney off COR-2026-0050 (Nakamura); Kenji's
        // history includes an entry on it.
        let kenji = contact_id(&app, "kenji@nakamura.example").await;
        let attorney = app.signed_in_client("attorney@vellum.test").await;
        let (status, page) = timeline(&app, &attorney, &[("id", &kenji)]).await;
        assert_eq!(status, 200);
        assert!(!page.to_string().contains("Lender negotiation debrief"), "a walled entry leaked");
        let admin = app.signed_in_client("admin@vellum.test").await;
        assert!(timeline(&app, &admin, &[("id", &kenji)]).await.1.to_string().contains("Lender negotiation debrief"));

        let alice = app.signed_in_client("alice@client.test").await;
        let own = contact_id(&app, "alice@client.test").await;
        assert_eq!(timeline(&app, &alice, &[("id", &own)]).await.0, 404);
        assert_eq!(app.client.post(app.url("/api/contact_timeline")).form(&[("id", own.as_str())]).send().await.unwrap().status(), 401);
    }
}
