//! Related lists: the headlines an editor listed, resolved to stories of the site; then stories
//! that list this one (links are two-way) and computed related stories, which together fill the
//! list up to `related.max`.
//!
//! Resolution: tags stripped and text folded ([`normalize_headline`]) for an exact match against
//! every version's headline, else the most similar headline over a term index (weighted Dice ≥
//! `related.threshold`). A headline naming any version resolves to its chain; when several stories
//! share it ("In brief"), the one nearest in time to the lister (then the lowest id) wins, found by
//! binary search in a time-sorted [`Group`], and the lister itself only when no other story has it.
//! Lists are deduplicated by target, never point to their own story and keep the editor's order;
//! the editor's entries always show, backlinks and computed stories never push a list past
//! `related.max`. Everything here goes through inverted indexes and sorted groups: no step compares
//! all pairs of stories, nor all stories sharing a headline with each other.

use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use typed_index_collections::{TiSlice, TiVec};
use xxhash_rust::xxh3::Xxh3;

use super::terms::{Weights, headline_terms};
use super::{Chain, ChainId, Related, RelatedSource, RelatedTo, StoryId};
use crate::config::{Config, LangId, RelatedConfig, Unresolved};
use crate::parse::Story;
use crate::parse::headline::split_tags;
use crate::text::{normalize_headline, tokens};

/// Per chain, its related list.
pub fn compute(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    chains: &TiSlice<ChainId, Chain>,
) -> TiVec<ChainId, Vec<Related>> {
    let resolver = Resolver::new(stories, chains).with_threshold(config.related.threshold);
    let readings = resolver.readings(chains.iter().flat_map(|ch| {
        ch.versions.iter().flat_map(move |&v| stories[v].related.iter().map(move |r| (ch.lang, r.as_str())))
    }));
    // rayon reads the plain slices; positions are chain ids.
    let listed: TiVec<ChainId, Vec<Listed>> = chains
        .raw
        .par_iter()
        .enumerate()
        .map(|(c, chain)| resolver.editor_list(c.into(), chain, stories, &readings))
        .collect::<Vec<_>>()
        .into();
    let mut backlinks: TiVec<ChainId, Vec<ChainId>> = vec![Vec::new(); chains.len()].into();
    for (c, list) in listed.iter_enumerated() {
        for t in list.iter().filter_map(|l| l.target) {
            backlinks[t].push(c);
        }
    }
    let computed = Computed::new(stories, chains);
    let fill = Fill { rc: &config.related, chains, computed: &computed };
    listed
        .raw
        .into_par_iter()
        .zip(backlinks.raw)
        .enumerate()
        .map_init(|| Scores::new(chains.len()), |scores, (c, (listed, back))| fill.list(c.into(), listed, back, scores))
        .collect::<Vec<_>>()
        .into()
}

/// A fingerprint of everything [`compute`] reads: the `[related]` settings, and per chain, in
/// order, its language, times, tags, every version's headline and listed headlines, and its
/// newest version's summary. Sites whose keys are equal get equal lists, so a build whose key is
/// the last build's takes that build's lists ([`KeptLists`]) instead of computing them.
pub fn inputs_key(config: &Config, stories: &TiSlice<StoryId, Arc<Story>>, chains: &TiSlice<ChainId, Chain>) -> u64 {
    let text = |h: &mut Xxh3, t: &str| {
        h.update(&(t.len() as u64).to_le_bytes());
        h.update(t.as_bytes());
    };
    let number = |h: &mut Xxh3, n: u64| h.update(&n.to_le_bytes());
    let per_chain: Vec<u64> = chains
        .raw
        .par_iter()
        .map(|chain| {
            let mut h = Xxh3::new();
            number(&mut h, usize::from(chain.lang) as u64);
            h.update(&chain.first_published.timestamp().as_nanosecond().to_le_bytes());
            h.update(&chain.modified.timestamp().as_nanosecond().to_le_bytes());
            number(&mut h, chain.tags.len() as u64);
            for &tag in &chain.tags {
                number(&mut h, usize::from(tag) as u64);
            }
            number(&mut h, chain.versions.len() as u64);
            for &v in &chain.versions {
                let s = &stories[v];
                text(&mut h, &s.headline.text);
                number(&mut h, s.related.len() as u64);
                for r in &s.related {
                    text(&mut h, r);
                }
            }
            text(&mut h, &stories[chain.newest()].summary);
            h.digest()
        })
        .collect();
    let rc = &config.related;
    let mut h = Xxh3::new();
    h.update(&rc.threshold.to_bits().to_le_bytes());
    number(&mut h, rc.max as u64);
    number(&mut h, rc.unresolved as u64);
    number(&mut h, per_chain.len() as u64);
    for c in per_chain {
        number(&mut h, c);
    }
    h.digest()
}

/// Related lists as the build state keeps them between builds: the [`inputs_key`] they were
/// computed for, and per chain its entries (a linked entry's title is its target's newest
/// headline, so only the target is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptLists {
    pub key: u64,
    lists: Vec<Vec<KeptEntry>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum KeptEntry {
    Linked(u32, RelatedSource),
    /// An editor's headline that names no story.
    Text(Box<str>),
}

impl KeptLists {
    /// The lists of `related` (every chain's, in order), computed for `key`.
    pub fn new(key: u64, related: &TiSlice<ChainId, Vec<Related>>) -> KeptLists {
        let entry = |r: &Related| match &r.to {
            RelatedTo::Story(t) => KeptEntry::Linked(usize::from(*t) as u32, r.source),
            RelatedTo::Text(text) => KeptEntry::Text(text.clone()),
        };
        KeptLists { key, lists: related.iter().map(|list| list.iter().map(entry).collect()).collect() }
    }

    /// The lists again, for a site of these chains: `None` unless there is one list per chain and
    /// every target is one of them.
    pub fn lists(self, chains: &TiSlice<ChainId, Chain>) -> Option<TiVec<ChainId, Vec<Related>>> {
        if self.lists.len() != chains.len() {
            return None;
        }
        let entry = |e: KeptEntry| match e {
            KeptEntry::Linked(t, source) => {
                let t = ChainId::from(t as usize);
                chains.get(t).map(|_| Related { to: RelatedTo::Story(t), source })
            }
            KeptEntry::Text(text) => Some(Related { to: RelatedTo::Text(text), source: RelatedSource::Editor }),
        };
        self.lists.into_iter().map(|list| list.into_iter().map(entry).collect::<Option<Vec<_>>>()).collect()
    }
}

/// What one chain's related list is made from.
struct Fill<'a> {
    rc: &'a RelatedConfig,
    chains: &'a TiSlice<ChainId, Chain>,
    computed: &'a Computed,
}

impl Fill<'_> {
    /// The editor's entries (all of them), then backlinks newest first, then computed stories, the
    /// last two only while the list is shorter than `related.max`.
    fn list(&self, c: ChainId, listed: Vec<Listed>, mut back: Vec<ChainId>, scores: &mut Scores) -> Vec<Related> {
        let linked = |t: ChainId, source| Related { to: RelatedTo::Story(t), source };
        let mut out: Vec<Related> = Vec::new();
        let mut seen: Vec<ChainId> = vec![c];
        for l in listed {
            match l.target {
                Some(t) if !seen.contains(&t) => {
                    seen.push(t);
                    out.push(linked(t, RelatedSource::Editor));
                }
                Some(_) => {}
                None if self.rc.unresolved == Unresolved::Text => {
                    out.push(Related { to: RelatedTo::Text(l.text.into()), source: RelatedSource::Editor })
                }
                None => {}
            }
        }
        back.sort_unstable_by(|&a, &b| self.chains[b].modified.cmp(&self.chains[a].modified).then(a.cmp(&b)));
        for b in back {
            if out.len() >= self.rc.max {
                break;
            }
            if !seen.contains(&b) {
                seen.push(b);
                out.push(linked(b, RelatedSource::Backlink));
            }
        }
        let want = self.rc.max.saturating_sub(out.len());
        out.extend(self.computed.top(c, want, &seen, scores).into_iter().map(|t| linked(t, RelatedSource::Computed)));
        out
    }
}

/// A listed headline, read once.
struct Reading {
    text: String,
    norm: String,
    candidates: Candidates,
}

/// The stories a listed headline may name: all of them equally good, so the nearest in time wins.
enum Candidates {
    /// An exact match: the resolver's group for that folded headline.
    Exact(usize),
    /// The chains whose headlines are most similar (all with the best score).
    Similar(Group),
    None,
}

/// One headline as listed, resolved or not.
struct Listed {
    text: String,
    target: Option<ChainId>,
}

/// Equally good candidates, each chain once, sorted by first-published time then id, so the one
/// nearest a given time is a binary search away however many stories share a headline.
struct Group(Vec<(i64, ChainId)>);

impl Group {
    fn new(mut members: Vec<(i64, ChainId)>) -> Self {
        members.sort_unstable();
        members.dedup();
        Group(members)
    }

    /// The member nearest in time to `from` (at `t0`), then the lowest id; `from` itself only when
    /// it is the only member.
    fn nearest(&self, t0: i64, from: ChainId) -> Option<ChainId> {
        let m = &self.0;
        let i = m.partition_point(|&(t, _)| t < t0);
        // At or after t0: the first member in (time, id) order that is not `from`.
        let after = m[i..].iter().find(|&&(_, c)| c != from).copied();
        // Before t0: the latest time, lowest id at that time (`from`, at t0, is never here).
        let before = i.checked_sub(1).map(|j| m[m.partition_point(|&(t, _)| t < m[j].0)]);
        let key = |(t, c): (i64, ChainId)| ((t - t0).unsigned_abs(), c);
        match (before, after) {
            (Some(b), Some(a)) => Some(if key(b) <= key(a) { b.1 } else { a.1 }),
            (Some((_, c)), None) | (None, Some((_, c))) => Some(c),
            (None, None) => m.binary_search(&(t0, from)).ok().map(|_| from),
        }
    }
}

/// Finds the chain a listed headline names, among the stories of the listing story's language:
/// every key (folded headline, term) carries its language, so no headline resolves across
/// languages.
pub struct Resolver {
    /// (Language, folded headline) → index into `groups`.
    exact: FxHashMap<(LangId, String), usize>,
    groups: Vec<Group>,
    /// Per version (in `versions` order): its chain and its terms' ids, sorted.
    docs: Vec<(ChainId, Vec<u32>)>,
    terms: Vocabulary,
    /// Per term id, the versions (indexes into `docs`) whose headline has it.
    index: Vec<Vec<u32>>,
    max_postings: usize,
    threshold: f64,
    times: TiVec<ChainId, i64>,
    langs: TiVec<ChainId, LangId>,
}

/// The headline terms of the site's versions, each an id numbered in the terms' sorted order (so
/// sorted ids are sorted terms), with its rarity weight ([`Weights::weight`]) worked out once.
struct Vocabulary {
    ids: FxHashMap<String, u32>,
    weights: Vec<f64>,
    /// The weight of a term no version's headline has.
    unseen: f64,
}

impl Vocabulary {
    /// The vocabulary of `docs`, and each doc's terms as sorted ids.
    fn new(docs: Vec<Vec<String>>) -> (Self, Vec<Vec<u32>>) {
        let mut distinct: Vec<&str> =
            docs.iter().flatten().map(String::as_str).collect::<FxHashSet<_>>().into_iter().collect();
        distinct.par_sort_unstable();
        let ids: FxHashMap<String, u32> =
            distinct.iter().enumerate().map(|(i, &t)| (t.to_string(), i as u32)).collect();
        let mut df = vec![0u32; ids.len()];
        let docs: Vec<Vec<u32>> = docs
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| {
                        let id = ids[t.as_str()];
                        df[id as usize] += 1;
                        id
                    })
                    .collect()
            })
            .collect();
        let n = docs.len().max(1) as f64;
        let weights = df.iter().map(|&d| Weights::idf(n, d)).collect();
        (Vocabulary { ids, weights, unseen: Weights::idf(n, 0) }, docs)
    }
}

/// Terms marked with their language, so that only stories of one language share them.
fn lang_terms(lang: LangId, terms: Vec<String>) -> Vec<String> {
    if lang == LangId::DEFAULT {
        return terms;
    }
    terms.into_iter().map(|t| format!("{}\u{1f}{t}", usize::from(lang))).collect()
}

/// A listed headline's terms as the resolver scores them: each with its id, when some version's
/// headline has it, and its weight, in the terms' sorted order.
struct Query(Vec<(Option<u32>, f64)>);

impl Resolver {
    pub fn new(stories: &TiSlice<StoryId, Arc<Story>>, chains: &TiSlice<ChainId, Chain>) -> Self {
        let read: Vec<(ChainId, String, Vec<String>)> = chains
            .raw
            .par_iter()
            .enumerate()
            .map(|(c, chain)| (ChainId::from(c), chain))
            .flat_map_iter(|(c, chain)| {
                chain.versions.iter().map(move |&v| {
                    let text = &stories[v].headline.text;
                    (c, normalize_headline(text), lang_terms(chain.lang, headline_terms(text)))
                })
            })
            .collect();
        let times: TiVec<ChainId, i64> = chains.iter().map(|c| c.first_published.timestamp().as_second()).collect();
        let langs: TiVec<ChainId, LangId> = chains.iter().map(|c| c.lang).collect();
        let mut members: FxHashMap<(LangId, String), Vec<(i64, ChainId)>> = FxHashMap::default();
        let mut of_doc = Vec::with_capacity(read.len());
        let mut doc_terms = Vec::with_capacity(read.len());
        for (c, norm, terms) in read {
            members.entry((langs[c], norm)).or_default().push((times[c], c));
            of_doc.push(c);
            doc_terms.push(terms);
        }
        let mut exact = FxHashMap::with_capacity_and_hasher(members.len(), Default::default());
        let mut groups = Vec::with_capacity(members.len());
        for (norm, m) in members {
            exact.insert(norm, groups.len());
            groups.push(Group::new(m));
        }
        let (terms, doc_ids) = Vocabulary::new(doc_terms);
        let mut index: Vec<Vec<u32>> = vec![Vec::new(); terms.weights.len()];
        for (d, ids) in doc_ids.iter().enumerate() {
            for &t in ids {
                index[t as usize].push(d as u32);
            }
        }
        let docs: Vec<(ChainId, Vec<u32>)> = of_doc.into_iter().zip(doc_ids).collect();
        let max_postings = (docs.len() / 50).max(64);
        Resolver { exact, groups, docs, terms, index, max_postings, threshold: 0.6, times, langs }
    }

    pub fn with_threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// The chain a headline listed by chain `from` names, if any: the nearest in time of the
    /// stories it names, `from` itself only when no other story has that headline.
    pub fn resolve(&self, listed: &str, from: ChainId) -> Option<ChainId> {
        let lang = self.langs.get(from).copied().unwrap_or_default();
        self.target(&self.read(lang, listed), from)
    }

    fn target(&self, reading: &Reading, from: ChainId) -> Option<ChainId> {
        let t0 = self.times.get(from).copied().unwrap_or(0);
        match &reading.candidates {
            Candidates::Exact(g) => self.groups[*g].nearest(t0, from),
            Candidates::Similar(group) => group.nearest(t0, from),
            Candidates::None => None,
        }
    }

    /// Reads each distinct headline once (many stories list the same ones).
    fn readings<'a>(&self, listed: impl Iterator<Item = (LangId, &'a str)>) -> FxHashMap<(LangId, &'a str), Reading> {
        let mut distinct: Vec<(LangId, &str)> = listed.collect();
        distinct.sort_unstable();
        distinct.dedup();
        distinct.par_iter().map(|&(lang, r)| ((lang, r), self.read(lang, r))).collect()
    }

    /// Reads a listed headline: its tag-free text, its folded form, and the chains it may name
    /// (the exact matches, else the most similar headlines' chains).
    fn read(&self, lang: LangId, listed: &str) -> Reading {
        let text = split_tags(listed).text;
        let key = (lang, normalize_headline(&text));
        let candidates = match self.exact.get(&key) {
            Some(&g) => Candidates::Exact(g),
            None => self.similar(lang, &text),
        };
        Reading { text, norm: key.1, candidates }
    }

    /// The chains whose headlines score best (at least the threshold) against `text`.
    fn similar(&self, lang: LangId, text: &str) -> Candidates {
        let q = self.query(lang, text);
        let mut cands: Vec<u32> =
            q.0.iter()
                .filter_map(|&(id, _)| id)
                .map(|id| &self.index[id as usize])
                .filter(|p| p.len() <= self.max_postings)
                .flatten()
                .copied()
                .collect();
        cands.sort_unstable();
        cands.dedup();
        let scored: Vec<(ChainId, f64)> = cands
            .into_iter()
            .map(|d| {
                let (c, terms) = &self.docs[d as usize];
                (*c, self.dice(&q, terms))
            })
            .filter(|&(_, s)| s >= self.threshold)
            .collect();
        let Some(best) = scored.iter().map(|&(_, s)| s).max_by(f64::total_cmp) else {
            return Candidates::None;
        };
        let top = scored.into_iter().filter(|&(_, s)| s == best).map(|(c, _)| (self.times[c], c)).collect();
        Candidates::Similar(Group::new(top))
    }

    /// A listed headline's terms, in the listing story's language.
    fn query(&self, lang: LangId, text: &str) -> Query {
        let terms = lang_terms(lang, headline_terms(text));
        Query(
            terms
                .iter()
                .map(|t| match self.terms.ids.get(t.as_str()) {
                    Some(&id) => (Some(id), self.terms.weights[id as usize]),
                    None => (None, self.terms.unseen),
                })
                .collect(),
        )
    }

    /// Weighted Dice similarity of a query and a version's terms: twice the shared terms' weight
    /// over both sides' weight, 1.0 only for the same words.
    fn dice(&self, q: &Query, doc: &[u32]) -> f64 {
        let shared: f64 =
            q.0.iter().filter(|(id, _)| id.is_some_and(|id| doc.binary_search(&id).is_ok())).map(|&(_, w)| w).sum();
        let total: f64 = q.0.iter().map(|&(_, w)| w).chain(doc.iter().map(|&id| self.terms.weights[id as usize])).sum();
        if total <= 0.0 { 0.0 } else { 2.0 * shared / total }
    }

    /// The editor's related headlines of every version, newest version first, each resolved.
    fn editor_list(
        &self,
        c: ChainId,
        chain: &Chain,
        stories: &TiSlice<StoryId, Arc<Story>>,
        readings: &FxHashMap<(LangId, &str), Reading>,
    ) -> Vec<Listed> {
        let mut seen_text = FxHashSet::default();
        let mut out = Vec::new();
        for &v in chain.versions.iter().rev() {
            for r in &stories[v].related {
                let reading = &readings[&(chain.lang, r.as_str())];
                if !seen_text.insert(reading.norm.as_str()) {
                    continue;
                }
                out.push(Listed { target: self.target(reading, c), text: reading.text.clone() });
            }
        }
        out
    }
}

/// Computed related stories: shared tags and rare keywords of headline and lede, closeness in time.
struct Computed {
    terms: TiVec<ChainId, Vec<u32>>,
    postings: Vec<Vec<ChainId>>,
    idf: Vec<f32>,
    times: TiVec<ChainId, i64>,
}

impl Computed {
    fn new(stories: &TiSlice<StoryId, Arc<Story>>, chains: &TiSlice<ChainId, Chain>) -> Self {
        // Terms as 64-bit hashes (tags and words kept apart by a prefix), interned to dense ids.
        let hashed: Vec<Vec<(u64, bool)>> = chains
            .raw
            .par_iter()
            .map(|chain| {
                let s = &stories[chain.newest()];
                let mut t: Vec<(u64, bool)> =
                    chain.tags.iter().map(|&tag| (term_hash(0, "#", &usize::from(tag).to_string()), true)).collect();
                let text = normalize_headline(&format!("{} {}", s.headline.text, s.summary));
                // Words carry the chain's language (tags are a language's own already), so only
                // stories of one language share terms.
                let lang = usize::from(chain.lang);
                t.extend(
                    tokens(&text)
                        .filter(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
                        .map(|w| (term_hash(lang, "", w), false)),
                );
                t.sort_unstable();
                t.dedup();
                t
            })
            .collect();
        let mut ids: FxHashMap<u64, u32> = FxHashMap::default();
        let mut is_tag = Vec::new();
        let terms: TiVec<ChainId, Vec<u32>> = hashed
            .iter()
            .map(|t| {
                let mut out: Vec<u32> = t
                    .iter()
                    .map(|&(h, tag)| {
                        *ids.entry(h).or_insert_with(|| {
                            is_tag.push(tag);
                            is_tag.len() as u32 - 1
                        })
                    })
                    .collect();
                out.sort_unstable();
                out
            })
            .collect();
        let mut postings: Vec<Vec<ChainId>> = vec![Vec::new(); ids.len()];
        for (c, t) in terms.iter_enumerated() {
            for &w in t {
                postings[w as usize].push(c);
            }
        }
        let n = chains.len().max(1) as f32;
        let cap = (chains.len() / 10).clamp(8, 200);
        let idf = postings
            .iter()
            .zip(&is_tag)
            .map(|(p, &tag)| {
                if p.len() < 2 || p.len() > cap { 0.0 } else { (n / p.len() as f32).ln() * if tag { 1.5 } else { 1.0 } }
            })
            .collect();
        let times = chains.iter().map(|c| c.first_published.timestamp().as_second()).collect();
        Computed { terms, postings, idf, times }
    }

    /// Up to `want` chains most related to `c`, excluding `seen`; ties go to the lower id.
    fn top(&self, c: ChainId, want: usize, seen: &[ChainId], scores: &mut Scores) -> Vec<ChainId> {
        if want == 0 {
            return vec![];
        }
        for &w in &self.terms[c] {
            let idf = self.idf[w as usize];
            if idf > 0.0 {
                for &o in &self.postings[w as usize] {
                    scores.add(o, idf);
                }
            }
        }
        let mut ranked: Vec<(ChainId, f32)> = scores
            .drain()
            .filter(|(o, _)| !seen.contains(o))
            .map(|(o, s)| {
                let days = (self.times[o] - self.times[c]).unsigned_abs() as f32 / 86_400.0;
                (o, s / (1.0 + days / 7.0))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().take(want).map(|(o, _)| o).collect()
    }
}

fn term_hash(lang: usize, prefix: &str, word: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (lang, prefix, word).hash(&mut h);
    h.finish()
}

/// A dense score accumulator, reused across the stories one thread handles.
struct Scores {
    score: TiVec<ChainId, f32>,
    touched: Vec<ChainId>,
}

impl Scores {
    fn new(n: usize) -> Self {
        Scores { score: vec![0.0; n].into(), touched: Vec::new() }
    }

    fn add(&mut self, c: ChainId, v: f32) {
        if self.score[c] == 0.0 {
            self.touched.push(c);
        }
        self.score[c] += v;
    }

    /// The touched entries with their scores, resetting them to zero.
    fn drain(&mut self) -> impl Iterator<Item = (ChainId, f32)> + '_ {
        self.touched.sort_unstable();
        self.touched.drain(..).map(|c| (c, std::mem::take(&mut self.score[c])))
    }
}

/// Every listed related headline that names no story of the site: `(story, line, headline)`.
pub fn unresolved(site: &super::Site) -> Vec<(StoryId, usize, String)> {
    let resolver = Resolver::new(site.stories(), site.chains()).with_threshold(site.config().related.threshold);
    let readings =
        resolver.readings(site.stories().iter().flat_map(|s| s.related.iter().map(|r| (s.lang, r.as_str()))));
    let mut out = Vec::new();
    for (c, chain) in site.chains().iter_enumerated() {
        for &v in &chain.versions {
            let s = &site.story(v);
            for (r, &line) in s.related.iter().zip(&s.related_lines) {
                let reading = &readings[&(s.lang, r.as_str())];
                if resolver.target(reading, c).is_none() {
                    out.push((v, line, reading.text.clone()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RawConfig;
    use crate::site::Site;

    fn id(i: usize) -> ChainId {
        ChainId::from(i)
    }

    fn site(files: &[(&str, &str)], raw: RawConfig) -> Site {
        crate::site::test_site(files, raw)
    }

    fn wire(headline: &str, related: &[&str]) -> String {
        let tail: String = related.iter().map(|r| format!("-\n{r}\n")).collect();
        format!("{headline}\nSEOUL, May 24 (Yonhap) -- Text.\n(END)\n{tail}")
    }

    #[test]
    fn resolution_table() {
        let a = wire("Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS", &[]);
        let b = wire("BTS to meet Biden at White House to discuss anti-Asian hate crimes", &[]);
        let c = wire("Seoul stocks open higher on tech gains", &[]);
        let s = site(
            &[("nk/2022/05/24/a.txt", &a), ("culture/2022/05/24/b.txt", &b), ("economy/2022/05/24/c.txt", &c)],
            RawConfig::default(),
        );
        let r = Resolver::new(s.stories(), s.chains()).with_threshold(0.6);
        let cases: [(&str, Option<&str>); 8] = [
            ("(LEAD) Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS", Some("nk/2022/05/24/a.txt")),
            ("multiple russian chinese warplanes enter kadiz without notice -- jcs", Some("nk/2022/05/24/a.txt")),
            ("Multiple Russian, Chinese warplanes enter KADIZ without notice", Some("nk/2022/05/24/a.txt")),
            ("“BTS” to meet Biden at White House to discuss anti-Asian hate crimes", Some("culture/2022/05/24/b.txt")),
            ("(News Focus) BTS to meet Biden at White House", Some("culture/2022/05/24/b.txt")),
            ("Seoul stocks close lower", None),
            ("Son Heung-min receives hero's welcome home", None),
            ("", None),
        ];
        for (headline, want) in cases {
            let got = r.resolve(headline, id(0)).map(|c| s.story(s.chain(c).first()).source.as_str());
            assert_eq!(got, want, "{headline:?}");
        }
    }

    #[test]
    fn dice_is_one_only_for_the_same_words() {
        let a = wire("Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS", &[]);
        let b = wire("BTS to meet Biden at White House to discuss anti-Asian hate crimes", &[]);
        let s = site(&[("nk/2022/05/24/a.txt", &a), ("culture/2022/05/24/b.txt", &b)], RawConfig::default());
        let r = Resolver::new(s.stories(), s.chains());
        let own = r.query(LangId::DEFAULT, "Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS");
        let fewer = r.query(LangId::DEFAULT, "Russian warplanes enter KADIZ");
        let doc = |path: &str| {
            let (_, terms) = r.docs.iter().find(|(c, _)| s.story(s.chain(*c).first()).source.as_str() == path).unwrap();
            terms
        };
        let (doc_a, doc_b) = (doc("nk/2022/05/24/a.txt"), doc("culture/2022/05/24/b.txt"));
        assert!((r.dice(&own, doc_a) - 1.0).abs() < 1e-9);
        let partly = r.dice(&fewer, doc_a);
        assert!(partly > 0.0 && partly < 1.0, "{partly}");
        assert_eq!(r.dice(&own, doc_b), 0.0);
    }

    #[test]
    fn hidden_unresolved_headlines_are_dropped() {
        let a = wire("Port volumes hit record", &["A headline no story has", "Budget passes"]);
        let b = wire("Budget passes", &[]);
        let files = [("economy/2022/05/24/a.txt", a.as_str()), ("politics/2022/05/24/b.txt", b.as_str())];
        let shown = site(&files, RawConfig::default());
        assert_eq!(
            shown.related(id(0)).iter().map(|r| (shown.related_title(r), r.target())).collect::<Vec<_>>(),
            [("A headline no story has", None), ("Budget passes", Some(id(1)))],
            "economy/… is chain 0, politics/… chain 1"
        );
        let hidden = site(&files, crate::config::parse_raw("[related]\nunresolved = \"hide\"\n").unwrap());
        assert_eq!(hidden.related(id(0)).iter().map(Related::target).collect::<Vec<_>>(), [Some(id(1))]);
    }

    /// A Markdown story dated `minute` minutes into 2024 (up to a day).
    fn md(title: &str, minute: usize, related: &[&str]) -> String {
        let related: Vec<String> = related.iter().map(|r| format!("{r:?}")).collect();
        let (hour, minute) = (minute / 60, minute % 60);
        format!(
            "+++\ntitle = {title:?}\ndate = 2024-01-01T{hour:02}:{minute:02}:00Z\nrelated = [{}]\n+++\nText.\n",
            related.join(", ")
        )
    }

    fn sources(s: &Site, c: ChainId) -> Vec<&str> {
        s.related(c).iter().map(|r| r.target().map_or("-", |t| s.story(s.chain(t).first()).source.as_str())).collect()
    }

    #[test]
    fn backlinks_from_400_stories_are_capped_at_related_max() {
        let mut files = vec![("news/a-target.md".to_string(), md("Harbour tunnel opens", 0, &[]))];
        for i in 0..400 {
            files.push((
                format!("news/b{i:03}.md"),
                md(&format!("Commuter note {i}"), 1 + i, &["Harbour tunnel opens"]),
            ));
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let s = site(&files, RawConfig::default());
        assert_eq!(s.story(s.chain(id(0)).first()).source.as_str(), "news/a-target.md");
        // related.max is 5: the five newest of the 400 stories that list it.
        assert_eq!(
            sources(&s, id(0)),
            ["news/b399.md", "news/b398.md", "news/b397.md", "news/b396.md", "news/b395.md"]
        );
        assert!(s.related.iter().all(|r| r.len() <= 5), "no list longer than related.max");
        assert!(
            s.related.iter().skip(1).all(|r| r[0].target() == Some(id(0)) && r[0].source == RelatedSource::Editor),
            "each lister links it first"
        );
    }

    #[test]
    fn editor_entries_all_show_past_related_max_and_backlinks_only_fill_up_to_it() {
        let listed = ["One", "Two", "Three", "Four", "Five", "Six", "No such story"];
        let mut files = vec![("news/a.md".to_string(), md("Many links", 0, &listed))];
        for (i, t) in listed[..6].iter().enumerate() {
            files.push((format!("news/t{i}.md"), md(t, 1 + i, &[])));
        }
        files.push(("news/u.md".to_string(), md("Lists one", 9, &["Many links", "One"])));
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let raw = RawConfig {
            related: crate::config::RawRelated { max: Some(3), ..Default::default() },
            ..Default::default()
        };
        let s = site(&files, raw);
        let titles = |c: ChainId| s.related(c).iter().map(|r| s.related_title(r)).collect::<Vec<_>>();
        assert_eq!(titles(id(0)), listed, "the editor's seven entries, no backlink from u.md");
        // t0.md ("One") has two backlinks and room for three: both, newest first, then computed.
        let one = s.chains().position(|ch| s.story(ch.first()).source.as_str() == "news/t0.md").unwrap();
        assert_eq!(&sources(&s, one)[..2], ["news/u.md", "news/a.md"]);
        assert!(s.related(one).len() <= 3);
    }

    #[test]
    fn stories_sharing_one_headline_resolve_to_a_bounded_list() {
        let files: Vec<(String, String)> =
            (0..1000).map(|i| (format!("news/s{i:04}.md"), md("In brief", i, &["In brief"]))).collect();
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let s = site(&files, RawConfig::default());
        for (c, list) in s.related.iter().enumerate() {
            assert!(list.len() <= 5, "story {c}: {} related", list.len());
            let (c, want) = (id(c), id(if c == 0 { 1 } else { c - 1 }));
            // Listed "In brief" names the nearest other story in time: the one a minute before (the
            // one after for the first).
            assert_eq!(list[0].target(), Some(want), "story {c:?}");
            assert!(list.iter().all(|r| r.target() != Some(c)));
        }
    }

    #[test]
    fn group_nearest_table() {
        let group = |m: &[(i64, usize)]| Group::new(m.iter().map(|&(t, c)| (t, id(c))).collect());
        let g = group(&[(10, 4), (10, 2), (20, 1), (30, 3), (30, 0), (20, 1)]);
        // (time of `from`, from, want): nearest in time, then lowest id, never `from` while others exist
        let cases = [
            (20, 1, Some(0)),
            (10, 2, Some(4)),
            (30, 3, Some(0)),
            (30, 0, Some(3)),
            (24, 9, Some(1)),
            (25, 9, Some(0)),
            (0, 9, Some(2)),
        ];
        for (t0, from, want) in cases {
            assert_eq!(g.nearest(t0, id(from)), want.map(id), "from {from} at {t0}");
        }
        assert_eq!(group(&[(5, 7)]).nearest(5, id(7)), Some(id(7)), "itself only when alone");
        assert_eq!(group(&[(5, 7)]).nearest(6, id(8)), Some(id(7)));
        assert_eq!(group(&[]).nearest(5, id(7)), None);
    }
}
