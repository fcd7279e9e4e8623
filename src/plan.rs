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

use crate::config::LangId;
use crate::diag::Diagnostic;
use crate::index::SearchIndex;
use crate::load::StaticFile;
use crate::locale;
use crate::photos::Photos;
use crate::render::views::{AlternateLink, SitemapEntry, rfc3339};
use crate::site::paging::{Page, Paging};
use crate::site::urls::{
    author_path, authors_path, content_path, day_path, home_path, month_path, page_path, search_path, section_path,
    tag_path, tags_path, year_path,
};
use crate::site::{
    AuthorListId, ChainId, DayId, MonthId, RedirectId, SectionId, Site, TagId, Visibility, YearId, index_id,
    newest_first,
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
    /// A page of a paginated list.
    List(ListKind, Page),
    /// A language's list of every tag.
    Tags(LangId),
    /// A language's list of its authors (a language with an author page has one).
    Authors(LangId),
    NotFound,
    Css,
    Feed(Scope, FeedKind),
    Sitemap(SitemapPart),
    /// A language's Google News sitemap.
    NewsSitemap(LangId),
    Robots,
    /// A file of `static/`, copied as it is.
    Static(StaticId),
    /// A file of the search index (an index into [`Plan::search`]'s files).
    SearchIndex(usize),
    /// A language's search page, `PREFIX/search/`.
    SearchPage(LangId),
    /// The search page's script, `/search/search.js`.
    SearchScript,
    /// A photo rendition (an index into [`Plan::photos`]' renditions), copied from the cache.
    Photo(usize),
    /// A live story's poll file, `PAGE/live.json`: its state, entry count and newest entry, which
    /// open pages poll to learn that the page has new entries.
    LiveStatus(ChainId),
    /// A language's breaking-news file, `PREFIX/breaking.json`, which every page of it polls for
    /// its banner.
    Breaking(LangId),
    /// The script of the breaking banner and of live pages, `/news.js`.
    NewsScript,
}

/// Which list a list page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// A language's home page.
    Home(LangId),
    Section(SectionId),
    Tag(TagId),
    Day(DayId),
    Month(MonthId),
    Year(YearId),
    /// An author's page: their profile and their stories in one language.
    Author(AuthorListId),
}

/// What a feed covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every story of a language.
    Site(LangId),
    Section(SectionId),
    Tag(TagId),
    /// An author's stories in one language.
    Author(AuthorListId),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// The name of a live story's poll file in its page's folder.
pub const LIVE_STATUS: &str = "live.json";

/// The breaking banner's and live pages' script, at the site root.
pub const NEWS_SCRIPT: &str = "news.js";

/// The root-relative path of a language's breaking-news file.
pub fn breaking_path(prefix: &str) -> String {
    format!("{}breaking.json", home_path(prefix))
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
    pub sitemap: Vec<SitemapUrl>,
    /// The entries of each sitemap file, in order: one range when `sitemap.xml` holds them all,
    /// else one per `sitemap-N.xml`.
    pub sitemap_parts: Vec<std::ops::Range<usize>>,
    /// Per language, the stories of its Google News sitemap, newest first.
    pub news: TiVec<LangId, Vec<ChainId>>,
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
        for lang in site.languages() {
            page(Job::Tags(lang), &tags_path(&site.language(lang).prefix), "tags.html", Listing::Unlisted);
        }
        for lang in author_languages(site) {
            page(Job::Authors(lang), &authors_path(&site.language(lang).prefix), "authors.html", Listing::Unlisted);
        }
        for list in lists(site) {
            let paging = Paging::new(list.chains.len(), site.config().per_page);
            for p in paging.pages() {
                let lastmod = list.chains.get(paging.range(p).start).copied();
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
        entries.push(file(Job::NewsScript, NEWS_SCRIPT, Some(NEWS_SCRIPT)));
        for lang in site.languages() {
            let path = breaking_path(&site.language(lang).prefix);
            entries.push(file(Job::Breaking(lang), path.trim_start_matches('/'), None));
        }
        let live = site
            .chains()
            .keys()
            .filter(|&c| site.chain(c).visibility != Visibility::Withdrawn && site.live_state(c).is_some());
        let live: Vec<Entry> = live
            .map(|c| {
                let path = format!("{}{LIVE_STATUS}", site.chain(c).path.trim_start_matches('/'));
                Entry { job: Job::LiveStatus(c), path, template: None, listing: Listing::Unlisted }
            })
            .collect();
        entries.extend(live);
        for scope in scopes(site) {
            for kind in [FeedKind::Rss, FeedKind::Atom] {
                let path = format!("{}{}", scope_path(site, scope).trim_start_matches('/'), kind.file());
                entries.push(file(Job::Feed(scope, kind), &path, Some(kind.file())));
            }
        }
        let sitemap = sitemap_entries(site, &entries);
        let sitemap_parts = sitemap_parts(&sitemap, site.config().sitemap_limit);
        entries.extend(sitemap_files(sitemap_parts.len()));
        let news: TiVec<LangId, Vec<ChainId>> =
            site.languages().map(|l| crate::render::sitemap::news_items(site, l)).collect();
        for (lang, _) in news.iter_enumerated().filter(|(_, items)| !items.is_empty()) {
            let path = news_sitemap_path(site, lang);
            entries.push(file(Job::NewsSitemap(lang), path.trim_start_matches('/'), Some("news-sitemap.xml")));
        }
        if site.config().search == crate::config::Search::On {
            for lang in site.languages() {
                let path = format!("{}index.html", search_path(&site.language(lang).prefix));
                entries.push(file(Job::SearchPage(lang), path.trim_start_matches('/'), Some("search.html")));
            }
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
        let photo_errors = author_photos(site, &statics);
        let by_path = match unique_paths(site, &entries, &statics) {
            Ok(b) if photo_errors.is_empty() => b,
            Ok(_) => return Err(photo_errors),
            Err(mut e) => {
                e.extend(photo_errors);
                return Err(e);
            }
        };
        Ok(Plan { entries, statics, search, photos, sitemap, sitemap_parts, news, by_path })
    }

    /// The number of the entry writing `path` (relative to the output), if any.
    pub fn number_of(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
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
            ListKind::Home(_) => "index.html",
            ListKind::Section(_) => "section.html",
            ListKind::Tag(_) => "tag.html",
            ListKind::Day(_) => "day.html",
            ListKind::Month(_) => "month.html",
            ListKind::Year(_) => "year.html",
            ListKind::Author(_) => "author.html",
        }
    }
}

/// The languages with an author page, each once, in order.
pub fn author_languages(site: &Site) -> Vec<LangId> {
    let mut langs: Vec<LangId> = site.author_lists().iter().map(|l| l.lang).collect();
    langs.dedup();
    langs
}

/// An error for each author photo under `static/` that is not there, at the file's `photo` line.
fn author_photos(site: &Site, statics: &TiSlice<StaticId, StaticFile>) -> Vec<Diagnostic> {
    let have: std::collections::HashSet<&str> = statics.iter().map(|s| s.rel.as_str()).collect();
    site.authors()
        .all()
        .iter()
        .filter_map(|a| {
            let photo = a.photo.as_ref().filter(|p| p.src.starts_with('/'))?;
            let rel = photo.src.trim_start_matches('/');
            (!have.contains(rel)).then(|| {
                let msg = format!("photo `{}`: there is no static/{rel}", photo.src);
                Diagnostic::new(&a.file, photo.line, photo.col, msg)
                    .with_hint("put the photo under static/, or give an absolute URL")
            })
        })
        .collect()
}

/// Every paginated list, in the sitemap's order.
fn lists(site: &Site) -> Vec<ListSource<'_>> {
    let mut kinds: Vec<ListKind> = site.languages().map(ListKind::Home).collect();
    kinds.extend(site.sections().keys().map(ListKind::Section));
    kinds.extend(site.tags().keys().map(ListKind::Tag));
    kinds.extend(site.days().keys().map(ListKind::Day));
    kinds.extend(site.months().keys().map(ListKind::Month));
    kinds.extend(site.years().keys().map(ListKind::Year));
    kinds.extend(site.author_lists().keys().map(ListKind::Author));
    kinds.into_iter().map(|k| list_of(site, k)).collect()
}

/// What a list shows: its kind, name for templates, title, base URL and chains, newest first.
pub struct ListSource<'s> {
    pub kind: ListKind,
    pub lang: LangId,
    /// `page.kind` and `list.kind` in templates: `home`, `section`, `tag`, `day`, `month`,
    /// `year` or `author`.
    pub name: &'static str,
    pub title: String,
    /// The URL of its first page; the others are `BASE/page/N/`.
    pub base: String,
    pub chains: &'s [ChainId],
}

pub fn list_of(site: &Site, kind: ListKind) -> ListSource<'_> {
    let lang = list_lang(site, kind);
    let code = &site.language(lang).code;
    let (name, title, chains): (_, String, &[ChainId]) = match kind {
        ListKind::Home(l) => ("home", site.language(l).title.clone(), site.home(l)),
        ListKind::Section(i) => ("section", site.section(i).title.clone(), &site.section(i).chains),
        ListKind::Tag(i) => ("tag", site.tag(i).name.clone(), &site.tag(i).chains),
        ListKind::Day(i) => {
            let d = &site.day(i);
            ("day", locale::date_text(code, d.date, locale::DateStyle::Day), &d.chains)
        }
        ListKind::Month(i) => {
            let m = &site.month(i);
            let first = jiff::civil::date(m.year, m.month, 1);
            ("month", locale::date_text(code, first, locale::DateStyle::Month), &m.chains)
        }
        ListKind::Year(i) => {
            let y = &site.year(i);
            let first = jiff::civil::date(y.year, 1, 1);
            ("year", locale::date_text(code, first, locale::DateStyle::Year), &y.chains)
        }
        ListKind::Author(i) => {
            let l = site.author_list(i);
            ("author", site.authors().get(l.author).name(l.lang).to_string(), &l.chains)
        }
    };
    ListSource { kind, lang, name, title, base: list_base(site, kind), chains }
}

/// The URL of a list's first page (what [`list_of`] gives as `base`, without making its title).
pub fn list_base(site: &Site, kind: ListKind) -> String {
    let prefix = &site.language(list_lang(site, kind)).prefix;
    match kind {
        ListKind::Home(_) => home_path(prefix),
        ListKind::Section(i) => section_path(prefix, &site.section(i).slug),
        ListKind::Tag(i) => tag_path(prefix, &site.tag(i).slug),
        ListKind::Day(i) => day_path(prefix, site.day(i).date),
        ListKind::Month(i) => month_path(prefix, site.month(i).year, site.month(i).month),
        ListKind::Year(i) => year_path(prefix, site.year(i).year),
        ListKind::Author(i) => author_path(prefix, &site.authors().get(site.author_list(i).author).id),
    }
}

/// The language a list is of.
pub fn list_lang(site: &Site, kind: ListKind) -> LangId {
    match kind {
        ListKind::Home(l) => l,
        ListKind::Section(i) => site.section(i).lang,
        ListKind::Tag(i) => site.tag(i).lang,
        ListKind::Day(i) => site.day(i).lang,
        ListKind::Month(i) => site.month(i).lang,
        ListKind::Year(i) => site.year(i).lang,
        ListKind::Author(i) => site.author_list(i).lang,
    }
}

/// The same list in another language, where that language has it: its home, the section or tag
/// of the same slug, the same day, month or year.
pub fn list_in(site: &Site, kind: ListKind, lang: LangId) -> Option<ListKind> {
    match kind {
        ListKind::Home(_) => Some(ListKind::Home(lang)),
        ListKind::Section(i) => {
            let slug = &site.section(i).slug;
            site.sections()
                .iter_enumerated()
                .find(|(_, s)| s.lang == lang && s.slug == *slug)
                .map(|(j, _)| ListKind::Section(j))
        }
        ListKind::Tag(i) => {
            let key = (lang, site.tag(i).slug.as_str());
            site.tags().binary_search_by(|t| (t.lang, t.slug.as_str()).cmp(&key)).ok().map(ListKind::Tag)
        }
        ListKind::Day(i) => {
            let key = (lang, site.day(i).date);
            site.days().binary_search_by(|d| (d.lang, d.date).cmp(&key)).ok().map(ListKind::Day)
        }
        ListKind::Month(i) => {
            let m = site.month(i);
            let key = (lang, m.year, m.month);
            site.months().binary_search_by(|x| (x.lang, x.year, x.month).cmp(&key)).ok().map(ListKind::Month)
        }
        ListKind::Year(i) => {
            let key = (lang, site.year(i).year);
            site.years().binary_search_by(|x| (x.lang, x.year).cmp(&key)).ok().map(ListKind::Year)
        }
        ListKind::Author(i) => site.author_page(site.author_list(i).author, lang).map(ListKind::Author),
    }
}

/// A page's versions in the site's languages, for `hreflang` links and the language switcher:
/// `(language, root-relative path)`, the page itself included, in language order; empty on a
/// single-language site and for pages that exist in one language only. Reciprocal by
/// construction: a story's translation set, or the same list in each language that has it, is
/// the same set seen from each of its members.
pub fn alternates(site: &Site, job: Job) -> Vec<(LangId, String)> {
    if !site.is_multilingual() {
        return Vec::new();
    }
    let out: Vec<(LangId, String)> = match job {
        Job::Article(c) => {
            site.translations(c).iter().map(|&t| (site.chain(t).lang, site.chain(t).path.clone())).collect()
        }
        Job::List(kind, Page::Front) => site
            .languages()
            .filter_map(|l| list_in(site, kind, l))
            .map(|k| (list_lang(site, k), list_base(site, k)))
            .collect(),
        Job::Tags(_) => site.languages().map(|l| (l, tags_path(&site.language(l).prefix))).collect(),
        Job::Authors(_) => {
            author_languages(site).into_iter().map(|l| (l, authors_path(&site.language(l).prefix))).collect()
        }
        Job::SearchPage(_) if site.config().search == crate::config::Search::On => {
            site.languages().map(|l| (l, search_path(&site.language(l).prefix))).collect()
        }
        _ => Vec::new(),
    };
    if out.len() > 1 { out } else { Vec::new() }
}

/// The `x-default` of a set of alternates: the default language's page, else the first.
pub fn x_default(alternates: &[(LangId, String)]) -> Option<&str> {
    alternates.iter().find(|(l, _)| *l == LangId::DEFAULT).or(alternates.first()).map(|(_, p)| p.as_str())
}

/// Where a language's Google News sitemap is: `/news-sitemap.xml` for the default language,
/// `/news-sitemap-ko.xml` for another. All sit at the site root, where a sitemap may list any URL
/// of the site (and where `robots.txt` names them).
pub fn news_sitemap_path(site: &Site, lang: LangId) -> String {
    if lang == LangId::DEFAULT {
        "/news-sitemap.xml".into()
    } else {
        format!("/news-sitemap-{}.xml", site.language(lang).code)
    }
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

/// The archive links of a page of a day, month or year list; `None` for the home, section and
/// tag lists. Only the front lists the children with their counts: those change with each story
/// the list gains, and an archive page stays as it is while its stories do ([`Paging`]).
pub fn archive_of(site: &Site, kind: ListKind, page: Page) -> Option<ArchiveNav> {
    let lang = list_lang(site, kind);
    let same_lang = |k: Option<ListKind>| k.filter(|&k| list_lang(site, k) == lang);
    let around = |i: usize, len: usize, f: &dyn Fn(usize) -> ListKind| -> [Option<ListKind>; 2] {
        [same_lang(i.checked_sub(1).map(f)), same_lang((i + 1 < len).then(|| f(i + 1)))]
    };
    let (up, [prev, next], children) = match kind {
        ListKind::Home(_) | ListKind::Section(_) | ListKind::Tag(_) | ListKind::Author(_) => return None,
        ListKind::Day(d) => {
            let nav = around(d.into(), site.days().len(), &|i| ListKind::Day(i.into()));
            (Some(ListKind::Month(site.month_of(d))), nav, vec![])
        }
        ListKind::Month(m) => {
            let days = site.days_in(m).map(ListKind::Day).collect();
            let nav = around(m.into(), site.months().len(), &|i| ListKind::Month(i.into()));
            (Some(ListKind::Year(site.year_of(m))), nav, days)
        }
        ListKind::Year(y) => {
            let months = site.months_in(y).map(ListKind::Month).collect();
            (None, around(y.into(), site.years().len(), &|i| ListKind::Year(i.into())), months)
        }
    };
    let children = if page == Page::Front { children } else { Vec::new() };
    Some(ArchiveNav { up, prev, next, children })
}

fn scopes(site: &Site) -> Vec<Scope> {
    let mut scopes: Vec<Scope> = site.languages().map(Scope::Site).collect();
    scopes.extend(site.sections().keys().map(Scope::Section));
    scopes.extend(site.tags().keys().map(Scope::Tag));
    scopes.extend(site.author_lists().keys().map(Scope::Author));
    scopes
}

/// The folder URL a feed is written under (`/`, `/politics/`, `/tags/ports/`).
pub fn scope_path(site: &Site, scope: Scope) -> String {
    let prefix = |l: LangId| site.language(l).prefix.as_str();
    match scope {
        Scope::Site(l) => home_path(prefix(l)),
        Scope::Section(i) => section_path(prefix(site.section(i).lang), &site.section(i).slug),
        Scope::Tag(i) => tag_path(prefix(site.tag(i).lang), &site.tag(i).slug),
        Scope::Author(i) => list_base(site, ListKind::Author(i)),
    }
}

/// The language of a feed.
pub fn scope_lang(site: &Site, scope: Scope) -> LangId {
    match scope {
        Scope::Site(l) => l,
        Scope::Section(i) => site.section(i).lang,
        Scope::Tag(i) => site.tag(i).lang,
        Scope::Author(i) => site.author_list(i).lang,
    }
}

/// One URL the sitemap lists: its absolute URL, `lastmod`, the job of its page (whose alternates
/// its `xhtml:link`s are, made when its part is rendered) and the bytes it takes in the file.
#[derive(Debug, Clone)]
pub struct SitemapUrl {
    pub url: String,
    pub lastmod: String,
    pub job: Job,
    /// A hash of its alternates (what the sitemap digest reads, so they are made once here).
    pub alternates_digest: u64,
    size: usize,
}

impl SitemapUrl {
    /// What the sitemap template gets for it, `xhtml:link` alternates included.
    pub fn view(&self, site: &Site) -> SitemapEntry {
        SitemapEntry {
            url: self.url.clone(),
            lastmod: self.lastmod.clone(),
            alternates: alternate_links(site, &alternates(site, self.job)),
        }
    }
}

/// What the sitemap lists: the listed entries, with absolute URLs and `lastmod`. On a
/// multilingual site each also carries the page's versions in the other languages, which are
/// made per part when it is rendered (and only counted here), so the plan never holds them all.
fn sitemap_entries(site: &Site, entries: &[Entry]) -> Vec<SitemapUrl> {
    entries
        .iter()
        .filter_map(|e| match e.listing {
            Listing::Unlisted => None,
            Listing::Listed(lastmod) => {
                let url = site.permalink(&e.url());
                let lastmod = lastmod.map(|c| rfc3339(&site.chain(c).modified)).unwrap_or_default();
                let alts = alternates(site, e.job);
                let links: usize =
                    alternate_links(site, &alts).iter().map(|a| 48 + a.url.len() + a.hreflang.len()).sum();
                let size = 60 + url.len() + lastmod.len() + links;
                let alternates_digest = {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::hash::DefaultHasher::new();
                    alts.hash(&mut h);
                    h.finish()
                };
                Some(SitemapUrl { url, lastmod, job: e.job, alternates_digest, size })
            }
        })
        .collect()
}

/// Alternates as absolute URLs with their `hreflang`, then `x-default`.
pub fn alternate_links(site: &Site, alternates: &[(LangId, String)]) -> Vec<AlternateLink> {
    let mut out: Vec<AlternateLink> = alternates
        .iter()
        .map(|(l, p)| AlternateLink { hreflang: site.language(*l).code.clone(), url: site.permalink(p) })
        .collect();
    if let Some(p) = x_default(alternates) {
        out.push(AlternateLink { hreflang: "x-default".into(), url: site.permalink(p) });
    }
    out
}

/// The most a sitemap file may hold, as its text would be written: well under the protocol's 50 MB,
/// so that rendering one part holds little in memory (a multilingual site's entries carry an
/// `xhtml:link` per language).
const SITEMAP_BYTES: usize = 10 * 1024 * 1024;

/// Splits the sitemap's entries into files of at most `limit` URLs and about [`SITEMAP_BYTES`].
fn sitemap_parts(entries: &[SitemapUrl], limit: usize) -> Vec<std::ops::Range<usize>> {
    let mut parts = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, e) in entries.iter().enumerate() {
        let n = e.size;
        if i > start && (i - start == limit || bytes + n > SITEMAP_BYTES) {
            parts.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += n;
    }
    parts.push(start..entries.len());
    parts
}

/// The sitemap files for `parts` parts: one `sitemap.xml`, or an index and a file per part.
fn sitemap_files(parts: usize) -> Vec<Entry> {
    let file = |part, path: String, template| Entry {
        job: Job::Sitemap(part),
        path,
        template: Some(template),
        listing: Listing::Unlisted,
    };
    if parts <= 1 {
        return vec![file(SitemapPart::Single, "sitemap.xml".into(), "sitemap.xml")];
    }
    let mut out = vec![file(SitemapPart::Index, "sitemap.xml".into(), "sitemap-index.xml")];
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
        Job::List(ListKind::Home(l), _) => described(format!("the home page of `{}`", site.language(l).code)),
        Job::List(ListKind::Section(i), _) => described(format!("section `{}`", site.section(i).title)),
        Job::List(ListKind::Tag(i), _) => described(format!("tag `{}`", site.tag(i).name)),
        Job::List(ListKind::Day(i), _) => described(format!("the day page of {}", site.day(i).date)),
        Job::List(kind @ (ListKind::Month(_) | ListKind::Year(_)), _) => {
            described(format!("the archive page of {}", list_of(site, kind).title))
        }
        Job::List(ListKind::Author(i), _) => {
            let author = site.authors().get(site.author_list(i).author);
            (author.file.clone(), format!("the page of author {}", author.file.display()))
        }
        Job::Tags(_) => described("the tag list".into()),
        Job::Authors(_) => described("the author list".into()),
        _ => described(format!("Gazette's {}", e.path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A URL of about 190 bytes with `alternates` links of about 150 bytes each.
    fn entry(alternates: usize) -> SitemapUrl {
        SitemapUrl {
            url: format!("https://x.example/{}", "s".repeat(100)),
            lastmod: "2024-05-01T09:00:00+09:00".into(),
            job: Job::Tags(LangId::DEFAULT),
            alternates_digest: 0,
            size: 190 + 150 * alternates,
        }
    }

    #[test]
    fn sitemap_parts_keep_to_the_url_limit_and_the_byte_bound() {
        assert_eq!(sitemap_parts(&[], 10), vec![0..0], "an empty site has one (empty) sitemap");
        let plain: Vec<SitemapUrl> = (0..25).map(|_| entry(0)).collect();
        assert_eq!(sitemap_parts(&plain, 10), vec![0..10, 10..20, 20..25]);
        assert_eq!(sitemap_parts(&plain, 50_000), vec![0..25]);
        // Entries of about 1.5 kB (eight alternates): a 10 MiB part holds about 7,000 of them.
        let heavy: Vec<SitemapUrl> = (0..20_000).map(|_| entry(8)).collect();
        let parts = sitemap_parts(&heavy, 50_000);
        assert!(parts.len() == 3, "{parts:?}");
        assert_eq!(parts.iter().map(|r| r.len()).sum::<usize>(), 20_000);
        assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
    }
}
