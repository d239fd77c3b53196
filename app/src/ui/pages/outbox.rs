//! The email outbox at `/admin/outbox`, for admins. Without SMTP configured
//! every email stays here (DESIGN §2.10), so a fresh install can still pass
//! an invitation link to a client. Everyone else gets the not-found page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::invitations::list_outbox,
    domain::{AppError, outbox::OutboxView, time::format_utc},
    ui::pages::not_found::NotFoundPage,
};

/// The outbox page.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let emails = Resource::new(|| (), |()| list_outbox());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the outbox…"</p> }>
            {move || Suspend::new(async move {
                match emails.await {
                    Ok(list) => view! {
                        <Title text="Outbox" />
                        <section class="page-head">
                            <h1>"Outbox"</h1>
                        </section>
                        <p class="muted">
                            "Every email, newest first, and whether it was sent. Without SMTP set up (smtp_url), pass links on to their recipients yourself."
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

/// One email: recipient, subject, kind, when, and the body.
#[component]
fn EmailCard(email: OutboxView) -> impl IntoView {
    let status = match (email.sent_at, email.failed_at) {
        (Some(at), _) => format!("Sent {}", format_utc(at)),
        (None, Some(at)) => format!("Given up {}", format_utc(at)),
        (None, None) if email.attempts > 0 => format!("Not sent yet ({} attempts)", email.attempts),
        (None, None) => "Not sent".to_owned(),
    };
    let error = email
        .last_error
        .filter(|_| email.sent_at.is_none())
        .map(|reason| view! { <p class="error">{format!("Last attempt: {reason}")}</p> });
    view! {
        <li class="email-card" data-testid="email">
            <div class="matter-meta">
                <span class="tag">{email.kind}</span>
                <span class="muted">{format!("Queued {}", format_utc(email.created_at))}</span>
                <span class="muted">{status}</span>
            </div>
            <h2>{email.subject}</h2>
            <p class="muted">"To: " <span class="email-to">{email.to_address}</span></p>
            {error}
            <pre class="email-body">{email.body_text}</pre>
        </li>
    }
}
