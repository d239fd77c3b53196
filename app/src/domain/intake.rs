//! Intake (issue 13, points 1 and 2): a stranger's enquiry becomes a
//! **lead**; staff answer it against a response clock that runs in the
//! firm's business hours. The rules here are pure: checking what an
//! enquiry says, and counting business time.

use serde::{Deserialize, Serialize};

use super::{AppError, time::Clock, user::EmailAddress};

/// The longest name or organisation, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// The longest phone number.
pub const MAX_PHONE_CHARS: usize = 40;
/// The longest account of the matter, in characters.
pub const MAX_DETAILS_CHARS: usize = 5000;
/// What an enquiry may be about, as the form offers it.
pub const TOPICS: [&str; 7] = [
    "A dispute or claim",
    "Employment",
    "Buying, selling or renting property",
    "Setting up or running a business",
    "Family matters",
    "Wills and estates",
    "Something else",
];
/// What every sender is told, client or not, spam or not: the firm may
/// not even confirm that someone is its client.
pub const ENQUIRY_RECEIVED: &str = "Thank you. Your enquiry has reached the firm, and someone will be in touch, usually within one working day.";
/// The default response target: one business hour.
pub const DEFAULT_TARGET_MINUTES: i64 = 60;

/// An enquiry as checked, from the public form or typed in by staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enquiry {
    /// Who is asking.
    pub name: String,
    /// Their email, normalised.
    pub email: String,
    /// Their phone number, if given.
    pub phone: String,
    /// Their organisation, if any.
    pub organisation: String,
    /// One of [`TOPICS`].
    pub topic: String,
    /// What happened, in their words: sealed at rest.
    pub details: String,
}

/// The public form as posted (`enquiry[name]`, …). `website` is the
/// honeypot: hidden from people, filled by scripts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnquiryInput {
    /// "Name".
    #[serde(default)]
    pub name: String,
    /// "Email".
    #[serde(default)]
    pub email: String,
    /// "Phone".
    #[serde(default)]
    pub phone: String,
    /// "Organisation".
    #[serde(default)]
    pub organisation: String,
    /// "What do you need help with?".
    #[serde(default)]
    pub topic: String,
    /// "Details".
    #[serde(default)]
    pub details: String,
    /// The consent box, `on` when ticked.
    #[serde(default)]
    pub consent: Option<String>,
    /// The honeypot.
    #[serde(default)]
    pub website: String,
}

impl EnquiryInput {
    /// The form's fields, for [`Enquiry::parse`].
    pub fn form(&self) -> EnquiryForm<'_> {
        EnquiryForm {
            name: &self.name,
            email: &self.email,
            phone: &self.phone,
            organisation: &self.organisation,
            topic: &self.topic,
            details: &self.details,
            consent: self.consent.is_some(),
        }
    }
}

/// The fields of the form, as typed.
#[derive(Clone, Copy, Debug)]
pub struct EnquiryForm<'a> {
    /// "Name".
    pub name: &'a str,
    /// "Email".
    pub email: &'a str,
    /// "Phone".
    pub phone: &'a str,
    /// "Organisation".
    pub organisation: &'a str,
    /// "What do you need help with?".
    pub topic: &'a str,
    /// "Details".
    pub details: &'a str,
    /// The consent box was ticked.
    pub consent: bool,
}

impl Enquiry {
    /// Checks an enquiry as typed.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] naming the first field to fix.
    pub fn parse(form: &EnquiryForm<'_>) -> Result<Self, AppError> {
        let bad = |message: &str| AppError::BadRequest(message.to_owned());
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(bad(
                "Name: please tell us who you are (up to 200 characters).",
            ));
        }
        let email = EmailAddress::parse(form.email)?.as_str().to_owned();
        let phone = form.phone.trim();
        let phone_ok = phone.chars().count() <= MAX_PHONE_CHARS
            && phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !phone_ok {
            return Err(bad("Phone: digits, spaces and + - ( ) only."));
        }
        let organisation = form.organisation.trim();
        if organisation.chars().count() > MAX_NAME_CHARS {
            return Err(bad("Organisation: up to 200 characters."));
        }
        let topic = TOPICS
            .iter()
            .find(|t| **t == form.topic.trim())
            .ok_or_else(|| bad("What do you need help with?: choose one of the options."))?;
        let details = form.details.trim();
        if details.chars().count() > MAX_DETAILS_CHARS {
            return Err(bad(
                "Details: up to 5000 characters; we can hear the rest when we talk.",
            ));
        }
        if !form.consent {
            return Err(bad(
                "Consent: tick the box so that we may contact you about your enquiry.",
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            email,
            phone: phone.to_owned(),
            organisation: organisation.to_owned(),
            topic: (*topic).to_owned(),
            details: details.to_owned(),
        })
    }
}

/// The firm's working day, in minutes after local midnight, Monday to
/// Friday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusinessHours {
    /// When the day starts.
    pub start_minute: i64,
    /// When it ends (after the start).
    pub end_minute: i64,
}

impl BusinessHours {
    /// Hours from the settings' `HH:MM` strings; 09:00 to 17:30 if they do
    /// not read.
    pub fn from_settings(start: &str, end: &str) -> Self {
        let minutes = |raw: &str| {
            let (h, m) = raw.trim().split_once(':')?;
            Some(h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
        };
        match (minutes(start), minutes(end)) {
            (Some(start_minute), Some(end_minute)) if start_minute < end_minute => Self {
                start_minute,
                end_minute,
            },
            _ => Self {
                start_minute: 9 * 60,
                end_minute: 17 * 60 + 30,
            },
        }
    }

    /// The business time between `from` and `to` (UTC ms), counted in
    /// `clock`'s zone: only weekday hours inside the working day count.
    pub fn between(&self, clock: &Clock, from: i64, to: i64) -> i64 {
        const DAY: i64 = 86_400_000;
        if to <= from {
            return 0;
        }
        let (first, last) = (clock.day_number(from), clock.day_number(to));
        let mut total = 0;
        // A lead waits days, not years: the count stops after a year.
        for day in first..=last.min(first + 366) {
            // 1 January 1970 was a Thursday: day 0 is weekday 3 (Mon = 0).
            if (day + 3).rem_euclid(7) >= 5 {
                continue;
            }
            let open = clock.at_wall(day * DAY + self.start_minute * 60_000);
            let close = clock.at_wall(day * DAY + self.end_minute * 60_000);
            total += (close.min(to) - open.max(from)).max(0);
        }
        total
    }
}

/// Where a lead stands against its response target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseClock {
    /// Not yet answered: business time waited so far.
    Waiting {
        /// Business milliseconds since it arrived.
        business_ms: i64,
        /// Past the target.
        breached: bool,
    },
    /// Answered, after this much business time.
    Answered {
        /// Business milliseconds to the first response.
        business_ms: i64,
        /// It took longer than the target.
        breached: bool,
    },
}

impl ResponseClock {
    /// As the intake list says it: "waiting 2 h 10 min (target 1 h)".
    pub fn describe(&self, target_minutes: i64) -> String {
        let target = minutes_text(target_minutes);
        match self {
            Self::Waiting { business_ms, .. } => format!(
                "waiting {} of business time (target {target})",
                minutes_text(business_ms / 60_000)
            ),
            Self::Answered { business_ms, .. } => format!(
                "answered after {} of business time (target {target})",
                minutes_text(business_ms / 60_000)
            ),
        }
    }

    /// Whether the target was missed.
    pub fn breached(&self) -> bool {
        match self {
            Self::Waiting { breached, .. } | Self::Answered { breached, .. } => *breached,
        }
    }
}

/// "45 min", "2 h", "2 h 10 min".
fn minutes_text(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// A lead as the intake list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadView {
    /// The lead's id.
    pub id: String,
    /// Who asked.
    pub name: String,
    /// Their email.
    pub email: String,
    /// Their phone, if given.
    pub phone: String,
    /// Their organisation, if any.
    pub organisation: String,
    /// What it is about.
    pub topic: String,
    /// Their account, opened for the firm.
    pub details: String,
    /// "The enquiry form" or the staff member who typed it in.
    pub source: String,
    /// When it arrived (UTC ms).
    pub arrived_at: i64,
    /// Against the target.
    pub clock: ResponseClock,
    /// How the first response went, once there is one ("Call").
    pub first_response: Option<String>,
}

/// The intake page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeView {
    /// Open leads, longest-waiting first, then those answered.
    pub leads: Vec<LeadView>,
    /// The response target, in business minutes.
    pub target_minutes: i64,
}

/// How a first response was made.
pub const RESPONSE_KINDS: [(&str, &str); 3] = [
    ("call", "Call"),
    ("email", "Email"),
    ("message", "Portal message"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(email: &'a str, topic: &'a str, consent: bool) -> EnquiryForm<'a> {
        EnquiryForm {
            name: " Dana Whitfield ",
            email,
            phone: "+44 (0)20 7946 0000",
            organisation: "",
            topic,
            details: "My landlord kept the deposit.",
            consent,
        }
    }

    #[test]
    fn an_enquiry_is_checked_field_by_field() {
        let ok = Enquiry::parse(&form(" Dana@Example.COM ", "A dispute or claim", true)).unwrap();
        assert_eq!(ok.name, "Dana Whitfield");
        assert_eq!(ok.email, "dana@example.com");
        for (email, topic, consent, field) in [
            ("not-an-email", "A dispute or claim", true, "Email"),
            (
                "dana@example.com",
                "Crypto",
                true,
                "What do you need help with?",
            ),
            ("dana@example.com", "A dispute or claim", false, "Consent"),
        ] {
            let err = Enquiry::parse(&form(email, topic, consent)).unwrap_err();
            assert!(err.to_string().starts_with(field), "{err}");
        }
    }

    /// 2026-11-27 (a Friday) at `hh:mm` UTC.
    fn fri(hh: i64, mm: i64) -> i64 {
        1_795_737_600_000 + (hh * 60 + mm) * 60_000
    }

    #[test]
    fn the_response_clock_counts_only_business_hours() {
        let hours = BusinessHours::from_settings("09:00", "17:30");
        let utc = Clock::utc(0);
        assert_eq!(hours.between(&utc, fri(10, 0), fri(11, 15)), 75 * 60_000);
        assert_eq!(
            hours.between(&utc, fri(8, 0), fri(9, 30)),
            30 * 60_000,
            "before opening"
        );
        // Friday 17:00 to Monday 09:30: half an hour on each side of the weekend.
        let monday = fri(9, 30) + 3 * 86_400_000;
        assert_eq!(hours.between(&utc, fri(17, 0), monday), 60 * 60_000);
        assert_eq!(hours.between(&utc, fri(12, 0), fri(11, 0)), 0);
        // In New York (-5 h), 14:00 UTC is 09:00 there: the day has just begun.
        let new_york = Clock {
            zone: "America/New_York".to_owned(),
            firm_zone: "America/New_York".to_owned(),
            now: 0,
            spans: vec![(0, -5 * 3600)],
        };
        assert_eq!(
            hours.between(&new_york, fri(13, 0), fri(15, 0)),
            60 * 60_000
        );
    }

    #[test]
    fn the_clock_says_how_long_against_the_target() {
        let waiting = ResponseClock::Waiting {
            business_ms: 130 * 60_000,
            breached: true,
        };
        assert_eq!(
            waiting.describe(60),
            "waiting 2 h 10 min of business time (target 1 h)"
        );
        assert!(waiting.breached());
    }
}
