//! The firm's settings at `/admin/settings`, for admins: its name,
//! currency, matter numbering, message response target, business hours
//! and time zone; and how clients pay. Everyone else gets the not-found
//! page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::settings::{
        SetAllowPrograms, SetPaymentInstructions, UpdateFirmSettings, get_firm_settings,
        get_time_zone_choice,
    },
    domain::{
        AppError, links,
        settings::{
            FirmSettings, MAX_FIRM_NAME_CHARS, MAX_PAYMENT_INSTRUCTIONS_CHARS, MAX_RESPONSE_MINUTES,
        },
        time::TimeZoneChoice,
    },
    ui::{
        components::{
            action_error,
            forms::{DoneNote, SubmitButton, announce},
            time::{ZoneSelect, page_clock},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The settings page.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<UpdateFirmSettings>::new();
    let pay = ServerAction::<SetPaymentInstructions>::new();
    let programs = ServerAction::<SetAllowPrograms>::new();
    // The notes are kept here: the forms are drawn again when the settings
    // reload after a save, and what the save did must still be said.
    let programs_done = RwSignal::new(None);
    announce(programs, programs_done, |()| {
        "Upload settings saved.".to_owned()
    });
    let pay_done = RwSignal::new(None);
    announce(pay, pay_done, |()| "Payment instructions saved.".to_owned());
    let settings = Resource::new(
        move || {
            (
                save.version().get(),
                pay.version().get(),
                programs.version().get(),
            )
        },
        |_| get_firm_settings(),
    );
    let zones = Resource::new(move || save.version().get(), |_| get_time_zone_choice());
    // The firm's zone is most people's: read the clock again after a save.
    let clock = page_clock();
    Effect::new(move || {
        if matches!(save.value().get(), Some(Ok(()))) {
            clock.refresh();
        }
    });
    view! {
        <Title text="Firm settings" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the settings…"</p> }>
            {move || Suspend::new(async move {
                match (settings.await, zones.await) {
                    (Ok(current), Ok(zones)) => view! {
                        <section class="page-head">
                            <h1>"Firm settings"</h1>
                        </section>
                        <SettingsForm current=current.clone() zones save />
                        <LogoForm />
                        <ProgramsForm allowed=current.allow_programs programs done=programs_done />
                        <PaymentForm current=current.payment_instructions pay done=pay_done />
                    }
                    .into_any(),
                    (Err(AppError::NotFound), _) => view! { <NotFoundPage /> }.into_any(),
                    (Err(err), _) | (_, Err(err)) => {
                        view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn SettingsForm(
    current: FirmSettings,
    zones: TimeZoneChoice,
    save: ServerAction<UpdateFirmSettings>,
) -> impl IntoView {
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
                <ZoneSelect id="firm-zone" name="time_zone" choice=zones selected=Some(current.time_zone.clone()) />
                <p class="muted">"Pages show times in this zone unless a user chooses their own, and dates typed into forms are read in it."</p>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                {saved}
                <SubmitButton action=save label="Save settings" pending="Saving…" class="button primary" />
            </ActionForm>
        </section>
    }
}

/// The firm's logo: a plain multipart form (it works without JavaScript),
/// answered by a redirect back here that says what happened.
#[component]
fn LogoForm() -> impl IntoView {
    let query = use_query_map();
    let outcome = move || {
        match query.read().get("logo").as_deref() {
        Some("saved") => Some(view! { <p class="done-note" role="status">"Logo saved."</p> }.into_any()),
        Some("removed") => Some(view! { <p class="done-note" role="status">"Logo removed."</p> }.into_any()),
        Some("refused") => Some(
            view! {
                <p class="error" role="alert">
                    "That file was not taken: the logo must be a PNG image of at most 200 kB and 1000 × 1000 pixels."
                </p>
            }
            .into_any(),
        ),
        _ => None,
    }
    };
    view! {
        <section class="panel" aria-labelledby="logo-heading">
            <h2 id="logo-heading">"Logo"</h2>
            <p class="muted">"Shown beside the firm's name at the top of every page and on statements."</p>
            {outcome}
            <form class="form" method="post" action=links::FIRM_LOGO_UPLOAD enctype="multipart/form-data">
                <label for="firm-logo">"Logo (PNG)"</label>
                <input id="firm-logo" name="logo" type="file" accept="image/png" required />
                <button class="button" type="submit">"Save logo"</button>
            </form>
            <form class="inline-form" method="post" action=links::FIRM_LOGO_UPLOAD enctype="multipart/form-data">
                <input type="hidden" name="remove" value="1" />
                <button class="link-button dark" type="submit">"Remove the logo"</button>
            </form>
        </section>
    }
}

/// Whether programs and scripts may be uploaded: refused unless the firm
/// needs them (a software dispute's evidence, say).
#[component]
fn ProgramsForm(
    allowed: bool,
    programs: ServerAction<SetAllowPrograms>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let error = action_error(programs);
    view! {
        <section class="panel" aria-labelledby="uploads-heading">
            <h2 id="uploads-heading">"Uploads"</h2>
            <ActionForm action=programs attr:class="form" attr:method="post">
                <label class="check">
                    <input name="allowed" type="checkbox" value="on" checked=allowed />
                    "Accept programs and scripts (.exe, .bat, .js, …)"
                </label>
                <p class="muted">"Off unless the firm needs them: opened on a firm computer, a program runs."</p>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <SubmitButton action=programs label="Save upload settings" pending="Saving…" />
            </ActionForm>
            <DoneNote note=done />
        </section>
    }
}

/// How clients pay, shown on their home beside what they owe.
#[component]
fn PaymentForm(
    current: String,
    pay: ServerAction<SetPaymentInstructions>,
    done: RwSignal<Option<String>>,
) -> impl IntoView {
    let error = action_error(pay);
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
