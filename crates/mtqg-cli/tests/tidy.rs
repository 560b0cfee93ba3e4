//! Tidy checks: the crate dependency rules of ARCHITECTURE.md and the `//!` line every source file opens with.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// The `[dependencies]` table of a crate's Cargo.toml, as names.
fn dependencies(krate: &str) -> Vec<String> {
    let text = std::fs::read_to_string(
        workspace_root()
            .join("crates")
            .join(krate)
            .join("Cargo.toml"),
    )
    .expect("manifest is readable");
    let mut in_deps = false;
    let mut res = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps {
            if let Some((name, _)) = line.split_once(['=', '.']) {
                if !name.trim().is_empty() {
                    res.push(name.trim().to_owned());
                }
            }
        }
    }
    res
}

fn assert_lacks(krate: &str, forbidden: &[&str]) {
    let deps = dependencies(krate);
    for name in forbidden {
        assert!(
            !deps.iter().any(|dep| dep == name),
            "{krate} must not depend on {name} (see ARCHITECTURE.md)"
        );
    }
}

#[test]
fn the_core_crate_does_no_io_and_depends_on_no_crate_of_ours() {
    let deps = dependencies("mtqg-core");
    assert!(!deps.is_empty());
    assert!(deps.iter().all(|dep| !dep.starts_with("mtqg-")), "{deps:?}");
    assert_lacks(
        "mtqg-core",
        &[
            "sqlx",
            "tokio",
            "axum",
            "calamine",
            "rust_xlsxwriter",
            "csv",
            "serde_json",
            "minijinja",
        ],
    );
}

#[test]
fn dependencies_point_inward() {
    assert_lacks(
        "mtqg-xlsx",
        &["mtqg-store", "mtqg-service", "mtqg-web", "sqlx", "axum"],
    );
    assert_lacks(
        "mtqg-store",
        &["mtqg-xlsx", "mtqg-service", "mtqg-web", "axum", "minijinja"],
    );
    assert_lacks(
        "mtqg-docx",
        &[
            "mtqg-store",
            "mtqg-service",
            "mtqg-web",
            "mtqg-xlsx",
            "sqlx",
            "axum",
        ],
    );
    assert_lacks("mtqg-service", &["mtqg-web", "axum", "minijinja", "sqlx"]);
    assert_lacks("mtqg-web", &["sqlx", "calamine", "rust_xlsxwriter"]);
}

#[test]
fn every_rust_file_opens_with_a_line_saying_what_it_owns() {
    let mut missing = Vec::new();
    let mut stack = vec![workspace_root().join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("directory is readable") {
            let path = entry.expect("entry is readable").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).expect("file is readable");
                if !text.starts_with("//!") {
                    missing.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "files without a //! opening line: {missing:?}"
    );
}
