//! The firm's contacts at `/crm/contacts`: a "New contact" form, and one
//! page of the list, searched, filtered by tag and owner and sorted as the
//! URL says, with "Invite to portal" for staff and admins. Clients get the
//! not-found page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{hooks::use_query_map, params::ParamsMap};

use crate::{
    api::{
        crm::{CreateContact, list_accounts, list_contacts},
        invitations::InviteContact,
    },
    domain::{
        AppError,
        contact::{
            AccountRowView, ContactListView, ContactRowView, ContactSort, MAX_DETAIL_CHARS,
            MAX_QUERY_CHARS, PortalAccess,
        },
        links,
        user::{MAX_EMAIL_LEN, MAX_NAME_CHARS},
    },
    ui::{
        components::{
            action_error,
            contact_import::{ContactTransfer, ImportState},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The list's URL values: search, tag, owner, sort, page, archived.
#[derive(Clone, Debug, Default, PartialEq)]
struct ListParams {
    q: String,
    tag: String,
    owner: String,
    sort: String,
    page: String,
    archived: bool,
}

impl ListParams {
    fn from_query(query: &ParamsMap) -> Self {
        let get = |key: &str| query.get(key).unwrap_or_default();
        Self {
            q: get("q"),
            tag: get("tag"),
            owner: get("owner"),
            sort: get("sort"),
            page: get("page"),
            archived: get("archived") == "true",
        }
    }

    /// The list's address with these values on page `page`.
    fn href(&self, page: u32) -> String {
        format!("/crm/contacts{}", self.query(Some(page)))
    }

    /// The export's address for these values (every page).
    fn export_href(&self) -> String {
        format!("{}{}", links::CONTACTS_EXPORT, self.query(None))
    }

    /// The values as a query string, with `page` if given.
    fn query(&self, page: Option<u32>) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("q", self.q.clone()),
            ("tag", self.tag.clone()),
            ("owner", self.owner.clone()),
            ("sort", self.sort.clone()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        if self.archived {
            pairs.push(("archived", "true".to_owned()));
        }
        if let Some(page) = page {
            pairs.push(("page", page.to_string()));
        }
        let query: ParamsMap = pairs.into_iter().collect();
        query.to_query_string()
    }
}

/// The contact list page.
#[component]
pub fn ContactsPage() -> impl IntoView {
    let invite = ServerAction::<InviteContact>::new();
    let create = ServerAction::<CreateContact>::new();
    let import = ImportState::default();
    let query = use_query_map();
    let params = move || query.with(ListParams::from_query);
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
    let accounts = Resource::new(|| (), |()| list_accounts());
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
                        let current = query.with_untracked(ListParams::from_query);
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
                            <FilterForm current=current.clone() list=list.clone() />
                            {outcome}
                            {list.contacts.is_empty().then(|| view! { <p class="muted">"No contacts match."</p> })}
                            <ul class="contact-list">
                                {list
                                    .contacts
                                    .into_iter()
                                    .map(|contact| view! { <ContactCard contact may_invite invite /> })
                                    .collect_view()}
                            </ul>
                            <Pager current page=list.page pages=list.pages />
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

/// Search, tag, owner, order and archive: a plain GET form, so the
/// choice lives in the URL and survives a reload or a shared link.
#[component]
fn FilterForm(current: ListParams, list: ContactListView) -> impl IntoView {
    let sort = ContactSort::parse(&current.sort);
    view! {
        <form class="panel form filters" method="get" action="/crm/contacts" role="search">
            <label for="contacts-q">"Search contacts"</label>
            <input id="contacts-q" name="q" type="search" maxlength=MAX_QUERY_CHARS value=current.q.clone() />
            <label for="contacts-tag">"Tag"</label>
            <select id="contacts-tag" name="tag">
                <option value="">"Any tag"</option>
                {list.tags.into_iter().map(|tag| {
                    let selected = tag == current.tag;
                    let value = tag.clone();
                    view! { <option value=value selected=selected>{tag}</option> }
                }).collect_view()}
            </select>
            <label for="contacts-owner">"Owner"</label>
            <select id="contacts-owner" name="owner">
                <option value="">"Anyone"</option>
                {list.owners.into_iter().map(|(id, name)| {
                    let selected = id.as_str() == current.owner;
                    view! { <option value=id.to_string() selected=selected>{name}</option> }
                }).collect_view()}
            </select>
            <label for="contacts-sort">"Sort by"</label>
            <select id="contacts-sort" name="sort">
                {ContactSort::ALL.into_iter().map(|s| view! {
                    <option value=s.as_str() selected=s == sort>{s.label()}</option>
                }).collect_view()}
            </select>
            <label class="check">
                <input type="checkbox" name="archived" value="true" checked=current.archived />
                " Archived contacts"
            </label>
            <button class="button" type="submit">"Show contacts"</button>
        </form>
    }
}

/// "Page 2 of 5" with the links either side.
#[component]
fn Pager(current: ListParams, page: u32, pages: u32) -> impl IntoView {
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="Pages of contacts">
                {(page > 1).then(|| view! { <a class="button" href=current.href(page - 1)>"Previous page"</a> })}
                <span class="muted">{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a class="button" href=current.href(page + 1)>"Next page"</a> })}
            </nav>
        }
    })
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
                    <button class="button" type="submit" disabled=move || invite.pending().get()>
                        "Invite to portal"
                    </button>
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
    accounts: Vec<AccountRowView>,
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
                    {accounts.into_iter().map(|a| view! { <option value=a.id.to_string()>{a.name}</option> }).collect_view()}
                </select>
                <label for="contact-role">"Role at the account"</label>
                <input id="contact-role" name="role" type="text" maxlength=MAX_DETAIL_CHARS />
                <label class="check">
                    <input type="checkbox" name="anyway" value="yes" />
                    "This is someone else: save anyway"
                </label>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                {added}
                <button class="button primary" type="submit" disabled=move || create.pending().get()>
                    "Add contact"
                </button>
            </ActionForm>
        </details>
    }
}
