//! The live-messages benchmark (DESIGN §6): with `CLIENTS` message streams
//! open on one thread, the time from starting to send a message to each
//! stream seeing it, over `MESSAGES` messages sent one after another.
//! Goal: p99 at most 50 ms.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};

/// Open streams, as many clients as the goal names.
pub const CLIENTS: usize = 200;
/// Messages sent, one after another.
const MESSAGES: usize = 50;

/// What the benchmark measured.
pub struct Latency {
    /// Samples: one per message and stream.
    pub samples: usize,
    /// Median, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, in milliseconds.
    pub p99_ms: f64,
    /// Slowest, in milliseconds.
    pub max_ms: f64,
}

/// When each message was first seen on each stream: (message id, stream) → instant.
type Seen = Arc<Mutex<HashMap<(String, usize), Instant>>>;

/// Runs against the server at `base`, signed in as `email` with `password`.
pub fn run(base: &str, email: &str, password: &str) -> anyhow::Result<Latency> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(measure(base, email, password))
}

async fn measure(base: &str, email: &str, password: &str) -> anyhow::Result<Latency> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(CLIENTS + 8)
        .build()?;
    let answer = client
        .post(format!("{base}/api/sign_in"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await?;
    if !answer.status().is_success() {
        bail!("signing in answered {}", answer.status());
    }
    let threads = client
        .post(format!("{base}/api/list_threads"))
        .form(&[("", "")])
        .send()
        .await?
        .text()
        .await?;
    let thread = super::first_id(&threads).context("no thread to send on")?;

    let seen: Seen = Arc::default();
    let mut streams = Vec::with_capacity(CLIENTS);
    for index in 0..CLIENTS {
        let response = client
            .get(format!("{base}/api/messages/stream?thread={thread}"))
            .send()
            .await
            .with_context(|| format!("opening stream {index}"))?;
        if !response.status().is_success() {
            bail!("stream {index} answered {}", response.status());
        }
        streams.push(tokio::spawn(read_stream(
            response,
            index,
            Arc::clone(&seen),
        )));
    }
    // Let every stream finish replaying the thread's history.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut sent = Vec::with_capacity(MESSAGES);
    for n in 0..MESSAGES {
        let started = Instant::now();
        let answer = client
            .post(format!("{base}/api/send_message"))
            .form(&[
                ("thread_id", thread.as_str()),
                ("body", &format!("bench message {n}")),
            ])
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("sending answered {}", answer.status());
        }
        let id: String = answer
            .json()
            .await
            .context("reading the new message's id")?;
        // Wait until every stream saw it (or 5 s), so sends do not overlap.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let count = seen
                .lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .keys()
                .filter(|(m, _)| *m == id)
                .count();
            if count == CLIENTS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        sent.push((id, started));
    }
    for stream in streams {
        stream.abort();
    }

    let seen = seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let mut latencies = Vec::with_capacity(MESSAGES * CLIENTS);
    for (id, started) in &sent {
        for index in 0..CLIENTS {
            match seen.get(&(id.clone(), index)) {
                Some(at) => latencies.push(at.duration_since(*started).as_secs_f64() * 1000.0),
                None => bail!("stream {index} never saw message {id}: a message was lost"),
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    Ok(Latency {
        samples: latencies.len(),
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: latencies.last().copied().unwrap_or_default(),
    })
}

/// Records the arrival of each event's id (the message id) on stream `index`.
async fn read_stream(mut response: reqwest::Response, index: usize, seen: Seen) {
    let mut pending = String::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let at = Instant::now();
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = pending.find('\n') {
            let line: String = pending.drain(..=end).collect();
            if let Some(id) = line.trim_end().strip_prefix("id:")
                && let Ok(mut seen) = seen.lock()
            {
                seen.entry((id.trim().to_owned(), index)).or_insert(at);
            }
        }
    }
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "an index into a sorted list of at most a few thousand samples"
)]
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
