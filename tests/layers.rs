//! The crate's modules import one way: from a higher layer to a lower one, never back, and no
//! group of files imports itself round in a circle. This test reads every `crate::` and
//! `super::` path in `src/` (outside `#[cfg(test)]` code) and checks both against the declared
//! layer order below, so that a new import that goes upward fails CI instead of growing a
//! circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules, bottom to top. A module may import from modules in lower layers only
/// (modules in one layer are independent of each other).
const LAYERS: &[&[&str]] = &[
    // Ground: vocabulary types and plumbing with no knowledge of news or models.
    &["span", "progress"],
    &["error", "document", "text"],
    &["digest", "atomic", "datasets", "reader"],
    // Models as things on disk, then the networks built on them.
    &["models"],
    &["encoder", "weights"],
    // The stages' components, in data-flow order.
    &["attribution"],
    &["speakers"],
    &["record"],
    &["classify"],
    // The pipeline of stages, then what writes and runs it.
    &["pipeline"],
    &["writer", "roster"],
    &["run", "eval", "statements"],
    &["report", "train"],
    &["stats"],
];

/// A module path inside the crate (`["classify", "stage"]`; empty for the crate root).
type ModPath = Vec<String>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every library file with its module path (`main.rs`, the binary, is above every layer).
fn modules() -> BTreeMap<ModPath, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src_dir()).unwrap().with_extension("");
            let mut parts: ModPath = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts == ["main"] {
                continue;
            }
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The code of a file without comments and without its `#[cfg(test)]` part.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a file names through `crate::` or `super::`, expanded over `{a, b::c}` groups,
/// each as the segments after the crate root.
fn named_paths(module: &ModPath, code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for keyword in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(keyword) {
            let start = from + found;
            from = start + keyword.len();
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let mut base: Vec<String> = if keyword == "crate::" {
                Vec::new()
            } else {
                module[..module.len().saturating_sub(1)].to_vec()
            };
            let rest = &code[from..];
            // Further `super::` steps.
            let mut rest = rest;
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    out.push(segments(&base, item.trim()));
                }
            } else {
                out.push(segments(&base, rest));
            }
        }
    }
    out
}

fn segments(base: &[String], path: &str) -> Vec<String> {
    let mut segs = base.to_vec();
    for seg in path.split("::") {
        let ident: String = seg
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if ident.is_empty() || ident == "self" {
            break;
        }
        let whole = ident.len() == seg.trim_end().len();
        segs.push(ident);
        if !whole {
            break;
        }
    }
    segs
}

/// The longest prefix of `path` that is a module.
fn owner(modules: &BTreeMap<ModPath, PathBuf>, path: &[String]) -> Option<ModPath> {
    (1..=path.len())
        .rev()
        .map(|k| path[..k].to_vec())
        .find(|p| modules.contains_key(p))
}

/// File-level imports: module -> the modules it names (a parent naming its own child is
/// containment, not an import, and left out).
fn imports() -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let modules = modules();
    let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (module, path) in &modules {
        let code = code(path);
        let targets = edges.entry(module.clone()).or_default();
        for named in named_paths(module, &code) {
            if let Some(t) = owner(&modules, &named) {
                if &t != module && !t.starts_with(module) && !t.is_empty() {
                    targets.insert(t);
                }
            }
        }
    }
    edges
}

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&top))
}

#[test]
fn every_top_level_module_has_a_layer() {
    let missing: Vec<String> = modules()
        .keys()
        .filter_map(|m| m.first())
        .filter(|top| layer_of(top).is_none())
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a layer in tests/layers.rs: {missing:?}"
    );
}

#[test]
fn imports_go_down_the_layers_only() {
    let mut wrong = Vec::new();
    for (from, targets) in imports() {
        let Some(from_top) = from.first() else {
            continue;
        };
        for to in targets {
            let to_top = &to[0];
            if to_top == from_top {
                continue;
            }
            let (Some(a), Some(b)) = (layer_of(from_top), layer_of(to_top)) else {
                continue;
            };
            if b >= a {
                wrong.push(format!("{} -> {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that go sideways or up the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let edges = imports();
    let circles = strongly_connected(&edges);
    let described: Vec<String> = circles
        .iter()
        .map(|c| {
            c.iter()
                .map(|m| m.join("::"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    assert!(
        described.is_empty(),
        "import circles:\n{}",
        described.join("\n")
    );
}

#[test]
fn the_checker_sees_a_circle_when_there_is_one() {
    let m = |s: &str| vec![s.to_string()];
    let mut edges = BTreeMap::new();
    edges.insert(m("a"), BTreeSet::from([m("b")]));
    edges.insert(m("b"), BTreeSet::from([m("c")]));
    edges.insert(m("c"), BTreeSet::from([m("a")]));
    edges.insert(m("d"), BTreeSet::from([m("a")]));
    let circles = strongly_connected(&edges);
    assert_eq!(circles.len(), 1);
    assert_eq!(circles[0].len(), 3);
    let paths = named_paths(
        &vec!["x".into(), "y".into()],
        "use crate::{a::B, c}; use super::z::W; let v = crate::d::f();",
    );
    assert!(paths.contains(&vec!["a".into(), "B".into()]));
    assert!(paths.contains(&vec!["c".into()]));
    assert!(paths.contains(&vec!["x".into(), "z".into(), "W".into()]));
    assert!(paths.contains(&vec!["d".into(), "f".into()]));
}

/// Tarjan's algorithm: the groups of two or more modules that reach each other.
fn strongly_connected(edges: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        edges: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on_stack: BTreeSet<&'a ModPath>,
        out: Vec<Vec<ModPath>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a ModPath) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(targets) = s.edges.get(v) {
            for w in targets {
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if s.on_stack.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                s.out.push(group);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}
