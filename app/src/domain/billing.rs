//! Billing statements (DESIGN §2.5): money, tax rounding, invoice status and
//! the read models the portal shows. Pure: no I/O, compiled for wasm too.
//!
//! Amounts are `i64` minor units (pence, cents) with an ISO 4217 currency,
//! never floats. All arithmetic is checked, so an overflow is a clear error
//! instead of a wrapped total.
//!
//! **Tax rounding rule.** Tax is computed *per line*: `amount × rate_bp /
//! 10 000`, rounded half up (halves away from zero) to the minor unit; the
//! invoice's tax is the sum of its lines' rounded taxes. Per-line rounding
//! means each printed line adds up on its own, which is what clients check
//! by hand, at the cost of a possible one-minor-unit difference from taxing
//! the subtotal once. [`line_tax`] is the only place the rule lives.

use serde::{Deserialize, Serialize};

use super::ids::MatterId;
pub use super::money::{Currency, Money, MoneyError};

/// The most lines one invoice may have.
pub const MAX_LINES: usize = 50;
/// The longest line description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 300;
/// The highest tax rate accepted, in basis points (100 %).
pub const MAX_TAX_RATE_BP: i64 = 10_000;
/// The largest quantity on a line, in hundredths (1,000,000.00 units).
pub const MAX_QUANTITY_HUNDREDTHS: i64 = 100_000_000;
/// The largest single amount typed into a form, in minor units. Far above
/// any real legal bill, and small enough that a line times its quantity
/// and tax can never approach `i64::MAX`.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000;
/// The longest payment method or reference.
pub const MAX_METHOD_CHARS: usize = 100;

/// Divides `numerator` by a positive `denominator`, rounding half away from
/// zero. Done in `i128`, so the product that feeds it cannot overflow.
fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

/// The tax on one line of `amount` minor units at `rate_bp` basis points
/// (2,000 bp = 20 %), rounded half up to the minor unit. `None` when the
/// result does not fit in an `i64`. See the module documentation for why
/// tax is rounded per line.
pub fn line_tax(amount: i64, rate_bp: i64) -> Option<i64> {
    let tax = div_round_half_up(i128::from(amount) * i128::from(rate_bp), 10_000);
    i64::try_from(tax).ok()
}

/// A line's amount: `quantity` in hundredths (1.50 hours = 150) times the
/// unit amount, rounded half up to the minor unit. `None` on overflow.
pub fn line_amount(quantity_hundredths: i64, unit_amount: i64) -> Option<i64> {
    let amount = div_round_half_up(
        i128::from(quantity_hundredths) * i128::from(unit_amount),
        100,
    );
    i64::try_from(amount).ok()
}

/// Parses a non-negative decimal typed in a form (`1,234.5`, `20`, `0.75`)
/// into an integer scaled by `10^digits`, refusing more fractional digits
/// than that, signs, exponents and anything above `max`. Never goes through
/// a float.
pub fn parse_decimal(raw: &str, digits: u32, max: i64, what: &str) -> Result<i64, String> {
    let text: String = raw.trim().chars().filter(|c| *c != ',').collect();
    let bad = || {
        format!(
            "{what}: \"{}\" is not a number such as 1234.50.",
            raw.chars().take(30).collect::<String>()
        )
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    if fraction.len() > digits as usize {
        return Err(format!(
            "{what}: use at most {digits} digits after the decimal point."
        ));
    }
    let too_large = || format!("{what} is too large.");
    let scale = 10_i64.pow(digits);
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        // Leading zeros aside, more than 18 digits cannot fit in an i64.
        whole.trim_start_matches('0').parse::<i64>().or_else(|_| {
            if whole.bytes().all(|b| b == b'0') {
                Ok(0)
            } else {
                Err(too_large())
            }
        })?
    };
    let padded = format!("{fraction:0<width$}", width = digits as usize);
    let fraction: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().map_err(|_| bad())?
    };
    let value = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(too_large)?;
    if value > max {
        return Err(too_large());
    }
    Ok(value)
}

/// The stored part of an invoice's status. The rest (partially paid, paid,
/// overdue) follows from payments, credits and the due date, and is
/// computed by [`derive_status`] rather than stored, so it can never go
/// stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusBase {
    /// Being prepared; clients never see it.
    Draft,
    /// Issued to the client.
    Sent,
    /// Issued, and the client has opened it.
    Viewed,
    /// Cancelled; it no longer asks for payment.
    Void,
}

impl StatusBase {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent => "sent",
            Self::Viewed => "viewed",
            Self::Void => "void",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "draft" => Some(Self::Draft),
            "sent" => Some(Self::Sent),
            "viewed" => Some(Self::Viewed),
            "void" => Some(Self::Void),
            _ => None,
        }
    }
}

/// An invoice's status as people see it (DESIGN §2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceStatus {
    /// Being prepared.
    Draft,
    /// Issued, not yet opened by the client.
    Sent,
    /// Opened by the client.
    Viewed,
    /// Some of it has been paid or credited.
    PartiallyPaid,
    /// Payments and credits cover the total.
    Paid,
    /// Past its due date with a balance.
    Overdue,
    /// Cancelled.
    Void,
}

impl InvoiceStatus {
    /// Issued and not yet settled or void: there is something to pay.
    pub fn is_payable(self) -> bool {
        matches!(
            self,
            Self::Sent | Self::Viewed | Self::PartiallyPaid | Self::Overdue
        )
    }

    /// The label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Sent => "Sent",
            Self::Viewed => "Viewed",
            Self::PartiallyPaid => "Partially paid",
            Self::Paid => "Paid",
            Self::Overdue => "Overdue",
            Self::Void => "Void",
        }
    }

    /// A CSS class suffix for the status tag.
    pub fn css(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent | Self::Viewed => "open",
            Self::PartiallyPaid => "partial",
            Self::Paid => "paid",
            Self::Overdue => "overdue",
            Self::Void => "void",
        }
    }
}

/// The status of an invoice with stored status `base`, a `total`,
/// `settled` = payments + credits, due at `due_at` (UTC ms), at `now`.
///
/// Draft and void win over everything. An issued invoice whose payments
/// and credits cover its total is paid; one with a balance past its due
/// date is overdue (even if partly paid: the balance is what is late);
/// otherwise some payment makes it partially paid, and none leaves it sent
/// or viewed.
pub fn derive_status(
    base: StatusBase,
    total: i64,
    settled: i64,
    due_at: Option<i64>,
    now: i64,
) -> InvoiceStatus {
    match base {
        StatusBase::Draft => return InvoiceStatus::Draft,
        StatusBase::Void => return InvoiceStatus::Void,
        StatusBase::Sent | StatusBase::Viewed => {}
    }
    if settled >= total {
        return InvoiceStatus::Paid;
    }
    if due_at.is_some_and(|due| now > due) {
        return InvoiceStatus::Overdue;
    }
    if settled > 0 {
        return InvoiceStatus::PartiallyPaid;
    }
    if base == StatusBase::Viewed {
        InvoiceStatus::Viewed
    } else {
        InvoiceStatus::Sent
    }
}

/// What a line adds to an invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineAmounts {
    /// Before tax.
    pub amount: i64,
    /// The rounded tax on it.
    pub tax: i64,
}

/// An invoice's sums, all in its currency's minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// The sum of line amounts.
    pub subtotal: i64,
    /// The sum of line taxes.
    pub tax: i64,
    /// Subtotal plus tax.
    pub total: i64,
    /// Payments received.
    pub paid: i64,
    /// Credits given.
    pub credited: i64,
    /// What is still owed: total − paid − credited (negative if overpaid).
    pub balance: i64,
}

impl Totals {
    /// Adds up `lines`, `payments` and `credits`, refusing overflow.
    pub fn compute(
        lines: &[LineAmounts],
        payments: &[i64],
        credits: &[i64],
    ) -> Result<Self, MoneyError> {
        fn sum(mut values: impl Iterator<Item = i64>) -> Result<i64, MoneyError> {
            values.try_fold(0_i64, |acc, v| {
                acc.checked_add(v).ok_or(MoneyError::Overflow)
            })
        }
        Self::from_sums(
            sum(lines.iter().map(|l| l.amount))?,
            sum(lines.iter().map(|l| l.tax))?,
            sum(payments.iter().copied())?,
            sum(credits.iter().copied())?,
        )
    }

    /// The totals from sums already taken (for example by the database).
    pub fn from_sums(
        subtotal: i64,
        tax: i64,
        paid: i64,
        credited: i64,
    ) -> Result<Self, MoneyError> {
        let total = subtotal.checked_add(tax).ok_or(MoneyError::Overflow)?;
        let balance = total
            .checked_sub(paid)
            .and_then(|b| b.checked_sub(credited))
            .ok_or(MoneyError::Overflow)?;
        Ok(Self {
            subtotal,
            tax,
            total,
            paid,
            credited,
            balance,
        })
    }

    /// Payments plus credits, saturating (both are bounded far below).
    pub fn settled(&self) -> i64 {
        self.paid.saturating_add(self.credited)
    }
}

/// Whether a line is for time or an expense.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineKind {
    /// Time worked (quantity in hours).
    Time,
    /// A disbursement or expense.
    Expense,
}

impl LineKind {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Time => "time",
            Self::Expense => "expense",
        }
    }

    /// Parses the stored or submitted form.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "time" => Some(Self::Time),
            "expense" => Some(Self::Expense),
            _ => None,
        }
    }
}

/// One invoice line as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLineView {
    /// Time or expense.
    pub kind: LineKind,
    /// What it was for.
    pub description: String,
    /// Quantity in hundredths.
    pub quantity: i64,
    /// Price per unit.
    pub unit_amount: Money,
    /// Quantity × unit price, rounded.
    pub amount: Money,
    /// Tax rate in basis points.
    pub tax_rate_bp: i64,
    /// The rounded tax on this line.
    pub tax: Money,
}

/// One invoice in a list or statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceView {
    /// The invoice id.
    pub id: String,
    /// Its number, e.g. `INV-2026-0001`.
    pub number: String,
    /// The matter it bills.
    pub matter_id: MatterId,
    /// The matter's number.
    pub matter_number: String,
    /// The matter's title.
    pub matter_title: String,
    /// Its currency.
    pub currency: Currency,
    /// When it was issued (UTC ms); `None` for drafts.
    pub issued_at: Option<i64>,
    /// When payment is due (UTC ms).
    pub due_at: Option<i64>,
    /// Its derived status.
    pub status: InvoiceStatus,
    /// Its sums.
    pub totals: Totals,
    /// Its lines, in order.
    pub lines: Vec<InvoiceLineView>,
    /// Why staff voided it; only ever sent to the firm.
    pub void_reason: Option<String>,
}

impl InvoiceView {
    /// `minor` in this invoice's currency.
    pub fn money(&self, minor: i64) -> Money {
        Money::new(minor, self.currency.clone())
    }

    /// The paid-and-credited share of the total, in per mille (0–1000), for
    /// the paid-vs-outstanding bar.
    pub fn settled_per_mille(&self) -> i64 {
        let total = self.totals.total;
        if total <= 0 {
            return 1000;
        }
        let settled = i128::from(self.totals.settled().clamp(0, total));
        i64::try_from(settled * 1000 / i128::from(total)).unwrap_or(1000)
    }
}

/// The trust (retainer) balance held for one matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustBalanceView {
    /// The matter.
    pub matter_id: MatterId,
    /// Its number.
    pub matter_number: String,
    /// Its title.
    pub matter_title: String,
    /// Deposits minus applications.
    pub balance: Money,
}

/// The billing page: the invoices and trust balances the user may see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingView {
    /// Newest first.
    pub invoices: Vec<InvoiceView>,
    /// One per matter and currency with ledger entries.
    pub trust: Vec<TrustBalanceView>,
    /// Whether the user may create invoices and record payments.
    pub may_manage: bool,
}

/// A line typed into the "new invoice" form. Every field is text, parsed by
/// the server with [`parse_decimal`] so no float ever touches an amount.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInvoiceLine {
    /// `time` or `expense`.
    #[serde(default)]
    pub kind: String,
    /// What it was for.
    #[serde(default)]
    pub description: String,
    /// Hours or units, e.g. `1.5`.
    #[serde(default)]
    pub quantity: String,
    /// Price per unit, e.g. `250.00`.
    #[serde(default)]
    pub unit_amount: String,
    /// Tax rate in percent, e.g. `20`.
    #[serde(default)]
    pub tax_rate: String,
}

impl NewInvoiceLine {
    /// True for a form row left empty; such rows are skipped.
    pub fn is_blank(&self) -> bool {
        self.description.trim().is_empty()
            && self.quantity.trim().is_empty()
            && self.unit_amount.trim().is_empty()
    }
}

/// A new invoice, as submitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInvoice {
    /// The matter to bill.
    #[serde(default)]
    pub matter_id: String,
    /// ISO 4217 code.
    #[serde(default)]
    pub currency: String,
    /// Days from issue until payment is due.
    #[serde(default)]
    pub due_in_days: String,
    /// `"true"`/`"on"` to issue it at once; otherwise it stays a draft.
    #[serde(default)]
    pub issue: Option<String>,
    /// Its lines; blank rows are skipped.
    #[serde(default)]
    pub lines: Vec<NewInvoiceLine>,
}

/// A line that passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidLine {
    /// Time or expense.
    pub kind: LineKind,
    /// Trimmed description.
    pub description: String,
    /// Hundredths.
    pub quantity: i64,
    /// Minor units.
    pub unit_amount: i64,
    /// Basis points.
    pub tax_rate_bp: i64,
    /// Quantity × unit, rounded.
    pub amount: i64,
    /// Rounded tax.
    pub tax: i64,
}

/// Validates the submitted lines in `currency`: at least one, at most
/// [`MAX_LINES`], each bounded. Blank rows are dropped. The message says
/// which line is wrong.
pub fn validate_lines(
    lines: &[NewInvoiceLine],
    currency: &Currency,
) -> Result<Vec<ValidLine>, String> {
    let filled: Vec<&NewInvoiceLine> = lines.iter().filter(|l| !l.is_blank()).collect();
    if filled.is_empty() {
        return Err("Add at least one line.".to_owned());
    }
    if filled.len() > MAX_LINES {
        return Err(format!("An invoice can have at most {MAX_LINES} lines."));
    }
    let mut valid = Vec::with_capacity(filled.len());
    for (i, line) in filled.into_iter().enumerate() {
        let n = i + 1;
        let kind = LineKind::parse(&line.kind)
            .ok_or_else(|| format!("Line {n}: choose time or expense."))?;
        let description = line.description.trim().to_owned();
        if description.is_empty() {
            return Err(format!("Line {n}: describe the work or expense."));
        }
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(format!(
                "Line {n}: keep the description under {MAX_DESCRIPTION_CHARS} characters."
            ));
        }
        let what = format!("Line {n} quantity");
        let quantity = parse_decimal(&line.quantity, 2, MAX_QUANTITY_HUNDREDTHS, &what)?;
        if quantity == 0 {
            return Err(format!("Line {n}: the quantity must be more than zero."));
        }
        let what = format!("Line {n} unit price");
        let unit_amount = parse_decimal(
            &line.unit_amount,
            currency.minor_digits(),
            MAX_AMOUNT_MINOR,
            &what,
        )?;
        let tax_rate_bp = if line.tax_rate.trim().is_empty() {
            0
        } else {
            parse_decimal(
                &line.tax_rate,
                2,
                MAX_TAX_RATE_BP,
                &format!("Line {n} tax rate"),
            )?
        };
        let too_large = || format!("Line {n}: the amount is too large.");
        let amount = line_amount(quantity, unit_amount).ok_or_else(too_large)?;
        let tax = line_tax(amount, tax_rate_bp).ok_or_else(too_large)?;
        valid.push(ValidLine {
            kind,
            description,
            quantity,
            unit_amount,
            tax_rate_bp,
            amount,
            tax,
        });
    }
    Ok(valid)
}

/// A quantity in hundredths as text: `1.5`, `2`, `0.25`.
pub fn format_quantity(hundredths: i64) -> String {
    let whole = hundredths / 100;
    let frac = (hundredths % 100).abs();
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// A tax rate in basis points as a percentage: `20%`, `7.5%`.
pub fn format_rate(bp: i64) -> String {
    format!("{}%", format_quantity(bp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{format_date, parse_date};

    fn gbp(minor: i64) -> Money {
        Money::new(minor, Currency::parse("GBP").unwrap())
    }

    #[test]
    fn money_is_formatted_with_symbol_grouping_and_minor_digits() {
        assert_eq!(gbp(123_450).to_string(), "£1,234.50");
        assert_eq!(gbp(5).to_string(), "£0.05");
        assert_eq!(gbp(-1_200).to_string(), "-£12.00");
        assert_eq!(gbp(100_000_000).to_string(), "£1,000,000.00");
        let usd = Money::new(99, Currency::parse("usd").unwrap());
        assert_eq!(usd.to_string(), "$0.99");
        let eur = Money::new(100_000, Currency::parse("EUR").unwrap());
        assert_eq!(eur.to_string(), "€1,000.00");
        let chf = Money::new(123_450, Currency::parse("CHF").unwrap());
        assert_eq!(chf.to_string(), "1,234.50 CHF");
        let jpy = Money::new(1_500, Currency::parse("JPY").unwrap());
        assert_eq!(jpy.to_string(), "¥1,500");
        let kwd = Money::new(1_234, Currency::parse("KWD").unwrap());
        assert_eq!(kwd.to_string(), "1.234 KWD");
        assert_eq!(gbp(i64::MIN).to_string(), "-£92,233,720,368,547,758.08");
    }

    #[test]
    fn money_arithmetic_is_checked_and_refuses_mixed_currencies() {
        assert_eq!(gbp(150).checked_add(&gbp(250)), Ok(gbp(400)));
        assert_eq!(gbp(150).checked_sub(&gbp(250)), Ok(gbp(-100)));
        assert_eq!(
            gbp(i64::MAX).checked_add(&gbp(1)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            gbp(i64::MIN).checked_sub(&gbp(1)),
            Err(MoneyError::Overflow)
        );
        let usd = Money::new(1, Currency::parse("USD").unwrap());
        assert_eq!(gbp(1).checked_add(&usd), Err(MoneyError::CurrencyMismatch));
    }

    #[test]
    fn currency_codes_must_be_three_letters() {
        assert_eq!(Currency::parse(" gbp ").unwrap().code(), "GBP");
        for bad in ["", "GB", "GBPX", "G1P", "££", "€"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tax_is_rounded_half_up_per_line() {
        // 20 % of £0.13 is 2.6p → 3p; of £0.12 is 2.4p → 2p.
        assert_eq!(line_tax(13, 2_000), Some(3));
        assert_eq!(line_tax(12, 2_000), Some(2));
        // Exactly half a penny rounds up: 5 % of 10p is 0.5p → 1p.
        assert_eq!(line_tax(10, 500), Some(1));
        // Negative amounts (refund lines) round away from zero.
        assert_eq!(line_tax(-10, 500), Some(-1));
        assert_eq!(line_tax(123_456, 0), Some(0));
        assert_eq!(line_tax(i64::MAX, 10_000), Some(i64::MAX));
        // Two lines of 2.5p tax each round to 3p + 3p = 6p, not 5p once.
        let lines: Vec<LineAmounts> = [25, 25]
            .into_iter()
            .map(|amount| LineAmounts {
                amount,
                tax: line_tax(amount, 1_000).unwrap(),
            })
            .collect();
        assert_eq!(Totals::compute(&lines, &[], &[]).unwrap().tax, 6);
    }

    #[test]
    fn line_amounts_multiply_hundredths_of_a_unit_exactly() {
        // 1.5 hours at £250.00.
        assert_eq!(line_amount(150, 25_000), Some(37_500));
        // 0.33 hours at £100.01 = £33.0033 → £33.00.
        assert_eq!(line_amount(33, 10_001), Some(3_300));
        // 0.5 × 1p = 0.5p → 1p.
        assert_eq!(line_amount(50, 1), Some(1));
        assert_eq!(line_amount(i64::MAX, i64::MAX), None);
    }

    #[test]
    fn totals_add_lines_tax_payments_and_credits_exactly() {
        let lines = [
            LineAmounts {
                amount: 37_500,
                tax: 7_500,
            },
            LineAmounts {
                amount: 4_999,
                tax: 1_000,
            },
        ];
        let t = Totals::compute(&lines, &[20_000], &[1_000]).unwrap();
        assert_eq!(
            t,
            Totals {
                subtotal: 42_499,
                tax: 8_500,
                total: 50_999,
                paid: 20_000,
                credited: 1_000,
                balance: 29_999,
            }
        );
        let huge = [LineAmounts {
            amount: i64::MAX,
            tax: 1,
        }];
        assert_eq!(Totals::compute(&huge, &[], &[]), Err(MoneyError::Overflow));
    }

    #[test]
    fn status_follows_payments_credits_and_the_due_date() {
        use InvoiceStatus as S;
        let due = Some(1_000);
        let base = StatusBase::Sent;
        assert_eq!(
            derive_status(StatusBase::Draft, 100, 100, due, 5_000),
            S::Draft
        );
        assert_eq!(derive_status(StatusBase::Void, 100, 0, due, 5_000), S::Void);
        assert_eq!(derive_status(base, 100, 0, due, 500), S::Sent);
        assert_eq!(
            derive_status(StatusBase::Viewed, 100, 0, due, 500),
            S::Viewed
        );
        assert_eq!(derive_status(base, 100, 40, due, 500), S::PartiallyPaid);
        assert_eq!(derive_status(base, 100, 100, due, 500), S::Paid);
        assert_eq!(derive_status(base, 100, 120, due, 500), S::Paid);
        // Past due with a balance is overdue, paid or not in part...
        assert_eq!(derive_status(base, 100, 0, due, 1_001), S::Overdue);
        assert_eq!(
            derive_status(StatusBase::Viewed, 100, 40, due, 1_001),
            S::Overdue
        );
        // ...but never once settled, and not on the due instant itself.
        assert_eq!(derive_status(base, 100, 100, due, 9_999), S::Paid);
        assert_eq!(derive_status(base, 100, 0, due, 1_000), S::Sent);
        assert_eq!(derive_status(base, 100, 0, None, 9_999), S::Sent);
    }

    #[test]
    fn form_decimals_parse_without_floats_and_within_bounds() {
        assert_eq!(parse_decimal("1,234.5", 2, i64::MAX, "x"), Ok(123_450));
        assert_eq!(parse_decimal(" 20 ", 2, i64::MAX, "x"), Ok(2_000));
        assert_eq!(parse_decimal(".75", 2, i64::MAX, "x"), Ok(75));
        assert_eq!(parse_decimal("0007", 0, i64::MAX, "x"), Ok(7));
        assert_eq!(parse_decimal("0", 2, i64::MAX, "x"), Ok(0));
        for bad in ["", ".", "-1", "1e3", "1.234", "abc", "1.2.3", "+5", "NaN"] {
            assert!(parse_decimal(bad, 2, i64::MAX, "x").is_err(), "{bad}");
        }
        assert!(parse_decimal("99999999999999999999", 2, i64::MAX, "x").is_err());
        assert!(parse_decimal("100.01", 2, 10_000, "x").is_err());
    }

    #[test]
    fn blank_rows_are_skipped_and_bad_lines_are_named() {
        let gbp = Currency::parse("GBP").unwrap();
        let line = |d: &str, q: &str, u: &str, t: &str| NewInvoiceLine {
            kind: "time".into(),
            description: d.into(),
            quantity: q.into(),
            unit_amount: u.into(),
            tax_rate: t.into(),
        };
        let valid = validate_lines(
            &[
                line("Advice", "1.5", "250", "20"),
                NewInvoiceLine::default(),
            ],
            &gbp,
        )
        .unwrap();
        assert_eq!(valid.len(), 1);
        assert_eq!((valid[0].amount, valid[0].tax), (37_500, 7_500));
        assert!(validate_lines(&[NewInvoiceLine::default()], &gbp).is_err());
        let err = validate_lines(&[line("A", "1", "1", ""), line("B", "0", "1", "")], &gbp);
        assert_eq!(
            err,
            Err("Line 2: the quantity must be more than zero.".to_owned())
        );
        let long = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert!(validate_lines(&[line(&long, "1", "1", "")], &gbp).is_err());
        assert!(validate_lines(&[line("A", "1", "1", "100.01")], &gbp).is_err());
        let many = vec![line("A", "1", "1", ""); MAX_LINES + 1];
        assert!(validate_lines(&many, &gbp).is_err());
    }

    #[test]
    fn dates_round_trip_through_the_form_format() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert_eq!(parse_date("2000-02-29"), Ok(951_782_400_000));
        assert_eq!(format_date(951_782_400_000 + 3_600_000), "2000-02-29");
        assert!(parse_date("2025-02-29").is_err());
        assert!(parse_date("yesterday").is_err());
    }

    #[test]
    fn quantities_and_rates_are_shown_without_trailing_zeros() {
        assert_eq!(format_quantity(150), "1.5");
        assert_eq!(format_quantity(200), "2");
        assert_eq!(format_quantity(25), "0.25");
        assert_eq!(format_rate(2_000), "20%");
        assert_eq!(format_rate(750), "7.5%");
    }

    #[test]
    fn the_settled_share_is_capped_for_the_bar() {
        let view = |total: i64, paid: i64| InvoiceView {
            id: String::new(),
            number: String::new(),
            matter_id: MatterId::from_trusted(String::new()),
            matter_number: String::new(),
            matter_title: String::new(),
            currency: Currency::parse("GBP").unwrap(),
            issued_at: None,
            due_at: None,
            status: InvoiceStatus::Sent,
            totals: Totals::from_sums(total, 0, paid, 0).unwrap(),
            lines: Vec::new(),
            void_reason: None,
        };
        assert_eq!(view(1_000, 250).settled_per_mille(), 250);
        assert_eq!(view(1_000, 2_000).settled_per_mille(), 1000);
        assert_eq!(view(0, 0).settled_per_mille(), 1000);
    }
}
