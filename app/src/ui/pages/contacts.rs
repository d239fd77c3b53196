//! The firm's contacts at `/crm/contacts`, with "Invite to portal" for
//! staff and admins. A stop-gap until the CRM proper: names, emails,
//! accounts and portal status. Clients get the not-found page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::invitations::{InviteContact, list_contacts},
    domain::{
        AppError,
        contact::{ContactRowView, PortalAccess},
    },
    ui::pages::not_found::NotFoundPage,
};

/// The contact list page.
#[component]
pub fn ContactsPage() -> impl IntoView {
    let invite = ServerAction::<InviteContact>::new();
    // Reload after each invitation, so the row shows "Invited".
    let contacts = Resource::new(move || invite.version().get(), |_| list_contacts());
    let outcome = move || {
        match invite.value().get() {
        Some(Ok(())) => Some(
            view! {
                <p class="notice" role="status">
                    "Invitation sent. If email (SMTP) is not set up yet, it waits in the outbox and goes out once it is."
                </p>
            }
            .into_any(),
        ),
        Some(Err(err)) => {
            Some(view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any())
        }
        None => None,
    }
    };
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading contacts…"</p> }>
            {move || Suspend::new(async move {
                match contacts.await {
                    Ok(list) => {
                        let may_invite = list.may_invite;
                        view! {
                            <Title text="Contacts" />
                            <section class="page-head">
                                <h1>"Contacts"</h1>
                            </section>
                            {outcome}
                            <ul class="contact-list">
                                {list
                                    .contacts
                                    .into_iter()
                                    .map(|contact| view! { <ContactCard contact may_invite invite /> })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any()
                    }
                    Err(AppError::NotFound) => view! { <NotFoundPage /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One contact, with the invite button where it applies.
#[component]
fn ContactCard(
    contact: ContactRowView,
    may_invite: bool,
    invite: ServerAction<InviteContact>,
) -> impl IntoView {
    let can_invite = may_invite && contact.can_be_invited();
    let status_class = match contact.portal {
        PortalAccess::Active => "tag ok",
        PortalAccess::Disabled => "tag closed",
        PortalAccess::None | PortalAccess::Invited => "tag",
    };
    view! {
        <li class="contact-card" data-testid="contact">
            <div>
                <strong>
                    <a href=format!("/crm/contacts/{}", contact.id)>{contact.name}</a>
                </strong>
                <span class=status_class>{contact.portal.label()}</span>
                <p class="muted contact-email">
                    {contact.email.unwrap_or_else(|| "No email".to_owned())}
                </p>
                {contact.account_name.map(|name| view! { <p class="muted">{name}</p> })}
            </div>
            {can_invite.then(|| view! {
                <ActionForm action=invite attr:class="inline-form" attr:method="post">
                    <input type="hidden" name="contact_id" value=contact.id.to_string() />
                    <button class="button" type="submit" disabled=move || invite.pending().get()>
                        "Invite to portal"
                    </button>
                </ActionForm>
            })}
        </li>
    }
}
