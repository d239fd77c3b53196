//! Components shared by several pages.

pub mod billing;
pub mod contact_import;
pub mod crm_list;
pub mod documents;
pub mod enquiry_fields;
pub mod forms;
pub mod matter_settings;
pub mod portal_access;
pub mod time;

use leptos::{prelude::*, server_fn::ServerFn};

use crate::domain::{AppError, auth::MfaEnrolmentView};

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
/// verification is turned on: to copy or download, and a tick to say they
/// are kept safe, after which `then` shows (the way on).
#[component]
pub fn RecoveryCodeList(
    codes: Vec<String>,
    /// Shown once the user says the codes are saved.
    #[prop(optional)]
    then: Option<ChildrenFn>,
) -> impl IntoView {
    let saved = RwSignal::new(false);
    let text = codes.join("\n");
    // A data: address, so the download works from the server's page alone;
    // the codes are letters, digits and hyphens, so only newlines need
    // escaping.
    let file = format!(
        "data:text/plain;charset=utf-8,{}",
        text.replace('\n', "%0A")
    );
    view! {
        <div class="recovery" role="status">
            <p>
                <strong>"Two-step verification is on."</strong>
                " Keep these recovery codes somewhere safe. Each works once if you lose your phone. They are not shown again."
            </p>
            <ul class="codes">{codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
            <p class="feed-actions">
                <button class="button" type="button" on:click=move |_| copy_text(&text)>"Copy codes"</button>
                <a class="button" href=file download="recovery-codes.txt">"Download as a file"</a>
            </p>
            <label class="check">
                <input type="checkbox" on:change=move |ev| saved.set(event_target_checked(&ev)) />
                "I have saved these codes somewhere safe"
            </label>
            {move || saved.get().then(|| then.as_ref().map(|then| then()))}
        </div>
    }
}

/// Puts `text` on the clipboard (in the browser; nothing on the server).
/// A refusal (no permission) is not the page's error: the text stays on
/// screen to copy by hand.
#[cfg_attr(
    not(feature = "hydrate"),
    expect(unused_variables, reason = "there is no clipboard on the server")
)]
pub fn copy_text(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        // The handler is a few bytes, kept for the page's life.
        let ignore = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(|_| {});
        let _ = window()
            .navigator()
            .clipboard()
            .write_text(text)
            .catch(&ignore);
        ignore.forget();
    }
}

/// A new authenticator key three ways: a QR code to scan, a link that opens
/// the authenticator app on this phone, and the key in groups of four for
/// typing in.
#[component]
pub fn MfaKey(enrolment: MfaEnrolmentView) -> impl IntoView {
    let grouped = enrolment.grouped_secret();
    view! {
        <div class="qr" inner_html=enrolment.qr_svg></div>
        <p>
            <a class="button" href=enrolment.otpauth_url>"Open in authenticator app"</a>
        </p>
        <p>"Key: " <code class="mfa-key" data-testid="mfa-secret">{grouped}</code></p>
    }
}
