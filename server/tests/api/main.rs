//! Vellum's integration tests: one binary, one module per area.
//!
//! Storage tests run on both backends: each is generated twice by
//! [`on_both_backends!`], in modules `sqlite` and `pg`. `cargo xtask test`
//! skips `pg::` only when PostgreSQL is unreachable, and says so.

#![expect(
    clippy::unwrap_used,
    reason = "a test stops at its first surprise; clippy.toml exempts only #[cfg(test)] code"
)]

mod helpers;

mod account_record;
mod audit;
mod auth;
mod authz;
mod billing;
mod brand;
mod cli;
mod contact_csv;
mod contact_record;
mod contacts;
mod crm;
mod documents;
mod flood;
mod home;
mod intake;
mod invitations;
mod keys;
mod mail;
mod matter_opening;
mod matter_page;
mod matter_settings;
mod messages;
mod search;
mod secrets;
mod settings;
mod stage_templates;
mod storage;
mod time_zones;
mod users;
mod walls;
mod web;
