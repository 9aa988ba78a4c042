//! Ed25519 (RFC 8032, PureEdDSA) on `ed25519-dalek`, for every backend: the key signs the
//! message itself, with no digest of ours in between. In CMS (RFC 8419) the signature covers
//! the DER of the signed attributes and the SignerInfo's digest algorithm is SHA-512.

use std::sync::Arc;

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePublicKey};
use spki::SubjectPublicKeyInfoOwned;

use super::keys::spki_from_der;
use crate::error::{Error, Result};

/// An Ed25519 signature is always 64 bytes (R || S).
pub(crate) const SIGNATURE_LEN: usize = ed25519_dalek::SIGNATURE_LENGTH;

/// An Ed25519 private key (zeroized on drop by `ed25519-dalek`).
pub(crate) struct Ed25519Key(ed25519_dalek::SigningKey);

impl Ed25519Key {
    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` (v1 or v2, as `openssl genpkey` writes).
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Arc<Self>> {
        let key = ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .map_err(Error::invalid("Ed25519 private key"))?;
        Ok(Arc::new(Self(key)))
    }

    pub(crate) fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        let der = self
            .0
            .verifying_key()
            .to_public_key_der()
            .map_err(Error::invalid("public key"))?;
        spki_from_der(der.as_bytes())
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        self.0.sign(message).to_bytes().to_vec()
    }
}

/// Checks an Ed25519 `signature` over `message` with the 32-byte `public_key`. A malformed
/// signature is `Ok(false)`; a malformed key is an error. Strict verification: no malleable
/// signatures, no small-order keys.
pub(crate) fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<bool> {
    let bad_key = |reason: &'static str| Error::InvalidPublicKey {
        algorithm: "Ed25519",
        source: reason.into(),
    };
    let key_bytes: &[u8; 32] = public_key.try_into().map_err(|_| bad_key("not 32 bytes"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(key_bytes)
        .map_err(|_| bad_key("not a curve point"))?;
    let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
        return Ok(false);
    };
    Ok(key.verify_strict(message, &signature).is_ok())
}
