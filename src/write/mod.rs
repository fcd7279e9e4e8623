//! Write: where a build's files go, through a [`Sink`]. [`Staging`] (`gazette build`) writes a
//! new output beside the current one and swaps it in, so a failed build leaves the previous site
//! exactly as it was; [`InPlace`] (`gazette serve`) replaces files one by one in the folder it
//! serves; [`Discard`] (`gazette check`) keeps nothing. A file the build cache ([`cache`]) says is
//! made from the same inputs, and which is still on disk as recorded, is carried over (kept, or
//! hard-linked from the current output) instead of rendered; one that is missing or altered is
//! made again and counted as repaired.
//!
//! Invariant: nothing is written outside the output (or staging) folder; every relative path is
//! checked.

pub mod cache;

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};

use crate::diag::Diagnostic;
use cache::{MARKER_TEXT, Record, Records};

/// Marks a folder as Gazette output, so a build never replaces a folder it did not make. It also
/// holds the build cache ([`cache`]).
pub const MARKER: &str = ".gazette-build";

/// What a sink already holds of one planned file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The file made from this digest is in place and intact: nothing to do.
    Unchanged,
    /// It is in place now, in place of a missing or altered output file (a good copy was kept).
    Repaired,
    /// It must be made: new, or made from other inputs.
    Make,
    /// It must be made again: the output's copy, made from these inputs, is missing or altered.
    Remake,
}

/// How a file was put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Written,
    /// Its bytes equal the current output's file, which was linked instead.
    Same,
}

/// Where the render loop puts files.
pub trait Sink: Sync {
    /// What the sink holds of the file made from `digest` at `rel`; keeps it when it can.
    fn hold(&self, rel: &str, digest: u64) -> Held;
    /// Puts rendered bytes at `rel`.
    fn put(&self, rel: &str, digest: u64, bytes: &[u8]) -> Result<Put, Diagnostic>;
    /// Copies the file `from` to `rel`, without reading it into memory.
    fn copy(&self, rel: &str, digest: u64, from: &Path) -> Result<Put, Diagnostic>;
}

/// Records of the files a sink holds after this build, filled from every thread.
#[derive(Default)]
struct Made(Mutex<Vec<(String, Record)>>);

impl Made {
    /// Records the file now at `rel` under `root` as made from `digest`.
    fn record(&self, root: &Path, rel: &str, digest: u64) -> Result<(), Diagnostic> {
        let path = root.join(rel);
        let record =
            Record::of(&path, digest).map_err(|e| Diagnostic::new(&path, 1, 1, format!("reading it back: {e}")))?;
        self.add(rel, record);
        Ok(())
    }

    fn add(&self, rel: &str, record: Record) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push((rel.to_string(), record));
    }

    fn take(&self) -> Records {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner())).into_iter().collect()
    }
}

/// Whether the folder `output` holds, intact, exactly the files of `wanted` (path → digest), as
/// its cache (`current`, what [`cache::read`] found there) says: then a build has nothing to do.
pub fn up_to_date<'a>(
    output: &Path,
    current: &cache::Read,
    wanted: impl ExactSizeIterator<Item = (&'a str, u64)>,
) -> bool {
    let cache::Read::Found(records) = current else { return false };
    records.len() == wanted.len()
        && wanted
            .into_iter()
            .all(|(rel, digest)| records.get(rel).is_some_and(|r| r.digest == digest && r.intact(&output.join(rel))))
}

/// xxh3 of the output's build cache file, if it has one.
pub fn cache_hash(output: &Path) -> Option<u64> {
    fs::read(output.join(MARKER)).ok().map(|b| xxhash_rust::xxh3::xxh3_64(&b))
}

/// Whether the output is as the build that left a cache file hashing `hash` ([`cache_hash`]) left
/// it: its cache file hashes the same, and every file the cache records is on disk as written
/// (stats each, in parallel). The cache file is read once.
pub fn left_as(output: &Path, hash: u64) -> bool {
    use rayon::prelude::*;
    let Ok(text) = fs::read_to_string(output.join(MARKER)) else { return false };
    if xxhash_rust::xxh3::xxh3_64(text.as_bytes()) != hash {
        return false;
    }
    let cache::Read::Found(records) = cache::parse(&text) else { return false };
    records.par_iter().all(|(rel, r)| r.intact(&output.join(rel)))
}

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
    staged: Records,
    /// What the current output holds.
    current: Records,
    made: Made,
    /// Paths whose file in the new output differs from the live one's (or is new there).
    changed: Mutex<Vec<String>>,
    /// Why the output's cache was not trusted, if it was not.
    pub discarded: Option<String>,
}

/// What a build changed in its output, for a CDN purge or an incremental upload: paths relative to
/// the output, sorted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changed {
    /// Files new in the output, or with other bytes than before (repaired ones too).
    pub written: Vec<String>,
    /// Files the output no longer has.
    pub removed: Vec<String>,
}

impl Staging {
    /// Prepares `.NAME.gazette-new` beside `output`, whose cache is `current` (what
    /// [`cache::read`] found there): the previous output when it is intact, else an empty folder.
    /// Refuses an output folder that holds files but was not written by gazette.
    pub fn begin(output: &Path, current: cache::Read) -> Result<Self> {
        output.file_name().with_context(|| format!("output {} has no folder name", output.display()))?;
        let parent = parent_of(output);
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
        let (staging, old) = (beside(output, "new"), beside(output, "old"));
        // A writer in place (`build --watch`, `serve`) killed half-way: its temporary files.
        clear_spare(output)?;
        if staging.exists() {
            // A build that died half-way: its files are not trusted.
            fs::remove_dir_all(&staging).with_context(|| format!("removing the leftover {}", staging.display()))?;
        }
        let (current, discarded) = match current {
            cache::Read::Found(r) => (r, None),
            cache::Read::Missing => (Records::new(), None),
            cache::Read::Discarded(why) => (Records::new(), Some(why)),
        };
        let staged = match cache::read(&old) {
            cache::Read::Found(cache) if fs::rename(&old, &staging).is_ok() => cache,
            _ => {
                if old.exists() {
                    fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
                }
                fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
                mark_top_of_tree(&staging);
                Records::new()
            }
        };
        // Until the commit writes the new cache, the staging folder's cache is not trusted.
        fs::write(staging.join(MARKER), MARKER_TEXT).with_context(|| format!("writing into {}", staging.display()))?;
        Ok(Staging {
            current,
            output: output.to_path_buf(),
            staging,
            old,
            staged,
            made: Made::default(),
            changed: Mutex::new(Vec::new()),
            discarded,
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

    /// Removes staged files that the new build does not make (`made` says whether it makes a path).
    pub fn prune(&self, made: impl Fn(&str) -> bool) -> Result<(), Diagnostic> {
        for rel in self.staged.keys().filter(|k| !made(k)) {
            remove(&self.staging, rel)?;
        }
        Ok(())
    }

    /// Whether the live output's cache says `rel` was made from `digest` (the disk not checked).
    pub fn recorded(&self, rel: &str, digest: u64) -> bool {
        self.current.get(rel).is_some_and(|r| r.digest == digest)
    }

    fn note_change(&self, rel: &str) {
        self.changed.lock().unwrap_or_else(|p| p.into_inner()).push(rel.to_string());
    }

    /// What this build changes in the live output, once every file is in staging: the files
    /// written (new or with other bytes, repaired ones included) and those no longer made
    /// (`made` says whether the build makes a path).
    pub fn changes(&self, made: impl Fn(&str) -> bool) -> Changed {
        let written = sorted(std::mem::take(&mut *self.changed.lock().unwrap_or_else(|p| p.into_inner())));
        let removed = self.current.keys().filter(|k| !made(k)).cloned().collect();
        Changed { written, removed }
    }

    /// Records the build cache, then swaps the staging folder in as the output; the previous
    /// output becomes `.NAME.gazette-old`, the starting point of the next build.
    pub fn commit(self) -> Result<()> {
        fs::write(self.staging.join(MARKER), cache::text(&self.made.take()))
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

impl Sink for Staging {
    /// Kept when staging already has the file intact, or the current output has it intact (then
    /// hard-linked over). A file the current output should hold but lost or had altered is
    /// repaired: from the intact staged copy, or made again.
    fn hold(&self, rel: &str, digest: u64) -> Held {
        let Ok(rel_path) = safe_rel(rel) else { return Held::Make };
        let current = self.current.get(rel).filter(|r| r.digest == digest);
        let current_ok = current.is_some_and(|r| r.intact(&self.output.join(&rel_path)));
        let damaged = current.is_some() && !current_ok;
        if let Some(r) = self.staged.get(rel).filter(|r| r.digest == digest)
            && r.intact(&self.staging.join(&rel_path))
        {
            self.made.add(rel, *r);
            if !current_ok && !same_content(&self.staging.join(&rel_path), &self.output.join(&rel_path)) {
                // The live output lacks this file, has it damaged, or has other bytes there.
                self.note_change(rel);
            }
            return if damaged { Held::Repaired } else { Held::Unchanged };
        }
        if let Some(record) = current.filter(|_| current_ok) {
            let live = self.output.join(&rel_path);
            // Where staging has no file there (a first rebuild after a full build, whose staging
            // folder starts empty), one link; else a link beside it renamed over it.
            if link_new(&live, &self.staging.join(&rel_path)).is_ok()
                || replace_with(&self.staging, &rel_path, |tmp| fs::hard_link(&live, tmp)).is_ok()
            {
                // One file under two names: the live file's record, checked just now, is its.
                self.made.add(rel, *record);
                return Held::Unchanged;
            }
        }
        if damaged { Held::Remake } else { Held::Make }
    }

    /// Bytes equal to the current output's file are hard-linked rather than written.
    fn put(&self, rel: &str, digest: u64, bytes: &[u8]) -> Result<Put, Diagnostic> {
        let rel_path = checked(rel)?;
        let current = self.output.join(&rel_path);
        if same_bytes(&current, bytes)
            && replace_with(&self.staging, &rel_path, |tmp| fs::hard_link(&current, tmp)).is_ok()
        {
            self.made.record(&self.staging, rel, digest)?;
            return Ok(Put::Same);
        }
        match create_or_replace(&self.staging, &rel_path, bytes)
            .map_err(|e| Diagnostic::new(&self.staging.join(&rel_path), 1, 1, format!("writing: {e}")))?
        {
            Some(meta) => self.made.add(rel, Record::from_meta(&meta, digest)),
            None => self.made.record(&self.staging, rel, digest)?,
        }
        self.note_change(rel);
        Ok(Put::Written)
    }

    fn copy(&self, rel: &str, digest: u64, from: &Path) -> Result<Put, Diagnostic> {
        copy_into(&self.staging, rel, from)?;
        self.made.record(&self.staging, rel, digest)?;
        self.note_change(rel);
        Ok(Put::Written)
    }
}

/// A folder written in place, file by file (what `serve` serves): each file is written beside its
/// place and renamed over it, so a reader never sees half a file; one whose bytes are already
/// there is left alone. Its cache is kept in memory between rebuilds; the marker claims the
/// folder ([`claim_dir`]) and holds the cache where the caller records it ([`save_records`]).
pub struct InPlace {
    root: PathBuf,
    records: Records,
    made: Made,
    /// Paths whose file this run wrote with new bytes (or copied).
    written: Mutex<Vec<String>>,
}

impl InPlace {
    /// The folder `root` (see [`claim_dir`]) as the last rebuild left it (`records`).
    pub fn new(root: &Path, records: Records) -> Self {
        InPlace { root: root.to_path_buf(), records, made: Made::default(), written: Mutex::new(Vec::new()) }
    }

    /// Removes the files no longer made (`made` says whether the build makes a path) and gives
    /// back the new records and what changed in the folder.
    pub fn finish(self, made: impl Fn(&str) -> bool) -> Result<(Records, Changed), Diagnostic> {
        let mut records = self.made.take();
        let mut removed = Vec::new();
        for (rel, r) in &self.records {
            if made(rel) {
                records.entry(rel.clone()).or_insert(*r);
            } else if !records.contains_key(rel) {
                remove(&self.root, rel)?;
                removed.push(rel.clone());
            }
        }
        Ok((records, Changed { written: sorted(into_inner(self.written)), removed }))
    }

    /// Whether the folder's record of `rel` is not of a file made from `digest` (it will be made).
    pub fn differs(&self, rel: &str, digest: u64) -> bool {
        self.records.get(rel).is_none_or(|r| r.digest != digest)
    }

    /// After a failed run, or a run over some entries of the plan the last one ran (nothing to
    /// remove): the records of what the folder holds now (the files written, and the old records
    /// of the others), and the files written.
    pub fn abandon(self) -> (Records, Changed) {
        let mut records = self.records;
        records.extend(self.made.take());
        (records, Changed { written: sorted(into_inner(self.written)), removed: Vec::new() })
    }

    fn wrote(&self, rel: &str) {
        self.written.lock().unwrap_or_else(|p| p.into_inner()).push(rel.to_string());
    }
}

/// The paths noted from every thread.
fn into_inner(paths: Mutex<Vec<String>>) -> Vec<String> {
    paths.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// `paths` sorted, each once.
fn sorted(mut paths: Vec<String>) -> Vec<String> {
    paths.sort_unstable();
    paths.dedup();
    paths
}

impl Sink for InPlace {
    fn hold(&self, rel: &str, digest: u64) -> Held {
        let Ok(rel_path) = safe_rel(rel) else { return Held::Make };
        match self.records.get(rel).filter(|r| r.digest == digest) {
            Some(r) if r.intact(&self.root.join(rel_path)) => Held::Unchanged,
            Some(_) => Held::Remake,
            None => Held::Make,
        }
    }

    fn put(&self, rel: &str, digest: u64, bytes: &[u8]) -> Result<Put, Diagnostic> {
        // A file whose inputs changed but whose bytes did not (most of the search index after a
        // one-story edit) is left as it is: reading it costs less than replacing it.
        if let Ok(rel_path) = safe_rel(rel)
            && same_bytes(&self.root.join(rel_path), bytes)
        {
            self.made.record(&self.root, rel, digest)?;
            return Ok(Put::Same);
        }
        put_atomic(&self.root, rel, bytes)?;
        self.made.record(&self.root, rel, digest)?;
        self.wrote(rel);
        Ok(Put::Written)
    }

    fn copy(&self, rel: &str, digest: u64, from: &Path) -> Result<Put, Diagnostic> {
        let rel_path = checked(rel)?;
        place(&self.root, &rel_path, |tmp| fs::copy(from, tmp).map(drop)).map_err(|e| {
            Diagnostic::new(&self.root.join(&rel_path), 1, 1, format!("copying {}: {e}", from.display()))
        })?;
        self.made.record(&self.root, rel, digest)?;
        self.wrote(rel);
        Ok(Put::Written)
    }
}

/// A sink that keeps nothing: `gazette check` renders every page to find its errors.
pub struct Discard;

impl Sink for Discard {
    fn hold(&self, _: &str, _: u64) -> Held {
        Held::Make
    }

    fn put(&self, _: &str, _: u64, _: &[u8]) -> Result<Put, Diagnostic> {
        Ok(Put::Written)
    }

    fn copy(&self, _: &str, _: u64, _: &Path) -> Result<Put, Diagnostic> {
        Ok(Put::Written)
    }
}

fn checked(rel: &str) -> Result<PathBuf, Diagnostic> {
    safe_rel(rel).map_err(|m| Diagnostic::new(Path::new(rel), 1, 1, m))
}

/// Copies `from` to `rel` under `root` (in the kernel where it can: `copy_file_range`, a reflink
/// on file systems that share blocks), never holding the file in memory.
fn copy_into(root: &Path, rel: &str, from: &Path) -> Result<(), Diagnostic> {
    let rel_path = checked(rel)?;
    replace_with(root, &rel_path, |tmp| fs::copy(from, tmp).map(drop))
        .map_err(|e| Diagnostic::new(&root.join(&rel_path), 1, 1, format!("copying {}: {e}", from.display())))
}

/// Writes a new file at `rel_path` under `root`: created in place when nothing is there yet (a
/// fresh staging folder, a new page), which saves a rename per file; otherwise through
/// [`replace_with`], since what is there may be shared with the live output.
/// The new file's metadata, read from its handle, when it was created rather than replaced.
fn create_or_replace(root: &Path, rel_path: &Path, bytes: &[u8]) -> std::io::Result<Option<fs::Metadata>> {
    use std::io::Write;
    let dest = root.join(rel_path);
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
        Ok(mut f) => f.write_all(bytes).and_then(|()| f.metadata()).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            replace_with(root, rel_path, |tmp| fs::write(tmp, bytes)).map(|()| None)
        }
        Err(e) => Err(e),
    }
}

/// Links `from` at `to`, where no file is (creating `to`'s folders when they are missing): an
/// error, and nothing done, where one is.
fn link_new(from: &Path, to: &Path) -> std::io::Result<()> {
    match fs::hard_link(from, to) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = to.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::hard_link(from, to)
        }
        done => done,
    }
}

/// Creates the file at `rel_path` under `root` through `make(temporary path)`, then renames it
/// into place, so a file shared (hard-linked) with the current output is never modified.
fn replace_with(root: &Path, rel_path: &Path, make: impl FnOnce(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
    let dest = root.join(rel_path);
    if let Some(dir) = dest.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = dest.with_file_name(format!(".{}.gazette-tmp", dest.file_name().unwrap_or_default().to_string_lossy()));
    let _ = fs::remove_file(&tmp);
    make(&tmp)?;
    fs::rename(&tmp, &dest)?;
    // rename(2) does nothing when both names are links to one file: drop the spare name.
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
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

/// Whether two files hold the same bytes (one file under two names, or equal contents).
fn same_content(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) else { return false };
    if ma.len() != mb.len() || !mb.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (ma.dev(), ma.ino()) == (mb.dev(), mb.ino()) {
            return true;
        }
    }
    fs::read(a).ok().is_some_and(|bytes| same_bytes(b, &bytes))
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

/// Writes one file under `root` in place for an incremental rebuild: into a temporary file in
/// `root`'s spare folder ([`spare_dir`]), then renamed over the old one, so a reader never sees
/// half a file, and a process killed half-way leaves nothing in `root` that is not the site.
pub fn put_atomic(root: &Path, rel: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    let rel_path = safe_rel(rel).map_err(|m| Diagnostic::new(Path::new(rel), 1, 1, m))?;
    place(root, &rel_path, |tmp| fs::write(tmp, bytes))
        .map_err(|e| Diagnostic::new(&root.join(&rel_path), 1, 1, format!("writing: {e}")))
}

/// Makes the file at `rel_path` under `root` through `make(temporary path)` in `root`'s spare
/// folder, then renames it into place. Where the rename cannot cross into `root` (an output
/// folder that is a mount point of its own), the temporary file is made beside its place instead.
fn place(root: &Path, rel_path: &Path, make: impl Fn(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dest = root.join(rel_path);
    if let Some(dir) = dest.parent() {
        fs::create_dir_all(dir)?;
    }
    let spare = spare_dir(root);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = spare.join(format!("{}-{n}", std::process::id()));
    match make(&tmp) {
        // The first write since the folder was claimed: no spare folder yet.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(&spare)?;
            make(&tmp)?;
        }
        made => made?,
    }
    match fs::rename(&tmp, &dest) {
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            let _ = fs::remove_file(&tmp);
            replace_with(root, rel_path, make)
        }
        done => done,
    }
}

/// Where [`put_atomic`] makes its temporary files: `.NAME.gazette-tmp` beside the folder `root`,
/// on its file system, outside what a web server serves or an upload sends.
fn spare_dir(root: &Path) -> PathBuf {
    beside(root, "tmp")
}

/// `.NAME.gazette-KIND` beside the folder `dir` (staging, the previous site, the spare folder).
fn beside(dir: &Path, kind: &str) -> PathBuf {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    parent_of(dir).join(format!(".{name}.gazette-{kind}"))
}

/// The folder holding `dir` (`.` for a bare name).
fn parent_of(dir: &Path) -> &Path {
    dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Removes what a writer killed inside [`put_atomic`] left in `root`'s spare folder.
fn clear_spare(root: &Path) -> Result<()> {
    let spare = spare_dir(root);
    match fs::remove_dir_all(&spare) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing the leftover {}", spare.display()))
        }
        _ => Ok(()),
    }
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
    clear_spare(dir)?;
    if dir.join(MARKER).is_file() {
        // Its cache stays: each record is trusted only while its file is on disk as recorded.
        return Ok(());
    }
    fs::write(dir.join(MARKER), MARKER_TEXT).with_context(|| format!("writing into {}", dir.display()))
}

/// Records `records` as the build cache of `dir`, a folder written in place ([`InPlace`]): the
/// marker file is written beside itself and renamed over, so it is always whole.
pub fn save_records(dir: &Path, records: &Records) -> Result<()> {
    put_atomic(dir, MARKER, cache::text(records).as_bytes())
        .map_err(|d| anyhow::anyhow!("{d}"))
        .with_context(|| format!("recording the build cache of {}", dir.display()))
}

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
