//! Object numbers for the objects an update adds.
//!
//! A new object must not take a number the document already refers to without defining it: the
//! reference would then mean our object — the dangling-reference forgery the verifier flags
//! ([`crate::ModificationLevel::Other`]) — and our counter-signature would break the signatures
//! before it.
//!
//! Only the references that matter are read, and only cheaply: those of the objects the update
//! touches (the catalog, the page, the form, whatever is rewritten). The verifier scans the raw
//! bytes of the whole signed revision for references instead; doing that here would make the cost
//! of a signature grow with the file (a 100,000-page file read whole), which the signing path
//! avoids by design (it reads only what signing needs).
//!
//! References made by the trailer count too. Two DSS test files carry LibreOffice's
//! `/AdditionalStreams [... 56 0 R]` with `/Size 56`, an object nobody writes; a signature
//! dictionary at 56 would give that reference a meaning it never had. The number is skipped, and
//! the update leaves the key out of its own trailer (see `pdf::update`), so no later revision
//! inherits the dangling reference. ISO 32000-1 §7.3.10 makes a reference to an undefined object
//! the null object, not an error; pyHanko 0.38 raises `KeyError: Reference(56)` on such files once
//! any later revision exists (docs/COMPATIBILITY.md).

use std::collections::BTreeSet;

use crate::error::{Result, Unsupported};
use crate::pdf::{Document, ObjRef, Object, XrefEntry};

/// New object numbers, handed out from the document's `/Size` upwards, skipping `avoided` ones.
pub struct ObjectNumbers {
    next: u32,
    avoided: BTreeSet<u32>,
}

impl ObjectNumbers {
    /// Numbers from `size` upwards, none of them in `avoided`.
    pub fn avoiding(size: u32, avoided: BTreeSet<u32>) -> Self {
        Self {
            next: size.max(1),
            avoided,
        }
    }

    pub fn allocate(&mut self) -> Result<ObjRef> {
        let num = self.first_free(self.next);
        self.next = num
            .checked_add(1)
            .ok_or(Unsupported::ObjectNumbersExhausted)?;
        Ok(ObjRef::new(num, 0))
    }

    /// One past the highest number handed out, moved past avoided numbers: an xref stream takes
    /// this number as its own.
    pub fn size(&self) -> u32 {
        self.first_free(self.next)
    }

    fn first_free(&self, from: u32) -> u32 {
        let mut num = from;
        for &avoided in self.avoided.range(from..) {
            if avoided != num {
                break;
            }
            num = num.saturating_add(1);
        }
        num
    }
}

/// The numbers that `objects` refer to while `doc` leaves them undefined (no entry, or a free
/// one).
pub fn undefined_references<'o>(
    doc: &Document<'_>,
    objects: impl IntoIterator<Item = &'o Object>,
) -> Result<BTreeSet<u32>> {
    let mut referenced = BTreeSet::new();
    for object in objects {
        collect(object, &mut referenced);
    }
    let mut undefined = BTreeSet::new();
    for num in referenced {
        if !matches!(
            doc.entry(num)?,
            Some(XrefEntry::InFile { .. } | XrefEntry::Compressed { .. })
        ) {
            undefined.insert(num);
        }
    }
    Ok(undefined)
}

/// Every reference inside `object` (direct objects only: references are not followed).
fn collect(object: &Object, into: &mut BTreeSet<u32>) {
    let mut pending = vec![object];
    while let Some(object) = pending.pop() {
        match object {
            Object::Ref(id) => {
                into.insert(id.num);
            }
            Object::Array(items) => pending.extend(items),
            Object::Dict(dict) => pending.extend(dict.iter().map(|(_, value)| value)),
            Object::Stream(stream) => pending.extend(stream.dict.iter().map(|(_, value)| value)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avoided_numbers_are_skipped_and_size_stays_free() {
        let mut numbers = ObjectNumbers::avoiding(10, BTreeSet::from([10, 12, 13, 40]));
        let handed: Vec<u32> = (0..3).map(|_| numbers.allocate().unwrap().num).collect();
        assert_eq!(handed, [11, 14, 15]);
        assert_eq!(numbers.size(), 16);
        let mut at_edge = ObjectNumbers::avoiding(5, BTreeSet::from([6]));
        assert_eq!(at_edge.allocate().unwrap().num, 5);
        assert_eq!(at_edge.size(), 7); // an xref stream must not take 6 either
    }

    #[test]
    fn references_to_undefined_objects_are_found() {
        let pdf = std::fs::read(format!(
            "{}/testdata/pdf/classic.pdf",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let doc = Document::parse(&pdf).unwrap();
        let (_, catalog) = doc.catalog().unwrap();
        let mut extra = catalog.clone();
        extra.set("Dangling", Object::Ref(ObjRef::new(doc.size() + 3, 0)));
        extra.set("Defined", Object::Ref(ObjRef::new(1, 0)));
        let found = undefined_references(&doc, [&Object::Dict(extra)]).unwrap();
        assert_eq!(found, BTreeSet::from([doc.size() + 3]));
    }
}
