//! `cargo xtask test`: every check, in the order that fails fastest.
//!
//! A suite whose service is missing (PostgreSQL, Chromium) is skipped with the
//! reason; under `CI=true` a skipped suite is a failure, so CI can never pass
//! on a partial run.

use std::{
    io::{BufRead as _, BufReader},
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};

use crate::{Workspace, cargo, run, site, tools};

/// The PostgreSQL server the integration tests create their databases on.
const DEFAULT_PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
/// The browser suite's demo credentials (a throwaway data dir, never served
/// to anyone else).
const DEMO_PASSWORD: &str = "plum kettle harbour lantern";
/// RFC 6238's test seed, "12345678901234567890", in base32.
const DEMO_TOTP_BASE32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

enum Outcome {
    Passed,
    Skipped(String),
}

/// Runs the whole suite.
pub fn all() -> anyhow::Result<()> {
    let ws = Workspace::locate()?;
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let mut report: Vec<(&str, Outcome)> = Vec::new();

    step("cargo fmt --check");
    run(
        Command::new(cargo())
            .args(["fmt", "--all", "--check"])
            .current_dir(&ws.root),
        "cargo fmt --check",
    )?;
    report.push(("format", Outcome::Passed));

    tools::ensure_build_tools(&ws)?;
    step("site (wasm bundle)");
    site::build(&ws)?;

    step("clippy, ssr feature set");
    run(
        Command::new(cargo())
            .args([
                "clippy",
                "--package",
                "app",
                "--package",
                "server",
                "--package",
                "xtask",
            ])
            .args(["--all-targets", "--", "-D", "warnings"])
            .current_dir(&ws.root),
        "clippy (ssr)",
    )?;
    report.push(("clippy (ssr)", Outcome::Passed));

    step("clippy, hydrate feature set");
    run(
        Command::new(cargo())
            .args(["clippy", "--package", "app", "--package", "frontend"])
            .args([
                "--target",
                "wasm32-unknown-unknown",
                "--features",
                "app/hydrate",
            ])
            .args(["--", "-D", "warnings"])
            .current_dir(&ws.root),
        "clippy (hydrate)",
    )?;
    report.push(("clippy (hydrate)", Outcome::Passed));

    let pg_url =
        std::env::var("VELLUM_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_ADMIN_URL.to_owned());
    let pg_missing = postgres_unreachable(&pg_url);
    step("SMTP sink for the mail tests (aiosmtpd from PyPI)");
    let python = smtp_sink_python(&ws)?;
    step("unit and integration tests (SQLite and PostgreSQL)");
    let mut tests = Command::new(cargo());
    tests
        .args(["test", "--package", "app", "--package", "server"])
        .env("VELLUM_TEST_PG_URL", &pg_url)
        .env("VELLUM_TEST_PYTHON", &python)
        .current_dir(&ws.root);
    if let Some(reason) = &pg_missing {
        eprintln!("    PostgreSQL is not reachable ({reason}); its integration tests are skipped");
        // Integration tests live in modules named after their backend.
        tests.args(["--", "--skip", "pg::"]);
    }
    run(&mut tests, "cargo test")?;
    report.push(("unit + integration (SQLite)", Outcome::Passed));
    report.push((
        "integration (PostgreSQL)",
        match pg_missing {
            Some(reason) => Outcome::Skipped(format!(
                "PostgreSQL at {} is not reachable: {reason}",
                redact(&pg_url)
            )),
            None => Outcome::Passed,
        },
    ));

    step("browser suite (Chromium)");
    let chromium = std::env::var("VELLUM_CHROMIUM").unwrap_or_else(|_| DEFAULT_CHROMIUM.to_owned());
    let browser = if Path::new(&chromium).exists() {
        browser_suite(&ws, &chromium, &python, &[])?;
        Outcome::Passed
    } else {
        Outcome::Skipped(format!(
            "Chromium not found at {chromium} (apt-get install -y chromium)"
        ))
    };
    report.push(("browser (end2end/)", browser));

    println!("\n==> summary");
    let mut skipped = 0;
    for (name, outcome) in &report {
        match outcome {
            Outcome::Passed => println!("    passed   {name}"),
            Outcome::Skipped(reason) => {
                skipped += 1;
                println!("    SKIPPED  {name}: {reason}");
            }
        }
    }
    if ci && skipped > 0 {
        bail!("{skipped} suite(s) skipped; with CI=true every suite must run");
    }
    Ok(())
}

/// The aiosmtpd version the mail tests' SMTP server runs on.
const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// A Python with aiosmtpd, for the real SMTP server the mail tests deliver
/// to: a venv in the target dir, made (from PyPI) on the first run.
fn smtp_sink_python(ws: &Workspace) -> anyhow::Result<PathBuf> {
    let venv = ws.target_dir.join("smtp-venv");
    let python = venv.join("bin/python");
    let has_aiosmtpd = |python: &Path| {
        Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_aiosmtpd(&python) {
        return Ok(python);
    }
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv (apt-get install -y python3-venv)",
    )?;
    run(
        Command::new(venv.join("bin/pip")).args(["install", "--quiet", AIOSMTPD]),
        "pip install aiosmtpd",
    )?;
    Ok(python)
}

fn step(name: &str) {
    println!("\n==> {name}");
}

/// `None` when a TCP connection to the server in `url` succeeds, otherwise why not.
fn postgres_unreachable(url: &str) -> Option<String> {
    let host_port = url
        .split_once('@')
        .map_or(url, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:5432");
    let addr: SocketAddr = match host_port.parse() {
        Ok(addr) => addr,
        Err(_) => return Some(format!("cannot parse host:port \"{host_port}\"")),
    };
    TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .err()
        .map(|err| err.to_string())
}

fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => url.to_owned(),
    }
}

/// Stops the server when dropped, whatever happened to the suite.
struct ServerGuard(Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The mail tests' SMTP sink (`server/tests/api/smtp_sink.py`), writing each
/// message it receives to a folder; stops when dropped.
struct SmtpSink {
    child: Child,
    _stdin: ChildStdin,
}

impl SmtpSink {
    fn start(ws: &Workspace, python: &Path, port: u16, out: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(python)
            .arg(ws.root.join("server/tests/api/smtp_sink.py"))
            .arg(port.to_string())
            .arg(out)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the SMTP sink")?;
        let stdin = child.stdin.take().context("the SMTP sink's stdin")?;
        let mut ready = String::new();
        BufReader::new(child.stdout.take().context("the SMTP sink's stdout")?)
            .read_line(&mut ready)
            .context("waiting for the SMTP sink")?;
        if ready.trim() != "ready" {
            let _ = child.kill();
            bail!("the SMTP sink did not start");
        }
        Ok(Self {
            child,
            _stdin: stdin,
        })
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cargo xtask e2e [spec…]`: only the browser suite, or only the specs
/// named (Playwright's own filters), for working on a page.
pub fn e2e(specs: &[String]) -> anyhow::Result<()> {
    let ws = Workspace::locate()?;
    tools::ensure_build_tools(&ws)?;
    site::build(&ws)?;
    let python = smtp_sink_python(&ws)?;
    let chromium = std::env::var("VELLUM_CHROMIUM").unwrap_or_else(|_| DEFAULT_CHROMIUM.to_owned());
    browser_suite(&ws, &chromium, &python, specs)
}

/// Builds the debug executable, starts it on a fresh seeded data dir and runs
/// the Playwright suite (or the `specs` named) against it in Debian's Chromium. The server delivers
/// its mail to a local SMTP sink, where the specs read one-time links: the
/// admin's outbox page never shows them.
fn browser_suite(
    ws: &Workspace,
    chromium: &str,
    python: &Path,
    specs: &[String],
) -> anyhow::Result<()> {
    run(
        Command::new(cargo())
            .args(["build", "--package", "server", "--bin", "vellum"])
            .current_dir(&ws.root),
        "cargo build (vellum)",
    )?;
    let exe = ws.vellum_exe("debug");
    let data_dir = ws.target_dir.join("end2end-data");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir).context("clearing the end2end data dir")?;
    }
    run(
        Command::new(&exe)
            .arg("seed-demo")
            .arg("--data-dir")
            .arg(&data_dir)
            // Known credentials for the specs; without these seed-demo
            // picks random ones and every sign-in would fail.
            .args([
                "--password",
                DEMO_PASSWORD,
                "--totp-secret",
                DEMO_TOTP_BASE32,
            ]),
        "vellum seed-demo",
    )?;
    let mail_dir = ws.target_dir.join("end2end-mail");
    if mail_dir.exists() {
        std::fs::remove_dir_all(&mail_dir).context("clearing the end2end mail dir")?;
    }
    std::fs::create_dir_all(&mail_dir).context("creating the end2end mail dir")?;
    let smtp_port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let sink = SmtpSink::start(ws, python, smtp_port, &mail_dir)?;
    let (addr, server) = start_server(&exe, &data_dir, smtp_port)?;
    // "A firm starts from nothing": one firm per browser project, each an
    // empty data dir with only the administrator `create-admin` made.
    let mut empty_firms = Vec::new();
    let mut empty_env = serde_json::Map::new();
    for project in ["phone", "desktop"] {
        let dir = ws.target_dir.join(format!("end2end-empty-{project}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).context("clearing an empty firm's data dir")?;
        }
        let email = format!("founder.{project}@firm.test");
        let password = create_admin(&exe, &dir, &email)?;
        let (addr, guard) = start_server(&exe, &dir, smtp_port)?;
        empty_env.insert(
            project.to_owned(),
            serde_json::json!({ "url": format!("http://{addr}"), "email": email, "password": password }),
        );
        empty_firms.push(guard);
    }
    let result = run(
        Command::new("npx")
            .args(["playwright", "test"])
            .args(specs)
            .env("VELLUM_BASE_URL", format!("http://{addr}"))
            .env("VELLUM_CHROMIUM", chromium)
            .env("VELLUM_DEMO_PASSWORD", DEMO_PASSWORD)
            .env("VELLUM_DEMO_TOTP", DEMO_TOTP_BASE32)
            .env("VELLUM_MAIL_DIR", &mail_dir)
            .env(
                "VELLUM_EMPTY_FIRMS",
                serde_json::Value::Object(empty_env).to_string(),
            )
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .current_dir(ws.root.join("end2end")),
        "the Playwright suite",
    );
    drop(empty_firms);
    drop(server);
    drop(sink);
    result
}

/// Starts `vellum serve` on `data_dir` at a free loopback port, sending
/// mail to the SMTP sink; answers the address once it listens.
fn start_server(
    exe: &Path,
    data_dir: &Path,
    smtp_port: u16,
) -> anyhow::Result<(String, ServerGuard)> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = format!("127.0.0.1:{port}");
    let server = ServerGuard(
        Command::new(exe)
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--listen")
            .arg(&addr)
            .env("RUST_LOG", "warn")
            .env("VELLUM_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
            .env("VELLUM_MAIL_FROM", "Harbour Law <portal@harbour.example>")
            // Small enough for a browser test to pick a file over it.
            .env("VELLUM_MAX_UPLOAD_BYTES", "5000000")
            .spawn()
            .context("starting vellum serve")?,
    );
    wait_until_up(&addr)?;
    Ok((addr, server))
}

/// Runs `vellum create-admin` on a new data dir and answers the one-time
/// password it prints.
fn create_admin(exe: &Path, data_dir: &Path, email: &str) -> anyhow::Result<String> {
    let out = Command::new(exe)
        .arg("create-admin")
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--email", email, "--name", "Fiona Founder"])
        .output()
        .context("running vellum create-admin")?;
    if !out.status.success() {
        bail!(
            "vellum create-admin failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("one-time password: "))
        .map(str::to_owned)
        .context("create-admin printed no password")
}

pub fn wait_until_up(addr: &str) -> anyhow::Result<()> {
    let addr: SocketAddr = addr.parse()?;
    let deadline = Instant::now() + Duration::from_mins(1);
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("vellum did not start listening on {addr} within 60 s")
}
