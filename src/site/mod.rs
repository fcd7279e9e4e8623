//! The site model: parsed stories → stories grouped into version chains, with URLs, sections, tags,
//! days and related lists. Pure: no I/O, and the result does not depend on the order stories came in.
//!
//! A [`Chain`] is one story as readers see it: every version (URGENT → untagged → LEAD → 2nd LD …)
//! under one canonical URL, the URL of its first version, which never changes when a newer one
//! arrives. Older versions' own URLs become redirects.

pub mod related;
pub mod terms;
pub mod urls;
pub mod versions;

use std::collections::BTreeMap;

use jiff::Zoned;
use jiff::civil::Date;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::parse::Story;
use crate::text::slugify;

pub type StoryId = usize;
pub type ChainId = usize;

/// One story with all its versions.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Versions, oldest first: the first is canonical, the last is shown.
    pub versions: Vec<StoryId>,
    /// Root-relative URL path of the story page, e.g. `/politics/2024/05/01/slug/`.
    pub path: String,
    pub section: Option<usize>,
    pub tags: Vec<usize>,
    pub first_published: Zoned,
    /// The newest version's `updated`, else its date: what orders lists.
    pub modified: Zoned,
}

impl Chain {
    pub fn newest(&self) -> StoryId {
        *self
            .versions
            .last()
            .expect("a chain has at least one version")
    }
    pub fn first(&self) -> StoryId {
        self.versions[0]
    }
}

#[derive(Debug, Clone)]
pub struct Section {
    pub slug: String,
    pub title: String,
    pub chains: Vec<ChainId>,
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub slug: String,
    pub chains: Vec<ChainId>,
}

#[derive(Debug, Clone)]
pub struct Day {
    pub date: Date,
    pub chains: Vec<ChainId>,
}

/// A page left at an older version's own URL.
#[derive(Debug, Clone)]
pub struct Redirect {
    pub path: String,
    pub chain: ChainId,
}

/// One entry of a story's related list.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    /// The headline shown: the target's newest headline, or the editor's text when unresolved.
    pub title: String,
    pub target: Option<ChainId>,
    pub computed: bool,
}

/// The whole site, ready to render.
#[derive(Debug)]
pub struct Site {
    pub config: Config,
    pub stories: Vec<Story>,
    pub chains: Vec<Chain>,
    pub sections: Vec<Section>,
    pub tags: Vec<Tag>,
    pub days: Vec<Day>,
    /// Every chain, newest first.
    pub home: Vec<ChainId>,
    pub redirects: Vec<Redirect>,
    /// Per chain.
    pub related: Vec<Vec<Related>>,
    pub warnings: Vec<String>,
}

impl Site {
    /// Builds the model. Errors are located (duplicate hand-set slugs, clashing URLs).
    pub fn assemble(config: Config, mut stories: Vec<Story>) -> Result<Site, Vec<Diagnostic>> {
        if !config.drafts {
            stories.retain(|s| !s.draft);
        }
        stories.sort_by(|a, b| a.source.cmp(&b.source));
        let groups = versions::group(&stories, config.related.version_threshold);
        let mut warnings = Vec::new();
        let urls = urls::assign(&config, &stories, &groups, &mut warnings)?;
        let mut chains: Vec<Chain> = groups
            .into_iter()
            .zip(urls.paths)
            .map(|(versions, path)| {
                let first = &stories[versions[0]];
                let newest = &stories[*versions.last().unwrap()];
                let modified = newest
                    .updated
                    .clone()
                    .unwrap_or_else(|| newest.date.clone())
                    .max(first.date.clone());
                Chain {
                    first_published: first.date.clone(),
                    modified,
                    versions,
                    path,
                    section: None,
                    tags: vec![],
                }
            })
            .collect();
        let mut sections = index_sections(&config, &stories, &mut chains);
        let mut tags = index_tags(&stories, &mut chains);
        let home = newest_first(&chains);
        let mut days: BTreeMap<Date, Vec<ChainId>> = BTreeMap::new();
        for &c in &home {
            let chain = &chains[c];
            days.entry(chain.first_published.date())
                .or_default()
                .push(c);
            if let Some(s) = chain.section {
                sections[s].chains.push(c);
            }
            for &t in &chain.tags {
                tags[t].chains.push(c);
            }
        }
        let days = days
            .into_iter()
            .map(|(date, chains)| Day { date, chains })
            .collect();
        let related = related::compute(&config, &stories, &chains);
        let site = Site {
            config,
            stories,
            chains,
            sections,
            tags,
            days,
            home,
            redirects: urls.redirects,
            related,
            warnings,
        };
        urls::check_unique(&site)?;
        Ok(site)
    }

    /// The story shown for a chain: its newest version.
    pub fn shown(&self, chain: ChainId) -> &Story {
        &self.stories[self.chains[chain].newest()]
    }
}

/// Chain ids, most recently modified first; ties broken by URL so the order is total.
pub fn newest_first(chains: &[Chain]) -> Vec<ChainId> {
    let mut order: Vec<ChainId> = (0..chains.len()).collect();
    order.sort_by(|&a, &b| {
        chains[b]
            .modified
            .cmp(&chains[a].modified)
            .then_with(|| chains[a].path.cmp(&chains[b].path))
    });
    order
}

/// Finds each chain's section (the first version's) and returns the sections, config order first.
fn index_sections(config: &Config, stories: &[Story], chains: &mut [Chain]) -> Vec<Section> {
    let mut by_slug: BTreeMap<String, String> = BTreeMap::new();
    for chain in chains.iter() {
        if let Some(name) = &stories[chain.first()].section {
            by_slug.entry(slugify(name)).or_insert_with(|| name.clone());
        }
    }
    let mut slugs: Vec<String> = config
        .sections
        .keys()
        .filter(|s| by_slug.contains_key(*s))
        .cloned()
        .collect();
    slugs.extend(
        by_slug
            .keys()
            .filter(|s| !config.sections.contains_key(*s))
            .cloned(),
    );
    let sections: Vec<Section> = slugs
        .iter()
        .map(|slug| Section {
            slug: slug.clone(),
            title: config
                .sections
                .get(slug)
                .cloned()
                .unwrap_or_else(|| title_case(&by_slug[slug])),
            chains: vec![],
        })
        .collect();
    for chain in chains.iter_mut() {
        chain.section = stories[chain.first()]
            .section
            .as_ref()
            .and_then(|n| slugs.iter().position(|s| *s == slugify(n)));
    }
    sections
}

fn title_case(name: &str) -> String {
    if name.chars().any(char::is_uppercase) {
        return name.to_string();
    }
    name.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_uppercase().chain(cs).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tags of all versions of a chain (newest version's first), keyed by slug; the spelling shown is
/// the one of the first story (by path) that uses the tag.
fn index_tags(stories: &[Story], chains: &mut [Chain]) -> Vec<Tag> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for s in stories {
        for t in &s.tags {
            let slug = slugify(t);
            if !slug.is_empty() {
                names.entry(slug).or_insert_with(|| t.clone());
            }
        }
    }
    let slugs: Vec<&String> = names.keys().collect();
    for chain in chains.iter_mut() {
        let mut tags = Vec::new();
        for &v in chain.versions.iter().rev() {
            for t in &stories[v].tags {
                if let Ok(i) = slugs.binary_search(&&slugify(t))
                    && !tags.contains(&i)
                {
                    tags.push(i);
                }
            }
        }
        chain.tags = tags;
    }
    names
        .iter()
        .map(|(slug, name)| Tag {
            name: name.clone(),
            slug: slug.clone(),
            chains: vec![],
        })
        .collect()
}
