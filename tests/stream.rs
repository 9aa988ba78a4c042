//! The file-to-file path: same bytes as signing in memory, nothing left behind on failure, files
//! above 4 GiB, and a 100,000-page file signed without reading its pages.

mod common;
#[path = "../benches/support/generate.rs"]
mod generate;

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::{Duration, SystemTime};

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::{
    CertifiedKey, Error, SignOptions, VerifyOptions, sign_file, sign_pdf, verify_pdf,
};

fn demo_key() -> CertifiedKey {
    let chain = std::fs::read(common::pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo.key.pem")).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

fn fixed_time() -> SignOptions {
    {
        let mut sign_options = SignOptions::default();
        sign_options.signing_time =
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600));
        sign_options
    }
}

fn verify_options() -> VerifyOptions {
    VerifyOptions::trusting(
        trust_roots_from_pem(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap(),
    )
}

fn assert_last_signature_valid(output: &[u8], what: &str) {
    let report = verify_pdf(output, &verify_options()).unwrap();
    let ours = report.signatures.last().unwrap();
    assert!(
        ours.is_valid() && ours.covers_whole_file,
        "{what}: {ours:#?}"
    );
}

/// Files in `dir` (names), sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn file_output_equals_in_memory_output() {
    let key = demo_key();
    let options = fixed_time();
    let dir = common::TempDir::new("stream-equal");
    let mut cases: Vec<(String, Vec<u8>)> = common::all_test_pdfs()
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    cases.push(("text.pdf".into(), generate::text_pdf(3, 20_000, 9)));
    // Above the two-thread threshold: hashing and copying run in parallel.
    cases.push(("image-20MB.pdf".into(), generate::image_pdf(20_000_000)));

    for (name, input) in &cases {
        let input_path = dir.write(name, input);
        let output_path = dir.path().join(format!("signed-{name}"));
        let in_memory = sign_pdf(input, &key, &options);
        let on_disk = sign_file(&input_path, &output_path, &key, &options);
        match (in_memory, on_disk) {
            (Ok(expected), Ok(report)) => {
                let written = std::fs::read(&output_path).unwrap();
                assert!(written.starts_with(input), "{name}: input is not a prefix");
                assert!(
                    written == expected,
                    "{name}: file output differs from sign_pdf"
                );
                assert_eq!(report.input_len, input.len() as u64);
                assert_eq!(report.output_len, written.len() as u64);
                assert_last_signature_valid(&written, name);
            }
            (Err(expected), Err(got)) => {
                // certified-p1.pdf: refused the same way on both paths.
                assert_eq!(expected.to_string(), got.to_string(), "{name}");
                assert!(!output_path.exists(), "{name}: refused but written");
            }
            (a, b) => panic!("{name}: in memory {a:?}, on disk {b:?}"),
        }
    }
}

#[test]
fn a_refused_file_leaves_nothing_behind() {
    let key = demo_key();
    let dir = common::TempDir::new("stream-refused");
    let input = dir.write("junk.pdf", b"not a PDF at all");
    let output = dir.path().join("out.pdf");

    let result = sign_file(&input, &output, &key, &fixed_time());

    assert!(matches!(result, Err(Error::NotPdf(_))), "{result:?}");
    assert_eq!(listing(dir.path()), vec!["junk.pdf".to_owned()]);
    let empty = dir.write("empty.pdf", b"");
    let result = sign_file(&empty, &output, &key, &fixed_time());
    assert!(matches!(result, Err(Error::NotPdf(_))), "{result:?}");
    assert_eq!(listing(dir.path()), ["empty.pdf", "junk.pdf"]);
    let missing = sign_file(&dir.path().join("nope.pdf"), &output, &key, &fixed_time());
    assert!(matches!(missing, Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound));
}

#[test]
fn a_file_can_be_signed_in_place() {
    let key = demo_key();
    let options = fixed_time();
    let dir = common::TempDir::new("stream-in-place");
    let original = generate::text_pdf(2, 10_000, 4);
    let path = dir.write("doc.pdf", &original);

    sign_file(&path, &path, &key, &options).unwrap();

    assert_eq!(
        std::fs::read(&path).unwrap(),
        sign_pdf(&original, &key, &options).unwrap()
    );
    assert_eq!(listing(dir.path()), vec!["doc.pdf".to_owned()]);
}

/// Every page object stream but the first and last, and every content stream, is garbage: the
/// signature can only be made if signing reads nothing but the catalog, the page tree path and
/// the page (plus the xref stream).
#[test]
fn a_100000_page_file_is_signed_without_reading_other_pages() {
    let key = demo_key();
    let pages = 100_000;
    let pdf = generate::many_pages_pdf(pages, true);
    for page_index in [0, pages - 1] {
        let options = {
            let mut sign_options = fixed_time();
            sign_options.page_index = page_index;
            sign_options
        };
        let signed = sign_pdf(&pdf, &key, &options)
            .unwrap_or_else(|e| panic!("page {}: {e}", page_index + 1));
        assert!(signed.starts_with(&pdf));
        assert_last_signature_valid(&signed, &format!("page {}", page_index + 1));
    }
    // The poison is real: a page in a garbage object stream cannot be signed.
    let options = {
        let mut sign_options = fixed_time();
        sign_options.page_index = generate::PAGES_PER_OBJECT_STREAM * 5;
        sign_options
    };
    assert!(sign_pdf(&pdf, &key, &options).is_err());
}

/// A valid PDF of 4.3 GB: its content stream is a hole in a sparse file. Signing copies the
/// whole file (real disk writes: several seconds), verification hashes it again.
#[test]
fn a_file_larger_than_4_gib_is_signed() {
    let key = demo_key();
    let options = fixed_time();
    let dir = common::TempDir::new("stream-4gib");
    let input = dir.path().join("huge.pdf");
    let hole = 4_300_000_000u64;
    let file = BufWriter::new(File::create(&input).unwrap());
    generate::write_sparse_huge_pdf(file, hole)
        .unwrap()
        .into_inner()
        .unwrap();
    let input_len = std::fs::metadata(&input).unwrap().len();
    assert!(input_len > 1 << 32);
    let output = dir.path().join("signed.pdf");

    let report = sign_file(&input, &output, &key, &options).unwrap();

    assert_eq!(report.input_len, input_len);
    let written = File::open(&output).unwrap();
    assert_eq!(written.metadata().unwrap().len(), report.output_len);
    // SAFETY: the test owns the file and nothing writes it while it is mapped.
    let map = unsafe { memmap2::Mmap::map(&written) }.unwrap();
    let original = File::open(&input).unwrap();
    // SAFETY: as above.
    let original_map = unsafe { memmap2::Mmap::map(&original) }.unwrap();
    let head = 1 << 20;
    assert_eq!(&map[..head], &original_map[..head]);
    let tail_start = usize::try_from(input_len).unwrap() - head;
    assert_eq!(
        &map[tail_start..tail_start + head],
        &original_map[tail_start..]
    );
    let report = verify_pdf(&map, &verify_options()).unwrap();
    let ours = report.signatures.last().unwrap();
    assert!(ours.is_valid() && ours.covers_whole_file, "{ours:#?}");
    assert!(ours.byte_range.iter().any(|&n| n > u64::from(u32::MAX)));
}
