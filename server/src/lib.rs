//! The `vellum` server: configuration, telemetry, start-up, the HTTP stack
//! around the Leptos app, and the CLI subcommands.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod assets;
pub mod billing;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod documents;
pub mod http;
pub mod mail;
pub mod messages;
pub mod startup;
pub mod telemetry;
