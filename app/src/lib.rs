//! Vellum's shared crate.
//!
//! - [`domain`]: pure types and rules, compiled for wasm and native, no I/O.
//! - [`api`]: the server functions, one module per area.
//! - [`ui`]: the shell, router, pages and components.
//! - `server` (ssr only): state, services, queries, and everything that touches
//!   the database or the operating system.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod api;
pub mod domain;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;
