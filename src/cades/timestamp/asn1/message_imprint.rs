//! `MessageImprint` (RFC 3161 §2.4.1): the digest a timestamp is over.
//!
//! ```text
//! MessageImprint ::= SEQUENCE {
//!     hashAlgorithm   AlgorithmIdentifier,
//!     hashedMessage   OCTET STRING }
//! ```

use der::Sequence;
use der::asn1::OctetString;
use spki::AlgorithmIdentifierOwned;

/// The digest algorithm and the digest of the timestamped data.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct MessageImprint {
    /// `hashAlgorithm`.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// `hashedMessage`.
    pub hashed_message: OctetString,
}
