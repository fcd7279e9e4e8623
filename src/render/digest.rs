//! What each output file is made from, as a fingerprint: the part of the site model a job reads
//! plus the templates its template extends or includes. Two equal digests mean equal bytes, so an
//! incremental rebuild renders only the jobs whose digest changed.
//!
//! Invariant: every input a job's rendering reads is hashed here. A missed input shows up as a
//! difference between an incremental rebuild and a full build (the equivalence tests).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::sitemap;
use super::{FeedKind, Job, Scope, TOP_WITH_RELATED};
use crate::site::urls::{day_path, page_path, section_path, tag_path};
use crate::site::{ChainId, Site};

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

/// The template a job renders with.
pub fn template_of(job: Job) -> &'static str {
    match job {
        Job::Article(_) => "article.html",
        Job::Redirect(_) => "redirect.html",
        Job::Home(_) => "index.html",
        Job::Section(..) => "section.html",
        Job::Tag(..) => "tag.html",
        Job::Day(..) => "day.html",
        Job::Tags => "tags.html",
        Job::NotFound => "404.html",
        Job::Css => "style.css",
        Job::Feed(_, FeedKind::Rss) => "rss.xml",
        Job::Feed(_, FeedKind::Atom) => "atom.xml",
        Job::Sitemap(_) => "sitemap.xml",
        Job::NewsSitemap => "news-sitemap.xml",
        Job::Robots => "",
    }
}

/// Computes job digests for one state of the site.
pub struct Digester<'a> {
    site: &'a Site,
    templates: &'a TemplateDigests,
    global: u64,
    sitemap: Vec<u64>,
}

impl<'a> Digester<'a> {
    /// `config_fingerprint` covers the config file and command-line overrides (not the clock).
    pub fn new(site: &'a Site, templates: &'a TemplateDigests, config_fingerprint: u64) -> Self {
        let mut h = DefaultHasher::new();
        config_fingerprint.hash(&mut h);
        for s in &site.sections {
            (&s.slug, &s.title).hash(&mut h);
        }
        let global = h.finish();
        let limit = site.config.sitemap_limit;
        let sitemap = sitemap::entries(site)
            .chunks(limit)
            .map(|chunk| {
                let mut h = DefaultHasher::new();
                for e in chunk {
                    (&e.url, &e.lastmod).hash(&mut h);
                }
                h.finish()
            })
            .collect();
        Digester { site, templates, global, sitemap }
    }

    pub fn digest(&self, job: Job) -> u64 {
        let site = self.site;
        let mut h = DefaultHasher::new();
        (self.global, self.templates.get(template_of(job)), format!("{job:?}")).hash(&mut h);
        match job {
            Job::Article(c) => self.article(c, &mut h),
            Job::Redirect(r) => {
                let red = &site.redirects[r];
                (&red.path, &site.chains[red.chain].path, site.shown(red.chain).digest).hash(&mut h);
            }
            Job::Home(p) => self.list(&site.config.title, "/", &site.home, p, &mut h),
            Job::Section(i, p) => {
                let s = &site.sections[i];
                self.list(&s.title, &section_path(&s.slug), &s.chains, p, &mut h);
            }
            Job::Tag(i, p) => {
                let t = &site.tags[i];
                self.list(&t.name, &tag_path(&t.slug), &t.chains, p, &mut h);
            }
            Job::Day(i, p) => {
                let d = &site.days[i];
                self.list("", &day_path(d.date), &d.chains, p, &mut h);
            }
            Job::Tags => {
                for t in &site.tags {
                    (&t.name, &t.slug, t.chains.len()).hash(&mut h);
                }
            }
            Job::Feed(scope, _) => {
                let (name, chains): (&str, &[ChainId]) = match scope {
                    Scope::Site => ("", &site.home),
                    Scope::Section(i) => (&site.sections[i].title, &site.sections[i].chains),
                    Scope::Tag(i) => (&site.tags[i].name, &site.tags[i].chains),
                };
                name.hash(&mut h);
                for &c in chains.iter().take(site.config.feed_limit) {
                    self.item(c, &mut h);
                }
            }
            Job::Sitemap(part) => {
                (self.sitemap.len(), self.sitemap.get(part.saturating_sub(1))).hash(&mut h);
                if part == 0 {
                    self.sitemap.hash(&mut h);
                }
            }
            Job::NewsSitemap | Job::Robots => {
                for c in sitemap::news_items(site) {
                    (&site.chains[c].path, site.shown(c).digest, site.chains[c].first_published.timestamp())
                        .hash(&mut h);
                }
            }
            Job::NotFound | Job::Css => {}
        }
        h.finish()
    }

    fn article(&self, c: ChainId, h: &mut DefaultHasher) {
        let site = self.site;
        let chain = &site.chains[c];
        self.item(c, h);
        for &v in &chain.versions {
            site.stories[v].digest.hash(h);
        }
        for &t in &chain.tags {
            (&site.tags[t].name, &site.tags[t].slug).hash(h);
        }
        for r in &site.related[c] {
            (&r.title, r.computed).hash(h);
            if let Some(t) = r.target {
                self.link(t, h);
            }
        }
    }

    /// What a list item or feed item shows of a chain.
    fn item(&self, c: ChainId, h: &mut DefaultHasher) {
        let site = self.site;
        let chain = &site.chains[c];
        (&chain.path, site.shown(c).digest, chain.first_published.timestamp(), chain.modified.timestamp()).hash(h);
        site.link_paths(site.shown(c)).for_each(|p| p.hash(h));
        chain.section.map(|s| (&site.sections[s].slug, &site.sections[s].title)).hash(h);
    }

    /// What a link to a chain shows: its URL, date and section.
    fn link(&self, c: ChainId, h: &mut DefaultHasher) {
        let site = self.site;
        let chain = &site.chains[c];
        (&chain.path, chain.first_published.timestamp()).hash(h);
        chain.section.map(|s| (&site.sections[s].slug, &site.sections[s].title)).hash(h);
    }

    fn list(&self, title: &str, base: &str, chains: &[ChainId], page: usize, h: &mut DefaultHasher) {
        let per = self.site.config.per_page;
        (title, page_path(base, page), chains.len().div_ceil(per)).hash(h);
        for (i, &c) in chains.iter().skip((page - 1) * per).take(per).enumerate() {
            self.item(c, h);
            if i < TOP_WITH_RELATED {
                for r in self.site.related[c].iter().filter(|r| r.target.is_some()).take(3) {
                    r.title.hash(h);
                    self.link(r.target.unwrap_or_default(), h);
                }
            }
        }
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
