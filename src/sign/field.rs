//! The signature field: a field merged with an invisible widget on one page, listed in the page's
//! `/Annots` and in `/AcroForm /Fields` (§12.7, §12.8). Only objects that must change are rewritten.

use std::collections::HashSet;

use crate::error::{Error, Result, Unsupported};
use crate::pdf::acroform::form_fields;
use crate::pdf::{Dict, Document, ObjRef, Object, Stream};

pub use super::numbers::ObjectNumbers;

/// `/SigFlags`: SignaturesExist | AppendOnly (§12.7.2, Table 219).
const SIG_FLAGS: i64 = 3;
/// Annotation flags: Print | Locked (§12.5.3).
const WIDGET_FLAGS: i64 = 132;

/// The objects the update writes for the field, besides the signature dictionary itself.
pub struct FieldPlan {
    pub field_name: String,
    /// The field that holds the signature (with its widget, when they are merged).
    pub field_ref: ObjRef,
    pub objects: Vec<(ObjRef, Object)>,
}

impl FieldPlan {
    /// The field's dictionary as the update writes it.
    pub fn field_dict(&self) -> Option<&Dict> {
        self.objects
            .iter()
            .find(|(id, _)| *id == self.field_ref)
            .and_then(|(_, object)| object.as_dict())
    }

    /// Sets `key` in the field's dictionary.
    pub fn set_on_field(&mut self, key: &str, value: Object) -> Result<()> {
        let field_ref = self.field_ref;
        match self.objects.iter_mut().find(|(id, _)| *id == field_ref) {
            Some((_, Object::Dict(field))) => {
                field.set(key, value);
                Ok(())
            }
            _ => Err(Error::MissingObject {
                object: field_ref,
                object_stream: None,
            }),
        }
    }
}

/// Plans the field that will hold the signature dictionary `sig_ref`. With `fill_empty`, the first empty signature field is filled when there is one; otherwise a
/// new field is added (see [`plan_field`]).
pub fn plan_field_or_fill(
    doc: &Document<'_>,
    catalog: (ObjRef, &Dict),
    page: (ObjRef, &Dict),
    sig_ref: ObjRef,
    (requested_name, fill_empty): (Option<&str>, bool),
    numbers: &mut ObjectNumbers,
) -> Result<FieldPlan> {
    if fill_empty
        && requested_name.is_none()
        && let Some(plan) = plan_fill_empty(doc, catalog, sig_ref, numbers)?
    {
        return Ok(plan);
    }
    plan_field(doc, catalog, page, sig_ref, requested_name, numbers)
}

/// A new field for `sig_ref`, with an invisible widget on `page`.
pub fn plan_field(
    doc: &Document<'_>,
    catalog: (ObjRef, &Dict),
    page: (ObjRef, &Dict),
    sig_ref: ObjRef,
    requested_name: Option<&str>,
    numbers: &mut ObjectNumbers,
) -> Result<FieldPlan> {
    let (catalog_ref, catalog_dict) = catalog;
    let (page_ref, page_dict) = page;
    let acroform = AcroForm::read(doc, catalog_dict)?;
    let existing = acroform.field_names(doc)?;
    let field_name = choose_name(&existing, requested_name)?;
    let widget_ref = numbers.allocate()?;
    let appearance_ref = numbers.allocate()?;
    let mut objects = vec![
        (
            widget_ref,
            widget(&field_name, sig_ref, page_ref, appearance_ref),
        ),
        (appearance_ref, empty_appearance()),
    ];
    objects.extend(add_to_annots(doc, page_ref, page_dict, widget_ref)?);
    objects.extend(acroform.with_field(doc, catalog_ref, catalog_dict, widget_ref, numbers)?);
    Ok(FieldPlan {
        field_name,
        field_ref: widget_ref,
        objects,
    })
}

fn choose_name(existing: &HashSet<Vec<u8>>, requested: Option<&str>) -> Result<String> {
    if let Some(name) = requested {
        if name.is_empty() || name.contains('.') {
            return Err(Error::invalid_option(
                "field_name",
                format!("{name:?} must be non-empty and without '.'"),
            ));
        }
        if existing.contains(name.as_bytes()) {
            return Err(Error::invalid_option(
                "field_name",
                format!("a field named {name:?} already exists"),
            ));
        }
        return Ok(name.to_string());
    }
    (1u32..)
        .map(|n| format!("Signature{n}"))
        .find(|candidate| !existing.contains(candidate.as_bytes()))
        .ok_or_else(|| Unsupported::FieldNamesExhausted.into())
}

fn widget(name: &str, sig_ref: ObjRef, page_ref: ObjRef, appearance_ref: ObjRef) -> Object {
    let mut dict = Dict::new();
    dict.set("Type", Object::name("Annot"));
    dict.set("Subtype", Object::name("Widget"));
    dict.set("FT", Object::name("Sig"));
    dict.set("T", Object::literal(name.as_bytes()));
    dict.set("V", Object::Ref(sig_ref));
    dict.set("F", Object::Integer(WIDGET_FLAGS));
    dict.set("Rect", zero_rect());
    dict.set("P", Object::Ref(page_ref));
    let mut ap = Dict::new();
    ap.set("N", Object::Ref(appearance_ref));
    dict.set("AP", Object::Dict(ap));
    Object::Dict(dict)
}

fn zero_rect() -> Object {
    Object::Array(vec![Object::Integer(0); 4])
}

/// An empty form XObject: an invisible widget still needs an appearance (PDF/A, PAdES viewers).
fn empty_appearance() -> Object {
    let mut dict = Dict::new();
    dict.set("Type", Object::name("XObject"));
    dict.set("Subtype", Object::name("Form"));
    dict.set("BBox", zero_rect());
    Object::Stream(Stream {
        dict,
        raw: Vec::new(),
    })
}

/// Adds the widget to the page's `/Annots`: an indirect array is rewritten alone, a direct one
/// (or none) means rewriting the page.
fn add_to_annots(
    doc: &Document<'_>,
    page_ref: ObjRef,
    page: &Dict,
    widget: ObjRef,
) -> Result<Vec<(ObjRef, Object)>> {
    if let Some(Object::Ref(array_ref)) = page.get(b"Annots")
        && let Object::Array(mut annots) = doc.get(*array_ref)?
    {
        annots.push(Object::Ref(widget));
        return Ok(vec![(*array_ref, Object::Array(annots))]);
    }
    let mut annots = match page.get(b"Annots") {
        Some(Object::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    annots.push(Object::Ref(widget));
    let mut page = page.clone();
    page.set("Annots", Object::Array(annots));
    Ok(vec![(page_ref, Object::Dict(page))])
}

/// Where the AcroForm lives decides which objects change.
enum AcroForm {
    Absent,
    Direct(Dict),
    Indirect(ObjRef, Dict),
}

impl AcroForm {
    fn read(doc: &Document<'_>, catalog: &Dict) -> Result<Self> {
        Ok(match catalog.get(b"AcroForm") {
            None => AcroForm::Absent,
            Some(Object::Ref(r)) => match doc.get(*r)? {
                Object::Dict(d) => AcroForm::Indirect(*r, d),
                _ => AcroForm::Absent,
            },
            Some(Object::Dict(d)) => AcroForm::Direct(d.clone()),
            Some(_) => AcroForm::Absent,
        })
    }

    fn dict(&self) -> Option<&Dict> {
        match self {
            AcroForm::Absent => None,
            AcroForm::Direct(d) | AcroForm::Indirect(_, d) => Some(d),
        }
    }

    /// Names of the top-level fields (our field is top-level, so only these can clash).
    fn field_names(&self, doc: &Document<'_>) -> Result<HashSet<Vec<u8>>> {
        let mut names = HashSet::new();
        let Some(dict) = self.dict() else {
            return Ok(names);
        };
        if let Some(Object::Array(fields)) = doc.resolve_key(dict, b"Fields")? {
            for field in &fields {
                let field = doc.resolve(field)?;
                if let Some(name) = field
                    .as_dict()
                    .and_then(|d| d.get(b"T"))
                    .and_then(Object::as_string_bytes)
                {
                    names.insert(name.to_vec());
                }
            }
        }
        Ok(names)
    }

    /// The rewritten objects that list `widget` among the fields with `/SigFlags 3`.
    fn with_field(
        self,
        doc: &Document<'_>,
        catalog_ref: ObjRef,
        catalog: &Dict,
        widget: ObjRef,
        numbers: &mut ObjectNumbers,
    ) -> Result<Vec<(ObjRef, Object)>> {
        let mut changed = Vec::new();
        let (form_ref, mut form) = match self {
            AcroForm::Indirect(r, d) => (Some(r), d),
            AcroForm::Direct(d) => (None, d),
            AcroForm::Absent => (None, Dict::new()),
        };
        let flags = form.get(b"SigFlags").and_then(Object::as_i64).unwrap_or(0);
        let flags_ok = flags & SIG_FLAGS == SIG_FLAGS;
        if !flags_ok {
            form.set("SigFlags", Object::Integer(flags | SIG_FLAGS));
        }
        match form.get(b"Fields") {
            Some(Object::Ref(fields_ref)) if matches!(doc.get(*fields_ref)?, Object::Array(_)) => {
                let fields_ref = *fields_ref;
                if let Object::Array(mut fields) = doc.get(fields_ref)? {
                    fields.push(Object::Ref(widget));
                    changed.push((fields_ref, Object::Array(fields)));
                }
                if flags_ok && form_ref.is_some() {
                    return Ok(changed);
                }
            }
            other => {
                let mut fields = match other {
                    Some(Object::Array(list)) => list.clone(),
                    _ => Vec::new(),
                };
                fields.push(Object::Ref(widget));
                form.set("Fields", Object::Array(fields));
            }
        }
        match form_ref {
            Some(r) => changed.push((r, Object::Dict(form))),
            None => {
                // A new (or formerly direct) AcroForm becomes its own object; the catalog points to it.
                let r = numbers.allocate()?;
                changed.push((r, Object::Dict(form)));
                let mut catalog = catalog.clone();
                catalog.set("AcroForm", Object::Ref(r));
                changed.push((catalog_ref, Object::Dict(catalog)));
            }
        }
        Ok(changed)
    }
}

/// The first signature field without a value: a terminal field (its `/Kids`, if any, are only
/// widgets), never a widget itself, and never one that already holds a signature.
fn first_empty_signature_field(
    doc: &Document<'_>,
    catalog: &Dict,
) -> Result<Option<(ObjRef, String, Dict)>> {
    for field in form_fields(doc, catalog)? {
        let empty = field.is_signature && !field.is_widget && !field.dict.contains(b"V");
        if !empty || has_field_kids(doc, &field.dict)? {
            continue;
        }
        if let Some(reference) = field.reference {
            return Ok(Some((reference, field.name, field.dict)));
        }
    }
    Ok(None)
}

/// Whether `/Kids` holds fields (kids with `/T`) rather than only the field's widgets.
fn has_field_kids(doc: &Document<'_>, field: &Dict) -> Result<bool> {
    let Some(Object::Array(kids)) = doc.resolve_key(field, b"Kids")? else {
        return Ok(false);
    };
    for kid in &kids {
        if doc
            .resolve(kid)?
            .as_dict()
            .is_some_and(|k| k.contains(b"T"))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Fills the first empty signature field with `sig_ref`, when the document has one: the
/// field (with its merged widget) is the only object rewritten, plus `/SigFlags` if needed.
/// `None` means there is no empty field to fill.
pub fn plan_fill_empty(
    doc: &Document<'_>,
    catalog: (ObjRef, &Dict),
    sig_ref: ObjRef,
    numbers: &mut ObjectNumbers,
) -> Result<Option<FieldPlan>> {
    let (catalog_ref, catalog_dict) = catalog;
    let Some((field_ref, name, mut field)) = first_empty_signature_field(doc, catalog_dict)? else {
        return Ok(None);
    };
    if super::locks::field_is_locked(doc, catalog_dict, &name)? {
        return Err(Error::FieldLocked { field: name });
    }
    field.set("V", Object::Ref(sig_ref));
    let mut objects = vec![(field_ref, Object::Dict(field))];
    let acroform = AcroForm::read(doc, catalog_dict)?;
    let flags = acroform
        .dict()
        .and_then(|d| d.get(b"SigFlags"))
        .and_then(Object::as_i64)
        .unwrap_or(0);
    if flags & SIG_FLAGS != SIG_FLAGS {
        match acroform {
            AcroForm::Indirect(r, mut form) => {
                form.set("SigFlags", Object::Integer(flags | SIG_FLAGS));
                objects.push((r, Object::Dict(form)));
            }
            AcroForm::Direct(mut form) => {
                form.set("SigFlags", Object::Integer(flags | SIG_FLAGS));
                let r = numbers.allocate()?;
                objects.push((r, Object::Dict(form)));
                let mut catalog = catalog_dict.clone();
                catalog.set("AcroForm", Object::Ref(r));
                objects.push((catalog_ref, Object::Dict(catalog)));
            }
            AcroForm::Absent => {}
        }
    }
    Ok(Some(FieldPlan {
        field_name: name,
        field_ref,
        objects,
    }))
}
