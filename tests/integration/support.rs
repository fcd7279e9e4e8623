//! Helpers: run the binary, make throwaway sites, read output files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn gazette() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gazette"))
}

/// Runs `gazette build SITE` with extra args; returns the process output.
pub fn build(site: &Path, args: &[&str]) -> Output {
    gazette().arg("build").arg(site).args(args).output().expect("running gazette")
}

/// A temporary site folder; files are added with [`Site::file`].
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn new() -> Self {
        Site { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// Copies a fixture site from `tests/fixtures/NAME`.
    pub fn fixture(name: &str) -> Self {
        let site = Site::new();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        copy_dir(&src, site.path());
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str, text: impl AsRef<[u8]>) -> &Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn out(&self) -> PathBuf {
        self.path().join("public")
    }

    /// Reads an output file as text.
    pub fn read(&self, rel: &str) -> String {
        let p = self.out().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
    }

    pub fn build(&self, args: &[&str]) -> Output {
        build(self.path(), args)
    }

    /// Builds and asserts success; returns stdout + stderr.
    pub fn build_ok(&self, args: &[&str]) -> String {
        let out = self.build(args);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "build failed:\n{text}");
        text
    }

    /// Builds and asserts failure with exit code 1; returns stderr.
    pub fn build_err(&self, args: &[&str]) -> String {
        let out = self.build(args);
        let text = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "expected exit 1, got {:?}\nstdout: {}\nstderr: {text}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout)
        );
        text
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, sorted by path.
pub fn snapshot_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().to_string(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

/// The seed story of `../shared/seed/`, when it exists.
pub fn seed_story() -> Option<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/000_223e6dcc73290e3f.txt");
    std::fs::read_to_string(p).ok()
}
