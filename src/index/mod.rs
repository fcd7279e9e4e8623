//! Index: the site model → the search index, a stage of its own between `related` and `plan`.
//! Built from the model (never by parsing the HTML again) as the static files of `/search/` the
//! search page's script reads (`templates/search.js`). Each language has a set of its own under its
//! prefix (`/search/`, `/ko/search/`), tokenised for that language:
//!
//! - `meta.json`: counts, the stemmer, the sections;
//! - `d/N.json`: documents `[headline, URL path, date, section, snippet]`, `DOC_CHUNK` a file,
//!   numbered oldest first so a new story changes only the last file (the path without the site's
//!   root, and without its `/SECTION/YYYY/MM/DD/` start when it has one; the date `""` when it is
//!   the previous document's);
//! - `t/N.json`: postings `term → [doc, score, …]` (each document number but the first as its
//!   distance from the one before), a term in file `fnv1a32(term) % chunks`, so a query fetches
//!   only its terms' files; a term in more than 1,000 documents as `{n, top, bits}` or `{n, top,
//!   ids}` (`Entry::Common`); with Spanish or French, `~word → stem` aliases too (the script
//!   stems English itself).
//!
//! Terms come from [`tokenize`] (bigrams for Korean, Chinese and Japanese, stems for English,
//! Spanish and French). Scores: headline 10 per occurrence, tags, section and byline names 5,
//! summary 3, body 1 (a subscribers' story: its lede only, never its gated text), capped at 255.
//! The documents are tokenised in shards, contiguous runs of documents on rayon's threads, each
//! with a vocabulary of its own (a run of text met before costs one lookup and no allocation);
//! each term file then gathers its terms' lists from every shard in document order. Body HTML is
//! read in place, a piece between tags and character references at a time.
//! Every file is a plan entry whose digest is the index's fingerprint ([`SearchIndex::fingerprint`]):
//! when any story's terms change, every file is made again, and the writers, which compare bytes,
//! replace only the files whose postings changed.

mod patch;
pub mod tokenize;

pub use patch::patch;

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use rayon::prelude::*;

use crate::bodies::{Span, Spool};
use crate::config::LangId;
use crate::diag::Diagnostic;
use crate::site::{ChainId, Site};
use tokenize::{Kind, Language, Tokenizer};

/// Documents per `d/N.json` file (more on very large sites, to stay under [`MAX_FILES`]).
const DOC_CHUNK: usize = 16;
/// The whole index stays under this many files.
const MAX_FILES: usize = 2000;
/// What one `t/N.json` file should hold, roughly.
const TERM_CHUNK_BYTES: usize = 16 * 1024;
/// The most term files: past it, files grow instead (a query fetches one per term, but ten
/// documents' files, so the file budget goes to documents first).
const MAX_TERM_CHUNKS: usize = 512;
/// The longest snippet, in characters.
const SNIPPET: usize = 160;

/// The files of `/search/` other than the page and its script: their paths, known from the number
/// of stories alone, and their bytes, made when first asked for. A build whose index inputs did
/// not change (the fingerprint every file's digest holds) never makes them: its files are kept.
#[derive(Debug)]
pub struct SearchIndex {
    /// Per language: `PREFIX/search/meta.json`, then `…/d/N.json`, then `…/t/N.json`; none with
    /// `[search] enabled = false`.
    pub paths: Vec<String>,
    /// Everything the files are made from, hashed: equal fingerprints, equal files.
    pub fingerprint: u64,
    layouts: Vec<Layout>,
    bytes: OnceLock<Made>,
    /// Per file, the xxh3 of its bytes, when they were made at once ([`build_cached`], `serve`):
    /// each file's digest, so that an edit re-digests, and writes, only the files it changed.
    hashes: Vec<u64>,
    /// What [`patch::patch`] needs to make the next index by patching this one (`serve`).
    retained: Option<patch::Retained>,
}

#[derive(Debug, Clone)]
struct Layout {
    lang: LangId,
    /// `search/` or `ko/search/`.
    folder: String,
    language: Language,
    /// Listed stories, oldest first: document `n` is `docs[n]`.
    docs: Vec<ChainId>,
    /// Per document: a fingerprint of what its terms are made from ([`doc_key`]).
    keys: Vec<u64>,
    /// Per document: its key, URL and date, what its entry in a `d/N.json` file shows.
    views: Vec<u64>,
    doc_chunk: usize,
    term_chunks: usize,
}

impl SearchIndex {
    /// Makes every file now, in parallel. Call it before the render loop whenever a file may be
    /// rendered: made from inside the loop, the files are made on one thread (a rayon worker
    /// waiting inside a `OnceLock` initialiser must not steal work that needs the same lock).
    pub fn prepare(&self, site: &Site) {
        self.bytes.get_or_init(|| make_all(site, &self.layouts, &mut TermCache::off(), Threads::Many, None));
    }

    /// [`SearchIndex::prepare`], reusing and refreshing `cache` (the terms the build state kept).
    pub fn prepare_cached(&self, site: &Site, cache: &mut TermCache) {
        self.bytes.get_or_init(|| make_all(site, &self.layouts, cache, Threads::Many, None));
    }

    /// The bytes of file `i` (of [`SearchIndex::paths`]); the first call makes every file. An
    /// error: a story body could not be read.
    /// What file `i` is made from: the xxh3 of its bytes when they were made at once, else the
    /// whole index's [`SearchIndex::fingerprint`].
    pub fn digest_of(&self, i: usize) -> u64 {
        self.hashes.get(i).copied().unwrap_or(self.fingerprint)
    }

    pub fn file(&self, i: usize, site: &Site) -> Result<&[u8], Diagnostic> {
        match self.bytes.get_or_init(|| make_all(site, &self.layouts, &mut TermCache::off(), Threads::One, None)) {
            Ok(files) => Ok(&files[i]),
            Err(failed) => Err(failed[0].clone()),
        }
    }
}

/// Every file of the index, or the bodies that could not be read (sorted).
type Made = Result<Vec<Vec<u8>>, Vec<Diagnostic>>;

/// Whether making the index may use rayon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Threads {
    One,
    Many,
}

impl SearchIndex {
    /// An index with no files, standing in for one taken out of a plan.
    pub fn none() -> Self {
        SearchIndex {
            paths: Vec::new(),
            fingerprint: 0,
            layouts: Vec::new(),
            bytes: OnceLock::new(),
            hashes: Vec::new(),
            retained: None,
        }
    }
}

/// Plans the index of every listed story; its files are made when the render loop first needs one.
pub fn build(site: &Site) -> SearchIndex {
    let layouts: Vec<Layout> = match site.config().search {
        crate::config::Search::On => site.languages().map(|l| layout(site, l)).collect(),
        crate::config::Search::Off => Vec::new(),
    };
    let paths = layouts.iter().flat_map(paths).collect();
    let fingerprint = fingerprint(site, &layouts);
    SearchIndex { paths, fingerprint, layouts, bytes: OnceLock::new(), hashes: Vec::new(), retained: None }
}

/// [`build`], its files made at once, reusing and refreshing `cache` (what `serve` keeps).
/// The index keeps its shards' postings, so that the next one can be made by patching it
/// ([`patch()`]).
pub fn build_cached(site: &Site, cache: &mut TermCache) -> SearchIndex {
    let mut index = build(site);
    if index.paths.is_empty() {
        // No files (`[search] enabled = false`): nothing to make, and nothing to patch.
        let _ = index.bytes.set(Ok(Vec::new()));
        index.retained = Some(patch::Retained::new(Vec::new()));
        return index;
    }
    let mut retained = Vec::new();
    let made = make_all(site, &index.layouts, cache, Threads::Many, Some(&mut retained));
    if let Ok(files) = &made {
        index.hashes = files.iter().map(|f| xxhash_rust::xxh3::xxh3_64(f)).collect();
        index.retained = Some(patch::Retained::new(retained));
    }
    let _ = index.bytes.set(made);
    index
}

fn layout(site: &Site, lang: LangId) -> Layout {
    // Oldest first: the home page's order reversed.
    let docs: Vec<ChainId> = site.home(lang).iter().rev().copied().collect();
    // About 730 bytes of postings a story (common terms are bitmaps): files of about
    // TERM_CHUNK_BYTES, a power of two of them, at most MAX_TERM_CHUNKS.
    let term_chunks = (docs.len() * 730).div_ceil(TERM_CHUNK_BYTES).next_power_of_two().clamp(16, MAX_TERM_CHUNKS);
    // The documents get the rest of the file budget (meta.json and a margin aside): at 100,000
    // stories about 70 a file, so the ten results of a first query fetch about 200 kB at most.
    let doc_chunk = DOC_CHUNK.max(docs.len().div_ceil(MAX_FILES - 1 - MAX_TERM_CHUNKS - 50).max(1));
    let folder = format!("{}/search/", site.language(lang).prefix).trim_start_matches('/').to_string();
    let language = Language::from_tag(&site.language(lang).code);
    let keys: Vec<u64> = docs.iter().map(|&c| doc_key(site, c, language)).collect();
    let views = docs.iter().zip(&keys).map(|(&c, &key)| view(site, c, key)).collect();
    Layout { lang, folder, language, docs, keys, views, doc_chunk, term_chunks }
}

/// What a document's entry in its `d/N.json` file shows: its key, URL and date.
fn view(site: &Site, c: ChainId, key: u64) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    let chain = site.chain(c);
    (key, &chain.path, chain.first_published.timestamp()).hash(&mut h);
    h.finish()
}

fn paths(layout: &Layout) -> Vec<String> {
    let folder = &layout.folder;
    let mut paths = vec![format!("{folder}meta.json")];
    paths.extend((0..layout.docs.len().div_ceil(layout.doc_chunk)).map(|i| format!("{folder}d/{i}.json")));
    paths.extend((0..layout.term_chunks).map(|j| format!("{folder}t/{j}.json")));
    paths
}

/// What the index's files are made from: every document's story, URL, date, tags and section,
/// in order, each set's language and sections.
fn fingerprint(site: &Site, layouts: &[Layout]) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    for layout in layouts {
        (1u8, layout.doc_chunk, layout.term_chunks, &site.language(layout.lang).code, &layout.folder).hash(&mut h);
        for s in site.sections().iter().filter(|s| s.lang == layout.lang) {
            (&s.slug, &s.title).hash(&mut h);
        }
        layout.views.hash(&mut h);
    }
    h.finish()
}

/// Every file of every language's set, in the order of [`SearchIndex::paths`]; `cache` keeps the
/// terms of every set's stories, and `retain`, when given, each set's shards' postings.
fn make_all(
    site: &Site,
    layouts: &[Layout],
    cache: &mut TermCache,
    threads: Threads,
    mut retain: Option<&mut Vec<patch::Set>>,
) -> Made {
    let mut kept = Kept::default();
    let mut files = Vec::new();
    for layout in layouts {
        let (made, shards) = make(site, layout, cache, &mut kept, threads, retain.is_some());
        files.extend(made);
        if let (Some(retain), Some(set)) = (retain.as_deref_mut(), shards) {
            retain.push(set);
        }
    }
    if !kept.failed.is_empty() {
        // Terms made without a body are not kept.
        kept.failed.sort();
        return Err(kept.failed);
    }
    if cache.keep == Keep::Encoded {
        // `kept.stored` holds the new encodings alone: the stored terms of every story still
        // indexed stay where they are, without a copy.
        cache.tokenised = kept.stored.len();
        let indexed: rustc_hash::FxHashSet<u64> = layouts.iter().flat_map(|l| l.keys.iter().copied()).collect();
        cache.stored.retain(|k, _| indexed.contains(k));
        cache.stored.extend(kept.stored);
    }
    Ok(files)
}

/// What one index keeps for the next, as its cache's [`Keep`] says.
#[derive(Default)]
struct Kept {
    /// The terms this index encoded (the cache keeps those it had, without a copy).
    stored: FxHashMap<u64, Encoded>,
    /// Bodies that could not be read.
    failed: Vec<Diagnostic>,
}

/// A story's terms, encoded: in memory, or a span of a file (the build's spool, the build state's
/// chunk) read when the story's turn comes ([`crate::bodies`]).
#[derive(Debug, Clone)]
pub enum Encoded {
    Bytes(Box<[u8]>),
    At(Span),
}

impl Encoded {
    /// The bytes, read into `buf` when they are not in memory.
    pub fn bytes<'b>(&'b self, buf: &'b mut Vec<u8>) -> std::io::Result<&'b [u8]> {
        match self {
            Encoded::Bytes(b) => Ok(b),
            Encoded::At(span) => span.read_into(buf).map(|()| &buf[..]),
        }
    }

    /// The bytes: borrowed when in memory, else read.
    pub fn read(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        match self {
            Encoded::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b)),
            Encoded::At(span) => span.bytes().map(std::borrow::Cow::Owned),
        }
    }
}

/// Stories' terms kept between rebuilds (`serve`, and `gazette build` through its build state,
/// `crate::state`): a story whose text, tags and section read the same is not tokenised again.
/// Keyed by a fingerprint of what [`Shard::tokenise`] reads. The build state keeps the `stored`
/// terms alone, in chunks ([`TermCache::from_stored`], [`TermCache::stored_map`]).
pub struct TermCache {
    /// Terms encoded (postcard's encoding of `(term, score, surface)` lists), about a tenth of
    /// their size as strings, and out of memory where the cache has a spool: what the build
    /// state and `serve` keep, decoded as each story's turn comes.
    stored: FxHashMap<u64, Encoded>,
    keep: Keep,
    /// Where terms encoded now go, out of memory (`gazette build`); `None`: kept in memory.
    spool: Option<Spool>,
    /// Stories the last use tokenised (the others' terms came from the cache).
    tokenised: usize,
}

/// What a [`TermCache`] keeps of the stories' terms once an index is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Nothing: a one-off build holds no story's terms past merging them.
    Nothing,
    /// The terms encoded (the build state, which writes them to disk; `serve`, which spools
    /// them).
    Encoded,
}

impl TermCache {
    fn keeping(keep: Keep) -> Self {
        TermCache { stored: FxHashMap::default(), keep, spool: None, tokenised: 0 }
    }

    /// A cache for one build, which keeps nothing.
    fn off() -> Self {
        TermCache::keeping(Keep::Nothing)
    }

    /// An empty cache that keeps the terms encoded, to be written into the build state.
    pub fn stored() -> Self {
        TermCache::keeping(Keep::Encoded)
    }

    /// Stories whose terms it holds.
    pub fn len(&self) -> usize {
        self.stored.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stories the last index made with it tokenised; the others' terms were kept.
    pub fn tokenised(&self) -> usize {
        self.tokenised
    }

    /// A cache that keeps the terms encoded, holding `stored` (the build state's, read back).
    pub(crate) fn from_stored(stored: FxHashMap<u64, Encoded>) -> Self {
        TermCache { stored, ..TermCache::stored() }
    }

    /// The cache, writing the terms it encodes from now on to `spool` rather than holding them.
    pub fn spooled(self, spool: Spool) -> Self {
        TermCache { spool: Some(spool), ..self }
    }

    /// The terms it holds encoded, by key (what the build state writes).
    pub(crate) fn stored_map(&self) -> &FxHashMap<u64, Encoded> {
        &self.stored
    }
}

/// Every file of the index, in the order of [`paths`]. The documents are tokenised in shards
/// (a contiguous run of documents each, as rayon splits them), each with a vocabulary of its own
/// so that a word seen before costs one lookup and no allocation; the shards' postings are then
/// joined in document order.
fn make(
    site: &Site,
    layout: &Layout,
    cache: &TermCache,
    kept: &mut Kept,
    threads: Threads,
    retain: bool,
) -> (Vec<Vec<u8>>, Option<patch::Set>) {
    let tokenizer = Tokenizer::new(layout.language);
    let work = Work { site, layout, cache, tokenizer: &tokenizer };
    // In document order: rayon's fold splits the range into contiguous runs, and collecting
    // keeps their order.
    let mut shards: Vec<Shard> = match threads {
        Threads::Many => (0..layout.docs.len())
            .into_par_iter()
            // Four shards a thread, about: enough to balance the threads, few enough that the
            // vocabularies and lists the shards each make are not made many times over.
            .with_min_len(layout.docs.len().div_ceil(4 * rayon::current_num_threads()).max(1))
            .fold(|| Shard::new(&work), Shard::with)
            .collect(),
        Threads::One => vec![(0..layout.docs.len()).fold(Shard::new(&work), Shard::with)],
    };
    let mut aliases: FxHashMap<String, String> = FxHashMap::default();
    for shard in &mut shards {
        for &(surface, term) in &shard.aliases {
            aliases
                .entry(shard.surfaces[surface.0 as usize].to_string())
                .or_insert_with(|| shard.terms[term.0 as usize].to_string());
        }
        kept.stored.extend(std::mem::take(&mut shard.kept_stored));
        kept.failed.append(&mut shard.failed);
    }
    let docs = &layout.docs;
    let mut files = vec![meta(site, layout)];
    match threads {
        Threads::Many => files.par_extend(docs.par_chunks(layout.doc_chunk).map(|chunk| doc_file(site, chunk))),
        Threads::One => files.extend(docs.chunks(layout.doc_chunk).map(|chunk| doc_file(site, chunk))),
    }
    let chunks = layout.term_chunks;
    let mut named: Vec<Vec<(String, String)>> = vec![Vec::new(); chunks];
    for (surface, term) in aliases {
        let key = format!("~{surface}");
        named[fnv1a32(&key) as usize % chunks].push((key, term));
    }
    let shards: Vec<patch::Postings> = shards.into_iter().map(|s| patch::Postings::new(s, chunks)).collect();
    files.extend(term_files(&shards, &named, chunks, docs.len(), threads));
    (files, retain.then_some(patch::Set { shards, named }))
}

/// The longest run of text a [`Shard`] keeps the words of.
const MAX_KEPT_RUN: usize = 32;

/// A run of at most 16 bytes as a number: its bytes, zeros after them. A run holds no zero byte
/// (U+0000 separates runs), so no two runs share a key. `run` is a part of `text`: when 16 bytes
/// of `text` start where it does, they are read at once and the ones past the run masked off.
fn short_key(text: &str, run: &str) -> Option<u128> {
    let len = run.len();
    if len > 16 {
        return None;
    }
    let at = (run.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    let key = match text.as_bytes().get(at..at.wrapping_add(16)) {
        Some(window) if len > 0 && window.as_ptr() == run.as_ptr() => {
            u128::from_le_bytes(window.try_into().expect("16 bytes")) & (u128::MAX >> (8 * (16 - len)))
        }
        _ => {
            let mut bytes = [0u8; 16];
            bytes[..len].copy_from_slice(run.as_bytes());
            u128::from_le_bytes(bytes)
        }
    };
    Some(key)
}

/// What every shard reads.
struct Work<'a> {
    site: &'a Site,
    layout: &'a Layout,
    cache: &'a TermCache,
    tokenizer: &'a Tokenizer,
}

/// One term's postings in a [`Shard`]: each document as its distance from the one before (a
/// varint, seven bits a byte) and its score byte, about 3 bytes a posting where the pair takes 8.
/// The postings of every term of every shard are what making the index holds at its peak.
#[derive(Debug, Default)]
struct Packed {
    bytes: Vec<u8>,
    last: u32,
}

impl Packed {
    fn push(&mut self, doc: u32, score: u8) {
        push_varint(&mut self.bytes, doc.wrapping_sub(self.last) as usize);
        self.bytes.push(score);
        self.last = doc;
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn unpack_into(&self, out: &mut Vec<(u32, u8)>) {
        let (mut doc, mut gap, mut shift) = (0u32, 0u32, 0);
        let mut bytes = self.bytes.iter();
        while let Some(&b) = bytes.next() {
            gap |= u32::from(b & 0x7f) << shift;
            if b & 0x80 != 0 {
                shift += 7;
                continue;
            }
            doc = doc.wrapping_add(gap);
            out.push((doc, *bytes.next().expect("a score follows each document")));
            (gap, shift) = (0, 0);
        }
    }
}

/// A term's number in one [`Shard`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TermNo(u32);

/// A stemmed word's number in one [`Shard`]: the surface form of a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SurfaceNo(u32);

/// The postings of a contiguous run of documents, over a vocabulary of its own.
struct Shard<'a> {
    work: &'a Work<'a>,
    /// The documents read, `first..end` (`None`: none yet).
    docs: Option<(u32, u32)>,
    /// A run as written → its words, `run_terms[start..start + len]`: keyed by its bytes when it
    /// has at most 16 ([`short_key`]: no string to compare), else by the run (at most
    /// [`MAX_KEPT_RUN`] bytes).
    short_runs: FxHashMap<u128, (u32, u32)>,
    runs: FxHashMap<Box<str>, (u32, u32)>,
    run_terms: Vec<(TermNo, Option<SurfaceNo>)>,
    /// Folded word or bigram → its term, and the word as a surface form when stemming changed it.
    words: FxHashMap<Box<str>, (TermNo, Option<SurfaceNo>)>,
    term_nos: FxHashMap<Box<str>, TermNo>,
    terms: Vec<Box<str>>,
    /// Per term: its `(document, score)` pairs in document order, packed.
    postings: Vec<Packed>,
    surfaces: Vec<Box<str>>,
    /// Per surface form: whether it is in [`Shard::aliases`] already.
    aliased: Vec<bool>,
    /// Surface forms and their terms, for `~word` aliases (Spanish and French).
    aliases: Vec<(SurfaceNo, TermNo)>,
    /// The document being read: each term's score so far (0: not in it yet) and its first
    /// surface form, and its terms in the order met.
    score: Vec<u32>,
    first_surface: Vec<Option<SurfaceNo>>,
    touched: Vec<TermNo>,
    kept_stored: Vec<(u64, Encoded)>,
    /// A buffer for the document's terms as [`TermCache`] keeps them encoded.
    encoded: Vec<u8>,
    /// Bodies that could not be read.
    failed: Vec<Diagnostic>,
    /// A buffer for stored terms read from a file.
    read: Vec<u8>,
}

impl<'a> Shard<'a> {
    fn new(work: &'a Work<'a>) -> Self {
        Shard {
            work,
            docs: None,
            short_runs: FxHashMap::default(),
            runs: FxHashMap::default(),
            run_terms: Vec::new(),
            words: FxHashMap::default(),
            term_nos: FxHashMap::default(),
            terms: Vec::new(),
            postings: Vec::new(),
            surfaces: Vec::new(),
            aliased: Vec::new(),
            aliases: Vec::new(),
            score: Vec::new(),
            first_surface: Vec::new(),
            touched: Vec::new(),
            kept_stored: Vec::new(),
            encoded: Vec::new(),
            failed: Vec::new(),
            read: Vec::new(),
        }
    }

    /// The shard with document `n` read (a step of the fold that makes shards).
    fn with(mut self, n: usize) -> Self {
        self.doc(n);
        let (first, _) = *self.docs.get_or_insert((n as u32, n as u32));
        self.docs = Some((first.min(n as u32), n as u32 + 1));
        self
    }

    /// Document `n`: its terms from the cache when it holds them, else tokenised.
    fn doc(&mut self, n: usize) {
        let work = self.work;
        let (cache, key) = (work.cache, work.layout.keys[n]);
        // Terms that cannot be read or decoded are made again.
        let mut buf = std::mem::take(&mut self.read);
        if let Some(encoded) = cache.stored.get(&key)
            && let Ok(bytes) = encoded.bytes(&mut buf)
            && let Ok(terms) = postcard::from_bytes::<Vec<(&str, u8, Option<&str>)>>(bytes)
        {
            for &(term, score, surface) in &terms {
                self.known(term, score, surface);
            }
            self.read = buf;
            return self.end(n, key, Source::Stored);
        }
        self.read = buf;
        self.tokenise(work.layout.docs[n]);
        self.end(n, key, Source::Tokenised);
    }

    /// The fields of a story, each with its weight: headline 10, tags, section and byline names
    /// 5, summary 3, body 1 (a subscribers' story: its lede only).
    fn tokenise(&mut self, c: ChainId) {
        let site = self.work.site;
        let story = site.shown(c);
        let chain = site.chain(c);
        self.add(&story.headline.text, 10);
        for &t in &chain.tags {
            self.add(&site.tag(t).name, 5);
        }
        if let Some(s) = chain.section {
            self.add(&site.section(s).title, 5);
        }
        for b in site.byline_of(c) {
            self.add(site.byline_name(b, chain.lang), 5);
        }
        self.add(&story.summary, 3);
        // A subscribers' story's text past its lede stays out of the public index.
        match story.access {
            crate::parse::Access::Free => match site.body(story) {
                Ok(html) => html_text(&html, &mut |text| self.add(text, 1)),
                Err(e) => self.failed.push(e),
            },
            crate::parse::Access::Subscribers => self.add(&story.lede, 1),
        }
    }

    fn add(&mut self, text: &str, weight: u32) {
        let tokenizer = self.work.tokenizer;
        tokenizer.runs(text, &mut |raw| {
            let known = match short_key(text, raw) {
                Some(key) => self.short_runs.get(&key),
                None => self.runs.get(raw),
            };
            let (start, len) = match known {
                Some(&known) => known,
                None => self.new_run(raw),
            };
            for k in start..start + len {
                let (term, surface) = self.run_terms[k as usize];
                self.bump(term, surface, weight);
            }
            if raw.len() > MAX_KEPT_RUN {
                self.run_terms.truncate(start as usize);
            }
        });
    }

    /// The words of a run not met before, kept for the next time when the run is short (a longer
    /// run, a sentence of Chinese or Japanese, is rarely seen twice: `add` drops its words).
    fn new_run(&mut self, raw: &str) -> (u32, u32) {
        let tokenizer = self.work.tokenizer;
        let start = self.run_terms.len();
        tokenizer.run_words(raw, &mut |word, kind| {
            let found = self.word(word, kind);
            self.run_terms.push(found);
        });
        let run = (start as u32, (self.run_terms.len() - start) as u32);
        match short_key(raw, raw) {
            Some(key) => drop(self.short_runs.insert(key, run)),
            None if raw.len() <= MAX_KEPT_RUN => drop(self.runs.insert(raw.into(), run)),
            None => {}
        }
        run
    }

    /// A word's term and surface form, stemmed and numbered the first time the shard meets it.
    fn word(&mut self, word: &str, kind: Kind) -> (TermNo, Option<SurfaceNo>) {
        if let Some(&known) = self.words.get(word) {
            return known;
        }
        let stem = match kind {
            Kind::Stemmed => self.work.tokenizer.stem(word),
            Kind::Plain => None,
        };
        let found = match stem {
            Some(stem) => (self.term(&stem), Some(self.surface(word))),
            None => (self.term(word), None),
        };
        self.words.insert(word.into(), found);
        found
    }

    fn term(&mut self, term: &str) -> TermNo {
        if let Some(&no) = self.term_nos.get(term) {
            return no;
        }
        let no = TermNo(self.terms.len() as u32);
        self.term_nos.insert(term.into(), no);
        self.terms.push(term.into());
        self.postings.push(Packed::default());
        self.score.push(0);
        self.first_surface.push(None);
        no
    }

    fn surface(&mut self, word: &str) -> SurfaceNo {
        let no = SurfaceNo(self.surfaces.len() as u32);
        self.surfaces.push(word.into());
        self.aliased.push(false);
        no
    }

    /// A term of the document being read, `weight` more.
    #[inline]
    fn bump(&mut self, term: TermNo, surface: Option<SurfaceNo>, weight: u32) {
        let i = term.0 as usize;
        if self.score[i] == 0 {
            self.touched.push(term);
            self.first_surface[i] = surface;
        }
        self.score[i] += weight;
    }

    /// A term the cache kept, with its score.
    fn known(&mut self, term: &str, score: u8, surface: Option<&str>) {
        let no = self.term(term);
        let surface = surface.map(|word| match self.words.get(word) {
            Some(&(_, Some(s))) => s,
            _ => {
                let s = self.surface(word);
                self.words.insert(word.into(), (no, Some(s)));
                s
            }
        });
        self.bump(no, surface, u32::from(score.max(1)));
    }

    /// The end of document `n`: its terms join the postings (and, as the cache keeps them, the
    /// terms kept for the next index).
    fn end(&mut self, n: usize, key: u64, source: Source) {
        let aliasing = self.work.layout.language != Language::English;
        let keep = self.work.cache.keep;
        let encode = matches!((keep, &source), (Keep::Encoded, Source::Tokenised));
        let mut encoded = std::mem::take(&mut self.encoded);
        if encode {
            encoded.clear();
            push_varint(&mut encoded, self.touched.len());
        }
        for &term in &self.touched {
            let i = term.0 as usize;
            let score = self.score[i].min(255) as u8;
            self.postings[i].push(n as u32, score);
            let surface = self.first_surface[i];
            if let Some(s) = surface
                && aliasing
                && !self.aliased[s.0 as usize]
            {
                self.aliased[s.0 as usize] = true;
                self.aliases.push((s, term));
            }
            let surface = surface.map(|s| &*self.surfaces[s.0 as usize]);
            if encode {
                encode_term(&mut encoded, &self.terms[i], score, surface);
            }
            self.score[i] = 0;
            self.first_surface[i] = None;
        }
        self.touched.clear();
        match (keep, source) {
            (Keep::Nothing, _) => {}
            (Keep::Encoded, Source::Stored) => {} // kept in the cache as it is
            (Keep::Encoded, Source::Tokenised) => self.keep_encoded(key, &encoded),
        }
        self.encoded = encoded;
    }
}

impl Shard<'_> {
    /// Keeps a story's encoded terms: written to the cache's spool when it has one (a failed
    /// write keeps them in memory), else held.
    fn keep_encoded(&mut self, key: u64, bytes: &[u8]) {
        let spooled = self.work.cache.spool.as_ref().and_then(|spool| spool.put_bytes(bytes).ok());
        let encoded = spooled.map_or_else(|| Encoded::Bytes(Box::from(bytes)), Encoded::At);
        self.kept_stored.push((key, encoded));
    }
}

/// One `(term, score, surface)` of a story's terms as postcard encodes the tuple (each string its
/// length as a varint, then its bytes; the score a byte; the surface 0, or 1 and the string):
/// what [`TermCache`] keeps, written without a list of the tuples first.
fn encode_term(out: &mut Vec<u8>, term: &str, score: u8, surface: Option<&str>) {
    push_varint(out, term.len());
    out.extend_from_slice(term.as_bytes());
    out.push(score);
    match surface {
        None => out.push(0),
        Some(word) => {
            out.push(1);
            push_varint(out, word.len());
            out.extend_from_slice(word.as_bytes());
        }
    }
}

/// postcard's varint (also [`Packed`]'s): seven bits a byte, lowest first, the top bit set on all
/// but the last.
fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Where a document's terms came from.
enum Source {
    /// Its encoded terms, in the cache (which keeps them as they are).
    Stored,
    Tokenised,
}

/// A story's terms in the order met, decoded: `(term, score, surface word when stemmed)`, what
/// [`TermCache`] keeps encoded.
type Terms = Vec<(String, u8, Option<String>)>;

/// Encoded terms, decoded; `None` when they cannot be read or decoded.
fn decode(encoded: &Encoded) -> Option<Terms> {
    let bytes = encoded.read().ok()?;
    postcard::from_bytes::<Vec<(&str, u8, Option<&str>)>>(&bytes)
        .ok()
        .map(|terms| terms.into_iter().map(|(t, s, w)| (t.to_string(), s, w.map(str::to_string))).collect())
}

/// A fingerprint of what [`Shard::tokenise`] reads of a story: its file, byline, tags, section
/// and language.
fn doc_key(site: &Site, c: ChainId, language: Language) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    let chain = site.chain(c);
    (site.shown(c).digest, &site.shown(c).source, language.stemmer_name()).hash(&mut h);
    site.byline_of(c).iter().for_each(|b| site.byline_name(b, chain.lang).hash(&mut h));
    chain.tags.iter().for_each(|&t| site.tag(t).name.hash(&mut h));
    chain.section.map(|s| &site.section(s).title).hash(&mut h);
    h.finish()
}

/// The text of body HTML, a piece at a time: split at every tag and at every `&`, so that no
/// tag's name or attribute and no character reference reads as a word. What the tokeniser would
/// make of the text with its references decoded, without decoding it: the references ammonia and
/// pulldown-cmark write (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`) stand for punctuation, which
/// separates words as the split does; any other `&` is punctuation itself.
fn html_text(html: &str, f: &mut dyn FnMut(&str)) {
    const REFERENCES: [&str; 5] = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"];
    let mut text = |mut run: &str| {
        while let Some(amp) = memchr::memchr(b'&', run.as_bytes()) {
            if amp > 0 {
                f(&run[..amp]);
            }
            let after = &run[amp..];
            let len = REFERENCES.iter().find(|r| after.starts_with(**r)).map_or(1, |r| r.len());
            run = &run[amp + len..];
        }
        if !run.is_empty() {
            f(run);
        }
    };
    let mut rest = html;
    while let Some(open) = memchr::memchr(b'<', rest.as_bytes()) {
        text(&rest[..open]);
        // `<`, `>` and `&` are ASCII: the slices here fall on character boundaries.
        match memchr::memchr(b'>', &rest.as_bytes()[open + 1..]) {
            Some(close) => rest = &rest[open + 1 + close + 1..],
            None => return, // an unclosed tag runs to the end
        }
    }
    text(rest);
}

/// FNV-1a, 32 bits, over UTF-8 bytes: the script computes the same to find a term's file.
pub fn fnv1a32(text: &str) -> u32 {
    let mut h: u32 = 2_166_136_261;
    for b in text.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(16_777_619);
    }
    h
}

/// The term files: postings (and aliases) spread over a power of two of files by hash. Each
/// file's terms are gathered from every shard and their lists joined in document order there, a
/// file at a time and in parallel.
fn term_files(
    shards: &[patch::Postings],
    named: &[Vec<(String, String)>],
    chunks: usize,
    docs: usize,
    threads: Threads,
) -> Vec<Vec<u8>> {
    // Per file: (term, shard, the term's number there), from shards in document order.
    let mut found: Vec<Vec<Found>> = vec![Vec::new(); chunks];
    for (k, shard) in shards.iter().enumerate() {
        for (t, term) in shard.terms.iter().enumerate() {
            if !shard.postings[t].is_empty() {
                found[fnv1a32(term) as usize % chunks].push((term, k as u32, TermNo(t as u32)));
            }
        }
    }
    let gather = |(terms, named): (Vec<Found>, &Vec<(String, String)>)| term_file(shards, terms, named, docs);
    match threads {
        Threads::Many => found.into_par_iter().zip(named).map(gather).collect(),
        Threads::One => found.into_iter().zip(named).map(gather).collect(),
    }
}

/// One term file: the postings of `terms` (found in `shards`) joined in document order, and the
/// `~word` aliases `named` of the file.
fn term_file(shards: &[patch::Postings], mut terms: Vec<Found>, named: &[(String, String)], docs: usize) -> Vec<u8> {
    let mut entries: Vec<(String, Entry)> =
        named.iter().map(|(key, term)| (key.clone(), Entry::Alias(term.clone()))).collect();
    // Stable: a term's shards stay in document order.
    terms.sort_by(|a, b| a.0.cmp(b.0));
    for group in terms.chunk_by(|a, b| a.0 == b.0) {
        let mut list: Vec<(u32, u8)> = Vec::new();
        for &(_, k, t) in group {
            shards[k as usize].postings[t.0 as usize].unpack_into(&mut list);
        }
        // Shards are contiguous runs of documents (rayon's fold splits its range), so the
        // joined list is in document order; should a split ever interleave, sorting keeps it
        // right.
        if !list.is_sorted_by_key(|p| p.0) {
            list.sort_unstable_by_key(|p| p.0);
        }
        let entry = if list.len() > COMMON_MIN { common(list, docs) } else { Entry::Postings(list) };
        entries.push((group[0].0.to_string(), entry));
    }
    write_terms(entries)
}

/// A term a shard found: the term, the shard, and the term's number there.
type Found<'s> = (&'s str, u32, TermNo);

/// One term file's JSON: its entries sorted by key.
fn write_terms(mut entries: Vec<(String, Entry)>) -> Vec<u8> {
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::from("{");
    for (i, (key, entry)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&json_string(key));
        out.push(':');
        match entry {
            Entry::Alias(t) => out.push_str(&json_string(t)),
            Entry::Postings(list) => push_pairs(&mut out, list),
            Entry::Common { docs, top, members } => {
                out.push_str("{\"n\":");
                out.push_str(itoa::Buffer::new().format(*docs));
                out.push_str(",\"top\":");
                push_pairs(&mut out, top);
                match members {
                    Members::Bits(bits) => {
                        out.push_str(",\"bits\":\"");
                        out.push_str(bits);
                        out.push('"');
                    }
                    Members::Ids(ids) => {
                        out.push_str(",\"ids\":");
                        out.push_str(ids);
                    }
                }
                out.push('}');
            }
        }
    }
    out.push_str("}\n");
    out.into_bytes()
}

#[derive(Clone)]
enum Entry {
    Postings(Vec<(u32, u8)>),
    /// A term in more than [`COMMON_MIN`] documents: which documents have it ([`Members`]) and
    /// the postings of the [`COMMON_TOP`] that score it highest. A query matches on the members
    /// and scores on the top postings, so the term costs at most a bit a document and a bounded
    /// list, however common.
    Common {
        docs: usize,
        top: Vec<(u32, u8)>,
        members: Members,
    },
    Alias(String),
}

/// Which documents have a common term, written the shorter way.
#[derive(Clone)]
enum Members {
    /// A bitmap, base64 (document `d` is bit `d % 8` of byte `d / 8`): a term in many documents.
    Bits(String),
    /// The documents as a JSON list of distances ([`push_docs`]): a term in few of many.
    Ids(String),
}

/// The longest postings list written out in full; a term in more documents is written as
/// [`Entry::Common`].
const COMMON_MIN: usize = 1000;
/// The postings a common term keeps: its best-scored 500, which rank the first pages of results
/// (a document past them still matches, with the other terms' scores alone).
const COMMON_TOP: usize = 500;

/// The [`Entry::Common`] of a long postings list over `docs` documents.
fn common(mut list: Vec<(u32, u8)>, docs: usize) -> Entry {
    use base64::Engine;
    let n = list.len();
    // Bitmap bytes, base64: 4 characters per 3 bytes. A list of distances: about as many
    // characters per document as the mean distance has digits, plus a comma.
    let mut ids = String::new();
    let members: Vec<u32> = list.iter().map(|&(d, _)| d).collect();
    let bits_len = docs.div_ceil(8).div_ceil(3) * 4;
    push_docs(&mut ids, &members);
    let members = if ids.len() < bits_len {
        Members::Ids(ids)
    } else {
        let mut bitmap = vec![0u8; docs.div_ceil(8)];
        for &d in &members {
            bitmap[d as usize / 8] |= 1 << (d % 8);
        }
        Members::Bits(base64::engine::general_purpose::STANDARD.encode(bitmap))
    };
    // Highest scores first, newer documents (higher numbers) before older at equal scores.
    let best = |a: &(u32, u8), b: &(u32, u8)| b.1.cmp(&a.1).then(b.0.cmp(&a.0));
    if list.len() > COMMON_TOP {
        list.select_nth_unstable_by(COMMON_TOP - 1, best);
        list.truncate(COMMON_TOP);
    }
    list.sort_unstable();
    Entry::Common { docs: n, top: list, members }
}

/// `[doc,score,doc,score,…]`, each document number but the first written as its distance from
/// the one before (`list` is sorted by document): a fifth fewer bytes at 100,000 stories.
fn push_pairs(out: &mut String, list: &[(u32, u8)]) {
    out.push('[');
    let mut digits = itoa::Buffer::new();
    let mut previous = 0;
    for (k, &(doc, score)) in list.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(digits.format(doc - previous));
        out.push(',');
        out.push_str(digits.format(score));
        previous = doc;
    }
    out.push(']');
}

/// `[doc,doc,…]` of a sorted list, as distances like [`push_pairs`].
fn push_docs(out: &mut String, docs: &[u32]) {
    out.push('[');
    let mut digits = itoa::Buffer::new();
    let mut previous = 0;
    for (k, &doc) in docs.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(digits.format(doc - previous));
        previous = doc;
    }
    out.push(']');
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// One `d/N.json`: the documents of `chunk`, in order, each `[headline, url, date, section,
/// snippet]`. Two savings for the bytes a query fetches (documents are most of them): the URL is
/// written without its `/SECTION/YYYY/MM/DD/` start when it has one, and the date as `""` when it
/// is the previous document's (documents are in date order, forty-odd a day); the script puts
/// both back.
fn doc_file(site: &Site, chunk: &[ChainId]) -> Vec<u8> {
    let mut previous = String::new();
    let docs: Vec<serde_json::Value> = chunk
        .iter()
        .map(|&c| {
            let chain = site.chain(c);
            let story = site.shown(c);
            let date = chain.first_published.date().to_string();
            let section = chain.section.map(|s| site.section(s).slug.as_str()).unwrap_or("");
            let start = format!("/{section}/{}/", date.replace('-', "/"));
            let url = match chain.path.strip_prefix(&start) {
                Some(rest) if !section.is_empty() && !rest.starts_with('/') => rest,
                _ => chain.path.as_str(),
            };
            let written = if date == previous { "" } else { date.as_str() };
            let doc = serde_json::json!([story.headline.text, url, written, section, snippet(&story.summary)]);
            previous = date;
            doc
        })
        .collect();
    inert_json(serde_json::to_string(&docs).expect("documents serialise"))
}

/// JSON with `<`, `>` and `&` written as `\u003c`, `\u003e`, `\u0026`: the same data (they only
/// occur inside strings), but no byte of a headline reads as markup to anything that sniffs.
fn inert_json(json: String) -> Vec<u8> {
    let mut out = json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
    out.push('\n');
    out.into_bytes()
}

/// The summary cut at [`SNIPPET`] characters, on a word, with an ellipsis when cut.
fn snippet(summary: &str) -> String {
    if summary.chars().count() <= SNIPPET {
        return summary.to_string();
    }
    let cut: String = summary.chars().take(SNIPPET).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

fn meta(site: &Site, layout: &Layout) -> Vec<u8> {
    let sections: Vec<serde_json::Value> = site
        .sections()
        .iter()
        .filter(|s| s.lang == layout.lang)
        .map(|s| serde_json::json!({"slug": s.slug, "title": s.title}))
        .collect();
    let meta = serde_json::json!({
        "version": 2,
        "language": site.language(layout.lang).code,
        "stemmer": layout.language.stemmer_name(),
        "docs": layout.docs.len(),
        "doc_chunk": layout.doc_chunk,
        "term_chunks": layout.term_chunks,
        "sections": sections,
    });
    inert_json(serde_json::to_string(&meta).expect("meta serialises"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terms a shard encodes for the build state read back as postcard reads them.
    #[test]
    fn encoded_terms_are_postcard() {
        let long = "x".repeat(300);
        let terms: Vec<(&str, u8, Option<&str>)> =
            vec![("ferri", 13, Some("ferries")), ("대통", 255, None), (&long, 1, Some(""))];
        let mut out = Vec::new();
        push_varint(&mut out, terms.len());
        for &(t, s, w) in &terms {
            encode_term(&mut out, t, s, w);
        }
        assert_eq!(out, postcard::to_allocvec(&terms).unwrap());
        let big: Vec<(&str, u8, Option<&str>)> = vec![("a", 1, None); 20_000];
        let mut out = Vec::new();
        push_varint(&mut out, big.len());
        big.iter().for_each(|&(t, s, w)| encode_term(&mut out, t, s, w));
        assert_eq!(out, postcard::to_allocvec(&big).unwrap());
    }

    #[test]
    fn packed_postings_round_trip() {
        let cases: &[&[(u32, u8)]] = &[
            &[],
            &[(0, 1)],
            &[(5, 10), (6, 255), (200, 3), (70_000, 1), (u32::MAX, 7)],
            &[(9, 1), (3, 2)], // out of order: kept exact all the same
        ];
        for &pairs in cases {
            let mut packed = Packed::default();
            pairs.iter().for_each(|&(d, s)| packed.push(d, s));
            let mut out = Vec::new();
            packed.unpack_into(&mut out);
            assert_eq!(out, pairs);
        }
    }

    #[test]
    fn fnv1a32_table() {
        for (text, want) in [("", 2_166_136_261u32), ("a", 0xe40c292c), ("foobar", 0xbf9cf968)] {
            assert_eq!(fnv1a32(text), want, "{text:?}");
        }
    }

    #[test]
    fn html_text_table() {
        let cases: &[(&str, &[&str])] = &[
            ("<p>Ferry &amp; port</p>", &["Ferry ", " port"]),
            ("<p>a<br>b</p>", &["a", "b"]),
            ("no tags", &["no tags"]),
            ("x > y <em>z", &["x > y ", "z"]),
            ("a<b", &["a"]),
            ("&amp;lt;", &["lt;"]),
            ("it&#39;s &quot;R&D&quot;", &["it", "s ", "R", "D"]),
            ("&amp", &["amp"]),
        ];
        for (html, want) in cases {
            let mut runs = Vec::new();
            html_text(html, &mut |run| runs.push(run.to_string()));
            assert_eq!(runs, *want, "{html}");
        }
    }

    #[test]
    fn snippets_are_cut_on_a_word() {
        let long = "word ".repeat(100);
        let s = snippet(&long);
        assert!(s.chars().count() <= SNIPPET + 1 && s.ends_with("word…"), "{s}");
        assert_eq!(snippet("short"), "short");
    }
}
