//! Photos: the site model's photo references → resized, re-encoded renditions in the cache, and
//! what pages say about each photo. A stage between the site model and the plan
//! (`pipeline::build`): [`process`] takes the [`Site`] and gives [`Photos`], whose renditions
//! become plan entries (`Job::Photo`) that the render loop copies from the cache into the output
//! like static files, with the rendition's key as their digest.
//!
//! A story names its photos in front matter (`image`, `images`), as Markdown images, or as a
//! feed item's picture; local files are beside the story (`content/…`) or under `static/` (a path
//! starting with `/`). `http(s)://` URLs, and files of other kinds than JPEG and PNG, are shown as
//! written, without renditions. A missing file is an error at the line that names it; a file that
//! is not a usable image (not an image, truncated, too large) is an error naming it. Every error
//! of every photo is reported in one run.
//!
//! Invariants: the output never depends on the cache's state (a rendition's bytes are a function
//! of its key); a source whose size, mtime and inode match the cache index is neither read nor
//! decoded; at most [`MEMORY_BUDGET`] bytes of pixels are decoded at once, whatever the number of
//! cores; no photo's metadata reaches a rendition.

pub mod cache;
pub mod meta;
pub mod pixels;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::{Condvar, Mutex};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::config::{ImagesConfig, PhotoFormat};
use crate::diag::Diagnostic;
use crate::load::mtime_ns;
use crate::parse::{PhotoOrigin, PhotoRef, Story};
use crate::site::urls::content_path;
use crate::site::{Site, Visibility};
use cache::{Cache, Index, SourceRecord};
use meta::Meta;
use pixels::{Codec, Header};

/// Decoded pixels held at once, across threads (a 24-megapixel photo decodes to 72 MB of RGB;
/// its renditions' buffers are smaller).
pub const MEMORY_BUDGET: u64 = 256 << 20;
/// A photo file larger than this is refused unread.
pub const MAX_FILE: u64 = 256 << 20;

/// One rendition: a size and encoding of one source photo.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub width: u32,
    pub height: u32,
    pub format: PhotoFormat,
    /// The source's content hash and every parameter of its making: its digest.
    pub key: u64,
    /// Where it goes in the output: `photos/NAME-WIDTH-KEY.EXT`.
    pub path: String,
    /// Where the cache keeps it.
    pub cached: PathBuf,
}

/// A local source photo, read.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path under the site folder.
    pub rel: String,
    /// Upright size.
    pub width: u32,
    pub height: u32,
    pub meta: Meta,
    /// Its renditions in [`Photos::renditions`], narrowest first per format.
    pub renditions: std::ops::Range<usize>,
}

/// A photo as one story shows it.
#[derive(Debug, Clone, Hash)]
pub struct Shown {
    pub photo: Photo,
    /// The story's own text over the photo's embedded text.
    pub text: Meta,
    pub origin: PhotoOrigin,
    /// `src` as written (to find a body image's `<img>`).
    pub src: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Photo {
    /// An index into [`Photos::sources`].
    Local(usize),
    /// A URL or a file Gazette does not resize, shown as written.
    AsWritten,
}

/// What the stage did, for `build -v`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub sources: usize,
    /// Sources read and hashed (new or changed since the index).
    pub read: usize,
    /// Sources decoded (some rendition was not in the cache).
    pub decoded: usize,
    /// Renditions encoded.
    pub made: usize,
    /// Renditions removed from the cache, no longer used.
    pub pruned: usize,
}

/// Every photo of a build.
#[derive(Debug, Default)]
pub struct Photos {
    pub sources: Vec<Source>,
    pub renditions: Vec<Rendition>,
    /// Story source (path under `content/`) → its photos, in order.
    by_story: FxHashMap<String, Vec<Shown>>,
    /// Source path under the site → its index in `sources`.
    by_rel: HashMap<String, usize>,
    pub stats: Stats,
    pub warnings: Vec<Diagnostic>,
    pub sizes: String,
}

impl Photos {
    /// The photos `story` shows, in order (the first leads).
    pub fn of(&self, story: &Story) -> &[Shown] {
        if self.by_story.is_empty() {
            return &[];
        }
        self.by_story.get(&story.source).map_or(&[], Vec::as_slice)
    }

    pub fn source(&self, i: usize) -> &Source {
        &self.sources[i]
    }

    /// A source's renditions in one format, narrowest first.
    pub fn renditions_of(&self, i: usize, format: PhotoFormat) -> impl Iterator<Item = &Rendition> {
        self.renditions[self.sources[i].renditions.clone()].iter().filter(move |r| r.format == format)
    }

    /// A fingerprint of what pages show of `story`'s photos (the renditions' keys and the text).
    pub fn fingerprint(&self, story: &Story, h: &mut impl Hasher) {
        for s in self.of(story) {
            s.hash(h);
            if let Photo::Local(i) = s.photo {
                for r in &self.renditions[self.sources[i].renditions.clone()] {
                    (r.key, &r.path, r.width, r.height).hash(h);
                }
            }
        }
    }
}

impl Photos {
    /// Adds one processed source and its renditions.
    fn add(&mut self, rel: String, d: Done) {
        self.stats.sources += 1;
        self.stats.read += usize::from(d.read);
        self.stats.decoded += usize::from(d.decoded);
        self.stats.made += d.made;
        let start = self.renditions.len();
        self.renditions.extend(d.renditions);
        let (width, height) = pixels::oriented(d.record.width, d.record.height, d.record.orientation);
        let renditions = start..self.renditions.len();
        self.by_rel.insert(rel.clone(), self.sources.len());
        self.sources.push(Source { rel, width, height, meta: d.record.meta, renditions });
    }

    /// A reference as its story shows it: the story's own text over the photo's embedded text.
    fn shown(&self, r: &PhotoRef, rel: Option<&str>) -> Shown {
        let own = Meta { caption: r.caption.clone(), credit: r.credit.clone(), alt: r.alt.clone(), ..Meta::default() };
        let (photo, text) = match rel.and_then(|rel| self.by_rel.get(rel).copied()) {
            Some(i) => (Photo::Local(i), own.or(self.sources[i].meta.clone())),
            None => (Photo::AsWritten, own),
        };
        Shown { photo, text, origin: r.origin, src: r.src.clone() }
    }
}

/// Finds every local photo the site's stories show, reads the new or changed ones, makes the
/// renditions the cache lacks, records the index and prunes renditions no longer used. All
/// errors (missing files, unusable photos) come back together.
pub fn process(site: &Site) -> Result<Photos, Vec<Diagnostic>> {
    let config = &site.config().images;
    let cache = Cache::new(&config.cache_dir);
    let Found { wanted, refs, mut errors } = find(site);
    let (index, discarded) = cache.read_index();
    let mut warnings = Vec::new();
    if let Some(why) = discarded {
        let d = Diagnostic::new(&cache.dir, 1, 1, format!("the photo cache index was discarded: {why}"));
        warnings.push(d.with_hint("each photo is read again; renditions already in the cache are kept"));
    }
    let budget = Budget::new(MEMORY_BUDGET);
    let done: Vec<(String, Result<Done, Diagnostic>)> = wanted
        .par_iter()
        .map(|(rel, (abs, users))| {
            let result = source(rel, abs, index.sources.get(rel), config, &cache, &budget).map_err(|msg| {
                let (story, line) = &users[0];
                Diagnostic::new(abs, 1, 1, format!("photo {msg}"))
                    .with_hint(format!("shown by {}:{line}", story.display()))
            });
            (rel.clone(), result)
        })
        .collect();
    let mut photos = Photos { sizes: config.sizes.clone(), ..Photos::default() };
    let mut new_index = Index { version: cache::version(), sources: BTreeMap::new() };
    for (rel, result) in done {
        match result {
            Ok(d) => {
                if d.record.cmyk {
                    let msg = "photo is CMYK: converted to RGB without its colour profile, colours may shift";
                    warnings.push(Diagnostic::new(&wanted[&rel].0, 1, 1, msg).with_hint("save it as RGB (sRGB)"));
                }
                new_index.sources.insert(rel.clone(), d.record.clone());
                photos.add(rel, d);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for (story, mine) in refs {
        let shown = mine.into_iter().map(|(r, rel)| photos.shown(r, rel.as_deref())).collect();
        photos.by_story.insert(story.source.clone(), shown);
    }
    let fail = |e: anyhow::Error| vec![Diagnostic::new(&cache.dir, 1, 1, format!("{e:#}"))];
    if !photos.sources.is_empty() || cache.dir.exists() {
        if new_index != index {
            // A warm build, whose every source matched, writes nothing.
            cache.write_index(&new_index).map_err(fail)?;
        }
        let keep: HashSet<String> = photos
            .renditions
            .iter()
            .filter_map(|r| r.cached.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        photos.stats.pruned = cache.prune(&keep).map_err(fail)?;
    }
    warnings.sort();
    photos.warnings = warnings;
    Ok(photos)
}

/// Each story's photo references, resolved to a file under the site (`None`: shown as written).
type StoryRefs<'s> = Vec<(&'s Story, Vec<(&'s PhotoRef, Option<String>)>)>;

/// What [`find`] found.
struct Found<'s> {
    /// Local photo (path under the site) → its full path and the stories (file, line) showing it.
    wanted: BTreeMap<String, (PathBuf, Vec<(PathBuf, usize)>)>,
    refs: StoryRefs<'s>,
    /// Missing files and paths leading out of the site, located where the story names them.
    errors: Vec<Diagnostic>,
}

/// Resolves every photo reference of every shown story (withdrawn ones show none).
fn find(site: &Site) -> Found<'_> {
    let mut found = Found { wanted: BTreeMap::new(), refs: Vec::new(), errors: Vec::new() };
    for (c, chain) in site.chains().iter_enumerated() {
        if chain.visibility == Visibility::Withdrawn {
            continue;
        }
        let story = site.shown(c);
        let file = content_path(site.config(), &story.source);
        let mut mine = Vec::new();
        for r in &story.photos {
            match locate(site, story, r) {
                Located::AsWritten => mine.push((r, None)),
                Located::Local(_, abs) if abs.is_file() && !inside(&site.config().site_dir, &abs) => {
                    let msg = format!("photo `{}` is a symbolic link leading outside the site folder", r.src);
                    found.errors.push(Diagnostic::new(&file, r.line, r.col, msg));
                }
                Located::Local(rel, abs) if abs.is_file() => {
                    let users = &mut found.wanted.entry(rel.clone()).or_insert_with(|| (abs, Vec::new())).1;
                    users.push((file.clone(), r.line));
                    mine.push((r, Some(rel)));
                }
                Located::Local(_, abs) => {
                    let msg = format!("photo `{}` not found (looked for {})", r.src, abs.display());
                    let hint = "a relative path is beside the story; a path starting with `/` is under static/";
                    found.errors.push(Diagnostic::new(&file, r.line, r.col, msg).with_hint(hint));
                }
                Located::Outside => {
                    let msg = format!("photo `{}` is outside the site folder", r.src);
                    found.errors.push(Diagnostic::new(&file, r.line, r.col, msg));
                }
            }
        }
        found.refs.push((story, mine));
    }
    found
}

/// Whether `path`, symbolic links followed, is under `dir` (as `load` requires of story files).
fn inside(dir: &Path, path: &Path) -> bool {
    match (std::fs::canonicalize(dir), std::fs::canonicalize(path)) {
        (Ok(dir), Ok(path)) => path.starts_with(dir),
        _ => false,
    }
}

/// Where a photo reference points.
enum Located {
    /// A file under the site folder: its path relative to the site, and the full path.
    Local(String, PathBuf),
    AsWritten,
    Outside,
}

fn locate(site: &Site, story: &Story, r: &PhotoRef) -> Located {
    let src = r.src.split(['#', '?']).next().unwrap_or("");
    if src.is_empty() || src.contains(':') || src.starts_with("//") {
        return Located::AsWritten;
    }
    let lower = src.to_ascii_lowercase();
    if ![".jpg", ".jpeg", ".png"].iter().any(|e| lower.ends_with(e)) {
        return Located::AsWritten;
    }
    let decoded = percent_encoding::percent_decode_str(src).decode_utf8_lossy().into_owned();
    let (base, rest) = match decoded.strip_prefix('/') {
        Some(rest) => (PathBuf::from("static"), rest.to_string()),
        None => {
            let dir = Path::new("content").join(&story.source);
            (dir.parent().map(Path::to_path_buf).unwrap_or_default(), decoded)
        }
    };
    let mut parts: Vec<String> = Vec::new();
    for c in base.join(&rest).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::ParentDir if parts.pop().is_some() => {}
            Component::CurDir => {}
            _ => return Located::Outside,
        }
    }
    if parts.len() < 2 {
        return Located::Outside;
    }
    let rel = parts.join("/");
    let abs = site.config().site_dir.join(&rel);
    Located::Local(rel, abs)
}

/// One source photo, done: its record for the index, its renditions, and what it took.
struct Done {
    record: SourceRecord,
    renditions: Vec<Rendition>,
    read: bool,
    decoded: bool,
    made: usize,
}

/// Reads (unless the index says it is unchanged) and renders (what the cache lacks) one photo.
fn source(
    rel: &str,
    abs: &Path,
    known: Option<&SourceRecord>,
    config: &ImagesConfig,
    cache: &Cache,
    budget: &Budget,
) -> Result<Done, String> {
    let stat = std::fs::metadata(abs).map_err(|e| format!("cannot be read: {e}"))?;
    if stat.len() > MAX_FILE {
        return Err(format!("is {} MB, over the limit of {} MB", stat.len() >> 20, MAX_FILE >> 20));
    }
    let (len, mtime, ino) = (stat.len(), mtime_ns(&stat), ino(&stat));
    let mut bytes: Option<img_parts::Bytes> = None;
    let record = match known.filter(|k| (k.len, k.mtime_ns, k.ino) == (len, mtime, ino)) {
        Some(k) => k.clone(),
        None => {
            let b = img_parts::Bytes::from(std::fs::read(abs).map_err(|e| format!("cannot be read: {e}"))?);
            let record = read_record(&b, len, mtime, ino)?;
            bytes = Some(b);
            record
        }
    };
    let read = bytes.is_some();
    let renditions = plan_renditions(rel, &record, config, cache);
    let missing: Vec<&Rendition> = renditions.iter().filter(|r| !r.cached.is_file()).collect();
    if missing.is_empty() {
        return Ok(Done { record, renditions, read, decoded: false, made: 0 });
    }
    let bytes = match bytes {
        Some(b) => b,
        None => img_parts::Bytes::from(std::fs::read(abs).map_err(|e| format!("cannot be read: {e}"))?),
    };
    let made = make(&missing, &bytes, &record, config.quality, cache, budget)?;
    Ok(Done { record, renditions, read, decoded: true, made })
}

/// Decodes a photo once (within the memory budget, at the smallest size the widest missing
/// rendition needs), then resizes it to each missing size and encodes each format into the cache.
fn make(
    missing: &[&Rendition],
    bytes: &[u8],
    record: &SourceRecord,
    quality: u8,
    cache: &Cache,
    budget: &Budget,
) -> Result<usize, String> {
    let header = Header { codec: record.codec, width: record.width, height: record.height };
    let widest = missing.iter().map(|r| r.width).max().unwrap_or(1);
    let _held = budget.take(u64::from(record.width) * u64::from(record.height) * 3);
    let px = pixels::decode(bytes, header, record.orientation, widest).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&cache.dir).map_err(|e| format!("cache {}: {e}", cache.dir.display()))?;
    let mut made = 0;
    let mut by_size: Vec<(u32, u32)> = missing.iter().map(|r| (r.width, r.height)).collect();
    by_size.sort_unstable();
    by_size.dedup();
    for (w, h) in by_size {
        let resized = pixels::resize(&px, w, h).map_err(|e| format!("cannot be resized: {e}"))?;
        for r in missing.iter().filter(|r| (r.width, r.height) == (w, h)) {
            let encoded =
                pixels::encode(&resized, w, h, r.format, quality).map_err(|e| format!("cannot be encoded: {e}"))?;
            cache::put(&r.cached, &encoded).map_err(|e| format!("{e:#}"))?;
            made += 1;
        }
    }
    Ok(made)
}

/// Hashes a photo's bytes, reads its header (refusing bombs and non-images) and its metadata.
fn read_record(bytes: &img_parts::Bytes, len: u64, mtime_ns: i128, ino: u64) -> Result<SourceRecord, String> {
    let header = pixels::header(bytes).map_err(|e| e.to_string())?;
    if header.codec == Codec::Jpeg && !ends_like_a_jpeg(bytes) {
        return Err("is truncated: its data stops before the JPEG end-of-image marker".into());
    }
    let embedded = meta::read(bytes);
    let mut h = DefaultHasher::new();
    bytes.as_ref().hash(&mut h);
    Ok(SourceRecord {
        len,
        mtime_ns,
        ino,
        hash: h.finish(),
        width: header.width,
        height: header.height,
        orientation: embedded.orientation,
        codec: header.codec,
        meta: embedded.meta,
        cmyk: header.codec == Codec::Jpeg && is_cmyk(bytes),
    })
}

/// Whether a JPEG's last bytes hold its end-of-image marker (some cameras append a little data
/// after it, so the last 64 KiB are searched).
fn ends_like_a_jpeg(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(64 << 10)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

fn is_cmyk(bytes: &[u8]) -> bool {
    let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
    d.read_info().is_ok() && d.info().is_some_and(|i| i.pixel_format == jpeg_decoder::PixelFormat::CMYK32)
}

/// The renditions of one source: each configured width narrower than the photo, and the photo's
/// own width when a configured one is wider (never upscaled), in every format.
fn plan_renditions(rel: &str, record: &SourceRecord, config: &ImagesConfig, cache: &Cache) -> Vec<Rendition> {
    let (w, h) = pixels::oriented(record.width, record.height, record.orientation);
    let mut widths: Vec<u32> = config.widths.iter().copied().filter(|&x| x < w).collect();
    if widths.is_empty() || config.widths.iter().any(|&x| x >= w) {
        widths.push(w);
    }
    let stem = Path::new(rel).file_stem().map(|s| crate::text::slugify(&s.to_string_lossy())).unwrap_or_default();
    let stem = if stem.is_empty() { "photo".to_string() } else { stem };
    let mut out = Vec::new();
    for &format in &config.formats {
        for &width in &widths {
            let height = ((u64::from(width) * u64::from(h) + u64::from(w) / 2) / u64::from(w)).max(1) as u32;
            let mut hasher = DefaultHasher::new();
            (cache::version(), record.hash, record.len, record.orientation, width, height, format, config.quality)
                .hash(&mut hasher);
            let key = hasher.finish();
            out.push(Rendition {
                width,
                height,
                format,
                key,
                path: format!("photos/{stem}-{width}-{:08x}.{}", key >> 32, format.ext()),
                cached: cache.rendition(key, format.ext()),
            });
        }
    }
    out
}

#[cfg(unix)]
fn ino(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn ino(_: &std::fs::Metadata) -> u64 {
    0
}

/// Bytes of pixels that may be decoded at once; a photo waits for its share. One larger than the
/// whole budget waits until nothing else is held.
struct Budget {
    free: Mutex<u64>,
    freed: Condvar,
    total: u64,
}

struct Held<'b> {
    budget: &'b Budget,
    amount: u64,
}

impl Budget {
    fn new(total: u64) -> Self {
        Budget { free: Mutex::new(total), freed: Condvar::new(), total }
    }

    fn take(&self, want: u64) -> Held<'_> {
        let amount = want.min(self.total);
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free < amount {
            free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= amount;
        Held { budget: self, amount }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        *self.budget.free.lock().unwrap_or_else(|p| p.into_inner()) += self.amount;
        self.budget.freed.notify_all();
    }
}
