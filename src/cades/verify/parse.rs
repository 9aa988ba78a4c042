//! Reading a CMS SignedData: the decoded structures, and the exact bytes the signature and the
//! ESS hash cover (decoding sorts SET OF elements and may re-encode certificates differently).

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::AnyRef;
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber, Tagged};
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::Certificate;

use super::Content;
use crate::cades::signed_data::{embedded_certificates, ID_SIGNED_DATA};
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
        if content_info.content_type != ID_SIGNED_DATA {
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
/// signed. Decoding sorts SET OF elements, so the signed bytes must come from the input itself.
struct RawSignerInfo {
    der: Vec<u8>,
    /// The `[0] IMPLICIT` attributes re-tagged as `SET OF` (RFC 5652 §5.4).
    signed_attributes: Option<Vec<u8>>,
}

impl RawSignerInfo {
    fn first_in(cms: &[u8]) -> Result<Self> {
        let content_info = AnyRef::from_der(cms).map_err(|e| cms_error("ContentInfo", e))?;
        let explicit_content = children(content_info)?
            .get(1)
            .copied()
            .ok_or(CmsError::NoContent)?;
        let signed_data = children(explicit_content)?
            .first()
            .copied()
            .ok_or(CmsError::NoContent)?;
        // signerInfos is the last field of SignedData.
        let signer_infos = children(signed_data)?
            .last()
            .copied()
            .ok_or(CmsError::EmptySignedData)?;
        let signer_info = children(signer_infos)?
            .first()
            .copied()
            .ok_or(CmsError::NoSignerInfo)?;
        let der = signer_info
            .to_der()
            .map_err(|e| cms_error("SignerInfo", e))?;
        let signed_tag = Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(0),
        };
        let signed_attributes = match children(signer_info)?.get(3) {
            Some(field) if field.tag() == signed_tag => Some(
                AnyRef::new(Tag::Set, field.value())
                    .and_then(|set| set.to_der())
                    .map_err(|e| cms_error("signed attributes", e))?,
            ),
            _ => None,
        };
        Ok(Self {
            der,
            signed_attributes,
        })
    }
}

/// The signer certificate's bytes as embedded: the ESS hash is over the certificate as issued,
/// and decoding then re-encoding need not give those bytes back.
pub(super) fn original_der(cms: &[u8], signer: &Certificate) -> Result<Vec<u8>> {
    let content_info = AnyRef::from_der(cms).map_err(|e| cms_error("ContentInfo", e))?;
    let explicit_content = children(content_info)?.get(1).copied();
    let signed_data = match explicit_content {
        Some(content) => children(content)?.first().copied(),
        None => None,
    };
    let certificates_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    if let Some(signed_data) = signed_data {
        for field in children(signed_data)? {
            if field.tag() != certificates_tag {
                continue;
            }
            let set =
                AnyRef::new(Tag::Set, field.value()).map_err(|e| cms_error("certificates", e))?;
            for element in children(set)? {
                let der = element.to_der().map_err(|e| cms_error("certificate", e))?;
                if Certificate::from_der(&der).ok().as_ref() == Some(signer) {
                    return Ok(der);
                }
            }
        }
    }
    signer
        .to_der()
        .map_err(|e| cms_error("signer certificate", e))
}

fn children(parent: AnyRef<'_>) -> Result<Vec<AnyRef<'_>>> {
    let mut reader = SliceReader::new(parent.value()).map_err(|e| cms_error("CMS", e))?;
    let mut elements = Vec::new();
    while !reader.is_finished() {
        elements.push(AnyRef::decode(&mut reader).map_err(|e| cms_error("CMS", e))?);
    }
    Ok(elements)
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
    use super::*;

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
