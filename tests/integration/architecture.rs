//! The layout's promises, checked on the source: imports flow one way (no two modules use
//! each other, directly or through others), each layer uses only the layers below it, and
//! no source file grows past the size the style guide allows without saying why.
//!
//! A module is one file. An edge `a -> b` is a `use` or a path in `a` that names an item
//! defined in `b`; a path through a folder's `mod.rs` is followed to the file its `pub use`
//! takes the item from, so a facade is not mistaken for a dependency.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::root;

/// The library's layers, bottom first. A module may use its own layer and those before it;
/// the layers of one entry (`a|b`) are peers and do not use each other.
const LAYERS: [&str; 7] = [
    "files",
    "design",
    "engine",
    "scripted",
    "wire",
    "scenario",
    "suite|fuzz|analysis|bench|compare|serve|lint",
];

/// Files longer than this say why at their top (a comment with "long because").
const MAX_LINES: usize = 600;

/// One source file: its module path (`engine::core`), its text without comments.
struct Module {
    path: Vec<String>,
    file: PathBuf,
    code: Vec<String>,
    /// Whether the file is a folder's `mod.rs` (its children are its submodules).
    is_folder: bool,
}

fn modules(dir: &Path, prefix: &[String], out: &mut Vec<Module>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if path.is_dir() {
            let mut inner = prefix.to_vec();
            inner.push(name);
            modules(&path, &inner, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let is_folder = name == "mod";
        let mut module = prefix.to_vec();
        if !is_folder && !(prefix.is_empty() && (name == "lib" || name == "main")) {
            module.push(name);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(String::from)
            .collect();
        out.push(Module {
            path: module,
            file: path,
            code,
            is_folder,
        });
    }
}

/// `use a::{b, c::{d, e}};` as the paths `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap().to_string()];
    };
    let (head, rest) = tree.split_at(open);
    let inner = &rest[1..rest.len() - 1];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |x| format!("{head}{x}")))
        .collect()
}

/// The `use` statements of `code` (joined over lines), each with whether it is `pub use`.
fn uses(code: &[String]) -> Vec<(bool, String)> {
    let text = code.join("\n");
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("use ") {
        let before = &rest[..at];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let lead = before[line_start..].trim();
        let after = &rest[at + 4..];
        let Some(end) = after.find(';') else { break };
        if lead.is_empty() || lead.starts_with("pub") {
            for path in expand(&after[..end]) {
                out.push((lead.starts_with("pub"), path));
            }
        }
        rest = &after[end..];
    }
    out
}

/// Paths written in code outside `use` lines: `crate::a::b`, `super::x`, `child::f`.
fn inline_paths(code: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for line in code {
        let trimmed = line.trim_start();
        if trimmed.starts_with("use ") || trimmed.starts_with("pub use ") || trimmed.starts_with("pub(crate) use ") {
            continue;
        }
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let start_ok =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':');
            if start_ok && (bytes[i].is_ascii_lowercase() || bytes[i] == b'_') {
                let mut j = i;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b':') {
                    j += 1;
                }
                let word = &line[i..j];
                if word.contains("::") {
                    out.push(word.trim_end_matches(':').to_string());
                }
                i = j.max(i + 1);
            } else {
                i += 1;
            }
        }
    }
    out
}

struct Tree {
    modules: Vec<Module>,
    by_path: BTreeMap<Vec<String>, usize>,
    /// Per folder module: exported name -> the child path it comes from.
    exports: BTreeMap<usize, BTreeMap<String, Vec<String>>>,
}

impl Tree {
    fn new() -> Tree {
        let mut modules = Vec::new();
        modules_of_crate(&mut modules);
        let by_path = modules.iter().enumerate().map(|(i, m)| (m.path.clone(), i)).collect();
        let mut tree = Tree {
            modules,
            by_path,
            exports: BTreeMap::new(),
        };
        for i in 0..tree.modules.len() {
            let mut map = BTreeMap::new();
            for (public, path) in uses(&tree.modules[i].code) {
                if !public {
                    continue;
                }
                let segments: Vec<String> = path.split("::").map(String::from).collect();
                let name = segments.last().unwrap().clone();
                if let Some(resolved) = tree.absolute(i, &segments) {
                    map.insert(name, resolved);
                }
            }
            tree.exports.insert(i, map);
        }
        tree
    }

    /// `segments` as a path from the crate root, seen from module `from`.
    fn absolute(&self, from: usize, segments: &[String]) -> Option<Vec<String>> {
        let here = &self.modules[from].path;
        let (base, rest): (Vec<String>, &[String]) = match segments.first()?.as_str() {
            "crate" => (Vec::new(), &segments[1..]),
            "self" => (here.clone(), &segments[1..]),
            "super" => (here[..here.len().checked_sub(1)?].to_vec(), &segments[1..]),
            first => {
                let mut child = here.clone();
                child.push(first.to_string());
                if !self.by_path.contains_key(&child) {
                    return None;
                }
                (here.clone(), segments)
            }
        };
        let mut path = base;
        path.extend(rest.iter().cloned());
        Some(path)
    }

    /// The module that defines what `path` names.
    fn resolve(&self, path: &[String], depth: usize) -> Option<usize> {
        let mut module = *self.by_path.get(&Vec::new())?;
        let mut at = 0;
        while at < path.len() {
            let mut longer = self.modules[module].path.clone();
            longer.push(path[at].clone());
            match self.by_path.get(&longer) {
                Some(&child) => {
                    module = child;
                    at += 1;
                }
                None => break,
            }
        }
        if at < path.len()
            && depth < 8
            && let Some(target) = self.exports.get(&module).and_then(|e| e.get(&path[at]))
        {
            let mut next = target.clone();
            next.extend(path[at + 1..].iter().cloned());
            if let Some(found) = self.resolve(&next, depth + 1) {
                return Some(found);
            }
        }
        Some(module)
    }

    /// Every module `from` uses.
    fn edges(&self, from: usize) -> BTreeSet<usize> {
        let module = &self.modules[from];
        // Unit tests count too: a test module that uses a layer above is a cycle in the
        // crate's test build. Inside `mod tests`, `super::` is the file's own module.
        let tests_at = module.code.iter().position(|l| l.trim_start().starts_with("mod tests"));
        let (main, tests) = module.code.split_at(tests_at.unwrap_or(module.code.len()));
        let code: Vec<String> = main
            .iter()
            .cloned()
            .chain(tests.iter().map(|l| l.replacen("super::", "", 1)))
            .collect();
        let code = &code[..];
        let mut paths: Vec<(bool, String)> = uses(code);
        paths.extend(inline_paths(code).into_iter().map(|p| (false, p)));
        let body: String = code
            .iter()
            .filter(|l| !l.contains("use "))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        let mut out = BTreeSet::new();
        for (public, path) in paths {
            let segments: Vec<String> = path.split("::").map(String::from).collect();
            // A folder's `pub use` is a facade, unless the folder's own code uses the name.
            if public && !body.contains(segments.last().unwrap().as_str()) {
                continue;
            }
            if segments.last().is_some_and(|s| s == "*") {
                continue;
            }
            let Some(absolute) = self.absolute(from, &segments) else {
                continue;
            };
            if let Some(target) = self.resolve(&absolute, 0) {
                let is_ancestor = self.modules[from].path.starts_with(&self.modules[target].path);
                // A child names its parent folder only to reach a sibling, which resolve
                // followed; what is left is the parent's own code.
                if target != from && !(is_ancestor && self.modules[target].path.is_empty()) {
                    out.insert(target);
                }
            }
        }
        out
    }

    fn name(&self, i: usize) -> String {
        let path = &self.modules[i].path;
        if path.is_empty() {
            "crate".into()
        } else {
            path.join("::")
        }
    }
}

fn modules_of_crate(out: &mut Vec<Module>) {
    let src = root().join("src");
    modules(&src, &[], out);
    // The binary's modules are checked in `the_cli_imports_flow_one_way_too`.
    out.retain(|m| m.path.first().is_none_or(|p| p != "cli") && !m.file.ends_with("main.rs"));
}

/// Cycles of the graph, as module names (Tarjan's strongly connected components).
fn cycles(tree: &Tree) -> Vec<Vec<String>> {
    let n = tree.modules.len();
    let edges: Vec<BTreeSet<usize>> = (0..n).map(|i| tree.edges(i)).collect();
    let mut graph = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..n).map(|i| graph.add_node(i)).collect();
    for (from, targets) in edges.iter().enumerate() {
        for &to in targets {
            graph.add_edge(nodes[from], nodes[to], ());
        }
    }
    petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let mut names: Vec<String> = component.iter().map(|&node| tree.name(graph[node])).collect();
            names.sort();
            names
        })
        .collect()
}

#[test]
fn no_two_modules_import_each_other() {
    let tree = Tree::new();
    assert!(tree.modules.len() > 40, "the walk found the modules");
    assert_eq!(cycles(&tree), Vec::<Vec<String>>::new(), "modules that use each other");
}

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    let tree = Tree::new();
    let rank = |i: usize| -> Option<(usize, &str)> {
        let top = tree.modules[i].path.first()?;
        LAYERS
            .iter()
            .position(|layer| layer.split('|').any(|l| l == top))
            .map(|r| (r, top.as_str()))
    };
    let mut wrong = Vec::new();
    for from in 0..tree.modules.len() {
        let Some((from_rank, from_top)) = rank(from) else {
            if !tree.modules[from].path.is_empty() {
                wrong.push(format!("{} is in no layer", tree.name(from)));
            }
            continue;
        };
        for to in tree.edges(from) {
            let Some((to_rank, to_top)) = rank(to) else {
                wrong.push(format!("{} uses the crate root", tree.name(from)));
                continue;
            };
            if to_rank > from_rank || (to_rank == from_rank && to_top != from_top) {
                wrong.push(format!("{} uses {}", tree.name(from), tree.name(to)));
            }
        }
    }
    assert_eq!(wrong, Vec::<String>::new(), "layers: {LAYERS:?}");
}

#[test]
fn the_checker_sees_a_cycle_and_a_layer_it_is_shown() {
    // The checker itself must be able to fail: the engine's core uses the event log, and a
    // file of the event log that used the core would close a cycle.
    let tree = Tree::new();
    let core = tree.by_path[&vec!["engine".to_string(), "core".to_string()]];
    let event = tree.by_path[&vec!["engine".to_string(), "event".to_string()]];
    assert!(tree.edges(core).contains(&event), "engine::core uses engine::event");
    let scenario = tree.by_path[&vec!["scenario".to_string()]];
    let replay = tree.by_path[&vec!["wire".to_string(), "replay".to_string()]];
    assert!(
        tree.edges(scenario).contains(&replay),
        "the scenario's `Replay` resolves through wire's facade to wire::replay"
    );
}

#[test]
fn the_cli_imports_flow_one_way_too() {
    let mut all = Vec::new();
    modules(&root().join("src/cli"), &["cli".to_string()], &mut all);
    let mut modules = vec![Module {
        path: Vec::new(),
        file: root().join("src/main.rs"),
        code: vec!["mod cli;".into()],
        is_folder: false,
    }];
    modules.extend(all);
    let by_path = modules.iter().enumerate().map(|(i, m)| (m.path.clone(), i)).collect();
    let tree = Tree {
        modules,
        by_path,
        exports: BTreeMap::new(),
    };
    assert!(tree.modules.iter().any(|m| m.is_folder), "src/cli/mod.rs was read");
    assert_eq!(
        cycles(&tree),
        Vec::<Vec<String>>::new(),
        "cli modules that use each other"
    );
}

#[test]
fn no_source_file_is_long_without_a_reason() {
    let mut long = Vec::new();
    let mut all = Vec::new();
    modules(&root().join("src"), &[], &mut all);
    for module in all {
        let text = std::fs::read_to_string(&module.file).unwrap();
        if text.lines().count() > MAX_LINES && !text.contains("long because") {
            long.push(format!("{} ({} lines)", module.file.display(), text.lines().count()));
        }
    }
    assert_eq!(long, Vec::<String>::new());
}
