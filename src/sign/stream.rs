//! Signing a file on disk into a file on disk with memory that does not grow with the file.
//!
//! The input is memory-mapped, so the lazy reader touches only the pages holding the xref chain
//! and the few objects the update needs. The original bytes are then hashed and copied in chunks
//! (on two threads for large files: SHA-256 and the copy each take one core), the CMS is built
//! over the digest and the update is appended. The output is written beside its final name and
//! renamed into place, so a failure never leaves half a PDF (and signing in place is safe).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use super::durable::{TempOutput, with_path};
use super::{PreparedUpdate, SignOptions, cms_params_for, prepare_update_reserving, seal};
use crate::crypto::{CertifiedKey, DigestAlgorithm, DigestState};
use crate::error::{Error, Result};

/// From this size on, hashing and copying run on two threads (below it a thread costs more
/// than it saves).
const PARALLEL_THRESHOLD: u64 = 8 << 20;
/// The read buffer: large enough that syscalls cost nothing next to SHA-256, small enough to
/// stay out of the memory budget.
const CHUNK: usize = 1 << 20;
/// Up to this size a file is read whole instead of mapped, then hashed and copied in chunks.
const WHOLE_READ_LIMIT: u64 = CHUNK as u64;

/// What [`sign_file`] wrote.
///
/// # Examples
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_file, SignOptions};
/// use std::path::Path;
///
/// let output = std::env::temp_dir().join(format!("countersign-doc-signed-file-{}.pdf", std::process::id()));
/// let signed = sign_file(Path::new("testdata/pdf/classic.pdf"), &output, &key, &SignOptions::default())?;
/// assert_eq!(signed.field_name, "Signature1");
/// assert_eq!(signed.input_len, std::fs::metadata("testdata/pdf/classic.pdf")?.len());
/// assert!(signed.output_len > signed.input_len); // an incremental update after the original bytes
/// # std::fs::remove_file(&output)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedFile {
    /// Bytes of the input.
    pub input_len: u64,
    /// Bytes of the signed file.
    pub output_len: u64,
    /// The signature field that holds the new signature.
    pub field_name: String,
}

/// Signs the PDF at `input` and writes the signed file to `output` (which may be `input`).
///
/// The result is byte-identical to [`sign_pdf`](super::sign_pdf) on the same bytes and options.
/// Memory use does not depend on the file size; files larger than 4 GiB work.
///
/// The input must not be modified while it is being signed (it is memory-mapped); a change of
/// its length is detected and reported as [`Error::Io`].
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_file, SignOptions};
/// use std::path::Path;
///
/// let output = std::env::temp_dir().join(format!("countersign-doc-{}.pdf", std::process::id()));
/// let signed = sign_file(Path::new("testdata/pdf/classic.pdf"), &output, &key, &SignOptions::default())?;
/// assert_eq!(signed.output_len, std::fs::metadata(&output)?.len());
/// # std::fs::remove_file(&output)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_file(
    input: &Path,
    output: &Path,
    key: &CertifiedKey,
    options: &SignOptions,
) -> Result<SignedFile> {
    sign_file_reserving(input, output, key, options, None)
}

/// Writes `bytes` to `path` as [`sign_file`] writes its output: into a new temporary file beside
/// it (created exclusively, so a planted symlink is refused), flushed to disk, renamed over `path`,
/// then the folder flushed. On any error nothing is left: neither `path` changed nor a temporary
/// file.
///
/// ```
/// use countersign::write_durably;
///
/// let path = std::env::temp_dir().join(format!("countersign-doc-durable-{}.bin", std::process::id()));
/// write_durably(&path, b"state")?;
/// assert_eq!(std::fs::read(&path)?, b"state");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut temp = TempOutput::create(path)?;
    temp.append(bytes)?;
    temp.persist()
}

/// [`sign_file`], optionally with the `/Contents` reservation computed once by the caller.
pub(crate) fn sign_file_reserving(
    input: &Path,
    output: &Path,
    key: &CertifiedKey,
    options: &SignOptions,
    contents_len: Option<usize>,
) -> Result<SignedFile> {
    let (signed, written) = write_signed(input, output, key, options, contents_len)?;
    written.persist()?;
    Ok(signed)
}

/// Signs `input` into a temporary file beside `output`, not yet flushed nor renamed: the caller
/// makes it durable and visible, alone ([`TempOutput::persist`]) or with others.
pub(crate) fn write_signed(
    input: &Path,
    output: &Path,
    key: &CertifiedKey,
    options: &SignOptions,
    contents_len: Option<usize>,
) -> Result<(SignedFile, TempOutput)> {
    let (source, input_len) = open_regular_file(input)?;
    let params = cms_params_for(key, options);
    let (mut prepared, mut temp, mut digest) = if input_len <= WHOLE_READ_LIMIT {
        // Small files: one read serves the parser, the hash and the copy (a map costs more).
        let bytes = read_whole(&source, input_len).map_err(|e| with_path(e, input))?;
        let prepared = prepare_update_reserving(&bytes, key, options, contents_len)?;
        let mut temp = TempOutput::create(output)?;
        temp.append(&bytes)?;
        let mut digest = params.digest.start();
        digest.update(&bytes);
        (prepared, temp, digest)
    } else {
        let prepared = prepare_mapped(&source, input, key, options, contents_len)?;
        let mut temp = TempOutput::create(output)?;
        let digest = copy_and_hash(&source, input_len, temp.file(), params.digest)
            .map_err(|e| with_path(e, input))?;
        (prepared, temp, digest)
    };
    let (before, after) = prepared.signed_parts();
    digest.update(before);
    digest.update(after);
    let capacity = prepared.capacity();
    let der = seal(key, options, &params, &digest.finish(), capacity)?;
    prepared.embed(&der)?;
    temp.append(&prepared.update)?;
    ensure_unchanged(&source, input, input_len)?;
    let signed = SignedFile {
        input_len,
        output_len: input_len.saturating_add(prepared.update.len() as u64),
        field_name: prepared.field_name,
    };
    Ok((signed, temp))
}

/// Opens `path` for reading, refusing anything but a regular file, and gives its length. On Unix
/// the open itself does not wait: opening a FIFO for reading blocks until a writer comes, so a
/// FIFO swapped in for an input would hang its batch forever.
fn open_regular_file(path: &Path) -> Result<(File, u64)> {
    let mut options = File::options();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // No effect on reading regular files.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| with_path(e, path))?;
    let metadata = file.metadata().map_err(|e| with_path(e, path))?;
    if !metadata.is_file() {
        return Err(with_path(
            io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
            path,
        ));
    }
    Ok((file, metadata.len()))
}

/// Reads what the update needs through a memory map; the map is gone when this returns.
fn prepare_mapped(
    source: &File,
    path: &Path,
    key: &CertifiedKey,
    options: &SignOptions,
    contents_len: Option<usize>,
) -> Result<PreparedUpdate> {
    // SAFETY: the map is only read, and dropped before this function returns. memmap2 requires
    // that no other process changes the file meanwhile: that is `sign_file`'s documented
    // precondition, the same one every reader of a mapped file has.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(source) }.map_err(|e| with_path(e, path))?;
    prepare_update_reserving(&map, key, options, contents_len)
}

/// The first `len` bytes of `source` (a file that became shorter is an error).
fn read_whole(mut source: &File, len: u64) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0u8; usize::try_from(len).map_err(io::Error::other)?];
    source.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Copies the first `len` bytes of `source` to `dest` and returns their digest.
fn copy_and_hash(
    source: &File,
    len: u64,
    dest: &mut File,
    algorithm: DigestAlgorithm,
) -> io::Result<DigestState> {
    #[cfg(unix)]
    if len >= PARALLEL_THRESHOLD {
        return copy_and_hash_parallel(source, len, dest, algorithm);
    }
    copy_and_hash_sequential(source, len, dest, algorithm)
}

/// One pass: each chunk is read once, hashed, written.
fn copy_and_hash_sequential(
    mut source: &File,
    len: u64,
    dest: &mut File,
    algorithm: DigestAlgorithm,
) -> io::Result<DigestState> {
    let mut digest = algorithm.start();
    let mut buffer = vec![0u8; chunk_len(len)];
    let mut remaining = len;
    while remaining > 0 {
        let want = usize::try_from(remaining).map_or(buffer.len(), |r| r.min(buffer.len()));
        let chunk = buffer.get_mut(..want).unwrap_or_default();
        source.read_exact(chunk)?;
        digest.update(chunk);
        dest.write_all(chunk)?;
        remaining = remaining.saturating_sub(want as u64);
    }
    Ok(digest)
}

/// The hash reads with `pread` on one thread while the kernel copies (`copy_file_range`) and
/// flushes the copy on this one: the wall time is the slower of the two instead of their sum.
#[cfg(unix)]
fn copy_and_hash_parallel(
    source: &File,
    len: u64,
    dest: &mut File,
    algorithm: DigestAlgorithm,
) -> io::Result<DigestState> {
    std::thread::scope(|scope| {
        let hashing = scope.spawn(|| hash_positioned(source, len, algorithm));
        let copied = io::copy(&mut source.take(len), dest);
        // The kernel copies faster than SHA-256 reads: writing the copy to disk now, while the
        // hash runs, leaves the final flush only the update to wait for.
        let flushed = match copied {
            Ok(_) => dest.sync_data(),
            Err(_) => Ok(()),
        };
        let digest = hashing
            .join()
            .map_err(|_| io::Error::other("the hashing thread panicked"))??;
        flushed?;
        if copied? != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file became shorter while it was copied",
            ));
        }
        Ok(digest)
    })
}

/// Hashes `[0, len)` with positioned reads, leaving the file's cursor to the copy.
#[cfg(unix)]
fn hash_positioned(source: &File, len: u64, algorithm: DigestAlgorithm) -> io::Result<DigestState> {
    use std::os::unix::fs::FileExt;
    let mut digest = algorithm.start();
    let mut buffer = vec![0u8; chunk_len(len)];
    let mut position = 0u64;
    while position < len {
        let want = usize::try_from(len.saturating_sub(position))
            .map_or(buffer.len(), |r| r.min(buffer.len()));
        let chunk = buffer.get_mut(..want).unwrap_or_default();
        source.read_exact_at(chunk, position)?;
        digest.update(chunk);
        position = position.saturating_add(want as u64);
    }
    Ok(digest)
}

fn chunk_len(len: u64) -> usize {
    usize::try_from(len).map_or(CHUNK, |l| l.clamp(1, CHUNK))
}

/// The signature covers the length seen when the update was planned; a file that grew or shrank
/// since would make the offsets in the update wrong.
fn ensure_unchanged(source: &File, path: &Path, len: u64) -> Result<()> {
    let now = source.metadata().map_err(|e| with_path(e, path))?.len();
    if now != len {
        return Err(Error::Io(io::Error::other(format!(
            "{}: the file changed size while it was signed ({len} -> {now} bytes)",
            path.display()
        ))));
    }
    Ok(())
}
