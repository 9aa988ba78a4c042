//! The lock rules of signed documents, in one place: a certification signature's DocMDP
//! permission (ISO 32000-1 §12.8.2.2) and the FieldMDP locks of signed fields (§12.8.2.4).

use crate::error::{Error, Result};
use crate::pdf::acroform::form_fields;
use crate::pdf::object::text_string;
use crate::pdf::{Dict, Document, Object};

/// Refuses any change when the document is certified with P=1 or a signed field's lock sets
/// P=1: a new signature would break them.
pub fn check_changes_permitted(doc: &Document<'_>, catalog: &Dict) -> Result<()> {
    if docmdp_permission(doc, catalog)? == Some(1) {
        return Err(Error::CertifiedNoChanges);
    }
    for lock in active_locks(doc, catalog)? {
        if lock.permission == Some(1) {
            return Err(Error::LockedNoChanges {
                signed_field: lock.signed_field,
            });
        }
    }
    Ok(())
}

/// A FieldMDP lock that took effect when `signed_field` was signed (§12.8.2.4; ISO 32000-2
/// Table 236 for `/P` in a lock dictionary).
#[derive(Debug)]
pub(crate) struct FieldLock {
    pub(crate) signed_field: String,
    action: Vec<u8>,
    fields: Vec<String>,
    pub(crate) permission: Option<i64>,
}

impl FieldLock {
    pub(crate) fn covers(&self, name: &str) -> bool {
        let listed = self.fields.iter().any(|f| f == name);
        match self.action.as_slice() {
            b"All" => true,
            b"Include" => listed,
            b"Exclude" => !listed,
            _ => true, // unknown action: fail closed
        }
    }

    fn from_params(signed_field: &str, params: &Dict) -> Self {
        let fields = params
            .get(b"Fields")
            .and_then(Object::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Object::as_string_bytes)
                    .map(text_string)
                    .collect()
            })
            .unwrap_or_default();
        FieldLock {
            signed_field: signed_field.to_string(),
            action: params
                .get(b"Action")
                .and_then(Object::as_name)
                .map(<[u8]>::to_vec)
                .unwrap_or_default(),
            fields,
            permission: params.get(b"P").and_then(Object::as_i64),
        }
    }
}

/// Locks of every signed signature field: its `/Lock` dictionary and the FieldMDP transform in
/// its signature's `/Reference`.
fn active_locks(doc: &Document<'_>, catalog: &Dict) -> Result<Vec<FieldLock>> {
    let mut locks = Vec::new();
    for field in form_fields(doc, catalog)? {
        if let Some(value) = field.signature_value(doc)? {
            locks.extend(signature_locks(doc, &field.name, &field.dict, &value)?);
        }
    }
    Ok(locks)
}

/// The locks one signed field sets: its `/Lock` dictionary and the FieldMDP transform in its
/// signature's `/Reference` (`value`).
pub(crate) fn signature_locks(
    doc: &Document<'_>,
    name: &str,
    field: &Dict,
    value: &Dict,
) -> Result<Vec<FieldLock>> {
    let mut locks = Vec::new();
    if let Some(Object::Dict(lock)) = doc.resolve_key(field, b"Lock")? {
        locks.push(FieldLock::from_params(name, &lock));
    }
    if let Some(Object::Array(references)) = doc.resolve_key(value, b"Reference")? {
        for reference in &references {
            let Object::Dict(reference) = doc.resolve(reference)? else {
                continue;
            };
            if !reference.has_name(b"TransformMethod", b"FieldMDP") {
                continue;
            }
            if let Some(Object::Dict(params)) = doc.resolve_key(&reference, b"TransformParams")? {
                locks.push(FieldLock::from_params(name, &params));
            }
        }
    }
    Ok(locks)
}

/// Whether a signed field's FieldMDP lock covers the field `name` (filling it would change a
/// locked field).
pub fn field_is_locked(doc: &Document<'_>, catalog: &Dict, name: &str) -> Result<bool> {
    Ok(active_locks(doc, catalog)?
        .iter()
        .any(|lock| lock.covers(name)))
}

/// The `/P` of the certification signature named in `/Perms /DocMDP`, if the document is certified.
fn docmdp_permission(doc: &Document<'_>, catalog: &Dict) -> Result<Option<i64>> {
    let Some(perms) = doc.resolve_key(catalog, b"Perms")? else {
        return Ok(None);
    };
    let Some(sig) = perms
        .as_dict()
        .map(|p| doc.resolve_key(p, b"DocMDP"))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    match sig.as_dict() {
        Some(sig) => certification_permission(doc, sig).map(Some),
        None => Ok(None),
    }
}

/// The DocMDP `/P` a certification signature dictionary sets (2 when it names none).
pub(crate) fn certification_permission(doc: &Document<'_>, sig: &Dict) -> Result<i64> {
    let references = match doc.resolve_key(sig, b"Reference")? {
        Some(Object::Array(list)) => list,
        // A certification without a reference dictionary: default permissions (P=2).
        _ => return Ok(2),
    };
    for reference in &references {
        let reference = doc.resolve(reference)?;
        let Some(reference) = reference.as_dict() else {
            continue;
        };
        if !reference.has_name(b"TransformMethod", b"DocMDP") {
            continue;
        }
        let params = doc.resolve_key(reference, b"TransformParams")?;
        let p = params
            .as_ref()
            .and_then(Object::as_dict)
            .and_then(|d| d.get(b"P"))
            .and_then(Object::as_i64);
        return Ok(p.unwrap_or(2));
    }
    Ok(2)
}
