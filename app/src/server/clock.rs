//! Time zones (issue 12, point 4). The tz database lives here, on the
//! server (`jiff`, bundled); a page gets a [`Clock`] holding only the
//! offsets it can need, so the browser formats times without the database.

use anyhow::Context as _;

use super::{AppState, ServiceError, auth::Principal, db::Db, now_ms, settings};
use crate::domain::{
    AppError,
    time::{Clock, DAY_MS, TimeZoneChoice},
};

/// How far back a clock's offsets reach: older times still format, with
/// the earliest offset, which for most zones differs by an hour at most.
const YEARS_BACK: i64 = 12;
/// How far ahead they reach, for key dates and deadlines.
const YEARS_AHEAD: i64 = 6;

/// A clock for `zone` at `now`, for a firm whose zone is `firm_zone`;
/// an unknown zone is UTC.
pub fn for_zone(zone: &str, firm_zone: &str, now: i64) -> Clock {
    let utc = || Clock {
        firm_zone: firm_zone.to_owned(),
        ..Clock::utc(now)
    };
    let Ok(tz) = jiff::tz::TimeZone::get(zone) else {
        return utc();
    };
    let start = now - YEARS_BACK * 365 * DAY_MS;
    let end = now + YEARS_AHEAD * 365 * DAY_MS;
    let Ok(first) = jiff::Timestamp::from_millisecond(start) else {
        return utc();
    };
    let mut spans = vec![(start, tz.to_offset(first).seconds())];
    spans.extend(
        tz.following(first)
            .map(|change| {
                (
                    change.timestamp().as_millisecond(),
                    change.offset().seconds(),
                )
            })
            .take_while(|(at, _)| *at <= end),
    );
    // Adjacent spans with one offset (a change of abbreviation only) are
    // one span to the reader.
    spans.dedup_by(|later, earlier| later.1 == earlier.1);
    Clock {
        zone: zone.to_owned(),
        firm_zone: firm_zone.to_owned(),
        now,
        spans,
    }
}

/// Whether `name` is a zone in the tz database.
/// Only the names [`zone_names`] offers, exactly as spelled there, so
/// what is stored is what the list can show as chosen.
pub fn is_known_zone(name: &str) -> bool {
    zone_names()
        .binary_search_by(|z| z.as_str().cmp(name))
        .is_ok()
}

/// The zones a person may choose, sorted: the tz database's
/// `Area/Location` names, without its legacy aliases (`US/Eastern`,
/// `Etc/GMT+5`) that only confuse a list.
pub fn zone_names() -> Vec<String> {
    const AREAS: [&str; 10] = [
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "Arctic",
    ];
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_owned())
        .filter(|name| {
            name.split_once('/')
                .is_some_and(|(area, _)| AREAS.contains(&area))
        })
        .collect();
    names.push("UTC".to_owned());
    names.sort();
    names.dedup();
    names
}

/// The firm's clock: how forms read the dates people type ("key dates are
/// entered in the firm's zone") and how statements date themselves.
///
/// # Errors
/// When the settings cannot be read.
pub async fn firm(db: &Db) -> anyhow::Result<Clock> {
    let zone = settings::time_zone(db).await?;
    Ok(for_zone(&zone, &zone, now_ms()))
}

/// The clock a viewer reads pages with: their own zone if they chose one
/// on `/account`, else the firm's.
///
/// # Errors
/// When the settings or the user cannot be read.
pub async fn for_viewer(db: &Db, viewer: Option<&Principal>) -> anyhow::Result<Clock> {
    let own = match viewer {
        Some(principal) => own_zone(db, principal.user_id.as_str()).await?,
        None => None,
    };
    let firm = settings::time_zone(db).await?;
    let zone = own.unwrap_or_else(|| firm.clone());
    Ok(for_zone(&zone, &firm, now_ms()))
}

/// The zone a user chose, if any.
///
/// # Errors
/// When the user cannot be read.
pub async fn own_zone(db: &Db, user_id: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("select time_zone from users where id = $1")
            .bind(user_id.to_owned())
            .fetch_optional(db.pool())
            .await?;
    Ok(row.and_then(|(zone,)| zone))
}

/// The zones on offer, and the user's and the firm's.
///
/// # Errors
/// When the settings or the user cannot be read.
pub async fn choice(
    state: &AppState,
    principal: &Principal,
) -> Result<TimeZoneChoice, ServiceError> {
    Ok(TimeZoneChoice {
        own: own_zone(&state.db, principal.user_id.as_str()).await?,
        firm: settings::time_zone(&state.db).await?,
        zones: zone_names(),
    })
}

/// Sets the zone the user reads times in; blank goes back to the firm's.
/// Answers the zone now in force, as the account page confirms it.
///
/// # Errors
/// [`AppError::BadRequest`] for a zone the database does not know.
pub async fn set_own_zone(
    state: &AppState,
    principal: &Principal,
    raw: &str,
) -> Result<String, ServiceError> {
    let zone = raw.trim();
    let own = if zone.is_empty() {
        None
    } else if is_known_zone(zone) {
        Some(zone.to_owned())
    } else {
        return Err(AppError::BadRequest(format!(
            "Time zone: \"{}\" is not in the time zone database; choose one from the list.",
            zone.chars().take(64).collect::<String>()
        ))
        .into());
    };
    let mut tx = state.db.begin_write().await?;
    sqlx::query("update users set time_zone = $1 where id = $2")
        .bind(own.clone())
        .bind(principal.user_id.as_str().to_owned())
        .execute(tx.conn())
        .await
        .context("saving the user's time zone")?;
    tx.commit().await.context("committing the time zone")?;
    match own {
        Some(zone) => Ok(zone),
        None => Ok(settings::time_zone(&state.db).await?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-27 18:44 UTC.
    const NOW: i64 = 1_795_805_040_000;

    #[test]
    fn a_clock_carries_the_zones_changes_around_now() {
        let clock = for_zone("Europe/London", "Europe/London", NOW);
        assert_eq!(clock.zone, "Europe/London");
        // 2026-07-01 11:30 UTC is 12:30 pm BST; the 27th of November is GMT.
        assert_eq!(clock.when(1_782_905_400_000), "Wed 1 Jul, 12:30 pm");
        assert_eq!(clock.when(NOW), "Fri 27 Nov, 6:44 pm");
        assert!(
            (30..=40).contains(&clock.spans.len()),
            "two changes a year for eighteen years, not {}",
            clock.spans.len()
        );
        let tokyo = for_zone("Asia/Tokyo", "Europe/London", NOW);
        assert_eq!(tokyo.firm_zone, "Europe/London");
        assert_eq!(tokyo.when(NOW), "Sat 28 Nov, 3:44 am");
    }

    #[test]
    fn unknown_zones_are_utc_and_are_not_offered() {
        assert_eq!(for_zone("Mars/Olympus_Mons", "UTC", NOW).zone, "UTC");
        assert!(!is_known_zone("Mars/Olympus_Mons"));
        assert!(is_known_zone("America/New_York"));
        assert!(
            !is_known_zone("america/new_york") && !is_known_zone("US/Eastern"),
            "only names as the list spells them"
        );
        let names = zone_names();
        assert!(names.contains(&"Europe/London".to_owned()));
        assert!(names.contains(&"UTC".to_owned()));
        assert!(
            !names
                .iter()
                .any(|n| n.starts_with("Etc/") || n.starts_with("US/"))
        );
    }
}
