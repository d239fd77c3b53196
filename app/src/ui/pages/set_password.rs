//! The pages behind one-time links and the reset request: `/invite/{token}`
//! (an invited client sets a first password), `/reset` (ask for a reset
//! link) and `/reset/{token}` (set a new password). All are public: the
//! link itself is the credential.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::invitations::{
        AcceptInvitation, RequestPasswordReset, ResetPassword, get_invitation, get_password_reset,
    },
    domain::invitation::{LINK_NO_LONGER_VALID, RESET_REQUESTED},
    ui::components::action_error,
};

/// The token from the route's `:token` segment.
fn route_token() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("token").unwrap_or_default())
}

/// The invitation page at `/invite/{token}`.
#[component]
pub fn InvitePage() -> impl IntoView {
    let token = route_token();
    let link = Resource::new(move || token.get(), get_invitation);
    let accept = ServerAction::<AcceptInvitation>::new();
    let done = move || matches!(accept.value().get(), Some(Ok(())));
    let error = Signal::derive(action_error(accept));
    let pending = accept.pending();
    view! {
        <Title text="Accept your invitation" />
        <section class="panel narrow">
            <h1>"Welcome to your client portal"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(Some(found)) => view! {
                            {move || if done() {
                                view! { <PasswordSet /> }.into_any()
                            } else {
                                let email = found.email.clone();
                                view! {
                                    <p class="muted">
                                        "Choose a password for " <strong>{email}</strong>
                                        ". Use at least 12 characters; a short phrase of several words works well."
                                    </p>
                                    <ActionForm action=accept attr:class="form" attr:method="post">
                                        <PasswordFields token=token.get_untracked() error pending />
                                    </ActionForm>
                                }
                                .into_any()
                            }}
                        }
                        .into_any(),
                        Ok(None) => view! { <LinkNoLongerValid /> }.into_any(),
                        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The reset request page at `/reset`.
#[component]
pub fn ResetRequestPage() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    let sent = move || matches!(request.value().get(), Some(Ok(())));
    let error = action_error(request);
    view! {
        <Title text="Reset your password" />
        <section class="panel narrow">
            <h1>"Reset your password"</h1>
            {move || if sent() {
                view! {
                    <p class="notice" role="status">{RESET_REQUESTED}</p>
                    <p class="muted">"The link works once, for one hour."</p>
                    <p><a href="/login">"Back to sign in"</a></p>
                }
                .into_any()
            } else {
                view! {
                    <p class="muted">"Enter the email address you sign in with. We will send you a link to choose a new password."</p>
                    <ActionForm action=request attr:class="form" attr:method="post">
                        <label for="reset-email">"Email"</label>
                        <input
                            id="reset-email"
                            name="email"
                            type="email"
                            autocomplete="username"
                            inputmode="email"
                            maxlength="254"
                            required
                        />
                        {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                        <SubmitButton action=request label="Send reset link" pending="Sending…" class="button primary" />
                    </ActionForm>
                    <p><a href="/login">"Back to sign in"</a></p>
                }
                .into_any()
            }}
        </section>
    }
}

/// The reset page at `/reset/{token}`.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = route_token();
    let link = Resource::new(move || token.get(), get_password_reset);
    let reset = ServerAction::<ResetPassword>::new();
    let done = move || matches!(reset.value().get(), Some(Ok(())));
    let error = Signal::derive(action_error(reset));
    let pending = reset.pending();
    view! {
        <Title text="Choose a new password" />
        <section class="panel narrow">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    match link.await {
                        Ok(Some(found)) => view! {
                            {move || if done() {
                                view! { <PasswordSet /> }.into_any()
                            } else {
                                let email = found.email.clone();
                                view! {
                                    <p class="muted">
                                        "Choose a new password for " <strong>{email}</strong>
                                        ". Saving it signs you out on every device."
                                    </p>
                                    <ActionForm action=reset attr:class="form" attr:method="post">
                                        <PasswordFields token=token.get_untracked() error pending />
                                    </ActionForm>
                                }
                                .into_any()
                            }}
                        }
                        .into_any(),
                        Ok(None) => view! { <LinkNoLongerValid /> }.into_any(),
                        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The fields of a set-password form, inside the page's `ActionForm`.
#[component]
fn PasswordFields(
    token: String,
    error: Signal<Option<String>>,
    pending: Memo<bool>,
) -> impl IntoView {
    view! {
        <input type="hidden" name="token" value=token />
        <label for="new-password">"New password"</label>
        <input
            id="new-password"
            name="password"
            type="password"
            autocomplete="new-password"
            minlength="12"
            maxlength="1024"
            required
        />
        <label for="confirm-password">"Confirm password"</label>
        <input
            id="confirm-password"
            name="confirm"
            type="password"
            autocomplete="new-password"
            maxlength="1024"
            required
        />
        {move || error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        <button class="button primary" type="submit" disabled=move || pending.get()>
            "Set password"
        </button>
    }
}

/// The answer after a password was set.
#[component]
fn PasswordSet() -> impl IntoView {
    view! {
        <p class="notice" role="status">
            "Your password is set — " <a href="/login">"sign in"</a>
        </p>
    }
}

/// The one answer for an expired, used or unknown link.
#[component]
fn LinkNoLongerValid() -> impl IntoView {
    view! {
        <p class="notice" role="status">{LINK_NO_LONGER_VALID}</p>
        <p><a href="/login">"Go to sign in"</a></p>
    }
}
