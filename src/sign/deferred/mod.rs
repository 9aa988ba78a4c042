//! Deferred (two-phase) signing: the key signs somewhere else, later.
//!
//! [`prepare_deferred`] plans the update exactly as [`sign_pdf`](crate::sign_pdf) does, with
//! only the certificate chain, and returns a [`DeferredSignature`]: the bytes the key must sign
//! ([`DeferredSignature::to_be_signed`], the DER of the CMS signed attributes, or
//! [`DeferredSignature::to_be_signed_digest`] for a KMS that takes a digest). The state
//! serialises ([`DeferredSignature::to_bytes`]) so that the second half can run in another
//! process; [`DeferredSignature::complete`] checks the signature that came back and embeds it.
//!
//! The stages are those of the one-shot path (`prepare_signature_update`, then
//! `signed_attributes::build_for`, then `signed_data::encode` and `stamp`): for a deterministic
//! scheme the output is byte-identical to `sign_pdf` with the same key and options. Only the
//! deferred path fingerprints the input and verifies the signature, because only there do the
//! two halves come apart.

mod scheme;
mod state;

use cms::signed_data::SignedAttributes;
use der::Decode;
use der::asn1::OctetString;
use x509_cert::Certificate;

use super::byterange::Placeholders;
use super::{
    PreparedUpdate, SignOptions, check_signer_certificate, cms_params, prepare_with, stamp,
    with_token_reservation,
};
use crate::cades::signed_attributes::{self, ID_CONTENT_TYPE, ID_MESSAGE_DIGEST};
use crate::cades::signed_data::{CertificateSetDer, CmsContentTypes, Content};
use crate::cades::signed_data::{encode, reserved_len_for};
use crate::cades::timestamp::TimeStamper;
use crate::crypto::{CryptoProvider, DigestAlgorithm, SignatureScheme};
use crate::error::{CredentialError, DeferredError, Error, Result, SignerError};
pub use scheme::{digest_required_by, scheme_for_certificate};

/// A signature prepared by [`prepare_deferred`], waiting for the signature value.
///
/// It holds the update (with `/ByteRange` filled and `/Contents` reserved), the signed
/// attributes, the scheme, the certificate chain and a fingerprint (SHA-256 and length) of the
/// document, never the document itself: [`Self::complete`] takes it again.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::{load_private_key, parse_certificates};
/// use countersign::crypto::LoadOptions;
/// use countersign::{prepare_deferred, verify_pdf, DeferredSignature, DigestAlgorithm, SignOptions, SignatureScheme, VerifyOptions};
///
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
/// let scheme = SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256);
/// let state = prepare_deferred(&pdf, chain, scheme, &SignOptions::default())?.to_bytes()?;
///
/// // Elsewhere, later: the key signs the signed attributes.
/// let prepared = DeferredSignature::from_bytes(&state)?;
/// let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &LoadOptions::default())?;
/// let signature = key.choose_scheme(DigestAlgorithm::Sha256).ok_or("no SHA-256")?.sign(prepared.to_be_signed())?;
///
/// let signed = prepared.complete(&pdf, &signature)?;
/// assert!(signed.starts_with(&pdf));
/// assert!(verify_pdf(&signed, &VerifyOptions::default())?.all_valid_ignoring_trust());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeferredSignature {
    update: Vec<u8>,
    placeholders: Placeholders,
    field_name: String,
    signed_attributes: Vec<u8>,
    scheme: SignatureScheme,
    chain: Vec<Certificate>,
    input: InputFingerprint,
}

/// The document a state was prepared for: enough to recognise it, not to rebuild it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct InputFingerprint {
    len: u64,
    sha256: [u8; 32],
}

impl InputFingerprint {
    fn of(pdf: &[u8]) -> Self {
        let digest = DigestAlgorithm::Sha256.digest_chunks(&[pdf]);
        let mut sha256 = [0u8; 32];
        for (to, from) in sha256.iter_mut().zip(digest) {
            *to = from;
        }
        Self {
            len: pdf.len() as u64,
            sha256,
        }
    }

    fn check(&self, pdf: &[u8]) -> Result<()> {
        if Self::of(pdf) == *self {
            return Ok(());
        }
        Err(DeferredError::DifferentDocument {
            expected_len: self.len,
            expected_sha256: self.sha256.iter().map(|b| format!("{b:02x}")).collect(),
            found_len: pdf.len() as u64,
        }
        .into())
    }
}

/// Phase 1 of deferred signing: plans the update of `pdf` for a signature by the first
/// certificate of `chain` (followed by its issuers, all embedded) with `scheme`, and returns
/// the state that waits for the signature value.
///
/// `scheme` must fit the certificate's key ([`scheme_for_certificate`] picks it) and use
/// `options.digest` ([`SignerError::SchemeMismatch`] otherwise). `options.repair` is refused:
/// the input must stay an exact prefix of the output. With `options.timestamp` the
/// reservation includes a token, which [`DeferredSignature::complete_with_timestamp`] adds.
///
/// ```
/// use countersign::crypto::credential::parse_certificates;
/// use countersign::{prepare_deferred, DigestAlgorithm, SignOptions, SignatureScheme};
///
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// let chain = parse_certificates(&std::fs::read("testdata/pki/demo-p256.chain.pem")?)?;
/// let scheme = SignatureScheme::EcdsaP256(DigestAlgorithm::Sha256);
/// let prepared = prepare_deferred(&pdf, chain, scheme, &SignOptions::default())?;
/// assert_eq!(prepared.to_be_signed_digest().len(), 32); // what a KMS "sign digest" call takes
/// assert_eq!(prepared.field_name(), "Signature1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn prepare_deferred(
    pdf: &[u8],
    chain: Vec<Certificate>,
    scheme: SignatureScheme,
    options: &SignOptions,
) -> Result<DeferredSignature> {
    let signer = chain.first().ok_or(CredentialError::EmptyChain)?;
    if let Some(error) = crate::cades::signed_data::mandated_digest_error(signer, options.digest) {
        return Err(error.into());
    }
    if scheme.digest() != options.digest {
        return Err(SignerError::SchemeMismatch {
            requested: options.digest,
            chosen: scheme,
        }
        .into());
    }
    if options.repair {
        return Err(Error::invalid_option(
            "repair",
            "deferred signing keeps the input as the output's prefix; repair the file first",
        ));
    }
    check_signer_certificate(signer, options)?;
    let params = cms_params(options);
    let max_signature_len = scheme::max_signature_len(signer, scheme)?;
    let cms = reserved_len_for(&chain, scheme, max_signature_len, &params)?;
    let contents_len = with_token_reservation(cms, options)?;
    let prepared = prepare_with(pdf, options, contents_len, super::SignatureKind::Signature)?;
    let (before, after) = prepared.signed_parts();
    let digest = options.digest.digest_chunks(&[pdf, before, after]);
    let attributes = signed_attributes::build_for(
        params.content_types.data(),
        &digest,
        signer,
        params.signing_time,
    )?;
    let PreparedUpdate {
        update,
        placeholders,
        field_name,
    } = prepared;
    Ok(DeferredSignature {
        update,
        placeholders,
        field_name,
        signed_attributes: signed_attributes::signed_bytes(&attributes)?,
        scheme,
        chain,
        input: InputFingerprint::of(pdf),
    })
}

impl DeferredSignature {
    /// The bytes the key signs: the DER of the CMS signed attributes (an explicit `SET OF`,
    /// RFC 5652 §5.4). A signer that hashes itself (`openssl dgst -sign`, `openssl pkeyutl
    /// -rawin`, [`Signer::sign`](crate::Signer::sign), pure Ed25519) takes these.
    ///
    /// ```
    /// # use countersign::crypto::credential::parse_certificates;
    /// # use countersign::{prepare_deferred, DigestAlgorithm, SignOptions, SignatureScheme};
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let prepared = prepare_deferred(&pdf, chain, SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256), &SignOptions::default())?;
    /// assert_eq!(prepared.to_be_signed()[0], 0x31); // SET OF
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_be_signed(&self) -> &[u8] {
        &self.signed_attributes
    }

    /// The digest of [`Self::to_be_signed`] under the scheme's digest, for signers that take a
    /// digest (a KMS `Sign` with a digest, `openssl pkeyutl -sign` without `-rawin`).
    ///
    /// ```
    /// # use countersign::crypto::credential::parse_certificates;
    /// # use countersign::{prepare_deferred, DigestAlgorithm, SignOptions, SignatureScheme};
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let mut options = SignOptions::default();
    /// options.digest = DigestAlgorithm::Sha384;
    /// let prepared = prepare_deferred(&pdf, chain, SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha384), &options)?;
    /// assert_eq!(prepared.to_be_signed_digest(), DigestAlgorithm::Sha384.digest_chunks(&[prepared.to_be_signed()]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_be_signed_digest(&self) -> Vec<u8> {
        self.scheme
            .digest()
            .digest_chunks(&[&self.signed_attributes])
    }

    /// The signature scheme the signature value must be made with.
    ///
    /// ```
    /// # use countersign::crypto::credential::parse_certificates;
    /// # use countersign::{prepare_deferred, DigestAlgorithm, SignOptions, SignatureScheme};
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let scheme = SignatureScheme::RsaPss(DigestAlgorithm::Sha256);
    /// assert_eq!(prepare_deferred(&pdf, chain, scheme, &SignOptions::default())?.scheme(), scheme);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// The signature field that will hold the signature.
    ///
    /// ```
    /// # use countersign::crypto::credential::parse_certificates;
    /// # use countersign::{prepare_deferred, DigestAlgorithm, SignOptions, SignatureScheme};
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let mut options = SignOptions::default();
    /// options.field_name = Some("Approval".into());
    /// let prepared = prepare_deferred(&pdf, chain, SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256), &options)?;
    /// assert_eq!(prepared.field_name(), "Approval");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn field_name(&self) -> &str {
        &self.field_name
    }

    /// The signer's certificate followed by its issuers.
    ///
    /// ```
    /// # use countersign::crypto::credential::parse_certificates;
    /// # use countersign::{prepare_deferred, DigestAlgorithm, SignOptions, SignatureScheme};
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let prepared = prepare_deferred(&pdf, chain.clone(), SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256), &SignOptions::default())?;
    /// assert_eq!(prepared.cert_chain(), &chain[..]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cert_chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// Phase 2: checks `signature` over [`Self::to_be_signed`] with the signer certificate's key,
    /// then embeds it and returns the signed file (`pdf` followed by the update). `pdf` must be
    /// the document the state was prepared for.
    ///
    /// Errors, with nothing returned: [`DeferredError::DifferentDocument`] for another
    /// document, [`SignerError::SignatureTooLong`] for a signature longer than the scheme
    /// makes, [`DeferredError::SignatureInvalid`] for a wrong or garbled signature or one by
    /// another key, [`DeferredError::UpdateMismatch`] for an altered state.
    ///
    /// ```
    /// use countersign::crypto::credential::parse_certificates;
    /// use countersign::error::DeferredError;
    /// use countersign::{prepare_deferred, DigestAlgorithm, Error, SignOptions, SignatureScheme};
    ///
    /// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let prepared = prepare_deferred(&pdf, chain, SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256), &SignOptions::default())?;
    /// let garbled = vec![0x55; 256];
    /// assert!(matches!(prepared.complete(&pdf, &garbled), Err(Error::Deferred(DeferredError::SignatureInvalid { .. }))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn complete(&self, pdf: &[u8], signature: &[u8]) -> Result<Vec<u8>> {
        self.complete_stamped(pdf, signature, None)
    }

    /// [`Self::complete`] for PAdES B-T: the signature value is then timestamped by `stamper`
    /// and the token embedded as the signature-timestamp unsigned attribute. The state should
    /// have been prepared with `options.timestamp` set, so that `/Contents` has room for the
    /// token ([`Error::TimestampTooLarge`] otherwise).
    ///
    /// ```
    /// # let tsa_key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// # use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
    /// # #[derive(Debug)]
    /// # struct LocalTsa(Authority);
    /// # impl TimeStamper for LocalTsa {
    /// #     fn timestamp(&self, digest: countersign::DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
    /// #         let request = TimestampRequest::new(digest, imprint, &[7; 8])?;
    /// #         request.check_response(&self.0.respond(request.der(), std::time::SystemTime::now())?, &[])
    /// #     }
    /// #     fn token_len_hint(&self) -> countersign::Result<usize> { Ok(8192) }
    /// # }
    /// use countersign::crypto::credential::{load_private_key, parse_certificates};
    /// use countersign::crypto::LoadOptions;
    /// use countersign::{prepare_deferred, verify_pdf, DigestAlgorithm, SignOptions, SignatureScheme, VerifyOptions};
    /// use std::sync::Arc;
    ///
    /// // `LocalTsa`: the in-process TSA of the `timestamp` module's example.
    /// let tsa = Arc::new(LocalTsa(Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1"))));
    /// let mut options = SignOptions::default();
    /// options.timestamp = Some(tsa.clone()); // reserves room for the token
    /// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let prepared = prepare_deferred(&pdf, chain, SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256), &options)?;
    /// let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &LoadOptions::default())?;
    /// let signature = key.choose_scheme(DigestAlgorithm::Sha256).ok_or("no SHA-256")?.sign(prepared.to_be_signed())?;
    /// let signed = prepared.complete_with_timestamp(&pdf, &signature, tsa.as_ref())?;
    /// assert!(verify_pdf(&signed, &VerifyOptions::default())?.signatures[0].timestamp.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn complete_with_timestamp(
        &self,
        pdf: &[u8],
        signature: &[u8],
        stamper: &dyn TimeStamper,
    ) -> Result<Vec<u8>> {
        self.complete_stamped(pdf, signature, Some(stamper))
    }

    fn complete_stamped(
        &self,
        pdf: &[u8],
        signature: &[u8],
        stamper: Option<&dyn TimeStamper>,
    ) -> Result<Vec<u8>> {
        self.input.check(pdf)?;
        let signer = self.chain.first().ok_or(CredentialError::EmptyChain)?;
        self.check_signature(signer, signature)?;
        let attributes = SignedAttributes::from_der(&self.signed_attributes)
            .map_err(Error::der("signed attributes"))?;
        self.check_update_digest(pdf, &attributes)?;
        // The content type the attributes name says which identifiers the container uses.
        let types = CmsContentTypes::of_data_type(signed_attributes::single_value(
            &attributes,
            ID_CONTENT_TYPE,
        )?);
        let der = encode(
            &self.chain,
            &CertificateSetDer::new(&self.chain)?,
            self.scheme,
            attributes,
            signature.to_vec(),
            Content::Detached(types),
        )?;
        let mut prepared = PreparedUpdate {
            update: self.update.clone(),
            placeholders: self.placeholders,
            field_name: self.field_name.clone(),
        };
        let der = match stamper {
            Some(stamper) => stamp(der, stamper, prepared.capacity())?,
            None => der,
        };
        prepared.embed(&der)?;
        Ok(prepared.after(pdf))
    }

    /// Refuses a signature the scheme cannot have made, or that does not verify: it is never
    /// embedded.
    fn check_signature(&self, signer: &Certificate, signature: &[u8]) -> Result<()> {
        let max = scheme::max_signature_len(signer, self.scheme)?;
        if signature.len() > max {
            return Err(SignerError::SignatureTooLong {
                len: signature.len(),
                max,
            }
            .into());
        }
        let verified = CryptoProvider::default().verify_signature(
            signer.tbs_certificate().subject_public_key_info(),
            &self.scheme.signature_algorithm(),
            &self.signed_attributes,
            signature,
        )?;
        if verified {
            return Ok(());
        }
        Err(DeferredError::SignatureInvalid {
            subject: signer.tbs_certificate().subject().to_string(),
        }
        .into())
    }

    /// The message digest the signature vouches for must be that of the bytes the file will
    /// hold: a state whose update was altered would otherwise yield a broken signature.
    fn check_update_digest(&self, pdf: &[u8], attributes: &SignedAttributes) -> Result<()> {
        let (before, after) = self.placeholders.signed_parts(&self.update);
        let digest = self.scheme.digest().digest_chunks(&[pdf, before, after]);
        let signed: Option<OctetString> =
            signed_attributes::single_value(attributes, ID_MESSAGE_DIGEST)?;
        match signed {
            Some(value) if value.as_bytes() == digest.as_slice() => Ok(()),
            _ => Err(DeferredError::UpdateMismatch.into()),
        }
    }
}
