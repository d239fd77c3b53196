//! `cargo xtask bench`: the DESIGN §6 measurements that have a home so far,
//! run against a release build on loopback. Results are ratios against a
//! baseline measured in the same run, because absolute times on a shared
//! machine drift.
//!
//! - Documents: encrypted upload and download throughput of a 1 GiB file,
//!   each divided by single-core AES-256-GCM throughput (goal ≥ 0.7).
//! - Documents: the server's peak RSS growth while moving that file (goal
//!   ≤ 32 MiB).
//! - Live messages: p99 from send to seen with 200 streams open (goal
//!   ≤ 50 ms), in [`messages`].
//! - Search: p99 over 10k contacts and 20k matters, as an attorney and as
//!   the admin, against a primary-key lookup's (goal ≤ 50 ms), in
//!   [`search`].
//!
//! `cargo xtask bench search` runs only the search.

mod messages;
mod search;

use std::{
    fs,
    io::Write as _,
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::Instant,
};

use anyhow::{Context as _, bail};
use serde::Deserialize;

use crate::{Workspace, cargo, run, site, tools};

const FILE_BYTES: u64 = 1 << 30;
const PASSWORD: &str = "plum kettle harbour lantern";
const MIB: f64 = 1024.0 * 1024.0;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the benchmarks (only the search with `only` = "search") and
/// prints a table.
pub fn run_all(only: Option<&str>) -> anyhow::Result<()> {
    let ws = Workspace::locate()?;
    tools::ensure_build_tools(&ws)?;
    site::build(&ws)?;
    println!("==> building the vellum executable (release)");
    run(
        Command::new(cargo())
            .args([
                "build",
                "--release",
                "--package",
                "server",
                "--bin",
                "vellum",
            ])
            .current_dir(&ws.root),
        "cargo build --release",
    )?;
    let exe = ws.vellum_exe("release");
    let work = ws.target_dir.join("bench");
    if work.exists() {
        fs::remove_dir_all(&work).context("clearing the bench folder")?;
    }
    let data = work.join("data");
    fs::create_dir_all(&work)?;

    println!("==> search: 10k contacts, 20k matters");
    let found = search::run(&exe, &work, PASSWORD)?;
    let search_rows = [
        ("an attorney (team matters, walls)", found.attorney),
        ("the admin (every matter)", found.admin),
    ]
    .map(|(who, (p50, p99))| {
        format!(
            "| search as {who}, 10k contacts + 20k matters | p50 {p50:.1} ms, p99 {p99:.1} ms | {:.0}× a key lookup's p99 ({:.2} ms); goal p99 ≤ 50 ms |",
            p99 / found.lookup_p99_ms,
            found.lookup_p99_ms
        )
    });
    println!("    loaded in {:.1} s", found.load_secs);
    if only == Some("search") {
        println!("\n==> results ({})", machine());
        println!("| measurement | value | ratio / goal |");
        println!("|---|---|---|");
        for row in &search_rows {
            println!("{row}");
        }
        return Ok(());
    }
    run(
        Command::new(&exe)
            .arg("seed-demo")
            .arg("--data-dir")
            .arg(&data)
            .args(["--password", PASSWORD])
            .stdout(Stdio::null()),
        "vellum seed-demo",
    )?;

    println!("==> baseline: single-core AES-256-GCM");
    let baseline =
        output(Command::new(&exe).args(["bench-aes", "--bytes", &FILE_BYTES.to_string()]))?
            .trim()
            .parse::<f64>()
            .context("reading the AES baseline")?;

    let file = work.join("one-gib.bin");
    write_test_file(&file)?;

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(&exe)
            .arg("serve")
            .arg("--data-dir")
            .arg(&data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("starting vellum serve")?,
    );
    crate::test::wait_until_up(&format!("127.0.0.1:{port}"))?;
    let pid = server.0.id();

    let jar = work.join("cookies.txt");
    let jar = jar.to_str().context("non-UTF-8 path")?;
    output(Command::new("curl").args([
        "-sf",
        "-c",
        jar,
        "-X",
        "POST",
        "-d",
        "email=alice@client.test",
        "-d",
        &format!("password={PASSWORD}"),
        &format!("{base}/api/sign_in"),
    ]))
    .context("signing in")?;
    let matters = output(Command::new("curl").args([
        "-sf",
        "-b",
        jar,
        "-X",
        "POST",
        "-d",
        "",
        &format!("{base}/api/list_matters"),
    ]))?;
    let matter = first_id(&matters).context("no matter for the bench")?;
    let rss_before = status_kib(pid, "VmRSS")?;

    println!("==> uploading 1 GiB");
    let started = Instant::now();
    let uploaded = output(Command::new("curl").args([
        "-sf",
        "-b",
        jar,
        "-X",
        "POST",
        "-H",
        "content-type: application/octet-stream",
        "-T",
        file.to_str().context("non-UTF-8 path")?,
        &format!("{base}/api/matters/{matter}/documents?name=bench.bin&visibility=client"),
    ]))
    .context("uploading")?;
    let upload_secs = started.elapsed().as_secs_f64();
    let document = serde_json::from_str::<Uploaded>(&uploaded)
        .context("the upload answered no document id")?
        .document_id;

    println!("==> downloading 1 GiB");
    let started = Instant::now();
    output(Command::new("curl").args([
        "-sf",
        "-b",
        jar,
        "-o",
        "/dev/null",
        &format!("{base}/api/documents/{document}/download"),
    ]))
    .context("downloading")?;
    let download_secs = started.elapsed().as_secs_f64();
    let peak = status_kib(pid, "VmHWM")?;

    println!(
        "==> live messages: {} streams, send to seen",
        messages::CLIENTS
    );
    let live = messages::run(&base, "alice@client.test", PASSWORD)?;
    drop(server);

    #[expect(clippy::cast_precision_loss, reason = "1 GiB is exact in f64")]
    let bytes = FILE_BYTES as f64;
    let upload = bytes / upload_secs;
    let download = bytes / download_secs;
    #[expect(
        clippy::cast_precision_loss,
        reason = "kilobytes of RSS are exact in f64"
    )]
    let growth_mib = (peak.saturating_sub(rss_before)) as f64 / 1024.0;
    println!("\n==> results ({})", machine());
    println!("| measurement | value | ratio / goal |");
    println!("|---|---|---|");
    println!(
        "| AES-256-GCM, one core (baseline) | {:.0} MiB/s | 1.00 |",
        baseline / MIB
    );
    println!(
        "| encrypted upload, 1 GiB | {:.0} MiB/s | {:.2} (goal ≥ 0.70) |",
        upload / MIB,
        upload / baseline
    );
    println!(
        "| encrypted download, 1 GiB | {:.0} MiB/s | {:.2} (goal ≥ 0.70) |",
        download / MIB,
        download / baseline
    );
    println!(
        "| server RSS growth moving 1 GiB | {growth_mib:.1} MiB (from {:.1} to peak {:.1}) | goal ≤ 32 MiB |",
        kib_to_mib(rss_before),
        kib_to_mib(peak)
    );
    println!(
        "| live messages, send → seen, {} streams ({} samples) | p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms | goal p99 ≤ 50 ms |",
        messages::CLIENTS,
        live.samples,
        live.p50_ms,
        live.p99_ms,
        live.max_ms
    );
    for row in &search_rows {
        println!("{row}");
    }
    Ok(())
}

#[expect(
    clippy::cast_precision_loss,
    reason = "kilobytes of RSS are exact in f64"
)]
fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn output(command: &mut Command) -> anyhow::Result<String> {
    let out = command.output().context("starting a command")?;
    if !out.status.success() {
        bail!(
            "{:?} failed: {}",
            command,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8(out.stdout).context("output is not UTF-8")
}

/// An item of a list the server answers (matters, threads): only its id is
/// read; serde skips the other fields.
#[derive(Deserialize)]
struct Listed {
    id: String,
}

/// The upload route's answer, of which the bench needs the document's id.
#[derive(Deserialize)]
struct Uploaded {
    document_id: String,
}

/// The id of the first item of a JSON list.
fn first_id(json: &str) -> anyhow::Result<String> {
    let items: Vec<Listed> = serde_json::from_str(json).context("reading a list")?;
    items
        .into_iter()
        .next()
        .map(|item| item.id)
        .context("the list is empty")
}

/// A `/proc/<pid>/status` line in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status =
        fs::read_to_string(format!("/proc/{pid}/status")).context("reading /proc status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

/// 1 GiB of pseudo-random bytes (xorshift), made once and reused.
fn write_test_file(path: &Path) -> anyhow::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.len() == FILE_BYTES) {
        return Ok(());
    }
    let mut out = std::io::BufWriter::new(fs::File::create(path)?);
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut block = vec![0_u8; 1 << 20];
    for _ in 0..(FILE_BYTES >> 20) {
        for word in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        out.write_all(&block)?;
    }
    out.flush()?;
    Ok(())
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cores} cores, {model}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_id_of_a_list_is_read_whatever_other_fields_it_has() {
        let matters =
            r#"[{"id":"m1","number":"LIT-2026-0012","title":"A \"quoted\" title"},{"id":"m2"}]"#;
        assert_eq!(first_id(matters).unwrap(), "m1");
        assert!(first_id("[]").is_err());
        assert!(first_id(r#"{"error":"Please sign in."}"#).is_err());
    }

    #[test]
    fn the_uploaded_documents_id_is_read_from_the_upload_answer() {
        let answer = r#"{"version":1,"document_id":"d1","size":3}"#;
        let uploaded: Uploaded = serde_json::from_str(answer).unwrap();
        assert_eq!(uploaded.document_id, "d1");
    }
}
