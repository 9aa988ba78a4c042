//! Identifiers: random ones for files, tasks and requests; a derived one for task results.

use sha2::{Digest, Sha256};

/// 32 lower-case hex digits from the operating system's CSPRNG: unguessable, like ESS's file ids.
pub fn random_id() -> String {
    hex::encode(random_bytes::<16>())
}

/// Bytes from the operating system's CSPRNG, for secrets that must not fall back to anything.
pub fn secret_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// Random bytes for identifiers. Should the OS generator ever fail, fall back to a hash of the time
/// and a counter rather than stop serving: ids stay unique, and access to what they name is
/// checked by organisation anyway, never by the secrecy of the id.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    secret_bytes().unwrap_or_else(|_| {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let seed = format!("{:?}{count}", std::time::SystemTime::now());
        let digest = Sha256::digest(seed.as_bytes());
        let mut bytes = [0u8; N];
        for (byte, value) in bytes.iter_mut().zip(digest.iter().cycle()) {
            *byte = *value;
        }
        bytes
    })
}

/// The result file id of a task: a function of the task id alone, so that re-running a task after a
/// crash writes to the same place and can never publish a second, different result.
pub fn result_file_id(task_id: &str) -> String {
    let digest = Sha256::digest(format!("countersign result of task {task_id}").as_bytes());
    hex::encode(digest.get(..16).unwrap_or_default())
}

/// An API-3.0 RequestId (UUID-shaped, random).
pub fn request_id() -> String {
    let hex = random_id();
    let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default().to_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

/// VerifyDigitFile's `VerifySerialNo`: 11 decimal digits.
pub fn verify_serial_no() -> String {
    let value = u64::from_le_bytes(random_bytes::<8>()) % 100_000_000_000;
    format!("{value:011}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shapes() {
        let id = random_id();
        assert_eq!(id.len(), 32);
        assert_ne!(id, random_id());
        assert_eq!(result_file_id("t1"), result_file_id("t1"));
        assert_ne!(result_file_id("t1"), result_file_id("t2"));
        assert_eq!(result_file_id("t1").len(), 32);
        let serial = verify_serial_no();
        assert_eq!(serial.len(), 11);
        assert!(serial.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(request_id().len(), 36);
    }
}
