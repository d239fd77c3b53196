//! The dashboard: for a client, cards with what to do, new messages, the
//! next date and what they owe; then the matters the user can see, with
//! their current stage, and an instant filter that runs in the browser.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{home::get_client_home, matters::list_matters},
    domain::{home::ClientHomeView, matter::MatterSummaryView},
    ui::components::time::{When, page_clock},
};

/// The dashboard page at `/`. A client's leads with what the portal asks
/// of them, what is new, what comes next and what they owe; then, for
/// everyone, the matters.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let matters = Resource::new(|| (), |()| list_matters());
    let home = Resource::new(|| (), |()| get_client_home());
    let clock = page_clock();
    let (query, set_query) = signal(String::new());
    let filter = move || {
        view! {
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
        }
    };

    view! {
        <Title text="Dashboard" />
        <Suspense fallback=|| view! { <p class="muted">"Loading matters…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                let home = home.await.ok().flatten();
                // Under a client's "Matters" h2 the cards head with h3.
                let nested = home.is_some();
                let list = match matters.await {
                    Ok(list) => view! { <MatterList matters=list query nested /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                };
                match home {
                    // The page's one h1 heads the cards; the matters follow.
                    Some(home) => view! {
                        <h1>"Your portal"</h1>
                        <HomeCards home />
                        <section class="page-head">
                            <h2>"Matters"</h2>
                            {filter()}
                        </section>
                        {list}
                    }
                    .into_any(),
                    None => view! {
                        <section class="page-head">
                            <h1>"Matters"</h1>
                            {filter()}
                        </section>
                        {list}
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

/// The client's cards: things to do, new messages, the next date and what
/// is owed. Each card is one link target as a whole where it leads
/// somewhere.
#[component]
fn HomeCards(home: ClientHomeView) -> impl IntoView {
    let to_do = if home.to_do.is_empty() {
        view! { <p class="muted">"Nothing for now. We will let you know when we need something."</p> }
            .into_any()
    } else {
        view! {
            <ul class="todo-list">
                {home
                    .to_do
                    .into_iter()
                    .map(|item| {
                        let href = format!("/matters/{}#requests-heading", item.matter_id);
                        let what = format!("Send {}", item.title);
                        view! {
                            <li class="todo" class:overdue=item.overdue data-testid="to-do">
                                <a href=href>{what}</a>
                                <span class="muted nowrap">{format!(" · {}", item.matter_number)}</span>
                                {item.due.map(|due| view! {
                                    <span class="due" class:overdue=item.overdue>{due}</span>
                                })}
                                {item.sent_back.map(|reason| view! {
                                    <span class="error">{format!("Sent back: {reason}")}</span>
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let messages = match home.unread_messages {
        0 => "No new messages".to_owned(),
        1 => "1 new message".to_owned(),
        n => format!("{n} new messages"),
    };
    let next = home.next_date.map_or_else(
        || view! { <p class="muted">"No dates coming up."</p> }.into_any(),
        |date| {
            let href = format!("/matters/{}", date.matter_id);
            view! {
                <p>
                    <a href=href>{date.title}</a>
                    <span class="muted nowrap">{format!(" · {}", date.matter_number)}</span>
                </p>
                <p>
                    <When at=date.starts_at />
                    " "
                    <strong>{date.when}</strong>
                </p>
            }
            .into_any()
        },
    );
    let owed = if home.owed.is_empty() {
        view! { <p class="muted">"Nothing to pay."</p> }.into_any()
    } else {
        let total = home
            .owed
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" and ");
        let instructions = (!home.payment_instructions.is_empty()).then(|| {
            view! { <p class="payment-instructions">{home.payment_instructions}</p> }
        });
        view! {
            <p class="owed" data-testid="owed">{format!("You owe {total}")}</p>
            {instructions}
            <p><a href="/billing">"See your statements"</a></p>
        }
        .into_any()
    };
    view! {
        <div class="home-cards">
            <section class="home-card" aria-labelledby="todo-heading">
                <h2 id="todo-heading">"Things for you to do"</h2>
                {to_do}
            </section>
            <a class="home-card card-link" href="/messages" data-testid="new-messages">
                <h2>"Messages"</h2>
                <p>{messages}</p>
            </a>
            <section class="home-card" aria-labelledby="next-heading">
                <h2 id="next-heading">"Next date"</h2>
                {next}
            </section>
            <section class="home-card" aria-labelledby="owed-heading">
                <h2 id="owed-heading">"Billing"</h2>
                {owed}
            </section>
        </div>
    }
}

/// The list of matter cards, filtered by `query`.
#[component]
fn MatterList(
    matters: Vec<MatterSummaryView>,
    query: ReadSignal<String>,
    /// Whether the list sits under an h2 of its own.
    nested: bool,
) -> impl IntoView {
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
                <MatterCard matter nested />
            </For>
        </ul>
    }
}

/// One matter: number, title, client and where it stands. The whole card
/// opens the matter (its link covers it).
#[component]
fn MatterCard(matter: MatterSummaryView, nested: bool) -> impl IntoView {
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
            {if nested {
                view! { <h3 class="matter-title"><a class="matter-link" href=href>{matter.title}</a></h3> }.into_any()
            } else {
                view! { <h2 class="matter-title"><a class="matter-link" href=href>{matter.title}</a></h2> }.into_any()
            }}
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
