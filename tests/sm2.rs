//! SM2/SM3 signatures (GB/T 32918, GB/T 32905, GM/T 0010): keys and certificates OpenSSL made,
//! CMS in both subfilters and both content-type conventions, certificate paths, and every SM2
//! output judged by implementations other than ours: OpenSSL (`dgst -sm3`, `pkeyutl -verify`
//! with the standard distid) and the pure-Python gmssl package. pdfsig and pyHanko have no SM2:
//! only `qpdf --check` is asked of them.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use common::validators::{
    SM2_STANDARD_ID, Verdict, cms_signed_attributes_and_signature, gmssl_sm2_verify,
    openssl_sm2_verify, openssl_sm3, signature_parts,
};
use common::{TempDir, pki_path, qpdf_check};
use countersign::crypto::credential::{self, LoadOptions, load_pem, parse_certificates};
use countersign::crypto::{CertifiedKey, SM2_DEFAULT_USER_ID, rustcrypto};
use countersign::{
    ChainStatus, CmsContentTypes, DigestAlgorithm, Problem, SignOptions, SignatureScheme,
    SubFilter, VerifyOptions, sign_pdf, verify_pdf,
};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};

const SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
const PKCS7_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const PKCS7_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const GM_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.2");
const GM_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.1");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(pki_path(name)).unwrap()
}

fn sm2_key() -> CertifiedKey {
    load_pem(
        &read("sm2-signer.chain.pem"),
        &read("sm2-signer.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn roots(name: &str) -> VerifyOptions {
    VerifyOptions::trusting(credential::trust_roots_from_pem(&read(name)).unwrap())
}

fn fixed_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_780_000_000)
}

fn sign(key: &CertifiedKey, subfilter: SubFilter, types: CmsContentTypes) -> Vec<u8> {
    let mut options = SignOptions::default();
    options.subfilter = subfilter;
    options.cms_content_types = types;
    options.signing_time = Some(fixed_time());
    sign_pdf(&common::read_pdf("classic.pdf"), key, &options).unwrap()
}

/// The parts of one SM2 signature the oracles need.
struct Sm2Signature {
    covered: Vec<u8>,
    content_info: ContentInfo,
    signed_data: SignedData,
    /// The signed attributes as CMS signs them: the SET OF, not the [0] IMPLICIT tag.
    signed_attributes_der: Vec<u8>,
    message_digest: Vec<u8>,
    signature: Vec<u8>,
}

fn only_signature(pdf: &[u8]) -> Sm2Signature {
    let mut parts = signature_parts(pdf);
    assert_eq!(parts.len(), 1);
    let (covered, der) = parts.remove(0);
    let content_info = ContentInfo::from_der(&der).unwrap();
    let signed_data: SignedData = content_info.content.decode_as().unwrap();
    let signer_info = signed_data.signer_infos.0.get(0).unwrap().clone();
    let attributes = signer_info.signed_attrs.clone().unwrap();
    let message_digest = attributes
        .iter()
        .find(|a| a.oid == MESSAGE_DIGEST)
        .map(|a| {
            let value = a.values.get(0).unwrap();
            OctetString::from_der(&value.to_der().unwrap())
                .unwrap()
                .into_bytes()
        })
        .unwrap();
    Sm2Signature {
        covered,
        content_info,
        signed_data,
        signed_attributes_der: attributes.to_der().unwrap(),
        message_digest: message_digest.into_vec(),
        signature: signer_info.signature.as_bytes().to_vec(),
    }
}

fn signer_point() -> Vec<u8> {
    let certificate = &parse_certificates(&read("sm2-signer.cert.pem")).unwrap()[0];
    certificate
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec()
}

/// Every independent check of one SM2-signed PDF: qpdf, the ByteRange's SM3 by OpenSSL and by
/// gmssl against messageDigest, the signature by OpenSSL and by gmssl over the signed attributes.
fn assert_independently_valid(pdf: &[u8], public_key_pem: &str) {
    let temp = TempDir::new("sm2-out");
    qpdf_check(&temp.write("signed.pdf", pdf)).assert_ok("qpdf --check");
    let parts = only_signature(pdf);
    // The oracles get the signed attributes from a bare TLV walk, not from the cms crate.
    let (covered, cms) = signature_parts(pdf).remove(0);
    let (attributes, signature) = cms_signed_attributes_and_signature(&cms);
    assert_eq!(
        (&attributes, &signature),
        (&parts.signed_attributes_der, &parts.signature)
    );
    assert_eq!(covered, parts.covered);
    match openssl_sm3(&parts.covered) {
        Ok(digest) => assert_eq!(
            digest, parts.message_digest,
            "openssl dgst -sm3 of ByteRange"
        ),
        Err(verdict) => assert!(verdict.is_skipped(), "{verdict:?}"),
    }
    openssl_sm2_verify(
        &pki_path(public_key_pem),
        SM2_STANDARD_ID,
        &parts.signed_attributes_der,
        &parts.signature,
    )
    .assert_ok("openssl pkeyutl -verify over the signed attributes");
    let gmssl = gmssl_sm2_verify(
        &signer_point(),
        &parts.signed_attributes_der,
        &parts.signature,
    );
    gmssl
        .verdict
        .assert_ok("gmssl verify_with_sm3 over the signed attributes");
    if !gmssl.verdict.is_skipped() {
        let own = gmssl_sm2_verify(&signer_point(), &parts.covered, &parts.signature);
        assert_eq!(
            own.sm3, parts.message_digest,
            "gmssl's SM3 of the ByteRange"
        );
    }
}

#[test]
fn openssl_keys_load_as_they_are_and_sign_sm2_with_sm3() {
    let options = LoadOptions::default();
    let pem = credential::load_private_key(&read("sm2-signer.key.pem"), &options).unwrap();
    let der = credential::load_private_key(&read("sm2-signer.key.der"), &options).unwrap();
    assert_eq!(pem.public_key().unwrap(), der.public_key().unwrap());
    let p12 = credential::load_pkcs12(&read("sm2-signer.p12"), "demo", &options).unwrap();
    assert_eq!(p12.cert_chain().len(), 3);
    assert_eq!(p12.key().public_key().unwrap(), pem.public_key().unwrap());

    // The algorithm follows the key: SM3 only, whatever digest is asked for.
    assert!(pem.choose_scheme(DigestAlgorithm::Sha256).is_none());
    let signer = pem.choose_scheme(DigestAlgorithm::Sm3).unwrap();
    assert_eq!(signer.scheme(), SignatureScheme::Sm2Sm3);
    assert_eq!(signer.max_signature_len(), 72);
    // RSA and ECDSA keys are not offered SM3.
    let rsa = credential::load_private_key(&read("demo.key.pem"), &options).unwrap();
    assert!(rsa.choose_scheme(DigestAlgorithm::Sm3).is_none());

    let message = b"signed attributes";
    let signature = signer.sign(message).unwrap();
    assert!(signature.len() <= 72);
    openssl_sm2_verify(
        &pki_path("sm2-signer.pub.pem"),
        SM2_STANDARD_ID,
        message,
        &signature,
    )
    .assert_ok("openssl verifies our SM2 signature");
    gmssl_sm2_verify(&signer_point(), message, &signature)
        .verdict
        .assert_ok("gmssl verifies our SM2 signature");
    // The oracles can say no.
    assert!(matches!(
        openssl_sm2_verify(
            &pki_path("sm2-signer.pub.pem"),
            SM2_STANDARD_ID,
            b"other",
            &signature
        ),
        Verdict::Errors(_) | Verdict::Skipped(_)
    ));
    assert!(matches!(
        gmssl_sm2_verify(&signer_point(), b"other", &signature).verdict,
        Verdict::Errors(_) | Verdict::Skipped(_)
    ));
}

#[test]
fn a_configured_user_id_is_the_one_signed_with() {
    let mut options = LoadOptions::default();
    options.sm2_user_id = Some("alice@example.cn".into());
    let key = credential::load_private_key(&read("sm2-signer.key.pem"), &options).unwrap();
    let signature = key
        .choose_scheme(DigestAlgorithm::Sm3)
        .unwrap()
        .sign(b"m")
        .unwrap();
    let public_key = pki_path("sm2-signer.pub.pem");
    openssl_sm2_verify(&public_key, "alice@example.cn", b"m", &signature)
        .assert_ok("openssl with the configured distid");
    assert!(matches!(
        openssl_sm2_verify(&public_key, SM2_STANDARD_ID, b"m", &signature),
        Verdict::Errors(_) | Verdict::Skipped(_)
    ));
    let verifier = rustcrypto::default_provider().verifier;
    let point = signer_point();
    assert!(
        verifier
            .verify_sm2(&point, "alice@example.cn", b"m", &signature)
            .unwrap()
    );
    assert!(
        !verifier
            .verify_sm2(&point, SM2_DEFAULT_USER_ID, b"m", &signature)
            .unwrap()
    );
}

#[test]
fn sm2_pdf_signatures_verify_here_and_independently_in_every_form() {
    let key = sm2_key();
    for subfilter in [SubFilter::CadesDetached, SubFilter::Pkcs7Detached] {
        for types in [CmsContentTypes::Pkcs7, CmsContentTypes::GmT0010] {
            let what = format!("{subfilter:?} {types:?}");
            let pdf = sign(&key, subfilter, types);
            let report = verify_pdf(&pdf, &roots("sm2-root.cert.pem")).unwrap();
            assert!(report.all_valid(), "{what}: {report:?}");
            let signature = &report.signatures[0];
            assert_eq!(signature.signature_algorithm, "SM3withSM2", "{what}");
            assert_eq!(signature.chain, ChainStatus::Trusted, "{what}");
            assert_independently_valid(&pdf, "sm2-signer.pub.pem");

            let parts = only_signature(&pdf);
            let signer_info = parts.signed_data.signer_infos.0.get(0).unwrap();
            assert_eq!(signer_info.digest_alg.oid, SM3, "{what}");
            assert_eq!(signer_info.signature_algorithm.oid, SM2_WITH_SM3, "{what}");
            let (outer, data) = match types {
                CmsContentTypes::GmT0010 => (GM_SIGNED_DATA, GM_DATA),
                _ => (PKCS7_SIGNED_DATA, PKCS7_DATA),
            };
            assert_eq!(parts.content_info.content_type, outer, "{what}");
            assert_eq!(
                parts.signed_data.encap_content_info.econtent_type, data,
                "{what}"
            );
            let attributes = signer_info.signed_attrs.as_ref().unwrap();
            let content_type = attributes.iter().find(|a| a.oid == CONTENT_TYPE).unwrap();
            assert_eq!(
                content_type
                    .values
                    .get(0)
                    .unwrap()
                    .decode_as::<ObjectIdentifier>()
                    .unwrap(),
                data,
                "{what}"
            );
            // ESS signing-certificate-v2 names its hash: SM3 of the signer certificate.
            let v2 = attributes
                .iter()
                .find(|a| a.oid == SIGNING_CERTIFICATE_V2)
                .unwrap();
            let der = v2.values.get(0).unwrap().to_der().unwrap();
            let sm3_oid = SM3.to_der().unwrap();
            assert!(
                der.windows(sm3_oid.len()).any(|w| w == sm3_oid),
                "{what}: ESSCertIDv2 hashAlgorithm SM3"
            );
            let certificate_der = key.end_entity().to_der().unwrap();
            let certificate_sm3 = DigestAlgorithm::Sm3.digest_chunks(&[&certificate_der]);
            assert!(der.windows(32).any(|w| w == certificate_sm3.as_slice()));
        }
    }
}

#[test]
fn a_tampered_sm2_signature_fails_here_and_in_openssl() {
    let mut pdf = sign(&sm2_key(), SubFilter::CadesDetached, CmsContentTypes::Pkcs7);
    let parts = only_signature(&pdf);
    // One bit of the signature value, found in /Contents as hex.
    let hex: String = parts.signature.iter().map(|b| format!("{b:02x}")).collect();
    let at = pdf
        .windows(hex.len())
        .position(|w| w.eq_ignore_ascii_case(hex.as_bytes()))
        .unwrap();
    let last = at + hex.len() - 1;
    pdf[last] = if pdf[last] == b'0' { b'1' } else { b'0' };
    let report = verify_pdf(&pdf, &roots("sm2-root.cert.pem")).unwrap();
    assert!(!report.signatures[0].signature_ok);
    assert!(
        report.signatures[0]
            .problems
            .contains(&Problem::SignatureInvalid)
    );
    let tampered = only_signature(&pdf);
    assert!(matches!(
        openssl_sm2_verify(
            &pki_path("sm2-signer.pub.pem"),
            SM2_STANDARD_ID,
            &tampered.signed_attributes_der,
            &tampered.signature
        ),
        Verdict::Errors(_) | Verdict::Skipped(_)
    ));
}

#[test]
fn sm2_paths_are_trusted_only_against_their_own_root_and_mixed_chains_work() {
    let pdf = sign(&sm2_key(), SubFilter::CadesDetached, CmsContentTypes::Pkcs7);
    // RSA root: the SM2 path does not end there.
    let report = verify_pdf(&pdf, &roots("root-ca.cert.pem")).unwrap();
    assert!(report.all_valid_ignoring_trust());
    assert!(!report.all_valid());

    // RSA root -> RSA CA -> SM2 signer.
    let mixed = load_pem(
        &read("sm2-under-rsa.chain.pem"),
        &read("sm2-under-rsa.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap();
    let pdf = sign(&mixed, SubFilter::CadesDetached, CmsContentTypes::Pkcs7);
    let report = verify_pdf(&pdf, &roots("root-ca.cert.pem")).unwrap();
    assert!(report.all_valid(), "{report:?}");
    assert_eq!(report.signatures[0].signature_algorithm, "SM3withSM2");
    assert!(
        !verify_pdf(&pdf, &roots("sm2-root.cert.pem"))
            .unwrap()
            .all_valid()
    );
}

#[test]
fn the_digest_follows_the_key_not_the_option() {
    let mut options = SignOptions::default();
    options.digest = DigestAlgorithm::Sha512;
    options.signing_time = Some(fixed_time());
    let pdf = sign_pdf(&common::read_pdf("classic.pdf"), &sm2_key(), &options).unwrap();
    let report = verify_pdf(&pdf, &roots("sm2-root.cert.pem")).unwrap();
    assert!(report.all_valid());
    assert_eq!(report.signatures[0].signature_algorithm, "SM3withSM2");
    // Deterministic signatures: a fixed signing time gives the same bytes.
    assert_eq!(
        pdf,
        sign_pdf(&common::read_pdf("classic.pdf"), &sm2_key(), &options).unwrap()
    );
}

/// The /Contents reservation holds for every SM2 signature length (DER (r, s): up to 72 bytes).
#[test]
fn the_contents_reservation_holds_for_every_signature_length() {
    let key = sm2_key();
    let mut lengths = std::collections::BTreeSet::new();
    for second in 0..40 {
        let mut options = SignOptions::default();
        options.signing_time = Some(fixed_time() + Duration::from_secs(second));
        let pdf = sign_pdf(&common::read_pdf("classic.pdf"), &key, &options).unwrap();
        lengths.insert(only_signature(&pdf).signature.len());
    }
    assert!(lengths.iter().all(|&len| (8..=72).contains(&len)));
    assert!(lengths.len() > 1, "lengths vary: {lengths:?}");
}

/// GB/T 32905 (SM3) examples 1 and 2, cross-checked with OpenSSL.
#[test]
fn sm3_known_answers() {
    let abc = DigestAlgorithm::Sm3.digest_chunks(&[b"abc"]);
    assert_eq!(
        hex(&abc),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    let sixty_four = b"abcd".repeat(16);
    let digest = DigestAlgorithm::Sm3.digest_chunks(&[&sixty_four]);
    assert_eq!(
        hex(&digest),
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
    for (data, ours) in [(&b"abc"[..], abc), (&sixty_four[..], digest)] {
        if let Ok(theirs) = openssl_sm3(data) {
            assert_eq!(theirs, ours);
        }
    }
}

/// GB/T 32918.5-2017 Annex A (the signature example on the recommended curve): the standard's
/// (r, s) over "message digest" with ID 1234567812345678 verifies, a changed message does not,
/// and its private key gives its public key. The crate draws k itself (no fixed-k API), so the
/// standard's signature is verified rather than reproduced; OpenSSL checks the same vector.
#[test]
fn sm2_known_answer_from_gb_t_32918() {
    let private = unhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
    let point = unhex(concat!(
        "04",
        "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020",
        "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
    ));
    let r = unhex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3");
    let s = unhex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA");
    let signature = der_signature(&r, &s);
    let message = b"message digest";

    let verifier = rustcrypto::default_provider().verifier;
    assert!(
        verifier
            .verify_sm2(&point, SM2_DEFAULT_USER_ID, message, &signature)
            .unwrap()
    );
    assert!(
        !verifier
            .verify_sm2(&point, SM2_DEFAULT_USER_ID, b"message digesT", &signature)
            .unwrap()
    );

    let signing = sm2::dsa::SigningKey::from_slice(SM2_DEFAULT_USER_ID, &private).unwrap();
    assert_eq!(&*signing.verifying_key().to_sec1_bytes(), point.as_slice());

    // Independently: OpenSSL on the same public key and signature.
    let temp = TempDir::new("sm2-kat");
    let spki = [
        unhex("3059301306072a8648ce3d020106082a811ccf5501822d034200"),
        point.clone(),
    ]
    .concat();
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64(&spki)
    );
    let pem_path = temp.write("kat.pub.pem", pem.as_bytes());
    openssl_sm2_verify(&pem_path, SM2_STANDARD_ID, message, &signature)
        .assert_ok("openssl on the GB/T 32918.5 example");
    gmssl_sm2_verify(&point, message, &signature)
        .verdict
        .assert_ok("gmssl on the GB/T 32918.5 example");
}

/// Some products sign Z ‖ SM3(M) instead of Z ‖ M; only the standard form verifies here.
#[test]
fn the_nonstandard_z_sm3_m_form_is_refused() {
    let key =
        credential::load_private_key(&read("sm2-signer.key.pem"), &LoadOptions::default()).unwrap();
    let message = b"the signed attributes";
    let prehashed = DigestAlgorithm::Sm3.digest_chunks(&[message]);
    // Our signer computes SM3(Z ‖ input): given SM3(M) it makes the non-standard form.
    let nonstandard = key
        .choose_scheme(DigestAlgorithm::Sm3)
        .unwrap()
        .sign(&prehashed)
        .unwrap();
    let verifier = rustcrypto::default_provider().verifier;
    let point = signer_point();
    assert!(
        !verifier
            .verify_sm2(&point, SM2_DEFAULT_USER_ID, message, &nonstandard)
            .unwrap()
    );
    assert!(
        verifier
            .verify_sm2(&point, SM2_DEFAULT_USER_ID, &prehashed, &nonstandard)
            .unwrap()
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    let integer = |bytes: &[u8]| {
        let mut value = bytes.to_vec();
        if value[0] & 0x80 != 0 {
            value.insert(0, 0);
        }
        [vec![0x02, value.len() as u8], value].concat()
    };
    let body = [integer(r), integer(s)].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        for _ in chunk.len()..3 {
            out.push('=');
        }
    }
    out
}

/// PAdES B-T: an SM2 signature timestamped by the RSA test TSA (tsa-tsa under root-ca); both
/// roots trusted, the token and the signature verify, and OpenSSL still verifies the SM2 value.
#[cfg(feature = "tsa")]
#[test]
fn b_t_an_sm2_signature_with_an_rsa_tsa_token() {
    use std::sync::Arc;

    use common::servers::LocalTsa;
    use countersign::timestamp::{HttpTsa, TsaConfig};

    let tsa = LocalTsa::start();
    let mut trust = credential::trust_roots_from_pem(&read("root-ca.cert.pem")).unwrap();
    trust.extend(credential::trust_roots_from_pem(&read("sm2-root.cert.pem")).unwrap());
    let mut config = TsaConfig::new(tsa.url());
    config.trust_roots = trust.clone();
    let mut options = SignOptions::default();
    options.timestamp = Some(Arc::new(HttpTsa::new(config)));
    let pdf = sign_pdf(&common::read_pdf("classic.pdf"), &sm2_key(), &options).unwrap();

    let report = verify_pdf(&pdf, &VerifyOptions::trusting(trust)).unwrap();
    assert!(report.all_valid(), "{report:#?}");
    let signature = &report.signatures[0];
    assert_eq!(signature.signature_algorithm, "SM3withSM2");
    let stamp = signature.timestamp.as_ref().expect("a signature timestamp");
    assert!(stamp.valid, "{stamp:#?}");
    assert!(
        stamp.tsa_subject.contains("Demo TSA"),
        "{}",
        stamp.tsa_subject
    );
    assert_independently_valid(&pdf, "sm2-signer.pub.pem");
}

/// Deferred (two-phase) signing with an SM2 certificate: the scheme and the mandated digest come
/// from the certificate, the key signs the attributes elsewhere, and the completed file verifies
/// here and in OpenSSL, with either content-type convention.
#[test]
fn deferred_signing_with_an_sm2_certificate() {
    use countersign::{digest_required_by, prepare_deferred, scheme_for_certificate};

    let key = sm2_key();
    let chain = key.cert_chain().to_vec();
    let digest = digest_required_by(&chain[0]).unwrap();
    assert_eq!(digest, DigestAlgorithm::Sm3);
    let scheme =
        scheme_for_certificate(&chain[0], digest, countersign::crypto::RsaPadding::Pkcs1v15)
            .unwrap();
    assert_eq!(scheme, SignatureScheme::Sm2Sm3);
    let pdf = common::read_pdf("classic.pdf");
    for types in [CmsContentTypes::Pkcs7, CmsContentTypes::GmT0010] {
        let mut options = SignOptions::default();
        options.digest = digest;
        options.cms_content_types = types;
        // Another digest is refused, naming the rule.
        let mut wrong = options.clone();
        wrong.digest = DigestAlgorithm::Sha256;
        let refused = prepare_deferred(&pdf, chain.clone(), scheme, &wrong).unwrap_err();
        assert!(refused.to_string().contains("SM2"), "{refused}");

        let prepared = prepare_deferred(&pdf, chain.clone(), scheme, &options).unwrap();
        let signature = key
            .key()
            .choose_scheme(DigestAlgorithm::Sm3)
            .unwrap()
            .sign(prepared.to_be_signed())
            .unwrap();
        let signed = prepared.complete(&pdf, &signature).unwrap();
        let report = verify_pdf(&signed, &roots("sm2-root.cert.pem")).unwrap();
        assert!(report.all_valid(), "{types:?}: {report:?}");
        let parts = only_signature(&signed);
        let expected = match types {
            CmsContentTypes::GmT0010 => GM_SIGNED_DATA,
            _ => PKCS7_SIGNED_DATA,
        };
        assert_eq!(parts.content_info.content_type, expected);
        assert_independently_valid(&signed, "sm2-signer.pub.pem");
    }
}
