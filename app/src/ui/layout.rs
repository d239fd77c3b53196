//! The page frame: the firm's name, navigation and main area. On a phone
//! the navigation folds behind a "Menu" button (which carries the unread
//! count); on a desktop it is always shown. Signed out, there is only the
//! sign-in link, and no menu.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::{
    api::{
        auth::{SignOut, get_current_user},
        messages::count_unread_messages,
        settings::get_firm_brand,
    },
    domain::role::Role,
};

/// The links for a signed-in user with `role`: (label, path). Hiding a link
/// is only a convenience; each page and server function checks the policy.
fn nav_links(role: Role) -> Vec<(&'static str, &'static str)> {
    let mut links = vec![
        ("Dashboard", "/"),
        ("Messages", "/messages"),
        ("Billing", "/billing"),
    ];
    if role.is_firm() {
        links.push(("Search", "/search"));
        links.push(("New matter", "/matters/new"));
        links.push(("Inbox", "/inbox"));
        links.push(("Intake", "/intake"));
        links.push(("Contacts", "/crm/contacts"));
        links.push(("Accounts", "/crm/accounts"));
    }
    if role == Role::Admin {
        links.push(("Users", "/admin/users"));
        links.push(("Settings", "/admin/settings"));
        links.push(("Stages", "/admin/stages"));
        links.push(("Outbox", "/admin/outbox"));
        links.push(("Walls", "/admin/walls"));
    }
    // Sessions are a part of the account, linked from its page.
    links.push(("Account", "/account"));
    links
}

/// Wraps every page.
#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);
    // Effects run only in the browser, so this flag turns true exactly when
    // the page has hydrated. Browser tests wait for it.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));

    let location = use_location();
    // Close the menu after navigating on a phone.
    Effect::new(move |_| {
        location.pathname.track();
        set_menu_open.set(false);
    });
    let sign_out = ServerAction::<SignOut>::new();
    // Re-read who is signed in, and their unread count, after each
    // navigation and sign-out, so the header follows sign-in, sign-out and
    // reading a thread without a reload. One resource made here, not one
    // per badge inside the `Transition` below: a resource created while a
    // `Transition` renders its children can keep server rendering waiting
    // for ever (leptos-rs/leptos#4866).
    let nav = Resource::new(
        move || (location.pathname.get(), sign_out.version().get()),
        |_| async move {
            let user = get_current_user().await.ok().flatten()?;
            // Asked only for a signed-in user: without a session it would
            // answer 401 and turn a public page's status into that.
            let unread = count_unread_messages().await.unwrap_or(0);
            Some((user, unread))
        },
    );

    // The firm's own name heads every page; read once per page load.
    let firm = Resource::new(|| (), |()| async move { get_firm_brand().await.ok() });

    view! {
        <div class="app" data-hydrated=move || hydrated.get().to_string()>
            <header class="topbar">
                <Transition>
                    {move || Suspend::new(async move {
                        let (name, logo) = firm
                            .await
                            .map_or_else(|| ("Vellum".to_owned(), None), |b| (b.name, b.logo_url));
                        // The firm's logo, else its initial, beside its name.
                        let mark = if let Some(src) = logo {
                            view! { <img class="brand-logo" src=src alt="" /> }.into_any()
                        } else {
                            let initial = name.chars().next().unwrap_or('V').to_string();
                            view! { <span class="brand-mark" aria-hidden="true">{initial}</span> }.into_any()
                        };
                        let brand = view! {
                            <a class="brand" href="/">
                                {mark}
                                <span class="brand-name">{name}</span>
                            </a>
                        };
                        match nav.await {
                            Some((user, unread)) => view! {
                                {brand}
                                // On a phone the unread count shows on the
                                // button that hides the navigation.
                                <button
                                    class="menu-toggle"
                                    type="button"
                                    aria-controls="primary-nav"
                                    aria-expanded=move || menu_open.get().to_string()
                                    on:click=move |_| set_menu_open.update(|open| *open = !*open)
                                >
                                    "Menu"
                                    {(unread > 0).then(|| view! { <UnreadBadge count=unread /> })}
                                </button>
                                <nav
                                    id="primary-nav"
                                    class="primary-nav"
                                    class:open=move || menu_open.get()
                                    aria-label="Main"
                                >
                                    <ul>
                                        {nav_links(user.role)
                                            .into_iter()
                                            .map(|(label, path)| {
                                                let current = move || {
                                                    (location.pathname.get() == path).then_some("page")
                                                };
                                                let count = (path == "/messages" && unread > 0)
                                                    .then(|| view! { <UnreadBadge count=unread /> });
                                                view! {
                                                    <li>
                                                        <a href=path aria-current=current>{label}{count}</a>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                        <li class="whoami">{user.display_name}</li>
                                        <li>
                                            <ActionForm action=sign_out attr:class="inline-form" attr:method="post">
                                                <button class="link-button" type="submit">"Sign out"</button>
                                            </ActionForm>
                                        </li>
                                    </ul>
                                </nav>
                            }
                            .into_any(),
                            // Nothing to navigate: no menu button, one link.
                            None => view! {
                                {brand}
                                <nav class="public-nav" aria-label="Main">
                                    <a href="/login">"Sign in"</a>
                                </nav>
                            }
                            .into_any(),
                        }
                    })}
                </Transition>
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}

/// The number of unread messages, shown only when there are some.
#[component]
fn UnreadBadge(count: i64) -> impl IntoView {
    view! { <span class="badge nav-unread" aria-label=format!("{count} unread")>{count}</span> }
}
