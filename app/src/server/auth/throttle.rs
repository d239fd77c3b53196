//! Sign-in throttle counters in the database, so every node enforces the
//! same limits. The rules (delays, locks) are in `domain::auth`.
//!
//! An attempt is *reserved* before any password or code is checked: it is
//! counted as a failure in one write, and refunded only when it succeeds.
//! Checking first and counting afterwards let a burst of concurrent guesses
//! all read "allowed" before any of them was recorded; with the count taken
//! first, each concurrent attempt sees the ones before it, and after a few
//! the rest are told to wait, so concurrency buys an attacker nothing.

use anyhow::Context as _;
use sqlx::AnyConnection;

use crate::domain::auth::{
    ACCOUNT_LOCK_FAILURES, IP_LOCK_FAILURES, MFA_LOCK_FAILURES, Throttle, ThrottleState,
    client_network, record_failure, throttle,
};

/// What a counter counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Password (and password re-check) failures on one account.
    Account,
    /// Password failures from one network.
    Ip,
    /// Second-factor failures (TOTP and recovery codes) on one user. Kept
    /// apart from the password counter so a correct password never clears it
    /// (NIST 800-63B §5.2.2).
    Mfa,
    /// Second-factor failures from one network.
    MfaIp,
}

impl Scope {
    /// The audit action written when this counter locks.
    pub fn lock_action(self) -> &'static str {
        match self {
            Self::Account | Self::Mfa => "auth.account_locked",
            Self::Ip | Self::MfaIp => "auth.ip_locked",
        }
    }

    /// What failed, for the lock's audit detail.
    pub fn what(self) -> &'static str {
        match self {
            Self::Account | Self::Ip => "password",
            Self::Mfa | Self::MfaIp => "second-factor",
        }
    }
}

/// One counter an attempt is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counter {
    key: String,
    scope: Scope,
    lock_at: i64,
    /// When false the counter is only consulted for a lock and never
    /// counted: the password step honours a second-factor lock, and the
    /// second-factor step a password lock.
    counts: bool,
}

impl Counter {
    /// Password failures on the account with this (normalised) email.
    pub fn account(email: &str) -> Self {
        Self::new(
            format!("account:{email}"),
            Scope::Account,
            ACCOUNT_LOCK_FAILURES,
        )
    }

    /// Password failures from this address's network (an IPv6 /64).
    pub fn ip(ip: std::net::IpAddr) -> Self {
        Self::new(
            format!("ip:{}", client_network(ip)),
            Scope::Ip,
            IP_LOCK_FAILURES,
        )
    }

    /// Second-factor failures on this user.
    pub fn mfa(user_id: &str) -> Self {
        Self::new(format!("mfa:{user_id}"), Scope::Mfa, MFA_LOCK_FAILURES)
    }

    /// Second-factor failures from this address's network.
    pub fn mfa_ip(ip: std::net::IpAddr) -> Self {
        Self::new(
            format!("mfa-ip:{}", client_network(ip)),
            Scope::MfaIp,
            IP_LOCK_FAILURES,
        )
    }

    fn new(key: String, scope: Scope, lock_at: i64) -> Self {
        Self {
            key,
            scope,
            lock_at,
            counts: true,
        }
    }

    /// This counter, consulted for its lock only.
    #[must_use]
    pub fn lock_only(mut self) -> Self {
        self.counts = false;
        self
    }

    /// What it counts.
    pub fn scope(&self) -> Scope {
        self.scope
    }
}

/// A counter that locked because of this attempt, for the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locked {
    /// What locked.
    pub scope: Scope,
    /// Failures counted when it locked.
    pub failures: i64,
}

#[derive(sqlx::FromRow)]
struct ThrottleRow {
    failures: i64,
    last_failure_at: i64,
    locked_until: Option<i64>,
}

async fn read(conn: &mut AnyConnection, key: &str) -> anyhow::Result<Option<ThrottleState>> {
    let row: Option<ThrottleRow> = sqlx::query_as(
        "select failures, last_failure_at, locked_until from login_throttle where key = $1",
    )
    .bind(key.to_owned())
    .fetch_optional(conn)
    .await
    .context("reading a sign-in throttle counter")?;
    Ok(row.map(|row| ThrottleState {
        failures: row.failures,
        last_failure_at: row.last_failure_at,
        locked_until: row.locked_until,
    }))
}

/// An attempt counted by [`reserve`], to [`refund`] if it succeeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// Whether the attempt may be checked now.
    pub decision: Throttle,
    /// The counters this attempt locked, for the audit log.
    pub locked: Vec<Locked>,
    at: i64,
    /// Each counted key with its last failure time before this attempt.
    counted: Vec<(String, i64)>,
}

/// Reserves one attempt: decides from every counter whether it may be
/// checked now, and counts it as a failure on every counting counter in the
/// same write, whatever the decision (attempts refused while throttled count
/// too, so hammering a locked account keeps it locked).
///
/// Run it inside a write transaction and commit before doing the work: on
/// PostgreSQL each counter's row is locked (in key order, so two attempts
/// never deadlock) before it is read; on SQLite the write transaction is
/// already exclusive.
pub async fn reserve(
    conn: &mut AnyConnection,
    counters: &[Counter],
    now: i64,
) -> anyhow::Result<Reservation> {
    let mut ordered: Vec<&Counter> = counters.iter().collect();
    ordered.sort_by(|a, b| a.key.cmp(&b.key));
    let mut reservation = Reservation {
        decision: Throttle::Allow,
        locked: Vec::new(),
        at: now,
        counted: Vec::new(),
    };
    for counter in ordered {
        if !counter.counts {
            if throttle(read(&mut *conn, &counter.key).await?, now) == Throttle::Locked {
                reservation.decision = Throttle::Locked;
            }
            continue;
        }
        sqlx::query(
            "insert into login_throttle (key, failures, last_failure_at, locked_until)
             values ($1, 0, 0, null) on conflict (key) do nothing",
        )
        .bind(counter.key.clone())
        .execute(&mut *conn)
        .await
        .context("creating a sign-in throttle counter")?;
        // A no-op update takes the row lock on PostgreSQL, so the read below
        // sees every attempt committed before this one.
        sqlx::query("update login_throttle set failures = failures where key = $1")
            .bind(counter.key.clone())
            .execute(&mut *conn)
            .await
            .context("locking a sign-in throttle counter")?;
        let previous = read(&mut *conn, &counter.key).await?;
        reservation.decision = worse(reservation.decision, throttle(previous, now));
        let (next, locks_now) = record_failure(previous, now, counter.lock_at);
        store(&mut *conn, &counter.key, next).await?;
        reservation.counted.push((
            counter.key.clone(),
            previous.map_or(0, |p| p.last_failure_at),
        ));
        if locks_now {
            reservation.locked.push(Locked {
                scope: counter.scope,
                failures: next.failures,
            });
        }
    }
    Ok(reservation)
}

/// Gives back the attempt [`reserve`] counted, once it succeeded. Earlier
/// failures stay counted: only a whole sign-in clears an account's counters.
/// The last failure time goes back too unless a later attempt moved it, so
/// good sign-ins do not keep restarting an earlier failure's delay.
pub async fn refund(conn: &mut AnyConnection, reservation: &Reservation) -> anyhow::Result<()> {
    for (key, previous_last_failure_at) in &reservation.counted {
        sqlx::query(
            "update login_throttle set failures = failures - 1,
                    last_failure_at = case when last_failure_at = $2 then $3 else last_failure_at end
             where key = $1 and failures > 0",
        )
        .bind(key.clone())
        .bind(reservation.at)
        .bind(*previous_last_failure_at)
        .execute(&mut *conn)
        .await
        .context("refunding a sign-in attempt")?;
    }
    Ok(())
}

/// Forgets a counter, after a whole sign-in (every factor) succeeded.
pub async fn clear(conn: &mut AnyConnection, counter: &Counter) -> anyhow::Result<()> {
    sqlx::query("delete from login_throttle where key = $1")
        .bind(counter.key.clone())
        .execute(conn)
        .await
        .context("clearing a sign-in throttle counter")?;
    Ok(())
}

async fn store(conn: &mut AnyConnection, key: &str, state: ThrottleState) -> anyhow::Result<()> {
    sqlx::query(
        "update login_throttle set failures = $2, last_failure_at = $3, locked_until = $4
         where key = $1",
    )
    .bind(key.to_owned())
    .bind(state.failures)
    .bind(state.last_failure_at)
    .bind(state.locked_until)
    .execute(conn)
    .await
    .context("writing a sign-in throttle counter")?;
    Ok(())
}

/// The stricter of two decisions.
pub fn worse(a: Throttle, b: Throttle) -> Throttle {
    match (a, b) {
        (Throttle::Locked, _) | (_, Throttle::Locked) => Throttle::Locked,
        (Throttle::Wait, _) | (_, Throttle::Wait) => Throttle::Wait,
        _ => Throttle::Allow,
    }
}
