//! The firm's accounts at `/crm/accounts`: organisations and private
//! clients' households, with a "New account" form and one page of the
//! list, searched, filtered by tag and owner and sorted as the URL says.
//! Firm users only; clients get the not-found page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::accounts::{CreateAccount, list_accounts},
    domain::{
        AppError,
        contact::{AccountRowView, MAX_ACCOUNT_NAME_CHARS},
    },
    ui::{
        components::{
            action_error,
            crm_list::{ACCOUNTS_LIST, FilterForm, ListParams, Pager},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The accounts page.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let create = ServerAction::<CreateAccount>::new();
    let query = use_query_map();
    let params = move || query.with(|q| ListParams::from_query(ACCOUNTS_LIST, q));
    let accounts = Resource::new(
        move || (params(), create.version().get()),
        |(p, _)| list_accounts(p.q, p.tag, p.owner, p.sort, p.page, p.archived),
    );
    let error = action_error(create);
    let added = move || {
        matches!(create.value().get(), Some(Ok(_)))
            .then(|| view! { <p class="notice" role="status">"Account added."</p> })
    };
    view! {
        <Title text="Accounts" />
        <Suspense fallback=|| view! { <p class="muted">"Loading accounts…"</p> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Ok(list) => {
                        let current = query.with_untracked(|q| ListParams::from_query(ACCOUNTS_LIST, q));
                        let count = match list.total {
                            1 => "1 account".to_owned(),
                            n => format!("{n} accounts"),
                        };
                        view! {
                            <section class="page-head">
                                <h1>"Accounts"</h1>
                                <p class="muted" data-testid="account-count">{count}</p>
                            </section>
                            <details class="panel editor">
                                <summary>"New account"</summary>
                                <ActionForm action=create attr:class="form" attr:method="post">
                                    <label for="account-name">"Name"</label>
                                    <input id="account-name" name="name" type="text" required maxlength=MAX_ACCOUNT_NAME_CHARS />
                                    <label for="account-kind">"Kind"</label>
                                    <select id="account-kind" name="kind">
                                        <option value="organisation">"Organisation"</option>
                                        <option value="household">"Household (a private client)"</option>
                                    </select>
                                    {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                                    {added}
                                    <SubmitButton action=create label="Add account" pending="Adding…" class="button primary" />
                                </ActionForm>
                            </details>
                            <FilterForm noun="accounts" current=current.clone() tags=list.tags owners=list.owners />
                            <ul class="contact-list">
                                {list.accounts.is_empty().then(|| view! { <li class="muted">"No accounts match."</li> })}
                                {list.accounts.into_iter().map(|account| view! { <AccountCard account /> }).collect_view()}
                            </ul>
                            <Pager noun="accounts" current page=list.page pages=list.pages />
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

#[component]
fn AccountCard(account: AccountRowView) -> impl IntoView {
    let people = match account.contacts {
        1 => "1 contact".to_owned(),
        n => format!("{n} contacts"),
    };
    view! {
        <li class="contact-card" data-testid="account">
            <div>
                <strong><a href=format!("{ACCOUNTS_LIST}/{}", account.id)>{account.name}</a></strong>
                <span class="tag">{account.kind}</span>
                <p class="muted">{people}</p>
                {account.owner_name.map(|name| view! { <p class="muted">{format!("Owner: {name}")}</p> })}
                {(!account.tags.is_empty()).then(|| view! {
                    <p class="tags">
                        {account.tags.into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()}
                    </p>
                })}
            </div>
        </li>
    }
}
