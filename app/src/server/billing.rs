//! Billing statements (DESIGN §2.5): listing invoices and trust balances,
//! opening and downloading a statement, and the staff's writes (create,
//! issue, void, record a payment).
//!
//! Every lookup applies the matter policy in the query itself
//! ([`visible_matter_sql`]) plus the invoice rule of
//! [`may_view_invoice`]: clients never see drafts. An invoice the user may
//! not see answers exactly like one that does not exist. Writes need
//! [`may_manage_billing`]; a refusal is a 404 as well, so a client cannot
//! learn which invoice ids exist.

pub mod pdf;
pub mod provider;
pub mod seed;
mod trust;

pub use trust::{
    MAX_TRUST_TEXT_CHARS, NewDeposit, add_invoice_credit, record_trust_deposit,
    transfer_trust_to_invoice,
};

use anyhow::Context as _;
use sqlx::AnyConnection;

use crate::domain::{
    AppError,
    billing::{
        BillingView, Currency, InvoiceLineView, InvoiceStatus, InvoiceView, LineKind,
        MAX_AMOUNT_MINOR, MAX_METHOD_CHARS, Money, NewInvoice, StatusBase, Totals,
        TrustBalanceView, derive_status, parse_decimal, validate_lines,
    },
    ids::{InvoiceId, MatterId},
    policy::may_manage_billing,
    role::Role,
    time::DAY_MS,
};

use super::{
    ServiceError,
    activity::{self, View},
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    db::{Db, WriteTx},
    new_id, now_ms,
    policy::{authorize_matter, authorize_matter_change, ensure_matter_open, visible_matter_sql},
    touchpoints::{self, NewTouchpoint},
};

/// The most invoices one list shows.
pub const INVOICE_PAGE_SIZE: i64 = 200;
/// Payment terms when the form leaves them blank.
pub const DEFAULT_TERMS_DAYS: i64 = 30;

/// The condition that hides drafts from clients, for a role bound at
/// `role`: [`may_view_invoice`] written for a `where` clause. The unit test
/// below runs it on SQLite for every role and status and compares each
/// answer with the policy's; the integration tests check it end to end.
fn visible_invoice_sql(role: &str) -> String {
    let client = Role::Client.as_str();
    format!("({role} <> '{client}' or i.status_base <> 'draft')")
}

/// The columns of an invoice with its sums. The sums are correlated
/// subqueries, so a list costs one round trip; `cast(… as bigint)` because
/// PostgreSQL's `sum(bigint)` is `numeric`.
const INVOICE_SELECT: &str = "select i.id, i.number, i.matter_id, m.number as matter_number,
        m.title as matter_title, a.name as account_name, i.currency, i.status_base,
        i.issued_at, i.due_at, i.void_reason,
        cast(coalesce((select sum(l.amount) from invoice_lines l where l.invoice_id = i.id), 0) as bigint) as subtotal,
        cast(coalesce((select sum(l.tax_amount) from invoice_lines l where l.invoice_id = i.id), 0) as bigint) as tax,
        cast(coalesce((select sum(p.amount) from payments p where p.invoice_id = i.id), 0) as bigint) as paid,
        cast(coalesce((select sum(c.amount) from credits c where c.invoice_id = i.id), 0) as bigint) as credited
 from invoices i
 join matters m on m.id = i.matter_id
 join accounts a on a.id = i.account_id";

#[derive(sqlx::FromRow)]
struct InvoiceRow {
    id: String,
    number: String,
    matter_id: String,
    matter_number: String,
    matter_title: String,
    account_name: String,
    currency: String,
    status_base: String,
    issued_at: Option<i64>,
    due_at: Option<i64>,
    void_reason: Option<String>,
    subtotal: i64,
    tax: i64,
    paid: i64,
    credited: i64,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    invoice_id: String,
    kind: String,
    description: String,
    quantity: i64,
    unit_amount: i64,
    amount: i64,
    tax_rate_bp: i64,
    tax_amount: i64,
}

/// An invoice as loaded, before its lines are attached.
struct Loaded {
    view: InvoiceView,
    base: StatusBase,
    account_name: String,
}

impl InvoiceRow {
    /// The loaded invoice, as `viewer` may see it: the reason for voiding
    /// is the firm's own note, never shown to a client.
    fn into_loaded(self, now: i64, viewer: Role) -> anyhow::Result<Loaded> {
        let base = StatusBase::parse(&self.status_base)
            .with_context(|| format!("invoice {} has status {}", self.id, self.status_base))?;
        let totals = Totals::from_sums(self.subtotal, self.tax, self.paid, self.credited)
            .map_err(|e| anyhow::anyhow!("invoice {}: {e}", self.id))?;
        let status = derive_status(base, totals.total, totals.settled(), self.due_at, now);
        Ok(Loaded {
            base,
            account_name: self.account_name,
            view: InvoiceView {
                id: self.id,
                number: self.number,
                matter_id: MatterId::from_trusted(self.matter_id),
                matter_number: self.matter_number,
                matter_title: self.matter_title,
                currency: Currency::from_trusted(self.currency),
                issued_at: self.issued_at,
                due_at: self.due_at,
                status,
                totals,
                lines: Vec::new(),
                void_reason: self.void_reason.filter(|_| viewer.is_firm()),
            },
        })
    }
}

fn line_view(row: LineRow, currency: &Currency) -> InvoiceLineView {
    let money = |minor| Money::new(minor, currency.clone());
    InvoiceLineView {
        // The column's check constraint allows only these two.
        kind: LineKind::parse(&row.kind).unwrap_or(LineKind::Expense),
        description: row.description,
        quantity: row.quantity,
        unit_amount: money(row.unit_amount),
        amount: money(row.amount),
        tax_rate_bp: row.tax_rate_bp,
        tax: money(row.tax_amount),
    }
}

/// Attaches each invoice's lines with one query for the whole list.
async fn attach_lines(db: &Db, invoices: &mut [InvoiceView]) -> anyhow::Result<()> {
    if invoices.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (1..=invoices.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "select invoice_id, kind, description, quantity, unit_amount, amount, tax_rate_bp, tax_amount
         from invoice_lines where invoice_id in ({}) order by invoice_id, position",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, LineRow>(&sql);
    for invoice in invoices.iter() {
        query = query.bind(invoice.id.clone());
    }
    let rows = query
        .fetch_all(db.pool())
        .await
        .context("loading invoice lines")?;
    for row in rows {
        if let Some(invoice) = invoices.iter_mut().find(|i| i.id == row.invoice_id) {
            let line = line_view(row, &invoice.currency);
            invoice.lines.push(line);
        }
    }
    Ok(())
}

/// The invoices `principal` may see, newest first, optionally on one
/// matter. The policy is in the query.
async fn visible_invoices(
    db: &Db,
    principal: &Principal,
    matter: Option<&MatterId>,
) -> anyhow::Result<Vec<InvoiceView>> {
    let subject = principal.subject();
    let matter_filter = if matter.is_some() {
        "and i.matter_id = $4"
    } else {
        ""
    };
    let sql = format!(
        "{INVOICE_SELECT}
         where {} and {} {matter_filter}
         order by i.created_at desc, i.id desc
         limit $3",
        visible_matter_sql("$1", "$2"),
        visible_invoice_sql("$2"),
    );
    let mut query = sqlx::query_as::<_, InvoiceRow>(&sql)
        .bind(subject.user_id.clone())
        .bind(subject.role.as_str())
        .bind(INVOICE_PAGE_SIZE);
    if let Some(matter) = matter {
        query = query.bind(matter.as_str().to_owned());
    }
    let rows = query
        .fetch_all(db.pool())
        .await
        .context("listing invoices")?;
    let now = now_ms();
    let mut invoices = rows
        .into_iter()
        .map(|row| row.into_loaded(now, principal.role).map(|l| l.view))
        .collect::<anyhow::Result<Vec<_>>>()?;
    attach_lines(db, &mut invoices).await?;
    Ok(invoices)
}

#[derive(sqlx::FromRow)]
struct TrustRow {
    matter_id: String,
    matter_number: String,
    matter_title: String,
    currency: String,
    balance: i64,
}

/// The trust balance of each visible matter: the sum of its ledger.
async fn trust_balances(
    db: &Db,
    principal: &Principal,
    matter: Option<&MatterId>,
) -> anyhow::Result<Vec<TrustBalanceView>> {
    let subject = principal.subject();
    let matter_filter = if matter.is_some() {
        "and t.matter_id = $3"
    } else {
        ""
    };
    let sql = format!(
        "select t.matter_id, m.number as matter_number, m.title as matter_title, t.currency,
                cast(sum(t.amount) as bigint) as balance
         from trust_transactions t
         join matters m on m.id = t.matter_id
         where {} {matter_filter}
         group by t.matter_id, m.number, m.title, t.currency
         order by m.number, t.currency",
        visible_matter_sql("$1", "$2"),
    );
    let mut query = sqlx::query_as::<_, TrustRow>(&sql)
        .bind(subject.user_id.clone())
        .bind(subject.role.as_str());
    if let Some(matter) = matter {
        query = query.bind(matter.as_str().to_owned());
    }
    let rows = query
        .fetch_all(db.pool())
        .await
        .context("summing trust balances")?;
    Ok(rows
        .into_iter()
        .map(|row| TrustBalanceView {
            matter_id: MatterId::from_trusted(row.matter_id),
            matter_number: row.matter_number,
            matter_title: row.matter_title,
            balance: Money::new(row.balance, Currency::from_trusted(row.currency)),
        })
        .collect())
}

/// The billing page, or one matter's statements panel: the invoices and
/// trust balances `principal` may see. The view is recorded (audit row and,
/// for clients, a touchpoint).
pub async fn list_invoices(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    matter: Option<&MatterId>,
) -> Result<BillingView, ServiceError> {
    if let Some(matter) = matter {
        authorize_matter(db, principal, client, matter).await?;
    }
    let invoices = visible_invoices(db, principal, matter).await?;
    let trust = trust_balances(db, principal, matter).await?;
    activity::viewed(
        db,
        principal,
        client,
        &View {
            action: "billing.listed",
            object: matter.map(|m| ("matter", m.as_str())),
            matter,
            summary: "Viewed their billing statements",
        },
    )
    .await?;
    Ok(BillingView {
        invoices,
        trust,
        may_manage: may_manage_billing(&principal.subject()),
    })
}

/// What `principal` owes over the statements they may see: the balance
/// of each issued, unvoided invoice, summed per currency (the newest
/// [`INVOICE_PAGE_SIZE`], as the billing page lists).
pub async fn amounts_owed(db: &Db, principal: &Principal) -> anyhow::Result<Vec<Money>> {
    let mut sums: Vec<(Currency, i64)> = Vec::new();
    for invoice in visible_invoices(db, principal, None).await? {
        if matches!(invoice.status, InvoiceStatus::Draft | InvoiceStatus::Void)
            || invoice.totals.balance <= 0
        {
            continue;
        }
        match sums.iter_mut().find(|(c, _)| *c == invoice.currency) {
            Some((_, sum)) => *sum += invoice.totals.balance,
            None => sums.push((invoice.currency.clone(), invoice.totals.balance)),
        }
    }
    Ok(sums
        .into_iter()
        .map(|(currency, minor)| Money::new(minor, currency))
        .collect())
}

/// Loads one invoice that `principal` may see, with its lines. Anything
/// else — missing, another client's, behind a wall, a draft for a client —
/// is not found, and the attempt is audited.
async fn load_visible(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    id: &InvoiceId,
) -> Result<Loaded, ServiceError> {
    let id = id.as_str();
    let subject = principal.subject();
    let sql = format!(
        "{INVOICE_SELECT} where i.id = $3 and {} and {}",
        visible_matter_sql("$1", "$2"),
        visible_invoice_sql("$2"),
    );
    let row: Option<InvoiceRow> = sqlx::query_as(&sql)
        .bind(subject.user_id.clone())
        .bind(subject.role.as_str())
        .bind(id.to_owned())
        .fetch_optional(db.pool())
        .await
        .context("loading an invoice")?;
    let Some(row) = row else {
        audit::record(
            db,
            &AuditEntry::by(principal, client, "access.invoice", AuditResult::Denied)
                .object("invoice", id)
                .detail("missing or not visible"),
        )
        .await?;
        return Err(AppError::NotFound.into());
    };
    let mut loaded = row.into_loaded(now_ms(), principal.role)?;
    attach_lines(db, std::slice::from_mut(&mut loaded.view)).await?;
    Ok(loaded)
}

/// Records that `principal` opened or downloaded `invoice`: an audit row,
/// a touchpoint for clients, and — the first time a client opens an issued
/// invoice — its move from "sent" to "viewed". All in one transaction.
async fn record_client_read(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    invoice: &InvoiceView,
    action: &str,
    summary: String,
) -> anyhow::Result<bool> {
    let mut tx = db.begin_write().await?;
    let mut first_view = false;
    if principal.role == Role::Client {
        let result = sqlx::query(
            "update invoices set status_base = 'viewed', viewed_at = $1
             where id = $2 and status_base = 'sent'",
        )
        .bind(now_ms())
        .bind(invoice.id.clone())
        .execute(tx.conn())
        .await
        .context("marking an invoice viewed")?;
        first_view = result.rows_affected() > 0;
    }
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, action, AuditResult::Success)
            .object("invoice", invoice.id.as_str())
            .detail(&invoice.number),
    )
    .await?;
    if let Some(contact_id) = &principal.contact_id {
        touchpoints::record(
            &mut tx,
            &NewTouchpoint {
                contact_id: contact_id.clone(),
                matter_id: Some(invoice.matter_id.clone()),
                kind: format!("portal.{action}"),
                summary,
                actor_user_id: Some(principal.user_id.clone()),
            },
        )
        .await?;
    }
    tx.commit().await.context("committing a statement read")?;
    Ok(first_view)
}

/// One statement, for a user who may see it. A client's first look marks
/// it viewed; every look is audited.
pub async fn get_invoice(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    id: &InvoiceId,
) -> Result<InvoiceView, ServiceError> {
    let loaded = load_visible(db, principal, client, id).await?;
    let mut view = loaded.view;
    let summary = format!("Viewed statement {}", view.number);
    if record_client_read(db, principal, client, &view, "invoice.viewed", summary).await? {
        let totals = view.totals;
        view.status = derive_status(
            StatusBase::Viewed,
            totals.total,
            totals.settled(),
            view.due_at,
            now_ms(),
        );
    }
    Ok(view)
}

/// A statement as a PDF: (file name, bytes). Audited as a download; a
/// client's download also counts as opening it.
pub async fn statement_pdf(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    id: &InvoiceId,
) -> Result<(String, Vec<u8>), ServiceError> {
    let loaded = load_visible(db, principal, client, id).await?;
    let firm = super::settings::firm_name(db).await?;
    // Dated in the firm's zone: the statement is the firm's document.
    let clock = super::clock::firm(db).await?;
    let logo = super::logo::for_drawing(db).await?;
    let bytes = pdf::render_statement(
        &firm,
        logo.as_ref(),
        &loaded.view,
        &loaded.account_name,
        &clock,
    );
    let summary = format!("Downloaded statement {} (PDF)", loaded.view.number);
    record_client_read(
        db,
        principal,
        client,
        &loaded.view,
        "invoice.downloaded",
        summary,
    )
    .await?;
    Ok((pdf::file_name(&loaded.view.number), bytes))
}

fn bad_request(message: impl Into<String>) -> ServiceError {
    AppError::BadRequest(message.into()).into()
}

/// Refuses users who may not manage billing, as not found.
fn require_billing_role(principal: &Principal) -> Result<(), ServiceError> {
    if may_manage_billing(&principal.subject()) {
        Ok(())
    } else {
        Err(AppError::NotFound.into())
    }
}

fn write_audit(
    principal: &Principal,
    client: &ClientInfo,
    action: &str,
    invoice_id: &str,
) -> AuditEntry {
    AuditEntry::by(principal, client, action, AuditResult::Success).object("invoice", invoice_id)
}

/// The next free number of the form `INV-YYYY-NNNN` for the year of `now`.
/// Numbers are never reused (invoices are voided, not deleted), so a count
/// is enough; a concurrent insert that takes the same number fails on the
/// unique index and is answered as a conflict.
async fn next_number(conn: &mut AnyConnection, now: i64) -> anyhow::Result<String> {
    let (year, _, _) = crate::domain::time::civil_date(now);
    let prefix = format!("INV-{year:04}-");
    let (count,): (i64,) = sqlx::query_as("select count(*) from invoices where number like $1")
        .bind(format!("{prefix}%"))
        .fetch_one(conn)
        .await
        .context("counting this year's invoices")?;
    Ok(format!("{prefix}{:04}", count + 1))
}

/// Creates an invoice on a matter the user can see (staff and admins):
/// a draft, or issued at once when `issue` is set. Returns its number.
pub async fn create_invoice(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    new: &NewInvoice,
) -> Result<String, ServiceError> {
    require_billing_role(principal)?;
    let matter_id = MatterId::parse(new.matter_id.trim())?;
    authorize_matter_change(db, principal, client, &matter_id).await?;
    let currency = if new.currency.trim().is_empty() {
        Currency::from_trusted("GBP".to_owned())
    } else {
        Currency::parse(&new.currency).map_err(bad_request)?
    };
    let terms_days = if new.due_in_days.trim().is_empty() {
        DEFAULT_TERMS_DAYS
    } else {
        parse_decimal(&new.due_in_days, 0, 365, "Days until due").map_err(bad_request)?
    };
    let lines = validate_lines(&new.lines, &currency).map_err(bad_request)?;
    // Every line is bounded, so the sums fit; checked anyway.
    let mut total: i64 = 0;
    for line in &lines {
        total = total
            .checked_add(line.amount)
            .and_then(|t| t.checked_add(line.tax))
            .ok_or_else(|| bad_request("The invoice total is too large."))?;
    }
    let issue = matches!(new.issue.as_deref(), Some("true" | "on" | "1"));

    let now = now_ms();
    let id = new_id();
    let mut tx = db.begin_write().await?;
    let number = next_number(tx.conn(), now).await?;
    let (base, issued_at, due_at) = if issue {
        ("sent", Some(now), Some(now + terms_days * DAY_MS))
    } else {
        ("draft", None, None)
    };
    let inserted = sqlx::query(
        "insert into invoices (id, number, matter_id, account_id, currency, status_base, terms_days,
                               issued_at, due_at, created_by, created_at)
         select $1, $2, m.id, m.account_id, $3, $4, $5, $6, $7, $8, $9 from matters m where m.id = $10",
    )
    .bind(id.clone())
    .bind(number.clone())
    .bind(currency.code().to_owned())
    .bind(base)
    .bind(terms_days)
    .bind(issued_at)
    .bind(due_at)
    .bind(principal.user_id.to_string())
    .bind(now)
    .bind(matter_id.as_str().to_owned())
    .execute(tx.conn())
    .await;
    match inserted {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => return Err(AppError::NotFound.into()),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
            return Err(AppError::Conflict(
                "Another invoice was created at the same moment; please submit again.".to_owned(),
            )
            .into());
        }
        Err(err) => {
            return Err(anyhow::Error::from(err)
                .context("inserting an invoice")
                .into());
        }
    }
    insert_lines(tx.conn(), &id, &lines).await?;
    audit::append(
        &mut tx,
        &write_audit(principal, client, "invoice.created", &id).detail(format!(
            "{number}, {} line(s), total {total} {currency}, {base}",
            lines.len()
        )),
    )
    .await?;
    tx.commit().await.context("committing a new invoice")?;
    Ok(number)
}

async fn insert_lines(
    conn: &mut AnyConnection,
    invoice_id: &str,
    lines: &[crate::domain::billing::ValidLine],
) -> anyhow::Result<()> {
    for (position, line) in (1_i64..).zip(lines) {
        sqlx::query(
            "insert into invoice_lines (id, invoice_id, position, kind, description, quantity,
                                        unit_amount, amount, tax_rate_bp, tax_amount)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(new_id())
        .bind(invoice_id.to_owned())
        .bind(position)
        .bind(line.kind.as_str())
        .bind(line.description.clone())
        .bind(line.quantity)
        .bind(line.unit_amount)
        .bind(line.amount)
        .bind(line.tax_rate_bp)
        .bind(line.tax)
        .execute(&mut *conn)
        .await
        .context("inserting an invoice line")?;
    }
    Ok(())
}

/// Loads an invoice for a write by a billing user and locks its row until
/// the transaction ends (on PostgreSQL; SQLite has one writer anyway), so
/// two payments cannot both pass the balance check.
async fn lock_for_write(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    id: &InvoiceId,
) -> Result<(WriteTx, Loaded), ServiceError> {
    require_billing_role(principal)?;
    // Visibility first (audited when refused), outside the transaction.
    let visible = load_visible(db, principal, client, id).await?;
    ensure_matter_open(db, &visible.view.matter_id).await?;
    let id = id.as_str();
    let mut tx = db.begin_write().await?;
    sqlx::query("update invoices set id = id where id = $1")
        .bind(id.to_owned())
        .execute(tx.conn())
        .await
        .context("locking an invoice")?;
    let row: Option<InvoiceRow> = sqlx::query_as(&format!("{INVOICE_SELECT} where i.id = $1"))
        .bind(id.to_owned())
        .fetch_optional(tx.conn())
        .await
        .context("reloading a locked invoice")?;
    let loaded = row
        .ok_or(AppError::NotFound)?
        .into_loaded(now_ms(), principal.role)?;
    Ok((tx, loaded))
}

/// Records a payment on an issued invoice (staff and admins). `amount` is
/// typed in major units (`250.00`), `date` as `YYYY-MM-DD`. A payment may
/// not exceed the balance. Answers what was recorded, in words, for the
/// form to confirm.
pub async fn record_payment(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    invoice_id: &InvoiceId,
    amount: &str,
    date: &str,
    method: &str,
) -> Result<String, ServiceError> {
    let (mut tx, loaded) = lock_for_write(db, principal, client, invoice_id).await?;
    let invoice = &loaded.view;
    match loaded.base {
        StatusBase::Draft => {
            return Err(bad_request("Issue the invoice before recording a payment."));
        }
        StatusBase::Void => return Err(bad_request("This invoice is void.")),
        StatusBase::Sent | StatusBase::Viewed => {}
    }
    let minor = parse_decimal(
        amount,
        invoice.currency.minor_digits(),
        MAX_AMOUNT_MINOR,
        "Amount",
    )
    .map_err(bad_request)?;
    if minor == 0 {
        return Err(bad_request("Amount: enter more than zero."));
    }
    if minor > invoice.totals.balance {
        return Err(bad_request(format!(
            "Amount: that is more than the balance due ({}).",
            invoice.money(invoice.totals.balance)
        )));
    }
    let received_at = super::clock::firm(db)
        .await?
        .parse_date(date)
        .map_err(|e| bad_request(format!("Date: {e}")))?;
    let method = method.trim();
    let method = if method.is_empty() {
        "Bank transfer"
    } else {
        method
    };
    if method.chars().count() > MAX_METHOD_CHARS {
        return Err(bad_request(format!(
            "Method: keep it under {MAX_METHOD_CHARS} characters."
        )));
    }
    let id = new_id();
    sqlx::query(
        "insert into payments (id, invoice_id, amount, received_at, method, recorded_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(invoice.id.clone())
    .bind(minor)
    .bind(received_at)
    .bind(method.to_owned())
    .bind(principal.user_id.to_string())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("inserting a payment")?;
    audit::append(
        &mut tx,
        &write_audit(principal, client, "invoice.payment_recorded", &invoice.id).detail(format!(
            "{} on {}",
            invoice.money(minor),
            invoice.number
        )),
    )
    .await?;
    tx.commit().await.context("committing a payment")?;
    Ok(format!(
        "Payment of {} recorded on {}.",
        invoice.money(minor),
        invoice.number
    ))
}

/// What staff can do to an invoice's stored status.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Transition {
    /// Draft → sent: dated today, due after its terms.
    Issue,
    /// Sent or viewed → void, when nothing has been paid or credited, for
    /// the reason given.
    Void(String),
}

/// Issues a draft invoice (staff and admins).
pub async fn issue_invoice(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    invoice_id: &InvoiceId,
) -> Result<(), ServiceError> {
    transition(db, principal, client, invoice_id, Transition::Issue).await
}

/// Voids an issued invoice with nothing paid or credited (staff and
/// admins). The reason is kept on the invoice, for the firm, and in the
/// audit row.
pub async fn void_invoice(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    invoice_id: &InvoiceId,
    reason: &str,
) -> Result<(), ServiceError> {
    require_billing_role(principal)?;
    let reason = trust::bounded_text(reason, "Reason for voiding")?;
    transition(db, principal, client, invoice_id, Transition::Void(reason)).await
}

/// Issues or voids an invoice (staff and admins).
async fn transition(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    invoice_id: &InvoiceId,
    transition: Transition,
) -> Result<(), ServiceError> {
    let (mut tx, loaded) = lock_for_write(db, principal, client, invoice_id).await?;
    let now = now_ms();
    let mut detail = loaded.view.number.clone();
    let action = match (transition, loaded.base) {
        (Transition::Issue, StatusBase::Draft) => {
            sqlx::query(
                "update invoices set status_base = 'sent', issued_at = $1,
                        due_at = $1 + terms_days * 86400000
                 where id = $2 and status_base = 'draft'",
            )
            .bind(now)
            .bind(invoice_id.as_str().to_owned())
            .execute(tx.conn())
            .await
            .context("issuing an invoice")?;
            "invoice.issued"
        }
        (Transition::Issue, _) => return Err(bad_request("This invoice has been issued already.")),
        (Transition::Void(reason), StatusBase::Sent | StatusBase::Viewed) => {
            if loaded.view.totals.settled() > 0 {
                return Err(bad_request(
                    "This invoice has payments or credits; credit the balance instead of voiding it.",
                ));
            }
            sqlx::query(
                "update invoices set status_base = 'void', voided_at = $1, void_reason = $2
                 where id = $3 and status_base in ('sent', 'viewed')",
            )
            .bind(now)
            .bind(reason.clone())
            .bind(invoice_id.as_str().to_owned())
            .execute(tx.conn())
            .await
            .context("voiding an invoice")?;
            detail = format!("{detail}: {reason}");
            "invoice.voided"
        }
        (Transition::Void(_), StatusBase::Draft) => {
            return Err(bad_request(
                "Drafts are not issued; there is nothing to void.",
            ));
        }
        (Transition::Void(_), StatusBase::Void) => {
            return Err(bad_request("This invoice is void already."));
        }
    };
    audit::append(
        &mut tx,
        &write_audit(principal, client, action, invoice_id.as_str()).detail(&detail),
    )
    .await?;
    tx.commit()
        .await
        .context("committing an invoice status change")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlx::Connection as _;

    use super::*;
    use crate::domain::{billing::StatusBase, policy::Subject, policy::may_view_invoice};

    /// Evaluates the SQL filter on SQLite for every role and status, and
    /// compares each answer with the policy's.
    #[tokio::test]
    async fn the_draft_filter_names_the_client_role_as_the_policy_does() {
        let mut db = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        let sql = format!(
            "select count(*) from (select $2 as status_base) as i where {}",
            visible_invoice_sql("$1")
        );
        for role in [Role::Admin, Role::Attorney, Role::Staff, Role::Client] {
            for status in [
                StatusBase::Draft,
                StatusBase::Sent,
                StatusBase::Viewed,
                StatusBase::Void,
            ] {
                let rows: i64 = sqlx::query_scalar(&sql)
                    .bind(role.as_str())
                    .bind(status.as_str())
                    .fetch_one(&mut db)
                    .await
                    .unwrap();
                let subject = Subject {
                    user_id: "u".into(),
                    role,
                };
                assert_eq!(
                    rows == 1,
                    may_view_invoice(&subject, status == StatusBase::Draft),
                    "{role:?} and a {status:?} invoice: SQL and policy disagree"
                );
            }
        }
    }
}
