//! Why a timestamp token or a TSA's answer could not be read.

use der::asn1::ObjectIdentifier;

/// A TimeStampResp or timestamp token that does not have the RFC 3161 structure: the reason
/// inside [`TimestampProblem::Malformed`](crate::TimestampProblem::Malformed).
///
/// # Examples
///
/// A TSA that answers with something other than a TimeStampResp, or grants without a token:
///
/// ```
/// use countersign::error::MalformedTimestamp;
/// use countersign::timestamp::TimestampRequest;
/// use countersign::{DigestAlgorithm, Error, TimestampProblem};
///
/// let request = TimestampRequest::new(DigestAlgorithm::Sha256, &[0x5a; 32], &[1, 2, 3, 4])?;
/// let error = request.check_response(b"<html>busy</html>", &[]).unwrap_err();
/// let Error::Timestamp(TimestampProblem::Malformed(reason)) = &error else {
///     panic!("{error:?}");
/// };
/// assert!(matches!(reason, MalformedTimestamp::Der { what: "TimeStampResp", .. }));
/// // The decoder's own error is the source.
/// assert!(std::error::Error::source(reason).is_some());
///
/// // status granted (0), no timeStampToken
/// let granted_without_token = [0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00];
/// let error = request.check_response(&granted_without_token, &[]).unwrap_err();
/// assert!(matches!(
///     error,
///     Error::Timestamp(TimestampProblem::Malformed(MalformedTimestamp::NoToken))
/// ));
/// # Ok::<(), countersign::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedTimestamp {
    /// A structure does not decode: `what` names it (`TimeStampResp`, `TSTInfo`...).
    #[error("cannot decode the {what}")]
    Der {
        /// The structure.
        what: &'static str,
        /// The DER decoder's error.
        #[source]
        source: der::Error,
    },
    /// The TSA granted the request but sent no timeStampToken.
    #[error("the TSA granted the request without a token")]
    NoToken,
    /// The token's ContentInfo is not signedData.
    #[error("the token's content type is {0}, not signedData")]
    NotSignedData(ObjectIdentifier),
    /// The token's eContentType is not id-ct-TSTInfo.
    #[error("the token's eContentType is {0}, not id-ct-TSTInfo")]
    ContentType(ObjectIdentifier),
    /// The token's SignedData encapsulates no content (a detached signature).
    #[error("the token encapsulates no TSTInfo")]
    NoTstInfo,
    /// The TSTInfo's version is not v1, the only one RFC 3161 defines.
    #[error("TSTInfo version {0} is not 1")]
    Version(u8),
}

impl MalformedTimestamp {
    /// A `map_err` adapter for the DER codec: `.map_err(MalformedTimestamp::der("TSTInfo"))`.
    pub(crate) fn der(what: &'static str) -> impl FnOnce(der::Error) -> Self {
        move |source| Self::Der { what, source }
    }
}

#[cfg(test)]
mod tests {
    use der::Decode;

    use super::*;
    use crate::error::{Error, TimestampProblem, with_causes};

    #[test]
    fn the_chain_from_the_error_reaches_the_decoder_error() {
        let decoder = crate::cades::timestamp::asn1::TstInfo::from_der(&[0x30, 0x01]).unwrap_err();
        let error = Error::Timestamp(TimestampProblem::Malformed(MalformedTimestamp::Der {
            what: "TSTInfo",
            source: decoder,
        }));
        assert_eq!(
            with_causes(&error),
            format!("timestamp refused: cannot decode the TSTInfo: {decoder}")
        );
        let version = Error::Timestamp(TimestampProblem::Malformed(MalformedTimestamp::Version(3)));
        assert_eq!(
            with_causes(&version),
            "timestamp refused: TSTInfo version 3 is not 1"
        );
    }
}
