//! Modification analysis: what the revisions appended after a signature changed, judged against
//! an allow-list in the spirit of pyHanko's diff analysis (ISO 32000-1 §12.8.2.2 DocMDP and
//! §12.8.2.4 FieldMDP, ETSI EN 319 142-1 for validation data). One file per stage:
//! `revision` lists the objects that differ between the signed revision and the file,
//! `references` finds the numbers the signed revision already referred to, `rules` says what
//! each change is.

mod appended;
mod references;
mod revision;
mod rules;

use std::collections::HashSet;
use std::fmt;

use crate::pdf::{Document, ObjRef};
use crate::sign::locks::FieldLock;

/// How far the revisions appended after a signature go, from nothing to anything (pyHanko's
/// `ModificationLevel`, same order). What each level covers:
///
/// - `None`: nothing but the signature's own revision (or whitespace after it);
/// - `LtvUpdates`: `/DSS`, `/VRI`, document time-stamps and their fields;
/// - `FormFilling`: values of unlocked fields, new signature fields with their widgets and
///   appearances, signing existing empty fields, document metadata;
/// - `Annotations`: adding, changing or removing annotations;
/// - `Other`: anything else — page content, resources, the page tree, redefined objects the
///   signed revision uses, objects it referred to but had not defined, reused free numbers.
///
/// # Examples
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_pdf, verify_pdf, ModificationLevel, SignOptions, VerifyOptions};
///
/// // A counter-signature adds a signature field: form filling for the first signature.
/// let twice = sign_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &key, &SignOptions::default())?;
/// let report = verify_pdf(&twice, &VerifyOptions::default())?;
/// assert_eq!(report.signatures[0].modifications.level, ModificationLevel::FormFilling);
/// assert_eq!(report.signatures[1].modifications.level, ModificationLevel::None);
/// assert!(ModificationLevel::LtvUpdates < ModificationLevel::Other);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ModificationLevel {
    /// Nothing changed after the signature.
    #[default]
    None,
    /// Long-term-validation data only: `/DSS`, `/VRI`, document time-stamps.
    LtvUpdates,
    /// Form filling and signing.
    FormFilling,
    /// Annotations added, changed or removed.
    Annotations,
    /// Any other change: the document may show something other than what was signed.
    Other,
}

impl ModificationLevel {
    /// `none`, `ltv-updates`, `form-filling`, `annotations` or `other` (the CLI's words).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::ModificationLevel;
    ///
    /// assert_eq!(ModificationLevel::FormFilling.as_str(), "form-filling");
    /// assert_eq!(ModificationLevel::Other.to_string(), "other");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::LtvUpdates => "ltv-updates",
            Self::FormFilling => "form-filling",
            Self::Annotations => "annotations",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for ModificationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the revisions appended after a signature changed, and whether the document allows it.
///
/// # Examples
///
/// ```
/// use countersign::{verify_pdf, ModificationLevel, ObjRef, VerifyOptions};
///
/// // After signing, an incremental update replaces the content stream of page 1 (object 4).
/// let mut pdf = std::fs::read("testdata/pdf/signed.pdf")?;
/// # let tail = String::from_utf8_lossy(&pdf[pdf.len() - 32..]).into_owned();
/// # let prev = tail.split_whitespace().rev().nth(1).ok_or("no startxref")?; // the signed file's xref
/// let object = "4 0 obj\n<< /Length 27 >>\nstream\nBT /F1 24 Tf (Forged) Tj ET\nendstream\nendobj\n";
/// let xref = pdf.len() + object.len();
/// let update = format!(
///     "{object}xref\n4 1\n{:010} 00000 n \ntrailer\n<< /Size 13 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
///     pdf.len()
/// );
/// pdf.extend_from_slice(update.as_bytes());
/// let signature = &verify_pdf(&pdf, &VerifyOptions::default())?.signatures[0];
/// assert!(signature.is_intact()); // the signed bytes are untouched...
/// assert_eq!(signature.modifications.level, ModificationLevel::Other); // ...the document is not
/// assert_eq!(signature.modifications.objects, [ObjRef::new(4, 0)]);
/// assert!(!signature.modifications.permitted && !signature.is_valid_ignoring_trust());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Modifications {
    /// The furthest-reaching change.
    pub level: ModificationLevel,
    /// The change is one the document allows: not [`ModificationLevel::Other`], within the
    /// certification's DocMDP permission and the signature's FieldMDP locks.
    pub permitted: bool,
    /// Why the changes are not permitted (the first disallowed change, naming its object).
    pub reason: Option<String>,
    /// Objects the later revisions changed, added or deleted, by number.
    pub objects: Vec<ObjRef>,
    /// Cross-reference sections appended after the signed revision.
    pub later_revisions: usize,
}

impl Default for Modifications {
    fn default() -> Self {
        Self {
            level: ModificationLevel::None,
            permitted: true,
            reason: None,
            objects: Vec::new(),
            later_revisions: 0,
        }
    }
}

/// What the document allows after one signature: the certification's DocMDP permission (when
/// the signature was made on or after it) and the signature's own FieldMDP locks.
#[derive(Debug, Default)]
pub(crate) struct Permissions {
    pub docmdp: Option<i64>,
    pub locks: Vec<FieldLock>,
}

impl Permissions {
    /// The strictest `/P` in force: the certification's DocMDP, or a lock dictionary's `/P`
    /// (ISO 32000-2 Table 236), with what set it.
    fn limit(&self) -> Option<(i64, &'static str)> {
        let certification = self.docmdp.map(|p| (p, "the certification (DocMDP)"));
        let lock = self
            .locks
            .iter()
            .filter_map(|lock| lock.permission)
            .min()
            .map(|p| (p, "the signature's field lock"));
        match (certification, lock) {
            (Some(c), Some(l)) => Some(if l.0 < c.0 { l } else { c }),
            (c, l) => c.or(l),
        }
    }

    /// The furthest level the limit lets through. LTV updates stay allowed under P=1 (ISO
    /// 32000-2 §12.8.2.2.2 and ETSI EN 319 142-1: DSS and document time-stamps are not
    /// modifications).
    fn bound(&self) -> ModificationLevel {
        match self.limit().map(|(p, _)| p) {
            Some(1) => ModificationLevel::LtvUpdates,
            Some(3) | None => ModificationLevel::Annotations,
            Some(_) => ModificationLevel::FormFilling,
        }
    }

    fn certified(&self) -> bool {
        self.docmdp.is_some()
    }
}

/// A change outside the allow-list: why, and the object it concerns.
#[derive(Debug)]
pub(crate) struct Disallowed {
    reason: String,
    object: Option<ObjRef>,
}

impl Disallowed {
    fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            object: None,
        }
    }

    fn at(object: ObjRef, reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            object: Some(object),
        }
    }
}

/// Compares the revision a signature covers (`signed_len` bytes of `doc`) with the whole file.
pub(crate) fn analyse(
    doc: &Document<'_>,
    signed_len: usize,
    permissions: &Permissions,
) -> Modifications {
    let mut report = Modifications::default();
    let verdict = judge(doc, signed_len, permissions, &mut report);
    match verdict {
        Ok(level) => {
            report.level = level;
            let bound = permissions.bound();
            if let (true, Some((p, set_by))) = (level > bound, permissions.limit()) {
                report.permitted = false;
                report.reason = Some(format!(
                    "the changes after signing ({level}) exceed what {set_by} allows \
                     (P={p}: up to {bound})"
                ));
            }
        }
        Err(disallowed) => {
            report.level = ModificationLevel::Other;
            report.permitted = false;
            report.reason = Some(match disallowed.object {
                Some(object) => format!("{object}: {}", disallowed.reason),
                None => disallowed.reason,
            });
        }
    }
    report
}

/// Whitespace accepted after the newest signed revision: an end-of-line or two. More can push
/// the signed `startxref` out of the window readers search at the end of the file (MuPDF reads
/// the last 1024 bytes), and a reader that then repairs the file can show objects the signed
/// revision holds but does not use.
pub(super) const MAX_TRAILING_WHITESPACE: usize = 32;

fn judge(
    doc: &Document<'_>,
    signed_len: usize,
    permissions: &Permissions,
    report: &mut Modifications,
) -> Result<ModificationLevel, Disallowed> {
    let data = doc.data();
    let later = revision::later_sections(doc, signed_len);
    report.later_revisions = later;
    if later == 0 {
        let appended = data.get(signed_len..).unwrap_or_default();
        return if !appended.iter().all(u8::is_ascii_whitespace) {
            Err(Disallowed::new(format!(
                "{} bytes follow the signed revision outside any revision",
                appended.len()
            )))
        } else if appended.len() > MAX_TRAILING_WHITESPACE {
            Err(Disallowed::new(format!(
                "{} bytes of whitespace follow the signed revision: a reader that looks for \
                 startxref near the end of the file (MuPDF: the last 1024 bytes) no longer \
                 finds it and shows its own repair of the file instead",
                appended.len()
            )))
        } else {
            Ok(ModificationLevel::None)
        };
    }
    let signed = data
        .get(..signed_len)
        .ok_or_else(|| Disallowed::new("the signed revision is longer than the file"))?;
    // Read through the file's security handler: an encrypted revision has no key of its own.
    let old = doc.parse_prefix(signed).map_err(|e| {
        Disallowed::new(format!("the signed bytes are not a complete revision: {e}"))
    })?;
    let diff = revision::compare(&old, doc, later)?;
    appended::check(doc, signed_len, later, &diff.listed)?;
    report.objects = diff.objects();
    let numbers: HashSet<u32> = diff.objects().iter().map(|id| id.num).collect();
    let referrers = references::find(&old, &numbers)?;
    if let Some(id) = diff
        .added
        .iter()
        .find(|id| referrers.referred_by_objects(id.num))
    {
        return Err(Disallowed::at(
            *id,
            "defined after signing, but the signed revision already referred to it",
        ));
    }
    rules::Judge::new(&old, doc, permissions, &diff, &referrers)?.level()
}
