//! Download tokens for DescribeFileUrls: `<file id>.<expiry>.<HMAC-SHA256 tag>`.
//!
//! The tag is keyed with a per-installation secret kept in the store, so links survive a restart,
//! cannot be forged or extended, and reveal nothing a caller could not already see (the file id).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Mints and checks download tokens.
#[derive(Clone)]
pub struct DownloadTokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for DownloadTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DownloadTokens(..)")
    }
}

impl DownloadTokens {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    /// A token for `file_id` valid until `expires_at` (Unix seconds).
    pub fn issue(&self, file_id: &str, expires_at: i64) -> String {
        let payload = format!("{file_id}.{expires_at}");
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        format!("{payload}.{}", hex::encode(mac.finalize().into_bytes()))
    }

    /// The file id of a genuine token that has not expired at `now`.
    pub fn check(&self, token: &str, now: i64) -> Option<String> {
        let (payload, tag) = token.rsplit_once('.')?;
        let (file_id, expires_at) = payload.split_once('.')?;
        let tag = hex::decode(tag).ok()?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&tag).ok()?;
        let expires_at: i64 = expires_at.parse().ok()?;
        (now <= expires_at).then(|| file_id.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_and_cannot_be_forged() {
        let tokens = DownloadTokens::new(b"installation secret".to_vec());
        let token = tokens.issue("abc123", 1000);
        assert_eq!(tokens.check(&token, 999).as_deref(), Some("abc123"));
        assert_eq!(tokens.check(&token, 1000).as_deref(), Some("abc123"));
        assert_eq!(tokens.check(&token, 1001), None);
        // Extending the expiry or swapping the file breaks the tag.
        let extended = token.replacen(".1000.", ".9999.", 1);
        assert_eq!(tokens.check(&extended, 999), None);
        let swapped = token.replacen("abc123", "abc124", 1);
        assert_eq!(tokens.check(&swapped, 999), None);
        // Another installation's key does not validate it.
        assert_eq!(
            DownloadTokens::new(b"other".to_vec()).check(&token, 999),
            None
        );
        assert_eq!(tokens.check("garbage", 0), None);
    }
}
