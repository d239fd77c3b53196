//! The sign-in pages: the password step at `/login`, the MFA step at
//! `/login/mfa`, and a firm user's first set-up of two-step verification
//! at `/login/setup`.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::components::forms::SubmitButton;
use crate::{
    api::auth::{ConfirmMfaSetup, SignIn, VerifyMfa, begin_mfa_setup},
    ui::components::{MfaKey, RecoveryCodeList, action_error},
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
                <SubmitButton action=sign_in label="Sign in" pending="Signing in…" class="button primary" />
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
                <SubmitButton action=verify label="Verify" pending="Checking…" class="button primary" />
            </ActionForm>
        </section>
    }
}

/// A firm user's first sign-in: two-step verification is required, so it
/// is set up here before anything else works. The seed is made as the page
/// loads; the recovery codes are shown once it is confirmed.
#[component]
pub fn MfaSetupPage() -> impl IntoView {
    let setup = Resource::new(|| (), |()| begin_mfa_setup());
    let confirm = ServerAction::<ConfirmMfaSetup>::new();
    let error = action_error(confirm);
    view! {
        <Title text="Set up two-step verification" />
        <section class="panel narrow">
            <h1>"Set up two-step verification"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Preparing your code…"</p> }>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(enrolment) => view! {
                            <Show
                                when=move || !matches!(confirm.value().get(), Some(Ok(_)))
                                fallback=move || view! { <SetupDone confirm /> }
                            >
                                <p class="muted">
                                    "Your firm requires a second step at every sign-in. Scan this code with an authenticator app, or type in the key, then enter the 6-digit code it shows."
                                </p>
                                <MfaKey enrolment=enrolment.clone() />
                                <ActionForm action=confirm attr:class="form" attr:method="post">
                                    <label for="setup-code">"Authentication code"</label>
                                    <input
                                        id="setup-code"
                                        name="code"
                                        type="text"
                                        inputmode="numeric"
                                        autocomplete="one-time-code"
                                        maxlength="12"
                                        required
                                    />
                                    {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                                    <SubmitButton action=confirm label="Turn on and continue" pending="Turning on…" class="button primary" />
                                </ActionForm>
                            </Show>
                        }
                        .into_any(),
                        Err(_) => view! {
                            <p class="error" role="alert">"This sign-in has expired. Sign in again to set up two-step verification."</p>
                            <p><a class="button" href="/login">"Sign in"</a></p>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The recovery codes, once, and the way in.
#[component]
fn SetupDone(confirm: ServerAction<ConfirmMfaSetup>) -> impl IntoView {
    let codes = confirm
        .value()
        .get()
        .and_then(Result::ok)
        .unwrap_or_default();
    view! {
        <RecoveryCodeList
            codes
            // A full load, so the header and every page see the new session.
            then=std::sync::Arc::new(|| {
                view! { <a class="button primary" href="/" rel="external">"Continue to Vellum"</a> }
                    .into_any()
            })
        />
    }
}
