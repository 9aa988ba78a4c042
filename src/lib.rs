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

pub mod cades;
pub mod crypto;
pub mod error;
pub mod ltv;
pub mod pdf;
mod problem;
pub mod repair;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "service")]
pub mod service;
pub mod sign;
pub mod verify;

pub use crypto::{CertifiedKey, DigestAlgorithm, SignatureScheme, Signer, SigningKey};
pub use error::Error;
pub use sign::{batch::sign_batch, stream::sign_file};
pub use sign::{sign_pdf, SignOptions, SubFilter};
pub use verify::{verify_pdf, VerifyOptions, VerifyReport};
