//! `serve`'s search index after an edit, patched rather than made again. In: the last index, with
//! the shards' postings it kept ([`Retained`]), and the model after a rebuild that listed the same
//! stories in the same order (an edit of stories' text, what [`crate::site::Site::refresh`]
//! absorbs). Out: the new index, whose files are byte for byte those [`super::build_cached`]
//! makes from the same model, and which of them changed.
//!
//! Each story whose terms changed leaves its shard's postings and joins them again with its new
//! terms; only the term files of the terms whose score changed are gathered again, and only the
//! document files that hold a changed story are made again. Anything else (stories added,
//! removed or reordered, other languages' aliases in play) is not patched: the caller makes the
//! index afresh.

use rustc_hash::FxHashMap;

use super::{
    Encoded, Found, Keep, Language, Made, Packed, SearchIndex, Shard, TermCache, TermNo, Terms, Tokenizer, Work,
    decode, doc_file, doc_key, fingerprint, fnv1a32, meta, term_file, view,
};
use crate::site::{ChainId, Site};

/// What one language's index keeps for patching: its shards' postings and its `~word` aliases
/// by term file.
#[derive(Debug)]
pub(crate) struct Set {
    pub(super) shards: Vec<Postings>,
    pub(super) named: Vec<Vec<(String, String)>>,
}

/// One shard's postings: the documents `first..end` it read, its terms and their lists.
#[derive(Debug)]
pub(crate) struct Postings {
    docs: (u32, u32),
    pub(super) terms: Vec<Box<str>>,
    term_nos: FxHashMap<Box<str>, TermNo>,
    pub(super) postings: Vec<Packed>,
    /// Per term, its term file's number (`fnv1a32(term) % chunks`).
    files: Vec<u16>,
}

impl Postings {
    /// A shard's postings, for an index of `chunks` term files.
    pub(super) fn new(shard: Shard<'_>, chunks: usize) -> Self {
        let files = shard.terms.iter().map(|t| file_of(t, chunks)).collect();
        Postings {
            docs: shard.docs.unwrap_or((0, 0)),
            terms: shard.terms,
            term_nos: shard.term_nos,
            postings: shard.postings,
            files,
        }
    }

    /// Document `n`'s score for `term` becomes `score` (`None`: the term leaves it).
    fn set(&mut self, term: &str, n: u32, score: Option<u8>, chunks: usize) {
        let no = match self.term_nos.get(term) {
            Some(&no) => no,
            None => {
                let no = TermNo(self.terms.len() as u32);
                self.term_nos.insert(term.into(), no);
                self.terms.push(term.into());
                self.postings.push(Packed::default());
                self.files.push(file_of(term, chunks));
                no
            }
        };
        let mut list = Vec::new();
        self.postings[no.0 as usize].unpack_into(&mut list);
        match (list.binary_search_by_key(&n, |p| p.0), score) {
            (Ok(i), Some(s)) => list[i].1 = s,
            (Ok(i), None) => drop(list.remove(i)),
            (Err(i), Some(s)) => list.insert(i, (n, s)),
            (Err(_), None) => return,
        }
        let mut packed = Packed::default();
        for (doc, s) in list {
            packed.push(doc, s);
        }
        self.postings[no.0 as usize] = packed;
    }
}

/// A term's file among `chunks` (at most [`super::MAX_TERM_CHUNKS`], which fits a `u16`).
fn file_of(term: &str, chunks: usize) -> u16 {
    (fnv1a32(term) as usize % chunks) as u16
}

/// Every language's [`Set`], in the index's order of languages.
#[derive(Debug)]
pub(crate) struct Retained {
    sets: Vec<Set>,
}

impl Retained {
    pub(super) fn new(sets: Vec<Set>) -> Self {
        Retained { sets }
    }
}

/// A story's terms as its postings hold them: each term's score (at least 1, at most 255).
fn scores(terms: &Terms) -> FxHashMap<&str, u8> {
    let mut out: FxHashMap<&str, u32> = FxHashMap::default();
    for (term, score, _) in terms.iter() {
        *out.entry(term.as_str()).or_default() += u32::from((*score).max(1));
    }
    out.into_iter().map(|(t, s)| (t, s.min(255) as u8)).collect()
}

/// The index of `site`, made by patching `prev`, and the numbers of the files whose bytes
/// changed. `prev` is the index `serve` made last (by [`super::build_cached`] or by this) for a
/// model that `site` is but for the stories of the chains `changed` ([`Site::refresh`]); `None`
/// when it cannot be patched (the caller makes the index afresh). `cache` gives the stories' old
/// terms and keeps their new ones.
///
/// [`Site::refresh`]: crate::site::Site::refresh
pub fn patch(
    prev: SearchIndex,
    site: &Site,
    cache: &mut TermCache,
    changed: &[ChainId],
) -> Option<(SearchIndex, Vec<usize>)> {
    let SearchIndex { paths, layouts: old_layouts, bytes, mut hashes, retained, .. } = prev;
    let mut sets = retained?.sets;
    let mut files = match bytes.into_inner()? {
        Ok(files) => files,
        Err(_) => return None,
    };
    if cache.keep != Keep::Encoded || sets.len() != old_layouts.len() {
        return None;
    }
    // The stories listed are the same, in the same order: only the changed ones' keys move.
    let mut layouts = old_layouts.clone();
    for layout in &mut layouts {
        for (n, c) in layout.docs.iter().enumerate().filter(|(_, c)| changed.binary_search(c).is_ok()) {
            layout.keys[n] = doc_key(site, *c, layout.language);
            layout.views[n] = view(site, *c, layout.keys[n]);
        }
    }
    // (old key, new key, the new terms encoded when they were made now)
    let mut retermed: Vec<(u64, u64, Option<Encoded>)> = Vec::new();
    let mut remade: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut base = 0;
    for ((new, old), set) in layouts.iter().zip(&old_layouts).zip(&mut sets) {
        let chunks = new.term_chunks;
        let mut affected = vec![false; chunks];
        let tokenizer = Tokenizer::new(new.language);
        let work = Work { site, layout: new, cache, tokenizer: &tokenizer };
        for n in (0..new.docs.len()).filter(|&n| new.keys[n] != old.keys[n]) {
            let before = decode(cache.stored.get(&old.keys[n])?)?;
            let (after, made) = match cache.stored.get(&new.keys[n]) {
                Some(terms) => (decode(terms)?, None),
                None => {
                    let mut shard = Shard::new(&work);
                    shard.doc(n);
                    if !shard.failed.is_empty() {
                        return None;
                    }
                    let (_, encoded) = shard.kept_stored.pop()?;
                    (decode(&encoded)?, Some(encoded))
                }
            };
            // Aliases (`~word → stem`) come from the first story with each surface form: a
            // changed story that has any is not patched.
            let surfaces = |t: &Terms| t.iter().any(|(_, _, s)| s.is_some());
            if new.language != Language::English && (surfaces(&before) || surfaces(&after)) {
                return None;
            }
            let shard = set.shards.iter_mut().find(|s| s.docs.0 as usize <= n && n < s.docs.1 as usize)?;
            let (was, now) = (scores(&before), scores(&after));
            let mut terms: Vec<&str> = was.keys().chain(now.keys()).copied().collect();
            terms.sort_unstable();
            terms.dedup();
            for term in terms {
                let (a, b) = (was.get(term).copied(), now.get(term).copied());
                if a != b {
                    shard.set(term, n as u32, b, chunks);
                    affected[usize::from(file_of(term, chunks))] = true;
                }
            }
            retermed.push((old.keys[n], new.keys[n], made));
        }
        // The term files whose terms' postings changed.
        let mut found: Vec<Vec<Found>> = vec![Vec::new(); chunks];
        for (k, shard) in set.shards.iter().enumerate() {
            for (t, &j) in shard.files.iter().enumerate() {
                let j = usize::from(j);
                if affected[j] && !shard.postings[t].is_empty() {
                    found[j].push((&shard.terms[t], k as u32, TermNo(t as u32)));
                }
            }
        }
        let doc_files = new.docs.len().div_ceil(new.doc_chunk);
        let term_base = base + 1 + doc_files;
        for (j, terms) in found.into_iter().enumerate().filter(|&(j, _)| affected[j]) {
            remade.push((term_base + j, term_file(&set.shards, terms, &set.named[j], new.docs.len())));
        }
        // The document files holding a story that reads differently.
        let mut chunk_changed = vec![false; doc_files];
        for n in (0..new.docs.len()).filter(|&n| new.views[n] != old.views[n]) {
            chunk_changed[n / new.doc_chunk] = true;
        }
        for (i, chunk) in new.docs.chunks(new.doc_chunk).enumerate().filter(|&(i, _)| chunk_changed[i]) {
            remade.push((base + 1 + i, doc_file(site, chunk)));
        }
        remade.push((base, meta(site, new)));
        base = term_base + chunks;
    }
    let mut changed = Vec::new();
    for (i, bytes) in remade {
        if files[i] != bytes {
            hashes[i] = xxhash_rust::xxh3::xxh3_64(&bytes);
            files[i] = bytes;
            changed.push(i);
        }
    }
    changed.sort_unstable();
    cache.tokenised = retermed.iter().filter(|(_, _, made)| made.is_some()).count();
    for (old, new, made) in retermed {
        cache.stored.remove(&old);
        if let Some(encoded) = made {
            cache.stored.insert(new, encoded);
        }
    }
    let fingerprint = fingerprint(site, &layouts);
    let bytes = std::sync::OnceLock::from(Made::Ok(files));
    let retained = Some(Retained { sets });
    Some((SearchIndex { paths, fingerprint, layouts, bytes, hashes, retained }, changed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RawConfig;
    use crate::site::test_site;

    /// Sixty stories over a few words, so that common terms, doc files and shards are shared.
    fn files(edit: Option<(usize, &str)>) -> Vec<(String, String)> {
        let words = ["harbour", "budget", "ferry", "tariff", "storm", "rates", "quota", "tram"];
        (0..60)
            .map(|i| {
                let (a, b) = (words[i % 8], words[(i * 3 + 1) % 8]);
                let mut body = format!("The {a} report said {b} figures rose in week {i}.\n\nMore on the {b} later.\n");
                if let Some((n, extra)) = edit
                    && n == i
                {
                    body.push_str(extra);
                }
                let text = format!(
                    "+++\ntitle = \"{a} and {b} {i}\"\ndate = 2024-03-{:02}T09:{:02}:00Z\ntags = [\"{b}\"]\n+++\n{body}",
                    1 + i % 28,
                    i % 60
                );
                (format!("news/s{i:02}.md"), text)
            })
            .collect()
    }

    fn site(files: &[(String, String)]) -> Site {
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        test_site(&files, RawConfig::default())
    }

    fn bytes(index: &SearchIndex) -> Vec<Vec<u8>> {
        match index.bytes.get() {
            Some(Ok(files)) => files.clone(),
            _ => panic!("the index's files were made"),
        }
    }

    #[test]
    fn a_patched_index_equals_a_fresh_one_file_for_file() {
        // (story edited, text appended, whether any file changes)
        let cases: [(usize, &str, bool); 5] = [
            (7, "A quokka and a narwhal joined the tram.\n", true),
            (0, "Storm storm storm storm storm.\n", true),
            (59, "Harbour harbour rates.\n", true),
            (30, "\n", false),
            (12, "Budget.\n", true),
        ];
        for (n, extra, changes) in cases {
            let before = site(&files(None));
            let mut cache = TermCache::stored();
            let index = build_cached_for_test(&before, &mut cache);
            let after = site(&files(Some((n, extra))));
            let chain = after.chain_of(&format!("news/s{n:02}.md")).expect("the edited story's chain");
            let (patched, changed) = patch(index, &after, &mut cache, &[chain]).expect("a text edit is patched");
            let fresh = build_cached_for_test(&after, &mut TermCache::stored());
            assert_eq!(bytes(&patched), bytes(&fresh), "story {n}: {extra:?}");
            assert_eq!(patched.fingerprint, fresh.fingerprint, "story {n}");
            assert_eq!(patched.hashes, fresh.hashes, "story {n}");
            let before_files = bytes(&build_cached_for_test(&before, &mut TermCache::stored()));
            let differ: Vec<usize> = (0..before_files.len()).filter(|&i| before_files[i] != bytes(&fresh)[i]).collect();
            assert_eq!(changed, differ, "story {n}: the files said to change are those that did");
            assert_eq!(!changed.is_empty(), changes, "story {n}: {changed:?}");
            // The cache holds the new terms alone, so a second patch sees them as the old ones.
            assert_eq!(cache.len(), 60);
        }
    }

    #[test]
    fn a_second_patch_of_a_patched_index_still_equals_a_fresh_one() {
        let mut cache = TermCache::stored();
        let mut index = build_cached_for_test(&site(&files(None)), &mut cache);
        for (round, extra) in ["Ferry quokka.\n", "Narwhal.\n", ""].into_iter().enumerate() {
            let after = site(&files(Some((5, extra))));
            let chain = after.chain_of("news/s05.md").unwrap();
            index = patch(index, &after, &mut cache, &[chain]).expect("patched").0;
            let fresh = build_cached_for_test(&after, &mut TermCache::stored());
            assert_eq!(bytes(&index), bytes(&fresh), "round {round}");
        }
    }

    #[test]
    fn an_index_with_search_off_patches_to_no_files() {
        let off = || RawConfig { search: crate::config::RawSearch { enabled: Some(false) }, ..RawConfig::default() };
        let site_off = |edit| {
            let files = files(edit);
            let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
            test_site(&files, off())
        };
        let mut cache = TermCache::stored();
        let index = build_cached_for_test(&site_off(None), &mut cache);
        let after = site_off(Some((3, "More text.\n")));
        let chain = after.chain_of("news/s03.md").unwrap();
        let (patched, changed) = patch(index, &after, &mut cache, &[chain]).expect("nothing to patch is a patch");
        assert!(patched.paths.is_empty() && changed.is_empty());
    }

    fn build_cached_for_test(site: &Site, cache: &mut TermCache) -> SearchIndex {
        let index = super::super::build_cached(site, cache);
        assert!(index.retained.is_some(), "build_cached keeps the shards");
        index
    }
}
