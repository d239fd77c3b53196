//! The `vellum` server: configuration, telemetry, start-up, the HTTP edge
//! around the Leptos app, the plain routes, the background workers, and the
//! CLI subcommands.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod assets;
pub mod bench;
pub mod cli;
pub mod config;
pub mod http;
pub mod mail;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workers;
