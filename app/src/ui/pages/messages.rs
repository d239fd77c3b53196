//! Secure messages: the thread list at `/messages` and one thread at
//! `/messages/{id}`, with a composer and, on the user's own messages, a
//! way to retract them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::messages::{RetractMessage, SendMessage, get_thread, list_threads},
    domain::{
        message::{MAX_MESSAGE_CHARS, MessageView, RETRACTED_TEXT, ThreadSummaryView, ThreadView},
        time::format_utc,
    },
    ui::pages::not_found::NotFoundPage,
};

/// The thread list.
#[component]
pub fn MessagesPage() -> impl IntoView {
    let threads = Resource::new(|| (), |()| list_threads());
    view! {
        <Title text="Messages" />
        <section class="page-head">
            <h1>"Messages"</h1>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading messages…"</p> }>
            {move || Suspend::new(async move {
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
                            <span class="muted">{format_utc(t.last_message_at)}</span>
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
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the conversation…"</p> }>
            {move || Suspend::new(async move {
                match thread.await {
                    Ok(thread) => view! { <Thread thread send retract /> }.into_any(),
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
) -> impl IntoView {
    let error = move || match (send.value().get(), retract.value().get()) {
        (Some(Err(err)), _) | (_, Some(Err(err))) => {
            Some(view! { <p class="error" role="alert">{err.to_string()}</p> })
        }
        _ => None,
    };
    let messages = RwSignal::new(thread.messages);
    follow_live(thread.id.clone(), messages);
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
                key=|message| message.id.clone()
                let:message
            >
                <Message message retract />
            </For>
        </ol>
        {error}
        <ActionForm action=send attr:class="form composer" attr:method="post">
            <input type="hidden" name="thread_id" value=thread.id />
            <label for="message-body">"Message"</label>
            <textarea id="message-body" name="body" required maxlength=MAX_MESSAGE_CHARS rows="4"></textarea>
            <button type="submit">"Send"</button>
        </ActionForm>
    }
}

/// Appends messages that arrive while the page is open, from the server's
/// event stream (`/api/messages/stream`). The browser reconnects by itself
/// and sends `Last-Event-ID`; the server resumes after it, and a message
/// already shown is skipped by id, so none is lost or shown twice.
fn follow_live(thread_id: String, messages: RwSignal<Vec<MessageView>>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast as _, closure::Closure};

        // Owned by the page, closed when the page goes away.
        let source = StoredValue::new_local(
            None::<(
                web_sys::EventSource,
                Closure<dyn FnMut(web_sys::MessageEvent)>,
            )>,
        );
        Effect::new(move |_| {
            let after = messages
                .with_untracked(|list| list.last().map(|m| m.id.clone()))
                .unwrap_or_default();
            let url = format!("/api/messages/stream?thread={thread_id}&after={after}");
            let Ok(events) = web_sys::EventSource::new(&url) else {
                return;
            };
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    let Some(data) = event.data().as_string() else {
                        return;
                    };
                    let Ok(message) = leptos::serde_json::from_str::<MessageView>(&data) else {
                        return;
                    };
                    messages.update(|list| {
                        if !list.iter().any(|m| m.id == message.id) {
                            list.push(message);
                        }
                    });
                },
            );
            events.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            source.set_value(Some((events, on_message)));
            on_cleanup(move || {
                source.update_value(|open| {
                    if let Some((events, _)) = open.take() {
                        events.close();
                    }
                });
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // Rendering on the server: the stream is opened by the browser.
        let _ = (thread_id, messages);
    }
}

#[component]
fn Message(message: MessageView, retract: ServerAction<RetractMessage>) -> impl IntoView {
    let can_retract = message.mine && message.body.is_some();
    let body = match message.body {
        Some(body) => view! { <p class="message-body">{body}</p> }.into_any(),
        None => view! { <p class="message-body retracted">{RETRACTED_TEXT}</p> }.into_any(),
    };
    let id = message.id.clone();
    view! {
        <li class="message" class:mine=message.mine id=format!("message-{}", message.id)>
            <p class="message-meta">
                <strong>{message.sender_name}</strong>
                " · "
                <span class="muted">{format_utc(message.created_at)}</span>
            </p>
            {body}
            {can_retract
                .then(|| {
                    view! {
                        <ActionForm action=retract attr:class="inline-form" attr:method="post">
                            <input type="hidden" name="id" value=id />
                            <button class="link-button" type="submit">"Retract"</button>
                        </ActionForm>
                    }
                })}
        </li>
    }
}
