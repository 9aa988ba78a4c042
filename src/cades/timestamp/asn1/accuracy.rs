//! `Accuracy` (RFC 3161 §2.4.2): how far genTime may be from the true time.
//!
//! ```text
//! Accuracy ::= SEQUENCE {
//!     seconds  INTEGER            OPTIONAL,
//!     millis   [0] INTEGER (1..999) OPTIONAL,
//!     micros   [1] INTEGER (1..999) OPTIONAL }
//! ```
//!
//! The module is `IMPLICIT TAGS`: `[0]` and `[1]` replace the INTEGER tag.

use der::Sequence;

/// The deviation of genTime; absent parts are zero.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, Sequence)]
pub struct Accuracy {
    /// `seconds`.
    #[asn1(optional = "true")]
    pub seconds: Option<u64>,
    /// `millis`.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    /// `micros`.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}
