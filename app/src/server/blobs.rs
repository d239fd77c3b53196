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
//! start ([`crate::server::documents::sweep_orphans`]) once they are old
//! enough that no upload can still be writing or committing them.

use std::{
    fmt,
    fs::{self, File},
    io::{self, Read, Seek, Write},
    os::unix::fs::OpenOptionsExt as _,
    path::{Path, PathBuf},
    time::SystemTime,
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

    /// Takes the store's sweep lock, held until the [`SweepLock`] is
    /// dropped; `None` when another process holds it (and is sweeping).
    ///
    /// # Errors
    /// When the lock file cannot be opened or locked.
    fn lock_sweep(&self) -> io::Result<Option<SweepLock>>;

    /// Removes the unfinished writes (temp files) last written before
    /// `cutoff`. Newer ones may belong to an upload in flight, in this
    /// process or another one on the same data dir. Returns how many were
    /// removed.
    ///
    /// # Errors
    /// On I/O failure.
    fn remove_temp(&self, cutoff: SystemTime) -> io::Result<usize>;

    /// The committed blobs last written before `cutoff` for which `is_live`
    /// is false: orphans, whose database row was never written (a crash
    /// between the rename and the commit). Newer ones may be an upload's
    /// whose row is about to commit.
    ///
    /// # Errors
    /// On I/O failure.
    fn list_orphans(
        &self,
        is_live: &dyn Fn(&str) -> bool,
        cutoff: SystemTime,
    ) -> io::Result<Vec<String>>;
}

/// The exclusive lock of one sweep of unfinished uploads, released when
/// dropped. Two processes starting on the same data dir (an overlapping
/// restart) thus never sweep at once.
#[derive(Debug)]
pub struct SweepLock {
    _file: File,
}

/// Whether the file `entry` names was last written before `cutoff`. A file
/// gone meanwhile (renamed into place, or removed) is not.
fn written_before(entry: &fs::DirEntry, cutoff: SystemTime) -> io::Result<bool> {
    match entry.metadata() {
        Ok(meta) => Ok(meta.is_file() && meta.modified()? < cutoff),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}

/// Blobs as files: `<root>/<key>`, written through `<root>/tmp/`. The sweep
/// lock is `<root>.lock` beside the folder (`<data-dir>/blobs.lock`), so it
/// is never taken for a blob or a temp file.
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

    /// The sweep's lock file.
    fn lock_path(&self) -> PathBuf {
        self.root.with_extension("lock")
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

    fn lock_sweep(&self) -> io::Result<Option<SweepLock>> {
        let mut options = File::options();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(self.lock_path())?;
        // An advisory lock on the open file (flock on Unix): released when
        // the file is closed, by a crash too, so it can never go stale.
        match file.try_lock() {
            Ok(()) => Ok(Some(SweepLock { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(err)) => Err(err),
        }
    }

    fn remove_temp(&self, cutoff: SystemTime) -> io::Result<usize> {
        let mut removed = 0;
        for entry in fs::read_dir(self.temp_dir())? {
            let entry = entry?;
            if !written_before(&entry, cutoff)? {
                continue;
            }
            match fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
        Ok(removed)
    }

    fn list_orphans(
        &self,
        is_live: &dyn Fn(&str) -> bool,
        cutoff: SystemTime,
    ) -> io::Result<Vec<String>> {
        let mut orphans = Vec::new();
        for entry in fs::read_dir(&self.root)? {
            let entry = entry?;
            if let Some(key) = entry.file_name().to_str()
                && self.path(key).is_ok()
                && !is_live(key)
                && written_before(&entry, cutoff)?
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
    fn orphans_are_the_committed_blobs_without_a_row_written_before_the_cutoff() {
        let (_dir, store) = store();
        for key in ["live", "orphan"] {
            store.put(key).unwrap().commit().unwrap();
        }
        let later = SystemTime::now() + std::time::Duration::from_mins(1);
        assert_eq!(
            store.list_orphans(&|k| k == "live", later).unwrap(),
            vec!["orphan".to_owned()]
        );
        let earlier = SystemTime::now() - std::time::Duration::from_mins(1);
        assert!(
            store
                .list_orphans(&|k| k == "live", earlier)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn only_temp_files_written_before_the_cutoff_are_removed() {
        let (_dir, store) = store();
        let _in_flight = store.put("abc").unwrap();
        let earlier = SystemTime::now() - std::time::Duration::from_mins(1);
        assert_eq!(store.remove_temp(earlier).unwrap(), 0);
        let later = SystemTime::now() + std::time::Duration::from_mins(1);
        assert_eq!(store.remove_temp(later).unwrap(), 1);
    }

    #[test]
    fn one_sweep_at_a_time_holds_the_lock() {
        let (_dir, store) = store();
        let held = store.lock_sweep().unwrap();
        assert!(held.is_some());
        // A second opening of the lock file, as another process's would be.
        assert!(store.lock_sweep().unwrap().is_none());
        drop(held);
        assert!(store.lock_sweep().unwrap().is_some());
    }
}
