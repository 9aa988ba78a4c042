//! ESS `SigningCertificate` (RFC 2634 §5.4), the SHA-1 predecessor of
//! [`SigningCertificateV2`](super::signing_certificate_v2::SigningCertificateV2). We never write it,
//! but older signers do and a verifier must check it when present.
//!
//! ```text
//! SigningCertificate ::= SEQUENCE {
//!     certs    SEQUENCE OF ESSCertID,
//!     policies SEQUENCE OF PolicyInformation OPTIONAL }
//! ESSCertID ::= SEQUENCE {
//!     certHash     Hash,  -- SHA-1
//!     issuerSerial IssuerSerial OPTIONAL }
//! ```

use der::Sequence;
use der::asn1::{Any, ObjectIdentifier, OctetString};

use super::signing_certificate_v2::IssuerSerial;

/// `id-aa-signingCertificate` (RFC 2634).
pub const ID_AA_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificate {
    pub certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    pub policies: Option<Any>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertId {
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}
