//! One module per page.

pub mod account;
pub mod account_record;
pub mod accounts;
pub mod billing;
pub mod contact;
pub mod contacts;
pub mod dashboard;
pub mod enquire;
pub mod inbox;
pub mod intake;
pub mod login;
pub mod matter;
pub mod messages;
pub mod new_matter;
pub mod not_found;
pub mod outbox;
pub mod search;
pub mod sessions;
pub mod set_password;
pub mod settings;
pub mod stages;
pub mod users;
pub mod walls;
