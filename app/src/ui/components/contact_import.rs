//! Contacts in and out as CSV, for the contact list: a link that exports
//! the list as filtered, and a two-step import. Choosing a file previews
//! it (nothing is written); "Import" sends the same file again with the
//! preview's digest, and the server writes it only if the plan is still
//! the one shown.
//!
//! The file goes to the import route as it is, bytes and all, so the
//! server, not the browser, judges its encoding. On the server (SSR) there
//! are no change events, and the browser part compiles to nothing.

use leptos::prelude::*;

use crate::domain::contact_import::{
    ImportAction, ImportDoneView, ImportPreviewView, ImportRowView,
};

/// Rows of the preview shown besides every error.
const SHOWN_ROWS: usize = 100;

/// The preview as the page holds it: the plan, or the message to show.
type Preview = RwSignal<Option<Result<ImportPreviewView, String>>>;
/// What the confirmation wrote, or the message to show.
type Done = RwSignal<Option<Result<ImportDoneView, String>>>;

/// An import in progress, kept by the page so that it outlives the list
/// reloading around it.
#[derive(Clone, Copy)]
pub struct ImportState {
    preview: Preview,
    done: Done,
    busy: RwSignal<bool>,
    /// Bumped after each import, to reload the list.
    pub imported: RwSignal<u32>,
}

impl Default for ImportState {
    /// Nothing chosen yet.
    fn default() -> Self {
        Self {
            preview: RwSignal::new(None),
            done: RwSignal::new(None),
            busy: RwSignal::new(false),
            imported: RwSignal::new(0),
        }
    }
}

/// The export link and the import control. `export_href` carries the
/// list's filter.
#[component]
pub fn ContactTransfer(export_href: String, state: ImportState) -> impl IntoView {
    let ImportState {
        preview,
        done,
        busy,
        imported,
    } = state;
    let on_change = move |ev: leptos::ev::Event| {
        done.set(None);
        choose(&ev, preview, busy);
    };
    let on_confirm = move |_| {
        if let Some(Ok(plan)) = preview.get_untracked() {
            confirm(&plan.digest, preview, done, imported, busy);
        }
    };
    view! {
        <details class="panel editor">
            <summary>"Import or export as CSV"</summary>
            <p>
                <a class="button" href=export_href download="contacts.csv">"Export these contacts (CSV)"</a>
            </p>
            <p class="muted">
                "Import a CSV file with the columns name, email, phone, address, account, role, owner, referral_source and tags (name and email are needed). Contacts are matched by email. You see what would change before anything is saved."
            </p>
            <label for="import-file">"CSV file to import"</label>
            <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_change disabled=move || busy.get() />
            {move || busy.get().then(|| view! { <p class="muted" role="status">"Reading the file…"</p> })}
            {move || match preview.get() {
                Some(Ok(plan)) => view! { <PreviewTable plan on_confirm busy /> }.into_any(),
                Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                None => ().into_any(),
            }}
            {move || done.get().map(|outcome| match outcome {
                Ok(done) => view! {
                    <p class="notice" role="status">
                        {format!("Imported: {} new, {} updated.", done.created, done.updated)}
                    </p>
                }.into_any(),
                Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            })}
        </details>
    }
}

/// The counts, the rows (every error, then the first others) and the
/// button that writes them.
#[component]
fn PreviewTable(
    plan: ImportPreviewView,
    on_confirm: impl Fn(leptos::ev::MouseEvent) + 'static,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let can_confirm = plan.can_confirm();
    let summary = format!(
        "{} new, {} to update, {} unchanged, {} with errors.",
        plan.new, plan.updated, plan.unchanged, plan.errors
    );
    let total = plan.rows.len();
    let (errors, others): (Vec<ImportRowView>, Vec<ImportRowView>) = plan
        .rows
        .into_iter()
        .partition(|r| matches!(r.action, ImportAction::Error(_)));
    let shown: Vec<ImportRowView> = errors
        .into_iter()
        .chain(others.into_iter().take(SHOWN_ROWS))
        .collect();
    let hidden = total - shown.len();
    let button = if can_confirm {
        format!("Import {} contacts", plan.new + plan.updated)
    } else {
        "Import".to_owned()
    };
    let why_not = (!can_confirm).then(|| {
        let reason = if plan.errors > 0 {
            "Fix the rows with errors in the file, then choose it again."
        } else {
            "Nothing would change."
        };
        view! { <p class="muted">{reason}</p> }
    });
    view! {
        <div class="import-preview" data-testid="import-preview">
            <p role="status"><strong>{summary}</strong></p>
            <ol class="import-rows">
                {shown.into_iter().map(|row| {
                    let (class, what) = match row.action {
                        ImportAction::New => ("tag ok", "New".to_owned()),
                        ImportAction::Update(fields) => ("tag", format!("Update: {}", fields.join(", "))),
                        ImportAction::Unchanged => ("tag", "Unchanged".to_owned()),
                        ImportAction::Error(reason) => ("tag closed", format!("Error: {reason}")),
                    };
                    view! {
                        <li data-testid="import-row">
                            <span class="muted">{format!("Line {}", row.line)}</span>
                            " "
                            <strong>{row.name}</strong>
                            " "
                            <span class="muted">{row.email}</span>
                            " "
                            <span class=class>{what}</span>
                        </li>
                    }
                }).collect_view()}
            </ol>
            {(hidden > 0).then(|| view! { <p class="muted">{format!("And {hidden} more rows.")}</p> })}
            {why_not}
            <button class="button primary" type="button" disabled=move || !can_confirm || busy.get() on:click=on_confirm>
                {button}
            </button>
        </div>
    }
}

#[cfg_attr(
    not(feature = "hydrate"),
    expect(unused_variables, reason = "there are no file inputs on the server")
)]
fn choose(ev: &leptos::ev::Event, preview: Preview, busy: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    browser::choose(ev, preview, busy);
}

#[cfg_attr(
    not(feature = "hydrate"),
    expect(unused_variables, reason = "nothing is imported from the server")
)]
fn confirm(
    digest: &str,
    preview: Preview,
    done: Done,
    imported: RwSignal<u32>,
    busy: RwSignal<bool>,
) {
    #[cfg(feature = "hydrate")]
    browser::confirm(digest, preview, done, imported, busy);
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::{cell::RefCell, rc::Rc};

    use leptos::prelude::*;
    use wasm_bindgen::{JsCast as _, closure::Closure};
    use web_sys::{EventTarget, File, HtmlInputElement, XmlHttpRequest};

    use super::{Done, Preview};
    use crate::domain::{
        contact_import::{ImportDoneView, ImportPreviewView},
        links,
    };

    thread_local! {
        /// The file previewed last, sent again to confirm.
        static CHOSEN: RefCell<Option<File>> = const { RefCell::new(None) };
    }

    pub fn choose(ev: &leptos::ev::Event, preview: Preview, busy: RwSignal<bool>) {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|list| list.get(0)) else {
            return;
        };
        // Choosing the same file again (after fixing it) previews it again.
        input.set_value("");
        CHOSEN.with(|chosen| *chosen.borrow_mut() = Some(file.clone()));
        busy.set(true);
        let url = format!("{}?step=preview", links::CONTACTS_IMPORT);
        send(&url, &file, move |result| {
            busy.set(false);
            preview.set(Some(result.and_then(|body| {
                serde_json::from_str::<ImportPreviewView>(&body)
                    .map_err(|_| "The preview could not be read.".to_owned())
            })));
        });
    }

    pub fn confirm(
        digest: &str,
        preview: Preview,
        done: Done,
        imported: RwSignal<u32>,
        busy: RwSignal<bool>,
    ) {
        let Some(file) = CHOSEN.with(|chosen| chosen.borrow().clone()) else {
            return;
        };
        busy.set(true);
        let url = format!(
            "{}?step=confirm&digest={}",
            links::CONTACTS_IMPORT,
            String::from(js_sys::encode_uri_component(digest))
        );
        send(&url, &file, move |result| {
            busy.set(false);
            let result = result.and_then(|body| {
                serde_json::from_str::<ImportDoneView>(&body)
                    .map_err(|_| "The answer could not be read.".to_owned())
            });
            if result.is_ok() {
                preview.set(None);
                imported.update(|n| *n += 1);
            }
            done.set(Some(result));
        });
    }

    /// Posts `file` to `url`; `finished` gets the body of a 2xx answer, or
    /// the message of any other.
    fn send(url: &str, file: &File, finished: impl FnOnce(Result<String, String>) + 'static) {
        let finished = Rc::new(RefCell::new(Some(finished)));
        let finish = {
            let finished = Rc::clone(&finished);
            move |outcome| {
                if let Some(finished) = finished.borrow_mut().take() {
                    finished(outcome);
                }
            }
        };
        if let Err(message) = start(url, file, finish.clone()) {
            finish(Err(message));
        }
    }

    fn start(
        url: &str,
        file: &File,
        finish: impl Fn(Result<String, String>) + 'static,
    ) -> Result<(), String> {
        let failed = |_| "The file could not be sent.".to_owned();
        let xhr = XmlHttpRequest::new().map_err(failed)?;
        xhr.open("POST", url).map_err(failed)?;
        xhr.set_request_header("content-type", "text/csv")
            .map_err(failed)?;
        let request = xhr.clone();
        let on_end = Closure::<dyn FnMut()>::new(move || {
            let status = request.status().unwrap_or(0);
            let body = request.response_text().ok().flatten().unwrap_or_default();
            finish(if (200..300).contains(&status) {
                Ok(body)
            } else {
                Err(js_sys::JSON::parse(&body)
                    .ok()
                    .and_then(|v| js_sys::Reflect::get(&v, &"error".into()).ok())
                    .and_then(|v| v.as_string())
                    .unwrap_or_else(|| {
                        "The import failed. Check your connection and try again.".to_owned()
                    }))
            });
        });
        xhr.unchecked_ref::<EventTarget>()
            .add_event_listener_with_callback("loadend", on_end.as_ref().unchecked_ref())
            .map_err(failed)?;
        // The listener lives as long as the page: a few bytes, and freeing
        // a closure while it runs is not allowed.
        on_end.forget();
        xhr.send_with_opt_blob(Some(file)).map_err(failed)
    }
}
