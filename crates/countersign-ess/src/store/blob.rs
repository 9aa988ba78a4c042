//! File bytes as plain files, written atomically.

use std::fs::{self, File};
use std::io::{BufWriter, ErrorKind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::private::{create_private_dir, make_tree_private, private_file_options};
use super::{BlobReader, BlobStore, BlobWriter};
use crate::error::StoreError;
use crate::ids::random_id;

/// A temporary file this old is a leftover of a crashed write, not one in progress.
const STALE_TEMP_AGE: Duration = Duration::from_secs(24 * 3600);

/// Blobs under `root/blobs/<first two hex digits>/<id>`; temporary files under `root/tmp`, with a
/// random name each, so that several processes (replicas on one host) can share the folder: each
/// write renames its own complete file into place, and a reader sees one whole version.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{BlobStore, DirBlobStore};
///
/// let dir = std::env::temp_dir().join(format!("blobs-example-{}", std::process::id()));
/// # std::fs::remove_dir_all(&dir).ok(); // a leftover of a crashed run
/// let blobs = DirBlobStore::open(&dir)?;
/// blobs.put("a1b2c3d4e5f60718", b"%PDF-1.7")?;
/// assert!(dir.join("blobs").join("a1").join("a1b2c3d4e5f60718").is_file());
/// // A second replica on the same folder sees the same files.
/// let replica = DirBlobStore::open(&dir)?;
/// assert_eq!(replica.get("a1b2c3d4e5f60718")?.as_deref(), Some(&b"%PDF-1.7"[..]));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DirBlobStore {
    blobs: PathBuf,
    tmp: PathBuf,
}

impl DirBlobStore {
    /// Opens (creating it, private to the user) the folder `root`. Every folder and file already
    /// under it is made owner-only; one that other users can write is refused, naming it.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{BlobStore, DirBlobStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let blobs = DirBlobStore::open(&dir.join("files"))?;
    /// blobs.put("a1b2c3d4e5f60718", b"%PDF-1.7")?;
    /// # #[cfg(unix)]
    /// # {
    /// use std::os::unix::fs::PermissionsExt;
    /// let mode = std::fs::metadata(dir.join("files"))?.permissions().mode();
    /// assert_eq!(mode & 0o777, 0o700);
    /// // A blob folder others may write to (where they could swap files) is refused.
    /// let shared = dir.join("shared");
    /// std::fs::create_dir_all(shared.join("blobs"))?;
    /// std::fs::set_permissions(shared.join("blobs"), std::fs::Permissions::from_mode(0o777))?;
    /// assert!(DirBlobStore::open(&shared).is_err());
    /// # }
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let blobs = root.join("blobs");
        let tmp = root.join("tmp");
        create_private_dir(&blobs)?;
        create_private_dir(&tmp)?;
        make_tree_private(root, None)?;
        // Leftovers of writes interrupted by a crash were never renamed into place: drop them. Only
        // old ones: another replica sharing this folder may be writing a fresh one right now.
        for entry in fs::read_dir(&tmp)? {
            let entry = entry?;
            let stale = entry
                .metadata()
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok())
                .is_some_and(|age| age > STALE_TEMP_AGE);
            if stale {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(Self { blobs, tmp })
    }

    /// Ids are ours (hex), but they also arrive in requests: refuse anything that could escape.
    fn path_of(&self, id: &str) -> Result<PathBuf, StoreError> {
        let valid = (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit());
        let shard = id.get(..2).filter(|_| valid).ok_or_else(|| {
            StoreError::Io(std::io::Error::new(
                ErrorKind::InvalidInput,
                "invalid blob id",
            ))
        })?;
        Ok(self.blobs.join(shard).join(id))
    }
}

impl DirBlobStore {
    /// Writes a complete, fsynced temporary file for blob `id`: (temporary path, final path, length).
    fn write_temp(
        &self,
        id: &str,
        write: &mut BlobWriter<'_>,
    ) -> Result<(PathBuf, PathBuf, u64), StoreError> {
        let target = self.path_of(id)?;
        let dir = target
            .parent()
            .ok_or_else(|| StoreError::Corrupt("blob path has no folder".into()))?;
        create_private_dir(dir)?;
        let temp = self.tmp.join(format!("{id}.{}.tmp", random_id()));
        let file = private_file_options()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        let written = write(&mut out).and_then(|()| {
            let file = out
                .into_inner()
                .map_err(|e| StoreError::Io(e.into_error()))?;
            file.sync_all()?;
            Ok(file.metadata()?.len())
        });
        match written {
            Ok(len) => Ok((temp, target, len)),
            Err(error) => {
                let _ = fs::remove_file(&temp);
                Err(error)
            }
        }
    }
}

fn sync_dir_of(target: &Path) -> Result<(), StoreError> {
    let dir = target
        .parent()
        .ok_or_else(|| StoreError::Corrupt("blob path has no folder".into()))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    // Makes the rename itself durable; directories can be fsynced through a read-only handle.
    File::open(dir)?.sync_all()?;
    Ok(())
}

impl BlobStore for DirBlobStore {
    fn put(&self, id: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.put_streamed(id, &mut |out| Ok(out.write_all(bytes)?))
            .map(|_| ())
    }

    fn put_streamed(&self, id: &str, write: &mut BlobWriter<'_>) -> Result<u64, StoreError> {
        let (temp, target, len) = self.write_temp(id, write)?;
        fs::rename(&temp, &target)?;
        sync_dir_of(&target)?;
        Ok(len)
    }

    /// A hard link cannot replace an existing name: of two replicas finishing the same task, the
    /// first result stays and the second learns it lost.
    fn put_new(&self, id: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        let (temp, target, _) = self.write_temp(id, &mut |out| Ok(out.write_all(bytes)?))?;
        let linked = fs::hard_link(&temp, &target);
        let _ = fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                sync_dir_of(&target)?;
                Ok(true)
            }
            Err(error) if error.kind() == ErrorKind::AlreadyExists => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    fn open(&self, id: &str) -> Result<Option<BlobReader>, StoreError> {
        match File::open(self.path_of(id)?) {
            Ok(file) => Ok(Some(BlobReader {
                len: file.metadata()?.len(),
                reader: Box::new(file),
            })),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    fn get(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match fs::read(self.path_of(id)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    fn delete(&self, id: &str) -> Result<(), StoreError> {
        match fs::remove_file(self.path_of(id)?) {
            Err(error) if error.kind() != ErrorKind::NotFound => Err(error.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_replaces_and_refuses_bad_ids() {
        let dir = crate::testing::TempDir::new("blob");
        let store = DirBlobStore::open(dir.path()).unwrap();
        let id = random_id();
        assert_eq!(store.get(&id).unwrap(), None);
        store.put(&id, b"first").unwrap();
        store.put(&id, b"second").unwrap();
        assert_eq!(store.get(&id).unwrap().as_deref(), Some(&b"second"[..]));
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        store.delete(&id).unwrap();
        assert_eq!(store.get(&id).unwrap(), None);
        assert!(store.put("../../etc/passwd", b"x").is_err());
        assert!(store.get("zz").is_err());
    }

    #[test]
    fn two_stores_on_one_folder_write_the_same_blob_concurrently() {
        let dir = crate::testing::TempDir::new("blob-shared");
        let id = random_id();
        let first = DirBlobStore::open(dir.path()).unwrap();
        // A write in progress of the first replica survives the second replica's start.
        let in_progress = dir.path().join("tmp").join("in-progress.tmp");
        fs::write(&in_progress, b"partial").unwrap();
        let second = DirBlobStore::open(dir.path()).unwrap();
        assert!(in_progress.exists());
        let contents: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 64 * 1024]).collect();
        std::thread::scope(|scope| {
            for (index, content) in contents.iter().enumerate() {
                let store = if index % 2 == 0 { &first } else { &second };
                let id = &id;
                scope.spawn(move || {
                    for _ in 0..20 {
                        store.put(id, content).unwrap();
                        // Whatever a reader sees is one complete write.
                        let seen = store.get(id).unwrap().unwrap();
                        assert!(contents_match(&seen));
                    }
                });
            }
        });
        assert!(contents.contains(&first.get(&id).unwrap().unwrap()));
        // Only the foreign temporary file is left.
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 1);
    }

    #[test]
    fn put_new_keeps_the_first_result_of_two_replicas() {
        let dir = crate::testing::TempDir::new("blob-put-new");
        let (first, second) = (
            DirBlobStore::open(dir.path()).unwrap(),
            DirBlobStore::open(dir.path()).unwrap(),
        );
        let id = random_id();
        assert!(first.put_new(&id, b"first result").unwrap());
        assert!(!second.put_new(&id, b"second result").unwrap());
        assert_eq!(
            second.get(&id).unwrap().as_deref(),
            Some(&b"first result"[..])
        );
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    fn contents_match(seen: &[u8]) -> bool {
        seen.len() == 64 * 1024 && seen.iter().all(|&b| b == seen[0])
    }
}
