//! `--pdf-password-file FILE` / `--pdf-password-env VAR`: the password of encrypted input PDFs.
//! Never an argument of its own (the command line is visible to every user of the machine);
//! `--password` stays the credential's.

use std::path::PathBuf;

use clap::Args;
use countersign::DocumentAccess;

#[derive(Args, Clone, Debug, Default)]
pub struct PdfPasswordArgs {
    /// File holding the user or owner password of encrypted input PDFs (its first line). Files
    /// whose user password is empty need none.
    #[arg(long, value_name = "FILE", conflicts_with = "pdf_password_env")]
    pub pdf_password_file: Option<PathBuf>,
    /// Environment variable holding the user or owner password of encrypted input PDFs.
    #[arg(long, value_name = "VAR")]
    pub pdf_password_env: Option<String>,
}

impl PdfPasswordArgs {
    /// The document access these flags give (no password when neither is used).
    pub fn access(&self) -> Result<DocumentAccess, String> {
        if let Some(path) = &self.pdf_password_file {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            return Ok(DocumentAccess::with_password(first_line(bytes)));
        }
        if let Some(var) = &self.pdf_password_env {
            let value = std::env::var_os(var)
                .ok_or_else(|| format!("--pdf-password-env: ${var} is not set"))?;
            let bytes = value
                .into_string()
                .map_err(|_| format!("--pdf-password-env: ${var} is not valid UTF-8"))?;
            return Ok(DocumentAccess::with_password(bytes));
        }
        Ok(DocumentAccess::default())
    }
}

/// The bytes before the first line end: a password file usually ends with one.
fn first_line(mut bytes: Vec<u8>) -> Vec<u8> {
    if let Some(end) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
        // The tail may hold nothing secret, but clear it anyway before it is freed.
        for byte in bytes.iter_mut().skip(end) {
            *byte = 0;
        }
        bytes.truncate(end);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::first_line;

    #[test]
    fn the_line_end_is_not_part_of_the_password() {
        assert_eq!(first_line(b"s3cret\n".to_vec()), b"s3cret");
        assert_eq!(first_line(b"s3cret\r\nignored".to_vec()), b"s3cret");
        assert_eq!(first_line(b" spaced ".to_vec()), b" spaced ");
    }
}
