//! The signature dictionary (§12.8.1, Table 252), written with its `/ByteRange` and `/Contents`
//! placeholders last so their positions are known.

use std::time::SystemTime;

use super::byterange::{Placeholders, write_placeholders};
use super::{SignOptions, SignatureKind, SubFilter};
use crate::pdf::writer::write_dict_entries;
use crate::pdf::{Dict, Object};

/// Writes `<< ... /ByteRange [...] /Contents <00...> >>` into `buf`; `references` (DocMDP and
/// FieldMDP signature reference dictionaries) become its `/Reference` array unless empty.
pub fn write_signature_dictionary(
    buf: &mut Vec<u8>,
    options: &SignOptions,
    (signing_time, kind): (SystemTime, SignatureKind),
    references: Vec<Object>,
    contents_len: usize,
) -> Placeholders {
    let mut dict = match kind {
        SignatureKind::Signature => entries(options, signing_time),
        SignatureKind::DocumentTimestamp => timestamp_entries(),
    };
    if !references.is_empty() {
        dict.set("Reference", Object::Array(references));
    }
    buf.extend_from_slice(b"<<");
    write_dict_entries(buf, &dict);
    let placeholders = write_placeholders(buf, contents_len);
    buf.extend_from_slice(b">>");
    placeholders
}

fn entries(options: &SignOptions, signing_time: SystemTime) -> Dict {
    let mut dict = Dict::new();
    dict.set("Type", Object::name("Sig"));
    dict.set("Filter", Object::name("Adobe.PPKLite"));
    let subfilter = match options.subfilter {
        SubFilter::CadesDetached => "ETSI.CAdES.detached",
        SubFilter::Pkcs7Detached => "adbe.pkcs7.detached",
    };
    dict.set("SubFilter", Object::name(subfilter));
    dict.set(
        "M",
        Object::literal(crate::pdf::date::format(signing_time).as_bytes()),
    );
    let optional = [
        ("Name", &options.name),
        ("Reason", &options.reason),
        ("Location", &options.location),
        ("ContactInfo", &options.contact_info),
    ];
    for (key, value) in optional {
        if let Some(text) = value {
            dict.set(
                key,
                Object::String(text_string(text), crate::pdf::StringForm::Literal),
            );
        }
    }
    dict.set("Prop_Build", prop_build());
    dict
}

/// A document timestamp (ISO 32000-2 §12.8.5): the time is the token's, so no `/M`.
fn timestamp_entries() -> Dict {
    let mut dict = Dict::new();
    dict.set("Type", Object::name("DocTimeStamp"));
    dict.set("Filter", Object::name("Adobe.PPKLite"));
    dict.set("SubFilter", Object::name("ETSI.RFC3161"));
    dict.set("Prop_Build", prop_build());
    dict
}

/// PDFDocEncoding covers ASCII; anything else is written as UTF-16BE with a BOM (§7.9.2.2).
pub(crate) fn text_string(text: &str) -> Vec<u8> {
    if text.is_ascii() {
        return text.as_bytes().to_vec();
    }
    let mut out = vec![0xfe, 0xff];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

/// Names the software that made the signature (Adobe's Prop_Build convention).
fn prop_build() -> Object {
    let mut app = Dict::new();
    app.set("Name", Object::name(env!("CARGO_PKG_NAME")));
    app.set("REx", Object::literal(env!("CARGO_PKG_VERSION").as_bytes()));
    let mut build = Dict::new();
    build.set("App", Object::Dict(app));
    Object::Dict(build)
}
