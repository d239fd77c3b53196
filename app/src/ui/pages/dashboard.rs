//! The dashboard: the matters the user can see, with their current stage, and
//! an instant filter that runs in the browser.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{api::matters::list_matters, domain::matter::MatterSummaryView};

/// The dashboard page at `/`.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let matters = Resource::new(|| (), |()| list_matters());
    let (query, set_query) = signal(String::new());

    view! {
        <Title text="Dashboard" />
        <section class="page-head">
            <h1>"Matters"</h1>
            <div class="filter">
                <label for="matter-filter">"Filter matters"</label>
                <input
                    id="matter-filter"
                    type="search"
                    placeholder="Number, title or client"
                    maxlength="100"
                    prop:value=query
                    on:input:target=move |ev| set_query.set(ev.target().value())
                />
            </div>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading matters…"</p> }>
            {move || Suspend::new(async move {
                match matters.await {
                    Ok(list) => view! { <MatterList matters=list query /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The list of matter cards, filtered by `query`.
#[component]
fn MatterList(matters: Vec<MatterSummaryView>, query: ReadSignal<String>) -> impl IntoView {
    let total = matters.len();
    let matters = StoredValue::new(matters);
    let visible = Memo::new(move |_| {
        let needle = query.get().trim().to_lowercase();
        matters.with_value(|all| {
            all.iter()
                .filter(|m| m.matches(&needle))
                .cloned()
                .collect::<Vec<_>>()
        })
    });

    view! {
        <p class="muted" aria-live="polite" data-testid="matter-count">
            {move || format!("Showing {} of {total} matters", visible.with(Vec::len))}
        </p>
        <ul class="matter-list">
            <For each=move || visible.get() key=|m| m.id.clone() let:matter>
                <MatterCard matter />
            </For>
        </ul>
    }
}

/// One matter: number, title, client and where it stands.
#[component]
fn MatterCard(matter: MatterSummaryView) -> impl IntoView {
    let progress = matter.progress_percent();
    let stage = matter
        .current_stage
        .clone()
        .unwrap_or_else(|| "No stages yet".to_owned());
    let step = format!("Stage {} of {}", matter.stage_position, matter.stage_count);
    let closed = matter.status == "closed";
    let href = format!("/matters/{}", matter.id);
    view! {
        <li class="matter-card">
            <div class="matter-meta">
                <span class="matter-number">{matter.number}</span>
                <span class="tag">{matter.practice_area}</span>
                {closed.then(|| view! { <span class="tag closed">"Closed"</span> })}
            </div>
            <h2 class="matter-title">
                <a class="matter-link" href=href>{matter.title}</a>
            </h2>
            <p class="muted">{matter.client_name}</p>
            <div class="stage">
                <span class="stage-name">{stage}</span>
                <span class="muted">{step.clone()}</span>
            </div>
            <progress max="100" value=progress aria-label=step>
                {format!("{progress}%")}
            </progress>
        </li>
    }
}
