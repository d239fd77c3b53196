//! The firm's settings at `/admin/settings`, for admins: its name,
//! currency, matter numbering, message response target, business hours
//! and time zone; and how clients pay. Everyone else gets the not-found
//! page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::settings::{SetPaymentInstructions, UpdateFirmSettings, get_firm_settings},
    domain::{
        AppError,
        settings::{
            FirmSettings, MAX_FIRM_NAME_CHARS, MAX_PAYMENT_INSTRUCTIONS_CHARS, MAX_RESPONSE_MINUTES,
        },
    },
    ui::{
        components::{
            action_error,
            forms::{DoneNote, SubmitButton, announce},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<UpdateFirmSettings>::new();
    let pay = ServerAction::<SetPaymentInstructions>::new();
    let settings = Resource::new(
        move || (save.version().get(), pay.version().get()),
        |_| get_firm_settings(),
    );
    view! {
        <Title text="Firm settings" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the settings…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(current) => view! {
                        <section class="page-head">
                            <h1>"Firm settings"</h1>
                        </section>
                        <SettingsForm current=current.clone() save />
                        <PaymentForm current=current.payment_instructions pay />
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
fn SettingsForm(current: FirmSettings, save: ServerAction<UpdateFirmSettings>) -> impl IntoView {
    let error = action_error(save);
    let saved = move || {
        matches!(save.value().get(), Some(Ok(())))
            .then(|| view! { <p class="notice" role="status">"Settings saved."</p> })
    };
    view! {
        <section class="panel">
            <ActionForm action=save attr:class="form" attr:method="post">
                <label for="firm-name">"Firm name"</label>
                <input id="firm-name" name="firm_name" type="text" required maxlength=MAX_FIRM_NAME_CHARS value=current.firm_name />
                <label for="firm-currency">"Default currency"</label>
                <input id="firm-currency" name="currency" type="text" required maxlength="3" value=current.currency />
                <label for="firm-pattern">"Matter number pattern"</label>
                <input id="firm-pattern" name="number_pattern" type="text" required maxlength="60" value=current.number_pattern />
                <p class="muted">"{year} is the year, {seq:4} the next number padded to four digits, e.g. {year}-{seq:4} gives 2026-0007."</p>
                <label for="firm-response">"Message response target in minutes"</label>
                <input
                    id="firm-response"
                    name="response_minutes"
                    type="number"
                    min="1"
                    max=MAX_RESPONSE_MINUTES
                    required
                    value=current.response_minutes.to_string()
                />
                <label for="firm-start">"Business hours start"</label>
                <input id="firm-start" name="hours_start" type="time" required value=current.hours_start />
                <label for="firm-end">"Business hours end"</label>
                <input id="firm-end" name="hours_end" type="time" required value=current.hours_end />
                <label for="firm-zone">"Time zone"</label>
                <input id="firm-zone" name="time_zone" type="text" required maxlength="64" value=current.time_zone />
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                {saved}
                <button class="button primary" type="submit" disabled=move || save.pending().get()>
                    "Save settings"
                </button>
            </ActionForm>
        </section>
    }
}

/// How clients pay, shown on their home beside what they owe.
#[component]
fn PaymentForm(current: String, pay: ServerAction<SetPaymentInstructions>) -> impl IntoView {
    let error = action_error(pay);
    let done = RwSignal::new(None);
    announce(pay, done, |()| "Payment instructions saved.".to_owned());
    view! {
        <section class="panel" aria-labelledby="payment-heading">
            <h2 id="payment-heading">"How clients pay"</h2>
            <ActionForm action=pay attr:class="form" attr:method="post">
                <label for="firm-payment">"Payment instructions"</label>
                <textarea id="firm-payment" name="payment_instructions" rows="4" maxlength=MAX_PAYMENT_INSTRUCTIONS_CHARS>
                    {current}
                </textarea>
                <p class="muted">"Shown to clients beside what they owe: bank details, the reference to quote."</p>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <SubmitButton action=pay label="Save payment instructions" pending="Saving…" />
            </ActionForm>
            <DoneNote note=done />
        </section>
    }
}
