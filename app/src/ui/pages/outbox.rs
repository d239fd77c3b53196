//! The email outbox at `/admin/outbox`, for admins: who was sent what kind
//! of email and how delivery went, never a body or link (those are the
//! recipient's alone). Without SMTP configured every email waits here until
//! it is (DESIGN §2.10). Everyone else gets the not-found page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::invitations::list_outbox,
    domain::{AppError, outbox::OutboxView},
    ui::{
        components::time::{When, page_clock},
        pages::not_found::NotFoundPage,
    },
};

/// The outbox page.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let emails = Resource::new(|| (), |()| list_outbox());
    let clock = page_clock();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the outbox…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                match emails.await {
                    Ok(list) => view! {
                        <Title text="Outbox" />
                        <section class="page-head">
                            <h1>"Outbox"</h1>
                        </section>
                        <p class="muted">
                            "Every email, newest first, and whether it was delivered. Emails are never shown here: their links belong to their recipients. Until SMTP is set up (smtp_url), emails wait here and go out once it is."
                        </p>
                        {list.is_empty().then(|| view! { <p>"The outbox is empty."</p> })}
                        <ul class="outbox-list">
                            {list.into_iter().map(|email| view! { <EmailCard email /> }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One email: recipient, kind, when, and how delivery went.
#[component]
fn EmailCard(email: OutboxView) -> impl IntoView {
    let status = match (email.sent_at, email.failed_at) {
        (Some(at), _) => view! { "Sent " <When at /> }.into_any(),
        (None, Some(at)) => view! { "Given up " <When at /> }.into_any(),
        (None, None) if email.attempts > 0 => {
            format!("Not sent yet ({} attempts)", email.attempts).into_any()
        }
        (None, None) => "Not sent".into_any(),
    };
    let error = email
        .last_error
        .filter(|_| email.sent_at.is_none())
        .map(|reason| view! { <p class="error">{format!("Last attempt: {reason}")}</p> });
    view! {
        <li class="email-card" data-testid="email">
            <div class="matter-meta">
                <span class="tag">{email.kind}</span>
                <span class="muted">"Queued " <When at=email.created_at /></span>
                <span class="muted">{status}</span>
            </div>
            <h2 class="email-to">{email.to_address}</h2>
            {error}
        </li>
    }
}
