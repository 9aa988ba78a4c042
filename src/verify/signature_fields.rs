//! Finding the signature fields that hold a value, through the AcroForm field tree (§12.7.4).

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::pdf::acroform::{
    FieldVisit, FormField, MAX_FIELD_NAME_BYTES, walk_fields, walk_fields_within,
};
use crate::pdf::document::UnreachedRevision;
use crate::pdf::{Dict, Document, ObjRef, Object, XrefEntry};
use crate::problem::Problem;

/// Form-tree nodes read in all earlier revisions together. Real files stay far below (25
/// revisions of a 25-field form are 625); a file with thousands of sections that each touch a
/// large form would otherwise cost sections × fields.
const MAX_EARLIER_FIELD_VISITS: u64 = 1 << 20;

/// Revisions the chain skips that are read for hidden signatures. A real file has none (each
/// update's `/Prev` names the section before it); each costs a chain read, so a file with more
/// is refused rather than read partly (a signature must not hide behind the bound).
const MAX_UNREACHED_REVISIONS: usize = 16;

/// A signature field with its value.
pub struct SignatureField {
    pub name: String,
    /// The signature dictionary's reference (`None` if `/V` is a direct dictionary).
    pub value_ref: Option<ObjRef>,
    pub value: Dict,
    /// The field dictionary (its `/Lock`).
    pub field: Dict,
    /// Why the field or its signature dictionary could not be read: the signature is reported
    /// invalid instead of failing the whole document, so the other signatures still get a verdict.
    pub problem: Option<Problem>,
    /// A widget of the field has an area on a page (a non-empty, not hidden /Rect): the signature
    /// shows an appearance (a seal) rather than being digital only.
    pub visible: bool,
    /// The revision whose form holds the field.
    pub found_in: FoundIn,
}

/// Which revision's form holds a signature field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FoundIn {
    /// The file's own form.
    File,
    /// The revision before the newest `n` updates ([`Document::revision`]): a later revision
    /// no longer reaches the signature.
    EarlierRevision(usize),
    /// A revision the file's chain skips (a later section's `/Prev` points past it), by the
    /// `startxref` that ends it ([`Document::revision_at`]).
    UnreachedRevision(UnreachedRevision),
}

impl FoundIn {
    /// The document as the revision holding the field left it; `None` for the file's own.
    pub fn view<'a>(self, doc: &Document<'a>) -> Option<Document<'a>> {
        match self {
            FoundIn::File => None,
            FoundIn::EarlierRevision(index) => doc.revision(index),
            FoundIn::UnreachedRevision(at) => doc.revision_at(at).ok(),
        }
    }
}

impl SignatureField {
    fn unreadable(name: &str, value_ref: Option<ObjRef>, what: &str, error: &Error) -> Self {
        Self {
            name: name.to_string(),
            value_ref,
            value: Dict::new(),
            field: Dict::new(),
            problem: Some(Problem::FieldUnreadable {
                what: what.to_string(),
                error: error.to_string(),
            }),
            visible: false,
            found_in: FoundIn::File,
        }
    }

    /// A field whose signature dictionary an earlier field already holds: not a signature of
    /// its own, reported invalid without being read again.
    fn shared(name: &str, value_ref: Option<ObjRef>) -> Self {
        Self {
            name: name.to_string(),
            value_ref,
            value: Dict::new(),
            field: Dict::new(),
            problem: Some(Problem::FieldUnreadable {
                what: "the signature dictionary".into(),
                error: "it is the value of another signature field too".into(),
            }),
            visible: false,
            found_in: FoundIn::File,
        }
    }

    /// What identifies the signature whatever field holds it: its `/ByteRange` and `/Contents`.
    fn identity(&self) -> Option<SignatureIdentity> {
        identity(&self.value)
    }
}

/// `/ByteRange` and `/Contents`: two signature dictionaries with both equal are the same
/// signature.
type SignatureIdentity = ([u64; 4], Vec<u8>);

fn identity(value: &Dict) -> Option<SignatureIdentity> {
    let byte_range = super::byte_range::read_byte_range(value).ok()?;
    let contents = value.get(b"Contents").and_then(Object::as_string_bytes)?;
    Some((byte_range, contents.to_vec()))
}

/// Every signed signature field, in field-tree order. An unreadable field or signature
/// dictionary becomes a field with a `problem`, so the other signatures still get a verdict.
pub fn signature_fields(doc: &Document<'_>) -> Result<Vec<SignatureField>> {
    let (_, catalog) = doc.catalog()?;
    let mut found: Vec<SignatureField> = Vec::new();
    let mut values: HashSet<ObjRef> = HashSet::new();
    walk_fields(doc, &catalog, &mut |visit| match visit {
        // A widget kid (no /T) belongs to the field visited just before it.
        FieldVisit::Field(field) if field.is_signature && field.is_widget => {
            if has_visible_rect(doc, &field.dict)
                && let Some(parent) = found.iter_mut().rev().find(|f| f.name == field.name)
            {
                parent.visible = true;
            }
        }
        FieldVisit::Field(field) if field.is_signature => {
            let Some(value) = field.dict.get(b"V") else {
                return;
            };
            let value_ref = value.as_ref();
            // One signature dictionary is one field's value: a file that makes thousands of
            // fields share one would have its signature parsed and checked once per field.
            if value_ref.is_some_and(|r| !values.insert(r)) {
                found.push(SignatureField::shared(&field.name, value_ref));
                return;
            }
            match doc.resolve(value) {
                Ok(Object::Dict(value)) => found.push(SignatureField {
                    visible: has_visible_rect(doc, &field.dict),
                    name: field.name,
                    value_ref,
                    value,
                    field: field.dict,
                    problem: None,
                    found_in: FoundIn::File,
                }),
                Ok(_) => {}
                Err(error) => found.push(SignatureField::unreadable(
                    &field.name,
                    value_ref,
                    "the signature dictionary",
                    &error,
                )),
            }
        }
        FieldVisit::Field(_) => {}
        FieldVisit::Unreadable {
            name,
            reference,
            what,
            error,
        } => {
            found.push(SignatureField::unreadable(&name, reference, what, &error));
        }
    })?;
    Ok(found)
}
/// Signatures an earlier revision's form holds that `current` (the file's own signature
/// fields) does not: a later revision dropped the field from `/Fields`, redefined the catalog
/// without it, pointed the trailer's `/Root` at another catalog, or cut the whole revision out
/// of the chain with a `/Prev` that skips it. Each revision's catalog, form and fields are read
/// through a view of the chain ([`Document::revision`], [`Document::revision_at`]), nothing
/// else. A signature dictionary is read once whatever number of revisions reach it, and
/// signature dictionaries without `/ByteRange` and `/Contents`, or unreadable ones, are not
/// signatures anyone relied on: they are left out.
pub fn hidden_signatures(
    doc: &Document<'_>,
    current: &[SignatureField],
) -> Result<Vec<SignatureField>> {
    let mut search = HiddenSearch {
        known: current
            .iter()
            .filter_map(SignatureField::identity)
            .collect(),
        read: current
            .iter()
            .filter_map(|field| place(doc, field.value_ref?))
            .collect(),
        visits: 0,
        names: MAX_FIELD_NAME_BYTES,
        hidden: Vec::new(),
    };
    for index in 1..doc.sections().len() {
        let Some(revision) = doc.revision(index) else {
            break;
        };
        search.revision(&revision, FoundIn::EarlierRevision(index))?;
    }
    let unreached = doc.unreached_revisions();
    if unreached.len() > MAX_UNREACHED_REVISIONS {
        return Err(Error::limit(
            "revisions the cross-reference chain does not reach",
            MAX_UNREACHED_REVISIONS as u64,
            format!("the file's {} unreached revisions", unreached.len()),
        ));
    }
    for at in unreached {
        // A value that names no readable chain (`startxref 0`, the word inside a content
        // stream) holds no revision; a bound reached ends the verification.
        let revision = match doc.revision_at(at) {
            Ok(revision) => revision,
            Err(error @ Error::LimitExceeded { .. }) => return Err(error),
            Err(_) => continue,
        };
        search.revision(&revision, FoundIn::UnreachedRevision(at))?;
    }
    Ok(search.hidden)
}

/// What the search for hidden signatures carries from one revision to the next.
struct HiddenSearch {
    /// Signatures already found, by what identifies them.
    known: HashSet<SignatureIdentity>,
    /// Signature dictionaries already read, by where they are written.
    read: HashSet<Place>,
    visits: u64,
    /// The field-name budget, shared by every revision.
    names: u64,
    hidden: Vec<SignatureField>,
}

impl HiddenSearch {
    /// Adds the signatures `revision`'s form holds that no revision read before holds.
    fn revision(&mut self, revision: &Document<'_>, found_in: FoundIn) -> Result<()> {
        // A revision whose catalog cannot be read (the first-page section of a linearized
        // file alone) shows no form, so it hides nothing. A bound reached is another matter:
        // the file spent it to keep the revision from being read (a hostile later revision
        // decodes bombs first), so it ends the verification.
        let catalog = match revision.catalog() {
            Ok((_, catalog)) => catalog,
            Err(error @ Error::LimitExceeded { .. }) => return Err(error),
            Err(_) => return Ok(()),
        };
        // An unreadable form in an earlier revision has nothing to find: the walk's error is
        // dropped, what it found before is kept; a bound reached is not dropped.
        let mut limit = None;
        let mut names = self.names;
        let walked = walk_fields_within(revision, &catalog, &mut names, &mut |visit| {
            self.visits = self.visits.saturating_add(1);
            if self.visits > MAX_EARLIER_FIELD_VISITS {
                return;
            }
            match visit {
                FieldVisit::Field(field) => {
                    if let Err(error) = self.field(revision, field, found_in) {
                        limit.get_or_insert(error);
                    }
                }
                FieldVisit::Unreadable {
                    error: error @ Error::LimitExceeded { .. },
                    ..
                } => {
                    limit.get_or_insert(error);
                }
                FieldVisit::Unreadable { .. } => {}
            }
        });
        self.names = names;
        if let Some(error) = limit {
            return Err(error);
        }
        if let Err(error @ Error::LimitExceeded { .. }) = walked {
            return Err(error);
        }
        if self.visits > MAX_EARLIER_FIELD_VISITS {
            return Err(Error::limit(
                "form fields read in the earlier revisions",
                MAX_EARLIER_FIELD_VISITS,
                format!(
                    "the revision ending with the section at offset {}",
                    revision.startxref()
                ),
            ));
        }
        Ok(())
    }

    /// Keeps `field` if it is a signature not found before; only a bound reached is an error.
    fn field(
        &mut self,
        revision: &Document<'_>,
        field: FormField,
        found_in: FoundIn,
    ) -> Result<()> {
        if !field.is_signature || field.is_widget {
            return Ok(());
        }
        let Some(value) = field.dict.get(b"V") else {
            return Ok(());
        };
        let value_ref = value.as_ref();
        if let Some(at) = value_ref.and_then(|r| place(revision, r))
            && !self.read.insert(at)
        {
            return Ok(());
        }
        let value = match revision.resolve(value) {
            Ok(Object::Dict(value)) => value,
            Err(error @ Error::LimitExceeded { .. }) => return Err(error),
            _ => return Ok(()),
        };
        if identity(&value).is_some_and(|id| self.known.insert(id)) {
            self.hidden.push(SignatureField {
                visible: has_visible_rect(revision, &field.dict),
                name: field.name,
                value_ref,
                value,
                field: field.dict,
                problem: None,
                found_in,
            });
        }
        Ok(())
    }
}

/// Where the object `id` is written, as the revision's chain puts it: the same place in two
/// revisions is the same object. (The reference; the offset of the object, or of its object
/// stream and its index there.)
type Place = (ObjRef, u64, Option<u32>);

fn place(doc: &Document<'_>, id: ObjRef) -> Option<Place> {
    match doc.entry(id.num).ok()?? {
        XrefEntry::InFile { offset, generation } if generation == id.generation => {
            Some((id, offset, None))
        }
        XrefEntry::Compressed { stream, index } => match doc.entry(stream).ok()?? {
            XrefEntry::InFile { offset, .. } => Some((id, offset, Some(index))),
            _ => None,
        },
        _ => None,
    }
}

/// `/Rect` spans an area and the annotation is not hidden (`/F` bit 2, §12.5.3).
fn has_visible_rect(doc: &Document<'_>, dict: &Dict) -> bool {
    let hidden = dict
        .get(b"F")
        .and_then(Object::as_i64)
        .is_some_and(|flags| flags & 2 != 0);
    let Ok(Some(Object::Array(rect))) = doc.resolve_key(dict, b"Rect") else {
        return false;
    };
    let number = |object: &Object| match object {
        Object::Integer(value) => Some(*value as f64),
        Object::Real(text) => text.parse::<f64>().ok(),
        _ => None,
    };
    let corners: Vec<f64> = rect.iter().filter_map(number).collect();
    let [x0, y0, x1, y1] = corners.as_slice() else {
        return false;
    };
    !hidden && (x1 - x0).abs() > 0.0 && (y1 - y0).abs() > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visibility(pdf: &[u8]) -> Vec<bool> {
        let doc = Document::parse(pdf).unwrap();
        signature_fields(&doc)
            .unwrap()
            .iter()
            .map(|field| field.visible)
            .collect()
    }

    #[test]
    fn a_signature_with_an_area_on_the_page_is_visible() {
        let invisible = include_bytes!("../../testdata/pdf/signed.pdf");
        assert_eq!(visibility(invisible), [false]);
        // Same length, so every offset stays right; the digest breaks, the visibility does not.
        let visible = invisible
            .windows(17)
            .position(|w| w == b"/Rect [ 0 0 0 0 ]")
            .map(|at| {
                let mut bytes = invisible.to_vec();
                bytes.splice(at..at + 17, b"/Rect [ 0 0 9 9 ]".iter().copied());
                bytes
            })
            .unwrap();
        assert_eq!(visibility(&visible), [true]);
    }
}
