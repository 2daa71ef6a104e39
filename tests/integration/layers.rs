//! The library's imports flow one way: each top-level module may use only the
//! modules on the layers below it (see the Layout in `src/lib.rs`). Read from
//! the sources' own `crate::` paths, test modules excluded, so that a new
//! import against the flow, or a loop, fails here and names the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom first; a module may import those on earlier lines (and its own).
const LAYERS: &[&[&str]] = &[
    &["selector", "auth", "telemetry"],
    &["source"],
    &["ops"],
    &["detect"],
    &["cache"],
    &["plugin"],
    &["filter"],
    &["hub"],
    &["app"],
    &["api"],
    &["sim"],
    &["config"],
    &["server"],
];

fn layer_of(module: &str) -> usize {
    LAYERS.iter().position(|layer| layer.contains(&module)).unwrap_or_else(|| panic!("module {module} has no layer"))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names through `crate::`, outside its tests.
fn imports(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            group.split('}').next().unwrap_or_default().split(',').collect()
        } else {
            vec![rest]
        };
        for name in names {
            let module: String = name.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !module.is_empty() && module.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                found.insert(module);
            }
        }
    }
    found
}

#[test]
fn library_imports_flow_down_the_layers_and_never_in_a_loop() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut against_the_flow = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top =
            relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_owned();
        // The binary and its tools sit above the library.
        if matches!(top.as_str(), "main" | "lib" | "load" | "trial") {
            continue;
        }
        for imported in imports(&std::fs::read_to_string(&file).unwrap()) {
            if imported == top {
                continue;
            }
            if layer_of(&imported) >= layer_of(&top) {
                against_the_flow.push(format!("{} imports crate::{imported}", relative.display()));
            }
            edges.entry(top.clone()).or_default().insert(imported);
        }
    }
    assert!(edges.get("app").is_some_and(|used| used.contains("hub") && used.contains("filter")), "{edges:?}");
    assert!(against_the_flow.is_empty(), "imports against the flow:\n{}", against_the_flow.join("\n"));
    assert!(edges.get("hub").is_none_or(|used| !used.contains("plugin")), "the hub knows nothing of plugins");
    assert!(
        ["source", "detect", "cache", "plugin", "filter", "hub", "app", "api"]
            .iter()
            .all(|module| edges.get(*module).is_none_or(|used| !used.contains("sim"))),
        "no production module imports the simulator: {edges:?}"
    );
}

#[test]
fn the_import_reader_sees_paths_groups_and_skips_tests() {
    let text = "use crate::cache::Snapshot;\nuse crate::{auth, hub::Hub};\nfn f() { crate::selector::x(); }\n\
                #[cfg(test)]\nmod tests {\n    use crate::sim;\n}\n";
    let expected: BTreeSet<String> = ["auth", "cache", "hub", "selector"].iter().map(|s| s.to_string()).collect();
    assert_eq!(imports(text), expected);
}
