//! The user's signed-in sessions, with "end session" for each and "sign out
//! everywhere".

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::auth::{EndSession, SignOutEverywhere, list_sessions},
    domain::{auth::SessionView, time::format_utc},
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
    let last_seen = format_utc(session.last_seen_at);
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
