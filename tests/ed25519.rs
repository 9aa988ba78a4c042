//! Ed25519 signatures (RFC 8419): id-Ed25519 with absent parameters, SHA-512 as the digest,
//! pure Ed25519 over the signed attributes; an Ed25519 signer certified by an Ed25519 CA, so
//! the chain path checks Ed25519 certificate signatures too.

mod common;

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{load_pem, load_pkcs12, parse_certificates};
use countersign::error::SignerError;
use countersign::{
    CertifiedKey, DeferredSignature, DigestAlgorithm, Error, SignOptions, SignatureScheme,
    VerifyOptions, prepare_deferred, sign_pdf, verify_pdf,
};

fn pki(name: &str) -> Vec<u8> {
    std::fs::read(common::pki_path(name)).unwrap()
}

fn ed25519_key() -> CertifiedKey {
    load_pem(
        &pki("demo-ed25519.chain.pem"),
        &pki("demo-ed25519.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn sha512() -> SignOptions {
    let mut options = SignOptions::default();
    options.digest = DigestAlgorithm::Sha512;
    options
}

fn trusting_the_root() -> VerifyOptions {
    VerifyOptions::trusting(
        parse_certificates(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap(),
    )
}

#[test]
fn signs_and_verifies_with_the_rfc_8419_identifiers() {
    let pdf = common::read_pdf("classic.pdf");
    let signed = sign_pdf(&pdf, &ed25519_key(), &sha512()).unwrap();
    let report = verify_pdf(&signed, &trusting_the_root()).unwrap();
    assert!(report.all_valid(), "{report:?}");
    assert_eq!(report.signatures[0].signature_algorithm, "Ed25519");

    // The SignerInfo: digestAlgorithm SHA-512 (2.16.840.1.101.3.4.2.3), signatureAlgorithm
    // id-Ed25519 (1.3.101.112) with no parameters, a 64-byte signature.
    let sha512_identifier = [
        0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
    ];
    let ed25519_then_signature = [0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x40];
    let cms = cms_of(&signed);
    assert!(contains(&cms, &sha512_identifier));
    assert!(contains(&cms, &ed25519_then_signature));
}

/// One-shot signing follows the key (RFC 8419: SHA-512 only), as for SM2 (SM3): the default
/// SHA-256 of the options gives way. A deferred signature names its scheme and digest itself, so
/// there a contradiction is refused, naming the rule.
#[test]
fn the_digest_follows_the_key_and_a_deferred_contradiction_is_refused() {
    let pdf = common::read_pdf("classic.pdf");
    let signed = sign_pdf(&pdf, &ed25519_key(), &SignOptions::default()).unwrap();
    let sha512_identifier = [
        0x30, 0x0B, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
    ];
    assert!(contains(&cms_of(&signed), &sha512_identifier));
    let chain = parse_certificates(&pki("demo-ed25519.chain.pem")).unwrap();
    match prepare_deferred(
        &pdf,
        chain,
        SignatureScheme::Ed25519,
        &SignOptions::default(),
    ) {
        Err(Error::Signer(SignerError::DigestMandated {
            required: DigestAlgorithm::Sha512,
            requested: DigestAlgorithm::Sha256,
            ..
        })) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_pkcs12_bundle_loads_the_same_key() {
    let p12 = load_pkcs12(&pki("demo-ed25519.p12"), "demo", &LoadOptions::default()).unwrap();
    assert_eq!(
        p12.key().public_key().unwrap(),
        ed25519_key().key().public_key().unwrap()
    );
    assert_eq!(p12.cert_chain().len(), 3);
}

#[test]
fn validators_accept_it() {
    let pdf = common::read_pdf("acroform.pdf");
    let signed = sign_pdf(&pdf, &ed25519_key(), &sha512()).unwrap();
    let dir = common::TempDir::new("ed25519-validators");
    let path = dir.write("ed25519.pdf", &signed);
    let root = common::root_ca_pem();

    common::qpdf_check(&path).assert_ok("qpdf");
    let pyhanko = common::pyhanko_validate(&path, &root);
    if !pyhanko.skipped {
        assert!(pyhanko.all_intact_valid_trusted(), "{}", pyhanko.output);
        assert_eq!(
            pyhanko.signatures[0].md_algorithm.as_deref(),
            Some("sha512")
        );
    }
    // OpenSSL 3.0 cannot verify (nor make) Ed25519 CMS with signed attributes: it hands the
    // SHA-512 to EdDSA ("eddsa_digest_signverify_init: invalid digest"); and poppler's NSS
    // backend: both recorded in docs/COMPATIBILITY.md, printed, not asserted.
    for verdict in common::openssl_cms_verify(&signed, &root) {
        eprintln!("openssl cms -verify on Ed25519: {verdict:?}");
    }
    let pdfsig = common::pdfsig_verify(&path, &root);
    if !pdfsig.skipped {
        eprintln!("pdfsig on Ed25519: {:?}", pdfsig.signatures);
    }
}

#[test]
fn deferred_signing_with_ed25519_signs_the_attributes_themselves() {
    let pdf = common::read_pdf("classic.pdf");
    let key = ed25519_key();
    let chain = key.cert_chain().to_vec();
    let mut options = sha512();
    options.signing_time =
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600));
    let state = prepare_deferred(&pdf, chain, SignatureScheme::Ed25519, &options)
        .unwrap()
        .to_bytes()
        .unwrap();
    let prepared = DeferredSignature::from_bytes(&state).unwrap();
    assert_eq!(prepared.scheme(), SignatureScheme::Ed25519);
    let signer = key.key().choose_scheme(DigestAlgorithm::Sha512).unwrap();
    let signature = signer.sign(prepared.to_be_signed()).unwrap();
    let signed = prepared.complete(&pdf, &signature).unwrap();
    // Ed25519 is deterministic: the same bytes as the one-shot path.
    assert!(signed == sign_pdf(&pdf, &key, &options).unwrap());
    let mut wrong = signature.clone();
    wrong[0] ^= 1;
    assert!(matches!(
        prepared.complete(&pdf, &wrong),
        Err(Error::Deferred(_))
    ));
}

/// The CMS in the last `/Contents` of `pdf`.
fn cms_of(pdf: &[u8]) -> Vec<u8> {
    let at = pdf.windows(11).rposition(|w| w == b"/Contents <").unwrap() + 11;
    let end = at + pdf[at..].iter().position(|&b| b == b'>').unwrap();
    let hex = std::str::from_utf8(&pdf[at..end])
        .unwrap()
        .trim_end_matches('0');
    let hex = if hex.len() % 2 == 1 {
        format!("{hex}0")
    } else {
        hex.to_owned()
    };
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(feature = "aws-lc")]
#[test]
fn the_aws_lc_provider_verifies_ed25519_strictly() {
    let pdf = common::read_pdf("classic.pdf");
    let signed = sign_pdf(&pdf, &ed25519_key(), &sha512()).unwrap();
    let mut options = trusting_the_root();
    options.provider = countersign::crypto::aws_lc::default_provider();
    assert!(verify_pdf(&signed, &options).unwrap().all_valid());
    let mut tampered = signed.clone();
    let at = signed.len() - 200; // inside the update, covered by the signature
    tampered[at] ^= 0x01;
    assert!(!verify_pdf(&tampered, &options).unwrap().all_valid());
    let verifier = countersign::crypto::aws_lc::default_provider().verifier;
    let key = ed25519_key();
    let signature = key
        .key()
        .choose_scheme(DigestAlgorithm::Sha512)
        .unwrap()
        .sign(b"message")
        .unwrap();
    let spki = key.key().public_key().unwrap();
    let public_key = spki.subject_public_key.as_bytes().unwrap();
    assert!(
        verifier
            .verify_ed25519(public_key, b"message", &signature)
            .unwrap()
    );
    assert!(
        !verifier
            .verify_ed25519(public_key, b"massage", &signature)
            .unwrap()
    );
}
