//! Password hashing with argon2id (OWASP / RFC 9106 parameters from config),
//! and the random passwords the command line gives new accounts.
//!
//! Hashing is deliberately expensive, so it runs on the blocking pool behind
//! a semaphore: a burst of sign-ins cannot starve other requests or exhaust
//! memory (each hash takes `memory_kib` of RAM).

use std::sync::Arc;

use anyhow::Context as _;
use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher as _, PasswordVerifier as _, phc::PasswordHash},
};
use secrecy::{ExposeSecret as _, SecretString};
use tokio::sync::Semaphore;

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Config {
    /// Memory in KiB (OWASP minimum: 19 MiB).
    pub memory_kib: u32,
    /// Iterations (OWASP minimum with 19 MiB: 2).
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// How many hashes may run at once.
    pub max_concurrent: usize,
}

impl Default for Argon2Config {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            max_concurrent: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
        }
    }
}

impl Argon2Config {
    /// True when the cost is below OWASP's minimum for argon2id (m=19456
    /// KiB, t=2, p=1): such parameters are refused at start-up.
    pub fn below_minimum(&self) -> bool {
        self.memory_kib < 19 * 1024 || self.iterations < 2 || self.parallelism < 1
    }
}

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so an unknown email
    /// costs the same time as a wrong password.
    dummy_hash: Arc<str>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// Builds a hasher; rejects parameters below the OWASP minimum.
    pub fn new(config: Argon2Config) -> anyhow::Result<Self> {
        if config.below_minimum() {
            anyhow::bail!("argon2 parameters must be at least m=19 MiB, t=2, p=1 (OWASP)");
        }
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = argon2
            .hash_password(b"not a real password: equalises timing")
            .map_err(|e| anyhow::anyhow!("hashing the dummy password: {e}"))?
            .to_string()
            .into();
        Ok(Self {
            argon2,
            permits: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
            dummy_hash,
        })
    }

    /// Hashes a password into a PHC string with a fresh random salt.
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        let _permit = self.permits.acquire().await.context("hasher closed")?;
        let argon2 = self.argon2.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            argon2
                .hash_password(password.expose_secret().as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
        })
        .await
        .context("the hashing task failed")?
    }

    /// Verifies `password` against `stored`. With no stored hash (unknown
    /// account, or no password set yet) it verifies against the dummy hash
    /// and answers false, doing the same work either way.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> anyhow::Result<bool> {
        let _permit = self.permits.acquire().await.context("hasher closed")?;
        let argon2 = self.argon2.clone();
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| anyhow::anyhow!("a stored password hash is malformed: {e}"))?;
            let matches = argon2
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok();
            Ok(matches && real)
        })
        .await
        .context("the verification task failed")?
    }
}

/// A random password of 20 characters from an unambiguous alphabet
/// (about 110 bits).
pub fn random_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0_u8; 20];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("the OS random generator failed: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(Argon2Config::default()).unwrap()
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hasher = hasher();
        let hash = hasher
            .hash(SecretString::from("plum kettle harbour"))
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("plum kettle harbour".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("plum kettle harbours".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies_even_with_the_dummy_password() {
        let hasher = hasher();
        assert!(
            !hasher
                .verify("not a real password: equalises timing".into(), None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn parameters_below_the_owasp_minimum_are_refused() {
        let weak = Argon2Config {
            memory_kib: 4096,
            ..Argon2Config::default()
        };
        assert!(PasswordHasher::new(weak).is_err());
    }
}
