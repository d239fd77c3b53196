//! The sign-in pages: the password step at `/login` and the MFA step at
//! `/login/mfa`.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::auth::{SignIn, VerifyMfa},
    ui::components::action_error,
};

/// The password step.
#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let error = action_error(sign_in);
    view! {
        <Title text="Sign in" />
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <p class="muted">"Use the email address your firm invited you with."</p>
            <ActionForm action=sign_in attr:class="form" attr:method="post">
                <label for="login-email">"Email"</label>
                <input
                    id="login-email"
                    name="email"
                    type="email"
                    autocomplete="username"
                    inputmode="email"
                    maxlength="254"
                    required
                />
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    maxlength="1024"
                    required
                />
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <button class="button primary" type="submit" disabled=move || sign_in.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
            <p class="form-aside">
                <a href="/reset">"Forgot your password?"</a>
            </p>
        </section>
    }
}

/// The MFA step: a code from the authenticator app, or a recovery code.
#[component]
pub fn MfaPage() -> impl IntoView {
    let verify = ServerAction::<VerifyMfa>::new();
    let error = action_error(verify);
    view! {
        <Title text="Authentication code" />
        <section class="panel narrow">
            <h1>"Two-step verification"</h1>
            <p class="muted">
                "Enter the 6-digit code from your authenticator app. Lost your device? Enter one of your recovery codes."
            </p>
            <ActionForm action=verify attr:class="form" attr:method="post">
                <label for="mfa-code">"Authentication code"</label>
                <input
                    id="mfa-code"
                    name="code"
                    type="text"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    maxlength="64"
                    required
                />
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <button class="button primary" type="submit" disabled=move || verify.pending().get()>
                    "Verify"
                </button>
            </ActionForm>
        </section>
    }
}
