//! Certification (DocMDP, ISO 32000-1 §12.8.2.2) and field locks (FieldMDP, §12.8.2.4) asked
//! for when signing: the options, and the entries they add to the update. What earlier
//! signatures already lock is [`super::locks`]'s business.

use super::field::FieldPlan;
use super::signature_dictionary::text_string;
use crate::error::{Error, Result};
use crate::pdf::acroform::form_fields;
use crate::pdf::object::text_string as read_text_string;
use crate::pdf::{Dict, Document, ObjRef, Object, StringForm};

/// The changes a certification signature permits after it (the DocMDP `/P`, ISO 32000-1
/// §12.8.2.2, Table 254).
///
/// # Examples
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_pdf, DocMdpPermission, Error, SignOptions};
///
/// let mut options = SignOptions::default();
/// options.certify = Some(DocMdpPermission::NoChanges);
/// let certified = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &options)?;
/// // P=1: not even another signature may follow.
/// let again = sign_pdf(&certified, &key, &SignOptions::default());
/// assert!(matches!(again, Err(Error::CertifiedNoChanges)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocMdpPermission {
    /// P=1: no change at all, not even a further signature.
    NoChanges,
    /// P=2: filling in forms, instantiating page templates and signing.
    FormFillingAndSigning,
    /// P=3: as P=2, plus creating, deleting and changing annotations.
    FormFillingSigningAndAnnotations,
}

impl DocMdpPermission {
    /// The `/P` value written in the DocMDP transform parameters (1, 2 or 3).
    ///
    /// ```
    /// use countersign::DocMdpPermission;
    ///
    /// assert_eq!(DocMdpPermission::NoChanges.p(), 1);
    /// assert_eq!(DocMdpPermission::FormFillingSigningAndAnnotations.p(), 3);
    /// ```
    pub fn p(self) -> u8 {
        match self {
            DocMdpPermission::NoChanges => 1,
            DocMdpPermission::FormFillingAndSigning => 2,
            DocMdpPermission::FormFillingSigningAndAnnotations => 3,
        }
    }

    /// The permission for a `/P` value; `None` for anything but 1, 2 or 3.
    ///
    /// ```
    /// use countersign::DocMdpPermission;
    ///
    /// assert_eq!(DocMdpPermission::from_p(2), Some(DocMdpPermission::FormFillingAndSigning));
    /// assert_eq!(DocMdpPermission::from_p(4), None);
    /// ```
    pub fn from_p(p: i64) -> Option<Self> {
        match p {
            1 => Some(DocMdpPermission::NoChanges),
            2 => Some(DocMdpPermission::FormFillingAndSigning),
            3 => Some(DocMdpPermission::FormFillingSigningAndAnnotations),
            _ => None,
        }
    }
}

/// Which form fields a signature locks once it is made (FieldMDP, ISO 32000-1 §12.8.2.4): the
/// signature field gets a `/Lock` dictionary and the signature a FieldMDP reference. Names are
/// fully qualified field names (`parent.child`).
///
/// # Examples
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_pdf, FieldLock, SignOptions};
///
/// let mut options = SignOptions::default();
/// options.lock = Some(FieldLock::Include(vec!["Name".into()])); // the form's text field
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/acroform.pdf")?, &key, &options)?;
/// assert!(signed.windows(13).any(|w| w == b"/SigFieldLock"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FieldLock {
    /// Every field of the document.
    All,
    /// Only these fields.
    Include(Vec<String>),
    /// Every field but these.
    Exclude(Vec<String>),
}

impl FieldLock {
    /// The `/Action` name: `All`, `Include` or `Exclude`.
    ///
    /// ```
    /// use countersign::FieldLock;
    ///
    /// assert_eq!(FieldLock::Exclude(vec!["Comments".into()]).action(), "Exclude");
    /// ```
    pub fn action(&self) -> &'static str {
        match self {
            FieldLock::All => "All",
            FieldLock::Include(_) => "Include",
            FieldLock::Exclude(_) => "Exclude",
        }
    }

    /// The fields named (none for [`FieldLock::All`]).
    ///
    /// ```
    /// use countersign::FieldLock;
    ///
    /// assert!(FieldLock::All.fields().is_empty());
    /// assert_eq!(FieldLock::Include(vec!["a".into(), "b".into()]).fields().len(), 2);
    /// ```
    pub fn fields(&self) -> &[String] {
        match self {
            FieldLock::All => &[],
            FieldLock::Include(fields) | FieldLock::Exclude(fields) => fields,
        }
    }

    /// A list without names locks nothing (Include) or means All (Exclude): refused as a mistake.
    fn check(&self) -> Result<()> {
        let fields = self.fields();
        if !matches!(self, FieldLock::All)
            && (fields.is_empty() || fields.iter().any(String::is_empty))
        {
            return Err(Error::invalid_option(
                "lock",
                format!("{} needs field names, none of them empty", self.action()),
            ));
        }
        Ok(())
    }

    /// `/Action` and, unless All, `/Fields` (the entries the lock dictionary and the transform
    /// parameters share).
    fn entries(&self) -> Dict {
        let mut dict = Dict::new();
        dict.set("Action", Object::name(self.action()));
        if !matches!(self, FieldLock::All) {
            let fields = self
                .fields()
                .iter()
                .map(|name| Object::String(text_string(name), StringForm::Literal))
                .collect();
            dict.set("Fields", Object::Array(fields));
        }
        dict
    }

    /// The field's `/Lock`: `<< /Type /SigFieldLock /Action … /Fields […] >>`.
    fn lock_dictionary(&self) -> Dict {
        let mut dict = Dict::new();
        dict.set("Type", Object::name("SigFieldLock"));
        for (key, value) in self.entries().iter() {
            dict.set(key, value.clone());
        }
        dict
    }

    /// Reads a `/Lock` dictionary; `None` when its action is not one of the three.
    fn read(doc: &Document<'_>, lock: &Dict) -> Result<Option<Self>> {
        let fields = match doc.resolve_key(lock, b"Fields")? {
            Some(Object::Array(list)) => list
                .iter()
                .filter_map(Object::as_string_bytes)
                .map(read_text_string)
                .collect(),
            _ => Vec::new(),
        };
        Ok(match lock.get(b"Action").and_then(Object::as_name) {
            Some(b"All") => Some(FieldLock::All),
            Some(b"Include") => Some(FieldLock::Include(fields)),
            Some(b"Exclude") => Some(FieldLock::Exclude(fields)),
            _ => None,
        })
    }
}

/// What certification and locking add to one signature, decided before anything is written.
pub(crate) struct MdpPlan {
    certify: Option<DocMdpPermission>,
    lock: Option<FieldLock>,
    /// The field's `/Lock` is written by us (false when the filled field carries its own).
    write_lock: bool,
}

impl MdpPlan {
    /// Checks the options against the document: a certification must be its first signature.
    pub(crate) fn new(
        doc: &Document<'_>,
        catalog: &Dict,
        certify: Option<DocMdpPermission>,
        lock: Option<&FieldLock>,
    ) -> Result<Self> {
        if certify.is_some() {
            check_first_signature(doc, catalog)?;
        }
        if let Some(lock) = lock {
            lock.check()?;
        }
        Ok(MdpPlan {
            certify,
            lock: lock.cloned(),
            write_lock: lock.is_some(),
        })
    }

    /// Takes over the `/Lock` of the empty field the signature fills (its author's lock applies
    /// once it is signed, §12.7.5.5); asking for another lock there is refused.
    pub(crate) fn adopt_field_lock(&mut self, doc: &Document<'_>, plan: &FieldPlan) -> Result<()> {
        let Some(field) = plan.field_dict() else {
            return Ok(());
        };
        let Some(Object::Dict(existing)) = doc.resolve_key(field, b"Lock")? else {
            return Ok(());
        };
        if self.lock.is_some() {
            return Err(Error::invalid_option(
                "lock",
                format!(
                    "signature field {} carries a /Lock of its own",
                    plan.field_name
                ),
            ));
        }
        self.lock = FieldLock::read(doc, &existing)?;
        self.write_lock = false;
        Ok(())
    }

    /// The `/Reference` array of the signature dictionary (ISO 32000-1 Table 253): a DocMDP
    /// and/or a FieldMDP signature reference dictionary. No `/DigestMethod`: PDF 2.0
    /// deprecates it, and the CMS names the digest.
    pub(crate) fn references(&self, catalog_ref: ObjRef) -> Vec<Object> {
        let mut references = Vec::new();
        if let Some(permission) = self.certify {
            let mut params = Dict::new();
            params.set("Type", Object::name("TransformParams"));
            params.set("P", Object::Integer(i64::from(permission.p())));
            params.set("V", Object::name("1.2"));
            references.push(reference("DocMDP", params, None));
        }
        if let Some(lock) = &self.lock {
            let mut params = Dict::new();
            params.set("Type", Object::name("TransformParams"));
            for (key, value) in lock.entries().iter() {
                params.set(key, value.clone());
            }
            params.set("V", Object::name("1.2"));
            // /Data is required for FieldMDP (ISO 32000-1 Table 253): the catalog, as Acrobat
            // and pyHanko write it.
            references.push(reference("FieldMDP", params, Some(catalog_ref)));
        }
        references
    }

    /// Puts the field's `/Lock` and the catalog's `/Perms /DocMDP` into the update's objects.
    pub(crate) fn apply(
        &self,
        doc: &Document<'_>,
        (catalog_ref, catalog): (ObjRef, &Dict),
        sig_ref: ObjRef,
        plan: &mut FieldPlan,
    ) -> Result<()> {
        if let (Some(lock), true) = (&self.lock, self.write_lock) {
            plan.set_on_field("Lock", Object::Dict(lock.lock_dictionary()))?;
        }
        if self.certify.is_some() {
            add_docmdp_perms(doc, (catalog_ref, catalog), sig_ref, &mut plan.objects)?;
        }
        Ok(())
    }
}

fn reference(method: &str, params: Dict, data: Option<ObjRef>) -> Object {
    let mut dict = Dict::new();
    dict.set("Type", Object::name("SigRef"));
    dict.set("TransformMethod", Object::name(method));
    dict.set("TransformParams", Object::Dict(params));
    if let Some(data) = data {
        dict.set("Data", Object::Ref(data));
    }
    Object::Dict(dict)
}

/// A certification signature must be the document's first (§12.8.2.2.1): refuses when a field
/// already holds a signature or document timestamp.
fn check_first_signature(doc: &Document<'_>, catalog: &Dict) -> Result<()> {
    for field in form_fields(doc, catalog)? {
        if field.signature_value(doc)?.is_some() {
            return Err(Error::CertificationNotFirst {
                existing_field: field.name,
            });
        }
    }
    Ok(())
}

/// `/Perms << /DocMDP sig_ref >>` in the catalog, or in its indirect `/Perms` dictionary (kept
/// with its other entries, `/UR3` say). The catalog may already be in the update (a new
/// AcroForm): then that copy is the one changed.
fn add_docmdp_perms(
    doc: &Document<'_>,
    (catalog_ref, catalog): (ObjRef, &Dict),
    sig_ref: ObjRef,
    objects: &mut Vec<(ObjRef, Object)>,
) -> Result<()> {
    let planned = objects
        .iter()
        .position(|(id, object)| *id == catalog_ref && matches!(object, Object::Dict(_)));
    let mut catalog = match planned.and_then(|at| objects.get(at)) {
        Some((_, Object::Dict(planned))) => planned.clone(),
        _ => catalog.clone(),
    };
    if let Some(Object::Ref(perms_ref)) = catalog.get(b"Perms")
        && let Object::Dict(mut perms) = doc.get(*perms_ref)?
    {
        perms.set("DocMDP", Object::Ref(sig_ref));
        objects.push((*perms_ref, Object::Dict(perms)));
        return Ok(());
    }
    let mut perms = match catalog.get(b"Perms") {
        Some(Object::Dict(perms)) => perms.clone(),
        _ => Dict::new(),
    };
    perms.set("DocMDP", Object::Ref(sig_ref));
    catalog.set("Perms", Object::Dict(perms));
    match planned.and_then(|at| objects.get_mut(at)) {
        Some((_, slot)) => *slot = Object::Dict(catalog),
        None => objects.push((catalog_ref, Object::Dict(catalog))),
    }
    Ok(())
}
