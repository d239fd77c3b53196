//! Date maths, in one place: times as people read and type them. Everything
//! is stored as UTC milliseconds (DESIGN §3); these convert with Howard
//! Hinnant's civil-date algorithms rather than a date crate, so the wasm
//! bundle stays small.

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// UTC date and time, `YYYY-MM-DD HH:MM UTC`, from milliseconds.
pub fn format_utc(ms: i64) -> String {
    let (year, month, day) = civil_date(ms);
    let rem = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
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

/// A day as people write it: "23 Nov".
pub fn format_day_month(ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, month, day) = civil_date(ms);
    let name = usize::try_from(month - 1)
        .ok()
        .and_then(|m| MONTHS.get(m))
        .unwrap_or(&"");
    format!("{day} {name}")
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
pub fn relative_day(at: i64, now: i64) -> String {
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
pub fn due_phrase(due: i64, now: i64) -> String {
    let days = due.div_euclid(DAY_MS) - now.div_euclid(DAY_MS);
    match days {
        0 if due < now => "overdue since earlier today".to_owned(),
        0 => "due today".to_owned(),
        1.. => format!("due {}", relative_day(due, now)),
        -1 => "overdue by 1 day".to_owned(),
        n => format!("overdue by {} days", -n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_reads_as_day_and_month() {
        assert_eq!(format_day_month(1_795_000_000_000), "18 Nov");
        assert_eq!(format_day_month(0), "1 Jan");
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
