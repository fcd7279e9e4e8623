//! Render: the site model → output files. Each page is a pure function of part of the model and
//! one template ([`Job`]); jobs render in parallel and hand their bytes to a sink as they finish,
//! so rendered HTML is held only until it is written.

pub mod budget;
pub mod digest;
pub mod jsonld;
pub mod sitemap;
pub mod theme;
pub mod views;

use tera::{Context, Tera};

use crate::diag::Diagnostic;
use crate::site::urls::{day_path, page_path, pages_for, section_path, tag_path};
use crate::site::{ChainId, Site};
use views::*;

/// The number of list items that show their related headlines.
pub const TOP_WITH_RELATED: usize = 5;

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
    Feed(Scope, FeedKind),
    /// Part 0 is `sitemap.xml` (the only sitemap, or the index of the parts); parts 1.. are `sitemap-N.xml`.
    Sitemap(usize),
    NewsSitemap,
    Robots,
}

/// What a feed covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Site,
    Section(usize),
    Tag(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Rss,
    Atom,
}

impl FeedKind {
    fn file(self) -> &'static str {
        match self {
            FeedKind::Rss => "rss.xml",
            FeedKind::Atom => "atom.xml",
        }
    }
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
    jobs.extend([Job::Tags, Job::NotFound, Job::Css, Job::Robots]);
    let mut scopes = vec![Scope::Site];
    scopes.extend((0..site.sections.len()).map(Scope::Section));
    scopes.extend((0..site.tags.len()).map(Scope::Tag));
    for scope in scopes {
        jobs.extend([Job::Feed(scope, FeedKind::Rss), Job::Feed(scope, FeedKind::Atom)]);
    }
    let parts = sitemap::parts(site);
    jobs.extend((0..=parts).filter(|&p| parts > 1 || p == 0).map(Job::Sitemap));
    if !sitemap::news_items(site).is_empty() {
        jobs.push(Job::NewsSitemap);
    }
    jobs
}

/// The file a job writes, relative to the output folder.
pub fn output_path(site: &Site, job: Job) -> String {
    let dir = |path: &str| format!("{}index.html", path.trim_start_matches('/'));
    match job {
        Job::Article(c) => dir(&site.chains[c].path),
        Job::Redirect(r) => dir(&site.redirects[r].path),
        Job::Home(p) => dir(&page_path("/", p)),
        Job::Section(i, p) => dir(&page_path(&section_path(&site.sections[i].slug), p)),
        Job::Tag(i, p) => dir(&page_path(&tag_path(&site.tags[i].slug), p)),
        Job::Day(i, p) => dir(&page_path(&day_path(site.days[i].date), p)),
        Job::Tags => "tags/index.html".into(),
        Job::NotFound => "404.html".into(),
        Job::Css => "style.css".into(),
        Job::Feed(scope, kind) => {
            let base = match scope {
                Scope::Site => "/".to_string(),
                Scope::Section(i) => section_path(&site.sections[i].slug),
                Scope::Tag(i) => tag_path(&site.tags[i].slug),
            };
            format!("{}{}", base.trim_start_matches('/'), kind.file())
        }
        Job::Sitemap(0) => "sitemap.xml".into(),
        Job::Sitemap(n) => format!("sitemap-{n}.xml"),
        Job::NewsSitemap => "news-sitemap.xml".into(),
        Job::Robots => "robots.txt".into(),
    }
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
            sections: (0..site.sections.len()).map(|i| site.section_link(i)).collect(),
            generator: concat!("Gazette ", env!("CARGO_PKG_VERSION")),
        };
        let mut globals = Context::new();
        globals.insert("site", &view);
        Renderer { site, tera, globals }
    }

    /// One job → its output path (relative, `/`-separated) and bytes.
    pub fn render(&self, job: Job) -> Result<(String, Vec<u8>), Diagnostic> {
        let site = self.site;
        match job {
            Job::Article(c) => self.article(c),
            Job::Redirect(r) => {
                let red = &site.redirects[r];
                let mut ctx = self.page("redirect", site.shown(red.chain).headline.text.clone(), &red.path);
                ctx.insert("target", &site.permalink(&site.chains[red.chain].path));
                self.html("redirect.html", &red.path, &ctx)
            }
            Job::Home(p) => self.list("index.html", "home", site.config.title.clone(), "/", &site.home, p),
            Job::Section(i, p) => {
                let s = &site.sections[i];
                self.list("section.html", "section", s.title.clone(), &section_path(&s.slug), &s.chains, p)
            }
            Job::Tag(i, p) => {
                let t = &site.tags[i];
                self.list("tag.html", "tag", t.name.clone(), &tag_path(&t.slug), &t.chains, p)
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
                self.tera_render("style.css", &self.page("asset", String::new(), "/style.css"))?,
            )),
            Job::Feed(scope, kind) => self.feed(scope, kind),
            Job::Sitemap(part) => self.sitemap(part),
            Job::NewsSitemap => self.news_sitemap(),
            Job::Robots => {
                let mut text = String::from("User-agent: *\nAllow: /\n\n");
                text.push_str(&format!("Sitemap: {}\n", site.permalink("/sitemap.xml")));
                if !sitemap::news_items(site).is_empty() {
                    text.push_str(&format!("Sitemap: {}\n", site.permalink("/news-sitemap.xml")));
                }
                Ok(("robots.txt".into(), text.into_bytes()))
            }
        }
    }

    fn page(&self, kind: &str, title: String, path: &str) -> Context {
        self.page_with_feeds(kind, title, path, None)
    }

    /// A page context; `feed_base` is the folder and name of the page's own feeds (a section or tag).
    fn page_with_feeds(&self, kind: &str, title: String, path: &str, feed_base: Option<(&str, &str)>) -> Context {
        let site = self.site;
        let t = &site.config.title;
        let mut feeds = Vec::new();
        if let Some((base, name)) = feed_base {
            feeds.push(FeedLink {
                kind: "rss",
                title: format!("{t} – {name} (RSS)"),
                url: site.url(&format!("{base}rss.xml")),
            });
            feeds.push(FeedLink {
                kind: "atom",
                title: format!("{t} – {name} (Atom)"),
                url: site.url(&format!("{base}atom.xml")),
            });
        }
        feeds.push(FeedLink { kind: "rss", title: format!("{t} (RSS)"), url: site.url("/rss.xml") });
        feeds.push(FeedLink { kind: "atom", title: format!("{t} (Atom)"), url: site.url("/atom.xml") });
        let mut ctx = self.globals.clone();
        ctx.insert("page", &PageView { kind, title, url: site.url(path), permalink: site.permalink(path), feeds });
        ctx
    }

    fn html(&self, template: &str, path: &str, ctx: &Context) -> Result<(String, Vec<u8>), Diagnostic> {
        Ok((format!("{}index.html", path.trim_start_matches('/')), self.tera_render(template, ctx)?))
    }

    /// Renders one page within the bounds of [`budget`]; an error names the template (and line).
    fn tera_render(&self, template: &str, ctx: &Context) -> Result<Vec<u8>, Diagnostic> {
        let dir = self.site.config.site_dir.join("templates");
        let (result, stopped) = budget::with_budget(|| {
            let mut out = budget::Capped::new();
            self.tera.render_to(template, ctx, &mut out).map(|()| out.bytes)
        });
        result.map_err(|e| {
            let mut d = theme::locate(&e, &dir);
            if d.path == dir {
                // Tera could not locate it (stopped at a write, too deep a recursion): name the
                // template's file (a stat on this error path only).
                let own = dir.join(template);
                d.path = if own.is_file() { own } else { std::path::Path::new("(embedded theme)").join(template) };
            }
            if let Some(why) = stopped {
                d.message = why;
            }
            d
        })
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
                section: r.target.and_then(|t| site.chains[t].section).map(|s| site.section_link(s)),
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
                    TagLink { name: &t.name, slug: &t.slug, url: site.url(&tag_path(&t.slug)), count: None }
                })
                .collect(),
            summary: &s.summary,
            body: site.body_html(s),
            attn: &s.attn,
            emails: &s.emails,
            image: s.image.as_deref().map(|i| site.asset_url(i)),
            image_url: s.image.as_deref().map(|i| site.asset_permalink(i)),
            corrections: s
                .corrections
                .iter()
                .map(|c| CorrectionView { date: rfc3339(&c.date), text: &c.text })
                .collect(),
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
        let page_title = if page > 1 { format!("{title} (page {page})") } else { title.clone() };
        let feed_base = matches!(kind, "section" | "tag").then_some((base, title.as_str()));
        let mut ctx = self.page_with_feeds(kind, page_title, &path, feed_base);
        ctx.insert("list", &ListView { title: title.clone(), kind, items, pagination });
        self.html(template, &path, &ctx)
    }

    fn item(&self, c: ChainId, with_related: bool) -> ItemView<'a> {
        let site = self.site;
        let chain = &site.chains[c];
        let s = site.shown(c);
        let related = if with_related {
            site.related[c]
                .iter()
                .filter_map(|r| r.target.map(|t| LinkView { title: &r.title, url: site.url(&site.chains[t].path) }))
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

    fn feed(&self, scope: Scope, kind: FeedKind) -> Result<(String, Vec<u8>), Diagnostic> {
        let site = self.site;
        let (base, name, chains): (String, Option<&str>, &[ChainId]) = match scope {
            Scope::Site => ("/".into(), None, &site.home),
            Scope::Section(i) => {
                (section_path(&site.sections[i].slug), Some(&site.sections[i].title), &site.sections[i].chains)
            }
            Scope::Tag(i) => (tag_path(&site.tags[i].slug), Some(&site.tags[i].name), &site.tags[i].chains),
        };
        let items: Vec<FeedItem> = chains.iter().take(site.config.feed_limit).map(|&c| self.feed_item(c)).collect();
        let path = format!("{base}{}", kind.file());
        let description = match name {
            Some(n) => format!("{}: {n}", site.config.title),
            None if site.config.description.is_empty() => site.config.title.clone(),
            None => site.config.description.clone(),
        };
        let feed = FeedView {
            title: name.map_or_else(|| site.config.title.clone(), |n| format!("{} – {n}", site.config.title)),
            description,
            home: site.permalink(&base),
            self_url: site.permalink(&path),
            updated: items.iter().map(|i| i.updated.clone()).max(),
            items,
        };
        let mut ctx = self.page("feed", feed.title.clone(), &path);
        ctx.insert("feed", &feed);
        Ok((path.trim_start_matches('/').to_string(), self.tera_render(kind.file(), &ctx)?))
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
            body: site.body_html(s),
            authors: &s.authors,
            section: chain.section.map(|i| site.sections[i].title.as_str()),
        }
    }

    fn sitemap(&self, part: usize) -> Result<(String, Vec<u8>), Diagnostic> {
        let site = self.site;
        let entries = sitemap::entries(site);
        let limit = site.config.sitemap_limit;
        let mut ctx = self.page("sitemap", String::new(), "/sitemap.xml");
        if part == 0 && entries.len() > limit {
            let index: Vec<SitemapEntry> = entries
                .chunks(limit)
                .enumerate()
                .map(|(i, chunk)| SitemapEntry {
                    url: site.permalink(&format!("/sitemap-{}.xml", i + 1)),
                    lastmod: chunk.iter().map(|e| e.lastmod.clone()).max().unwrap_or_default(),
                })
                .collect();
            ctx.insert("sitemaps", &index);
            return Ok(("sitemap.xml".into(), self.tera_render("sitemap-index.xml", &ctx)?));
        }
        let chunk = if part == 0 { &entries[..] } else { entries.chunks(limit).nth(part - 1).unwrap_or_default() };
        ctx.insert("entries", chunk);
        let name = if part == 0 { "sitemap.xml".to_string() } else { format!("sitemap-{part}.xml") };
        Ok((name, self.tera_render("sitemap.xml", &ctx)?))
    }

    fn news_sitemap(&self) -> Result<(String, Vec<u8>), Diagnostic> {
        let site = self.site;
        let items: Vec<NewsItem> = sitemap::news_items(site)
            .into_iter()
            .map(|c| NewsItem {
                url: site.permalink(&site.chains[c].path),
                title: &site.shown(c).headline.text,
                published: rfc3339(&site.chains[c].first_published),
            })
            .collect();
        let mut ctx = self.page("news-sitemap", String::new(), "/news-sitemap.xml");
        let news = NewsView { name: &site.config.news.name, language: &site.config.news.language, items };
        ctx.insert("news", &news);
        Ok(("news-sitemap.xml".into(), self.tera_render("news-sitemap.xml", &ctx)?))
    }
}
