//! Index: the site model → the search index, a stage of its own between `related` and `plan`.
//! Built from the model (never by parsing the HTML again) as the static files of `/search/` the
//! search page's script reads (`templates/search.js`):
//!
//! - `meta.json`: counts, the stemmer, the sections;
//! - `d/N.json`: documents (headline, URL path without the site's root, date, section, snippet), `DOC_CHUNK` a file, numbered
//!   oldest first so a new story changes only the last file;
//! - `t/N.json`: postings `term → [doc, score, …]`, a term in file `fnv1a32(term) % chunks`, so a
//!   query fetches only its terms' files; with Spanish or French, `~word → stem` aliases too (the
//!   script stems English itself).
//!
//! Terms come from [`tokenize`] (bigrams for Korean, Chinese and Japanese, stems for English,
//! Spanish and French). Scores: headline 10 per occurrence, tags, section and authors 5, summary 3,
//! body 1, capped at 255. Every file is a plan entry whose digest is its bytes, so a rebuild writes
//! only the files whose postings changed.

pub mod tokenize;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use rayon::prelude::*;

use crate::site::{ChainId, Site};
use tokenize::{Language, StemCache, Tokenizer};

/// Documents per `d/N.json` file (more on very large sites, to stay under [`MAX_FILES`]).
const DOC_CHUNK: usize = 16;
/// The whole index stays under this many files.
const MAX_FILES: usize = 2000;
/// What one `t/N.json` file should hold, roughly.
const TERM_CHUNK_BYTES: usize = 32 * 1024;
/// The longest snippet, in characters.
const SNIPPET: usize = 160;

/// The files of `/search/` other than the page and its script: `(path under the output, bytes)`,
/// in a fixed order.
#[derive(Debug, Default)]
pub struct SearchIndex {
    pub files: Vec<(String, Vec<u8>)>,
}

/// The terms of one story: `(term, score, surface word when stemmed)`, sorted by term.
type DocTerms = Arc<Vec<(String, u8, Option<String>)>>;

/// Stories' terms kept between rebuilds (`serve`): a story whose text, tags and section read the
/// same is not tokenised again. Keyed by a fingerprint of what [`doc_terms`] reads.
#[derive(Default)]
pub struct TermCache {
    docs: FxHashMap<u64, DocTerms>,
}

/// Builds the index of every listed story.
pub fn build(site: &Site) -> SearchIndex {
    build_cached(site, &mut TermCache::default())
}

/// [`build`], reusing and refreshing `cache`.
pub fn build_cached(site: &Site, cache: &mut TermCache) -> SearchIndex {
    let language = Language::from_tag(&site.config().language);
    let tokenizer = Tokenizer::new(language);
    // Oldest first: the home page's order reversed.
    let docs: Vec<ChainId> = site.home().iter().rev().copied().collect();
    let doc_chunk = DOC_CHUNK.max(docs.len().div_ceil(MAX_FILES / 2 - 100).max(1));
    let keys: Vec<u64> = docs.iter().map(|&c| doc_key(site, c, language)).collect();
    let per_doc: Vec<DocTerms> = docs
        .par_iter()
        .zip(&keys)
        .map_init(StemCache::default, |stems, (&c, key)| match cache.docs.get(key) {
            Some(terms) => Arc::clone(terms),
            None => Arc::new(doc_terms(site, c, &tokenizer, stems)),
        })
        .collect();
    cache.docs = keys.into_iter().zip(per_doc.iter().cloned()).collect();
    let mut postings: FxHashMap<String, Vec<(u32, u8)>> = FxHashMap::default();
    let mut aliases: FxHashMap<String, String> = FxHashMap::default();
    for (n, terms) in per_doc.iter().enumerate() {
        for (term, score, surface) in terms.iter() {
            if let Some(s) = surface
                && language != Language::English
                && !aliases.contains_key(s)
            {
                aliases.insert(s.clone(), term.clone());
            }
            match postings.get_mut(term) {
                Some(list) => list.push((n as u32, *score)),
                None => {
                    postings.insert(term.clone(), vec![(n as u32, *score)]);
                }
            }
        }
    }
    let mut files = vec![("search/meta.json".to_string(), Vec::new())];
    for (i, chunk) in docs.chunks(doc_chunk).enumerate() {
        files.push((format!("search/d/{i}.json"), doc_file(site, chunk)));
    }
    let term_files = term_files(postings, aliases, MAX_FILES.saturating_sub(files.len() + 2));
    let chunks = term_files.len();
    files.extend(term_files.into_iter().enumerate().map(|(j, bytes)| (format!("search/t/{j}.json"), bytes)));
    files[0].1 = meta(site, language, docs.len(), doc_chunk, chunks);
    SearchIndex { files }
}

/// A fingerprint of what [`doc_terms`] reads of a story: its file, tags, section and language.
fn doc_key(site: &Site, c: ChainId, language: Language) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    let chain = site.chain(c);
    (site.shown(c).digest, &site.shown(c).source, language.stemmer_name()).hash(&mut h);
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
    for a in &story.authors {
        add(a, 5);
    }
    add(&story.summary, 3);
    add(&html_text(&story.body_html), 1);
    let mut out: Vec<(String, u8, Option<String>)> =
        scores.into_iter().map(|(t, (s, surface))| (t, s.min(255) as u8, surface)).collect();
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
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
    if !out.contains('&') {
        return out;
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
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
    max: usize,
) -> Vec<Vec<u8>> {
    let bytes: usize = postings.iter().map(|(t, p)| t.len() + 8 + p.len() * 9).sum::<usize>()
        + aliases.iter().map(|(s, t)| s.len() + t.len() + 8).sum::<usize>();
    let cap = max.max(16).next_power_of_two().min(1024);
    let chunks = bytes.div_ceil(TERM_CHUNK_BYTES).next_power_of_two().clamp(16, cap.max(16));
    let chunks = if chunks > max { (max / 2).next_power_of_two().max(1) } else { chunks };
    let mut buckets: Vec<Vec<(String, Entry)>> = vec![Vec::new(); chunks];
    for (term, list) in postings {
        buckets[fnv1a32(&term) as usize % chunks].push((term, Entry::Postings(list)));
    }
    for (surface, term) in aliases {
        let key = format!("~{surface}");
        buckets[fnv1a32(&key) as usize % chunks].push((key, Entry::Alias(term)));
    }
    buckets
        .into_par_iter()
        .map(|mut entries| {
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
                    Entry::Postings(list) => {
                        out.push('[');
                        let mut digits = itoa::Buffer::new();
                        for (k, (doc, score)) in list.iter().enumerate() {
                            if k > 0 {
                                out.push(',');
                            }
                            out.push_str(digits.format(*doc));
                            out.push(',');
                            out.push_str(digits.format(*score));
                        }
                        out.push(']');
                    }
                }
            }
            out.push_str("}\n");
            out.into_bytes()
        })
        .collect()
}

#[derive(Clone)]
enum Entry {
    Postings(Vec<(u32, u8)>),
    Alias(String),
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// One `d/N.json`: the documents of `chunk`, in order.
fn doc_file(site: &Site, chunk: &[ChainId]) -> Vec<u8> {
    let docs: Vec<serde_json::Value> = chunk
        .iter()
        .map(|&c| {
            let chain = site.chain(c);
            let story = site.shown(c);
            serde_json::json!({
                "t": story.headline.text,
                "u": chain.path,
                "d": chain.first_published.date().to_string(),
                "s": chain.section.map(|s| site.section(s).slug.as_str()).unwrap_or(""),
                "x": snippet(&story.summary),
            })
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

fn meta(site: &Site, language: Language, docs: usize, doc_chunk: usize, term_chunks: usize) -> Vec<u8> {
    let sections: Vec<serde_json::Value> =
        site.sections().iter().map(|s| serde_json::json!({"slug": s.slug, "title": s.title})).collect();
    let meta = serde_json::json!({
        "version": 1,
        "language": site.config().language,
        "stemmer": language.stemmer_name(),
        "docs": docs,
        "doc_chunk": doc_chunk,
        "term_chunks": term_chunks,
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
