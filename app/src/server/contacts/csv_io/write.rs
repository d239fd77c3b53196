//! Writing a previewed import in one audited transaction.

use anyhow::Context as _;

use super::{
    bad,
    plan::{Resolved, Step, plan_file},
    read::Given,
};
use crate::{
    domain::{AppError, contact_import::ImportDoneView, ids::ContactId},
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        contacts::tags_of,
        crm::require_firm,
        db::WriteTx,
        invitations::unique_as_conflict,
        new_id, now_ms,
        touchpoints::{self, NewTouchpoint},
    },
};

/// Writes the file the user previewed, in one audited transaction, if the
/// plan is still the one with `digest` and has no errors.
pub async fn confirm_import(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    bytes: &[u8],
    digest: &str,
) -> Result<ImportDoneView, ServiceError> {
    require_firm(principal)?;
    let mut tx = state.db.begin_write().await?;
    let (preview, steps) = plan_file(tx.conn(), bytes).await?;
    if preview.digest != digest.trim() {
        return Err(AppError::Conflict(
            "The contacts or the file changed since the preview. Preview the file again."
                .to_owned(),
        )
        .into());
    }
    if preview.errors > 0 {
        return Err(bad(format!(
            "{} rows have errors. Fix them in the file and preview it again.",
            preview.errors
        ))
        .into());
    }
    let by = Importer {
        principal,
        client,
        now: now_ms(),
    };
    let mut done = ImportDoneView {
        created: 0,
        updated: 0,
    };
    for step in steps {
        match step {
            Step::Create(resolved) => {
                create(&mut tx, &by, &resolved).await?;
                done.created += 1;
            }
            Step::Update(id, resolved, fields) => {
                update(&mut tx, &by, &id, &resolved, &fields).await?;
                done.updated += 1;
            }
            Step::Skip => {}
        }
    }
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, "contacts.imported", AuditResult::Success)
            .object("contacts", "csv")
            .detail(format!("{} new, {} updated", done.created, done.updated)),
    )
    .await?;
    tx.commit().await.context("committing an import")?;
    Ok(done)
}

/// Adds an imported contact, owned by the importer unless the file names
/// an owner.
/// Who imports, from where, and when: what every written row records.
struct Importer<'a> {
    principal: &'a Principal,
    client: &'a ClientInfo,
    now: i64,
}

async fn create(tx: &mut WriteTx, by: &Importer<'_>, new: &Resolved) -> Result<(), ServiceError> {
    let (principal, now) = (by.principal, by.now);
    let d = &new.row.details;
    let id = ContactId::from_trusted(new_id());
    let owner = match &new.owner_id {
        Given::Missing => Some(principal.user_id.clone()),
        Given::Empty => None,
        Given::Value(owner) => Some(owner.clone()),
    };
    sqlx::query(
        "insert into contacts (id, account_id, given_name, family_name, email, phone, job_title,
                               address, owner_id, referral_source, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.clone())
    .bind(new.account_id.value().cloned())
    .bind(d.given_name.clone())
    .bind(d.family_name.clone())
    .bind(d.email.clone())
    .bind(d.phone.clone())
    .bind(d.role.clone())
    .bind(d.address.clone())
    .bind(owner)
    .bind(new.row.referral_source.value().cloned())
    .bind(now)
    .execute(tx.conn())
    .await
    .map_err(|e| {
        unique_as_conflict(
            e,
            "A contact with one of these emails was added meanwhile. Preview the file again.",
        )
    })?;
    tags_of(&id)
        .replace(tx, new.row.tags.as_deref().unwrap_or_default())
        .await?;
    note(tx, by, &id, "imported", "Added by a CSV import".to_owned()).await
}

/// Changes `fields` of the contact `id` as the file says.
async fn update(
    tx: &mut WriteTx,
    by: &Importer<'_>,
    id: &ContactId,
    new: &Resolved,
    fields: &[String],
) -> Result<(), ServiceError> {
    let d = &new.row.details;
    let has = |f: &str| fields.iter().any(|x| x == f);
    // A flag per field: what does not change keeps its value, so one
    // statement serves every update.
    sqlx::query(
        "update contacts set
             given_name = case when $1 = 1 then $2 else given_name end,
             family_name = case when $1 = 1 then $3 else family_name end,
             phone = case when $4 = 1 then $5 else phone end,
             address = case when $6 = 1 then $7 else address end,
             job_title = case when $8 = 1 then $9 else job_title end,
             account_id = case when $10 = 1 then $11 else account_id end,
             owner_id = case when $12 = 1 then $13 else owner_id end,
             referral_source = case when $14 = 1 then $15 else referral_source end,
             referred_by = case when $18 = 1 then null else referred_by end,
             updated_at = $16
         where id = $17",
    )
    .bind(i64::from(has("name")))
    .bind(d.given_name.clone())
    .bind(d.family_name.clone())
    .bind(i64::from(has("phone")))
    .bind(d.phone.clone())
    .bind(i64::from(has("address")))
    .bind(d.address.clone())
    .bind(i64::from(has("role")))
    .bind(d.role.clone())
    .bind(i64::from(has("account")))
    .bind(new.account_id.value().cloned())
    .bind(i64::from(has("owner")))
    .bind(new.owner_id.value().cloned())
    .bind(i64::from(has("referral")))
    .bind(new.row.referral_source.value().cloned())
    .bind(by.now)
    .bind(id.clone())
    // A source other than a referral leaves no referring contact behind,
    // as on the edit form.
    .bind(i64::from(
        has("referral") && new.row.referral_source.value().map(String::as_str) != Some("referral"),
    ))
    .execute(tx.conn())
    .await
    .context("updating an imported contact")?;
    if has("tags") {
        tags_of(id)
            .replace(tx, new.row.tags.as_deref().unwrap_or_default())
            .await?;
    }
    note(
        tx,
        by,
        id,
        "import_updated",
        format!("Updated by a CSV import: {}", fields.join(", ")),
    )
    .await
}

/// The timeline entry and the audit row of an imported change (`what`:
/// `imported` or `import_updated`).
async fn note(
    tx: &mut WriteTx,
    by: &Importer<'_>,
    id: &ContactId,
    what: &str,
    summary: String,
) -> Result<(), ServiceError> {
    touchpoints::record(
        tx,
        &NewTouchpoint {
            contact_id: id.clone(),
            matter_id: None,
            kind: format!("crm.{what}"),
            summary: summary.clone(),
            actor_user_id: Some(by.principal.user_id.clone()),
        },
    )
    .await?;
    audit::append(
        tx,
        &AuditEntry::by(
            by.principal,
            by.client,
            format!("contact.{what}"),
            AuditResult::Success,
        )
        .on(id)
        .detail(summary),
    )
    .await?;
    Ok(())
}
