//! The message bus: news of threads for the open message streams.

use tokio::sync::broadcast;

use crate::domain::ids::{MessageId, ThreadId};

/// Tells open message streams that a thread has news. Only ids go through
/// it, never bodies: each stream reloads what its own user may see from the
/// database, which also makes replay and live delivery one path.
#[derive(Clone, Debug)]
pub struct MessageBus(broadcast::Sender<Notice>);

/// News of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A new message in the thread with this id.
    Message {
        /// The thread's id.
        thread_id: ThreadId,
    },
    /// A message of the thread was retracted.
    Retraction {
        /// The thread's id.
        thread_id: ThreadId,
        /// The retracted message's id.
        message_id: MessageId,
    },
    /// Someone read further in the thread.
    Read {
        /// The thread's id.
        thread_id: ThreadId,
    },
}

impl Notice {
    /// The thread the news is about.
    pub fn thread_id(&self) -> &ThreadId {
        match self {
            Self::Message { thread_id }
            | Self::Retraction { thread_id, .. }
            | Self::Read { thread_id } => thread_id,
        }
    }
}

impl MessageBus {
    /// A bus holding up to 1024 undelivered notices per listener; a
    /// listener that falls further behind reloads from the database.
    pub fn new() -> Self {
        Self(broadcast::channel(1024).0)
    }

    /// Announces a new message in `thread_id`. Nobody listening is fine.
    pub fn publish(&self, thread_id: &ThreadId) {
        self.send(Notice::Message {
            thread_id: thread_id.clone(),
        });
    }

    /// Announces that `message_id` in `thread_id` was retracted.
    pub fn publish_retraction(&self, thread_id: &ThreadId, message_id: &MessageId) {
        self.send(Notice::Retraction {
            thread_id: thread_id.clone(),
            message_id: message_id.clone(),
        });
    }

    /// Announces that someone read further in `thread_id`.
    pub fn publish_read(&self, thread_id: &ThreadId) {
        self.send(Notice::Read {
            thread_id: thread_id.clone(),
        });
    }

    fn send(&self, notice: Notice) {
        // An error only means that no page is open right now.
        let _ = self.0.send(notice);
    }

    /// Starts listening for news of any thread.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.0.subscribe()
    }
}

impl Default for MessageBus {
    fn default() -> Self {
        Self::new()
    }
}
