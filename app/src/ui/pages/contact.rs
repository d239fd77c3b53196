//! A contact's CRM record at `/crm/contacts/{id}`: their timeline of portal
//! touchpoints, calls, emails and notes, newest first, fifty at a time.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::crm::get_contact_timeline,
    domain::{time::format_utc, touchpoint::TouchpointView},
    ui::pages::not_found::NotFoundPage,
};

/// The contact page.
#[component]
pub fn ContactPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let first = Resource::new(id, |id| get_contact_timeline(id, None, None));
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the timeline…"</p> }>
            {move || Suspend::new(async move {
                match first.await {
                    Ok(page) => view! {
                        <Title text=page.name.clone() />
                        <section class="page-head">
                            <div>
                                <h1>{page.name.clone()}</h1>
                                <p class="muted">
                                    {page.email.clone().unwrap_or_default()}
                                    {page.account_name.clone().map(|a| format!(" · {a}"))}
                                </p>
                            </div>
                        </section>
                        <section class="panel" aria-labelledby="portal-heading">
                            <h2 id="portal-heading">"Portal access"</h2>
                            {page.portal_matters.is_empty().then(|| view! {
                                <p class="muted">"No matters in the portal. Give access from a matter's page."</p>
                            })}
                            <ul class="links" data-testid="portal-matters">
                                {page.portal_matters.clone().into_iter().map(|(id, label)| view! {
                                    <li><a href=format!("/matters/{id}")>{label}</a></li>
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="panel" aria-labelledby="timeline-heading">
                            <h2 id="timeline-heading">"Timeline"</h2>
                            <Timeline id=id() first=page.entries has_more=page.has_more />
                        </section>
                    }.into_any(),
                    Err(_) => view! { <NotFoundPage /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The entries, with an "Older entries" button that appends the next page.
#[component]
fn Timeline(id: String, first: Vec<TouchpointView>, has_more: bool) -> impl IntoView {
    let (entries, set_entries) = signal(first);
    let (more, set_more) = signal(has_more);
    let load_older = Action::new(move |(): &()| {
        let id = id.clone();
        let cursor = entries.with_untracked(|list| list.last().map(TouchpointView::cursor));
        async move {
            let (at, last) = cursor.unzip();
            if let Ok(page) = get_contact_timeline(id, at, last).await {
                set_entries.update(|list| list.extend(page.entries));
                set_more.set(page.has_more);
            }
        }
    });
    view! {
        <ol class="timeline" data-testid="timeline">
            <For each=move || entries.get() key=|e| e.id.clone() let:entry>
                <li class="timeline-entry">
                    <span class="tag">{entry.kind.clone()}</span>
                    <span>{entry.summary.clone()}</span>
                    <span class="muted">{format_utc(entry.occurred_at)}</span>
                </li>
            </For>
        </ol>
        {move || entries.with(Vec::is_empty).then(|| view! { <p class="muted">"Nothing on the timeline yet."</p> })}
        {move || more.get().then(|| view! {
            <button class="button" type="button" on:click=move |_| { load_older.dispatch(()); }>
                "Older entries"
            </button>
        })}
    }
}
