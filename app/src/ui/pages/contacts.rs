//! The firm's contacts at `/crm/contacts`: a "New contact" form, and one
//! page of the list, searched, filtered by tag and owner and sorted as the
//! URL says, with "Invite to portal" for staff and admins. Clients get the
//! not-found page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::{
        accounts::list_account_choices,
        crm::{CreateContact, list_contacts},
        invitations::InviteContact,
    },
    domain::{
        AppError,
        contact::{ContactRowView, MAX_DETAIL_CHARS, PortalAccess},
        ids::AccountId,
        user::{MAX_EMAIL_LEN, MAX_NAME_CHARS},
    },
    ui::{
        components::{
            action_error,
            contact_import::{ContactTransfer, ImportState},
            crm_list::{CONTACTS_LIST, FilterForm, ListParams, Pager},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The contact list page.
#[component]
pub fn ContactsPage() -> impl IntoView {
    let invite = ServerAction::<InviteContact>::new();
    let create = ServerAction::<CreateContact>::new();
    let import = ImportState::default();
    let query = use_query_map();
    let params = move || query.with(|q| ListParams::from_query(CONTACTS_LIST, q));
    // Reload when the URL changes, after each invitation, so the row shows
    // "Invited", and after each new contact.
    let contacts = Resource::new(
        move || {
            (
                params(),
                invite.version().get(),
                create.version().get(),
                import.imported.get(),
            )
        },
        |(p, ..)| list_contacts(p.q, p.tag, p.owner, p.sort, p.page, p.archived),
    );
    let accounts = Resource::new(|| (), |()| list_account_choices());
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
                match (contacts.await, accounts.await) {
                    (Ok(list), Ok(accounts)) => {
                        let may_invite = list.may_invite;
                        let current = query.with_untracked(|q| ListParams::from_query(CONTACTS_LIST, q));
                        let count = match list.total {
                            1 => "1 contact".to_owned(),
                            n => format!("{n} contacts"),
                        };
                        view! {
                            <Title text="Contacts" />
                            <section class="page-head">
                                <h1>"Contacts"</h1>
                                <p class="muted" data-testid="contact-count">{count}</p>
                            </section>
                            <NewContactForm create accounts />
                            <ContactTransfer export_href=current.export_href() state=import />
                            <FilterForm noun="contacts" current=current.clone() tags=list.tags.clone() owners=list.owners.clone() />
                            {outcome}
                            {list.contacts.is_empty().then(|| view! { <p class="muted">"No contacts match."</p> })}
                            <ul class="contact-list">
                                {list
                                    .contacts
                                    .into_iter()
                                    .map(|contact| view! { <ContactCard contact may_invite invite /> })
                                    .collect_view()}
                            </ul>
                            <Pager noun="contacts" current page=list.page pages=list.pages />
                        }
                        .into_any()
                    }
                    (Err(AppError::NotFound), _) | (_, Err(AppError::NotFound)) => {
                        view! { <NotFoundPage /> }.into_any()
                    }
                    (Err(err), _) | (_, Err(err)) => {
                        view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any()
                    }
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
                {contact.owner_name.map(|name| view! { <p class="muted">{format!("Owner: {name}")}</p> })}
                {(!contact.tags.is_empty()).then(|| view! {
                    <p class="tags">
                        {contact.tags.into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()}
                    </p>
                })}
            </div>
            {can_invite.then(|| view! {
                <ActionForm action=invite attr:class="inline-form" attr:method="post">
                    <input type="hidden" name="contact_id" value=contact.id.to_string() />
                    <SubmitButton action=invite label="Invite to portal" pending="Inviting…" />
                </ActionForm>
            })}
        </li>
    }
}

/// "New contact": a name and email, with phone, address, account and role
/// at the account.
#[component]
fn NewContactForm(
    create: ServerAction<CreateContact>,
    accounts: Vec<(AccountId, String)>,
) -> impl IntoView {
    let error = action_error(create);
    let added = move || {
        matches!(create.value().get(), Some(Ok(_)))
            .then(|| view! { <p class="notice" role="status">"Contact added."</p> })
    };
    view! {
        <details class="panel editor">
            <summary>"New contact"</summary>
            <ActionForm action=create attr:class="form" attr:method="post">
                <label for="contact-name">"Name"</label>
                <input id="contact-name" name="name" type="text" required maxlength=MAX_NAME_CHARS />
                <label for="contact-email">"Email"</label>
                <input id="contact-email" name="email" type="email" inputmode="email" maxlength=MAX_EMAIL_LEN />
                <label for="contact-phone">"Phone"</label>
                <input id="contact-phone" name="phone" type="tel" maxlength=MAX_DETAIL_CHARS />
                <label for="contact-address">"Address"</label>
                <textarea id="contact-address" name="address" rows="2" maxlength=MAX_DETAIL_CHARS></textarea>
                <label for="contact-account">"Account"</label>
                <select id="contact-account" name="account_id">
                    <option value="">"No account (a private client)"</option>
                    {accounts.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                </select>
                <label for="contact-role">"Role at the account"</label>
                <input id="contact-role" name="role" type="text" maxlength=MAX_DETAIL_CHARS />
                <label class="check">
                    <input type="checkbox" name="anyway" value="yes" />
                    "This is someone else: save anyway"
                </label>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                {added}
                <SubmitButton action=create label="Add contact" pending="Adding…" class="button primary" />
            </ActionForm>
        </details>
    }
}
