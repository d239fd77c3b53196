//! Secure messages: the thread list at `/messages` and one thread at
//! `/messages/{id}`, with a composer and, on the user's own messages, a
//! way to retract them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{
        documents::get_upload_rules,
        messages::{RetractMessage, SendMessage, get_thread, list_threads},
    },
    domain::{
        document::{UploadRules, Visibility, human_size},
        ids::MatterId,
        message::{
            AttachmentView, MAX_MESSAGE_CHARS, MessageView, RETRACTED_TEXT, ReceiptView,
            ThreadSummaryView, ThreadView, read_by,
        },
    },
    ui::{
        components::{
            documents::{UploadControl, UploadList, Uploads},
            forms::{SubmitButton, after_each, reset_on_success},
            time::{When, page_clock},
        },
        pages::not_found::NotFoundPage,
    },
};

/// The thread list.
#[component]
pub fn MessagesPage() -> impl IntoView {
    let threads = Resource::new(|| (), |()| list_threads());
    let clock = page_clock();
    view! {
        <Title text="Messages" />
        <section class="page-head">
            <h1>"Messages"</h1>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading messages…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                match threads.await {
                    Ok(threads) if threads.is_empty() => {
                        view! { <p class="muted">"No conversations yet."</p> }.into_any()
                    }
                    Ok(threads) => view! { <ThreadList threads /> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ThreadList(threads: Vec<ThreadSummaryView>) -> impl IntoView {
    view! {
        <ul class="thread-list">
            {threads
                .into_iter()
                .map(|t| {
                    let href = format!("/messages/{}", t.id);
                    let unread = (t.unread > 0)
                        .then(|| view! { <span class="badge" aria-label="unread">{t.unread}</span> });
                    let has_unread = t.unread > 0;
                    view! {
                        <li class="thread-row" class:unread=has_unread>
                            <a href=href>{t.subject}</a>
                            {unread}
                            <span class="muted">{format!("{} · {}", t.matter_number, t.matter_title)}</span>
                            <span class="muted"><When at=t.last_message_at /></span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// One thread.
#[component]
pub fn ThreadPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let send = ServerAction::<SendMessage>::new();
    let retract = ServerAction::<RetractMessage>::new();
    let thread = Resource::new(
        move || (id(), send.version().get(), retract.version().get()),
        |(id, ..)| get_thread(id),
    );
    let clock = page_clock();
    let rules = Resource::new(|| (), |()| get_upload_rules());
    // Files chosen for the next message. Kept here, above the thread that
    // re-renders after every send, so a send that fails keeps them; one that
    // succeeds has taken them along.
    let files: Uploads = RwSignal::new(Vec::new());
    Effect::new(move || {
        if matches!(send.value().get(), Some(Ok(_))) {
            files.set(Vec::new());
        }
    });
    // The page stays when only the thread in the URL changes: files chosen
    // for one conversation must not go out in the next.
    Effect::new(move |previous: Option<String>| {
        let current = id();
        if previous.is_some_and(|previous| previous != current) {
            files.set(Vec::new());
        }
        current
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the conversation…"</p> }>
            {move || Suspend::new(async move {
                clock.provide().await;
                // For the composer's attachments.
                provide_context(rules.await.unwrap_or_else(|_| UploadRules::unknown()));
                match thread.await {
                    Ok(thread) => view! { <Thread thread send retract files /> }.into_any(),
                    Err(_) => view! { <NotFoundPage /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Thread(
    thread: ThreadView,
    send: ServerAction<SendMessage>,
    retract: ServerAction<RetractMessage>,
    files: Uploads,
) -> impl IntoView {
    let error = move || match (send.value().get(), retract.value().get()) {
        (Some(Err(err)), _) | (_, Some(Err(err))) => {
            Some(view! { <p class="error" role="alert">{err.to_string()}</p> })
        }
        _ => None,
    };
    let messages = RwSignal::new(thread.messages);
    let receipts = RwSignal::new(thread.receipts);
    follow_live(thread.id.clone(), messages, receipts);
    view! {
        <Title text=thread.subject.clone() />
        <section class="page-head">
            <h1>{thread.subject.clone()}</h1>
            <p class="muted">
                <a href=format!("/matters/{}", thread.matter_id)>{thread.matter_number.clone()}</a>
            </p>
        </section>
        <ol class="messages" aria-label="Messages">
            <For
                each=move || messages.get()
                // A retraction changes a message in place: keyed on it too,
                // so the row is drawn again.
                key=|message| (message.id.clone(), message.body.is_some())
                let:message
            >
                <Message message retract receipts />
            </For>
        </ol>
        {error}
        <Composer
            thread_id=thread.id
            matter_id=thread.matter_id
            upload_visibility=thread.upload_visibility
            send
            files
        />
    }
}

/// The form for the next message, with its file picker and the progress of
/// each file. Type-erased (`into_any`): nested inside the thread's view its
/// full type is deeper than the compiler follows.
#[component]
fn Composer(
    thread_id: String,
    matter_id: String,
    upload_visibility: Visibility,
    send: ServerAction<SendMessage>,
    files: Uploads,
) -> impl IntoView {
    let note = match upload_visibility {
        Visibility::Internal => {
            "Files you attach stay internal until you send the message; sending shares them with the client and keeps them with the matter's documents."
        }
        Visibility::Client => {
            "Attached files are also kept with the matter's documents, where everyone on the matter can see them."
        }
    };
    // Once sent, the text and the attached files are gone from the form, so
    // a second press cannot send them again.
    let form = reset_on_success(send);
    after_each(send, move |sent| {
        if sent.is_some() {
            files.set(Vec::new());
        }
    });
    view! {
        <ActionForm action=send node_ref=form attr:class="form composer" attr:method="post">
            <input type="hidden" name="thread_id" value=thread_id />
            <label for="message-body">"Message"</label>
            <textarea id="message-body" name="body" maxlength=MAX_MESSAGE_CHARS rows="4"></textarea>
            <input type="hidden" name="attachments" value=move || attached_ids(files) />
            <SubmitButton
                action=send
                label="Send"
                pending="Sending…"
                class="button primary"
                blocked=Signal::derive(move || uploading(files))
            />
        </ActionForm>
        <UploadControl
            matter_id=MatterId::from_trusted(matter_id)
            label="Attach files".to_owned()
            query=String::new()
            files
            uploaded=RwSignal::new(0)
            input_id="message-files".to_owned()
            visibility=upload_visibility
        />
        <p class="muted">{note}</p>
        <UploadList files />
    }
    .into_any()
}

/// The ids of the documents uploaded for the next message, as the
/// composer's `attachments` field sends them.
fn attached_ids(files: Uploads) -> String {
    files.with(|all| {
        all.iter()
            .filter_map(|(_, _, progress)| progress.outcome.get().and_then(Result::ok))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// True while a chosen file is still on its way: sending now would leave
/// it behind.
fn uploading(files: Uploads) -> bool {
    files.with(|all| all.iter().any(|(_, _, p)| p.outcome.get().is_none()))
}

/// Appends messages that arrive while the page is open, from the server's
/// event stream (`/api/messages/stream`). The browser reconnects by itself
/// and sends `Last-Event-ID`; the server resumes after it, and a message
/// already shown is skipped by id, so none is lost or shown twice.
/// `retracted` events (data: a message id) hide that message's text and
/// files; applying one twice changes nothing. `receipts` events replace
/// the read receipts. A message from someone else that arrives while the
/// page is in view is marked read, so its sender sees it was.
fn follow_live(
    thread_id: String,
    messages: RwSignal<Vec<MessageView>>,
    receipts: RwSignal<Vec<ReceiptView>>,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast as _, closure::Closure};

        type OnEvent = Closure<dyn FnMut(web_sys::MessageEvent)>;
        // Owned by the page, closed when the page goes away.
        let source = StoredValue::new_local(None::<(web_sys::EventSource, [OnEvent; 3])>);
        Effect::new(move |_| {
            // Both ids came from the server with the page.
            use crate::domain::{
                ids::{MessageId, ThreadId},
                links,
            };
            let after = messages
                .with_untracked(|list| list.last().map(|m| MessageId::from_trusted(m.id.clone())));
            let url =
                links::message_stream(&ThreadId::from_trusted(thread_id.clone()), after.as_ref());
            let thread_id = thread_id.clone();
            let Ok(events) = web_sys::EventSource::new(&url) else {
                return;
            };
            let on_message = OnEvent::new(move |event: web_sys::MessageEvent| {
                let Some(data) = event.data().as_string() else {
                    return;
                };
                let Ok(message) = leptos::serde_json::from_str::<MessageView>(&data) else {
                    return;
                };
                if messages.with_untracked(|list| list.iter().any(|m| m.id == message.id)) {
                    return;
                }
                if !message.mine && !document().hidden() {
                    let (thread_id, message_id) = (thread_id.clone(), message.id.clone());
                    leptos::task::spawn_local(async move {
                        // A receipt that fails to move is caught up by the
                        // next visit to the thread.
                        let _ = crate::api::messages::mark_thread_read(thread_id, message_id).await;
                    });
                }
                messages.update(|list| list.push(message));
            });
            events.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            let on_retracted = OnEvent::new(move |event: web_sys::MessageEvent| {
                let Some(id) = event.data().as_string() else {
                    return;
                };
                messages.update(|list| {
                    if let Some(message) = list.iter_mut().find(|m| m.id == id) {
                        message.body = None;
                        message.attachments.clear();
                    }
                });
            });
            let _ = events.add_event_listener_with_callback(
                "retracted",
                on_retracted.as_ref().unchecked_ref(),
            );
            let on_receipts = OnEvent::new(move |event: web_sys::MessageEvent| {
                let Some(data) = event.data().as_string() else {
                    return;
                };
                if let Ok(latest) = leptos::serde_json::from_str::<Vec<ReceiptView>>(&data) {
                    receipts.set(latest);
                }
            });
            let _ = events
                .add_event_listener_with_callback("receipts", on_receipts.as_ref().unchecked_ref());
            source.set_value(Some((events, [on_message, on_retracted, on_receipts])));
            on_cleanup(move || {
                source.update_value(|open| {
                    if let Some((events, ..)) = open.take() {
                        events.close();
                    }
                });
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // Rendering on the server: the stream is opened by the browser.
        let _ = (thread_id, messages, receipts);
    }
}

#[component]
fn Message(
    message: MessageView,
    retract: ServerAction<RetractMessage>,
    receipts: RwSignal<Vec<ReceiptView>>,
) -> impl IntoView {
    // Senders see who has read their messages.
    let receipt = message.mine.then(|| {
        let id = message.id.clone();
        let text = move || {
            receipts.with(|all| {
                let names = read_by(all, &id);
                if names.is_empty() {
                    "Sent".to_owned()
                } else {
                    format!("Read by {}", names.join(", "))
                }
            })
        };
        view! { <p class="message-receipt muted">{text}</p> }
    });
    let can_retract = message.mine && message.body.is_some();
    let body = match message.body {
        // Files sent without a word.
        Some(body) if body.is_empty() => ().into_any(),
        Some(body) => view! { <p class="message-body">{body}</p> }.into_any(),
        None => view! { <p class="message-body retracted">{RETRACTED_TEXT}</p> }.into_any(),
    };
    let id = message.id.clone();
    let attachments = (!message.attachments.is_empty()).then(|| {
        view! { <Attachments message_id=message.id.clone() files=message.attachments /> }.into_any()
    });
    view! {
        <li class="message" class:mine=message.mine id=format!("message-{}", message.id)>
            <p class="message-meta">
                <strong>{message.sender_name}</strong>
                " · "
                <span class="muted"><When at=message.created_at /></span>
            </p>
            {body}
            {attachments}
            {receipt}
            {can_retract
                .then(|| {
                    view! {
                        // Asks first: a retracted message is gone for its readers.
                        <details class="confirm">
                            <summary>"Retract…"</summary>
                            <ActionForm action=retract attr:class="confirm-form" attr:method="post">
                                <input type="hidden" name="id" value=id />
                                <p>"Retract this message? Its readers will see that it was retracted."</p>
                                <SubmitButton action=retract label="Retract message" pending="Retracting…" class="button danger" />
                            </ActionForm>
                        </details>
                    }
                })}
        </li>
    }
    .into_any()
}

/// The files a message carries, as download links.
#[component]
fn Attachments(message_id: String, files: Vec<AttachmentView>) -> impl IntoView {
    view! {
        <ul class="attachments" aria-label="Attachments">
            {files
                .into_iter()
                .map(|file| {
                    let href = file.href(&message_id);
                    view! {
                        <li>
                            <a href=href download=file.name.clone()>{file.name.clone()}</a>
                            <span class="muted">{format!(" {}", human_size(file.size))}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
