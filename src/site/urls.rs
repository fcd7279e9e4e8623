//! URLs: each chain's canonical path from the permalink pattern, slug collisions settled
//! deterministically, redirects for older versions' own URLs. That no two output files share a
//! path is checked by the plan (`plan::Plan::new`), which lists them all.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use typed_index_collections::{TiSlice, TiVec};

use super::paging::Page;
use super::{ChainId, Redirect, RedirectId, StoryId};
use crate::config::{Config, PermalinkPart};
use crate::diag::Diagnostic;
use crate::parse::Story;
use crate::text::slugify;

pub struct Urls {
    /// Per chain, in group order.
    pub paths: TiVec<ChainId, String>,
    /// Sorted by path.
    pub redirects: TiVec<RedirectId, Redirect>,
}

/// Where a slug comes from: two hand-set slugs giving one URL are an error, made ones get a suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlugFrom {
    /// The front matter's `slug`.
    HandSet,
    /// The headline, else the file name.
    Made,
}

/// The slug a story asks for: its hand-set `slug`, else one made from its headline (or file name).
fn slug_of(story: &Story) -> (String, SlugFrom) {
    if let Some(s) = &story.slug {
        return (s.clone(), SlugFrom::HandSet);
    }
    let mut slug = slugify(&story.headline.text);
    if slug.is_empty() {
        slug = slugify(file_stem(&story.source));
    }
    if slug.is_empty() {
        slug = "story".into();
    }
    (slug, SlugFrom::Made)
}

/// The file name without extension and language suffix (`a` of `a.ko.md`).
fn file_stem(source: &str) -> &str {
    let path = Path::new(source);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    match crate::parse::language_suffix(path) {
        Some(code) => &stem[..stem.len() - code.len() - 1],
        None => stem,
    }
}

/// The permalink of a story with a given slug, under its language's prefix.
pub fn story_path(config: &Config, story: &Story, slug: &str) -> String {
    let mut out = format!("{}/", config.languages[story.lang].prefix);
    for part in &config.permalink.0 {
        let seg = match part {
            PermalinkPart::Literal(s) => s.clone(),
            PermalinkPart::Section => match &story.section {
                Some(s) => slugify(s),
                None => continue,
            },
            PermalinkPart::Year => format!("{:04}", story.date.year()),
            PermalinkPart::Month => format!("{:02}", story.date.month()),
            PermalinkPart::Day => format!("{:02}", story.date.day()),
            PermalinkPart::Slug => slug.to_string(),
        };
        if !seg.is_empty() {
            out.push_str(&seg);
            out.push('/');
        }
    }
    out
}

/// One warning per shared URL, at the first story's headline, naming every story's file.
fn collision_warning(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    groups: &TiSlice<ChainId, Vec<StoryId>>,
    chains: &[ChainId],
    path: &str,
) -> Diagnostic {
    let first = &stories[groups[chains[0]][0]];
    let files: Vec<&str> = chains.iter().map(|&c| stories[groups[c][0]].source.as_str()).collect();
    let message = format!(
        "{} stories share the URL {path}: {}; each headline-made slug gets a suffix from its file name",
        chains.len(),
        files.join(", ")
    );
    Diagnostic::new(&content_path(config, &first.source), first.headline_line.max(1), 1, message)
        .with_hint("give all but one of them a `slug` in the front matter (or another headline) to choose their URLs")
}

pub fn content_path(config: &Config, source: &str) -> std::path::PathBuf {
    config.site_dir.join("content").join(source)
}

/// Gives every chain a unique path. Headline-made slugs that collide get a suffix from their file
/// name (independent of reading order) and a warning; two hand-set slugs that collide are an error.
pub fn assign(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    groups: &TiSlice<ChainId, Vec<StoryId>>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Urls, Vec<Diagnostic>> {
    // Slugs and paths are made in parallel, then sorted: chains that want one path are neighbours,
    // in chain order.
    let wanted: TiVec<ChainId, (String, SlugFrom)> =
        groups.raw.par_iter().map(|g| slug_of(&stories[g[0]])).collect::<Vec<_>>().into();
    let mut by_path: Vec<(String, ChainId)> = (0..groups.len())
        .into_par_iter()
        .map(ChainId::from)
        .map(|c| (story_path(config, &stories[groups[c][0]], &wanted[c].0), c))
        .collect();
    by_path.par_sort_unstable();
    let mut paths: TiVec<ChainId, String> = vec![String::new(); groups.len()].into();
    let mut errors = Vec::new();
    for run in by_path.chunk_by_mut(|a, b| a.0 == b.0) {
        if let [(path, c)] = run {
            paths[*c] = std::mem::take(path);
            continue;
        }
        let path = &run[0].0;
        let chains: Vec<ChainId> = run.iter().map(|(_, c)| *c).collect();
        let manual: Vec<ChainId> = chains.iter().copied().filter(|&c| wanted[c].1 == SlugFrom::HandSet).collect();
        if manual.len() > 1 {
            let files: Vec<String> = manual.iter().map(|&c| stories[groups[c][0]].source.clone()).collect();
            for &c in &manual {
                let me = &stories[groups[c][0]].source;
                let others: Vec<&String> = files.iter().filter(|f| *f != me).collect();
                errors.push(Diagnostic::new(
                    &content_path(config, me),
                    1,
                    1,
                    format!(
                        "slug `{}` gives {path}, which {} also uses; give one of them another slug",
                        wanted[c].0,
                        join(&others)
                    ),
                ));
            }
            continue;
        }
        warnings.push(collision_warning(config, stories, groups, &chains, path));
        for &c in &chains {
            let story = &stories[groups[c][0]];
            let slug = match wanted[c].1 {
                SlugFrom::HandSet => wanted[c].0.clone(),
                SlugFrom::Made => format!("{}-{}", wanted[c].0, slugify(&story.source)),
            };
            paths[c] = story_path(config, story, &slug);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let redirects = version_redirects(config, stories, groups, &paths);
    Ok(Urls { paths, redirects })
}

fn join(items: &[&String]) -> String {
    items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

/// Older and newer versions whose own URL differs from the chain's: a redirect each, unless that
/// URL belongs to another page.
fn version_redirects(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    groups: &TiSlice<ChainId, Vec<StoryId>>,
    paths: &TiSlice<ChainId, String>,
) -> TiVec<RedirectId, Redirect> {
    let taken: std::collections::HashSet<&str> = paths.iter().map(String::as_str).collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (c, g) in groups.iter_enumerated() {
        for &v in &g[1..] {
            let path = story_path(config, &stories[v], &slug_of(&stories[v]).0);
            if !taken.contains(path.as_str()) && seen.insert(path.clone()) {
                out.push(Redirect { path, chain: c });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.into()
}

/// Paths of a paginated list ([`Page`]): `base` for its front, `base/page/N/` for an archive page.
pub fn page_path(base: &str, page: Page) -> String {
    match page {
        Page::Front => base.to_string(),
        Page::Archive(n) => format!("{base}page/{n}/"),
    }
}

/// A language's home: `/` for the default language, `/ko/` for one under a prefix. The list paths
/// below all take that prefix (`""` or `/ko`).
pub fn home_path(prefix: &str) -> String {
    format!("{prefix}/")
}

pub fn section_path(prefix: &str, slug: &str) -> String {
    format!("{prefix}/{slug}/")
}

/// A language's search page: `/search/`, `/ko/search/`.
pub fn search_path(prefix: &str) -> String {
    format!("{prefix}/search/")
}

/// A language's list of authors: `/authors/`, `/ko/authors/`.
pub fn authors_path(prefix: &str) -> String {
    format!("{prefix}/authors/")
}

/// An author's page: `/authors/lena-vastrow/`.
pub fn author_path(prefix: &str, id: &str) -> String {
    format!("{prefix}/authors/{id}/")
}

pub fn tags_path(prefix: &str) -> String {
    format!("{prefix}/tags/")
}

pub fn tag_path(prefix: &str, slug: &str) -> String {
    format!("{prefix}/tags/{slug}/")
}

pub fn day_path(prefix: &str, date: jiff::civil::Date) -> String {
    format!("{prefix}/{:04}/{:02}/{:02}/", date.year(), date.month(), date.day())
}

pub fn month_path(prefix: &str, year: i16, month: i8) -> String {
    format!("{prefix}/{year:04}/{month:02}/")
}

pub fn year_path(prefix: &str, year: i16) -> String {
    format!("{prefix}/{year:04}/")
}
