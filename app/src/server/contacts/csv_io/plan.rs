//! Planning an import against the contacts as they are: what each row
//! would do, and the digest of the plan the user previews.

use std::collections::HashMap;

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use sqlx::AnyConnection;

use super::read::{Given, ImportRecord, ParsedRow, read_file};
use crate::{
    domain::{
        contact_import::{ImportAction, ImportPreviewView, ImportRowView},
        ids::{AccountId, ContactId, UserId},
    },
    server::{AppState, ServiceError, auth::Principal, crm::require_firm},
};

/// Emails looked up per query while planning.
const LOOKUP_CHUNK: usize = 500;

/// What writing one row would do, with everything it refers to resolved.
pub(super) enum Step {
    Create(Resolved),
    Update(ContactId, Resolved, Vec<String>),
    Skip,
}

/// A row with its account and owner found.
pub(super) struct Resolved {
    pub(super) row: ParsedRow,
    pub(super) account_id: Given<AccountId>,
    pub(super) owner_id: Given<UserId>,
}

#[derive(sqlx::FromRow)]
struct ExistingRow {
    id: ContactId,
    email: String,
    given_name: String,
    family_name: String,
    phone: Option<String>,
    address: Option<String>,
    job_title: Option<String>,
    account_id: Option<AccountId>,
    owner_id: Option<UserId>,
    referral_source: Option<String>,
    #[sqlx(skip)]
    tags: Vec<String>,
}

/// Plans every record against the database as it is on `conn`: the
/// preview's rows and the steps that would write them.
async fn plan(
    conn: &mut AnyConnection,
    records: Vec<ImportRecord>,
) -> Result<(Vec<ImportRowView>, Vec<Step>), ServiceError> {
    let emails: Vec<String> = records
        .iter()
        .filter_map(|r| r.parsed.as_ref().ok())
        .filter_map(|p| p.details.email.clone())
        .collect();
    let mut existing: HashMap<String, ExistingRow> = HashMap::new();
    for chunk in emails.chunks(LOOKUP_CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "select id, email, given_name, family_name, phone, address, job_title, account_id,
                    owner_id, referral_source
             from contacts where email in ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query_as::<_, ExistingRow>(&sql);
        for email in chunk {
            query = query.bind(email.clone());
        }
        for row in query
            .fetch_all(&mut *conn)
            .await
            .context("matching contacts by email")?
        {
            existing.insert(row.email.clone(), row);
        }
        let sql = format!(
            "select c.email, t.tag from contact_tags t join contacts c on c.id = t.contact_id
             where c.email in ({}) order by t.tag",
            marks.join(", ")
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for email in chunk {
            query = query.bind(email.clone());
        }
        for (email, tag) in query
            .fetch_all(&mut *conn)
            .await
            .context("reading matched contacts' tags")?
        {
            if let Some(row) = existing.get_mut(&email) {
                row.tags.push(tag);
            }
        }
    }
    // Sorted here, as `parse_tags` sorts: the database's collation may not
    // order them the same.
    for row in existing.values_mut() {
        row.tags.sort();
    }
    // Account names need not be unique (households are named after their
    // people), so each name maps to every account that has it.
    let mut accounts: HashMap<String, Vec<AccountId>> = HashMap::new();
    for (id, name) in
        sqlx::query_as::<_, (AccountId, String)>("select id, name from accounts order by id")
            .fetch_all(&mut *conn)
            .await
            .context("reading accounts")?
    {
        accounts.entry(name.to_lowercase()).or_default().push(id);
    }
    // Disabled colleagues too: a contact they still own reads back
    // unchanged, though none is given to them anew.
    let owners: HashMap<String, (UserId, bool)> = sqlx::query_as::<_, (UserId, String, i64)>(
        "select id, email, disabled from users where role <> 'client'",
    )
    .fetch_all(&mut *conn)
    .await
    .context("reading the firm's users")?
    .into_iter()
    .map(|(id, email, disabled)| (email.to_lowercase(), (id, disabled != 0)))
    .collect();

    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut rows = Vec::with_capacity(records.len());
    let mut steps = Vec::with_capacity(records.len());
    for record in records {
        let outcome = record.parsed.and_then(|row| {
            let email = row.details.email.clone().unwrap_or_default();
            if let Some(line) = first_line.get(&email) {
                return Err(format!("The email is on line {line} too."));
            }
            first_line.insert(email.clone(), record.line);
            let current = existing.get(&email);
            let account_id = row.account.resolve(|name| {
                match accounts.get(&name.to_lowercase()).map(Vec::as_slice) {
                    None | Some([]) => Err(format!(
                        "No account is named “{name}”: add it first, or leave the cell empty."
                    )),
                    Some([only]) => Ok(only.clone()),
                    // Several: the one the contact is at already, if any.
                    Some(many) => current
                        .and_then(|c| c.account_id.as_ref())
                        .filter(|at| many.contains(at))
                        .cloned()
                        .ok_or_else(|| {
                            format!(
                                "Several accounts are named “{name}”: choose the contact's \
                                 account on their page instead."
                            )
                        }),
                }
            })?;
            let owner_id = row.owner.resolve(|owner| match owners.get(owner) {
                None => Err(format!(
                    "Owner “{owner}” is not the email of anyone at the firm."
                )),
                Some((id, true)) if current.and_then(|c| c.owner_id.as_ref()) != Some(id) => Err(
                    format!("Owner “{owner}” is disabled: choose someone active."),
                ),
                Some((id, _)) => Ok(id.clone()),
            })?;
            let resolved = Resolved {
                row,
                account_id,
                owner_id,
            };
            Ok(match current {
                None => (ImportAction::New, Step::Create(resolved)),
                Some(current) => {
                    let changed = changes(current, &resolved);
                    if changed.is_empty() {
                        (ImportAction::Unchanged, Step::Skip)
                    } else {
                        let fields = changed.iter().map(|f| (*f).to_owned()).collect::<Vec<_>>();
                        (
                            ImportAction::Update(fields.clone()),
                            Step::Update(current.id.clone(), resolved, fields),
                        )
                    }
                }
            })
        });
        let (action, step) = match outcome {
            Ok(planned) => planned,
            Err(reason) => (ImportAction::Error(reason), Step::Skip),
        };
        rows.push(ImportRowView {
            line: record.line,
            name: record.raw_name,
            email: record.raw_email,
            action,
        });
        steps.push(step);
    }
    Ok((rows, steps))
}

/// The fields of `current` that `new` would change.
fn changes(current: &ExistingRow, new: &Resolved) -> Vec<&'static str> {
    let d = &new.row.details;
    let mut changed = Vec::new();
    // Whole names compare: a family name of several words splits
    // differently when read back, but is the same name.
    let current_name = format!("{} {}", current.given_name, current.family_name);
    if current_name.trim() != d.name() {
        changed.push("name");
    }
    if new.row.has.phone && current.phone != d.phone {
        changed.push("phone");
    }
    if new.row.has.address && current.address != d.address {
        changed.push("address");
    }
    if new.row.has.role && current.job_title != d.role {
        changed.push("role");
    }
    if new.account_id.differs(current.account_id.as_ref()) {
        changed.push("account");
    }
    if new.owner_id.differs(current.owner_id.as_ref()) {
        changed.push("owner");
    }
    if new
        .row
        .referral_source
        .differs(current.referral_source.as_ref())
    {
        changed.push("referral");
    }
    if new.row.tags.as_ref().is_some_and(|t| *t != current.tags) {
        changed.push("tags");
    }
    changed
}

/// Plans a file on `conn`: the preview, and the steps to write it.
pub(super) async fn plan_file(
    conn: &mut AnyConnection,
    bytes: &[u8],
) -> Result<(ImportPreviewView, Vec<Step>), ServiceError> {
    let records = read_file(bytes)?;
    let (rows, steps) = plan(conn, records).await?;
    let count = |f: fn(&ImportAction) -> bool| rows.iter().filter(|r| f(&r.action)).count();
    let mut digest = Sha256::new();
    digest.update(Sha256::digest(bytes));
    digest.update(serde_json::to_vec(&rows).context("serialising the plan")?);
    let digest = digest
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{b:02x}");
            hex
        });
    Ok((
        ImportPreviewView {
            new: count(|a| matches!(a, ImportAction::New)),
            updated: count(|a| matches!(a, ImportAction::Update(_))),
            unchanged: count(|a| matches!(a, ImportAction::Unchanged)),
            errors: count(|a| matches!(a, ImportAction::Error(_))),
            rows,
            digest,
        },
        steps,
    ))
}

/// The preview of a file: nothing is written.
pub async fn preview_import(
    state: &AppState,
    principal: &Principal,
    bytes: &[u8],
) -> Result<ImportPreviewView, ServiceError> {
    require_firm(principal)?;
    let mut conn = state
        .db
        .pool()
        .acquire()
        .await
        .context("a connection for the preview")?;
    Ok(plan_file(&mut conn, bytes).await?.0)
}
