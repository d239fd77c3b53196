//! The matter page's "Portal access" panel, for staff and admins: which of
//! the matter's client contacts can see it in the portal, with "Give
//! portal access" and "Revoke access" for each.

use leptos::prelude::*;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::matters::{GivePortalAccess, RevokePortalAccess, list_portal_access},
    domain::{
        AppError,
        matter::{
            MatterDetailView,
            opening::{MatterAccessView, PortalAccessView},
        },
    },
    ui::components::action_error,
};

/// The panel's data and actions, made at the top of the matter page.
#[derive(Clone, Copy)]
pub struct MatterAccess {
    give: ServerAction<GivePortalAccess>,
    revoke: ServerAction<RevokePortalAccess>,
    resource: Resource<Result<Option<MatterAccessView>, AppError>>,
}

impl MatterAccess {
    /// The access of `matter_id`'s clients, asked only for viewers who may
    /// manage it (for anyone else the function answers not found, which
    /// must not become the page's status); `None` for them.
    pub fn new(
        matter_id: Signal<String>,
        matter: Resource<Result<MatterDetailView, AppError>>,
    ) -> Self {
        let give = ServerAction::<GivePortalAccess>::new();
        let revoke = ServerAction::<RevokePortalAccess>::new();
        let resource = Resource::new(
            move || {
                (
                    matter_id.get(),
                    give.version().get(),
                    revoke.version().get(),
                )
            },
            move |(id, ..)| async move {
                if !matter.await?.can_manage_access {
                    return Ok(None);
                }
                list_portal_access(id).await.map(Some)
            },
        );
        Self {
            give,
            revoke,
            resource,
        }
    }

    /// What the panel shows, read inside the page's one `Suspense`.
    pub async fn load(self) -> Result<Option<MatterAccessView>, AppError> {
        self.resource.await
    }
}

/// The panel itself; nothing for viewers who may not manage access.
#[component]
pub fn PortalAccessPanel(
    access: MatterAccess,
    loaded: Result<Option<MatterAccessView>, AppError>,
) -> impl IntoView {
    let view = match loaded {
        Ok(Some(view)) => view,
        Ok(None) => return ().into_any(),
        Err(err) => {
            return view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any();
        }
    };
    let give_error = action_error(access.give);
    let revoke_error = action_error(access.revoke);
    let outcome = move || match access.give.value().get() {
        Some(Ok(true)) => Some("Invitation sent. They see the matter once they accept it."),
        Some(Ok(false)) => {
            Some("Access given. They have been emailed that the matter is in their portal.")
        }
        _ => None,
    };
    let matter_id = view.matter_id.to_string();
    view! {
        <section class="panel" aria-labelledby="access-heading">
            <h2 id="access-heading">"Portal access"</h2>
            <p class="muted">"The client's people who can follow this matter in the portal."</p>
            {move || give_error().or_else(revoke_error).map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || outcome().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            {view.contacts.is_empty().then(|| view! {
                <p class="muted">"The client account has no contacts yet."</p>
            })}
            <ul class="contact-list">
                {view
                    .contacts
                    .into_iter()
                    .map(|contact| view! { <AccessRow contact matter_id=matter_id.clone() access /> })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn AccessRow(contact: PortalAccessView, matter_id: String, access: MatterAccess) -> impl IntoView {
    let status = if contact.has_access {
        "Can see this matter"
    } else {
        contact.portal.label()
    };
    let (contact_id, matter) = (contact.contact_id.to_string(), matter_id);
    let revoke_label = format!("Revoke access for {}", contact.name);
    let action = if contact.has_access {
        view! {
            <ActionForm action=access.revoke attr:class="inline-form" attr:method="post">
                <input type="hidden" name="matter_id" value=matter />
                <input type="hidden" name="contact_id" value=contact_id />
                <SubmitButton action=access.revoke label=revoke_label pending="Saving…" />
            </ActionForm>
        }
        .into_any()
    } else if contact.email.is_some() {
        view! {
            <ActionForm action=access.give attr:class="inline-form" attr:method="post">
                <input type="hidden" name="matter_id" value=matter />
                <input type="hidden" name="contact_id" value=contact_id />
                <SubmitButton action=access.give label="Give portal access" pending="Giving access…" class="button primary" />
            </ActionForm>
        }
        .into_any()
    } else {
        view! { <p class="muted">"Add an email address to give portal access."</p> }.into_any()
    };
    view! {
        <li class="contact-card" data-testid="portal-access">
            <div>
                <strong>{contact.name.clone()}</strong>
                <span class=if contact.has_access { "tag ok" } else { "tag" }>{status}</span>
                <div class="contact-email muted">{contact.email.clone().unwrap_or_default()}</div>
            </div>
            {action}
        </li>
    }
}
