//! The credential options shared by the signing commands.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use countersign::CertifiedKey;
use countersign::crypto::credential::{load_pem, load_pkcs12};
use countersign::crypto::{CryptoProvider, LoadOptions, RsaPadding};

use super::console::errln;
use super::demo;

#[derive(Args, Clone, Debug)]
pub struct CredentialArgs {
    /// PKCS#12 file (.p12/.pfx) with the key and certificate chain.
    #[arg(long, conflicts_with_all = ["cert", "key"])]
    pub p12: Option<PathBuf>,
    /// Password of the PKCS#12 file or of an encrypted PEM key.
    #[arg(long, env = "COUNTERSIGN_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// PEM file with the signer certificate and its issuers (with `--key`, or with
    /// `--pkcs11-module` instead of the chain stored on the token).
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// PEM or DER private key (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Sign RSA with RSASSA-PSS instead of PKCS#1 v1.5.
    #[arg(long)]
    pub pss: bool,
    /// The user ID an SM2 key signs with (default: 1234567812345678, GB/T 35276, the only one
    /// verifiers assume). SM2 keys sign SM2-with-SM3 with no other flag.
    #[arg(long, value_name = "ID")]
    pub sm2_user_id: Option<String>,
    /// Implementation that holds the key (default: aws-lc when built with it, else rustcrypto).
    #[arg(long, value_enum, default_value_t = BackendArg::fastest())]
    pub backend: BackendArg,
    /// A key on a PKCS#11 token (HSM, smart card): see `--pkcs11-module`.
    #[cfg(feature = "pkcs11")]
    #[command(flatten)]
    pub pkcs11: super::pkcs11_args::Pkcs11Args,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum BackendArg {
    /// Pure Rust (RustCrypto).
    Rustcrypto,
    /// AWS-LC (only in builds with the `aws-lc` feature).
    #[cfg(feature = "aws-lc")]
    AwsLc,
}

impl BackendArg {
    fn fastest() -> Self {
        #[cfg(feature = "aws-lc")]
        return BackendArg::AwsLc;
        #[cfg(not(feature = "aws-lc"))]
        BackendArg::Rustcrypto
    }

    fn provider(self) -> CryptoProvider {
        match self {
            BackendArg::Rustcrypto => countersign::crypto::rustcrypto::default_provider(),
            #[cfg(feature = "aws-lc")]
            BackendArg::AwsLc => countersign::crypto::aws_lc::default_provider(),
        }
    }
}

impl CredentialArgs {
    /// Loads the credential; with none given, the demo organisation (announced on stderr).
    pub fn load(&self) -> Result<CertifiedKey, Box<dyn std::error::Error>> {
        let options = {
            let mut load_options = LoadOptions::default();
            load_options.password = self.password.clone();
            load_options.rsa_padding = if self.pss {
                RsaPadding::Pss
            } else {
                RsaPadding::Pkcs1v15
            };
            load_options.provider = self.backend.provider();
            load_options.sm2_user_id = self.sm2_user_id.clone();
            load_options
        };
        #[cfg(feature = "pkcs11")]
        if let Some(key) = self
            .pkcs11
            .load(self.cert.as_deref(), options.rsa_padding)?
        {
            return Ok(key);
        }
        if self.cert.is_some() && self.key.is_none() {
            return Err("--cert needs --key (or --pkcs11-module)".into());
        }
        if let Some(p12) = &self.p12 {
            let bytes = std::fs::read(p12).map_err(|e| format!("{}: {e}", p12.display()))?;
            return Ok(load_pkcs12(
                &bytes,
                self.password.as_deref().unwrap_or(""),
                &options,
            )?);
        }
        if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
            let chain = std::fs::read(cert).map_err(|e| format!("{}: {e}", cert.display()))?;
            let key = std::fs::read(key).map_err(|e| format!("{}: {e}", key.display()))?;
            return Ok(load_pem(&chain, &key, &options)?);
        }
        errln!(
            "note: no credential given; signing with the bundled demo organisation (test keys, not trusted)"
        );
        Ok(load_pem(demo::CHAIN_PEM, demo::KEY_PEM, &options)?)
    }
}
