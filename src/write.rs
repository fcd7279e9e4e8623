//! Write: the output tree. A build writes into a staging folder beside the output, then swaps it
//! in, so a failed build leaves the previous site exactly as it was. A file whose bytes did not
//! change is hard-linked from the previous output instead of rewritten (its inode and mtime stay).
//!
//! Invariant: nothing is written outside the staging folder; every relative path is checked.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

use crate::diag::Diagnostic;

/// Marks a folder as Gazette output, so a build never replaces a folder it did not make.
pub const MARKER: &str = ".gazette-build";

pub struct Staging {
    output: PathBuf,
    staging: PathBuf,
    pub written: AtomicUsize,
    pub unchanged: AtomicUsize,
}

impl Staging {
    /// Prepares `.NAME.gazette-new` beside `output`. Refuses an output folder that holds files but
    /// is not a previous Gazette output.
    pub fn begin(output: &Path) -> Result<Self> {
        let name = output.file_name().with_context(|| format!("output {} has no folder name", output.display()))?;
        let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if output.exists() {
            let non_empty =
                fs::read_dir(output).with_context(|| format!("reading {}", output.display()))?.next().is_some();
            if non_empty && !output.join(MARKER).exists() {
                bail!(
                    "refusing to replace {}: it is not empty and was not written by gazette (no {MARKER} file)",
                    output.display()
                );
            }
        }
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        let staging = parent.join(format!(".{}.gazette-new", name.to_string_lossy()));
        if staging.exists() {
            fs::remove_dir_all(&staging).with_context(|| format!("removing the leftover {}", staging.display()))?;
        }
        fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
        fs::write(staging.join(MARKER), MARKER_TEXT).with_context(|| format!("writing into {}", staging.display()))?;
        Ok(Staging {
            output: output.to_path_buf(),
            staging,
            written: AtomicUsize::new(0),
            unchanged: AtomicUsize::new(0),
        })
    }

    /// Puts one file at `rel` (a `/`-separated path under the output).
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let rel_path = safe_rel(rel).map_err(|m| Diagnostic::new(Path::new(rel), 1, 1, m))?;
        let dest = self.staging.join(&rel_path);
        let fail = |e: std::io::Error, what: &str| Diagnostic::new(&dest, 1, 1, format!("{what}: {e}"));
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir).map_err(|e| fail(e, "creating folder"))?;
        }
        let old = self.output.join(&rel_path);
        if same_bytes(&old, bytes) && fs::hard_link(&old, &dest).is_ok() {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        fs::write(&dest, bytes).map_err(|e| fail(e, "writing"))?;
        self.written.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Copies a static file to `rel`.
    pub fn copy(&self, rel: &str, from: &Path) -> Result<(), Diagnostic> {
        let bytes = fs::read(from).map_err(|e| Diagnostic::new(from, 1, 1, format!("reading: {e}")))?;
        self.put(rel, &bytes)
    }

    /// Swaps the staging folder in as the output and removes the previous output.
    pub fn commit(self) -> Result<()> {
        let old = self
            .staging
            .with_file_name(format!(".{}.gazette-old", self.output.file_name().unwrap_or_default().to_string_lossy()));
        if old.exists() {
            fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
        }
        if self.output.exists() {
            fs::rename(&self.output, &old).with_context(|| format!("moving {} aside", self.output.display()))?;
        }
        fs::rename(&self.staging, &self.output)
            .with_context(|| format!("moving the new site into {}", self.output.display()))?;
        if old.exists() {
            fs::remove_dir_all(&old).with_context(|| format!("removing the previous site {}", old.display()))?;
        }
        Ok(())
    }

    /// Drops the staging folder, leaving the output as it was.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.staging);
    }
}

/// A relative output path made only of normal components.
pub fn safe_rel(rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if rel.is_empty() || rel.contains('\0') || rel.contains('\\') {
        return Err(format!("unsafe output path {rel:?}"));
    }
    if p.components().all(|c| matches!(c, Component::Normal(_))) {
        Ok(p.to_path_buf())
    } else {
        Err(format!("output path {rel:?} leaves the output folder"))
    }
}

fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    if meta.len() != bytes.len() as u64 || !meta.is_file() {
        return false;
    }
    let mut buf = Vec::with_capacity(bytes.len());
    fs::File::open(path).and_then(|mut f| f.read_to_end(&mut buf)).is_ok() && buf == bytes
}

/// Writes one file under `root` in place for an incremental rebuild: into a temporary file beside
/// it, then renamed over the old one, so a reader never sees half a file.
pub fn put_atomic(root: &Path, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    let rel_path = safe_rel(rel).map_err(|m| Diagnostic::new(Path::new(rel), 1, 1, m))?;
    let dest = root.join(&rel_path);
    let fail = |e: std::io::Error, what: &str| Diagnostic::new(&dest, 1, 1, format!("{what}: {e}"));
    if let Some(dir) = dest.parent() {
        fs::create_dir_all(dir).map_err(|e| fail(e, "creating folder"))?;
    }
    let tmp = dest.with_file_name(format!(".{}.gazette-tmp", dest.file_name().unwrap_or_default().to_string_lossy()));
    fs::write(&tmp, bytes).map_err(|e| fail(e, "writing"))?;
    fs::rename(&tmp, &dest).map_err(|e| fail(e, "replacing"))
}

/// Removes one file under `root` and the folders it leaves empty.
pub fn remove(root: &Path, rel: &str) -> Result<(), Diagnostic> {
    let rel_path = safe_rel(rel).map_err(|m| Diagnostic::new(Path::new(rel), 1, 1, m))?;
    let path = root.join(&rel_path);
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Diagnostic::new(&path, 1, 1, format!("removing: {e}"))),
    }
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != root) {
        if fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

/// Creates `dir` for direct writes, refusing a non-empty folder gazette did not write.
pub fn claim_dir(dir: &Path) -> Result<()> {
    if dir.exists() && fs::read_dir(dir)?.next().is_some() && !dir.join(MARKER).exists() {
        bail!(
            "refusing to write into {}: it is not empty and was not written by gazette (no {MARKER} file)",
            dir.display()
        );
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    fs::write(dir.join(MARKER), MARKER_TEXT).with_context(|| format!("writing into {}", dir.display()))
}

const MARKER_TEXT: &str = "This folder was written by gazette build; it is replaced on each build.\n";

#[cfg(test)]
mod tests {
    use super::safe_rel;

    #[test]
    fn safe_rel_table() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a\\..\\b", "a\0b", "./x/../.."] {
            assert!(safe_rel(bad).is_err(), "{bad:?}");
        }
        for good in ["index.html", "politics/2024/05/01/x/index.html", "정치/index.html"] {
            assert!(safe_rel(good).is_ok(), "{good:?}");
        }
    }
}
