//! Digest algorithms offered for the document digest and the signed attributes.

use sha2::Digest;

/// A digest algorithm for the document digest, the signed attributes and the signature.
///
/// # Examples
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_pdf, verify_pdf, DigestAlgorithm, SignOptions, VerifyOptions};
///
/// let mut options = SignOptions::default();
/// assert_eq!(options.digest, DigestAlgorithm::Sha256);
/// options.digest = DigestAlgorithm::Sha512;
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &options)?;
/// let report = verify_pdf(&signed, &VerifyOptions::default())?;
/// assert_eq!(report.signatures[0].signature_algorithm, "SHA512withRSA");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-256 (the default).
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SM3 (GB/T 32905), the digest of SM2 signatures: a key on the SM2 curve always signs
    /// with it, whatever [`SignOptions::digest`](crate::SignOptions::digest) asks.
    Sm3,
}

impl DigestAlgorithm {
    /// Length of the digest in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::DigestAlgorithm;
    ///
    /// assert_eq!(DigestAlgorithm::Sha256.output_len(), 32);
    /// assert_eq!(DigestAlgorithm::Sha384.output_len(), 48);
    /// assert_eq!(DigestAlgorithm::Sm3.output_len(), 32);
    /// assert_eq!(DigestAlgorithm::Sha512.digest_chunks(&[b"abc"]).len(), DigestAlgorithm::Sha512.output_len());
    /// ```
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
            Self::Sm3 => 32,
        }
    }

    /// The digest of the concatenation of `chunks`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::DigestAlgorithm;
    ///
    /// let whole = DigestAlgorithm::Sha256.digest_chunks(&[b"abc"]);
    /// assert_eq!(whole, DigestAlgorithm::Sha256.digest_chunks(&[b"a", b"", b"bc"]));
    /// assert_eq!(whole[..4], [0xba, 0x78, 0x16, 0xbf]); // SHA-256("abc") (FIPS 180-2)
    /// let sm3 = DigestAlgorithm::Sm3.digest_chunks(&[b"abc"]);
    /// assert_eq!(sm3[..4], [0x66, 0xc7, 0xf0, 0xf4]); // SM3("abc") (GB/T 32905, example 1)
    /// ```
    pub fn digest_chunks(self, chunks: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(chunks: &[&[u8]]) -> Vec<u8> {
            let mut hasher = D::new();
            for chunk in chunks {
                hasher.update(chunk);
            }
            hasher.finalize().to_vec()
        }
        match self {
            Self::Sha256 => run::<sha2::Sha256>(chunks),
            Self::Sha384 => run::<sha2::Sha384>(chunks),
            Self::Sha512 => run::<sha2::Sha512>(chunks),
            Self::Sm3 => run::<sm3::Sm3>(chunks),
        }
    }
}

/// A digest computed over data that arrives in pieces (a file hashed as it is read).
#[derive(Clone, Debug)]
pub(crate) struct DigestState(Hasher);

#[derive(Clone, Debug)]
enum Hasher {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
    Sm3(sm3::Sm3),
}

impl DigestAlgorithm {
    /// An empty incremental digest.
    pub(crate) fn start(self) -> DigestState {
        DigestState(match self {
            Self::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Self::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            Self::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
            Self::Sm3 => Hasher::Sm3(sm3::Sm3::new()),
        })
    }
}

impl DigestState {
    pub(crate) fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
            Hasher::Sm3(h) => h.update(data),
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        match self.0 {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
            Hasher::Sm3(h) => h.finalize().to_vec(),
        }
    }
}
