//! Plan: the site model and the static files → the one list of every output file of the build.
//!
//! Each [`Entry`] says what it renders ([`Job`]), the file it writes, the template it renders with
//! and whether (and with which `lastmod`) the sitemap lists it. The renderer, the digester, the
//! sitemaps, the URL-uniqueness check, `check`'s link check and the writers all read this list and
//! nothing else, so an output kind is added in one place: a `Job` variant and the entries
//! [`Plan::new`] makes for it.
//!
//! Invariant: no two entries write one path. A clash (a section named `tags`, a slug equal to a
//! day page, a static file at a page's path) is an error naming both sources.

use std::collections::HashMap;
use std::path::PathBuf;

use typed_index_collections::{TiSlice, TiVec};

use crate::diag::Diagnostic;
use crate::index::SearchIndex;
use crate::load::StaticFile;
use crate::photos::Photos;
use crate::render::views::{SitemapEntry, rfc3339};
use crate::site::urls::{content_path, day_path, month_path, page_path, pages_for, section_path, tag_path, year_path};
use crate::site::{
    ChainId, DayId, MonthId, RedirectId, SectionId, Site, TagId, Visibility, YearId, index_id, newest_first,
};

index_id! {
    /// A file of [`Plan::statics`], in the order `load` lists them.
    StaticId;
}

/// What one output file is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    Article(ChainId),
    /// The withdrawal notice left at a withdrawn story's URL.
    Withdrawn(ChainId),
    Redirect(RedirectId),
    /// A page of a paginated list (1-based).
    List(ListKind, usize),
    Tags,
    NotFound,
    Css,
    Feed(Scope, FeedKind),
    Sitemap(SitemapPart),
    NewsSitemap,
    Robots,
    /// A file of `static/`, copied as it is.
    Static(StaticId),
    /// A file of the search index (an index into [`Plan::search`]'s files).
    SearchIndex(usize),
    /// The search page, `/search/`.
    SearchPage,
    /// The search page's script, `/search/search.js`.
    SearchScript,
    /// A photo rendition (an index into [`Plan::photos`]' renditions), copied from the cache.
    Photo(usize),
}

/// Which list a list page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    Home,
    Section(SectionId),
    Tag(TagId),
    Day(DayId),
    Month(MonthId),
    Year(YearId),
}

/// What a feed covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Site,
    Section(SectionId),
    Tag(TagId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedKind {
    Rss,
    Atom,
}

impl FeedKind {
    pub fn file(self) -> &'static str {
        match self {
            FeedKind::Rss => "rss.xml",
            FeedKind::Atom => "atom.xml",
        }
    }
}

/// Which file of the sitemap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SitemapPart {
    /// `sitemap.xml` listing every URL (the site fits in one file).
    Single,
    /// `sitemap.xml` as the index of the parts.
    Index,
    /// `sitemap-N.xml` (1-based).
    Part(usize),
}

/// Whether the sitemap lists an output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Unlisted,
    /// Listed, with the chain whose modification time is its `lastmod` (none: an empty list page).
    Listed(Option<ChainId>),
}

/// One output file.
#[derive(Debug, Clone)]
pub struct Entry {
    pub job: Job,
    /// Where it is written, relative to the output folder and `/`-separated: `politics/x/index.html`.
    pub path: String,
    /// The template it renders with; `None` for files made without one (`robots.txt`, statics).
    pub template: Option<&'static str>,
    pub listing: Listing,
}

impl Entry {
    /// The root-relative URL of the file: `/politics/x/` for `politics/x/index.html`.
    pub fn url(&self) -> String {
        match self.path.strip_suffix("index.html") {
            Some(dir) => format!("/{dir}"),
            None => format!("/{}", self.path),
        }
    }
}

/// Every output file of one build, in a fixed order.
#[derive(Debug)]
pub struct Plan {
    pub entries: Vec<Entry>,
    pub statics: TiVec<StaticId, StaticFile>,
    /// The search index's files (`search/meta.json`, `search/d/…`, `search/t/…`).
    pub search: SearchIndex,
    /// The photos stage's renditions and what each story shows.
    pub photos: Photos,
    /// What the sitemap lists, in order: list pages, then stories newest first.
    pub sitemap: Vec<SitemapEntry>,
    /// Stories of the Google News sitemap, newest first.
    pub news: Vec<ChainId>,
    by_path: HashMap<String, usize>,
}

impl Plan {
    /// Plans every page of `site`, every static file, the search index's files and the photo
    /// renditions, or names every pair that writes one path.
    pub fn new(
        site: &Site,
        statics: Vec<StaticFile>,
        search: SearchIndex,
        photos: Photos,
    ) -> Result<Plan, Vec<Diagnostic>> {
        let statics: TiVec<StaticId, StaticFile> = statics.into();
        let mut entries = Vec::new();
        let mut page = |job: Job, url: &str, template: &'static str, listing: Listing| {
            let path = format!("{}index.html", url.trim_start_matches('/'));
            entries.push(Entry { job, path, template: Some(template), listing });
        };
        page(Job::Tags, "/tags/", "tags.html", Listing::Unlisted);
        for list in lists(site) {
            let per = site.config().per_page;
            for p in 1..=pages_for(list.chains.len(), per) {
                let lastmod = list.chains.get((p - 1) * per).copied();
                let template = list.kind.template();
                page(Job::List(list.kind, p), &page_path(&list.base, p), template, Listing::Listed(lastmod));
            }
        }
        for c in newest_first(site.chains()) {
            match site.chain(c).visibility {
                Visibility::Withdrawn => {
                    page(Job::Withdrawn(c), &site.chain(c).path, "withdrawn.html", Listing::Unlisted)
                }
                _ => page(Job::Article(c), &site.chain(c).path, "article.html", Listing::Listed(Some(c))),
            }
        }
        for (r, red) in site.redirects().iter_enumerated() {
            page(Job::Redirect(r), &red.path, "redirect.html", Listing::Unlisted);
        }
        let file = |job, path: &str, template| Entry { job, path: path.into(), template, listing: Listing::Unlisted };
        entries.push(file(Job::NotFound, "404.html", Some("404.html")));
        entries.push(file(Job::Css, "style.css", Some("style.css")));
        entries.push(file(Job::Robots, "robots.txt", None));
        for scope in scopes(site) {
            for kind in [FeedKind::Rss, FeedKind::Atom] {
                let path = format!("{}{}", scope_path(site, scope).trim_start_matches('/'), kind.file());
                entries.push(file(Job::Feed(scope, kind), &path, Some(kind.file())));
            }
        }
        let sitemap = sitemap_entries(site, &entries);
        entries.extend(sitemap_files(sitemap.len(), site.config().sitemap_limit));
        let news = crate::render::sitemap::news_items(site);
        if !news.is_empty() {
            entries.push(file(Job::NewsSitemap, "news-sitemap.xml", Some("news-sitemap.xml")));
        }
        if site.config().search == crate::config::Search::On {
            entries.push(file(Job::SearchPage, "search/index.html", Some("search.html")));
            entries.push(file(Job::SearchScript, "search/search.js", Some("search.js")));
        }
        for (i, path) in search.paths.iter().enumerate() {
            entries.push(file(Job::SearchIndex(i), path, None));
        }
        for (i, s) in statics.iter_enumerated() {
            entries.push(file(Job::Static(i), &s.rel, None));
        }
        // Two sources with the same bytes make the same renditions: one entry each.
        let mut seen = std::collections::HashSet::new();
        for (i, r) in photos.renditions.iter().enumerate() {
            if seen.insert(r.path.as_str()) {
                entries.push(file(Job::Photo(i), &r.path, None));
            }
        }
        let by_path = unique_paths(site, &entries, &statics)?;
        Ok(Plan { entries, statics, search, photos, sitemap, news, by_path })
    }

    /// The entry writing `path` (relative to the output), if any.
    pub fn at(&self, path: &str) -> Option<&Entry> {
        self.by_path.get(path).map(|&i| &self.entries[i])
    }

    /// How many files are pages (everything but static files and photo renditions).
    pub fn pages(&self) -> usize {
        self.entries.iter().filter(|e| !matches!(e.job, Job::Static(_) | Job::Photo(_))).count()
    }
}

impl ListKind {
    fn template(self) -> &'static str {
        match self {
            ListKind::Home => "index.html",
            ListKind::Section(_) => "section.html",
            ListKind::Tag(_) => "tag.html",
            ListKind::Day(_) => "day.html",
            ListKind::Month(_) => "month.html",
            ListKind::Year(_) => "year.html",
        }
    }
}

/// Every paginated list, in the sitemap's order.
fn lists(site: &Site) -> Vec<ListSource<'_>> {
    let mut kinds = vec![ListKind::Home];
    kinds.extend(site.sections().keys().map(ListKind::Section));
    kinds.extend(site.tags().keys().map(ListKind::Tag));
    kinds.extend(site.days().keys().map(ListKind::Day));
    kinds.extend(site.months().keys().map(ListKind::Month));
    kinds.extend(site.years().keys().map(ListKind::Year));
    kinds.into_iter().map(|k| list_of(site, k)).collect()
}

/// What a list shows: its kind, name for templates, title, base URL and chains, newest first.
pub struct ListSource<'s> {
    pub kind: ListKind,
    /// `page.kind` and `list.kind` in templates: `home`, `section`, `tag`, `day`, `month` or
    /// `year`.
    pub name: &'static str,
    pub title: String,
    /// The URL of its first page; the others are `BASE/page/N/`.
    pub base: String,
    pub chains: &'s [ChainId],
}

pub fn list_of(site: &Site, kind: ListKind) -> ListSource<'_> {
    let (name, title, base, chains): (_, String, String, &[ChainId]) = match kind {
        ListKind::Home => ("home", site.config().title.clone(), "/".into(), site.home()),
        ListKind::Section(i) => {
            let s = &site.section(i);
            ("section", s.title.clone(), section_path(&s.slug), &s.chains)
        }
        ListKind::Tag(i) => ("tag", site.tag(i).name.clone(), tag_path(&site.tag(i).slug), &site.tag(i).chains),
        ListKind::Day(i) => {
            let d = &site.day(i);
            ("day", d.date.strftime("%B %-d, %Y").to_string(), day_path(d.date), &d.chains)
        }
        ListKind::Month(i) => {
            let m = &site.month(i);
            let first = jiff::civil::date(m.year, m.month, 1);
            ("month", first.strftime("%B %Y").to_string(), month_path(m.year, m.month), &m.chains)
        }
        ListKind::Year(i) => {
            let y = &site.year(i);
            ("year", y.year.to_string(), year_path(y.year), &y.chains)
        }
    };
    ListSource { kind, name, title, base, chains }
}

/// How an archive list (a day, month or year) links to the others: the list it is part of, the
/// lists of the same kind just older (`prev`) and newer (`next`), and the lists it is made of
/// (a year's months, a month's days), oldest first. Lists without stories do not exist, so every
/// link points at a page.
pub struct ArchiveNav {
    pub up: Option<ListKind>,
    pub prev: Option<ListKind>,
    pub next: Option<ListKind>,
    pub children: Vec<ListKind>,
}

/// The archive links of a day, month or year list; `None` for the home, section and tag lists.
pub fn archive_of(site: &Site, kind: ListKind) -> Option<ArchiveNav> {
    fn around<I: From<usize> + Into<usize> + Copy>(i: I, len: usize, f: fn(I) -> ListKind) -> [Option<ListKind>; 2] {
        let i: usize = i.into();
        [i.checked_sub(1).map(|p| f(p.into())), (i + 1 < len).then(|| f((i + 1).into()))]
    }
    let (up, [prev, next], children) = match kind {
        ListKind::Home | ListKind::Section(_) | ListKind::Tag(_) => return None,
        ListKind::Day(d) => {
            (Some(ListKind::Month(site.month_of(d))), around(d, site.days().len(), ListKind::Day), vec![])
        }
        ListKind::Month(m) => {
            let days = site.days_in(m).map(ListKind::Day).collect();
            (Some(ListKind::Year(site.year_of(m))), around(m, site.months().len(), ListKind::Month), days)
        }
        ListKind::Year(y) => {
            let months = site.months_in(y).map(ListKind::Month).collect();
            (None, around(y, site.years().len(), ListKind::Year), months)
        }
    };
    Some(ArchiveNav { up, prev, next, children })
}

fn scopes(site: &Site) -> Vec<Scope> {
    let mut scopes = vec![Scope::Site];
    scopes.extend(site.sections().keys().map(Scope::Section));
    scopes.extend(site.tags().keys().map(Scope::Tag));
    scopes
}

/// The folder URL a feed is written under (`/`, `/politics/`, `/tags/ports/`).
pub fn scope_path(site: &Site, scope: Scope) -> String {
    match scope {
        Scope::Site => "/".into(),
        Scope::Section(i) => section_path(&site.section(i).slug),
        Scope::Tag(i) => tag_path(&site.tag(i).slug),
    }
}

/// What the sitemap lists: the listed entries, with absolute URLs and `lastmod`.
fn sitemap_entries(site: &Site, entries: &[Entry]) -> Vec<SitemapEntry> {
    entries
        .iter()
        .filter_map(|e| match e.listing {
            Listing::Unlisted => None,
            Listing::Listed(lastmod) => Some(SitemapEntry {
                url: site.permalink(&e.url()),
                lastmod: lastmod.map(|c| rfc3339(&site.chain(c).modified)).unwrap_or_default(),
            }),
        })
        .collect()
}

/// The sitemap files for `urls` URLs: one `sitemap.xml`, or an index and `limit`-sized parts.
fn sitemap_files(urls: usize, limit: usize) -> Vec<Entry> {
    let file = |part, path: String, template| Entry {
        job: Job::Sitemap(part),
        path,
        template: Some(template),
        listing: Listing::Unlisted,
    };
    if urls <= limit {
        return vec![file(SitemapPart::Single, "sitemap.xml".into(), "sitemap.xml")];
    }
    let mut out = vec![file(SitemapPart::Index, "sitemap.xml".into(), "sitemap-index.xml")];
    let parts = urls.div_ceil(limit);
    out.extend((1..=parts).map(|n| file(SitemapPart::Part(n), format!("sitemap-{n}.xml"), "sitemap.xml")));
    out
}

/// Path → entry index, or an error for each entry whose path an earlier entry already writes.
fn unique_paths(
    site: &Site,
    entries: &[Entry],
    statics: &TiSlice<StaticId, StaticFile>,
) -> Result<HashMap<String, usize>, Vec<Diagnostic>> {
    let mut by_path: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    let mut errors = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(&first) = by_path.get(&e.path) {
            errors.push(clash(site, &entries[first], e, statics));
        } else {
            by_path.insert(e.path.clone(), i);
        }
    }
    if errors.is_empty() { Ok(by_path) } else { Err(errors) }
}

/// The error for `second` writing the path `first` writes, located at the file responsible.
fn clash(site: &Site, first: &Entry, second: &Entry, statics: &TiSlice<StaticId, StaticFile>) -> Diagnostic {
    if let Job::Static(s) = second.job {
        let msg = format!(
            "static/{} would replace the page Gazette generates at /{}; rename or remove it",
            statics[s].rel, first.path
        );
        return Diagnostic::new(&site.config().site_dir.join("static").join(&statics[s].rel), 1, 1, msg);
    }
    let (path, _) = source_of(site, second, statics);
    let (_, other) = source_of(site, first, statics);
    Diagnostic::new(&path, 1, 1, format!("URL {} is also used by {other}", second.url()))
}

/// The file an entry comes from (where an error about it points) and how to name it.
fn source_of(site: &Site, e: &Entry, statics: &TiSlice<StaticId, StaticFile>) -> (PathBuf, String) {
    let described = |what: String| (PathBuf::from(&what), what);
    match e.job {
        Job::Article(c) | Job::Withdrawn(c) => {
            let path = content_path(site.config(), &site.story(site.chain(c).first()).source);
            (path.clone(), path.display().to_string())
        }
        Job::Static(s) => {
            let path = site.config().site_dir.join("static").join(&statics[s].rel);
            (path.clone(), path.display().to_string())
        }
        Job::Redirect(r) => described(format!("a redirect for {}", site.chain(site.redirect(r).chain).path)),
        Job::List(ListKind::Home, _) => described("the home page".into()),
        Job::List(ListKind::Section(i), _) => described(format!("section `{}`", site.section(i).title)),
        Job::List(ListKind::Tag(i), _) => described(format!("tag `{}`", site.tag(i).name)),
        Job::List(ListKind::Day(i), _) => described(format!("the day page of {}", site.day(i).date)),
        Job::List(kind @ (ListKind::Month(_) | ListKind::Year(_)), _) => {
            described(format!("the archive page of {}", list_of(site, kind).title))
        }
        Job::Tags => described("the tag list".into()),
        _ => described(format!("Gazette's {}", e.path)),
    }
}
