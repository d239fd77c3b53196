//! The user's signed-in sessions, with "end session" for each and "sign out
//! everywhere".

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::auth::{EndSession, SignOutEverywhere, list_sessions},
    domain::auth::SessionView,
};

/// The sessions page at `/account/sessions`.
#[component]
pub fn SessionsPage() -> impl IntoView {
    let end = ServerAction::<EndSession>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let sessions = Resource::new(move || end.version().get(), |_| list_sessions());
    view! {
        <Title text="Your sessions" />
        <section class="page-head">
            <h1>"Your sessions"</h1>
        </section>
        <p class="muted">"Every browser or phone signed in to your account. End any you do not recognise."</p>
        <Suspense fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(list) => view! {
                        <ul class="session-list">
                            {list.into_iter().map(|s| view! { <SessionRow session=s end /> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <ActionForm action=everywhere attr:class="inline-form" attr:method="post">
            <button class="button" type="submit">"Sign out everywhere"</button>
        </ActionForm>
    }
}

#[component]
fn SessionRow(session: SessionView, end: ServerAction<EndSession>) -> impl IntoView {
    let last_seen = format_time(session.last_seen_at);
    view! {
        <li class="session-card" data-testid="session">
            <div>
                <strong>{session.device}</strong>
                {session.current.then(|| view! { <span class="tag">"This device"</span> })}
                <p class="muted">{format!("{} · last active {last_seen}", session.ip)}</p>
            </div>
            {(!session.current).then(|| view! {
                <ActionForm action=end attr:class="inline-form" attr:method="post">
                    <input type="hidden" name="id" value=session.id />
                    <button class="button" type="submit">"End session"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// UTC date and time, `YYYY-MM-DD HH:MM UTC`, from milliseconds.
fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm), to avoid a date crate in
    // the wasm bundle.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::format_time;

    #[test]
    fn times_are_shown_as_utc_dates() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(1_795_000_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(format_time(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
