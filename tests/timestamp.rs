//! PAdES B-T: signature timestamps from a real RFC 3161 TSA on loopback (tests/common/servers),
//! checked by our verifier, pyHanko's AdES validation and pdfsig; every TSA failure is a typed
//! error and writes nothing.
#![cfg(feature = "tsa")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::servers::{HttpServer, LocalTsa, test_authority};
use common::{TempDir, pdfsig_verify, pki_path, pyhanko_ades, read_pdf, root_ca_pem};
use countersign::TimestampProblem;
use countersign::crypto::credential::{load_pem, load_pkcs12, trust_roots_from_pem};
use countersign::crypto::{CertifiedKey, DigestAlgorithm, LoadOptions};
use countersign::error::HttpError;
use countersign::timestamp::Authority;
use countersign::timestamp::TimeStamper;
use countersign::timestamp::{HttpTsa, TsaConfig};
use countersign::{Error, SignOptions, VerifyOptions, sign_batch, sign_file, sign_pdf, verify_pdf};

fn demo_key() -> CertifiedKey {
    load_pkcs12(
        &std::fs::read(pki_path("demo.p12")).unwrap(),
        "demo",
        &LoadOptions::default(),
    )
    .unwrap()
}

fn roots() -> Vec<x509_cert::Certificate> {
    trust_roots_from_pem(&std::fs::read(root_ca_pem()).unwrap()).unwrap()
}

fn tsa_config(url: String) -> TsaConfig {
    {
        let mut tsa_config = TsaConfig::new(url);
        tsa_config.trust_roots = roots();
        tsa_config
    }
}

fn timestamped(url: String) -> SignOptions {
    {
        let mut sign_options = SignOptions::default();
        sign_options.timestamp = Some(Arc::new(HttpTsa::new(tsa_config(url))));
        sign_options
    }
}

// VerifyOptions gains fields (trust policy, revocation data): the update keeps this literal valid.
#[allow(clippy::needless_update)]
fn verify_options() -> VerifyOptions {
    VerifyOptions::trusting(roots())
}

#[test]
fn b_t_is_accepted_by_our_verifier_pyhanko_and_pdfsig() {
    let tsa = LocalTsa::start();
    let pdf = read_pdf("classic.pdf");
    let before = SystemTime::now() - Duration::from_secs(1);
    let signed = sign_pdf(&pdf, &demo_key(), &timestamped(tsa.url())).unwrap();
    assert!(signed.starts_with(&pdf));

    let report = verify_pdf(&signed, &verify_options()).unwrap();
    assert!(report.all_valid(), "{report:#?}");
    let signature = &report.signatures[0];
    let stamp = signature.timestamp.as_ref().expect("a signature timestamp");
    assert!(stamp.valid, "{stamp:#?}");
    assert!(stamp.time >= before && stamp.time <= SystemTime::now());
    assert!(
        stamp.tsa_subject.contains("Demo TSA"),
        "{}",
        stamp.tsa_subject
    );
    assert_eq!(signature.proven_time(), Some(stamp.time));

    let dir = TempDir::new("b-t");
    let path = dir.write("b-t.pdf", &signed);
    if let Some(ades) = pyhanko_ades(&path, &root_ca_pem()) {
        let sig = &ades["signatures"][0];
        assert_eq!(sig["level"], "B-T", "pyHanko AdES: {ades:#}");
        assert_eq!(sig["signature_ts"], true, "{ades:#}");
        // The same check on a B-B signature says B-B: the script tells the levels apart.
        let plain = sign_pdf(&pdf, &demo_key(), &SignOptions::default()).unwrap();
        let plain_path = dir.write("b-b.pdf", &plain);
        let ades = pyhanko_ades(&plain_path, &root_ca_pem()).unwrap();
        assert_eq!(ades["signatures"][0]["level"], "B-B", "{ades:#}");
    }
    // pdfsig checks the signature and the signer's chain; it does not report on the token.
    let pdfsig = pdfsig_verify(&path, &root_ca_pem());
    if !pdfsig.skipped {
        assert!(pdfsig.all_valid_and_trusted(), "{}", pdfsig.output);
    }
}

#[test]
fn a_batch_gets_one_token_per_document() {
    let tsa = LocalTsa::start();
    let pdf = read_pdf("classic.pdf");
    let documents = vec![pdf.clone(); 12];
    let results = sign_batch(&documents, &demo_key(), &timestamped(tsa.url()));
    let mut serial_times = Vec::new();
    for result in results {
        let signed = result.unwrap();
        let report = verify_pdf(&signed, &verify_options()).unwrap();
        assert!(report.all_valid(), "{report:#?}");
        serial_times.push(report.signatures[0].timestamp.clone().unwrap().time);
    }
    assert_eq!(serial_times.len(), 12);
}

#[test]
fn a_tsa_that_is_down_is_a_typed_error_and_nothing_is_written() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = TempDir::new("tsa-down");
    let input = dir.write("in.pdf", &read_pdf("classic.pdf"));
    let output = dir.path().join("out.pdf");
    let options = timestamped(format!("http://127.0.0.1:{port}/tsa"));
    let error = sign_file(&input, &output, &demo_key(), &options).unwrap_err();
    assert!(
        matches!(&error, Error::TsaUnavailable(HttpError::Transport { url, .. }) if url.ends_with("/tsa")),
        "{error:?}"
    );
    // The chain: what failed, the request, then the HTTP client's own error.
    let request = std::error::Error::source(&error).expect("the failed request");
    assert_eq!(
        request.to_string(),
        format!("request to http://127.0.0.1:{port}/tsa failed")
    );
    assert!(
        request.source().is_some(),
        "the HTTP client's error is kept"
    );
    assert!(!output.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a stray file was left"
    );
}

#[test]
fn a_slow_tsa_times_out_with_a_typed_error() {
    let tsa = LocalTsa::start_with(Duration::from_secs(5));
    let config = {
        let mut tsa_config = tsa_config(tsa.url());
        tsa_config.timeout = Duration::from_millis(300);
        tsa_config
    };
    let options = {
        let mut sign_options = SignOptions::default();
        sign_options.timestamp = Some(Arc::new(HttpTsa::new(config)));
        sign_options
    };
    let error = sign_pdf(&read_pdf("classic.pdf"), &demo_key(), &options).unwrap_err();
    match error {
        Error::TsaUnavailable(HttpError::Timeout { timeout, .. }) => {
            assert_eq!(timeout, Duration::from_millis(300))
        }
        other => panic!("{other:?}"),
    }
}

/// A TSA whose size hint is too small: the token does not fit what was reserved.
#[derive(Debug)]
struct Understated {
    inner: HttpTsa,
    noted: Mutex<Option<usize>>,
}

impl TimeStamper for Understated {
    fn timestamp(&self, digest: DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
        self.inner.timestamp(digest, imprint)
    }
    fn token_len_hint(&self) -> countersign::Result<usize> {
        Ok(16)
    }
    fn note_token_len(&self, len: usize) {
        *self.noted.lock().unwrap() = Some(len);
    }
}

#[test]
fn a_token_larger_than_reserved_is_a_typed_error() {
    let tsa = LocalTsa::start();
    let stamper = Arc::new(Understated {
        inner: HttpTsa::new(tsa_config(tsa.url())),
        noted: Mutex::new(None),
    });
    let options = {
        let mut sign_options = SignOptions::default();
        sign_options.timestamp = Some(stamper.clone());
        sign_options
    };
    let error = sign_pdf(&read_pdf("classic.pdf"), &demo_key(), &options).unwrap_err();
    assert!(
        matches!(error, Error::TimestampTooLarge { reserved, needed } if needed > reserved),
        "{error:?}"
    );
    assert!(stamper.noted.lock().unwrap().is_some_and(|len| len > 16));
}

/// A TSA server answering with `authority`, or always with the first answer it gave.
fn serve(authority: Authority, replay: bool) -> HttpServer {
    let first: Mutex<Option<Vec<u8>>> = Mutex::new(None);
    HttpServer::start(
        0,
        Arc::new(move |_method, _path, body| {
            let mut first = first.lock().unwrap();
            let answer = match (&*first, replay) {
                (Some(answer), true) => answer.clone(),
                _ => authority.respond(body, SystemTime::now()).unwrap(),
            };
            first.get_or_insert_with(|| answer.clone());
            (200, "application/timestamp-reply", answer)
        }),
    )
}

#[test]
fn a_tsa_certificate_without_the_timestamping_eku_is_refused() {
    // The demo seal is a valid certificate under the same root, but not a TSA's.
    let chain = std::fs::read(pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(pki_path("demo.key.pem")).unwrap();
    let key = load_pem(&chain, &key, &LoadOptions::default()).unwrap();
    let server = serve(Authority::new(key, "1.2.3.4".parse().unwrap()), false);
    let error = sign_pdf(
        &read_pdf("classic.pdf"),
        &demo_key(),
        &timestamped(server.url("/tsa")),
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timestamp(TimestampProblem::NotTimestampingCertificate(_))
        ),
        "{error:?}"
    );
}

#[test]
fn a_replayed_answer_is_refused_by_its_nonce() {
    let server = serve(test_authority(), true);
    let tsa = Arc::new(HttpTsa::new(tsa_config(server.url("/tsa"))));
    // The same document signed at the same time has the same signature value, so the replayed
    // token's imprint matches: only the nonce tells the answers apart.
    let options = {
        let mut sign_options = SignOptions::default();
        sign_options.timestamp = Some(tsa.clone());
        sign_options.signing_time =
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000));
        sign_options
    };
    let pdf = read_pdf("classic.pdf");
    let digest = DigestAlgorithm::Sha256.digest_chunks(&[b"same data"]);
    tsa.timestamp(DigestAlgorithm::Sha256, &digest).unwrap();
    let error = tsa.timestamp(DigestAlgorithm::Sha256, &digest).unwrap_err();
    assert!(
        matches!(error, Error::Timestamp(TimestampProblem::NonceMismatch)),
        "{error:?}"
    );
    let other = DigestAlgorithm::Sha256.digest_chunks(&[b"other data"]);
    let error = tsa.timestamp(DigestAlgorithm::Sha256, &other).unwrap_err();
    assert!(
        matches!(error, Error::Timestamp(TimestampProblem::ImprintMismatch)),
        "{error:?}"
    );
    assert!(sign_pdf(&pdf, &demo_key(), &options).is_err());
}

#[test]
fn an_untrusted_tsa_is_refused_when_roots_are_configured() {
    let tsa = LocalTsa::start();
    // Trust only the TSA's issuing CA's sibling: the demo seal's chain does not lead there.
    let config = {
        let mut tsa_config = TsaConfig::new(tsa.url());
        tsa_config.trust_roots =
            trust_roots_from_pem(&std::fs::read(pki_path("deep-int1.cert.pem")).unwrap()).unwrap();
        tsa_config
    };
    let options = {
        let mut sign_options = SignOptions::default();
        sign_options.timestamp = Some(Arc::new(HttpTsa::new(config)));
        sign_options
    };
    let error = sign_pdf(&read_pdf("classic.pdf"), &demo_key(), &options).unwrap_err();
    assert!(
        matches!(error, Error::Timestamp(TimestampProblem::Untrusted(_))),
        "{error:?}"
    );
}
