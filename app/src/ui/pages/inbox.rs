//! The attorney inbox at `/inbox`: threads waiting for the firm's answer,
//! longest-waiting first, with the response-time target and breaches
//! highlighted.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::messages::list_inbox, domain::message::InboxItemView, ui::pages::not_found::NotFoundPage,
};

/// The inbox page.
#[component]
pub fn InboxPage() -> impl IntoView {
    let items = Resource::new(|| (), |()| list_inbox());
    view! {
        <Title text="Inbox" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the inbox…"</p> }>
            {move || Suspend::new(async move {
                match items.await {
                    Ok(items) => view! { <Inbox items /> }.into_any(),
                    Err(_) => view! { <NotFoundPage /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Inbox(items: Vec<InboxItemView>) -> impl IntoView {
    let empty = items.is_empty();
    view! {
        <section class="page-head">
            <h1>"Inbox"</h1>
            <p class="muted">
                "Client messages waiting for the firm's answer, longest-waiting first. "
                <a href="/messages">"Messages"</a>
                " lists every conversation you take part in, answered or not."
            </p>
        </section>
        {empty.then(|| view! { <p class="muted">"Nothing is waiting for the firm."</p> })}
        <ul class="thread-list inbox">
            {items
                .into_iter()
                .map(|item| {
                    let timing = format!("{}, {}", item.waiting, item.due);
                    view! {
                        <li class="thread-row inbox-row" class:breached=item.breached data-testid="inbox-row">
                            <a class="inbox-link" href=format!("/messages/{}", item.thread_id)>
                                <strong>{item.client_name}</strong>
                                <span class="muted">{format!(" · {}", item.account_name)}</span>
                            </a>
                            <span>{item.subject}</span>
                            {(!item.preview.is_empty()).then(|| view! {
                                <span class="preview">{format!("“{}”", item.preview)}</span>
                            })}
                            <span class="muted nowrap">
                                {format!("{} · {}", item.matter_number, item.matter_title)}
                            </span>
                            <span class="sla" title=format!("Target {} min", item.sla_minutes)>{timing}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
