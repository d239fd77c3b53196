//! The attorney inbox at `/inbox`: threads waiting for the firm's answer,
//! longest-waiting first, with the response-time target and breaches
//! highlighted.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::messages::list_inbox,
    domain::{message::InboxItemView, time::format_utc},
    ui::pages::not_found::NotFoundPage,
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
            <p class="muted">"Client messages waiting for an answer, longest-waiting first."</p>
        </section>
        {empty.then(|| view! { <p class="muted">"Nothing is waiting for the firm."</p> })}
        <ul class="thread-list inbox">
            {items
                .into_iter()
                .map(|item| {
                    let status = if item.breached {
                        format!("Overdue since {}", format_utc(item.due_at))
                    } else {
                        format!("Answer by {}", format_utc(item.due_at))
                    };
                    view! {
                        <li class="thread-row" class:breached=item.breached>
                            <a href=format!("/messages/{}", item.thread_id)>{item.subject}</a>
                            <span class="muted">
                                {format!("{} · {}", item.matter_number, item.matter_title)}
                            </span>
                            <span class="muted">
                                {format!("Waiting since {}", format_utc(item.waiting_since))}
                            </span>
                            <span class="sla">
                                {format!("Target {} min · {status}", item.sla_minutes)}
                            </span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
