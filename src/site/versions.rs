//! Story versions: which parsed stories are versions of one story, in order.
//!
//! Explicitly, every story with the same front matter `story` key is one story. Implicitly, wire
//! stories of the same day and section whose tag-free headlines overlap enough (weighted by rarity,
//! [`Weights::overlap`]) are one story. Versions sort URGENT < untagged < LEAD < 2nd LD …, then by
//! time and path. Candidates come from a per-bucket term index, never from all pairs of the site.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use typed_index_collections::{TiSlice, TiVec};

use super::StoryId;
use super::terms::{Weights, headline_terms};
use crate::parse::{Format, Story};
use crate::text::slugify;

/// Groups stories into chains; each group is sorted oldest version first, groups by first path.
pub fn group(stories: &TiSlice<StoryId, Arc<Story>>, threshold: f64) -> Vec<Vec<StoryId>> {
    let mut uf = UnionFind::new(stories.len());
    let mut by_key: HashMap<&str, StoryId> = HashMap::new();
    for (i, s) in stories.iter_enumerated() {
        if let Some(k) = &s.story_key {
            uf.union(*by_key.entry(k.as_str()).or_insert(i), i);
        }
    }
    let terms: TiVec<StoryId, Vec<String>> = stories.iter().map(|s| headline_terms(&s.headline.text)).collect();
    let weights = Weights::new(terms.iter().map(Vec::as_slice));
    let mut buckets: BTreeMap<(jiff::civil::Date, String), Vec<StoryId>> = BTreeMap::new();
    for (i, s) in stories.iter_enumerated() {
        if s.format == Format::Wire && s.story_key.is_none() {
            let section = s.section.as_deref().map(slugify).unwrap_or_default();
            buckets.entry((s.date.date(), section)).or_default().push(i);
        }
    }
    for members in buckets.values() {
        link_similar(members, &terms, &weights, threshold, &mut uf);
    }
    let mut groups: BTreeMap<StoryId, Vec<StoryId>> = BTreeMap::new();
    for i in stories.keys() {
        groups.entry(uf.find(i)).or_default().push(i);
    }
    let mut groups: Vec<Vec<StoryId>> = groups.into_values().collect();
    for g in &mut groups {
        g.sort_by(|&a, &b| version_order(&stories[a], &stories[b]));
    }
    groups.sort_by(|a, b| stories[a[0]].source.cmp(&stories[b[0]].source));
    groups
}

/// URGENT < untagged < LEAD < 2nd LD …; then time, `updated`, path.
pub fn version_order(a: &Story, b: &Story) -> std::cmp::Ordering {
    a.headline
        .version
        .rank()
        .cmp(&b.headline.version.rank())
        .then_with(|| a.date.cmp(&b.date))
        .then_with(|| a.updated.cmp(&b.updated))
        .then_with(|| a.source.cmp(&b.source))
}

/// Unions the members of one day-and-section bucket whose headlines are similar enough.
fn link_similar(
    members: &[StoryId],
    terms: &TiSlice<StoryId, Vec<String>>,
    weights: &Weights,
    threshold: f64,
    uf: &mut UnionFind,
) {
    const MAX_POSTINGS: usize = 64;
    let mut index: HashMap<&str, Vec<StoryId>> = HashMap::new();
    for &m in members {
        for t in &terms[m] {
            index.entry(t.as_str()).or_default().push(m);
        }
    }
    for &m in members {
        let mut candidates: Vec<StoryId> = terms[m]
            .iter()
            .filter_map(|t| index.get(t.as_str()))
            .filter(|p| p.len() <= MAX_POSTINGS)
            .flatten()
            .copied()
            .filter(|&c| c > m)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        for c in candidates {
            if weights.overlap(&terms[m], &terms[c]) >= threshold {
                uf.union(m, c);
            }
        }
    }
}

struct UnionFind(TiVec<StoryId, StoryId>);

impl UnionFind {
    fn new(n: usize) -> Self {
        Self((0..n).map(StoryId::from).collect())
    }
    fn find(&mut self, mut x: StoryId) -> StoryId {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    /// Keeps the smaller id as the root, so roots do not depend on union order.
    fn union(&mut self, a: StoryId, b: StoryId) {
        let (ra, rb) = (self.find(a), self.find(b));
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        self.0[hi] = lo;
    }
}
