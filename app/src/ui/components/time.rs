//! Times on pages (issue 12, point 4). The root makes one clock resource
//! (`get_clock`: the viewer's zone and the moment of the page); a page
//! awaits it with its own resources and provides the clock to what it
//! renders, so every time on the page reads in the same zone, on the
//! server and after hydration alike.

use leptos::prelude::*;

use crate::{
    api::settings::get_clock,
    domain::{
        AppError,
        time::{Clock, TimeZoneChoice, format_utc_iso},
    },
};

/// The clock resource the root makes for every page, and what makes it
/// read the clock again (the user chose another zone).
#[derive(Clone, Copy)]
pub struct ClockResource {
    clock: Resource<Result<Clock, AppError>>,
    changes: RwSignal<u32>,
}

impl ClockResource {
    fn new() -> Self {
        let changes = RwSignal::new(0);
        Self {
            clock: Resource::new(move || changes.get(), |_| get_clock()),
            changes,
        }
    }

    /// Awaits the clock and provides it to the view made after this, in
    /// the same `Suspend`. If it cannot be read the page still renders, in
    /// UTC.
    pub async fn provide(self) -> Clock {
        let clock = self
            .clock
            .await
            .unwrap_or_else(|_| Clock::utc(fallback_now()));
        provide_context(clock.clone());
        clock
    }

    /// Reads the clock again, after the user chose another zone.
    pub fn refresh(self) {
        self.changes.update(|n| *n += 1);
    }
}

/// Makes the clock resource and provides it; the root calls this once.
pub fn provide_clock_resource() {
    provide_context(ClockResource::new());
}

/// The page's clock resource, taken at the top of a page so its
/// `Suspend` can await it with the page's own data.
pub fn page_clock() -> ClockResource {
    use_context::<ClockResource>().unwrap_or_else(ClockResource::new)
}

/// The clock the page provided; UTC when none was (a page that forgot
/// shows UTC rather than failing).
pub fn use_clock() -> Clock {
    use_context::<Clock>().unwrap_or_else(|| Clock::utc(fallback_now()))
}

/// The time now, for a page whose clock could not be read: "overdue" and
/// "in 4 days" must still count from today.
fn fallback_now() -> i64 {
    #[cfg(feature = "ssr")]
    let now = crate::server::now_ms();
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    #[expect(
        clippy::cast_possible_truncation,
        reason = "milliseconds since 1970 fit an i64 for millennia"
    )]
    let now = js_sys::Date::now() as i64;
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let now = 0;
    now
}

/// A moment as people read it, "Fri 27 Nov, 6:44 pm", in a `<time>` that
/// never wraps mid-value on a phone. `day_only` drops the time of day.
#[component]
pub fn When(
    at: i64,
    /// The day alone: "Fri 27 Nov".
    #[prop(optional)]
    day_only: bool,
) -> impl IntoView {
    let clock = use_clock();
    let text = if day_only {
        clock.day(at)
    } else {
        clock.when(at)
    };
    view! { <time class="when" datetime=format_utc_iso(at)>{text}</time> }
}

/// A due date and how far off it is: "Due Tue 22 Dec · in 14 days", or
/// once it has passed, marked to stand out: "Overdue by 2 days · was due
/// Sun 6 Dec".
#[component]
pub fn Due(at: i64) -> impl IntoView {
    let clock = use_clock();
    let day = view! { <time class="when" datetime=format_utc_iso(at)>{clock.day(at)}</time> };
    if clock.is_past(at) {
        let phrase = clock.due_phrase(at);
        let mut overdue = phrase.chars();
        let overdue = overdue
            .next()
            .map(|first| first.to_uppercase().chain(overdue).collect::<String>())
            .unwrap_or_default();
        view! {
            <span class="due overdue">
                <span class="when">{overdue}</span>
                " · was due "
                {day}
            </span>
        }
        .into_any()
    } else {
        view! {
            <span class="due">
                "Due "
                {day}
                " · "
                <span class="when">{clock.relative_day(at)}</span>
            </span>
        }
        .into_any()
    }
}

/// The "Time zone" choices: the zone list, with the first option
/// standing for `default_label` (an empty value).
#[component]
pub fn ZoneSelect(
    /// The select's id, for its label.
    #[prop(into)]
    id: String,
    /// The form field's name.
    #[prop(into)]
    name: String,
    /// The zones and current choice.
    choice: TimeZoneChoice,
    /// The zone chosen now; `None` selects the first option.
    selected: Option<String>,
    /// The first option, for "no zone of my own"; omitted when a zone is
    /// required.
    #[prop(optional, into)]
    default_label: Option<String>,
) -> impl IntoView {
    let default = default_label
        .map(|label| view! { <option value="" selected=selected.is_none()>{label}</option> });
    // A zone saved before the list existed stays chosen rather than
    // silently becoming the list's first entry on the next save.
    let mut zones = choice.zones;
    if let Some(current) = selected.as_ref().filter(|z| !zones.contains(z)) {
        zones.insert(0, current.clone());
    }
    view! {
        <select id=id name=name>
            {default}
            {zones
                .into_iter()
                .map(|zone| {
                    let chosen = selected.as_deref() == Some(zone.as_str());
                    view! { <option value=zone.clone() selected=chosen>{zone.replace('_', " ")}</option> }
                })
                .collect_view()}
        </select>
    }
}

/// What a date or time field says about its zone: the firm's, in which
/// the server reads it (never "UTC" unless that is the firm's zone).
pub fn firm_zone_hint() -> String {
    let clock = use_clock();
    format!(
        "In the firm's time zone, {}.",
        clock.firm_zone.replace('_', " ")
    )
}
