//! What every posting form shares (issue 12, point 2), so nothing is sent
//! twice and nobody wonders whether it worked: a submit button that is
//! disabled and says what it is doing while the form posts, a line that
//! says what happened, and a reset of the fields once it worked.

use leptos::{html::Form, prelude::*, server_fn::ServerFn};

use crate::domain::AppError;

/// A form's submit button: disabled, and reading `pending`, while
/// `action` runs, so a second press cannot send the form again.
#[component]
pub fn SubmitButton<S>(
    action: ServerAction<S>,
    /// What the button says.
    #[prop(into)]
    label: String,
    /// What it says while the form posts ("Sending…").
    #[prop(into)]
    pending: String,
    /// Its classes; `button` by default.
    #[prop(into, default = "button".to_owned())]
    class: String,
    /// Also disabled while this is true (a file still uploading).
    #[prop(optional, into)]
    blocked: Option<Signal<bool>>,
) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let busy = action.pending();
    view! {
        <button
            type="submit"
            class=class
            disabled=move || busy.get() || blocked.is_some_and(|b| b.get())
            aria-busy=move || busy.get().to_string()
        >
            {move || if busy.get() { pending.clone() } else { label.clone() }}
        </button>
    }
}

/// Says what the last form posted did, once it worked ("Payment of
/// £300.00 recorded"), from a note [`announce`] keeps. Errors are shown by
/// the form's own error line.
#[component]
pub fn DoneNote(note: RwSignal<Option<String>>) -> impl IntoView {
    view! { <p class="done-note" role="status">{move || note.get()}</p> }
}

/// Keeps `note` saying what `action` did each time it succeeds, worded by
/// `done` from the server's answer, and clears it when it fails. Several
/// actions may share one note: it tells of the latest.
pub fn announce<S, F>(action: ServerAction<S>, note: RwSignal<Option<String>>, done: F)
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
    F: Fn(&S::Output) -> String + 'static,
{
    after_each(action, move |output| note.set(output.map(&done)));
}

/// A form to hand to `ActionForm`'s `node_ref`: its fields are cleared
/// each time `action` succeeds, so what was sent is not sent again by a
/// second press.
pub fn reset_on_success<S>(action: ServerAction<S>) -> NodeRef<Form>
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let form = NodeRef::<Form>::new();
    after_each(action, move |output| {
        if let (Some(_), Some(form)) = (output, form.get_untracked()) {
            form.reset();
        }
    });
    form
}

/// Runs `then` each time `action` finishes (in the browser): with its
/// answer when it worked, `None` when it failed.
pub fn after_each<S, F>(action: ServerAction<S>, then: F)
where
    S: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    S::Output: Clone + Send + Sync + 'static,
    F: Fn(Option<&S::Output>) + 'static,
{
    Effect::new(move |seen: Option<usize>| {
        let version = action.version().get();
        if seen.is_some_and(|before| before != version) {
            action
                .value()
                .with_untracked(|value| then(value.as_ref().and_then(|v| v.as_ref().ok())));
        }
        version
    });
}
