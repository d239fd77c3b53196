//! Demo documents and document requests for `seed-demo` (issue 4 point 6).

use anyhow::Context as _;
use bytes::Bytes;

use super::{AppState, UploadParams, create_document_request, upload};
use crate::{
    domain::{
        document::Visibility,
        ids::{MatterId, UserId},
        role::Role,
        time::DAY_MS,
    },
    server::{
        auth::{ClientInfo, Principal},
        now_ms,
    },
};

/// Files each of Alice's and Bob's matters gets: (name, visibility, text).
const DEMO_FILES: &[(&str, Visibility, &str)] = &[
    (
        "Engagement letter.txt",
        Visibility::Client,
        "Engagement letter\n\nThank you for instructing us. This letter sets out the scope of our work.\n",
    ),
    (
        "Case strategy notes.txt",
        Visibility::Internal,
        "Internal: strategy notes for the team. Not for the client.\n",
    ),
];

/// Adds documents and open document requests to the demo matters of Alice
/// (LIT-2026-0012, COR-2026-0031) and Bob (LIT-2026-0019), uploaded by the
/// demo staff member `staff_email` through the same encrypted path as real
/// uploads.
///
/// # Errors
/// When the demo firm is missing or storing fails.
pub async fn seed_documents(state: &AppState, staff_email: &str) -> anyhow::Result<()> {
    let (id, display_name): (String, String) =
        sqlx::query_as("select id, display_name from users where email = $1")
            .bind(staff_email.to_owned())
            .fetch_one(state.db.pool())
            .await
            .context("finding the demo staff member")?;
    let staff = Principal {
        user_id: UserId::from_trusted(id),
        role: Role::Staff,
        email: staff_email.to_owned(),
        display_name,
        contact_id: None,
        session_handle: String::new(),
    };
    let client = ClientInfo::default();
    let now = now_ms();
    for number in ["LIT-2026-0012", "COR-2026-0031", "LIT-2026-0019"] {
        let (matter,): (String,) = sqlx::query_as("select id from matters where number = $1")
            .bind(number)
            .fetch_one(state.db.pool())
            .await
            .with_context(|| format!("finding demo matter {number}"))?;
        let matter = MatterId::from_trusted(matter);
        for (name, visibility, text) in DEMO_FILES {
            let body = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(
                Bytes::from_static(text.as_bytes()),
            )]);
            upload(
                state,
                &staff,
                &client,
                UploadParams {
                    matter_id: matter.clone(),
                    name: (*name).to_owned(),
                    visibility: *visibility,
                    request_id: None,
                    replaces: None,
                },
                u64::MAX,
                body,
            )
            .await
            .map_err(|err| anyhow::anyhow!("seeding {name} on {number}: {err}"))?;
        }
        for (title, note, due_at) in [
            (
                "Photo ID",
                "A passport or driving licence, both sides.",
                now + 14 * DAY_MS,
            ),
            (
                "2023 tax return",
                "The full return as filed, with schedules.",
                now - 2 * DAY_MS,
            ),
        ] {
            create_document_request(state, &staff, &client, &matter, title, note, Some(due_at))
                .await
                .map_err(|err| anyhow::anyhow!("seeding a document request on {number}: {err}"))?;
        }
    }
    Ok(())
}
