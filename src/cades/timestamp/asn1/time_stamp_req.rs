//! `TimeStampReq` (RFC 3161 §2.4.1): what a client sends to a TSA.
//!
//! ```text
//! TimeStampReq ::= SEQUENCE {
//!     version         INTEGER { v1(1) },
//!     messageImprint  MessageImprint,
//!     reqPolicy       TSAPolicyId OPTIONAL,
//!     nonce           INTEGER OPTIONAL,
//!     certReq         BOOLEAN DEFAULT FALSE,
//!     extensions      [0] IMPLICIT Extensions OPTIONAL }
//! ```

use der::Sequence;
use der::asn1::{Int, ObjectIdentifier};
use x509_cert::ext::Extensions;

use super::MessageImprint;

/// A timestamp request.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampReq {
    /// `version`: 1.
    pub version: u8,
    /// `messageImprint`.
    pub message_imprint: MessageImprint,
    /// `reqPolicy`: the TSA policy asked for.
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    /// `nonce`: repeated in the token, so that an old answer cannot be replayed.
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// `certReq`: the TSA certificate is to be included in the token.
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
    /// `extensions`.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "IMPLICIT")]
    pub extensions: Option<Extensions>,
}
