//! The firm's search over a mid-size firm (DESIGN §6: 10k contacts, 20k
//! matters): `vellum bench-search` loads it into a data dir of its own and
//! times the search in-process against a primary-key lookup on the same
//! database. Goal: p99 ≤ 50 ms.

use std::{
    collections::HashMap,
    fs,
    path::Path,
    process::{Command, Stdio},
};

use anyhow::Context as _;

use super::output;

/// What `vellum bench-search` printed.
pub struct Figures {
    pub load_secs: f64,
    pub attorney: (f64, f64),
    pub admin: (f64, f64),
    pub lookup_p99_ms: f64,
}

/// Seeds a fresh data dir under `work`, loads the firm and times it.
pub fn run(exe: &Path, work: &Path, password: &str) -> anyhow::Result<Figures> {
    let data = work.join("search-data");
    if data.exists() {
        fs::remove_dir_all(&data).context("clearing the search bench's data")?;
    }
    crate::run(
        Command::new(exe)
            .arg("seed-demo")
            .arg("--data-dir")
            .arg(&data)
            .args(["--password", password])
            .stdout(Stdio::null()),
        "vellum seed-demo (search bench)",
    )?;
    let printed = output(
        Command::new(exe)
            .arg("bench-search")
            .arg("--data-dir")
            .arg(&data)
            .env("RUST_LOG", "warn"),
    )?;
    parse(&printed)
}

/// Reads the `key=value` lines.
fn parse(printed: &str) -> anyhow::Result<Figures> {
    let values: HashMap<&str, f64> = printed
        .lines()
        .filter_map(|line| line.split_once('='))
        .filter_map(|(key, value)| value.trim().parse().ok().map(|v| (key.trim(), v)))
        .collect();
    let get = |key: &str| {
        values
            .get(key)
            .copied()
            .with_context(|| format!("bench-search printed no {key}: {printed}"))
    };
    Ok(Figures {
        load_secs: get("load_secs")?,
        attorney: (
            get("search_attorney_p50_ms")?,
            get("search_attorney_p99_ms")?,
        ),
        admin: (get("search_admin_p50_ms")?, get("search_admin_p99_ms")?),
        lookup_p99_ms: get("lookup_p99_ms")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_are_read_from_key_value_lines_in_any_order() {
        let figures = parse(
            "load_secs=3.5\nsearch_admin_p99_ms=9.1\nsearch_admin_p50_ms=2.0\n\
             search_attorney_p50_ms=1.5\nsearch_attorney_p99_ms=7.25\nlookup_p99_ms=0.05\n",
        )
        .unwrap();
        assert_eq!(figures.attorney, (1.5, 7.25));
        assert_eq!(figures.admin, (2.0, 9.1));
        assert!(parse("load_secs=1\n").is_err());
    }
}
