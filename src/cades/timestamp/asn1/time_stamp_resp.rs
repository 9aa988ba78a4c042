//! `TimeStampResp` (RFC 3161 §2.4.2): a TSA's answer.
//!
//! ```text
//! TimeStampResp ::= SEQUENCE {
//!     status          PKIStatusInfo,
//!     timeStampToken  TimeStampToken OPTIONAL }
//! TimeStampToken ::= ContentInfo   -- SignedData over a TSTInfo
//! ```

use cms::content_info::ContentInfo;
use der::Sequence;

use super::PkiStatusInfo;

/// A TSA's answer: a status and, when granted, the token.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp {
    /// `status`.
    pub status: PkiStatusInfo,
    /// `timeStampToken`.
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<ContentInfo>,
}
