//! countersign: puts an organisation's CA digital signature on PDF files.
//!
//! The pipeline, one folder per stage:
//! - [`pdf`]: read only what signing needs (xref chain, trailer, a few objects) and write the
//!   incremental update;
//! - [`cades`]: the CMS SignedData container (PAdES / CAdES detached);
//! - [`crypto`]: the signing-key trait, credentials and backends;
//! - [`sign`]: the signing pipeline that ties them together;
//! - [`verify`]: signature verification with a structured report.

#![doc = include_str!("../README.md")]
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
pub mod ltv;
pub(crate) mod pdf;
mod problem;
pub mod repair;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "service")]
pub mod service;
pub(crate) mod sign;
pub mod timestamp;
pub(crate) mod verify;

pub use crypto::{CertifiedKey, DigestAlgorithm, SignatureScheme, Signer, SigningKey};
pub use error::{Error, Result, TimestampProblem};
pub use pdf::Limits;
pub use sign::batch::{sign_batch, sign_files, FileJob};
pub use sign::stream::{sign_file, SignedFile};
pub use sign::{sign_pdf, SignOptions, SubFilter};
pub use verify::{
    verify_pdf, ChainStatus, EssProblem, Problem, SignatureReport, TimestampReport, VerifyOptions,
    VerifyReport,
};

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
        /// The tokenizer.
        pub mod lexer {
            pub use crate::pdf::lexer::Cursor;
        }
        /// The object parser.
        pub mod parser {
            pub use crate::pdf::parser::ObjectParser;
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
        pub use crate::cades::signed_attributes::{single_value, ID_SIGNING_TIME};
        pub use crate::cades::signing_certificate_v2::{
            SigningCertificateV2, ID_AA_SIGNING_CERTIFICATE_V2,
        };
        pub use crate::cades::timestamp::asn1::Oid;
        pub use crate::cades::{
            build_detached, reserved_len, verify_detached, verify_detached_with, CmsParams,
            PathCheck,
        };
    }

    /// Signature verification per backend.
    pub mod crypto {
        pub use crate::crypto::algorithm::SignatureAlgorithm;
        #[cfg(feature = "aws-lc")]
        pub use crate::crypto::aws_lc::verify_signature as aws_lc_verify_signature;
        pub use crate::crypto::rustcrypto::verify_signature as rustcrypto_verify_signature;
        use crate::crypto::{Backend, SignatureScheme};

        /// The algorithm (as read back from a SignerInfo) of the signatures `scheme` makes.
        pub fn signature_algorithm(scheme: SignatureScheme) -> SignatureAlgorithm {
            scheme.signature_algorithm()
        }

        /// Checks `signature` (made with `scheme`) over `message` on `backend`.
        pub fn verify_signature(
            backend: Backend,
            public_key: &spki::SubjectPublicKeyInfoOwned,
            scheme: SignatureScheme,
            message: &[u8],
            signature: &[u8],
        ) -> crate::Result<bool> {
            backend.verify_signature(
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
            byte_range, fill_byte_range, fill_contents, write_placeholders, Placeholders,
            BYTE_RANGE_WIDTH,
        };
    }

    /// Service helpers the tests use as a client would (request signing, ids, the demo).
    #[cfg(feature = "service")]
    pub mod service {
        pub use crate::service::auth::authorization_header;
        pub use crate::service::clock::unix_now;
        pub use crate::service::demo::{demo, Demo};
        pub use crate::service::ids::{random_id, result_file_id};
    }
}
