//! The firm's own settings (issue 11, point 1): its name, currency, matter
//! number pattern, default message response target, business hours and
//! time zone. Admins edit them at `/admin/settings`.

use serde::{Deserialize, Serialize};

use super::{
    AppError,
    matter::opening::{DEFAULT_NUMBER_PATTERN, format_number},
    money::Currency,
};

/// What a firm is called until an admin names it.
pub const DEFAULT_FIRM_NAME: &str = "Your law firm";
/// The longest firm name, in characters.
pub const MAX_FIRM_NAME_CHARS: usize = 200;
/// The longest payment instructions, in characters.
pub const MAX_PAYMENT_INSTRUCTIONS_CHARS: usize = 1000;
/// The largest logo file, in bytes.
pub const MAX_LOGO_BYTES: usize = 200_000;
/// The most pixels a logo may have (1000 × 1000).
pub const MAX_LOGO_PIXELS: usize = 1_000_000;

/// What a logo too big is told.
pub fn logo_too_big() -> String {
    format!(
        "Logo: at most {} kB and 1000 × 1000 pixels.",
        MAX_LOGO_BYTES / 1000
    )
}

/// How the firm presents itself in every page's header: its name and,
/// if it has one, the address of its logo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmBrand {
    /// The firm's name.
    pub name: String,
    /// Where its logo is served, versioned so a new one shows at once.
    pub logo_url: Option<String>,
}

/// The longest response target: 30 days, as for the configuration.
pub const MAX_RESPONSE_MINUTES: i64 = 43_200;

/// The settings, as stored and as the page shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmSettings {
    /// The firm's name, as clients see it.
    pub firm_name: String,
    /// The default currency (ISO 4217) of new invoices.
    pub currency: String,
    /// How new matters are numbered ([`format_number`]).
    pub number_pattern: String,
    /// The default time the firm aims to answer a client message in.
    pub response_minutes: i64,
    /// When the working day starts, `HH:MM` in [`Self::time_zone`].
    pub hours_start: String,
    /// When it ends.
    pub hours_end: String,
    /// An IANA time zone name, such as `Europe/London`.
    pub time_zone: String,
    /// How clients pay (bank details, a reference to quote), shown on the
    /// client's home beside what they owe; empty until the firm says.
    #[serde(default)]
    pub payment_instructions: String,
    /// Whether programs and scripts (.exe, .bat, …) may be uploaded; off
    /// unless the firm needs them (a firm that handles software disputes).
    #[serde(default)]
    pub allow_programs: bool,
}

impl FirmSettings {
    /// What a new firm starts with: the configuration's response target
    /// and plain defaults for the rest.
    pub fn defaults(response_minutes: i64) -> Self {
        Self {
            firm_name: DEFAULT_FIRM_NAME.to_owned(),
            currency: "GBP".to_owned(),
            number_pattern: DEFAULT_NUMBER_PATTERN.to_owned(),
            response_minutes,
            hours_start: "09:00".to_owned(),
            hours_end: "17:30".to_owned(),
            time_zone: "UTC".to_owned(),
            payment_instructions: String::new(),
            allow_programs: false,
        }
    }

    /// These settings with the payment instructions as typed.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] when they are too long.
    pub fn with_payment_instructions(mut self, raw: &str) -> Result<Self, AppError> {
        let text = raw.trim();
        if text.chars().count() > MAX_PAYMENT_INSTRUCTIONS_CHARS {
            return Err(AppError::BadRequest(format!(
                "Payment instructions: at most {MAX_PAYMENT_INSTRUCTIONS_CHARS} characters."
            )));
        }
        text.clone_into(&mut self.payment_instructions);
        Ok(self)
    }

    /// Checks and normalises settings as typed.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] naming the first field to fix.
    pub fn parse(
        firm_name: &str,
        currency: &str,
        number_pattern: &str,
        response_minutes: &str,
        hours_start: &str,
        hours_end: &str,
        time_zone: &str,
    ) -> Result<Self, AppError> {
        let bad = |message: String| AppError::BadRequest(message);
        let firm_name = firm_name.trim();
        if firm_name.is_empty() || firm_name.chars().count() > MAX_FIRM_NAME_CHARS {
            return Err(bad(format!(
                "Firm name: 1 to {MAX_FIRM_NAME_CHARS} characters."
            )));
        }
        let currency = Currency::parse(currency).map_err(|e| bad(format!("Currency: {e}")))?;
        let number_pattern = number_pattern.trim();
        let sample = format_number(number_pattern, 2026, 1)?;
        if number_pattern.chars().count() > 60 || !number_pattern.contains("{seq") {
            return Err(bad(
                "Matter number pattern: include {seq} or {seq:N}, so numbers differ.".to_owned(),
            ));
        }
        super::matter::opening::validate_number(&sample).map_err(|_| {
            bad(format!(
                "Matter number pattern: it gives \"{sample}\"; use letters, digits, -, / or ."
            ))
        })?;
        let response_minutes: i64 = response_minutes
            .trim()
            .parse()
            .ok()
            .filter(|m| (1..=MAX_RESPONSE_MINUTES).contains(m))
            .ok_or_else(|| {
                bad(format!(
                    "Response target: whole minutes from 1 to {MAX_RESPONSE_MINUTES}."
                ))
            })?;
        let start = minutes_of_day(hours_start)
            .ok_or_else(|| bad("Business hours: times as HH:MM, such as 09:00.".to_owned()))?;
        let end = minutes_of_day(hours_end)
            .ok_or_else(|| bad("Business hours: times as HH:MM, such as 17:30.".to_owned()))?;
        if start >= end {
            return Err(bad(
                "Business hours: the day must end after it starts.".to_owned()
            ));
        }
        let time_zone = time_zone.trim();
        if !is_plausible_time_zone(time_zone) {
            return Err(bad(
                "Time zone: an IANA name such as Europe/London or America/New_York.".to_owned(),
            ));
        }
        Ok(Self {
            firm_name: firm_name.to_owned(),
            currency: currency.code().to_owned(),
            number_pattern: number_pattern.to_owned(),
            response_minutes,
            hours_start: hours_start.trim().to_owned(),
            hours_end: hours_end.trim().to_owned(),
            time_zone: time_zone.to_owned(),
            payment_instructions: String::new(),
            allow_programs: false,
        })
    }
}

/// `HH:MM` as minutes after midnight.
fn minutes_of_day(raw: &str) -> Option<u32> {
    let (h, m) = raw.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// `UTC`, or an IANA name's shape: `Area/Location[/More]` in letters,
/// digits, `_`, `-` and `+`. The list of zones itself changes with the tz
/// database, so its shape is what is checked here.
fn is_plausible_time_zone(raw: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.len() <= 30
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
            && p.starts_with(|c: char| c.is_ascii_uppercase())
    };
    raw == "UTC" || (raw.contains('/') && raw.len() <= 64 && raw.split('/').all(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pattern: &str, minutes: &str, start: &str, end: &str, zone: &str) -> bool {
        FirmSettings::parse("Harbour Law", "gbp", pattern, minutes, start, end, zone).is_ok()
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let ok = FirmSettings::parse(
            " Harbour Law ",
            "eur",
            "HL-{year}-{seq:3}",
            "240",
            "08:30",
            "18:00",
            "Europe/Dublin",
        )
        .unwrap();
        assert_eq!(ok.firm_name, "Harbour Law");
        assert_eq!(ok.currency, "EUR");
        assert!(parse("{year}-{seq:4}", "60", "09:00", "17:00", "UTC"));
        assert!(
            !parse("{year}", "60", "09:00", "17:00", "UTC"),
            "no sequence"
        );
        assert!(!parse("{yr}-{seq}", "60", "09:00", "17:00", "UTC"));
        assert!(
            !parse("A B {seq}", "60", "09:00", "17:00", "UTC"),
            "a space"
        );
        assert!(!parse("{seq}", "0", "09:00", "17:00", "UTC"));
        assert!(!parse("{seq}", "99999", "09:00", "17:00", "UTC"));
        assert!(!parse("{seq}", "60", "17:00", "09:00", "UTC"), "ends first");
        assert!(!parse("{seq}", "60", "9:00", "17:00", "UTC"));
        assert!(!parse("{seq}", "60", "09:00", "24:00", "UTC"));
        assert!(!parse("{seq}", "60", "09:00", "17:00", "London"));
        assert!(!parse("{seq}", "60", "09:00", "17:00", "Europe/<b>"));
        assert!(parse(
            "{seq}",
            "60",
            "09:00",
            "17:00",
            "America/Argentina/Buenos_Aires"
        ));
    }
}
