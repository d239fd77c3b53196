//! Rules of identity: passwords (NIST SP 800-63B §5.1.1.2), sign-in
//! throttling, and session lifetimes. Pure functions, so they are tested
//! without a clock or a database.

use serde::{Deserialize, Serialize};

use super::role::Role;

/// The fewest characters a password may have (NIST 800-63B: at least 8;
/// we ask 12, as the issue requires).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The most characters accepted, so hashing cost stays bounded.
pub const MAX_PASSWORD_CHARS: usize = 256;

const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// Checks a new password against NIST 800-63B: long enough, not absurdly
/// long, not a common or breached-style password, not the user's own email.
/// There are deliberately no composition rules.
pub fn check_new_password(password: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Use at least {MIN_PASSWORD_CHARS} characters. A short phrase of several words works well."
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    let lowered = password.to_lowercase();
    let is_common = COMMON_PASSWORDS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .any(|common| common == lowered);
    if is_common {
        return Err("That password is too common. Choose something less predictable.".to_owned());
    }
    let local_part = email.split('@').next().unwrap_or_default().to_lowercase();
    if !local_part.is_empty() && (lowered == email.to_lowercase() || lowered == local_part) {
        return Err("Do not use your email address as your password.".to_owned());
    }
    Ok(())
}

/// Normalises an email address for lookup: trimmed and lower-cased.
pub fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// The network an address is throttled as: an IPv4 address on its own, an
/// IPv6 address by its /64, because one subscriber is usually handed a whole
/// /64 and could otherwise rotate through 2^64 addresses. An IPv4 address
/// mapped into IPv6 counts as the IPv4 address.
pub fn client_network(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                v4.to_string()
            } else {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

/// Failed attempts after which each further attempt waits (see [`throttle`]).
pub const FREE_FAILURES: i64 = 3;
/// Failed attempts on one account after which it locks.
pub const ACCOUNT_LOCK_FAILURES: i64 = 10;
/// Failed second-factor attempts (TOTP or recovery codes) on one account
/// after which the account locks, as after password failures.
pub const MFA_LOCK_FAILURES: i64 = 10;
/// Failed attempts from one IP after which it locks.
pub const IP_LOCK_FAILURES: i64 = 50;
/// How long a lock lasts.
pub const LOCK_MS: i64 = 15 * 60 * 1000;
/// Failures older than this are forgotten.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The longest wait between attempts before the lock.
pub const MAX_DELAY_MS: i64 = 30 * 1000;

/// A throttle counter as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleState {
    /// Failures within the window.
    pub failures: i64,
    /// When the last failure happened (UTC ms).
    pub last_failure_at: i64,
    /// Until when the key is locked, if it is.
    pub locked_until: Option<i64>,
}

/// What to do with a sign-in attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// Check the password.
    Allow,
    /// Too soon after the last failure: refuse without looking.
    Wait,
    /// Locked: refuse without looking.
    Locked,
}

/// The wait after `failures` failures: none for the first few, then doubling
/// from one second up to [`MAX_DELAY_MS`].
pub fn delay_after(failures: i64) -> i64 {
    if failures <= FREE_FAILURES {
        return 0;
    }
    let doublings = u32::try_from((failures - FREE_FAILURES - 1).min(15)).unwrap_or(15);
    (1000_i64 << doublings).min(MAX_DELAY_MS)
}

/// Decides whether an attempt may be checked now.
pub fn throttle(state: Option<ThrottleState>, now: i64) -> Throttle {
    let Some(state) = state else {
        return Throttle::Allow;
    };
    if state.locked_until.is_some_and(|until| now < until) {
        return Throttle::Locked;
    }
    if now - state.last_failure_at > FAILURE_WINDOW_MS {
        return Throttle::Allow;
    }
    if now < state.last_failure_at + delay_after(state.failures) {
        Throttle::Wait
    } else {
        Throttle::Allow
    }
}

/// The counter after one more failure, locking it at `lock_at` failures.
/// Returns the new state and whether this failure caused a lock.
pub fn record_failure(
    state: Option<ThrottleState>,
    now: i64,
    lock_at: i64,
) -> (ThrottleState, bool) {
    let previous = state
        .filter(|s| {
            now - s.last_failure_at <= FAILURE_WINDOW_MS || s.locked_until.is_some_and(|u| now < u)
        })
        .map_or(0, |s| s.failures);
    let failures = previous + 1;
    let already_locked = state
        .and_then(|s| s.locked_until)
        .is_some_and(|until| now < until);
    let locks_now = failures >= lock_at && !already_locked;
    let locked_until = if locks_now {
        Some(now + LOCK_MS)
    } else {
        state
            .and_then(|s| s.locked_until)
            .filter(|until| now < *until)
    };
    (
        ThrottleState {
            failures,
            last_failure_at: now,
            locked_until,
        },
        locks_now,
    )
}

/// Session lifetimes (DESIGN §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    /// Signed out after this long without a request.
    pub idle_ms: i64,
    /// Signed out this long after signing in, whatever happens.
    pub absolute_ms: i64,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self::from_secs(Self::DEFAULT_IDLE_SECS, Self::DEFAULT_ABSOLUTE_SECS)
    }
}

impl SessionLimits {
    /// The idle timeout when config sets none: 30 minutes.
    pub const DEFAULT_IDLE_SECS: u32 = 30 * 60;
    /// The absolute timeout when config sets none: 12 hours, a working day.
    pub const DEFAULT_ABSOLUTE_SECS: u32 = 12 * 60 * 60;

    /// Limits given in whole seconds, as the configuration gives them.
    pub fn from_secs(idle_secs: u32, absolute_secs: u32) -> Self {
        Self {
            idle_ms: i64::from(idle_secs) * 1000,
            absolute_ms: i64::from(absolute_secs) * 1000,
        }
    }

    /// True when a session signed in at `signed_in_at` and last used at
    /// `last_seen_at` has expired at `now`.
    pub fn expired(&self, now: i64, signed_in_at: i64, last_seen_at: i64) -> bool {
        now - last_seen_at >= self.idle_ms || now - signed_in_at >= self.absolute_ms
    }
}

/// What a successful password step leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInStep {
    /// Signed in.
    Done,
    /// The password was right; an authentication code is needed next.
    MfaRequired,
    /// The password was right; two-step verification must be set up next
    /// (a firm user's first sign-in).
    MfaSetupRequired,
}

/// The signed-in user, as the UI sees them. No secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUserView {
    /// The name shown in the header.
    pub display_name: String,
    /// Their email.
    pub email: String,
    /// Their role.
    pub role: Role,
}

/// The account page: who the user is and their MFA state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// Their name.
    pub display_name: String,
    /// Their email.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// Whether two-step verification is on.
    pub mfa_enabled: bool,
    /// Clients may turn it off; firm users may not.
    pub may_turn_off_mfa: bool,
    /// Whether "new secure message" emails are on.
    pub message_emails: bool,
}

/// What the user needs to add Vellum to an authenticator app. The secret is
/// the user's own, shown once over the authenticated connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaEnrolmentView {
    /// An SVG QR code of the `otpauth://` URL, made on the server.
    pub qr_svg: String,
    /// The secret in base32, for typing in by hand.
    pub secret: String,
    /// The same `otpauth://` URL as a link, for an authenticator app on
    /// the phone the page is open on.
    pub otpauth_url: String,
}

impl MfaEnrolmentView {
    /// The key in groups of four, as people type it from a screen.
    pub fn grouped_secret(&self) -> String {
        self.secret
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One of a user's signed-in sessions, for the sessions page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The session's id on this page (not the cookie, which stays secret).
    pub id: String,
    /// Browser and system, e.g. "Firefox on Windows".
    pub device: String,
    /// The last IP address seen.
    pub ip: String,
    /// When it signed in (UTC ms).
    pub created_at: i64,
    /// The last request (UTC ms).
    pub last_seen_at: i64,
    /// True for the session viewing the page.
    pub current: bool,
}

/// The one message for every failed sign-in: unknown email, wrong password,
/// throttled or locked all read the same, so the answer reveals nothing.
pub const SIGN_IN_FAILED: &str = "The email or password is incorrect.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_throttled_by_their_slash_64_and_ipv4_by_address() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let other: std::net::IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_network(a), client_network(b));
        assert_eq!(client_network(a), "2001:db8:1:2::/64");
        assert_ne!(client_network(a), client_network(other));
        let v4: std::net::IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: std::net::IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_network(v4), "192.0.2.7");
        assert_eq!(client_network(mapped), "192.0.2.7");
    }

    #[test]
    fn an_mfa_key_is_shown_in_groups_of_four() {
        let view = MfaEnrolmentView {
            qr_svg: String::new(),
            secret: "JBSWY3DPEHPK3PXPJBSW".to_owned(),
            otpauth_url: String::new(),
        };
        assert_eq!(view.grouped_secret(), "JBSW Y3DP EHPK 3PXP JBSW");
    }

    #[test]
    fn short_passwords_are_rejected_and_long_phrases_accepted() {
        assert!(check_new_password("short pass", "a@b.test").is_err());
        assert!(check_new_password("eleven char", "a@b.test").is_err());
        assert!(check_new_password("plum kettle harbour", "a@b.test").is_ok());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 12 characters, 24 bytes.
        assert!(check_new_password("ééééééééééé1", "a@b.test").is_ok());
        assert!(check_new_password("ééééééééééé", "a@b.test").is_err());
    }

    #[test]
    fn common_passwords_are_rejected_whatever_their_case() {
        for common in [
            "password1234",
            "Password1234",
            "QWERTYUIOP123",
            "123456789012",
            "correcthorsebatterystaple",
        ] {
            assert!(check_new_password(common, "a@b.test").is_err(), "{common}");
        }
    }

    #[test]
    fn the_users_own_email_is_rejected_as_a_password() {
        assert!(
            check_new_password("alice.moreau@client.test", "alice.moreau@client.test").is_err()
        );
        assert!(check_new_password("verylongusername", "verylongusername@client.test").is_err());
    }

    #[test]
    fn there_are_no_composition_rules() {
        assert!(check_new_password("all lower case words here", "a@b.test").is_ok());
    }

    #[test]
    fn the_delay_is_zero_at_first_then_doubles_up_to_a_cap() {
        assert_eq!(delay_after(1), 0);
        assert_eq!(delay_after(FREE_FAILURES), 0);
        assert_eq!(delay_after(FREE_FAILURES + 1), 1000);
        assert_eq!(delay_after(FREE_FAILURES + 2), 2000);
        assert_eq!(delay_after(FREE_FAILURES + 3), 4000);
        assert_eq!(delay_after(100), MAX_DELAY_MS);
    }

    #[test]
    fn attempts_inside_the_delay_wait_and_after_it_are_allowed() {
        let state = ThrottleState {
            failures: FREE_FAILURES + 2,
            last_failure_at: 10_000,
            locked_until: None,
        };
        assert_eq!(throttle(Some(state), 10_500), Throttle::Wait);
        assert_eq!(throttle(Some(state), 12_000), Throttle::Allow);
        assert_eq!(throttle(None, 0), Throttle::Allow);
    }

    #[test]
    fn the_lock_engages_at_the_limit_and_lasts_its_duration() {
        let mut state = None;
        let mut locked_at = None;
        for attempt in 1..=ACCOUNT_LOCK_FAILURES {
            let (next, locked) = record_failure(state, 1000 * attempt, ACCOUNT_LOCK_FAILURES);
            if locked {
                locked_at = Some(attempt);
            }
            state = Some(next);
        }
        assert_eq!(locked_at, Some(ACCOUNT_LOCK_FAILURES));
        let now = 1000 * ACCOUNT_LOCK_FAILURES;
        assert_eq!(throttle(state, now + 1), Throttle::Locked);
        assert_eq!(throttle(state, now + LOCK_MS - 1), Throttle::Locked);
        assert_ne!(throttle(state, now + LOCK_MS), Throttle::Locked);
    }

    #[test]
    fn a_further_failure_while_locked_does_not_lock_again() {
        let (locked, _) = record_failure(
            Some(ThrottleState {
                failures: 9,
                last_failure_at: 0,
                locked_until: None,
            }),
            1,
            10,
        );
        let (again, relocked) = record_failure(Some(locked), 2, 10);
        assert!(!relocked);
        assert_eq!(again.locked_until, locked.locked_until);
    }

    #[test]
    fn old_failures_are_forgotten_after_the_window() {
        let state = ThrottleState {
            failures: 8,
            last_failure_at: 0,
            locked_until: None,
        };
        let (next, _) = record_failure(Some(state), FAILURE_WINDOW_MS + 1, 10);
        assert_eq!(next.failures, 1);
    }

    #[test]
    fn sessions_expire_when_idle_or_past_their_absolute_limit() {
        let limits = SessionLimits {
            idle_ms: 100,
            absolute_ms: 1000,
        };
        assert!(!limits.expired(50, 0, 0));
        assert!(limits.expired(100, 0, 0), "idle");
        assert!(!limits.expired(950, 0, 900));
        assert!(limits.expired(1000, 0, 990), "absolute");
    }
}
