//! A token that goes away mid-run (its module finalized under the key, as when an HSM's client
//! library loses its device): every signature after that is a typed `TokenGone` error, and no
//! output file is written. Its own test binary, since finalizing the module ends every session
//! of the process. Without SoftHSM2 it prints `skipped: …` (it fails under `CI=true`).
#![cfg(feature = "pkcs11")]

mod common;

use common::softhsm::{SoftHsm, standard_tokens};
use countersign::crypto::pkcs11::{
    KeySelector, PinSource, Pkcs11Config, TokenSelector, load_certified_key,
};
use countersign::error::Pkcs11Error;
use countersign::{Error, FileJob, SignOptions, sign_batch, sign_files};

#[test]
fn signatures_after_the_token_is_gone_fail_typed_and_write_nothing() {
    let Some(hsm) = SoftHsm::new("pkcs11-gone", &standard_tokens()) else {
        return;
    };
    hsm.use_in_this_process();
    let mut config = Pkcs11Config::new(
        &hsm.module,
        TokenSelector::Label("rsa".into()),
        KeySelector::Label("demo".into()),
        PinSource::File(hsm.pin_file.clone()),
    );
    config.sessions = 2;
    let key = load_certified_key(&config, None).unwrap();
    let documents = vec![common::read_pdf("classic.pdf"); 4];
    assert!(
        sign_batch(&documents, &key, &SignOptions::default())
            .iter()
            .all(Result::is_ok)
    );

    // Another handle on the same module finalizes it: the token is gone for our sessions.
    cryptoki::context::Pkcs11::new(&hsm.module)
        .unwrap()
        .finalize()
        .unwrap();

    for result in sign_batch(&documents, &key, &SignOptions::default()) {
        let error = result.unwrap_err();
        assert!(
            matches!(&error, Error::Pkcs11(Pkcs11Error::TokenGone { token, .. }) if token == "rsa"),
            "{error:?}"
        );
    }
    let out = common::TempDir::new("pkcs11-gone-out");
    let jobs: Vec<FileJob> = (0..3)
        .map(|i| {
            FileJob::new(
                common::pdf_path("classic.pdf"),
                out.path().join(format!("{i}.pdf")),
            )
        })
        .collect();
    let results = sign_files(&jobs, &key, &SignOptions::default(), |_, _| {});
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(Error::Pkcs11(Pkcs11Error::TokenGone { .. }))))
    );
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no partial output"
    );
}
