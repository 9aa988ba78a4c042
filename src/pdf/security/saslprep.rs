//! SASLprep (RFC 4013), the preparation of R5/R6 passwords (ISO 32000-2 §7.6.4.3.3): the
//! `stringprep` crate's profile, with our error.

use crate::error::{Error, Result};

/// The prepared form of `text`: non-ASCII spaces mapped to a space, "mapped to nothing"
/// characters removed, NFKC, and prohibited or bidirectionally wrong text refused.
pub fn saslprep(text: &str) -> Result<String> {
    stringprep::saslprep(text)
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| Error::UnsupportedEncryption {
            detail: format!("a password SASLprep refuses ({e})"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of RFC 4013 §3.
    #[test]
    fn rfc_4013_examples() {
        assert_eq!(saslprep("I\u{00AD}X").unwrap(), "IX");
        assert_eq!(saslprep("user").unwrap(), "user");
        assert_eq!(saslprep("USER").unwrap(), "USER");
        assert_eq!(saslprep("\u{00AA}").unwrap(), "a");
        assert_eq!(saslprep("\u{2168}").unwrap(), "IX");
        assert!(saslprep("\u{0007}").is_err());
        assert!(saslprep("\u{0627}\u{0031}").is_err());
    }

    #[test]
    fn the_pdfjs_password_maps_to_its_prepared_form() {
        assert_eq!(saslprep("S\u{00AA}SL\u{00AD}prep").unwrap(), "SaSLprep");
    }
}
