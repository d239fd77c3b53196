//! The firm's accounts at `/crm/accounts`: organisations and private
//! clients' households, with a "New account" form. Firm users only;
//! clients get the not-found page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::crm::{CreateAccount, list_accounts},
    domain::{
        AppError,
        contact::{AccountRowView, MAX_ACCOUNT_NAME_CHARS},
    },
    ui::{components::action_error, pages::not_found::NotFoundPage},
};

/// The accounts page.
#[component]
pub fn AccountsPage() -> impl IntoView {
    let create = ServerAction::<CreateAccount>::new();
    let accounts = Resource::new(move || create.version().get(), |_| list_accounts());
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
                    Ok(list) => view! {
                        <section class="page-head">
                            <h1>"Accounts"</h1>
                        </section>
                        <section class="panel" aria-labelledby="new-account-heading">
                            <h2 id="new-account-heading">"New account"</h2>
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
                                <button class="button primary" type="submit">"Add account"</button>
                            </ActionForm>
                        </section>
                        <ul class="contact-list">
                            {list.is_empty().then(|| view! { <li class="muted">"No accounts yet."</li> })}
                            {list.into_iter().map(|account| view! { <AccountCard account /> }).collect_view()}
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

#[component]
fn AccountCard(account: AccountRowView) -> impl IntoView {
    let people = match account.contacts {
        1 => "1 contact".to_owned(),
        n => format!("{n} contacts"),
    };
    view! {
        <li class="contact-card" data-testid="account">
            <div>
                <strong>{account.name}</strong>
                <span class="tag">{account.kind}</span>
                <p class="muted">{people}</p>
            </div>
        </li>
    }
}
