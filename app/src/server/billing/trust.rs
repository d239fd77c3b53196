//! Trust (retainer) money and credits (DESIGN §2.5): staff record deposits
//! into a matter's trust ledger, transfer from trust to an invoice, and
//! credit an invoice.
//!
//! The ledger is the sum of its rows and never goes negative. A transfer
//! locks the matter's row before it reads the balance, inside the write
//! that spends it, so two transfers racing on PostgreSQL (or queued on
//! SQLite's one writer) see each other's spending: the second one that
//! would overdraw is refused.

use anyhow::Context as _;

use super::{bad_request, lock_for_write, require_billing_role, write_audit};
use crate::{
    domain::{
        billing::{Currency, MAX_AMOUNT_MINOR, Money, StatusBase, parse_decimal},
        ids::{InvoiceId, MatterId},
    },
    server::{
        ServiceError,
        audit::{self, AuditEntry, AuditResult},
        auth::{ClientInfo, Principal},
        db::{Db, WriteTx},
        new_id, now_ms,
        policy::authorize_matter_change,
        touchpoints,
    },
};

/// The longest description of a deposit or reason for a credit.
pub const MAX_TRUST_TEXT_CHARS: usize = 200;

/// A deposit as typed in the staff form.
pub struct NewDeposit<'a> {
    /// Major units, `250.00`.
    pub amount: &'a str,
    /// Three-letter code; the firm's default when empty.
    pub currency: &'a str,
    /// `YYYY-MM-DD`, when the money arrived.
    pub date: &'a str,
    /// What it is for, e.g. "Retainer".
    pub description: &'a str,
}

/// Records money received into the matter's trust ledger (staff and
/// admins). Lands in the audit log and on the timeline of the matter's
/// client contacts.
pub async fn record_trust_deposit(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    matter_id: &MatterId,
    deposit: &NewDeposit<'_>,
) -> Result<(), ServiceError> {
    require_billing_role(principal)?;
    authorize_matter_change(db, principal, client, matter_id).await?;
    let currency = match deposit.currency.trim() {
        "" => Currency::from_trusted("GBP".to_owned()),
        code => Currency::parse(code).map_err(bad_request)?,
    };
    let minor = positive_amount(deposit.amount, &currency)?;
    let occurred_at = super::super::clock::firm(db)
        .await?
        .parse_date(deposit.date)
        .map_err(|e| bad_request(format!("Date: {e}")))?;
    let description = bounded_text(deposit.description, "Description")?;
    let money = Money::new(minor, currency.clone());
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "insert into trust_transactions
             (id, account_id, matter_id, kind, amount, currency, description, occurred_at, recorded_by, created_at)
         select $1, m.account_id, m.id, 'deposit', $2, $3, $4, $5, $6, $7 from matters m where m.id = $8",
    )
    .bind(new_id())
    .bind(minor)
    .bind(currency.code().to_owned())
    .bind(description.clone())
    .bind(occurred_at)
    .bind(principal.user_id.to_string())
    .bind(now_ms())
    .bind(matter_id.clone())
    .execute(tx.conn())
    .await
    .context("recording a trust deposit")?;
    audit::append(
        &mut tx,
        &AuditEntry::by(
            principal,
            client,
            "trust.deposit_recorded",
            AuditResult::Success,
        )
        .on(matter_id)
        .detail(format!("{money}: {description}")),
    )
    .await?;
    touchpoints::record_for_matter_clients(
        &mut tx,
        &principal.user_id,
        matter_id,
        "billing.trust_deposit",
        &format!("Trust deposit of {money} received"),
    )
    .await?;
    tx.commit().await.context("committing a trust deposit")?;
    Ok(())
}

/// Pays `amount` (major units) of an issued invoice from its matter's trust
/// money (staff and admins): an application on the ledger and a payment on
/// the invoice, in one transaction. More than the trust balance or the
/// balance due is a 400 that names the limit.
pub async fn transfer_trust_to_invoice(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    invoice_id: &InvoiceId,
    amount: &str,
) -> Result<(), ServiceError> {
    let (mut tx, loaded) = lock_for_write(db, principal, client, invoice_id).await?;
    let invoice = &loaded.view;
    open_for_money(loaded.base)?;
    let minor = positive_amount(amount, &invoice.currency)?;
    if minor > invoice.totals.balance {
        return Err(bad_request(format!(
            "Amount: that is more than the balance due ({}).",
            invoice.money(invoice.totals.balance)
        )));
    }
    let trust = locked_trust_balance(&mut tx, &invoice.matter_id, &invoice.currency).await?;
    if minor > trust {
        return Err(bad_request(format!(
            "Amount: that is more than the trust balance ({}).",
            invoice.money(trust)
        )));
    }
    let now = now_ms();
    sqlx::query(
        "insert into trust_transactions
             (id, account_id, matter_id, kind, amount, currency, description, invoice_id, occurred_at, recorded_by, created_at)
         select $1, m.account_id, m.id, 'application', $2, $3, $4, $5, $6, $7, $6 from matters m where m.id = $8",
    )
    .bind(new_id())
    .bind(-minor)
    .bind(invoice.currency.code().to_owned())
    .bind(format!("Applied to invoice {}", invoice.number))
    .bind(invoice.id.clone())
    .bind(now)
    .bind(principal.user_id.to_string())
    .bind(invoice.matter_id.clone())
    .execute(tx.conn())
    .await
    .context("applying trust money")?;
    sqlx::query(
        "insert into payments (id, invoice_id, amount, received_at, method, recorded_by, created_at)
         values ($1, $2, $3, $4, 'Transfer from trust', $5, $4)",
    )
    .bind(new_id())
    .bind(invoice.id.clone())
    .bind(minor)
    .bind(now)
    .bind(principal.user_id.to_string())
    .execute(tx.conn())
    .await
    .context("recording a trust payment")?;
    let money = invoice.money(minor);
    audit::append(
        &mut tx,
        &write_audit(principal, client, "invoice.trust_applied", &invoice.id)
            .detail(format!("{money} from trust on {}", invoice.number)),
    )
    .await?;
    touchpoints::record_for_matter_clients(
        &mut tx,
        &principal.user_id,
        &invoice.matter_id,
        "billing.trust_applied",
        &format!("{money} paid from trust on invoice {}", invoice.number),
    )
    .await?;
    tx.commit().await.context("committing a trust transfer")?;
    Ok(())
}

/// Credits `amount` (major units) to an issued invoice, with a reason
/// (staff and admins). A credit may not exceed the balance due.
pub async fn add_invoice_credit(
    db: &Db,
    principal: &Principal,
    client: &ClientInfo,
    invoice_id: &InvoiceId,
    amount: &str,
    reason: &str,
) -> Result<(), ServiceError> {
    let (mut tx, loaded) = lock_for_write(db, principal, client, invoice_id).await?;
    let invoice = &loaded.view;
    open_for_money(loaded.base)?;
    let minor = positive_amount(amount, &invoice.currency)?;
    if minor > invoice.totals.balance {
        return Err(bad_request(format!(
            "Amount: that is more than the balance due ({}).",
            invoice.money(invoice.totals.balance)
        )));
    }
    let reason = bounded_text(reason, "Reason")?;
    sqlx::query(
        "insert into credits (id, invoice_id, amount, reason, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(invoice.id.clone())
    .bind(minor)
    .bind(reason.clone())
    .bind(principal.user_id.to_string())
    .bind(now_ms())
    .execute(tx.conn())
    .await
    .context("recording a credit")?;
    let money = invoice.money(minor);
    audit::append(
        &mut tx,
        &write_audit(principal, client, "invoice.credited", &invoice.id)
            .detail(format!("{money} on {}: {reason}", invoice.number)),
    )
    .await?;
    touchpoints::record_for_matter_clients(
        &mut tx,
        &principal.user_id,
        &invoice.matter_id,
        "billing.credit",
        &format!("Credit of {money} on invoice {}", invoice.number),
    )
    .await?;
    tx.commit().await.context("committing a credit")?;
    Ok(())
}

/// Money moves only on an issued invoice that is not void.
fn open_for_money(base: StatusBase) -> Result<(), ServiceError> {
    match base {
        StatusBase::Draft => Err(bad_request("Issue the invoice first.")),
        StatusBase::Void => Err(bad_request("This invoice is void.")),
        StatusBase::Sent | StatusBase::Viewed => Ok(()),
    }
}

/// A typed amount in minor units: more than zero, within the bound.
fn positive_amount(raw: &str, currency: &Currency) -> Result<i64, ServiceError> {
    let minor = parse_decimal(raw, currency.minor_digits(), MAX_AMOUNT_MINOR, "Amount")
        .map_err(bad_request)?;
    if minor == 0 {
        return Err(bad_request("Amount: enter more than zero."));
    }
    Ok(minor)
}

/// Trimmed text of 1 to [`MAX_TRUST_TEXT_CHARS`] characters.
pub(super) fn bounded_text(raw: &str, what: &str) -> Result<String, ServiceError> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > MAX_TRUST_TEXT_CHARS {
        return Err(bad_request(format!(
            "{what}: write 1 to {MAX_TRUST_TEXT_CHARS} characters."
        )));
    }
    Ok(text.to_owned())
}

/// The matter's trust balance in `currency`, read after locking the
/// matter's row in this write: a concurrent transfer waits here until this
/// one commits, then sees what it spent.
async fn locked_trust_balance(
    tx: &mut WriteTx,
    matter_id: &MatterId,
    currency: &Currency,
) -> anyhow::Result<i64> {
    sqlx::query("update matters set id = id where id = $1")
        .bind(matter_id.clone())
        .execute(tx.conn())
        .await
        .context("locking a matter's trust ledger")?;
    let (balance,): (i64,) = sqlx::query_as(
        "select cast(coalesce(sum(amount), 0) as bigint) from trust_transactions
         where matter_id = $1 and currency = $2",
    )
    .bind(matter_id.clone())
    .bind(currency.code().to_owned())
    .fetch_one(tx.conn())
    .await
    .context("reading a trust balance")?;
    Ok(balance)
}
