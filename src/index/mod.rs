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
//! Every file is a plan entry whose digest is the index's fingerprint ([`SearchIndex::fingerprint`]):
//! when any story's terms change, every file is made again, and the writers, which compare bytes,
//! replace only the files whose postings changed.

pub mod tokenize;

use std::sync::Arc;

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use rayon::prelude::*;

use crate::config::LangId;
use crate::site::{ChainId, Site};
use tokenize::{Language, StemCache, Tokenizer};

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
    bytes: OnceLock<Vec<Vec<u8>>>,
}

#[derive(Debug, Clone)]
struct Layout {
    lang: LangId,
    /// `search/` or `ko/search/`.
    folder: String,
    language: Language,
    /// Listed stories, oldest first: document `n` is `docs[n]`.
    docs: Vec<ChainId>,
    doc_chunk: usize,
    term_chunks: usize,
}

impl SearchIndex {
    /// Makes every file now, in parallel. Call it before the render loop whenever a file may be
    /// rendered: made from inside the loop, the files are made on one thread (a rayon worker
    /// waiting inside a `OnceLock` initialiser must not steal work that needs the same lock).
    pub fn prepare(&self, site: &Site) {
        self.bytes.get_or_init(|| make_all(site, &self.layouts, &mut TermCache::off(), Threads::Many));
    }

    /// [`SearchIndex::prepare`], reusing and refreshing `cache` (the terms the build state kept).
    pub fn prepare_cached(&self, site: &Site, cache: &mut TermCache) {
        self.bytes.get_or_init(|| make_all(site, &self.layouts, cache, Threads::Many));
    }

    /// The bytes of file `i` (of [`SearchIndex::paths`]); the first call makes every file.
    pub fn file(&self, i: usize, site: &Site) -> &[u8] {
        &self.bytes.get_or_init(|| make_all(site, &self.layouts, &mut TermCache::off(), Threads::One))[i]
    }
}

/// Whether making the index may use rayon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Threads {
    One,
    Many,
}

/// Plans the index of every listed story; its files are made when the render loop first needs one.
pub fn build(site: &Site) -> SearchIndex {
    let layouts: Vec<Layout> = match site.config().search {
        crate::config::Search::On => site.languages().map(|l| layout(site, l)).collect(),
        crate::config::Search::Off => Vec::new(),
    };
    let paths = layouts.iter().flat_map(paths).collect();
    let fingerprint = fingerprint(site, &layouts);
    SearchIndex { paths, fingerprint, layouts, bytes: OnceLock::new() }
}

/// [`build`], its files made at once, reusing and refreshing `cache` (what `serve` keeps).
pub fn build_cached(site: &Site, cache: &mut TermCache) -> SearchIndex {
    let index = build(site);
    if index.paths.is_empty() {
        return index;
    }
    let _ = index.bytes.set(make_all(site, &index.layouts, cache, Threads::Many));
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
    Layout { lang, folder, language, docs, doc_chunk, term_chunks }
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
        for &c in &layout.docs {
            let chain = site.chain(c);
            (doc_key(site, c, layout.language), &chain.path, chain.first_published.timestamp()).hash(&mut h);
        }
    }
    h.finish()
}

/// Every file of every language's set, in the order of [`SearchIndex::paths`]; `cache` keeps the
/// terms of every set's stories.
fn make_all(site: &Site, layouts: &[Layout], cache: &mut TermCache, threads: Threads) -> Vec<Vec<u8>> {
    let mut kept = Kept::default();
    let mut files = Vec::new();
    for layout in layouts {
        files.extend(make(site, layout, cache, &mut kept, threads));
    }
    cache.tokenised = match cache.keep {
        Keep::Encoded => kept.stored.keys().filter(|k| !cache.stored.contains_key(k)).count(),
        Keep::Nothing | Keep::Terms => kept.docs.keys().filter(|k| !cache.docs.contains_key(k)).count(),
    };
    (cache.docs, cache.stored) = (kept.docs, kept.stored);
    files
}

/// What one index keeps for the next, as its cache's [`Keep`] says.
#[derive(Default)]
struct Kept {
    docs: FxHashMap<u64, DocTerms>,
    stored: FxHashMap<u64, Box<[u8]>>,
}

/// The terms of one story: `(term, score, surface word when stemmed)`, in no particular order (the
/// postings they are merged into are in document order whatever it is).
type DocTerms = Arc<Vec<(String, u8, Option<String>)>>;

/// Stories' terms kept between rebuilds (`serve`, and `gazette build` through its build state,
/// `crate::state`): a story whose text, tags and section read the same is not tokenised again.
/// Keyed by a fingerprint of what [`doc_terms`] reads. Serialised, it is the `stored` terms alone
/// (what the build state keeps).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct TermCache {
    /// Terms as made (`serve`).
    #[serde(skip)]
    docs: FxHashMap<u64, DocTerms>,
    /// Terms encoded (postcard), about a tenth of their size as made: what the build state keeps,
    /// decoded one batch at a time as the index is made.
    stored: FxHashMap<u64, Box<[u8]>>,
    #[serde(skip, default = "Keep::encoded")]
    keep: Keep,
    /// Stories the last use tokenised (the others' terms came from the cache).
    #[serde(skip)]
    tokenised: usize,
}

/// What a [`TermCache`] keeps of the stories' terms once an index is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Nothing: a one-off build holds no story's terms past merging them.
    Nothing,
    /// The terms as made (`serve`, which keeps them in memory).
    Terms,
    /// The terms encoded (the build state, which writes them to disk).
    Encoded,
}

impl Keep {
    fn encoded() -> Keep {
        Keep::Encoded
    }
}

impl Default for TermCache {
    fn default() -> Self {
        TermCache::keeping(Keep::Terms)
    }
}

impl TermCache {
    fn keeping(keep: Keep) -> Self {
        TermCache { docs: FxHashMap::default(), stored: FxHashMap::default(), keep, tokenised: 0 }
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
        self.docs.len().max(self.stored.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stories the last index made with it tokenised; the others' terms were kept.
    pub fn tokenised(&self) -> usize {
        self.tokenised
    }
}

/// Stories tokenised at a time: their terms are merged into the postings and dropped, so a
/// build holds the postings, not every story's term list.
const BATCH: usize = 512;

/// Every file of the index, in the order of [`paths`].
fn make(site: &Site, layout: &Layout, cache: &TermCache, kept: &mut Kept, threads: Threads) -> Vec<Vec<u8>> {
    let (language, docs) = (layout.language, &layout.docs);
    let tokenizer = Tokenizer::new(language);
    let keys: Vec<u64> = docs.iter().map(|&c| doc_key(site, c, language)).collect();
    let mut postings: FxHashMap<String, Vec<(u32, u8)>> = FxHashMap::default();
    let mut aliases: FxHashMap<String, String> = FxHashMap::default();
    for (b, (batch, batch_keys)) in docs.chunks(BATCH).zip(keys.chunks(BATCH)).enumerate() {
        let one = |stems: &mut StemCache, (&c, key): (&ChainId, &u64)| {
            let stored = cache.stored.get(key).and_then(|b| postcard::from_bytes(b).ok().map(|t| (b, t)));
            let (terms, stored) = match (cache.docs.get(key), stored) {
                (Some(terms), _) => (Arc::clone(terms), None),
                (None, Some((bytes, terms))) => (Arc::new(terms), Some(bytes)),
                (None, None) => (Arc::new(doc_terms(site, c, &tokenizer, stems)), None),
            };
            let encoded = match (cache.keep, stored) {
                (Keep::Encoded, Some(bytes)) => Some(bytes.clone()),
                (Keep::Encoded, None) => postcard::to_allocvec(&*terms).ok().map(Vec::into_boxed_slice),
                (Keep::Nothing | Keep::Terms, _) => None,
            };
            (terms, encoded)
        };
        let per_doc: Vec<(DocTerms, Option<Box<[u8]>>)> = match threads {
            Threads::Many => batch.par_iter().zip(batch_keys).map_init(StemCache::default, one).collect(),
            Threads::One => {
                let mut stems = StemCache::default();
                batch.iter().zip(batch_keys).map(|x| one(&mut stems, x)).collect()
            }
        };
        for (j, ((terms, encoded), key)) in per_doc.into_iter().zip(batch_keys).enumerate() {
            let n = (b * BATCH + j) as u32;
            for (term, score, surface) in terms.iter() {
                if let Some(s) = surface
                    && language != Language::English
                    && !aliases.contains_key(s)
                {
                    aliases.insert(s.clone(), term.clone());
                }
                match postings.get_mut(term) {
                    Some(list) => list.push((n, *score)),
                    None => {
                        postings.insert(term.clone(), vec![(n, *score)]);
                    }
                }
            }
            match (cache.keep, encoded) {
                (Keep::Terms, _) => drop(kept.docs.insert(*key, terms)),
                (Keep::Encoded, Some(bytes)) => drop(kept.stored.insert(*key, bytes)),
                (Keep::Nothing, _) | (Keep::Encoded, None) => {}
            }
        }
    }
    let mut files = vec![meta(site, layout)];
    files.extend(docs.chunks(layout.doc_chunk).map(|chunk| doc_file(site, chunk)));
    files.extend(term_files(postings, aliases, layout.term_chunks, docs.len(), threads));
    files
}

/// A fingerprint of what [`doc_terms`] reads of a story: its file, byline, tags, section and
/// language.
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

/// The distinct terms of one story with their scores, and the surface word of stemmed ones.
fn doc_terms(
    site: &Site,
    c: ChainId,
    tokenizer: &Tokenizer,
    cache: &mut StemCache,
) -> Vec<(String, u8, Option<String>)> {
    let story = site.shown(c);
    let chain = site.chain(c);
    let mut scores: FxHashMap<String, (u32, Option<String>)> = FxHashMap::default();
    let mut add = |text: &str, weight: u32| {
        tokenizer.each(text, cache, &mut |term, surface| match scores.get_mut(term) {
            Some(e) => e.0 += weight,
            None => {
                scores.insert(term.to_string(), (weight, surface.map(str::to_string)));
            }
        });
    };
    add(&story.headline.text, 10);
    for &t in &chain.tags {
        add(&site.tag(t).name, 5);
    }
    if let Some(s) = chain.section {
        add(&site.section(s).title, 5);
    }
    for b in site.byline_of(c) {
        add(site.byline_name(b, chain.lang), 5);
    }
    add(&story.summary, 3);
    // A subscribers' story's text past its lede stays out of the public index.
    match story.access {
        crate::parse::Access::Free => add(&html_text(&story.body_html), 1),
        crate::parse::Access::Subscribers => add(&story.lede, 1),
    }
    scores.into_iter().map(|(t, (s, surface))| (t, s.min(255) as u8, surface)).collect()
}

/// The text of body HTML: tags dropped (each a word break), the entities ammonia and
/// pulldown-cmark write decoded.
fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    crate::text::decode_entities(&out)
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

/// The term files: postings (and aliases) spread over a power of two of files by hash.
fn term_files(
    postings: FxHashMap<String, Vec<(u32, u8)>>,
    aliases: FxHashMap<String, String>,
    chunks: usize,
    docs: usize,
    threads: Threads,
) -> Vec<Vec<u8>> {
    let mut buckets: Vec<Vec<(String, Entry)>> = vec![Vec::new(); chunks];
    for (term, list) in postings {
        let entry = if list.len() > COMMON_MIN { common(list, docs) } else { Entry::Postings(list) };
        buckets[fnv1a32(&term) as usize % chunks].push((term, entry));
    }
    for (surface, term) in aliases {
        let key = format!("~{surface}");
        buckets[fnv1a32(&key) as usize % chunks].push((key, Entry::Alias(term)));
    }
    let write = |mut entries: Vec<(String, Entry)>| {
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
    };
    match threads {
        Threads::Many => buckets.into_par_iter().map(write).collect(),
        Threads::One => buckets.into_iter().map(write).collect(),
    }
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
    list.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    list.truncate(COMMON_TOP);
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

    #[test]
    fn fnv1a32_table() {
        for (text, want) in [("", 2_166_136_261u32), ("a", 0xe40c292c), ("foobar", 0xbf9cf968)] {
            assert_eq!(fnv1a32(text), want, "{text:?}");
        }
    }

    #[test]
    fn html_text_table() {
        for (html, want) in
            [("<p>Ferry &amp; port</p>", " Ferry & port "), ("<p>a<br>b</p>", " a b "), ("no tags", "no tags")]
        {
            assert_eq!(html_text(html), want, "{html}");
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
