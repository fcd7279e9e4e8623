//! Story versions: which parsed stories are versions of one story, in order, and why.
//!
//! - An explicit `story` key always decides: every file with the key is one story, and only those.
//!   `standalone = true` keeps a file out of every implicit chain.
//! - Implicitly, only wire copy is grouped, and only on the wire's own evidence: two files join
//!   when they are of the same day and section, at least one of them carries a version tag (URGENT,
//!   LEAD, Nth LD, `[속보]`, `(종합)`, `(2보)` …), their headlines do not differ in a figure, and both
//!   their headlines and their ledes are similar enough (weighted by rarity, [`Weights::overlap`]). A
//!   chain holds at most one untagged version (the full story between the URGENT and the LEAD), so
//!   two untagged stories are never one story, however alike.
//! - Two files with the same headline, day and text are duplicates: reported, never merged.
//!
//! Versions sort URGENT < 2보, 3보 … < untagged < LEAD < 2nd LD … (see [`Version`]), then by time
//! and path. Candidates come from a per-bucket term index, never from all pairs of the site; the
//! strongest pairs join first, so the chains do not depend on input order.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use typed_index_collections::{TiSlice, TiVec};

use super::StoryId;
use super::terms::{Weights, headline_terms};
use crate::parse::headline::Version;
use crate::parse::{Format, Grouping, LangId, Story};
use crate::text::{normalize_headline, slugify, tokens};

/// How similar two files must be to be versions of one story.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Weighted overlap of the tag-free headlines' words.
    pub headline: f64,
    /// Weighted overlap of the ledes' words.
    pub lede: f64,
}

/// Why two wire files were taken as versions of one story.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    pub a: StoryId,
    pub b: StoryId,
    pub headline: f64,
    pub lede: f64,
}

/// The versions found: each group sorted oldest version first, groups by their first path.
#[derive(Debug, Default)]
pub struct Versions {
    pub groups: Vec<Vec<StoryId>>,
    /// The implicit joins made, strongest first.
    pub joins: Vec<Join>,
    /// Pairs of files with the same headline, day and text (earlier path first).
    pub duplicates: Vec<(StoryId, StoryId)>,
}

/// Ledes are compared on their first words: a lede is one sentence, and the rest of a long first
/// paragraph would only dilute the overlap (and cost time).
const LEDE_TERMS: usize = 60;

/// Groups stories into chains.
pub fn group(stories: &TiSlice<StoryId, Arc<Story>>, t: Thresholds) -> Versions {
    let mut uf = UnionFind::new(stories);
    // Versions are of one language: a key shared across languages makes one story per language.
    let mut by_key: HashMap<(LangId, &str), StoryId> = HashMap::new();
    for (i, s) in stories.iter_enumerated() {
        if let Grouping::Key(k) = &s.grouping {
            uf.union(*by_key.entry((s.lang, k.as_str())).or_insert(i), i);
        }
    }
    let duplicates = duplicates(stories);
    let implicit = |s: &Story| s.format == Format::Wire && s.grouping == Grouping::Implicit;
    let terms = Terms::new(stories, implicit);
    let mut buckets: BTreeMap<(LangId, jiff::civil::Date, String), Vec<StoryId>> = BTreeMap::new();
    for (i, s) in stories.iter_enumerated().filter(|(_, s)| implicit(s)) {
        let section = s.section.as_deref().map(slugify).unwrap_or_default();
        buckets.entry((s.lang, s.date.date(), section)).or_default().push(i);
    }
    let dup_pairs: std::collections::HashSet<(StoryId, StoryId)> = duplicates.iter().copied().collect();
    let mut edges: Vec<Join> = buckets
        .values()
        .flat_map(|members| candidate_pairs(members, &terms))
        .filter(|&(a, b)| !dup_pairs.contains(&(a, b)))
        .filter_map(|(a, b)| terms.join(stories, a, b, t))
        .collect();
    edges.sort_by(|x, y| strength(y).total_cmp(&strength(x)).then((x.a, x.b).cmp(&(y.a, y.b))));
    let joins: Vec<Join> = edges.into_iter().filter(|j| uf.union_versions(j.a, j.b)).collect();
    let mut groups: BTreeMap<StoryId, Vec<StoryId>> = BTreeMap::new();
    for i in stories.keys() {
        groups.entry(uf.find(i)).or_default().push(i);
    }
    let mut groups: Vec<Vec<StoryId>> = groups.into_values().collect();
    for g in &mut groups {
        g.sort_by(|&a, &b| version_order(&stories[a], &stories[b]));
    }
    groups.sort_by(|a, b| stories[a[0]].source.cmp(&stories[b[0]].source));
    Versions { groups, joins, duplicates }
}

fn strength(j: &Join) -> f64 {
    j.headline + j.lede
}

/// URGENT < 2보 < untagged < LEAD < 2nd LD … ([`Version`]'s order); then time, `updated`, path.
pub fn version_order(a: &Story, b: &Story) -> std::cmp::Ordering {
    a.headline
        .version
        .cmp(&b.headline.version)
        .then_with(|| a.date.cmp(&b.date))
        .then_with(|| a.updated.cmp(&b.updated))
        .then_with(|| a.source.cmp(&b.source))
}

/// Files with the same folded headline (version tag included), day and body text, as (earlier,
/// later) pairs by path.
fn duplicates(stories: &TiSlice<StoryId, Arc<Story>>) -> Vec<(StoryId, StoryId)> {
    // Folded in parallel, then looked up in order, so the first of equal stories is the lowest id.
    let keys: Vec<(LangId, jiff::civil::Date, Version, String, u64)> = stories
        .raw
        .par_iter()
        .map(|s| (s.lang, s.date.date(), s.headline.version, normalize_headline(&s.headline.text), s.body.hash()))
        .collect();
    let mut first: FxHashMap<(LangId, jiff::civil::Date, Version, String, u64), StoryId> =
        FxHashMap::with_capacity_and_hasher(keys.len(), Default::default());
    let mut out = Vec::new();
    for (i, key) in keys.into_iter().enumerate() {
        let i = StoryId::from(i);
        match first.get(&key) {
            Some(&f) => out.push((f, i)),
            None => {
                first.insert(key, i);
            }
        }
    }
    out
}

/// The words each implicit candidate is compared on, and their rarity.
struct Terms {
    headline: TiVec<StoryId, Vec<String>>,
    lede: TiVec<StoryId, Vec<String>>,
    figures: TiVec<StoryId, Vec<String>>,
    headline_weights: Weights,
    lede_weights: Weights,
}

impl Terms {
    fn new(stories: &TiSlice<StoryId, Arc<Story>>, implicit: impl Fn(&Story) -> bool + Sync) -> Self {
        let of = |f: &(dyn Fn(&Story) -> Vec<String> + Sync)| -> TiVec<StoryId, Vec<String>> {
            stories.raw.par_iter().map(|s| if implicit(s) { f(s) } else { Vec::new() }).collect::<Vec<_>>().into()
        };
        let headline = of(&|s| headline_terms(&s.headline.text));
        let lede = of(&|s| lede_terms(&s.lede));
        let figures = of(&|s| figures(&s.headline.text));
        let headline_weights = Weights::new(headline.iter().map(Vec::as_slice));
        let lede_weights = Weights::new(lede.iter().map(Vec::as_slice));
        Terms { headline, lede, figures, headline_weights, lede_weights }
    }

    /// The join of `a` and `b` when the wire's evidence allows it and both similarities hold.
    fn join(&self, stories: &TiSlice<StoryId, Arc<Story>>, a: StoryId, b: StoryId, t: Thresholds) -> Option<Join> {
        let (va, vb) = (stories[a].headline.version, stories[b].headline.version);
        if va == Version::Plain && vb == Version::Plain {
            return None; // two untagged stories: no evidence that they are one
        }
        let (fa, fb) = (&self.figures[a], &self.figures[b]);
        if !fa.is_empty() && !fb.is_empty() && fa != fb {
            return None; // "page 2" and "page 24", "rises 29 pct" and "rises 31 pct"
        }
        let headline = self.headline_weights.overlap(&self.headline[a], &self.headline[b]);
        if headline < t.headline {
            return None;
        }
        let (la, lb) = (&self.lede[a], &self.lede[b]);
        let lede = self.lede_weights.overlap(la, lb);
        if la.is_empty() || lb.is_empty() || lede < t.lede {
            return None; // the headlines agree, the stories do not (or one tells nothing yet)
        }
        Some(Join { a, b, headline, lede })
    }
}

/// The words of a lede, sorted and distinct (its first [`LEDE_TERMS`] words).
fn lede_terms(lede: &str) -> Vec<String> {
    let norm = normalize_headline(lede);
    let mut t: Vec<String> = tokens(&norm).take(LEDE_TERMS).map(str::to_string).collect();
    t.sort();
    t.dedup();
    t
}

/// The figures of a headline (words holding a digit: `2`, `24`, `3.25`, `2021`, `15th`), sorted.
pub fn figures(headline: &str) -> Vec<String> {
    let norm = normalize_headline(headline);
    let mut f: Vec<String> =
        tokens(&norm).filter(|w| w.chars().any(|c| c.is_ascii_digit())).map(str::to_string).collect();
    f.sort();
    f
}

/// Pairs `(a, b)`, `a < b`, of one bucket that share a headline term not too common to index.
fn candidate_pairs(members: &[StoryId], terms: &Terms) -> Vec<(StoryId, StoryId)> {
    const MAX_POSTINGS: usize = 64;
    let mut index: HashMap<&str, Vec<StoryId>> = HashMap::new();
    for &m in members {
        for t in &terms.headline[m] {
            index.entry(t.as_str()).or_default().push(m);
        }
    }
    let mut out = Vec::new();
    for &m in members {
        let mut candidates: Vec<StoryId> = terms.headline[m]
            .iter()
            .filter_map(|t| index.get(t.as_str()))
            .filter(|p| p.len() <= MAX_POSTINGS)
            .flatten()
            .copied()
            .filter(|&c| c > m)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        out.extend(candidates.into_iter().map(|c| (m, c)));
    }
    out
}

/// Union-find over stories that also counts each set's untagged versions.
struct UnionFind {
    parent: TiVec<StoryId, StoryId>,
    untagged: TiVec<StoryId, u32>,
}

impl UnionFind {
    fn new(stories: &TiSlice<StoryId, Arc<Story>>) -> Self {
        let untagged = stories.iter().map(|s| u32::from(s.headline.version == Version::Plain)).collect();
        Self { parent: (0..stories.len()).map(StoryId::from).collect(), untagged }
    }

    fn find(&mut self, mut x: StoryId) -> StoryId {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Keeps the smaller id as the root, so roots do not depend on union order.
    fn union(&mut self, a: StoryId, b: StoryId) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.parent[hi] = lo;
            self.untagged[lo] += self.untagged[hi];
        }
    }

    /// Joins two implicit versions' chains unless they are one already or the joined chain would
    /// hold two untagged versions (two stories). True when it joined them.
    fn union_versions(&mut self, a: StoryId, b: StoryId) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb || self.untagged[ra] + self.untagged[rb] > 1 {
            return false;
        }
        self.union(ra, rb);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ParseOptions, parse_story};

    const T: Thresholds = Thresholds { headline: 0.6, lede: 0.35 };

    /// A wire story at `SECTION/YYYY/MM/DD/NAME.txt`.
    fn wire(path: &str, headline: &str, lede: &str) -> Arc<Story> {
        const MONTHS: [&str; 12] =
            ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."];
        let parts: Vec<&str> = path.split('/').collect();
        let month = MONTHS[parts[2].parse::<usize>().unwrap() - 1];
        let day: u8 = parts[3].parse().unwrap();
        let text = format!("{headline}\nSEOUL, {month} {day} (Gazette Wire) -- {lede}\nMore.\n(END)\n");
        Arc::new(parse_story(std::path::Path::new(path), &text, &ParseOptions::new(jiff::tz::TimeZone::UTC)).unwrap())
    }

    /// Groups the stories into lists of indexes into `files`, sorted.
    fn chains(files: &[(&str, &str, &str)]) -> Vec<Vec<usize>> {
        let stories: TiVec<StoryId, Arc<Story>> = files.iter().map(|(p, h, l)| wire(p, h, l)).collect();
        let mut groups: Vec<Vec<usize>> = group(&stories, T)
            .groups
            .into_iter()
            .map(|g| {
                let mut g: Vec<usize> = g.into_iter().map(usize::from).collect();
                g.sort();
                g
            })
            .collect();
        groups.sort();
        groups
    }

    const KADIZ: &str = "Several Russian and Chinese military aircraft entered the air defense identification zone without prior notice, the Joint Chiefs of Staff said.";
    const SUMMIT: &str = "President Yoon Suk Yeol and U.S. President Joe Biden agreed Saturday to expand the scope and scale of joint military exercises to deter North Korea.";

    /// Pairs that are one story: they must join.
    #[test]
    fn versions_that_must_join() {
        let cases: &[&[(&str, &str, &str)]] = &[
            // The seed's KADIZ chain: URGENT → untagged → LEAD, reworded.
            &[
                (
                    "nk/2022/05/24/1310.txt",
                    "(URGENT) Russian, Chinese warplanes enter S. Korea's air defense zone without notice: JCS",
                    KADIZ,
                ),
                (
                    "nk/2022/05/24/1335.txt",
                    "Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS",
                    KADIZ,
                ),
                (
                    "nk/2022/05/24/1450.txt",
                    "(LEAD) Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS",
                    KADIZ,
                ),
            ],
            // A flash whose one-line lede says what its headline says joins the full story.
            &[
                (
                    "nk/2022/05/24/1300.txt",
                    "(URGENT) Russian, Chinese warplanes enter KADIZ without notice",
                    "Russian and Chinese warplanes entered the air defense identification zone, the JCS said.",
                ),
                (
                    "nk/2022/05/24/1335.txt",
                    "Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS",
                    KADIZ,
                ),
            ],
            // The summit: LEAD → 5th LD with a reworded lede.
            &[
                ("pol/2022/05/21/1500.txt", "(LEAD) Yoon, Biden agree to expand joint military exercises", SUMMIT),
                (
                    "pol/2022/05/21/2100.txt",
                    "(5th LD) Yoon, Biden agree to expand joint military exercises to cope with N.K. threats",
                    "Yoon and Biden agreed Saturday to expand joint military exercises to deter North Korea, in their first summit in Seoul.",
                ),
            ],
            // The Korean wire's tags.
            &[
                (
                    "nk/2022/05/25/0600.txt",
                    "[속보] 합참 \"북한, 동해상으로 탄도미사일 발사\"",
                    "합동참모본부는 북한이 25일 오전 동해상으로 탄도미사일을 발사했다고 밝혔다.",
                ),
                (
                    "nk/2022/05/25/0610.txt",
                    "합참 \"북한, 동해상으로 탄도미사일 발사\"(종합)",
                    "합동참모본부는 북한이 25일 오전 동해상으로 탄도미사일을 발사했다고 밝혔다. 군은 추가 발사에 대비하고 있다.",
                ),
                (
                    "nk/2022/05/25/0700.txt",
                    "합참 \"북한, 동해상으로 탄도미사일 발사\"(종합2보)",
                    "합동참모본부는 북한이 25일 오전 동해상으로 탄도미사일 3발을 발사했다고 밝혔다.",
                ),
            ],
        ];
        for case in cases {
            assert_eq!(chains(case), vec![(0..case.len()).collect::<Vec<_>>()], "{case:?}");
        }
    }

    /// Pairs that are two stories: they must not join.
    #[test]
    fn stories_that_must_stay_apart() {
        let cases: &[&[(&str, &str, &str)]] = &[
            // A profile and the news about the same man, untagged.
            &[
                (
                    "w/2021/02/02/a.txt",
                    "Profile: Ivan Petrov, opposition leader",
                    "Ivan Petrov, 44, has led the opposition for a decade.",
                ),
                (
                    "w/2021/02/02/b.txt",
                    "Opposition leader Ivan Petrov jailed for 15 days",
                    "A court jailed opposition leader Ivan Petrov for 15 days on Tuesday.",
                ),
            ],
            // The same news, one story tagged: the ledes tell two people apart.
            &[
                (
                    "w/2021/02/02/a.txt",
                    "Appeal to trace girl missing from Kells",
                    "Police have appealed for help to trace a 14-year-old girl missing from Kells since Sunday.",
                ),
                (
                    "w/2021/02/02/b.txt",
                    "(LEAD) Appeal to trace teenager missing from Cork",
                    "Gardai in Cork are searching for a 16-year-old boy last seen leaving school on Monday.",
                ),
            ],
            // An explainer beside the news.
            &[
                (
                    "w/2021/02/02/a.txt",
                    "What is the nerve agent Novichok?",
                    "Novichok is a group of nerve agents developed in the 1970s.",
                ),
                (
                    "w/2021/02/02/b.txt",
                    "(URGENT) Nerve agent Novichok used in attack, police say",
                    "Police said on Tuesday that a nerve agent of the Novichok group was used.",
                ),
            ],
            // Headlines that differ only in a figure, even when tagged.
            &[
                ("w/2021/02/02/a.txt", "(LEAD) In brief page 2", "News in brief from around the region."),
                ("w/2021/02/02/b.txt", "(LEAD) In brief page 24", "News in brief from around the region."),
            ],
            &[
                (
                    "w/2021/02/02/a.txt",
                    "(LEAD) Exports rise 29 pct in April",
                    "Exports rose 29 percent in April from a year earlier, data showed.",
                ),
                (
                    "w/2021/02/02/b.txt",
                    "(LEAD) Exports rise 31 pct in April",
                    "Exports rose 31 percent in April from a year earlier, data showed.",
                ),
            ],
            // Two untagged stories, however alike.
            &[
                (
                    "w/2021/02/02/a.txt",
                    "Union rejects offer to host 2023 games",
                    "The union rejected an offer to give up hosting the 2023 games.",
                ),
                (
                    "w/2021/02/02/b.txt",
                    "Union rejects offer to host 2023 games again",
                    "The union rejected an offer to give up hosting the 2023 games.",
                ),
            ],
            // Other days or sections.
            &[
                (
                    "w/2021/02/02/a.txt",
                    "(LEAD) Storm closes harbor bridge",
                    "A storm closed the harbor bridge on Tuesday.",
                ),
                (
                    "w/2021/02/03/b.txt",
                    "(2nd LD) Storm closes harbor bridge",
                    "A storm closed the harbor bridge on Tuesday.",
                ),
            ],
            &[
                (
                    "w/2021/02/02/a.txt",
                    "(LEAD) Storm closes harbor bridge",
                    "A storm closed the harbor bridge on Tuesday.",
                ),
                (
                    "e/2021/02/02/b.txt",
                    "(2nd LD) Storm closes harbor bridge",
                    "A storm closed the harbor bridge on Tuesday.",
                ),
            ],
        ];
        for case in cases {
            assert_eq!(chains(case), (0..case.len()).map(|i| vec![i]).collect::<Vec<_>>(), "{case:?}");
        }
    }

    #[test]
    fn a_chain_holds_one_untagged_version() {
        // Both untagged stories match the URGENT: only the closer one joins it.
        let files = [
            ("nk/2022/05/24/1300.txt", "(URGENT) Warplanes enter KADIZ without notice: JCS", KADIZ),
            ("nk/2022/05/24/1335.txt", "Warplanes enter KADIZ without notice: JCS", KADIZ),
            ("nk/2022/05/24/1400.txt", "Russian warplanes enter KADIZ air zone: JCS", KADIZ),
        ];
        let stories: TiVec<StoryId, Arc<Story>> = files.iter().map(|(p, h, l)| wire(p, h, l)).collect();
        let joins = group(&stories, T).joins;
        assert_eq!(joins.len(), 1, "{joins:?}");
        assert_eq!(chains(&files), vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn duplicates_are_found_and_never_joined() {
        let files = [
            ("w/2021/02/02/a.txt", "(LEAD) Storm closes harbor bridge", "A storm closed the harbor bridge."),
            ("w/2021/02/02/b.txt", "(LEAD) Storm closes harbor bridge", "A storm closed the harbor bridge."),
        ];
        let stories: TiVec<StoryId, Arc<Story>> = files.iter().map(|(p, h, l)| wire(p, h, l)).collect();
        let v = group(&stories, T);
        assert_eq!(v.groups.len(), 2);
        assert_eq!(v.duplicates, vec![(StoryId::from(0), StoryId::from(1))]);
    }

    #[test]
    fn figures_table() {
        for (headline, want) in [
            ("In brief page 24", vec!["24"]),
            ("Exports rise 29 pct, 3.25% rate", vec!["29", "3", "25"]),
            ("No figures here", vec![]),
        ] {
            let mut want: Vec<String> = want.into_iter().map(String::from).collect();
            want.sort();
            assert_eq!(figures(headline), want, "{headline}");
        }
    }
}
