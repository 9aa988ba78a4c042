//! Puts an organisation's CA digital signature on PDF files: **PAdES** (`ETSI.CAdES.detached`,
//! or `adbe.pkcs7.detached`) in an **incremental update**, so the original bytes are always an
//! exact prefix of the signed file; verifies such signatures with a structured report.
//!
//! # The pipeline
//!
//! 1. **Read** only what signing needs (xref chain, trailer, catalog, AcroForm, one page), within
//!    [`Limits`] on decoded bytes and nesting; refuse what cannot be signed with a typed
//!    [`Error`] (`NotPdf`, `DamagedXref { offset, .. }`, `PasswordRequired`, `CertifiedNoChanges`,
//!    ...). Encrypted documents are read through their security handler ([`DocumentAccess`]).
//!    A damaged, unsigned file can be rewritten first on request ([`repair`]).
//! 2. **Plan** the update: the signature field and its widget, the signature dictionary with a
//!    `/Contents` placeholder sized from the key's longest signature, the `/ByteRange`.
//! 3. **Hash** the file minus the placeholder and build the CMS SignedData (CAdES signed
//!    attributes, ESS signing-certificate-v2), signed by a [`SigningKey`] through its
//!    [`Signer`]: a software key ([`crypto::credential`]) or an HSM/KMS of your own.
//! 4. **Timestamp** the signature (PAdES B-T) when [`SignOptions::timestamp`] names a
//!    [`timestamp::TimeStamper`]; then, optionally, add validation data and a document
//!    timestamp ([`ltv`], B-LT and B-LTA).
//! 5. **Verify** ([`verify_pdf`]): the ByteRange covers the whole file but `/Contents`, the digest
//!    and signature match, the signer's path ends at a configured trust root at the right time,
//!    nothing unsigned was appended; each finding is a [`Problem`] value.
//!
//! Entry points: [`sign_pdf`] (bytes to bytes), [`sign_file`] (file to file, flat memory),
//! [`sign_batch`] and [`sign_files`] (many documents on all cores), [`verify_pdf`],
//! [`ltv::add_validation_data`], [`ltv::extend`], [`ltv::add_document_timestamp`],
//! [`sign_at_level`] (a [`PadesLevel`] step by step), [`page_sizes`], [`repair::rewrite`].
//! Options and reports are `#[non_exhaustive]`: start from
//! `Default::default()` and set the fields you need.
//!
//! # Example
//!
//! ```
//! use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
//! use countersign::crypto::LoadOptions;
//! use countersign::{sign_pdf, verify_pdf, SignOptions, VerifyOptions};
//!
//! let key = load_pem(
//!     &std::fs::read("testdata/pki/demo.chain.pem")?,
//!     &std::fs::read("testdata/pki/demo.key.pem")?,
//!     &LoadOptions::default(),
//! )?;
//! let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
//! let mut options = SignOptions::default();
//! options.reason = Some("Approved".into());
//! let signed = sign_pdf(&pdf, &key, &options)?;
//! assert!(signed.starts_with(&pdf)); // an incremental update
//!
//! let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
//! let report = verify_pdf(&signed, &VerifyOptions::trusting(roots))?;
//! assert!(report.all_valid());
//! assert_eq!(report.signatures[0].signer_subject, key.end_entity().tbs_certificate().subject().to_string());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Keys in an HSM or a KMS implement [`SigningKey`] and [`Signer`] (see [`crypto`]); RFC 3161
//! timestamps come from any [`timestamp::TimeStamper`].
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `pkcs12` | yes | [`crypto::credential::load_pkcs12`] (PKCS#12 `.p12`/`.pfx` bundles; brings a second, older RustCrypto stack, so a server with an HSM turns it off) |
//! | `tsa` | no | `timestamp::HttpTsa` and `ltv::Fetcher`: RFC 3161 timestamps and OCSP/CRL fetched over HTTP(S) (ureq + rustls) |
//! | `aws-lc` | no | `crypto::aws_lc::default_provider()`: AWS-LC signs and verifies, about ten times faster for RSA |
//! | `service` | no | `service`: the Tencent Cloud ESS-compatible counter-signing service (config, TC3 authentication, quotas, durable store, tasks), without HTTP |
//! | `server` | no | `server`: the service's API-3.0 HTTP endpoint (tokio, hyper, axum) |
//! | `postgres` | no | `service::store::PostgresStore`: one PostgreSQL database for several service replicas |
//! | `cli` | no | the `countersign` binary (clap, indicatif) |
//!
//! The default build pulls in no async runtime, HTTP stack or CLI parser.
//!
//! # Stability
//!
//! Everything reachable from this page is the public API. The `#[doc(hidden)]` module
//! `__private` exists for this crate's own tests and fuzz targets and is not covered by semver.
//!
//! A few types of other crates appear in it, because callers hold them already and a wrapper
//! would only copy them: certificates and CRLs are `x509-cert` 0.3 types
//! (`x509_cert::Certificate`, `x509_cert::crl::CertificateList`), object identifiers
//! `const-oid` 0.10, public keys `spki` 0.8, DER failures `der` 0.8 (as the [`source`] of
//! [`Error::Der`]); the service's JSON is `serde_json::Value` (1.x) and `server::router` returns
//! an `axum` 0.8 `Router` for mounting into an application of one's own. A new major version of
//! one of these is a new major version of this crate. Other dependencies (the SQLite and
//! PostgreSQL drivers, the TOML parser, the TSA's HTTP client) stay behind
//! `Box<dyn std::error::Error>` sources, so their updates are not breaking changes here.
//!
//! [`source`]: std::error::Error::source

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
// The unsafe sites, each with a `// SAFETY:` comment: the memory map of `sign_file`, and the
// syncfs(2), fstatfs(2) and getrlimit(2) calls of file batches (src/sign/durable.rs).
#![deny(unsafe_code)]
// The library reads untrusted files and requests: no panicking shortcuts and no unchecked
// arithmetic anywhere in it (tests may use them). Where a bound is proven by hand, the allow
// names it.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub(crate) mod cades;
pub mod crypto;
pub mod error;
mod level;
pub mod ltv;
// Internal: its items are reachable from outside only through `__private`, which is not public
// API, so they need no documentation of their own.
#[allow(missing_docs)]
pub(crate) mod pdf;
mod problem;
pub mod repair;
pub(crate) mod sign;
pub mod timestamp;
pub(crate) mod verify;

pub use cades::CmsContentTypes;
pub use crypto::{CertifiedKey, DigestAlgorithm, SignatureScheme, Signer, SigningKey};
pub use error::{Error, Location, ObjRef, Result, TimestampProblem};
pub use level::{PadesLevel, ParsePadesLevelError, sign_at_level};
pub use pdf::Limits;
pub use pdf::security::DocumentAccess;
pub use pdf::security::pubsec::PubSecRecipient;
pub use sign::batch::{FileJob, sign_batch, sign_files};
pub use sign::deferred::{
    DeferredSignature, digest_required_by, prepare_deferred, scheme_for_certificate,
};
pub use sign::page_tree::{PageSize, page_sizes};
pub use sign::stream::{SignedFile, sign_file, write_durably};
pub use sign::{DocMdpPermission, FieldLock, SignOptions, SubFilter, sign_pdf};
pub use verify::{
    ChainStatus, EssProblem, FetchBudget, FetchedRevocation, ModificationLevel, Modifications,
    Problem, RevocationFetcher, SignatureReport, TimestampReport, VerifyOptions, VerifyReport,
    crl_reason_name, verify_pdf,
};

// The README's examples are compiled and run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Internals the crate's own integration tests, benchmarks and fuzz targets reach into (the PDF
/// lexer, parser and writer, CMS building blocks, ByteRange placeholders, service helpers).
///
/// **Not part of the public API**: not covered by semver, may change or disappear in any
/// release. Do not use it outside this repository.
#[doc(hidden)]
pub mod __private {
    /// The lazy PDF reader and the incremental-update writer.
    pub mod pdf {
        pub use crate::pdf::{
            Dict, Document, ObjRef, Object, Stream, StringForm, UpdateWriter, XrefEntry,
        };
        /// The file key and permissions P of an `Adobe.PubSec` encryption dictionary, opened with
        /// `recipient` (the fuzz target and integration tests reach the handler here).
        pub fn pubsec_file_key(
            encrypt: &Dict,
            recipient: &crate::PubSecRecipient,
            key_len_bytes: usize,
            sha256: bool,
        ) -> crate::Result<(Vec<u8>, i32)> {
            crate::pdf::security::pubsec::file_key(encrypt, recipient, key_len_bytes, sha256)
                .map(|(key, permissions)| (key.to_vec(), permissions))
        }
        /// The tokenizer.
        pub mod lexer {
            pub use crate::pdf::lexer::Cursor;
        }
        /// The object parser.
        pub mod parser {
            pub use crate::pdf::parser::ObjectParser;
        }
        /// The security handler (the `security` fuzz target).
        pub mod security {
            use crate::DocumentAccess;
            use crate::pdf::security::SecurityHandler;
            use crate::pdf::{Dict, ObjRef, Object, Stream, StringForm};

            /// Opens the handler of `encrypt` with `password` (and the first `/ID` element
            /// `id0`), then encrypts and decrypts a sample object with strings and a stream:
            /// `Ok(true)` when it reads back unchanged. Errors are the handler's typed refusals.
            pub fn round_trip(encrypt: &Dict, id0: &[u8], password: &[u8]) -> crate::Result<bool> {
                let access = DocumentAccess::with_password(password.to_vec());
                let handler = SecurityHandler::open(encrypt, None, id0, &access)?;
                // Either answer is fine; it must not panic.
                let _ = handler.permissions().check_signing();
                let mut dict = Dict::new();
                dict.set("T", Object::literal(b"a (string) with \\ bytes \x00"));
                dict.set(
                    "K",
                    Object::Array(vec![Object::String(vec![0xFF; 33], StringForm::Hex)]),
                );
                let original = Object::Stream(Stream {
                    dict,
                    raw: b"BT /F1 12 Tf (Hello) Tj ET".to_vec(),
                });
                let id = ObjRef::new(7, 0);
                let mut object = original.clone();
                handler.encrypt_object(id, &mut object)?;
                handler.decrypt_object(id, &mut object)?;
                // Strings come back as hex: compare the bytes, not the written form.
                Ok(strings_and_data(&object) == strings_and_data(&original))
            }

            fn strings_and_data(object: &Object) -> Vec<Vec<u8>> {
                let mut out = Vec::new();
                if let Object::Stream(stream) = object {
                    out.push(stream.raw.clone());
                    for (_, value) in stream.dict.iter() {
                        match value {
                            Object::String(bytes, _) => out.push(bytes.clone()),
                            Object::Array(items) => out.extend(
                                items
                                    .iter()
                                    .filter_map(Object::as_string_bytes)
                                    .map(<[u8]>::to_vec),
                            ),
                            _ => {}
                        }
                    }
                }
                out
            }
        }
        /// Object serialisation.
        pub mod writer {
            pub use crate::pdf::writer::{
                write_hex_string, write_literal_string, write_name, write_object,
            };
        }
    }

    /// CMS SignedData building blocks.
    pub mod cades {
        pub use crate::cades::signed_attributes::{ID_SIGNING_TIME, single_value};
        pub use crate::cades::signing_certificate_v2::{
            ID_AA_SIGNING_CERTIFICATE_V2, SigningCertificateV2,
        };
        pub use crate::cades::timestamp::asn1::Oid;

        /// Reads `der` as a TSTInfo and, when it is one, encodes it and reads it again:
        /// `Some(true)` when the second reading equals the first (the `tst_info` fuzz target).
        pub fn tst_info_round_trip(der: &[u8]) -> Option<bool> {
            use der::Encode;
            let info = crate::cades::timestamp::asn1::TstInfo::read(der).ok()?;
            let again = info
                .to_der()
                .ok()
                .and_then(|encoded| crate::cades::timestamp::asn1::TstInfo::read(&encoded).ok());
            Some(again.as_ref() == Some(&info))
        }
        pub use crate::cades::{
            CmsParams, PathCheck, build_detached, reserved_len, verify_detached,
            verify_detached_with,
        };
    }

    /// Signature verification per provider.
    pub mod crypto {
        pub use crate::crypto::algorithm::SignatureAlgorithm;
        use crate::crypto::{CryptoProvider, SignatureScheme};

        /// The algorithm (as read back from a SignerInfo) of the signatures `scheme` makes.
        pub fn signature_algorithm(scheme: SignatureScheme) -> SignatureAlgorithm {
            scheme.signature_algorithm()
        }

        /// Checks `signature` over `message` with `provider`, for `algorithm` as read back from
        /// a SignerInfo.
        pub fn verify_algorithm(
            provider: &CryptoProvider,
            public_key: &spki::SubjectPublicKeyInfoOwned,
            algorithm: &SignatureAlgorithm,
            message: &[u8],
            signature: &[u8],
        ) -> crate::Result<bool> {
            provider.verify_signature(public_key, algorithm, message, signature)
        }

        /// Checks `signature` (made with `scheme`) over `message` with `provider`.
        pub fn verify_signature(
            provider: &CryptoProvider,
            public_key: &spki::SubjectPublicKeyInfoOwned,
            scheme: SignatureScheme,
            message: &[u8],
            signature: &[u8],
        ) -> crate::Result<bool> {
            provider.verify_signature(
                public_key,
                &scheme.signature_algorithm(),
                message,
                signature,
            )
        }
    }

    /// The ByteRange and `/Contents` placeholders of the signing pipeline.
    pub mod byterange {
        pub use crate::sign::byterange::{
            BYTE_RANGE_WIDTH, Placeholders, byte_range, fill_byte_range, fill_contents,
            write_placeholders,
        };
    }
}
