//! Reading a CMS SignedData: the decoded structures, and the exact bytes the signature and the
//! ESS hash cover (decoding sorts SET OF elements and may re-encode certificates differently).

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{AnyRef, ObjectIdentifier};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Sequence,
    SliceReader, Tag, Writer,
};
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

use super::Content;
use crate::cades::signed_data::{GM_SIGNED_DATA, ID_SIGNED_DATA, embedded_certificates};
use crate::error::{CmsError, Error, Result};
use crate::problem::Problem;

/// A SignedData with what verification needs from it.
pub(super) struct Parsed<'a> {
    /// The SignedData's DER element, without the padding after it.
    pub cms: &'a [u8],
    pub signed_data: SignedData,
    /// The first SignerInfo (the only one verified).
    pub signer_info: SignerInfo,
    /// Its signed attributes as the bytes that were signed.
    pub signed_attributes: Option<Vec<u8>>,
    /// The certificates of the `certificates` field.
    pub embedded: Vec<Certificate>,
}

impl<'a> Parsed<'a> {
    /// Malformed CMS is an error; oddities that do not stop verification go to `problems`.
    pub fn read(cms_der: &'a [u8], expected: Content, problems: &mut Vec<Problem>) -> Result<Self> {
        let cms = first_element(cms_der, problems)?;
        let content_info = ContentInfo::from_der(cms).map_err(|e| cms_error("ContentInfo", e))?;
        // GM/T 0010 names the same structure with its own identifier.
        if ![ID_SIGNED_DATA, GM_SIGNED_DATA].contains(&content_info.content_type) {
            return Err(CmsError::NotSignedData {
                content_type: content_info.content_type,
            }
            .into());
        }
        let signed_data: SignedData = content_info
            .content
            .decode_as()
            .map_err(|e| cms_error("SignedData", e))?;
        let raw = RawSignerInfo::first_in(cms)?;
        let signer_info = SignerInfo::from_der(&raw.der).map_err(|e| cms_error("SignerInfo", e))?;
        if signed_data.signer_infos.0.len() != 1 {
            problems.push(Problem::SignerInfoCount(signed_data.signer_infos.0.len()));
        }
        if expected == Content::Detached && signed_data.encap_content_info.econtent.is_some() {
            problems.push(Problem::EncapsulatedContent);
        }
        let embedded = embedded_certificates(&signed_data);
        Ok(Self {
            cms,
            signed_data,
            signer_info,
            signed_attributes: raw.signed_attributes,
            embedded,
        })
    }
}

/// The first DER element of `bytes`; anything after it must be zero padding.
pub(super) fn first_element<'a>(bytes: &'a [u8], problems: &mut Vec<Problem>) -> Result<&'a [u8]> {
    let mut reader = SliceReader::new(bytes).map_err(|e| cms_error("CMS", e))?;
    AnyRef::decode(&mut reader).map_err(|e| cms_error("CMS", e))?;
    let len = usize::try_from(reader.position()).map_err(|e| cms_error("CMS", e))?;
    let (element, rest) = bytes
        .split_at_checked(len)
        .ok_or(CmsError::LengthBeyondInput)?;
    if rest.iter().any(|&b| b != 0) {
        problems.push(Problem::TrailingBytes);
    }
    Ok(element)
}

/// The first SignerInfo exactly as encoded, and its signed attributes as the bytes that were
/// signed.
struct RawSignerInfo {
    der: Vec<u8>,
    /// The `[0] IMPLICIT` attributes re-tagged as `SET OF` (RFC 5652 §5.4).
    signed_attributes: Option<Vec<u8>>,
}

impl RawSignerInfo {
    fn first_in(cms: &[u8]) -> Result<Self> {
        let signer_infos = SignedDataView::of(cms)?.signer_infos;
        // The first as written: decoding SignerInfos sorts them.
        let signer_info = signer_infos
            .elements()?
            .into_iter()
            .next()
            .ok_or(CmsError::NoSignerInfo)?;
        let der = signer_info
            .to_der()
            .map_err(|e| cms_error("SignerInfo", e))?;
        let view: SignerInfoView<'_> = signer_info
            .decode_as()
            .map_err(|e| cms_error("SignerInfo", e))?;
        let signed_attributes = view
            .signed_attrs
            .map(|set| set.to_der())
            .transpose()
            .map_err(|e| cms_error("signed attributes", e))?;
        Ok(Self {
            der,
            signed_attributes,
        })
    }
}

/// The signer certificate's bytes as embedded: the ESS hash is over the certificate as issued,
/// and decoding then re-encoding need not give those bytes back.
pub(super) fn original_der(cms: &[u8], signer: &Certificate) -> Result<Vec<u8>> {
    if let Some(certificates) = SignedDataView::of(cms)?.certificates {
        for element in certificates.elements()? {
            let der = element.to_der().map_err(|e| cms_error("certificate", e))?;
            if Certificate::from_der(&der).ok().as_ref() == Some(signer) {
                return Ok(der);
            }
        }
    }
    signer
        .to_der()
        .map_err(|e| cms_error("signer certificate", e))
}

// Views of ContentInfo, SignedData and SignerInfo (RFC 5652) that keep bytes as received.
// Verification reads cms's derived types; these only locate the bytes a signature or hash is
// over. Decoding into cms's types sorts every SET OF (der's SetOfVec sorts on decode), so
// re-encoding another signer's signed attributes in non-DER order, or a certificate encoded
// differently, would give other bytes than those signed: a valid signature would fail.

/// `ContentInfo` with its content undecoded.
#[derive(Sequence)]
struct ContentInfoView<'a> {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    content: AnyRef<'a>,
}

/// `SignedData` with the SETs the signature or ESS hash covers kept as received.
#[derive(Sequence)]
struct SignedDataView<'a> {
    version: AnyRef<'a>,
    digest_algorithms: AnyRef<'a>,
    encap_content_info: AnyRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    certificates: Option<SetBytes<'a>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    crls: Option<SetBytes<'a>>,
    signer_infos: SetBytes<'a>,
}

impl<'a> SignedDataView<'a> {
    fn of(cms: &'a [u8]) -> Result<Self> {
        let content_info =
            ContentInfoView::from_der(cms).map_err(|e| cms_error("ContentInfo", e))?;
        content_info
            .content
            .decode_as()
            .map_err(|e| cms_error("SignedData", e))
    }
}

/// `SignerInfo` with its signed attributes kept as received.
#[derive(Sequence)]
struct SignerInfoView<'a> {
    version: AnyRef<'a>,
    sid: AnyRef<'a>,
    digest_algorithm: AnyRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    signed_attrs: Option<SetBytes<'a>>,
    signature_algorithm: AnyRef<'a>,
    signature: AnyRef<'a>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    unsigned_attrs: Option<SetBytes<'a>>,
}

/// The contents of a SET OF (or of an IMPLICIT-tagged one), in the order received.
#[derive(Clone, Copy)]
struct SetBytes<'a>(&'a [u8]);

impl<'a> SetBytes<'a> {
    fn elements(self) -> Result<Vec<AnyRef<'a>>> {
        let mut reader = SliceReader::new(self.0).map_err(|e| cms_error("CMS", e))?;
        let mut elements = Vec::new();
        while !reader.is_finished() {
            elements.push(AnyRef::decode(&mut reader).map_err(|e| cms_error("CMS", e))?);
        }
        Ok(elements)
    }
}

impl FixedTag for SetBytes<'_> {
    const TAG: Tag = Tag::Set;
}

impl<'a> DecodeValue<'a> for SetBytes<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        reader.read_slice(header.length()).map(Self)
    }
}

impl EncodeValue for SetBytes<'_> {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.0)
    }
}

pub(super) fn find_signer<'a>(
    sid: &SignerIdentifier,
    certificates: &'a [Certificate],
) -> Option<&'a Certificate> {
    certificates.iter().find(|certificate| {
        let tbs = certificate.tbs_certificate();
        match sid {
            SignerIdentifier::IssuerAndSerialNumber(id) => {
                tbs.issuer() == &id.issuer && tbs.serial_number() == &id.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => matches!(
                tbs.get_extension::<SubjectKeyIdentifier>(),
                Ok(Some((_, own))) if &own == ski
            ),
        }
    })
}

fn cms_error(what: &'static str, source: der::Error) -> Error {
    Error::Der { what, source }
}

#[cfg(test)]
mod tests {
    use cms::signed_data::SignedAttributes;
    use der::asn1::{Any, OctetString, SetOfVec};
    use x509_cert::attr::Attribute;

    use super::*;
    use crate::cades::signed_attributes::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST};

    fn attribute(oid: ObjectIdentifier, value: Any) -> Vec<u8> {
        Attribute {
            oid,
            values: SetOfVec::try_from(vec![value]).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    /// A SignedData whose one SignerInfo has `signed_attributes` as its `[0]` contents.
    fn signed_data(signed_attributes: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let empty_sequence = AnyRef::new(Tag::Sequence, &[]).unwrap();
        let version = AnyRef::new(Tag::Integer, &[1]).unwrap();
        let signer_info = SignerInfoView {
            version,
            sid: empty_sequence,
            digest_algorithm: empty_sequence,
            signed_attrs: Some(SetBytes(signed_attributes)),
            signature_algorithm: empty_sequence,
            signature: AnyRef::new(Tag::OctetString, &[1, 2]).unwrap(),
            unsigned_attrs: None,
        }
        .to_der()
        .unwrap();
        let signed_data = SignedDataView {
            version,
            digest_algorithms: AnyRef::new(Tag::Set, &[]).unwrap(),
            encap_content_info: empty_sequence,
            certificates: None,
            crls: None,
            signer_infos: SetBytes(&signer_info),
        }
        .to_der()
        .unwrap();
        let content_info = ContentInfoView {
            content_type: ID_SIGNED_DATA,
            content: AnyRef::from_der(&signed_data).unwrap(),
        }
        .to_der()
        .unwrap();
        (content_info, signer_info)
    }

    #[test]
    fn signed_attributes_in_another_order_than_der_are_kept_as_received() {
        let content_type = attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_SIGNED_DATA).unwrap());
        let digest = attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(vec![9u8; 32]).unwrap()).unwrap(),
        );
        // DER sorts a SET OF by encoding: put the larger first.
        let (larger, smaller) = if content_type > digest {
            (content_type, digest)
        } else {
            (digest, content_type)
        };
        let unsorted = [larger, smaller].concat();
        let (cms, signer_info) = signed_data(&unsorted);

        let raw = RawSignerInfo::first_in(&cms).unwrap();
        assert_eq!(raw.der, signer_info);
        let signed = raw.signed_attributes.unwrap();
        assert_eq!(signed[0], 0x31, "re-tagged as SET OF");
        assert!(signed.ends_with(&unsorted));
        // What decoding into cms's types and encoding again would have given instead:
        let re_encoded = SignedAttributes::from_der(&signed)
            .unwrap()
            .to_der()
            .unwrap();
        assert_ne!(re_encoded, signed);
    }

    #[test]
    fn a_signed_data_without_signer_info_is_a_typed_error() {
        let mut cms = signed_data(&[]).0;
        // Shrink signerInfos to an empty SET: rebuild with the view types.
        let view = SignedDataView::of(&cms).unwrap();
        let empty = SignedDataView {
            signer_infos: SetBytes(&[]),
            ..view
        }
        .to_der()
        .unwrap();
        cms = ContentInfoView {
            content_type: ID_SIGNED_DATA,
            content: AnyRef::from_der(&empty).unwrap(),
        }
        .to_der()
        .unwrap();
        assert!(matches!(
            RawSignerInfo::first_in(&cms),
            Err(Error::Cms(CmsError::NoSignerInfo))
        ));
    }

    #[test]
    fn zero_padding_is_accepted_and_other_trailing_bytes_reported() {
        let element = [0x30, 0x03, 0x02, 0x01, 0x05];
        let mut problems = Vec::new();
        let mut padded = element.to_vec();
        padded.extend([0u8; 16]);
        assert_eq!(first_element(&padded, &mut problems).unwrap(), element);
        assert!(problems.is_empty());
        let mut trailing = element.to_vec();
        trailing.push(1);
        assert_eq!(first_element(&trailing, &mut problems).unwrap(), element);
        assert_eq!(problems, [Problem::TrailingBytes]);
        assert!(matches!(
            first_element(&[0x30, 0x05, 0x02], &mut problems),
            Err(Error::Cms(_) | Error::Der { .. })
        ));
    }
}
