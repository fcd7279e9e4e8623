//! Build script: `GAZETTE_BUILD_ID`, a hash of everything this binary's parsers and tokeniser are
//! made from (the sources under `src/`, `Cargo.lock` and the compiler's version). The build state
//! (`src/state.rs`) is trusted only by a binary with the same id: the crate version alone stays
//! `0.1.0` across every commit, and a parse kept by other code must not be reused.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("src"), &mut files);
    files.sort();
    files.push(root.join("Cargo.lock"));
    let mut h = DefaultHasher::new();
    for path in &files {
        path.strip_prefix(&root).unwrap_or(path).hash(&mut h);
        std::fs::read(path).ok().hash(&mut h);
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = std::process::Command::new(rustc).arg("-vV").output().map(|o| o.stdout).unwrap_or_default();
    version.hash(&mut h);
    println!("cargo:rustc-env=GAZETTE_BUILD_ID={:016x}", h.finish());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
