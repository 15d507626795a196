//! The layers of docs/ARCHITECTURE.md, checked on the source. Every
//! `crate::…`, `super::…` and `self::…` path in `src/` (in `use` lines, groups
//! included, and in code) is read by a small scanner and resolved to the
//! module it names, through `pub use` re-exports. The test fails when
//!
//! - a module imports one of a higher layer ([`LAYERS`]), or a top-level
//!   module is in no layer;
//! - two top-level modules, or two sibling submodules of one module (such as
//!   `audit::key` and `audit::local`), import each other, directly or round a
//!   longer circle.
//!
//! A parent and its own submodules may use each other (a `mod.rs` re-exports
//! its children, a child uses its parent's helpers): that is not a circle
//! between siblings. Test-only modules (`#[cfg(test)] mod …`) obey the layers
//! but may close a circle: a store test may build its store with `demo`,
//! which is built on the store. `src/main.rs` is the binary: it uses the
//! library only through `ward::` and is not scanned.
//!
//! No dependencies: the folder is walked with std, and the scanner drops
//! comments, strings and character literals before it reads paths.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import modules of its own layer and
/// of the layers below, never of a layer above. Every top-level module must
/// be in one: a new module is placed here when it is added.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "the core",
        &[
            "error",
            "sanitize",
            "words",
            "hardening",
            "agent_settings",
            "agent",
            "config",
            "store",
            "policy",
            "review",
            "find",
            "audit",
            "trust",
            "clipboard",
            "keymap",
            "demo",
            // The user's git, run in a store (issue 11).
            "git",
            // The shared operations (issue 10), called by cli and the tui's jobs.
            "ops",
            // TOTP/HOTP codes from otpauth:// URIs (issue 12): pure.
            "otp",
        ],
    ),
    ("the app", &["app"]),
    ("the renderers", &["ui"]),
    ("the terminal owner", &["tui"]),
    ("the command line", &["cli"]),
];

#[test]
fn layers_import_only_downwards_and_no_module_circles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = check(&root);
    assert!(
        problems.is_empty(),
        "{} architecture problem(s) (docs/ARCHITECTURE.md, tests/architecture.rs):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The checker catches what it is meant to, on a small crate with planted
/// problems: a layer violation inside a `use crate::{…}` group, a circle
/// between siblings hidden behind a `pub use` re-export, a circle between
/// top-level modules (one edge written in code, not in a `use`), and a
/// module in no layer. Paths in comments and strings, `use super::*` in a
/// test module, and a circle closed only by test code are not problems.
#[test]
fn the_checker_catches_planted_violations() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let path = src.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "lib.rs",
        "pub mod audit;\npub mod demo;\npub mod gadget;\npub mod store;\npub mod tui;\n",
    );
    write(
        "store/mod.rs",
        "//! use crate::tui::Nothing; (a comment is not an import)\n\
         mod name;\n\
         pub fn f() { let s = \"crate::tui::x\"; let c = '\"'; }\n\
         #[cfg(test)]\n#[path = \"store_tests.rs\"]\nmod tests;\n",
    );
    write("store/store_tests.rs", "use crate::demo::make;\n");
    write("demo.rs", "pub fn make() { crate::store::f() }\n");
    write(
        "store/name.rs",
        "use crate::{\n    audit,\n    tui::harness::Harness,\n};\n",
    );
    write("tui/mod.rs", "pub mod harness;\n");
    write("tui/harness.rs", "pub struct Harness;\n");
    write("gadget.rs", "");
    write(
        "audit/mod.rs",
        "mod key;\nmod local;\nmod verify;\npub use local::Local;\n",
    );
    write("audit/key.rs", "pub fn k() -> super::Local { todo!() }\n");
    write(
        "audit/local.rs",
        "use super::key::k;\npub struct Local;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
    );
    write(
        "audit/verify.rs",
        "fn v() { let _ = crate::store::f(); super::key::k(); }\n",
    );

    let problems = check(src);
    let text = problems.join("\n");
    eprintln!("{text}");
    assert_eq!(problems.len(), 4, "{text}");
    for want in [
        "the top-level module gadget is in no layer",
        "store/name.rs:3: store imports tui (crate::tui::harness::Harness): \
         the core must not import the terminal owner",
        "circle audit::key -> audit::local -> audit::key:",
        "audit/key.rs:1: audit::key -> audit::local (super::Local)",
        "audit/local.rs:1: audit::local -> audit::key (super::key::k)",
        "circle audit -> store -> audit:",
        "audit/verify.rs:1: audit::verify -> store (crate::store::f)",
        "store/name.rs:2: store::name -> audit (crate::audit)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(
        !text.contains("demo"),
        "a test-only circle is allowed:\n{text}"
    );
}

/// Every problem, one a line (a circle: a line and one line an edge).
fn check(src: &Path) -> Vec<String> {
    let files = modules(src);
    let known: BTreeSet<Vec<String>> = files.values().map(|m| m.path.clone()).collect();
    let mut found = Vec::new();
    let mut reexports: BTreeMap<(Vec<String>, String), Vec<String>> = BTreeMap::new();
    for (file, module) in &files {
        let text = fs::read_to_string(file).unwrap();
        for path in paths(&text, module, &known) {
            if let Some(name) = &path.reexported_as {
                reexports.insert((module.path.clone(), name.clone()), path.path.clone());
            }
            found.push((file, module, path));
        }
    }
    let uses: Vec<Use> = found
        .into_iter()
        .map(|(file, module, path)| Use {
            from: module.path.clone(),
            to: target(&path.path, &known, &reexports),
            written: path.written,
            test: path.test,
            file: file.strip_prefix(src).unwrap_or(file).to_path_buf(),
            line: path.line,
        })
        .collect();
    let mut problems = layer_problems(&files, &uses);
    problems.extend(circles(&uses));
    problems
}

/// One path, resolved.
struct Use {
    /// The module of the file it is written in.
    from: Vec<String>,
    /// The module it lands in, after re-exports.
    to: Vec<String>,
    /// As written, for the report.
    written: String,
    /// Written in test-only code.
    test: bool,
    file: PathBuf,
    line: usize,
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, members)| members.contains(&module))
}

fn layer_problems(files: &BTreeMap<PathBuf, Module>, uses: &[Use]) -> Vec<String> {
    let mut problems = Vec::new();
    let tops: BTreeSet<&String> = files.values().filter_map(|m| m.path.first()).collect();
    for top in tops {
        if layer_of(top).is_none() {
            problems.push(format!(
                "the top-level module {top} is in no layer: add it to LAYERS in tests/architecture.rs"
            ));
        }
    }
    for u in uses {
        let (Some(from), Some(to)) = (u.from.first(), u.to.first()) else {
            continue;
        };
        let (Some(low), Some(high)) = (layer_of(from), layer_of(to)) else {
            continue;
        };
        if high > low {
            problems.push(format!(
                "{}:{}: {from} imports {to} ({}): {} must not import {}",
                u.file.display(),
                u.line,
                u.written,
                LAYERS[low].0,
                LAYERS[high].0,
            ));
        }
    }
    problems
}

/// Edges between the children of one module: child -> child -> where.
type Edges = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Circles between top-level modules and between the submodules of any one
/// module. In each group of siblings that reach each other, the shortest
/// circle through each member is reported once, with where each of its
/// edges is written.
fn circles(uses: &[Use]) -> Vec<String> {
    let mut graphs: BTreeMap<Vec<String>, Edges> = BTreeMap::new();
    for u in uses.iter().filter(|u| !u.test) {
        let common = u.from.iter().zip(&u.to).take_while(|(a, b)| a == b).count();
        if common == u.from.len() || common == u.to.len() {
            continue; // within a module, or between a module and its parent
        }
        graphs
            .entry(u.from[..common].to_vec())
            .or_default()
            .entry(u.from[common].clone())
            .or_default()
            .entry(u.to[common].clone())
            .or_default()
            .push(format!(
                "{}:{}: {} -> {} ({})",
                u.file.display(),
                u.line,
                u.from.join("::"),
                u.to.join("::"),
                u.written
            ));
    }
    let mut problems = Vec::new();
    for (parent, edges) in &graphs {
        let name = |child: &String| {
            let mut p = parent.clone();
            p.push(child.clone());
            p.join("::")
        };
        let mut cycles = BTreeSet::new();
        for group in strongly_connected(edges) {
            for start in &group {
                cycles.insert(shortest_cycle(edges, &group, start));
            }
        }
        let mut cycles: Vec<Vec<String>> = cycles.into_iter().collect();
        cycles.sort_by_key(|c| c.len());
        for cycle in cycles {
            let mut names: Vec<String> = cycle.iter().map(name).collect();
            names.push(name(&cycle[0]));
            let mut lines = vec![format!("circle {}:", names.join(" -> "))];
            for (n, a) in cycle.iter().enumerate() {
                let b = &cycle[(n + 1) % cycle.len()];
                let wheres = &edges[a][b];
                lines.extend(wheres.iter().take(3).map(|w| format!("    {w}")));
                if wheres.len() > 3 {
                    lines.push(format!(
                        "    … and {} more from {} to {}",
                        wheres.len() - 3,
                        name(a),
                        name(b)
                    ));
                }
            }
            problems.push(lines.join("\n"));
        }
    }
    problems
}

/// The shortest circle from `start` back to it inside `group` (breadth
/// first), rotated to begin at its smallest member so that each circle is
/// found once.
fn shortest_cycle(edges: &Edges, group: &BTreeSet<String>, start: &String) -> Vec<String> {
    let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in edges.get(v).into_iter().flat_map(|n| n.keys()) {
            if !group.contains(w) {
                continue;
            }
            if w == start {
                let mut cycle = vec![v.clone()];
                let mut at = v;
                while at != start {
                    at = came_from[at];
                    cycle.push(at.clone());
                }
                cycle.reverse();
                let min = (0..cycle.len()).min_by_key(|&i| &cycle[i]).unwrap();
                cycle.rotate_left(min);
                return cycle;
            }
            if w != start && !came_from.contains_key(w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    unreachable!("every member of a strongly connected group is on a circle")
}

/// The groups of two or more nodes that all reach each other (Tarjan).
fn strongly_connected(edges: &Edges) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        edges: &'a Edges,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        groups: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        for w in s.edges.get(v).into_iter().flat_map(|n| n.keys()) {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                group.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                s.groups.push(group);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        groups: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.groups
}

/// The module a path lands in: its longest prefix that is a module, followed
/// through that module's `pub use` re-exports.
fn target(
    path: &[String],
    known: &BTreeSet<Vec<String>>,
    reexports: &BTreeMap<(Vec<String>, String), Vec<String>>,
) -> Vec<String> {
    let mut path = path.to_vec();
    let mut hops = 0;
    loop {
        let len = (0..=path.len())
            .rev()
            .find(|&n| known.contains(&path[..n]))
            .unwrap_or(0);
        let real = path
            .get(len)
            .and_then(|item| reexports.get(&(path[..len].to_vec(), item.clone())));
        match real {
            Some(real) if hops < 16 => {
                let mut next = real.clone();
                next.extend_from_slice(&path[len + 1..]);
                path = next;
                hops += 1;
            }
            _ => {
                path.truncate(len);
                return path;
            }
        }
    }
}

/// A module that has a file of its own.
struct Module {
    path: Vec<String>,
    /// Declared under `#[cfg(test)]` (or inside such a module).
    test: bool,
}

/// Every `.rs` file reachable from `lib.rs` through `mod name;` declarations
/// (`#[path = "…"]` followed), and its module.
fn modules(src: &Path) -> BTreeMap<PathBuf, Module> {
    let mut found = BTreeMap::new();
    let mut todo = vec![(src.join("lib.rs"), Vec::<String>::new(), false)];
    while let Some((file, path, test)) = todo.pop() {
        let text = fs::read_to_string(&file).unwrap_or_default();
        let dir = file.parent().unwrap().to_path_buf();
        let children = match file.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs" | "mod.rs") => dir.clone(),
            _ => dir.join(file.file_stem().unwrap()),
        };
        let toks = tokens(&strip(&text));
        let mut attrs = Attrs::default();
        let mut depth = 0usize;
        for (i, t) in toks.iter().enumerate() {
            attrs.see(&toks[i..]);
            match t.text.as_str() {
                "{" => depth += 1,
                "}" => depth = depth.saturating_sub(1),
                "mod" if depth == 0 && toks.get(i + 2).is_some_and(|t| t.text == ";") => {
                    let name = &toks[i + 1].text;
                    let mut child = path.clone();
                    child.push(name.clone());
                    let child_file = match &attrs.path {
                        Some(p) => dir.join(p),
                        None if children.join(format!("{name}.rs")).exists() => {
                            children.join(format!("{name}.rs"))
                        }
                        None => children.join(name).join("mod.rs"),
                    };
                    todo.push((child_file, child, test || attrs.cfg_test));
                }
                _ => {}
            }
        }
        found.insert(file, Module { path, test });
    }
    found
}

/// The attributes before the next item: `#[cfg(test)]`, `#[path = "…"]`.
#[derive(Default)]
struct Attrs {
    cfg_test: bool,
    path: Option<String>,
    /// Seen `{`, `}` or `;` (the end of the item the attributes were on):
    /// they are cleared at the next token.
    spent: bool,
}

impl Attrs {
    fn see(&mut self, toks: &[Tok]) {
        if std::mem::take(&mut self.spent) {
            *self = Attrs::default();
        }
        let text = |n: usize| toks.get(n).map_or("", |t| t.text.as_str());
        match text(0) {
            "#" if (1..7).map(text).eq(["[", "cfg", "(", "test", ")", "]"]) => self.cfg_test = true,
            // The string of a #[path = "…"] is the one `strip` keeps.
            "#" if (1..4).map(text).eq(["[", "path", "="]) => {
                self.path = Some(text(4).trim_matches('"').to_string())
            }
            "{" | "}" | ";" => self.spent = true,
            _ => {}
        }
    }
}

/// A path as found in a file, made absolute.
struct Found {
    path: Vec<String>,
    written: String,
    line: usize,
    test: bool,
    /// For `pub use a::b::C as D;`, the name the module re-exports: `D`.
    reexported_as: Option<String>,
}

/// Every path of a file that starts with `crate`, `super` or `self`, or (in a
/// `use`) with the name of a child module.
fn paths(text: &str, module: &Module, known: &BTreeSet<Vec<String>>) -> Vec<Found> {
    let toks = tokens(&strip(text));
    let mut out = Vec::new();
    // Inline modules (`mod tests { … }`): what `super` means there, and
    // whether they are test-only. Name, depth outside, test-only.
    let mut inline: Vec<(String, usize, bool)> = Vec::new();
    let mut attrs = Attrs::default();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        attrs.see(&toks[i..]);
        let here: Vec<String> = module
            .path
            .iter()
            .chain(inline.iter().map(|(name, _, _)| name))
            .cloned()
            .collect();
        let test = module.test || inline.iter().any(|(_, _, test)| *test);
        let t = toks[i].text.as_str();
        match t {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d, _)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if toks.get(i + 2).is_some_and(|t| t.text == "{") => {
                inline.push((toks[i + 1].text.clone(), depth, attrs.cfg_test));
            }
            "use" => {
                let public = i > 0 && matches!(toks[i - 1].text.as_str(), "pub" | ")");
                let end = toks[i..]
                    .iter()
                    .position(|t| t.text == ";")
                    .map_or(toks.len(), |n| i + n);
                let mut leaves = Vec::new();
                use_tree(&toks[i + 1..end], &[], &mut leaves);
                for (segments, alias, line) in leaves {
                    let Some(path) = absolute(&segments, &here, known, true) else {
                        continue;
                    };
                    let last = segments.last().cloned().unwrap_or_default();
                    out.push(Found {
                        path: path.into_iter().filter(|s| s != "*").collect(),
                        written: segments.join("::"),
                        line,
                        test,
                        reexported_as: (public && last != "*" && last != "self")
                            .then(|| alias.unwrap_or(last)),
                    });
                }
                i = end;
                continue;
            }
            "crate" | "super" | "self"
                if toks.get(i + 1).is_some_and(|t| t.text == "::")
                    && (i == 0 || toks[i - 1].text != "::") =>
            {
                let mut segments = vec![t.to_string()];
                let mut j = i + 1;
                while toks.get(j).is_some_and(|t| t.text == "::")
                    && toks.get(j + 1).is_some_and(|t| is_ident(&t.text))
                {
                    segments.push(toks[j + 1].text.clone());
                    j += 2;
                }
                if let Some(path) = absolute(&segments, &here, known, false) {
                    out.push(Found {
                        path,
                        written: segments.join("::"),
                        line: toks[i].line,
                        test,
                        reexported_as: None,
                    });
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A leaf of a use tree: its segments, its `as` name, its line.
type Leaf = (Vec<String>, Option<String>, usize);

/// The leaves of a use tree: `a::{b, c::{d as e, *}}` gives `a::b`, `a::c::d`
/// (as `e`) and `a::c::*`, each with the line it is written on.
fn use_tree(toks: &[Tok], prefix: &[String], out: &mut Vec<Leaf>) {
    let mut segments = prefix.to_vec();
    let mut alias = None;
    let mut line = 0;
    let mut open = false; // a leaf is being read
    let mut i = 0;
    while i < toks.len() {
        match toks[i].text.as_str() {
            "{" => {
                let close = matching(toks, i);
                use_tree(&toks[i + 1..close], &segments, out);
                open = false;
                i = close;
            }
            "," => {
                if open {
                    out.push((segments.clone(), alias.take(), line));
                }
                segments = prefix.to_vec();
                open = false;
            }
            "as" => {
                alias = toks.get(i + 1).map(|t| t.text.clone());
                i += 1;
            }
            t if is_ident(t) || t == "*" => {
                if !open {
                    line = toks[i].line;
                    open = true;
                }
                segments.push(t.to_string());
            }
            _ => {}
        }
        i += 1;
    }
    if open {
        out.push((segments, alias, line));
    }
}

/// The index of the `}` that closes the `{` at `open`.
fn matching(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0;
    for (n, t) in toks.iter().enumerate().skip(open) {
        match t.text.as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if depth == 0 {
                    return n;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// `crate::a::b` from anywhere, `super::x` and `self::x` from `here`, and in
/// a `use` a first segment that names a child module of `here`. Anything else
/// (external crates, std, local items) gives `None`.
fn absolute(
    segments: &[String],
    here: &[String],
    known: &BTreeSet<Vec<String>>,
    in_use: bool,
) -> Option<Vec<String>> {
    let mut base = here.to_vec();
    let mut rest = segments;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        Some(first) if in_use => {
            let mut child = here.to_vec();
            child.push(first.to_string());
            if !known.contains(&child) {
                return None;
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(base)
}

fn is_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

struct Tok {
    text: String,
    line: usize,
}

/// Identifiers, `::`, strings (all emptied by `strip` but a `#[path]`'s) and
/// single punctuation characters, each with its 1-based line.
fn tokens(code: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let start = i;
            if c.is_alphanumeric() || c == '_' {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            } else if c == '"' {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += 1;
                }
                i = (i + 1).min(chars.len());
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                i += 2;
            } else {
                i += 1;
                if c.is_whitespace() {
                    continue;
                }
            }
            out.push(Tok {
                text: chars[start..i].iter().collect(),
                line: n + 1,
            });
        }
    }
    out
}

/// The code without comments, with string and character literals emptied
/// (so that braces and `crate::` inside them do not count), and with every
/// line break kept so that lines still match the file. The string of a
/// `#[path = "…"]` attribute is kept.
fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '/' if at(i + 1) == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == Some('*') => {
                // Block comments nest.
                let mut depth = 0;
                while i < chars.len() {
                    if chars[i] == '/' && at(i + 1) == Some('*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && at(i + 1) == Some('/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if chars[i] == '\n' {
                            out.push('\n');
                        }
                        i += 1;
                    }
                }
            }
            '"' => {
                let keep = out.trim_end().ends_with("path =") || out.trim_end().ends_with("path=");
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i = (i + 1).min(chars.len());
                let literal: String = chars[start..i].iter().collect();
                if keep {
                    out.push_str(&literal);
                } else {
                    out.push_str("\"\"");
                    out.extend(literal.chars().filter(|&c| c == '\n'));
                }
            }
            // r"…", r#"…"#, br"…"
            'r' if matches!(at(i + 1), Some('#' | '"'))
                && (!ident(i.checked_sub(1).and_then(at))
                    || (i.checked_sub(1).and_then(at) == Some('b')
                        && !ident(i.checked_sub(2).and_then(at)))) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while at(j) == Some('#') {
                    hashes += 1;
                    j += 1;
                }
                if at(j) != Some('"') {
                    // r#ident, a raw identifier
                    out.push(c);
                    i += 1;
                    continue;
                }
                j += 1;
                while j < chars.len() {
                    if chars[j] == '"' && (1..=hashes).all(|h| at(j + h) == Some('#')) {
                        j += 1 + hashes;
                        break;
                    }
                    if chars[j] == '\n' {
                        out.push('\n');
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            // A character literal ('x', '\n', '\u{1b}', '"') or a lifetime ('a).
            '\'' if at(i + 1) == Some('\\') => {
                let mut j = i + 3;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                out.push_str("' '");
                i = j + 1;
            }
            '\'' if at(i + 2) == Some('\'') => {
                out.push_str("' '");
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}
