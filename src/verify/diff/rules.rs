//! The allow-list: what each changed or added object is, and how far its change goes. An object
//! is judged by the role it had in the signed revision (catalog, form, page, field, widget,
//! annotation, validation data, metadata); whatever has no role here is [`ModificationLevel::Other`].

use std::collections::HashSet;

use super::references::{Referrer, Referrers};
use super::revision::{Diff, same};
use super::{Disallowed, ModificationLevel as Level, Permissions};
use crate::pdf::object::text_string;
use crate::pdf::{Dict, Document, ObjRef, Object};

/// Annotation kinds that cannot hide what a page shows (the 2021 "Evil Annotation Attack" used
/// FreeText, Stamp, Redact and the like): the only ones a certified document may gain.
const HARMLESS_ANNOTATIONS: &[&[u8]] = &[
    b"Text",
    b"Popup",
    b"Highlight",
    b"Underline",
    b"Squiggly",
    b"StrikeOut",
    b"Caret",
];

/// What an annotation change may touch (ISO 32000-1 Tables 164-190). A font (`/Subtype
/// /Type1`), a form XObject or an untyped page also has a `/Subtype`: changing its `/Encoding`,
/// `/BaseFont`, `/Contents` stream or `/Resources` must not pass as an annotation change.
const ANNOTATION_KEYS: &[&[u8]] = &[
    b"Rect",
    b"Contents",
    b"NM",
    b"M",
    b"F",
    b"AP",
    b"AS",
    b"Border",
    b"C",
    b"StructParent",
    b"T",
    b"Popup",
    b"CA",
    b"RC",
    b"CreationDate",
    b"IRT",
    b"Subj",
    b"RT",
    b"IT",
    b"ExData",
    b"Open",
    b"State",
    b"StateModel",
    b"Name",
    b"BS",
    b"BE",
    b"IC",
    b"LE",
    b"L",
    b"LL",
    b"LLE",
    b"LLO",
    b"Cap",
    b"CP",
    b"CO",
    b"Measure",
    b"DA",
    b"Q",
    b"DS",
    b"CL",
    b"RD",
    b"Vertices",
    b"QuadPoints",
    b"InkList",
    b"Path",
    b"Parent",
    b"OC",
    b"H",
    b"MK",
    b"Lang",
    b"P",
    b"Type",
];

/// Keys that make a dictionary a page or a page-tree node to some reader: an added
/// "annotation" must carry none, or it could join a `/Kids` array as a page.
const PAGE_KEYS: &[&[u8]] = &[b"MediaBox", b"CropBox", b"Resources", b"Count"];

/// Field trees and widget parents are shallow; a deeper chain is hostile.
const MAX_PARENT_DEPTH: usize = 32;

type Verdict = Result<Level, Disallowed>;

/// Judges every change of a [`Diff`] between the signed revision (`old`) and the file (`new`).
pub(super) struct Judge<'d, 'a> {
    old: &'d Document<'a>,
    new: &'d Document<'a>,
    permissions: &'d Permissions,
    diff: &'d Diff,
    referrers: &'d Referrers,
    root: ObjRef,
    acroform: Option<ObjRef>,
    info: Option<ObjRef>,
    metadata: Option<ObjRef>,
    /// The `/DSS` dictionary and the arrays and dictionaries under it.
    validation_data: HashSet<ObjRef>,
}

impl<'d, 'a> Judge<'d, 'a> {
    pub fn new(
        old: &'d Document<'a>,
        new: &'d Document<'a>,
        permissions: &'d Permissions,
        diff: &'d Diff,
        referrers: &'d Referrers,
    ) -> Result<Self, Disallowed> {
        let (root, catalog) = old
            .catalog()
            .map_err(|e| Disallowed::new(format!("the signed catalog is unreadable: {e}")))?;
        let reference = |key: &[u8]| catalog.get(key).and_then(Object::as_ref);
        Ok(Self {
            old,
            new,
            permissions,
            diff,
            referrers,
            root,
            acroform: reference(b"AcroForm"),
            info: old.trailer().get(b"Info").and_then(Object::as_ref),
            metadata: reference(b"Metadata"),
            validation_data: validation_data(old, catalog.get(b"DSS")),
        })
    }

    /// The furthest level among all changes.
    pub fn level(&self) -> Verdict {
        // Added objects are judged where a changed object refers to them: one nothing refers
        // to cannot show (the signed revision's own references were checked before).
        let mut level = Level::None;
        for &id in &self.diff.changed {
            level = level.max(self.changed(id)?);
        }
        Ok(level)
    }

    fn changed(&self, id: ObjRef) -> Verdict {
        let (before, after) = (self.load_old(id)?, self.load_new(id)?);
        if id == self.root {
            return self.catalog(&dict(id, &before)?, &dict(id, &after)?);
        }
        if Some(id) == self.acroform {
            return self.acroform(&dict(id, &before)?, &dict(id, &after)?);
        }
        if self.validation_data.contains(&id) && self.only_validation_data_refers_to(id) {
            return Ok(Level::LtvUpdates);
        }
        if Some(id) == self.info && self.only_referred_by(id, |r| *r == Referrer::Trailer) {
            return metadata_dictionary(id, &before, &after);
        }
        if Some(id) == self.metadata
            && self.only_referred_by(id, |r| {
                // Pages and images name their own metadata the same way; an older catalog
                // nothing reaches may still name it too.
                matches!(r, Referrer::Object { path, .. } if path_is(path, &[b"Metadata"]))
            })
        {
            return match &after {
                Object::Stream(s) if s.dict.has_name(b"Type", b"Metadata") => {
                    Ok(Level::FormFilling)
                }
                _ => Err(Disallowed::at(
                    id,
                    "the XMP metadata is no longer a metadata stream",
                )),
            };
        }
        let changed = || Disallowed::at(id, format!("{} changed after signing", describe(&before)));
        match (&before, &after) {
            (Object::Dict(old), Object::Dict(new)) if old.has_name(b"Type", b"Page") => {
                self.page(id, old, new)
            }
            (Object::Dict(old), Object::Dict(new)) if old.has_name(b"Type", b"Pages") => {
                producer_stamp(id, old, new)
            }
            (Object::Dict(old), Object::Dict(new))
                if is_field(old) || old.has_name(b"Subtype", b"Widget") =>
            {
                if !self.only_referred_by(id, |r| self.is_form_link(r)) {
                    return Err(changed());
                }
                if is_field(old) {
                    self.field(id, old, new)
                } else {
                    self.widget(id, old, new)
                }
            }
            (Object::Dict(old), Object::Dict(new)) if old.contains(b"Subtype") => {
                if !self.only_referred_by(id, |r| self.is_annotation_link(r)) {
                    return Err(changed());
                }
                if old.get(b"Subtype") != new.get(b"Subtype") {
                    return Err(Disallowed::at(id, "an annotation changed its kind"));
                }
                changed_annotation_keys(id, old, new)?;
                self.annotation(Some(id), new)
            }
            (Object::Array(old), Object::Array(new)) => {
                if !self.only_referred_by(id, |r| self.is_form_link(r)) {
                    return Err(changed());
                }
                self.array(id, old, new)
            }
            _ => Err(changed()),
        }
    }

    /// Every referrer of `id` in the signed revision passes `allowed`: the object has no role
    /// besides the one its change is judged by.
    fn only_referred_by(&self, id: ObjRef, allowed: impl Fn(&Referrer) -> bool) -> bool {
        self.referrers.of(id.num).all(allowed)
    }

    fn only_validation_data_refers_to(&self, id: ObjRef) -> bool {
        self.only_referred_by(id, |r| {
            self.is_catalog_key(r, b"DSS")
                || matches!(r, Referrer::Object { id, .. } if self.validation_data.contains(id))
        })
    }

    fn is_catalog_key(&self, referrer: &Referrer, expected: &[u8]) -> bool {
        matches!(referrer, Referrer::Object { id, path } if *id == self.root && path_is(path, &[expected]))
    }

    /// A reference that makes an object part of the form: from the form's field list (in an
    /// interactive form dictionary of its own or inline in the catalog), a field's kids or
    /// parent, a page's annotations, the calculation order, an action naming fields. A page-tree
    /// node's `/Kids` is not one.
    fn is_form_link(&self, referrer: &Referrer) -> bool {
        let Referrer::Object { id, path } = referrer else {
            return false;
        };
        let in_form = |key: &[u8]| path_is(path, &[key]) || path_is(path, &[b"AcroForm", key]);
        path.is_empty()
            || in_form(b"Fields")
            || in_form(b"CO")
            || path_is(path, &[b"Parent"])
            || path_is(path, &[b"Annots"])
            || path.first().is_some_and(|k| k == b"A" || k == b"AA")
            || (path_is(path, &[b"Kids"])
                && !matches!(self.old.get(*id), Ok(Object::Dict(d)) if d.has_name(b"Type", b"Pages")))
    }

    /// A reference that makes an object an annotation: a page's list, a popup's parent, a reply.
    fn is_annotation_link(&self, referrer: &Referrer) -> bool {
        let Referrer::Object { path, .. } = referrer else {
            return false;
        };
        path.is_empty()
            || [&b"Annots"[..], b"Popup", b"Parent", b"IRT"]
                .iter()
                .any(|key| path_is(path, &[key]))
    }

    /// The catalog may gain validation data, a form, metadata; nothing else.
    fn catalog(&self, old: &Dict, new: &Dict) -> Verdict {
        let mut level = Level::None;
        for key in changed_keys(old, new) {
            level = level.max(match key {
                // Signers raise /Version to the one their additions need (PAdES: 1.7 + ESIC).
                b"DSS" | b"Extensions" | b"Version" => Level::LtvUpdates,
                // Application data and structure hints readers do not draw.
                b"Metadata" | b"PieceInfo" | b"MarkInfo" => Level::FormFilling,
                b"AcroForm" => {
                    let before = self.old_dict(old.get(key))?;
                    let after = self.new_dict(new.get(key))?;
                    self.acroform(&before, &after)?
                }
                b"Perms" => {
                    return Err(Disallowed::at(
                        self.root,
                        "/Perms (certification or usage rights) changed after signing",
                    ));
                }
                _ => return Err(catalog_key(self.root, key)),
            });
        }
        Ok(level)
    }

    /// The interactive form may gain signature fields and resources for appearances.
    fn acroform(&self, old: &Dict, new: &Dict) -> Verdict {
        let mut level = Level::None;
        for key in changed_keys(old, new) {
            level = level.max(match key {
                b"Fields" => {
                    let before = self.old_array(old.get(key))?;
                    let after = self.new_array(new.get(key))?;
                    let added = appended(&before, &after)
                        .ok_or_else(|| Disallowed::new("a form field was removed after signing"))?;
                    self.max_over(&added, |element| self.added_field(element))?
                }
                b"SigFlags" => Level::LtvUpdates,
                b"DR" | b"DA" => Level::FormFilling,
                _ => {
                    return Err(Disallowed::new(format!(
                        "the interactive form's /{} changed after signing",
                        key_name(key)
                    )));
                }
            });
        }
        Ok(level)
    }

    /// A page may gain or lose annotations; its content, resources and place stay.
    fn page(&self, id: ObjRef, old: &Dict, new: &Dict) -> Verdict {
        let mut level = Level::None;
        for key in changed_keys(old, new) {
            level = level.max(match key {
                b"Annots" => {
                    let before = self.old_array(old.get(key))?;
                    let after = self.new_array(new.get(key))?;
                    self.annotation_list(&before, &after)?
                }
                b"Resources" if self.resources_extended(old.get(key), new.get(key))? => {
                    Level::FormFilling
                }
                _ => {
                    return Err(Disallowed::at(
                        id,
                        format!("the page's /{} changed after signing", key_name(key)),
                    ));
                }
            });
        }
        Ok(level)
    }

    /// The page's resources only gained entries (a writer that adds a font for an appearance
    /// copies them): every name the signed content can use still means the same object.
    fn resources_extended(
        &self,
        old: Option<&Object>,
        new: Option<&Object>,
    ) -> Result<bool, Disallowed> {
        let (before, after) = (self.old_dict(old)?, self.new_dict(new)?);
        for (category, entries) in before.iter() {
            if category == b"ProcSet" {
                continue; // obsolete since PDF 1.4, ignored by readers
            }
            if !matches!(self.old.resolve(entries), Ok(Object::Dict(_))) {
                if !after.get(category).is_some_and(|now| same(now, entries)) {
                    return Ok(false);
                }
                continue;
            }
            let entries = resolve_dict(self.old, Some(entries))?;
            let now = resolve_dict(self.new, after.get(category))?;
            let kept = entries
                .iter()
                .all(|(name, value)| now.get(name).is_some_and(|v| same(v, value)));
            if !kept {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// An indirect array (a page's `/Annots`, the form's `/Fields`, a field's `/Kids`): it may
    /// only gain signature fields and annotations. Which array it is does not matter: neither
    /// kind can be taken for content, a page or a resource.
    fn array(&self, id: ObjRef, old: &[Object], new: &[Object]) -> Verdict {
        let added = appended(old, new)
            .ok_or_else(|| Disallowed::at(id, "an array lost elements after signing"))?;
        self.max_over(&added, |element| {
            let target = self.new.resolve(element).unwrap_or(Object::Null);
            match target.as_dict() {
                Some(d) if is_field(d) && !d.contains(b"Subtype") => self.added_field(element),
                _ => self.added_annotation(element),
            }
        })
        .map_err(|e| Disallowed {
            object: e.object.or(Some(id)),
            ..e
        })
    }

    fn annotation_list(&self, old: &[Object], new: &[Object]) -> Verdict {
        match appended(old, new) {
            Some(added) => self.max_over(&added, |element| self.added_annotation(element)),
            // Removing an annotation can uncover what it hid: an annotation change.
            None => {
                let kept: Vec<Object> = new.iter().filter(|e| old.contains(e)).cloned().collect();
                let added = appended(&kept, new).unwrap_or_default();
                let level = self.max_over(&added, |element| self.added_annotation(element))?;
                Ok(level.max(Level::Annotations))
            }
        }
    }

    /// A form field added to `/Fields` or to a field's `/Kids`: only signature fields.
    fn added_field(&self, element: &Object) -> Verdict {
        let (id, field) = self.new_element(element)?;
        if field_type(self.new, &field).as_deref() != Some(b"Sig") {
            return Err(at_or_new(
                id,
                "a form field that is not a signature field was added",
            ));
        }
        reject_page_keys(id, &field)?;
        let level = self.signature_value_level(&field);
        if field.has_name(b"Subtype", b"Widget") {
            self.signature_widget(id, &field)?;
        }
        let kids = self.new_array(field.get(b"Kids"))?;
        for kid in &kids {
            let (kid_id, widget) = self.new_element(kid)?;
            if !widget.has_name(b"Subtype", b"Widget") || widget.contains(b"T") {
                return Err(at_or_new(
                    kid_id,
                    "a new signature field has a kid that is not its widget",
                ));
            }
            reject_page_keys(kid_id, &widget)?;
            self.signature_widget(kid_id, &widget)?;
        }
        Ok(level)
    }

    /// An annotation added to a page (or an array of unknown role).
    fn added_annotation(&self, element: &Object) -> Verdict {
        let (id, annotation) = self.new_element(element)?;
        reject_page_keys(id, &annotation)?;
        if !annotation.contains(b"Subtype")
            || annotation
                .get(b"Type")
                .is_some_and(|t| t.as_name() != Some(b"Annot"))
        {
            return Err(at_or_new(
                id,
                "an element added after signing is not an annotation",
            ));
        }
        if annotation.has_name(b"Subtype", b"Widget") {
            let field = self.owning_field(self.new, &annotation);
            if field_type(self.new, &field).as_deref() == Some(b"Sig") {
                self.signature_widget(id, &annotation)?;
                return Ok(self.signature_value_level(&field));
            }
            return Err(at_or_new(
                id,
                "a widget of a field that is not a signature field was added",
            ));
        }
        self.annotation(id, &annotation)
    }

    /// An annotation added or changed. A certified document may gain only kinds that cannot
    /// cover page content.
    fn annotation(&self, id: Option<ObjRef>, annotation: &Dict) -> Verdict {
        let kind = annotation
            .get(b"Subtype")
            .and_then(Object::as_name)
            .unwrap_or_default();
        if self.permissions.certified() && !HARMLESS_ANNOTATIONS.contains(&kind) {
            return Err(at_or_new(
                id,
                format!(
                    "a /{} annotation can cover page content: not allowed in a certified document",
                    key_name(kind)
                ),
            ));
        }
        // Even a harmless kind draws what its appearance stream says: in a certified document
        // only an icon-sized one (a note's icon) is let through, not a box over the page.
        if self.permissions.certified() && drawn_area(self.new, annotation) > MAX_ICON_AREA {
            return Err(at_or_new(
                id,
                format!(
                    "a /{} annotation draws an appearance larger than an icon on a page of a \
                     certified document",
                    key_name(kind)
                ),
            ));
        }
        Ok(Level::Annotations)
    }

    /// A widget of a signature field. In a certified document it must not draw on the page (the
    /// 2021 "Sneaky Signature Attack" put content in new signature appearances).
    fn signature_widget(&self, id: Option<ObjRef>, widget: &Dict) -> Result<(), Disallowed> {
        if self.permissions.certified() && draws_on_page(self.new, widget) {
            return Err(at_or_new(
                id,
                "a new signature widget draws an appearance on a page of a certified document",
            ));
        }
        Ok(())
    }

    /// A document time-stamp is validation data; any other signature or an empty field is form
    /// filling.
    fn signature_value_level(&self, field: &Dict) -> Level {
        let value = self.new.resolve_key(field, b"V").ok().flatten();
        match value.as_ref().and_then(Object::as_dict) {
            Some(sig) if is_document_timestamp(sig) => Level::LtvUpdates,
            _ => Level::FormFilling,
        }
    }

    /// A field of the signed revision: its value and appearance may change, unless locked; a
    /// signature field only when it was empty.
    fn field(&self, id: ObjRef, old: &Dict, new: &Dict) -> Verdict {
        let name = full_name(self.old, old);
        let is_signature = field_type(self.old, old).as_deref() == Some(b"Sig");
        let mut level = Level::None;
        for key in changed_keys(old, new) {
            self.check_unlocked(id, &name)?;
            level = level.max(match key {
                b"V" if is_signature && old.get(b"V").is_some_and(|v| *v != Object::Null) => {
                    return Err(Disallowed::at(
                        id,
                        format!("the value of the signed field {name} changed"),
                    ));
                }
                b"V" if is_signature => self.signature_value_level(new),
                b"V" if read_only(old) => {
                    return Err(Disallowed::at(
                        id,
                        format!("the read-only field {name} changed"),
                    ));
                }
                b"V" | b"AS" | b"AP" | b"MK" | b"F" => Level::FormFilling,
                // Signing workflows lock the fields they cover by making them read-only.
                b"Ff" if only_sets_read_only(old, new) => Level::FormFilling,
                b"Kids" => {
                    let before = self.old_array(old.get(key))?;
                    let after = self.new_array(new.get(key))?;
                    self.array(id, &before, &after)?
                }
                _ => {
                    return Err(Disallowed::at(
                        id,
                        format!("/{} of the field {name} changed", key_name(key)),
                    ));
                }
            });
        }
        Ok(level)
    }

    /// A widget of a field of the signed revision: its appearance may follow the value.
    fn widget(&self, id: ObjRef, old: &Dict, new: &Dict) -> Verdict {
        let field = self.owning_field(self.old, old);
        let name = full_name(self.old, &field);
        let mut level = Level::None;
        for key in changed_keys(old, new) {
            self.check_unlocked(id, &name)?;
            level = level.max(match key {
                b"AS" | b"AP" | b"MK" | b"F" => Level::FormFilling,
                _ => {
                    return Err(Disallowed::at(
                        id,
                        format!("/{} of a widget of {name} changed", key_name(key)),
                    ));
                }
            });
        }
        Ok(level)
    }

    fn check_unlocked(&self, id: ObjRef, name: &str) -> Result<(), Disallowed> {
        match self.permissions.locks.iter().find(|lock| lock.covers(name)) {
            Some(lock) => Err(Disallowed::at(
                id,
                format!(
                    "the field {name} is locked by the signature in {}",
                    lock.signed_field
                ),
            )),
            None => Ok(()),
        }
    }

    /// The field a widget belongs to: itself when merged, else its `/Parent`.
    fn owning_field(&self, doc: &Document<'_>, widget: &Dict) -> Dict {
        if widget.contains(b"T") || widget.contains(b"FT") {
            return widget.clone();
        }
        match doc.resolve_key(widget, b"Parent") {
            Ok(Some(Object::Dict(parent))) => parent,
            _ => widget.clone(),
        }
    }

    fn max_over(&self, elements: &[Object], judge: impl Fn(&Object) -> Verdict) -> Verdict {
        elements
            .iter()
            .try_fold(Level::None, |level, element| Ok(level.max(judge(element)?)))
    }

    /// An element added to an array, resolved in the file: (its reference, its dictionary).
    fn new_element(&self, element: &Object) -> Result<(Option<ObjRef>, Dict), Disallowed> {
        let id = element.as_ref();
        match self.new.resolve(element) {
            Ok(Object::Dict(d)) => Ok((id, d)),
            Ok(other) => Err(at_or_new(
                id,
                format!("{} was added where a dictionary belongs", describe(&other)),
            )),
            Err(e) => Err(at_or_new(id, format!("unreadable: {e}"))),
        }
    }

    fn load_old(&self, id: ObjRef) -> Result<Object, Disallowed> {
        self.old
            .get(id)
            .map_err(|e| Disallowed::at(id, format!("unreadable in the signed revision: {e}")))
    }

    fn load_new(&self, id: ObjRef) -> Result<Object, Disallowed> {
        self.new
            .get(id)
            .map_err(|e| Disallowed::at(id, format!("unreadable: {e}")))
    }

    fn old_dict(&self, value: Option<&Object>) -> Result<Dict, Disallowed> {
        resolve_dict(self.old, value)
    }

    fn new_dict(&self, value: Option<&Object>) -> Result<Dict, Disallowed> {
        resolve_dict(self.new, value)
    }

    fn old_array(&self, value: Option<&Object>) -> Result<Vec<Object>, Disallowed> {
        resolve_array(self.old, value)
    }

    fn new_array(&self, value: Option<&Object>) -> Result<Vec<Object>, Disallowed> {
        resolve_array(self.new, value)
    }
}

/// `value` with one reference followed: absent or null is empty, another kind is disallowed (a
/// form or annotation list replaced by something else).
fn resolve_dict(doc: &Document<'_>, value: Option<&Object>) -> Result<Dict, Disallowed> {
    match resolve_value(doc, value)? {
        Object::Null => Ok(Dict::new()),
        Object::Dict(d) => Ok(d),
        other => Err(at_or_new(
            value.and_then(Object::as_ref),
            format!("{} where a dictionary belongs", describe(&other)),
        )),
    }
}

/// As [`resolve_dict`], for arrays.
fn resolve_array(doc: &Document<'_>, value: Option<&Object>) -> Result<Vec<Object>, Disallowed> {
    match resolve_value(doc, value)? {
        Object::Null => Ok(Vec::new()),
        Object::Array(items) => Ok(items),
        other => Err(at_or_new(
            value.and_then(Object::as_ref),
            format!("{} where an array belongs", describe(&other)),
        )),
    }
}

fn resolve_value(doc: &Document<'_>, value: Option<&Object>) -> Result<Object, Disallowed> {
    match value {
        None => Ok(Object::Null),
        Some(value) => doc
            .resolve(value)
            .map_err(|e| at_or_new(value.as_ref(), format!("unreadable: {e}"))),
    }
}

/// The DSS dictionary and every indirect array or dictionary under it (its VRI entries).
fn validation_data(doc: &Document<'_>, dss: Option<&Object>) -> HashSet<ObjRef> {
    let mut found = HashSet::new();
    let mut pending: Vec<Object> = dss.cloned().into_iter().collect();
    while let Some(value) = pending.pop() {
        if found.len() > 100_000 {
            break;
        }
        if let Some(id) = value.as_ref()
            && !found.insert(id)
        {
            continue;
        }
        match doc.resolve(&value) {
            Ok(Object::Dict(d)) => pending.extend(
                d.iter()
                    .map(|(_, v)| v)
                    .filter(|v| v.as_ref().is_none() || is_container(doc, v))
                    .cloned(),
            ),
            Ok(Object::Array(items)) => pending.extend(
                items
                    .iter()
                    .filter(|v| v.as_ref().is_none() || is_container(doc, v))
                    .cloned(),
            ),
            _ => {}
        }
    }
    found
}

/// An array or dictionary (not a stream: certificates and responses are kept as they are).
fn is_container(doc: &Document<'_>, value: &Object) -> bool {
    matches!(doc.resolve(value), Ok(Object::Dict(_) | Object::Array(_)))
}

/// Keys that would make an "information dictionary" a field, widget or annotation to a reader.
const NOT_INFO_KEYS: &[&[u8]] = &[
    b"Type",
    b"Subtype",
    b"Parent",
    b"Kids",
    b"FT",
    b"T",
    b"V",
    b"AP",
    b"Contents",
    b"Rect",
];

/// The document information dictionary may change in its text entries (producer, dates).
fn metadata_dictionary(id: ObjRef, before: &Object, after: &Object) -> Verdict {
    let info_like = |object: &Object| match object {
        Object::Dict(d) => {
            d.iter()
                .all(|(_, v)| matches!(v, Object::String(..) | Object::Name(_)))
                && !NOT_INFO_KEYS.iter().any(|key| d.contains(key))
        }
        _ => false,
    };
    if info_like(before) && info_like(after) {
        Ok(Level::FormFilling)
    } else {
        Err(Disallowed::at(
            id,
            "the document information dictionary holds more than text",
        ))
    }
}

fn path_is(path: &[Vec<u8>], expected: &[&[u8]]) -> bool {
    path.len() == expected.len() && path.iter().zip(expected).all(|(key, want)| key == want)
}

/// Keys whose values differ (present in one only, or unequal), in `new`'s order then `old`'s.
fn changed_keys<'k>(old: &'k Dict, new: &'k Dict) -> Vec<&'k [u8]> {
    let mut keys: Vec<&[u8]> = new
        .iter()
        .filter(|(k, v)| !old.get(k).is_some_and(|before| same(before, v)))
        .map(|(k, _)| k)
        .collect();
    keys.extend(old.iter().filter(|(k, _)| !new.contains(k)).map(|(k, _)| k));
    keys
}

/// The elements `new` adds to `old`, when `new` keeps every element of `old` in order.
fn appended(old: &[Object], new: &[Object]) -> Option<Vec<Object>> {
    let mut remaining = old.iter().peekable();
    let mut added = Vec::new();
    for element in new {
        if remaining.peek().is_some_and(|next| same(next, element)) {
            remaining.next();
        } else {
            added.push(element.clone());
        }
    }
    remaining.peek().is_none().then_some(added)
}

fn is_field(d: &Dict) -> bool {
    d.contains(b"FT") || d.contains(b"T")
}

/// `/FT`, inherited from ancestors (§12.7.4.1).
fn field_type(doc: &Document<'_>, field: &Dict) -> Option<Vec<u8>> {
    let mut current = field.clone();
    for _ in 0..MAX_PARENT_DEPTH {
        if let Some(kind) = current.get(b"FT").and_then(Object::as_name) {
            return Some(kind.to_vec());
        }
        current = match doc.resolve_key(&current, b"Parent") {
            Ok(Some(Object::Dict(parent))) => parent,
            _ => return None,
        };
    }
    None
}

/// The fully qualified field name (§12.7.4.2), as the FieldMDP lock lists name fields.
fn full_name(doc: &Document<'_>, field: &Dict) -> String {
    let mut parts = Vec::new();
    let mut current = field.clone();
    for _ in 0..MAX_PARENT_DEPTH {
        if let Some(part) = current.get(b"T").and_then(Object::as_string_bytes) {
            parts.push(text_string(part));
        }
        current = match doc.resolve_key(&current, b"Parent") {
            Ok(Some(Object::Dict(parent))) => parent,
            _ => break,
        };
    }
    parts.reverse();
    parts.join(".")
}

/// `/Ff` bit 1 (§12.7.3.1, Table 221).
fn read_only(field: &Dict) -> bool {
    field
        .get(b"Ff")
        .and_then(Object::as_i64)
        .is_some_and(|flags| flags & 1 != 0)
}

/// A page-tree node may gain a producer's version stamp (iText writes `/ITXT`), nothing else.
fn producer_stamp(id: ObjRef, old: &Dict, new: &Dict) -> Verdict {
    match changed_keys(old, new).as_slice() {
        [] => Ok(Level::None),
        [b"ITXT"] => Ok(Level::FormFilling),
        _ => Err(Disallowed::at(id, "a page-tree node changed after signing")),
    }
}

/// `/Ff` differs only by the read-only bit, now set.
fn only_sets_read_only(old: &Dict, new: &Dict) -> bool {
    let flags = |d: &Dict| d.get(b"Ff").and_then(Object::as_i64).unwrap_or(0);
    flags(new) == flags(old) | 1
}

/// Square points an annotation appearance may cover in a certified document: a 32 pt icon.
const MAX_ICON_AREA: f64 = 32.0 * 32.0;

/// The area (square points) an annotation's appearance covers: 0 without an appearance or when
/// hidden, infinite when its rectangle is unreadable.
fn drawn_area(doc: &Document<'_>, annotation: &Dict) -> f64 {
    if !draws_on_page(doc, annotation) {
        return 0.0;
    }
    match rect(doc, annotation).as_deref() {
        Some([x0, y0, x1, y1]) => ((x1 - x0) * (y1 - y0)).abs(),
        _ => f64::INFINITY,
    }
}

fn rect(doc: &Document<'_>, annotation: &Dict) -> Option<Vec<f64>> {
    let Ok(Some(Object::Array(rect))) = doc.resolve_key(annotation, b"Rect") else {
        return None;
    };
    let number = |object: &Object| match object {
        Object::Integer(value) => Some(*value as f64),
        Object::Real(text) => text.parse::<f64>().ok(),
        _ => None,
    };
    let corners: Vec<f64> = rect.iter().filter_map(number).collect();
    (corners.len() == 4 && corners.iter().all(|c| c.is_finite())).then_some(corners)
}

/// Has an appearance and a visible area: `/Rect` with an area, not hidden (`/F` bit 2) nor
/// no-view (bit 6).
fn draws_on_page(doc: &Document<'_>, widget: &Dict) -> bool {
    let flags = widget.get(b"F").and_then(Object::as_i64).unwrap_or(0);
    if flags & (2 | 32) != 0 || !widget.contains(b"AP") {
        return false;
    }
    if !matches!(doc.resolve_key(widget, b"Rect"), Ok(Some(Object::Array(_)))) {
        return false;
    }
    match rect(doc, widget).as_deref() {
        Some([x0, y0, x1, y1]) => (x1 - x0).abs() > 0.0 && (y1 - y0).abs() > 0.0,
        // An unreadable rectangle: assume the worst.
        _ => true,
    }
}

fn is_document_timestamp(sig: &Dict) -> bool {
    sig.has_name(b"Type", b"DocTimeStamp") || sig.has_name(b"SubFilter", b"ETSI.RFC3161")
}

/// A changed annotation keeps to annotation keys, with its `/Contents` still text.
fn changed_annotation_keys(id: ObjRef, old: &Dict, new: &Dict) -> Result<(), Disallowed> {
    if let Some(key) = changed_keys(old, new)
        .into_iter()
        .find(|key| !ANNOTATION_KEYS.contains(key))
    {
        return Err(Disallowed::at(
            id,
            format!(
                "/{} changed in a dictionary with a /Subtype: not an annotation change",
                key_name(key)
            ),
        ));
    }
    reject_page_keys(Some(id), new)
}

fn reject_page_keys(id: Option<ObjRef>, d: &Dict) -> Result<(), Disallowed> {
    let page_like = PAGE_KEYS.iter().any(|key| d.contains(key))
        || d.get(b"Contents")
            .is_some_and(|c| c.as_string_bytes().is_none())
        || d.get(b"Type")
            .is_some_and(|t| matches!(t.as_name(), Some(b"Page" | b"Pages")));
    if page_like {
        return Err(at_or_new(
            id,
            "an element added after signing carries page keys",
        ));
    }
    Ok(())
}

fn dict(id: ObjRef, object: &Object) -> Result<Dict, Disallowed> {
    match object {
        Object::Dict(d) => Ok(d.clone()),
        other => Err(Disallowed::at(id, format!("is now {}", describe(other)))),
    }
}

fn describe(object: &Object) -> String {
    match object {
        Object::Dict(d) | Object::Stream(crate::pdf::Stream { dict: d, .. }) => {
            let kind = d
                .get(b"Type")
                .or_else(|| d.get(b"Subtype"))
                .and_then(Object::as_name)
                .map(|t| format!(" (/{})", key_name(t)))
                .unwrap_or_default();
            format!("{}{kind}", with_article(object.type_name()))
        }
        other => with_article(other.type_name()),
    }
}

fn with_article(noun: &str) -> String {
    match noun.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {noun}"),
        _ => format!("a {noun}"),
    }
}

fn catalog_key(root: ObjRef, key: &[u8]) -> Disallowed {
    Disallowed::at(
        root,
        format!("the catalog's /{} changed after signing", key_name(key)),
    )
}

fn key_name(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}

fn at_or_new(id: Option<ObjRef>, reason: impl Into<String>) -> Disallowed {
    Disallowed {
        reason: reason.into(),
        object: id,
    }
}
