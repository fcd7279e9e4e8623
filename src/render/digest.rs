//! What each output file is made from, as a fingerprint: the part of the site model a plan
//! entry's job reads plus the entry's template and everything it extends or includes (the template
//! comes from the entry itself, the same field the renderer uses). Two equal digests mean equal bytes, so an
//! incremental rebuild renders only the jobs whose digest changed.
//!
//! Invariant: every input a job's rendering reads is hashed here. A missed input shows up as a
//! difference between an incremental rebuild and a full build (the equivalence tests).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use rayon::prelude::*;

use super::TOP_WITH_RELATED;
use crate::plan::{Entry, Job, ListKind, Plan, Scope, SitemapPart, archive_of, list_of};
use crate::site::paging::{Page, Paging};
use crate::site::urls::page_path;
use crate::site::{Byline, ChainId, Site};
use typed_index_collections::TiVec;

/// Digests of the templates (each with everything it extends, includes or imports).
pub struct TemplateDigests(HashMap<String, u64>);

impl TemplateDigests {
    /// `templates` is the final set by name (site files over theme files, plus `theme/…`).
    pub fn new(templates: &HashMap<String, String>) -> Self {
        let mut out = HashMap::new();
        for name in templates.keys() {
            let mut h = DefaultHasher::new();
            let mut seen = vec![name.clone()];
            let mut i = 0;
            while i < seen.len() {
                if let Some(text) = templates.get(&seen[i]) {
                    seen[i].hash(&mut h);
                    text.hash(&mut h);
                    for dep in references(text) {
                        if !seen.contains(&dep) {
                            seen.push(dep);
                        }
                    }
                }
                i += 1;
            }
            out.insert(name.clone(), h.finish());
        }
        TemplateDigests(out)
    }

    fn get(&self, name: &str) -> u64 {
        self.0.get(name).copied().unwrap_or(0)
    }

    /// The UI string files (the theme's and the site's), which every page reads.
    fn strings(&self) -> u64 {
        let mut files: Vec<(&String, &u64)> =
            self.0.iter().filter(|(n, _)| super::strings::is_strings(n.trim_start_matches("theme/"))).collect();
        files.sort();
        let mut h = DefaultHasher::new();
        files.hash(&mut h);
        h.finish()
    }
}

/// Template names a template text refers to with `extends`, `include` or `import`.
fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for keyword in ["extends", "include", "import"] {
        let mut rest = text;
        while let Some(i) = rest.find(keyword) {
            rest = &rest[i + keyword.len()..];
            let t = rest.trim_start();
            if let Some(q) = t.chars().next().filter(|c| *c == '"' || *c == '\'')
                && let Some(end) = t[1..].find(q)
            {
                out.push(t[1..1 + end].to_string());
            }
        }
    }
    out
}

/// Computes entry digests for one state of the site.
pub struct Digester<'a> {
    site: &'a Site,
    plan: &'a Plan,
    templates: &'a TemplateDigests,
    global: u64,
    sitemap: Vec<u64>,
    /// Per chain, the digest of what a list or feed item shows of it ([`Digester::item_of`]) and
    /// of what a link to it shows ([`Digester::link_of`]): made once, though a chain is an item
    /// of a dozen lists and feeds and the target of many links.
    items: TiVec<ChainId, u64>,
    links: TiVec<ChainId, u64>,
}

impl<'a> Digester<'a> {
    /// `config_fingerprint` covers the config file and command-line overrides (not the clock).
    pub fn new(site: &'a Site, plan: &'a Plan, templates: &'a TemplateDigests, config_fingerprint: u64) -> Self {
        let global = global(site, templates, config_fingerprint);
        let sitemap = plan
            .sitemap_parts
            .iter()
            .map(|r| {
                let mut h = DefaultHasher::new();
                for e in &plan.sitemap[r.clone()] {
                    (&e.url, &e.lastmod, e.alternates_digest).hash(&mut h);
                }
                h.finish()
            })
            .collect();
        let mut digester =
            Digester { site, plan, templates, global, sitemap, items: TiVec::new(), links: TiVec::new() };
        let chains = 0..site.chains().len();
        digester.items =
            chains.clone().into_par_iter().map(|i| digester.item_of(ChainId::from(i))).collect::<Vec<_>>().into();
        digester.links = chains.into_par_iter().map(|i| digester.link_of(ChainId::from(i))).collect::<Vec<_>>().into();
        digester
    }

    /// The digest of every entry of the plan, in its order.
    pub fn all(&self) -> Vec<u64> {
        self.plan.entries.par_iter().map(|e| self.digest(e)).collect()
    }

    /// [`Digester::all`], and which entries read each chain ([`Readers`]).
    pub fn all_reading(&self) -> (Vec<u64>, Readers) {
        let (digests, reads): (Vec<u64>, Vec<Vec<ChainId>>) =
            self.plan.entries.par_iter().map(|e| self.digest_reading(e)).unzip();
        (digests, Readers::new(self.site.chains().len(), &reads))
    }

    /// What the next digester of the same plan and model can keep: everything but the chains a
    /// refresh changed ([`Digester::patched`]).
    pub fn into_parts(self) -> Parts {
        Parts { sitemap: self.sitemap, items: self.items, links: self.links }
    }

    /// A digester for `site` and `plan`, which are those `parts` was made for but for the
    /// stories of the chains `changed` (a [`Site::refresh`]) and the templates: only those
    /// chains' items and links are digested again.
    pub fn patched(
        site: &'a Site,
        plan: &'a Plan,
        templates: &'a TemplateDigests,
        config_fingerprint: u64,
        parts: Parts,
        changed: &[ChainId],
    ) -> Self {
        let Parts { sitemap, items, links } = parts;
        let global = global(site, templates, config_fingerprint);
        let mut digester = Digester { site, plan, templates, global, sitemap, items, links };
        for &c in changed {
            digester.items[c] = digester.item_of(c);
            digester.links[c] = digester.link_of(c);
        }
        digester
    }

    /// What the entry's file is made from: its path, its template (with everything the template
    /// extends or includes) and the part of the model its job reads.
    pub fn digest(&self, entry: &Entry) -> u64 {
        let mut h = Hashing { h: DefaultHasher::new(), reads: None };
        self.digest_into(entry, &mut h);
        h.finish()
    }

    /// [`Digester::digest`], and the chains whose items, links or stories it read.
    fn digest_reading(&self, entry: &Entry) -> (u64, Vec<ChainId>) {
        let mut h = Hashing { h: DefaultHasher::new(), reads: Some(Vec::new()) };
        self.digest_into(entry, &mut h);
        let mut reads = h.reads.take().unwrap_or_default();
        reads.sort_unstable();
        reads.dedup();
        (h.finish(), reads)
    }

    fn digest_into(&self, entry: &Entry, h: &mut Hashing) {
        let site = self.site;
        (self.global, entry.template.map(|t| self.templates.get(t)), &entry.path).hash(h);
        // The page's versions in other languages (hreflang links, the language switcher).
        crate::plan::alternates(site, entry.job).hash(h);
        match entry.job {
            Job::Article(c) | Job::Withdrawn(c) => self.article(c, h),
            Job::Redirect(r) => {
                let red = &site.redirect(r);
                h.read(red.chain);
                (&site.chain(red.chain).path, site.shown(red.chain).digest).hash(h);
            }
            Job::List(kind, p) => {
                let list = list_of(site, kind);
                self.list(&list.title, &list.base, list.chains, p, h);
                self.archive(kind, p, h);
                if let ListKind::Author(i) = kind {
                    site.authors().get(site.author_list(i).author).digest.hash(h);
                }
            }
            Job::Authors(lang) => {
                for l in site.author_lists().iter().filter(|l| l.lang == lang) {
                    (site.authors().get(l.author).digest, l.chains.len()).hash(h);
                }
            }
            Job::Tags(lang) => {
                for t in site.tags().iter().filter(|t| t.lang == lang) {
                    (&t.name, &t.slug, t.chains.len()).hash(h);
                }
            }
            Job::Feed(scope, _) => {
                let (name, chains): (&str, &[ChainId]) = match scope {
                    Scope::Site(l) => ("", site.home(l)),
                    Scope::Section(i) => (&site.section(i).title, &site.section(i).chains),
                    Scope::Tag(i) => (&site.tag(i).name, &site.tag(i).chains),
                    Scope::Author(i) => {
                        let l = site.author_list(i);
                        (site.authors().get(l.author).name(l.lang), &l.chains)
                    }
                };
                name.hash(h);
                for &c in chains.iter().take(site.config().feed_limit) {
                    self.item(c, h);
                }
            }
            Job::Sitemap(part) => {
                self.sitemap.len().hash(h);
                match part {
                    SitemapPart::Single | SitemapPart::Index => self.sitemap.hash(h),
                    SitemapPart::Part(n) => self.sitemap.get(n - 1).hash(h),
                }
            }
            Job::NewsSitemap(lang) => {
                for &c in &self.plan.news[lang] {
                    h.read(c);
                    (&site.chain(c).path, site.shown(c).digest, site.chain(c).first_published.timestamp()).hash(h);
                }
            }
            Job::Robots => self.plan.news.iter().map(Vec::is_empty).collect::<Vec<_>>().hash(h),
            Job::Static(s) => {
                let file = &self.plan.statics[s];
                (&file.path, file.len, file.mtime_ns).hash(h);
            }
            Job::SearchIndex(i) => self.plan.search.digest_of(i).hash(h),
            Job::Photo(r) => self.plan.photos.renditions[r].key.hash(h),
            Job::LiveStatus(c) => self.live(c, h),
            Job::Breaking(lang) => {
                for b in site.breaking(lang).iter().take(super::live::BREAKING_MAX) {
                    h.read(b.chain);
                    (&site.chain(b.chain).path, &site.shown(b.chain).headline.text).hash(h);
                    (b.since.timestamp(), b.until.timestamp()).hash(h);
                }
            }
            Job::NotFound | Job::Css | Job::SearchPage(_) | Job::SearchScript | Job::NewsScript => {}
        }
    }

    fn article(&self, c: ChainId, h: &mut Hashing) {
        let site = self.site;
        h.read(c);
        let chain = &site.chain(c);
        self.item(c, h);
        for &v in chain.versions() {
            site.story(v).digest.hash(h);
        }
        for &t in &chain.tags {
            (&site.tag(t).name, &site.tag(t).slug).hash(h);
        }
        for r in site.related(c) {
            (site.related_title(r), r.source.is_computed()).hash(h);
            if let Some(t) = r.target() {
                self.link(t, h);
            }
        }
        self.live(c, h);
        for e in site.live_entries(c) {
            (&e.id, e.story.digest).hash(h);
            site.link_paths(&e.story).for_each(|p| p.hash(h));
        }
    }

    /// What a live story's badge and poll file say: its state at the build's time, its coverage
    /// (`live_until`), how many entries it has and its newest one.
    fn live(&self, c: ChainId, h: &mut Hashing) {
        let site = self.site;
        h.read(c);
        let entries = site.live_entries(c);
        (site.live_state(c), &site.shown(c).coverage, entries.len()).hash(h);
        entries.first().map(|e| (&e.id, e.story.date.timestamp())).hash(h);
    }

    /// What a list item or feed item shows of a chain.
    fn item(&self, c: ChainId, h: &mut Hashing) {
        h.read(c);
        self.items[c].hash(h);
    }

    fn item_of(&self, c: ChainId) -> u64 {
        let site = self.site;
        let chain = &site.chain(c);
        let mut h = DefaultHasher::new();
        (&chain.path, site.shown(c).digest, chain.first_published.timestamp(), chain.modified.timestamp()).hash(&mut h);
        site.link_paths(site.shown(c)).for_each(|p| p.hash(&mut h));
        self.plan.photos.fingerprint(site.shown(c), &mut h);
        chain.section.map(|s| (&site.section(s).slug, &site.section(s).title)).hash(&mut h);
        self.byline(c, &mut h);
        h.finish()
    }

    /// What a chain's byline shows: each known author's file and whether their page exists in
    /// the chain's language (the link), each other name as written.
    fn byline(&self, c: ChainId, h: &mut impl Hasher) {
        let site = self.site;
        let lang = site.chain(c).lang;
        for b in site.byline_of(c) {
            match b {
                Byline::Author(a) => (site.authors().get(*a).digest, site.author_page(*a, lang).is_some()).hash(h),
                Byline::Name(n) => n.hash(h),
            }
        }
    }

    /// What a link to a chain shows: its URL, date and section.
    fn link(&self, c: ChainId, h: &mut Hashing) {
        h.read(c);
        self.links[c].hash(h);
    }

    fn link_of(&self, c: ChainId) -> u64 {
        let site = self.site;
        let chain = &site.chain(c);
        let mut h = DefaultHasher::new();
        (&chain.path, chain.first_published.timestamp()).hash(&mut h);
        chain.section.map(|s| (&site.section(s).slug, &site.section(s).title)).hash(&mut h);
        h.finish()
    }

    /// What a list's archive navigation shows: its links' titles and URLs, its children's counts.
    fn archive(&self, kind: ListKind, page: Page, h: &mut Hashing) {
        let site = self.site;
        let Some(nav) = archive_of(site, kind, page) else { return };
        let link = |k: ListKind| {
            let l = list_of(site, k);
            (l.title, l.base)
        };
        (nav.up.map(link), nav.prev.map(link), nav.next.map(link)).hash(h);
        for k in nav.children {
            (link(k), list_of(site, k).chains.len()).hash(h);
        }
    }

    fn list(&self, title: &str, base: &str, chains: &[ChainId], page: Page, h: &mut Hashing) {
        let paging = Paging::new(chains.len(), self.site.config().per_page);
        // The links' URLs are `base` and these pages.
        (title, page_path(base, page), paging.links(page)).hash(h);
        for (i, &c) in chains[paging.range(page)].iter().enumerate() {
            self.item(c, h);
            if i < TOP_WITH_RELATED {
                for (r, t) in self.site.related(c).iter().filter_map(|r| Some((r, r.target()?))).take(3) {
                    self.site.related_title(r).hash(h);
                    self.link(t, h);
                }
            }
        }
    }
}

/// What every entry's digest holds: the config, the UI strings and the sections.
fn global(site: &Site, templates: &TemplateDigests, config_fingerprint: u64) -> u64 {
    let mut h = DefaultHasher::new();
    (config_fingerprint, templates.strings()).hash(&mut h);
    for s in site.sections() {
        (s.lang, &s.slug, &s.title).hash(&mut h);
    }
    h.finish()
}

/// What a [`Digester`] made once for a plan and model: kept by `serve` between rebuilds that
/// only change stories' text.
pub struct Parts {
    sitemap: Vec<u64>,
    items: TiVec<ChainId, u64>,
    links: TiVec<ChainId, u64>,
}

/// Per chain, the plan entries whose digest reads what a list, a feed or a link shows of it, or
/// its stories: the entries to digest again when a chain's stories change.
pub struct Readers {
    /// Chain `c`'s entries are `entries[starts[c]..starts[c + 1]]`.
    starts: Vec<u32>,
    entries: Vec<u32>,
}

impl Readers {
    fn new(chains: usize, reads: &[Vec<ChainId>]) -> Self {
        let mut starts = vec![0u32; chains + 1];
        for r in reads {
            for &c in r {
                starts[usize::from(c) + 1] += 1;
            }
        }
        for i in 0..chains {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut entries = vec![0u32; starts[chains] as usize];
        for (e, r) in reads.iter().enumerate() {
            for &c in r {
                let at = &mut fill[usize::from(c)];
                entries[*at as usize] = e as u32;
                *at += 1;
            }
        }
        Readers { starts, entries }
    }

    /// The entries (numbers in the plan's order) that read chain `c`, in order.
    pub fn of(&self, c: ChainId) -> &[u32] {
        let i = usize::from(c);
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// A digest being made, and the chains whose parts it read, when asked ([`Readers`]).
struct Hashing {
    h: DefaultHasher,
    reads: Option<Vec<ChainId>>,
}

impl Hashing {
    fn read(&mut self, c: ChainId) {
        if let Some(reads) = &mut self.reads {
            reads.push(c);
        }
    }
}

impl Hasher for Hashing {
    fn finish(&self) -> u64 {
        self.h.finish()
    }

    fn write(&mut self, bytes: &[u8]) {
        self.h.write(bytes);
    }

    fn write_u8(&mut self, i: u8) {
        self.h.write_u8(i);
    }

    fn write_u32(&mut self, i: u32) {
        self.h.write_u32(i);
    }

    fn write_u64(&mut self, i: u64) {
        self.h.write_u64(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.h.write_usize(i);
    }

    fn write_i64(&mut self, i: i64) {
        self.h.write_i64(i);
    }
}

#[cfg(test)]
mod tests {
    use super::references;

    #[test]
    fn references_table() {
        let text = r#"{% extends "base.html" %}{% include 'parts/nav.html' %}{% import "macros.html" as m %}"#;
        assert_eq!(references(text), ["base.html", "parts/nav.html", "macros.html"]);
        assert!(references("no references here").is_empty());
    }
}
