//! Owner-only files and folders: the database holds the key of the download tokens and the blobs
//! are the organisations' documents, so no other local user may read them, and a folder or file
//! that others can write (where they could have swapped files under us) is refused.

use std::fs::{self, OpenOptions};
use std::path::Path;

use crate::error::StoreError;

/// Creates `dir` (and missing parents) owner-only, or makes an existing one so (see
/// [`make_private`]).
pub fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    make_private(dir, &fs::metadata(dir)?)
}

/// Makes `root` and every folder and file under it owner-only (see [`make_private`]), except
/// the subtree `skip` (which its own store checks). Symbolic links are neither followed nor
/// changed: only `root` itself may be one. What vanishes during the walk (a temporary file of
/// another replica sharing the folder) is skipped.
pub fn make_tree_private(root: &Path, skip: Option<&Path>) -> Result<(), StoreError> {
    make_private(root, &fs::metadata(root)?)?;
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Some(entries) = unless_vanished(fs::read_dir(&folder))? else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if skip.is_some_and(|skip| skip == path) {
                continue;
            }
            let Some(metadata) = unless_vanished(fs::symlink_metadata(&path))? else {
                continue;
            };
            if metadata.file_type().is_symlink() {
                continue;
            }
            match make_private(&path, &metadata) {
                Err(StoreError::NotPrivate { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound => {}
                other => other?,
            }
            if metadata.is_dir() {
                folders.push(path);
            }
        }
    }
    Ok(())
}

fn unless_vanished<T>(result: std::io::Result<T>) -> Result<Option<T>, StoreError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// A folder or file that group or others can write is refused, naming it; one they can only
/// read (or enter) is tightened to owner-only (`0700`/`0600`), or refused when its mode cannot
/// be changed.
#[cfg(unix)]
pub fn make_private(path: &Path, metadata: &fs::Metadata) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(StoreError::SharedDirectory {
            path: path.to_path_buf(),
            mode,
        });
    }
    if mode & 0o077 != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode & !0o077)).map_err(|source| {
            StoreError::NotPrivate {
                path: path.to_path_buf(),
                mode,
                source,
            }
        })?;
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn make_private(_path: &Path, _metadata: &fs::Metadata) -> Result<(), StoreError> {
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    fn set(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_readable_tree_is_tightened_and_a_writable_entry_deep_inside_refused() {
        let dir = crate::testing::TempDir::new("private-tree");
        let root = dir.path().join("data");
        let deep = root.join("a").join("b");
        fs::create_dir_all(&deep).unwrap();
        fs::write(root.join("db"), b"x").unwrap();
        fs::write(deep.join("blob"), b"x").unwrap();
        for (path, readable) in [
            (&root, 0o755),
            (&root.join("a"), 0o750),
            (&deep, 0o705),
            (&root.join("db"), 0o644),
            (&deep.join("blob"), 0o604),
        ] {
            set(path, readable);
        }
        // A link to a folder outside is neither followed nor changed.
        let outside = dir.path().join("outside");
        fs::create_dir(&outside).unwrap();
        set(&outside, 0o755);
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        make_tree_private(&root, None).unwrap();
        for folder in [&root, &root.join("a"), &deep] {
            assert_eq!(mode(folder), 0o700, "{}", folder.display());
        }
        for file in [root.join("db"), deep.join("blob")] {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        assert_eq!(mode(&outside), 0o755);

        set(&deep.join("blob"), 0o666);
        match make_tree_private(&root, None) {
            Err(StoreError::SharedDirectory { path, mode }) => {
                assert_eq!((path, mode), (deep.join("blob"), 0o666));
            }
            other => panic!("a file others can write was accepted: {other:?}"),
        }
        // The subtree another store checks is left to it.
        make_tree_private(&root, Some(&root.join("a"))).unwrap();
    }
}
