//! PAdES baseline levels (ETSI EN 319 142-1 §6): B-B, B-T, B-LT, B-LTA, and the sequence of
//! steps that reaches each one. The CLI's `--level` and the service's `tsa.level` both read it.

use std::fmt;
use std::str::FromStr;

use crate::crypto::CertifiedKey;
use crate::error::{Error, Result};
use crate::ltv::{
    RevocationSource, add_document_timestamp_with_access, add_validation_data_with_access,
};
use crate::sign::{SignOptions, sign_pdf};

/// A PAdES baseline level, lowest first: each adds one step to the one before it.
///
/// | level | step it adds |
/// |---|---|
/// | B-B | the CMS signature |
/// | B-T | a signature timestamp from a TSA ([`SignOptions::timestamp`]) |
/// | B-LT | certificates and revocation data in a `/DSS` ([`crate::ltv::add_validation_data`]) |
/// | B-LTA | a document timestamp over it all ([`crate::ltv::add_document_timestamp`]) |
///
/// # Examples
///
/// ```
/// use countersign::PadesLevel;
///
/// let level: PadesLevel = "b-lt".parse()?;
/// assert_eq!(level, PadesLevel::BLt);
/// assert!(PadesLevel::BB < PadesLevel::BT && PadesLevel::BLt < PadesLevel::BLta);
/// assert_eq!(level.to_string(), "b-lt");
/// assert_eq!(PadesLevel::default(), PadesLevel::BB);
/// # Ok::<(), countersign::ParsePadesLevelError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum PadesLevel {
    /// The CMS signature alone.
    #[default]
    BB,
    /// Plus a signature timestamp from a TSA.
    BT,
    /// Plus the certificates and revocation data in a `/DSS`.
    BLt,
    /// Plus a document timestamp over it all.
    BLta,
}

impl PadesLevel {
    /// Every level, lowest first: the sequence B-B → B-T → B-LT → B-LTA.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::PadesLevel;
    ///
    /// let names: Vec<&str> = PadesLevel::ALL.iter().map(|level| level.as_str()).collect();
    /// assert_eq!(names, ["b-b", "b-t", "b-lt", "b-lta"]);
    /// ```
    pub const ALL: [PadesLevel; 4] = [Self::BB, Self::BT, Self::BLt, Self::BLta];

    /// The lower-case spelling the CLI and the service configuration use: `b-b`, `b-t`,
    /// `b-lt`, `b-lta`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::PadesLevel;
    ///
    /// assert_eq!(PadesLevel::BLta.as_str(), "b-lta");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BB => "b-b",
            Self::BT => "b-t",
            Self::BLt => "b-lt",
            Self::BLta => "b-lta",
        }
    }

    /// The levels passed on the way to this one, itself included, lowest first.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::PadesLevel;
    ///
    /// assert_eq!(PadesLevel::BLt.steps().collect::<Vec<_>>(),
    ///            [PadesLevel::BB, PadesLevel::BT, PadesLevel::BLt]);
    /// ```
    pub fn steps(self) -> impl Iterator<Item = PadesLevel> {
        Self::ALL.into_iter().filter(move |level| *level <= self)
    }

    /// Whether the signature carries a timestamp (B-T and up): a time stamper is needed.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::PadesLevel;
    ///
    /// assert!(!PadesLevel::BB.has_signature_timestamp());
    /// assert!(PadesLevel::BLta.has_signature_timestamp());
    /// ```
    pub fn has_signature_timestamp(self) -> bool {
        self >= Self::BT
    }

    /// Whether validation data is embedded (B-LT and up): a revocation source is needed.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::PadesLevel;
    ///
    /// assert!(!PadesLevel::BT.has_validation_data());
    /// assert!(PadesLevel::BLt.has_validation_data());
    /// ```
    pub fn has_validation_data(self) -> bool {
        self >= Self::BLt
    }

    /// Whether a document timestamp closes the file (B-LTA).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::PadesLevel;
    ///
    /// assert!(!PadesLevel::BLt.has_document_timestamp());
    /// assert!(PadesLevel::BLta.has_document_timestamp());
    /// ```
    pub fn has_document_timestamp(self) -> bool {
        self >= Self::BLta
    }
}

impl fmt::Display for PadesLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PadesLevel {
    type Err = ParsePadesLevelError;

    /// `b-b`, `b-t`, `b-lt` or `b-lta`, in any case.
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| ParsePadesLevelError {
                text: text.to_owned(),
            })
    }
}

/// A text that names no [`PadesLevel`].
///
/// # Examples
///
/// ```
/// use countersign::PadesLevel;
///
/// let error = "b-x".parse::<PadesLevel>().unwrap_err();
/// assert_eq!(error.to_string(), r#"unknown PAdES level "b-x": expected b-b, b-t, b-lt or b-lta"#);
/// assert_eq!(error.text(), "b-x");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsePadesLevelError {
    text: String,
}

impl ParsePadesLevelError {
    /// The text that was not a level.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::PadesLevel;
    ///
    /// assert_eq!("B-Q".parse::<PadesLevel>().unwrap_err().text(), "B-Q");
    /// ```
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for ParsePadesLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown PAdES level {:?}: expected b-b, b-t, b-lt or b-lta",
            self.text
        )
    }
}

impl std::error::Error for ParsePadesLevelError {}

/// Signs `pdf` at `level`, step by step: the signature (timestamped by
/// [`SignOptions::timestamp`] from B-T, without a timestamp at B-B whatever the options say),
/// then the `/DSS` from `revocation` (B-LT), then a document timestamp by the same time
/// stamper (B-LTA). Each step is a further incremental update, so `pdf` is a prefix of the
/// result. A step that fails (a TSA or responder that is down) fails the whole: no lower-level
/// file is returned in its place.
///
/// Errors: [`Error::InvalidOption`] for a level whose inputs are missing (`timestamp` from B-T,
/// `revocation` from B-LT), else those of [`sign_pdf`], [`add_validation_data`](crate::ltv::add_validation_data) and
/// [`add_document_timestamp`](crate::ltv::add_document_timestamp).
///
/// # Examples
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::ltv::{RevocationSource, ValidationData};
/// use countersign::{sign_at_level, Error, PadesLevel, SignOptions};
///
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// let signed = sign_at_level(&pdf, &key, &SignOptions::default(), PadesLevel::BB, None)?;
/// assert!(signed.starts_with(&pdf));
///
/// // B-T and up need a time stamper in the options.
/// let offline = RevocationSource::Offline(ValidationData::default());
/// let refused = sign_at_level(&pdf, &key, &SignOptions::default(), PadesLevel::BLt, Some(&offline));
/// assert!(matches!(refused, Err(Error::InvalidOption { option: "timestamp", .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_at_level(
    pdf: &[u8],
    key: &CertifiedKey,
    options: &SignOptions,
    level: PadesLevel,
    revocation: Option<&RevocationSource>,
) -> Result<Vec<u8>> {
    let stamper = match &options.timestamp {
        Some(stamper) => Some(stamper.clone()),
        None if level.has_signature_timestamp() => {
            return Err(Error::invalid_option(
                "timestamp",
                format!("level {level} needs a time stamper"),
            ));
        }
        None => None,
    };
    let revocation = match revocation {
        None if level.has_validation_data() => {
            return Err(Error::invalid_option(
                "revocation",
                format!("level {level} needs a revocation source"),
            ));
        }
        revocation => revocation,
    };
    let mut signature_options = options.clone();
    if !level.has_signature_timestamp() {
        signature_options.timestamp = None;
    }
    let signed = sign_pdf(pdf, key, &signature_options)?;
    let (Some(revocation), true) = (revocation, level.has_validation_data()) else {
        return Ok(signed);
    };
    let access = &options.document_access;
    let with_dss = add_validation_data_with_access(&signed, revocation, access)?;
    match stamper {
        Some(stamper) if level.has_document_timestamp() => {
            add_document_timestamp_with_access(&with_dss, stamper.as_ref(), access)
        }
        _ => Ok(with_dss),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_reads_back_from_its_spelling_in_any_case() {
        for level in PadesLevel::ALL {
            assert_eq!(level.as_str().parse::<PadesLevel>(), Ok(level));
            assert_eq!(
                level.as_str().to_ascii_uppercase().parse::<PadesLevel>(),
                Ok(level)
            );
        }
        assert!("".parse::<PadesLevel>().is_err());
        assert!("b-lt ".parse::<PadesLevel>().is_err());
    }

    #[test]
    fn steps_end_at_the_level() {
        assert_eq!(PadesLevel::BB.steps().collect::<Vec<_>>(), [PadesLevel::BB]);
        assert_eq!(
            PadesLevel::BLta.steps().collect::<Vec<_>>(),
            PadesLevel::ALL
        );
    }
}
