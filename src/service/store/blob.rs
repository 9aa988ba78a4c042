//! File bytes as plain files, written atomically.

use std::fs::{self, File};
use std::io::{BufWriter, ErrorKind};
use std::path::{Path, PathBuf};

use super::private::{create_private_dir, private_file_options};
use super::{BlobReader, BlobStore, BlobWriter};
use crate::service::error::StoreError;
use crate::service::ids::random_id;

/// Blobs under `root/blobs/<first two hex digits>/<id>`; temporary files under `root/tmp`.
#[derive(Debug)]
pub struct DirBlobStore {
    blobs: PathBuf,
    tmp: PathBuf,
}

impl DirBlobStore {
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let blobs = root.join("blobs");
        let tmp = root.join("tmp");
        create_private_dir(&blobs)?;
        create_private_dir(&tmp)?;
        // Leftovers of writes interrupted by a crash were never renamed into place: drop them.
        for entry in fs::read_dir(&tmp)? {
            let _ = fs::remove_file(entry?.path());
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
        let len = match written {
            Ok(len) => len,
            Err(error) => {
                let _ = fs::remove_file(&temp);
                return Err(error);
            }
        };
        fs::rename(&temp, &target)?;
        sync_dir(dir)?;
        Ok(len)
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
        let dir = crate::service::testing::TempDir::new("blob");
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
}
