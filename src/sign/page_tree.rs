//! Finding one page without walking the whole page tree: `/Count` lets us skip whole subtrees.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::pdf::{Dict, Document, ObjRef, Object};

/// Real page trees are a few levels deep; hostile ones are cut here.
const MAX_DEPTH: usize = 256;

/// The page at `index` (0-based) and its dictionary.
pub fn find_page(doc: &Document<'_>, catalog: &Dict, index: usize) -> Result<(ObjRef, Dict)> {
    let mut node_ref = catalog
        .get(b"Pages")
        .and_then(Object::as_ref)
        .ok_or_else(|| {
            Error::malformed(crate::error::Location::Catalog, 0, "no /Pages reference")
        })?;
    let mut remaining = index;
    let mut visited = HashSet::new();
    for _ in 0..MAX_DEPTH {
        if !visited.insert(node_ref) {
            return Err(Error::malformed(node_ref, 0, "page tree has a cycle"));
        }
        let node = match doc.get(node_ref)? {
            Object::Dict(d) => d,
            other => {
                return Err(Error::malformed(
                    node_ref,
                    0,
                    format!("page tree node is a {}", other.type_name()),
                ))
            }
        };
        let is_leaf = node.has_name(b"Type", b"Page") || !node.contains(b"Kids");
        if is_leaf {
            if remaining == 0 {
                return Ok((node_ref, node));
            }
            return Err(no_page(index));
        }
        node_ref = descend(doc, node_ref, &node, &mut remaining)?.ok_or_else(|| no_page(index))?;
    }
    Err(Error::malformed(node_ref, 0, "page tree is too deep"))
}

/// The kid that holds page `remaining`, with `remaining` made relative to it.
fn descend(
    doc: &Document<'_>,
    node_ref: ObjRef,
    node: &Dict,
    remaining: &mut usize,
) -> Result<Option<ObjRef>> {
    let kids = doc.resolve_key(node, b"Kids")?;
    let Some(Object::Array(kids)) = kids else {
        return Err(Error::malformed(node_ref, 0, "/Kids is not an array"));
    };
    for kid in &kids {
        let Some(kid_ref) = kid.as_ref() else {
            continue;
        };
        let count = match doc.get(kid_ref)? {
            Object::Dict(d) if d.has_name(b"Type", b"Page") || !d.contains(b"Kids") => 1,
            Object::Dict(d) => d
                .get(b"Count")
                .and_then(Object::as_i64)
                .and_then(|c| usize::try_from(c).ok())
                .unwrap_or(0),
            _ => 0,
        };
        if *remaining < count {
            return Ok(Some(kid_ref));
        }
        *remaining = remaining.saturating_sub(count);
    }
    Ok(None)
}

fn no_page(index: usize) -> Error {
    Error::invalid_option(
        "page",
        format!("the document has no page {}", index.saturating_add(1)),
    )
}
