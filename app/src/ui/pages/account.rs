//! The account page: who you are, your sessions, two-step verification
//! (which clients may set up here, and turn off again) and whether new
//! secure messages are emailed.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        auth::{BeginMfaEnrolment, ChangePassword, ConfirmMfaEnrolment, TurnOffMfa, get_account},
        messages::SetMessageEmails,
        settings::{SetMyTimeZone, get_time_zone_choice},
    },
    domain::{auth::AccountView, time::TimeZoneChoice},
    ui::components::{
        MfaKey, RecoveryCodeList, action_error,
        forms::{DoneNote, SubmitButton, announce, reset_on_success},
        time::{ZoneSelect, page_clock},
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
    let set_zone = ServerAction::<SetMyTimeZone>::new();
    let zones = Resource::new(move || set_zone.version().get(), |_| get_time_zone_choice());
    // Times on every page follow the zone the user chooses.
    let clock = page_clock();
    Effect::new(move || {
        if matches!(set_zone.value().get(), Some(Ok(_))) {
            clock.refresh();
        }
    });
    // Made here: the form below is drawn again once the choice reloads,
    // and the note must outlive that.
    let zone_done = RwSignal::new(None);
    announce(set_zone, zone_done, |zone: &String| {
        format!("Times now show in {}.", zone.replace('_', " "))
    });
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
                match (details.await, zones.await) {
                    (Ok(me), Ok(choice)) => view! {
                        <AccountDetails me begin confirm turn_off emails />
                        <TimeZoneForm choice set_zone done=zone_done />
                    }
                    .into_any(),
                    (Err(err), _) | (_, Err(err)) => {
                        view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
        <ChangePasswordForm change />
    }
}

/// The zone the user reads times in: the firm's, or one of their own
/// (working abroad, or a client in another country).
#[component]
fn TimeZoneForm(
    choice: TimeZoneChoice,
    set_zone: ServerAction<SetMyTimeZone>,
    /// Says which zone is now in force.
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let error = action_error(set_zone);
    let firm = format!("The firm's ({})", choice.firm.replace('_', " "));
    let selected = choice.own.clone();
    view! {
        <section class="panel" aria-labelledby="zone-heading">
            <h2 id="zone-heading">"Time zone"</h2>
            <ActionForm action=set_zone attr:class="form" attr:method="post">
                <label for="own-zone">"Show times in"</label>
                <ZoneSelect id="own-zone" name="time_zone" choice selected default_label=firm />
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <SubmitButton action=set_zone label="Save time zone" pending="Saving…" />
            </ActionForm>
            <DoneNote note=done />
        </section>
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
                <SubmitButton action=emails label=toggle_label pending="Saving…" />
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
                <SubmitButton action=begin label="Set up two-step verification" pending="Starting…" />
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
                            <SubmitButton action=confirm label="Turn on" pending="Turning on…" class="button primary" />
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
            <SubmitButton action=turn_off label="Turn off two-step verification" pending="Turning off…" />
        </ActionForm>
    }
}
