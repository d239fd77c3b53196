//! The contact list's current filter, every page of it, as CSV.

use std::collections::HashMap;

use anyhow::Context as _;

use crate::{
    domain::{contact::CrmQuery, contact_import::IMPORT_COLUMNS, spreadsheet::to_cell},
    server::{
        ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        contacts::list,
        crm::require_firm,
        db::Db,
    },
};

/// The most contacts one export holds.
const MAX_EXPORT_ROWS: i64 = 50_000;

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: String,
    given_name: String,
    family_name: String,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    account_name: Option<String>,
    job_title: Option<String>,
    owner_email: Option<String>,
    referral_source: Option<String>,
}

/// The contacts `query` selects (every page of them), as CSV with the
/// [`IMPORT_COLUMNS`]. Audited with the count.
pub async fn export_csv(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    query: &CrmQuery,
) -> Result<String, ServiceError> {
    require_firm(principal)?;
    let (clause, binds) = list::filters(query);
    let sql = format!(
        "select c.id, c.given_name, c.family_name, c.email, c.phone, c.address,
                a.name as account_name, c.job_title, o.email as owner_email, c.referral_source
         from contacts c
         left join accounts a on a.id = c.account_id
         left join users o on o.id = c.owner_id
         where {clause}
         order by {} limit ${}",
        list::order_by(query.sort),
        binds.len() + 1
    );
    let mut rows = sqlx::query_as::<_, ExportRow>(&sql);
    for bind in &binds {
        rows = rows.bind(bind.clone());
    }
    let rows = rows
        .bind(MAX_EXPORT_ROWS)
        .fetch_all(db.pool())
        .await
        .context("exporting contacts")?;
    let mut tags: HashMap<String, Vec<String>> = HashMap::new();
    for (contact_id, tag) in sqlx::query_as::<_, (String, String)>(
        "select contact_id, tag from contact_tags order by contact_id, tag",
    )
    .fetch_all(db.pool())
    .await
    .context("exporting tags")?
    {
        tags.entry(contact_id).or_default().push(tag);
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(IMPORT_COLUMNS)
        .context("writing the header")?;
    for row in &rows {
        let name = format!("{} {}", row.given_name, row.family_name);
        let tags = tags.get(&row.id).map(|t| t.join(", ")).unwrap_or_default();
        let cell = |v: &Option<String>| v.clone().unwrap_or_default();
        out.write_record(
            [
                name.trim().to_owned(),
                cell(&row.email),
                cell(&row.phone),
                cell(&row.address),
                cell(&row.account_name),
                cell(&row.job_title),
                cell(&row.owner_email),
                cell(&row.referral_source),
                tags,
            ]
            .map(to_cell),
        )
        .context("writing a contact")?;
    }
    let bytes = out.into_inner().context("finishing the CSV")?;
    audit::record(
        db,
        &AuditEntry::by(principal, client, "contacts.exported", AuditResult::Success)
            .object("contacts", "csv")
            .detail(format!("{} contacts", rows.len())),
    )
    .await?;
    String::from_utf8(bytes)
        .context("the CSV is UTF-8")
        .map_err(Into::into)
}
