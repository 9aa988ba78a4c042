//! Loading an organisation's signing credential as the configuration describes it, through the
//! engine's loaders ([`countersign::crypto::credential`]). Keys held elsewhere (HSM, KMS) are built into a
//! [`CertifiedKey`] by the caller and handed to [`super::Service::open`] directly.

use std::path::Path;

use super::config::{CredentialConfig, Pkcs11CredentialConfig};
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
    if let Some(pkcs11) = &credential.pkcs11 {
        if credential.key.is_some() || credential.pkcs12.is_some() {
            return Err(CredentialError::Incomplete.into());
        }
        return load_pkcs11(pkcs11, credential.certificates.as_deref());
    }
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

/// The key on a PKCS#11 token, with the chain from `certificates` or else from the token.
#[cfg(feature = "pkcs11")]
fn load_pkcs11(
    config: &Pkcs11CredentialConfig,
    certificates: Option<&Path>,
) -> Result<CertifiedKey, Error> {
    use countersign::crypto::pkcs11::{
        KeySelector, PinSource, Pkcs11Config, TokenSelector, load_certified_key,
    };
    let missing = |what: &str| Error::invalid_option("credential.pkcs11", format!("give {what}"));
    let token = match (&config.token, &config.token_serial) {
        (Some(label), None) => TokenSelector::Label(label.clone()),
        (None, Some(serial)) => TokenSelector::Serial(serial.clone()),
        _ => return Err(missing("one of `token` and `token_serial`")),
    };
    let key = match (&config.key_label, &config.key_id) {
        (Some(label), None) => KeySelector::Label(label.clone()),
        (None, Some(id)) => KeySelector::id_hex(id)?,
        _ => return Err(missing("one of `key_label` and `key_id`")),
    };
    let pin = match (&config.pin_file, &config.pin_env) {
        (Some(file), None) => PinSource::File(file.clone()),
        (None, Some(name)) => PinSource::Env(name.clone()),
        _ => return Err(missing("one of `pin_file` and `pin_env`")),
    };
    let mut engine_config = Pkcs11Config::new(&config.module, token, key, pin);
    if let Some(sessions) = config.sessions {
        engine_config.sessions = sessions.max(1);
    }
    let chain = match certificates {
        Some(path) => Some(countersign::crypto::credential::parse_certificates(&read(
            path,
        )?)?),
        None => None,
    };
    load_certified_key(&engine_config, chain)
}

/// Built without PKCS#11 support: the configuration asks for what this binary cannot do.
#[cfg(not(feature = "pkcs11"))]
fn load_pkcs11(
    _config: &Pkcs11CredentialConfig,
    _certificates: Option<&Path>,
) -> Result<CertifiedKey, Error> {
    Err(Error::invalid_option(
        "credential.pkcs11",
        "this build has no PKCS#11 support (build with feature `pkcs11`)",
    ))
}
