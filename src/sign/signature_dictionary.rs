//! The signature dictionary (§12.8.1, Table 252), written with its `/ByteRange` and `/Contents`
//! placeholders last so their positions are known.

use std::time::SystemTime;

use super::byterange::{Placeholders, write_placeholders};
use super::{SignOptions, SignatureKind, SubFilter};
use crate::error::Result;
use crate::pdf::writer::write_dict_entries;
use crate::pdf::{Dict, ObjRef, Object, UpdateWriter};

/// Writes object `id`, `<< ... /ByteRange [...] /Contents <00...> >>`, into `writer`;
/// `references` (DocMDP and FieldMDP signature reference dictionaries) become its `/Reference`
/// array unless empty. In an encrypted document its strings are encrypted, except `/Contents`
/// (ISO 32000-2 §7.6.2: it is filled in after the digest and must stay plain hex).
pub fn write_signature_dictionary(
    writer: &mut UpdateWriter,
    id: ObjRef,
    options: &SignOptions,
    (signing_time, kind): (SystemTime, SignatureKind),
    references: Vec<Object>,
    contents_len: usize,
) -> Result<Placeholders> {
    let mut dict = match kind {
        SignatureKind::Signature => entries(options, signing_time),
        SignatureKind::DocumentTimestamp => timestamp_entries(),
    };
    if !references.is_empty() {
        dict.set("Reference", Object::Array(references));
    }
    let mut object = Object::Dict(dict);
    writer.encrypt(id, &mut object)?;
    writer.begin_object(id);
    let buf = writer.buffer_mut();
    buf.extend_from_slice(b"<<");
    if let Object::Dict(dict) = &object {
        write_dict_entries(buf, dict);
    }
    let placeholders = write_placeholders(buf, contents_len);
    buf.extend_from_slice(b">>");
    writer.end_object();
    Ok(placeholders)
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
