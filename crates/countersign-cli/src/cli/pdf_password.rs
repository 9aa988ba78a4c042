//! `--pdf-password-file FILE` / `--pdf-password-env VAR`: the password of encrypted input PDFs.
//! Never an argument of its own (the command line is visible to every user of the machine);
//! `--password` stays the credential's. `--pdf-recipient-cert` / `--pdf-recipient-key`: the
//! recipient that opens PDFs encrypted for certificates (Adobe.PubSec).

use std::path::PathBuf;

use clap::Args;
use countersign::{DocumentAccess, PubSecRecipient};

#[derive(Args, Clone, Debug, Default)]
pub struct PdfPasswordArgs {
    /// File holding the user or owner password of encrypted input PDFs (its first line). Files
    /// whose user password is empty need none.
    #[arg(long, value_name = "FILE", conflicts_with = "pdf_password_env")]
    pub pdf_password_file: Option<PathBuf>,
    /// Environment variable holding the user or owner password of encrypted input PDFs.
    #[arg(long, value_name = "VAR")]
    pub pdf_password_env: Option<String>,
    /// Certificate (PEM or DER) of the recipient that opens input PDFs encrypted for
    /// certificates (Adobe.PubSec); with --pdf-recipient-key.
    #[arg(
        long,
        value_name = "FILE",
        requires = "pdf_recipient_key",
        conflicts_with_all = ["pdf_password_file", "pdf_password_env"]
    )]
    pub pdf_recipient_cert: Option<PathBuf>,
    /// The recipient's unencrypted RSA private key (PKCS#8 or PKCS#1), in the certificate's form
    /// (both PEM or both DER).
    #[arg(long, value_name = "FILE", requires = "pdf_recipient_cert")]
    pub pdf_recipient_key: Option<PathBuf>,
}

impl PdfPasswordArgs {
    /// The document access these flags give (no password when neither is used).
    pub fn access(&self) -> Result<DocumentAccess, String> {
        if let (Some(cert), Some(key)) = (&self.pdf_recipient_cert, &self.pdf_recipient_key) {
            return recipient(cert, key).map(DocumentAccess::with_recipient);
        }
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

/// The recipient from its certificate and key files, each PEM or DER.
fn recipient(cert: &PathBuf, key: &PathBuf) -> Result<PubSecRecipient, String> {
    let read = |path: &PathBuf| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    let (cert_bytes, key_bytes) = (read(cert)?, zeroize::Zeroizing::new(read(key)?));
    let is_pem = |bytes: &[u8]| bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let loaded = if is_pem(&cert_bytes) {
        PubSecRecipient::from_pem(&cert_bytes, &key_bytes)
    } else {
        PubSecRecipient::from_der(&cert_bytes, &key_bytes)
    };
    loaded.map_err(|e| {
        format!(
            "--pdf-recipient-cert {} / --pdf-recipient-key {}: {}",
            cert.display(),
            key.display(),
            countersign::error::ErrorReport::new(&e)
        )
    })
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
