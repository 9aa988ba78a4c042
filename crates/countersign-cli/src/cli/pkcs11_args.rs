//! `--pkcs11-module` and friends: a signing key that stays on a PKCS#11 token.

use std::path::{Path, PathBuf};

use clap::Args;
use countersign::CertifiedKey;
use countersign::crypto::RsaPadding;
use countersign::crypto::credential::parse_certificates;
use countersign::crypto::pkcs11::{
    KeySelector, PinSource, Pkcs11Config, TokenSelector, load_certified_key,
};

#[derive(Args, Clone, Debug)]
pub struct Pkcs11Args {
    /// PKCS#11 module (shared library) holding the key, e.g. /usr/lib/softhsm/libsofthsm2.so.
    /// The certificate chain is read from the token unless `--cert` gives it.
    #[arg(long, conflicts_with_all = ["p12", "key"], requires = "token_choice",
          requires = "key_choice", requires = "pin_choice")]
    pub pkcs11_module: Option<PathBuf>,
    /// Label of the token.
    #[arg(long, group = "token_choice", requires = "pkcs11_module")]
    pub token: Option<String>,
    /// Serial number of the token (instead of `--token`).
    #[arg(long, group = "token_choice", requires = "pkcs11_module")]
    pub token_serial: Option<String>,
    /// Label (CKA_LABEL) of the private key.
    #[arg(long, group = "key_choice", requires = "pkcs11_module")]
    pub key_label: Option<String>,
    /// Id (CKA_ID) of the private key, in hex.
    #[arg(long, group = "key_choice", requires = "pkcs11_module")]
    pub key_id: Option<String>,
    /// File holding the token's user PIN.
    #[arg(long, group = "pin_choice", requires = "pkcs11_module")]
    pub pin_file: Option<PathBuf>,
    /// Environment variable holding the token's user PIN.
    #[arg(long, group = "pin_choice", requires = "pkcs11_module")]
    pub pin_env: Option<String>,
    /// Sessions opened on the token, i.e. signatures computed at once (default: one per core).
    #[arg(long, requires = "pkcs11_module")]
    pub pkcs11_sessions: Option<usize>,
}

impl Pkcs11Args {
    /// The key on the token, or `None` when no `--pkcs11-module` was given.
    pub fn load(
        &self,
        cert: Option<&Path>,
        rsa_padding: RsaPadding,
    ) -> Result<Option<CertifiedKey>, Box<dyn std::error::Error>> {
        let Some(module) = &self.pkcs11_module else {
            return Ok(None);
        };
        // clap's groups guarantee one of each pair; the fallbacks are unreachable.
        let token = match (&self.token, &self.token_serial) {
            (Some(label), _) => TokenSelector::Label(label.clone()),
            (None, Some(serial)) => TokenSelector::Serial(serial.clone()),
            (None, None) => return Err("give --token or --token-serial".into()),
        };
        let key = match (&self.key_label, &self.key_id) {
            (Some(label), _) => KeySelector::Label(label.clone()),
            (None, Some(id)) => KeySelector::id_hex(id)?,
            (None, None) => return Err("give --key-label or --key-id".into()),
        };
        let pin = match (&self.pin_file, &self.pin_env) {
            (Some(file), _) => PinSource::File(file.clone()),
            (None, Some(var)) => PinSource::Env(var.clone()),
            (None, None) => return Err("give --pin-file or --pin-env".into()),
        };
        let mut config = Pkcs11Config::new(module, token, key, pin);
        config.rsa_padding = rsa_padding;
        if let Some(sessions) = self.pkcs11_sessions {
            config.sessions = sessions.max(1);
        }
        let chain = match cert {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                Some(parse_certificates(&pem)?)
            }
            None => None,
        };
        Ok(Some(load_certified_key(&config, chain)?))
    }
}
