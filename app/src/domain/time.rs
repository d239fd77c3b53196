//! Date maths, in one place: times as people read and type them. Everything
//! is stored as UTC milliseconds (DESIGN §3); these convert with Howard
//! Hinnant's civil-date algorithms rather than a date crate, so the wasm
//! bundle stays small.
//!
//! People see times in a zone: the firm's, or one they chose on `/account`.
//! The tz database stays on the server, which sends each page a [`Clock`]:
//! the zone's offsets over the years a page can show, and the moment the
//! page was made. Server and browser format with the same clock, so a
//! hydrated page reads exactly as it was served.

use serde::{Deserialize, Serialize};

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// UTC date and time, `YYYY-MM-DD HH:MM UTC`, from milliseconds.
pub fn format_utc(ms: i64) -> String {
    format!("{} {} UTC", format_date(ms), hours_minutes(ms))
}

/// The machine form of a moment, `YYYY-MM-DDTHH:MMZ`, for a `<time>`
/// element's `datetime`.
pub fn format_utc_iso(ms: i64) -> String {
    format!("{}T{}Z", format_date(ms), hours_minutes(ms))
}

/// `HH:MM` of `ms` (UTC).
fn hours_minutes(ms: i64) -> String {
    let rem = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}", rem / 3600, (rem % 3600) / 60)
}

/// Parses a date and time typed in a form (`YYYY-MM-DD`, `HH:MM`, UTC) into
/// UTC milliseconds.
pub fn parse_form_datetime(date: &str, time: &str) -> Result<i64, String> {
    let bad = || format!("\"{date} {time}\" is not a date (YYYY-MM-DD) and time (HH:MM)");
    let mut parts = date.trim().splitn(3, '-').map(str::parse::<i64>);
    let (Some(Ok(year)), Some(Ok(month)), Some(Ok(day))) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let time = if time.trim().is_empty() {
        "09:00"
    } else {
        time.trim()
    };
    let mut hm = time.splitn(2, ':').map(str::parse::<i64>);
    let (Some(Ok(hour)), Some(Ok(minute))) = (hm.next(), hm.next()) else {
        return Err(bad());
    };
    if !(0..24).contains(&hour) || !(0..60).contains(&minute) {
        return Err(bad());
    }
    let days = days_from_civil(year, month, day).ok_or_else(bad)?;
    Ok(((days * 24 + hour) * 60 + minute) * 60_000)
}

/// Days since the Unix epoch for a civil date (Howard Hinnant's
/// days-from-civil), or `None` for an impossible date.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1970..=9999).contains(&year) || !(1..=days_in_month).contains(&day) {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Parses a `YYYY-MM-DD` form date as midnight UTC, in milliseconds.
pub fn parse_date(raw: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "\"{}\" is not a date (YYYY-MM-DD).",
            raw.chars().take(20).collect::<String>()
        )
    };
    let mut parts = raw.trim().splitn(3, '-').map(str::parse::<i64>);
    let (Some(Ok(year)), Some(Ok(month)), Some(Ok(day))) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    days_from_civil(year, month, day)
        .map(|days| days * DAY_MS)
        .ok_or_else(bad)
}

/// The UTC date of `ms`, as `(year, month, day)` (civil-from-days).
pub fn civil_date(ms: i64) -> (i64, i64, i64) {
    let days = ms.div_euclid(DAY_MS);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `YYYY-MM-DD` for `ms` (UTC).
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_date(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A length of time as people say it, to the largest whole unit: "45
/// min", "3 h", "2 d" (under a minute is "1 min").
pub fn human_duration(ms: i64) -> String {
    let minutes = (ms.max(0) / 60_000).max(1);
    match minutes {
        ..60 => format!("{minutes} min"),
        60..1440 => format!("{} h", minutes / 60),
        _ => format!("{} d", minutes / 1440),
    }
}

/// How far the day of `at` is from the day of `now`, as people say it:
/// "today", "tomorrow", "in 4 days", "yesterday", "3 days ago".
fn relative_day(at: i64, now: i64) -> String {
    match at.div_euclid(DAY_MS) - now.div_euclid(DAY_MS) {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        -1 => "yesterday".to_owned(),
        n if n > 1 => format!("in {n} days"),
        n => format!("{} days ago", -n),
    }
}

/// A due date as a to-do list says it: "due today", "due in 10 days",
/// "overdue by 3 days".
fn due_phrase(due: i64, now: i64) -> String {
    let days = due.div_euclid(DAY_MS) - now.div_euclid(DAY_MS);
    match days {
        0 if due < now => "overdue since earlier today".to_owned(),
        0 => "due today".to_owned(),
        1.. => format!("due {}", relative_day(due, now)),
        -1 => "overdue by 1 day".to_owned(),
        n => format!("overdue by {} days", -n),
    }
}

/// Short month names, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Short weekday names from Thursday: 1 January 1970 was a Thursday.
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Times as one viewer reads them, in one zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// The IANA name of the zone, such as `Europe/London`.
    pub zone: String,
    /// The firm's zone, in which forms read the dates and times people
    /// type (a viewer may read pages in a zone of their own).
    pub firm_zone: String,
    /// When the page was made (UTC milliseconds): "today" and "in 4 days"
    /// count from here, on the server and in the browser alike.
    pub now: i64,
    /// The zone's offsets from UTC, as `(from, seconds)` in ascending
    /// order of `from` (UTC milliseconds). The first also holds before its
    /// `from`, the last after it; no spans is UTC.
    pub spans: Vec<(i64, i32)>,
}

impl Clock {
    /// UTC, for when no zone is known.
    pub fn utc(now: i64) -> Self {
        Self {
            zone: "UTC".to_owned(),
            firm_zone: "UTC".to_owned(),
            now,
            spans: Vec::new(),
        }
    }

    /// The offset from UTC in force at `at`, in milliseconds.
    fn offset_ms(&self, at: i64) -> i64 {
        let after = self.spans.partition_point(|(from, _)| *from <= at);
        self.spans
            .get(after.saturating_sub(1))
            .map_or(0, |(_, seconds)| i64::from(*seconds) * 1000)
    }

    /// `at` moved by the zone's offset, so that the UTC date maths above
    /// read the zone's wall clock.
    fn wall(&self, at: i64) -> i64 {
        at + self.offset_ms(at)
    }

    /// The UTC instant of a wall-clock time in this zone (milliseconds
    /// since 1 January 1970 on the wall clock). The offset at the
    /// wall time itself is right except within an hour of a change; one
    /// correction settles it. A time a change skips or repeats resolves to
    /// one of its two readings (which one depends on the offset's sign: in
    /// London a skipped 01:30 reads as 02:30 BST; in New York a skipped
    /// 02:30 as 01:30 EST). Forms take dates and business hours, which
    /// changes at 01:00–03:00 rarely touch.
    pub fn at_wall(&self, wall: i64) -> i64 {
        let guess = wall - self.offset_ms(wall);
        wall - self.offset_ms(guess)
    }

    /// "Fri 27 Nov", with the year when it is not this one's: "Tue 3 Dec
    /// 2024".
    pub fn day(&self, at: i64) -> String {
        let wall = self.wall(at);
        let (year, month, day) = civil_date(wall);
        let weekday = WEEKDAYS
            .get(usize::try_from(wall.div_euclid(DAY_MS).rem_euclid(7)).unwrap_or(0))
            .unwrap_or(&"");
        let month = month_name(month);
        if year == civil_date(self.wall(self.now)).0 {
            format!("{weekday} {day} {month}")
        } else {
            format!("{weekday} {day} {month} {year}")
        }
    }

    /// A moment as people read it: "Fri 27 Nov, 6:44 pm".
    pub fn when(&self, at: i64) -> String {
        let minutes = self.wall(at).div_euclid(60_000).rem_euclid(1440);
        let (hour, minute) = (minutes / 60, minutes % 60);
        let half = if hour < 12 { "am" } else { "pm" };
        let hour = match hour % 12 {
            0 => 12,
            h => h,
        };
        format!("{}, {hour}:{minute:02} {half}", self.day(at))
    }

    /// A date for records that are kept, always with its year: "27 Nov
    /// 2026" (statements, letterheads).
    pub fn date(&self, at: i64) -> String {
        let (year, month, day) = civil_date(self.wall(at));
        format!("{day} {} {year}", month_name(month))
    }

    /// `YYYY-MM-DD` in this zone: a date field's value.
    pub fn input_date(&self, at: i64) -> String {
        format_date(self.wall(at))
    }

    /// How far the day of `at` is from today, in this zone: "today",
    /// "tomorrow", "in 4 days", "yesterday", "3 days ago".
    pub fn relative_day(&self, at: i64) -> String {
        relative_day(self.wall(at), self.wall(self.now))
    }

    /// A due date as a to-do list says it, in this zone: "due today", "due
    /// in 10 days", "overdue by 3 days".
    pub fn due_phrase(&self, due: i64) -> String {
        due_phrase(self.wall(due), self.wall(self.now))
    }

    /// Which day `at` falls on in this zone, counted from 1 January 1970:
    /// equal numbers are the same day to the viewer.
    pub fn day_number(&self, at: i64) -> i64 {
        self.wall(at).div_euclid(DAY_MS)
    }

    /// Whether `at` has passed.
    pub fn is_past(&self, at: i64) -> bool {
        at < self.now
    }

    /// A date and time typed in a form, read in this zone, as UTC
    /// milliseconds. An empty time is 09:00.
    ///
    /// # Errors
    /// A message naming the value when it is not a real date and time.
    pub fn parse_datetime(&self, date: &str, time: &str) -> Result<i64, String> {
        parse_form_datetime(date, time).map(|wall| self.at_wall(wall))
    }

    /// A date typed in a form (`YYYY-MM-DD`), as the start of that day in
    /// this zone, in UTC milliseconds.
    ///
    /// # Errors
    /// A message naming the value when it is not a real date.
    pub fn parse_date(&self, raw: &str) -> Result<i64, String> {
        parse_date(raw).map(|wall| self.at_wall(wall))
    }

    /// The start of the day `at` falls on, in this zone.
    pub fn start_of_day(&self, at: i64) -> i64 {
        self.at_wall(self.wall(at).div_euclid(DAY_MS) * DAY_MS)
    }
}

/// The zones a user may read times in, for the forms that choose one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeZoneChoice {
    /// The user's own zone; `None` reads times in the firm's.
    pub own: Option<String>,
    /// The firm's zone.
    pub firm: String,
    /// Every zone on offer, sorted.
    pub zones: Vec<String>,
}

/// "Nov" for 11.
fn month_name(month: i64) -> &'static str {
    usize::try_from(month - 1)
        .ok()
        .and_then(|m| MONTHS.get(m))
        .copied()
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Europe/London around 2026: GMT until 29 March 01:00 UTC, BST (+1 h)
    /// until 25 October 01:00 UTC, then GMT.
    fn london(now: i64) -> Clock {
        Clock {
            zone: "Europe/London".to_owned(),
            firm_zone: "Europe/London".to_owned(),
            now,
            spans: vec![
                (1_761_440_400_000, 0),
                (1_774_746_000_000, 3600),
                (1_792_890_000_000, 0),
            ],
        }
    }

    /// 2026-11-27 18:44 UTC, a Friday.
    const FRI_27_NOV: i64 = 1_795_805_040_000;

    #[test]
    fn moments_read_as_weekday_day_month_and_twelve_hour_time() {
        let clock = london(FRI_27_NOV);
        assert_eq!(clock.when(FRI_27_NOV), "Fri 27 Nov, 6:44 pm");
        assert_eq!(
            clock.when(FRI_27_NOV - 18 * 3_600_000 - 40 * 60_000),
            "Fri 27 Nov, 12:04 am"
        );
        assert_eq!(clock.date(FRI_27_NOV), "27 Nov 2026");
        assert_eq!(
            clock.day(FRI_27_NOV - 365 * DAY_MS),
            "Thu 27 Nov 2025",
            "another year's day names its year"
        );
    }

    #[test]
    fn summer_times_move_by_the_zones_offset() {
        // 2026-07-01 11:30 UTC is 12:30 pm in London, a Wednesday.
        let summer = 1_782_905_400_000;
        let clock = london(FRI_27_NOV);
        assert_eq!(clock.when(summer), "Wed 1 Jul, 12:30 pm");
        assert_eq!(Clock::utc(FRI_27_NOV).when(summer), "Wed 1 Jul, 11:30 am");
        assert_eq!(clock.parse_datetime("2026-07-01", "12:30"), Ok(summer));
        assert_eq!(clock.parse_datetime("2026-11-27", "18:44"), Ok(FRI_27_NOV));
        assert_eq!(clock.input_date(summer), "2026-07-01");
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        // New York at -5 h: 03:00 UTC on the 28th is still the 27th there.
        let clock = Clock {
            zone: "America/New_York".to_owned(),
            firm_zone: "America/New_York".to_owned(),
            now: FRI_27_NOV,
            spans: vec![(0, -5 * 3600)],
        };
        let late = FRI_27_NOV + 8 * 3_600_000 + 16 * 60_000;
        assert_eq!(clock.day(late), "Fri 27 Nov");
        assert_eq!(clock.relative_day(late), "today");
        assert_eq!(Clock::utc(FRI_27_NOV).relative_day(late), "tomorrow");
        let midnight = clock.parse_date("2026-11-27").unwrap();
        assert_eq!(midnight, parse_date("2026-11-27").unwrap() + 5 * 3_600_000);
        assert_eq!(clock.start_of_day(late), midnight);
        assert_eq!(clock.due_phrase(midnight + DAY_MS * 10), "due in 10 days");
    }

    #[test]
    fn wall_times_around_a_change_resolve_to_one_instant() {
        let clock = london(FRI_27_NOV);
        // 01:30 on 29 March does not exist in London: it reads as 02:30 BST.
        assert_eq!(
            clock.parse_datetime("2026-03-29", "01:30"),
            Ok(1_774_746_000_000 + 30 * 60_000)
        );
        // 01:30 on 25 October happens twice: the later, in GMT.
        assert_eq!(
            clock.parse_datetime("2026-10-25", "01:30"),
            Ok(1_792_890_000_000 + 30 * 60_000)
        );
    }

    #[test]
    fn durations_read_in_their_largest_whole_unit() {
        assert_eq!(human_duration(5_000), "1 min");
        assert_eq!(human_duration(45 * 60_000), "45 min");
        assert_eq!(human_duration(3 * 3_600_000 + 59 * 60_000), "3 h");
        assert_eq!(human_duration(2 * DAY_MS + 5), "2 d");
        assert_eq!(human_duration(-10), "1 min");
    }

    #[test]
    fn days_and_due_dates_read_as_people_say_them() {
        let now = 20 * DAY_MS + 10 * 3_600_000;
        assert_eq!(relative_day(now + 3_600_000, now), "today");
        assert_eq!(relative_day(now + DAY_MS, now), "tomorrow");
        assert_eq!(relative_day(now + 4 * DAY_MS, now), "in 4 days");
        assert_eq!(relative_day(now - DAY_MS, now), "yesterday");
        assert_eq!(relative_day(now - 3 * DAY_MS, now), "3 days ago");
        assert_eq!(due_phrase(now + 10 * DAY_MS, now), "due in 10 days");
        assert_eq!(due_phrase(now + DAY_MS, now), "due tomorrow");
        assert_eq!(due_phrase(now + 3_600_000, now), "due today");
        assert_eq!(
            due_phrase(now - 3_600_000, now),
            "overdue since earlier today"
        );
        assert_eq!(due_phrase(now - DAY_MS, now), "overdue by 1 day");
        assert_eq!(due_phrase(now - 5 * DAY_MS, now), "overdue by 5 days");
    }

    #[test]
    fn times_are_shown_as_utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_795_000_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn form_dates_parse_to_utc_milliseconds() {
        assert_eq!(parse_form_datetime("1970-01-01", "00:00"), Ok(0));
        assert_eq!(
            parse_form_datetime("2026-11-18", "11:06"),
            Ok(1_795_000_000_000 - 40_000)
        );
        assert_eq!(
            parse_form_datetime("2000-02-29", ""),
            Ok(951_782_400_000 + 9 * 3_600_000)
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        for (date, time) in [
            ("2026-02-30", "10:00"),
            ("2025-02-29", "10:00"),
            ("2026-13-01", "10:00"),
            ("2026-01-01", "24:00"),
            ("tomorrow", ""),
        ] {
            assert!(parse_form_datetime(date, time).is_err(), "{date} {time}");
        }
    }
}
