//! Render: the site model → output files. Each page is a pure function of part of the model and
//! one template ([`Job`]); jobs render in parallel and hand their bytes to a sink as they finish,
//! so rendered HTML is held only until it is written.

pub mod jsonld;
pub mod theme;
pub mod views;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::diag::Diagnostic;
use crate::site::urls::{day_path, page_path, pages_for, section_path, tag_path};
use crate::site::{ChainId, Site};
use views::*;

/// The number of list items that show their related headlines.
const TOP_WITH_RELATED: usize = 5;
/// Stories in the site feeds.
const FEED_ITEMS: usize = 20;

/// One output file to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Article(ChainId),
    Redirect(usize),
    Home(usize),
    Section(usize, usize),
    Tag(usize, usize),
    Day(usize, usize),
    Tags,
    NotFound,
    Css,
    Rss,
    Atom,
    Sitemap,
    Robots,
}

/// Every page of the site, in a fixed order.
pub fn plan(site: &Site) -> Vec<Job> {
    let per = site.config.per_page;
    let mut jobs: Vec<Job> = (0..site.chains.len()).map(Job::Article).collect();
    jobs.extend((0..site.redirects.len()).map(Job::Redirect));
    jobs.extend((1..=pages_for(site.home.len(), per)).map(Job::Home));
    for (i, s) in site.sections.iter().enumerate() {
        jobs.extend((1..=pages_for(s.chains.len(), per)).map(|p| Job::Section(i, p)));
    }
    for (i, t) in site.tags.iter().enumerate() {
        jobs.extend((1..=pages_for(t.chains.len(), per)).map(|p| Job::Tag(i, p)));
    }
    for (i, d) in site.days.iter().enumerate() {
        jobs.extend((1..=pages_for(d.chains.len(), per)).map(|p| Job::Day(i, p)));
    }
    jobs.extend([
        Job::Tags,
        Job::NotFound,
        Job::Css,
        Job::Rss,
        Job::Atom,
        Job::Sitemap,
        Job::Robots,
    ]);
    jobs
}

/// Renders every job in parallel, passing `(path under the output, bytes)` to `sink`.
/// Returns every error (template errors and the sink's), located.
pub fn render_all<F>(site: &Site, tera: &Tera, jobs: &[Job], sink: F) -> Vec<Diagnostic>
where
    F: Fn(&str, &[u8]) -> Result<(), Diagnostic> + Sync,
{
    let renderer = Renderer::new(site, tera);
    let mut errors: Vec<Diagnostic> = jobs
        .par_iter()
        .filter_map(|&job| {
            let (path, bytes) = match renderer.render(job) {
                Ok(out) => out,
                Err(e) => return Some(e),
            };
            sink(&path, &bytes).err()
        })
        .collect();
    errors.sort();
    errors.dedup_by(|a, b| a.path == b.path && a.line == b.line && a.message == b.message);
    errors
}

/// Renders single pages; holds what every page shares.
pub struct Renderer<'a> {
    site: &'a Site,
    tera: &'a Tera,
    globals: Context,
}

impl<'a> Renderer<'a> {
    pub fn new(site: &'a Site, tera: &'a Tera) -> Self {
        let c = &site.config;
        let view = SiteView {
            title: &c.title,
            description: &c.description,
            language: &c.language,
            base_url: &c.base_url,
            root: &c.root,
            sections: (0..site.sections.len())
                .map(|i| site.section_link(i))
                .collect(),
            generator: concat!("Gazette ", env!("CARGO_PKG_VERSION")),
        };
        let mut globals = Context::new();
        globals.insert("site", &view);
        Renderer {
            site,
            tera,
            globals,
        }
    }

    /// One job → its output path (relative, `/`-separated) and bytes.
    pub fn render(&self, job: Job) -> Result<(String, Vec<u8>), Diagnostic> {
        let site = self.site;
        match job {
            Job::Article(c) => self.article(c),
            Job::Redirect(r) => {
                let red = &site.redirects[r];
                let mut ctx = self.page(
                    "redirect",
                    site.shown(red.chain).headline.text.clone(),
                    &red.path,
                );
                ctx.insert("target", &site.permalink(&site.chains[red.chain].path));
                self.html("redirect.html", &red.path, &ctx)
            }
            Job::Home(p) => self.list(
                "index.html",
                "home",
                site.config.title.clone(),
                "/",
                &site.home,
                p,
            ),
            Job::Section(i, p) => {
                let s = &site.sections[i];
                self.list(
                    "section.html",
                    "section",
                    s.title.clone(),
                    &section_path(&s.slug),
                    &s.chains,
                    p,
                )
            }
            Job::Tag(i, p) => {
                let t = &site.tags[i];
                self.list(
                    "tag.html",
                    "tag",
                    t.name.clone(),
                    &tag_path(&t.slug),
                    &t.chains,
                    p,
                )
            }
            Job::Day(i, p) => {
                let d = &site.days[i];
                let title = d.date.strftime("%B %-d, %Y").to_string();
                self.list("day.html", "day", title, &day_path(d.date), &d.chains, p)
            }
            Job::Tags => {
                let mut ctx = self.page("tags", "Tags".into(), "/tags/");
                let tags: Vec<TagLink> = site
                    .tags
                    .iter()
                    .map(|t| TagLink {
                        name: &t.name,
                        slug: &t.slug,
                        url: site.url(&tag_path(&t.slug)),
                        count: Some(t.chains.len()),
                    })
                    .collect();
                ctx.insert("tags", &tags);
                self.html("tags.html", "/tags/", &ctx)
            }
            Job::NotFound => {
                let ctx = self.page("404", "Page not found".into(), "/404.html");
                Ok(("404.html".into(), self.tera_render("404.html", &ctx)?))
            }
            Job::Css => Ok((
                "style.css".into(),
                self.tera_render(
                    "style.css",
                    &self.page("asset", String::new(), "/style.css"),
                )?,
            )),
            Job::Rss => self.feed("rss.xml"),
            Job::Atom => self.feed("atom.xml"),
            Job::Sitemap => self.sitemap(),
            Job::Robots => {
                let text = format!(
                    "User-agent: *\nAllow: /\n\nSitemap: {}\n",
                    site.permalink("/sitemap.xml")
                );
                Ok(("robots.txt".into(), text.into_bytes()))
            }
        }
    }

    fn page(&self, kind: &str, title: String, path: &str) -> Context {
        let mut ctx = self.globals.clone();
        ctx.insert(
            "page",
            &PageView {
                kind,
                title,
                url: self.site.url(path),
                permalink: self.site.permalink(path),
            },
        );
        ctx
    }

    fn html(
        &self,
        template: &str,
        path: &str,
        ctx: &Context,
    ) -> Result<(String, Vec<u8>), Diagnostic> {
        Ok((
            format!("{}index.html", path.trim_start_matches('/')),
            self.tera_render(template, ctx)?,
        ))
    }

    fn tera_render(&self, template: &str, ctx: &Context) -> Result<Vec<u8>, Diagnostic> {
        let dir = self.site.config.site_dir.join("templates");
        self.tera
            .render(template, ctx)
            .map(String::into_bytes)
            .map_err(|e| theme::locate(&e, &dir))
    }

    fn article(&self, c: ChainId) -> Result<(String, Vec<u8>), Diagnostic> {
        let site = self.site;
        let chain = &site.chains[c];
        let story = self.story_view(c);
        let related: Vec<RelatedView> = site.related[c]
            .iter()
            .map(|r| RelatedView {
                title: &r.title,
                url: r.target.map(|t| site.url(&site.chains[t].path)),
                computed: r.computed,
                date: r.target.map(|t| rfc3339(&site.chains[t].first_published)),
                section: r
                    .target
                    .and_then(|t| site.chains[t].section)
                    .map(|s| site.section_link(s)),
            })
            .collect();
        let mut ctx = self.page("article", story.title.to_string(), &chain.path);
        ctx.insert("jsonld", &jsonld::news_article(site, c));
        ctx.insert("story", &story);
        ctx.insert("related", &related);
        self.html("article.html", &chain.path, &ctx)
    }

    fn story_view(&self, c: ChainId) -> StoryView<'a> {
        let site = self.site;
        let chain = &site.chains[c];
        let s = site.shown(c);
        let versions = chain
            .versions
            .iter()
            .map(|&v| {
                let vs = &site.stories[v];
                VersionView {
                    tag: vs.headline.version.tag(),
                    title: &vs.headline.text,
                    date: rfc3339(&vs.date),
                    attn: &vs.attn,
                    url: site.url(&chain.path),
                }
            })
            .collect();
        StoryView {
            title: &s.headline.text,
            label: site.label(c),
            version_tag: s.headline.version.tag(),
            url: site.url(&chain.path),
            canonical_url: site.permalink(&chain.path),
            date: rfc3339(&chain.first_published),
            first_published: rfc3339(&chain.first_published),
            updated: site.updated(c),
            authors: &s.authors,
            dateline: s.dateline.as_ref(),
            section: chain.section.map(|i| site.section_link(i)),
            tags: chain
                .tags
                .iter()
                .map(|&t| {
                    let t = &site.tags[t];
                    TagLink {
                        name: &t.name,
                        slug: &t.slug,
                        url: site.url(&tag_path(&t.slug)),
                        count: None,
                    }
                })
                .collect(),
            summary: &s.summary,
            body: &s.body_html,
            attn: &s.attn,
            emails: &s.emails,
            image: s.image.as_deref().map(|i| image_url(site, i)),
            format: s.format,
            source: &site.stories[chain.first()].source,
            versions,
        }
    }

    fn list(
        &self,
        template: &str,
        kind: &'a str,
        title: String,
        base: &str,
        chains: &[ChainId],
        page: usize,
    ) -> Result<(String, Vec<u8>), Diagnostic> {
        let site = self.site;
        let per = site.config.per_page;
        let total = pages_for(chains.len(), per);
        let items = chains
            .iter()
            .skip((page - 1) * per)
            .take(per)
            .enumerate()
            .map(|(i, &c)| self.item(c, i < TOP_WITH_RELATED))
            .collect();
        let pagination = Pagination {
            current: page,
            total,
            prev_url: (page > 1).then(|| site.url(&page_path(base, page - 1))),
            next_url: (page < total).then(|| site.url(&page_path(base, page + 1))),
            first_url: site.url(base),
        };
        let path = page_path(base, page);
        let page_title = if page > 1 {
            format!("{title} (page {page})")
        } else {
            title.clone()
        };
        let mut ctx = self.page(kind, page_title, &path);
        ctx.insert(
            "list",
            &ListView {
                title,
                kind,
                items,
                pagination,
            },
        );
        self.html(template, &path, &ctx)
    }

    fn item(&self, c: ChainId, with_related: bool) -> ItemView<'a> {
        let site = self.site;
        let chain = &site.chains[c];
        let s = site.shown(c);
        let related = if with_related {
            site.related[c]
                .iter()
                .filter_map(|r| {
                    r.target.map(|t| LinkView {
                        title: &r.title,
                        url: site.url(&site.chains[t].path),
                    })
                })
                .take(3)
                .collect()
        } else {
            Vec::new()
        };
        ItemView {
            title: &s.headline.text,
            label: site.label(c),
            version_tag: s.headline.version.tag(),
            url: site.url(&chain.path),
            date: rfc3339(&chain.first_published),
            updated: site.updated(c),
            section: chain.section.map(|i| site.section_link(i)),
            summary: &s.summary,
            related,
        }
    }

    fn feed(&self, template: &str) -> Result<(String, Vec<u8>), Diagnostic> {
        let site = self.site;
        #[derive(Serialize)]
        struct Feed<'b> {
            title: &'b str,
            description: &'b str,
            home: String,
            self_url: String,
            updated: Option<String>,
            items: Vec<FeedItem<'b>>,
        }
        let items: Vec<FeedItem> = site
            .home
            .iter()
            .take(FEED_ITEMS)
            .map(|&c| self.feed_item(c))
            .collect();
        let feed = Feed {
            title: &site.config.title,
            description: if site.config.description.is_empty() {
                &site.config.title
            } else {
                &site.config.description
            },
            home: site.permalink("/"),
            self_url: site.permalink(&format!("/{template}")),
            updated: items.iter().map(|i| i.updated.clone()).max(),
            items,
        };
        let mut ctx = self.page("feed", site.config.title.clone(), &format!("/{template}"));
        ctx.insert("feed", &feed);
        Ok((template.to_string(), self.tera_render(template, &ctx)?))
    }

    fn feed_item(&self, c: ChainId) -> FeedItem<'a> {
        let site = self.site;
        let chain = &site.chains[c];
        let s = site.shown(c);
        FeedItem {
            title: &s.headline.text,
            url: site.permalink(&chain.path),
            published: rfc3339(&chain.first_published),
            updated: rfc3339(&chain.modified),
            summary: &s.summary,
            body: &s.body_html,
            authors: &s.authors,
            section: chain.section.map(|i| site.sections[i].title.as_str()),
        }
    }

    fn sitemap(&self) -> Result<(String, Vec<u8>), Diagnostic> {
        let site = self.site;
        let newest = |chains: &[ChainId]| {
            chains
                .first()
                .map(|&c| rfc3339(&site.chains[c].modified))
                .unwrap_or_default()
        };
        let mut entries = vec![SitemapEntry {
            url: site.permalink("/"),
            lastmod: newest(&site.home),
        }];
        entries.extend(site.sections.iter().map(|s| SitemapEntry {
            url: site.permalink(&section_path(&s.slug)),
            lastmod: newest(&s.chains),
        }));
        entries.extend(site.home.iter().map(|&c| SitemapEntry {
            url: site.permalink(&site.chains[c].path),
            lastmod: rfc3339(&site.chains[c].modified),
        }));
        entries.extend(site.tags.iter().map(|t| SitemapEntry {
            url: site.permalink(&tag_path(&t.slug)),
            lastmod: newest(&t.chains),
        }));
        entries.extend(site.days.iter().map(|d| SitemapEntry {
            url: site.permalink(&day_path(d.date)),
            lastmod: newest(&d.chains),
        }));
        let mut ctx = self.page("sitemap", String::new(), "/sitemap.xml");
        ctx.insert("entries", &entries);
        Ok(("sitemap.xml".into(), self.tera_render("sitemap.xml", &ctx)?))
    }
}

/// An image reference as a URL: absolute URLs as they are, root-relative ones under the site root.
fn image_url(site: &Site, image: &str) -> String {
    if image.contains("://") || !image.starts_with('/') {
        image.to_string()
    } else {
        site.url(image)
    }
}
