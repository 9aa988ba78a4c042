//! A minimal RFC 3161 time-stamping authority over a local key: it answers a DER
//! TimeStampReq with a granted TimeStampResp. The test suite and the benchmarks run it on
//! loopback; it also serves a deployment that keeps its own TSA key.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use cms::content_info::ContentInfo;
use der::asn1::{Int, ObjectIdentifier};
use der::{Decode, Encode};

use super::asn1::{
    GenTime, ID_CT_TST_INFO, PkiStatusInfo, TST_INFO_V1, TimeStampReq, TimeStampResp, TstInfo,
};
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
            version: TST_INFO_V1,
            policy: request.req_policy.unwrap_or(self.policy),
            message_imprint: request.message_imprint,
            serial_number: positive_int(serial)?,
            // To the nanosecond, as TSAs do (`YYYYMMDDhhmmss.fffZ`).
            gen_time: GenTime::from_system_time(now).map_err(der_error)?,
            accuracy: None,
            ordering: false,
            nonce: request.nonce,
            tsa: None,
            extensions: None,
        };
        let tst_der = info.to_der().map_err(der_error)?;
        // certReq is honoured by always embedding the chain: a token without it cannot be
        // checked offline, which is what PAdES validation needs.
        let token =
            super::super::build_encapsulated(&self.key, self.digest, ID_CT_TST_INFO, &tst_der)?;
        TimeStampResp {
            status: PkiStatusInfo::granted(),
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

fn rejection(text: &str) -> Result<Vec<u8>> {
    TimeStampResp {
        status: PkiStatusInfo::rejection(text),
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cades::timestamp::asn1::encapsulated_tst_info;
    use crate::cades::timestamp::{TimestampRequest, verify_token};

    fn authority() -> Authority {
        let key = crate::crypto::credential::load_pem(
            &std::fs::read("testdata/pki/tsa-tsa.chain.pem").unwrap(),
            &std::fs::read("testdata/pki/tsa-tsa.key.pem").unwrap(),
            &Default::default(),
        )
        .unwrap();
        Authority::new(key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1"))
    }

    #[test]
    fn its_tokens_read_back_field_by_field_and_re_encode_identically() {
        let authority = authority();
        let imprint = DigestAlgorithm::Sha256.digest_chunks(&[b"data"]);
        let request = TimestampRequest::new(DigestAlgorithm::Sha256, &imprint, &[0x42; 8]).unwrap();
        let now = SystemTime::UNIX_EPOCH + Duration::new(1_800_000_000, 123_400_000);
        let answer = authority.respond(request.der(), now).unwrap();
        let token = request.check_response(&answer, &[]).unwrap();

        let tst_der = encapsulated_tst_info(&ContentInfo::from_der(&token).unwrap()).unwrap();
        let info = TstInfo::read(&tst_der).unwrap();
        assert_eq!(info.version, TST_INFO_V1);
        assert_eq!(info.policy, authority.policy);
        assert_eq!(info.message_imprint.hashed_message.as_bytes(), imprint);
        assert_eq!(info.nonce, Some(Int::new(&[0x42; 8]).unwrap()));
        assert_eq!(info.gen_time.to_system_time(), now);
        assert!(tst_der.windows(20).any(|w| w == b"20270115080000.1234Z"));
        assert_eq!(info.to_der().unwrap(), tst_der);

        let roots = crate::crypto::credential::trust_roots_from_pem(
            &std::fs::read("testdata/pki/root-ca.cert.pem").unwrap(),
        )
        .unwrap();
        let verified = verify_token(&token, Some(&[b"data"]), &roots, &Default::default()).unwrap();
        assert!(verified.is_valid());
        assert_eq!(verified.gen_time(), now);
    }

    #[test]
    fn serial_numbers_count_up_from_one() {
        let authority = authority();
        let request = TimestampRequest::new(DigestAlgorithm::Sha256, &[1; 32], &[7]).unwrap();
        let serials: Vec<Int> = (0..2)
            .map(|_| {
                let answer = authority.respond(request.der(), SystemTime::now()).unwrap();
                let token = request.check_response(&answer, &[]).unwrap();
                let tst = encapsulated_tst_info(&ContentInfo::from_der(&token).unwrap()).unwrap();
                TstInfo::read(&tst).unwrap().serial_number
            })
            .collect();
        assert_eq!(serials, [Int::new(&[1]).unwrap(), Int::new(&[2]).unwrap()]);
    }

    #[test]
    fn an_unreadable_request_gets_a_rejection() {
        let answer = authority()
            .respond(b"not a request", SystemTime::now())
            .unwrap();
        let response = TimeStampResp::from_der(&answer).unwrap();
        assert_eq!(response.status, PkiStatusInfo::rejection("badDataFormat"));
        assert!(response.time_stamp_token.is_none());
    }
}
