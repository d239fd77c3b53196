//! The demo conversations of `seed-demo`.

use anyhow::Context as _;

use super::{
    ThreadRow,
    send::{create_thread, insert_message},
};
use crate::{
    domain::ids::{MatterId, ThreadId, UserId},
    server::{AppState, new_id},
};

/// Demo conversations for `seed-demo`: one client question on each of
/// Alice's and Bob's matters, sealed like real messages. Idempotent: a
/// matter that already has a thread is skipped.
///
/// # Errors
/// When the demo firm is missing or storing fails.
pub async fn seed_messages(state: &AppState) -> anyhow::Result<()> {
    const DEMO_THREADS: &[(&str, &str, &str, &str)] = &[
        (
            "LIT-2026-0012",
            "alice@client.test",
            "Witness statements",
            "Do you need anything else from me before the witness statements are filed?",
        ),
        (
            "COR-2026-0031",
            "alice@client.test",
            "Share transfer",
            "Could you confirm when the share transfer forms will be ready to sign?",
        ),
        (
            "LIT-2026-0019",
            "bob@client.test",
            "Settlement offer",
            "I have thought about the settlement offer. Can we talk this week?",
        ),
        (
            "EMP-2026-0007",
            "bob@client.test",
            "Tribunal date",
            "Has the tribunal confirmed the hearing date yet?",
        ),
    ];
    for (number, email, subject, body) in DEMO_THREADS {
        let found: Option<(MatterId, i64)> = sqlx::query_as(
            "select m.id, (select count(*) from message_threads t where t.matter_id = m.id) from matters m where m.number = $1",
        )
        .bind((*number).to_owned())
        .fetch_optional(state.db.pool())
        .await
        .context("finding a demo matter")?;
        let Some((matter_id, 0)) = found else {
            continue;
        };
        let (sender_id,): (UserId,) = sqlx::query_as("select id from users where email = $1")
            .bind((*email).to_owned())
            .fetch_one(state.db.pool())
            .await
            .context("finding a demo client")?;
        let thread = ThreadRow {
            id: ThreadId::from_trusted(new_id()),
            matter_id,
            number: (*number).to_owned(),
            subject: (*subject).to_owned(),
        };
        let key = state.keys.matter_key(&state.db, &thread.matter_id).await?;
        let mut tx = state.db.begin_write().await?;
        create_thread(&mut tx, &thread, &sender_id).await?;
        insert_message(&key, &mut tx, &thread, &sender_id, body, &[]).await?;
        tx.commit().await?;
    }
    Ok(())
}
