//! Makes sure the site folder that the server embeds exists.
//!
//! `cargo xtask build` fills it with the wasm bundle, JS glue, CSS and icons.
//! A plain `cargo check` or `cargo clippy` on a fresh clone has not run that
//! yet, so an empty folder with a placeholder name lets those compile; the
//! server then serves pages without their scripts until the site is built.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo::rerun-if-env-changed=VELLUM_SITE_DIR");
    let Some(site) = env::var_os("VELLUM_SITE_DIR").map(PathBuf::from) else {
        println!("cargo::error=VELLUM_SITE_DIR is not set; it comes from .cargo/config.toml");
        return;
    };
    let name_file = site.join("output-name.txt");
    println!("cargo::rerun-if-changed={}", name_file.display());
    if !name_file.exists() {
        if let Err(err) = fs::create_dir_all(site.join("pkg"))
            .and_then(|()| fs::write(&name_file, "vellum-unbuilt"))
        {
            println!("cargo::error=cannot create {}: {err}", site.display());
        } else {
            println!("cargo::warning=the site is not built yet; run `cargo xtask build`");
        }
    }
}
