//! Sending chosen files to the upload route with per-file progress.
//!
//! The only browser-specific code of the documents UI. `fetch` cannot report
//! upload progress, so each file goes through its own `XMLHttpRequest`,
//! whose `upload` object fires `progress` events. On the server (SSR) there
//! are no change events, and this compiles to nothing.

use leptos::prelude::*;

use super::UploadProgress;
use crate::domain::document::UploadRules;

/// The most files taken from one pick; the rest are refused with a message
/// (DESIGN §5: the number of items per request is bounded).
pub const MAX_FILES_PER_PICK: u32 = 20;

/// Starts uploading every file chosen in the input that fired `ev`, adding
/// a row with a progress bar for each to `files`, and bumping `uploaded`
/// once every upload under way has ended.
#[cfg_attr(
    not(feature = "hydrate"),
    expect(unused_variables, reason = "there are no file inputs on the server")
)]
pub fn upload_chosen_files(
    ev: &leptos::ev::Event,
    base: &str,
    query: &str,
    files: RwSignal<Vec<(usize, String, UploadProgress)>>,
    uploaded: RwSignal<u32>,
    rules: UploadRules,
) {
    #[cfg(feature = "hydrate")]
    browser::upload_chosen_files(ev, base, query, files, uploaded, rules);
}

/// Asks, in the browser's own dialog, whether files the firm is about to
/// upload may be shown to the client. On the server nothing is asked.
pub fn confirm_sharing() -> bool {
    #[cfg(feature = "hydrate")]
    {
        window()
            .confirm_with_message(
                "Share these files with the client? They will see them in their portal as soon as each upload ends.",
            )
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    true
}

/// A counter bumped whenever the uploads on this page have all ended, shared by
/// every documents panel, so a file sent against a request also shows up in
/// the document list beside it.
pub fn uploads_finished() -> RwSignal<u32> {
    #[cfg(feature = "hydrate")]
    {
        thread_local! {
            static FINISHED: ArcRwSignal<u32> = ArcRwSignal::new(0);
        }
        RwSignal::from(FINISHED.with(Clone::clone))
    }
    // On the server every render starts from nothing: no upload ever
    // finishes there, and nothing may be shared between requests.
    #[cfg(not(feature = "hydrate"))]
    RwSignal::new(0)
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast as _, closure::Closure};
    use web_sys::{EventTarget, File, HtmlInputElement, ProgressEvent, XmlHttpRequest};

    use super::UploadRules;
    use super::{MAX_FILES_PER_PICK, UploadProgress};

    thread_local! {
        /// Uploads sent from this page and not yet ended.
        static IN_FLIGHT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }

    pub fn upload_chosen_files(
        ev: &leptos::ev::Event,
        base: &str,
        query: &str,
        files: RwSignal<Vec<(usize, String, UploadProgress)>>,
        uploaded: RwSignal<u32>,
        rules: UploadRules,
    ) {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(list) = input.files() else { return };
        for i in 0..list.length().min(MAX_FILES_PER_PICK) {
            let Some(file) = list.get(i) else { continue };
            let progress = UploadProgress {
                percent: ArcRwSignal::new(0),
                outcome: ArcRwSignal::new(None),
            };
            let name = file.name();
            files.update(|all| {
                let n = all.len();
                all.push((n, name.clone(), progress.clone()));
            });
            // Refused here, before a byte is sent, as the server would.
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a file's size in bytes"
            )]
            let size = file.size() as u64;
            if let Some(refused) = rules.refuse(&name, Some(size)) {
                progress.outcome.set(Some(Err(refused)));
                continue;
            }
            let url = format!(
                "{base}?name={}{query}",
                String::from(js_sys::encode_uri_component(&name))
            );
            if let Err(message) = send(&url, &file, progress.clone(), uploaded) {
                progress.outcome.set(Some(Err(message)));
            }
        }
        let left_out = list.length().saturating_sub(MAX_FILES_PER_PICK);
        if left_out > 0 {
            let progress = UploadProgress {
                percent: ArcRwSignal::new(0),
                outcome: ArcRwSignal::new(Some(Err(format!(
                    "Only {MAX_FILES_PER_PICK} files are sent at a time: choose the other {left_out} again."
                )))),
            };
            files.update(|all| {
                let n = all.len();
                all.push((n, format!("{left_out} more files"), progress));
            });
        }
        // Choosing the same file again should upload it again.
        input.set_value("");
    }

    /// Sends one file. The listeners live as long as the page: each is a few
    /// bytes, and freeing a closure while it runs is not allowed.
    fn send(
        url: &str,
        file: &File,
        progress: UploadProgress,
        uploaded: RwSignal<u32>,
    ) -> Result<(), String> {
        let failed = |_| "The upload could not start.".to_owned();
        let xhr = XmlHttpRequest::new().map_err(failed)?;
        xhr.open("POST", url).map_err(failed)?;
        let upload = xhr.upload().map_err(failed)?;
        let percent = progress.percent.clone();
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |ev: ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "a percentage from 0 to 100"
                )]
                percent.set((ev.loaded() / ev.total() * 100.0).round().clamp(0.0, 100.0) as u32);
            }
        });
        upload
            .unchecked_ref::<EventTarget>()
            .add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref())
            .map_err(failed)?;
        on_progress.forget();
        let request = xhr.clone();
        let on_end = Closure::<dyn FnMut()>::new(move || {
            let status = request.status().unwrap_or(0);
            let body = request.response_text().ok().flatten().unwrap_or_default();
            // The route answers `{"document_id": …}` when the file is stored
            // and `{"error": "…"}` with a message for people when not.
            let field = |name: &str| {
                js_sys::JSON::parse(&body)
                    .ok()
                    .and_then(|v| js_sys::Reflect::get(&v, &name.into()).ok())
                    .and_then(|v| v.as_string())
            };
            let stored = field("document_id").filter(|_| (200..300).contains(&status));
            let last = IN_FLIGHT.with(|n| {
                n.set(n.get().saturating_sub(1));
                n.get() == 0
            });
            if last {
                // One reload once every upload of the page has ended, not
                // one per file: reloads started while others were still
                // running could land last with a list missing a file.
                uploaded.update(|n| *n += 1);
            }
            if let Some(document_id) = stored {
                progress.percent.set(100);
                progress.outcome.set(Some(Ok(document_id)));
            } else {
                let message = field("error").unwrap_or_else(|| {
                    "The upload failed. Check your connection and try again.".to_owned()
                });
                progress.outcome.set(Some(Err(message)));
            }
        });
        xhr.unchecked_ref::<EventTarget>()
            .add_event_listener_with_callback("loadend", on_end.as_ref().unchecked_ref())
            .map_err(failed)?;
        on_end.forget();
        xhr.send_with_opt_blob(Some(file)).map_err(failed)?;
        IN_FLIGHT.with(|n| n.set(n.get() + 1));
        Ok(())
    }
}
