//! Intake (issue 13, points 1 and 2): the public enquiry form makes a
//! lead and tells intake staff through the outbox; staff add leads by
//! hand, see them longest-waiting first against the response clock, and
//! record the first response, whose business time is kept for the
//! dashboards.

use anyhow::Context as _;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    clock,
    crypto::{DataKey, FieldAad, decrypt_field, encrypt_field},
    db::WriteTx,
    new_id, now_ms,
    outbox::{self, EmailKind, NewEmail},
    settings,
};
use crate::domain::{
    AppError,
    intake::{
        BusinessHours, DEFAULT_TARGET_MINUTES, Enquiry, IntakeView, LeadView, RESPONSE_KINDS,
        ResponseClock,
    },
    policy::may_run_intake,
};

/// The most leads the list shows at once.
const LIST_LIMIT: i64 = 200;

fn details_aad(id: &str) -> FieldAad<'_> {
    FieldAad {
        table: "leads",
        column: "details_sealed",
        row_id: id,
    }
}

/// Takes an enquiry from the public form. A filled honeypot (a field only
/// scripts see) is dropped without a trace but answered the same, so a
/// script learns nothing; so is every sender, client or not.
///
/// # Errors
/// Internal failures only; the form's checks are the caller's.
pub async fn submit_enquiry(
    state: &AppState,
    client: &ClientInfo,
    enquiry: &Enquiry,
    honeypot: &str,
) -> Result<(), ServiceError> {
    if !honeypot.trim().is_empty() {
        tracing::info!("dropped an enquiry that filled the honeypot");
        return Ok(());
    }
    let firm_key = state.keys.firm_key(&state.db).await?;
    let mut tx = state.db.begin_write().await?;
    let id = insert(&mut tx, &firm_key, enquiry, None).await?;
    notify_intake(state, &mut tx, &firm_key, enquiry).await?;
    audit::append(
        &mut tx,
        &AuditEntry::from_client(client, "lead.created", AuditResult::Success)
            .object("lead", id)
            .detail("from the enquiry form"),
    )
    .await?;
    tx.commit().await.context("committing an enquiry")?;
    Ok(())
}

/// Adds a lead typed in by staff (a phone call, a walk-in).
///
/// # Errors
/// Not found for anyone who may not run intake.
pub async fn add_lead(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    enquiry: &Enquiry,
) -> Result<String, ServiceError> {
    if !may_run_intake(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    let firm_key = state.keys.firm_key(&state.db).await?;
    let mut tx = state.db.begin_write().await?;
    let id = insert(&mut tx, &firm_key, enquiry, Some(principal)).await?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "lead.created", AuditResult::Success)
            .object("lead", id.clone())
            .detail("typed in by staff"),
    )
    .await?;
    tx.commit().await.context("committing a lead")?;
    Ok(id)
}

async fn insert(
    tx: &mut WriteTx,
    firm_key: &DataKey,
    enquiry: &Enquiry,
    by: Option<&Principal>,
) -> anyhow::Result<String> {
    let id = new_id();
    let sealed = encrypt_field(firm_key, &details_aad(&id), enquiry.details.as_bytes())
        .context("sealing an enquiry's details")?;
    sqlx::query(
        "insert into leads (id, name, email, phone, organisation, topic, details_sealed, source,
                            created_by, arrived_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.clone())
    .bind(enquiry.name.clone())
    .bind(enquiry.email.clone())
    .bind(enquiry.phone.clone())
    .bind(enquiry.organisation.clone())
    .bind(enquiry.topic.clone())
    .bind(sealed)
    .bind(if by.is_some() { "staff" } else { "web" })
    .bind(by.map(|p| p.user_id.as_str().to_owned()))
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("saving a lead")?;
    Ok(id)
}

/// Tells every active staff member (intake's own) that an enquiry came:
/// who and about what, with a link; never the details.
async fn notify_intake(
    state: &AppState,
    tx: &mut WriteTx,
    firm_key: &DataKey,
    enquiry: &Enquiry,
) -> anyhow::Result<()> {
    let staff: Vec<(String,)> = sqlx::query_as(
        "select email from users where role = 'staff' and disabled = 0 order by email",
    )
    .fetch_all(tx.conn())
    .await
    .context("listing intake staff")?;
    let subject = format!("New enquiry from {}", enquiry.name);
    let body = format!(
        "{} has sent an enquiry about \"{}\".\n\nSee it, and answer it, on the intake list:\n{}/intake\n",
        enquiry.name,
        enquiry.topic,
        state.public_url.trim_end_matches('/')
    );
    for (email,) in staff {
        outbox::enqueue(
            tx,
            firm_key,
            &NewEmail {
                kind: EmailKind::NewEnquiry,
                to: &email,
                subject: &subject,
                body: &body,
            },
        )
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LeadRow {
    id: String,
    name: String,
    email: String,
    phone: String,
    organisation: String,
    topic: String,
    details_sealed: Vec<u8>,
    source: String,
    created_by_name: Option<String>,
    arrived_at: i64,
    first_response_at: Option<i64>,
    first_response_kind: Option<String>,
}

/// The intake list: unanswered leads longest-waiting first, then the
/// answered ones newest first.
///
/// # Errors
/// Not found for anyone who may not run intake.
pub async fn list_leads(
    state: &AppState,
    principal: &Principal,
) -> Result<IntakeView, ServiceError> {
    if !may_run_intake(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    let rows: Vec<LeadRow> = sqlx::query_as(
        "select l.id, l.name, l.email, l.phone, l.organisation, l.topic, l.details_sealed,
                l.source, u.display_name as created_by_name, l.arrived_at,
                l.first_response_at, l.first_response_kind
         from leads l left join users u on u.id = l.created_by
         order by case when l.first_response_at is null then 0 else 1 end,
                  case when l.first_response_at is null then l.arrived_at else -l.arrived_at end
         limit $1",
    )
    .bind(LIST_LIMIT)
    .fetch_all(state.db.pool())
    .await
    .context("listing leads")?;
    let (hours, firm) = business_hours(state).await?;
    let firm_key = state.keys.firm_key(&state.db).await?;
    let target_ms = DEFAULT_TARGET_MINUTES * 60_000;
    let now = now_ms();
    let leads = rows
        .into_iter()
        .map(|row| {
            let details = decrypt_field(&firm_key, &details_aad(&row.id), &row.details_sealed)
                .map(|plain| String::from_utf8_lossy(&plain).into_owned())
                .context("opening an enquiry's details")?;
            let clock = match row.first_response_at {
                None => {
                    let business_ms = hours.between(&firm, row.arrived_at, now);
                    ResponseClock::Waiting {
                        business_ms,
                        breached: business_ms > target_ms,
                    }
                }
                Some(at) => {
                    let business_ms = hours.between(&firm, row.arrived_at, at);
                    ResponseClock::Answered {
                        business_ms,
                        breached: business_ms > target_ms,
                    }
                }
            };
            Ok(LeadView {
                id: row.id,
                name: row.name,
                email: row.email,
                phone: row.phone,
                organisation: row.organisation,
                topic: row.topic,
                details,
                source: match (row.source.as_str(), row.created_by_name) {
                    ("staff", Some(name)) => format!("Typed in by {name}"),
                    _ => "The enquiry form".to_owned(),
                },
                arrived_at: row.arrived_at,
                clock,
                first_response: row.first_response_kind.as_deref().map(response_label),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(IntakeView {
        leads,
        target_minutes: DEFAULT_TARGET_MINUTES,
    })
}

/// Records a lead's first response (a call, an email, a portal message):
/// the clock stops, and the business time it ran is kept. A lead already
/// answered keeps its first response.
///
/// # Errors
/// Not found for anyone who may not run intake or an unknown lead; a 400
/// for an unknown kind; a 409 when it was already answered.
pub async fn record_first_response(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    lead_id: &str,
    kind: &str,
) -> Result<(), ServiceError> {
    if !may_run_intake(&principal.subject()) {
        return Err(AppError::NotFound.into());
    }
    if !RESPONSE_KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(
            AppError::BadRequest("How: a call, an email or a portal message.".to_owned()).into(),
        );
    }
    let (hours, firm) = business_hours(state).await?;
    let now = now_ms();
    let mut tx = state.db.begin_write().await?;
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("select arrived_at, first_response_at from leads where id = $1")
            .bind(lead_id.to_owned())
            .fetch_optional(tx.conn())
            .await
            .context("loading a lead")?;
    let Some((arrived_at, answered)) = row else {
        return Err(AppError::NotFound.into());
    };
    if answered.is_some() {
        return Err(AppError::Conflict("This lead was already answered.".to_owned()).into());
    }
    let business_ms = hours.between(&firm, arrived_at, now);
    sqlx::query(
        "update leads set first_response_at = $1, first_response_kind = $2,
                          first_response_by = $3, response_business_ms = $4
         where id = $5 and first_response_at is null",
    )
    .bind(now)
    .bind(kind.to_owned())
    .bind(principal.user_id.as_str().to_owned())
    .bind(business_ms)
    .bind(lead_id.to_owned())
    .execute(tx.conn())
    .await
    .context("recording a first response")?;
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "lead.answered", AuditResult::Success)
            .object("lead", lead_id.to_owned())
            .detail(format!(
                "{} after {} business minutes",
                response_label(kind),
                business_ms / 60_000
            )),
    )
    .await?;
    tx.commit().await.context("committing a first response")?;
    Ok(())
}

/// "Call" for `call`.
fn response_label(kind: &str) -> String {
    RESPONSE_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or_else(|| kind.to_owned(), |(_, label)| (*label).to_owned())
}

/// The firm's working day and its clock.
async fn business_hours(
    state: &AppState,
) -> anyhow::Result<(BusinessHours, crate::domain::time::Clock)> {
    let settings = settings::current(&state.db, state.messaging.sla_minutes).await?;
    Ok((
        BusinessHours::from_settings(&settings.hours_start, &settings.hours_end),
        clock::firm(&state.db).await?,
    ))
}
