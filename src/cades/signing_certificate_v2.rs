//! ESS `SigningCertificateV2` (RFC 5035 §3): binds the signature to the signer's certificate.
//! PAdES (ETSI EN 319 142-1 §6.3) requires it; pyHanko checks it, OpenSSL ignores it.
//!
//! ```text
//! SigningCertificateV2 ::= SEQUENCE {
//!     certs    SEQUENCE OF ESSCertIDv2,
//!     policies SEQUENCE OF PolicyInformation OPTIONAL }
//! ESSCertIDv2 ::= SEQUENCE {
//!     hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
//!     certHash      Hash,
//!     issuerSerial  IssuerSerial OPTIONAL }
//! IssuerSerial ::= SEQUENCE {
//!     issuer       GeneralNames,
//!     serialNumber CertificateSerialNumber }
//! ```

use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;

use crate::crypto::DigestAlgorithm;
use crate::error::{Error, Result};

/// `id-aa-signingCertificateV2` (RFC 5035).
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// The ESS signing-certificate-v2 attribute value (RFC 5035).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    /// The signer certificate first.
    pub certs: Vec<EssCertIdV2>,
    /// Kept opaque: we never write policies and only need to skip them when reading.
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    /// `None` is the DEFAULT, SHA-256; DER requires omitting a default value, so SHA-256 is
    /// always written as `None`.
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    pub issuer: GeneralNames,
    pub serial_number: SerialNumber,
}

impl SigningCertificateV2 {
    /// One ESSCertIDv2 for `certificate`: the `hash` of its DER plus its issuer and serial
    /// number.
    pub fn for_certificate(certificate: &Certificate, hash: DigestAlgorithm) -> Result<Self> {
        let der = certificate
            .to_der()
            .map_err(Error::der("the signer certificate"))?;
        let digest = hash.digest_chunks(&[&der]);
        let tbs = certificate.tbs_certificate();
        let id = EssCertIdV2 {
            // DER omits the DEFAULT (SHA-256).
            hash_algorithm: (hash != DigestAlgorithm::Sha256).then(|| hash.algorithm_identifier()),
            cert_hash: OctetString::new(digest).map_err(Error::der("the certificate hash"))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer().clone())],
                serial_number: tbs.serial_number().clone(),
            }),
        };
        Ok(Self {
            certs: vec![id],
            policies: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use der::Decode;

    use super::*;

    #[test]
    fn default_hash_algorithm_is_omitted_and_others_round_trip() {
        let id = EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new([7u8; 32]).unwrap(),
            issuer_serial: None,
        };
        let der = id.to_der().unwrap();
        // SEQUENCE { OCTET STRING (32) }: nothing but the hash.
        assert_eq!(&der[..4], &[0x30, 34, 0x04, 32]);
        assert_eq!(EssCertIdV2::from_der(&der).unwrap(), id);

        let sha384 = EssCertIdV2 {
            hash_algorithm: Some(DigestAlgorithm::Sha384.algorithm_identifier()),
            ..id
        };
        let der = sha384.to_der().unwrap();
        assert_eq!(EssCertIdV2::from_der(&der).unwrap(), sha384);
        assert!(der.len() > 36);
    }
}
