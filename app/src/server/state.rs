//! The state every handler and server function reads from context.

use std::sync::Arc;

use super::{auth::password::PasswordHasher, blobs::BlobStore, crypto::KeyService, db::Db};
use crate::domain::auth::SessionLimits;

/// Shared application state. Cheap to clone: every field is a handle.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database, SQLite or PostgreSQL.
    pub db: Db,
    /// Password hashing, bounded in concurrency.
    pub hasher: PasswordHasher,
    /// The data keys, unwrapped with the master keyring.
    pub keys: Arc<KeyService>,
    /// Session idle and absolute timeouts.
    pub session_limits: SessionLimits,
    /// Where encrypted document bodies are stored.
    pub blobs: Arc<dyn BlobStore>,
    /// The address people reach the portal at, e.g. `https://portal.firm.example`,
    /// for links in emails. From config, never from a request's `Host`
    /// header, which an attacker could set to point reset links elsewhere.
    pub public_url: String,
    /// How many days a calendar feed link works (config `calendar_feed_days`).
    pub calendar_feed_days: i64,
    /// Announces new messages to the open message streams (SSE).
    pub message_bus: super::messages::MessageBus,
    /// Response-time target and email batching for messages.
    pub messaging: super::messages::MessagingSettings,
    /// Flood limits on the unauthenticated requests that write.
    pub flood: Arc<super::flood::FloodGate>,
    /// The largest upload, in bytes (config `max_upload_bytes`).
    pub max_upload_bytes: u64,
}
