//! Deferred (two-phase) signing through the library: the state survives serialisation, the
//! output is byte-identical to the one-shot path for a deterministic scheme, validators accept
//! it, and hostile states, documents and signatures are typed errors with no output.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::acceptance::check_signed_output;
use countersign::crypto::credential::{load_pem, load_private_key, parse_certificates};
use countersign::crypto::{LoadOptions, RsaPadding};
use countersign::error::{DeferredError, SignerError};
use countersign::{
    CertifiedKey, DeferredSignature, DigestAlgorithm, Error, SignOptions, SignatureScheme,
    SigningKey, SubFilter, VerifyOptions, prepare_deferred, scheme_for_certificate, sign_pdf,
    verify_pdf,
};

fn pki(name: &str) -> Vec<u8> {
    std::fs::read(common::pki_path(name)).unwrap()
}

fn chain(name: &str) -> Vec<x509_cert::Certificate> {
    parse_certificates(&pki(name)).unwrap()
}

fn key(name: &str) -> Arc<dyn SigningKey> {
    load_private_key(&pki(name), &LoadOptions::default()).unwrap()
}

fn fixed_time(options: &mut SignOptions) {
    options.signing_time = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600));
}

/// Prepares, round-trips the state through bytes, signs with `signer` as another process would.
fn deferred_sign(
    pdf: &[u8],
    chain: Vec<x509_cert::Certificate>,
    signer: &Arc<dyn SigningKey>,
    options: &SignOptions,
) -> Vec<u8> {
    let scheme = scheme_for_certificate(&chain[0], options.digest, RsaPadding::Pkcs1v15).unwrap();
    let state = prepare_deferred(pdf, chain, scheme, options)
        .unwrap()
        .to_bytes()
        .unwrap();
    let prepared = DeferredSignature::from_bytes(&state).unwrap();
    let signature = signer
        .choose_scheme(options.digest)
        .unwrap()
        .sign(prepared.to_be_signed())
        .unwrap();
    prepared.complete(pdf, &signature).unwrap()
}

#[test]
fn rsa_output_is_byte_identical_to_sign_pdf_across_a_serialised_state() {
    let pdf = common::read_pdf("classic.pdf");
    let certified = load_pem(
        &pki("demo.chain.pem"),
        &pki("demo.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap();
    for (subfilter, digest) in [
        (SubFilter::CadesDetached, DigestAlgorithm::Sha256),
        (SubFilter::Pkcs7Detached, DigestAlgorithm::Sha384), // with a signing-time attribute
    ] {
        let mut options = SignOptions::default();
        options.subfilter = subfilter;
        options.digest = digest;
        options.reason = Some("Approved remotely".into());
        fixed_time(&mut options);
        let deferred = deferred_sign(&pdf, chain("demo.chain.pem"), certified.key(), &options);
        let one_shot = sign_pdf(&pdf, &certified, &options).unwrap();
        assert!(deferred == one_shot, "{subfilter:?}: outputs differ");
    }
}

#[test]
fn the_digest_form_signs_the_same_bytes() {
    let pdf = common::read_pdf("classic.pdf");
    let prepared = prepare_deferred(
        &pdf,
        chain("demo.chain.pem"),
        SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256),
        &SignOptions::default(),
    )
    .unwrap();
    assert_eq!(
        prepared.to_be_signed_digest(),
        DigestAlgorithm::Sha256.digest_chunks(&[prepared.to_be_signed()])
    );
    assert_eq!(prepared.to_be_signed()[0], 0x31, "an explicit SET OF");
}

#[test]
fn ecdsa_p256_and_rsa_outputs_are_accepted_by_the_validators() {
    let pdf = common::read_pdf("acroform.pdf");
    let dir = common::TempDir::new("deferred-validators");
    for (chain_file, key_file) in [
        ("demo-p256.chain.pem", "demo-p256.key.pem"),
        ("demo.chain.pem", "demo.key.pem"),
    ] {
        let signed = deferred_sign(
            &pdf,
            chain(chain_file),
            &key(key_file),
            &SignOptions::default(),
        );
        let report = verify_pdf(
            &signed,
            &VerifyOptions::trusting(
                parse_certificates(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap(),
            ),
        )
        .unwrap();
        assert!(report.all_valid(), "{chain_file}: {report:?}");
        let path = dir.path().join(format!("{key_file}.pdf"));
        std::fs::write(&path, &signed).unwrap();
        check_signed_output(&pdf, &signed, &path, &common::root_ca_pem(), &[])
            .assert_ok(chain_file);
    }
}

fn prepared_rsa(pdf: &[u8]) -> DeferredSignature {
    prepare_deferred(
        pdf,
        chain("demo.chain.pem"),
        SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256),
        &SignOptions::default(),
    )
    .unwrap()
}

fn demo_signature(prepared: &DeferredSignature) -> Vec<u8> {
    key("demo.key.pem")
        .choose_scheme(DigestAlgorithm::Sha256)
        .unwrap()
        .sign(prepared.to_be_signed())
        .unwrap()
}

#[test]
fn wrong_signatures_are_refused_before_embedding() {
    let pdf = common::read_pdf("classic.pdf");
    let prepared = prepared_rsa(&pdf);
    let good = demo_signature(&prepared);

    let mut flipped = good.clone();
    flipped[100] ^= 0x01;
    let another_key = key("pubsec-recipient.key.pem") // RSA-2048, not the certificate's
        .choose_scheme(DigestAlgorithm::Sha256)
        .unwrap()
        .sign(prepared.to_be_signed())
        .unwrap();
    let other_bytes = demo_signature(&prepared_rsa(&common::read_pdf("acroform.pdf")));
    for (what, signature) in [
        ("flipped bit", flipped),
        ("another key", another_key),
        ("signature over other bytes", other_bytes),
        ("empty", Vec::new()),
        ("short garbage", vec![0xA5; 17]),
    ] {
        match prepared.complete(&pdf, &signature) {
            Err(Error::Deferred(DeferredError::SignatureInvalid { subject })) => {
                assert!(subject.contains("Demo Organisation"), "{what}: {subject}")
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    let mut oversized = good.clone();
    oversized.push(0);
    assert!(matches!(
        prepared.complete(&pdf, &oversized),
        Err(Error::Signer(SignerError::SignatureTooLong {
            len: 257,
            max: 256
        }))
    ));
    assert!(
        prepared.complete(&pdf, &good).is_ok(),
        "the good one still works"
    );
}

#[test]
fn a_state_completes_only_the_document_it_was_prepared_for() {
    let pdf = common::read_pdf("classic.pdf");
    let prepared = prepared_rsa(&pdf);
    let signature = demo_signature(&prepared);
    let mut same_length = pdf.clone();
    let last = same_length.len() - 3;
    same_length[last] ^= 0x20;
    for other in [
        common::read_pdf("acroform.pdf"),
        same_length,
        pdf[..pdf.len() - 1].to_vec(),
    ] {
        match prepared.complete(&other, &signature) {
            Err(Error::Deferred(DeferredError::DifferentDocument {
                expected_len,
                found_len,
                ..
            })) => {
                assert_eq!(expected_len, pdf.len() as u64);
                assert_eq!(found_len, other.len() as u64);
            }
            result => panic!("{result:?}"),
        }
    }
}

#[test]
fn truncated_garbled_and_foreign_states_are_typed_errors() {
    let pdf = common::read_pdf("classic.pdf");
    let prepared = prepared_rsa(&pdf);
    let signature = demo_signature(&prepared);
    let state = prepared.to_bytes().unwrap();

    for len in 0..state.len() {
        match DeferredSignature::from_bytes(&state[..len]) {
            Err(Error::Deferred(DeferredError::MalformedState { .. })) => {}
            other => panic!("prefix of {len} bytes: {other:?}"),
        }
    }
    let mut trailing = state.clone();
    trailing.push(0);
    assert!(DeferredSignature::from_bytes(&trailing).is_err());
    // Every corruption of a byte is refused when the state is read.
    for at in 0..state.len() {
        let mut garbled = state.clone();
        garbled[at] ^= 0x5A;
        match DeferredSignature::from_bytes(&garbled) {
            Err(Error::Deferred(
                DeferredError::MalformedState { .. } | DeferredError::UnsupportedVersion { .. },
            )) => {}
            other => panic!("corruption at byte {at}: {other:?}"),
        }
    }
    let with_checksum = |mut body: Vec<u8>| {
        let checksum = DigestAlgorithm::Sha256.digest_chunks(&[&body]);
        body.extend_from_slice(&checksum);
        body
    };
    let body = state[..state.len() - 32].to_vec();
    let mut newer = body.clone();
    newer[9] = 9;
    assert!(matches!(
        DeferredSignature::from_bytes(&with_checksum(newer)),
        Err(Error::Deferred(DeferredError::UnsupportedVersion {
            found: 9,
            supported: 1
        }))
    ));
    let mut longer = body.clone();
    longer.push(0);
    assert!(matches!(
        DeferredSignature::from_bytes(&with_checksum(longer)),
        Err(Error::Deferred(DeferredError::MalformedState {
            reason: "trailing bytes",
            ..
        }))
    ));
    // A deliberately altered update (checksum recomputed): its digest is no longer the one in
    // the signed attributes.
    let contents = body.windows(11).position(|w| w == b"/Contents <").unwrap();
    let mut altered = body.clone();
    altered[contents - 20] ^= 0x01;
    let read = DeferredSignature::from_bytes(&with_checksum(altered)).unwrap();
    assert!(matches!(
        read.complete(&pdf, &signature),
        Err(Error::Deferred(DeferredError::UpdateMismatch))
    ));
}

#[test]
fn schemes_that_do_not_fit_the_key_or_the_options_are_refused() {
    let pdf = common::read_pdf("classic.pdf");
    let options = SignOptions::default();
    assert!(matches!(
        prepare_deferred(
            &pdf,
            chain("demo.chain.pem"),
            SignatureScheme::EcdsaP256(DigestAlgorithm::Sha256),
            &options
        ),
        Err(Error::Deferred(DeferredError::SchemeNotForKey { .. }))
    ));
    assert!(matches!(
        prepare_deferred(
            &pdf,
            chain("demo-p256.chain.pem"),
            SignatureScheme::EcdsaP384(DigestAlgorithm::Sha256),
            &options
        ),
        Err(Error::Deferred(DeferredError::SchemeNotForKey { .. }))
    ));
    assert!(matches!(
        prepare_deferred(
            &pdf,
            chain("demo.chain.pem"),
            SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha512),
            &options
        ),
        Err(Error::Signer(SignerError::SchemeMismatch { .. }))
    ));
    assert!(matches!(
        prepare_deferred(
            &pdf,
            Vec::new(),
            SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256),
            &options
        ),
        Err(Error::Credential(_))
    ));
}

#[test]
fn a_certified_key_built_from_the_same_chain_matches_the_deferred_signer() {
    // The chain carried in the state is the one embedded: the signer reads as the certificate.
    let pdf = common::read_pdf("classic.pdf");
    let certified =
        CertifiedKey::new(chain("demo-p256.chain.pem"), key("demo-p256.key.pem")).unwrap();
    let signed = deferred_sign(
        &pdf,
        chain("demo-p256.chain.pem"),
        certified.key(),
        &SignOptions::default(),
    );
    let report = verify_pdf(&signed, &VerifyOptions::default()).unwrap();
    assert_eq!(report.signatures[0].signature_algorithm, "SHA256withECDSA");
    assert_eq!(
        report.signatures[0].signer_subject,
        certified
            .end_entity()
            .tbs_certificate()
            .subject()
            .to_string()
    );
}
