//! Data keys (DEKs): the firm's key and one per matter, stored wrapped by
//! the master key in the `data_keys` table and created on first use.

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, PoisonError, RwLock},
};

use anyhow::Context as _;
use secrecy::ExposeSecret;
use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::{KEY_LEN, Keyring, encode_parts, random_key};
use crate::{
    domain::ids::MatterId,
    server::{db::Db, new_id, now_ms},
};

/// Domain tag of a data key's wrapping, binding it to its row and scope.
const DATA_KEY_DOMAIN: &[u8] = b"vellum data key v1";

/// What a data key encrypts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeyScope {
    /// Secrets of the firm that belong to no matter, such as TOTP seeds.
    Firm,
    /// Everything of one matter: messages, documents, notes. One key per
    /// matter keeps the damage of a leaked key to that matter.
    Matter(String),
}

impl KeyScope {
    /// The `scope` column's value.
    fn name(&self) -> &'static str {
        match self {
            Self::Firm => "firm",
            Self::Matter(_) => "matter",
        }
    }

    /// The `matter_id` column's value.
    fn matter_id(&self) -> Option<&str> {
        match self {
            Self::Firm => None,
            Self::Matter(id) => Some(id),
        }
    }
}

/// An unwrapped data key, ready to encrypt and decrypt. Its bytes are wiped
/// from memory when it is dropped, and `Debug` shows only its id and scope.
#[derive(Clone)]
pub struct DataKey {
    id: String,
    scope: KeyScope,
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl DataKey {
    /// The key's id: its `data_keys` row, named in every envelope it seals.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the key encrypts. Check it when decrypting if the key id came
    /// from untrusted bytes and the scope matters.
    pub fn scope(&self) -> &KeyScope {
        &self.scope
    }

    pub(super) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// A random key outside the database, for unit tests of the ciphers.
    #[cfg(test)]
    pub(super) fn random_for_tests() -> Self {
        Self {
            id: new_id(),
            scope: KeyScope::Firm,
            key: random_key().unwrap(),
        }
    }
}

impl ExposeSecret<[u8; KEY_LEN]> for DataKey {
    fn expose_secret(&self) -> &[u8; KEY_LEN] {
        &self.key
    }
}

impl ZeroizeOnDrop for DataKey {}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .field("scope", &self.scope)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// Hands out data keys: finds the active key of a scope, creating it on
/// first use, and finds any key by the id named in an envelope.
///
/// Cheap to clone. Unwrapped keys are cached by id, which is safe because a
/// key id always names the same key bytes (rotating the master key changes
/// only the wrapping). Which key is *active* for a scope is read from the
/// database every time, so a rotation done by another process is seen at
/// once.
#[derive(Clone)]
pub struct KeyService {
    keyring: Arc<Keyring>,
    unwrapped: Arc<RwLock<HashMap<String, DataKey>>>,
}

impl fmt::Debug for KeyService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyService")
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

/// A `data_keys` row.
#[derive(sqlx::FromRow)]
struct DataKeyRow {
    id: String,
    scope: String,
    matter_id: Option<String>,
    kek_version: i64,
    wrapped_key: Vec<u8>,
}

/// The active key of a scope. `coalesce` matches the unique index, which
/// needs it because NULLs never collide in a unique index.
const SELECT_ACTIVE: &str = "select id, scope, matter_id, kek_version, wrapped_key
     from data_keys
     where scope = $1 and coalesce(matter_id, '') = $2 and retired_at is null";

impl KeyService {
    /// A service wrapping and unwrapping with `keyring`.
    pub fn new(keyring: Arc<Keyring>) -> Self {
        Self {
            keyring,
            unwrapped: Arc::default(),
        }
    }

    /// The master keyring.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The firm's data key, created on first use.
    ///
    /// # Errors
    /// On database failure, or when the stored key cannot be unwrapped with
    /// this keyring (the wrong keyring file).
    pub async fn firm_key(&self, db: &Db) -> anyhow::Result<DataKey> {
        self.active_key(db, KeyScope::Firm).await
    }

    /// The data key of `matter_id`, created on first use.
    ///
    /// # Errors
    /// As [`firm_key`](Self::firm_key), and when the matter does not exist.
    pub async fn matter_key(&self, db: &Db, matter_id: &MatterId) -> anyhow::Result<DataKey> {
        self.active_key(db, KeyScope::Matter(matter_id.to_string()))
            .await
    }

    /// The data key with id `key_id`, active or retired, for decrypting a
    /// value whose envelope names it (see
    /// [`envelope_key_id`](super::envelope_key_id)).
    ///
    /// # Errors
    /// On database failure, when no such key exists, or when it cannot be
    /// unwrapped with this keyring.
    pub async fn key_by_id(&self, db: &Db, key_id: &str) -> anyhow::Result<DataKey> {
        if let Some(key) = self.cached(key_id) {
            return Ok(key);
        }
        let row: Option<DataKeyRow> = sqlx::query_as(
            "select id, scope, matter_id, kek_version, wrapped_key from data_keys where id = $1",
        )
        .bind(key_id)
        .fetch_optional(db.pool())
        .await
        .with_context(|| format!("reading data key {key_id}"))?;
        let row = row.with_context(|| format!("there is no data key {key_id} in this database"))?;
        self.unwrap_row(row)
    }

    async fn active_key(&self, db: &Db, scope: KeyScope) -> anyhow::Result<DataKey> {
        let existing: Option<DataKeyRow> = sqlx::query_as(SELECT_ACTIVE)
            .bind(scope.name())
            .bind(scope.matter_id().unwrap_or(""))
            .fetch_optional(db.pool())
            .await
            .with_context(|| format!("reading the data key of {scope:?}"))?;
        if let Some(row) = existing {
            return self.unwrap_row(row);
        }

        // None yet. Two requests (or two servers) may both get here; the
        // unique index lets exactly one insert win, and the loser re-reads
        // the winner's key, so everyone encrypts under the same key.
        let id = new_id();
        let key = random_key()?;
        let (kek_version, wrapped) = self.keyring.wrap(&wrapping_aad(&id, &scope), &key)?;
        let mut tx = db.begin_write().await?;
        sqlx::query(
            "insert into data_keys (id, scope, matter_id, kek_version, wrapped_key, created_at)
             values ($1, $2, $3, $4, $5, $6)
             on conflict do nothing",
        )
        .bind(&id)
        .bind(scope.name())
        .bind(scope.matter_id())
        .bind(i64::from(kek_version))
        .bind(wrapped)
        .bind(now_ms())
        .execute(tx.conn())
        .await
        .with_context(|| format!("storing a new data key for {scope:?}"))?;
        let row: DataKeyRow = sqlx::query_as(SELECT_ACTIVE)
            .bind(scope.name())
            .bind(scope.matter_id().unwrap_or(""))
            .fetch_one(tx.conn())
            .await
            .with_context(|| format!("re-reading the data key of {scope:?}"))?;
        tx.commit()
            .await
            .with_context(|| format!("committing the data key of {scope:?}"))?;
        self.unwrap_row(row)
    }

    fn cached(&self, key_id: &str) -> Option<DataKey> {
        // A panic elsewhere cannot leave the map half-updated (inserts are
        // atomic), so a poisoned lock is still safe to use.
        self.unwrapped
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key_id)
            .cloned()
    }

    fn unwrap_row(&self, row: DataKeyRow) -> anyhow::Result<DataKey> {
        if let Some(key) = self.cached(&row.id) {
            return Ok(key);
        }
        let scope = match (row.scope.as_str(), row.matter_id) {
            ("firm", None) => KeyScope::Firm,
            ("matter", Some(matter_id)) => KeyScope::Matter(matter_id),
            _ => anyhow::bail!("data key {} has an inconsistent scope", row.id),
        };
        let kek_version = u32::try_from(row.kek_version)
            .with_context(|| format!("data key {} has a bad master key version", row.id))?;
        let key = self
            .keyring
            .unwrap(
                kek_version,
                &wrapping_aad(&row.id, &scope),
                &row.wrapped_key,
            )
            .with_context(|| {
                format!(
                    "unwrapping data key {} with master key version {kek_version}: is this the \
                     keyring this database was created with?",
                    row.id
                )
            })?;
        let key = DataKey {
            id: row.id,
            scope,
            key,
        };
        self.unwrapped
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.id.clone(), key.clone());
        Ok(key)
    }
}

/// Binds a wrapped data key to its row id and scope, so a wrapped key copied
/// to another row (another matter's, say) does not unwrap there.
fn wrapping_aad(id: &str, scope: &KeyScope) -> Vec<u8> {
    encode_parts(&[
        DATA_KEY_DOMAIN,
        id.as_bytes(),
        scope.name().as_bytes(),
        scope.matter_id().unwrap_or("").as_bytes(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_debug_form_of_a_data_key_prints_no_key_bytes() {
        let key = DataKey::random_for_tests();
        let shown = format!("{key:?}");
        assert!(shown.contains(key.id()), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(!shown.contains(&format!("{:?}", key.bytes())), "{shown}");
        let hex = crate::server::crypto::to_hex(key.bytes());
        assert!(!shown.contains(&hex));
    }

    #[test]
    fn the_wrapping_of_a_data_key_names_its_scope() {
        let matter = KeyScope::Matter("m1".to_owned());
        assert_ne!(
            wrapping_aad("k", &KeyScope::Firm),
            wrapping_aad("k", &matter)
        );
        assert_ne!(
            wrapping_aad("k", &matter),
            wrapping_aad("k", &KeyScope::Matter("m2".to_owned()))
        );
        assert_ne!(wrapping_aad("k1", &matter), wrapping_aad("k2", &matter));
    }
}
