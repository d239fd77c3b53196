//! The fields of an enquiry, shared by the public form at `/enquire` and
//! the intake list's "Add a lead" form. Names follow `enquiry[…]`, the
//! server functions' one argument.

use leptos::prelude::*;

use crate::domain::{
    intake::{MAX_DETAILS_CHARS, MAX_NAME_CHARS, MAX_PHONE_CHARS, TOPICS},
    user::MAX_EMAIL_LEN,
};

/// Name, email, phone, organisation, topic and details, each labelled;
/// `prefix` keeps ids apart when two forms share a page.
#[component]
pub fn EnquiryFields(#[prop(into)] prefix: String) -> impl IntoView {
    let id = |field: &str| format!("{prefix}-{field}");
    view! {
        <label for=id("name")>"Name"</label>
        <input id=id("name") name="enquiry[name]" type="text" autocomplete="name" required maxlength=MAX_NAME_CHARS />
        <label for=id("email")>"Email"</label>
        <input id=id("email") name="enquiry[email]" type="email" autocomplete="email" required maxlength=MAX_EMAIL_LEN />
        <label for=id("phone")>"Phone"</label>
        <input id=id("phone") name="enquiry[phone]" type="tel" autocomplete="tel" maxlength=MAX_PHONE_CHARS />
        <label for=id("organisation")>"Organisation"</label>
        <input id=id("organisation") name="enquiry[organisation]" type="text" autocomplete="organization" maxlength=MAX_NAME_CHARS />
        <label for=id("topic")>"What do you need help with?"</label>
        <select id=id("topic") name="enquiry[topic]" required>
            <option value="">"Choose one"</option>
            {TOPICS.iter().map(|t| view! { <option value=*t>{*t}</option> }).collect_view()}
        </select>
        <label for=id("details")>"Details"</label>
        <textarea id=id("details") name="enquiry[details]" rows="6" maxlength=MAX_DETAILS_CHARS></textarea>
    }
}
