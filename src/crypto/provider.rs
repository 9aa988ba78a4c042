//! A crypto backend as a value: its key loading and its signature-verification primitives in one
//! [`CryptoProvider`], passed by the caller (in [`LoadOptions`](super::LoadOptions) and
//! [`VerifyOptions`](crate::VerifyOptions)). What every backend shares — the RSA and ECDSA key
//! wrappers, reading a SubjectPublicKeyInfo and matching it to the signature algorithm — is
//! written once in [`super::keys`] and [`super::verify`]; a backend supplies only primitives.

use std::fmt;
use std::panic::RefUnwindSafe;
use std::sync::{Arc, OnceLock};

use spki::SubjectPublicKeyInfoOwned;

use super::algorithm::SignatureAlgorithm;
use super::{DigestAlgorithm, RsaPadding, SigningKey};
use crate::error::Result;

/// One crypto backend: how it loads software keys and how it verifies signatures. Each backend
/// module has a `default_provider()` ([`rustcrypto`](super::rustcrypto), and
/// `aws_lc` with feature `aws-lc`); another backend (PKCS#11, OpenSSL) implements
/// [`KeyProvider`] and [`SignatureVerifier`] and builds one with [`CryptoProvider::new`]. Fields
/// may be replaced one by one, for instance to keep one backend's keys and another's verifier.
/// Both traits ask for `RefUnwindSafe` so that options holding a provider stay usable across
/// `catch_unwind`, as they were before providers.
///
/// [`Default`] is the process default when one was installed ([`Self::install_default`]),
/// else RustCrypto.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_pem;
/// use countersign::crypto::{rustcrypto, LoadOptions};
/// use countersign::{sign_pdf, verify_pdf, SignOptions, VerifyOptions};
///
/// let mut load = LoadOptions::default();
/// load.provider = rustcrypto::default_provider(); // or countersign::crypto::aws_lc::default_provider()
/// let key = load_pem(
///     &std::fs::read("testdata/pki/demo.chain.pem")?,
///     &std::fs::read("testdata/pki/demo.key.pem")?,
///     &load,
/// )?;
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &SignOptions::default())?;
/// let mut verify = VerifyOptions::default();
/// verify.provider = load.provider; // any provider verifies any other's signatures
/// assert!(verify_pdf(&signed, &verify)?.all_valid_ignoring_trust());
/// assert_eq!(verify.provider.name, "rustcrypto");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct CryptoProvider {
    /// A short name for logs and `Debug`: `rustcrypto`, `aws-lc`...
    pub name: &'static str,
    /// Turns private keys into [`SigningKey`]s.
    pub key_provider: &'static dyn KeyProvider,
    /// Checks RSA, ECDSA, Ed25519 and SM2 signatures.
    pub verifier: &'static dyn SignatureVerifier,
}

static PROCESS_DEFAULT: OnceLock<CryptoProvider> = OnceLock::new();

impl CryptoProvider {
    /// A provider from its parts.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::{rustcrypto, CryptoProvider};
    ///
    /// let builtin = rustcrypto::default_provider();
    /// let mine = CryptoProvider::new("mine", builtin.key_provider, builtin.verifier);
    /// assert_eq!(format!("{mine:?}"), r#"CryptoProvider("mine")"#);
    /// ```
    pub const fn new(
        name: &'static str,
        key_provider: &'static dyn KeyProvider,
        verifier: &'static dyn SignatureVerifier,
    ) -> Self {
        Self {
            name,
            key_provider,
            verifier,
        }
    }

    /// Makes `self` the process default, what [`CryptoProvider::default`] (and so every
    /// `LoadOptions::default()` and `VerifyOptions::default()`) returns from now on. Once only:
    /// a second call returns its argument back as the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::{rustcrypto, CryptoProvider};
    ///
    /// let first = CryptoProvider::new("first", rustcrypto::default_provider().key_provider, rustcrypto::default_provider().verifier);
    /// assert!(first.install_default().is_ok());
    /// assert_eq!(CryptoProvider::default().name, "first");
    /// assert!(rustcrypto::default_provider().install_default().is_err()); // already installed
    /// ```
    pub fn install_default(self) -> std::result::Result<(), CryptoProvider> {
        PROCESS_DEFAULT.set(self)
    }

    /// The process default, when [`Self::install_default`] was called.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::CryptoProvider;
    ///
    /// assert!(CryptoProvider::get_default().is_none()); // nothing installed in this process
    /// assert_eq!(CryptoProvider::default().name, "rustcrypto");
    /// ```
    pub fn get_default() -> Option<&'static CryptoProvider> {
        PROCESS_DEFAULT.get()
    }

    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` with this provider's [`KeyProvider`].
    pub(crate) fn load_private_key(
        &self,
        pkcs8_der: &[u8],
        rsa_padding: RsaPadding,
    ) -> Result<Arc<dyn SigningKey>> {
        self.key_provider.load_private_key(pkcs8_der, rsa_padding)
    }

    /// Checks `signature` over `message` with `public_key`. `Ok(false)` means the signature does
    /// not verify; `Err` means the key or algorithm cannot be used at all.
    pub(crate) fn verify_signature(
        &self,
        public_key: &SubjectPublicKeyInfoOwned,
        algorithm: &SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        super::verify::verify_signature(self.verifier, public_key, algorithm, message, signature)
    }
}

impl Default for CryptoProvider {
    fn default() -> Self {
        Self::get_default()
            .copied()
            .unwrap_or_else(super::rustcrypto::default_provider)
    }
}

impl fmt::Debug for CryptoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CryptoProvider").field(&self.name).finish()
    }
}

/// Loads software private keys. Every key format the credential loaders read (PEM, DER,
/// encrypted PKCS#8, PKCS#1, SEC1, PKCS#12) reaches the provider as an unencrypted PKCS#8
/// `PrivateKeyInfo`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use countersign::crypto::credential::load_private_key;
/// use countersign::crypto::{rustcrypto, CryptoProvider, KeyProvider, LoadOptions, RsaPadding};
/// use countersign::{Error, SigningKey};
///
/// /// Software keys are not allowed here: keys live in the HSM.
/// #[derive(Debug)]
/// struct NoSoftwareKeys;
///
/// impl KeyProvider for NoSoftwareKeys {
///     fn load_private_key(&self, _: &[u8], _: RsaPadding) -> countersign::Result<Arc<dyn SigningKey>> {
///         Err(Error::signer("software keys are disabled"))
///     }
/// }
///
/// let mut options = LoadOptions::default();
/// options.provider.key_provider = &NoSoftwareKeys;
/// assert!(load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &options).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait KeyProvider: Send + Sync + RefUnwindSafe + fmt::Debug {
    /// The key of an unencrypted PKCS#8 `PrivateKeyInfo`; RSA keys sign with `rsa_padding`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::{rustcrypto, RsaPadding};
    /// use countersign::{DigestAlgorithm, SignatureScheme};
    ///
    /// let (_, pkcs8) = der::pem::decode_vec(&std::fs::read("testdata/pki/demo.key.pem")?)?; // PRIVATE KEY
    /// let key = rustcrypto::default_provider().key_provider.load_private_key(&pkcs8, RsaPadding::Pss)?;
    /// let signer = key.choose_scheme(DigestAlgorithm::Sha256).ok_or("no SHA-256")?;
    /// assert_eq!(signer.scheme(), SignatureScheme::RsaPss(DigestAlgorithm::Sha256));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn load_private_key(
        &self,
        pkcs8_der: &[u8],
        rsa_padding: RsaPadding,
    ) -> Result<Arc<dyn SigningKey>>;
}

/// An elliptic curve the engine signs and verifies on.
///
/// # Examples
///
/// ```
/// use countersign::crypto::{rustcrypto, EcCurve};
/// use countersign::DigestAlgorithm;
///
/// let verifier = rustcrypto::default_provider().verifier;
/// let point = [4u8; 65]; // not a point of the curve
/// assert!(verifier.verify_ecdsa(EcCurve::P256, &point, DigestAlgorithm::Sha256, b"m", b"s").is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EcCurve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
}

/// The RSA signature encoding to check, with its parameters as read from the signature's
/// AlgorithmIdentifier.
///
/// # Examples
///
/// ```
/// use countersign::crypto::RsaVerifyPadding;
///
/// let pss = RsaVerifyPadding::Pss { salt_len: 32 };
/// assert_ne!(pss, RsaVerifyPadding::Pkcs1v15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RsaVerifyPadding {
    /// RSASSA-PKCS1-v1_5.
    Pkcs1v15,
    /// RSASSA-PSS with MGF1 over the message digest.
    Pss {
        /// The salt length in bytes.
        salt_len: usize,
    },
}

/// The signature-verification primitives of a backend. The caller has already read the
/// SubjectPublicKeyInfo, matched the key type to the signature algorithm and checked its
/// parameters; the primitive hashes `message` with `digest` and checks `signature`.
/// `Ok(false)` means the signature does not verify; `Err` means the key (or a parameter the
/// backend does not support) cannot be used at all.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use countersign::crypto::{rustcrypto, CryptoProvider, EcCurve, RsaVerifyPadding, SignatureVerifier};
/// use countersign::{verify_pdf, DigestAlgorithm, VerifyOptions};
///
/// /// Counts RSA verifications, then lets RustCrypto do them.
/// #[derive(Debug)]
/// struct Counting(AtomicUsize);
///
/// impl SignatureVerifier for Counting {
///     fn verify_rsa(&self, key: &[u8], padding: RsaVerifyPadding, digest: DigestAlgorithm, message: &[u8], signature: &[u8]) -> countersign::Result<bool> {
///         self.0.fetch_add(1, Ordering::Relaxed);
///         rustcrypto::default_provider().verifier.verify_rsa(key, padding, digest, message, signature)
///     }
///     fn verify_ecdsa(&self, curve: EcCurve, point: &[u8], digest: DigestAlgorithm, message: &[u8], signature: &[u8]) -> countersign::Result<bool> {
///         rustcrypto::default_provider().verifier.verify_ecdsa(curve, point, digest, message, signature)
///     }
/// }
///
/// static COUNTING: Counting = Counting(AtomicUsize::new(0));
/// let mut options = VerifyOptions::default();
/// options.provider.verifier = &COUNTING;
/// assert!(verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &options)?.all_valid_ignoring_trust());
/// assert!(COUNTING.0.load(Ordering::Relaxed) >= 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SignatureVerifier: Send + Sync + RefUnwindSafe + fmt::Debug {
    /// Checks an RSA signature; `public_key` is the DER `RSAPublicKey` (PKCS#1) of the
    /// certificate's subjectPublicKey.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::load_private_key;
    /// use countersign::crypto::{rustcrypto, LoadOptions, RsaVerifyPadding};
    /// use countersign::DigestAlgorithm;
    ///
    /// let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &LoadOptions::default())?;
    /// let signature = key.choose_scheme(DigestAlgorithm::Sha256).ok_or("no SHA-256")?.sign(b"message")?;
    /// let spki = key.public_key()?;
    /// let rsa_public_key = spki.subject_public_key.as_bytes().ok_or("unaligned")?;
    /// let verifier = rustcrypto::default_provider().verifier;
    /// let check = |message: &[u8]| verifier.verify_rsa(rsa_public_key, RsaVerifyPadding::Pkcs1v15, DigestAlgorithm::Sha256, message, &signature);
    /// assert!(check(b"message")?);
    /// assert!(!check(b"another message")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn verify_rsa(
        &self,
        public_key: &[u8],
        padding: RsaVerifyPadding,
        digest: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool>;

    /// Checks a DER-encoded ECDSA signature; `public_point` is the SEC1 point of the
    /// certificate's subjectPublicKey.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::load_private_key;
    /// use countersign::crypto::{rustcrypto, EcCurve, LoadOptions};
    /// use countersign::DigestAlgorithm;
    ///
    /// let key = load_private_key(&std::fs::read("testdata/pki/demo-p256.key.pem")?, &LoadOptions::default())?;
    /// let signature = key.choose_scheme(DigestAlgorithm::Sha384).ok_or("no SHA-384")?.sign(b"message")?;
    /// let spki = key.public_key()?;
    /// let point = spki.subject_public_key.as_bytes().ok_or("unaligned")?;
    /// let verifier = rustcrypto::default_provider().verifier;
    /// assert!(verifier.verify_ecdsa(EcCurve::P256, point, DigestAlgorithm::Sha384, b"message", &signature)?);
    /// assert!(!verifier.verify_ecdsa(EcCurve::P256, point, DigestAlgorithm::Sha256, b"message", &signature)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn verify_ecdsa(
        &self,
        curve: EcCurve,
        public_point: &[u8],
        digest: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool>;

    /// Checks a DER-encoded SM2 signature over SM3(Z ‖ `message`) (GB/T 32918.2), Z computed
    /// from `user_id` and `public_point` (the SEC1 point of the certificate's subjectPublicKey).
    /// Only that standard form verifies: a signature over Z ‖ SM3(M), as some products make,
    /// does not. The default is pure-Rust RustCrypto, what every built-in backend uses.
    /// Checks an Ed25519 signature (RFC 8032, strict: no malleable signatures, no small-order
    /// keys); `public_key` is the 32-byte key of the certificate's subjectPublicKey. The
    /// default implementation is RustCrypto's (`ed25519-dalek`), so verifiers written before
    /// Ed25519 keep compiling and verify it too.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::load_private_key;
    /// use countersign::crypto::{rustcrypto, LoadOptions, SM2_DEFAULT_USER_ID};
    /// use countersign::DigestAlgorithm;
    ///
    /// let key = load_private_key(&std::fs::read("testdata/pki/sm2-signer.key.pem")?, &LoadOptions::default())?;
    /// let signature = key.choose_scheme(DigestAlgorithm::Sm3).ok_or("no SM3")?.sign(b"message")?;
    /// let spki = key.public_key()?;
    /// let point = spki.subject_public_key.as_bytes().ok_or("unaligned")?;
    /// let verifier = rustcrypto::default_provider().verifier;
    /// assert!(verifier.verify_sm2(point, SM2_DEFAULT_USER_ID, b"message", &signature)?);
    /// assert!(!verifier.verify_sm2(point, "another ID", b"message", &signature)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn verify_sm2(
        &self,
        public_point: &[u8],
        user_id: &str,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        super::rustcrypto::verify_sm2(public_point, user_id, message, signature)
    }

    /// Checks an Ed25519 signature (RFC 8032, strict: no malleable signatures, no small-order
    /// keys); `public_key` is the 32-byte key of the certificate's subjectPublicKey. The
    /// default implementation is RustCrypto's (`ed25519-dalek`), so verifiers written before
    /// Ed25519 keep compiling and verify it too.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::load_private_key;
    /// use countersign::crypto::{rustcrypto, LoadOptions};
    /// use countersign::DigestAlgorithm;
    ///
    /// let key = load_private_key(&std::fs::read("testdata/pki/demo-ed25519.key.pem")?, &LoadOptions::default())?;
    /// let signature = key.choose_scheme(DigestAlgorithm::Sha512).ok_or("no Ed25519")?.sign(b"message")?;
    /// let spki = key.public_key()?;
    /// let public_key = spki.subject_public_key.as_bytes().ok_or("unaligned")?;
    /// let verifier = rustcrypto::default_provider().verifier;
    /// assert!(verifier.verify_ed25519(public_key, b"message", &signature)?);
    /// assert!(!verifier.verify_ed25519(public_key, b"another message", &signature)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn verify_ed25519(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<bool> {
        super::ed25519::verify(public_key, message, signature)
    }
}
