//! The demo firm's statements: paid, partly paid with a credit, overdue,
//! sent, void and draft invoices, and trust balances.

use anyhow::Context as _;
use sqlx::AnyConnection;

use super::insert_lines;
use crate::{
    domain::{
        billing::{LineKind, line_amount, line_tax},
        time::DAY_MS,
    },
    server::new_id,
};

/// A demo invoice: (matter number, status base, issued days ago, terms
/// days, lines (kind, description, hundredths, unit pence, tax bp),
/// payments in pence, credits (pence, reason)).
type DemoInvoice = (
    &'static str,
    &'static str,
    i64,
    i64,
    &'static [(&'static str, &'static str, i64, i64, i64)],
    &'static [i64],
    &'static [(i64, &'static str)],
);

const DEMO_INVOICES: &[DemoInvoice] = &[
    // Alice (Moreau Bakery): paid, partially paid with a credit, overdue, draft.
    (
        "LIT-2026-0012",
        "viewed",
        100,
        30,
        &[
            (
                "time",
                "Review of lease and notice of dispute",
                350,
                28_000,
                2_000,
            ),
            ("time", "Letter before action", 120, 28_000, 2_000),
            ("expense", "Land Registry official copies", 100, 700, 0),
        ],
        &[158_620],
        &[],
    ),
    (
        "LIT-2026-0012",
        "viewed",
        20,
        30,
        &[
            ("time", "Drafting particulars of claim", 425, 28_000, 2_000),
            ("expense", "Court issue fee", 100, 45_500, 0),
        ],
        &[50_000],
        &[(2_500, "Goodwill discount on drafting time")],
    ),
    (
        "COR-2026-0031",
        "sent",
        45,
        14,
        &[
            ("time", "Heads of terms negotiation", 275, 32_000, 2_000),
            ("expense", "Companies House searches", 300, 150, 2_000),
        ],
        &[],
        &[],
    ),
    (
        "COR-2026-0031",
        "draft",
        0,
        30,
        &[(
            "time",
            "Due diligence questionnaire review",
            200,
            32_000,
            2_000,
        )],
        &[],
        &[],
    ),
    // Bob (Brightwater Logistics): sent, void, paid.
    (
        "LIT-2026-0019",
        "sent",
        5,
        30,
        &[
            ("time", "Freight contract analysis", 600, 30_000, 2_000),
            ("expense", "Expert report (logistics)", 100, 120_000, 2_000),
        ],
        &[],
        &[],
    ),
    (
        "LIT-2026-0019",
        "void",
        40,
        30,
        &[("time", "Duplicate of an earlier bill", 100, 30_000, 2_000)],
        &[],
        &[],
    ),
    (
        "EMP-2026-0007",
        "viewed",
        50,
        30,
        &[("time", "Consultation process advice", 400, 26_000, 2_000)],
        &[124_800],
        &[],
    ),
];

/// Trust ledger entries: (matter number, days ago, pence, description).
const DEMO_TRUST: &[(&str, i64, i64, &str)] = &[
    ("LIT-2026-0012", 110, 500_000, "Retainer deposit"),
    (
        "LIT-2026-0012",
        60,
        -158_620,
        "Applied to the first statement",
    ),
    ("COR-2026-0031", 40, 250_000, "Retainer deposit"),
    ("LIT-2026-0019", 190, 1_000_000, "Retainer deposit"),
    ("LIT-2026-0019", 30, -200_000, "Applied to counsel's fees"),
    ("EMP-2026-0007", 55, 150_000, "Retainer deposit"),
];

/// Adds statements and trust balances for the demo clients, Alice and Bob:
/// invoices in every status (paid, partially paid with a credit, overdue,
/// sent, void, and a draft they cannot see). Runs inside the demo seed's
/// transaction, after the matters exist.
pub async fn seed_billing(
    conn: &mut AnyConnection,
    now: i64,
    staff_email: &str,
) -> anyhow::Result<()> {
    let (staff,): (String,) = sqlx::query_as("select id from users where email = $1")
        .bind(staff_email.to_owned())
        .fetch_one(&mut *conn)
        .await
        .context("finding the demo staff member")?;
    let (year, _, _) = crate::domain::time::civil_date(now);
    for (seq, &(matter, base, days_ago, terms, lines, payments, credits)) in
        (1_i64..).zip(DEMO_INVOICES)
    {
        let id = new_id();
        let number = format!("INV-{year:04}-{seq:04}");
        let created_at = now - days_ago * DAY_MS;
        let issued_at = (base != "draft").then_some(created_at);
        let due_at = issued_at.map(|at| at + terms * DAY_MS);
        sqlx::query(
            "insert into invoices (id, number, matter_id, account_id, currency, status_base, terms_days,
                                   issued_at, due_at, viewed_at, voided_at, created_by, created_at)
             select $1, $2, m.id, m.account_id, 'GBP', $3, $4, $5, $6, $7, $8, $9, $10
             from matters m where m.number = $11",
        )
        .bind(id.clone())
        .bind(number.clone())
        .bind(base)
        .bind(terms)
        .bind(issued_at)
        .bind(due_at)
        .bind((base == "viewed").then_some(created_at + DAY_MS))
        .bind((base == "void").then_some(created_at + DAY_MS))
        .bind(staff.clone())
        .bind(created_at)
        .bind(matter)
        .execute(&mut *conn)
        .await
        .with_context(|| format!("inserting demo invoice {number}"))?;
        let mut valid = Vec::with_capacity(lines.len());
        for &(kind, description, quantity, unit, rate) in lines {
            let amount = line_amount(quantity, unit).context("demo line amount")?;
            valid.push(crate::domain::billing::ValidLine {
                kind: LineKind::parse(kind).context("demo line kind")?,
                description: description.to_owned(),
                quantity,
                unit_amount: unit,
                tax_rate_bp: rate,
                amount,
                tax: line_tax(amount, rate).context("demo line tax")?,
            });
        }
        insert_lines(conn, &id, &valid).await?;
        for &amount in payments {
            sqlx::query(
                "insert into payments (id, invoice_id, amount, received_at, method, recorded_by, created_at)
                 values ($1, $2, $3, $4, 'Bank transfer', $5, $4)",
            )
            .bind(new_id())
            .bind(id.clone())
            .bind(amount)
            .bind(created_at + 10 * DAY_MS)
            .bind(staff.clone())
            .execute(&mut *conn)
            .await
            .context("inserting a demo payment")?;
        }
        for &(amount, reason) in credits {
            sqlx::query(
                "insert into credits (id, invoice_id, amount, reason, created_by, created_at)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new_id())
            .bind(id.clone())
            .bind(amount)
            .bind(reason)
            .bind(staff.clone())
            .bind(created_at + 2 * DAY_MS)
            .execute(&mut *conn)
            .await
            .context("inserting a demo credit")?;
        }
    }
    for &(matter, days_ago, amount, description) in DEMO_TRUST {
        let at = now - days_ago * DAY_MS;
        sqlx::query(
            "insert into trust_transactions (id, account_id, matter_id, kind, amount, currency,
                                             description, occurred_at, recorded_by, created_at)
             select $1, m.account_id, m.id, $2, $3, 'GBP', $4, $5, $6, $5
             from matters m where m.number = $7",
        )
        .bind(new_id())
        .bind(if amount > 0 { "deposit" } else { "application" })
        .bind(amount)
        .bind(description)
        .bind(at)
        .bind(staff.clone())
        .bind(matter)
        .execute(&mut *conn)
        .await
        .context("inserting a demo trust transaction")?;
    }
    Ok(())
}
