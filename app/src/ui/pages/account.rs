//! The account page: who you are, your sessions, two-step verification
//! (which clients may set up here, and turn off again) and whether new
//! secure messages are emailed.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        auth::{BeginMfaEnrolment, ChangePassword, ConfirmMfaEnrolment, TurnOffMfa, get_account},
        messages::SetMessageEmails,
    },
    domain::auth::AccountView,
    ui::components::{
        MfaKey, RecoveryCodeList, action_error,
        forms::{DoneNote, SubmitButton, announce, reset_on_success},
    },
};

/// The account page at `/account`.
#[component]
pub fn AccountPage() -> impl IntoView {
    // Made here, above the details that reload after every action, so a
    // set-up in progress (its QR code) survives turning emails on or off.
    let begin = ServerAction::<BeginMfaEnrolment>::new();
    let confirm = ServerAction::<ConfirmMfaEnrolment>::new();
    let turn_off = ServerAction::<TurnOffMfa>::new();
    let emails = ServerAction::<SetMessageEmails>::new();
    let change = ServerAction::<ChangePassword>::new();
    // Once two-step verification is turned on or off, that set-up is over.
    Effect::new(move || {
        let done = matches!(confirm.value().get(), Some(Ok(_)))
            || matches!(turn_off.value().get(), Some(Ok(())));
        if done {
            begin.value().set(None);
        }
    });
    let details = Resource::new(
        move || {
            (
                confirm.version().get(),
                turn_off.version().get(),
                emails.version().get(),
            )
        },
        |_| get_account(),
    );
    view! {
        <Title text="Your account" />
        <section class="page-head">
            <h1>"Your account"</h1>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(me) => view! { <AccountDetails me begin confirm turn_off emails /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <ChangePasswordForm change />
    }
}

/// Changing the password: the current one, then the new one. Other
/// sessions are signed out; the note says how many.
#[component]
fn ChangePasswordForm(change: ServerAction<ChangePassword>) -> impl IntoView {
    let error = action_error(change);
    let done = RwSignal::new(None);
    announce(change, done, |ended: &u64| match ended {
        0 => "Password changed.".to_owned(),
        1 => "Password changed. Your one other session was signed out.".to_owned(),
        n => format!("Password changed. Your {n} other sessions were signed out."),
    });
    view! {
        <section class="panel" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <ActionForm action=change node_ref=reset_on_success(change) attr:class="form" attr:method="post">
                <label for="current-password">"Current password"</label>
                <input id="current-password" name="current" type="password" autocomplete="current-password" maxlength="1024" required />
                <label for="new-password">"New password"</label>
                <input id="new-password" name="new" type="password" autocomplete="new-password" maxlength="1024" required />
                <p class="muted">"At least 12 characters; a short phrase of several words works well."</p>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <SubmitButton action=change label="Change password" pending="Changing…" />
            </ActionForm>
            <DoneNote note=done />
        </section>
    }
}

#[component]
fn AccountDetails(
    me: AccountView,
    begin: ServerAction<BeginMfaEnrolment>,
    confirm: ServerAction<ConfirmMfaEnrolment>,
    turn_off: ServerAction<TurnOffMfa>,
    emails: ServerAction<SetMessageEmails>,
) -> impl IntoView {
    let (status, toggle_to, toggle_label) = if me.message_emails {
        (
            "On. We email you when you have a new secure message (never its text).",
            "false",
            "Turn off message emails",
        )
    } else {
        (
            "Off. New secure messages show only in the portal.",
            "true",
            "Turn on message emails",
        )
    };
    view! {
        <section class="panel">
            <h2>{me.display_name}</h2>
            <p class="muted">{me.email}</p>
            <p>
                <a href="/account/sessions">"See where you are signed in"</a>
            </p>
        </section>
        <section class="panel" aria-labelledby="mfa-heading">
            <h2 id="mfa-heading">"Two-step verification"</h2>
            {if me.mfa_enabled {
                view! {
                    <p data-testid="mfa-status">"On. You will be asked for a code from your authenticator app when you sign in."</p>
                    {me.may_turn_off_mfa.then(|| view! { <TurnOff turn_off /> })}
                }
                .into_any()
            } else {
                view! {
                    <p data-testid="mfa-status">"Off. Add a second step to protect your account if your password is ever guessed."</p>
                    <Enrol begin confirm />
                }
                .into_any()
            }}
            <RecoveryCodes confirm />
        </section>
        <section class="panel" aria-labelledby="emails-heading">
            <h2 id="emails-heading">"Email notifications"</h2>
            <p data-testid="message-emails-status">{status}</p>
            <ActionForm action=emails attr:class="inline-form" attr:method="post">
                <input type="hidden" name="enabled" value=toggle_to />
                <button class="button" type="submit">{toggle_label}</button>
            </ActionForm>
            {move || action_error(emails)().map(|message| {
                view! { <p class="error" role="alert">{message}</p> }
            })}
        </section>
    }
}

/// Set-up: show the QR code, then take a first code.
#[component]
fn Enrol(
    begin: ServerAction<BeginMfaEnrolment>,
    confirm: ServerAction<ConfirmMfaEnrolment>,
) -> impl IntoView {
    let error = action_error(confirm);
    let begin_error = action_error(begin);
    view! {
        // The set-up form steps aside once its QR code is on screen.
        <Show when=move || !matches!(begin.value().get(), Some(Ok(_)))>
            <ActionForm action=begin attr:class="form" attr:method="post">
                <label for="enrol-password">"Current password"</label>
                <input id="enrol-password" name="password" type="password" autocomplete="current-password" maxlength="1024" required />
                {move || begin_error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <button class="button" type="submit">"Set up two-step verification"</button>
            </ActionForm>
        </Show>
        {move || {
            begin.value().get().and_then(Result::ok).map(|enrolment| {
                view! {
                    <div class="enrol">
                        <p>"Scan this code with an authenticator app, or type in the key below."</p>
                        <MfaKey enrolment />
                        <ActionForm action=confirm attr:class="form" attr:method="post">
                            <label for="enrol-code">"Authentication code"</label>
                            <input id="enrol-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required />
                            {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                            <button class="button primary" type="submit">"Turn on"</button>
                        </ActionForm>
                    </div>
                }
            })
        }}
    }
}

/// The recovery codes, shown once right after set-up.
#[component]
fn RecoveryCodes(confirm: ServerAction<ConfirmMfaEnrolment>) -> impl IntoView {
    move || {
        confirm
            .value()
            .get()
            .and_then(Result::ok)
            .map(|codes| view! { <RecoveryCodeList codes /> })
    }
}

/// Turning it off needs the password.
#[component]
fn TurnOff(turn_off: ServerAction<TurnOffMfa>) -> impl IntoView {
    let error = action_error(turn_off);
    view! {
        <ActionForm action=turn_off attr:class="form" attr:method="post">
            <label for="turn-off-password">"Password"</label>
            <input id="turn-off-password" name="password" type="password" autocomplete="current-password" maxlength="1024" required />
            {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <button class="button" type="submit">"Turn off two-step verification"</button>
        </ActionForm>
    }
}
