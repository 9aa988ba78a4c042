//! Writes the generated benchmark inputs to disk for the scripts in `scripts/`:
//!
//! ```text
//! make_pdfs text  OUT.pdf BYTES [SEED]     pages of text, about BYTES long
//! make_pdfs image OUT.pdf BYTES            one page with an incompressible image
//! make_pdfs pages OUT.pdf PAGES            PAGES pages in object streams, xref stream
//! make_pdfs small OUT_DIR COUNT [BYTES]    COUNT different text documents (default 50 KB)
//! ```

#[path = "../benches/support/generate.rs"]
mod generate;

use std::fs::File;
use std::io::BufWriter;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("make_pdfs: {e}");
            ExitCode::from(2)
        }
    }
}

fn number(args: &[String], index: usize, default: Option<u64>) -> Result<u64, String> {
    match args.get(index) {
        Some(text) => text
            .parse()
            .map_err(|_| format!("argument {}: not a number: {text}", index + 1)),
        None => default.ok_or_else(|| format!("argument {} is missing", index + 1)),
    }
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let kind = args.first().map(String::as_str).unwrap_or("");
    let out = args.get(1).ok_or("usage: make_pdfs KIND OUT ...")?;
    match kind {
        "text" => {
            let bytes = number(args, 2, None)? as usize;
            let seed = number(args, 3, Some(1))?;
            let pages = (bytes / 5_000).max(1);
            std::fs::write(out, generate::text_pdf(pages, bytes, seed))?;
        }
        "image" => {
            let file = BufWriter::with_capacity(1 << 20, File::create(out)?);
            generate::write_image_pdf(file, number(args, 2, None)?)?.into_inner()?;
        }
        "pages" => {
            let file = BufWriter::with_capacity(1 << 20, File::create(out)?);
            let pages = number(args, 2, None)? as usize;
            generate::write_many_pages_pdf(file, pages, false)?.into_inner()?;
        }
        "small" => {
            std::fs::create_dir_all(out)?;
            let count = number(args, 2, None)?;
            let bytes = number(args, 3, Some(50_000))? as usize;
            for seed in 0..count {
                let pdf = generate::text_pdf((bytes / 5_000).max(1), bytes, seed);
                std::fs::write(format!("{out}/doc{seed:05}.pdf"), pdf)?;
            }
        }
        _ => return Err("KIND is one of: text, image, pages, small".into()),
    }
    Ok(())
}
