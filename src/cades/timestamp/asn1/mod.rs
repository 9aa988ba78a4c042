//! The RFC 3161 structures as derived DER types, one module per ASN.1 type, named after it.
//!
//! The RustCrypto `x509-tsp` crate has the same types, but its only release is on der 0.7 and
//! cms 0.2, an older stack than this crate's. `genTime` has a type of its own ([`GenTime`]):
//! der's GeneralizedTime refuses the fractional seconds TSAs write.

mod accuracy;
mod gen_time;
mod message_imprint;
mod pki_status_info;
mod time_stamp_req;
mod time_stamp_resp;
mod tst_info;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{ObjectIdentifier, OctetString};

pub use self::accuracy::Accuracy;
pub use self::gen_time::GenTime;
pub use self::message_imprint::MessageImprint;
pub use self::pki_status_info::PkiStatusInfo;
pub use self::time_stamp_req::TimeStampReq;
pub use self::time_stamp_resp::TimeStampResp;
pub use self::tst_info::{TST_INFO_V1, TstInfo};
use super::MalformedTimestamp;
use crate::cades::signed_data::ID_SIGNED_DATA;

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

/// The TSTInfo DER a token (a ContentInfo) encapsulates: the bytes its signature covers.
pub fn encapsulated_tst_info(token: &ContentInfo) -> Result<Vec<u8>, MalformedTimestamp> {
    if token.content_type != ID_SIGNED_DATA {
        return Err(MalformedTimestamp::NotSignedData(token.content_type));
    }
    let signed: SignedData = token
        .content
        .decode_as()
        .map_err(MalformedTimestamp::der("timestamp token SignedData"))?;
    let content = signed.encap_content_info;
    if content.econtent_type != ID_CT_TST_INFO {
        return Err(MalformedTimestamp::ContentType(content.econtent_type));
    }
    let econtent = content.econtent.ok_or(MalformedTimestamp::NoTstInfo)?;
    let octets: OctetString = econtent
        .decode_as()
        .map_err(MalformedTimestamp::der("timestamp token eContent"))?;
    Ok(octets.into_bytes().into_vec())
}

#[cfg(test)]
mod tests {
    use der::asn1::Any;
    use der::{Decode, Encode};

    use super::*;

    #[test]
    fn a_token_that_is_not_a_tst_info_is_a_typed_error() {
        let data = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
        let not_signed = ContentInfo {
            content_type: data,
            content: Any::encode_from(&OctetString::new(vec![1u8]).unwrap()).unwrap(),
        };
        assert_eq!(
            encapsulated_tst_info(&not_signed),
            Err(MalformedTimestamp::NotSignedData(data))
        );
        let signed = SignedData {
            version: cms::content_info::CmsVersion::V3,
            digest_algorithms: Default::default(),
            encap_content_info: cms::signed_data::EncapsulatedContentInfo {
                econtent_type: data,
                econtent: None,
            },
            certificates: None,
            crls: None,
            signer_infos: cms::signed_data::SignerInfos(Default::default()),
        };
        let token = |signed: &SignedData| ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: Any::encode_from(signed).unwrap(),
        };
        assert_eq!(
            encapsulated_tst_info(&token(&signed)),
            Err(MalformedTimestamp::ContentType(data))
        );
        let mut without_content = signed.clone();
        without_content.encap_content_info.econtent_type = ID_CT_TST_INFO;
        assert_eq!(
            encapsulated_tst_info(&token(&without_content)),
            Err(MalformedTimestamp::NoTstInfo)
        );
        let mut not_octets = without_content.clone();
        not_octets.encap_content_info.econtent = Some(Any::from_der(&[0x05, 0x00]).unwrap());
        assert!(matches!(
            encapsulated_tst_info(&token(&not_octets)),
            Err(MalformedTimestamp::Der {
                what: "timestamp token eContent",
                ..
            })
        ));
        let mut good = without_content;
        good.encap_content_info.econtent =
            Some(Any::encode_from(&OctetString::new(vec![0x30, 0x00]).unwrap()).unwrap());
        assert_eq!(encapsulated_tst_info(&token(&good)).unwrap(), [0x30, 0x00]);
        assert!(token(&good).to_der().is_ok());
    }
}
