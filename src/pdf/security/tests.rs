//! Known answers: files qpdf encrypted (testdata/tools/make_encrypted.sh) must open with their
//! passwords and read back the plain text of classic.pdf, and nothing else must open them.

use super::*;
use crate::pdf::{Document, Limits};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/testdata/pdf/encrypted/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// `/Info /Title` and the decoded content of page 1, read through `access`.
fn read_back(pdf: &[u8], access: &DocumentAccess) -> crate::error::Result<(Vec<u8>, Vec<u8>)> {
    let doc = Document::open(pdf, &Limits::default(), access)?;
    let info = doc.resolve_key(doc.trailer(), b"Info")?.unwrap();
    let title = info.as_dict().unwrap().get(b"Title").unwrap();
    let title = title.as_string_bytes().unwrap().to_vec();
    let (_, catalog) = doc.catalog()?;
    let (_, page) = crate::sign::page_tree::find_page(&doc, &catalog, 0)?;
    let Some(Object::Stream(content)) = doc.resolve_key(&page, b"Contents")? else {
        panic!("no content stream");
    };
    let mut budget = u64::MAX;
    let decoded = crate::pdf::filters::decode_stream(&content.dict, &content.raw, &mut budget)
        .map_err(|e| Error::UnsupportedEncryption {
            detail: format!("{e:?}"),
        })?;
    Ok((title, decoded))
}

fn assert_plain(result: crate::error::Result<(Vec<u8>, Vec<u8>)>, name: &str) {
    let (title, content) = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(title, b"countersign test: classic xref", "{name}");
    assert!(
        content.windows(6).any(|w| w == b"Page 1"),
        "{name}: {}",
        String::from_utf8_lossy(&content)
    );
}

const NO_PASSWORD: [&str; 4] = [
    "r2-rc4-40.pdf",
    "r4-aes128.pdf",
    "r4-aes128-no-forms.pdf",
    "r5-aes256.pdf",
];
const USER_PASSWORD: [&str; 2] = ["r3-rc4-128-user.pdf", "r6-aes256-user-objstm.pdf"];

#[test]
fn permission_only_files_open_without_a_password_and_with_the_owners() {
    for name in NO_PASSWORD {
        let pdf = fixture(name);
        assert_plain(read_back(&pdf, &DocumentAccess::default()), name);
        let doc = Document::open(&pdf, &Limits::default(), &DocumentAccess::default()).unwrap();
        assert!(
            !doc.security_handler()
                .unwrap()
                .unwrap()
                .permissions()
                .is_owner()
        );
        let owner = DocumentAccess::with_password("owner");
        assert_plain(read_back(&pdf, &owner), name);
        let doc = Document::open(&pdf, &Limits::default(), &owner).unwrap();
        assert!(
            doc.security_handler()
                .unwrap()
                .unwrap()
                .permissions()
                .is_owner(),
            "{name}"
        );
    }
}

#[test]
fn user_password_files_need_it() {
    for name in USER_PASSWORD {
        let pdf = fixture(name);
        for password in ["user", "owner"] {
            assert_plain(
                read_back(&pdf, &DocumentAccess::with_password(password)),
                name,
            );
        }
        // The xref chain reads; the objects do not.
        let doc = Document::open(&pdf, &Limits::default(), &DocumentAccess::default()).unwrap();
        assert!(
            matches!(doc.catalog(), Err(Error::PasswordRequired { .. })),
            "{name}"
        );
        let wrong = DocumentAccess::with_password("guess");
        assert!(
            matches!(read_back(&pdf, &wrong), Err(Error::WrongPassword { .. })),
            "{name}"
        );
    }
}

#[test]
fn algorithm_2b_known_answer() {
    // R6 file of qpdf, user password "user": the hash of Algorithm 2.B over the validation
    // salt must give the first 32 bytes of /U.
    let pdf = fixture("r6-aes256-user-objstm.pdf");
    let doc = Document::parse(&pdf).unwrap();
    let encrypt = doc.resolve_key(doc.trailer(), b"Encrypt").unwrap().unwrap();
    let u = encrypt
        .as_dict()
        .unwrap()
        .get(b"U")
        .unwrap()
        .as_string_bytes()
        .unwrap();
    let hash = standard::hash_r6(b"user", &u[32..40], &[]).unwrap();
    assert_eq!(hash.as_slice(), &u[..32]);
    assert_ne!(
        standard::hash_r6(b"User", &u[32..40], &[])
            .unwrap()
            .as_slice(),
        &u[..32]
    );
}

#[test]
fn written_objects_read_back_and_keep_signature_contents_plain() {
    for name in NO_PASSWORD.iter().chain(&USER_PASSWORD) {
        let pdf = fixture(name);
        let access = DocumentAccess::with_password("user");
        let doc = Document::open(&pdf, &Limits::default(), &access).unwrap();
        let handler = doc.security_handler().unwrap().unwrap();
        let mut sig = Dict::new();
        sig.set("Type", Object::name("Sig"));
        sig.set(
            "Contents",
            Object::String(vec![0xAB; 8], crate::pdf::StringForm::Hex),
        );
        sig.set("Reason", Object::literal(b"Approved"));
        let mut object = Object::Dict(sig.clone());
        let id = ObjRef::new(42, 0);
        handler.encrypt_object(id, &mut object).unwrap();
        let written = object.as_dict().unwrap();
        assert_eq!(written.get(b"Contents"), sig.get(b"Contents"), "{name}");
        assert_ne!(written.get(b"Reason"), sig.get(b"Reason"), "{name}");
        handler.decrypt_object(id, &mut object).unwrap();
        assert_eq!(
            object
                .as_dict()
                .unwrap()
                .get(b"Reason")
                .unwrap()
                .as_string_bytes(),
            Some(&b"Approved"[..]),
            "{name}"
        );
    }
}
