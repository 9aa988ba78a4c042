//! Finding the signature fields that hold a value, through the AcroForm field tree (§12.7.4).

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::pdf::object::text_string;
use crate::pdf::{Dict, Document, ObjRef, Object};

/// Field trees are shallow; a deeper one is hostile.
const MAX_DEPTH: usize = 32;

/// A signature field with its value.
pub struct SignatureField {
    pub name: String,
    /// The signature dictionary's reference (`None` if `/V` is a direct dictionary).
    pub value_ref: Option<ObjRef>,
    pub value: Dict,
    /// Why the field or its signature dictionary could not be read: the signature is reported
    /// invalid instead of failing the whole document, so the other signatures still get a verdict.
    pub problem: Option<String>,
}

impl SignatureField {
    fn unreadable(name: &str, value_ref: Option<ObjRef>, what: &str, error: &Error) -> Self {
        Self {
            name: name.to_string(),
            value_ref,
            value: Dict::new(),
            problem: Some(format!("{what} cannot be read: {error}")),
        }
    }
}

/// Every signed signature field, in field-tree order.
pub fn signature_fields(doc: &Document<'_>) -> Result<Vec<SignatureField>> {
    let (_, catalog) = doc.catalog()?;
    let Some(form) = doc.resolve_key(&catalog, b"AcroForm")? else {
        return Ok(Vec::new());
    };
    let Some(Object::Array(fields)) = form
        .as_dict()
        .map(|f| doc.resolve_key(f, b"Fields"))
        .transpose()?
        .flatten()
    else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    let mut visited = HashSet::new();
    for field in &fields {
        walk(doc, field, "", false, 0, &mut visited, &mut found)?;
    }
    Ok(found)
}

fn walk(
    doc: &Document<'_>,
    node: &Object,
    parent_name: &str,
    parent_is_sig: bool,
    depth: usize,
    visited: &mut HashSet<ObjRef>,
    found: &mut Vec<SignatureField>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    if let Some(r) = node.as_ref() {
        if !visited.insert(r) {
            return Ok(());
        }
    }
    let node = match doc.resolve(node) {
        Ok(node) => node,
        Err(error) => {
            found.push(SignatureField::unreadable(
                parent_name,
                node.as_ref(),
                "a form field",
                &error,
            ));
            return Ok(());
        }
    };
    let Some(dict) = node.as_dict() else {
        return Ok(());
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
    // /FT is inheritable (§12.7.3.1).
    let is_sig = match dict.get(b"FT").and_then(Object::as_name) {
        Some(ft) => ft == b"Sig",
        None => parent_is_sig,
    };
    if is_sig {
        if let Some(value) = dict.get(b"V") {
            let value_ref = value.as_ref();
            match doc.resolve(value) {
                Ok(Object::Dict(value)) => found.push(SignatureField {
                    name: name.clone(),
                    value_ref,
                    value,
                    problem: None,
                }),
                Ok(_) => {}
                Err(error) => found.push(SignatureField::unreadable(
                    &name,
                    value_ref,
                    "the signature dictionary",
                    &error,
                )),
            }
        }
    }
    let kids = doc.resolve_key(dict, b"Kids").unwrap_or_else(|error| {
        found.push(SignatureField::unreadable(&name, None, "/Kids", &error));
        None
    });
    if let Some(Object::Array(kids)) = kids {
        for kid in &kids {
            walk(
                doc,
                kid,
                &name,
                is_sig,
                depth.saturating_add(1),
                visited,
                found,
            )?;
        }
    }
    Ok(())
}
