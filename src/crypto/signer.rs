//! The signing-key abstraction. The engine never holds a private key: it asks a [`SigningKey`] for a
//! [`Signer`] and hands it the DER of the signed attributes. An HSM, a cloud KMS or a remote service
//! implements these two traits and plugs in unchanged.

use std::fmt::Debug;
use std::sync::Arc;

use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use super::DigestAlgorithm;
use crate::cades::signed_data::CertificateSetDer;
use crate::error::{CredentialError, Error, Result};

/// The signature algorithm a [`Signer`] produces; it decides the SignerInfo's signatureAlgorithm.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_private_key;
/// use countersign::crypto::{LoadOptions, RsaPadding};
/// use countersign::{DigestAlgorithm, SignatureScheme};
///
/// let mut options = LoadOptions::default();
/// options.rsa_padding = RsaPadding::Pss;
/// let rsa = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &options)?;
/// let signer = rsa.choose_scheme(DigestAlgorithm::Sha384).ok_or("no SHA-384")?;
/// assert_eq!(signer.scheme(), SignatureScheme::RsaPss(DigestAlgorithm::Sha384));
///
/// let ec = load_private_key(&std::fs::read("testdata/pki/demo-p256.key.pem")?, &LoadOptions::default())?;
/// let signer = ec.choose_scheme(DigestAlgorithm::Sha256).ok_or("no SHA-256")?;
/// assert_eq!(signer.scheme(), SignatureScheme::EcdsaP256(DigestAlgorithm::Sha256));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 over the given digest.
    RsaPkcs1v15(DigestAlgorithm),
    /// RSASSA-PSS, MGF1 with the same digest, salt length = digest length.
    RsaPss(DigestAlgorithm),
    /// ECDSA on P-256, DER-encoded (r, s).
    EcdsaP256(DigestAlgorithm),
    /// ECDSA on P-384, DER-encoded (r, s).
    EcdsaP384(DigestAlgorithm),
    /// SM2 (GB/T 32918.2) over SM3(Z ‖ M), DER-encoded (r, s): `SM2-with-SM3`
    /// (1.2.156.10197.1.501). Z binds the signer's user ID (default `1234567812345678`).
    Sm2Sm3,
    /// Ed25519 (PureEdDSA, RFC 8032) over the message itself, 64 bytes. In CMS (RFC 8419) the
    /// digest of the document and of the signed attributes is SHA-512.
    Ed25519,
}

impl SignatureScheme {
    /// The digest the signature is computed over.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{DigestAlgorithm, SignatureScheme};
    ///
    /// assert_eq!(SignatureScheme::RsaPss(DigestAlgorithm::Sha512).digest(), DigestAlgorithm::Sha512);
    /// assert_eq!(SignatureScheme::EcdsaP256(DigestAlgorithm::Sha256).digest().output_len(), 32);
    /// assert_eq!(SignatureScheme::Sm2Sm3.digest(), DigestAlgorithm::Sm3);
    /// assert_eq!(SignatureScheme::Ed25519.digest(), DigestAlgorithm::Sha512); // RFC 8419
    /// ```
    pub fn digest(&self) -> DigestAlgorithm {
        match *self {
            Self::RsaPkcs1v15(d) | Self::RsaPss(d) | Self::EcdsaP256(d) | Self::EcdsaP384(d) => d,
            Self::Sm2Sm3 => DigestAlgorithm::Sm3,
            Self::Ed25519 => DigestAlgorithm::Sha512,
        }
    }
}

/// A private key, wherever it lives.
///
/// Software keys from [`credential`](crate::crypto::credential) implement it; the
/// [`crypto`](crate::crypto) module's example implements it for an HSM.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::{load_private_key, parse_certificates};
/// use countersign::crypto::LoadOptions;
/// use countersign::{CertifiedKey, DigestAlgorithm};
///
/// let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &LoadOptions::default())?;
/// let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
/// assert!(key.choose_scheme(DigestAlgorithm::Sha256).is_some());
/// let certified = CertifiedKey::new(chain, key)?; // checks key.public_key() against the certificate
/// assert!(certified.end_entity().tbs_certificate().subject().to_string().contains("CN=Demo Organisation"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SigningKey: Send + Sync + Debug {
    /// A signer that hashes with `digest`, or `None` when this key cannot use that digest.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::load_private_key;
    /// use countersign::crypto::LoadOptions;
    /// use countersign::{DigestAlgorithm, SignatureScheme};
    ///
    /// let key = load_private_key(&std::fs::read("testdata/pki/demo-p256.key.pem")?, &LoadOptions::default())?;
    /// let signer = key.choose_scheme(DigestAlgorithm::Sha384).ok_or("no SHA-384")?;
    /// assert_eq!(signer.scheme(), SignatureScheme::EcdsaP256(DigestAlgorithm::Sha384));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>>;

    /// The public half of the key, as the SubjectPublicKeyInfo of its certificate.
    /// [`CertifiedKey::new`] compares the two, so that a key that does not belong to its
    /// certificate is refused when it is loaded rather than producing signatures nobody can verify.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::{load_private_key, parse_certificates};
    /// use countersign::crypto::LoadOptions;
    ///
    /// let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &LoadOptions::default())?;
    /// let certificate = &parse_certificates(&std::fs::read("testdata/pki/demo.cert.pem")?)?[0];
    /// assert_eq!(&key.public_key()?, certificate.tbs_certificate().subject_public_key_info());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned>;
}

/// One configured signing operation.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_private_key;
/// use countersign::crypto::LoadOptions;
/// use countersign::DigestAlgorithm;
///
/// let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &LoadOptions::default())?;
/// let signer = key.choose_scheme(DigestAlgorithm::Sha256).ok_or("no SHA-256")?;
/// let signature = signer.sign(b"DER of the signed attributes")?;
/// assert_eq!(signature.len(), signer.max_signature_len()); // RSA: always the modulus length
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Signer: Send + Sync {
    /// Signs `message` (the DER of the signed attributes): the signer hashes it itself.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::load_private_key;
    /// use countersign::crypto::{LoadOptions, RsaPadding};
    /// use countersign::DigestAlgorithm;
    ///
    /// let pem = std::fs::read("testdata/pki/demo.key.pem")?;
    /// let pkcs1 = load_private_key(&pem, &LoadOptions::default())?.choose_scheme(DigestAlgorithm::Sha256).ok_or("no SHA-256")?;
    /// assert_eq!(pkcs1.sign(b"message")?, pkcs1.sign(b"message")?); // PKCS#1 v1.5 is deterministic
    /// let mut options = LoadOptions::default();
    /// options.rsa_padding = RsaPadding::Pss;
    /// let pss = load_private_key(&pem, &options)?.choose_scheme(DigestAlgorithm::Sha256).ok_or("no SHA-256")?;
    /// assert_ne!(pss.sign(b"message")?, pss.sign(b"message")?); // PSS draws a random salt
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;
    /// The algorithm of the signatures this signer returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::load_private_key;
    /// use countersign::crypto::LoadOptions;
    /// use countersign::{DigestAlgorithm, SignatureScheme};
    ///
    /// let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &LoadOptions::default())?;
    /// let signer = key.choose_scheme(DigestAlgorithm::Sha512).ok_or("no SHA-512")?;
    /// assert_eq!(signer.scheme(), SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha512));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn scheme(&self) -> SignatureScheme;
    /// The longest signature [`Signer::sign`] can return, used to size `/Contents` exactly.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::load_private_key;
    /// use countersign::crypto::LoadOptions;
    /// use countersign::DigestAlgorithm;
    ///
    /// let load = |path: &str| -> countersign::Result<_> { load_private_key(&std::fs::read(path)?, &LoadOptions::default()) };
    /// let rsa = load("testdata/pki/demo.key.pem")?.choose_scheme(DigestAlgorithm::Sha256).ok_or("no signer")?;
    /// assert_eq!(rsa.max_signature_len(), 256); // RSA-2048
    /// let ec = load("testdata/pki/demo-p256.key.pem")?.choose_scheme(DigestAlgorithm::Sha256).ok_or("no signer")?;
    /// assert_eq!(ec.max_signature_len(), 72); // DER (r, s) on P-256
    /// assert!(ec.sign(b"message")?.len() <= 72);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn max_signature_len(&self) -> usize;
}

/// A certificate chain (signer first, then its issuers) and the key of its first certificate.
/// The chain is never empty and its first certificate carries the key's public half: both are
/// checked by [`CertifiedKey::new`], the only way to build one.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_pem;
/// use countersign::crypto::LoadOptions;
/// use countersign::{sign_pdf, verify_pdf, SignOptions, VerifyOptions};
///
/// let key = load_pem(
///     &std::fs::read("testdata/pki/demo.chain.pem")?,
///     &std::fs::read("testdata/pki/demo.key.pem")?,
///     &LoadOptions::default(),
/// )?;
/// assert_eq!(key.cert_chain().len(), 3);
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &SignOptions::default())?;
/// let report = verify_pdf(&signed, &VerifyOptions::trusting(key.cert_chain()[2..].to_vec()))?;
/// assert!(report.all_valid()); // the chain is embedded in the signature
/// assert_eq!(report.signatures[0].signer_subject, key.end_entity().tbs_certificate().subject().to_string());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CertifiedKey {
    /// The first certificate of `cert_chain`, kept apart so that reading it cannot fail.
    end_entity: Certificate,
    cert_chain: Vec<Certificate>,
    key: Arc<dyn SigningKey>,
    /// The chain as every SignedData carries it, encoded once here rather than per signature.
    certificate_set: CertificateSetDer,
}

impl CertifiedKey {
    /// Pairs `key` with `cert_chain`, refusing an empty chain ([`CredentialError::EmptyChain`]) and a key
    /// whose public half is not the one in the first certificate ([`Error::KeyMismatch`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::{load_private_key, parse_certificates};
    /// use countersign::crypto::LoadOptions;
    /// use countersign::{CertifiedKey, Error};
    ///
    /// let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &LoadOptions::default())?;
    /// assert!(CertifiedKey::new(chain.clone(), key).is_ok());
    ///
    /// let other = load_private_key(&std::fs::read("testdata/pki/demo-p256.key.pem")?, &LoadOptions::default())?;
    /// assert!(matches!(CertifiedKey::new(chain, other), Err(Error::KeyMismatch { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(cert_chain: Vec<Certificate>, key: Arc<dyn SigningKey>) -> Result<Self> {
        let end_entity = cert_chain.first().ok_or(CredentialError::EmptyChain)?;
        let certified = end_entity.tbs_certificate().subject_public_key_info();
        if !super::credential::public_keys_match(certified, &key.public_key()?) {
            return Err(Error::KeyMismatch {
                subject: end_entity.tbs_certificate().subject().to_string(),
            });
        }
        Ok(Self {
            end_entity: end_entity.clone(),
            certificate_set: CertificateSetDer::new(&cert_chain)?,
            cert_chain,
            key,
        })
    }

    pub(crate) fn certificate_set(&self) -> &CertificateSetDer {
        &self.certificate_set
    }

    /// The signer's own certificate.
    ///
    /// # Examples
    ///
    /// ```
    /// # let key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// let subject = key.end_entity().tbs_certificate().subject().to_string();
    /// assert!(subject.starts_with("CN=Demo Organisation,"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn end_entity(&self) -> &Certificate {
        &self.end_entity
    }

    /// The signer's certificate followed by its issuers.
    ///
    /// # Examples
    ///
    /// ```
    /// # let key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// let chain = key.cert_chain();
    /// assert_eq!(&chain[0], key.end_entity());
    /// let root = chain.last().ok_or("empty chain")?.tbs_certificate();
    /// assert_eq!(root.issuer(), root.subject()); // the demo chain ends with its self-signed root
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cert_chain(&self) -> &[Certificate] {
        &self.cert_chain
    }

    /// The private key of [`Self::end_entity`].
    ///
    /// # Examples
    ///
    /// ```
    /// # let key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// use countersign::{DigestAlgorithm, SignatureScheme};
    ///
    /// let signer = key.key().choose_scheme(DigestAlgorithm::Sha256).ok_or("no SHA-256")?;
    /// assert_eq!(signer.scheme(), SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256));
    /// assert_eq!(&key.key().public_key()?, key.end_entity().tbs_certificate().subject_public_key_info());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key(&self) -> &Arc<dyn SigningKey> {
        &self.key
    }
}
