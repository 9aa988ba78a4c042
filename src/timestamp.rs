//! RFC 3161 time-stamping for PAdES B-T and B-LTA: where tokens come from ([`TimeStamper`]), an
//! HTTP client for a TSA (`HttpTsa`, feature `tsa`) and a minimal in-process authority over a
//! local key ([`Authority`]).
//!
//! Set [`SignOptions::timestamp`](crate::SignOptions::timestamp) for B-T signatures; pass a
//! stamper to [`ltv::extend`](crate::ltv::extend) or
//! [`ltv::add_document_timestamp`](crate::ltv::add_document_timestamp) for document timestamps.
//! A stamper over another transport builds a [`TimestampRequest`] and checks the answer with it:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::SystemTime;
//! use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
//! use countersign::{sign_pdf, verify_pdf, DigestAlgorithm, SignOptions, VerifyOptions};
//!
//! /// Tokens from an authority in this process (a real deployment sends `request.der()` to
//! /// its TSA over whatever transport it has).
//! #[derive(Debug)]
//! struct InProcess(Authority);
//!
//! impl TimeStamper for InProcess {
//!     fn timestamp(&self, digest: DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
//!         let request = TimestampRequest::new(digest, imprint, &[0x42; 8])?; // use a random nonce
//!         let answer = self.0.respond(request.der(), SystemTime::now())?;
//!         request.check_response(&answer, &[]) // status, imprint, nonce, EKU, signature
//!     }
//!     fn token_len_hint(&self) -> countersign::Result<usize> {
//!         Ok(8192)
//!     }
//! }
//!
//! let tsa_key = countersign::crypto::credential::load_pem(
//!     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
//!     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
//!     &Default::default(),
//! )?;
//! let policy = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1");
//! let key = countersign::crypto::credential::load_pem(
//!     &std::fs::read("testdata/pki/demo.chain.pem")?,
//!     &std::fs::read("testdata/pki/demo.key.pem")?,
//!     &Default::default(),
//! )?;
//! let mut options = SignOptions::default();
//! options.timestamp = Some(Arc::new(InProcess(Authority::new(tsa_key, policy))));
//! let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &options)?;
//! let report = verify_pdf(&signed, &VerifyOptions::default())?;
//! assert!(report.signatures[0].timestamp.is_some()); // PAdES B-T
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use crate::cades::timestamp::authority::Authority;
#[cfg(feature = "tsa")]
pub use crate::cades::timestamp::http::{HttpTsa, TsaConfig};
pub use crate::cades::timestamp::{TimeStamper, TimestampRequest};
/// The policy type of [`Authority::new`], re-exported so that callers need not depend on `der`.
pub use der::asn1::ObjectIdentifier;
