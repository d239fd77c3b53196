//! The master keyring: the key-encryption keys (KEKs) that wrap every data
//! key, kept outside the database so that a database backup alone cannot be
//! decrypted.
//!
//! The text format, in a file (default `<data-dir>/keys/master.key`) or in
//! an environment variable:
//!
//! ```text
//! # comment lines start with '#'
//! v1:<32 bytes, standard base64>
//! v2:<32 bytes, standard base64>
//! ```
//!
//! Entries are separated by newlines or spaces (one line is handier in an
//! environment variable). The highest version is current and wraps new data
//! keys; older versions stay so that keys wrapped before a rotation can
//! still be unwrapped until they are re-wrapped.

use std::{
    collections::BTreeMap,
    fmt,
    fs::{self, DirBuilder, File, OpenOptions},
    io::{self, Write as _},
    os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _},
    path::{Path, PathBuf},
};

use anyhow::{Context as _, bail};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use zeroize::Zeroizing;

use super::{CryptoError, KEY_LEN, gcm_open, gcm_seal, random_key};

/// The first lines of every keyring file we write.
const FILE_PREAMBLE: &str = "\
# Vellum master keyring (DESIGN §4). Back this file up separately from the
# database: without it, nothing encrypted in the database can be read.
# One key per line, `v<version>:<base64>`; the highest version is current.
";

/// The versioned master keys. `Debug` lists versions only, never key bytes,
/// and every key is wiped from memory when the keyring is dropped.
pub struct Keyring {
    /// Never empty.
    keys: BTreeMap<u32, Zeroizing<[u8; KEY_LEN]>>,
    /// The highest version in `keys`.
    current: u32,
    /// The file it was read from, which [`Keyring::rotate`] rewrites; `None`
    /// when it came from the environment.
    path: Option<PathBuf>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("versions", &self.keys.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .field("path", &self.path)
            .finish()
    }
}

impl Keyring {
    /// Reads the keyring file at `path`, or creates it with one fresh random
    /// key if it does not exist yet (mode 0600, in a directory created with
    /// mode 0700), warning loudly that it must be backed up.
    ///
    /// # Errors
    /// When the file cannot be read or written, or is malformed.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        match fs::read_to_string(path) {
            Ok(text) => Self::load_text(path, &Zeroizing::new(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Self::create(path),
            Err(e) => {
                Err(e).with_context(|| format!("reading the keyring file {}", path.display()))
            }
        }
    }

    /// Parses a keyring given in an environment variable such as
    /// `VELLUM_MASTER_KEY`, in the file's format. Such a keyring cannot be
    /// [rotated](Self::rotate) in place.
    ///
    /// # Errors
    /// When the value is malformed.
    pub fn from_env_value(value: &str) -> anyhow::Result<Self> {
        let keys = parse(value).context("the keyring given in the environment is malformed")?;
        Self::from_keys(keys, None)
    }

    /// The version that wraps new data keys: the highest.
    pub fn current_version(&self) -> u32 {
        self.current
    }

    /// Every version held, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.keys().copied()
    }

    /// Adds a fresh random key as the new current version and rewrites the
    /// keyring file atomically (a temp file, then a rename, still mode 0600),
    /// so a crash leaves either the old file or the new one. Returns the new
    /// version.
    ///
    /// Data keys stay wrapped by the old version until they are re-wrapped;
    /// the old key must remain in the file until then.
    ///
    /// # Errors
    /// When the keyring came from the environment, or the file cannot be
    /// written. The keyring is unchanged on error.
    pub fn rotate(&mut self) -> anyhow::Result<u32> {
        let Some(path) = self.path.clone() else {
            bail!(
                "this keyring was given in the environment; rotate a keyring file and update \
                 the variable instead"
            );
        };
        let version = self
            .current
            .checked_add(1)
            .context("the keyring has no versions left")?;
        self.keys.insert(version, random_key()?);
        let written = write_private_file(&path, self.to_text().as_bytes(), Publish::Replace);
        if let Err(e) = written {
            self.keys.remove(&version);
            return Err(e);
        }
        self.current = version;
        Ok(version)
    }

    /// Wraps a data key with the current version; returns that version and
    /// `nonce ‖ ciphertext+tag`.
    pub(super) fn wrap(
        &self,
        aad: &[u8],
        data_key: &[u8; KEY_LEN],
    ) -> Result<(u32, Vec<u8>), CryptoError> {
        let kek = self
            .keys
            .get(&self.current)
            .ok_or(CryptoError::UnknownKekVersion(self.current))?;
        Ok((self.current, gcm_seal(kek, aad, data_key)?))
    }

    /// Unwraps a data key wrapped by `version`.
    pub(super) fn unwrap(
        &self,
        version: u32,
        aad: &[u8],
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
        let kek = self
            .keys
            .get(&version)
            .ok_or(CryptoError::UnknownKekVersion(version))?;
        let plain = gcm_open(kek, aad, wrapped)?;
        to_key(&plain).ok_or(CryptoError::Malformed("a data key must be 32 bytes"))
    }

    fn from_keys(
        keys: BTreeMap<u32, Zeroizing<[u8; KEY_LEN]>>,
        path: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        let Some(&current) = keys.keys().next_back() else {
            bail!("it holds no keys");
        };
        Ok(Self {
            keys,
            current,
            path,
        })
    }

    fn load_text(path: &Path, text: &str) -> anyhow::Result<Self> {
        let malformed = || format!("the keyring file {} is malformed", path.display());
        let keys = parse(text).with_context(malformed)?;
        let keyring = Self::from_keys(keys, Some(path.to_owned())).with_context(malformed)?;
        if let Ok(meta) = fs::metadata(path)
            && meta.mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", meta.mode() & 0o777),
                "the keyring file can be read by other users; restrict it with chmod 600"
            );
        }
        Ok(keyring)
    }

    fn create(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("creating the keyring directory {}", dir.display()))?;
        }
        let keyring = Self::from_keys(BTreeMap::from([(1, random_key()?)]), Some(path.to_owned()))?;
        if !write_private_file(path, keyring.to_text().as_bytes(), Publish::KeepExisting)? {
            // Another process created it a moment earlier; use its key so
            // that both agree.
            return Self::load_or_create(path);
        }
        tracing::warn!(
            path = %path.display(),
            "created a new master key. BACK UP THIS FILE NOW, separately from the database \
             backups: without it, every encrypted message, document and secret is lost for good"
        );
        Ok(keyring)
    }

    fn to_text(&self) -> Zeroizing<String> {
        // Sized up front so the buffer holding key text is never reallocated,
        // which would leave an unwiped copy behind.
        let mut text = Zeroizing::new(String::with_capacity(
            FILE_PREAMBLE.len() + self.keys.len() * 64,
        ));
        text.push_str(FILE_PREAMBLE);
        for (version, key) in &self.keys {
            text.push('v');
            text.push_str(&version.to_string());
            text.push(':');
            STANDARD.encode_string(key.as_slice(), &mut text);
            text.push('\n');
        }
        text
    }
}

/// Parses the keyring text format. Errors name the entry by position and
/// never echo its text, which may hold key material.
fn parse(text: &str) -> anyhow::Result<BTreeMap<u32, Zeroizing<[u8; KEY_LEN]>>> {
    let mut keys = BTreeMap::new();
    let entries = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .flat_map(str::split_whitespace);
    for (n, entry) in entries.enumerate() {
        let n = n + 1;
        let Some((version, encoded)) = entry
            .strip_prefix('v')
            .and_then(|rest| rest.split_once(':'))
        else {
            bail!("key entry {n} is not of the form v<version>:<base64 key>");
        };
        let version: u32 = match version.parse() {
            Ok(v) if v >= 1 => v,
            _ => bail!("key entry {n} has a bad version; versions are whole numbers from 1"),
        };
        let bytes = Zeroizing::new(
            STANDARD
                .decode(encoded)
                .map_err(|_| anyhow::anyhow!("key v{version} is not valid base64"))?,
        );
        let key = to_key(&bytes).with_context(|| {
            format!(
                "key v{version} is {} bytes long; a master key must be {KEY_LEN} bytes",
                bytes.len()
            )
        })?;
        if keys.insert(version, key).is_some() {
            bail!("key v{version} appears twice");
        }
    }
    Ok(keys)
}

/// Copies exactly 32 bytes into a key that is wiped on drop.
fn to_key(bytes: &[u8]) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    (bytes.len() == KEY_LEN).then(|| {
        let mut key = Zeroizing::new([0_u8; KEY_LEN]);
        key.copy_from_slice(bytes);
        key
    })
}

/// What [`write_private_file`] does when the target already exists.
#[derive(Clone, Copy)]
enum Publish {
    /// Replace it (rotation).
    Replace,
    /// Leave it alone (first creation racing another process).
    KeepExisting,
}

/// Writes `contents` to `path` with mode 0600, atomically: the bytes go to a
/// temp file in the same directory, are flushed to disk, and only then
/// appear under `path`. Returns `false` when `KeepExisting` found a file
/// already there.
fn write_private_file(path: &Path, contents: &[u8], publish: Publish) -> anyhow::Result<bool> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("the keyring path {} names no file", path.display()))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        crate::server::new_id()
    ));
    let result = write_then_publish(&temp, path, contents, publish);
    // Gone already after a rename; otherwise clean up.
    let _ = fs::remove_file(&temp);
    let published = result?;
    // Make the new directory entry itself durable.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing the keyring directory {}", dir.display()))?;
    Ok(published)
}

fn write_then_publish(
    temp: &Path,
    path: &Path,
    contents: &[u8],
    publish: Publish,
) -> anyhow::Result<bool> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temp)
        .with_context(|| format!("creating {}", temp.display()))?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", temp.display()))?;
    match publish {
        Publish::Replace => fs::rename(temp, path)
            .map(|()| true)
            .with_context(|| format!("replacing the keyring file {}", path.display())),
        // A hard link, unlike a rename, fails if the target exists: two
        // processes starting at once cannot overwrite each other's key.
        Publish::KeepExisting => match fs::hard_link(temp, path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => {
                Err(e).with_context(|| format!("creating the keyring file {}", path.display()))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    /// A temp directory removed when the test ends.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            let dir =
                std::env::temp_dir().join(format!("vellum-keyring-{}", crate::server::new_id()));
            fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_keyring_file_is_created_private_and_read_back_the_same() {
        let dir = TempDir::new();
        let path = dir.0.join("keys").join("master.key");
        let created = Keyring::load_or_create(&path).unwrap();
        assert_eq!(created.current_version(), 1);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);

        let loaded = Keyring::load_or_create(&path).unwrap();
        assert_eq!(loaded.keys[&1].as_slice(), created.keys[&1].as_slice());
        let leftovers = fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp files are left behind");
    }

    #[test]
    fn rotating_adds_a_current_version_and_keeps_the_old_one_for_unwrapping() {
        let dir = TempDir::new();
        let path = dir.0.join("master.key");
        let mut keyring = Keyring::load_or_create(&path).unwrap();
        let (v1, wrapped) = keyring.wrap(b"aad", &[7; KEY_LEN]).unwrap();

        assert_eq!(keyring.rotate().unwrap(), 2);
        assert_eq!(keyring.current_version(), 2);
        assert_eq!(mode(&path), 0o600);

        let reloaded = Keyring::load_or_create(&path).unwrap();
        assert_eq!(reloaded.versions().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(reloaded.current_version(), 2);
        assert_eq!(
            *reloaded.unwrap(v1, b"aad", &wrapped).unwrap(),
            [7; KEY_LEN]
        );
        let (v2, _) = reloaded.wrap(b"aad", &[7; KEY_LEN]).unwrap();
        assert_eq!(v2, 2);
    }

    #[test]
    fn a_keyring_from_the_environment_reads_the_file_format_on_one_line() {
        let dir = TempDir::new();
        let path = dir.0.join("master.key");
        let mut from_file = Keyring::load_or_create(&path).unwrap();
        from_file.rotate().unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let one_line = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join(" ");

        let mut from_env = Keyring::from_env_value(&one_line).unwrap();
        assert_eq!(from_env.versions().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(from_env.keys[&2].as_slice(), from_file.keys[&2].as_slice());
        assert!(
            Keyring::from_env_value(&text).is_ok(),
            "the file text works too"
        );
        assert!(
            from_env.rotate().is_err(),
            "an environment keyring has no file to rewrite"
        );
    }

    #[test]
    fn a_malformed_keyring_file_is_rejected_with_an_error_naming_the_file() {
        let dir = TempDir::new();
        let path = dir.0.join("master.key");
        let short = STANDARD.encode([1_u8; 16]);
        let full = STANDARD.encode([1_u8; KEY_LEN]);
        for (text, reason) in [
            ("not a key\n".to_owned(), "not of the form"),
            (format!("v1:{short}\n"), "must be 32 bytes"),
            ("v1:###\n".to_owned(), "not valid base64"),
            (format!("v0:{full}\n"), "bad version"),
            (format!("v1:{full}\nv1:{full}\n"), "appears twice"),
            ("# only a comment\n".to_owned(), "no keys"),
        ] {
            fs::write(&path, &text).unwrap();
            let err = format!("{:#}", Keyring::load_or_create(&path).unwrap_err());
            assert!(err.contains(&path.display().to_string()), "{err}");
            assert!(err.contains(reason), "{err}");
            assert!(!err.contains(&full) && !err.contains(&short), "{err}");
        }
    }

    #[test]
    fn the_debug_form_of_a_keyring_prints_no_key_bytes() {
        let keyring =
            Keyring::from_env_value(&format!("v3:{}", STANDARD.encode([0xAB; KEY_LEN]))).unwrap();
        let shown = format!("{keyring:?}");
        assert!(shown.contains("current: 3"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
        assert!(!shown.contains("ab") && !shown.contains("AB"), "{shown}");
        assert!(
            !shown.contains(&STANDARD.encode([0xAB; KEY_LEN])),
            "{shown}"
        );
    }

    #[test]
    fn a_data_key_wrapped_by_one_keyring_does_not_unwrap_with_another() {
        let a = Keyring::from_env_value(&format!("v1:{}", STANDARD.encode([1; KEY_LEN]))).unwrap();
        let b = Keyring::from_env_value(&format!("v1:{}", STANDARD.encode([2; KEY_LEN]))).unwrap();
        let (version, wrapped) = a.wrap(b"aad", &[9; KEY_LEN]).unwrap();
        assert!(matches!(
            b.unwrap(version, b"aad", &wrapped),
            Err(CryptoError::NotAuthentic)
        ));
        assert!(matches!(
            a.unwrap(7, b"aad", &wrapped),
            Err(CryptoError::UnknownKekVersion(7))
        ));
    }
}
