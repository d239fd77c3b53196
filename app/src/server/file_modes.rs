//! Owner-only modes for what Vellum keeps on disk: the data dir, the blob
//! folders and the SQLite files are 0700 and 0600, so other local users
//! cannot read a copy of the database or the encrypted documents.
//!
//! Folders and files created here get the mode from the start. Ones that
//! already exist with group or other bits (an older version made them 0755
//! and 0644) are tightened, with a warning naming the path; when that is
//! not possible (another owner, a read-only disk) the error names the path,
//! so start-up stops with it rather than run with readable files.

use std::{
    fs::{self, DirBuilder, OpenOptions},
    io,
    os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _},
    path::Path,
};

/// The bits an owner-only path must not have: everything for group and other.
const NOT_OWNER: u32 = 0o077;

/// Creates `dir` (and any missing parent) as 0700, or tightens an existing
/// one to its owner.
///
/// # Errors
/// When it cannot be created or tightened; the message names the path.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|err| named(dir, "cannot be created", &err))?;
    tighten(dir)
}

/// Creates `file` empty as 0600 if it is missing, or tightens an existing
/// one to its owner.
///
/// # Errors
/// When it cannot be created or tightened; the message names the path.
pub fn private_file(file: &Path) -> io::Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
    {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => tighten(file),
        Err(err) => Err(named(file, "cannot be created", &err)),
    }
}

/// Tightens `file` to its owner if it exists; a missing file is fine.
///
/// # Errors
/// When it exists and cannot be tightened; the message names the path.
pub fn tighten_if_present(file: &Path) -> io::Result<()> {
    if file.exists() { tighten(file) } else { Ok(()) }
}

/// Removes the group and other bits of `path`, warning when there were any.
fn tighten(path: &Path) -> io::Result<()> {
    let mode = fs::metadata(path)
        .map_err(|err| named(path, "cannot be read", &err))?
        .permissions()
        .mode()
        & 0o777;
    if mode & NOT_OWNER == 0 {
        return Ok(());
    }
    let private = mode & !NOT_OWNER;
    fs::set_permissions(path, fs::Permissions::from_mode(private)).map_err(|err| {
        named(
            path,
            &format!(
                "can be read by other users (mode {mode:o}) and cannot be restricted to {private:o}; \
                 fix its owner or mode"
            ),
            &err,
        )
    })?;
    tracing::warn!(
        path = %path.display(),
        from = format!("{mode:o}"),
        to = format!("{private:o}"),
        "restricted to its owner: other users could read it"
    );
    Ok(())
}

/// `err` with `path` and what went wrong in its message.
fn named(path: &Path, what: &str, err: &io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{} {what}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_and_files_are_owner_only_and_loose_ones_are_tightened() {
        let root = std::env::temp_dir().join(format!("vellum-modes-{}", crate::server::new_id()));
        let dir = root.join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!((mode(&root.join("a")), mode(&dir)), (0o700, 0o700));
        let file = dir.join("f");
        private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);

        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        private_dir(&dir).unwrap();
        private_file(&file).unwrap();
        assert_eq!((mode(&dir), mode(&file)), (0o700, 0o600));
        tighten_if_present(&dir.join("missing")).unwrap();
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_folder_that_cannot_be_created_is_named_in_the_error() {
        let root = std::env::temp_dir().join(format!("vellum-modes-{}", crate::server::new_id()));
        fs::write(&root, b"x").unwrap();
        let err = private_dir(&root.join("data")).unwrap_err();
        assert!(
            err.to_string().contains(&root.display().to_string()),
            "{err}"
        );
        assert!(err.to_string().contains("cannot be created"), "{err}");
        fs::remove_file(&root).unwrap();
    }
}
