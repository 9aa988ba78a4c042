//! What verification found wrong, as values: [`Problem`] and [`ChainStatus`]. Shared by the CMS
//! verifier ([`crate::cades`]) and the PDF verifier ([`crate::verify`]), so it sits below both.

use std::time::SystemTime;

use der::asn1::ObjectIdentifier;

/// Whether the signer's certification path ends at a configured trust anchor and passes the
/// certificate checks (validity at the validation time, keyUsage, basicConstraints, pathLen,
/// no unprocessed critical extension, name constraints, policy constraints, revocation by the
/// given CRLs).
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::trust_roots_from_pem;
/// use countersign::{verify_pdf, ChainStatus, Problem, VerifyOptions};
///
/// let signed = std::fs::read("testdata/pdf/signed.pdf")?;
/// let chain = |options: VerifyOptions| -> Result<ChainStatus, countersign::Error> { Ok(verify_pdf(&signed, &options)?.signatures[0].chain.clone()) };
/// assert_eq!(chain(VerifyOptions::default())?, ChainStatus::NotChecked);
/// let demo_root = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// assert_eq!(chain(VerifyOptions::trusting(demo_root))?, ChainStatus::Trusted);
/// let other_root = trust_roots_from_pem(&std::fs::read("testdata/pki/trust-selfsigned.cert.pem")?)?;
/// // The signer's path ends at the demo root, which is not among the configured ones.
/// assert!(matches!(
///     chain(VerifyOptions::trusting(other_root))?,
///     ChainStatus::Untrusted(Problem::SelfSignedNotTrusted { subject }) if subject.contains("CN=Demo Root CA")
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainStatus {
    /// No trust roots were configured: nothing is trusted.
    #[default]
    NotChecked,
    /// The path ends at a configured trust root and passes every check.
    Trusted,
    /// No path to a trust root, or a certificate of the path fails a check; says which.
    Untrusted(Problem),
    /// The issuer's CRL or OCSP responder says a certificate of the path is revoked
    /// ([`Problem::Revoked`]).
    Revoked(Problem),
}

/// One thing verification found wrong. `Display` gives the message in words; match on the
/// variant to act on it. Certificates are named by their subject in RFC 4514 form.
///
/// # Examples
///
/// ```
/// use countersign::{verify_pdf, Problem, VerifyOptions};
///
/// // Bytes of signed.pdf changed after signing: the digest no longer matches.
/// let mut pdf = std::fs::read("testdata/pdf/signed.pdf")?;
/// let at = pdf.windows(6).position(|w| w == b"Page 1").ok_or("no text")?;
/// pdf[at + 5] = b'9';
/// let report = verify_pdf(&pdf, &VerifyOptions::default())?;
/// let problems = &report.signatures[0].problems;
/// assert_eq!(problems, &[Problem::DigestMismatch]);
/// assert_eq!(problems[0].to_string(), "message-digest attribute does not match the signed content");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    // --- The signature field and its /ByteRange (PDF level).
    /// The signature field or its signature dictionary cannot be read.
    #[error("{what} cannot be read: {error}")]
    FieldUnreadable {
        /// What could not be read.
        what: String,
        /// The reader's message.
        error: String,
    },
    /// /ByteRange is missing or not an array.
    #[error("/ByteRange is missing or not an array")]
    ByteRangeMissing,
    /// /ByteRange is not four non-negative integers.
    #[error("/ByteRange is not four non-negative integers")]
    ByteRangeNotIntegers,
    /// ByteRange does not start at 0.
    #[error("ByteRange does not start at 0")]
    ByteRangeStart,
    /// The ranges overlap, overflow or run past the end of the file.
    #[error("ByteRange ranges overlap or run past the end of the file")]
    ByteRangeOutOfFile,
    /// The ByteRange gap is not exactly a hex string.
    #[error("the ByteRange gap is not exactly a hex string")]
    GapNotHexString,
    /// The ByteRange gap holds more than hex digits.
    #[error("the ByteRange gap holds more than hex digits")]
    GapNotHexDigits,
    /// The ByteRange gap is not the signature's /Contents.
    #[error("the ByteRange gap is not the signature's /Contents")]
    GapNotContents,
    /// The signature dictionary is not a top-level object in the file.
    #[error("the signature dictionary is not a top-level object in the file")]
    SignatureDictionaryNotTopLevel,
    /// The ByteRange gap lies outside the signature dictionary.
    #[error("the ByteRange gap lies outside the signature dictionary")]
    GapOutsideSignatureDictionary,
    /// The signature dictionary has more than one /Contents.
    #[error("the signature dictionary has more than one /Contents")]
    DuplicateContents,
    /// The ByteRange gap is not the value of /Contents.
    #[error("the ByteRange gap is not the value of /Contents")]
    GapNotContentsValue,
    /// /Contents is missing or not a string.
    #[error("/Contents is missing or not a string")]
    ContentsMissing,
    /// /Contents does not hold a CMS element.
    #[error("/Contents does not hold a CMS element")]
    ContentsNotCms,
    /// Signature wrapping through the padding.
    #[error("/Contents carries non-zero bytes after the CMS element (content in the padding)")]
    ContentsPadding,
    /// The revisions appended after signing change what the document does not allow: the
    /// [`ModificationLevel`](crate::ModificationLevel) and the first disallowed change.
    #[error("modified after signing ({level}): {reason}")]
    ModifiedAfterSigning {
        /// How far the changes go.
        level: crate::ModificationLevel,
        /// The first disallowed change, naming its object.
        reason: String,
    },
    /// The signature is in an earlier revision's form, but the document's own form no longer
    /// reaches it: a later revision removed its field, redefined the catalog without it, or
    /// pointed the trailer's `/Root` at another catalog. A reader shows the document without
    /// this signature; its modification level is [`Other`](crate::ModificationLevel::Other).
    #[error(
        "the signature is no longer reachable from the document's catalog: \
         a later revision removed or hid its field"
    )]
    SignatureHidden,
    /// A document timestamp whose messageImprint is not the digest of the ByteRange bytes.
    #[error("the TSTInfo messageImprint does not match the ByteRange bytes")]
    DocumentImprintMismatch,

    // --- The CMS container.
    /// The CMS (or timestamp token) cannot be parsed; the parser's message.
    #[error("{0}")]
    Unparseable(String),
    /// Non-zero bytes follow the CMS structure.
    #[error("non-zero bytes follow the CMS structure")]
    TrailingBytes,
    /// `0` SignerInfos; only the first is verified.
    #[error("{0} SignerInfos; only the first is verified")]
    SignerInfoCount(usize),
    /// The SignedData encapsulates content: it is not a detached signature.
    #[error("the SignedData encapsulates content: it is not a detached signature")]
    EncapsulatedContent,
    /// The signer certificate is not among the embedded certificates.
    #[error("the signer certificate is not among the embedded certificates")]
    SignerCertificateMissing,
    /// Unsupported digest algorithm `0`.
    #[error("unsupported digest algorithm {0}")]
    UnsupportedDigest(ObjectIdentifier),
    /// Unsupported signature algorithm `0`.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedSignatureAlgorithm(ObjectIdentifier),
    /// Content-type attribute `attribute` differs from the eContentType `econtent_type`.
    #[error("content-type attribute {attribute} differs from the eContentType {econtent_type}")]
    ContentTypeMismatch {
        /// The content-type signed attribute.
        attribute: ObjectIdentifier,
        /// The SignedData's eContentType.
        econtent_type: ObjectIdentifier,
    },
    /// No content-type signed attribute.
    #[error("no content-type signed attribute")]
    ContentTypeMissing,
    /// Message-digest attribute does not match the signed content.
    #[error("message-digest attribute does not match the signed content")]
    DigestMismatch,
    /// No message-digest signed attribute.
    #[error("no message-digest signed attribute")]
    DigestMissing,
    /// The ESS signing-certificate(-v2) attribute does not name the signer certificate.
    #[error("{0}")]
    SigningCertificate(EssProblem),
    /// The signature does not verify with the signer's public key.
    #[error("the signature does not verify with the signer's public key")]
    SignatureInvalid,
    /// The backend could not check the signature (a key type it does not support...).
    #[error("cannot verify the signature: {0}")]
    SignatureUnverifiable(String),

    // --- The certification path.
    /// `subject` is self-signed and not a configured trust root.
    #[error("{subject} is self-signed and not a configured trust root")]
    SelfSignedNotTrusted {
        /// The certificate's subject (RFC 4514).
        subject: String,
    },
    /// No certificate among the embedded ones and the trust roots issued `subject`.
    #[error("no certificate among the embedded ones and the trust roots issued {subject}")]
    NoIssuer {
        /// The certificate's subject (RFC 4514).
        subject: String,
    },
    /// The certification path loops at `subject`.
    #[error("the certification path loops at {subject}")]
    PathLoop {
        /// The certificate's subject (RFC 4514).
        subject: String,
    },
    /// Certification path longer than `max` certificates.
    #[error("certification path longer than {max} certificates")]
    PathTooLong {
        /// The longest path followed.
        max: usize,
    },
    /// `subject` is not valid yet at `at`.
    #[error("{subject} is not valid before {} (checked at {})", time(*not_before), time(*at))]
    CertificateNotYetValid {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// The time the certificate was judged at.
        at: SystemTime,
        /// The certificate's notBefore.
        not_before: SystemTime,
    },
    /// `subject` has expired at `at`.
    #[error("{subject} expired at {} (checked at {})", time(*not_after), time(*at))]
    CertificateExpired {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// The time the certificate was judged at.
        at: SystemTime,
        /// The certificate's notAfter.
        not_after: SystemTime,
    },
    /// The signer certificate may not sign: keyUsage without digitalSignature or
    /// nonRepudiation (`present`), or no keyUsage extension at all.
    #[error("{subject} {}", if *present { "has keyUsage without digitalSignature or nonRepudiation" } else { "has no keyUsage extension allowing digitalSignature or nonRepudiation" })]
    KeyUsage {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// The certificate has a keyUsage extension, without either bit.
        present: bool,
    },
    /// `subject` is not a CA certificate (cA false).
    #[error("{subject} is not a CA certificate (cA false)")]
    NotCa {
        /// The certificate's subject (RFC 4514).
        subject: String,
    },
    /// `subject` issued a certificate but has no basicConstraints: it is not a CA.
    #[error("{subject} issued a certificate but has no basicConstraints: it is not a CA")]
    NoBasicConstraints {
        /// The certificate's subject (RFC 4514).
        subject: String,
    },
    /// `subject` allows `limit` CA certificate(s) below it (pathLenConstraint), the path has `below`.
    #[error(
        "{subject} allows {limit} CA certificate(s) below it (pathLenConstraint), the path has {below}"
    )]
    PathLen {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// Its pathLenConstraint.
        limit: u8,
        /// CA certificates below it in the path.
        below: usize,
    },
    /// `subject` issued a certificate but its keyUsage lacks keyCertSign.
    #[error("{subject} issued a certificate but its keyUsage lacks keyCertSign")]
    NoKeyCertSign {
        /// The certificate's subject (RFC 4514).
        subject: String,
    },
    /// `subject` has an unreadable `extension` extension: `error`.
    #[error("{subject} has an unreadable {extension} extension: {error}")]
    UnreadableExtension {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// The extension's name.
        extension: &'static str,
        /// The reader's message.
        error: String,
    },
    /// `subject` carries a critical extension `oid` the path validator does not process
    /// (RFC 5280 §4.2: such a certificate must be rejected).
    #[error("{subject} carries the critical extension {oid}, which the validator does not process")]
    UnsupportedCriticalExtension {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// The extension's OID.
        oid: ObjectIdentifier,
    },
    /// `name` of `subject` is outside the subtrees `constrained_by`'s nameConstraints permit,
    /// or (`excluded`) inside an excluded one (RFC 5280 §4.2.1.10).
    #[error("{name} of {subject} is {} the name constraints of {constrained_by}", if *excluded { "excluded by" } else { "not permitted by" })]
    NameConstraintViolated {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// The name form and the name, such as `dNSName seal.example.com`.
        name: String,
        /// The subject of the CA whose nameConstraints the name violates.
        constrained_by: String,
        /// The name is inside an excluded subtree (else: outside every permitted one).
        excluded: bool,
    },
    /// `constrained_by`'s nameConstraints constrain `form` in a way the validator does not
    /// implement (a name form other than directoryName, rfc822Name, dNSName, iPAddress, or a
    /// minimum/maximum), and a certificate below it has such a name: refused rather than ignored.
    #[error(
        "the name constraints of {constrained_by} on {form} are not supported, and {subject} has such a name"
    )]
    UnsupportedNameConstraint {
        /// The subject of the certificate the constraint would apply to (RFC 4514).
        subject: String,
        /// The subject of the CA with the nameConstraints.
        constrained_by: String,
        /// What is not supported, such as `uniformResourceIdentifier`.
        form: String,
    },
    /// `subject`'s policyConstraints require an explicit policy within this path, which needs
    /// the RFC 5280 §6.1 policy tree; the validator does not build it, so it refuses the path.
    #[error(
        "{subject} requires an explicit certificate policy (policyConstraints), which the validator does not evaluate"
    )]
    ExplicitPolicyRequired {
        /// The certificate's subject (RFC 4514).
        subject: String,
    },
    /// `subject`'s policyMappings map from or to anyPolicy (forbidden by RFC 5280 §6.1.4 (a)).
    #[error("{subject} maps anyPolicy in its policyMappings")]
    AnyPolicyMapped {
        /// The certificate's subject (RFC 4514).
        subject: String,
    },
    /// `subject` (serial `serial_hex`) was revoked at `revoked_at`, as its issuer's CRL or OCSP
    /// responder says.
    #[error("{subject} (serial {serial_hex}) was revoked at {}{}", time(*revoked_at), revocation_reason(*reason))]
    Revoked {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// Hex of the serial number (upper case).
        serial_hex: String,
        /// The revocation time the CRL or OCSP response gives.
        revoked_at: SystemTime,
        /// The CRLReason code (RFC 5280 §5.3.1: 1 keyCompromise, 2 cACompromise,
        /// 3 affiliationChanged, 4 superseded, 5 cessationOfOperation, 6 certificateHold...),
        /// when the CRL entry or OCSP response states one.
        reason: Option<u8>,
    },
    /// Revocation checking was required (revocation data is fetched) but the status of
    /// `subject` could not be established; `reason` says why (no source, no answer, a response
    /// that does not verify, the fetch budget spent).
    #[error("the revocation status of {subject} is unknown: {reason}")]
    RevocationUnknown {
        /// The certificate's subject (RFC 4514).
        subject: String,
        /// Why.
        reason: String,
    },
    /// A CRL names `issuer` as issuer, whose keyUsage lacks cRLSign: ignored.
    #[error("a CRL names {issuer} as issuer, whose keyUsage lacks cRLSign: ignored")]
    CrlIssuerWithoutCrlSign {
        /// The CRL's issuer (RFC 4514).
        issuer: String,
    },
    /// A CRL naming `issuer` as issuer does not verify with `issuer`'s key: ignored.
    #[error("a CRL naming {issuer} as issuer does not verify with {issuer}'s key: ignored")]
    CrlUnverified {
        /// The CRL's issuer (RFC 4514).
        issuer: String,
    },

    // --- RFC 3161 timestamps.
    /// The timestamp's messageImprint does not match.
    #[error("the timestamp's messageImprint does not match")]
    TimestampImprintMismatch,
    /// The TSA certificate lacks the timeStamping EKU.
    #[error("the TSA certificate lacks the timeStamping EKU")]
    TimestampEku,
}

/// How an ESS signing-certificate(-v2) attribute fails to name the signer certificate.
///
/// # Examples
///
/// ```
/// use countersign::{EssProblem, Problem};
///
/// // How a report says that the signed certificate hash names another certificate:
/// let problem = Problem::SigningCertificate(EssProblem::HashMismatch { v2: true });
/// assert_eq!(problem.to_string(), "ESS signing-certificate-v2 hash does not match the signer certificate");
/// assert!(matches!(problem, Problem::SigningCertificate(EssProblem::HashMismatch { .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EssProblem {
    /// The attribute lists no certificate; `v2` tells signing-certificate-v2 from v1.
    #[error("empty ESS {} attribute", name(*v2))]
    Empty {
        /// signing-certificate-v2 (true) or signing-certificate (false).
        v2: bool,
    },
    /// ESS signing-certificate-v2 uses unsupported hash `0`.
    #[error("ESS signing-certificate-v2 uses unsupported hash {0}")]
    UnsupportedHash(ObjectIdentifier),
    /// The ESS signing-certificate(-v2) hash does not match the signer certificate.
    #[error("ESS {} hash does not match the signer certificate", name(*v2))]
    HashMismatch {
        /// signing-certificate-v2 (true) or signing-certificate (false).
        v2: bool,
    },
    /// ESS signing-certificate issuerSerial does not match the signer certificate.
    #[error("ESS signing-certificate issuerSerial does not match the signer certificate")]
    IssuerSerialMismatch,
}

impl Problem {
    /// [`Problem::Unparseable`] with the error's message and those of its sources.
    pub(crate) fn unparseable(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut message = error.to_string();
        let mut cause = error.source();
        while let Some(next) = cause {
            message.push_str(": ");
            message.push_str(&next.to_string());
            cause = next.source();
        }
        Problem::Unparseable(message)
    }
}

fn name(v2: bool) -> &'static str {
    if v2 {
        "signing-certificate-v2"
    } else {
        "signing-certificate"
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, as X.509 times print.
/// `, reason keyCompromise` for a stated CRLReason code (RFC 5280 §5.3.1), else nothing.
fn revocation_reason(code: Option<u8>) -> String {
    code.map(|code| format!(", reason {}", crl_reason_name(code)))
        .unwrap_or_default()
}

/// The RFC 5280 §5.3.1 name of a CRLReason code, as [`Problem::Revoked`] reports it (`code 7`:
/// a value the standard leaves unused).
///
/// # Examples
///
/// ```
/// assert_eq!(countersign::crl_reason_name(1), "keyCompromise");
/// assert_eq!(countersign::crl_reason_name(7), "code 7");
/// ```
pub fn crl_reason_name(code: u8) -> String {
    let name = match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => return format!("code {code}"),
    };
    name.to_owned()
}

fn time(at: SystemTime) -> String {
    der::DateTime::from_system_time(at)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{at:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn messages_name_the_certificate_and_time() {
        let expired = Problem::CertificateExpired {
            subject: "CN=Signer".into(),
            at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000),
            not_after: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        };
        assert_eq!(
            expired.to_string(),
            "CN=Signer expired at 2027-01-15T08:00:00Z (checked at 2030-03-17T17:46:40Z)"
        );
        let ess = Problem::SigningCertificate(EssProblem::HashMismatch { v2: true });
        assert_eq!(
            ess.to_string(),
            "ESS signing-certificate-v2 hash does not match the signer certificate"
        );
        let changes = Problem::ModifiedAfterSigning {
            level: crate::ModificationLevel::Other,
            reason: "4 0 R: a stream changed after signing".into(),
        };
        assert_eq!(
            changes.to_string(),
            "modified after signing (other): 4 0 R: a stream changed after signing"
        );
    }

    #[test]
    fn an_unparseable_cms_keeps_the_decoder_message() {
        use der::Decode;
        let source = der::asn1::AnyRef::from_der(&[0x30, 0x05, 0x02]).unwrap_err();
        let error = crate::error::Error::Der {
            what: "ContentInfo",
            source,
        };
        assert_eq!(
            Problem::unparseable(&error),
            Problem::Unparseable(format!(
                "CMS: cannot decode or encode ContentInfo: {source}"
            ))
        );
    }
}
