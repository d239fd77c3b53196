//! Components shared by several pages.

pub mod billing;
pub mod contact_import;
pub mod crm_list;
pub mod documents;
pub mod matter_settings;
pub mod portal_access;

use leptos::{prelude::*, server_fn::ServerFn};

use crate::domain::AppError;

/// The message of the error from `action`'s last run, if it failed: what a
/// form shows under its fields. Reactive: call it inside a view.
pub fn action_error<S>(
    action: ServerAction<S>,
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    }
}

/// Freshly made recovery codes, shown once right after two-step
/// verification is turned on.
#[component]
pub fn RecoveryCodeList(codes: Vec<String>) -> impl IntoView {
    view! {
        <div class="recovery" role="status">
            <p>
                <strong>"Two-step verification is on."</strong>
                " Keep these recovery codes somewhere safe. Each works once if you lose your phone. They are not shown again."
            </p>
            <ul class="codes">{codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
        </div>
    }
}
