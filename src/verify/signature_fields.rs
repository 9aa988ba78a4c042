//! Finding the signature fields that hold a value, through the AcroForm field tree (§12.7.4).

use crate::error::{Error, Result};
use crate::pdf::acroform::{walk_fields, FieldVisit};
use crate::pdf::{Dict, Document, ObjRef, Object};

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

/// Every signed signature field, in field-tree order. An unreadable field or signature
/// dictionary becomes a field with a `problem`, so the other signatures still get a verdict.
pub fn signature_fields(doc: &Document<'_>) -> Result<Vec<SignatureField>> {
    let (_, catalog) = doc.catalog()?;
    let mut found = Vec::new();
    walk_fields(doc, &catalog, &mut |visit| match visit {
        FieldVisit::Field(field) if field.is_signature => {
            let Some(value) = field.dict.get(b"V") else {
                return;
            };
            let value_ref = value.as_ref();
            match doc.resolve(value) {
                Ok(Object::Dict(value)) => found.push(SignatureField {
                    name: field.name,
                    value_ref,
                    value,
                    problem: None,
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
