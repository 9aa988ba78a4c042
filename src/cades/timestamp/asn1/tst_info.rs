//! `TSTInfo` (RFC 3161 §2.4.2): what a timestamp token's signature covers.
//!
//! ```text
//! TSTInfo ::= SEQUENCE {
//!     version         INTEGER { v1(1) },
//!     policy          TSAPolicyId,
//!     messageImprint  MessageImprint,
//!     serialNumber    INTEGER,
//!     genTime         GeneralizedTime,
//!     accuracy        Accuracy OPTIONAL,
//!     ordering        BOOLEAN DEFAULT FALSE,
//!     nonce           INTEGER OPTIONAL,
//!     tsa             [0] GeneralName OPTIONAL,
//!     extensions      [1] IMPLICIT Extensions OPTIONAL }
//! ```
//!
//! `tsa` is tagged EXPLICIT although the module is `IMPLICIT TAGS`: GeneralName is a CHOICE,
//! whose own tag must stay visible (X.680 §31.2.7).

use der::asn1::{Int, ObjectIdentifier};
use der::{Decode, Sequence};
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::name::GeneralName;

use super::{Accuracy, GenTime, MessageImprint};
use crate::cades::timestamp::MalformedTimestamp;

/// The one `version` RFC 3161 defines.
pub const TST_INFO_V1: u8 = 1;

/// The content of a timestamp token, every field of RFC 3161 §2.4.2.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TstInfo {
    /// `version`: [`TST_INFO_V1`].
    pub version: u8,
    /// `policy`: the TSA policy the token was issued under.
    pub policy: ObjectIdentifier,
    /// `messageImprint`: the digest of the timestamped data.
    pub message_imprint: MessageImprint,
    /// `serialNumber`: unique per token of the TSA.
    pub serial_number: Int,
    /// `genTime`, fraction included.
    pub gen_time: GenTime,
    /// `accuracy`.
    #[asn1(optional = "true")]
    pub accuracy: Option<Accuracy>,
    /// `ordering`: tokens of this TSA can be ordered by genTime alone.
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    /// `nonce`: the request's, repeated.
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    /// `tsa`: a name of the TSA.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    /// `extensions`.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

impl TstInfo {
    /// Decodes a TSTInfo and checks what the structure alone cannot: the version.
    pub fn read(der: &[u8]) -> Result<Self, MalformedTimestamp> {
        let info = Self::from_der(der).map_err(MalformedTimestamp::der("TSTInfo"))?;
        if info.version != TST_INFO_V1 {
            return Err(MalformedTimestamp::Version(info.version));
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use der::Encode;
    use der::asn1::{Ia5String, OctetString};
    use x509_cert::ext::Extension;

    use super::*;

    fn imprint() -> MessageImprint {
        MessageImprint {
            hash_algorithm: crate::crypto::DigestAlgorithm::Sha256.algorithm_identifier(),
            hashed_message: OctetString::new(vec![7u8; 32]).unwrap(),
        }
    }

    fn minimal() -> TstInfo {
        TstInfo {
            version: TST_INFO_V1,
            policy: ObjectIdentifier::new_unwrap("1.2.3.4"),
            message_imprint: imprint(),
            serial_number: Int::new(&[1, 2, 3]).unwrap(),
            gen_time: GenTime::from_system_time(
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            )
            .unwrap(),
            accuracy: None,
            ordering: false,
            nonce: None,
            tsa: None,
            extensions: None,
        }
    }

    #[test]
    fn minimal_round_trip() {
        let info = minimal();
        let der = info.to_der().unwrap();
        assert_eq!(TstInfo::read(&der).unwrap(), info);
        // ordering FALSE is the DEFAULT: DER leaves it out.
        assert!(!der.windows(3).any(|w| w == [0x01, 0x01, 0x00]));
    }

    #[test]
    fn every_optional_field_round_trips() {
        let info = TstInfo {
            gen_time: GenTime::from_system_time(
                SystemTime::UNIX_EPOCH + Duration::new(1_800_000_000, 250_000_000),
            )
            .unwrap(),
            accuracy: Some(Accuracy {
                seconds: Some(1),
                millis: Some(500),
                micros: Some(7),
            }),
            ordering: true,
            nonce: Some(Int::new(&[0x11, 0x22]).unwrap()),
            tsa: Some(GeneralName::UniformResourceIdentifier(
                Ia5String::new("https://tsa.example.com").unwrap(),
            )),
            extensions: Some(vec![Extension {
                extn_id: ObjectIdentifier::new_unwrap("1.2.3.4.5"),
                critical: false,
                extn_value: OctetString::new(vec![0x05, 0x00]).unwrap(),
            }]),
            ..minimal()
        };
        let der = info.to_der().unwrap();
        let read = TstInfo::read(&der).unwrap();
        assert_eq!(read, info);
        assert_eq!(read.to_der().unwrap(), der);
        // The tagging RFC 3161 prescribes: millis [0] and micros [1] IMPLICIT, tsa [0]
        // EXPLICIT around the GeneralName's own [6], extensions [1] IMPLICIT.
        let contains = |needle: &[u8]| der.windows(needle.len()).any(|w| w == needle);
        assert!(contains(&[
            0x30, 0x0a, 0x02, 0x01, 0x01, 0x80, 0x02, 0x01, 0xf4, 0x81, 0x01, 0x07
        ]));
        assert!(contains(&[0xa0, 0x19, 0x86, 0x17]));
        assert!(contains(&[0xa1, 0x0c, 0x30, 0x0a, 0x06, 0x04]));
        assert!(contains(b"20270115080000.25Z"));
    }

    #[test]
    fn an_explicit_default_ordering_is_read() {
        // Some TSAs write `ordering FALSE` although DER omits defaults.
        let der = minimal().to_der().unwrap();
        let gen_time_end = der.windows(2).position(|w| w == b"0Z").unwrap() + 2;
        let mut body = der[2..gen_time_end].to_vec();
        body.extend([0x01, 0x01, 0x00]);
        body.extend(&der[gen_time_end..]);
        let mut with_default = vec![0x30, u8::try_from(body.len()).unwrap()];
        with_default.extend(body);
        assert_eq!(TstInfo::read(&with_default).unwrap(), minimal());
    }

    #[test]
    fn another_version_is_a_typed_error() {
        let der = TstInfo {
            version: 2,
            ..minimal()
        }
        .to_der()
        .unwrap();
        assert_eq!(TstInfo::read(&der), Err(MalformedTimestamp::Version(2)));
        let truncated = &minimal().to_der().unwrap()[..20];
        assert!(matches!(
            TstInfo::read(truncated),
            Err(MalformedTimestamp::Der {
                what: "TSTInfo",
                ..
            })
        ));
    }

    #[test]
    fn the_hand_made_fuzz_seeds_read_as_meant() {
        let seed =
            |name: &str| std::fs::read(format!("tests/fuzz_regressions/tst_info/{name}")).unwrap();
        let every = TstInfo::read(&seed("every-optional-field")).unwrap();
        assert!(every.accuracy.is_some() && every.ordering && every.nonce.is_some());
        assert!(every.tsa.is_some() && every.extensions.is_some());
        assert_eq!(every.to_der().unwrap(), seed("every-optional-field"));
        let zeros = TstInfo::read(&seed("gen-time-fraction-with-trailing-zeros")).unwrap();
        assert!(zeros.to_der().unwrap().windows(3).any(|w| w == b".12"));
        let default = TstInfo::read(&seed("explicit-default-ordering-false")).unwrap();
        assert!(!default.ordering);
        assert!(TstInfo::read(&seed("gen-time-nanoseconds")).is_ok());
        assert_eq!(
            TstInfo::read(&seed("version-2")),
            Err(MalformedTimestamp::Version(2))
        );
    }
}
