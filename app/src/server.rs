//! Everything that runs only on the server: application state, the data
//! layer, services (use cases) and the glue that turns internal failures into
//! user-safe errors. Compiled only with the `ssr` feature.

pub mod accounts;
pub mod activity;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod blobs;
pub mod calendar;
pub mod clock;
pub mod contacts;
pub mod crm;
pub mod crypto;
pub mod db;
pub mod documents;
pub mod endpoint;
pub mod error;
pub mod file_modes;
pub mod flood;
pub mod home;
pub mod intake;
pub mod invitations;
pub mod logo;
pub mod matter_page;
pub mod matters;
pub mod messages;
pub mod outbox;
pub mod policy;
pub mod search;
pub mod seed;
pub mod settings;
pub mod state;
pub mod touchpoints;
pub mod users;
pub mod walls;

pub use error::{RequestId, ServiceError};
pub use state::AppState;

/// Milliseconds since the Unix epoch, UTC: how every time is stored (DESIGN §3).
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// A fresh UUIDv7 as text: time-ordered, so new rows append to indexes.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
