//! Contacts as CSV (issue 11, point 10): the list's current filter
//! exported, and files imported in two steps. The preview plans every row
//! (new, update matched by email, unchanged, or an error with its reason)
//! and writes nothing; the confirmation sends the same file with the
//! preview's digest, is planned again inside one write transaction, and
//! is written only if the plan is still the one the user saw. An export
//! imported again plans every row unchanged.

use std::collections::HashMap;

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use sqlx::AnyConnection;

use crate::{
    domain::{
        AppError,
        contact::{CrmQuery, NewContact, REFERRAL_SOURCES, parse_tags},
        contact_import::{
            IMPORT_COLUMNS, ImportAction, ImportDoneView, ImportPreviewView, ImportRowView,
            MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, file_too_big,
        },
        ids::{AccountId, ContactId, UserId},
        spreadsheet::{from_cell, to_cell},
    },
    server::{
        AppState, ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        crm::require_firm,
        db::{Db, WriteTx},
        invitations::unique_as_conflict,
        new_id, now_ms,
        touchpoints::{self, NewTouchpoint},
    },
};

/// The most contacts one export holds.
const MAX_EXPORT_ROWS: i64 = 50_000;
/// Emails looked up per query while planning.
const LOOKUP_CHUNK: usize = 500;

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

// --- Export ---------------------------------------------------------------

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
    let (clause, binds) = super::list::filters(query);
    let sql = format!(
        "select c.id, c.given_name, c.family_name, c.email, c.phone, c.address,
                a.name as account_name, c.job_title, o.email as owner_email, c.referral_source
         from contacts c
         left join accounts a on a.id = c.account_id
         left join users o on o.id = c.owner_id
         where {clause}
         order by {} limit ${}",
        super::list::order_by(query.sort),
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

// --- Reading a file -------------------------------------------------------

/// One row as read and checked on its own; what it refers to (account,
/// owner, an existing contact) is checked by [`plan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRecord {
    /// The line of the file.
    pub line: u64,
    /// The name and email as read, for the preview.
    pub raw_name: String,
    /// As read.
    pub raw_email: String,
    /// The checked row, or why it cannot be imported.
    pub parsed: Result<ParsedRow, String>,
}

/// A cell of an optional column: the file may not have the column at all
/// (the field is left as it is), or have it empty (the field is cleared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Given<T> {
    /// No such column.
    Missing,
    /// The column, empty.
    Empty,
    /// The column, with a value.
    Value(T),
}

impl<T> Given<T> {
    /// The value to store: `None` when empty (or missing).
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(v) => Some(v),
            Self::Missing | Self::Empty => None,
        }
    }

    /// Whether the file has the column.
    pub fn is_given(&self) -> bool {
        !matches!(self, Self::Missing)
    }

    /// Whether the file has the column and it says something other than
    /// `current`.
    fn differs(&self, current: Option<&T>) -> bool
    where
        T: PartialEq,
    {
        self.is_given() && self.value() != current
    }

    /// The value resolved by `f`, which may refuse it.
    fn resolve<U>(&self, f: impl FnOnce(&T) -> Result<U, String>) -> Result<Given<U>, String> {
        Ok(match self {
            Self::Missing => Given::Missing,
            Self::Empty => Given::Empty,
            Self::Value(v) => Given::Value(f(v)?),
        })
    }
}

/// A row's values; optional columns as [`Given`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRow {
    /// Name, email (required here), phone, address, role.
    pub details: NewContact,
    /// The account's name.
    pub account: Given<String>,
    /// The owner's email.
    pub owner: Given<String>,
    /// One of the firm's sources.
    pub referral_source: Given<String>,
    /// The tags.
    pub tags: Option<Vec<String>>,
    /// Which optional columns the file has.
    pub has: Columns,
}

/// Which of the optional columns a file has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    phone: bool,
    address: bool,
    role: bool,
}

/// Reads a CSV file of contacts: UTF-8, a header naming the columns (with
/// `name` and `email` among them), at most [`MAX_IMPORT_ROWS`] rows and
/// [`MAX_IMPORT_BYTES`] bytes. Each row is checked on its own.
///
/// # Errors
/// [`AppError::BadRequest`] with what is wrong with the file as a whole.
pub fn read_file(bytes: &[u8]) -> Result<Vec<ImportRecord>, AppError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(bad(file_too_big()));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        bad("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and try again.")
    })?;
    if text.trim().is_empty() {
        return Err(bad("The file is empty."));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| bad("The first line cannot be read as CSV column names."))?
        .iter()
        .map(|h| h.trim().to_lowercase().replace(' ', "_"))
        .collect();
    if let Some(unknown) = headers
        .iter()
        .find(|h| !h.is_empty() && !IMPORT_COLUMNS.contains(&h.as_str()))
    {
        return Err(bad(format!(
            "Unknown column “{unknown}”. The first line names the columns, from: {}.",
            IMPORT_COLUMNS.join(", ")
        )));
    }
    for required in ["name", "email"] {
        if !headers.iter().any(|h| h == required) {
            return Err(bad(format!(
                "The first line must name the columns, “{required}” among them (the columns are: {}).",
                IMPORT_COLUMNS.join(", ")
            )));
        }
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let index: HashMap<&str, usize> = IMPORT_COLUMNS
        .iter()
        .filter_map(|c| column(c).map(|i| (*c, i)))
        .collect();
    let mut records = Vec::new();
    for (n, record) in reader.records().enumerate() {
        if n >= MAX_IMPORT_ROWS {
            return Err(bad(format!(
                "The file has more than {MAX_IMPORT_ROWS} rows. Split it into smaller files and import each."
            )));
        }
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                return Err(bad(format!(
                    "Line {}: this is not valid CSV ({err}).",
                    err.position().map_or(0, csv::Position::line)
                )));
            }
        };
        // Counted from the record's byte offset: the reader's own line
        // count leaves out the blank lines it skips.
        let line = record.position().map_or(0, |p| {
            let mut start = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(text.len());
            // A record's position is where the blank lines before it begin.
            while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
                start += 1;
            }
            let before = text.get(..start).map_or(0, |t| t.matches('\n').count());
            u64::try_from(before).unwrap_or(u64::MAX).saturating_add(1)
        });
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |name: &str| {
            index
                .get(name)
                .map(|i| from_cell(record.get(*i).unwrap_or("")).to_owned())
        };
        let raw_name = get("name").unwrap_or_default();
        let raw_email = get("email").unwrap_or_default();
        records.push(ImportRecord {
            line,
            parsed: parse_row(&get, &raw_name, &raw_email),
            raw_name,
            raw_email,
        });
    }
    if records.is_empty() {
        return Err(bad("The file has column names but no contacts."));
    }
    Ok(records)
}

/// Checks one row's own values.
fn parse_row(
    get: &dyn Fn(&str) -> Option<String>,
    name: &str,
    email: &str,
) -> Result<ParsedRow, String> {
    if email.trim().is_empty() {
        return Err("An email is needed: imports match contacts by email.".to_owned());
    }
    let text = |column: &str| get(column).unwrap_or_default();
    let details = NewContact::parse(
        name,
        email,
        &text("phone"),
        &text("address"),
        None,
        &text("role"),
    )
    .map_err(|e| e.to_string())?;
    let optional = |column: &str| match get(column) {
        None => Given::Missing,
        Some(v) if v.trim().is_empty() => Given::Empty,
        Some(v) => Given::Value(v.trim().to_owned()),
    };
    let referral_source = optional("referral_source");
    if let Given::Value(source) = &referral_source
        && !REFERRAL_SOURCES.iter().any(|(k, _)| k == source)
    {
        return Err(format!(
            "Referral source “{source}” is not one of: {}.",
            REFERRAL_SOURCES
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let tags = get("tags")
        .map(|t| parse_tags(&t))
        .transpose()
        .map_err(|e| e.to_string())?;
    Ok(ParsedRow {
        details,
        account: optional("account"),
        owner: optional("owner").resolve(|e| Ok(e.to_lowercase()))?,
        referral_source,
        tags,
        has: Columns {
            phone: get("phone").is_some(),
            address: get("address").is_some(),
            role: get("role").is_some(),
        },
    })
}

// --- Planning -------------------------------------------------------------

/// What writing one row would do, with everything it refers to resolved.
enum Step {
    Create(Resolved),
    Update(ContactId, Resolved, Vec<String>),
    Skip,
}

/// A row with its account and owner found.
struct Resolved {
    row: ParsedRow,
    account_id: Given<AccountId>,
    owner_id: Given<UserId>,
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
async fn plan_file(
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
    write_tags(tx, &id, new.row.tags.as_deref().unwrap_or_default()).await?;
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
        sqlx::query("delete from contact_tags where contact_id = $1")
            .bind(id.clone())
            .execute(tx.conn())
            .await
            .context("clearing tags")?;
        write_tags(tx, id, new.row.tags.as_deref().unwrap_or_default()).await?;
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

async fn write_tags(tx: &mut WriteTx, id: &ContactId, tags: &[String]) -> anyhow::Result<()> {
    for tag in tags {
        sqlx::query("insert into contact_tags (contact_id, tag) values ($1, $2)")
            .bind(id.clone())
            .bind(tag.clone())
            .execute(tx.conn())
            .await
            .context("tagging an imported contact")?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_file_with_a_header_gives_one_record_per_row_each_checked_on_its_own() {
        let records = read_file(
            b"\xEF\xBB\xBFName,Email,Tags\n\
              Henri Moreau,HENRI@moreau.example,\"vip, estate\"\n\
              ,nobody@example.com,\n\
              \n\
              Ana,not-an-email,\n",
        )
        .unwrap();
        assert_eq!(records.len(), 3, "the blank line is skipped");
        let first = records[0].parsed.as_ref().unwrap();
        assert_eq!(first.details.email.as_deref(), Some("henri@moreau.example"));
        assert_eq!(
            first.tags.as_deref(),
            Some(&["estate".to_owned(), "vip".to_owned()][..])
        );
        assert_eq!(
            first.account,
            Given::Missing,
            "no account column: left alone"
        );
        assert!(records[1].parsed.is_err(), "no name");
        assert!(records[2].parsed.is_err(), "a bad email");
        assert_eq!(records[2].line, 5);
    }

    #[test]
    fn a_whole_file_is_refused_for_its_encoding_header_size_or_length() {
        let message = |bytes: &[u8]| match read_file(bytes) {
            Err(AppError::BadRequest(m)) => m,
            other => panic!("expected a 400, got {other:?}"),
        };
        assert!(message(b"name,email\n\xE9ric,e@x.example\n").contains("UTF-8"));
        assert!(message(b"Henri Moreau,henri@moreau.example\n").contains("Unknown column"));
        assert!(message(b"name,phone\nHenri,123\n").contains("email"));
        assert!(message(b"").contains("empty"));
        assert!(message(b"name,email\n").contains("no contacts"));
        let big = vec![b'x'; MAX_IMPORT_BYTES + 1];
        assert!(message(&big).contains("larger than 2 MiB"));
        let mut long = b"name,email\n".to_vec();
        for i in 0..=MAX_IMPORT_ROWS {
            long.extend_from_slice(format!("P {i},p{i}@x.example\n").as_bytes());
        }
        assert!(message(&long).contains("more than 5000 rows"));
    }

    proptest! {
        // Bounded: each case is at most a few KiB, so time and memory are too.
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn any_bytes_are_read_or_refused_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = read_file(&bytes);
        }

        #[test]
        fn any_csv_like_text_is_read_or_refused_without_a_panic(
            body in "(name|email|phone|tags|account|owner|referral_source|x)(,(name|email|phone|tags|x))*\n([a-zA-Z@.\" ,;\n\r]{0,64}\n){0,40}"
        ) {
            if let Ok(records) = read_file(body.as_bytes()) {
                prop_assert!(records.len() <= MAX_IMPORT_ROWS);
            }
        }
    }
}
