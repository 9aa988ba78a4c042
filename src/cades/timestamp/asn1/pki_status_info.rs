//! `PKIStatusInfo` (RFC 3161 §2.4.2, from RFC 4210): whether the TSA granted the request.
//!
//! ```text
//! PKIStatusInfo ::= SEQUENCE {
//!     status        PKIStatus,
//!     statusString  PKIFreeText     OPTIONAL,
//!     failInfo      PKIFailureInfo  OPTIONAL }
//! PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String
//! ```

use der::Sequence;
use der::asn1::BitString;

/// The status of a TSA's answer.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo {
    /// 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning,
    /// 5 revocationNotification.
    pub status: u8,
    /// `statusString`: the TSA's explanation.
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<String>>,
    /// `failInfo`: badAlg(0), badRequest(2), badDataFormat(5)...
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

impl PkiStatusInfo {
    /// `granted`, without text.
    pub fn granted() -> Self {
        Self {
            status: 0,
            status_string: None,
            fail_info: None,
        }
    }

    /// `rejection` with `text` as statusString.
    pub fn rejection(text: &str) -> Self {
        Self {
            status: 2,
            status_string: Some(vec![text.to_owned()]),
            fail_info: None,
        }
    }
}
