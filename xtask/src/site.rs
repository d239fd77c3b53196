//! Building the site the server embeds: the wasm bundle with its JS glue,
//! the stylesheet and the icons, each bundle file named with a content hash
//! and stored with brotli and gzip copies.

use std::{
    fs,
    io::Write as _,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};

use crate::{Workspace, cargo, run, tools};

/// The cargo profile of the wasm build: optimised for size, wasm only.
const WASM_PROFILE: &str = "wasm-release";

/// Builds the site into `ws.site_dir` unless it is already current. Returns
/// the hashed bundle name.
pub fn build(ws: &Workspace) -> anyhow::Result<String> {
    println!("==> building the wasm frontend ({WASM_PROFILE})");
    run(
        Command::new(cargo())
            .args([
                "build",
                "--package",
                "frontend",
                "--lib",
                "--target",
                "wasm32-unknown-unknown",
                "--profile",
                WASM_PROFILE,
            ])
            // Leptos derives the wasm file name from this at compile time;
            // the server sets the name at run time instead.
            .env_remove("LEPTOS_OUTPUT_NAME")
            .current_dir(&ws.root),
        "cargo build (wasm)",
    )?;
    let wasm = ws
        .target_dir
        .join("wasm32-unknown-unknown")
        .join(WASM_PROFILE)
        .join("frontend.wasm");
    let css_path = ws.root.join("style/main.css");
    let css = fs::read(&css_path).with_context(|| format!("reading {}", css_path.display()))?;
    let public = ws.root.join("public");

    let mut hasher = Sha256::new();
    hasher.update(fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?);
    hasher.update(&css);
    for file in list_files(&public)? {
        hasher.update(fs::read(&file)?);
    }
    let digest = hasher.finalize();
    let name = format!("vellum-{}", hex(&digest[..8]));

    let name_file = ws.site_dir.join("output-name.txt");
    if fs::read_to_string(&name_file).is_ok_and(|current| current.trim() == name) {
        println!("    site is current ({name})");
        return Ok(name);
    }

    let staging = ws.site_dir.with_extension("staging");
    if staging.exists() {
        fs::remove_dir_all(&staging).context("clearing the staging folder")?;
    }
    let pkg = staging.join("pkg");
    fs::create_dir_all(&pkg).context("creating the staging folder")?;

    println!("    wasm-bindgen");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .out_name(&name)
        .typescript(false)
        .remove_producers_section(true)
        .remove_name_section(true)
        .generate(&pkg)
        .context("running wasm-bindgen")?;

    let bundle = pkg.join(format!("{name}_bg.wasm"));
    match tools::wasm_opt(ws) {
        Some(wasm_opt) => {
            println!("    wasm-opt -Oz");
            run(
                Command::new(wasm_opt)
                    .arg("-Oz")
                    .arg("--enable-bulk-memory")
                    .arg("--enable-nontrapping-float-to-int")
                    .arg("--enable-sign-ext")
                    .arg("--enable-reference-types")
                    .arg("--enable-mutable-globals")
                    .arg(&bundle)
                    .arg("-o")
                    .arg(&bundle),
                "wasm-opt",
            )?;
        }
        None => println!("    wasm-opt not installed (npm ci in end2end/); the bundle is larger"),
    }

    fs::write(pkg.join(format!("{name}.css")), &css).context("writing the stylesheet")?;
    for file in list_files(&public)? {
        let relative = file.strip_prefix(&public)?;
        let dest = staging.join(relative);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(&file, &dest).with_context(|| format!("copying {}", file.display()))?;
    }

    println!("    precompressing (brotli 11, gzip 9)");
    for file in list_files(&staging)? {
        let compressible = matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("js" | "wasm" | "css" | "svg")
        );
        if compressible {
            precompress(&file)?;
        }
    }
    fs::write(staging.join("output-name.txt"), &name)?;

    if ws.site_dir.exists() {
        fs::remove_dir_all(&ws.site_dir).context("removing the old site")?;
    }
    fs::rename(&staging, &ws.site_dir).context("moving the new site into place")?;
    report_sizes(&ws.site_dir.join("pkg"), &name)?;
    Ok(name)
}

fn precompress(file: &Path) -> anyhow::Result<()> {
    let data = fs::read(file)?;
    let mut br = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut br, 64 * 1024, 11, 22);
        writer.write_all(&data)?;
    }
    fs::write(append_extension(file, "br"), br)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&data)?;
    fs::write(append_extension(file, "gz"), gz.finish()?)?;
    Ok(())
}

fn report_sizes(pkg: &Path, name: &str) -> anyhow::Result<()> {
    let size = |suffix: &str| -> anyhow::Result<u64> {
        Ok(fs::metadata(pkg.join(format!("{name}_bg.wasm{suffix}")))?.len() / 1024)
    };
    println!(
        "    wasm bundle: {} KiB raw, {} KiB gzip, {} KiB brotli",
        size("")?,
        size(".gz")?,
        size(".br")?
    );
    Ok(())
}

fn append_extension(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

fn list_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if !dir.exists() {
        return Ok(files);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in
            fs::read_dir(&current).with_context(|| format!("listing {}", current.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
