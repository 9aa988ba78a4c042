//! Owner-only files and folders: the database holds the key of the download tokens and the blobs
//! are the organisations' documents, so no other local user may read them, and a folder that
//! others can write (where they could swap files under us) is refused.

use std::fs::{self, OpenOptions};
use std::path::Path;

use crate::service::error::StoreError;

/// Creates `dir` (and missing parents) owner-only, or checks an existing one.
pub fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    refuse_shared(dir)
}

/// A folder that group or others can write is refused, naming it.
#[cfg(unix)]
pub fn refuse_shared(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(dir)?.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(StoreError::SharedDirectory {
            path: dir.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn refuse_shared(_dir: &Path) -> Result<(), StoreError> {
    Ok(())
}

/// Options that create a file readable and writable by the owner only.
pub fn private_file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates `path` owner-only if it does not exist, and makes an existing one owner-only (SQLite
/// then gives its -wal and -shm files the same mode).
pub fn private_file(path: &Path) -> Result<(), StoreError> {
    private_file_options()
        .create(true)
        .append(true)
        .open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
