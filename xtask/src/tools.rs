//! Installing what a fresh machine lacks, from the package registries only:
//! the wasm target through rustup, and binaryen's `wasm-opt` from npm.
//!
//! Debian's binaryen (v108) is never used: its output loads but breaks
//! hydration (`WebAssembly.Table.set(): Argument 1 is invalid for table`).

use std::{path::PathBuf, process::Command};

use anyhow::Context as _;

use crate::{Workspace, run};

/// Makes sure the wasm target and the npm packages of `end2end/` (which carry
/// `wasm-opt` and Playwright) are installed.
pub fn ensure_build_tools(ws: &Workspace) -> anyhow::Result<()> {
    ensure_wasm_target()?;
    ensure_node_modules(ws)
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    let output = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup")?;
    if String::from_utf8_lossy(&output.stdout).contains("wasm32-unknown-unknown") {
        return Ok(());
    }
    println!("==> installing the wasm32-unknown-unknown target");
    run(
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        "rustup target add wasm32-unknown-unknown",
    )
}

/// Installs `end2end/node_modules` from the lockfile when missing.
pub fn ensure_node_modules(ws: &Workspace) -> anyhow::Result<()> {
    let end2end = ws.root.join("end2end");
    if end2end.join("node_modules/.bin/wasm-opt").exists()
        && end2end.join("node_modules/@playwright/test").exists()
    {
        return Ok(());
    }
    println!("==> installing end2end/ node modules (binaryen, Playwright) from npm");
    run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            // Playwright must never download a browser: Chromium comes from Debian.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .current_dir(&end2end),
        "npm ci in end2end/",
    )
}

/// npm's `wasm-opt` (binaryen), if installed.
pub fn wasm_opt(ws: &Workspace) -> Option<PathBuf> {
    let path = ws.root.join("end2end/node_modules/.bin/wasm-opt");
    path.exists().then_some(path)
}
