//! Components shared by several pages.

pub mod billing;
pub mod contact_import;
pub mod crm_list;
pub mod documents;
pub mod forms;
pub mod matter_settings;
pub mod portal_access;

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
/// verification is turned on.
#[component]
pub fn RecoveryCodeList(codes: Vec<String>) -> impl IntoView {
    view! {
        <div class="recovery" role="status">
            <p>
                <strong>"Two-step verification is on."</strong>
                " Keep these recovery codes somewhere safe. Each works once if you lose your phone. They are not shown again."
            </p>
            <ul class="codes">{codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
        </div>
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
