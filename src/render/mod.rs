//! Render: a plan [`Entry`] → its bytes. Each page is a pure function of part of the model and
//! the entry's template; [`run`] is the one render-and-write loop of `build`, `serve` and `check`:
//! entries render in parallel and hand their bytes to a [`Sink`] as they finish, so rendered HTML
//! is held only until it is written.

pub mod budget;
pub mod digest;
pub mod jsonld;
pub mod live;
pub mod paywall;
pub mod photo;
mod run;
pub mod sitemap;
pub mod strings;
pub mod theme;
pub mod views;

use tera::{Context, Tera};
use typed_index_collections::TiVec;

use crate::config::LangId;
use crate::diag::Diagnostic;
use crate::plan::{
    Entry, Job, ListKind, Plan, Scope, SitemapPart, alternate_links, alternates, scope_lang, scope_path,
};
use crate::site::paging::{Page, Paging};
use crate::site::urls::{home_path, page_path, search_path, tag_path};
use crate::site::{AuthorListId, Byline, ChainId, Site};
pub use run::{Counts, run, run_some, run_some_until};
pub use strings::Strings;
use views::*;

/// The number of list items that show their related headlines.
pub const TOP_WITH_RELATED: usize = 5;

/// Renders single pages; holds what every page shares.
pub struct Renderer<'a> {
    site: &'a Site,
    plan: &'a Plan,
    tera: &'a Tera,
    /// Per language: `site`, `lang` and `t` (its UI strings).
    globals: TiVec<LangId, Context>,
    strings: &'a Strings,
}

impl<'a> Renderer<'a> {
    pub fn new(site: &'a Site, plan: &'a Plan, tera: &'a Tera, strings: &'a Strings) -> Self {
        let c = site.config();
        let globals = site
            .languages()
            .map(|l| {
                let language = site.language(l);
                let view = SiteView {
                    title: &language.title,
                    description: &language.description,
                    language: &language.code,
                    base_url: &c.base_url,
                    root: &c.root,
                    sections: site
                        .sections()
                        .iter_enumerated()
                        .filter(|(_, s)| s.lang == l)
                        .map(|(i, _)| site.section_link(i))
                        .collect(),
                    generator: concat!("Gazette ", env!("CARGO_PKG_VERSION")),
                    search_url: (c.search == crate::config::Search::On)
                        .then(|| site.url(&search_path(&language.prefix))),
                };
                let lang = LangView {
                    code: &language.code,
                    dir: language.dir,
                    prefix: &language.prefix,
                    home_url: site.url(&home_path(&language.prefix)),
                    breaking_url: site.url(&crate::plan::breaking_path(&language.prefix)),
                    multilingual: site.is_multilingual(),
                };
                let mut ctx = Context::new();
                ctx.insert("site", &view);
                ctx.insert("lang", &lang);
                ctx.insert("t", strings.of(l));
                ctx
            })
            .collect();
        Renderer { site, plan, tera, globals, strings }
    }

    /// The language an entry's page is in (the default for the files every language shares).
    fn lang_of(&self, job: Job) -> LangId {
        let site = self.site;
        match job {
            Job::Article(c) | Job::Withdrawn(c) | Job::LiveStatus(c) => site.chain(c).lang,
            Job::Breaking(l) => l,
            Job::Redirect(r) => site.chain(site.redirect(r).chain).lang,
            Job::List(kind, _) => crate::plan::list_lang(site, kind),
            Job::Tags(l) | Job::Authors(l) | Job::NewsSitemap(l) | Job::SearchPage(l) => l,
            Job::Feed(scope, _) => scope_lang(site, scope),
            Job::NotFound
            | Job::Css
            | Job::Sitemap(_)
            | Job::Robots
            | Job::Static(_)
            | Job::SearchIndex(_)
            | Job::SearchScript
            | Job::NewsScript
            | Job::Photo(_) => LangId::DEFAULT,
        }
    }

    /// The bytes of one planned page (not a static file: those are copied, never rendered).
    pub fn render(&self, entry: &Entry) -> Result<Vec<u8>, Diagnostic> {
        let site = self.site;
        let template = entry.template.unwrap_or_default();
        let url = entry.url();
        let p = PageOf { lang: self.lang_of(entry.job), alternates: alternates(site, entry.job) };
        match entry.job {
            Job::Article(c) => self.article(&p, c, template),
            Job::Withdrawn(c) => {
                let story = self.story_view(c)?;
                let mut ctx = self.page(&p, "withdrawn", story.title.to_string(), &url);
                ctx.insert("story", &story);
                self.tera_render(template, &ctx)
            }
            Job::Redirect(r) => {
                let red = &site.redirect(r);
                let mut ctx = self.page(&p, "redirect", site.shown(red.chain).headline.text.clone(), &url);
                ctx.insert("target", &site.permalink(&site.chain(red.chain).path));
                self.tera_render(template, &ctx)
            }
            Job::List(kind, n) => self.list(&p, template, kind, n),
            Job::Tags(lang) => {
                let mut ctx = self.page(&p, "tags", self.string(lang, "tags"), &url);
                let prefix = &site.language(lang).prefix;
                let tags: Vec<TagLink> = site
                    .tags()
                    .iter()
                    .filter(|t| t.lang == lang)
                    .map(|t| TagLink {
                        name: &t.name,
                        slug: &t.slug,
                        url: site.url(&tag_path(prefix, &t.slug)),
                        count: Some(t.chains.len()),
                    })
                    .collect();
                ctx.insert("tags", &tags);
                self.tera_render(template, &ctx)
            }
            Job::Authors(lang) => {
                let mut ctx = self.page(&p, "authors", self.string(lang, "authors"), &url);
                let authors: Vec<AuthorView> = site
                    .author_lists()
                    .iter_enumerated()
                    .filter(|(_, l)| l.lang == lang)
                    .map(|(i, _)| self.author_view(i))
                    .collect();
                ctx.insert("authors", &authors);
                self.tera_render(template, &ctx)
            }
            Job::NotFound => {
                let title = self.string(LangId::DEFAULT, "page_not_found");
                self.tera_render(template, &self.page(&p, "404", title, &url))
            }
            Job::Css => self.tera_render(template, &self.page(&p, "asset", String::new(), &url)),
            Job::Feed(scope, _) => self.feed(&p, scope, template, &url),
            Job::Sitemap(part) => self.sitemap(&p, part, template, &url),
            Job::NewsSitemap(lang) => self.news_sitemap(&p, lang, template, &url),
            Job::Robots => {
                let mut text = String::from("User-agent: *\nAllow: /\n\n");
                text.push_str(&format!("Sitemap: {}\n", site.permalink("/sitemap.xml")));
                for (lang, items) in self.plan.news.iter_enumerated() {
                    if !items.is_empty() {
                        let path = crate::plan::news_sitemap_path(site, lang);
                        text.push_str(&format!("Sitemap: {}\n", site.permalink(&path)));
                    }
                }
                Ok(text.into_bytes())
            }
            Job::Static(_) | Job::Photo(_) => unreachable!("static files and photos are copied, not rendered"),
            Job::SearchIndex(i) => self.plan.search.file(i, self.site).map(<[u8]>::to_vec),
            Job::SearchPage(lang) => {
                let title = self.string(lang, "search");
                self.tera_render(template, &self.page(&p, "search", title, &url))
            }
            Job::SearchScript | Job::NewsScript => {
                self.tera_render(template, &self.page(&p, "asset", String::new(), &url))
            }
            Job::LiveStatus(c) => Ok(live::status_file(site, c)),
            Job::Breaking(lang) => Ok(live::breaking_file(site, lang)),
        }
    }

    /// A UI string of a language (its own, else the default language's).
    fn string(&self, lang: LangId, key: &str) -> String {
        self.strings.of(lang).get(key).map_or(key, String::as_str).to_string()
    }

    fn page(&self, p: &PageOf, kind: &str, title: String, path: &str) -> Context {
        self.page_with_feeds(p, kind, title, path, None)
    }

    /// A page context; `feed_base` is the folder and name of the page's own feeds (a section or tag).
    fn page_with_feeds(
        &self,
        p: &PageOf,
        kind: &str,
        title: String,
        path: &str,
        feed_base: Option<(&str, &str)>,
    ) -> Context {
        let site = self.site;
        let language = site.language(p.lang);
        let t = &language.title;
        let home = home_path(&language.prefix);
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
        feeds.push(FeedLink { kind: "rss", title: format!("{t} (RSS)"), url: site.url(&format!("{home}rss.xml")) });
        feeds.push(FeedLink { kind: "atom", title: format!("{t} (Atom)"), url: site.url(&format!("{home}atom.xml")) });
        let languages = if site.is_multilingual() {
            site.languages()
                .map(|l| {
                    let alt = p.alternates.iter().find(|(a, _)| *a == l).map(|(_, path)| path.clone());
                    LanguageLink {
                        code: site.language(l).code.clone(),
                        name: self.string(l, "language_name"),
                        dir: site.language(l).dir,
                        translated: alt.is_some(),
                        url: site.url(&alt.unwrap_or_else(|| home_path(&site.language(l).prefix))),
                        current: l == p.lang,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut ctx = self.globals[p.lang].clone();
        ctx.insert(
            "page",
            &PageView {
                kind,
                title,
                url: site.url(path),
                permalink: site.permalink(path),
                feeds,
                alternates: alternate_links(site, &p.alternates),
                languages,
            },
        );
        ctx
    }

    /// Renders one page within the bounds of [`budget`]; an error names the template (and line).
    fn tera_render(&self, template: &str, ctx: &Context) -> Result<Vec<u8>, Diagnostic> {
        let dir = self.site.config().site_dir.join("templates");
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

    fn article(&self, p: &PageOf, c: ChainId, template: &str) -> Result<Vec<u8>, Diagnostic> {
        let site = self.site;
        let chain = &site.chain(c);
        let story = self.story_view(c)?;
        let related: Vec<RelatedView> = site
            .related(c)
            .iter()
            .map(|r| RelatedView {
                title: site.related_title(r),
                url: r.target().map(|t| site.url(&site.chain(t).path)),
                computed: r.source.is_computed(),
                date: r.target().map(|t| rfc3339(&site.chain(t).first_published)),
                section: r.target().and_then(|t| site.chain(t).section).map(|s| site.section_link(s)),
            })
            .collect();
        let mut ctx = self.page(p, "article", story.title.to_string(), &chain.path);
        ctx.insert("jsonld", &jsonld::news_article(site, &self.plan.photos, c));
        ctx.insert("story", &story);
        ctx.insert("related", &related);
        ctx.insert("live", &live::view(site, c)?);
        self.tera_render(template, &ctx)
    }

    fn story_view(&self, c: ChainId) -> Result<StoryView<'a>, Diagnostic> {
        let site = self.site;
        let chain = &site.chain(c);
        let s = site.shown(c);
        let prefix = &site.language(chain.lang).prefix;
        let photos = &self.plan.photos;
        let lead = photo::lead(photos, s);
        let cover = photo::cover(photos, s);
        let versions = chain
            .versions()
            .iter()
            .map(|&v| {
                let vs = &site.story(v);
                VersionView {
                    tag: vs.headline.version.tag(),
                    title: &vs.headline.text,
                    date: rfc3339(&vs.date),
                    attn: &vs.attn,
                    url: site.url(&chain.path),
                }
            })
            .collect();
        let body = photo::body_html(site, photos, s, site.body_html(s)?);
        let paywall = (s.access == crate::parse::Access::Subscribers).then(|| {
            let (open, gated) = paywall::split(&body);
            PaywallView { open: open.to_string(), gated: gated.to_string() }
        });
        Ok(StoryView {
            title: &s.headline.text,
            label: site.label(c),
            version_tag: s.headline.version.tag(),
            url: site.url(&chain.path),
            canonical_url: site.permalink(&chain.path),
            date: rfc3339(&chain.first_published),
            first_published: rfc3339(&chain.first_published),
            updated: site.updated(c),
            authors: &s.authors,
            byline: self.byline(c, false),
            access: s.access,
            paywall,
            dateline: s.dateline.as_ref(),
            section: chain.section.map(|i| site.section_link(i)),
            tags: chain
                .tags
                .iter()
                .map(|&t| {
                    let t = &site.tag(t);
                    TagLink { name: &t.name, slug: &t.slug, url: site.url(&tag_path(prefix, &t.slug)), count: None }
                })
                .collect(),
            summary: &s.summary,
            body,
            attn: &s.attn,
            emails: &s.emails,
            image: cover
                .map(|l| photo::image_url(site, photos, l))
                .or_else(|| s.image.as_deref().map(|i| site.asset_url(i))),
            image_url: cover
                .map(|l| photo::opengraph(site, photos, l).0)
                .or_else(|| s.image.as_deref().map(|i| site.asset_permalink(i))),
            photo: lead.map(|l| photo::view(site, photos, l, photo::Kind::Lead)),
            corrections: s
                .corrections
                .iter()
                .map(|c| CorrectionView { date: rfc3339(&c.date), text: &c.text })
                .collect(),
            format: s.format,
            language: Some(s.language.as_deref().unwrap_or(&site.language(chain.lang).code)),
            source: &site.story(chain.first()).source,
            versions,
        })
    }

    fn list(&self, p: &PageOf, template: &str, kind: ListKind, page: Page) -> Result<Vec<u8>, Diagnostic> {
        let site = self.site;
        let list = crate::plan::list_of(site, kind);
        let (base, chains, title) = (list.base.as_str(), list.chains, list.title);
        let paging = Paging::new(chains.len(), site.config().per_page);
        let items =
            chains[paging.range(page)].iter().enumerate().map(|(i, &c)| self.item(c, i < TOP_WITH_RELATED)).collect();
        let url = |p: Option<Page>| p.map(|p| site.url(&page_path(base, p)));
        let links = paging.links(page);
        let pagination = Pagination {
            front: page == Page::Front,
            number: page.number(),
            newer_url: url(links.newer),
            older_url: url(links.older),
            front_url: site.url(base),
            oldest_url: url(links.oldest),
        };
        let path = page_path(base, page);
        let page_title = match page.number() {
            Some(n) => format!("{title} (page {n})"),
            None => title.clone(),
        };
        let feed_base = matches!(kind, ListKind::Section(_) | ListKind::Tag(_) | ListKind::Author(_))
            .then_some((base, title.as_str()));
        let mut ctx = self.page_with_feeds(p, list.name, page_title, &path, feed_base);
        let archive = crate::plan::archive_of(site, kind, page).map(|nav| self.archive(nav));
        let author = match kind {
            ListKind::Author(i) => {
                ctx.insert("jsonld", &jsonld::profile_page(site, i));
                Some(self.author_view(i))
            }
            _ => None,
        };
        ctx.insert("list", &ListView { title: title.clone(), kind: list.name, items, pagination, archive, author });
        self.tera_render(template, &ctx)
    }

    /// An author as their page in one language shows them.
    fn author_view(&self, i: AuthorListId) -> AuthorView<'a> {
        let site = self.site;
        let list = site.author_list(i);
        let a = site.authors().get(list.author);
        let text = &a.text[list.lang];
        AuthorView {
            id: &a.id,
            name: &text.name,
            role: text.role.as_deref(),
            bio: text
                .bio
                .as_deref()
                .map_or_else(Vec::new, |b| b.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect()),
            photo: a.photo.as_ref().map(|p| site.asset_url(&p.src)),
            emails: &a.emails,
            links: a.links.iter().map(|l| AuthorLinkView { label: &l.label, url: &l.url }).collect(),
            url: site.url(&crate::plan::list_base(site, ListKind::Author(i))),
            count: list.chains.len(),
        }
    }

    /// A chain's byline as its page (or, `absolute`, its feeds) shows it, in the chain's language.
    fn byline(&self, c: ChainId, absolute: bool) -> Vec<BylineView<'a>> {
        let site = self.site;
        let lang = site.chain(c).lang;
        site.byline_of(c)
            .iter()
            .map(|b| {
                let (url, role) = match b {
                    Byline::Author(a) => {
                        let page =
                            site.author_page(*a, lang).map(|i| crate::plan::list_base(site, ListKind::Author(i)));
                        let url = page.map(|p| if absolute { site.permalink(&p) } else { site.url(&p) });
                        (url, site.authors().get(*a).text[lang].role.as_deref())
                    }
                    Byline::Name(_) => (None, None),
                };
                BylineView { name: site.byline_name(b, lang), url, role }
            })
            .collect()
    }

    fn archive(&self, nav: crate::plan::ArchiveNav) -> ArchiveView {
        let site = self.site;
        let link = |k: ListKind| {
            let l = crate::plan::list_of(site, k);
            ArchiveLink { title: l.title, url: site.url(&l.base) }
        };
        let child = |k: ListKind| {
            let l = crate::plan::list_of(site, k);
            ArchiveChild { title: l.title, url: site.url(&l.base), count: l.chains.len() }
        };
        ArchiveView {
            up: nav.up.map(link),
            prev: nav.prev.map(link),
            next: nav.next.map(link),
            children: nav.children.into_iter().map(child).collect(),
        }
    }

    fn item(&self, c: ChainId, with_related: bool) -> ItemView<'a> {
        let site = self.site;
        let chain = &site.chain(c);
        let s = site.shown(c);
        let related = if with_related {
            site.related(c)
                .iter()
                .filter_map(|r| {
                    r.target().map(|t| LinkView { title: site.related_title(r), url: site.url(&site.chain(t).path) })
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
            photo: photo::cover(&self.plan.photos, s)
                .map(|l| photo::view(site, &self.plan.photos, l, photo::Kind::Thumb)),
        }
    }

    fn feed(&self, p: &PageOf, scope: Scope, template: &str, path: &str) -> Result<Vec<u8>, Diagnostic> {
        let site = self.site;
        let language = site.language(p.lang);
        let (name, chains): (Option<&str>, &[ChainId]) = match scope {
            Scope::Site(l) => (None, site.home(l)),
            Scope::Section(i) => (Some(&site.section(i).title), &site.section(i).chains),
            Scope::Tag(i) => (Some(&site.tag(i).name), &site.tag(i).chains),
            Scope::Author(i) => {
                let l = site.author_list(i);
                (Some(site.authors().get(l.author).name(l.lang)), &l.chains)
            }
        };
        let base = scope_path(site, scope);
        let items: Vec<FeedItem> =
            chains.iter().take(site.config().feed_limit).map(|&c| self.feed_item(c)).collect::<Result<_, _>>()?;
        let description = match name {
            Some(n) => format!("{}: {n}", language.title),
            None if language.description.is_empty() => language.title.clone(),
            None => language.description.clone(),
        };
        let feed = FeedView {
            title: name.map_or_else(|| language.title.clone(), |n| format!("{} – {n}", language.title)),
            description,
            home: site.permalink(&base),
            self_url: site.permalink(path),
            updated: items.iter().map(|i| i.updated.clone()).max(),
            items,
        };
        let mut ctx = self.page(p, "feed", feed.title.clone(), path);
        ctx.insert("feed", &feed);
        self.tera_render(template, &ctx)
    }

    fn feed_item(&self, c: ChainId) -> Result<FeedItem<'a>, Diagnostic> {
        let site = self.site;
        let chain = &site.chain(c);
        let s = site.shown(c);
        let byline = self.byline(c, true);
        let body = match s.access {
            crate::parse::Access::Free => Some(site.body_html(s)?),
            crate::parse::Access::Subscribers => None,
        };
        Ok(FeedItem {
            title: &s.headline.text,
            url: site.permalink(&chain.path),
            published: rfc3339(&chain.first_published),
            updated: rfc3339(&chain.modified),
            summary: &s.summary,
            body,
            authors: byline.iter().map(|b| b.name).collect(),
            byline,
            section: chain.section.map(|i| site.section(i).title.as_str()),
        })
    }

    fn sitemap(&self, p: &PageOf, part: SitemapPart, template: &str, path: &str) -> Result<Vec<u8>, Diagnostic> {
        let site = self.site;
        let entries = &self.plan.sitemap;
        let parts = &self.plan.sitemap_parts;
        let mut ctx = self.page(p, "sitemap", String::new(), path);
        match part {
            SitemapPart::Index => {
                let index: Vec<SitemapEntry> = parts
                    .iter()
                    .enumerate()
                    .map(|(i, r)| SitemapEntry {
                        url: site.permalink(&format!("/sitemap-{}.xml", i + 1)),
                        lastmod: entries[r.clone()].iter().map(|e| e.lastmod.clone()).max().unwrap_or_default(),
                        alternates: Vec::new(),
                    })
                    .collect();
                ctx.insert("sitemaps", &index);
            }
            SitemapPart::Single | SitemapPart::Part(_) => {
                let n = if let SitemapPart::Part(n) = part { n - 1 } else { 0 };
                let range = parts.get(n).cloned().unwrap_or(0..0);
                let views: Vec<SitemapEntry> = entries[range].iter().map(|e| e.view(site)).collect();
                ctx.insert("entries", &views)
            }
        }
        self.tera_render(template, &ctx)
    }

    fn news_sitemap(&self, p: &PageOf, lang: LangId, template: &str, path: &str) -> Result<Vec<u8>, Diagnostic> {
        let site = self.site;
        let items: Vec<NewsItem> = self.plan.news[lang]
            .iter()
            .map(|&c| NewsItem {
                url: site.permalink(&site.chain(c).path),
                title: &site.shown(c).headline.text,
                published: rfc3339(&site.chain(c).first_published),
            })
            .collect();
        let mut ctx = self.page(p, "news-sitemap", String::new(), path);
        let language = site.language(lang);
        let news = NewsView { name: &language.news_name, language: news_language(&language.news_language), items };
        ctx.insert("news", &news);
        self.tera_render(template, &ctx)
    }
}

/// What every page of one entry shares: its language and its versions in the other languages.
struct PageOf {
    lang: LangId,
    alternates: Vec<(LangId, String)>,
}

/// A `news:language` value: Google News wants ISO 639 codes, except `zh-cn` and `zh-tw`.
fn news_language(code: &str) -> &str {
    match code {
        "zh-Hans" | "zh-CN" | "zh-cn" => "zh-cn",
        "zh-Hant" | "zh-TW" | "zh-tw" => "zh-tw",
        c => c.split('-').next().unwrap_or(c),
    }
}
