//! Money: integer minor units (pence, cents) in an ISO 4217 currency, never
//! floats, with checked arithmetic. Billing and, later, trust accounting and
//! the CRM's forecasts all count in it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code: three uppercase ASCII letters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Currency(String);

impl Currency {
    /// Parses a code such as `GBP` (surrounding spaces and lowercase are
    /// accepted and normalised).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(format!(
                "\"{}\" is not a currency code; use three letters such as GBP, EUR or USD.",
                raw.chars().take(20).collect::<String>()
            ))
        }
    }

    /// Wraps a code read back from our own database.
    pub fn from_trusted(code: String) -> Self {
        Self(code)
    }

    /// The code, e.g. `GBP`.
    pub fn code(&self) -> &str {
        &self.0
    }

    /// How many digits the minor unit has: 2 for most currencies, 0 for
    /// the yen and a few others, 3 for the Gulf dinars (ISO 4217 table).
    pub fn minor_digits(&self) -> u32 {
        match self.0.as_str() {
            "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "XAF" | "XOF" | "UGX" | "PYG" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
            _ => 2,
        }
    }

    /// The symbol written before the amount, for the currencies that have a
    /// familiar one; others are written as a code after the amount.
    fn symbol(&self) -> Option<&'static str> {
        match self.0.as_str() {
            "GBP" => Some("£"),
            "USD" => Some("$"),
            "EUR" => Some("€"),
            "JPY" => Some("¥"),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount of money: integer minor units in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// The amount in minor units (pence for GBP).
    pub minor: i64,
    /// Its currency.
    pub currency: Currency,
}

/// Why arithmetic on [`Money`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyError {
    /// The result does not fit in an `i64`.
    Overflow,
    /// The two amounts are in different currencies.
    CurrencyMismatch,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Overflow => "The amounts are too large to add up.",
            Self::CurrencyMismatch => "The amounts are in different currencies.",
        })
    }
}

impl Money {
    /// `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// `self + other`, refusing overflow and mixed currencies.
    pub fn checked_add(&self, other: &Self) -> Result<Self, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(minor, self.currency.clone()))
    }

    /// `self - other`, refusing overflow and mixed currencies.
    pub fn checked_sub(&self, other: &Self) -> Result<Self, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(minor, self.currency.clone()))
    }

    /// The amount without symbol: `1,234.50`, grouped in thousands, with
    /// the currency's number of minor digits.
    pub fn amount_text(&self) -> String {
        let digits = self.currency.minor_digits();
        let scale = 10_u64.pow(digits);
        let abs = self.minor.unsigned_abs();
        let (major, minor) = (abs / scale, abs % scale);
        let raw = major.to_string();
        let mut grouped = String::with_capacity(raw.len() + raw.len() / 3);
        for (i, c) in raw.chars().enumerate() {
            if i > 0 && (raw.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if digits > 0 {
            grouped.push('.');
            let minor = minor.to_string();
            let width = digits as usize;
            grouped.extend(std::iter::repeat_n('0', width.saturating_sub(minor.len())));
            grouped.push_str(&minor);
        }
        grouped
    }
}

impl fmt::Display for Money {
    /// `£1,234.50`, `-$12.00`, `€0.99`, or `1,234.50 CHF` for currencies
    /// without a familiar symbol.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        match self.currency.symbol() {
            Some(symbol) => write!(f, "{sign}{symbol}{}", self.amount_text()),
            None => write!(f, "{sign}{} {}", self.amount_text(), self.currency),
        }
    }
}
