//! Write: the output tree. A build writes into a staging folder beside the output, then swaps it
//! in, so a failed build leaves the previous site exactly as it was. A file whose bytes did not
//! change is carried over (the staged copy kept, or hard-linked from the current output) instead of
//! rewritten: its inode and mtime stay.
//!
//! Invariant: nothing is written outside the staging folder; every relative path is checked.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

use crate::diag::Diagnostic;

/// Marks a folder as Gazette output, so a build never replaces a folder it did not make. It also
/// holds the build cache: the digest of what each file of the folder was made from.
pub const MARKER: &str = ".gazette-build";

/// The next output, prepared beside the current one and swapped in by [`Staging::commit`].
///
/// The previous output is kept as `.NAME.gazette-old` after a swap. The next build starts from it
/// (its cache says what each of its files is), replaces only the files whose digest differs and
/// removes the ones no longer made, so a build that changes one story touches a handful of files,
/// not the whole tree, and the swap stays atomic: readers see the old site or the new one.
pub struct Staging {
    output: PathBuf,
    staging: PathBuf,
    old: PathBuf,
    /// What the staging folder holds now (empty for a fresh one).
    staged: BTreeMap<String, u64>,
    /// What the current output holds.
    current: BTreeMap<String, u64>,
    pub written: AtomicUsize,
    pub unchanged: AtomicUsize,
}

impl Staging {
    /// Prepares `.NAME.gazette-new` beside `output`: the previous output when it is intact, else an
    /// empty folder. Refuses an output folder that holds files but was not written by gazette.
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
        let name = name.to_string_lossy();
        let staging = parent.join(format!(".{name}.gazette-new"));
        let old = parent.join(format!(".{name}.gazette-old"));
        if staging.exists() {
            // A build that died half-way: its files are not trusted.
            fs::remove_dir_all(&staging).with_context(|| format!("removing the leftover {}", staging.display()))?;
        }
        let staged = match read_cache(&old) {
            Some(cache) if fs::rename(&old, &staging).is_ok() => cache,
            _ => {
                if old.exists() {
                    fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
                }
                fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
                mark_top_of_tree(&staging);
                BTreeMap::new()
            }
        };
        // Until the commit writes the new cache, the staging folder's cache is not trusted.
        fs::write(staging.join(MARKER), MARKER_TEXT).with_context(|| format!("writing into {}", staging.display()))?;
        Ok(Staging {
            current: read_cache(output).unwrap_or_default(),
            output: output.to_path_buf(),
            staging,
            old,
            staged,
            written: AtomicUsize::new(0),
            unchanged: AtomicUsize::new(0),
        })
    }

    /// Creates the top-level folders of the output (`top`: the first components of the paths about
    /// to be written) that staging lacks. Each is made under a name unique to this build and then
    /// renamed: ext4 places a top-level folder in a block group picked from a hash of its name, so
    /// fixed names would put every build in the groups the previous one just freed (see
    /// [`mark_top_of_tree`]). Where a folder goes on disk changes nothing in the output.
    pub fn make_top_folders<'s>(&self, top: impl IntoIterator<Item = &'s str>) -> Result<()> {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() ^ d.as_secs() as u32)
            ^ std::process::id();
        for name in top {
            let dest = self.staging.join(name);
            if dest.exists() {
                continue;
            }
            let tmp = self.staging.join(format!(".{name}.{nonce:08x}.gazette-tmp"));
            fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
            if fs::rename(&tmp, &dest).is_err() {
                let _ = fs::remove_dir(&tmp);
            }
        }
        Ok(())
    }

    /// Makes sure the staging folder holds the file made from `digest` at `rel` without rendering
    /// it: it is already there, or the current output has it (hard-linked over). False when the
    /// caller must render it.
    pub fn keep(&self, rel: &str, digest: u64) -> bool {
        if self.staged.get(rel) == Some(&digest) {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        if self.current.get(rel) != Some(&digest) {
            return false;
        }
        let Ok(rel_path) = safe_rel(rel) else { return false };
        let kept = self.replace_with(&rel_path, |tmp| fs::hard_link(self.output.join(&rel_path), tmp)).is_ok();
        if kept {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
        }
        kept
    }

    /// Like [`Staging::keep`] for a static file, whose cache entry is `static:PATH`.
    pub fn keep_static(&self, rel: &str, digest: u64) -> bool {
        let key = format!("static:{rel}");
        if self.staged.get(&key) == Some(&digest) {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        false
    }

    /// Puts one file at `rel` (a `/`-separated path under the output). Bytes equal to the current
    /// output's file are hard-linked rather than written.
    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let rel_path = safe_rel(rel).map_err(|m| Diagnostic::new(Path::new(rel), 1, 1, m))?;
        let current = self.output.join(&rel_path);
        if same_bytes(&current, bytes) && self.replace_with(&rel_path, |tmp| fs::hard_link(&current, tmp)).is_ok() {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        self.create_or_replace(&rel_path, bytes)
            .map_err(|e| Diagnostic::new(&self.staging.join(&rel_path), 1, 1, format!("writing: {e}")))?;
        self.written.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Writes a new file at `rel_path` in staging: created in place when nothing is there yet (a
    /// fresh staging folder, a new page), which saves a rename per file; otherwise through
    /// [`Staging::replace_with`], since what is there may be shared with the live output.
    fn create_or_replace(&self, rel_path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        let dest = self.staging.join(rel_path);
        let create = || fs::OpenOptions::new().write(true).create_new(true).open(&dest);
        let file = match create() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = dest.parent() {
                    fs::create_dir_all(dir)?;
                }
                create()
            }
            other => other,
        };
        match file {
            Ok(mut f) => f.write_all(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                self.replace_with(rel_path, |tmp| fs::write(tmp, bytes))
            }
            Err(e) => Err(e),
        }
    }

    /// Creates the file at `rel_path` in staging through `make(temporary path)`, then renames it
    /// into place, so a file shared (hard-linked) with the current output is never modified.
    fn replace_with(&self, rel_path: &Path, make: impl FnOnce(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
        let dest = self.staging.join(rel_path);
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir)?;
        }
        let tmp =
            dest.with_file_name(format!(".{}.gazette-tmp", dest.file_name().unwrap_or_default().to_string_lossy()));
        let _ = fs::remove_file(&tmp);
        make(&tmp)?;
        fs::rename(&tmp, &dest)?;
        // rename(2) does nothing when both names are links to one file: drop the spare name.
        match fs::remove_file(&tmp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes staged files that the new build does not make (`made` holds every file it makes).
    pub fn prune(&self, made: &BTreeMap<String, u64>) -> Result<(), Diagnostic> {
        for rel in self.staged.keys().filter(|k| !made.contains_key(*k)) {
            let rel = rel.strip_prefix("static:").unwrap_or(rel);
            if !made.contains_key(rel) && !made.contains_key(&format!("static:{rel}")) {
                remove(&self.staging, rel)?;
            }
        }
        Ok(())
    }

    /// Records the build cache, then swaps the staging folder in as the output; the previous
    /// output becomes `.NAME.gazette-old`, the starting point of the next build.
    pub fn commit(self, cache: &BTreeMap<String, u64>) -> Result<()> {
        fs::write(self.staging.join(MARKER), marker_text(cache))
            .with_context(|| format!("writing into {}", self.staging.display()))?;
        if self.old.exists() {
            fs::remove_dir_all(&self.old).with_context(|| format!("removing {}", self.old.display()))?;
        }
        if self.output.exists() && exchange(&self.staging, &self.output).is_ok() {
            // One atomic step: the output path always holds a whole site, old or new.
            fs::rename(&self.staging, &self.old)
                .with_context(|| format!("moving the previous site to {}", self.old.display()))?;
            return Ok(());
        }
        if self.output.exists() {
            fs::rename(&self.output, &self.old).with_context(|| format!("moving {} aside", self.output.display()))?;
        }
        fs::rename(&self.staging, &self.output)
            .with_context(|| format!("moving the new site into {}", self.output.display()))?;
        Ok(())
    }

    /// Drops the staging folder, leaving the output as it was.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.staging);
    }
}

/// Tells the file system that `dir` is the top of a tree (ext4's `FS_TOPDIR_FL`, what `chattr +T`
/// sets), so its sub-folders are spread over the disk like top-level folders instead of being
/// packed into the block group of their parent. On ext4 without a journal, inodes freed in the last
/// seconds are skipped one by one on every allocation in their group, and a site written right
/// after the previous one was deleted spends most of its time in that scan; spreading avoids those
/// groups. A hint only: where the flag is not supported, nothing happens.
fn mark_top_of_tree(dir: &Path) {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{IFlags, ioctl_getflags, ioctl_setflags};
        if let Ok(f) = fs::File::open(dir)
            && let Ok(flags) = ioctl_getflags(&f)
        {
            let _ = ioctl_setflags(&f, flags | IFlags::TOPDIR);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
}

/// Swaps two folders in one step (Linux `renameat2(RENAME_EXCHANGE)`); an error where the system or
/// file system cannot, and the caller falls back to two renames.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
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

/// The marker file's text: a line saying what the folder is, then the build cache, one
/// `DIGEST PATH` line per output file.
pub fn marker_text<'a>(cache: impl IntoIterator<Item = (&'a String, &'a u64)>) -> String {
    let mut text = String::from(MARKER_TEXT);
    for (path, digest) in cache {
        text.push_str(&format!("{digest:016x} {path}\n"));
    }
    text
}

/// The build cache of a previous output: output file → digest of what it was made from. `None`
/// when there is no readable cache (then everything is rendered).
pub fn read_cache(output: &Path) -> Option<BTreeMap<String, u64>> {
    let text = fs::read_to_string(output.join(MARKER)).ok()?;
    let mut lines = text.lines();
    if lines.next()? != MARKER_TEXT.trim_end() {
        return None;
    }
    lines
        .map(|l| l.split_once(' ').and_then(|(d, p)| Some((p.to_string(), u64::from_str_radix(d, 16).ok()?))))
        .collect()
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
