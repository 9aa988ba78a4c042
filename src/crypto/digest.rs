//! Digest algorithms offered for the document digest and the signed attributes.

use sha2::Digest;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    #[default]
    Sha256,
    Sha384,
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
