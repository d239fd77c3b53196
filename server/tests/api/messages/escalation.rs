//! Response targets, the follow-up task when one is breached, and the
//! emails that tell people about new messages.

use super::*;

async fn outbox_to(app: &TestApp, email: &str) -> Vec<(String, String)> {
    app.outbox_emails(email)
        .await
        .into_iter()
        .filter(|(kind, _, _)| kind == "message_notice")
        .map(|(_, subject, body)| (subject, body))
        .collect()
}

async fn a_matter_sets_its_own_response_target_and_the_inbox_uses_it(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let matter = app.matter_id("LIT-2026-0012").await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let inbox_target = |app: &TestApp, client: reqwest::Client| {
        let thread = thread.clone();
        let url = app.url("/api/list_inbox");
        async move {
            let items: Value = client
                .post(url)
                .form(&[("", "")])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            items
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["thread_id"] == thread.as_str())
                .unwrap()["sla_minutes"]
                .as_i64()
                .unwrap()
        }
    };
    let firm_default = app.state.messaging.sla_minutes;
    assert_eq!(inbox_target(&app, attorney.clone()).await, firm_default);

    let (status, body) = app
        .post(
            &attorney,
            "/api/set_response_target",
            &[("id", matter.as_str()), ("minutes", "30")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        inbox_target(&app, attorney.clone()).await,
        30,
        "the matter's own target wins over the firm's"
    );
    let (_, detail) = app
        .post(
            &attorney,
            "/api/get_matter_detail",
            &[("id", matter.as_str())],
        )
        .await;
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["response_target"]["own_minutes"], 30);
    let (_, detail) = app
        .post(&alice, "/api/get_matter_detail", &[("id", matter.as_str())])
        .await;
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(
        detail["response_target"],
        Value::Null,
        "clients are not shown the firm's targets"
    );

    let (status, body) = app
        .post(
            &attorney,
            "/api/set_response_target",
            &[("id", matter.as_str()), ("minutes", "two hours")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("whole minutes"), "{body}");
    let (status, body) = app
        .post(
            &attorney,
            "/api/add_key_date",
            &[
                ("id", matter.as_str()),
                ("kind", "meeting"),
                ("title", "x"),
                ("date", "2026-13-45"),
                ("time", ""),
                ("location", ""),
            ],
        )
        .await;
    assert_eq!(
        status, 400,
        "a bad date on the same page is a 400 too: {body}"
    );
    let (status, _) = app
        .post(
            &alice,
            "/api/set_response_target",
            &[("id", matter.as_str()), ("minutes", "1")],
        )
        .await;
    assert_eq!(status, 404, "a client cannot change it");
    assert_eq!(inbox_target(&app, attorney.clone()).await, 30);

    let (status, _) = app
        .post(
            &attorney,
            "/api/set_response_target",
            &[("id", matter.as_str()), ("minutes", "")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        inbox_target(&app, attorney.clone()).await,
        firm_default,
        "blank goes back to the firm's default"
    );
    assert_eq!(
        app.count(
            "select count(*) from audit_log
             where action = 'matter.response_target_changed' and object_id = $1",
            &[&matter]
        )
        .await,
        2
    );
}

async fn a_breached_response_time_creates_exactly_one_task(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    // Alice's seeded question arrived two hours ago; this thread's
    // target is one minute.
    sqlx::query("update message_threads set sla_minutes = 1 where id = $1")
        .bind(thread.clone())
        .execute(app.state.db.pool())
        .await
        .unwrap();
    sqlx::query("update messages set created_at = created_at - 7200000 where thread_id = $1")
        .bind(thread.clone())
        .execute(app.state.db.pool())
        .await
        .unwrap();

    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let (status, answer) = app.post(&attorney, "/api/list_inbox", &[("", "")]).await;
    assert_eq!(status, 200, "{answer}");
    let inbox: Value = serde_json::from_str(&answer).unwrap();
    let items = inbox.as_array().unwrap();
    assert_eq!(
        items[0]["thread_id"],
        thread.as_str(),
        "the longest-waiting thread comes first"
    );
    assert_eq!(items[0]["breached"], true);
    assert_eq!(items[0]["sla_minutes"], 1);
    assert!(
        items[1..].iter().all(|i| i["breached"] == false),
        "the others are within 240 minutes"
    );
    let page = attorney
        .get(app.url("/inbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("breached") && page.contains("overdue by"),
        "{page}"
    );
    // The row says who is waiting, for whom, what they wrote and how long.
    assert_eq!(items[0]["client_name"], "Alice Moreau");
    assert_eq!(items[0]["account_name"], "Moreau Bakery Ltd");
    assert!(!items[0]["preview"].as_str().unwrap().is_empty());
    assert!(
        items[0]["waiting"]
            .as_str()
            .unwrap()
            .starts_with("waiting 2 h"),
        "{}",
        items[0]["waiting"]
    );
    assert!(items[0]["due"].as_str().unwrap().starts_with("overdue by"));
    assert!(page.contains("Alice Moreau") && page.contains("Moreau Bakery Ltd"));

    assert_eq!(
        app::server::messages::escalate_breaches(&app.state)
            .await
            .unwrap(),
        0,
        "no second task"
    );
    let _ = app.post(&attorney, "/api/list_inbox", &[("", "")]).await;
    let tasks: Vec<(String, String)> =
        sqlx::query_as("select k.owner_user_id, k.status from tasks k where k.thread_id = $1")
            .bind(thread.clone())
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    let (responsible,): (String,) = sqlx::query_as(
        "select tm.user_id from matter_team tm join matters m on m.id = tm.matter_id
         where m.number = 'LIT-2026-0012' and tm.role = 'responsible'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(tasks, vec![(responsible, "open".to_owned())]);
    let all: (i64,) = sqlx::query_as("select count(*) from tasks")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(all.0, 1, "threads within their target get no task");

    let alice = app.signed_in_client(DEMO_ALICE).await;
    let (status, _) = app.post(&alice, "/api/list_inbox", &[("", "")]).await;
    assert_eq!(status, 404, "clients have no inbox");

    // The firm's answer completes the follow-up, and it is audited.
    send(&app, &attorney, &thread, "Thank you, we are on it.").await;
    let tasks: Vec<(String,)> = sqlx::query_as("select status from tasks where thread_id = $1")
        .bind(thread.clone())
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(tasks, vec![("done".to_owned(),)]);
    let done: (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = 'task.completed'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(done.0, 1);
}

async fn the_notification_email_holds_no_message_text_and_quick_messages_send_one_email(
    app: TestApp,
) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    send(&app, &alice, &thread, "The vault code is zebra-lantern-42").await;
    send(
        &app,
        &alice,
        &thread,
        "And the second one is otter-quill-17",
    )
    .await;

    let emails = outbox_to(&app, DEMO_ATTORNEY).await;
    assert_eq!(emails.len(), 1, "two quick messages, one email");
    let (subject, body) = &emails[0];
    assert_eq!(subject, "You have a new secure message");
    assert!(body.contains(&format!("/messages/{thread}")), "{body}");
    assert!(!body.contains("zebra") && !body.contains("otter"), "{body}");
    assert!(
        outbox_to(&app, DEMO_ALICE).await.is_empty(),
        "the sender is not told"
    );

    send(&app, &attorney, &thread, "Noted.").await;
    assert_eq!(outbox_to(&app, DEMO_ALICE).await.len(), 1);

    // With emails turned off, nothing more arrives, even after the
    // batch window.
    let (status, answer) = app
        .post(
            &attorney,
            "/api/set_message_emails",
            &[("enabled", "false")],
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    sqlx::query("delete from message_notices")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    send(&app, &alice, &thread, "One more").await;
    assert_eq!(outbox_to(&app, DEMO_ATTORNEY).await.len(), 1);
}

on_both_backends!(
    a_matter_sets_its_own_response_target_and_the_inbox_uses_it,
    a_breached_response_time_creates_exactly_one_task,
    the_notification_email_holds_no_message_text_and_quick_messages_send_one_email
);
