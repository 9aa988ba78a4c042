//! File bytes in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, ...), which replicas on
//! any number of hosts share (feature `s3`, `blobs = "s3://bucket/prefix"`).
//!
//! S3 gives what [`BlobStore`] asks for: a PUT, single or multipart, becomes visible whole or not
//! at all, and `If-None-Match: *` makes the first of two competing result writes the only one.
//!
//! object_store is async while the service calls its stores from blocking threads (workers, the
//! server's `spawn_blocking`). Every call is spawned on a small runtime owned by this store and
//! awaited through a channel: no `block_on`, so a call from any thread, even one inside another
//! runtime, cannot trip tokio's nested-runtime check. Downloads stay streamed: the reader pulls one
//! chunk of the GET body at a time.

use std::future::Future;
use std::io::{self, ErrorKind, Read, Write};
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures_core::Stream;
use futures_core::stream::BoxStream;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{MultipartUpload, ObjectStore, ObjectStoreExt, PutMode, PutPayload};

use super::s3_config::S3Config;
use super::{BlobReader, BlobStore, BlobWriter};
use crate::error::StoreError;

/// Parts of a streamed write; S3 wants at least 5 MiB for every part but the last.
const PART_BYTES: usize = 8 * 1024 * 1024;

/// Blobs as objects `prefix/<id>` in one bucket.
///
/// # Examples
///
/// ```no_run
/// use countersign_ess::config::S3Config;
/// use countersign_ess::store::{BlobStore, S3BlobStore};
///
/// // A MinIO server; unset fields come from AWS_* environment variables.
/// let mut config = S3Config::default();
/// config.endpoint = Some("http://minio.internal:9000".into());
/// config.region = Some("us-east-1".into());
/// config.allow_http = Some(true);
/// let blobs = S3BlobStore::open("countersign", "prod/blobs", &config)?;
/// blobs.put("a1b2c3d4e5f60718", b"%PDF-1.7")?;
/// assert_eq!(blobs.get("a1b2c3d4e5f60718")?.as_deref(), Some(&b"%PDF-1.7"[..]));
/// // A conditional PUT: of two replicas writing one result, the first wins.
/// assert!(blobs.put_new("f0e1d2c3b4a59687", b"first")?);
/// assert!(!blobs.put_new("f0e1d2c3b4a59687", b"second")?);
/// blobs.delete("a1b2c3d4e5f60718")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct S3BlobStore {
    store: Arc<AmazonS3>,
    prefix: Path,
    /// Always `Some` until dropped (taken to shut it down without blocking).
    runtime: Option<tokio::runtime::Runtime>,
    description: String,
}

impl std::fmt::Debug for S3BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3BlobStore")
            .field("location", &self.description)
            .finish_non_exhaustive()
    }
}

impl S3BlobStore {
    /// Connects to `bucket` (objects under `prefix`) with `config`, whose unset fields come from
    /// the usual `AWS_*` environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`, ...). Nothing is sent yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::config::S3Config;
    /// use countersign_ess::store::S3BlobStore;
    ///
    /// let mut config = S3Config::default();
    /// config.endpoint = Some("http://127.0.0.1:9000".into());
    /// config.allow_http = Some(true);
    /// // No request yet: a bucket that does not exist fails at the first read or write.
    /// let blobs = S3BlobStore::open("countersign", "/prod/blobs/", &config)?;
    /// assert!(format!("{blobs:?}").contains("s3://countersign/prod/blobs"));
    /// // A prefix that is not a clean object path is refused.
    /// assert!(S3BlobStore::open("countersign", "prod/../blobs", &config).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(bucket: &str, prefix: &str, config: &S3Config) -> Result<Self, StoreError> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &config.region {
            builder = builder.with_region(region);
        }
        if let Some(id) = &config.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(allow_http) = config.allow_http {
            builder = builder.with_allow_http(allow_http);
        }
        if let Some(virtual_hosted) = config.virtual_hosted_style {
            builder = builder.with_virtual_hosted_style_request(virtual_hosted);
        }
        let store = builder.build().map_err(s3_error)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("countersign-s3")
            .enable_all()
            .build()?;
        let prefix = Path::parse(prefix.trim_matches('/')).map_err(|e| {
            StoreError::Io(io::Error::new(
                ErrorKind::InvalidInput,
                format!("S3 prefix {prefix:?}: {e}"),
            ))
        })?;
        Ok(Self {
            store: Arc::new(store),
            description: format!("s3://{bucket}/{prefix}"),
            prefix,
            runtime: Some(runtime),
        })
    }

    /// Ids are ours (hex), but they also arrive in requests: refuse anything else.
    fn path_of(&self, id: &str) -> Result<Path, StoreError> {
        let valid = (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(StoreError::Io(io::Error::new(
                ErrorKind::InvalidInput,
                "invalid blob id",
            )));
        }
        Ok(self.prefix.clone().join(id))
    }

    /// Runs `future` on this store's runtime and waits for its output.
    fn run<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, StoreError> {
        run_on(self.runtime.as_ref(), future)
    }
}

fn run_on<T: Send + 'static>(
    runtime: Option<&tokio::runtime::Runtime>,
    future: impl Future<Output = T> + Send + 'static,
) -> Result<T, StoreError> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    let runtime = runtime.ok_or_else(stopped)?;
    runtime.spawn(async move {
        let _ = sender.send(future.await);
    });
    receiver.recv().map_err(|_| stopped())
}

fn stopped() -> StoreError {
    StoreError::Io(io::Error::other("the S3 client stopped"))
}

fn s3_error(error: object_store::Error) -> StoreError {
    StoreError::Io(io::Error::other(format!("S3: {error}")))
}

fn is_not_found(error: &object_store::Error) -> bool {
    matches!(error, object_store::Error::NotFound { .. })
}

impl BlobStore for S3BlobStore {
    fn put(&self, id: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let (store, path) = (Arc::clone(&self.store), self.path_of(id)?);
        let payload = PutPayload::from(bytes.to_vec());
        self.run(async move { store.put(&path, payload).await })?
            .map_err(s3_error)?;
        Ok(())
    }

    /// A conditional PUT (`If-None-Match: *`): of two replicas finishing the same task, the first
    /// result stays and the second learns it lost.
    fn put_new(&self, id: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        let (store, path) = (Arc::clone(&self.store), self.path_of(id)?);
        let payload = PutPayload::from(bytes.to_vec());
        let put =
            self.run(async move { store.put_opts(&path, payload, PutMode::Create.into()).await })?;
        match put {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(error) => Err(s3_error(error)),
        }
    }

    fn get(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let (store, path) = (Arc::clone(&self.store), self.path_of(id)?);
        let got = self.run(async move {
            match store.get(&path).await {
                Ok(result) => result.bytes().await.map(Some),
                Err(error) if is_not_found(&error) => Ok(None),
                Err(error) => Err(error),
            }
        })?;
        Ok(got.map_err(s3_error)?.map(Vec::from))
    }

    fn delete(&self, id: &str) -> Result<(), StoreError> {
        let (store, path) = (Arc::clone(&self.store), self.path_of(id)?);
        match self.run(async move { store.delete(&path).await })? {
            Err(error) if !is_not_found(&error) => Err(s3_error(error)),
            _ => Ok(()),
        }
    }

    /// Parts of `PART_BYTES` go up as they fill (a multipart upload, completed at the end, so
    /// readers see the whole object or the old one); a blob smaller than one part is one PUT.
    fn put_streamed(&self, id: &str, write: &mut BlobWriter<'_>) -> Result<u64, StoreError> {
        let mut sink = PartSink {
            owner: self,
            path: self.path_of(id)?,
            buffer: Vec::new(),
            upload: None,
            len: 0,
        };
        let written = write(&mut sink).and_then(|()| sink.finish());
        if written.is_err() {
            sink.abort();
        }
        written
    }

    fn open(&self, id: &str) -> Result<Option<BlobReader>, StoreError> {
        let (store, path) = (Arc::clone(&self.store), self.path_of(id)?);
        let got = self.run(async move {
            match store.get(&path).await {
                Ok(result) => Ok(Some(result)),
                Err(error) if is_not_found(&error) => Ok(None),
                Err(error) => Err(error),
            }
        })?;
        let Some(result) = got.map_err(s3_error)? else {
            return Ok(None);
        };
        let len = result.meta.size;
        let handle = self.runtime.as_ref().ok_or_else(stopped)?.handle().clone();
        Ok(Some(BlobReader {
            len,
            reader: Box::new(BodyReader {
                body: Some(result.into_stream()),
                chunk: Bytes::new(),
                runtime: handle,
            }),
        }))
    }
}

impl Drop for S3BlobStore {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which panics inside another runtime (the server's):
        // shut it down without waiting instead.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The `Write` end of [`S3BlobStore::put_streamed`].
struct PartSink<'a> {
    owner: &'a S3BlobStore,
    path: Path,
    buffer: Vec<u8>,
    /// Started with the first full part.
    upload: Option<Box<dyn MultipartUpload>>,
    len: u64,
}

impl PartSink<'_> {
    fn send_part(&mut self) -> Result<(), StoreError> {
        let part = PutPayload::from(std::mem::take(&mut self.buffer));
        if self.upload.is_none() {
            let (store, path) = (Arc::clone(&self.owner.store), self.path.clone());
            let upload = self
                .owner
                .run(async move { store.put_multipart(&path).await })?
                .map_err(s3_error)?;
            self.upload = Some(upload);
        }
        let upload = self.upload.as_mut().ok_or_else(stopped)?;
        let sent = upload.put_part(part);
        self.owner.run(sent)?.map_err(s3_error)
    }

    fn finish(&mut self) -> Result<u64, StoreError> {
        match self.upload.take() {
            None => {
                let (store, path) = (Arc::clone(&self.owner.store), self.path.clone());
                let payload = PutPayload::from(std::mem::take(&mut self.buffer));
                self.owner
                    .run(async move { store.put(&path, payload).await })?
                    .map_err(s3_error)?;
            }
            Some(upload) => {
                self.upload = Some(upload);
                if !self.buffer.is_empty() {
                    self.send_part()?;
                }
                let mut upload = self.upload.take().ok_or_else(stopped)?;
                let completed = self.owner.run(async move {
                    let result = upload.complete().await;
                    (upload, result)
                })?;
                if let (upload, Err(error)) = completed {
                    self.upload = Some(upload);
                    return Err(s3_error(error));
                }
            }
        }
        Ok(self.len)
    }

    /// Drops the parts of a write that failed (S3 keeps them, and bills them, until aborted).
    fn abort(&mut self) {
        if let Some(mut upload) = self.upload.take() {
            let _ = self.owner.run(async move { upload.abort().await });
        }
    }
}

impl Write for PartSink<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let room = PART_BYTES.saturating_sub(self.buffer.len());
        let taken = bytes.get(..room.min(bytes.len())).unwrap_or_default();
        if self.buffer.capacity() == 0 {
            self.buffer.reserve(PART_BYTES);
        }
        self.buffer.extend_from_slice(taken);
        self.len = self
            .len
            .saturating_add(u64::try_from(taken.len()).unwrap_or(u64::MAX));
        if self.buffer.len() >= PART_BYTES {
            self.send_part().map_err(into_io)?;
        }
        Ok(taken.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn into_io(error: StoreError) -> io::Error {
    match error {
        StoreError::Io(error) => error,
        other => io::Error::other(other.to_string()),
    }
}

/// A GET body as a `Read`: each empty buffer pulls the next chunk from the store's runtime.
struct BodyReader {
    /// `None` once the body ended (or while a chunk is being fetched).
    body: Option<BoxStream<'static, object_store::Result<Bytes>>>,
    chunk: Bytes,
    runtime: tokio::runtime::Handle,
}

impl BodyReader {
    /// The next non-empty chunk, `None` at the end of the body.
    fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        while let Some(mut body) = self.body.take() {
            let (sender, receiver) = std::sync::mpsc::sync_channel(1);
            self.runtime.spawn(async move {
                let next = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await;
                let _ = sender.send((body, next));
            });
            let (body, next) = receiver
                .recv()
                .map_err(|_| io::Error::other("the S3 client stopped"))?;
            match next {
                None => return Ok(None),
                Some(Err(error)) => return Err(io::Error::other(format!("S3: {error}"))),
                Some(Ok(chunk)) => {
                    self.body = Some(body);
                    if !chunk.is_empty() {
                        return Ok(Some(chunk));
                    }
                }
            }
        }
        Ok(None)
    }
}

impl Read for BodyReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.chunk.is_empty() {
            match self.next_chunk()? {
                Some(chunk) => self.chunk = chunk,
                None => return Ok(0),
            }
        }
        let count = out.len().min(self.chunk.len());
        let (target, source) = (out.get_mut(..count), self.chunk.get(..count));
        if let (Some(target), Some(source)) = (target, source) {
            target.copy_from_slice(source);
        }
        let _ = self.chunk.split_to(count);
        Ok(count)
    }
}
