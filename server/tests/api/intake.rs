//! Intake (issue 13, points 1 and 2): the public enquiry form makes a
//! sealed lead and tells intake staff; the answer never says who is a
//! client; scripts meet a honeypot and the flood limits; staff see leads
//! longest-waiting first and stop the clock with a first response.

use crate::{
    helpers::{DEMO_ALICE, DEMO_STAFF, TestApp, new_client},
    on_both_backends,
};

fn enquiry<'a>(name: &'a str, email: &'a str, honeypot: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("enquiry[name]", name),
        ("enquiry[email]", email),
        ("enquiry[phone]", "+44 20 7946 0000"),
        ("enquiry[organisation]", ""),
        ("enquiry[topic]", "A dispute or claim"),
        (
            "enquiry[details]",
            "My landlord kept the whole deposit after I moved out.",
        ),
        ("enquiry[consent]", "on"),
        ("enquiry[website]", honeypot),
    ]
}

async fn an_enquiry_makes_a_sealed_lead_and_tells_intake_staff(app: TestApp) {
    app.seed().await;
    let stranger = new_client();
    let (status, body) = app
        .post(
            &stranger,
            "/api/submit_enquiry",
            &enquiry("Dana Whitfield", "Dana@Example.com", ""),
        )
        .await;
    assert_eq!((status, body.as_str()), (200, "null"));
    assert_eq!(
        app.count(
            "select count(*) from leads where email = 'dana@example.com' and source = 'web'",
            &[]
        )
        .await,
        1
    );
    // The details are sealed at rest: the plaintext is nowhere in the row.
    let (sealed,): (Vec<u8>,) = sqlx::query_as("select details_sealed from leads")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("landlord"));
    // Intake staff hear of it, without the details.
    let mail = app.outbox_emails("staff@vellum.test").await;
    let notice = mail
        .iter()
        .find(|(_, subject, _)| subject == "New enquiry from Dana Whitfield")
        .expect("a notice to staff");
    assert!(notice.2.contains("/intake"), "{}", notice.2);
    assert!(!notice.2.contains("landlord"), "no details by email");

    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, list) = app.post(&staff, "/api/list_leads", &[("", "")]).await;
    assert_eq!(status, 200, "{list}");
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let lead = &list["leads"][0];
    assert_eq!(lead["name"], "Dana Whitfield");
    assert_eq!(
        lead["details"],
        "My landlord kept the whole deposit after I moved out."
    );
    assert!(lead["clock"]["Waiting"].is_object(), "{lead}");
    assert_eq!(list["target_minutes"], 60);
}

async fn everyone_gets_the_same_answer_and_scripts_are_dropped_or_limited(app: TestApp) {
    app.seed().await;
    // A client of the firm and a stranger read the same words.
    let client_answer = app
        .post(
            &new_client(),
            "/api/submit_enquiry",
            &enquiry("Alice", DEMO_ALICE, ""),
        )
        .await;
    let stranger_answer = app
        .post(
            &new_client(),
            "/api/submit_enquiry",
            &enquiry("Sam", "sam@elsewhere.example", ""),
        )
        .await;
    assert_eq!(client_answer, stranger_answer);
    // A filled honeypot gets that answer too, and nothing is stored.
    let before = app.count("select count(*) from leads", &[]).await;
    let bot = app
        .post(
            &new_client(),
            "/api/submit_enquiry",
            &enquiry("Bot", "bot@spam.example", "https://spam.example"),
        )
        .await;
    assert_eq!(bot, stranger_answer);
    assert_eq!(app.count("select count(*) from leads", &[]).await, before);
    // A bad field is a 400 that names it.
    let mut no_consent = enquiry("Sam", "sam@elsewhere.example", "");
    no_consent.retain(|(k, _)| *k != "enquiry[consent]");
    let (status, body) = app
        .post(&new_client(), "/api/submit_enquiry", &no_consent)
        .await;
    assert_eq!(status, 400);
    assert!(body.contains("Consent"), "{body}");
    // One network sends a handful a minute; a script is refused with 429.
    let mut statuses = Vec::new();
    for n in 0..8 {
        let name = format!("Flood {n}");
        let (status, _) = app
            .post(
                &new_client(),
                "/api/submit_enquiry",
                &enquiry(&name, "flood@spam.example", ""),
            )
            .await;
        statuses.push(status);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

async fn staff_see_the_longest_waiting_first_and_a_first_response_stops_the_clock(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    for name in ["First Caller", "Second Caller"] {
        let mut form = enquiry(name, "caller@example.com", "");
        form.retain(|(k, _)| *k != "enquiry[website]");
        let (status, body) = app.post(&staff, "/api/add_lead", &form).await;
        assert_eq!(status, 200, "{body}");
    }
    // The first arrived earlier: make that plain for the order.
    sqlx::query("update leads set arrived_at = arrived_at - 7200000 where name = 'First Caller'")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let (_, list) = app.post(&staff, "/api/list_leads", &[("", "")]).await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["leads"][0]["name"], "First Caller");
    assert!(
        list["leads"][0]["source"]
            .as_str()
            .unwrap()
            .starts_with("Typed in by")
    );
    let first = list["leads"][0]["id"].as_str().unwrap().to_owned();

    let (status, body) = app
        .post(
            &staff,
            "/api/record_first_response",
            &[("lead_id", first.as_str()), ("kind", "telegram")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = app
        .post(
            &staff,
            "/api/record_first_response",
            &[("lead_id", first.as_str()), ("kind", "call")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .post(
            &staff,
            "/api/record_first_response",
            &[("lead_id", first.as_str()), ("kind", "email")],
        )
        .await;
    assert_eq!(status, 409, "the first response stays the first");
    let (_, list) = app.post(&staff, "/api/list_leads", &[("", "")]).await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list["leads"][0]["name"], "Second Caller",
        "answered ones go last"
    );
    assert_eq!(list["leads"][1]["first_response"], "Call");
    assert!(list["leads"][1]["clock"]["Answered"].is_object());
    assert_eq!(
        app.count(
            "select count(*) from leads where response_business_ms is not null",
            &[]
        )
        .await,
        1,
        "kept for the dashboards"
    );

    // Clients reach none of it.
    let alice = app.signed_in_client(DEMO_ALICE).await;
    for (path, form) in [
        ("/api/list_leads", vec![("", "")]),
        ("/api/add_lead", enquiry("X", "x@example.com", "")),
        (
            "/api/record_first_response",
            vec![("lead_id", first.as_str()), ("kind", "call")],
        ),
    ] {
        let (status, body) = app.post(&alice, path, &form).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("Caller"), "{path}: {body}");
    }
}

on_both_backends!(
    an_enquiry_makes_a_sealed_lead_and_tells_intake_staff,
    everyone_gets_the_same_answer_and_scripts_are_dropped_or_limited,
    staff_see_the_longest_waiting_first_and_a_first_response_stops_the_clock,
);
