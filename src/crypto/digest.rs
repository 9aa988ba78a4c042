//! Digest algorithms offered for the document digest and the signed attributes.

use sha2::Digest;

/// A digest algorithm for the document digest, the signed attributes and the signature.
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
}

impl DigestAlgorithm {
    /// Length of the digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The digest of the concatenation of `chunks`.
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
}

impl DigestAlgorithm {
    /// An empty incremental digest.
    pub(crate) fn start(self) -> DigestState {
        DigestState(match self {
            Self::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Self::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            Self::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        })
    }
}

impl DigestState {
    pub(crate) fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        match self.0 {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}
