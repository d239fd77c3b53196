//! Secure messaging (issue 5): threads, encryption at rest, live delivery,
//! read receipts and retraction.

use std::time::Duration;

use app::domain::ids::{MessageId, ThreadId};
use serde_json::Value;

use crate::{
    documents::{upload, upload_ok},
    helpers::{DEMO_ADMIN, DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, DEMO_STAFF, TestApp, spawn_app},
    on_both_backends,
};

// Topics in files of their own, to keep each file short.
mod attachments;
mod escalation;

async fn send(app: &TestApp, client: &reqwest::Client, thread: &str, body: &str) -> String {
    send_with(app, client, thread, body, "").await
}

/// Sends a message carrying the documents `attachments` (ids separated by
/// spaces).
async fn send_with(
    app: &TestApp,
    client: &reqwest::Client,
    thread: &str,
    body: &str,
    attachments: &str,
) -> String {
    let (status, answer) = app
        .post(
            client,
            "/api/send_message",
            &[
                ("thread_id", thread),
                ("body", body),
                ("attachments", attachments),
            ],
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

/// Downloads a path: the status and the whole body.
async fn fetch(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Vec<u8>) {
    let response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

async fn open(app: &TestApp, client: &reqwest::Client, thread: &str) -> Value {
    let (status, answer) = app.post(client, "/api/get_thread", &[("id", thread)]).await;
    assert_eq!(status, 200, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

fn bodies(thread: &Value) -> Vec<Option<String>> {
    thread["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().map(str::to_owned))
        .collect()
}

async fn unread(app: &TestApp, client: &reqwest::Client) -> i64 {
    let (status, answer) = app
        .post(client, "/api/count_unread_messages", &[("", "")])
        .await;
    assert_eq!(status, 200, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

/// Reads server-sent message events from a streaming response until
/// `count` have arrived: (id, data) pairs. Keep-alive comments and
/// `retracted` events are skipped.
async fn read_events(
    response: &mut reqwest::Response,
    buffer: &mut String,
    count: usize,
) -> Vec<(String, Value)> {
    read_any_events(response, buffer, count)
        .await
        .into_iter()
        .filter_map(|(kind, id, data)| match (kind, id) {
            (None, Some(id)) => Some((id, serde_json::from_str(&data).unwrap())),
            _ => None,
        })
        .collect()
}

/// Reads events of any kind until `count` message events or, when counting
/// is by kind, until `count` events in all: (event name, id, data).
async fn read_any_events(
    response: &mut reqwest::Response,
    buffer: &mut String,
    count: usize,
) -> Vec<(Option<String>, Option<String>, String)> {
    read_until(response, buffer, |events| {
        events
            .iter()
            .filter(|(kind, id, _)| kind.is_none() && id.is_some())
            .count()
            >= count
    })
    .await
}

/// Reads events until `done` says the ones read so far are enough.
async fn read_until(
    response: &mut reqwest::Response,
    buffer: &mut String,
    done: impl Fn(&[(Option<String>, Option<String>, String)]) -> bool,
) -> Vec<(Option<String>, Option<String>, String)> {
    let mut events = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !done(&events) {
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let (mut kind, mut id) = (None, None);
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(rest) = line.strip_prefix("id:") {
                        id = Some(rest.trim().to_owned());
                    } else if let Some(rest) = line.strip_prefix("event:") {
                        kind = Some(rest.trim().to_owned());
                    } else if let Some(rest) = line.strip_prefix("data:") {
                        data.push_str(rest.trim_start());
                    }
                }
                if kind.is_some() || id.is_some() {
                    events.push((kind, id, data));
                }
            }
            if done(&events) {
                break;
            }
            let chunk = response
                .chunk()
                .await
                .unwrap()
                .expect("the stream ended early");
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("events arrive within 10 s");
    events
}

async fn a_client_and_the_attorney_exchange_messages_on_a_thread(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;

    let (status, threads) = app.post(&alice, "/api/list_threads", &[("", "")]).await;
    assert_eq!(status, 200);
    assert!(
        threads.contains(&thread),
        "Alice sees her matter's thread: {threads}"
    );

    send(&app, &alice, &thread, "Are the witness statements ready?").await;
    let seen = open(&app, &attorney, &thread).await;
    assert!(bodies(&seen).contains(&Some("Are the witness statements ready?".to_owned())));

    send(&app, &attorney, &thread, "Yes, they go out on Friday.").await;
    let seen = open(&app, &alice, &thread).await;
    let messages = seen["messages"].as_array().unwrap();
    let last = messages.last().unwrap();
    assert_eq!(last["body"], "Yes, they go out on Friday.");
    assert_eq!(last["mine"], false);
    assert_eq!(messages[messages.len() - 2]["mine"], true);

    let sent: (i64,) =
        sqlx::query_as("select count(*) from audit_log where action = 'message.sent'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(sent.0, 2);
    let touchpoints: (i64,) = sqlx::query_as(
        "select count(*) from touchpoints
         where kind in ('portal.message.sent', 'portal.message.read')",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(
        touchpoints.0, 2,
        "Alice's send and read are on her timeline"
    );
}

async fn a_non_participant_gets_404_for_a_thread(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let bob = app.signed_in_client(DEMO_BOB).await;
    for (path, form) in [
        ("/api/get_thread", vec![("id", thread.as_str())]),
        (
            "/api/send_message",
            vec![("thread_id", thread.as_str()), ("body", "hello")],
        ),
    ] {
        let (status, body) = app.post(&bob, path, &form).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let stream = bob
        .get(app.url(&format!("/api/messages/stream?thread={thread}")))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 404);

    app.wall_off(DEMO_ATTORNEY, "LIT-2026-0012").await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let (status, _) = app
        .post(&attorney, "/api/get_thread", &[("id", thread.as_str())])
        .await;
    assert_eq!(status, 404, "the ethical wall keeps the attorney out");
    let (_, list) = app.post(&attorney, "/api/list_threads", &[("", "")]).await;
    assert!(!list.contains(&thread));

    let denied: (i64,) = sqlx::query_as(
        "select count(*) from audit_log where action = 'access.thread' and result = 'denied'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert!(denied.0 >= 3, "refusals are audited");
    let stored: (i64,) = sqlx::query_as("select count(*) from messages where thread_id = $1")
        .bind(thread.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(stored.0, 1, "nothing was sent");
}

async fn a_ciphertext_copied_to_another_row_fails_to_decrypt_with_a_clear_error(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let first = send(&app, &alice, &thread, "First private fact").await;
    let second = send(&app, &alice, &thread, "Second private fact").await;
    let (sealed,): (Vec<u8>,) = sqlx::query_as("select body_sealed from messages where id = $1")
        .bind(first.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();

    let (thread, first, second) = (
        ThreadId::parse(&thread).unwrap(),
        MessageId::parse(&first).unwrap(),
        MessageId::parse(&second).unwrap(),
    );
    let right = app::server::messages::open_body(&app.state, &thread, &first, &sealed)
        .await
        .unwrap();
    assert_eq!(right, "First private fact");
    let err = app::server::messages::open_body(&app.state, &thread, &second, &sealed)
        .await
        .unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.contains(second.as_str()) && err.contains("does not belong to this record"),
        "{err}"
    );
    assert!(
        !err.contains("private fact"),
        "errors never carry plaintext"
    );

    let other_thread = ThreadId::parse(&app.thread_on("COR-2026-0031").await.unwrap()).unwrap();
    assert!(
        app::server::messages::open_body(&app.state, &other_thread, &first, &sealed)
            .await
            .is_err()
    );

    sqlx::query("update messages set body_sealed = $1 where id = $2")
        .bind(sealed)
        .bind(second)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let (status, body) = app
        .post(&alice, "/api/get_thread", &[("id", thread.as_str())])
        .await;
    assert_eq!(status, 500);
    assert!(!body.contains("private fact"));
}

async fn the_stream_delivers_a_new_message_live_and_a_reconnect_resumes_without_loss_or_duplicates(
    app: TestApp,
) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let (seeded,): (String,) = sqlx::query_as("select max(id) from messages where thread_id = $1")
        .bind(thread.clone())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();

    let url = app.url(&format!(
        "/api/messages/stream?thread={thread}&after={seeded}"
    ));
    let mut stream = alice.get(&url).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut buffer = String::new();
    let one = send(&app, &attorney, &thread, "Live one").await;
    let first = read_events(&mut stream, &mut buffer, 1).await;
    assert_eq!(first[0].0, one);
    assert_eq!(first[0].1["body"], "Live one");
    assert_eq!(first[0].1["mine"], false);
    drop(stream);

    // Sent while Alice is disconnected.
    let two = send(&app, &attorney, &thread, "Missed two").await;
    let three = send(&app, &alice, &thread, "Missed three").await;
    let mut stream = alice
        .get(app.url(&format!(
            "/api/messages/stream?thread={thread}&after={seeded}"
        )))
        .header("last-event-id", one.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut buffer = String::new();
    let replayed = read_events(&mut stream, &mut buffer, 2).await;
    let four = send(&app, &attorney, &thread, "Live four").await;
    let live = read_events(&mut stream, &mut buffer, 1).await;
    let ids: Vec<String> = replayed
        .iter()
        .chain(&live)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(ids, vec![two, three, four], "every message once, in order");
    assert_eq!(replayed[1].1["mine"], true);
}

async fn an_open_stream_stops_once_its_user_is_walled_off(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let mut stream = attorney
        .get(app.url(&format!("/api/messages/stream?thread={thread}")))
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    read_events(&mut stream, &mut buffer, 1).await;

    app.wall_off(DEMO_ATTORNEY, "LIT-2026-0012").await;
    // Past the stream's re-check interval (10 s), the next news of the
    // thread checks access again.
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    send(&app, &alice, &thread, "Privileged detail after the wall").await;
    let mut rest = buffer;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            rest.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream ends");
    assert!(
        !rest.contains("Privileged detail"),
        "nothing after the wall: {rest}"
    );
    assert!(
        app.count(
            "select count(*) from audit_log where action = 'access.thread' and result = $1",
            &["denied"]
        )
        .await
            >= 1
    );
}

async fn an_open_stream_stops_once_its_session_is_ended(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let mut stream = alice
        .get(app.url(&format!("/api/messages/stream?thread={thread}")))
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    read_events(&mut stream, &mut buffer, 1).await;

    // Alice signs out everywhere from another device.
    let elsewhere = app.signed_in_client(DEMO_ALICE).await;
    let (status, _) = app
        .post(&elsewhere, "/api/sign_out_everywhere", &[("", "")])
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    send(&app, &attorney, &thread, "Sent after the sign-out").await;
    let mut rest = buffer;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            rest.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream ends");
    assert!(!rest.contains("Sent after the sign-out"), "{rest}");
}

async fn unread_counts_drop_after_reading(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let before = unread(&app, &attorney).await;
    assert!(before >= 1, "Alice's seeded question is unread");
    send(&app, &alice, &thread, "One more question").await;
    assert_eq!(unread(&app, &attorney).await, before + 1);
    assert_eq!(
        unread(&app, &alice).await,
        0,
        "own messages are never unread"
    );

    open(&app, &attorney, &thread).await;
    assert_eq!(
        unread(&app, &attorney).await,
        before - 1,
        "both messages of the thread were read"
    );
    let (_, list) = app.post(&attorney, "/api/list_threads", &[("", "")]).await;
    let list: Value = serde_json::from_str(&list).unwrap();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == thread.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["unread"], 0);
}

async fn a_retraction_is_audited_and_the_body_is_no_longer_shown(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let id = send(&app, &alice, &thread, "Sent to the wrong matter").await;

    let (status, _) = app
        .post(&attorney, "/api/retract_message", &[("id", id.as_str())])
        .await;
    assert_eq!(status, 404, "only the sender may retract");
    let (status, body) = app
        .post(&alice, "/api/retract_message", &[("id", id.as_str())])
        .await;
    assert_eq!(status, 200, "{body}");

    let seen = open(&app, &attorney, &thread).await;
    assert!(!seen.to_string().contains("wrong matter"));
    assert_eq!(bodies(&seen).last().unwrap(), &None);
    let page = attorney
        .get(app.url(&format!("/messages/{thread}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Message retracted"));
    assert!(!page.contains("wrong matter"));

    let audited: (i64,) = sqlx::query_as(
        "select count(*) from audit_log where action = 'message.retracted' and object_id = $1",
    )
    .bind(id.clone())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(audited.0, 1);
    let kept: (i64,) = sqlx::query_as("select count(*) from messages where id = $1")
        .bind(id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(kept.0, 1, "the ciphertext is kept, not silently deleted");
}

async fn the_sender_sees_who_has_read_their_message_and_the_page_hears_it_live(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let bob = app.signed_in_client(DEMO_BOB).await;
    let question = send(&app, &alice, &thread, "Did you get my email?").await;
    let reached = |view: &Value, name: &str| {
        view["receipts"].as_array().unwrap().iter().any(|r| {
            r["name"] == name && r["last_read_message_id"].as_str().unwrap() >= question.as_str()
        })
    };
    let seen = open(&app, &alice, &thread).await;
    assert!(
        !reached(&seen, "Amara Attorney"),
        "nobody has read it yet: {}",
        seen["receipts"]
    );

    // Alice's page is open; the attorney's page shows the message as it
    // arrives and marks it read.
    let mut stream = alice
        .get(app.url(&format!(
            "/api/messages/stream?thread={thread}&after={question}"
        )))
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    let before = unread(&app, &attorney).await;
    let (status, body) = app
        .post(
            &attorney,
            "/api/mark_thread_read",
            &[
                ("thread_id", thread.as_str()),
                ("message_id", question.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(unread(&app, &attorney).await < before);
    // The stream starts with the receipts as they are, then hears of
    // the attorney's read.
    let receipts_reaching = |events: &[(Option<String>, Option<String>, String)]| {
        events
            .iter()
            .filter(|(kind, ..)| kind.as_deref() == Some("receipts"))
            .any(|(_, id, data)| {
                assert_eq!(id, &None, "receipts carry no event id");
                let receipts: Value = serde_json::from_str(data).unwrap();
                reached(
                    &serde_json::json!({ "receipts": receipts }),
                    "Amara Attorney",
                )
            })
    };
    let events = read_until(&mut stream, &mut buffer, receipts_reaching).await;
    assert!(receipts_reaching(&events));
    let seen = open(&app, &alice, &thread).await;
    assert!(reached(&seen, "Amara Attorney"));
    assert!(
        app.count(
            "select count(*) from audit_log where action = 'message.read' and object_id = $1",
            &[&thread]
        )
        .await
            >= 3
    );
    // Reading the same message again changes nothing but the audit log.
    let timeline = app
        .count(
            "select count(*) from touchpoints where kind = $1",
            &["portal.message.read"],
        )
        .await;
    let (status, _) = app
        .post(
            &attorney,
            "/api/mark_thread_read",
            &[
                ("thread_id", thread.as_str()),
                ("message_id", question.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.count(
            "select count(*) from touchpoints where kind = $1",
            &["portal.message.read"]
        )
        .await,
        timeline
    );

    // A firm-wide reader who is not on the matter's team is not named.
    let admin = app.signed_in_client(DEMO_ADMIN).await;
    open(&app, &admin, &thread).await;
    let seen = open(&app, &alice, &thread).await;
    assert!(
        !seen["receipts"].to_string().contains("Admin"),
        "{}",
        seen["receipts"]
    );

    // Only participants, and only messages of that thread.
    let (status, _) = app
        .post(
            &bob,
            "/api/mark_thread_read",
            &[
                ("thread_id", thread.as_str()),
                ("message_id", question.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let elsewhere = app.thread_on("COR-2026-0031").await.unwrap();
    let (status, _) = app
        .post(
            &alice,
            "/api/mark_thread_read",
            &[
                ("thread_id", elsewhere.as_str()),
                ("message_id", question.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 404, "a message of another thread");
}

async fn a_retraction_reaches_open_pages_live_and_pages_that_reconnect(app: TestApp) {
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let attorney = app.signed_in_client(DEMO_ATTORNEY).await;
    let url = app.url(&format!("/api/messages/stream?thread={thread}"));
    let mut stream = attorney.get(&url).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let mut buffer = String::new();
    read_events(&mut stream, &mut buffer, 1).await; // the seeded question

    let id = send(&app, &alice, &thread, "Please ignore this").await;
    let (status, _) = app
        .post(&alice, "/api/retract_message", &[("id", id.as_str())])
        .await;
    assert_eq!(status, 200);
    let events = read_until(&mut stream, &mut buffer, |events| {
        events
            .iter()
            .any(|(kind, ..)| kind.as_deref() == Some("retracted"))
    })
    .await;
    let events: Vec<_> = events
        .into_iter()
        .filter(|(kind, ..)| kind.as_deref() != Some("receipts"))
        .collect();
    assert_eq!(
        events[0].1.as_deref(),
        Some(id.as_str()),
        "the message arrives first"
    );
    let retracted = events.last().unwrap();
    assert_eq!(
        (
            retracted.0.as_deref(),
            retracted.1.as_deref(),
            retracted.2.as_str()
        ),
        (Some("retracted"), None, id.as_str()),
        "a retraction names the message and carries no event id, \
         so Last-Event-ID stays the last message"
    );
    drop(stream);

    // A page that reconnects after the last message it saw still learns
    // of the retraction.
    let mut stream = attorney
        .get(&url)
        .header("last-event-id", id.as_str())
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    let events = read_until(&mut stream, &mut buffer, |events| !events.is_empty()).await;
    assert_eq!(
        (events[0].0.as_deref(), events[0].2.as_str()),
        (Some("retracted"), id.as_str())
    );
}

on_both_backends!(
    a_client_and_the_attorney_exchange_messages_on_a_thread,
    a_non_participant_gets_404_for_a_thread,
    a_ciphertext_copied_to_another_row_fails_to_decrypt_with_a_clear_error,
    the_stream_delivers_a_new_message_live_and_a_reconnect_resumes_without_loss_or_duplicates,
    an_open_stream_stops_once_its_user_is_walled_off,
    an_open_stream_stops_once_its_session_is_ended,
    unread_counts_drop_after_reading,
    a_retraction_is_audited_and_the_body_is_no_longer_shown,
    the_sender_sees_who_has_read_their_message_and_the_page_hears_it_live,
    a_retraction_reaches_open_pages_live_and_pages_that_reconnect
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_message_is_sent_the_database_files_hold_no_plaintext() {
    let app = spawn_app(app::server::db::Backend::Sqlite).await;
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let phrase = "quixotic-marmalade-7f3a9c";
    send(&app, &alice, &thread, &format!("My secret is {phrase}")).await;
    for file in ["vellum.db", "vellum.db-wal"] {
        let path = app.data_dir().join(file);
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(
            !bytes.windows(phrase.len()).any(|w| w == phrase.as_bytes()),
            "{file} holds the plaintext"
        );
    }
    let wal = std::fs::metadata(app.data_dir().join("vellum.db-wal")).map_or(0, |m| m.len());
    let db = std::fs::metadata(app.data_dir().join("vellum.db")).map_or(0, |m| m.len());
    assert!(wal + db > 0, "the database was written");
}

/// The attorney as a principal, to send messages without a session of their
/// own (which would meet the same short limits as the reader's).
async fn attorney_principal(app: &TestApp) -> app::server::auth::Principal {
    let (id,): (String,) = sqlx::query_as("select id from users where email = $1")
        .bind(DEMO_ATTORNEY)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    app::server::auth::Principal {
        user_id: app::domain::ids::UserId::from_trusted(id),
        role: app::domain::role::Role::Attorney,
        email: DEMO_ATTORNEY.to_owned(),
        display_name: "Attorney".to_owned(),
        contact_id: None,
        session_handle: String::new(),
    }
}

/// Opens Alice's stream of `thread` under short session limits, then sends a
/// message every half second, each named by when it was sent (ms after
/// Alice signed in), while `keep_active` has Alice use the portal every
/// second until 5 s. Returns when the stream ended (ms after the sign-in,
/// or `None` if it was still open at 10 s), what it carried, and what was
/// sent when.
async fn stream_under_limits(
    idle_secs: &str,
    absolute_secs: &str,
    keep_active: bool,
) -> (Option<u128>, String, Vec<(u128, String)>) {
    let app = crate::helpers::spawn_app_configured(
        app::server::db::Backend::Sqlite,
        axum::Router::new(),
        &[
            ("VELLUM_SESSION_IDLE_SECS", idle_secs),
            ("VELLUM_SESSION_ABSOLUTE_SECS", absolute_secs),
        ],
    )
    .await;
    app.seed().await;
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let attorney = attorney_principal(&app).await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let signed_in = std::time::Instant::now();
    let mut stream = alice
        .get(app.url(&format!("/api/messages/stream?thread={thread}")))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut buffer = String::new();
    read_events(&mut stream, &mut buffer, 1).await;
    let reader = tokio::spawn(async move {
        let mut carried = buffer;
        while let Ok(Some(chunk)) = stream.chunk().await {
            carried.push_str(&String::from_utf8_lossy(&chunk));
        }
        (signed_in.elapsed().as_millis(), carried)
    });
    let mut sent = Vec::new();
    while signed_in.elapsed() < Duration::from_secs(10) && !reader.is_finished() {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let at = signed_in.elapsed().as_millis();
        let body = format!("Sent at {at:05} ms");
        app::server::messages::send_message(
            &app.state,
            &attorney,
            &app::server::auth::ClientInfo::default(),
            &app::domain::ids::ThreadId::parse(&thread).unwrap(),
            &body,
            &[],
        )
        .await
        .unwrap();
        sent.push((at, body));
        if keep_active && at < 5000 && sent.len() % 2 == 0 {
            let (status, _) = app
                .post(&alice, "/api/count_unread_messages", &[("", "")])
                .await;
            assert_eq!(status, 200, "Alice is still signed in at {at} ms");
        }
    }
    if reader.is_finished() {
        let (ended, carried) = reader.await.unwrap();
        (Some(ended), carried, sent)
    } else {
        reader.abort();
        (None, String::new(), sent)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_stream_ends_at_the_absolute_session_limit_even_while_messages_keep_arriving() {
    // Idle 4 s, absolute 6 s; Alice stays active, so only the absolute
    // limit can end her session.
    let (ended, carried, sent) = stream_under_limits("4", "6", true).await;
    let ended = ended.expect("the stream ends at the absolute limit");
    assert!(
        ended < 7500,
        "the stream ended at {ended} ms, not at about 6000"
    );
    // Her activity counts: the stream outlived the idle limit counted from
    // the sign-in.
    assert!(
        sent.iter()
            .any(|(at, body)| (4500..5500).contains(at) && carried.contains(body)),
        "{carried}"
    );
    for (at, body) in &sent {
        if *at > 6200 {
            assert!(!carried.contains(body), "sent after the limit: {carried}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_stream_ends_at_the_idle_session_limit_when_its_user_does_nothing_else() {
    // Idle 2 s: the stream and the news it carries are not activity.
    let (ended, carried, sent) = stream_under_limits("2", "60", false).await;
    let ended = ended.expect("the stream ends at the idle limit");
    assert!(
        ended < 3500,
        "the stream ended at {ended} ms, not at about 2000"
    );
    for (at, body) in &sent {
        if *at > 2200 {
            assert!(!carried.contains(body), "sent after the limit: {carried}");
        }
    }
}
