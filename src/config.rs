//! `gazette.toml` → [`Config`].
//!
//! The file is read into [`RawConfig`] (serde, `deny_unknown_fields`, every key optional; values
//! that can be wrong carry their place in the file as a [`Spanned`]), then resolved into a checked
//! [`Config`] by destructuring every field, so a new key does not compile until it is handled.
//! Resolving goes on past a bad value, so one run reports every one of them, each as a located
//! `gazette.toml:LINE:COL` [`Diagnostic`]. No file means the defaults: a folder holding only
//! `content/` builds.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use toml::Spanned;
use typed_index_collections::TiVec;

use crate::diag::{Diagnostic, Diagnostics, line_col};

/// The config file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    pub title: Option<String>,
    pub description: Option<String>,
    pub base_url: Option<Spanned<String>>,
    /// The default language's code (`en`): its pages sit at the site root.
    pub language: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
    pub permalink: Option<Spanned<String>>,
    pub per_page: Option<Spanned<usize>>,
    pub sections: BTreeMap<Spanned<String>, String>,
    pub related: RawRelated,
    /// Publisher logo URL for JSON-LD (absolute, or a path under the site).
    pub logo: Option<String>,
    /// Stories per feed (default 20).
    pub feed_limit: Option<usize>,
    /// URLs per sitemap file; past it `sitemap.xml` becomes an index (default 50,000).
    pub sitemap_limit: Option<usize>,
    /// `"keep"` (default): an expired story keeps its page but leaves lists and feeds;
    /// `"remove"`: its page goes too.
    pub expired: Option<Spanned<String>>,
    pub news: RawNews,
    pub markdown: RawMarkdown,
    pub search: RawSearch,
    /// `[languages.XX]`: the site's languages besides (or including) the default one.
    pub languages: BTreeMap<Spanned<String>, RawLanguage>,
    /// The encoding story files are written in (default `"utf-8"`): a label such as `"euc-kr"`.
    pub encoding: Option<Spanned<String>>,
    /// `[encodings]`: a folder under `content/` → the encoding of the story files under it, e.g.
    /// `"content/archive/1998" = "euc-kr"`.
    pub encodings: BTreeMap<Spanned<String>, Spanned<String>>,
    pub images: RawImages,
    /// How long (in minutes) after its time a breaking story stays in the banner (default 60).
    pub breaking_minutes: Option<Spanned<i64>>,
}

/// `[languages.XX]`: one language of a multilingual site, a site of its own under its prefix.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawLanguage {
    /// The site title in this language (default: the site's).
    pub title: Option<String>,
    pub description: Option<String>,
    /// The URL folder of its pages (default `/XX/`; the default language's is the site root).
    pub prefix: Option<Spanned<String>>,
    /// Dates without an offset, and every date shown, are in this zone (default: the site's).
    pub timezone: Option<Spanned<String>>,
    pub news: RawLanguageNews,
    /// Section slug → title in this language (default: the `[sections]` title).
    pub sections: BTreeMap<String, String>,
}

/// `[languages.XX.news]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawLanguageNews {
    /// The publication name in this language's Google News sitemap (default: its title).
    pub name: Option<String>,
}

/// A language of [`Config::languages`]; [`LangId::DEFAULT`] is the site's default language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct LangId(usize);

impl LangId {
    pub const DEFAULT: LangId = LangId(0);
}

impl From<usize> for LangId {
    fn from(i: usize) -> Self {
        LangId(i)
    }
}

impl From<LangId> for usize {
    fn from(id: LangId) -> usize {
        id.0
    }
}

/// Which way a language's text runs (`<html dir>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ltr,
    Rtl,
}

/// One resolved language: a site of its own under [`Language::prefix`].
#[derive(Debug, Clone)]
pub struct Language {
    /// A BCP 47 tag as CLDR writes it: `en`, `ko`, `zh-Hant`, `pt-BR`.
    pub code: String,
    /// The folder its pages sit in, root-relative without a trailing slash: `""` (the default
    /// language, at the site root) or `/ko`.
    pub prefix: String,
    pub title: String,
    pub description: String,
    pub timezone: TimeZone,
    pub timezone_name: String,
    /// The publication name in its news sitemap.
    pub news_name: String,
    /// Its news sitemap's `news:language` as configured: `[news] language` for the default
    /// language, the language's code for the others.
    pub news_language: String,
    /// Section slug → its title in this language, where one is configured.
    pub sections: BTreeMap<String, String>,
    pub dir: Direction,
}

/// `[images]`: the renditions made of every local photo a story shows (`photos`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawImages {
    /// Rendition widths in pixels (default 480, 800, 1200, 1600); a photo is never upscaled.
    pub widths: Option<Spanned<Vec<u32>>>,
    /// Encodings, in the order pages offer them: `"webp"`, `"jpeg"` (default both).
    pub formats: Option<Spanned<Vec<String>>>,
    /// Lossy quality, 1-100 (default 80).
    pub quality: Option<Spanned<u8>>,
    /// The rendition cache, relative to the site folder (default `.gazette-cache`); kept outside
    /// the output, shared by `build` and `serve`; deleting it only costs time.
    pub cache: Option<Spanned<String>>,
    /// The `sizes` attribute of article photos (default `(min-width: 52rem) 48rem, 100vw`).
    pub sizes: Option<String>,
}

/// `[search]`: the static search index and page at `/search/`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawSearch {
    /// `true` (default) builds the index and the page; `false` builds neither (a large archive
    /// that searches elsewhere saves the index stage's time).
    pub enabled: Option<bool>,
}

/// Whether a build makes the search index and page.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Search {
    #[default]
    On,
    Off,
}

/// `[markdown]`: how Markdown bodies are rendered.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawMarkdown {
    /// Raw HTML in Markdown: `"allow"` (default, trusted editors), `"sanitize"` (ammonia keeps
    /// safe tags and drops scripts, styles, event handlers and `javascript:` URLs) or `"escape"`
    /// (shown as text).
    pub raw_html: Option<Spanned<String>>,
}

/// What happens to raw HTML written in a Markdown story.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawHtml {
    /// Passed through as written (trusted editors).
    #[default]
    Allow,
    /// Cleaned by ammonia: safe tags stay, anything that can run script goes.
    Sanitize,
    /// Shown as text.
    Escape,
}

/// `[news]`: the Google News sitemap.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawNews {
    /// Publication name (default: the site title).
    pub name: Option<String>,
    /// Publication language (default: the site language).
    pub language: Option<String>,
    /// Stories first published this many hours before the build time are listed (default 48).
    pub window_hours: Option<u32>,
    /// At most this many stories (default 1,000, Google's limit).
    pub max: Option<usize>,
}

/// `[related]`: how related headlines are matched and filled.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawRelated {
    /// Similarity (0..1) a reworded headline needs to link to a story.
    pub threshold: Option<Spanned<f64>>,
    /// Similarity two same-day wire headlines need to be versions of one story.
    pub version_threshold: Option<Spanned<f64>>,
    /// Similarity their ledes need as well.
    pub version_lede_threshold: Option<Spanned<f64>>,
    /// Stories that list this one, then computed stories, fill the list up to this length.
    pub max: Option<usize>,
    /// `"text"` (default) shows unresolved headlines as plain text, `"hide"` drops them.
    pub unresolved: Option<Spanned<String>>,
}

/// What the command line can override.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub drafts: Drafts,
    pub future: Embargoed,
    /// The build time; `None` means the clock.
    pub now: Option<jiff::Timestamp>,
}

/// The resolved, checked configuration of one build.
#[derive(Debug, Clone)]
pub struct Config {
    pub site_dir: PathBuf,
    pub title: String,
    pub description: String,
    /// Absolute site URL without a trailing slash, e.g. `https://news.example` or `https://x.org/news`.
    pub base_url: String,
    /// The path part of `base_url` (`""` or `/news`), prefixed to every internal link.
    pub root: String,
    /// The default language's code (the same as `languages[LangId::DEFAULT].code`).
    pub language: String,
    pub timezone: TimeZone,
    pub timezone_name: String,
    /// Every language, the default one first: a single-language site has just it.
    pub languages: TiVec<LangId, Language>,
    pub permalink: Permalink,
    pub per_page: usize,
    /// Section slug → display title, in the order the navigation shows them.
    pub sections: BTreeMap<String, String>,
    pub related: RelatedConfig,
    pub drafts: Drafts,
    pub future: Embargoed,
    /// The build time: embargoes, expiry and the news sitemap window are measured from it.
    pub now: jiff::Zoned,
    pub logo: Option<String>,
    pub feed_limit: usize,
    pub sitemap_limit: usize,
    pub expired: Expired,
    pub news: NewsConfig,
    pub raw_html: RawHtml,
    pub search: Search,
    /// How `load` decodes each story file.
    pub encodings: crate::load::Encodings,
    pub images: ImagesConfig,
    /// How long a breaking story stays in its language's banner after its time.
    pub breaking: jiff::SignedDuration,
}

/// `[images]`, checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImagesConfig {
    /// Ascending, without duplicates.
    pub widths: Vec<u32>,
    pub formats: Vec<PhotoFormat>,
    pub quality: u8,
    /// Absolute, or relative to the working folder (the site folder joined with `cache`).
    pub cache_dir: PathBuf,
    pub sizes: String,
}

/// An encoding of a rendition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PhotoFormat {
    Webp,
    Jpeg,
}

impl PhotoFormat {
    pub fn ext(self) -> &'static str {
        match self {
            PhotoFormat::Webp => "webp",
            PhotoFormat::Jpeg => "jpg",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            PhotoFormat::Webp => "image/webp",
            PhotoFormat::Jpeg => "image/jpeg",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewsConfig {
    pub name: String,
    pub language: String,
    pub window_hours: u32,
    pub max: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelatedConfig {
    pub threshold: f64,
    pub version_threshold: f64,
    pub version_lede_threshold: f64,
    pub max: usize,
    pub unresolved: Unresolved,
}

/// Whether stories marked `draft = true` are published (`--drafts`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Drafts {
    #[default]
    Exclude,
    Include,
}

/// Whether embargoed stories (dated or `publish_at` in the future) are published (`--future`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Embargoed {
    /// Left out and counted in `Site::held_back`.
    #[default]
    HoldBack,
    Include,
}

/// What happens to a story past its `expires` time (`expired` in `gazette.toml`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expired {
    /// It keeps its page but leaves lists and feeds.
    #[default]
    Keep,
    /// Its page goes too.
    Remove,
}

/// How a related headline that names no story is shown (`[related] unresolved`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unresolved {
    /// As plain text.
    #[default]
    Text,
    /// Not at all.
    Hide,
}

/// A permalink pattern such as `/{section}/{year}/{month}/{day}/{slug}/`.
#[derive(Debug, Clone, PartialEq)]
pub struct Permalink(pub Vec<PermalinkPart>);

#[derive(Debug, Clone, PartialEq)]
pub enum PermalinkPart {
    Literal(String),
    Section,
    Year,
    Month,
    Day,
    Slug,
}

pub const DEFAULT_PERMALINK: &str = "/{section}/{year}/{month}/{day}/{slug}/";

impl Permalink {
    /// Parses a pattern: `/`-separated segments, each a literal or one of the placeholders.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        for seg in pattern.split('/').filter(|s| !s.is_empty()) {
            let part = match seg {
                "{section}" => PermalinkPart::Section,
                "{year}" => PermalinkPart::Year,
                "{month}" => PermalinkPart::Month,
                "{day}" => PermalinkPart::Day,
                "{slug}" => PermalinkPart::Slug,
                s if s.contains(['{', '}']) => {
                    return Err(format!(
                        "unknown placeholder `{s}` (use {{section}}, {{year}}, {{month}}, {{day}}, {{slug}})"
                    ));
                }
                s => {
                    crate::text::check_segment(s).map_err(|e| format!("segment `{s}` {e}"))?;
                    PermalinkPart::Literal(s.to_string())
                }
            };
            parts.push(part);
        }
        if !parts.contains(&PermalinkPart::Slug) {
            return Err("a permalink must contain {slug}".into());
        }
        Ok(Self(parts))
    }
}

/// Reads `SITE_DIR/gazette.toml` if it exists and resolves it. A bad file is an error that
/// downcasts to [`Diagnostics`]: the TOML error, or every bad value, each located.
pub fn load(site_dir: &Path, overrides: &Overrides) -> Result<Config> {
    let path = site_dir.join("gazette.toml");
    let (raw, text) = if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let raw = parse_raw(&text).map_err(|d| Diagnostics(vec![Diagnostic { path: path.clone(), ..d }]))?;
        (raw, text)
    } else {
        (RawConfig::default(), String::new())
    };
    resolve(raw, site_dir, overrides).map_err(|bad| {
        // Only a command-line value has no place in the file; it is an error of its own.
        if let Some(b) = bad.iter().find(|b| b.span.is_none()) {
            return anyhow::anyhow!("{}", b.message);
        }
        let located = bad.into_iter().map(|b| b.at(&path, &text)).collect();
        Diagnostics::sorted(located).into()
    })
}

/// A bad value of the config file: what is wrong, and where it is written (`None`: it came from
/// the command line).
#[derive(Debug, Clone, PartialEq)]
pub struct BadValue {
    pub span: Option<Range<usize>>,
    pub message: String,
}

impl BadValue {
    /// Located in the file at `path` whose text is `text`.
    fn at(self, path: &Path, text: &str) -> Diagnostic {
        let (line, col) = self.span.map_or((1, 1), |s| line_col(text, s.start));
        Diagnostic::new(path, line, col, self.message)
    }
}

/// Collects every bad value of one file while resolving goes on.
#[derive(Default)]
struct Checker {
    bad: Vec<BadValue>,
}

impl Checker {
    /// `raw` checked by `check`, or `default()` when absent. A bad value is recorded and
    /// `default()` stands in for it, so the rest of the file is still checked.
    fn value<T, U>(
        &mut self,
        raw: Option<Spanned<T>>,
        default: impl FnOnce() -> U,
        check: impl FnOnce(T) -> Result<U, String>,
    ) -> U {
        let Some(raw) = raw else { return default() };
        let span = raw.span();
        check(raw.into_inner()).unwrap_or_else(|message| {
            self.bad.push(BadValue { span: Some(span), message });
            default()
        })
    }
}

/// A fingerprint of everything configuration-like a page depends on: the config file and the
/// command-line overrides (not the clock). A new Gazette is caught by the cache's version line
/// (`write::cache::version`), not here.
pub fn fingerprint(site_dir: &Path, overrides: &Overrides) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    std::fs::read(site_dir.join("gazette.toml")).ok().hash(&mut h);
    // As the two flags (`--drafts`, `--future`), so the fingerprint reads as it always did.
    let (drafts, future) = (overrides.drafts == Drafts::Include, overrides.future == Embargoed::Include);
    (&overrides.base_url, drafts, future).hash(&mut h);
    h.finish()
}

/// Parses the text of a config file; the error is located (its path is left empty).
pub fn parse_raw(text: &str) -> Result<RawConfig, Diagnostic> {
    toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        Diagnostic::new(Path::new(""), line, col, e.message().trim().to_string())
    })
}

/// Turns the raw file into a checked config, or every bad value in it. Every field is destructured
/// on purpose.
pub fn resolve(raw: RawConfig, site_dir: &Path, overrides: &Overrides) -> Result<Config, Vec<BadValue>> {
    let RawConfig {
        title,
        description,
        base_url,
        language,
        timezone,
        permalink,
        per_page,
        sections,
        related,
        logo,
        feed_limit,
        sitemap_limit,
        expired,
        news,
        markdown,
        search,
        languages,
        encoding,
        encodings,
        images,
        breaking_minutes,
    } = raw;
    let mut ck = Checker::default();
    let (base_url, root) = resolve_base_url(&mut ck, base_url, overrides);
    let (timezone, timezone_name) = ck.value(
        timezone,
        || (TimeZone::UTC, "UTC".to_string()),
        |name| match TimeZone::get(&name) {
            Ok(tz) => Ok((tz, name)),
            Err(_) => Err(format!("unknown timezone `{name}` (use an IANA name such as Asia/Seoul)")),
        },
    );
    let default_permalink = || Permalink::parse(DEFAULT_PERMALINK).expect("the default permalink parses");
    let permalink =
        ck.value(permalink, default_permalink, |p| Permalink::parse(&p).map_err(|e| format!("permalink: {e}")));
    let per_page =
        ck.value(per_page, || 20, |n| if n == 0 { Err("per_page must be at least 1".into()) } else { Ok(n) });
    let sections = resolve_sections(&mut ck, sections);
    let title = title.unwrap_or_else(|| "Gazette".into());
    let language = ck.value(language, || "en".to_string(), language_code);
    let expired = ck.value(expired, Expired::default, |e| match e.as_str() {
        "keep" => Ok(Expired::Keep),
        "remove" => Ok(Expired::Remove),
        other => Err(format!("expired = `{other}`: use \"keep\" or \"remove\"")),
    });
    let RawNews { name, language: news_language, window_hours, max } = news;
    let news = NewsConfig {
        name: name.unwrap_or_else(|| title.clone()),
        language: news_language.unwrap_or_else(|| language.to_lowercase()),
        window_hours: window_hours.unwrap_or(48),
        max: max.unwrap_or(1000).min(1000),
    };
    let RawSearch { enabled } = search;
    let search = if enabled.unwrap_or(true) { Search::On } else { Search::Off };
    let RawMarkdown { raw_html } = markdown;
    let raw_html = ck.value(raw_html, RawHtml::default, |r| match r.as_str() {
        "allow" => Ok(RawHtml::Allow),
        "sanitize" => Ok(RawHtml::Sanitize),
        "escape" => Ok(RawHtml::Escape),
        other => Err(format!("[markdown] raw_html = `{other}`: use \"allow\", \"sanitize\" or \"escape\"")),
    });
    let related = resolve_related(&mut ck, related);
    let site_language = Language {
        code: language.clone(),
        prefix: String::new(),
        title: title.clone(),
        description: description.clone().unwrap_or_default(),
        timezone: timezone.clone(),
        timezone_name: timezone_name.clone(),
        news_name: news.name.clone(),
        news_language: news.language.clone(),
        sections: BTreeMap::new(),
        dir: direction(&language),
    };
    let languages = resolve_languages(&mut ck, languages, site_language);
    let encodings = resolve_encodings(&mut ck, encoding, encodings);
    let images = resolve_images(&mut ck, images, site_dir);
    let breaking = ck.value(
        breaking_minutes,
        || jiff::SignedDuration::from_mins(60),
        |m| match m {
            1..=10_080 => Ok(jiff::SignedDuration::from_mins(m)),
            _ => Err(format!("breaking_minutes = {m}: use a number of minutes from 1 to 10080 (a week)")),
        },
    );
    if !ck.bad.is_empty() {
        return Err(ck.bad);
    }
    let now = overrides.now.unwrap_or_else(jiff::Timestamp::now).to_zoned(timezone.clone());
    Ok(Config {
        site_dir: site_dir.to_path_buf(),
        title,
        description: description.unwrap_or_default(),
        base_url,
        root,
        language,
        timezone,
        timezone_name,
        languages,
        permalink,
        per_page,
        sections,
        related,
        drafts: overrides.drafts,
        future: overrides.future,
        now,
        logo,
        feed_limit: feed_limit.unwrap_or(20).max(1),
        sitemap_limit: sitemap_limit.unwrap_or(50_000).clamp(1, 50_000),
        expired,
        news,
        raw_html,
        search,
        encodings,
        images,
        breaking,
    })
}

/// A language code as CLDR writes it (`EN` → `en`, `zh-hant` → `zh-Hant`), or why it is none.
fn language_code(code: String) -> Result<String, String> {
    match icu_locale_core::LanguageIdentifier::try_from_str(&code) {
        Ok(id) if !code.is_empty() && id.language != icu_locale_core::subtags::Language::UNKNOWN => Ok(id.to_string()),
        _ => Err(format!("`{code}` is not a language code (use a BCP 47 tag such as en, ko, zh-Hant or pt-BR)")),
    }
}

/// Right to left for the languages written so (Arabic, Hebrew, Persian, Urdu …), by CLDR's data.
pub fn direction(code: &str) -> Direction {
    let rtl = icu_locale_core::LanguageIdentifier::try_from_str(code)
        .is_ok_and(|id| icu_locale::LocaleDirectionality::new_common().is_right_to_left(&id));
    if rtl { Direction::Rtl } else { Direction::Ltr }
}

/// The default language (from the top-level keys) first, then each `[languages.XX]` table in code
/// order; a table for the default language's code adds to it. Prefixes must be distinct single
/// folders, and the default language stays at the site root.
fn resolve_languages(
    ck: &mut Checker,
    raw: BTreeMap<Spanned<String>, RawLanguage>,
    default: Language,
) -> TiVec<LangId, Language> {
    let mut out: TiVec<LangId, Language> = TiVec::new();
    let default_code = default.code.clone();
    out.push(default);
    for (key, table) in raw {
        let key_span = key.span();
        let Some(code) = ck.value(Some(key), || None, |c| language_code(c).map(Some)) else { continue };
        let RawLanguage { title, description, prefix, timezone, news, sections } = table;
        let is_default = code == default_code;
        if !is_default && out.iter().any(|l| l.code == code) {
            ck.bad.push(BadValue { span: Some(key_span), message: format!("[languages]: `{code}` is listed twice") });
            continue;
        }
        let base = out[LangId::DEFAULT].clone();
        let (tz, tz_name) = ck.value(
            timezone,
            || (base.timezone.clone(), base.timezone_name.clone()),
            |name| match TimeZone::get(&name) {
                Ok(tz) => Ok((tz, name)),
                Err(_) => Err(format!("unknown timezone `{name}` (use an IANA name such as Asia/Seoul)")),
            },
        );
        let wanted_prefix = if is_default { String::new() } else { format!("/{code}") };
        let prefix = ck.value(
            prefix,
            || wanted_prefix.clone(),
            |p| {
                let seg = p.trim_matches('/');
                if is_default && !seg.is_empty() {
                    return Err(format!("prefix `{p}`: the default language `{code}` is at the site root (use \"/\")"));
                }
                if is_default {
                    return Ok(String::new());
                }
                if seg.is_empty() || seg.contains('/') {
                    return Err(format!("prefix `{p}` must be one folder such as \"/{code}/\""));
                }
                crate::text::check_segment(seg).map_err(|e| format!("prefix `{p}` {e}"))?;
                Ok(format!("/{seg}"))
            },
        );
        let title = title.unwrap_or_else(|| base.title.clone());
        let news_name = news.name.unwrap_or_else(|| if is_default { base.news_name.clone() } else { title.clone() });
        let news_language = if is_default { base.news_language.clone() } else { code.clone() };
        let lang = Language {
            news_language,
            dir: direction(&code),
            code,
            prefix,
            description: description.unwrap_or_else(|| base.description.clone()),
            title,
            timezone: tz,
            timezone_name: tz_name,
            news_name,
            sections,
        };
        if is_default {
            out[LangId::DEFAULT] = lang;
        } else {
            if out.iter().any(|l| l.prefix == lang.prefix) {
                let message =
                    format!("[languages.{}]: prefix `{}/` is used by another language", lang.code, lang.prefix);
                ck.bad.push(BadValue { span: Some(key_span), message });
                continue;
            }
            out.push(lang);
        }
    }
    out
}

/// `encoding` and `[encodings]`: each label must name an encoding, each key a folder under
/// `content/`.
fn resolve_encodings(
    ck: &mut Checker,
    site: Option<Spanned<String>>,
    folders: BTreeMap<Spanned<String>, Spanned<String>>,
) -> crate::load::Encodings {
    use crate::load::encoding_for_label;
    let site = ck.value(site, || encoding_rs::UTF_8, |l| encoding_for_label(&l));
    let mut out = Vec::new();
    for (folder, label) in folders {
        let folder = ck.value(Some(folder), || None, |f| content_folder(&f).map(Some));
        let encoding = ck.value(Some(label), || None, |l| encoding_for_label(&l).map(Some));
        if let (Some(folder), Some(encoding)) = (folder, encoding) {
            out.push((folder, encoding));
        }
    }
    crate::load::Encodings::new(site, out)
}

/// `content/archive/1998` → `archive/1998`: a folder under `content/`, as plain path segments.
fn content_folder(key: &str) -> Result<PathBuf, String> {
    let bad = || format!("[encodings]: `{key}` must name a folder under content/, such as \"content/archive/1998\"");
    let rest = key.strip_prefix("content/").ok_or_else(bad)?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() || segments.iter().any(|s| crate::text::check_segment(s).is_err()) {
        return Err(bad());
    }
    Ok(segments.iter().collect())
}

/// `[images]`: widths between 16 and 8,192, at least one; known formats; quality 1-100.
fn resolve_images(ck: &mut Checker, raw: RawImages, site_dir: &Path) -> ImagesConfig {
    let RawImages { widths, formats, quality, cache, sizes } = raw;
    let widths = ck.value(
        widths,
        || vec![480, 800, 1200, 1600],
        |mut w| {
            if let Some(bad) = w.iter().find(|&&w| !(16..=8192).contains(&w)) {
                return Err(format!("[images] widths: {bad} is not between 16 and 8192"));
            }
            w.sort_unstable();
            w.dedup();
            if w.is_empty() { Err("[images] widths: give at least one width".into()) } else { Ok(w) }
        },
    );
    let formats = ck.value(
        formats,
        || vec![PhotoFormat::Webp, PhotoFormat::Jpeg],
        |f| {
            let mut out = Vec::new();
            for name in f {
                let format = match name.to_ascii_lowercase().as_str() {
                    "webp" => PhotoFormat::Webp,
                    "jpeg" | "jpg" => PhotoFormat::Jpeg,
                    other => return Err(format!("[images] formats: `{other}` is not \"webp\" or \"jpeg\"")),
                };
                if !out.contains(&format) {
                    out.push(format);
                }
            }
            if !out.contains(&PhotoFormat::Jpeg) {
                // Every browser reads JPEG: it is the `<img>` fallback and the OpenGraph image.
                out.push(PhotoFormat::Jpeg);
            }
            Ok(out)
        },
    );
    let quality = ck.value(
        quality,
        || 80,
        |q| {
            if (1..=100).contains(&q) { Ok(q) } else { Err(format!("[images] quality {q} is not between 1 and 100")) }
        },
    );
    let cache_dir = ck.value(
        cache,
        || site_dir.join(".gazette-cache"),
        |c| {
            let first = Path::new(&c).components().next().map(|p| p.as_os_str().to_string_lossy().into_owned());
            match first.as_deref() {
                None => Err("[images] cache: give a folder".into()),
                // Inside an input folder, every rendition written would be an input that changed.
                Some(input @ ("content" | "static" | "templates")) => {
                    Err(format!("[images] cache `{c}` is inside {input}/: put it outside the site's inputs"))
                }
                Some(_) => Ok(site_dir.join(c)),
            }
        },
    );
    let sizes = sizes.unwrap_or_else(|| "(min-width: 52rem) 48rem, 100vw".into());
    ImagesConfig { widths, formats, quality, cache_dir, sizes }
}

/// The base URL without a trailing slash (`--base-url` over the file's) and its path part.
fn resolve_base_url(ck: &mut Checker, raw: Option<Spanned<String>>, overrides: &Overrides) -> (String, String) {
    let check = |url: String| {
        let url = url.trim_end_matches('/').to_string();
        url_path(&url).map(|root| (url, root))
    };
    let default = || ("http://localhost".to_string(), String::new());
    match &overrides.base_url {
        Some(url) => check(url.clone()).unwrap_or_else(|e| {
            ck.bad.push(BadValue { span: None, message: format!("{e} (from --base-url)") });
            default()
        }),
        None => ck.value(raw, default, check),
    }
}

/// `[sections]`: each key must be a section slug.
fn resolve_sections(ck: &mut Checker, raw: BTreeMap<Spanned<String>, String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (key, title) in raw {
        let slug = ck.value(Some(key), String::new, |slug| {
            let want = crate::text::slugify(&slug);
            if want == slug {
                Ok(slug)
            } else {
                Err(format!("[sections]: key `{slug}` must be a section slug such as `{want}`"))
            }
        });
        if !slug.is_empty() {
            out.insert(slug, title);
        }
    }
    out
}

fn resolve_related(ck: &mut Checker, raw: RawRelated) -> RelatedConfig {
    let RawRelated { threshold, version_threshold, version_lede_threshold, max, unresolved } = raw;
    let unresolved = ck.value(unresolved, Unresolved::default, |u| match u.as_str() {
        "text" => Ok(Unresolved::Text),
        "hide" => Ok(Unresolved::Hide),
        other => Err(format!("[related] unresolved = `{other}`: use \"text\" or \"hide\"")),
    });
    let mut fraction = |name: &str, raw: Option<Spanned<f64>>, default: f64| {
        ck.value(
            raw,
            || default,
            |v| {
                if (0.0..=1.0).contains(&v) { Ok(v) } else { Err(format!("[related] {name} must be between 0 and 1")) }
            },
        )
    };
    RelatedConfig {
        threshold: fraction("threshold", threshold, 0.6),
        version_threshold: fraction("version_threshold", version_threshold, 0.6),
        version_lede_threshold: fraction("version_lede_threshold", version_lede_threshold, 0.35),
        max: max.unwrap_or(5),
        unresolved,
    }
}

/// The path part of an absolute URL, without a trailing slash.
fn url_path(base_url: &str) -> Result<String, String> {
    let bad = || format!("base_url `{base_url}` must be an absolute URL such as https://news.example");
    let (scheme, rest) = base_url.split_once("://").ok_or_else(bad)?;
    if scheme.is_empty() || rest.is_empty() {
        return Err(bad());
    }
    Ok(rest.find('/').map_or(String::new(), |i| rest[i..].trim_end_matches('/').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolves config text; the errors as `(line, col, message)`, in file order.
    fn resolve_text(text: &str) -> Result<Config, Vec<(usize, usize, String)>> {
        let raw = parse_raw(text).unwrap_or_else(|d| panic!("{text:?}: {d:?}"));
        resolve(raw, Path::new("."), &Overrides::default()).map_err(|bad| {
            let at = |b: BadValue| b.at(Path::new("gazette.toml"), text);
            let mut found: Vec<_> = bad.into_iter().map(at).map(|d| (d.line, d.col, d.message)).collect();
            found.sort();
            found
        })
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = parse_raw("title = \"x\"\ncolour = \"red\"\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("colour"), "{}", err.message);
    }

    #[test]
    fn defaults_resolve() {
        let c = resolve(RawConfig::default(), Path::new("."), &Overrides::default()).unwrap();
        assert_eq!(c.per_page, 20);
        assert_eq!(c.root, "");
        assert_eq!(c.timezone_name, "UTC");
        assert_eq!(c.permalink, Permalink::parse(DEFAULT_PERMALINK).unwrap());
        assert_eq!((c.expired, c.related.unresolved), (Expired::Keep, Unresolved::Text));
    }

    #[test]
    fn good_values_resolve() {
        let text = "base_url = \"https://x.org/news/\"\ntimezone = \"Asia/Seoul\"\nexpired = \"remove\"\n\
                    [sections]\nworld = \"World\"\n[related]\nunresolved = \"hide\"\nthreshold = 0.5\n\
                    [markdown]\nraw_html = \"escape\"\n";
        let c = resolve_text(text).unwrap();
        assert_eq!((c.base_url.as_str(), c.root.as_str()), ("https://x.org/news", "/news"));
        assert_eq!((c.timezone_name.as_str(), c.expired, c.raw_html), ("Asia/Seoul", Expired::Remove, RawHtml::Escape));
        assert_eq!((c.related.unresolved, c.related.threshold), (Unresolved::Hide, 0.5));
        assert_eq!(c.sections.keys().collect::<Vec<_>>(), ["world"]);
    }

    #[test]
    fn images_defaults_and_values() {
        let c = resolve_text("").unwrap();
        assert_eq!(c.images.widths, [480, 800, 1200, 1600]);
        assert_eq!((c.images.formats.as_slice(), c.images.quality), (&[PhotoFormat::Webp, PhotoFormat::Jpeg][..], 80));
        let c = resolve_text(
            "[images]\nwidths = [900, 300, 900]\nformats = [\"webp\"]\nquality = 60\ncache = \"../cache\"\n",
        )
        .unwrap();
        assert_eq!(c.images.widths, [300, 900], "sorted, once each");
        assert_eq!(c.images.formats, [PhotoFormat::Webp, PhotoFormat::Jpeg], "JPEG is always made");
        assert!(c.images.cache_dir.ends_with("../cache"));
    }

    #[test]
    fn every_bad_value_is_reported_at_its_value() {
        // (file, every error as (line, col, a word of its message))
        type Want = &'static [(usize, usize, &'static str)];
        let cases: &[(&str, Want)] = &[
            (
                "timezone = \"Mars/Olympus\"\nper_page = 0\npermalink = \"/{author}/{slug}/\"\n",
                &[(1, 12, "unknown timezone"), (2, 12, "per_page"), (3, 13, "{author}")],
            ),
            ("base_url = \"news.example\"\n", &[(1, 12, "base_url")]),
            ("permalink = \"/{year}/\"\n", &[(1, 13, "{slug}")]),
            ("permalink = \"/../{slug}/\"\n", &[(1, 13, "permalink")]),
            ("expired = \"delete\"\n", &[(1, 11, "keep")]),
            ("[sections]\nworld = \"World\"\n\"World News\" = \"x\"\n", &[(3, 1, "section slug")]),
            ("[markdown]\nraw_html = \"strip\"\n", &[(2, 12, "raw_html")]),
            ("encoding = \"klingon\"\n", &[(1, 12, "unknown encoding")]),
            ("encoding = \"utf-16le\"\n", &[(1, 12, "ASCII")]),
            (
                "[encodings]\n\"content/a\" = \"euc-kr\"\n\"content/b\" = \"ebcdic\"\n\"archive\" = \"sjis\"\n\"content/../x\" = \"sjis\"\n",
                &[(3, 15, "unknown encoding"), (4, 1, "under content/"), (5, 1, "under content/")],
            ),
            (
                "[related]\nunresolved = \"drop\"\nthreshold = 1.5\nversion_threshold = -1.0\n",
                &[(2, 14, "unresolved"), (3, 13, "threshold"), (4, 21, "version_threshold")],
            ),
            (
                "[images]\nwidths = [0, 800]\nformats = [\"avif\"]\nquality = 0\ncache = \"static/c\"\n",
                &[(2, 10, "widths"), (3, 11, "avif"), (4, 11, "quality"), (5, 9, "inside static/")],
            ),
            ("[images]\nwidths = []\n", &[(2, 10, "at least one width")]),
        ];
        for (text, want) in cases {
            let got = resolve_text(text).err().unwrap_or_else(|| panic!("{text:?} resolved"));
            assert_eq!(got.len(), want.len(), "{text:?}: {got:?}");
            for ((line, col, msg), (wl, wc, word)) in got.iter().zip(want.iter()) {
                assert_eq!((line, col), (wl, wc), "{text:?}: {msg}");
                assert!(msg.contains(word), "{text:?}: {msg:?} lacks {word:?}");
            }
        }
    }

    #[test]
    fn encodings_resolve() {
        let c = resolve_text("encoding = \"cp949\"\n[encodings]\n\"content/archive/1998/\" = \"shift_jis\"\n").unwrap();
        assert_eq!(c.encodings.site, encoding_rs::EUC_KR);
        assert_eq!(c.encodings.of(Path::new("archive/1998/x.txt")), encoding_rs::SHIFT_JIS);
        assert_eq!(c.encodings.of(Path::new("archive/1999/x.txt")), encoding_rs::EUC_KR);
        let d = resolve(RawConfig::default(), Path::new("."), &Overrides::default()).unwrap();
        assert_eq!(d.encodings, crate::load::Encodings::default(), "UTF-8 unless set");
    }

    #[test]
    fn a_bad_base_url_flag_has_no_place_in_the_file() {
        let overrides = Overrides { base_url: Some("not a url".into()), ..Default::default() };
        let bad = resolve(RawConfig::default(), Path::new("."), &overrides).unwrap_err();
        assert_eq!(bad.len(), 1);
        assert!(bad[0].span.is_none() && bad[0].message.contains("--base-url"), "{bad:?}");
    }

    #[test]
    fn permalink_table() {
        assert!(Permalink::parse("/{year}/{slug}/").is_ok());
        assert!(Permalink::parse("/{year}/").is_err());
        assert!(Permalink::parse("/../{slug}/").is_err());
        assert!(Permalink::parse("/{author}/{slug}/").is_err());
    }
}
