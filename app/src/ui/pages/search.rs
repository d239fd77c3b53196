//! The firm's search at `/search?q=…`: one box for contacts, accounts and
//! matters (by number, title or party), grouped, with how many of each
//! match. Matters the viewer may not see are never shown or counted.
//! Clients get the not-found page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::search::search,
    domain::{
        AppError,
        search::{MAX_SEARCH_CHARS, SearchGroup},
    },
    ui::pages::not_found::NotFoundPage,
};

/// The search page.
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.with(|p| p.get("q").unwrap_or_default());
    let results = Resource::new(q, |q| async move {
        if q.trim().is_empty() {
            None
        } else {
            Some(search(q).await)
        }
    });
    view! {
        <Title text="Search" />
        <section class="page-head">
            <h1>"Search"</h1>
        </section>
        <form class="panel form" method="get" action="/search" role="search">
            <label for="search-q">"Search contacts, accounts and matters"</label>
            <input
                id="search-q"
                name="q"
                type="search"
                maxlength=MAX_SEARCH_CHARS
                prop:value=q
                placeholder="A name, an email, a matter number or title, a party"
            />
            <button class="button primary" type="submit">"Search"</button>
        </form>
        <Suspense fallback=|| view! { <p class="muted">"Searching…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    None => view! { <p class="muted">"Type at least three letters of a name or number for the quickest search."</p> }.into_any(),
                    Some(Ok(found)) => {
                        let nothing = found.groups.iter().all(|g| g.total == 0);
                        view! {
                            {nothing.then(|| view! {
                                <p class="muted" role="status">{format!("Nothing matches “{}”.", found.query)}</p>
                            })}
                            {found.groups.into_iter().filter(|g| g.total > 0).map(|group| view! { <Group group /> }).collect_view()}
                        }
                        .into_any()
                    }
                    Some(Err(AppError::NotFound)) => view! { <NotFoundPage /> }.into_any(),
                    Some(Err(err)) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The hits of one kind, under a heading with their count.
#[component]
fn Group(group: SearchGroup) -> impl IntoView {
    let heading_id = format!("search-{}", group.kind.as_str());
    let shown = group.hits.len();
    let more = usize::try_from(group.total)
        .is_ok_and(|total| total > shown)
        .then(|| view! { <p class="muted">{format!("The first {shown} shown. Add a word to narrow it down.")}</p> });
    let labelled_by = heading_id.clone();
    view! {
        <section class="panel" aria-labelledby=labelled_by data-testid=format!("search-{}", group.kind.as_str())>
            <h2 id=heading_id>{group.kind.heading()}</h2>
            <p class="muted" data-testid="search-count">{group.count_label()}</p>
            <ul class="links">
                {group.hits.iter().map(|hit| view! {
                    <li><a href=group.href(hit)>{hit.label.clone()}</a></li>
                }).collect_view()}
            </ul>
            {more}
        </section>
    }
}
