//! The page sizes DescribeFileUrls reports in `Option` ("each page's effective width and height"),
//! from the engine's page-tree walk ([`countersign::page_sizes`]), rounded to hundredths of a point.

use serde::Serialize;

/// Pages reported at most; a longer document is reported up to here.
pub const MAX_PAGES: usize = 10_000;

/// One page's effective size, in points, as the JSON of `Option` spells it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PageSize {
    width: f64,
    height: f64,
}

/// `Option` of DescribeFileUrls: the JSON array of page sizes (empty text for a non-PDF).
pub fn option_text(pdf: &[u8]) -> String {
    let Ok(sizes) = countersign::page_sizes(pdf, MAX_PAGES) else {
        return String::new();
    };
    let round = |value: f64| (value * 100.0).round() / 100.0;
    let sizes: Vec<PageSize> = sizes
        .iter()
        .map(|size| PageSize {
            width: round(size.width),
            height: round(size.height),
        })
        .collect();
    serde_json::to_string(&sizes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_pascal_case_json_in_hundredths_of_a_point() {
        let classic = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/pdf/classic.pdf"
        ))
        .unwrap();
        assert_eq!(
            option_text(&classic),
            r#"[{"Width":612.0,"Height":792.0},{"Width":612.0,"Height":792.0}]"#
        );
        assert_eq!(option_text(b"not a pdf"), "");
    }
}
