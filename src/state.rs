//! State: what one `gazette build` keeps for the next, in a folder beside its output
//! (`public/` → `.public.gazette-state/`).
//!
//! `stories` holds, per story file under `content/`, its path, size, mtime (ns), inode, a hash of
//! its bytes (xxh3) and what parsing it gave: the [`Story`], or the warning that it holds no news
//! text. A story's body is not in its record: a chunk's bodies follow its records, each record
//! saying where its body is, how long and its xxh3 ([`Placed`]), and a build reads a kept story's
//! body from the chunk file it holds open only when it shows or tokenises it ([`crate::bodies`]);
//! the bodies of the stories it parsed wait in its spool ([`spool`]) until the save copies them
//! into their chunks. A file whose size, mtime and inode match its record is neither read nor parsed; one whose
//! metadata differs is read, and its parse is reused only when its bytes hash as recorded. Errors
//! are never recorded, and only a successful build writes the state, so a file that failed to parse
//! is parsed again. A file modified less than [`RACY_NS`] before it was looked at may be written
//! again within one tick of the file system's clock without its mtime changing, so its record says
//! to check it by content (`Check::Content`), as git does with "racily clean" index entries.
//!
//! Never trusted blindly: each state file opens with a version line (the format, what the file
//! holds, the crate version, the build id of `build.rs`, which hashes the sources, `Cargo.lock`
//! and the compiler, for a chunk which chunk of how many it is, and a fingerprint of every setting
//! that changes parsing: the languages and their time zones, `raw_html`, `encoding` and
//! `[encodings]`), then its body's length and xxh3 hash:
//!
//! ```text
//! gazette-state 2 stories gazette 0.1.0 build 699f3ae38acb6e21 chunk 3 of 64 settings 7de2786f4101d566 body 00000000000000074893 4a55cdfc9628b4ad
//! ```
//!
//! Another version, other settings, a short or long body, a checksum or decoding failure, a
//! chunk that is not the one its file name says: the file is discarded with a warning naming it
//! and why ([`Loaded::Discarded`] when it is all there is, [`Discarded`] for a chunk), and the
//! build parses (or tokenises) what it held again.
//!
//! `stories` and `terms` are folders of chunks, `stories/0000` to at most `stories/1023`, so that a
//! build that changes one story rewrites one chunk, not the whole state (at 100,000 stories the
//! records are about 650 MB, the terms 240 MB). A record goes to the chunk its path's xxh3 names
//! modulo the chunk count (`story_chunk`); a story's terms to their key modulo the count
//! (`terms_chunk`). The count is a power of two, about 64 records a chunk (`PER_CHUNK`), from 1 to
//! 1,024 (`MAX_CHUNKS`), kept while it is within a factor of two of that (`chunk_count`); every chunk
//! of the count is written, empty or not, and when the count changes every chunk is written again
//! and those past it are removed. Each chunk is a state file of its own, checked alone: one that
//! cannot be used costs its own records (the others are used), and chunks are read, decoded and
//! written in parallel. A build writes only the chunks that differ from their files as it read
//! them: for `stories`, a chunk any of whose records was parsed or re-read, added or removed (one
//! kept as it was read, from that very file, is the same bytes); for `terms`, a chunk whose keys
//! are not those its file held. Chunks are replaced one by one (a temporary file, then a rename), so
//! a build killed while writing them leaves some old and some new, each whole: every record stands
//! alone (its file's metadata and hash decide whether it is used), so any mix is correct. What
//! chunks of two counts (a build killed while the count changed), or a chunk missing or
//! discarded, cannot promise is every record: `--changed` takes the state's paths for the story
//! files only when every chunk of one count was read and used ([`Stories::complete`]); else the
//! build walks `content/`. The single `stories` and `terms`
//! files of format 1 are discarded (another Gazette's) and removed by the first save.
//!
//! `related` holds the related lists of the last build that computed them, with the key of what
//! they were computed from ([`crate::site::related::inputs_key`]); a build whose key is the same
//! takes them instead of computing them (a one-story body edit leaves the key as it was).
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
//! `terms` holds each story's search terms (`index::TermCache`, what `serve` keeps in memory; a
//! build keeps spans of the chunk files, read as each story's turn comes, and spools the terms it
//! makes),
//! keyed by a fingerprint of what they are made from (so its chunks carry no settings
//! fingerprint); it is read only when the search index must be made again, so a one-story rebuild
//! tokenises that story alone.
//!
//! The state lives beside the output, not in it: it holds the text of drafts and embargoed stories,
//! which must never be uploaded with the site. It depends only on the sources, not on the output,
//! so it needs no part in the output's atomic swap: it is written (each file or chunk a temporary
//! file, then a rename) after the build succeeded; a failed build leaves the previous one, a killed
//! one the previous one or, chunk by chunk, some of the new. The body is
//! [postcard](https://docs.rs/postcard): serde, compact (varints, no field names), a wire format
//! fixed since its 1.0, and decoding it costs a fraction of parsing the stories again.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use crate::bodies::{self, Body, Spool};
use crate::diag::Diagnostic;
use crate::index;
use crate::load::{self, Encodings, SourceFile};
use crate::parse::{ParseOptions, Story};
use crate::pipeline::{self, parse_file};
use crate::site::related::KeptLists;

/// The layout of the state files; a change to it bumps this (a change to [`Story`] changes the
/// build id anyway). 2: `stories` and `terms` are folders of chunks. 3: a stories chunk holds its
/// stories' bodies after its records.
const FORMAT: u32 = 3;

/// How many records a chunk of `stories` or `terms` is meant to hold ([`chunk_count`]): small
/// enough that a one-story rebuild rewrites well under a megabyte of each.
const PER_CHUNK: usize = 64;

/// The most chunks `stories` or `terms` is split into (past 65,536 records, chunks grow).
const MAX_CHUNKS: usize = 1024;

/// A story file modified this recently (in ns) before the build looked at it is checked by
/// content next time: 2 s covers the coarsest mtime clocks in use (FAT's 2 s, ext4's jiffies).
pub const RACY_NS: i128 = 2_000_000_000;

/// The state folder of the output folder `output`: `.NAME.gazette-state` beside it.
pub fn folder(output: &Path) -> PathBuf {
    let name = output.file_name().map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!(".{name}.gazette-state"))
}

/// The spool for a build's new story bodies ([`bodies::Spool`]): an unnamed file in the state
/// folder `dir`, which it creates.
pub fn spool(dir: &Path) -> Result<Spool> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Spool::in_folder(dir).with_context(|| format!("creating a temporary file in {}", dir.display()))
}

/// What a state file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Per story file: its metadata and its parse ([`Stories`]); a folder of chunks.
    Stories,
    /// Per story: its search terms ([`index::TermCache`]), keyed by a fingerprint of what they are
    /// made from (the story's text, tags, section and stemmer); a folder of chunks.
    Terms,
    /// What the last successful build was made from and what it reported ([`LastBuild`]).
    Last,
    /// The related lists of the last build that computed them, and the key of what they were
    /// computed from ([`crate::site::related::KeptLists`]).
    Related,
}

impl Kind {
    /// Its name in the state folder (a file, or a folder of chunks).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Stories => "stories",
            Kind::Terms => "terms",
            Kind::Last => "last",
            Kind::Related => "related",
        }
    }

    fn chunked(self) -> bool {
        matches!(self, Kind::Stories | Kind::Terms)
    }
}

/// Chunk `index` of `count` (a power of two, at most [`MAX_CHUNKS`]) of a chunked state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    index: usize,
    count: usize,
}

impl Slot {
    /// `I of N`, as a version line gives it.
    fn parse(text: &str) -> Option<Slot> {
        let (index, count) = text.split_once(" of ")?;
        let slot = Slot { index: index.parse().ok()?, count: count.parse().ok()? };
        (slot.count.is_power_of_two() && slot.count <= MAX_CHUNKS && slot.index < slot.count).then_some(slot)
    }
}

/// How many chunks `records` records are spread over: a power of two, about [`PER_CHUNK`] records
/// a chunk, from 1 to [`MAX_CHUNKS`]. The count the state has now (`current`) is kept while it is
/// within a factor of two of that, so that a site near a boundary does not rewrite every chunk
/// each time a story comes or goes.
fn chunk_count(records: usize, current: Option<usize>) -> usize {
    let ideal = records.div_ceil(PER_CHUNK).next_power_of_two().clamp(1, MAX_CHUNKS);
    match current {
        Some(c) if c.is_power_of_two() && c <= MAX_CHUNKS && c / 2 <= ideal && ideal <= c * 2 => c,
        _ => ideal,
    }
}

/// The chunk of `count` that holds the story file `rel`'s record: a hash of its path (xxh3, a
/// fixed algorithm, so every build agrees), modulo the count.
fn story_chunk(rel: &str, count: usize) -> usize {
    (xxh3_64(rel.as_bytes()) % count as u64) as usize
}

/// The chunk of `count` that holds the terms of key `key` (a fingerprint already).
fn terms_chunk(key: u64, count: usize) -> usize {
    (key % count as u64) as usize
}

/// A chunk's file name in its folder: its index, four digits.
fn chunk_name(index: usize) -> String {
    format!("{index:04}")
}

/// The index a chunk file's name gives, if it is one.
fn chunk_index(name: &str) -> Option<usize> {
    let index = (name.len() == 4 && name.bytes().all(|b| b.is_ascii_digit())).then(|| name.parse().ok())??;
    (index < MAX_CHUNKS).then_some(index)
}

/// This binary's version line for a state file of `kind` (chunk `slot` of it, when it is chunked)
/// made with `settings`, without the body's length and hash.
fn version(kind: Kind, slot: Option<Slot>, settings: u64) -> String {
    let chunk = slot.map_or_else(String::new, |s| format!(" chunk {} of {}", s.index, s.count));
    format!("{}{chunk} settings {settings:016x}", code_version(kind))
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
    /// Written by other code or with other settings, truncated or corrupt: not used, for this
    /// reason (for a chunked file: none of its chunks could be used).
    Discarded(String),
}

/// A chunk of `stories` or `terms` that was not used while others were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discarded {
    pub kind: Kind,
    pub index: usize,
    /// Why, as [`Loaded::Discarded`] says it.
    pub why: String,
}

impl Discarded {
    /// Its path in the state folder (`stories/0003`).
    pub fn file(&self) -> String {
        format!("{}/{}", self.kind.name(), chunk_name(self.index))
    }
}

/// Reads the state file `path`, expecting `kind` made with `settings`.
fn read<T: DeserializeOwned>(path: &Path, kind: Kind, settings: u64) -> Loaded<T> {
    match fs::read(path) {
        Ok(bytes) => match check(&bytes, kind, settings).and_then(|(_, body)| from_body(body)) {
            Ok(value) => Loaded::Found(value),
            Err(why) => Loaded::Discarded(why),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Loaded::Missing,
        Err(e) => Loaded::Discarded(format!("it cannot be read: {e}")),
    }
}

/// A state file's bytes → the chunk its version line names (a chunked kind's) and its body, or why
/// it is not trusted.
fn check(bytes: &[u8], kind: Kind, settings: u64) -> Result<(Option<Slot>, &[u8]), String> {
    let Some(end) = bytes.iter().take(1024).position(|&b| b == b'\n') else {
        return Err("it has no version line".into());
    };
    let line = std::str::from_utf8(&bytes[..end]).map_err(|_| "its version line is not text".to_string())?;
    let (found, body_line) = line.rsplit_once(" body ").ok_or("its version line does not parse")?;
    let (found, found_settings) = found.rsplit_once(" settings ").ok_or("its version line does not parse")?;
    let (code, slot) = match found.rsplit_once(" chunk ") {
        Some((code, slot)) => (code, Some(Slot::parse(slot).ok_or("its version line does not parse")?)),
        None => (found, None),
    };
    let ours = code_version(kind);
    if code != ours {
        return Err(format!("it was written by another Gazette (`{code}`, this is `{ours}`)"));
    }
    if slot.is_some() != kind.chunked() {
        return Err("its version line does not parse".into());
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
    Ok((slot, body))
}

/// A state file's body (checked) → its value.
fn from_body<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, String> {
    match postcard::take_from_bytes(body) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(format!("it does not decode: {} bytes left over", rest.len())),
        Err(e) => Err(format!("it does not decode: {e}")),
    }
}

/// Writes `value`, then what `tail` writes, as the state file `name` in the existing folder `dir`
/// under the version line `version` ([`version`]), through a temporary file and a rename, so a reader sees the previous
/// file or the new one, never half of one. The body is encoded straight into the file (no copy of
/// it in memory); the version line, whose length and hash fields have a fixed width, is written
/// last, over a placeholder.
fn write<T: Serialize + ?Sized>(
    dir: &Path,
    name: &str,
    version: &str,
    value: &T,
    tail: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
) -> Result<u64> {
    use std::io::{Seek, SeekFrom};
    let head = |len: u64, hash: u64| format!("{version} body {len:020} {hash:016x}\n");
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
        std::io::BufWriter::with_capacity(1 << 18, Hashing { out: tmp.as_file_mut(), hasher: Xxh3::new(), len: 0 });
    let mut out = postcard::to_io(value, out).with_context(writing)?;
    tail(&mut out).with_context(writing)?;
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

/// What reading a chunked state file (`stories/`, `terms/`) found.
struct Chunks<T> {
    /// The chunks that could be used: each its slot and its value.
    found: Vec<(Slot, T)>,
    /// The chunks that could not, and why.
    discarded: Vec<Discarded>,
    /// The index of every chunk file in the folder, used or not (sorted).
    present: Vec<usize>,
    /// Why nothing of it could be used, when that is not for its chunks' own reasons: a single
    /// file of format 1 where the folder is, or a folder that cannot be listed.
    unusable: Option<String>,
}

/// Reads every chunk file of `kind` in the state folder `dir`, in parallel: each checked as a
/// state file made with `settings` that names its own chunk, then its body decoded by `decode`,
/// which is also given the file, held open, and where in it the body starts.
fn read_chunks<T: Send>(
    dir: &Path,
    kind: Kind,
    settings: u64,
    decode: impl Fn(&[u8], Opened) -> Result<T, String> + Sync,
) -> Chunks<T> {
    let folder = dir.join(kind.name());
    let mut chunks = Chunks { found: Vec::new(), discarded: Vec::new(), present: Vec::new(), unusable: None };
    let listing = match fs::read_dir(&folder) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return chunks,
        Err(_) if folder.is_file() => {
            // The whole state in one file (format 1): its version line says whose it is.
            let mut head = Vec::with_capacity(1024);
            let why = fs::File::open(&folder)
                .and_then(|f| f.take(1024).read_to_end(&mut head))
                .map_err(|e| format!("it cannot be read: {e}"))
                .and_then(|_| check(&head, kind, settings).map(|_| ()));
            chunks.unusable = Some(why.err().unwrap_or_else(|| "it is one file, not a folder of chunks".into()));
            return chunks;
        }
        Err(e) => {
            chunks.unusable = Some(format!("it cannot be listed: {e}"));
            return chunks;
        }
    };
    chunks.present = listing.filter_map(|e| chunk_index(e.ok()?.file_name().to_str()?)).collect();
    chunks.present.sort_unstable();
    let read: Vec<Option<Result<(Slot, T), String>>> = chunks
        .present
        .par_iter()
        .map(|&index| {
            let path = folder.join(chunk_name(index));
            let mut bytes = Vec::new();
            let file = match fs::File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| f)) {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
                Err(e) => return Some(Err(format!("it cannot be read: {e}"))),
            };
            Some(check(&bytes, kind, settings).and_then(|(slot, body)| match slot {
                Some(slot) if slot.index == index => {
                    let opened = Opened { file, path, body_at: (bytes.len() - body.len()) as u64 };
                    decode(body, opened).map(|value| (slot, value))
                }
                _ => Err(format!("its version line names another chunk than {}", chunk_name(index))),
            }))
        })
        .collect();
    for (&index, read) in chunks.present.iter().zip(read) {
        match read {
            Some(Ok(found)) => chunks.found.push(found),
            Some(Err(why)) => chunks.discarded.push(Discarded { kind, index, why }),
            None => {}
        }
    }
    chunks
}

/// A chunk file as [`read_chunks`] opened it: its body was checked whole, and a story's body in it
/// is read when it is needed ([`bodies::Span`]).
struct Opened {
    file: fs::File,
    path: PathBuf,
    /// Where the body (after the version line) starts.
    body_at: u64,
}

impl<T> Chunks<T> {
    /// The count every chunk found shares, if they share one.
    fn layout(&self) -> Option<usize> {
        let count = self.found.first()?.0.count;
        self.found.iter().all(|(slot, _)| slot.count == count).then_some(count)
    }

    /// Whether the chunks found are every chunk of one layout, and none was discarded: then they
    /// hold every record the state knew (a chunk's file is always whole: the one a build wrote
    /// before, or the one it wrote now).
    fn complete(&self) -> bool {
        self.discarded.is_empty() && self.layout().is_some_and(|count| self.found.len() == count)
    }

    /// Why no chunk could be used, when none could and some were there.
    fn none_used(&self) -> Option<String> {
        if let Some(why) = &self.unusable {
            return Some(why.clone());
        }
        if !self.found.is_empty() || self.discarded.is_empty() {
            return None;
        }
        let mut reasons: Vec<&str> = Vec::new();
        for d in &self.discarded {
            if !reasons.contains(&d.why.as_str()) {
                reasons.push(&d.why);
            }
        }
        Some(match reasons.as_slice() {
            [one] => one.to_string(),
            [first, second, rest @ ..] => {
                let more = if rest.is_empty() { String::new() } else { format!(", and {} more reasons", rest.len()) };
                format!("none of its {} chunks could be used: {first}; {second}{more}", self.discarded.len())
            }
            [] => unreachable!("a discarded chunk has a reason"),
        })
    }
}

/// Writes chunks `dirty` (of `count`) of the chunked state file `kind` into the state folder `dir`,
/// in parallel, each its own state file ([`write`]) holding `value(index)`; then removes the chunk
/// files past `count` and a single file of format 1. Returns the bytes written.
fn write_chunks<'a, T: Serialize>(
    dir: &Path,
    kind: Kind,
    settings: u64,
    count: usize,
    dirty: &[usize],
    value: impl Fn(usize) -> std::io::Result<(T, Tail<'a>)> + Sync,
) -> Result<u64> {
    let folder = dir.join(kind.name());
    if fs::symlink_metadata(&folder).is_ok_and(|m| !m.is_dir()) {
        fs::remove_file(&folder).with_context(|| format!("removing {}", folder.display()))?;
    }
    fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let sizes: Vec<u64> = dirty
        .par_iter()
        .map(|&index| {
            let version = version(kind, Some(Slot { index, count }), settings);
            let (value, tail) = value(index).with_context(|| format!("writing {}", folder.display()))?;
            write(&folder, &chunk_name(index), &version, &value, &|out| tail.write(out))
        })
        .collect::<Result<_>>()?;
    let listing = fs::read_dir(&folder).with_context(|| format!("listing {}", folder.display()))?;
    for entry in listing {
        let entry = entry.with_context(|| format!("listing {}", folder.display()))?;
        if entry.file_name().to_str().and_then(chunk_index).is_some_and(|i| i >= count) {
            fs::remove_file(entry.path()).with_context(|| format!("removing {}", entry.path().display()))?;
        }
    }
    Ok(sizes.iter().sum())
}

/// What a chunk file holds after its records: nothing, or the bodies of its stories, in order.
enum Tail<'a> {
    Nothing,
    Bodies(Vec<&'a Body>),
}

impl Tail<'_> {
    fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Tail::Nothing => Ok(()),
            Tail::Bodies(bodies) => {
                let mut buf = Vec::new();
                bodies.iter().try_for_each(|b| match b {
                    Body::Html(html) => out.write_all(html.as_bytes()),
                    Body::Stored(span) => {
                        span.read_into(&mut buf)?;
                        out.write_all(&buf)
                    }
                })
            }
        }
    }
}

/// Which of `count` chunks must be written: every one but those whose file, as loaded, holds
/// exactly the records now assigned to it, each reused from it as it was. `assigned` gives each
/// record's chunk and, when it was reused as is, the chunk of `loaded` it came from; `loaded`
/// gives each chunk read, its slot and how many records it held.
fn dirty_chunks(
    count: usize,
    assigned: impl Iterator<Item = (usize, Option<usize>)>,
    loaded: impl Iterator<Item = (Slot, usize)>,
) -> Vec<bool> {
    let mut file: Vec<Option<(usize, usize)>> = vec![None; count];
    for (i, (slot, len)) in loaded.enumerate() {
        if slot.count == count {
            file[slot.index] = Some((i, len));
        }
    }
    let mut held = vec![0; count];
    let mut dirty: Vec<bool> = file.iter().map(Option::is_none).collect();
    for (chunk, origin) in assigned {
        held[chunk] += 1;
        if origin.is_none() || origin != file[chunk].map(|(i, _)| i) {
            dirty[chunk] = true;
        }
    }
    for ((dirty, file), held) in dirty.iter_mut().zip(&file).zip(held) {
        if file.is_some_and(|(_, len)| len != held) {
            *dirty = true;
        }
    }
    dirty
}

/// Bytes serialised as bytes (postcard: their length, then them), not as a list of numbers.
struct Bytes<B>(B);

impl<B: AsRef<[u8]>> Serialize for Bytes<B> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0.as_ref())
    }
}

/// A story file, its stat and its record, for [`parse`].
type Work<'a> = (&'a (PathBuf, PathBuf), Option<Stat>, Option<Record>);

/// Each story file's [`Stat`] (in the order of the files; `None`: it cannot be looked at), taken
/// once per build, in parallel, for both [`inputs_key`] and [`parse`].
pub struct Stats(Vec<Option<Stat>>);

/// The stats of `files` (`(path under content/, path)`, as `load` lists them).
pub fn stat_stories(files: &[(PathBuf, PathBuf)]) -> Stats {
    Stats(files.par_iter().map(|(_, path)| Stat::at(path)).collect())
}

/// A file's size, modification time and inode, as the state compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat {
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

/// A [`Record`] as a chunk file holds it: its story's body is not in it but in the chunk's bodies,
/// after the records ([`Placed`]).
#[derive(Serialize)]
struct RecordOut<'a> {
    rel: &'a str,
    stat: Stat,
    check: Check,
    hash: u64,
    parsed: &'a Kept,
    body: Option<Placed>,
}

/// [`RecordOut`] read back.
#[derive(Deserialize)]
struct RecordIn {
    rel: String,
    stat: Stat,
    check: Check,
    hash: u64,
    parsed: Kept,
    body: Option<Placed>,
}

/// Where a story's body is among its chunk's bodies, its length and xxh3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Placed {
    offset: u64,
    len: u32,
    hash: u64,
}

/// A chunk's records ready to write: each placed, and the bodies they place, in order.
fn placed<'a>(records: &[&'a Record]) -> (Vec<RecordOut<'a>>, Tail<'a>) {
    let mut offset = 0;
    let mut bodies = Vec::new();
    let out = records
        .iter()
        .map(|r| {
            let body = match &r.parsed {
                Kept::Story(story) => {
                    let placed = Placed { offset, len: story.body.len() as u32, hash: story.body.hash() };
                    offset += u64::from(placed.len);
                    bodies.push(&story.body);
                    Some(placed)
                }
                Kept::Skipped { .. } => None,
            };
            RecordOut { rel: &r.rel, stat: r.stat, check: r.check, hash: r.hash, parsed: &r.parsed, body }
        })
        .collect();
    (out, Tail::Bodies(bodies))
}

/// A stories chunk's body → its records, each story's body a span of the chunk's file.
fn records_of(body: &[u8], opened: Opened) -> Result<Vec<Record>, String> {
    let (records, bodies): (Vec<RecordIn>, &[u8]) =
        postcard::take_from_bytes(body).map_err(|e| format!("it does not decode: {e}"))?;
    let bodies_at = opened.body_at + (body.len() - bodies.len()) as u64;
    let source = bodies::Source::new(opened.file, opened.path);
    let mut end = 0;
    records
        .into_iter()
        .map(|r| {
            let RecordIn { rel, stat, check, hash, mut parsed, body } = r;
            match (&mut parsed, body) {
                (Kept::Story(story), Some(placed)) => {
                    let past = placed.offset + u64::from(placed.len);
                    if placed.offset != end || past > bodies.len() as u64 {
                        return Err("it does not decode: a story's body is not where its record says".into());
                    }
                    end = past;
                    let story = Arc::get_mut(story).ok_or("a story read twice")?;
                    story.body = Body::Stored(bodies::Span {
                        source: Arc::clone(&source),
                        offset: bodies_at + placed.offset,
                        len: placed.len,
                        hash: placed.hash,
                    });
                }
                (Kept::Skipped { .. }, None) => {}
                _ => return Err("it does not decode: a record's body does not match its parse".into()),
            }
            Ok(Record { rel, stat, check, hash, parsed })
        })
        .collect::<Result<Vec<_>, String>>()
        .and_then(|records| {
            if end == bodies.len() as u64 {
                Ok(records)
            } else {
                Err(format!("it does not decode: {} bytes left over", bodies.len() as u64 - end))
            }
        })
}

/// The `stories` state as read: what each story file of the last successful build parsed to, in
/// the chunks that could be used.
#[derive(Debug, Default)]
pub struct Stories {
    /// Each chunk read: its slot and its records (by path).
    chunks: Vec<(Slot, Vec<Record>)>,
    /// The chunks that could not be used.
    discarded: Vec<Discarded>,
    /// Whether the chunks are every one of one layout ([`Chunks::complete`]).
    complete: bool,
    /// One past the highest index of a chunk file in the folder, used or not: a save of fewer
    /// chunks removes those past its count.
    stale_past: Option<usize>,
}

impl Stories {
    /// The stories state in the state folder `dir`: the chunks made with `settings` (in
    /// parallel). `Found` when at least one chunk could be used; the others are
    /// [`Stories::discarded`], and their story files are parsed again.
    pub fn load(dir: &Path, settings: u64) -> Loaded<Stories> {
        let chunks = read_chunks(dir, Kind::Stories, settings, records_of);
        if let Some(why) = chunks.none_used() {
            return Loaded::Discarded(why);
        }
        if chunks.found.is_empty() {
            return Loaded::Missing;
        }
        let complete = chunks.complete();
        // The smallest count past which a save finds chunk files to remove.
        let stale_past = chunks.present.last().map(|&i| i + 1);
        Loaded::Found(Stories { chunks: chunks.found, discarded: chunks.discarded, complete, stale_past })
    }

    /// The story files it records, by path under `content/`: sorted, each once (a build killed
    /// while it replaced the chunks of one layout by another's may leave a path in two).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        let paths: BTreeSet<&str> = self.chunks.iter().flat_map(|(_, c)| c.iter().map(|r| r.rel.as_str())).collect();
        paths.into_iter()
    }

    /// Whether it holds every story file the last build recorded: every chunk of one layout was
    /// read and used. Else a record may be missing, and `--changed` must not take its paths for
    /// the story files.
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// The chunks that were there but could not be used, and why.
    pub fn discarded(&self) -> &[Discarded] {
        &self.discarded
    }

    /// The count of the chunks, when every one read shares it.
    fn layout(&self) -> Option<usize> {
        let count = self.chunks.first()?.0.count;
        self.chunks.iter().all(|(slot, _)| slot.count == count).then_some(count)
    }
}

/// The `stories` state a build leaves for the next: a record for each file that parsed, spread
/// over chunks, and which chunks differ from their files as read.
#[derive(Debug)]
pub struct Next {
    /// By path.
    records: Vec<Record>,
    /// Each record's chunk ([`story_chunk`]).
    chunk: Vec<u32>,
    count: usize,
    /// The chunks to write.
    dirty: Vec<usize>,
}

impl Next {
    /// The next state of `records` (by path), of which `reused[i]`, when set, is record `i` as
    /// read, unchanged, from chunk `reused[i]` of those read (`loaded`: each its slot and how many
    /// records it held); `layout` is the chunk count of those read, if they share one.
    fn new(records: Vec<Record>, reused: &[Option<usize>], layout: Option<usize>, loaded: &[(Slot, usize)]) -> Next {
        debug_assert_eq!(records.len(), reused.len());
        let count = chunk_count(records.len(), layout);
        let chunk: Vec<u32> = records.par_iter().map(|r| story_chunk(&r.rel, count) as u32).collect();
        let assigned = chunk.iter().map(|&c| c as usize).zip(reused.iter().copied());
        let dirty = dirty_chunks(count, assigned, loaded.iter().copied());
        let dirty = dirty.iter().enumerate().filter(|(_, d)| **d).map(|(i, _)| i).collect();
        Next { records, chunk, count, dirty }
    }

    /// Whether saving it writes or removes anything, when the chunk files read reached up to
    /// (not including) index `stale_past`.
    fn changes(&self, stale_past: Option<usize>) -> Changed {
        let stale = stale_past.is_some_and(|past| past > self.count);
        if stale || !self.dirty.is_empty() { Changed::Yes } else { Changed::No }
    }

    /// Writes the chunks whose records changed into the state folder `dir` (in parallel) and
    /// removes those past its count; returns the bytes written.
    pub fn save(&self, dir: &Path, settings: u64) -> Result<u64> {
        let mut held: Vec<Option<Vec<&Record>>> = vec![None; self.count];
        for &i in &self.dirty {
            held[i] = Some(Vec::with_capacity(self.records.len() / self.count + 8));
        }
        for (record, &chunk) in self.records.iter().zip(&self.chunk) {
            if let Some(h) = &mut held[chunk as usize] {
                h.push(record);
            }
        }
        write_chunks(dir, Kind::Stories, settings, self.count, &self.dirty, |i| {
            Ok(placed(held[i].as_deref().unwrap_or(&[])))
        })
    }

    /// How many chunks it is spread over, and which of them a save writes.
    pub fn chunks(&self) -> (usize, &[usize]) {
        (self.count, &self.dirty)
    }
}

/// The `terms` state as read: which chunks held which keys, to tell which chunks the terms a
/// build made change.
#[derive(Debug, Default)]
pub struct Terms {
    /// Each chunk read: its slot and its keys (sorted).
    chunks: Vec<(Slot, Vec<u64>)>,
    discarded: Vec<Discarded>,
    stale_past: Option<usize>,
}

/// The search terms kept in the state folder `dir`, the chunks read in parallel (keyed by what
/// they are made from, so they need no settings fingerprint): `Found` when at least one chunk
/// could be used (the others are [`Terms::discarded`], and their stories are tokenised again).
pub fn load_terms(dir: &Path) -> (Loaded<index::TermCache>, Terms) {
    // Each story's terms stay in their chunk's file, read when the index needs them.
    let chunks = read_chunks(dir, Kind::Terms, 0, |body, opened| {
        let terms: Vec<(u64, &[u8])> = from_body(body)?;
        let source = bodies::Source::new(opened.file, opened.path);
        let at = |bytes: &[u8]| opened.body_at + (bytes.as_ptr() as usize - body.as_ptr() as usize) as u64;
        Ok(terms
            .into_iter()
            .map(|(key, bytes)| (key, index::Encoded::At(bodies::Span::of(&source, at(bytes), bytes))))
            .collect::<Vec<_>>())
    });
    let mut terms = Terms {
        chunks: Vec::with_capacity(chunks.found.len()),
        discarded: Vec::new(),
        stale_past: chunks.present.last().map(|&i| i + 1),
    };
    if let Some(why) = chunks.none_used() {
        terms.stale_past = Some(usize::MAX);
        return (Loaded::Discarded(why), terms);
    }
    if chunks.found.is_empty() {
        return (Loaded::Missing, terms);
    }
    let mut stored =
        FxHashMap::with_capacity_and_hasher(chunks.found.iter().map(|(_, c)| c.len()).sum(), rustc_hash::FxBuildHasher);
    for (slot, chunk) in chunks.found {
        let mut keys: Vec<u64> = chunk.iter().map(|(key, _)| *key).collect();
        keys.sort_unstable();
        stored.extend(chunk);
        terms.chunks.push((slot, keys));
    }
    terms.discarded = chunks.discarded;
    (Loaded::Found(index::TermCache::from_stored(stored)), terms)
}

impl Terms {
    /// The chunks that were there but could not be used, and why.
    pub fn discarded(&self) -> &[Discarded] {
        &self.discarded
    }

    /// Writes the chunks of `terms` whose keys differ from their files as read into the state
    /// folder `dir` (in parallel), and removes those past its count; returns the bytes written (0:
    /// nothing changed).
    pub fn save(&self, dir: &Path, terms: &index::TermCache) -> Result<u64> {
        let stored = terms.stored_map();
        let current =
            self.chunks.first().map(|(s, _)| s.count).filter(|&c| self.chunks.iter().all(|(s, _)| s.count == c));
        let count = chunk_count(stored.len(), current);
        let mut chunks: Vec<Vec<(u64, &index::Encoded)>> = vec![Vec::new(); count];
        for (&key, encoded) in stored {
            chunks[terms_chunk(key, count)].push((key, encoded));
        }
        chunks.par_iter_mut().for_each(|c| c.sort_unstable_by_key(|(key, _)| *key));
        let mut file: Vec<Option<&[u64]>> = vec![None; count];
        for (slot, keys) in &self.chunks {
            if slot.count == count {
                file[slot.index] = Some(keys);
            }
        }
        let dirty: Vec<usize> = (0..count)
            .filter(|&i| file[i].is_none_or(|keys| !keys.iter().copied().eq(chunks[i].iter().map(|(key, _)| *key))))
            .collect();
        if dirty.is_empty() && self.stale_past.is_none_or(|past| past <= count) {
            return Ok(0);
        }
        write_chunks(dir, Kind::Terms, 0, count, &dirty, |i| {
            let terms = chunks[i]
                .iter()
                .map(|&(key, encoded)| Ok((key, Bytes(encoded.read()?))))
                .collect::<std::io::Result<Vec<_>>>()?;
            Ok((terms, Tail::Nothing))
        })
    }
}

/// The related lists the state keeps ([`Kind::Related`]): a build whose lists are made from
/// what these were made from takes them instead of computing them again.
pub fn load_related(dir: &Path, settings: u64) -> Loaded<KeptLists> {
    read(&dir.join(Kind::Related.name()), Kind::Related, settings)
}

/// Writes the related lists `kept` into the state folder `dir`; returns the bytes written.
pub fn save_related(dir: &Path, settings: u64, kept: &KeptLists) -> Result<u64> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write(dir, Kind::Related.name(), &version(Kind::Related, None, settings), kept, &|_| Ok(()))
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
    pub next: Next,
    pub counts: ParseCounts,
    /// Whether `next` differs from the state that was read (else there is nothing to write): a
    /// chunk whose records changed, or chunk files to remove.
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
/// disk)`, sorted) that `previous` does not hold as it is on disk now; each new story's body goes
/// to `spool` as soon as it is parsed (a kept story's stays in its chunk file).
pub fn parse(
    files: &[(PathBuf, PathBuf)],
    stats: &Stats,
    encodings: &Encodings,
    opts: &ParseOptions,
    previous: Loaded<Stories>,
    spool: &Spool,
) -> Parse {
    // The records read, by path, each with the chunk it came from (a build killed while it
    // replaced one layout's chunks by another's may leave a path in two: either record is good).
    let (loaded, layout, stale_past, mut by_rel) = match previous {
        Loaded::Found(s) => {
            let layout = s.layout();
            let loaded: Vec<(Slot, usize)> = s.chunks.iter().map(|(slot, c)| (*slot, c.len())).collect();
            let mut by_rel = HashMap::with_capacity(loaded.iter().map(|(_, len)| len).sum());
            for (i, (_, records)) in s.chunks.into_iter().enumerate() {
                by_rel.extend(records.into_iter().map(|r| (r.rel.clone(), (r, i))));
            }
            (loaded, layout, s.stale_past, by_rel)
        }
        // Whatever is in the folder goes.
        Loaded::Missing | Loaded::Discarded(_) => (Vec::new(), None, Some(usize::MAX), HashMap::new()),
    };
    let started = now_ns();
    let mut origins = Vec::with_capacity(files.len());
    let work: Vec<Work> = files
        .iter()
        .zip(&stats.0)
        .map(|(f, &stat)| {
            let old = f.0.to_str().and_then(|rel| by_rel.remove(rel));
            origins.push(old.as_ref().map(|(_, chunk)| *chunk));
            (f, stat, old.map(|(record, _)| record))
        })
        .collect();
    drop(by_rel); // files that are gone: their chunks hold fewer records now
    let done: Vec<One> = work
        .into_par_iter()
        .map(|((rel, path), stat, old)| one(rel, path, stat, old, encodings, opts, started, spool))
        .collect();
    let mut counts = ParseCounts::default();
    let mut stories = Vec::with_capacity(done.len());
    let (mut skipped, mut errors, mut records) = (Vec::new(), Vec::new(), Vec::with_capacity(done.len()));
    let mut reused = Vec::with_capacity(done.len());
    for (((rel, path), one), origin) in files.iter().zip(done).zip(origins) {
        match one.how {
            How::Kept => counts.kept += 1,
            How::Reread => counts.reread += 1,
            How::Parsed => counts.parsed += 1,
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
            // Kept: its record as read, byte for byte. Re-read: a new mtime or check.
            reused.push(origin.filter(|_| one.how == How::Kept));
        }
    }
    let result = if errors.is_empty() { Ok(Parsed { stories, skipped }) } else { Err(errors) };
    let next = Next::new(records, &reused, layout, &loaded);
    let changed = next.changes(stale_past);
    Parse { result, next, counts, changed }
}

/// One story file: kept when its metadata matches its record, else read, and kept when its bytes
/// hash as recorded, else parsed (its body spooled).
#[allow(clippy::too_many_arguments)]
fn one(
    rel: &Path,
    path: &Path,
    stat: Option<Stat>,
    old: Option<Record>,
    encodings: &Encodings,
    opts: &ParseOptions,
    started: i128,
    spool: &Spool,
) -> One {
    let unreadable = |d: Diagnostic| One { how: How::Parsed, result: Err(vec![d]), seen: None };
    // The stat taken for the whole build ([`stat_stories`]); looked at again only to say why a
    // file could not be.
    let stat = match stat.map_or_else(|| fs::metadata(path).map(|m| Stat::of(&m)), Ok) {
        Ok(stat) => stat,
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
    let result = parse_file(&file, encodings, opts).and_then(|p| match p {
        pipeline::Parsed::Story(mut s) => {
            s.body = spool
                .take(std::mem::take(&mut s.body))
                .map_err(|e| vec![Diagnostic::new(path, 1, 1, format!("cannot keep its body out of memory: {e}"))])?;
            Ok(Kept::Story(Arc::from(s)))
        }
        pipeline::Parsed::Skipped(d) => Ok(Kept::skipped(d)),
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
pub fn inputs_key(inputs: &load::Inputs, stats: &Stats, config: u64) -> Option<u64> {
    // A file that could not be listed fails the build: only a full one reports it.
    if !inputs.errors.is_empty() {
        return None;
    }
    let now = now_ns();
    let stats: Option<Vec<Stat>> = stats.0.iter().map(|s| s.filter(|s| s.mtime_ns < now - RACY_NS)).collect();
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
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        write(dir, LAST, &version(Kind::Last, None, settings), self, &|_| Ok(()))
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

    fn record(rel: &str) -> Record {
        let note = Kept::Skipped { line: 3, col: 1, message: format!("{rel}: not news text"), hint: None };
        let stat = Stat { len: 10, mtime_ns: -5, ino: 7 };
        Record { rel: rel.into(), stat, check: Check::Stat, hash: 42, parsed: note }
    }

    /// `n` records, by path.
    fn records(n: usize) -> Vec<Record> {
        let mut records: Vec<Record> = (0..n).map(|i| record(&format!("s{}/story-{i:04}.md", i % 7))).collect();
        records.sort_by(|a, b| a.rel.cmp(&b.rel));
        records
    }

    /// Writes `records` as a state of its own (every chunk written).
    fn save_fresh(dir: &Path, records: Vec<Record>, settings: u64) -> Next {
        let n = records.len();
        let next = Next::new(records, &vec![None; n], None, &[]);
        next.save(dir, settings).unwrap();
        next
    }

    fn found(dir: &Path, settings: u64) -> Stories {
        match Stories::load(dir, settings) {
            Loaded::Found(s) => s,
            other => panic!("not found: {other:?}"),
        }
    }

    fn reads(dir: &Path, settings: u64) -> Result<usize, String> {
        match Stories::load(dir, settings) {
            Loaded::Found(s) => Ok(s.paths().count()),
            Loaded::Missing => Ok(0),
            Loaded::Discarded(why) => Err(why),
        }
    }

    /// The chunk files in `folder`, by name, with their inodes (a rewritten file is a new one:
    /// it is renamed into place).
    fn inodes(folder: &Path) -> Vec<(String, u64)> {
        let mut files: Vec<(String, u64)> = fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().into_string().unwrap(), ino(&e.metadata().unwrap())))
            .collect();
        files.sort();
        files
    }

    fn rewritten(before: &[(String, u64)], after: &[(String, u64)]) -> Vec<String> {
        after.iter().filter(|f| !before.contains(f)).map(|(name, _)| name.clone()).collect()
    }

    #[test]
    fn the_chunk_count_follows_the_records_within_a_factor_of_two() {
        let cases: [(usize, Option<usize>, usize); 16] = [
            (0, None, 1),
            (1, None, 1),
            (64, None, 1),
            (65, None, 2),
            (129, None, 4),
            (300, None, 8),
            (65_536, None, 1024),
            (1_000_000, None, 1024),
            // Kept while the ideal is within a factor of two of it.
            (65, Some(1), 1),
            (300, Some(4), 4),
            (300, Some(16), 16),
            (300, Some(2), 8),
            (300, Some(32), 8),
            (1_000_000, Some(512), 512),
            // Not a count this code writes.
            (300, Some(6), 8),
            (1_000_000, Some(2048), 1024),
        ];
        for (records, current, want) in cases {
            assert_eq!(chunk_count(records, current), want, "{records} records, {current:?} now");
        }
    }

    #[test]
    fn a_record_s_chunk_is_a_fixed_hash_of_its_path() {
        // Fixed: every build, on every machine, puts a path in the same chunk.
        let cases: [(&str, usize, usize); 4] =
            [("world/harbour.md", 1, 0), ("world/harbour.md", 1024, 280), ("a", 8, 7), ("politics/2026/x.txt", 64, 46)];
        for (rel, count, want) in cases {
            assert_eq!(story_chunk(rel, count), want, "{rel} of {count}");
        }
        assert_eq!(terms_chunk(0x1234_5677, 8), 7);
        // Layouts nest: doubling the count splits each chunk in two.
        for r in records(500) {
            for count in [1, 2, 4, 64, 512] {
                assert_eq!(story_chunk(&r.rel, count * 2) % count, story_chunk(&r.rel, count), "{}", r.rel);
            }
        }
    }

    #[test]
    fn every_record_is_written_once_in_its_chunk() {
        let dir = tempfile::tempdir().unwrap();
        for n in [0, 1, 64, 300, 2000] {
            let all = records(n);
            let count = chunk_count(n, None);
            let next = save_fresh(dir.path(), all.clone(), 1);
            assert_eq!(next.chunks(), (count, &(0..count).collect::<Vec<_>>()[..]), "{n}");
            let names: Vec<String> = inodes(&dir.path().join("stories")).into_iter().map(|(n, _)| n).collect();
            assert_eq!(names, (0..count).map(chunk_name).collect::<Vec<_>>(), "{n} records: one file a chunk");
            let state = found(dir.path(), 1);
            assert!(state.complete() && state.discarded().is_empty(), "{n}");
            let mut seen = Vec::new();
            for (slot, chunk) in &state.chunks {
                assert_eq!(slot.count, count);
                for r in chunk {
                    assert_eq!(story_chunk(&r.rel, count), slot.index, "{} in chunk {}", r.rel, slot.index);
                    seen.push(r.rel.clone());
                }
            }
            seen.sort();
            let want: Vec<String> = all.iter().map(|r| r.rel.clone()).collect();
            assert_eq!(seen, want, "{n} records: each once");
            assert_eq!(state.paths().collect::<Vec<_>>(), want.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_state_file_is_trusted_only_with_its_version_settings_and_whole_body() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stories/0000");
        assert!(matches!(Stories::load(dir.path(), 1), Loaded::Missing));
        save_fresh(dir.path(), records(1), 1);
        assert_eq!(reads(dir.path(), 1), Ok(1));
        // Other settings (a time zone, a language, an encoding changed in gazette.toml).
        assert!(reads(dir.path(), 2).unwrap_err().contains("settings"));
        let good = fs::read(&path).unwrap();
        let end = good.iter().position(|&b| b == b'\n').unwrap();
        let (head, body) = (std::str::from_utf8(&good[..end]).unwrap(), &good[end + 1..]);
        assert!(head.contains(" chunk 0 of 1 settings "), "{head}");
        // Another Gazette's: another format, crate version or build id.
        let ours = format!("gazette-state {FORMAT} ");
        for (from, to) in [(ours.as_str(), "gazette-state 2 "), (env!("GAZETTE_BUILD_ID"), "0000000000000000")] {
            let other = [head.replacen(from, to, 1).as_bytes(), b"\n", body].concat();
            fs::write(&path, other).unwrap();
            assert!(reads(dir.path(), 1).unwrap_err().contains("another Gazette"), "{from}");
        }
        // Truncated, padded, a flipped byte, no version line, not decodable, no chunk or a bad one.
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let with_body = |head: String, body: &[u8]| {
            [format!("{head} body {} {:016x}\n", body.len(), xxh3_64(body)).as_bytes(), body].concat()
        };
        let slot = Some(Slot { index: 0, count: 1 });
        let cases: [(&str, Vec<u8>, &str); 8] = [
            ("truncated", good[..good.len() - 1].to_vec(), "truncated"),
            ("padded", [&good[..], b"x"].concat(), "truncated or altered"),
            ("flipped", flipped, "checksum"),
            ("empty", Vec::new(), "no version line"),
            ("undecodable", with_body(version(Kind::Stories, slot, 1), &[0xff; 3]), "does not decode"),
            ("no chunk", with_body(version(Kind::Stories, None, 1), body), "does not parse"),
            ("chunk 1 of 1", with_body(head.replacen("chunk 0 of 1", "chunk 1 of 1", 1), body), "does not parse"),
            ("chunk 0 of 3", with_body(head.replacen("chunk 0 of 1", "chunk 0 of 3", 1), body), "does not parse"),
        ];
        for (name, bytes, want) in cases {
            fs::write(&path, bytes).unwrap();
            let why = reads(dir.path(), 1).unwrap_err();
            assert!(why.contains(want), "{name}: {why}");
        }
        // Another chunk's file, renamed.
        fs::remove_file(&path).unwrap();
        let other = with_body(version(Kind::Stories, Some(Slot { index: 1, count: 2 }), 1), body);
        fs::write(dir.path().join("stories/0000"), other).unwrap();
        assert!(reads(dir.path(), 1).unwrap_err().contains("names another chunk than 0000"));
        fs::write(&path, &good).unwrap();
        assert_eq!(reads(dir.path(), 1), Ok(1));
    }

    #[test]
    fn a_chunk_that_cannot_be_trusted_is_discarded_alone() {
        let dir = tempfile::tempdir().unwrap();
        let all = records(300);
        save_fresh(dir.path(), all.clone(), 1);
        let path = dir.path().join("stories/0003");
        let good = fs::read(&path).unwrap();
        let end = good.iter().position(|&b| b == b'\n').unwrap();
        let other_settings = {
            let other = tempfile::tempdir().unwrap();
            save_fresh(other.path(), all.clone(), 2);
            fs::read(other.path().join("stories/0003")).unwrap()
        };
        let mut flipped = good.clone();
        flipped[end + (good.len() - end) / 2] ^= 0x20;
        let old_version =
            String::from_utf8_lossy(&good).replacen(&format!("gazette-state {FORMAT} "), "gazette-state 2 ", 1);
        let cases: [(&str, Vec<u8>, &str); 5] = [
            ("a flipped byte", flipped, "corrupt"),
            ("truncated", good[..good.len() * 2 / 3].to_vec(), "truncated"),
            ("another version", old_version.into_bytes(), "another Gazette"),
            ("other settings", other_settings, "settings"),
            ("not a state file", b"hello\n".to_vec(), "does not parse"),
        ];
        let in_3: Vec<&str> = all.iter().map(|r| r.rel.as_str()).filter(|rel| story_chunk(rel, 8) == 3).collect();
        assert!(!in_3.is_empty());
        for (name, bytes, want) in cases {
            fs::write(&path, bytes).unwrap();
            let state = found(dir.path(), 1);
            let [d] = state.discarded() else { panic!("{name}: {:?}", state.discarded()) };
            assert_eq!((d.kind, d.index, d.file()), (Kind::Stories, 3, "stories/0003".to_string()), "{name}");
            assert!(d.why.contains(want), "{name}: {}", d.why);
            assert!(!state.complete(), "{name}");
            // The other chunks' records, all of them, and none of chunk 3's.
            let paths: Vec<&str> = state.paths().collect();
            assert_eq!(paths.len(), all.len() - in_3.len(), "{name}");
            assert!(!paths.iter().any(|p| in_3.contains(p)), "{name}");
        }
        // Every chunk bad: nothing found, and the one reason.
        for i in 0..8 {
            fs::write(dir.path().join("stories").join(chunk_name(i)), b"hello\n").unwrap();
        }
        assert!(
            matches!(Stories::load(dir.path(), 1), Loaded::Discarded(why) if why == "its version line does not parse")
        );
        fs::write(dir.path().join("stories/0005"), b"").unwrap();
        let Loaded::Discarded(why) = Stories::load(dir.path(), 1) else { panic!() };
        assert!(
            why.starts_with(
                "none of its 8 chunks could be used: its version line does not parse; it has no version line"
            ),
            "{why}"
        );
    }

    #[test]
    fn a_chunk_is_dirty_unless_its_file_holds_exactly_its_records_as_they_were() {
        let s = |index, count| Slot { index, count };
        type Case<'a> = (&'a str, usize, Vec<(usize, Option<usize>)>, Vec<(Slot, usize)>, Vec<bool>);
        let two = vec![(s(0, 2), 2), (s(1, 2), 1)];
        let cases: Vec<Case> = vec![
            ("all as read", 2, vec![(0, Some(0)), (0, Some(0)), (1, Some(1))], two.clone(), vec![false, false]),
            ("one parsed anew", 2, vec![(0, Some(0)), (0, None), (1, Some(1))], two.clone(), vec![true, false]),
            ("one removed", 2, vec![(0, Some(0)), (1, Some(1))], two.clone(), vec![true, false]),
            ("one added", 2, vec![(0, Some(0)), (0, Some(0)), (1, Some(1)), (1, None)], two.clone(), vec![false, true]),
            (
                "a chunk file missing",
                2,
                vec![(0, Some(0)), (0, Some(0)), (1, None)],
                vec![(s(0, 2), 2)],
                vec![false, true],
            ),
            ("another layout", 2, vec![(0, Some(0)), (1, Some(0))], vec![(s(0, 1), 2)], vec![true, true]),
            // A build killed while changing layouts: a record read from another layout's chunk.
            ("from another chunk", 2, vec![(0, Some(1))], vec![(s(0, 2), 1), (s(1, 4), 1)], vec![true, true]),
            ("an empty chunk", 2, vec![(0, Some(0))], vec![(s(0, 2), 1), (s(1, 2), 0)], vec![false, false]),
            ("nothing read", 1, vec![], vec![], vec![true]),
        ];
        for (name, count, assigned, loaded, want) in cases {
            assert_eq!(dirty_chunks(count, assigned.into_iter(), loaded.into_iter()), want, "{name}");
        }
    }

    /// A content folder of `n` Markdown stories, an hour old; the `(rel, path)` list parse takes.
    fn content(root: &Path, n: usize) -> Vec<(PathBuf, PathBuf)> {
        (0..n).map(|i| story(root, &format!("s{}/story-{i:04}.md", i % 7), "Text.")).collect()
    }

    fn story(root: &Path, rel: &str, text: &str) -> (PathBuf, PathBuf) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, format!("+++\ntitle = \"{rel}\"\ndate = 2026-11-20T09:00:00Z\n+++\n{text}\n")).unwrap();
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::options().write(true).open(&path).unwrap().set_modified(hour_ago).unwrap();
        (PathBuf::from(rel), path)
    }

    fn parse_in(state: &Path, files: &mut [(PathBuf, PathBuf)]) -> Parse {
        files.sort();
        let opts = ParseOptions::new(jiff::tz::TimeZone::UTC);
        let spool = spool(state).unwrap();
        let parse = parse(files, &stat_stories(files), &Encodings::default(), &opts, Stories::load(state, 1), &spool);
        assert!(parse.result.is_ok());
        parse
    }

    /// Every story body `parse` gave, by path.
    fn bodies_of(parse: &Parse) -> Vec<(String, String)> {
        let stories = &parse.result.as_ref().unwrap().stories;
        stories.iter().map(|s| (s.source.clone(), s.body.read().unwrap().into_owned())).collect()
    }

    #[test]
    fn bodies_live_in_their_chunk_files_and_a_tampered_one_discards_its_chunk() {
        let (site, state) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut files: Vec<_> = (0..200)
            .map(|i| story(site.path(), &format!("s/story-{i:03}.md"), &format!("Body **{i:03}** {}", "é".repeat(i))))
            .collect();
        let first = parse_in(state.path(), &mut files);
        let want = bodies_of(&first);
        assert!(want.iter().all(|(rel, b)| b.contains("<strong>") && b.contains(&rel[8..11])));
        // Spooled: no story holds its body in memory.
        assert!(first.result.as_ref().unwrap().stories.iter().all(|s| s.body.in_memory().is_none()));
        first.next.save(state.path(), 1).unwrap();
        let kept = parse_in(state.path(), &mut files);
        assert_eq!(kept.counts.kept, 200);
        assert_eq!(bodies_of(&kept), want, "read back from the chunk files");
        // One story edited: its chunk is rewritten, the others' bodies copied from their files.
        files[7] = story(site.path(), "s/story-007.md", "A new body.");
        let edited = parse_in(state.path(), &mut files);
        edited.next.save(state.path(), 1).unwrap();
        drop((kept, edited));
        let again = parse_in(state.path(), &mut files);
        assert_eq!(again.counts.kept, 200);
        let mut want = want;
        want[7].1 = "<p>A new body.</p>\n".into();
        assert_eq!(bodies_of(&again), want);
        // A byte of a body flipped on disk: the chunk's checksum, which covers its bodies, fails.
        let chunk = format!("stories/{}", chunk_name(story_chunk("s/story-042.md", 4)));
        let mut bytes = fs::read(state.path().join(&chunk)).unwrap();
        let at = bytes.len() - 2;
        bytes[at] ^= 0x01;
        fs::write(state.path().join(&chunk), bytes).unwrap();
        let loaded = found(state.path(), 1);
        let [d] = loaded.discarded() else { panic!("{:?}", loaded.discarded()) };
        assert_eq!(d.file(), chunk);
        assert!(d.why.contains("corrupt"), "{}", d.why);
    }

    #[test]
    fn a_one_story_change_rewrites_its_chunk_alone() {
        let (site, state) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut files = content(site.path(), 300);
        let first = parse_in(state.path(), &mut files);
        assert_eq!((first.counts.parsed, first.changed), (300, Changed::Yes));
        assert_eq!(first.next.chunks(), (8, &[0, 1, 2, 3, 4, 5, 6, 7][..]));
        first.next.save(state.path(), 1).unwrap();
        let again = parse_in(state.path(), &mut files);
        assert_eq!((again.counts.kept, again.changed, again.next.chunks().1), (300, Changed::No, &[][..]));
        let chunk = |rel: &str| story_chunk(rel, 8);
        type Change<'a> = (&'a str, &'a str, Box<dyn Fn(&mut Vec<(PathBuf, PathBuf)>) + 'a>);
        let changes: Vec<Change> = vec![
            ("edited", "s3/story-0010.md", Box::new(|_| drop(story(site.path(), "s3/story-0010.md", "Edited.")))),
            ("added", "s1/new.md", Box::new(|files| files.push(story(site.path(), "s1/new.md", "New.")))),
            ("removed", "s4/story-0025.md", Box::new(|files| files.retain(|(rel, _)| rel != "s4/story-0025.md"))),
        ];
        let folder = state.path().join("stories");
        for (name, rel, change) in changes {
            change(&mut files);
            let parse = parse_in(state.path(), &mut files);
            assert_eq!((parse.changed, parse.next.chunks().1), (Changed::Yes, &[chunk(rel)][..]), "{name}");
            let before = inodes(&folder);
            parse.next.save(state.path(), 1).unwrap();
            assert_eq!(rewritten(&before, &inodes(&folder)), [chunk_name(chunk(rel))], "{name}");
            let again = parse_in(state.path(), &mut files);
            assert_eq!((again.changed, again.counts.parsed, again.counts.reread), (Changed::No, 0, 0), "{name}");
        }
        // Most stories gone: one chunk, and the files of the others removed.
        files.truncate(20);
        let parse = parse_in(state.path(), &mut files);
        assert_eq!(parse.next.chunks(), (1, &[0][..]));
        parse.next.save(state.path(), 1).unwrap();
        assert_eq!(inodes(&folder).len(), 1);
        assert_eq!(found(state.path(), 1).paths().count(), 20);
    }

    #[test]
    fn chunks_of_two_layouts_left_by_a_killed_build_list_each_file_once() {
        let (site, state) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut files = content(site.path(), 300);
        parse_in(state.path(), &mut files).next.save(state.path(), 1).unwrap();
        // A build that went from 8 chunks to 4, killed after writing chunk 0 (and before removing
        // chunks 4 to 7): the records of chunk 4 of 8 are also in chunk 0 of 4.
        let loaded = found(state.path(), 1);
        let records: Vec<&Record> = loaded.chunks.iter().flat_map(|(_, c)| c).collect();
        let zero: Vec<&Record> = records.iter().copied().filter(|r| story_chunk(&r.rel, 4) == 0).collect();
        let slot = Slot { index: 0, count: 4 };
        let (zero, bodies) = placed(&zero);
        write(&state.path().join("stories"), "0000", &version(Kind::Stories, Some(slot), 1), &zero, &|out| {
            bodies.write(out)
        })
        .unwrap();
        let mixed = found(state.path(), 1);
        assert!(!mixed.complete());
        let paths: Vec<&str> = mixed.paths().collect();
        let want: Vec<&str> = files.iter().map(|(rel, _)| rel.to_str().unwrap()).collect();
        assert_eq!(paths, want, "every file, each once");
        // The next build keeps every record and writes one layout whole again.
        let parse = parse_in(state.path(), &mut files);
        assert_eq!((parse.counts.kept, parse.changed), (300, Changed::Yes));
        parse.next.save(state.path(), 1).unwrap();
        let state = found(state.path(), 1);
        assert!(state.complete() && state.chunks.len() == 8);
        assert_eq!(state.paths().count(), 300);
    }

    #[test]
    fn the_single_files_of_format_1_are_discarded_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        for kind in [Kind::Stories, Kind::Terms] {
            let old = format!("gazette-state 1 {} gazette 0.1.0 build 0 settings 0 body 3 0\nabc", kind.name());
            fs::write(dir.path().join(kind.name()), old).unwrap();
        }
        fn why<T>(loaded: Loaded<T>) -> String {
            match loaded {
                Loaded::Discarded(why) => why,
                _ => panic!("not discarded"),
            }
        }
        let stories = why(Stories::load(dir.path(), 1));
        assert!(stories.contains("another Gazette (`gazette-state 1 stories"), "{stories}");
        let (terms, kept) = load_terms(dir.path());
        let terms = why(terms);
        assert!(terms.contains("another Gazette (`gazette-state 1 terms"), "{terms}");
        save_fresh(dir.path(), records(3), 1);
        kept.save(dir.path(), &index::TermCache::stored()).unwrap();
        for kind in [Kind::Stories, Kind::Terms] {
            assert!(dir.path().join(kind.name()).join("0000").is_file(), "{kind:?}");
        }
        assert_eq!(reads(dir.path(), 1), Ok(3));
    }

    fn term_cache(keys: impl Iterator<Item = u64>) -> index::TermCache {
        index::TermCache::from_stored(keys.map(|k| (k, index::Encoded::Bytes(Box::from(k.to_le_bytes())))).collect())
    }

    /// Each key's terms as bytes, sorted by key.
    fn term_bytes(cache: &index::TermCache) -> Vec<(u64, Vec<u8>)> {
        let mut all: Vec<_> = cache.stored_map().iter().map(|(&k, e)| (k, e.read().unwrap().into_owned())).collect();
        all.sort();
        all
    }

    #[test]
    fn terms_are_chunked_by_key_and_only_changed_chunks_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let keys = |n: u64| (0..n).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let folder = dir.path().join("terms");
        assert!(Terms::default().save(dir.path(), &term_cache(keys(300))).unwrap() > 0);
        assert_eq!(inodes(&folder).len(), 8);
        let (Loaded::Found(cache), kept) = load_terms(dir.path()) else { panic!() };
        assert_eq!(term_bytes(&cache), term_bytes(&term_cache(keys(300))), "read back from the chunk files");
        // The same terms: nothing written.
        assert_eq!(kept.save(dir.path(), &cache).unwrap(), 0);
        // One story's terms gone, another's added: their chunks alone.
        let (gone, new) = (keys(300).nth(17).unwrap(), 0xdead_beef_u64);
        let changed = term_cache(keys(300).filter(|&k| k != gone).chain([new]));
        let before = inodes(&folder);
        assert!(kept.save(dir.path(), &changed).unwrap() > 0);
        let mut want = vec![chunk_name(terms_chunk(gone, 8)), chunk_name(terms_chunk(new, 8))];
        want.sort();
        want.dedup();
        assert_eq!(rewritten(&before, &inodes(&folder)), want);
        // A bad chunk: the others still load.
        let path = folder.join("0002");
        let mut bytes = fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        fs::write(&path, bytes).unwrap();
        let (Loaded::Found(cache), kept) = load_terms(dir.path()) else { panic!() };
        let [d] = kept.discarded() else { panic!("{:?}", kept.discarded()) };
        assert_eq!(d.file(), "terms/0002");
        assert!(d.why.contains("corrupt"), "{}", d.why);
        let in_2 = changed.stored_map().keys().filter(|&&k| terms_chunk(k, 8) == 2).count();
        assert_eq!(cache.len(), 300 - in_2);
        // Written again whole from the terms made next.
        let before = inodes(&folder);
        kept.save(dir.path(), &changed).unwrap();
        assert_eq!(rewritten(&before, &inodes(&folder)), ["0002"]);
    }

    #[test]
    fn the_state_folder_is_beside_the_output() {
        assert_eq!(folder(Path::new("site/public")), Path::new("site/.public.gazette-state"));
        assert_eq!(folder(Path::new("out")), Path::new("./.out.gazette-state"));
    }
}
