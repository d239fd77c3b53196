//! The `vellum` server: configuration, telemetry, start-up, the HTTP stack
//! around the Leptos app, and the CLI subcommands.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod assets;
pub mod cli;
pub mod config;
pub mod http;
pub mod startup;
pub mod telemetry;
