//! The public enquiry form at `/enquire` (issue 13, point 1): no sign-in.
//! Whoever sends it gets the same answer; a hidden field catches scripts.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::intake::SubmitEnquiry,
    domain::intake::ENQUIRY_RECEIVED,
    ui::components::{action_error, enquiry_fields::EnquiryFields, forms::SubmitButton},
};

/// The enquiry page.
#[component]
pub fn EnquirePage() -> impl IntoView {
    let send = ServerAction::<SubmitEnquiry>::new();
    let error = action_error(send);
    let received = move || matches!(send.value().get(), Some(Ok(())));
    view! {
        <Title text="Send an enquiry" />
        <section class="page-head">
            <h1>"Send an enquiry"</h1>
            <p class="muted">"Tell us what you need help with. What you write is kept encrypted and read only by the firm."</p>
        </section>
        <Show
            when=received
            fallback=move || view! {
                <section class="panel">
                    <ActionForm action=send attr:class="form" attr:method="post">
                        <EnquiryFields prefix="enquiry" />
                        // A field people never see: scripts fill it, and
                        // what they send is dropped.
                        <div class="visually-hidden" aria-hidden="true">
                            <label for="enquiry-website">"Leave this empty"</label>
                            <input id="enquiry-website" name="enquiry[website]" type="text" tabindex="-1" autocomplete="off" />
                        </div>
                        <label class="check">
                            <input name="enquiry[consent]" type="checkbox" value="on" required />
                            "You may contact me about this enquiry"
                        </label>
                        {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                        <SubmitButton action=send label="Send enquiry" pending="Sending…" class="button primary" />
                    </ActionForm>
                </section>
            }
        >
            <p class="notice" role="status" data-testid="enquiry-sent">{ENQUIRY_RECEIVED}</p>
        </Show>
    }
}
