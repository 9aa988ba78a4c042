//! Loading a [`CertifiedKey`] from the files organisations actually have: PEM or DER certificates
//! with a PKCS#8 / encrypted PKCS#8 / PKCS#1 / SEC1 key, or a PKCS#12 bundle.
//!
//! Every key format is first normalised to an unencrypted PKCS#8 `PrivateKeyInfo`, the one format
//! every backend loads.
//!
//! ```
//! use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
//! use countersign::crypto::{LoadOptions, RsaPadding};
//!
//! let mut options = LoadOptions::default();
//! options.rsa_padding = RsaPadding::Pss; // RSASSA-PSS signatures
//! let key = load_pem(
//!     &std::fs::read("testdata/pki/demo.chain.pem")?, // the signer's certificate and its issuers
//!     &std::fs::read("testdata/pki/demo.key.pem")?,
//!     &options,
//! )?;
//! assert_eq!(key.cert_chain().len(), 3); // signer, issuing CA, root
//! let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
//! assert_eq!(roots.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;

use der::Decode;
use der::zeroize::Zeroizing;
use pkcs1::DecodeRsaPrivateKey;
use pkcs8::EncodePrivateKey;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::BasicConstraints;

use super::algorithm::{ID_EC_PUBLIC_KEY, SECP256R1, SECP384R1, SM2_CURVE};
use super::{CertifiedKey, CryptoProvider, RsaPadding, SigningKey};
use crate::error::{CredentialError, Error, Result};

/// How to load a key. `Debug` shows whether a password is set, never the password.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_private_key;
/// use countersign::crypto::LoadOptions;
///
/// let encrypted = std::fs::read("testdata/pki/demo.key.enc.pem")?; // encrypted PKCS#8
/// assert!(load_private_key(&encrypted, &LoadOptions::default()).is_err());
/// let mut options = LoadOptions::default();
/// options.password = Some("demo".into());
/// assert!(load_private_key(&encrypted, &options).is_ok());
/// assert!(!format!("{options:?}").contains("demo"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Password of an encrypted PKCS#8 key (PKCS#12 passwords are passed separately).
    pub password: Option<String>,
    /// The signature scheme RSA keys produce.
    pub rsa_padding: RsaPadding,
    /// The backend that loads the key (and so holds it and signs with it). SM2 keys are the
    /// exception: every backend loads them as pure Rust (none has SM2).
    pub provider: CryptoProvider,
    /// The user ID an SM2 key signs with (it enters the Z value every SM2 signature covers);
    /// `None` is the GB/T 35276 default [`SM2_DEFAULT_USER_ID`](super::SM2_DEFAULT_USER_ID),
    /// the only one verifiers assume without being told.
    ///
    /// ```
    /// use countersign::crypto::credential::load_private_key;
    /// use countersign::crypto::LoadOptions;
    ///
    /// let mut options = LoadOptions::default();
    /// options.sm2_user_id = Some("alice@example.cn".into());
    /// let key = load_private_key(&std::fs::read("testdata/pki/sm2-signer.key.pem")?, &options)?;
    /// assert!(format!("{key:?}").contains("alice@example.cn"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub sm2_user_id: Option<String>,
}

impl fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadOptions")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("rsa_padding", &self.rsa_padding)
            .field("provider", &self.provider)
            .field("sm2_user_id", &self.sm2_user_id)
            .finish()
    }
}

/// A longest certification path we follow; real chains have 2 to 5 certificates.
const MAX_CHAIN_LEN: usize = 16;

/// Loads a chain and key from PEM. `chain_pem` holds the certificates in any order (the key may
/// also be in the same file); `key_pem` holds one private key.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_pem;
/// use countersign::crypto::LoadOptions;
///
/// let key = load_pem(
///     &std::fs::read("testdata/pki/demo-p256.chain.pem")?,
///     &std::fs::read("testdata/pki/demo-p256.sec1.pem")?, // SEC1 `EC PRIVATE KEY`
///     &LoadOptions::default(),
/// )?;
/// assert_eq!(key.cert_chain().len(), 3);
/// assert!(key.end_entity().tbs_certificate().subject().to_string().contains("CN=Demo Organisation P-256"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_pem(chain_pem: &[u8], key_pem: &[u8], options: &LoadOptions) -> Result<CertifiedKey> {
    let certificates = parse_certificates(chain_pem)?;
    let key = load_private_key(key_pem, options)?;
    certified_key(certificates, key)
}

/// Loads a chain and key from DER: one certificate per element, and a PKCS#8, encrypted PKCS#8,
/// PKCS#1 or SEC1 key.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_der;
/// use countersign::crypto::LoadOptions;
///
/// let certificate = std::fs::read("testdata/pki/demo.cert.der")?;
/// let key = load_der(&[&certificate], &std::fs::read("testdata/pki/demo.key.der")?, &LoadOptions::default())?;
/// assert_eq!(key.cert_chain().len(), 1); // only what was given: the signer's certificate
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_der(
    certificates_der: &[&[u8]],
    key_der: &[u8],
    options: &LoadOptions,
) -> Result<CertifiedKey> {
    let certificates = certificates_der
        .iter()
        .map(|der| parse_certificate_der(der))
        .collect::<Result<Vec<_>>>()?;
    let key = load_private_key(key_der, options)?;
    certified_key(certificates, key)
}

/// Loads the first key of a PKCS#12 (.p12/.pfx) file and its chain (feature `pkcs12`).
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_pkcs12;
/// use countersign::crypto::LoadOptions;
///
/// let p12 = std::fs::read("testdata/pki/demo.p12")?;
/// let key = load_pkcs12(&p12, "demo", &LoadOptions::default())?;
/// assert_eq!(key.cert_chain().len(), 3); // signer, issuing CA, root
/// assert!(load_pkcs12(&p12, "wrong password", &LoadOptions::default()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "pkcs12")]
pub fn load_pkcs12(pkcs12: &[u8], password: &str, options: &LoadOptions) -> Result<CertifiedKey> {
    let store = p12_keystore::KeyStore::from_pkcs12(pkcs12, password).map_err(pkcs12_error)?;
    let mut certificates = Vec::new();
    let mut key_pkcs8 = None;
    for (_alias, entry) in store.entries() {
        match entry {
            p12_keystore::KeyStoreEntry::PrivateKeyChain(chain) => {
                if key_pkcs8.is_none() {
                    key_pkcs8 = Some(Zeroizing::new(chain.key().to_vec()));
                }
                for certificate in chain.chain() {
                    certificates.push(parse_certificate_der(certificate.as_der())?);
                }
            }
            p12_keystore::KeyStoreEntry::Certificate(certificate) => {
                certificates.push(parse_certificate_der(certificate.as_der())?);
            }
            p12_keystore::KeyStoreEntry::Secret(_) => {}
        }
    }
    let key_pkcs8 = key_pkcs8.ok_or(CredentialError::NoPrivateKey)?;
    let key = load_pkcs8(&key_pkcs8, options)?;
    certified_key(certificates, key)
}

/// Reads trust anchors: every `CERTIFICATE` block of a PEM file.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::trust_roots_from_pem;
///
/// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// assert_eq!(roots.len(), 1);
/// assert!(roots[0].tbs_certificate().subject().to_string().contains("CN=Demo Root CA"));
/// // A file without certificates is an error, not an empty (trust-nothing) list.
/// assert!(trust_roots_from_pem(&std::fs::read("testdata/pki/demo.key.pem")?).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn trust_roots_from_pem(pem: &[u8]) -> Result<Vec<Certificate>> {
    let roots = pem_certificates(pem)?;
    if roots.is_empty() {
        return Err(CredentialError::NoCertificate.into());
    }
    Ok(roots)
}

/// Certificate revocation lists from a PEM file (every `X509 CRL` block) or one DER CRL.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::crls_from_pem_or_der;
///
/// assert_eq!(crls_from_pem_or_der(&std::fs::read("testdata/pki/trust-demo-ca.crl.pem")?)?.len(), 1);
/// assert_eq!(crls_from_pem_or_der(&std::fs::read("testdata/pki/tsa-ca.crl")?)?.len(), 1); // DER
/// assert!(crls_from_pem_or_der(b"not a CRL").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn crls_from_pem_or_der(bytes: &[u8]) -> Result<Vec<CertificateList>> {
    let parse = |der: &[u8]| CertificateList::from_der(der).map_err(Error::invalid("CRL"));
    if !looks_like_pem(bytes) {
        return Ok(vec![parse(bytes)?]);
    }
    let crls = pem_blocks(bytes)?
        .iter()
        .filter(|(label, _)| label == "X509 CRL")
        .map(|(_, der)| parse(der))
        .collect::<Result<Vec<_>>>()?;
    if crls.is_empty() {
        return Err(CredentialError::NoCrl.into());
    }
    Ok(crls)
}

/// Certificates from a PEM file (every `CERTIFICATE` block) or from a single DER certificate.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::parse_certificates;
///
/// let pem = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
/// let der = parse_certificates(&std::fs::read("testdata/pki/demo.cert.der")?)?;
/// assert_eq!(pem.len(), 3);
/// assert_eq!(der, pem[..1]); // the same signer certificate
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>> {
    if looks_like_pem(bytes) {
        let certificates = pem_certificates(bytes)?;
        if certificates.is_empty() {
            return Err(CredentialError::NoCertificate.into());
        }
        Ok(certificates)
    } else {
        Ok(vec![parse_certificate_der(bytes)?])
    }
}

/// A private key from PEM (the first key block) or DER, in any supported format.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_private_key;
/// use countersign::crypto::LoadOptions;
///
/// let options = LoadOptions::default();
/// let pkcs8 = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &options)?;
/// let pkcs1 = load_private_key(&std::fs::read("testdata/pki/demo.pkcs1.pem")?, &options)?; // `RSA PRIVATE KEY`
/// let der = load_private_key(&std::fs::read("testdata/pki/demo.key.der")?, &options)?;
/// assert_eq!(pkcs8.public_key()?, pkcs1.public_key()?);
/// assert_eq!(pkcs8.public_key()?, der.public_key()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_private_key(bytes: &[u8], options: &LoadOptions) -> Result<Arc<dyn SigningKey>> {
    let pkcs8 = private_key_pkcs8(bytes, options.password.as_deref())?;
    load_pkcs8(&pkcs8, options)
}

/// An unencrypted PKCS#8 key: SM2 here, with the configured user ID (the provider interface has
/// no place for it), anything else by the provider.
fn load_pkcs8(pkcs8: &[u8], options: &LoadOptions) -> Result<Arc<dyn SigningKey>> {
    if super::keys::is_sm2_pkcs8(pkcs8) {
        let user_id = options
            .sm2_user_id
            .as_deref()
            .unwrap_or(super::SM2_DEFAULT_USER_ID);
        return super::keys::load_sm2(pkcs8, user_id);
    }
    options
        .provider
        .load_private_key(pkcs8, options.rsa_padding)
}

/// A private key from PEM (the first key block) or DER, in any supported format, as unencrypted
/// PKCS#8 DER.
pub(crate) fn private_key_pkcs8(
    bytes: &[u8],
    password: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>> {
    if looks_like_pem(bytes) {
        pem_private_key_pkcs8(bytes, password)
    } else {
        der_private_key_pkcs8(bytes, password)
    }
}

/// Puts the certificate of `key` first and its issuers after it, and checks they belong together.
/// `certificates` may come in any order; the one whose public key is the key's own is the signer.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::{certified_key, load_private_key, parse_certificates};
/// use countersign::crypto::LoadOptions;
///
/// let mut certificates = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
/// certificates.reverse(); // root first
/// let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &LoadOptions::default())?;
/// let certified = certified_key(certificates.clone(), key)?;
/// assert_eq!(certified.end_entity(), &certificates[2]); // the signer, found by its key
/// assert_eq!(certified.cert_chain()[2], certificates[0]); // then its issuers up to the root
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn certified_key(
    certificates: Vec<Certificate>,
    key: Arc<dyn SigningKey>,
) -> Result<CertifiedKey> {
    if certificates.is_empty() {
        return Err(CredentialError::NoCertificate.into());
    }
    let signer = find_end_entity(&certificates, &key.public_key()?)?.clone();
    let chain = order_chain(signer, &certificates);
    CertifiedKey::new(chain, key)
}

fn find_end_entity<'a>(
    certificates: &'a [Certificate],
    public_key: &SubjectPublicKeyInfoOwned,
) -> Result<&'a Certificate> {
    let mut matching = certificates
        .iter()
        .filter(|c| public_keys_match(c.tbs_certificate().subject_public_key_info(), public_key));
    let first = matching
        .next()
        .ok_or(CredentialError::NoMatchingCertificate)?;
    // A CA certificate may share the key (re-issued certificates); prefer the end-entity one.
    if is_ca(first)
        && let Some(end_entity) = matching.find(|c| !is_ca(c))
    {
        return Ok(end_entity);
    }
    Ok(first)
}

/// Signer first, then each issuer found by subject/issuer name; certificates that do not belong to
/// the path are dropped so that they do not bloat the signature.
pub(crate) fn order_chain(signer: Certificate, certificates: &[Certificate]) -> Vec<Certificate> {
    let mut chain = vec![signer];
    while chain.len() < MAX_CHAIN_LEN {
        let Some(current) = chain.last() else { break };
        let tbs = current.tbs_certificate();
        if tbs.issuer() == tbs.subject() {
            break;
        }
        let issuer = certificates
            .iter()
            .find(|c| c.tbs_certificate().subject() == tbs.issuer() && !chain.contains(c));
        match issuer {
            Some(issuer) => chain.push(issuer.clone()),
            None => break,
        }
    }
    chain
}

fn is_ca(certificate: &Certificate) -> bool {
    matches!(
        certificate
            .tbs_certificate()
            .get_extension::<BasicConstraints>(),
        Ok(Some((_, BasicConstraints { ca: true, .. })))
    )
}

/// Same algorithm and same key; EC points are compared decoded, since a certificate may carry the
/// compressed form.
pub(crate) fn public_keys_match(
    a: &SubjectPublicKeyInfoOwned,
    b: &SubjectPublicKeyInfoOwned,
) -> bool {
    if a.algorithm.oid != b.algorithm.oid {
        return false;
    }
    if a.subject_public_key == b.subject_public_key {
        return true;
    }
    if a.algorithm.oid != ID_EC_PUBLIC_KEY {
        return false;
    }
    let (Some(pa), Some(pb)) = (
        a.subject_public_key.as_bytes(),
        b.subject_public_key.as_bytes(),
    ) else {
        return false;
    };
    match super::algorithm::named_curve(&a.algorithm) {
        Some(SECP256R1) => matches!(
            (p256::PublicKey::from_sec1_bytes(pa), p256::PublicKey::from_sec1_bytes(pb)),
            (Ok(x), Ok(y)) if x == y
        ),
        Some(SECP384R1) => matches!(
            (p384::PublicKey::from_sec1_bytes(pa), p384::PublicKey::from_sec1_bytes(pb)),
            (Ok(x), Ok(y)) if x == y
        ),
        Some(SM2_CURVE) => matches!(
            (sm2::PublicKey::from_sec1_bytes(pa), sm2::PublicKey::from_sec1_bytes(pb)),
            (Ok(x), Ok(y)) if x == y
        ),
        _ => false,
    }
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Splits a PEM file into its blocks (label, DER), ignoring text between blocks.
fn pem_blocks(pem: &[u8]) -> Result<Vec<(String, Zeroizing<Vec<u8>>)>> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let mut blocks = Vec::new();
    let mut rest = pem;
    while let Some(start) = find(rest, BEGIN) {
        let from_begin = rest.get(start..).unwrap_or_default();
        let end = find(from_begin, END).ok_or(CredentialError::UnterminatedPem)?;
        let after_end = from_begin.get(end..).unwrap_or_default();
        let line_end = after_end
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(after_end.len());
        let block_len = end.saturating_add(line_end);
        let block = from_begin.get(..block_len).unwrap_or_default();
        let (label, der) = der::pem::decode_vec(block).map_err(Error::invalid("PEM block"))?;
        blocks.push((label.to_owned(), Zeroizing::new(der)));
        rest = from_begin.get(block_len..).unwrap_or_default();
    }
    Ok(blocks)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn pem_certificates(pem: &[u8]) -> Result<Vec<Certificate>> {
    pem_blocks(pem)?
        .iter()
        .filter(|(label, _)| label == "CERTIFICATE")
        .map(|(_, der)| parse_certificate_der(der))
        .collect()
}

fn parse_certificate_der(der: &[u8]) -> Result<Certificate> {
    Certificate::from_der(der).map_err(Error::invalid("certificate"))
}

fn pem_private_key_pkcs8(pem: &[u8], password: Option<&str>) -> Result<Zeroizing<Vec<u8>>> {
    if find(pem, b"Proc-Type: 4,ENCRYPTED").is_some() {
        return Err(CredentialError::LegacyEncryptedPem.into());
    }
    for (label, der) in pem_blocks(pem)? {
        match label.as_str() {
            "PRIVATE KEY" => return Ok(der),
            "ENCRYPTED PRIVATE KEY" => return decrypt_pkcs8(&der, password),
            "RSA PRIVATE KEY" => return pkcs1_to_pkcs8(&der),
            "EC PRIVATE KEY" => return sec1_to_pkcs8(&der),
            _ => {}
        }
    }
    Err(CredentialError::NoPrivateKey.into())
}

fn der_private_key_pkcs8(der: &[u8], password: Option<&str>) -> Result<Zeroizing<Vec<u8>>> {
    if pkcs8::PrivateKeyInfoRef::try_from(der).is_ok() {
        return Ok(Zeroizing::new(der.to_vec()));
    }
    if pkcs8::EncryptedPrivateKeyInfoRef::try_from(der).is_ok() {
        return decrypt_pkcs8(der, password);
    }
    if rsa::PrivateKey::from_pkcs1_der(der).is_ok() {
        return pkcs1_to_pkcs8(der);
    }
    if sec1::EcPrivateKey::try_from(der).is_ok() {
        return sec1_to_pkcs8(der);
    }
    Err(CredentialError::UnknownKeyFormat.into())
}

fn decrypt_pkcs8(der: &[u8], password: Option<&str>) -> Result<Zeroizing<Vec<u8>>> {
    let password = password.ok_or(CredentialError::PasswordRequired)?;
    let encrypted = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der)
        .map_err(Error::invalid("encrypted PKCS#8 key"))?;
    let document = encrypted
        .decrypt(password)
        .map_err(|_| CredentialError::WrongPassword)?;
    let decrypted = Zeroizing::new(document.as_bytes().to_vec());
    // A wrong password occasionally yields valid padding; the structure check catches it.
    pkcs8::PrivateKeyInfoRef::try_from(decrypted.as_slice())
        .map_err(|_| CredentialError::WrongPassword)?;
    Ok(decrypted)
}

fn pkcs1_to_pkcs8(der: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let key =
        rsa::PrivateKey::from_pkcs1_der(der).map_err(Error::invalid("PKCS#1 RSA private key"))?;
    let document = key
        .to_pkcs8_der()
        .map_err(Error::invalid("RSA private key"))?;
    Ok(Zeroizing::new(document.as_bytes().to_vec()))
}

fn sec1_to_pkcs8(der: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let parsed =
        sec1::EcPrivateKey::try_from(der).map_err(Error::invalid("SEC1 EC private key"))?;
    let curve = parsed.parameters.and_then(|p| p.named_curve());
    let document = match curve {
        Some(SECP256R1) => p256::SecretKey::from_sec1_der(der)
            .map_err(Error::invalid("SEC1 EC private key"))?
            .to_pkcs8_der(),
        Some(SECP384R1) => p384::SecretKey::from_sec1_der(der)
            .map_err(Error::invalid("SEC1 EC private key"))?
            .to_pkcs8_der(),
        Some(SM2_CURVE) => sm2::SecretKey::from_sec1_der(der)
            .map_err(Error::invalid("SEC1 EC private key"))?
            .to_pkcs8_der(),
        Some(other) => return Err(CredentialError::UnsupportedCurve { oid: other }.into()),
        None => return Err(CredentialError::NoNamedCurve.into()),
    }
    .map_err(Error::invalid("EC private key"))?;
    Ok(Zeroizing::new(document.as_bytes().to_vec()))
}

#[cfg(feature = "pkcs12")]
fn pkcs12_error(error: p12_keystore::error::Error) -> Error {
    use p12_keystore::error::Error as P12;
    match error {
        P12::MacError(_) | P12::UnpadError => CredentialError::WrongPassword.into(),
        other => Error::invalid("PKCS#12 file")(other),
    }
}
