//! A minimal RFC 3161 time-stamping authority over a local key: it answers a DER
//! TimeStampReq with a granted TimeStampResp. The test suite and the benchmarks run it on
//! loopback; it also serves a deployment that keeps its own TSA key.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use cms::content_info::ContentInfo;
use der::asn1::{Int, ObjectIdentifier};
use der::{Decode, Encode};

use super::asn1::{PkiStatusInfo, TimeStampReq, TimeStampResp, TstInfo, ID_CT_TST_INFO};
use crate::crypto::{CertifiedKey, DigestAlgorithm};
use crate::error::{Error, Result};

/// A TSA: a key whose certificate carries id-kp-timeStamping, a policy and a serial counter.
///
/// # Examples
///
/// ```
/// # let tsa_key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
/// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// use std::time::SystemTime;
/// use countersign::timestamp::{Authority, ObjectIdentifier, TimestampRequest};
/// use countersign::DigestAlgorithm;
///
/// let tsa = Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1"));
/// let imprint = DigestAlgorithm::Sha256.digest_chunks(&[b"document bytes"]);
/// let request = TimestampRequest::new(DigestAlgorithm::Sha256, &imprint, &[0x42; 8])?;
/// let answer = tsa.respond(request.der(), SystemTime::now())?; // a DER TimeStampResp
/// let token = request.check_response(&answer, &roots)?; // granted, signed by a trusted TSA
/// assert!(token.windows(imprint.len()).any(|w| w == imprint));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Authority {
    key: CertifiedKey,
    policy: ObjectIdentifier,
    digest: DigestAlgorithm,
    next_serial: AtomicU64,
}

impl Authority {
    /// An authority signing with `key` (its certificate must carry id-kp-timeStamping) under
    /// the policy `policy`, with SHA-256.
    ///
    /// # Examples
    ///
    /// ```
    /// # let tsa_key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// use std::time::SystemTime;
    /// use countersign::timestamp::{Authority, ObjectIdentifier, TimestampRequest};
    /// use countersign::DigestAlgorithm;
    ///
    /// let policy = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1"); // your TSA policy's OID
    /// let tsa = Authority::new(tsa_key, policy);
    /// let request = TimestampRequest::new(DigestAlgorithm::Sha256, &[0x11; 32], &[1; 8])?;
    /// let token = request.check_response(&tsa.respond(request.der(), SystemTime::now())?, &[])?;
    /// assert!(token.windows(policy.as_bytes().len()).any(|w| w == policy.as_bytes())); // in the TSTInfo
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(key: CertifiedKey, policy: ObjectIdentifier) -> Self {
        Self {
            key,
            policy,
            digest: DigestAlgorithm::Sha256,
            next_serial: AtomicU64::new(1),
        }
    }

    /// The TimeStampResp (DER) for a DER TimeStampReq, timestamped `now`. A request that is
    /// not readable gets a rejection (status 2, badDataFormat), not an error.
    ///
    /// # Examples
    ///
    /// ```
    /// # let tsa_key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// use std::time::SystemTime;
    /// use countersign::timestamp::{Authority, ObjectIdentifier, TimestampRequest};
    /// use countersign::{DigestAlgorithm, Error, TimestampProblem};
    ///
    /// let tsa = Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1"));
    /// let request = TimestampRequest::new(DigestAlgorithm::Sha256, &[0x11; 32], &[1; 8])?;
    /// assert!(request.check_response(&tsa.respond(request.der(), SystemTime::now())?, &[]).is_ok());
    ///
    /// let rejection = tsa.respond(b"not a TimeStampReq", SystemTime::now())?;
    /// match request.check_response(&rejection, &[]) {
    ///     Err(Error::Timestamp(TimestampProblem::Rejected { status, text })) => {
    ///         assert_eq!((status, text.as_str()), (2, "badDataFormat"));
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn respond(&self, request: &[u8], now: SystemTime) -> Result<Vec<u8>> {
        let Ok(request) = TimeStampReq::from_der(request) else {
            return rejection("badDataFormat");
        };
        if DigestAlgorithm::from_oid(&request.message_imprint.hash_algorithm.oid).is_none() {
            return rejection("badAlg");
        }
        let serial = self.next_serial.fetch_add(1, Ordering::Relaxed);
        let info = TstInfo {
            policy: request.req_policy.unwrap_or(self.policy),
            message_imprint: request.message_imprint,
            serial_number: positive_int(serial)?,
            gen_time: now,
            nonce: request.nonce,
        };
        let tst_der = info.to_der().map_err(der_error)?;
        // certReq is honoured by always embedding the chain: a token without it cannot be
        // checked offline, which is what PAdES validation needs.
        let token =
            super::super::build_encapsulated(&self.key, self.digest, ID_CT_TST_INFO, &tst_der)?;
        TimeStampResp {
            status: granted(),
            time_stamp_token: Some(ContentInfo::from_der(&token).map_err(der_error)?),
        }
        .to_der()
        .map_err(der_error)
    }
}

/// `value` as a DER INTEGER: no leading zero bytes, one zero byte before a high bit.
fn positive_int(value: u64) -> Result<Int> {
    let bytes = value.to_be_bytes();
    let significant = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    let mut canonical = vec![0u8];
    canonical.extend_from_slice(bytes.get(significant..).unwrap_or(&[0]));
    let start = usize::from(canonical.get(1).is_some_and(|&b| b < 0x80));
    Int::new(canonical.get(start..).unwrap_or(&[0])).map_err(der_error)
}

fn granted() -> PkiStatusInfo {
    PkiStatusInfo {
        status: 0,
        status_string: None,
        fail_info: None,
    }
}

fn rejection(text: &str) -> Result<Vec<u8>> {
    TimeStampResp {
        status: PkiStatusInfo {
            status: 2,
            status_string: Some(vec![text.to_owned()]),
            fail_info: None,
        },
        time_stamp_token: None,
    }
    .to_der()
    .map_err(der_error)
}

fn der_error(source: der::Error) -> Error {
    Error::Der {
        what: "timestamp token",
        source,
    }
}
