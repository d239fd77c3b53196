//! Server functions of secure messaging.

use leptos::prelude::*;

use crate::domain::{
    AppError,
    message::{InboxItemView, ThreadSummaryView, ThreadView},
};

/// The threads the user may take part in, with unread counts.
#[server(endpoint = "list_threads")]
pub async fn list_threads() -> Result<Vec<ThreadSummaryView>, AppError> {
    use crate::server::{endpoint, messages};

    endpoint::signed_in(|c| async move { messages::list_threads(&c.state.db, &c.principal).await })
        .await
}

/// How many messages the user has not read yet (for the navigation).
#[server(endpoint = "count_unread_messages")]
pub async fn count_unread_messages() -> Result<i64, AppError> {
    use crate::server::{endpoint, messages};

    endpoint::signed_in(|c| async move {
        messages::count_unread_messages(&c.state.db, &c.principal).await
    })
    .await
}

/// A thread with its messages; opening it marks them read.
#[server(endpoint = "get_thread")]
pub async fn get_thread(id: String) -> Result<ThreadView, AppError> {
    use crate::{
        domain::ids::ThreadId,
        server::{endpoint, messages},
    };

    endpoint::signed_in(|c| async move {
        messages::get_thread(&c.state, &c.principal, &c.client, &ThreadId::parse(&id)?).await
    })
    .await
}

/// Sends a message to a thread; returns the new message's id.
/// `attachments` lists the ids of documents of the matter, already
/// uploaded, separated by spaces.
#[server(endpoint = "send_message")]
pub async fn send_message(
    thread_id: String,
    body: String,
    #[server(default)] attachments: String,
) -> Result<String, AppError> {
    use crate::{
        domain::{ids::ThreadId, message::parse_attachments},
        server::{endpoint, messages},
    };

    endpoint::signed_in(|c| async move {
        let thread_id = ThreadId::parse(&thread_id)?;
        let documents = parse_attachments(&attachments)?;
        messages::send_message(
            &c.state,
            &c.principal,
            &c.client,
            &thread_id,
            &body,
            &documents,
        )
        .await
        .map(String::from)
    })
    .await
}

/// Starts a thread on a matter with a first message; returns its id.
#[server(endpoint = "start_thread")]
pub async fn start_thread(
    matter_id: String,
    subject: String,
    body: String,
) -> Result<String, AppError> {
    use crate::{
        domain::ids::MatterId,
        server::{endpoint, messages},
    };

    endpoint::signed_in(|c| async move {
        let matter_id = MatterId::parse(&matter_id)?;
        messages::start_thread(
            &c.state,
            &c.principal,
            &c.client,
            &matter_id,
            &subject,
            &body,
        )
        .await
        .map(String::from)
    })
    .await
}

/// Marks a message that arrived on an open page read (moves the read
/// receipt, which the sender sees).
#[server(endpoint = "mark_thread_read")]
pub async fn mark_thread_read(thread_id: String, message_id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::{MessageId, ThreadId},
        server::{endpoint, messages},
    };

    endpoint::signed_in(|c| async move {
        let (thread_id, message_id) =
            (ThreadId::parse(&thread_id)?, MessageId::parse(&message_id)?);
        messages::mark_thread_read(&c.state, &c.principal, &c.client, &thread_id, &message_id).await
    })
    .await
}

/// Retracts one of the user's own messages.
#[server(endpoint = "retract_message")]
pub async fn retract_message(id: String) -> Result<(), AppError> {
    use crate::{
        domain::ids::MessageId,
        server::{endpoint, messages},
    };

    endpoint::signed_in(|c| async move {
        messages::retract_message(&c.state, &c.principal, &c.client, &MessageId::parse(&id)?).await
    })
    .await
}

/// The attorney inbox: threads waiting for the firm, longest first.
#[server(endpoint = "list_inbox")]
pub async fn list_inbox() -> Result<Vec<InboxItemView>, AppError> {
    use crate::server::{endpoint, messages};

    endpoint::signed_in(|c| async move { messages::list_inbox(&c.state, &c.principal).await }).await
}

/// Turns the user's "new secure message" emails on or off.
#[server(endpoint = "set_message_emails")]
pub async fn set_message_emails(enabled: bool) -> Result<(), AppError> {
    use crate::server::{endpoint, messages};

    endpoint::signed_in(|c| async move {
        messages::set_message_emails(&c.state, &c.principal, &c.client, enabled).await
    })
    .await
}
