//! Documents (issue 4): encrypted streamed uploads and downloads, ranges,
//! limits, versions, visibility and document requests.

use std::path::PathBuf;

use app::server::crypto::{CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, HEADER_LEN};
use serde_json::Value;

use crate::{
    helpers::{DEMO_ALICE, DEMO_BOB, DEMO_STAFF, TestApp, spawn_app_configured},
    on_both_backends,
};

// Topics in files of their own, to keep each file short. The upload limit
// needs a module of its own anyway: its server is configured for it, and
// `on_both_backends!` makes one `sqlite` and one `pg` module per module.
mod limits;
mod requests;
mod versions;

/// Alice's litigation matter.
const ALICES_MATTER: &str = "LIT-2026-0012";

/// `len` bytes that differ from chunk to chunk, so a swapped or shifted
/// chunk could never compare equal by accident.
fn sample(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// SHA-256 of `bytes`, hex, computed outside our code (coreutils).
fn sha256_hex(bytes: &[u8]) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

/// Uploads `body` as `name` to the matter `number`; `extra` adds query
/// parameters (`request`, `replaces`).
pub(crate) async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    number: &str,
    name: &str,
    visibility: &str,
    extra: &[(&str, &str)],
    body: Vec<u8>,
) -> reqwest::Response {
    let matter = app.matter_id(number).await;
    let mut query = vec![("name", name), ("visibility", visibility)];
    query.extend_from_slice(extra);
    client
        .post(app.url(&format!("/api/matters/{matter}/documents")))
        .query(&query)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Uploads and returns the stored document's JSON (201 expected).
pub(crate) async fn upload_ok(
    app: &TestApp,
    client: &reqwest::Client,
    number: &str,
    name: &str,
    body: Vec<u8>,
) -> Value {
    let response = upload(app, client, number, name, "client", &[], body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

/// Where the current version of a document is stored.
async fn blob_path(app: &TestApp, document_id: &str) -> PathBuf {
    let (key,): (String,) = sqlx::query_as(
        "select v.blob_key from document_versions v join documents d on d.id = v.document_id
         where d.id = $1 and v.version = d.current_version",
    )
    .bind(document_id.to_owned())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    app.data_dir().join("blobs").join(key)
}

/// Downloads, reading the body to its end; `Err` when the stream was cut.
async fn download(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
) -> (
    reqwest::StatusCode,
    reqwest::header::HeaderMap,
    Result<Vec<u8>, Vec<u8>>,
) {
    let mut response = client.get(app.url(path)).send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let mut got = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(piece)) => got.extend_from_slice(&piece),
            Ok(None) => return (status, headers, Ok(got)),
            Err(_) => return (status, headers, Err(got)),
        }
    }
}

/// The document the firm seeded on the matter `number` with `visibility`:
/// the engagement letter (client) or the strategy notes (internal).
async fn firm_document(app: &TestApp, number: &str, visibility: &str) -> String {
    let (id,): (String,) = sqlx::query_as(
        "select d.id from documents d join matters m on m.id = d.matter_id
         where m.number = $1 and d.visibility = $2 order by d.created_at, d.id limit 1",
    )
    .bind(number.to_owned())
    .bind(visibility.to_owned())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    id
}

async fn current_version(app: &TestApp, document_id: &str) -> i64 {
    let (version,): (i64,) = sqlx::query_as("select current_version from documents where id = $1")
        .bind(document_id.to_owned())
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    version
}

/// Sets the modification time of the file at `path`.
fn set_modified(path: &std::path::Path, time: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

/// Files under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn an_uploaded_file_downloads_byte_identical_with_its_sha256_recorded(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let body = sample(3 * CHUNK_SIZE + 17);
    let stored = upload_ok(&app, &alice, ALICES_MATTER, "statement.bin", body.clone()).await;
    let id = stored["document_id"].as_str().unwrap().to_owned();
    assert_eq!(stored["sha256"], sha256_hex(&body));
    let (sha,): (Vec<u8>,) =
        sqlx::query_as("select sha256 from document_versions where document_id = $1")
            .bind(id.clone())
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(app::server::crypto::to_hex(&sha), sha256_hex(&body));

    let (status, headers, got) =
        download(&app, &alice, &format!("/api/documents/{id}/download")).await;
    assert_eq!(status, 200);
    assert_eq!(got.unwrap(), body);
    assert_eq!(headers["content-length"], body.len().to_string().as_str());
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''statement.bin"),
        "{disposition}"
    );

    // The blob holds ciphertext, not the file.
    let stored_bytes = std::fs::read(blob_path(&app, &id).await).unwrap();
    assert!(!stored_bytes.windows(64).any(|w| w == &body[..64]));

    // Uploading and downloading are on Alice's timeline and in the audit log.
    for action in ["document.uploaded", "document.downloaded"] {
        let audited = app.count(&format!(
                "select count(*) from audit_log where action = '{action}' and result = 'success'"
            ), &[])
        .await;
        assert!(audited >= 1, "{action}");
        let touched = app
            .count(
                &format!("select count(*) from touchpoints where kind = 'portal.{action}'"),
                &[],
            )
            .await;
        assert!(touched >= 1, "{action} touchpoint");
    }
}

async fn a_tampered_chunk_stops_the_download_with_an_audit_row_and_never_yields_wrong_bytes(
    app: TestApp,
) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let body = sample(3 * CHUNK_SIZE + 5);
    let stored = upload_ok(&app, &alice, ALICES_MATTER, "tampered.bin", body.clone()).await;
    let id = stored["document_id"].as_str().unwrap().to_owned();
    let path = blob_path(&app, &id).await;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[HEADER_LEN + ENCRYPTED_CHUNK_SIZE + 100] ^= 1;
    std::fs::write(&path, &bytes).unwrap();

    let (status, _, got) = download(&app, &alice, &format!("/api/documents/{id}/download")).await;
    assert_eq!(
        status, 200,
        "headers go out before the bad chunk is reached"
    );
    let prefix = got.expect_err("the download must be cut short");
    assert!(prefix.len() < body.len());
    assert_eq!(
        prefix,
        body[..prefix.len()],
        "only verified bytes were sent"
    );
    let failures = app
        .count(
            "select count(*) from audit_log
             where action = 'document.integrity_failure' and result = 'failure'",
            &[],
        )
        .await;
    assert_eq!(failures, 1);

    // A range that avoids the bad chunk still works; one over it fails.
    let response = alice
        .get(app.url(&format!("/api/documents/{id}/download")))
        .header("range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    assert_eq!(response.bytes().await.unwrap().as_ref(), &body[..100]);
    let response = alice
        .get(app.url(&format!("/api/documents/{id}/download")))
        .header("range", format!("bytes={}-{}", CHUNK_SIZE, CHUNK_SIZE + 10))
        .send()
        .await
        .unwrap();
    assert!(response.bytes().await.is_err());
}

async fn a_truncated_blob_is_detected(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let body = sample(2 * CHUNK_SIZE + 40);
    let stored = upload_ok(&app, &alice, ALICES_MATTER, "cut.bin", body.clone()).await;
    let id = stored["document_id"].as_str().unwrap().to_owned();
    let path = blob_path(&app, &id).await;
    let bytes = std::fs::read(&path).unwrap();
    // Drop the last chunk: what is left ends on a chunk boundary.
    std::fs::write(&path, &bytes[..HEADER_LEN + 2 * ENCRYPTED_CHUNK_SIZE]).unwrap();
    let (_, _, got) = download(&app, &alice, &format!("/api/documents/{id}/download")).await;
    let prefix = got.expect_err("a truncated file must not download as complete");
    assert_eq!(prefix, body[..prefix.len()]);
    let failures = app
        .count(
            "select count(*) from audit_log where action = 'document.integrity_failure'",
            &[],
        )
        .await;
    assert_eq!(failures, 1);
}

async fn range_requests_return_the_right_bytes_and_416_outside_the_file(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let body = sample(3 * CHUNK_SIZE + 1000);
    let len = body.len();
    let stored = upload_ok(&app, &alice, ALICES_MATTER, "ranged.pdf", body.clone()).await;
    let url = app.url(&format!(
        "/api/documents/{}/download",
        stored["document_id"].as_str().unwrap()
    ));
    for (range, expected) in [
        ("bytes=0-99".to_owned(), 0..100),
        (
            format!("bytes={}-{}", CHUNK_SIZE - 10, CHUNK_SIZE + 9),
            CHUNK_SIZE - 10..CHUNK_SIZE + 10,
        ),
        (
            format!("bytes={}-", 2 * CHUNK_SIZE + 5),
            2 * CHUNK_SIZE + 5..len,
        ),
        ("bytes=-50".to_owned(), len - 50..len),
    ] {
        let response = alice
            .get(&url)
            .header("range", &range)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 206, "{range}");
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes {}-{}/{len}", expected.start, expected.end - 1).as_str(),
            "{range}"
        );
        assert_eq!(
            response.headers()["content-length"],
            (expected.end - expected.start).to_string().as_str()
        );
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert_eq!(
            response.bytes().await.unwrap().as_ref(),
            &body[expected.clone()],
            "{range}"
        );
    }
    let response = alice
        .get(&url)
        .header("range", format!("bytes={len}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 416);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes */{len}").as_str()
    );
}

async fn concurrent_uploads_all_succeed_and_stay_distinct(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let bodies: Vec<Vec<u8>> = (0..8)
        .map(|i| {
            let mut b = sample(CHUNK_SIZE + 1000 * (i + 1));
            b[0] = u8::try_from(i).unwrap();
            b
        })
        .collect();
    let uploads = bodies.iter().enumerate().map(|(i, b)| {
        let alice = alice.clone();
        let app = &app;
        let name = format!("file-{i}.bin");
        async move { upload_ok(app, &alice, ALICES_MATTER, &name, b.clone()).await }
    });
    let stored = futures_util::future::join_all(uploads).await;
    let ids: std::collections::HashSet<String> = stored
        .iter()
        .map(|s| s["document_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 8);
    for (s, b) in stored.iter().zip(&bodies) {
        let (_, _, got) = download(
            &app,
            &alice,
            &format!(
                "/api/documents/{}/download",
                s["document_id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(&got.unwrap(), b);
    }
}

async fn a_client_cannot_download_another_clients_or_an_internal_document(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let bob = app.signed_in_client(DEMO_BOB).await;
    let stored = upload_ok(
        &app,
        &alice,
        ALICES_MATTER,
        "mine.txt",
        b"alice only".to_vec(),
    )
    .await;
    let id = stored["document_id"].as_str().unwrap().to_owned();
    let foreign = bob
        .get(app.url(&format!("/api/documents/{id}/download")))
        .send()
        .await
        .unwrap();
    let missing = bob
        .get(app.url(&format!(
            "/api/documents/{}/download",
            app::server::new_id()
        )))
        .send()
        .await
        .unwrap();
    let foreign = (foreign.status(), foreign.text().await.unwrap());
    assert_eq!(foreign.0, 404);
    assert_eq!(foreign, (missing.status(), missing.text().await.unwrap()));
    // The seeded internal note on Alice's matter.
    let matter = app.matter_id(ALICES_MATTER).await;
    let (internal,): (String,) =
        sqlx::query_as("select id from documents where matter_id = $1 and visibility = 'internal'")
            .bind(matter.clone())
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let response = alice
        .get(app.url(&format!("/api/documents/{internal}/versions/1/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let (status, listed) = app
        .post(
            &alice,
            "/api/list_documents",
            &[("matter_id", matter.as_str())],
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        !listed.contains(&internal) && !listed.contains("strategy"),
        "{listed}"
    );
    assert!(listed.contains("Engagement letter.txt"), "{listed}");
    // Clients may not file internal documents, nor upload to Bob's matter.
    let response = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "x.txt",
        "internal",
        &[],
        b"x".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 400);
    let response = upload(
        &app,
        &alice,
        "LIT-2026-0019",
        "x.txt",
        "client",
        &[],
        b"x".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 404);
    let denied = app
        .count(
            "select count(*) from audit_log where action = 'access.document' and result = 'denied'",
            &[],
        )
        .await;
    assert!(denied >= 2);
}

async fn file_names_are_sanitised_and_never_stored_in_plaintext(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let stored = upload_ok(
        &app,
        &alice,
        ALICES_MATTER,
        "../../etc/.Confidential\u{7}Settlement\nTerms.html",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(stored["name"], "Confidential_Settlement_Terms.html");
    let id = stored["document_id"].as_str().unwrap().to_owned();
    let (_, headers, got) = download(&app, &alice, &format!("/api/documents/{id}/download")).await;
    assert_eq!(got.unwrap(), b"<script>alert(1)</script>");
    assert_eq!(
        headers["content-type"], "application/octet-stream",
        "HTML is never served as HTML"
    );
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("Confidential_Settlement_Terms.html")
    );
    let rows: Vec<(Vec<u8>, Vec<u8>, String)> =
        sqlx::query_as("select name_sealed, wrapped_key, content_type from document_versions")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    for (sealed, wrapped, _) in &rows {
        for bytes in [sealed, wrapped] {
            assert!(
                !bytes.windows(8).any(|w| w == b"Settleme"),
                "the name is stored sealed"
            );
        }
    }
    let audit_text = app
        .count(
            "select count(*) from audit_log
             where detail like '%Settlement%' or object_id like '%Settlement%'",
            &[],
        )
        .await;
    assert_eq!(audit_text, 0);
}

async fn orphaned_temp_files_and_blobs_are_cleaned_up_at_start(app: TestApp) {
    app.seed().await;
    let blobs = app.data_dir().join("blobs");
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_hours(2);
    let left_over = blobs.join("tmp").join("left-over.partial");
    std::fs::write(&left_over, b"half an upload").unwrap();
    set_modified(&left_over, long_ago);
    let orphan = blobs.join(app::server::new_id());
    std::fs::write(&orphan, b"a blob whose row never committed").unwrap();
    set_modified(&orphan, long_ago);
    // Fresh ones may be another process's upload in flight.
    let in_flight = blobs.join("tmp").join("in-flight.partial");
    std::fs::write(&in_flight, b"arriving").unwrap();
    let committing = blobs.join(app::server::new_id());
    std::fs::write(&committing, b"a blob whose row is about to commit").unwrap();
    let live_before = files_under(&blobs).len();
    // What `Application::build` runs before serving.
    app::server::documents::sweep_orphans(&app.state, app::server::documents::ORPHAN_GRACE)
        .await
        .unwrap();
    assert!(
        !orphan.exists() && !left_over.exists(),
        "old leftovers are removed"
    );
    assert!(
        in_flight.exists() && committing.exists(),
        "fresh files are kept"
    );
    assert_eq!(
        files_under(&blobs).len(),
        live_before - 2,
        "seeded blobs survive"
    );
    std::fs::remove_file(&in_flight).unwrap();
    std::fs::remove_file(&committing).unwrap();
    let rows = app
        .count("select count(*) from document_versions", &[])
        .await;
    assert_eq!(usize::try_from(rows).unwrap(), files_under(&blobs).len());
}

async fn a_second_instance_starting_during_an_upload_leaves_it_intact(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let body = sample(3 * CHUNK_SIZE + 123);
    let (user,): (String,) = sqlx::query_as("select id from users where email = $1")
        .bind(DEMO_ALICE)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let principal = app::server::auth::Principal {
        user_id: app::domain::ids::UserId::from_trusted(user),
        role: app::domain::role::Role::Client,
        email: DEMO_ALICE.to_owned(),
        display_name: "Alice".to_owned(),
        contact_id: None,
        session_handle: String::new(),
    };
    let params = app::server::documents::UploadParams {
        matter_id: app::domain::ids::MatterId::from_trusted(app.matter_id(ALICES_MATTER).await),
        name: "in-flight.bin".to_owned(),
        visibility: app::domain::document::Visibility::Client,
        request_id: None,
        replaces: None,
    };
    // The body arrives when the test sends it, so the upload is held
    // half way while the second instance starts.
    let (frames, received) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
    let stream = futures_util::stream::unfold(received, |mut received| async move {
        received.recv().await.map(|frame| {
            (
                Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(frame)),
                received,
            )
        })
    });
    let state = app.state.clone();
    let uploading = tokio::spawn(async move {
        app::server::documents::upload(
            &state,
            &principal,
            &app::server::auth::ClientInfo::default(),
            params,
            u64::MAX,
            Box::pin(stream),
        )
        .await
    });
    frames.send(body[..2 * CHUNK_SIZE].to_vec()).await.unwrap();
    let temp = app.data_dir().join("blobs").join("tmp");
    let mut waited = 0;
    while std::fs::read_dir(&temp).unwrap().count() == 0 {
        assert!(waited < 500, "the upload never started writing");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        waited += 1;
    }
    // Another upload's blob, renamed into place a moment ago; its row is
    // about to commit.
    let committing = app.data_dir().join("blobs").join(app::server::new_id());
    std::fs::write(&committing, b"a blob whose row is about to commit").unwrap();

    let second = app.second_instance().await;
    assert!(
        committing.exists(),
        "a blob renamed into place moments ago survives the second start"
    );
    assert_eq!(
        std::fs::read_dir(&temp).unwrap().count(),
        1,
        "the upload's temp file survives the second start"
    );

    frames.send(body[2 * CHUNK_SIZE..].to_vec()).await.unwrap();
    drop(frames);
    let stored = uploading.await.unwrap().expect("the upload succeeds");
    assert_eq!(stored.sha256, sha256_hex(&body));
    let path = format!("/api/documents/{}/download", stored.document_id);
    let (status, _, got) = download(&app, &alice, &path).await;
    assert_eq!(status, 200);
    assert_eq!(
        got.unwrap(),
        body,
        "downloads byte-identical from the first instance"
    );
    let alice_on_second = second.signed_in_client(DEMO_ALICE).await;
    let (_, _, got) = download(&second, &alice_on_second, &path).await;
    assert_eq!(got.unwrap(), body, "and from the second");
}

async fn staff_can_make_a_document_internal_and_the_client_loses_sight_of_it(app: TestApp) {
    app.seed().await;
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let stored = upload_ok(
        &app,
        &alice,
        ALICES_MATTER,
        "shared.txt",
        b"shared".to_vec(),
    )
    .await;
    let id = stored["document_id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .post(
            &alice,
            "/api/set_document_visibility",
            &[("document_id", id.as_str()), ("visibility", "internal")],
        )
        .await;
    assert_eq!(status, 404, "clients cannot change visibility");
    let (status, body) = app
        .post(
            &staff,
            "/api/set_document_visibility",
            &[("document_id", id.as_str()), ("visibility", "internal")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let response = alice
        .get(app.url(&format!("/api/documents/{id}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

async fn the_firm_uploads_privately_by_default_and_can_add_a_version_to_any_document(app: TestApp) {
    app.seed().await;
    let matter = app.matter_id(ALICES_MATTER).await;
    let page = |email: &'static str| {
        let (app, matter) = (&app, matter.clone());
        async move {
            let client = app.signed_in_client(email).await;
            let response = client
                .get(app.url(&format!("/matters/{matter}")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let staff = page(DEMO_STAFF).await;
    assert!(staff.contains("Who can see them"), "{staff}");
    // Every choice starts on "Firm only": the documents panel's and each
    // request's (the firm may upload on the client's behalf).
    let choices = staff.matches("Who can see them").count();
    assert!(choices >= 2, "{choices}");
    assert_eq!(
        staff
            .matches(r#"<option value="internal" selected"#)
            .count(),
        choices,
        "{staff}"
    );
    assert!(!staff.contains(r#"<option value="client" selected"#));
    assert!(staff.contains("Upload a new version"));
    // Every row says who sees it.
    assert!(staff.contains(">Firm only</span>") && staff.contains(">Visible to client</span>"));
    assert!(
        !staff.contains("checked"),
        "no \"visible to the client\" box starts ticked"
    );
    let client = page(DEMO_ALICE).await;
    assert!(client.contains("Add documents"));
    assert!(
        !client.contains("Who can see them")
            && !client.contains("Firm only")
            && !client.contains("Upload a new version")
    );
}

async fn an_upload_that_names_no_visibility_is_firm_only_from_the_firm(app: TestApp) {
    app.seed().await;
    let matter = app.matter_id(ALICES_MATTER).await;
    let post = |client: reqwest::Client, name: &'static str| {
        let url = app.url(&format!("/api/matters/{matter}/documents"));
        let app = &app;
        async move {
            let response = client
                .post(url)
                .query(&[("name", name)])
                .body("no visibility named")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201, "{name}");
            let stored: Value = response.json().await.unwrap();
            let (visibility,): (String,) =
                sqlx::query_as("select visibility from documents where id = $1")
                    .bind(stored["document_id"].as_str().unwrap().to_owned())
                    .fetch_one(app.state.db.pool())
                    .await
                    .unwrap();
            visibility
        }
    };
    let staff = app.signed_in_client(DEMO_STAFF).await;
    assert_eq!(post(staff, "firm-notes.txt").await, "internal");
    let alice = app.signed_in_client(DEMO_ALICE).await;
    assert_eq!(post(alice, "my-scan.txt").await, "client");
}

async fn empty_files_and_programs_are_refused_with_a_clear_message(app: TestApp) {
    app.seed().await;
    let alice = app.signed_in_client(DEMO_ALICE).await;
    let versions = "select count(*) from document_versions";
    let before = app.count(versions, &[]).await;
    let empty = upload(
        &app,
        &alice,
        ALICES_MATTER,
        "scan.pdf",
        "client",
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(empty.status(), 400);
    assert!(empty.text().await.unwrap().contains("The file is empty"));
    for name in ["invoice.exe", "setup.MSI", "run.ps1", "open.bat"] {
        let program = upload(
            &app,
            &alice,
            ALICES_MATTER,
            name,
            "client",
            &[],
            b"MZ".to_vec(),
        )
        .await;
        assert_eq!(program.status(), 400, "{name}");
        let body = program.text().await.unwrap();
        assert!(body.contains("cannot be uploaded"), "{name}: {body}");
    }
    assert_eq!(
        app.count(versions, &[]).await,
        before,
        "nothing refused was stored"
    );
    upload_ok(&app, &alice, ALICES_MATTER, "notes.txt", b"fine".to_vec()).await;
    assert_eq!(app.count(versions, &[]).await, before + 1);

    // A firm that needs programs (software evidence) may take them; only
    // its admin may say so, and saying so is audited.
    let staff = app.signed_in_client(DEMO_STAFF).await;
    let (status, _) = app
        .post(&staff, "/api/set_allow_programs", &[("allowed", "on")])
        .await;
    assert_eq!(status, 404, "staff do not change the upload rules");
    let admin = app.signed_in_client(crate::helpers::DEMO_ADMIN).await;
    let (status, body) = app
        .post(&admin, "/api/set_allow_programs", &[("allowed", "on")])
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, rules) = app.post(&alice, "/api/get_upload_rules", &[("", "")]).await;
    assert!(rules.contains("\"allow_programs\":true"), "{rules}");
    assert!(
        rules.contains("\"max_bytes\":"),
        "the size is stated: {rules}"
    );
    upload_ok(&app, &alice, ALICES_MATTER, "tool.exe", b"MZ".to_vec()).await;
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action = 'settings.updated' and detail like '%program uploads%'",
            &[]
        )
        .await,
        1
    );
}

on_both_backends!(
    the_firm_uploads_privately_by_default_and_can_add_a_version_to_any_document,
    empty_files_and_programs_are_refused_with_a_clear_message,
    an_upload_that_names_no_visibility_is_firm_only_from_the_firm,
    an_uploaded_file_downloads_byte_identical_with_its_sha256_recorded,
    a_tampered_chunk_stops_the_download_with_an_audit_row_and_never_yields_wrong_bytes,
    a_truncated_blob_is_detected,
    range_requests_return_the_right_bytes_and_416_outside_the_file,
    concurrent_uploads_all_succeed_and_stay_distinct,
    a_client_cannot_download_another_clients_or_an_internal_document,
    file_names_are_sanitised_and_never_stored_in_plaintext,
    orphaned_temp_files_and_blobs_are_cleaned_up_at_start,
    a_second_instance_starting_during_an_upload_leaves_it_intact,
    staff_can_make_a_document_internal_and_the_client_loses_sight_of_it
);
