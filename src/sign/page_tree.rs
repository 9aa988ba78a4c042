//! The page tree (ISO 32000-1 §7.7.3): finding one page without walking the whole tree
//! (`/Count` lets us skip whole subtrees), and the sizes of all pages, bounded for hostile trees.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::pdf::{Dict, Document, ObjRef, Object};

/// Real page trees are a few levels deep; hostile ones are cut here.
const MAX_DEPTH: usize = 64;

/// The page at `index` (0-based) and its dictionary.
pub fn find_page(doc: &Document<'_>, catalog: &Dict, index: usize) -> Result<(ObjRef, Dict)> {
    let mut node_ref = pages_root(catalog)?;
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
                ));
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

fn pages_root(catalog: &Dict) -> Result<ObjRef> {
    catalog
        .get(b"Pages")
        .and_then(Object::as_ref)
        .ok_or_else(|| Error::malformed(crate::error::Location::Catalog, 0, "no /Pages reference"))
}

fn no_page(index: usize) -> Error {
    Error::invalid_option(
        "page",
        format!("the document has no page {}", index.saturating_add(1)),
    )
}

/// One page's effective size in PDF points (1/72 inch): its CropBox (else MediaBox, else US
/// Letter), inherited through the page tree and turned by `/Rotate`.
///
/// # Examples
///
/// ```
/// let sizes = countersign::page_sizes(&std::fs::read("testdata/pdf/classic.pdf")?, 100)?;
/// assert_eq!((sizes[0].width, sizes[0].height), (612.0, 792.0)); // US Letter
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct PageSize {
    /// Horizontal extent as displayed, in points.
    pub width: f64,
    /// Vertical extent as displayed, in points.
    pub height: f64,
}

/// The sizes of the pages of `pdf`, in page order, at most `max_pages` of them. The walk is
/// bounded: a node seen before (a cycle), a node deeper than the signing pipeline's page tree
/// accepts, or a node that is not a dictionary contributes no page, so a hostile tree yields
/// the pages that could be read.
///
/// Errors: those of reading the file ([`Error::NotPdf`], [`Error::DamagedXref`], ...) and
/// [`Error::MalformedObject`] for a catalog without `/Pages`.
///
/// # Examples
///
/// ```
/// use countersign::page_sizes;
///
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// let sizes = page_sizes(&pdf, 10_000)?;
/// assert_eq!(sizes.len(), 2);
/// assert_eq!(page_sizes(&pdf, 1)?.len(), 1); // at most `max_pages`
/// assert!(page_sizes(b"not a pdf", 10_000).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn page_sizes(pdf: &[u8], max_pages: usize) -> Result<Vec<PageSize>> {
    let doc = Document::parse(pdf)?;
    let (_, catalog) = doc.catalog()?;
    let mut walk = SizeWalk {
        doc: &doc,
        max_pages,
        visited: HashSet::new(),
        sizes: Vec::new(),
    };
    walk.node(pages_root(&catalog)?, Inherited::default(), 0);
    Ok(walk.sizes)
}

/// What pages inherit from their ancestors (§7.7.3.4).
#[derive(Clone, Default)]
struct Inherited {
    media_box: Option<[f64; 4]>,
    crop_box: Option<[f64; 4]>,
    rotate: i64,
}

struct SizeWalk<'d, 'a> {
    doc: &'d Document<'a>,
    max_pages: usize,
    visited: HashSet<ObjRef>,
    sizes: Vec<PageSize>,
}

impl SizeWalk<'_, '_> {
    fn node(&mut self, reference: ObjRef, inherited: Inherited, depth: usize) {
        if depth >= MAX_DEPTH
            || self.sizes.len() >= self.max_pages
            || !self.visited.insert(reference)
        {
            return;
        }
        let Ok(Object::Dict(node)) = self.doc.get(reference) else {
            return;
        };
        let here = self.inherit(&node, inherited);
        let kids = match self.doc.resolve_key(&node, b"Kids") {
            Ok(Some(Object::Array(kids))) if !node.has_name(b"Type", b"Page") => kids,
            _ => {
                self.sizes.push(effective_size(&here));
                return;
            }
        };
        for kid in kids.iter().filter_map(Object::as_ref) {
            self.node(kid, here.clone(), depth.saturating_add(1));
        }
    }

    fn inherit(&self, node: &Dict, mut inherited: Inherited) -> Inherited {
        if let Some(media_box) = self.rectangle(node, b"MediaBox") {
            inherited.media_box = Some(media_box);
        }
        if let Some(crop_box) = self.rectangle(node, b"CropBox") {
            inherited.crop_box = Some(crop_box);
        }
        if let Ok(Some(rotate)) = self.doc.resolve_key(node, b"Rotate")
            && let Some(rotate) = rotate.as_i64()
        {
            inherited.rotate = rotate;
        }
        inherited
    }

    fn rectangle(&self, node: &Dict, key: &[u8]) -> Option<[f64; 4]> {
        let Ok(Some(Object::Array(items))) = self.doc.resolve_key(node, key) else {
            return None;
        };
        let mut corners = [0.0; 4];
        for (corner, item) in corners.iter_mut().zip(&items) {
            *corner = number(&self.doc.resolve(item).ok()?)?;
        }
        (items.len() == 4).then_some(corners)
    }
}

fn number(object: &Object) -> Option<f64> {
    match object {
        Object::Integer(value) => Some(*value as f64),
        Object::Real(text) => text.parse().ok(),
        _ => None,
    }
}

/// US Letter when a page names no box at all (what viewers assume).
const DEFAULT_BOX: [f64; 4] = [0.0, 0.0, 612.0, 792.0];

fn effective_size(page: &Inherited) -> PageSize {
    let [x0, y0, x1, y1] = page.crop_box.or(page.media_box).unwrap_or(DEFAULT_BOX);
    let (width, height) = ((x1 - x0).abs(), (y1 - y0).abs());
    if page.rotate.rem_euclid(180) == 90 {
        PageSize {
            width: height,
            height: width,
        }
    } else {
        PageSize { width, height }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(objects: &[&str]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (index, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n{body}\nendobj\n", index + 1).as_bytes());
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for offset in offsets {
            out.extend(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn size(width: f64, height: f64) -> PageSize {
        PageSize { width, height }
    }

    #[test]
    fn sizes_follow_inheritance_crop_box_and_rotation() {
        let file = pdf(&[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 /MediaBox [0 0 595.28 841.89] >>",
            "<< /Type /Page /Parent 2 0 R >>",
            "<< /Type /Page /Parent 2 0 R /Rotate 90 >>",
            "<< /Type /Page /Parent 2 0 R /CropBox [10 10 110 210.5] >>",
        ]);
        assert_eq!(
            page_sizes(&file, 100).unwrap(),
            [
                size(595.28, 841.89),
                size(841.89, 595.28),
                size(100.0, 200.5)
            ]
        );
        assert_eq!(page_sizes(&file, 2).unwrap().len(), 2);
    }

    #[test]
    fn cycles_and_garbage_stop_quietly() {
        let cyclic = pdf(&[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [2 0 R 3 0 R 7 0 R] /Count 1 >>",
            "<< /Type /Page /MediaBox [0 0 100 100] >>",
        ]);
        assert_eq!(page_sizes(&cyclic, 100).unwrap(), [size(100.0, 100.0)]);
        assert!(matches!(
            page_sizes(b"not a pdf", 100),
            Err(Error::NotPdf(_))
        ));
    }

    /// One chain of `/Pages` nodes `levels` deep, a page at its end.
    fn deep_tree(levels: usize) -> Vec<u8> {
        let mut objects = vec!["<< /Type /Catalog /Pages 2 0 R >>".to_owned()];
        for level in 0..levels {
            objects.push(format!(
                "<< /Type /Pages /Kids [{} 0 R] /Count 1 >>",
                level + 3
            ));
        }
        objects.push("<< /Type /Page /MediaBox [0 0 10 20] >>".to_owned());
        pdf(&objects.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn both_walks_share_one_depth_bound() {
        let deepest = deep_tree(MAX_DEPTH - 1);
        assert_eq!(page_sizes(&deepest, 10).unwrap(), [size(10.0, 20.0)]);
        let doc = Document::parse(&deepest).unwrap();
        let (_, catalog) = doc.catalog().unwrap();
        assert!(find_page(&doc, &catalog, 0).is_ok());

        let too_deep = deep_tree(MAX_DEPTH);
        assert_eq!(page_sizes(&too_deep, 10).unwrap(), []);
        let doc = Document::parse(&too_deep).unwrap();
        let (_, catalog) = doc.catalog().unwrap();
        assert!(find_page(&doc, &catalog, 0).is_err());
    }
}
