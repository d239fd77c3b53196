//! Flood limits in front of the requests anyone may send without signing in
//! that make the server write: the sign-in steps, password reset, accepting
//! an invitation, calendar feeds, and the public enquiry form.
//!
//! Each of those takes the database's single writer and appends a permanent
//! audit row, so a script repeating one could slow every audited page and
//! grow the audit log without bound. The limits here act *before* any write
//! and answer 429 with `Retry-After`: per network (an IPv6 /64) and for
//! everyone together, in fixed one-minute windows. Refusals are audited as
//! one row per network per window carrying the count, never a row each.
//!
//! The counts live in this node's memory on purpose: counting in the
//! database would itself be the write being protected. Guessing is limited
//! separately, across nodes, by the sign-in throttle in the database
//! ([`super::auth::throttle`]); this gate only bounds the load.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Mutex, PoisonError},
};

use crate::{
    domain::auth::client_network,
    server::{
        audit::{self, AuditEntry, AuditResult},
        db::Db,
    },
};

/// The length of one counting window.
pub const WINDOW_MS: i64 = 60 * 1000;
/// Networks tracked in one window; past this, new networks meet only the
/// global limit, so a botnet cannot grow this node's memory without bound.
const MAX_TRACKED_NETWORKS: usize = 100_000;

/// The kinds of limited request, each with limits of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Sign-in, MFA, password reset (request and set), invitation accept.
    Auth,
    /// Calendar feed fetches, polled by calendar apps.
    Feed,
    /// The public enquiry form, which anyone may send.
    Enquiry,
}

impl Class {
    /// The class of an unauthenticated request that writes, by method and
    /// path; `None` for everything else.
    pub fn of(method: &str, path: &str) -> Option<Self> {
        const AUTH_FUNCTIONS: [&str; 7] = [
            "/api/sign_in",
            "/api/verify_mfa",
            "/api/begin_mfa_setup",
            "/api/confirm_mfa_setup",
            "/api/request_password_reset",
            "/api/reset_password",
            "/api/accept_invitation",
        ];
        match method {
            "POST" if AUTH_FUNCTIONS.contains(&path) => Some(Self::Auth),
            "GET" | "HEAD" if path.starts_with("/calendar/") => Some(Self::Feed),
            "POST" if path == "/api/submit_enquiry" => Some(Self::Enquiry),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Auth => "sign-in and account recovery",
            Self::Feed => "calendar feeds",
            Self::Enquiry => "the enquiry form",
        }
    }
}

/// How many requests of one class a window admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// From one network. An office behind one address shares it, so it
    /// leaves room for a whole firm signing in at nine.
    pub per_network: u32,
    /// From everyone together: what the writer is protected to.
    pub global: u32,
}

/// The limits of each class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloodLimits {
    /// Sign-in and account recovery.
    pub auth: Limit,
    /// Calendar feeds.
    pub feed: Limit,
    /// The enquiry form: a person sends one or two, a script thousands.
    pub enquiry: Limit,
}

impl Default for FloodLimits {
    fn default() -> Self {
        Self {
            auth: Limit {
                per_network: 60,
                global: 1200,
            },
            feed: Limit {
                per_network: 120,
                global: 2400,
            },
            enquiry: Limit {
                per_network: 5,
                global: 120,
            },
        }
    }
}

impl FloodLimits {
    fn of(&self, class: Class) -> Limit {
        match class {
            Class::Auth => self.auth,
            Class::Feed => self.feed,
            Class::Enquiry => self.enquiry,
        }
    }
}

#[derive(Debug, Default)]
struct Window {
    /// When the current window began (UTC ms); `None` before the first request.
    started_at: Option<i64>,
    by_network: HashMap<(Class, String), u32>,
    global: HashMap<Class, u32>,
}

/// The gate: counts in the current window, and refusals not yet audited.
#[derive(Debug, Default)]
pub struct FloodGate {
    limits: FloodLimits,
    window: Mutex<Window>,
    /// Refusals per (network, class) since the last [`FloodGate::flush`].
    refused: Mutex<HashMap<(String, Class), u64>>,
}

impl FloodGate {
    /// A gate with these limits.
    pub fn new(limits: FloodLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Admits one request of `class` from `ip` at `now` (UTC ms), or answers
    /// how many seconds to wait. Requests with no known address meet the
    /// global limit only.
    pub fn admit(&self, class: Class, ip: Option<IpAddr>, now: i64) -> Result<(), u64> {
        let network = ip.map(client_network);
        let limit = self.limits.of(class);
        let retry_after = {
            let mut guard = self.window.lock().unwrap_or_else(PoisonError::into_inner);
            let window: &mut Window = &mut guard;
            let current = window
                .started_at
                .filter(|started| (*started..started + WINDOW_MS).contains(&now));
            let started_at = if let Some(started) = current {
                started
            } else {
                *window = Window {
                    started_at: Some(now),
                    ..Window::default()
                };
                now
            };
            let wait = (started_at + WINDOW_MS - now).max(1000);
            let global = window.global.entry(class).or_insert(0);
            let tracked = window.by_network.len() < MAX_TRACKED_NETWORKS;
            let by_network = match network.clone() {
                Some(net) if tracked || window.by_network.contains_key(&(class, net.clone())) => {
                    Some(window.by_network.entry((class, net)).or_insert(0))
                }
                _ => None,
            };
            let over_network = by_network
                .as_ref()
                .is_some_and(|count| **count >= limit.per_network);
            if over_network || *global >= limit.global {
                Some(wait)
            } else {
                if let Some(count) = by_network {
                    *count += 1;
                }
                *global += 1;
                None
            }
        };
        let Some(wait_ms) = retry_after else {
            return Ok(());
        };
        let mut refused = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
        *refused
            .entry((network.unwrap_or_else(|| "unknown".to_owned()), class))
            .or_insert(0) += 1;
        Err(u64::try_from((wait_ms + 999) / 1000).unwrap_or(60))
    }

    /// Writes one audit row per network and class for the refusals since the
    /// last flush, with their count. Called once a window by a background
    /// task, and on shutdown.
    pub async fn flush(&self, db: &Db) -> anyhow::Result<usize> {
        let refused: Vec<((String, Class), u64)> = {
            let mut refused = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
            refused.drain().collect()
        };
        if refused.is_empty() {
            return Ok(0);
        }
        let mut tx = db.begin_write().await?;
        for ((network, class), count) in &refused {
            audit::append(
                &mut tx,
                &AuditEntry::new("http.rate_limited", AuditResult::Denied)
                    .object("network", network.clone())
                    .detail(format!(
                        "{count} {} requests refused with 429 from {network}",
                        class.name()
                    )),
            )
            .await?;
        }
        tx.commit().await?;
        tracing::warn!(
            networks = refused.len(),
            "requests refused by the flood limits"
        );
        Ok(refused.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A network address, as the client info of a request carries it.
    fn from(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    #[test]
    fn a_network_past_its_limit_waits_for_the_next_window() {
        let gate = FloodGate::new(FloodLimits::default());
        let per_network = FloodLimits::default().auth.per_network;
        for _ in 0..per_network {
            assert_eq!(gate.admit(Class::Auth, from("192.0.2.1"), 1_000), Ok(()));
        }
        assert_eq!(gate.admit(Class::Auth, from("192.0.2.1"), 31_000), Err(30));
        // Another network and another class are counted apart.
        assert_eq!(gate.admit(Class::Auth, from("192.0.2.2"), 31_000), Ok(()));
        assert_eq!(gate.admit(Class::Feed, from("192.0.2.1"), 31_000), Ok(()));
        // A new window starts afresh.
        assert_eq!(gate.admit(Class::Auth, from("192.0.2.1"), 61_000), Ok(()));
    }

    #[test]
    fn addresses_in_one_ipv6_slash_64_share_one_count() {
        let gate = FloodGate::new(FloodLimits {
            auth: Limit {
                per_network: 2,
                global: 100,
            },
            ..FloodLimits::default()
        });
        assert!(gate.admit(Class::Auth, from("2001:db8::1"), 0).is_ok());
        assert!(gate.admit(Class::Auth, from("2001:db8::2"), 0).is_ok());
        assert!(gate.admit(Class::Auth, from("2001:db8::3"), 0).is_err());
        assert!(gate.admit(Class::Auth, from("2001:db8:0:1::1"), 0).is_ok());
    }

    #[test]
    fn the_global_limit_holds_across_networks() {
        let gate = FloodGate::new(FloodLimits {
            auth: Limit {
                per_network: 100,
                global: 3,
            },
            ..FloodLimits::default()
        });
        for n in 1..=3 {
            assert!(
                gate.admit(Class::Auth, from(&format!("192.0.2.{n}")), 0)
                    .is_ok()
            );
        }
        assert!(gate.admit(Class::Auth, from("192.0.2.9"), 0).is_err());
        assert!(gate.admit(Class::Auth, None, 0).is_err());
    }

    #[test]
    fn only_unauthenticated_writes_are_limited() {
        assert_eq!(Class::of("POST", "/api/sign_in"), Some(Class::Auth));
        assert_eq!(
            Class::of("POST", "/api/request_password_reset"),
            Some(Class::Auth)
        );
        assert_eq!(Class::of("GET", "/calendar/abc"), Some(Class::Feed));
        assert_eq!(
            Class::of("POST", "/api/submit_enquiry"),
            Some(Class::Enquiry)
        );
        assert_eq!(Class::of("POST", "/api/send_message"), None);
        assert_eq!(Class::of("GET", "/login"), None);
    }
}
