//! The RFC 3161 structures, as derived DER types where the derive fits and read field by field
//! where real TSAs vary (fractional genTime, optional fields we skip).
//!
//! ```text
//! TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
//!     reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL, certReq BOOLEAN DEFAULT FALSE,
//!     extensions [0] IMPLICIT Extensions OPTIONAL }
//! TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
//! TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber INTEGER,
//!     genTime GeneralizedTime, accuracy Accuracy OPTIONAL, ordering BOOLEAN DEFAULT FALSE,
//!     nonce INTEGER OPTIONAL, tsa [0] GeneralName OPTIONAL, extensions [1] IMPLICIT OPTIONAL }
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cms::content_info::ContentInfo;
use der::asn1::{Any, AnyRef, BitString, GeneralizedTime, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, Sequence, SliceReader, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;

/// Object identifiers (a TSA policy, say), re-exported for callers without a `der` dependency.
pub use der::asn1::ObjectIdentifier as Oid;

/// `id-ct-TSTInfo` (RFC 3161 §2.4.2): the eContentType of a timestamp token.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// `id-aa-signatureTimeStampToken` (RFC 3161 Appendix A): the unsigned attribute of B-T.
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// `id-kp-timeStamping` (RFC 5280 §4.2.1.12).
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct MessageImprint {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub hashed_message: OctetString,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampReq {
    pub version: u8,
    pub message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    pub req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    pub nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "IMPLICIT")]
    pub extensions: Option<Vec<Any>>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo {
    /// 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning,
    /// 5 revocationNotification.
    pub status: u8,
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp {
    pub status: PkiStatusInfo,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<ContentInfo>,
}

/// What a verifier needs from a TSTInfo; everything else is skipped when read.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TstInfo {
    pub policy: ObjectIdentifier,
    pub message_imprint: MessageImprint,
    pub serial_number: Int,
    /// Whole seconds (a fraction, when the TSA writes one, is dropped).
    pub gen_time: SystemTime,
    pub nonce: Option<Int>,
}

/// The fields a TSA writes, in order, for encoding.
#[derive(Sequence)]
struct TstInfoOut {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: GeneralizedTime,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
}

impl TstInfo {
    pub fn to_der(&self) -> der::Result<Vec<u8>> {
        let seconds = self
            .gen_time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| der::Error::from(der::ErrorKind::DateTime))?;
        TstInfoOut {
            version: 1,
            policy: self.policy,
            message_imprint: self.message_imprint.clone(),
            serial_number: self.serial_number.clone(),
            gen_time: GeneralizedTime::from_unix_duration(Duration::from_secs(seconds.as_secs()))?,
            nonce: self.nonce.clone(),
        }
        .to_der()
    }

    pub fn from_der(bytes: &[u8]) -> Result<Self, String> {
        let outer = AnyRef::from_der(bytes).map_err(|e| format!("TSTInfo: {e}"))?;
        if outer.tag() != Tag::Sequence {
            return Err("TSTInfo is not a SEQUENCE".into());
        }
        let mut reader = SliceReader::new(outer.value()).map_err(|e| format!("TSTInfo: {e}"))?;
        let field = |e: der::Error| format!("TSTInfo: {e}");
        let version = u8::decode(&mut reader).map_err(field)?;
        if version != 1 {
            return Err(format!("TSTInfo version {version} is not 1"));
        }
        let policy = ObjectIdentifier::decode(&mut reader).map_err(field)?;
        let message_imprint = MessageImprint::decode(&mut reader).map_err(field)?;
        let serial_number = Int::decode(&mut reader).map_err(field)?;
        let gen_time_any = AnyRef::decode(&mut reader).map_err(field)?;
        if gen_time_any.tag() != Tag::GeneralizedTime {
            return Err("TSTInfo genTime is not a GeneralizedTime".into());
        }
        let gen_time = parse_generalized_time(gen_time_any.value())
            .ok_or("TSTInfo genTime is not YYYYMMDDHHMMSS[.f]Z")?;
        let mut nonce = None;
        while !reader.is_finished() {
            let next = AnyRef::decode(&mut reader).map_err(field)?;
            if next.tag() == Tag::Integer {
                nonce = Some(Int::try_from(next).map_err(field)?);
            }
        }
        Ok(Self {
            policy,
            message_imprint,
            serial_number,
            gen_time,
            nonce,
        })
    }
}

/// `YYYYMMDDHHMMSS[.fff]Z` (RFC 3161 §2.4.2 allows a fraction, which DER time types refuse).
fn parse_generalized_time(text: &[u8]) -> Option<SystemTime> {
    let text = std::str::from_utf8(text).ok()?;
    let body = text.strip_suffix('Z')?;
    let whole = body.split('.').next()?;
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| whole.get(range)?.parse::<u16>().ok();
    let date = der::DateTime::new(
        number(0..4)?,
        u8::try_from(number(4..6)?).ok()?,
        u8::try_from(number(6..8)?).ok()?,
        u8::try_from(number(8..10)?).ok()?,
        u8::try_from(number(10..12)?).ok()?,
        u8::try_from(number(12..14)?).ok()?,
    )
    .ok()?;
    UNIX_EPOCH.checked_add(date.unix_duration())
}

/// The TSTInfo DER a token encapsulates.
pub fn encapsulated_tst_info(token: &ContentInfo) -> Result<Vec<u8>, String> {
    let signed: cms::signed_data::SignedData = token
        .content
        .decode_as()
        .map_err(|e| format!("timestamp token SignedData: {e}"))?;
    if signed.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(format!(
            "the token's eContentType is {}, not id-ct-TSTInfo",
            signed.encap_content_info.econtent_type
        ));
    }
    let econtent = signed
        .encap_content_info
        .econtent
        .ok_or("the timestamp token has no encapsulated TSTInfo")?;
    if econtent.tag() != Tag::OctetString {
        return Err("the timestamp token's eContent is not an OCTET STRING".into());
    }
    Ok(econtent.value().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_time_with_fraction() {
        let t = parse_generalized_time(b"20260102030405.123Z").unwrap();
        let plain = parse_generalized_time(b"20260102030405Z").unwrap();
        assert_eq!(t, plain);
        assert!(parse_generalized_time(b"2026010203040Z").is_none());
        assert!(parse_generalized_time(b"20260102030405").is_none());
    }

    #[test]
    fn tst_info_round_trip() {
        let info = TstInfo {
            policy: ObjectIdentifier::new_unwrap("1.2.3.4"),
            message_imprint: MessageImprint {
                hash_algorithm: crate::crypto::DigestAlgorithm::Sha256.algorithm_identifier(),
                hashed_message: OctetString::new(vec![7u8; 32]).unwrap(),
            },
            serial_number: Int::new(&[1, 2, 3]).unwrap(),
            gen_time: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            nonce: Some(Int::new(&[0x11, 0x22]).unwrap()),
        };
        let der = info.to_der().unwrap();
        assert_eq!(TstInfo::from_der(&der).unwrap(), info);
    }
}
