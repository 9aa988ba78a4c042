//! Walking the interactive-form field tree (§12.7.4): one walker for signing (which needs every
//! field) and verification (which needs the signed ones and must survive unreadable nodes).

use std::collections::HashSet;

use super::object::text_string;
use super::{Dict, Document, ObjRef, Object};
use crate::error::{Error, Result};

/// Field trees are shallow; a deeper one is hostile.
const MAX_FIELD_DEPTH: usize = 32;

/// Bytes of fully qualified names one walk may build. Every node gets its own copy of its
/// parent's name, so a long `/T` over many kids would otherwise cost kids × length (a 260 KB
/// file made 10,000 names of 100 KB). Real forms stay far below (10,000 fields of 100 bytes
/// are 1 MB).
pub const MAX_FIELD_NAME_BYTES: u64 = 16 << 20;

/// A terminal or non-terminal form field, with its fully qualified name.
pub struct FormField {
    pub name: String,
    pub reference: Option<ObjRef>,
    pub dict: Dict,
    /// `/FT /Sig`, inherited from an ancestor when absent (§12.7.4.1).
    pub is_signature: bool,
    /// A kid without `/T`: a widget annotation of its parent field, not a field of its own
    /// (§12.7.3.1); its parent holds the value.
    pub is_widget: bool,
}

impl FormField {
    /// A signature field whose `/V` is a signature dictionary.
    pub fn signature_value(&self, doc: &Document<'_>) -> Result<Option<Dict>> {
        if !self.is_signature {
            return Ok(None);
        }
        Ok(doc
            .resolve_key(&self.dict, b"V")?
            .and_then(|v| v.as_dict().cloned()))
    }
}

/// What the walker meets: a field, or a node it could not read (the walk goes on).
pub enum FieldVisit {
    Field(FormField),
    Unreadable {
        /// Name of the field (or of its parent, when the field itself is unreadable).
        name: String,
        reference: Option<ObjRef>,
        /// `"a form field"` or `"/Kids"`.
        what: &'static str,
        error: Error,
    },
}

/// Calls `visit` for every node of the AcroForm field tree, parents before kids. Loops and
/// over-deep trees are cut; only a missing or unreadable catalog entry stops the walk, or names
/// longer together than [`MAX_FIELD_NAME_BYTES`] ([`Error::LimitExceeded`]).
pub fn walk_fields(
    doc: &Document<'_>,
    catalog: &Dict,
    visit: &mut dyn FnMut(FieldVisit),
) -> Result<()> {
    let mut names = MAX_FIELD_NAME_BYTES;
    walk_fields_within(doc, catalog, &mut names, visit)
}

/// [`walk_fields`] drawing the bytes of the names it builds from `names`, so that several walks
/// (one per revision) share one bound.
pub fn walk_fields_within(
    doc: &Document<'_>,
    catalog: &Dict,
    names: &mut u64,
    visit: &mut dyn FnMut(FieldVisit),
) -> Result<()> {
    let Some(form) = doc.resolve_key(catalog, b"AcroForm")? else {
        return Ok(());
    };
    let fields = form
        .as_dict()
        .map(|f| doc.resolve_key(f, b"Fields"))
        .transpose()?
        .flatten();
    let Some(Object::Array(fields)) = fields else {
        return Ok(());
    };
    let mut walk = Walk {
        doc,
        seen: HashSet::new(),
        names,
        exhausted: false,
        visit,
    };
    for field in &fields {
        walk.node(field, ("", false), 0);
    }
    if walk.exhausted {
        return Err(Error::limit(
            "bytes of form field names",
            MAX_FIELD_NAME_BYTES,
            "the AcroForm field tree",
        ));
    }
    Ok(())
}

/// One walk of a field tree: the nodes met, the name bytes left.
struct Walk<'w, 'd> {
    doc: &'w Document<'d>,
    seen: HashSet<ObjRef>,
    names: &'w mut u64,
    exhausted: bool,
    visit: &'w mut dyn FnMut(FieldVisit),
}

impl Walk<'_, '_> {
    /// Draws `len` name bytes; false (and the walk stops) when they are spent.
    fn draw(&mut self, len: usize) -> bool {
        match self.names.checked_sub(len as u64) {
            Some(left) if !self.exhausted => {
                *self.names = left;
                true
            }
            _ => {
                self.exhausted = true;
                false
            }
        }
    }

    fn node(&mut self, node: &Object, (parent_name, parent_is_sig): (&str, bool), depth: usize) {
        let reference = node.as_ref();
        if self.exhausted
            || depth > MAX_FIELD_DEPTH
            || reference.is_some_and(|r| !self.seen.insert(r))
        {
            return;
        }
        let dict = match self.doc.resolve(node) {
            Ok(Object::Dict(dict)) => dict,
            Ok(_) => return,
            Err(error) => {
                if !self.draw(parent_name.len()) {
                    return;
                }
                let name = parent_name.to_string();
                return (self.visit)(FieldVisit::Unreadable {
                    name,
                    reference,
                    what: "a form field",
                    error,
                });
            }
        };
        let partial = dict
            .get(b"T")
            .and_then(Object::as_string_bytes)
            .map(text_string);
        let name = match (parent_name.is_empty(), partial) {
            (_, None) => parent_name.to_string(),
            (true, Some(p)) => p,
            (false, Some(p)) => format!("{parent_name}.{p}"),
        };
        // The name is held twice: by the visit and by the walk of the kids.
        if !self.draw(name.len().saturating_mul(2)) {
            return;
        }
        // /FT is inheritable (§12.7.3.1).
        let is_signature = match dict.get(b"FT").and_then(Object::as_name) {
            Some(ft) => ft == b"Sig",
            None => parent_is_sig,
        };
        let kids = self.doc.resolve_key(&dict, b"Kids");
        let is_widget = depth > 0 && !dict.contains(b"T");
        (self.visit)(FieldVisit::Field(FormField {
            name: name.clone(),
            reference,
            dict,
            is_signature,
            is_widget,
        }));
        match kids {
            Ok(Some(Object::Array(kids))) => {
                for kid in &kids {
                    self.node(kid, (&name, is_signature), depth.saturating_add(1));
                }
            }
            Ok(_) => {}
            Err(error) => (self.visit)(FieldVisit::Unreadable {
                name,
                reference: None,
                what: "/Kids",
                error,
            }),
        }
    }
}

/// Every field of the AcroForm tree, parents before kids; an unreadable field is an error here,
/// since signing must not guess around a damaged form.
pub fn form_fields(doc: &Document<'_>, catalog: &Dict) -> Result<Vec<FormField>> {
    let mut out = Vec::new();
    let mut failure = None;
    walk_fields(doc, catalog, &mut |visit| match visit {
        FieldVisit::Field(field) => out.push(field),
        FieldVisit::Unreadable { error, .. } => {
            failure.get_or_insert(error);
        }
    })?;
    match failure {
        Some(error) => Err(error),
        None => Ok(out),
    }
}
