//! Pure types and rules shared by the server and the browser. Nothing in here
//! performs I/O or knows about sqlx, so it compiles for wasm as well as native.

pub mod account;
pub mod auth;
pub mod billing;
pub mod conflict;
pub mod contact;
pub mod contact_import;
pub mod document;
pub mod error;
pub mod home;
pub mod ids;
pub mod intake;
pub mod invitation;
pub mod links;
pub mod matter;
pub mod message;
pub mod money;
pub mod outbox;
pub mod policy;
pub mod role;
pub mod search;
pub mod settings;
pub mod spreadsheet;
pub mod time;
pub mod touchpoint;
pub mod user;
pub mod wall;

pub use error::AppError;
