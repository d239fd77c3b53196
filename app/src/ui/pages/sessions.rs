//! The user's signed-in sessions, with "end session" for each and "sign out
//! everywhere".

use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::auth::{EndSession, SignOutEverywhere, list_sessions},
    domain::auth::SessionView,
    ui::components::time::{When, page_clock},
};

/// The sessions page at `/account/sessions`.
#[component]
pub fn SessionsPage() -> impl IntoView {
    let end = ServerAction::<EndSession>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let sessions = Resource::new(move || end.version().get(), |_| list_sessions());
    let clock = page_clock();
    view! {
        <Title text="Your sessions" />
        <section class="page-head">
            <h1>"Your sessions"</h1>
        </section>
        <p class="muted">"Every browser or phone signed in to your account. End any you do not recognise."</p>
        <Suspense fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
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
            <SubmitButton action=everywhere label="Sign out everywhere" pending="Signing out…" />
        </ActionForm>
    }
}

#[component]
fn SessionRow(session: SessionView, end: ServerAction<EndSession>) -> impl IntoView {
    view! {
        <li class="session-card" data-testid="session">
            <div>
                <strong>{session.device}</strong>
                {session.current.then(|| view! { <span class="tag">"This device"</span> })}
                <p class="muted">{format!("{} · last active ", session.ip)}<When at=session.last_seen_at /></p>
            </div>
            {(!session.current).then(|| view! {
                <ActionForm action=end attr:class="inline-form" attr:method="post">
                    <input type="hidden" name="id" value=session.id />
                    <SubmitButton action=end label="End session" pending="Ending…" />
                </ActionForm>
            })}
        </li>
    }
}
