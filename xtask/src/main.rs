//! `cargo xtask …`: the project's own build, serve and test commands.
//!
//! - `build`: the wasm bundle and one release `vellum` executable with the site
//!   embedded.
//! - `serve`: installs what a fresh machine lacks, builds (dev profile),
//!   seeds the demo firm and runs Vellum on the embedded default.
//! - `e2e [spec…]`: only the browser suite, or the specs named.
//! - `test`: every check CI runs: fmt, clippy on both feature sets, unit and
//!   integration tests on SQLite and PostgreSQL, and the browser suite.

mod bench;
mod site;
mod test;
mod tools;

use std::{
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use anyhow::{Context as _, bail};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build().map(|exe| println!("Built {}", exe.display())),
        Some("serve") => serve(&args[1..]),
        Some("test") => test::all(),
        Some("e2e") => test::e2e(&args[1..]),
        Some("bench") => bench::run_all(args.get(1).map(String::as_str)),
        Some("site") => Workspace::locate().and_then(|ws| site::build(&ws).map(|_| ())),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 build   build the wasm bundle and the release `vellum` executable\n  \
                 serve   set up, build, seed the demo firm and run Vellum on ./data\n  \
                 test    run every check: fmt, clippy, unit, integration (SQLite and PostgreSQL), browser\n  \
                 e2e     only the browser suite, or the specs named (`cargo xtask e2e crm.spec.ts`)\n  \
                 bench   measure a release build against same-run baselines (DESIGN §6);\n          \
                         `bench search` measures only the search"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Paths of the workspace, resolved once.
pub struct Workspace {
    /// The folder with the top-level `Cargo.toml`.
    pub root: PathBuf,
    /// Cargo's target directory (honours `CARGO_TARGET_DIR`).
    pub target_dir: PathBuf,
    /// Where the site is written; the server embeds this folder.
    pub site_dir: PathBuf,
}

impl Workspace {
    /// Finds the workspace from this crate's location and asks cargo for the
    /// target directory.
    ///
    /// The location comes from `cargo run`'s environment when there is one,
    /// and only otherwise from the build: two checkouts sharing one target
    /// directory share one `xtask` executable, and the checkout it was built
    /// from is not necessarily the one it runs for.
    pub fn locate() -> anyhow::Result<Self> {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            // Only xtask's own: a variable inherited from another crate's
            // run does not name this workspace.
            .filter(|dir| dir.ends_with("xtask"))
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir
            .parent()
            .context("xtask has no parent folder")?
            .to_path_buf();
        let output = Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(&root)
            .output()
            .context("running cargo metadata")?;
        if !output.status.success() {
            bail!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let text = String::from_utf8(output.stdout).context("cargo metadata is not UTF-8")?;
        let target_dir = json_string_field(&text, "target_directory")
            .map(PathBuf::from)
            .context("cargo metadata has no target_directory")?;
        let site_dir = std::env::var_os("VELLUM_SITE_DIR")
            .map_or_else(|| root.join("target/site"), PathBuf::from);
        Ok(Self {
            root,
            target_dir,
            site_dir,
        })
    }

    /// The `vellum` executable of a profile (`debug` or `release`).
    pub fn vellum_exe(&self, profile: &str) -> PathBuf {
        self.target_dir.join(profile).join("vellum")
    }
}

/// A self-signed certificate for `localhost` in `dir`, made once with rcgen.
/// Browsers warn about it; it is for trying TLS locally, not for a firm.
fn self_signed_certificate(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .context("generating a self-signed certificate")?;
    std::fs::write(&cert, generated.cert.pem()).context("writing the certificate")?;
    write_private(&key, generated.signing_key.serialize_pem().as_bytes())?;
    println!("==> made a self-signed certificate in {}", dir.display());
    Ok((cert, key))
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::{io::Write as _, os::unix::fs::OpenOptionsExt as _};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads `"key":"value"` from cargo's JSON without a JSON dependency.
fn json_string_field(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let end = start + json[start..].find('"')?;
    Some(json[start..end].replace("\\\\", "\\"))
}

/// The cargo that runs us, so the same toolchain builds everything.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs a command in `dir`, failing with its name when it fails.
pub fn run(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Builds the site and the release executable; returns the executable's path.
fn build() -> anyhow::Result<PathBuf> {
    build_with(Profile::Release)
}

/// Which executable to build.
#[derive(Clone, Copy)]
enum Profile {
    /// Optimised, for deployment and benchmarks.
    Release,
    /// The dev profile, for `cargo xtask serve`: it builds in about a third
    /// of the time on a fresh machine, and its crypto, hashing and SQLite
    /// crates are optimised anyway (see the workspace `Cargo.toml`).
    Dev,
}

fn build_with(profile: Profile) -> anyhow::Result<PathBuf> {
    let ws = Workspace::locate()?;
    tools::ensure_build_tools(&ws)?;
    site::build(&ws)?;
    let (flags, name): (&[&str], &str) = match profile {
        Profile::Release => (&["--release"], "release"),
        Profile::Dev => (&[], "debug"),
    };
    println!("==> building the vellum executable ({name})");
    run(
        Command::new(cargo())
            .arg("build")
            .args(flags)
            .args(["--package", "server", "--bin", "vellum"])
            .current_dir(&ws.root),
        "cargo build (vellum)",
    )?;
    Ok(ws.vellum_exe(name))
}

/// Builds, seeds the demo firm in `./data` (once) and runs the server.
/// `--tls` serves HTTPS with a self-signed certificate made on first use.
fn serve(args: &[String]) -> anyhow::Result<()> {
    let tls = args.iter().any(|a| a == "--tls");
    let args: Vec<&String> = args.iter().filter(|a| *a != "--tls").collect();
    let exe = build_with(Profile::Dev)?;
    let ws = Workspace::locate()?;
    let data_dir = ws.root.join("data");
    let mut server = Command::new(&exe);
    if tls {
        let (cert, key) = self_signed_certificate(&data_dir.join("tls"))?;
        server
            .env("VELLUM_TLS_CERT", cert)
            .env("VELLUM_TLS_KEY", key);
    }
    run(
        Command::new(&exe)
            .arg("seed-demo")
            .arg("--data-dir")
            .arg(&data_dir)
            .current_dir(&ws.root),
        "vellum seed-demo",
    )?;
    println!();
    println!("How to sign in:");
    println!("  clients: alice@client.test, bob@client.test (password only)");
    println!("  firm:    admin@vellum.test, attorney@vellum.test, staff@vellum.test");
    println!("           (password, then a code from an authenticator app holding the MFA secret)");
    println!("  The password and MFA secret, with a QR code of the secret to scan, were");
    println!("  printed when the demo firm was first created; to start over with new");
    println!("  ones, delete ./data and run");
    println!("  `cargo xtask serve` again, or seed with --password/--totp-secret.");
    println!("Open the URL below in a browser. Stop with Ctrl-C.");
    println!();
    run(
        server
            .arg("serve")
            .arg("--data-dir")
            .arg(&data_dir)
            .args(args)
            .current_dir(&ws.root),
        "vellum serve",
    )
}
