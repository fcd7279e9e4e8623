//! Related lists: the headlines an editor listed, resolved to stories of the site; stories that
//! list this one (links are two-way); then computed related stories up to `related.max`.
//!
//! Resolution: tags stripped and text folded ([`normalize_headline`]) for an exact match against
//! every version's headline, else the most similar headline over a term index (weighted Dice ≥
//! `related.threshold`). A headline naming any version resolves to its chain. Lists are deduplicated
//! by target, never point to their own story and keep the editor's order. Everything here goes
//! through inverted indexes: no step compares all pairs of stories.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::terms::{Weights, headline_terms};
use super::{Chain, ChainId, Related};
use crate::config::{Config, Unresolved};
use crate::parse::Story;
use crate::parse::headline::split_tags;
use crate::text::{normalize_headline, tokens};

/// Per chain, its related list.
pub fn compute(config: &Config, stories: &[Arc<Story>], chains: &[Chain]) -> Vec<Vec<Related>> {
    let resolver = Resolver::new(stories, chains).with_threshold(config.related.threshold);
    // Many stories list the same headlines: read each distinct one once.
    let mut distinct: Vec<&str> = chains
        .iter()
        .flat_map(|ch| ch.versions.iter().flat_map(|&v| stories[v].related.iter().map(String::as_str)))
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    let readings: HashMap<&str, Reading> = distinct.par_iter().map(|r| (*r, resolver.read(r))).collect();
    let listed: Vec<Vec<Listed>> =
        chains.par_iter().enumerate().map(|(c, chain)| resolver.editor_list(c, chain, stories, &readings)).collect();
    let mut backlinks: Vec<Vec<ChainId>> = vec![Vec::new(); chains.len()];
    for (c, list) in listed.iter().enumerate() {
        for t in list.iter().filter_map(|l| l.target) {
            backlinks[t].push(c);
        }
    }
    let computed = Computed::new(stories, chains);
    let rc = &config.related;
    listed
        .into_par_iter()
        .zip(backlinks)
        .enumerate()
        .map_init(
            || Scores::new(chains.len()),
            |scores, (c, (listed, mut back))| {
                let title = |t: ChainId| stories[chains[t].newest()].headline.text.clone();
                let mut out: Vec<Related> = Vec::new();
                let mut seen: Vec<ChainId> = vec![c];
                for l in listed {
                    match l.target {
                        Some(t) if !seen.contains(&t) => {
                            seen.push(t);
                            out.push(Related { title: title(t), target: Some(t), computed: false });
                        }
                        Some(_) => {}
                        None if rc.unresolved == Unresolved::Text => {
                            out.push(Related { title: l.text, target: None, computed: false })
                        }
                        None => {}
                    }
                }
                back.sort_by(|&a, &b| chains[b].modified.cmp(&chains[a].modified).then(a.cmp(&b)));
                for b in back {
                    if !seen.contains(&b) {
                        seen.push(b);
                        out.push(Related { title: title(b), target: Some(b), computed: false });
                    }
                }
                let want = rc.max.saturating_sub(out.len());
                for t in computed.top(c, want, &seen, scores) {
                    out.push(Related { title: title(t), target: Some(t), computed: true });
                }
                out
            },
        )
        .collect()
}

/// A listed headline, read once.
struct Reading {
    text: String,
    norm: String,
    candidates: Vec<(ChainId, f64)>,
}

/// One headline as listed, resolved or not.
struct Listed {
    text: String,
    target: Option<ChainId>,
}

/// Finds the chain a listed headline names.
pub struct Resolver {
    exact: HashMap<String, Vec<ChainId>>,
    /// Per version (in `versions` order): its chain and its terms.
    docs: Vec<(ChainId, Vec<String>)>,
    index: HashMap<String, Vec<u32>>,
    weights: Weights,
    max_postings: usize,
    threshold: f64,
    times: Vec<i64>,
}

impl Resolver {
    pub fn new(stories: &[Arc<Story>], chains: &[Chain]) -> Self {
        let read: Vec<(ChainId, String, Vec<String>)> = chains
            .par_iter()
            .enumerate()
            .flat_map_iter(|(c, chain)| {
                chain.versions.iter().map(move |&v| {
                    let text = &stories[v].headline.text;
                    (c, normalize_headline(text), headline_terms(text))
                })
            })
            .collect();
        let mut exact: HashMap<String, Vec<ChainId>> = HashMap::new();
        let mut docs = Vec::with_capacity(read.len());
        for (c, norm, terms) in read {
            let list = exact.entry(norm).or_default();
            if !list.contains(&c) {
                list.push(c);
            }
            docs.push((c, terms));
        }
        let weights = Weights::new(docs.iter().map(|(_, t)| t.as_slice()));
        let mut index: HashMap<String, Vec<u32>> = HashMap::new();
        for (d, (_, terms)) in docs.iter().enumerate() {
            for t in terms {
                index.entry(t.clone()).or_default().push(d as u32);
            }
        }
        let max_postings = (docs.len() / 50).max(64);
        let times = chains.iter().map(|c| c.first_published.timestamp().as_second()).collect();
        Resolver { exact, docs, index, weights, max_postings, threshold: 0.6, times }
    }

    pub fn with_threshold(mut self, threshold: f64) -> Self {
        self.threshold = threshold;
        self
    }

    /// The chain a headline names, if any; `near` (a chain) breaks ties between equal candidates
    /// by closeness in time.
    pub fn resolve(&self, listed: &str, near: ChainId) -> Option<ChainId> {
        self.nearest(self.read(listed).candidates.iter().copied(), near)
    }

    /// Reads a listed headline: its tag-free text, its folded form, and the chains it may name
    /// (every exact match, else every similar enough headline's chain, with its score).
    fn read(&self, listed: &str) -> Reading {
        let text = split_tags(listed).text;
        let norm = normalize_headline(&text);
        let candidates = self.candidates(&text, &norm);
        Reading { text, norm, candidates }
    }

    fn candidates(&self, text: &str, norm: &str) -> Vec<(ChainId, f64)> {
        if let Some(cands) = self.exact.get(norm) {
            return cands.iter().map(|&c| (c, 1.0)).collect();
        }
        let q = headline_terms(text);
        if q.is_empty() {
            return Vec::new();
        }
        let mut cands: Vec<u32> = q
            .iter()
            .filter_map(|t| self.index.get(t))
            .filter(|p| p.len() <= self.max_postings)
            .flatten()
            .copied()
            .collect();
        cands.sort_unstable();
        cands.dedup();
        cands
            .into_iter()
            .map(|d| {
                let (c, terms) = &self.docs[d as usize];
                (*c, self.weights.dice(&q, terms))
            })
            .filter(|&(_, s)| s >= self.threshold)
            .collect()
    }

    /// Best score, then nearest in time to `near`, then lowest id.
    fn nearest(&self, cands: impl Iterator<Item = (ChainId, f64)>, near: ChainId) -> Option<ChainId> {
        let t0 = self.times.get(near).copied().unwrap_or(0);
        cands
            .map(|(c, s)| (c, s, (self.times[c] - t0).unsigned_abs()))
            .min_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)))
            .map(|(c, _, _)| c)
    }

    /// The editor's related headlines of every version, newest version first, each resolved.
    fn editor_list(
        &self,
        c: ChainId,
        chain: &Chain,
        stories: &[Arc<Story>],
        readings: &HashMap<&str, Reading>,
    ) -> Vec<Listed> {
        let mut seen_text = std::collections::HashSet::new();
        let mut out = Vec::new();
        for &v in chain.versions.iter().rev() {
            for r in &stories[v].related {
                let reading = &readings[r.as_str()];
                if !seen_text.insert(reading.norm.as_str()) {
                    continue;
                }
                out.push(Listed {
                    target: self.nearest(reading.candidates.iter().copied(), c),
                    text: reading.text.clone(),
                });
            }
        }
        out
    }
}

/// Computed related stories: shared tags and rare keywords of headline and lede, closeness in time.
struct Computed {
    terms: Vec<Vec<u32>>,
    postings: Vec<Vec<ChainId>>,
    idf: Vec<f32>,
    times: Vec<i64>,
}

impl Computed {
    fn new(stories: &[Arc<Story>], chains: &[Chain]) -> Self {
        // Terms as 64-bit hashes (tags and words kept apart by a prefix), interned to dense ids.
        let hashed: Vec<Vec<(u64, bool)>> = chains
            .par_iter()
            .map(|chain| {
                let s = &stories[chain.newest()];
                let mut t: Vec<(u64, bool)> =
                    chain.tags.iter().map(|tag| (term_hash("#", &tag.to_string()), true)).collect();
                let text = normalize_headline(&format!("{} {}", s.headline.text, s.summary));
                t.extend(
                    tokens(&text)
                        .filter(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
                        .map(|w| (term_hash("", w), false)),
                );
                t.sort_unstable();
                t.dedup();
                t
            })
            .collect();
        let mut ids: HashMap<u64, u32> = HashMap::new();
        let mut is_tag = Vec::new();
        let terms: Vec<Vec<u32>> = hashed
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
        for (c, t) in terms.iter().enumerate() {
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

fn term_hash(prefix: &str, word: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (prefix, word).hash(&mut h);
    h.finish()
}

/// A dense score accumulator, reused across the stories one thread handles.
struct Scores {
    score: Vec<f32>,
    touched: Vec<ChainId>,
}

impl Scores {
    fn new(n: usize) -> Self {
        Scores { score: vec![0.0; n], touched: Vec::new() }
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
pub fn unresolved(site: &super::Site) -> Vec<(super::StoryId, usize, String)> {
    let resolver = Resolver::new(&site.stories, &site.chains).with_threshold(site.config.related.threshold);
    let mut out = Vec::new();
    for (c, chain) in site.chains.iter().enumerate() {
        for &v in &chain.versions {
            let s = &site.stories[v];
            for (r, &line) in s.related.iter().zip(&s.related_lines) {
                if resolver.resolve(r, c).is_none() {
                    out.push((v, line, split_tags(r).text));
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
        let r = Resolver::new(&s.stories, &s.chains).with_threshold(0.6);
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
            let got = r.resolve(headline, 0).map(|c| s.stories[s.chains[c].first()].source.as_str());
            assert_eq!(got, want, "{headline:?}");
        }
    }

    #[test]
    fn hidden_unresolved_headlines_are_dropped() {
        let a = wire("Port volumes hit record", &["A headline no story has", "Budget passes"]);
        let b = wire("Budget passes", &[]);
        let files = [("economy/2022/05/24/a.txt", a.as_str()), ("politics/2022/05/24/b.txt", b.as_str())];
        let shown = site(&files, RawConfig::default());
        assert_eq!(
            shown.related[0].iter().map(|r| (r.title.as_str(), r.target)).collect::<Vec<_>>(),
            [("A headline no story has", None), ("Budget passes", Some(1))],
            "economy/… is chain 0, politics/… chain 1"
        );
        let raw = RawConfig {
            related: crate::config::RawRelated { unresolved: Some("hide".into()), ..Default::default() },
            ..Default::default()
        };
        let hidden = site(&files, raw);
        assert_eq!(hidden.related[0].iter().map(|r| r.target).collect::<Vec<_>>(), [Some(1)]);
    }
}
