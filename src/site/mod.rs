//! The site model: parsed stories → stories grouped into version chains, with URLs, sections, tags,
//! days and related lists. Pure: no I/O, and the result does not depend on the order stories came in.
//!
//! A [`Chain`] is one story as readers see it: every version (URGENT → untagged → LEAD → 2nd LD …)
//! under one canonical URL, the URL of its first version, which never changes when a newer one
//! arrives. Older versions' own URLs become redirects.
//!
//! Every collection is indexed by its own id type ([`StoryId`], [`ChainId`], [`SectionId`], …), and
//! [`Site`] keeps its fields private: stories stay sorted by source with chains indexing into them,
//! every version's source maps to its chain, home, section, tag, day, month and year lists hold
//! listed chains newest first, and related lists are one per chain. Only [`Site::assemble`],
//! [`Site::link_related`] and [`Site::refresh`] change a site; everything else reads it.

pub mod live;
pub mod paging;
pub mod related;
pub mod terms;
pub mod urls;
pub mod versions;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jiff::Zoned;
use jiff::civil::Date;
use rayon::prelude::*;
use typed_index_collections::{TiSlice, TiVec};

use crate::authors::{AuthorId, Authors};
use crate::config::{Config, Drafts, Embargoed, Expired, LangId, Language};
use crate::diag::Diagnostic;
use crate::parse::{Status, Story, TranslationKey};
use crate::text::slugify;

/// A newtype over a `usize` index into one collection of the model. Its `Hash` and `Ord` are the
/// index's, so digests and orders are those of the plain index; `From<usize>` lets `TiVec` index
/// with it, and the distinct types keep a tag index from being used where a section index is meant.
macro_rules! index_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(usize);

        impl From<usize> for $name {
            fn from(i: usize) -> Self {
                $name(i)
            }
        }

        impl From<$name> for usize {
            fn from(id: $name) -> usize {
                id.0
            }
        }
    )*};
}
pub(crate) use index_id;

index_id! {
    /// A story of [`Site::stories`]: stories are sorted by source path, so ids follow that order.
    StoryId;
    /// A chain of [`Site::chains`], in the order of its first version's source path.
    ChainId;
    /// A section of [`Site::sections`], configured sections first.
    SectionId;
    /// A tag of [`Site::tags`], by slug.
    TagId;
    /// A day of [`Site::days`], oldest first.
    DayId;
    /// A month of [`Site::months`], oldest first.
    MonthId;
    /// A year of [`Site::years`], oldest first.
    YearId;
    /// A redirect of [`Site::redirects`], by path.
    RedirectId;
    /// A set of translations of one story ([`Site::translations`]).
    TranslationId;
    /// An author's page in one language ([`Site::author_lists`]), by language, then author.
    AuthorListId;
}

/// One name of a story's byline: a known author, or a name no author file has (shown as text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Byline {
    Author(AuthorId),
    Name(String),
}

/// An author's stories in one language. An author has one in each language in which a story
/// page names them (withdrawn stories aside), so a byline's link always leads to a page; it lists
/// that language's listed stories naming them, newest first.
#[derive(Debug, Clone)]
pub struct AuthorList {
    pub author: AuthorId,
    pub lang: LangId,
    pub chains: Vec<ChainId>,
}

/// One story with all its versions.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Versions, oldest first: the first is canonical, the last is shown. Never empty.
    versions: Vec<StoryId>,
    /// Root-relative URL path of the story page, e.g. `/politics/2024/05/01/slug/`.
    pub path: String,
    /// Its language: every version's (versions never cross languages).
    pub lang: LangId,
    pub section: Option<SectionId>,
    pub tags: Vec<TagId>,
    pub first_published: Zoned,
    /// The newest version's `updated`, else its date: what orders lists.
    pub modified: Zoned,
    pub visibility: Visibility,
}

/// Whether a chain shows in lists and feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Listed,
    /// Expired and kept (`expired = "keep"`): it keeps its page but leaves lists and feeds.
    Expired,
    /// Withdrawn by its sender (a feed item's newest version is `canceled`): its page is a
    /// withdrawal notice, and it leaves every list, feed, sitemap and related list.
    Withdrawn,
}

impl Chain {
    /// Every version, oldest first (at least one).
    pub fn versions(&self) -> &[StoryId] {
        &self.versions
    }
    pub fn newest(&self) -> StoryId {
        *self.versions.last().expect("a chain has at least one version")
    }
    pub fn first(&self) -> StoryId {
        self.versions[0]
    }
}

/// A section of one language: the same folder in two languages is two sections.
#[derive(Debug, Clone)]
pub struct Section {
    pub lang: LangId,
    pub slug: String,
    pub title: String,
    pub chains: Vec<ChainId>,
}

/// A tag of one language.
#[derive(Debug, Clone)]
pub struct Tag {
    pub lang: LangId,
    pub name: String,
    pub slug: String,
    pub chains: Vec<ChainId>,
}

/// A day of one language with a listed story.
#[derive(Debug, Clone)]
pub struct Day {
    pub lang: LangId,
    pub date: Date,
    pub chains: Vec<ChainId>,
}

/// A calendar month with a listed story.
#[derive(Debug, Clone)]
pub struct Month {
    pub lang: LangId,
    pub year: i16,
    /// 1 to 12.
    pub month: i8,
    pub chains: Vec<ChainId>,
}

/// A calendar year with a listed story.
#[derive(Debug, Clone)]
pub struct Year {
    pub lang: LangId,
    pub year: i16,
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
    pub to: RelatedTo,
    pub source: RelatedSource,
}

/// What a related entry names.
#[derive(Debug, Clone, PartialEq)]
pub enum RelatedTo {
    /// A story of the site: the entry shows its newest headline ([`Site::related_title`]).
    Story(ChainId),
    /// An editor's headline that names no story of the site, shown as text.
    Text(Box<str>),
}

impl Related {
    /// The story it links to, if it names one.
    pub fn target(&self) -> Option<ChainId> {
        match self.to {
            RelatedTo::Story(t) => Some(t),
            RelatedTo::Text(_) => None,
        }
    }
}

/// Where a related entry comes from (see [`related`] for the order they fill a list in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RelatedSource {
    /// A headline the editor listed (resolved or not).
    Editor,
    /// A story that lists this one.
    Backlink,
    /// Found by shared tags and rare words.
    Computed,
}

impl RelatedSource {
    /// What templates see as `related.computed` (backlinks count as linked, not computed).
    pub fn is_computed(self) -> bool {
        self == RelatedSource::Computed
    }
}

/// The whole site, ready to render. Its fields are private because they keep invariants (see the
/// accessors); only [`Site::assemble`], [`Site::link_related`] and [`Site::refresh`] change it.
#[derive(Debug)]
pub struct Site {
    config: Config,
    /// Sorted by source path; chains, `by_source` and `related` index into it.
    stories: TiVec<StoryId, Arc<Story>>,
    chains: TiVec<ChainId, Chain>,
    sections: TiVec<SectionId, Section>,
    tags: TiVec<TagId, Tag>,
    days: TiVec<DayId, Day>,
    /// Months and years of the days, oldest first; each lists its chains in `home`'s order.
    months: TiVec<MonthId, Month>,
    years: TiVec<YearId, Year>,
    /// Per language, every listed chain of it, newest first.
    home: TiVec<LangId, Vec<ChainId>>,
    /// Sets of chains that are translations of one another, each sorted by language.
    translations: TiVec<TranslationId, Vec<ChainId>>,
    /// Each chain's set, if it has translations.
    translation_of: TiVec<ChainId, Option<TranslationId>>,
    /// Stories whose `translation` key no other story shares (for `check`).
    lonely_translations: Vec<StoryId>,
    /// Stories left out because they are embargoed (dated in the future).
    held_back: usize,
    /// What became of the story files: how many came in, were left out, and joined others.
    tally: Tally,
    /// The implicit version joins made (wire files taken as versions of one story), and why.
    joins: Vec<versions::Join>,
    /// Files of feed stories whose newest version is `withheld`: held back, with every version.
    withheld: Vec<StoryId>,
    /// The first time after the build time at which an embargo lifts or a story expires: from
    /// then on this model is out of date.
    next_change: Option<Zoned>,
    /// Each version's path under `content/` → its chain (what `@/path.md` links name).
    by_source: HashMap<String, ChainId>,
    redirects: TiVec<RedirectId, Redirect>,
    /// One list per chain once [`Site::link_related`] has run; empty before.
    related: TiVec<ChainId, Vec<Related>>,
    /// Located, for `build` and `serve` to print and `check` to count (slug collisions).
    warnings: Vec<Diagnostic>,
    /// The authors of `authors/`.
    authors: Arc<Authors>,
    /// Per story, its byline resolved: known authors and plain names.
    bylines: TiVec<StoryId, Vec<Byline>>,
    /// Sorted by language, then author.
    author_lists: TiVec<AuthorListId, AuthorList>,
    /// Each live story's entries, newest first.
    live: HashMap<ChainId, Vec<live::Entry>>,
}

/// Story files in against stories out: every file is a story, a version of one, or left out for
/// a reason the build states.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// Story files parsed.
    pub files: usize,
    /// `draft = true` files left out (no `--drafts`).
    pub drafts: usize,
    /// Embargoed files left out (no `--future`).
    pub embargoed: usize,
    /// Feed items whose newest version is `withheld`, left out with all their versions.
    pub withheld: usize,
    /// Stories withdrawn by their sender (`canceled`): a withdrawal notice each.
    pub withdrawn: usize,
    /// Files that are not news text (feed events, planning items, photos): skipped with a warning.
    pub skipped: usize,
    /// Versions of expired stories whose pages went (`expired = "remove"`).
    pub expired: usize,
    /// Files that are a later or earlier version of another file's story.
    pub versions: usize,
    /// Files that are entries of a live story (on its page, not stories of their own).
    pub entries: usize,
    /// Entry files left out with a warning: no live story beside their folder.
    pub orphaned_entries: usize,
}

/// Read-only views of the model.
impl Site {
    /// The first time after the build time at which an embargo lifts or a story expires: from
    /// then on, the same stories make another site.
    pub fn next_change(&self) -> Option<&Zoned> {
        self.next_change.as_ref()
    }

    /// Files in, stories out.
    pub fn tally(&self) -> Tally {
        self.tally
    }

    /// The files held back because their story's newest version is `withheld`, by path.
    pub fn withheld(&self) -> &[StoryId] {
        &self.withheld
    }

    /// The implicit version joins, strongest first: which wire files became one story, and why.
    pub fn joins(&self) -> &[versions::Join] {
        &self.joins
    }

    /// One line per implicit join, grouped by story (by URL), for `build -v` and `check` to list:
    /// `URL: content/A (URGENT) + content/B (untagged): headline 0.82, lede 0.64`.
    pub fn describe_joins(&self) -> Vec<String> {
        let tag = |s: StoryId| self.stories[s].headline.version.tag().unwrap_or_else(|| "untagged".into());
        let mut lines: Vec<(String, String)> = self
            .joins
            .iter()
            .map(|j| {
                let chain = self.by_source.get(&self.stories[j.a].source).map(|&c| self.chains[c].path.clone());
                let (a, b) = (&self.stories[j.a].source, &self.stories[j.b].source);
                let line = format!(
                    "content/{a} ({}) + content/{b} ({}): headline {:.2}, lede {:.2}",
                    tag(j.a),
                    tag(j.b),
                    j.headline,
                    j.lede
                );
                (chain.unwrap_or_default(), line)
            })
            .collect();
        lines.sort();
        lines.into_iter().map(|(url, line)| format!("{url}: {line}")).collect()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every published story, sorted by source path.
    pub fn stories(&self) -> &TiSlice<StoryId, Arc<Story>> {
        &self.stories
    }

    pub fn story(&self, id: StoryId) -> &Story {
        &self.stories[id]
    }

    /// Every chain, in the order of its first version's source path.
    pub fn chains(&self) -> &TiSlice<ChainId, Chain> {
        &self.chains
    }

    pub fn chain(&self, id: ChainId) -> &Chain {
        &self.chains[id]
    }

    /// Sections with at least one story, configured ones first; each lists its listed chains, newest first.
    pub fn sections(&self) -> &TiSlice<SectionId, Section> {
        &self.sections
    }

    pub fn section(&self, id: SectionId) -> &Section {
        &self.sections[id]
    }

    /// Tags by slug; each lists its listed chains, newest first.
    pub fn tags(&self) -> &TiSlice<TagId, Tag> {
        &self.tags
    }

    pub fn tag(&self, id: TagId) -> &Tag {
        &self.tags[id]
    }

    /// Days with a listed story, oldest first; each lists its chains, newest first.
    pub fn days(&self) -> &TiSlice<DayId, Day> {
        &self.days
    }

    pub fn day(&self, id: DayId) -> &Day {
        &self.days[id]
    }

    /// Months with a listed story, oldest first; each lists its chains, newest first.
    pub fn months(&self) -> &TiSlice<MonthId, Month> {
        &self.months
    }

    pub fn month(&self, id: MonthId) -> &Month {
        &self.months[id]
    }

    /// Years with a listed story, oldest first; each lists its chains, newest first.
    pub fn years(&self) -> &TiSlice<YearId, Year> {
        &self.years
    }

    pub fn year(&self, id: YearId) -> &Year {
        &self.years[id]
    }

    /// The month a day is in (of the day's language).
    pub fn month_of(&self, day: DayId) -> MonthId {
        let d = &self.days[day];
        let key = (d.lang, d.date.year(), d.date.month());
        let i = self.months.binary_search_by(|m| (m.lang, m.year, m.month).cmp(&key));
        i.expect("every day's month is a month of the site")
    }

    /// The year a month is in.
    pub fn year_of(&self, month: MonthId) -> YearId {
        let m = &self.months[month];
        let key = (m.lang, m.year);
        self.years.binary_search_by(|x| (x.lang, x.year).cmp(&key)).expect("every month's year is a year of the site")
    }

    /// The days of a month, oldest first.
    pub fn days_in(&self, month: MonthId) -> impl Iterator<Item = DayId> + '_ {
        let m = &self.months[month];
        let key = |d: &Day| (d.lang, d.date.year(), d.date.month());
        let start = self.days.partition_point(|d| key(d) < (m.lang, m.year, m.month));
        let end = self.days.partition_point(|d| key(d) <= (m.lang, m.year, m.month));
        (usize::from(start)..usize::from(end)).map(DayId::from)
    }

    /// The months of a year, oldest first.
    pub fn months_in(&self, year: YearId) -> impl Iterator<Item = MonthId> + '_ {
        let y = &self.years[year];
        let start = self.months.partition_point(|m| (m.lang, m.year) < (y.lang, y.year));
        let end = self.months.partition_point(|m| (m.lang, m.year) <= (y.lang, y.year));
        (usize::from(start)..usize::from(end)).map(MonthId::from)
    }

    /// Every listed chain of a language, newest first.
    pub fn home(&self, lang: LangId) -> &[ChainId] {
        &self.home[lang]
    }

    /// The site's languages, the default first.
    pub fn languages(&self) -> impl Iterator<Item = LangId> + use<> {
        (0..self.config.languages.len()).map(LangId::from)
    }

    /// Whether the site has more than one language (its pages then link their translations).
    pub fn is_multilingual(&self) -> bool {
        self.config.languages.len() > 1
    }

    pub fn language(&self, lang: LangId) -> &Language {
        &self.config.languages[lang]
    }

    /// A chain and its translations, sorted by language (the chain alone has none: empty).
    pub fn translations(&self, chain: ChainId) -> &[ChainId] {
        self.translation_of[chain].map_or(&[], |t| self.translations[t].as_slice())
    }

    /// Stories whose `translation` key names no other story.
    pub fn lonely_translations(&self) -> &[StoryId] {
        &self.lonely_translations
    }

    /// Redirect pages, sorted by path.
    pub fn redirects(&self) -> &TiSlice<RedirectId, Redirect> {
        &self.redirects
    }

    pub fn redirect(&self, id: RedirectId) -> &Redirect {
        &self.redirects[id]
    }

    /// The headline a related entry shows: its target's newest headline, else the editor's text.
    pub fn related_title<'a>(&'a self, r: &'a Related) -> &'a str {
        match &r.to {
            RelatedTo::Story(t) => &self.stories[self.chains[*t].newest()].headline.text,
            RelatedTo::Text(text) => text,
        }
    }

    /// A chain's related list (empty until [`Site::link_related`] runs).
    pub fn related(&self, id: ChainId) -> &[Related] {
        self.related.get(id).map_or(&[], Vec::as_slice)
    }

    /// The chain a story file (its path under `content/`) is a version of.
    pub fn chain_of(&self, source: &str) -> Option<ChainId> {
        self.by_source.get(source).copied()
    }

    /// Stories left out because they are embargoed (dated in the future).
    pub fn held_back(&self) -> usize {
        self.held_back
    }

    /// Located warnings (slug collisions), for `build` and `serve` to print and `check` to count.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The authors of `authors/` (empty when the site has none).
    pub fn authors(&self) -> &Authors {
        &self.authors
    }

    /// A story's byline, resolved.
    pub fn byline(&self, story: StoryId) -> &[Byline] {
        &self.bylines[story]
    }

    /// The byline a chain shows: its newest version's.
    pub fn byline_of(&self, chain: ChainId) -> &[Byline] {
        &self.bylines[self.chains[chain].newest()]
    }

    /// Every author page, by language, then author.
    pub fn author_lists(&self) -> &TiSlice<AuthorListId, AuthorList> {
        &self.author_lists
    }

    pub fn author_list(&self, id: AuthorListId) -> &AuthorList {
        &self.author_lists[id]
    }

    /// An author's page in a language, where they have one.
    pub fn author_page(&self, author: AuthorId, lang: LangId) -> Option<AuthorListId> {
        self.author_lists.binary_search_by(|l| (l.lang, l.author).cmp(&(lang, author))).ok()
    }

    /// How a byline name is shown in a language: a known author's name in it, else as written.
    pub fn byline_name<'s>(&'s self, b: &'s Byline, lang: LangId) -> &'s str {
        match b {
            Byline::Author(a) => self.authors.get(*a).name(lang),
            Byline::Name(n) => n,
        }
    }
}

impl Site {
    /// Builds the model. Errors are located (duplicate hand-set slugs, clashing URLs).
    pub fn assemble(config: Config, authors: Arc<Authors>, stories: Vec<Arc<Story>>) -> Result<Site, Vec<Diagnostic>> {
        let mut stories: TiVec<StoryId, Arc<Story>> = stories.into();
        let files = stories.len();
        if config.drafts == Drafts::Exclude {
            stories.retain(|s| !s.draft);
        }
        let drafts = files - stories.len();
        stories.sort_by(|a, b| a.source.cmp(&b.source));
        let next_change = stories
            .iter()
            .flat_map(|s| [Some(s.release_time()), s.expires.as_ref()])
            .flatten()
            .filter(|t| **t > config.now)
            .min()
            .cloned();
        let before = stories.len();
        if config.future == Embargoed::HoldBack {
            stories.retain(|s| *s.release_time() <= config.now);
        }
        let held_back = before - stories.len();
        let mut entry_errors = Vec::new();
        let entries = live::split_entries(&config, &mut stories, &mut entry_errors);
        let entry_files = entries.len();
        let rc = &config.related;
        let thresholds = versions::Thresholds { headline: rc.version_threshold, lede: rc.version_lede_threshold };
        let versions::Versions { groups, joins, duplicates } = versions::group(&stories, thresholds);
        let mut groups: TiVec<ChainId, Vec<StoryId>> = groups.into();
        let expired = |g: &Vec<StoryId>| {
            g.iter().rev().find_map(|&v| stories[v].expires.as_ref()).is_some_and(|e| *e <= config.now)
        };
        let status = |g: &Vec<StoryId>| stories[*g.last().expect("a group has a version")].status;
        let grouped: usize = groups.iter().map(Vec::len).sum();
        let withheld: Vec<StoryId> =
            groups.iter().filter(|g| status(g) == Status::Withheld).flatten().copied().collect();
        groups.retain(|g| status(g) != Status::Withheld);
        let not_withheld: usize = groups.iter().map(Vec::len).sum();
        if config.expired == Expired::Remove {
            groups.retain(|g| !expired(g));
        }
        let kept: usize = groups.iter().map(Vec::len).sum();
        let tally = Tally {
            files,
            drafts,
            embargoed: held_back,
            withheld: grouped - not_withheld,
            expired: not_withheld - kept,
            versions: kept - groups.len(),
            withdrawn: groups.iter().filter(|g| status(g) == Status::Canceled).count(),
            skipped: 0,
            entries: 0,
            orphaned_entries: 0,
        };
        let visibility: TiVec<ChainId, Visibility> = groups
            .iter()
            .map(|g| match status(g) {
                Status::Canceled => Visibility::Withdrawn,
                _ if expired(g) => Visibility::Expired,
                _ => Visibility::Listed,
            })
            .collect();
        let mut warnings = duplicate_warnings(&config, &stories, &duplicates);
        let urls = match urls::assign(&config, &stories, &groups, &mut warnings) {
            Ok(u) if entry_errors.is_empty() => u,
            Ok(_) => return Err(entry_errors),
            Err(mut e) => {
                e.extend(entry_errors);
                return Err(e);
            }
        };
        let mut chains: TiVec<ChainId, Chain> = groups
            .into_iter()
            .zip(urls.paths)
            .zip(visibility)
            .map(|((versions, path), visibility)| {
                let first = &stories[versions[0]];
                let newest = &stories[*versions.last().unwrap()];
                let corrected = newest.corrections.iter().map(|c| c.date.clone()).max();
                let modified = newest
                    .updated
                    .clone()
                    .unwrap_or_else(|| newest.date.clone())
                    .max(first.date.clone())
                    .max(corrected.unwrap_or_else(|| first.date.clone()));
                Chain {
                    first_published: first.date.clone(),
                    modified,
                    lang: first.lang,
                    versions,
                    path,
                    section: None,
                    tags: vec![],
                    visibility,
                }
            })
            .collect();
        let (live, orphaned_entries) = live::attach(&config, &stories, &mut chains, entries, &mut warnings);
        let tally = Tally { entries: entry_files - orphaned_entries, orphaned_entries, ..tally };
        let mut sections = index_sections(&config, &stories, &mut chains);
        let mut tags = index_tags(&stories, &mut chains);
        let mut home: TiVec<LangId, Vec<ChainId>> = vec![Vec::new(); config.languages.len()].into();
        let listed: Vec<ChainId> =
            newest_first(&chains).into_iter().filter(|&c| chains[c].visibility == Visibility::Listed).collect();
        // The day in the language's own zone: a story's day is the one its readers see.
        let dates: Vec<Date> = listed
            .par_iter()
            .map(|&c| {
                chains[c].first_published.with_time_zone(config.languages[chains[c].lang].timezone.clone()).date()
            })
            .collect();
        let mut days: BTreeMap<(LangId, Date), Vec<ChainId>> = BTreeMap::new();
        let mut months: BTreeMap<(LangId, i16, i8), Vec<ChainId>> = BTreeMap::new();
        let mut years: BTreeMap<(LangId, i16), Vec<ChainId>> = BTreeMap::new();
        for (c, date) in listed.into_iter().zip(dates) {
            let chain = &chains[c];
            let lang = chain.lang;
            home[lang].push(c);
            days.entry((lang, date)).or_default().push(c);
            months.entry((lang, date.year(), date.month())).or_default().push(c);
            years.entry((lang, date.year())).or_default().push(c);
            if let Some(s) = chain.section {
                sections[s].chains.push(c);
            }
            for &t in &chain.tags {
                tags[t].chains.push(c);
            }
        }
        let days = days.into_iter().map(|((lang, date), chains)| Day { lang, date, chains }).collect();
        let months =
            months.into_iter().map(|((lang, year, month), chains)| Month { lang, year, month, chains }).collect();
        let years = years.into_iter().map(|((lang, year), chains)| Year { lang, year, chains }).collect();
        let (translations, translation_of, lonely_translations) =
            link_translations(&config, &stories, &chains, &mut warnings);
        let by_source: HashMap<String, ChainId> = chains
            .iter_enumerated()
            .flat_map(|(c, chain)| chain.versions.iter().map(move |&v| (v, c)))
            .map(|(v, c)| (stories[v].source.clone(), c))
            .collect();
        let bylines: TiVec<StoryId, Vec<Byline>> = stories.iter().map(|s| resolve_byline(&authors, s)).collect();
        let author_lists = index_authors(&chains, &home, &bylines);
        let site = Site {
            authors,
            bylines,
            author_lists,
            by_source,
            config,
            stories,
            chains,
            sections,
            tags,
            days,
            months,
            years,
            home,
            translations,
            translation_of,
            lonely_translations,
            redirects: urls.redirects,
            related: TiVec::new(),
            held_back,
            tally,
            joins,
            withheld,
            next_change,
            warnings,
            live,
        };
        site.check_links()?;
        Ok(site)
    }

    /// Every `@/path.md` link must name a published story; the error points at the link.
    fn check_links(&self) -> Result<(), Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let entries = self.live.values().flatten().map(|e| &e.story);
        for s in self.stories.iter().chain(entries) {
            for link in &s.links {
                let (path, _) = link.split();
                if !self.by_source.contains_key(path) {
                    let file = urls::content_path(&self.config, &s.source);
                    let msg = format!("broken link `@/{}`: no published story at content/{path}", link.target);
                    errors.push(Diagnostic::new(&file, link.line, link.col, msg));
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// A story's body HTML as parsed, read from where the build keeps it ([`crate::bodies`]); an
    /// error names the story.
    pub fn body<'s>(&self, story: &'s Story) -> Result<std::borrow::Cow<'s, str>, Diagnostic> {
        story.body.read().map_err(|e| {
            let file = urls::content_path(&self.config, &story.source);
            Diagnostic::new(&file, story.headline_line, 1, format!("its body cannot be read back: {e}"))
        })
    }

    /// A story's body HTML (read from where the build keeps it, [`crate::bodies`]) with its
    /// `@/path.md` links turned into the stories' URLs; an error names the story.
    pub fn body_html<'s>(&self, story: &'s Story) -> Result<std::borrow::Cow<'s, str>, Diagnostic> {
        let html = self.body(story)?;
        if story.links.is_empty() {
            return Ok(html);
        }
        let mut html = html.into_owned();
        for link in &story.links {
            let (path, fragment) = link.split();
            if let Some(&c) = self.by_source.get(path) {
                let url = format!("{}{}{fragment}", self.config.root, crate::text::url_path(&self.chains[c].path));
                let mut written = String::new();
                pulldown_cmark_escape::escape_href(&mut written, &format!("@/{}", link.target))
                    .expect("writing to a String");
                html = html.replace(&format!("href=\"{written}\""), &format!("href=\"{url}\""));
            }
        }
        Ok(std::borrow::Cow::Owned(html))
    }

    /// The URL paths a story's `@/` links resolve to (what its rendered body depends on).
    pub fn link_paths<'s>(&'s self, story: &'s Story) -> impl Iterator<Item = Option<&'s str>> + 's {
        story.links.iter().map(|l| self.by_source.get(l.split().0).map(|&c| self.chains[c].path.as_str()))
    }

    /// Resolves and computes every chain's related list (a stage of its own: see `pipeline`).
    pub fn link_related(&mut self) {
        self.link_related_keeping(None);
    }

    /// [`Site::link_related`], taking the lists from `kept` (the last build's) when they were
    /// computed from what this site's are ([`related::inputs_key`]). Returns the lists as the
    /// build state keeps them, when they were computed now.
    pub fn link_related_keeping(&mut self, kept: Option<related::KeptLists>) -> Option<related::KeptLists> {
        let key = related::inputs_key(&self.config, &self.stories, &self.chains);
        let reused = kept.filter(|k| k.key == key).and_then(|k| k.lists(&self.chains));
        let (mut related, made) = match reused {
            Some(lists) => (lists, None),
            None => {
                let lists = related::compute(&self.config, &self.stories, &self.chains);
                let made = related::KeptLists::new(key, &lists);
                (lists, Some(made))
            }
        };
        // A withdrawn story is linked from nowhere: an editor's entry naming it stays as text.
        let withdrawn = |r: &Related| r.target().is_some_and(|t| self.chains[t].visibility == Visibility::Withdrawn);
        for list in related.iter_mut() {
            list.retain(|r| r.source == RelatedSource::Editor || !withdrawn(r));
            for r in list.iter_mut().filter(|r| withdrawn(r)) {
                r.to = RelatedTo::Text(self.related_title(r).into());
            }
        }
        self.related = related;
        made
    }

    /// Puts in new parses of changed story files and moves the build time to `now`, when that
    /// leaves the model as it is: every changed story reads the same to the model
    /// ([`model_fingerprint`]) and no embargo lifts and no story expires by `now`. `changed` holds
    /// the new parse of each changed file (`None`: gone or unparsable). `None`, with nothing
    /// changed, when the model must be assembled again; else the chains whose stories changed.
    pub fn refresh(&mut self, changed: &[Option<Arc<Story>>], now: Zoned) -> Option<Refreshed> {
        if self.next_change.as_ref().is_some_and(|t| *t <= now) {
            return None;
        }
        let mut swaps = Vec::with_capacity(changed.len());
        let mut photos = Photos::Same;
        for new in changed {
            let new = new.as_ref()?;
            let i = self.stories.binary_search_by(|s| s.source.cmp(&new.source)).ok()?;
            let old = &self.stories[i];
            if model_fingerprint(old) != model_fingerprint(new) {
                return None;
            }
            if (&old.image, &old.photos) != (&new.image, &new.photos) {
                photos = Photos::Changed;
            }
            swaps.push((i, Arc::clone(new)));
        }
        let mut chains = Vec::with_capacity(swaps.len());
        for (i, new) in swaps {
            chains.extend(self.by_source.get(&new.source).copied());
            self.stories[i] = new;
        }
        chains.sort_unstable();
        chains.dedup();
        self.config.now = now;
        Some(Refreshed { chains, photos })
    }

    /// A live story's entries, newest first (empty for other stories).
    pub fn live_entries(&self, chain: ChainId) -> &[live::Entry] {
        self.live.get(&chain).map_or(&[], Vec::as_slice)
    }

    /// Where a chain's live coverage stands at the build's time (`None`: not a live story).
    pub fn live_state(&self, chain: ChainId) -> Option<live::LiveState> {
        live::state(&self.shown(chain).coverage, &self.config.now)
    }

    /// The first time after the build's at which a live badge goes or a breaking banner changes
    /// ([`live::next_change`]).
    pub fn live_next_change(&self) -> Option<Zoned> {
        live::next_change(&self.config, &self.stories, &self.chains)
    }

    /// The breaking stories of a language's banner at the build's time, newest first.
    pub fn breaking(&self, lang: LangId) -> Vec<live::Breaking> {
        live::breaking(&self.config, &self.stories, &self.chains, &self.home[lang], lang)
    }

    /// The story shown for a chain: its newest version.
    pub fn shown(&self, chain: ChainId) -> &Story {
        &self.stories[self.chains[chain].newest()]
    }
}

/// A story's byline: each name as a known author (by id or name) or as written, then the known
/// authors its wire e-mail lines name whom the byline does not (a wire story's reporters give
/// their addresses at its end). A name the authors do not know stays as it is written: `check`
/// warns of it, nothing is guessed.
fn resolve_byline(authors: &Authors, story: &Story) -> Vec<Byline> {
    let mut out: Vec<Byline> = Vec::with_capacity(story.authors.len());
    let named = story.authors.iter().map(|n| authors.find(n).map_or_else(|| Byline::Name(n.clone()), Byline::Author));
    let mailed = story.emails.iter().filter_map(|e| authors.by_email(e)).map(Byline::Author);
    for b in named.chain(mailed) {
        if !out.contains(&b) {
            out.push(b);
        }
    }
    out
}

/// The author pages: one per author and language in which a story page (not withdrawn) names
/// the author in the byline it shows; each lists the listed ones, newest first.
fn index_authors(
    chains: &TiSlice<ChainId, Chain>,
    home: &TiSlice<LangId, Vec<ChainId>>,
    bylines: &TiSlice<StoryId, Vec<Byline>>,
) -> TiVec<AuthorListId, AuthorList> {
    let known = |c: ChainId| {
        bylines[chains[c].newest()].iter().filter_map(|b| if let Byline::Author(a) = b { Some(*a) } else { None })
    };
    let mut lists: BTreeMap<(LangId, AuthorId), Vec<ChainId>> = BTreeMap::new();
    for (c, chain) in chains.iter_enumerated().filter(|(_, ch)| ch.visibility != Visibility::Withdrawn) {
        for a in known(c) {
            lists.entry((chain.lang, a)).or_default();
        }
    }
    // Each language's home list holds its listed chains, newest first.
    for &c in home.iter().flatten() {
        for a in known(c) {
            lists.get_mut(&(chains[c].lang, a)).expect("made above").push(c);
        }
    }
    lists.into_iter().map(|((lang, author), chains)| AuthorList { author, lang, chains }).collect()
}

/// A warning for each pair of files with the same headline, day and text: both stay stories (two
/// pages), and the editor should remove one.
fn duplicate_warnings(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    duplicates: &[(StoryId, StoryId)],
) -> Vec<Diagnostic> {
    duplicates
        .iter()
        .map(|&(first, second)| {
            let (a, b) = (&stories[first], &stories[second]);
            let msg = format!(
                "same headline, day and text as content/{}: {:?} is published twice",
                a.source, b.headline.text
            );
            Diagnostic::new(&urls::content_path(config, &b.source), b.headline_line, 1, msg)
                .with_hint("both files are built as stories of their own; remove one of them")
        })
        .collect()
}

/// What [`Site::refresh`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// The chains whose stories were put in, in order.
    pub chains: Vec<ChainId>,
    /// Whether any of them names other photos than before.
    pub photos: Photos,
}

/// Whether a refresh changed the photos any story names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Photos {
    Same,
    Changed,
}

/// Everything of a story that the site model reads (grouping, URLs, lists, related lists), hashed.
/// Two stories with the same fingerprint give the same model, so an edit that leaves it unchanged
/// (body text past the lede, ATTN notes, dateline, image) only touches the pages
/// that show the story. Keep in step with what `assemble` and `related` read.
fn model_fingerprint(s: &Story) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    let time = |z: &Zoned| z.timestamp().as_nanosecond();
    (&s.source, &s.headline.text, s.headline.version, &s.headline.labels).hash(&mut h);
    (time(&s.date), s.updated.as_ref().map(time), s.publish_at.as_ref().map(time), s.expires.as_ref().map(time))
        .hash(&mut h);
    (&s.section, &s.tags, &s.summary, &s.lede, &s.related, &s.slug, s.draft, &s.grouping, s.status).hash(&mut h);
    s.corrections.iter().map(|c| time(&c.date)).for_each(|t| t.hash(&mut h));
    (s.format == crate::parse::Format::Wire).hash(&mut h);
    (s.lang, &s.translation).hash(&mut h);
    s.links.iter().for_each(|l| l.target.hash(&mut h)); // a new link must be checked
    (&s.authors, &s.emails).hash(&mut h); // bylines decide the author pages
    (&s.coverage, s.breaking).hash(&mut h); // which entries folders have a live story
    h.finish()
}

/// Chain ids, most recently modified first; ties broken by URL so the order is total.
pub fn newest_first(chains: &TiSlice<ChainId, Chain>) -> Vec<ChainId> {
    // Sorted by a key made once per chain, in parallel: comparing two `Zoned` is slow.
    let mut order: Vec<(std::cmp::Reverse<jiff::Timestamp>, &str, ChainId)> = chains
        .raw
        .par_iter()
        .enumerate()
        .map(|(i, c)| (std::cmp::Reverse(c.modified.timestamp()), c.path.as_str(), ChainId::from(i)))
        .collect();
    order.par_sort_unstable();
    order.into_iter().map(|(_, _, c)| c).collect()
}

/// Finds each chain's section (the first version's) and returns the sections, config order first.
fn index_sections(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    chains: &mut TiSlice<ChainId, Chain>,
) -> TiVec<SectionId, Section> {
    // Each chain's section slug, made once, in parallel.
    let slugs: TiVec<ChainId, Option<String>> =
        chains.raw.par_iter().map(|c| stories[c.first()].section.as_deref().map(slugify)).collect::<Vec<_>>().into();
    let mut by_slug: BTreeMap<(LangId, String), String> = BTreeMap::new();
    for (chain, slug) in chains.iter().zip(&slugs) {
        if let (Some(name), Some(slug)) = (&stories[chain.first()].section, slug) {
            by_slug.entry((chain.lang, slug.clone())).or_insert_with(|| name.clone());
        }
    }
    // Per language: configured sections in config order, then the others by slug.
    let mut keys: TiVec<SectionId, (LangId, String)> = TiVec::new();
    for lang in (0..config.languages.len()).map(LangId::from) {
        let has = |slug: &String| by_slug.contains_key(&(lang, slug.clone()));
        keys.extend(config.sections.keys().filter(|s| has(s)).map(|s| (lang, s.clone())));
        let others = by_slug.keys().filter(|(l, s)| *l == lang && !config.sections.contains_key(s));
        keys.extend(others.cloned());
    }
    let position: HashMap<(LangId, String), SectionId> = keys.iter_enumerated().map(|(i, k)| (k.clone(), i)).collect();
    let sections = keys
        .iter()
        .map(|(lang, slug)| Section {
            lang: *lang,
            slug: slug.clone(),
            title: config.languages[*lang]
                .sections
                .get(slug)
                .or_else(|| config.sections.get(slug))
                .cloned()
                .unwrap_or_else(|| title_case(&by_slug[&(*lang, slug.clone())])),
            chains: vec![],
        })
        .collect();
    for (chain, slug) in chains.iter_mut().zip(slugs) {
        chain.section = slug.and_then(|slug| position.get(&(chain.lang, slug)).copied());
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
            cs.next().map(|c| c.to_uppercase().chain(cs).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tags of all versions of a chain (newest version's first), keyed by slug; the spelling shown is
/// the one of the first story (by path) that uses the tag.
fn index_tags(stories: &TiSlice<StoryId, Arc<Story>>, chains: &mut TiSlice<ChainId, Chain>) -> TiVec<TagId, Tag> {
    // Each story's tag slugs, made once, in parallel.
    let slugs: TiVec<StoryId, Vec<String>> =
        stories.raw.par_iter().map(|s| s.tags.iter().map(|t| slugify(t)).collect()).collect::<Vec<_>>().into();
    let mut names: BTreeMap<(LangId, String), String> = BTreeMap::new();
    for (s, slugs) in stories.iter().zip(&slugs) {
        for (t, slug) in s.tags.iter().zip(slugs) {
            if !slug.is_empty() {
                names.entry((s.lang, slug.clone())).or_insert_with(|| t.clone());
            }
        }
    }
    let keys: TiVec<TagId, &(LangId, String)> = names.keys().collect();
    chains.raw.par_iter_mut().for_each(|chain| {
        let mut tags = Vec::new();
        for &v in chain.versions.iter().rev() {
            for slug in &slugs[v] {
                if let Ok(i) = keys.binary_search_by(|(l, s)| (*l, s.as_str()).cmp(&(chain.lang, slug.as_str())))
                    && !tags.contains(&i)
                {
                    tags.push(i);
                }
            }
        }
        chain.tags = tags;
    });
    names
        .iter()
        .map(|((lang, slug), name)| Tag { lang: *lang, name: name.clone(), slug: slug.clone(), chains: vec![] })
        .collect()
}

/// Translation sets: chains whose key (the first version's `translation`, else its path without
/// the language suffix) is shared by chains of other languages. Withdrawn stories are in none. A
/// second story of one language with the key keeps its page and stays out of the set, with a
/// warning; an explicit key no other story shares is listed for `check`.
#[allow(clippy::type_complexity)]
fn link_translations(
    config: &Config,
    stories: &TiSlice<StoryId, Arc<Story>>,
    chains: &TiSlice<ChainId, Chain>,
    warnings: &mut Vec<Diagnostic>,
) -> (TiVec<TranslationId, Vec<ChainId>>, TiVec<ChainId, Option<TranslationId>>, Vec<StoryId>) {
    let key_of = |chain: &Chain| {
        let explicit =
            chain.versions.iter().map(|&v| &stories[v].translation).find(|k| matches!(k, TranslationKey::Key(_)));
        explicit.unwrap_or(&stories[chain.first()].translation)
    };
    let mut by_key: BTreeMap<&TranslationKey, Vec<ChainId>> = BTreeMap::new();
    for (c, chain) in chains.iter_enumerated() {
        if chain.visibility != Visibility::Withdrawn {
            by_key.entry(key_of(chain)).or_default().push(c);
        }
    }
    let mut sets: TiVec<TranslationId, Vec<ChainId>> = TiVec::new();
    let mut of: TiVec<ChainId, Option<TranslationId>> = vec![None; chains.len()].into();
    let mut lonely = Vec::new();
    for (key, mut members) in by_key {
        members.sort_by(|&a, &b| (chains[a].lang, a).cmp(&(chains[b].lang, b)));
        let mut set: Vec<ChainId> = Vec::with_capacity(members.len());
        for c in members {
            match set.last() {
                Some(&prev) if chains[prev].lang == chains[c].lang => {
                    let (first, second) = (&stories[chains[prev].first()], &stories[chains[c].first()]);
                    let msg = format!(
                        "content/{} and content/{} are both {} translations of one story: only the first is linked to the others",
                        first.source, second.source, config.languages[chains[c].lang].code
                    );
                    warnings.push(
                        Diagnostic::new(&urls::content_path(config, &second.source), 1, 1, msg)
                            .with_hint("give one of them another `translation` key or another language"),
                    );
                }
                _ => set.push(c),
            }
        }
        if set.len() > 1 {
            let id = sets.push_and_get_key(set.clone());
            for c in set {
                of[c] = Some(id);
            }
        } else if matches!(key, TranslationKey::Key(_)) {
            lonely.push(chains[set[0]].first());
        }
    }
    (sets, of, lonely)
}

/// A site from `(path under content/, text)` pairs, parsed, assembled and linked (for unit tests).
#[cfg(test)]
pub(crate) fn test_site(files: &[(&str, &str)], raw: crate::config::RawConfig) -> Site {
    use crate::config::{Overrides, resolve};
    use crate::parse::{ParseOptions, parse_story};
    let config = resolve(raw, std::path::Path::new("."), &Overrides::default()).unwrap();
    let opts = ParseOptions::from_config(&config);
    let stories =
        files.iter().map(|(p, t)| parse_story(std::path::Path::new(p), t, &opts).map(Arc::new).unwrap()).collect();
    let mut site = Site::assemble(config, Arc::default(), stories).unwrap();
    site.link_related();
    site
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RawConfig;

    fn site_from(files: &[(String, String)]) -> Site {
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        test_site(&files, RawConfig::default())
    }

    /// A few hundred stories with overlapping tags, words and related lists.
    fn corpus() -> Vec<(String, String)> {
        let words = [
            "port", "budget", "ferry", "tariff", "election", "strike", "storm", "rates", "film", "cup", "quota", "tram",
        ];
        (0..300)
            .map(|i| {
                let (a, b, c) = (words[i % 12], words[(i * 7 + 3) % 12], words[(i * 5 + 1) % 12]);
                let related = format!("\"{} and {} talks {}\", \"Unknown headline {}\"", words[(i + 1) % 12], words[(i * 7 + 4) % 12], i + 1, i);
                let text = format!(
                    "+++\ntitle = \"{a} and {b} talks {i}\"\ndate = 2024-05-{:02}T09:00:00Z\ntags = [\"{a}\", \"t{}\"]\nrelated = [{related}]\n+++\nThe {b} {c} story number {i}.\n",
                    1 + i % 28,
                    (i * 13) % 40
                );
                (format!("news/s{i:03}.md"), text)
            })
            .collect()
    }

    #[test]
    fn a_body_out_of_memory_reads_back_with_its_links_and_a_changed_one_is_an_error_naming_its_story() {
        use crate::bodies::{Body, Spool};
        use crate::config::{Overrides, resolve};
        use crate::parse::{ParseOptions, parse_story};
        let config = resolve(RawConfig::default(), std::path::Path::new("."), &Overrides::default()).unwrap();
        let opts = ParseOptions::from_config(&config);
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::in_folder(dir.path()).unwrap();
        let files = [
            (
                "news/a.md",
                "+++\ntitle = \"Port reopens\"\ndate = 2024-05-01T09:00:00Z\n+++\nSee [the strike](@/news/b.md).\n",
            ),
            ("news/b.md", "+++\ntitle = \"Dock strike ends\"\ndate = 2024-05-02T09:00:00Z\n+++\nWorkers return.\n"),
        ];
        let stories: Vec<Arc<Story>> = files
            .iter()
            .map(|(p, t)| {
                let mut s = parse_story(std::path::Path::new(p), t, &opts).unwrap();
                s.body = spool.take(std::mem::take(&mut s.body)).unwrap();
                Arc::new(s)
            })
            .collect();
        let mut altered = (*stories[1]).clone();
        let Body::Stored(span) = &mut altered.body else { panic!("spooled") };
        span.hash ^= 1;
        let site = Site::assemble(config, Arc::default(), stories).unwrap();
        let a = site.stories.iter().find(|s| s.source == "news/a.md").unwrap();
        let html = site.body_html(a).unwrap();
        assert!(html.contains("href=\"/news/2024/05/02/dock-strike-ends/\""), "{html}");
        let e = site.body_html(&altered).unwrap_err();
        assert!(e.path.ends_with("content/news/b.md"), "{e}");
        assert!(e.message.contains("altered"), "{e}");
    }

    #[test]
    fn related_lists_do_not_depend_on_thread_count_or_input_order() {
        let files = corpus();
        let run = |threads: usize, files: Vec<(String, String)>| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let site = site_from(&files);
                site.related
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|e| {
                                (
                                    site.related_title(e).to_string(),
                                    e.target().map(|t| site.chains[t].path.clone()),
                                    e.source,
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
        };
        let one = run(1, files.clone());
        let mut reversed = files.clone();
        reversed.reverse();
        assert_eq!(one, run(4, reversed));
        assert!(one.iter().all(|r| r.len() >= 5), "every list filled to related.max");
        assert!(one.iter().flatten().any(|e| e.2 == RelatedSource::Computed), "some computed entries");
    }

    #[test]
    fn related_never_links_a_story_to_itself_or_twice() {
        let site = site_from(&corpus());
        for (c, list) in site.related.iter_enumerated() {
            let targets: Vec<ChainId> = list.iter().filter_map(Related::target).collect();
            assert!(!targets.contains(&c), "story {c:?} links to itself");
            let mut dedup = targets.clone();
            dedup.sort();
            dedup.dedup();
            assert_eq!(dedup.len(), targets.len(), "story {c:?} links twice: {list:?}");
        }
    }
}
