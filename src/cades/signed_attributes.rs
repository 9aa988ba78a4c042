//! The signed attributes of a CAdES/PAdES SignerInfo (RFC 5652 §11, ETSI EN 319 122-1 §5.2):
//! content-type, message-digest, ESS signing-certificate-v2 and, only when asked, signing-time
//! (PAdES forbids it, the signing time lives in the signature dictionary's `/M`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cms::signed_data::SignedAttributes;
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

use super::signing_certificate_v2::{ID_AA_SIGNING_CERTIFICATE_V2, SigningCertificateV2};
use crate::crypto::DigestAlgorithm;
use crate::error::{CmsError, Error, Result};

pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// `id-signingTime` (RFC 5652 §11.3).
pub const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

/// The attributes for content of type `content_type` (id-data for a PDF signature,
/// id-ct-TSTInfo for a timestamp token) whose digest is `content_digest`.
pub fn build_for(
    content_type: ObjectIdentifier,
    document_digest: &[u8],
    signer_certificate: &Certificate,
    signing_time: Option<SystemTime>,
) -> Result<SignedAttributes> {
    let mut attributes = vec![
        attribute(ID_CONTENT_TYPE, &content_type)?,
        attribute(
            ID_MESSAGE_DIGEST,
            &OctetString::new(document_digest).map_err(cms_error)?,
        )?,
        attribute(
            ID_AA_SIGNING_CERTIFICATE_V2,
            &SigningCertificateV2::for_certificate(
                signer_certificate,
                signer_certificate_hash(signer_certificate),
            )?,
        )?,
    ];
    if let Some(time) = signing_time {
        attributes.push(attribute(ID_SIGNING_TIME, &asn1_time(time)?)?);
    }
    // SetOfVec sorts into DER order, which is what gets signed (RFC 5652 §5.4).
    SetOfVec::try_from(attributes).map_err(cms_error)
}

/// SM3 for an SM2 signer (GB/T 35275 keeps SM2 signatures within SM3), SHA-256 otherwise
/// (the ESSCertIDv2 default, what every PAdES verifier reads).
fn signer_certificate_hash(signer_certificate: &Certificate) -> DigestAlgorithm {
    if crate::crypto::is_sm2_key(
        signer_certificate
            .tbs_certificate()
            .subject_public_key_info(),
    ) {
        DigestAlgorithm::Sm3
    } else {
        DigestAlgorithm::Sha256
    }
}

/// The bytes the signature covers: the attributes encoded as an explicit `SET OF` (RFC 5652 §5.4),
/// not with the `[0] IMPLICIT` tag they carry inside the SignerInfo.
pub fn signed_bytes(attributes: &SignedAttributes) -> Result<Vec<u8>> {
    attributes.to_der().map_err(cms_error)
}

/// The single value of the attribute `oid`, decoded as `T`; `Ok(None)` when absent.
pub fn single_value<T: for<'b> Decode<'b, Error = der::Error>>(
    attributes: &SignedAttributes,
    oid: ObjectIdentifier,
) -> Result<Option<T>> {
    let mut matching = attributes.iter().filter(|a| a.oid == oid);
    let Some(found) = matching.next() else {
        return Ok(None);
    };
    if matching.next().is_some() {
        return Err(CmsError::DuplicateAttribute { oid }.into());
    }
    let mut values = found.values.iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(CmsError::AttributeValues { oid }.into());
    };
    let der = value.to_der().map_err(cms_error)?;
    T::from_der(&der)
        .map(Some)
        .map_err(Error::der("a signed attribute's value"))
}

fn attribute(oid: ObjectIdentifier, value: &impl Encode) -> Result<Attribute> {
    let value = Any::from_der(&value.to_der().map_err(cms_error)?).map_err(cms_error)?;
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(cms_error)?,
    })
}

/// UTCTime up to 2049, GeneralizedTime after (RFC 5652 §11.3); whole seconds only.
fn asn1_time(time: SystemTime) -> Result<Time> {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Error::invalid_option("signing_time", "before 1970"))?
        .as_secs();
    let whole_seconds = UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))
        .ok_or_else(|| Error::invalid_option("signing_time", "out of range"))?;
    Time::try_from(whole_seconds)
        .map_err(|e| Error::invalid_option("signing_time", format!("out of range: {e}")))
}

fn cms_error(source: der::Error) -> Error {
    Error::Der {
        what: "signed attributes",
        source,
    }
}
