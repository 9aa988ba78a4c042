//! Finding the signature fields that hold a value, through the AcroForm field tree (§12.7.4).

use crate::error::{Error, Result};
use crate::pdf::acroform::{walk_fields, FieldVisit};
use crate::pdf::{Dict, Document, ObjRef, Object};
use crate::problem::Problem;

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
        }
    }
}

/// Every signed signature field, in field-tree order. An unreadable field or signature
/// dictionary becomes a field with a `problem`, so the other signatures still get a verdict.
pub fn signature_fields(doc: &Document<'_>) -> Result<Vec<SignatureField>> {
    let (_, catalog) = doc.catalog()?;
    let mut found: Vec<SignatureField> = Vec::new();
    walk_fields(doc, &catalog, &mut |visit| match visit {
        // A widget kid (no /T) belongs to the field visited just before it.
        FieldVisit::Field(field) if field.is_signature && field.is_widget => {
            if has_visible_rect(doc, &field.dict) {
                if let Some(parent) = found.iter_mut().rev().find(|f| f.name == field.name) {
                    parent.visible = true;
                }
            }
        }
        FieldVisit::Field(field) if field.is_signature => {
            let Some(value) = field.dict.get(b"V") else {
                return;
            };
            let value_ref = value.as_ref();
            match doc.resolve(value) {
                Ok(Object::Dict(value)) => found.push(SignatureField {
                    visible: has_visible_rect(doc, &field.dict),
                    name: field.name,
                    value_ref,
                    value,
                    field: field.dict,
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
