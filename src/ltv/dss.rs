//! Writing the `/DSS` (ISO 32000-2 §12.8.4.3): one stream per certificate, OCSP response and
//! CRL, the `/Certs`, `/OCSPs` and `/CRLs` arrays, and a `/VRI` entry per signature keyed by
//! the upper-case hex SHA-1 of its `/Contents`. An existing DSS is kept and extended.

use std::time::SystemTime;

use sha1::Digest;

use super::ValidationData;
use crate::error::Result;
use crate::pdf::{Dict, Document, ObjRef, Object, Stream, UpdateWriter};
use crate::sign::numbers::{ObjectNumbers, undefined_references};

/// The update adding `per_signature` (signature `/Contents`, its validation data) to `doc`,
/// returned as the whole new file.
pub fn append(doc: &Document<'_>, per_signature: &[(Vec<u8>, ValidationData)]) -> Result<Vec<u8>> {
    let (catalog_ref, mut catalog) = doc.catalog()?;
    let existing = match doc.resolve_key(&catalog, b"DSS")? {
        Some(Object::Dict(dict)) => dict,
        _ => Dict::new(),
    };
    let mut vri = match doc.resolve_key(&existing, b"VRI")? {
        Some(Object::Dict(dict)) => dict,
        _ => Dict::new(),
    };
    let mut arrays = [
        existing_refs(doc, &existing, b"Certs")?,
        existing_refs(doc, &existing, b"OCSPs")?,
        existing_refs(doc, &existing, b"CRLs")?,
    ];
    // The update rewrites the catalog and the DSS: numbers they refer to but the file leaves
    // undefined are not ours to take (see `crate::sign::numbers`).
    let touched = [
        Object::Dict(catalog.clone()),
        Object::Dict(existing.clone()),
        Object::Dict(vri.clone()),
        Object::Array(arrays.concat()),
        Object::Dict(doc.trailer().clone()),
    ];
    let mut numbers = ObjectNumbers::avoiding(doc.size(), undefined_references(doc, &touched)?);
    let mut streams: Vec<(ObjRef, Vec<u8>)> = Vec::new();
    for (contents, data) in per_signature {
        let mut entry = Dict::new();
        let kinds = [
            (&data.certs, "Cert", 0usize),
            (&data.ocsps, "OCSP", 1),
            (&data.crls, "CRL", 2),
        ];
        for (items, key, slot) in kinds {
            let mut refs = Vec::with_capacity(items.len());
            for item in items {
                let id = stream_for(item, &mut streams, &mut numbers)?;
                if let Some(array) = arrays.get_mut(slot)
                    && !array.contains(&Object::Ref(id))
                {
                    array.push(Object::Ref(id));
                }
                refs.push(Object::Ref(id));
            }
            if !refs.is_empty() {
                entry.set(key, Object::Array(refs));
            }
        }
        vri.set(vri_key(contents), Object::Dict(entry));
    }

    let mut dss = existing;
    dss.set("Type", Object::name("DSS"));
    for (key, array) in ["Certs", "OCSPs", "CRLs"].into_iter().zip(arrays) {
        if !array.is_empty() {
            dss.set(key, Object::Array(array));
        }
    }
    dss.set("VRI", Object::Dict(vri));
    let dss_ref = numbers.allocate()?;
    catalog.set("DSS", Object::Ref(dss_ref));

    let mut writer = UpdateWriter::new(doc);
    for (id, bytes) in &streams {
        writer.add(
            *id,
            &Object::Stream(Stream {
                dict: Dict::new(),
                raw: bytes.clone(),
            }),
        );
    }
    writer.add(dss_ref, &Object::Dict(dss));
    writer.add(catalog_ref, &Object::Dict(catalog));
    let id = crate::sign::file_id(doc, SystemTime::now());
    let update = writer.finish(doc, numbers.size(), &id)?;
    let data = doc.data();
    let mut out = Vec::with_capacity(data.len().saturating_add(update.len()));
    out.extend_from_slice(data);
    out.extend_from_slice(&update);
    Ok(out)
}

/// One stream per distinct item.
fn stream_for(
    item: &[u8],
    streams: &mut Vec<(ObjRef, Vec<u8>)>,
    numbers: &mut ObjectNumbers,
) -> Result<ObjRef> {
    if let Some((id, _)) = streams.iter().find(|(_, bytes)| bytes == item) {
        return Ok(*id);
    }
    let id = numbers.allocate()?;
    streams.push((id, item.to_vec()));
    Ok(id)
}

fn existing_refs(doc: &Document<'_>, dss: &Dict, key: &[u8]) -> Result<Vec<Object>> {
    Ok(match doc.resolve_key(dss, key)? {
        Some(Object::Array(items)) => items,
        _ => Vec::new(),
    })
}

/// The VRI key of a signature: upper-case hex SHA-1 of its `/Contents` bytes.
fn vri_key(contents: &[u8]) -> String {
    sha1::Sha1::digest(contents)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}
