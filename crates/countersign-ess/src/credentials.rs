//! Loading an organisation's signing credential as the configuration describes it, through the
//! engine's loaders ([`countersign::crypto::credential`]). Keys held elsewhere (HSM, KMS) are built into a
//! [`CertifiedKey`] by the caller and handed to [`super::Service::open`] directly.

use std::path::Path;

use super::config::CredentialConfig;
use countersign::crypto::CertifiedKey;
use countersign::crypto::credential::{LoadOptions, load_pem, load_pkcs12};
use countersign::error::{CredentialError, Error};

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| {
        CredentialError::Unreadable {
            path: path.to_owned(),
            source,
        }
        .into()
    })
}

/// Loads a PEM chain and key, or a PKCS#12 file.
pub fn load(credential: &CredentialConfig) -> Result<CertifiedKey, Error> {
    let mut options = LoadOptions::default();
    options.password = credential.password.clone();
    match (
        &credential.pkcs12,
        &credential.certificates,
        &credential.key,
    ) {
        (Some(pkcs12), None, None) => load_pkcs12(
            &read(pkcs12)?,
            credential.password.as_deref().unwrap_or_default(),
            &options,
        ),
        (None, Some(certificates), Some(key)) => {
            load_pem(&read(certificates)?, &read(key)?, &options)
        }
        _ => Err(CredentialError::Incomplete.into()),
    }
}

/// A credential from PEM text (the chain, signer first, and an unencrypted key).
pub fn certified_key_from_pem(key_pem: &str, chain_pem: &[u8]) -> Result<CertifiedKey, Error> {
    load_pem(chain_pem, key_pem.as_bytes(), &LoadOptions::default())
}
