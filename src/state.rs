//! State: what one `gazette build` keeps for the next, in a folder beside its output
//! (`public/` → `.public.gazette-state/`).
//!
//! `stories` holds, per story file under `content/`, its path, size, mtime (ns), inode, a hash of
//! its bytes (xxh3) and what parsing it gave: the [`Story`], or the warning that it holds no news
//! text. A file whose size, mtime and inode match its record is neither read nor parsed; one whose
//! metadata differs is read, and its parse is reused only when its bytes hash as recorded. Errors
//! are never recorded, and only a successful build writes the state, so a file that failed to parse
//! is parsed again. A file modified less than [`RACY_NS`] before it was looked at may be written
//! again within one tick of the file system's clock without its mtime changing, so its record says
//! to check it by content ([`Check::Content`]), as git does with "racily clean" index entries.
//!
//! Never trusted blindly: each file opens with a version line (the format, the crate version, the
//! build id of `build.rs`, which hashes the sources, `Cargo.lock` and the compiler, what the file
//! holds, and a fingerprint of every setting that changes parsing: the languages and their time
//! zones, `raw_html`, `encoding` and `[encodings]`), then its body's length and xxh3 hash. Another
//! version, other settings, a short or long body, a checksum or decoding failure: the file is
//! discarded with a warning ([`Loaded::Discarded`]) and the build parses every story file.
//!
//! `last` says what the last successful build was made from: a hash of its inputs' metadata
//! ([`inputs_key`]: every story file's path, size, mtime and inode, the site's templates, its
//! static files' sizes and times, `gazette.toml` and the command line's settings), its photo
//! sources' metadata, a hash of the build cache it left in the output, its build time and the
//! first time after it at which the same inputs make another site (an embargo lifts, a story
//! expires, a story enters or leaves the news window), and what it reported. A build whose inputs
//! hash the same, within that time, into an output whose cache and files are as that build left
//! them, has nothing to do and says what the last one said ([`LastBuild::holds`]), without
//! reading the stories, assembling the site or digesting a page.
//!
//! `terms` holds each story's search terms (`index::TermCache`, what `serve` keeps in memory),
//! keyed by a fingerprint of what they are made from; it is read only when the search index must
//! be made again, so a one-story rebuild tokenises that story alone.
//!
//! The state lives beside the output, not in it: it holds the text of drafts and embargoed stories,
//! which must never be uploaded with the site. It depends only on the sources, not on the output,
//! so it needs no part in the output's atomic swap: it is written (a temporary file, then a rename)
//! after the build succeeded; a failed or killed build leaves the previous one. The body is
//! [postcard](https://docs.rs/postcard): serde, compact (varints, no field names), a wire format
//! fixed since its 1.0, and decoding it costs a fraction of parsing the stories again.

use std::collections::HashMap;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use crate::diag::Diagnostic;
use crate::index;
use crate::load::{self, Encodings, SourceFile};
use crate::parse::{ParseOptions, Story};
use crate::pipeline::{self, parse_file};

/// The layout of the state files; a change to it bumps this (a change to [`Story`] changes the
/// build id anyway).
const FORMAT: u32 = 1;

/// A story file modified this recently (in ns) before the build looked at it is checked by
/// content next time: 2 s covers the coarsest mtime clocks in use (FAT's 2 s, ext4's jiffies).
pub const RACY_NS: i128 = 2_000_000_000;

/// The state folder of the output folder `output`: `.NAME.gazette-state` beside it.
pub fn folder(output: &Path) -> PathBuf {
    let name = output.file_name().map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!(".{name}.gazette-state"))
}

/// What a state file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Per story file: its metadata and its parse ([`Stories`]).
    Stories,
    /// Per story: its search terms ([`index::TermCache`]), keyed by a fingerprint of what they are
    /// made from (the story's text, tags, section and stemmer).
    Terms,
    /// What the last successful build was made from and what it reported ([`LastBuild`]).
    Last,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Stories => "stories",
            Kind::Terms => "terms",
            Kind::Last => "last",
        }
    }
}

/// This binary's version line for a state file of `kind` made with `settings`, without the body's
/// length and hash.
pub fn version(kind: Kind, settings: u64) -> String {
    format!("{} settings {settings:016x}", code_version(kind))
}

fn code_version(kind: Kind) -> String {
    format!(
        "gazette-state {FORMAT} {} gazette {} build {}",
        kind.name(),
        env!("CARGO_PKG_VERSION"),
        env!("GAZETTE_BUILD_ID")
    )
}

/// A fingerprint of every setting that changes what a story file parses to.
pub fn settings(opts: &ParseOptions, encodings: &Encodings) -> u64 {
    let tz_name = |tz: &jiff::tz::TimeZone| tz.iana_name().map_or_else(|| format!("{tz:?}"), str::to_string);
    let mut h = DefaultHasher::new();
    (tz_name(&opts.tz), opts.raw_html).hash(&mut h);
    for (code, tz) in opts.languages.iter() {
        (code, tz_name(tz)).hash(&mut h);
    }
    encodings.hash(&mut h);
    h.finish()
}

/// What reading a state file found.
#[derive(Debug)]
pub enum Loaded<T> {
    Found(T),
    /// No state yet (the first build, or it was deleted).
    Missing,
    /// Written by other code or with other settings, truncated or corrupt: not used, for this reason.
    Discarded(String),
}

/// Reads the state file `path`, expecting `kind` made with `settings`.
fn read<T: DeserializeOwned>(path: &Path, kind: Kind, settings: u64) -> Loaded<T> {
    match fs::read(path) {
        Ok(bytes) => match decode(&bytes, kind, settings) {
            Ok(value) => Loaded::Found(value),
            Err(why) => Loaded::Discarded(why),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Loaded::Missing,
        Err(e) => Loaded::Discarded(format!("it cannot be read: {e}")),
    }
}

/// A state file's bytes → its value, or why it is not trusted.
fn decode<T: DeserializeOwned>(bytes: &[u8], kind: Kind, settings: u64) -> Result<T, String> {
    let Some(end) = bytes.iter().take(1024).position(|&b| b == b'\n') else {
        return Err("it has no version line".into());
    };
    let line = std::str::from_utf8(&bytes[..end]).map_err(|_| "its version line is not text".to_string())?;
    let (found, body_line) = line.rsplit_once(" body ").ok_or("its version line does not parse")?;
    let (code, found_settings) = found.rsplit_once(" settings ").ok_or("its version line does not parse")?;
    let ours = code_version(kind);
    if code != ours {
        return Err(format!("it was written by another Gazette (`{code}`, this is `{ours}`)"));
    }
    if found_settings != format!("{settings:016x}") {
        return Err(
            "gazette.toml's settings that change parsing (languages, time zones, raw_html, encodings) changed".into()
        );
    }
    let (len, hash) = body_line.split_once(' ').ok_or("its version line does not parse")?;
    let len: usize = len.parse().map_err(|_| "its version line does not parse")?;
    let hash = u64::from_str_radix(hash, 16).map_err(|_| "its version line does not parse")?;
    let body = &bytes[end + 1..];
    if body.len() != len {
        return Err(format!(
            "it is truncated or altered: its body is {} bytes, its version line says {len}",
            body.len()
        ));
    }
    if xxh3_64(body) != hash {
        return Err("it is corrupt: its checksum does not match".into());
    }
    match postcard::take_from_bytes(body) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(format!("it does not decode: {} bytes left over", rest.len())),
        Err(e) => Err(format!("it does not decode: {e}")),
    }
}

/// Writes `value` as the state file `name` in `dir`, through a temporary file and a rename, so a
/// reader sees the previous file or the new one, never half of one. The body is encoded straight
/// into the file (no copy of it in memory); the version line, whose length and hash fields have a
/// fixed width, is written last, over a placeholder.
fn write<T: Serialize>(dir: &Path, name: &str, kind: Kind, settings: u64, value: &T) -> Result<u64> {
    use std::io::{Seek, SeekFrom};
    let head = |len: u64, hash: u64| format!("{} body {len:020} {hash:016x}\n", version(kind, settings));
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    let placeholder = head(0, 0);
    let tmp_path = tmp.path().to_path_buf();
    let writing = || format!("writing {}", tmp_path.display());
    tmp.as_file_mut().write_all(placeholder.as_bytes()).with_context(writing)?;
    // Buffered before the hasher: postcard writes a few bytes at a time, the hasher and the file
    // see large chunks.
    let out =
        std::io::BufWriter::with_capacity(1 << 20, Hashing { out: tmp.as_file_mut(), hasher: Xxh3::new(), len: 0 });
    let out = postcard::to_io(value, out).with_context(writing)?;
    let Hashing { hasher, len, .. } = out.into_inner().map_err(|e| e.into_error()).with_context(writing)?;
    let file = tmp.as_file_mut();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.write_all(head(len, hasher.digest()).as_bytes()))
        .with_context(writing)?;
    let path = dir.join(name);
    tmp.persist(&path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(placeholder.len() as u64 + len)
}

/// A writer that hashes and counts what it passes on.
struct Hashing<W> {
    out: W,
    hasher: Xxh3,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A file's size, modification time and inode, as the state compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stat {
    len: u64,
    mtime_ns: i128,
    ino: u64,
}

impl Stat {
    fn of(meta: &fs::Metadata) -> Stat {
        Stat { len: meta.len(), mtime_ns: load::mtime_ns(meta), ino: ino(meta) }
    }

    /// The file at `path`'s, or `None` when it cannot be looked at.
    fn at(path: &Path) -> Option<Stat> {
        fs::metadata(path).ok().map(|m| Stat::of(&m))
    }
}

#[cfg(unix)]
fn ino(meta: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn ino(_: &fs::Metadata) -> u64 {
    0
}

/// How the next build may tell that a story file is the one recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Check {
    /// Its size, mtime and inode match: the file is not read.
    Stat,
    /// It was modified just before the build looked at it: read it and compare its hash.
    Content,
}

/// A story file's parse as kept: its story, or the warning that it holds no news text (located
/// without a path: the path is the file's on disk now, however the site folder was named).
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Kept {
    Story(Arc<Story>),
    Skipped { line: usize, col: usize, message: String, hint: Option<String> },
}

impl Kept {
    fn skipped(d: Diagnostic) -> Kept {
        Kept::Skipped { line: d.line, col: d.col, message: d.message, hint: d.hint }
    }
}

/// One story file as the state knows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    /// Its path under `content/` (files whose path is not UTF-8 are never recorded).
    rel: String,
    stat: Stat,
    check: Check,
    /// xxh3 of its bytes.
    hash: u64,
    parsed: Kept,
}

/// The `stories` state file: what each story file of the last successful build parsed to.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Stories {
    /// Sorted by path.
    records: Vec<Record>,
}

const STORIES: &str = "stories";

impl Stories {
    /// The stories state in the state folder `dir`, if it was made with `settings`.
    pub fn load(dir: &Path, settings: u64) -> Loaded<Stories> {
        read(&dir.join(STORIES), Kind::Stories, settings)
    }

    /// The story files it records, by path under `content/` (sorted).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.records.iter().map(|r| r.rel.as_str())
    }

    /// Writes it into the state folder `dir`; returns its size in bytes.
    pub fn save(&self, dir: &Path, settings: u64) -> Result<u64> {
        write(dir, STORIES, Kind::Stories, settings, self)
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

const TERMS: &str = "terms";

/// The search terms kept in the state folder `dir` (keyed by what they are made from, so they need
/// no settings fingerprint).
pub fn load_terms(dir: &Path) -> Loaded<index::TermCache> {
    read(&dir.join(TERMS), Kind::Terms, 0)
}

/// Writes the search terms into the state folder `dir`; returns the file's size in bytes.
pub fn save_terms(dir: &Path, terms: &index::TermCache) -> Result<u64> {
    write(dir, TERMS, Kind::Terms, 0, terms)
}

/// How a build came by each story file's parse.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ParseCounts {
    /// Read and parsed.
    pub parsed: usize,
    /// Read (its metadata changed or it was racily recent) but its bytes hashed as recorded.
    pub reread: usize,
    /// Neither read nor parsed: its size, mtime and inode matched the state.
    pub kept: usize,
}

/// Every story file of a build, parsed or kept.
pub struct Parse {
    /// The stories, in path order, or every error of every file.
    pub result: Result<Parsed, Vec<Diagnostic>>,
    /// The state for the next build: a record for each file that parsed.
    pub next: Stories,
    pub counts: ParseCounts,
    /// Whether `next` differs from the state that was read (else there is nothing to write).
    pub changed: Changed,
}

/// Whether the state a build would write differs from the one it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    Yes,
    No,
}

/// The stories of a build and the warnings of the files that hold no news text.
pub struct Parsed {
    pub stories: Vec<Arc<Story>>,
    pub skipped: Vec<Diagnostic>,
}

/// What one file gave: how it was had, its parse (or errors) and its record for the next state.
struct One {
    how: How,
    result: Result<Kept, Vec<Diagnostic>>,
    seen: Option<(Stat, Check, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    Kept,
    Reread,
    Parsed,
}

/// Reads and parses, in parallel, every story file of `files` (`(path under content/, path on
/// disk)`, sorted) that `previous` does not hold as it is on disk now.
pub fn parse(
    files: &[(PathBuf, PathBuf)],
    encodings: &Encodings,
    opts: &ParseOptions,
    previous: Loaded<Stories>,
) -> Parse {
    let (previous, mut changed) = match previous {
        Loaded::Found(s) => (s, Changed::No),
        Loaded::Missing | Loaded::Discarded(_) => (Stories::default(), Changed::Yes),
    };
    let started = now_ns();
    let mut by_rel: HashMap<String, Record> = previous.records.into_iter().map(|r| (r.rel.clone(), r)).collect();
    let work: Vec<(&(PathBuf, PathBuf), Option<Record>)> =
        files.iter().map(|f| (f, f.0.to_str().and_then(|rel| by_rel.remove(rel)))).collect();
    if !by_rel.is_empty() {
        changed = Changed::Yes; // files that are gone
    }
    let done: Vec<One> =
        work.into_par_iter().map(|((rel, path), old)| one(rel, path, old, encodings, opts, started)).collect();
    let mut counts = ParseCounts::default();
    let mut stories = Vec::with_capacity(done.len());
    let (mut skipped, mut errors, mut records) = (Vec::new(), Vec::new(), Vec::with_capacity(done.len()));
    for ((rel, path), one) in files.iter().zip(done) {
        match one.how {
            How::Kept => counts.kept += 1,
            How::Reread => counts.reread += 1,
            How::Parsed => counts.parsed += 1,
        }
        if one.how != How::Kept {
            changed = Changed::Yes;
        }
        let parsed = match one.result {
            Ok(p) => p,
            Err(e) => {
                errors.extend(e);
                continue;
            }
        };
        match &parsed {
            Kept::Story(s) => stories.push(Arc::clone(s)),
            Kept::Skipped { line, col, message, hint } => skipped.push(Diagnostic {
                path: path.clone(),
                line: *line,
                col: *col,
                message: message.clone(),
                hint: hint.clone(),
            }),
        }
        if let (Some(rel), Some((stat, check, hash))) = (rel.to_str(), one.seen) {
            records.push(Record { rel: rel.to_string(), stat, check, hash, parsed });
        }
    }
    let result = if errors.is_empty() { Ok(Parsed { stories, skipped }) } else { Err(errors) };
    Parse { result, next: Stories { records }, counts, changed }
}

/// One story file: kept when its metadata matches its record, else read, and kept when its bytes
/// hash as recorded, else parsed.
fn one(rel: &Path, path: &Path, old: Option<Record>, encodings: &Encodings, opts: &ParseOptions, started: i128) -> One {
    let unreadable = |d: Diagnostic| One { how: How::Parsed, result: Err(vec![d]), seen: None };
    let stat = match fs::metadata(path) {
        Ok(meta) => Stat::of(&meta),
        Err(e) => return unreadable(Diagnostic::new(path, 1, 1, format!("cannot read: {e}"))),
    };
    let old = match old {
        Some(old) if old.check == Check::Stat && old.stat == stat => {
            return One { how: How::Kept, seen: Some((stat, Check::Stat, old.hash)), result: Ok(old.parsed) };
        }
        old => old,
    };
    let check = if stat.mtime_ns > started - RACY_NS { Check::Content } else { Check::Stat };
    let file = match SourceFile::read(rel, path) {
        Ok(f) => f,
        Err(d) => return unreadable(d),
    };
    let hash = xxh3_64(&file.bytes);
    if let Some(old) = old.filter(|o| o.hash == hash) {
        return One { how: How::Reread, seen: Some((stat, check, hash)), result: Ok(old.parsed) };
    }
    let result = parse_file(&file, encodings, opts).map(|p| match p {
        pipeline::Parsed::Story(s) => Kept::Story(Arc::from(s)),
        pipeline::Parsed::Skipped(d) => Kept::skipped(d),
    });
    One { how: How::Parsed, seen: Some((stat, check, hash)), result }
}

const LAST: &str = "last";

/// What the last successful build was made from, and what it reported (see the module's
/// comment).
#[derive(Debug, Serialize, Deserialize)]
pub struct LastBuild {
    inputs: u64,
    /// Photo sources (path under the site) and their metadata when the build read them.
    photos: Vec<(String, Option<Stat>)>,
    /// xxh3 of the output's build cache file as the build left it.
    output_cache: u64,
    /// The build time, and the first time after it at which the same inputs make another site
    /// (ns since the Unix epoch).
    built_at: i128,
    valid_until: Option<i128>,
    pub summary: Summary,
}

/// What a build reports, kept for a build that has nothing to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub stories: usize,
    pub pages: usize,
    pub warnings: Vec<Diagnostic>,
    pub tally: crate::site::Tally,
    pub joins: Vec<String>,
    pub held_back: usize,
}

/// A hash of what a build is made from, as far as metadata tells: every story file's path, size,
/// mtime and inode (read now, in parallel), the site's templates and author files (their text),
/// every static file's path, size and mtime, and `config` (`gazette.toml` and the command line's
/// settings). `None` when a file could not be listed (the build fails on it), or a story file
/// cannot be looked at or was modified within [`RACY_NS`] of now (it may change again without its
/// metadata showing it).
pub fn inputs_key(inputs: &load::Inputs, config: u64) -> Option<u64> {
    // A file that could not be listed fails the build: only a full one reports it.
    if !inputs.errors.is_empty() {
        return None;
    }
    let now = now_ns();
    let stats: Option<Vec<Stat>> =
        inputs.stories.par_iter().map(|(_, path)| Stat::at(path).filter(|s| s.mtime_ns < now - RACY_NS)).collect();
    let mut h = Xxh3::new();
    let mut add = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    add(&config.to_le_bytes());
    for ((rel, _), Stat { len, mtime_ns, ino }) in inputs.stories.iter().zip(stats?) {
        add(rel.as_os_str().as_encoded_bytes());
        add(&len.to_le_bytes());
        add(&mtime_ns.to_le_bytes());
        add(&ino.to_le_bytes());
    }
    for (name, text) in &inputs.templates {
        add(name.as_bytes());
        add(text.as_bytes());
    }
    for author in &inputs.authors {
        add(author.path.as_os_str().as_encoded_bytes());
        add(author.text.as_bytes());
    }
    for f in &inputs.statics {
        add(f.rel.as_bytes());
        add(&f.len.to_le_bytes());
        add(&f.mtime_ns.to_le_bytes());
    }
    Some(h.digest())
}

impl LastBuild {
    /// The record of a build of inputs `inputs` ([`inputs_key`]) at `built_at`, whose output
    /// holds the same until `valid_until`, that read the photo sources `photos` (paths under
    /// `site_dir`) and left `output_cache` in its output.
    pub fn new(
        inputs: u64,
        site_dir: &Path,
        photos: impl Iterator<Item = String>,
        output_cache: u64,
        built_at: &jiff::Zoned,
        valid_until: Option<&jiff::Zoned>,
        summary: Summary,
    ) -> LastBuild {
        let photos = photos.map(|rel| (rel.clone(), Stat::at(&site_dir.join(&rel))));
        LastBuild {
            inputs,
            photos: photos.collect(),
            output_cache,
            built_at: built_at.timestamp().as_nanosecond(),
            valid_until: valid_until.map(|t| t.timestamp().as_nanosecond()),
            summary,
        }
    }

    pub fn load(dir: &Path, settings: u64) -> Loaded<LastBuild> {
        read(&dir.join(LAST), Kind::Last, settings)
    }

    pub fn save(&self, dir: &Path, settings: u64) -> Result<u64> {
        write(dir, LAST, Kind::Last, settings, self)
    }

    /// Removes the record (a build whose inputs could not be hashed leaves none, so the next
    /// one does the work).
    pub fn remove(dir: &Path) -> Result<()> {
        match fs::remove_file(dir.join(LAST)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("removing {}", dir.join(LAST).display()))
            }
            _ => Ok(()),
        }
    }

    /// Whether a build of inputs `inputs` at `now` would make what this one made: the same
    /// inputs and photo sources, and a time from this build's until its output would change. That
    /// the output is as it left it is the caller's to check ([`LastBuild::output_cache`]).
    pub fn holds(&self, inputs: u64, site_dir: &Path, now: &jiff::Zoned) -> bool {
        let now = now.timestamp().as_nanosecond();
        self.inputs == inputs
            && self.built_at <= now
            && self.valid_until.is_none_or(|t| now < t)
            && self.photos.iter().all(|(rel, stat)| Stat::at(&site_dir.join(rel)) == *stat)
    }

    /// The hash of the build cache file this build left in its output (`write::cache_hash`).
    pub fn output_cache(&self) -> u64 {
        self.output_cache
    }
}

/// Now, in nanoseconds since the Unix epoch.
fn now_ns() -> i128 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Stories {
        let note = Kept::Skipped { line: 3, col: 1, message: "not news text".into(), hint: None };
        let stat = Stat { len: 10, mtime_ns: -5, ino: 7 };
        Stories { records: vec![Record { rel: "a/b.json".into(), stat, check: Check::Stat, hash: 42, parsed: note }] }
    }

    fn reads(dir: &Path, settings: u64) -> Result<usize, String> {
        match Stories::load(dir, settings) {
            Loaded::Found(s) => Ok(s.len()),
            Loaded::Missing => Ok(0),
            Loaded::Discarded(why) => Err(why),
        }
    }

    #[test]
    fn a_state_file_is_trusted_only_with_its_version_settings_and_whole_body() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STORIES);
        assert!(matches!(Stories::load(dir.path(), 1), Loaded::Missing));
        sample().save(dir.path(), 1).unwrap();
        assert_eq!(reads(dir.path(), 1), Ok(1));
        // Other settings (a time zone, a language, an encoding changed in gazette.toml).
        assert!(reads(dir.path(), 2).unwrap_err().contains("settings"));
        let good = fs::read(&path).unwrap();
        let end = good.iter().position(|&b| b == b'\n').unwrap();
        let (head, body) = (std::str::from_utf8(&good[..end]).unwrap(), &good[end + 1..]);
        // Another Gazette's: another format, crate version or build id.
        for (from, to) in [("gazette-state 1 ", "gazette-state 0 "), (env!("GAZETTE_BUILD_ID"), "0000000000000000")] {
            let other = [head.replacen(from, to, 1).as_bytes(), b"\n", body].concat();
            fs::write(&path, other).unwrap();
            assert!(reads(dir.path(), 1).unwrap_err().contains("another Gazette"), "{from}");
        }
        // Truncated, padded, a flipped byte, no version line, not decodable.
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let bad_body = {
            let junk = [0xffu8; 3];
            format!("{} body 3 {:016x}\n", version(Kind::Stories, 1), xxh3_64(&junk))
                .into_bytes()
                .into_iter()
                .chain(junk)
                .collect()
        };
        let cases: [(&str, Vec<u8>, &str); 5] = [
            ("truncated", good[..good.len() - 1].to_vec(), "truncated"),
            ("padded", [&good[..], b"x"].concat(), "truncated or altered"),
            ("flipped", flipped, "checksum"),
            ("empty", Vec::new(), "no version line"),
            ("undecodable", bad_body, "does not decode"),
        ];
        for (name, bytes, want) in cases {
            fs::write(&path, bytes).unwrap();
            let why = reads(dir.path(), 1).unwrap_err();
            assert!(why.contains(want), "{name}: {why}");
        }
        fs::write(&path, &good).unwrap();
        assert_eq!(reads(dir.path(), 1), Ok(1));
    }

    #[test]
    fn the_state_folder_is_beside_the_output() {
        assert_eq!(folder(Path::new("site/public")), Path::new("site/.public.gazette-state"));
        assert_eq!(folder(Path::new("out")), Path::new("./.out.gazette-state"));
    }
}
