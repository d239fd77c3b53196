//! SMTP delivery of the outbox against a real SMTP server on loopback
//! (Python's aiosmtpd, started by the test), on both backends.

use std::{
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    time::Duration,
};

use app::server::db::Backend;
use axum::Router;

use crate::{
    helpers::{DEMO_ALICE, DEMO_ATTORNEY, DEMO_BOB, TestApp, spawn_app_configured},
    on_both_backends,
};

/// The Python that has aiosmtpd: `VELLUM_TEST_PYTHON` (set by `cargo xtask
/// test`, which installs aiosmtpd from PyPI into a venv), else `python3`.
fn python() -> String {
    std::env::var("VELLUM_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// The SMTP sink process; stops when dropped.
struct Sink {
    child: Child,
    _stdin: ChildStdin,
    dir: tempfile::TempDir,
    port: u16,
}

impl Sink {
    fn start(port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {} (see VELLUM_TEST_PYTHON): {e}", python()));
        let stdin = child.stdin.take().unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(
            ready.trim(),
            "ready",
            "the SMTP sink did not start; install aiosmtpd \
             (pip install aiosmtpd==1.4.6) or run `cargo xtask test`"
        );
        Self {
            child,
            _stdin: stdin,
            dir,
            port,
        }
    }

    /// Stops the sink; returns its port, where nothing listens now.
    fn stop(self) -> u16 {
        self.port
    }

    fn messages(&self) -> Vec<String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// Waits (up to a minute) until `n` messages arrived.
    async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..600 {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {n} emails, got {}", self.messages().len());
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server that delivers mail to a [`Sink`]. The sink starts first, so that
/// the free port it was given has no time to be taken by anything else.
async fn spawn_with_sink(backend: Backend) -> (TestApp, Sink) {
    let sink = Sink::start(free_port());
    (spawn_with_smtp(backend, sink.port).await, sink)
}

async fn spawn_with_smtp(backend: Backend, port: u16) -> TestApp {
    let url = format!("smtp://127.0.0.1:{port}");
    spawn_app_configured(
        backend,
        Router::new(),
        &[
            ("VELLUM_SMTP_URL", &url),
            ("VELLUM_MAIL_FROM", "Harbour Law <portal@harbour.example>"),
        ],
    )
    .await
}

async fn outbox_state(app: &TestApp, to: &str) -> Vec<(Option<i64>, i64, Option<String>)> {
    sqlx::query_as(
        "select sent_at, attempts, last_error from outbox
         where to_address = $1 order by created_at",
    )
    .bind(to.to_owned())
    .fetch_all(app.state.db.pool())
    .await
    .unwrap()
}

async fn queued_emails_are_delivered_over_smtp_without_message_text((app, sink): (TestApp, Sink)) {
    app.seed().await;

    let response = crate::helpers::new_client()
        .post(app.url("/api/request_password_reset"))
        .form(&[("email", DEMO_ALICE)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let messages = sink.wait_for(1).await;
    let reset = &messages[0];
    assert!(
        reset.contains(&format!("X-Envelope-To: {DEMO_ALICE}")),
        "{reset}"
    );
    assert!(
        reset.contains("From: ") && reset.contains("portal@harbour.example"),
        "{reset}"
    );
    assert!(reset.contains("/reset/"), "the one-time link: {reset}");
    // Sent in the firm's name, and signed with it (the demo firm has not
    // named itself yet, so the default stands).
    let from = reset.lines().find(|l| l.starts_with("From: ")).unwrap();
    assert!(from.contains("Your law firm"), "{from}");
    assert!(reset.contains("--\r\nYour law firm"), "{reset}");

    // A new secure message: the email says so and links to it, and never
    // carries the text.
    let thread = app.thread_on("LIT-2026-0012").await.unwrap();
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let response = alice
        .post(app.url("/api/send_message"))
        .form(&[
            ("thread_id", thread.as_str()),
            ("body", "The vault code is zebra-lantern-42"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let messages = sink.wait_for(2).await;
    let notice = messages
        .iter()
        .find(|m| m.contains(&format!("X-Envelope-To: {DEMO_ATTORNEY}")))
        .expect("the attorney is notified");
    assert!(notice.contains("You have a new secure message"), "{notice}");
    assert!(!notice.contains("zebra"), "{notice}");

    // The sink has a message before the sender hears its 250 and marks
    // the row, so give the sender a moment.
    for to in [DEMO_ALICE, DEMO_ATTORNEY] {
        let mut rows = outbox_state(&app, to).await;
        for _ in 0..100 {
            if rows.iter().all(|(sent, _, _)| sent.is_some()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            rows = outbox_state(&app, to).await;
        }
        assert!(
            !rows.is_empty()
                && rows
                    .iter()
                    .all(|(sent, _, error)| sent.is_some() && error.is_none()),
            "{to}: {rows:?}"
        );
    }
}

async fn a_mail_server_that_is_down_gets_the_email_later((app, sink): (TestApp, Sink)) {
    // The mail server is down: nothing listens on its port.
    let port = sink.stop();
    app.seed().await;
    let response = crate::helpers::new_client()
        .post(app.url("/api/request_password_reset"))
        .form(&[("email", DEMO_BOB)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let mut failed = Vec::new();
    for _ in 0..300 {
        failed = outbox_state(&app, DEMO_BOB).await;
        if failed.first().is_some_and(|(_, _, error)| error.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (sent, attempts, error) = failed.first().cloned().expect("the email is queued");
    assert_eq!((sent, attempts), (None, 1), "one failed attempt, not sent");
    assert!(
        error.is_some_and(|e| !e.is_empty()),
        "the failure is recorded"
    );
    let (next,): (i64,) =
        sqlx::query_as("select next_attempt_at from outbox where to_address = $1")
            .bind(DEMO_BOB)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert!(
        next >= app::server::now_ms() + 20_000,
        "the retry waits (about 30 s)"
    );

    // The server comes up; when the retry is due, the email goes.
    let sink = Sink::start(port);
    sqlx::query("update outbox set next_attempt_at = 0 where to_address = $1")
        .bind(DEMO_BOB)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let messages = sink.wait_for(1).await;
    assert!(messages[0].contains(&format!("X-Envelope-To: {DEMO_BOB}")));
    for _ in 0..100 {
        if outbox_state(&app, DEMO_BOB).await[0].0.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (sent, attempts, error) = outbox_state(&app, DEMO_BOB).await[0].clone();
    assert!(
        sent.is_some() && error.is_none(),
        "marked sent after the retry"
    );
    assert_eq!(attempts, 2);
}

/// How many emails still hold a body, sealed or not.
async fn bodies_kept(app: &TestApp) -> i64 {
    let (kept,): (i64,) = sqlx::query_as(
        "select count(*) from outbox where body_text is not null or body_sealed is not null",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    kept
}

async fn a_sent_email_keeps_no_body((app, sink): (TestApp, Sink)) {
    app.seed().await;
    let response = crate::helpers::new_client()
        .post(app.url("/api/request_password_reset"))
        .form(&[("email", DEMO_ALICE)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        sink.wait_for(1).await[0].contains("/reset/"),
        "the link is delivered"
    );
    for _ in 0..100 {
        if outbox_state(&app, DEMO_ALICE).await[0].0.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        outbox_state(&app, DEMO_ALICE).await[0].0.is_some(),
        "marked sent"
    );
    assert_eq!(bodies_kept(&app).await, 0, "a sent email keeps its link");
}

on_both_backends!(
    spawn = spawn_with_sink,
    queued_emails_are_delivered_over_smtp_without_message_text,
    a_mail_server_that_is_down_gets_the_email_later,
    a_sent_email_keeps_no_body,
);

mod claiming {
    use app::server::{
        new_id, now_ms,
        outbox::{self, EmailKind, MAX_AGE_MS, NewEmail},
    };

    use crate::{helpers::TestApp, on_both_backends};

    async fn two_senders_never_claim_the_same_email_and_stale_mail_is_given_up(app: TestApp) {
        let key = app.state.keys.firm_key(&app.state.db).await.unwrap();
        for n in 0..20 {
            let mut tx = app.state.db.begin_write().await.unwrap();
            let to = format!("client{n}@client.test");
            outbox::enqueue(
                &mut tx,
                &key,
                &NewEmail {
                    kind: EmailKind::PasswordReset,
                    to: &to,
                    subject: "Reset",
                    body: "link",
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let stale = new_id();
        sqlx::query(
            "insert into outbox (id, to_address, subject, kind, created_at, attempts)
             values ($1, 'old@client.test', 'Old', 'invitation', $2, 0)",
        )
        .bind(stale.clone())
        .bind(now_ms() - MAX_AGE_MS - 1)
        .execute(app.state.db.pool())
        .await
        .unwrap();

        let now = now_ms();
        let (first, second) = tokio::join!(
            outbox::claim_due(&app.state.db, now, 15),
            outbox::claim_due(&app.state.db, now, 15),
        );
        let mut ids: Vec<String> = first
            .unwrap()
            .into_iter()
            .chain(second.unwrap())
            .map(|e| e.id)
            .collect();
        let claimed = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), claimed, "no email claimed twice");
        assert_eq!(
            claimed, 20,
            "every due email claimed once, the stale one not at all"
        );
        assert!(
            outbox::claim_due(&app.state.db, now, 50)
                .await
                .unwrap()
                .is_empty(),
            "claimed mail is leased"
        );

        let (failed_at, reason): (Option<i64>, Option<String>) =
            sqlx::query_as("select failed_at, last_error from outbox where id = $1")
                .bind(stale)
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
        assert!(failed_at.is_some() && reason.is_some_and(|r| r.contains("given up")));
    }

    async fn mail_queued_in_plaintext_before_the_upgrade_is_sealed_at_start_and_still_delivered(
        app: TestApp,
    ) {
        let (pending, sent) = (new_id(), new_id());
        for (id, sent_at) in [(&pending, None), (&sent, Some(now_ms()))] {
            sqlx::query(
                "insert into outbox (id, to_address, subject, body_text, kind,
                 created_at, sent_at, attempts)
                 values ($1, 'old@client.test', 'Invitation',
                 'https://portal.example/invite/legacy-token',
                 'invitation', $2, $3, 0)",
            )
            .bind(id.clone())
            .bind(now_ms())
            .bind(sent_at)
            .execute(app.state.db.pool())
            .await
            .unwrap();
        }
        let sealed = outbox::seal_plaintext_bodies(&app.state.db, &app.state.keys)
            .await
            .unwrap();
        assert_eq!(sealed, 1, "only the unsent one is kept");
        let (plaintext,): (i64,) =
            sqlx::query_as("select count(*) from outbox where body_text is not null")
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
        assert_eq!(plaintext, 0, "no row keeps a link in plaintext");
        let claimed = outbox::claim_due(&app.state.db, now_ms(), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].id, pending);
        let body = outbox::open_body(&app.state.keys, &app.state.db, &claimed[0])
            .await
            .unwrap();
        assert_eq!(body.as_str(), "https://portal.example/invite/legacy-token");
    }

    async fn an_email_given_up_keeps_no_body(app: TestApp) {
        let key = app.state.keys.firm_key(&app.state.db).await.unwrap();
        for to in ["refused@client.test", "stale@client.test"] {
            let mut tx = app.state.db.begin_write().await.unwrap();
            outbox::enqueue(
                &mut tx,
                &key,
                &NewEmail {
                    kind: EmailKind::Invitation,
                    to,
                    subject: "Invitation",
                    body: "https://portal.example/invite/secret",
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        sqlx::query("update outbox set created_at = $1 where to_address = 'stale@client.test'")
            .bind(now_ms() - MAX_AGE_MS - 1)
            .execute(app.state.db.pool())
            .await
            .unwrap();
        let claimed = outbox::claim_due(&app.state.db, now_ms(), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1, "the stale one is given up, not claimed");
        outbox::mark_failed(
            &app.state.db,
            &claimed[0],
            "550 no such user",
            true,
            now_ms(),
        )
        .await
        .unwrap();
        let kept: Vec<(String, Option<i64>)> = sqlx::query_as(
            "select to_address, failed_at from outbox
             where body_text is not null or body_sealed is not null",
        )
        .fetch_all(app.state.db.pool())
        .await
        .unwrap();
        assert!(
            kept.is_empty(),
            "given-up emails keep their bodies: {kept:?}"
        );
    }

    on_both_backends!(
        two_senders_never_claim_the_same_email_and_stale_mail_is_given_up,
        mail_queued_in_plaintext_before_the_upgrade_is_sealed_at_start_and_still_delivered,
        an_email_given_up_keeps_no_body
    );
}
