//! Where encrypted document bodies live (DESIGN §3): a small storage trait
//! and its filesystem backend under `<data-dir>/blobs`.
//!
//! The trait is blocking on purpose: documents are encrypted and decrypted
//! on blocking threads (bulk crypto stays off the async runtime), and those
//! threads read and write the blob directly, one chunk at a time.
//!
//! Writes are atomic: a blob is written to a temp file and becomes visible
//! only when [`PendingBlob::commit`] renames it into place. A crash leaves
//! at worst a temp file or a blob without a database row; both are swept at
//! start ([`crate::server::documents::sweep_orphans`]).

use std::{
    fmt,
    fs::{self, File},
    io::{self, Read, Seek, Write},
    os::unix::fs::OpenOptionsExt as _,
    path::{Path, PathBuf},
};

/// Something a blob can be read from, at any offset.
pub trait BlobRead: Read + Seek + Send {}
impl<T: Read + Seek + Send> BlobRead for T {}

/// A blob being written. Dropping it without [`commit`](Self::commit)
/// removes what was written, so an aborted upload leaves nothing behind.
pub trait PendingBlob: Write + Send {
    /// Makes the blob durable and visible under its key.
    ///
    /// # Errors
    /// On I/O failure; the temp data is removed.
    fn commit(self: Box<Self>) -> io::Result<()>;
}

/// A store of immutable blobs, by key.
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// Starts writing the blob `key` to a temp location.
    ///
    /// # Errors
    /// When the key is malformed or the temp file cannot be created.
    fn put(&self, key: &str) -> io::Result<Box<dyn PendingBlob>>;

    /// Opens the blob `key` for reading, with its length in bytes.
    ///
    /// # Errors
    /// `NotFound` when there is no such blob, other I/O errors as they come.
    fn open(&self, key: &str) -> io::Result<(Box<dyn BlobRead>, u64)>;

    /// Deletes the blob `key`; deleting a missing blob is not an error.
    ///
    /// # Errors
    /// On I/O failure.
    fn delete(&self, key: &str) -> io::Result<()>;

    /// Removes every unfinished write (temp files). Call only at start,
    /// when no upload is in flight. Returns how many were removed.
    ///
    /// # Errors
    /// On I/O failure.
    fn remove_temp(&self) -> io::Result<usize>;

    /// The committed blobs for which `is_live` is false: orphans, whose
    /// database row was never written (a crash between the rename and the
    /// commit).
    ///
    /// # Errors
    /// On I/O failure.
    fn list_orphans(&self, is_live: &dyn Fn(&str) -> bool) -> io::Result<Vec<String>>;
}

/// Blobs as files: `<root>/<key>`, written through `<root>/tmp/`.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store under `root`, created if missing. The store and its temp
    /// folder are readable by their owner only (0700; looser ones are
    /// tightened).
    ///
    /// # Errors
    /// When the folders cannot be created or tightened.
    pub fn open_dir(root: &Path) -> io::Result<Self> {
        super::file_modes::private_dir(root)?;
        super::file_modes::private_dir(&root.join("tmp"))?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// The folder of unfinished writes.
    pub fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        // Keys are our own UUIDs; anything else must never become a path.
        if key.is_empty()
            || key.len() > 64
            || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "malformed blob key",
            ));
        }
        Ok(self.root.join(key))
    }
}

/// A temp file that becomes `final_path` on commit.
struct FsPending {
    file: Option<File>,
    temp: PathBuf,
    final_path: PathBuf,
    root: PathBuf,
}

impl Write for FsPending {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(buf),
            None => Err(io::Error::other("the blob was already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl PendingBlob for FsPending {
    fn commit(mut self: Box<Self>) -> io::Result<()> {
        let Some(file) = self.file.take() else {
            return Err(io::Error::other("the blob was already committed"));
        };
        // Data first, then the rename, then the folder entry: after a crash
        // the blob is either wholly there or not there at all.
        file.sync_all()?;
        drop(file);
        if let Err(err) = fs::rename(&self.temp, &self.final_path) {
            let _ = fs::remove_file(&self.temp);
            return Err(err);
        }
        File::open(&self.root)?.sync_all()
    }
}

impl Drop for FsPending {
    fn drop(&mut self) {
        if self.file.take().is_some()
            && let Err(err) = fs::remove_file(&self.temp)
        {
            tracing::warn!(path = %self.temp.display(), error = %err, "could not remove an unfinished upload");
        }
    }
}

impl BlobStore for FsBlobStore {
    fn put(&self, key: &str) -> io::Result<Box<dyn PendingBlob>> {
        let final_path = self.path(key)?;
        let temp = self
            .temp_dir()
            .join(format!("{key}.{}", uuid::Uuid::now_v7().simple()));
        let file = File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        Ok(Box::new(FsPending {
            file: Some(file),
            temp,
            final_path,
            root: self.root.clone(),
        }))
    }

    fn open(&self, key: &str) -> io::Result<(Box<dyn BlobRead>, u64)> {
        let file = File::open(self.path(key)?)?;
        let len = file.metadata()?.len();
        Ok((Box::new(file), len))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path(key)?) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }

    fn remove_temp(&self) -> io::Result<usize> {
        let mut removed = 0;
        for entry in fs::read_dir(self.temp_dir())? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn list_orphans(&self, is_live: &dyn Fn(&str) -> bool) -> io::Result<Vec<String>> {
        let mut orphans = Vec::new();
        for entry in fs::read_dir(&self.root)? {
            let entry = entry?;
            if !entry.file_type()?.is_file() {
                continue;
            }
            if let Some(key) = entry.file_name().to_str()
                && self.path(key).is_ok()
                && !is_live(key)
            {
                orphans.push(key.to_owned());
            }
        }
        Ok(orphans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temp directory removed when the test ends.
    struct TempDir(PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn store() -> (TempDir, FsBlobStore) {
        let dir =
            TempDir(std::env::temp_dir().join(format!("vellum-blobs-{}", crate::server::new_id())));
        let store = FsBlobStore::open_dir(&dir.0.join("blobs")).unwrap();
        (dir, store)
    }

    #[test]
    fn a_blob_is_visible_only_after_commit() {
        let (_dir, store) = store();
        let mut pending = store.put("abc").unwrap();
        pending.write_all(b"hello").unwrap();
        assert!(store.open("abc").is_err());
        pending.commit().unwrap();
        let (mut reader, len) = store.open("abc").unwrap();
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!((out.as_str(), len), ("hello", 5));
    }

    #[test]
    fn dropping_an_uncommitted_blob_removes_its_temp_file() {
        let (_dir, store) = store();
        let mut pending = store.put("abc").unwrap();
        pending.write_all(b"partial").unwrap();
        drop(pending);
        assert_eq!(fs::read_dir(store.temp_dir()).unwrap().count(), 0);
        assert!(store.open("abc").is_err());
    }

    #[test]
    fn keys_that_could_name_another_path_are_refused() {
        let (_dir, store) = store();
        for key in ["../x", "a/b", "", ".hidden"] {
            assert!(store.put(key).is_err(), "{key}");
        }
    }

    #[test]
    fn orphans_are_the_committed_blobs_without_a_row() {
        let (_dir, store) = store();
        for key in ["live", "orphan"] {
            store.put(key).unwrap().commit().unwrap();
        }
        assert_eq!(
            store.list_orphans(&|k| k == "live").unwrap(),
            vec!["orphan".to_owned()]
        );
    }
}
