//! Refusals decided before anything is written: encryption, certification (DocMDP) and
//! FieldMDP locks of signed fields.

use std::time::SystemTime;

use crate::crypto::CertifiedKey;
use crate::error::{Error, Result};
use crate::pdf::{Dict, Document, Object};
use crate::problem::Problem;

/// Refuses a signer certificate that is not valid at `time` or may not sign
/// ([`Error::UnusableCertificate`]): a verifier would reject the signature anyway.
pub fn check_certificate(key: &CertifiedKey, time: SystemTime) -> Result<()> {
    let certificate = key.end_entity();
    let tbs = certificate.tbs_certificate();
    let validity = tbs.validity();
    let not_before = validity.not_before.to_system_time();
    let not_after = validity.not_after.to_system_time();
    let subject = || tbs.subject().to_string();
    if time < not_before {
        return Err(Error::UnusableCertificate(
            Problem::CertificateNotYetValid {
                subject: subject(),
                at: time,
                not_before,
            },
        ));
    }
    if time > not_after {
        return Err(Error::UnusableCertificate(Problem::CertificateExpired {
            subject: subject(),
            at: time,
            not_after,
        }));
    }
    match crate::cades::signer_key_usage_problem(certificate) {
        Some(problem) => Err(Error::UnusableCertificate(problem)),
        None => Ok(()),
    }
}

/// Refuses documents we must not or cannot sign.
pub fn check_signable(doc: &Document<'_>, catalog: &Dict) -> Result<()> {
    check_not_encrypted(doc)?;
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
struct FieldLock {
    signed_field: String,
    action: Vec<u8>,
    fields: Vec<String>,
    permission: Option<i64>,
}

impl FieldLock {
    fn covers(&self, name: &str) -> bool {
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
                    .map(|b| b.iter().map(|&c| char::from(c)).collect())
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
    for field in super::field::form_fields(doc, catalog)? {
        let Some(value) = field.signature_value(doc)? else {
            continue;
        };
        if let Some(Object::Dict(lock)) = doc.resolve_key(&field.dict, b"Lock")? {
            locks.push(FieldLock::from_params(&field.name, &lock));
        }
        if let Some(Object::Array(references)) = doc.resolve_key(&value, b"Reference")? {
            for reference in &references {
                let Object::Dict(reference) = doc.resolve(reference)? else {
                    continue;
                };
                if !reference.has_name(b"TransformMethod", b"FieldMDP") {
                    continue;
                }
                if let Some(Object::Dict(params)) =
                    doc.resolve_key(&reference, b"TransformParams")?
                {
                    locks.push(FieldLock::from_params(&field.name, &params));
                }
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

fn check_not_encrypted(doc: &Document<'_>) -> Result<()> {
    let Some(encrypt) = doc.trailer().get(b"Encrypt") else {
        return Ok(());
    };
    let dict = doc.resolve(encrypt)?;
    Err(Error::Encrypted {
        handler: describe_encryption(dict.as_dict()),
    })
}

/// "Standard (V=4, R=4, AESV2)", "Adobe.PubSec (V=5)"...
fn describe_encryption(dict: Option<&Dict>) -> String {
    let Some(dict) = dict else {
        return "unknown".into();
    };
    let name = |o: Option<&Object>| {
        o.and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
    };
    let filter = name(dict.get(b"Filter")).unwrap_or_else(|| "unknown".into());
    let mut parts = Vec::new();
    for key in [&b"V"[..], b"R", b"Length"] {
        if let Some(v) = dict.get(key).and_then(Object::as_i64) {
            parts.push(format!("{}={v}", String::from_utf8_lossy(key)));
        }
    }
    let method = dict
        .get(b"CF")
        .and_then(Object::as_dict)
        .and_then(|cf| cf.iter().next().map(|(_, v)| v.clone()))
        .and_then(|filter| name(filter.as_dict().and_then(|d| d.get(b"CFM"))));
    if let Some(method) = method {
        parts.push(method);
    } else if dict.get(b"V").and_then(Object::as_i64).unwrap_or(0) < 4 {
        parts.push("RC4".into());
    }
    format!("{filter} ({})", parts.join(", "))
}

/// The `/P` of the certification signature named in `/Perms /DocMDP`, if the document is certified.
pub fn docmdp_permission(doc: &Document<'_>, catalog: &Dict) -> Result<Option<i64>> {
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
    let Some(sig) = sig.as_dict() else {
        return Ok(None);
    };
    let references = match doc.resolve_key(sig, b"Reference")? {
        Some(Object::Array(list)) => list,
        // A certification without a reference dictionary: default permissions (P=2).
        _ => return Ok(Some(2)),
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
        return Ok(Some(p.unwrap_or(2)));
    }
    Ok(Some(2))
}
