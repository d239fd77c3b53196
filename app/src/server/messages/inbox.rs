//! The attorney inbox, and the escalation of threads whose response-time
//! target has passed (run by the inbox and by a worker).

use anyhow::Context as _;

use crate::{
    domain::{
        AppError,
        ids::{MessageId, ThreadId},
        message::{InboxItemView, MAX_THREADS, preview_of, sla_due},
        policy::may_use_inbox,
        time::human_duration,
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::Principal,
        new_id, now_ms,
        policy::visible_matter_sql,
    },
};

use super::open_body;

#[derive(sqlx::FromRow)]
struct WaitingRow {
    id: String,
    matter_id: String,
    number: String,
    title: String,
    account_name: String,
    subject: String,
    sla_minutes: i64,
    waiting_since: i64,
}

/// The newest message from the client in a waiting thread, for the row's
/// name and preview (a retracted one shows no preview).
#[derive(sqlx::FromRow)]
struct LatestRow {
    id: MessageId,
    sender: String,
    body_sealed: Vec<u8>,
    retracted: i64,
}

/// How much of the waiting message an inbox row shows.
const PREVIEW_CHARS: usize = 120;

/// Threads whose newest messages are from a client with no firm answer
/// after them, and since when they wait. `filter` is a further `where`
/// condition on the thread `t` and matter `m`, with placeholders from `$2`.
fn waiting_sql(filter: &str) -> String {
    format!(
        "select * from (
           select t.id, t.matter_id, m.number, m.title, a.name as account_name, t.subject,
                  coalesce(t.sla_minutes, m.message_sla_minutes, $1) as sla_minutes,
                  (select min(x.created_at) from messages x join users su on su.id = x.sender_id
                   where x.thread_id = t.id and su.role = 'client'
                     and x.id > coalesce((select max(y.id) from messages y join users fu on fu.id = y.sender_id
                                          where y.thread_id = t.id and fu.role <> 'client'), '')) as waiting_since
           from message_threads t join matters m on m.id = t.matter_id
           join accounts a on a.id = m.account_id
           where {filter}
         ) w
         where w.waiting_since is not null
         order by w.waiting_since, w.id"
    )
}

/// The attorney inbox: threads the principal may see that wait for the
/// firm's answer, longest-waiting first, with their response-time targets.
/// Clients have no inbox (not found). Breaches are escalated first, so the
/// tasks are there when the inbox shows them.
pub async fn list_inbox(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<InboxItemView>, ServiceError> {
    if !may_use_inbox(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    escalate_breaches(state).await?;
    let sql = format!("{} limit $4", waiting_sql(&visible_matter_sql("$2", "$3")));
    let firm_minutes = crate::server::settings::current(&state.db, state.messaging.sla_minutes)
        .await?
        .response_minutes;
    let rows: Vec<WaitingRow> = sqlx::query_as(&sql)
        .bind(firm_minutes)
        .bind(principal.user_id.to_string())
        .bind(principal.role.as_str())
        .bind(MAX_THREADS)
        .fetch_all(state.db.pool())
        .await
        .context("loading the inbox")?;
    let now = now_ms();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let (due_at, breached) = sla_due(r.waiting_since, r.sla_minutes, now);
        // One message that does not open must not take the inbox down.
        let (client_name, preview) = latest_from_client(state, &r.id)
            .await
            .unwrap_or_else(|err| {
                tracing::error!(thread_id = %r.id, error = format!("{err:#}"), "no inbox preview");
                (String::new(), String::new())
            });
        items.push(InboxItemView {
            waiting: format!("waiting {}", human_duration(now - r.waiting_since)),
            due: if breached {
                format!("overdue by {}", human_duration(now - due_at))
            } else {
                format!("due in {}", human_duration(due_at - now))
            },
            thread_id: r.id,
            matter_number: r.number,
            matter_title: r.title,
            account_name: r.account_name,
            client_name,
            preview,
            subject: r.subject,
            waiting_since: r.waiting_since,
            sla_minutes: r.sla_minutes,
            due_at,
            breached,
        });
    }
    Ok(items)
}

/// Who wrote the newest client message of `thread`, and its first words.
async fn latest_from_client(state: &AppState, thread: &str) -> anyhow::Result<(String, String)> {
    let latest: Option<LatestRow> = sqlx::query_as(
        "select x.id, su.display_name as sender, x.body_sealed,
                case when exists (select 1 from message_retractions r where r.message_id = x.id)
                     then 1 else 0 end as retracted
         from messages x join users su on su.id = x.sender_id
         where x.thread_id = $1 and su.role = 'client'
         order by x.id desc limit 1",
    )
    .bind(thread.to_owned())
    .fetch_optional(state.db.pool())
    .await
    .context("loading a waiting message")?;
    let Some(latest) = latest else {
        return Ok((String::new(), String::new()));
    };
    let preview = if latest.retracted == 1 {
        String::new()
    } else {
        let thread_id = ThreadId::from_trusted(thread.to_owned());
        let body = open_body(state, &thread_id, &latest.id, &latest.body_sealed).await?;
        preview_of(&body, PREVIEW_CHARS)
    };
    Ok((latest.sender, preview))
}

/// Gives every thread in breach of its response-time target one open
/// follow-up task, owned by the matter's responsible attorney (a thread
/// that already has an open task gets no second one). Returns how many
/// tasks were created. Runs as the system: it sees every thread, and the
/// task's owner is on the matter's team and not walled off.
///
/// # Errors
/// When the database fails.
pub async fn escalate_breaches(state: &AppState) -> anyhow::Result<usize> {
    let sql = format!(
        "{} limit 1000",
        waiting_sql(
            "not exists (select 1 from tasks k where k.thread_id = t.id and k.status = 'open')"
        )
    );
    let firm_minutes = crate::server::settings::current(&state.db, state.messaging.sla_minutes)
        .await?
        .response_minutes;
    let rows: Vec<WaitingRow> = sqlx::query_as(&sql)
        .bind(firm_minutes)
        .fetch_all(state.db.pool())
        .await
        .context("finding late message threads")?;
    let now = now_ms();
    let mut created = 0;
    for row in rows {
        let (due_at, breached) = sla_due(row.waiting_since, row.sla_minutes, now);
        if !breached {
            continue;
        }
        let mut tx = state.db.begin_write().await?;
        let task_id = new_id();
        // The unique index on open tasks per thread makes a race between
        // two nodes (or the inbox and the timer) harmless.
        let inserted = sqlx::query(
            "insert into tasks (id, owner_user_id, matter_id, thread_id, title, due_at, status, created_at)
             select $1, tm.user_id, $2, $3, $4, $5, 'open', $6 from matter_team tm
             where tm.matter_id = $2 and tm.role = 'responsible'
               and not exists (select 1 from ethical_walls w where w.matter_id = $2 and w.user_id = tm.user_id)
               and not exists (select 1 from tasks k where k.thread_id = $3 and k.status = 'open')
               -- Re-checked inside the write: the firm may have answered
               -- since the waiting threads were read.
               and not exists (select 1 from messages y join users fu on fu.id = y.sender_id
                               where y.thread_id = $3 and fu.role <> 'client' and y.created_at >= $7)
             order by tm.user_id limit 1
             on conflict do nothing",
        )
        .bind(task_id.clone())
        .bind(row.matter_id.clone())
        .bind(row.id.clone())
        .bind(format!("Answer the client's message on {}: {}", row.number, row.subject))
        .bind(due_at)
        .bind(now)
        .bind(row.waiting_since)
        .execute(tx.conn())
        .await
        .context("creating a follow-up task")?;
        if inserted.rows_affected() > 0 {
            audit::append(
                &mut tx,
                &AuditEntry::new("task.created", AuditResult::Success)
                    .object("task", task_id.as_str())
                    .detail(format!("message response time passed on thread {}", row.id)),
            )
            .await?;
            created += 1;
        }
        tx.commit().await?;
    }
    Ok(created)
}
