//! The ESS service (`src/service`, `src/server`) and the CLI (`src/cli`, `src/main.rs`) use only
//! the engine's public API, so that they can move into crates of their own (issue 21): every
//! `crate::` or `countersign::` path they write into the engine must start at a public module or
//! a root re-export of `src/lib.rs`, must not pass through a private module or name a
//! `pub(crate)` item of the engine, and `__private` (kept for tests, benches and fuzz targets)
//! is not mentioned at all. A textual check; the crate split later proves it by compiling.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Folders and files of the service and the CLI, relative to the crate root.
const CLIENT_CODE: [&str; 4] = ["src/service", "src/server", "src/cli", "src/main.rs"];

/// First path segments that are the client code itself, not the engine.
const OWN_MODULES: [&str; 3] = ["service", "server", "cli"];

#[test]
fn service_and_cli_use_only_the_public_engine_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = Engine::read(root);
    let mut violations = Vec::new();
    for file in rust_files(root, &CLIENT_CODE) {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(root).unwrap().display().to_string();
        for (offset, problem) in engine.problems_at(&text) {
            let line = text[..offset].matches('\n').count() + 1;
            violations.push(format!("{name}:{line}: {problem}"));
        }
    }
    assert!(
        violations.is_empty(),
        "the service and the CLI reach past the engine's public API:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_finds_each_kind_of_reach_in() {
    let engine = Engine::read(Path::new(env!("CARGO_MANIFEST_DIR")));
    for line in [
        "use crate::pdf::Document;",
        "use crate::sign::SignOptions;",
        "let x = crate::verify::VerifyReport::default();",
        "countersign::__private::with_causes(e)",
        "use crate::error::{with_causes, Error};",
        "use crate::ltv::ocsp::parse_response;",
    ] {
        assert!(!engine.problems_in(line).is_empty(), "not caught: {line}");
    }
    for line in [
        "use crate::{SignOptions, VerifyReport};",
        "use crate::error::{ErrorReport, RevocationError};",
        "countersign::ltv::OcspResponse::from_der(&der)",
        "use crate::service::pages;",
        "Err(crate::Error::invalid_option(\"tsa\", \"x\"))",
    ] {
        assert_eq!(engine.problems_in(line), Vec::<String>::new(), "{line}");
    }
}

/// What `src/lib.rs` and the engine's sources say is public and what is not.
struct Engine {
    /// Public modules and re-exported items at the crate root.
    root_names: BTreeSet<String>,
    /// Paths (from the crate root) of the engine's modules declared without `pub` and of its
    /// module-level items declared `pub(crate)`.
    internal_paths: BTreeSet<Vec<String>>,
}

impl Engine {
    fn read(root: &Path) -> Engine {
        let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
        // The root's own declarations: comments dropped, `__private`'s insides not among them.
        let lib: String = lib
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .take_while(|line| !line.contains("pub mod __private"))
            .flat_map(|line| [line, "\n"])
            .collect();
        let mut root_names = BTreeSet::new();
        for statement in lib.split(';') {
            let statement = statement.trim_start_matches(|c: char| c.is_whitespace());
            let statement = skip_attributes(statement);
            if let Some(module) = statement.strip_prefix("pub mod ") {
                let name = module
                    .trim()
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'));
                root_names.extend(name.take(1).map(str::to_owned));
            } else if let Some(used) = statement.strip_prefix("pub use ") {
                root_names.extend(imported_names(used));
            }
        }
        root_names.remove("__private");
        let mut internal_paths = BTreeSet::new();
        for file in rust_files(root, &["src"]) {
            let relative = file.strip_prefix(root).unwrap();
            if CLIENT_CODE
                .iter()
                .any(|client| relative.starts_with(client))
            {
                continue;
            }
            let module = module_path(relative);
            let text = std::fs::read_to_string(&file).unwrap();
            // Module level only: items in `impl` blocks and nested modules are indented.
            for name in text.lines().filter_map(internal_item) {
                let mut path = module.clone();
                path.push(name);
                internal_paths.insert(path);
            }
        }
        Engine {
            root_names,
            internal_paths,
        }
    }

    /// Each engine path of `text` that is not public API, described.
    fn problems_in(&self, text: &str) -> Vec<String> {
        self.problems_at(text)
            .into_iter()
            .map(|(_, problem)| problem)
            .collect()
    }

    /// [`Self::problems_in`], each with the byte offset where it starts.
    fn problems_at(&self, text: &str) -> Vec<(usize, String)> {
        let mut problems: Vec<(usize, String)> = text
            .match_indices("__private")
            .map(|(at, _)| {
                let problem = "mentions `__private` (for tests, benches and fuzz only)";
                (at, problem.to_owned())
            })
            .collect();
        for prefix in ["crate::", "countersign::"] {
            for (at, _) in text.match_indices(prefix) {
                let preceded_by_ident = text[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                if preceded_by_ident {
                    continue;
                }
                for path in expand_paths(&text[at + prefix.len()..]) {
                    if let Some(problem) = self.check(prefix, &path) {
                        problems.push((at, problem));
                    }
                }
            }
        }
        problems.sort();
        problems
    }

    fn check(&self, prefix: &str, path: &[String]) -> Option<String> {
        let first = path.first()?;
        if prefix == "crate::" && OWN_MODULES.contains(&first.as_str()) {
            return None;
        }
        let shown = format!("{prefix}{}", path.join("::"));
        if !self.root_names.contains(first) {
            return Some(format!(
                "`{shown}`: `{first}` is not a public module or root item of the engine"
            ));
        }
        (1..=path.len())
            .map(|len| &path[..len])
            .find(|prefix| self.internal_paths.contains(*prefix))
            .map(|internal| {
                let internal = internal.join("::");
                format!("`{shown}`: `{internal}` is internal to the engine")
            })
    }
}

/// The module a source file holds: `src/ltv/ocsp.rs` is `ltv::ocsp`, `src/ltv/mod.rs` is `ltv`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut path: Vec<String> = relative
        .with_extension("")
        .iter()
        .skip(1) // src
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if matches!(path.last().map(String::as_str), Some("mod" | "lib")) {
        path.pop();
    }
    path
}

/// Skips `#[...]` attributes (a `#[cfg(...)]` before `pub mod`).
fn skip_attributes(mut text: &str) -> &str {
    while text.starts_with("#[") {
        let Some(end) = text.find(']') else {
            return text;
        };
        text = text[end + 1..].trim_start();
        // Doc comments and plain comments between attributes and the item.
        while text.starts_with("//") {
            text = text
                .split_once('\n')
                .map_or("", |(_, after)| after)
                .trim_start();
        }
    }
    text
}

/// The names a `use` tree brings into scope: the last segment of each path, or its `as` name.
fn imported_names(tree: &str) -> Vec<String> {
    expand_paths(tree)
        .into_iter()
        .filter_map(|path| path.last().cloned())
        .collect()
}

/// The item a line declares `pub(crate)`, or the module it declares private (`mod x;`).
fn internal_item(line: &str) -> Option<String> {
    let declaration = if let Some(rest) = line.strip_prefix("pub(crate) ") {
        rest
    } else if line.starts_with("mod ") && line.ends_with(';') {
        line
    } else {
        return None;
    };
    let declaration = declaration
        .trim_start_matches("unsafe ")
        .trim_start_matches("async ")
        .trim_start_matches("const fn ");
    let (keyword, rest) = declaration.split_once(' ')?;
    if !matches!(
        keyword,
        "fn" | "struct" | "enum" | "mod" | "const" | "static" | "type" | "trait"
    ) {
        return None;
    }
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Every path a (possibly grouped) path text starts with: `a::{b, c::d}` is `[a, b]` and
/// `[a, c, d]`. `x as y` keeps `x`; `self` in a group names the parent.
fn expand_paths(text: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut chars = text.char_indices().peekable();
    expand_into(text, &mut chars, Vec::new(), &mut paths);
    paths
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

/// Reads one path (and a group after it) from `chars`, pushing complete paths onto `paths`.
fn expand_into(
    text: &str,
    chars: &mut Chars<'_>,
    mut prefix: Vec<String>,
    paths: &mut Vec<Vec<String>>,
) {
    loop {
        skip_spaces(chars);
        match chars.peek().copied() {
            Some((_, '{')) => {
                chars.next();
                loop {
                    expand_into(text, chars, prefix.clone(), paths);
                    skip_spaces(chars);
                    match chars.next() {
                        Some((_, ',')) => continue,
                        _ => return,
                    }
                }
            }
            Some((start, c)) if c.is_alphabetic() || c == '_' => {
                let mut end = start;
                while let Some((at, c)) = chars.peek().copied() {
                    if !(c.is_alphanumeric() || c == '_') {
                        break;
                    }
                    end = at + c.len_utf8();
                    chars.next();
                }
                let segment = &text[start..end];
                if segment != "self" {
                    prefix.push(segment.to_owned());
                }
                if text[end..].starts_with("::") {
                    chars.next();
                    chars.next();
                    continue;
                }
                // `x as y`: the path is `x`; skip the alias.
                let after = text[end..].trim_start();
                if let Some(alias) = after.strip_prefix("as ") {
                    let skipped = text.len() - alias.trim_start().len();
                    while chars
                        .peek()
                        .is_some_and(|(at, c)| *at < skipped || c.is_alphanumeric() || *c == '_')
                    {
                        chars.next();
                    }
                }
                if !prefix.is_empty() {
                    paths.push(prefix);
                }
                return;
            }
            _ => {
                if !prefix.is_empty() {
                    paths.push(prefix);
                }
                return;
            }
        }
    }
}

fn skip_spaces(chars: &mut Chars<'_>) {
    while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
        chars.next();
    }
}

/// The `.rs` files under each of `entries` (a folder or a file), sorted.
fn rust_files(root: &Path, entries: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> = entries.iter().map(|entry| root.join(entry)).collect();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                pending.push(entry.unwrap().path());
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn grouped_paths_expand() {
    assert_eq!(
        expand_paths("a::{b, c::{d, self}, e as f}; rest"),
        [
            vec!["a", "b"],
            vec!["a", "c", "d"],
            vec!["a", "c"],
            vec!["a", "e"]
        ]
        .map(|path| path.into_iter().map(str::to_owned).collect::<Vec<_>>())
    );
    assert_eq!(
        expand_paths("Error::Io(e)"),
        [vec!["Error".to_owned(), "Io".to_owned()]]
    );
}
