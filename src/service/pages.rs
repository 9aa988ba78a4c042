//! The page sizes DescribeFileUrls reports in `Option` ("each page's effective width and height"):
//! the CropBox (else MediaBox) of every page in points, turned by /Rotate, read through the page
//! tree with inheritance. Bounded: a hostile tree (cycles, depth, millions of pages) stops early.

use std::collections::HashSet;

use serde::Serialize;

use crate::pdf::{Dict, Document, ObjRef, Object};

/// Pages reported at most; a longer document is reported up to here.
pub const MAX_PAGES: usize = 10_000;
const MAX_DEPTH: usize = 64;

/// One page's effective size, in points.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PageSize {
    pub width: f64,
    pub height: f64,
}

/// What pages inherit from their ancestors (§7.7.3.4).
#[derive(Clone, Default)]
struct Inherited {
    media_box: Option<[f64; 4]>,
    crop_box: Option<[f64; 4]>,
    rotate: i64,
}

/// The sizes of the pages of `pdf`, in page order; `None` when it cannot be read as a PDF.
pub fn page_sizes(pdf: &[u8]) -> Option<Vec<PageSize>> {
    let doc = Document::parse(pdf).ok()?;
    let (_, catalog) = doc.catalog().ok()?;
    let root = catalog.get(b"Pages").and_then(Object::as_ref)?;
    let mut walk = Walk {
        doc: &doc,
        visited: HashSet::new(),
        sizes: Vec::new(),
    };
    walk.node(root, Inherited::default(), 0);
    Some(walk.sizes)
}

/// `Option` of DescribeFileUrls: the JSON array of page sizes (empty text for a non-PDF).
pub fn option_text(pdf: &[u8]) -> String {
    page_sizes(pdf)
        .and_then(|sizes| serde_json::to_string(&sizes).ok())
        .unwrap_or_default()
}

struct Walk<'d, 'a> {
    doc: &'d Document<'a>,
    visited: HashSet<ObjRef>,
    sizes: Vec<PageSize>,
}

impl Walk<'_, '_> {
    fn node(&mut self, reference: ObjRef, inherited: Inherited, depth: usize) {
        if depth > MAX_DEPTH || self.sizes.len() >= MAX_PAGES || !self.visited.insert(reference) {
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
        if let Ok(Some(rotate)) = self.doc.resolve_key(node, b"Rotate") {
            if let Some(rotate) = rotate.as_i64() {
                inherited.rotate = rotate;
            }
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
    let round = |value: f64| (value * 100.0).round() / 100.0;
    if page.rotate.rem_euclid(180) == 90 {
        PageSize {
            width: round(height),
            height: round(width),
        }
    } else {
        PageSize {
            width: round(width),
            height: round(height),
        }
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
            page_sizes(&file).unwrap(),
            vec![
                PageSize {
                    width: 595.28,
                    height: 841.89
                },
                PageSize {
                    width: 841.89,
                    height: 595.28
                },
                PageSize {
                    width: 100.0,
                    height: 200.5
                },
            ]
        );
        assert_eq!(
            option_text(&file),
            r#"[{"Width":595.28,"Height":841.89},{"Width":841.89,"Height":595.28},{"Width":100.0,"Height":200.5}]"#
        );
    }

    #[test]
    fn cycles_and_garbage_stop_quietly() {
        let cyclic = pdf(&[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>",
            "<< /Type /Page /MediaBox [0 0 100 100] >>",
        ]);
        assert_eq!(
            page_sizes(&cyclic).unwrap(),
            vec![PageSize {
                width: 100.0,
                height: 100.0
            }]
        );
        assert_eq!(option_text(b"not a pdf"), "");
    }
}
