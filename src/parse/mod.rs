//! Parse: one story file's text → one [`Story`], or every located error in it. No I/O.
//!
//! Markdown (`.md`) and wire copy (`.txt`) share the front matter keys and the finishing step
//! ([`finish`]): title, dates, section, tags. Line ends are normalised first (BOM, CRLF, lone CR), so
//! every line number reported is the line an editor sees.

pub mod front_matter;
pub mod headline;
pub mod item;
pub mod markdown;
pub mod media_topics;
pub mod newsml;
pub mod ninjs;
pub mod wire;

#[cfg(test)]
mod props;

use std::path::Path;
use std::sync::Arc;

use jiff::Zoned;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::bodies::Body;
pub use crate::config::{LangId, RawHtml};
use crate::diag::{ErrorKind, ParseError};
use crate::text::{check_segment, clean_line, slugify};
use front_matter::{RawDate, RawFrontMatter};
pub use headline::{Headline, Version};

/// Settings parsing needs from the site config.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Dates written without an offset are in this zone (the story's language's zone, once its
    /// language is known).
    pub tz: TimeZone,
    /// What becomes of raw HTML in Markdown bodies.
    pub raw_html: RawHtml,
    /// The site's languages, the default first: each code and its time zone.
    pub languages: Arc<[(String, TimeZone)]>,
}

impl ParseOptions {
    /// Dates in `tz`, raw HTML allowed, one language (`en`).
    pub fn new(tz: TimeZone) -> Self {
        ParseOptions { languages: Arc::from(vec![("en".to_string(), tz.clone())]), tz, raw_html: RawHtml::Allow }
    }

    /// The options a site's config sets.
    pub fn from_config(config: &crate::config::Config) -> Self {
        let languages: Vec<(String, TimeZone)> =
            config.languages.iter().map(|l| (l.code.clone(), l.timezone.clone())).collect();
        ParseOptions { tz: config.timezone.clone(), raw_html: config.raw_html, languages: Arc::from(languages) }
    }

    /// The same options with dates in `lang`'s zone.
    fn in_language(&self, lang: LangId) -> std::borrow::Cow<'_, ParseOptions> {
        match self.languages.get(usize::from(lang)) {
            Some((_, tz)) if tz != &self.tz => std::borrow::Cow::Owned(ParseOptions { tz: tz.clone(), ..self.clone() }),
            _ => std::borrow::Cow::Borrowed(self),
        }
    }

    /// The configured language a code names: exactly, else by its base language (`en-GB` → `en`).
    fn language(&self, code: &str) -> Option<LangId> {
        let exact = self.languages.iter().position(|(c, _)| c.eq_ignore_ascii_case(code));
        let base = || {
            let base = code.split(['-', '_']).next()?;
            self.languages.iter().position(|(c, _)| c.eq_ignore_ascii_case(base))
        };
        exact.or_else(base).map(LangId::from)
    }

    /// A story's language: its `lang` key, else its file name's suffix (`a.ko.md`), else the
    /// default; a code that names no configured language is an error.
    pub fn story_language(&self, rel: &Path, declared: Option<&str>) -> Result<LangId, String> {
        let known = || self.languages.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", ");
        if let Some(code) = declared.map(str::trim) {
            return self.language(code).ok_or_else(|| {
                format!("`lang = {code:?}` is not a language of this site (gazette.toml lists {})", known())
            });
        }
        match language_suffix(rel) {
            Some(code) => self.language(code).ok_or_else(|| {
                format!(
                    "the file name says language `{code}`, which is not a language of this site (gazette.toml lists {}); add [languages.{code}] or rename the file",
                    known()
                )
            }),
            None => Ok(LangId::DEFAULT),
        }
    }
}

/// The language suffix of a file name (`ko` of `story.ko.md`), when the part before the extension
/// reads as a language code: two or three letters, then `-` subtags (`zh-Hant`, `pt-BR`).
pub fn language_suffix(rel: &Path) -> Option<&str> {
    let stem = rel.file_stem()?.to_str()?;
    let (_, code) = stem.rsplit_once('.')?;
    let mut parts = code.split('-');
    let lang = parts.next()?;
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_alphabetic());
    let rest_ok = parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    (lang_ok && rest_ok).then_some(code)
}

/// A path under `content/` without its extension and language suffix: `politics/a.ko.md` →
/// `politics/a`, what translations of one story share unless a `translation` key says otherwise.
pub fn translation_path(rel: &Path) -> String {
    let source = rel.to_string_lossy().replace('\\', "/");
    let without_ext = match rel.extension() {
        Some(e) => &source[..source.len() - e.len() - 1],
        None => &source[..],
    };
    match language_suffix(rel) {
        Some(code) => without_ext[..without_ext.len() - code.len() - 1].to_string(),
        None => without_ext.to_string(),
    }
}

/// The extension of a live story's entries folder: `world/storm.md`'s entries are the files of
/// `world/storm.live/`.
pub const LIVE_FOLDER_EXT: &str = "live";

/// For a file under a live entries folder (`world/storm.live/0915-surge.md`): the folder
/// (`world/storm.live`) and whether the file sits directly in it ([`EntryDepth`]). `None` for every
/// other file.
pub fn live_folder(rel: &Path) -> Option<(&Path, EntryDepth)> {
    let parent = rel.parent()?;
    let is_live =
        |p: &Path| p.extension().is_some_and(|e| e == LIVE_FOLDER_EXT) && p.file_stem().is_some_and(|s| !s.is_empty());
    if is_live(parent) {
        return Some((parent, EntryDepth::Direct));
    }
    parent.ancestors().find(|a| is_live(a)).map(|a| (a, EntryDepth::Nested))
}

/// Where a file under a live entries folder sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryDepth {
    /// Directly in the folder: an entry.
    Direct,
    /// In a folder under it: not an entry (a located error).
    Nested,
}

/// What makes stories translations of one another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TranslationKey {
    /// `translation = "KEY"` in the front matter.
    Key(String),
    /// The file's path without extension and language suffix (see [`translation_path`]).
    Path(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Markdown,
    Wire,
    /// IPTC ninjs (JSON).
    Ninjs,
    /// IPTC NewsML-G2 (XML).
    Newsml,
}

/// A feed item's publication status (ninjs `pubStatus`, NewsML-G2 `pubStatus`). Markdown and wire
/// stories are always usable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Published.
    #[default]
    Usable,
    /// Held back (like an embargo without an end) until a later version makes it usable.
    Withheld,
    /// Withdrawn by its sender: its page becomes a withdrawal notice, and it leaves every list.
    Canceled,
}

/// Who may read a story. A subscribers' story is paywalled: its page marks the part past the lede
/// as not free (JSON-LD `isAccessibleForFree`, the theme's `.paywall` element), and feeds and the
/// search index carry only its headline, summary and lede.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    #[default]
    Free,
    Subscribers,
}

/// A wire dateline: `SEOUL, Nov. 12 (Yonhap)`, `(서울=연합뉴스) 홍길동 기자`, `新华社北京5月1日电`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dateline {
    pub place: Option<String>,
    /// `Nov. 12` as written.
    pub date: Option<String>,
    pub agency: Option<String>,
    /// The whole dateline as it is shown.
    pub text: String,
    /// The reporters it names (`홍길동 김철수 기자 =`, `（记者 张三）`), in order; English
    /// datelines name none.
    pub reporters: Vec<String>,
}

/// Whether a story is live coverage (`live` and `live_until` in its front matter).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Coverage {
    /// An ordinary story (no `live` key).
    None,
    /// `live = true`: coverage runs until `until` (`live_until`), or until the story says
    /// `live = false`.
    Live { until: Option<Zoned> },
    /// `live = false`: coverage ended; its entries stay on the page. `until` is when it ended, if
    /// the story says (`live_until`).
    Ended { until: Option<Zoned> },
}

impl Coverage {
    /// Whether the story collects live entries (running or ended).
    pub fn is_live_story(&self) -> bool {
        !matches!(self, Coverage::None)
    }
}

/// One story file, parsed: one version of a story.
/// Serialised into the build state (`crate::state`): a field added here changes the state's
/// format, which `build.rs`'s source hash puts in the state's version line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Story {
    /// Path under `content/`, with `/` separators.
    pub source: String,
    pub format: Format,
    pub headline: Headline,
    pub date: Zoned,
    pub updated: Option<Zoned>,
    /// The byline as written: the front matter's `author`, else a wire dateline's reporters. The
    /// site model resolves each name (and each of `emails`) to a known author where it can.
    pub authors: Vec<String>,
    /// The line the byline is written on (the `author` key, else the dateline; 1 when neither).
    pub byline_line: usize,
    pub dateline: Option<Dateline>,
    /// Section as named (front matter or folder); its URL slug is computed by the site model.
    pub section: Option<String>,
    pub tags: Vec<String>,
    /// Plain text: the front matter summary, else the lede.
    pub summary: String,
    /// Related headlines as the editor listed them, tags included.
    pub related: Vec<String>,
    /// A slug set by hand.
    pub slug: Option<String>,
    pub draft: bool,
    pub image: Option<String>,
    /// Every photo the story shows, in order (front matter `image`, `images`, the body's images, a
    /// feed item's picture); the `photos` stage finds their files.
    pub photos: Vec<PhotoRef>,
    /// Whether, and how, this file is a version of a story told in other files.
    pub grouping: Grouping,
    /// Published, held back or withdrawn (feed items; Markdown and wire copy are always usable).
    pub status: Status,
    /// The story's own language tag (feed items), when it gives one: its page's `lang`.
    pub language: Option<String>,
    /// The site language it belongs to: its lists, feeds, URLs and related stories are that
    /// language's.
    pub lang: LangId,
    /// Stories with the same key in other languages are its translations.
    pub translation: TranslationKey,
    /// The first paragraph as plain text (after a wire dateline): what version grouping compares
    /// besides the headline.
    pub lede: String,
    /// Safe HTML: in memory as parsed; a build moves it out ([`crate::bodies`]). The build state
    /// keeps it beside the story's record, not in it.
    #[serde(skip)]
    pub body: Body,
    /// `(ATTN: …)` editor's notes.
    pub attn: Vec<String>,
    pub emails: Vec<String>,
    /// Embargo time (`publish_at`); the story is held back until then.
    pub publish_at: Option<Zoned>,
    pub expires: Option<Zoned>,
    pub corrections: Vec<Correction>,
    /// Fingerprint of the file this story came from ([`digest_of`]).
    pub digest: u64,
    /// Links to other stories by path (`@/section/file.md`), resolved by the site model.
    pub links: Vec<InternalLink>,
    /// Other link and image destinations in the body, located (what `check` looks at).
    pub urls: Vec<InternalLink>,
    /// The related headlines' file lines, one per entry of `related`.
    pub related_lines: Vec<usize>,
    /// The line the headline is written on.
    pub headline_line: usize,
    /// Free, or for subscribers only (`access` in the front matter).
    pub access: Access,
    /// Live coverage, if the story is a live blog.
    pub coverage: Coverage,
    /// `breaking = true`: breaking news whatever its version tag.
    pub breaking: bool,
}

/// A photo as a story names it; no I/O has looked at it yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhotoRef {
    /// As written: a path relative to the story's folder, `/…` under `static/`, or a URL.
    pub src: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub alt: Option<String>,
    pub origin: PhotoOrigin,
    /// Where `src` is written in the story file.
    pub line: usize,
    pub col: usize,
}

/// Where a story names a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PhotoOrigin {
    FrontMatter,
    /// A Markdown image in the body: its `<img>` is given the renditions too.
    Body,
    /// A feed item's picture association.
    Feed,
}

/// How a file's story is found among the others.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Grouping {
    /// Wire copy may be an implicit version of a story (tagged, same day and section, similar
    /// headline and lede: `site::versions`); other formats stand alone.
    Implicit,
    /// `story = "KEY"`: every file with this key is one story, and only those.
    Key(String),
    /// `standalone = true`: a story of its own, never an implicit version.
    Standalone,
}

/// A link in a body to another story by its path under `content/`, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalLink {
    /// The path after `@/`, with any `#fragment`.
    pub target: String,
    pub line: usize,
    pub col: usize,
}

impl InternalLink {
    /// The path under `content/` and the fragment (with its `#`, or empty).
    pub fn split(&self) -> (&str, &str) {
        match self.target.find('#') {
            Some(i) => (&self.target[..i], &self.target[i..]),
            None => (&self.target, ""),
        }
    }
}

/// A published correction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub date: Zoned,
    pub text: String,
}

impl Story {
    /// When the story may appear: its `publish_at`, else its date.
    pub fn release_time(&self) -> &Zoned {
        self.publish_at.as_ref().unwrap_or(&self.date)
    }
}

/// Parses one story; `rel` is its path under `content/` and decides the format.
pub fn parse_story(rel: &Path, text: &str, opts: &ParseOptions) -> Result<Story, Vec<ParseError>> {
    if let Some((folder, EntryDepth::Nested)) = live_folder(rel) {
        let folder = folder.to_string_lossy().replace('\\', "/");
        let msg = format!("a live entry goes directly in {folder}/, not in a folder under it");
        return Err(vec![ParseError::new(ErrorKind::UnsafeValue, 1, 1, msg)]);
    }
    let normalized = normalize_newlines(text);
    let mut story = match rel.extension().and_then(|e| e.to_str()) {
        Some("txt") => wire::parse(rel, &normalized, opts),
        Some("json") => ninjs::parse(rel, &normalized, opts),
        Some("xml") => newsml::parse(rel, &normalized, opts),
        _ => markdown::parse(rel, &normalized, opts),
    }?;
    story.digest = digest_of(rel, text);
    Ok(story)
}

/// A fingerprint of a story file (path and text): what an incremental rebuild compares.
pub fn digest_of(rel: &Path, text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    rel.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

/// Drops a BOM and turns CRLF and lone CR into LF.
/// Also drops control characters other than tab and newline (NUL, escape …): they have no place
/// in a story and are not allowed in XML, so one would break every feed the story is in.
pub fn normalize_newlines(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text.to_string() };
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        text.chars().filter(|&c| !c.is_control() || c == '\n' || c == '\t').collect()
    } else {
        text
    }
}

/// A dateline, the line it is on, and its (month, day) when it names one.
pub type LocatedDateline = (Dateline, usize, Option<(i8, i8)>);

/// What a format hands to [`finish`]: the front matter plus what the body itself says.
pub struct Parts {
    pub front: RawFrontMatter,
    /// The line of the front matter's opening delimiter (1 when there is none).
    pub front_line: usize,
    /// The front matter's text and the file line it starts on, to locate a key's line.
    pub front_text: Option<(String, usize)>,
    pub format: Format,
    /// Headline from the body (wire); Markdown takes it from `title`.
    pub headline: Option<(Headline, usize)>,
    pub dateline: Option<LocatedDateline>,
    pub lede: String,
    pub body_html: String,
    pub related: Vec<String>,
    /// The file line of each of `related` (body tail lines; front matter entries are not counted).
    pub related_lines: Vec<usize>,
    /// Other link and image destinations of the body (Markdown), located.
    pub urls: Vec<InternalLink>,
    /// The body's images (Markdown), located, with their alt text.
    pub body_images: Vec<PhotoRef>,
    pub attn: Vec<String>,
    pub emails: Vec<String>,
    pub links: Vec<InternalLink>,
}

/// Resolves front matter and body parts into a [`Story`], collecting every error.
pub fn finish(rel: &Path, p: Parts, opts: &ParseOptions) -> Result<Story, Vec<ParseError>> {
    let mut errors = Vec::new();
    let fm = p.front;
    let at = |kind, msg: String| ParseError::new(kind, p.front_line, 1, msg);
    let front_text = p.front_text;
    let at_key = |key: &str, kind, msg: String| {
        let line = front_text.as_ref().and_then(|(text, start)| key_line(text, key).map(|l| start + l - 1));
        ParseError::new(kind, line.unwrap_or(p.front_line), 1, msg)
    };
    // A live entry is in its story's language: `storm.ko.live/0915.md` is Korean.
    let lang_path = live_folder(rel).map_or(rel, |(folder, _)| folder);
    let lang = opts.story_language(lang_path, fm.lang.as_deref()).unwrap_or_else(|msg| {
        errors.push(at_key("lang", ErrorKind::UnsafeValue, msg));
        LangId::DEFAULT
    });
    let opts = &*opts.in_language(lang);
    let title_line = front_text.as_ref().and_then(|(text, start)| key_line(text, "title").map(|l| start + l - 1));
    let (headline, headline_line) = match (p.headline, &fm.title) {
        (_, Some(t)) if !t.trim().is_empty() => {
            (headline::split_tags(&clean_line(t)), title_line.unwrap_or(p.front_line))
        }
        (Some((h, line)), _) => (h, line),
        _ => {
            errors.push(at(ErrorKind::MissingField, "missing `title` in the front matter".into()));
            (Headline { text: String::new(), version: Version::Plain, labels: vec![] }, 1)
        }
    };
    let (date, civil) = match story_date(rel, fm.date.as_ref(), opts) {
        Ok(d) => d,
        Err(msg) => {
            let kind = if fm.date.is_some() { ErrorKind::Date } else { ErrorKind::MissingField };
            errors.push(at_key("date", kind, msg));
            (Zoned::now().with_time_zone(TimeZone::UTC), None)
        }
    };
    let mut optional_date = |key: &str, raw: Option<&RawDate>| {
        raw.and_then(|u| match parse_date(&u.as_text(), &opts.tz) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(at_key(key.split('.').next().unwrap_or(key), ErrorKind::Date, format!("`{key}`: {e}")));
                None
            }
        })
    };
    let updated = optional_date("updated", fm.updated.as_ref());
    let publish_at = optional_date("publish_at", fm.publish_at.as_ref());
    let expires = optional_date("expires", fm.expires.as_ref());
    let live_until = optional_date("live_until", fm.live_until.as_ref());
    let corrections: Vec<Correction> = fm
        .corrections
        .iter()
        .filter_map(|c| {
            Some(Correction { date: optional_date("corrections.date", Some(&c.date))?, text: clean_line(&c.text) })
        })
        .collect();
    if let (Some((dl, line, Some((m, d)))), Some(c)) = (&p.dateline, civil)
        && (c.month(), c.day()) != (*m, *d)
    {
        errors.push(ParseError::new(
            ErrorKind::Date,
            *line,
            1,
            format!("dateline says `{}` but the story is dated {c}", dl.date.as_deref().unwrap_or("")),
        ));
    }
    if let Some(section) = &fm.section
        && slugify(section).is_empty()
    {
        errors.push(at_key(
            "section",
            ErrorKind::UnsafeValue,
            format!("`section` {section:?} has no letters or digits"),
        ));
    }
    for (name, value) in
        [("slug", &fm.slug), ("section", &fm.section), ("story", &fm.story), ("translation", &fm.translation)]
    {
        if let Some(v) = value
            && let Err(e) = check_segment(v)
        {
            errors.push(at_key(name, ErrorKind::UnsafeValue, format!("`{name}` {e}: {v:?}")));
        }
    }
    if live_until.is_some() && fm.live.is_none() {
        let msg = "`live_until` without `live`: add `live = true` (the story is live coverage)".to_string();
        errors.push(at_key("live_until", ErrorKind::UnsafeValue, msg));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let coverage = match fm.live {
        None => Coverage::None,
        Some(true) => Coverage::Live { until: live_until },
        Some(false) => Coverage::Ended { until: live_until },
    };
    let related_key = front_text.as_ref().and_then(|(text, start)| key_line(text, "related").map(|l| start + l - 1));
    let (related, related_lines): (Vec<String>, Vec<usize>) = fm
        .related
        .iter()
        .map(|r| (clean_line(r), related_key.unwrap_or(p.front_line)))
        .chain(p.related.into_iter().zip(p.related_lines))
        .filter(|(r, _)| !r.is_empty())
        .unzip();
    let photos = front_photos(&fm, front_text.as_ref(), p.front_line).chain(p.body_images).collect();
    let dateline_line = p.dateline.as_ref().map(|(_, line, _)| *line);
    let dateline = p.dateline.map(|(d, _, _)| d).or_else(|| {
        fm.dateline.as_ref().map(|t| Dateline {
            place: None,
            date: None,
            agency: None,
            text: clean_line(t),
            reporters: Vec::new(),
        })
    });
    let authors: Vec<String> = fm
        .author
        .map(|a| a.into_vec().iter().map(|s| clean_line(s)).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let author_line = front_text.as_ref().and_then(|(text, start)| key_line(text, "author").map(|l| start + l - 1));
    // A wire dateline's reporters are the authors when the front matter names none.
    let (authors, byline_line) = match (&dateline, authors.is_empty()) {
        (Some(d), true) => (d.reporters.clone(), dateline_line.unwrap_or(p.front_line)),
        _ => (authors, author_line.unwrap_or(p.front_line)),
    };
    Ok(Story {
        source: rel.to_string_lossy().replace('\\', "/"),
        format: p.format,
        headline,
        date,
        updated,
        authors,
        byline_line,
        dateline,
        section: fm.section.map(|s| clean_line(&s)).or_else(|| section_from_path(rel)),
        tags: dedup(fm.tags.iter().map(|t| clean_line(t)).filter(|t| !t.is_empty())),
        summary: fm.summary.map(|s| clean_line(&s)).unwrap_or_else(|| p.lede.clone()),
        lede: p.lede,
        related_lines,
        headline_line,
        urls: p.urls,
        related,
        slug: fm.slug,
        draft: fm.draft,
        image: fm.image.map(|s| clean_line(&s)),
        photos,
        status: Status::Usable,
        language: None,
        lang,
        translation: match fm.translation {
            Some(key) => TranslationKey::Key(key),
            None => TranslationKey::Path(translation_path(rel)),
        },
        grouping: match (fm.story, fm.standalone) {
            (Some(key), _) => Grouping::Key(key),
            (None, true) => Grouping::Standalone,
            (None, false) => Grouping::Implicit,
        },
        body: Body::Html(p.body_html),
        attn: p.attn,
        emails: p.emails,
        publish_at,
        expires,
        corrections,
        digest: 0,
        links: p.links,
        access: fm.access.unwrap_or_default(),
        coverage,
        breaking: fm.breaking,
    })
}

/// The front matter's photos (`image`, then `images`), each located at the line that names it.
fn front_photos<'f>(
    fm: &'f RawFrontMatter,
    front_text: Option<&'f (String, usize)>,
    front_line: usize,
) -> impl Iterator<Item = PhotoRef> + 'f {
    let locate = move |key: &str, src: &str| {
        let Some((text, start)) = front_text else { return (front_line, 1) };
        let by_src = text.lines().position(|l| l.contains(src)).map(|i| i + 1);
        let line = by_src.or_else(|| key_line(text, key)).map_or(front_line, |l| start + l - 1);
        let col = by_src.and_then(|l| text.lines().nth(l - 1)).and_then(|l| l.find(src)).map_or(1, |c| c + 1);
        (line, col)
    };
    let optional = |s: &Option<String>| s.as_deref().map(clean_line).filter(|s| !s.is_empty());
    let image = fm.image.iter().map(|s| clean_line(s)).filter(|s| !s.is_empty()).map(move |src| {
        let (line, col) = locate("image", &src);
        PhotoRef { src, caption: None, credit: None, alt: None, origin: PhotoOrigin::FrontMatter, line, col }
    });
    let images = fm.images.iter().filter(|i| !clean_line(&i.src).is_empty()).map(move |i| {
        let src = clean_line(&i.src);
        let (line, col) = locate("images", &src);
        PhotoRef {
            caption: optional(&i.caption),
            credit: optional(&i.credit),
            alt: optional(&i.alt),
            origin: PhotoOrigin::FrontMatter,
            src,
            line,
            col,
        }
    });
    image.chain(images)
}

/// The 1-based line of `key = …`, `key: …` or `[[key]]` in a front matter block.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            let rest = l.strip_prefix(key).or_else(|| l.strip_prefix("[[").and_then(|r| r.strip_prefix(key)));
            rest.is_some_and(|r| matches!(r.trim_start().chars().next(), Some('=' | ':' | ']')))
        })
        .map(|i| i + 1)
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.filter(|t| seen.insert(t.to_lowercase())).collect()
}

/// The story's time and the calendar date it was written for (used to check the dateline).
fn story_date(rel: &Path, raw: Option<&RawDate>, opts: &ParseOptions) -> Result<(Zoned, Option<Date>), String> {
    if let Some(raw) = raw {
        let text = raw.as_text();
        let zoned = parse_date(&text, &opts.tz)?;
        let written = text.get(..10).and_then(|d| d.parse::<Date>().ok());
        let written = written.or(Some(zoned.date()));
        return Ok((zoned, written));
    }
    match date_from_path(rel) {
        Some(dt) => {
            let z = dt.to_zoned(opts.tz.clone()).map_err(|e| e.to_string())?;
            Ok((z, Some(dt.date())))
        }
        None => Err("missing `date`: add `date = 2024-05-01T09:30:00+09:00` to the front matter, put the file under content/…/YYYY/MM/DD/, or name it YYYY-MM-DD-slug".into()),
    }
}

/// Reads RFC 3339 (`2024-05-01T09:30:00+09:00`) or `YYYY-MM-DD[ HH:MM[:SS]]` in the site zone.
pub fn parse_date(text: &str, tz: &TimeZone) -> Result<Zoned, String> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Ok(ts.to_zoned(tz.clone()));
    }
    let civil = text
        .parse::<DateTime>()
        .or_else(|_| text.replacen(' ', "T", 1).parse::<DateTime>())
        .or_else(|_| text.parse::<Date>().map(|d| d.to_datetime(jiff::civil::Time::midnight())));
    match civil {
        Ok(dt) => dt.to_zoned(tz.clone()).map_err(|e| format!("date `{text}`: {e}")),
        Err(e) => Err(format!("cannot read date `{text}` ({e}); use RFC 3339 or YYYY-MM-DD HH:MM")),
    }
}

/// A date from `…/YYYY/MM/DD/…` folders or a `YYYY-MM-DD-` file-name prefix, with the time from an
/// optional `HHMM-` prefix of the file name (`0910-urgent-….txt`).
pub fn date_from_path(rel: &Path) -> Option<DateTime> {
    let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
    let (file, dirs) = parts.split_last()?;
    let from_dirs = dirs.windows(3).find_map(|w| ymd(w[0], w[1], w[2]));
    let (date, rest) = match from_dirs {
        Some(d) => (d, *file),
        None => {
            let d = file.get(..10).and_then(|p| p.parse::<Date>().ok())?;
            (d, file.get(11..).unwrap_or(""))
        }
    };
    let time = rest
        .get(..5)
        .filter(|p| p.ends_with('-') && p[..4].bytes().all(|b| b.is_ascii_digit()))
        .and_then(|p| jiff::civil::Time::new(p[..2].parse().ok()?, p[2..4].parse().ok()?, 0, 0).ok())
        .unwrap_or(jiff::civil::Time::midnight());
    Some(date.to_datetime(time))
}

fn ymd(y: &str, m: &str, d: &str) -> Option<Date> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// The first folder under `content/` that is not part of a date.
pub fn section_from_path(rel: &Path) -> Option<String> {
    let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
    let (_, dirs) = parts.split_last()?;
    dirs.iter().find(|d| !d.bytes().all(|b| b.is_ascii_digit()) && !slugify(d).is_empty()).map(|d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_table() {
        let tz = TimeZone::get("Asia/Seoul").unwrap();
        let cases = [
            ("2024-01-01T07:13:02+09:00", "2024-01-01T07:13:02+09:00[Asia/Seoul]"),
            ("2024-01-01T00:00:00Z", "2024-01-01T09:00:00+09:00[Asia/Seoul]"),
            ("2024-05-01", "2024-05-01T00:00:00+09:00[Asia/Seoul]"),
            ("2024-05-01 09:30", "2024-05-01T09:30:00+09:00[Asia/Seoul]"),
            ("2024-05-01T09:30:00", "2024-05-01T09:30:00+09:00[Asia/Seoul]"),
        ];
        for (input, want) in cases {
            assert_eq!(parse_date(input, &tz).unwrap().to_string(), want, "{input}");
        }
        for bad in ["2024-02-30", "yesterday", "2024-13-01 10:00", ""] {
            assert!(parse_date(bad, &tz).is_err(), "{bad}");
        }
    }

    #[test]
    fn path_table() {
        let cases = [
            ("politics/2024/05/01/x.txt", Some("2024-05-01T00:00:00"), Some("politics")),
            ("politics/2024/05/01/0910-x.txt", Some("2024-05-01T09:10:00"), Some("politics")),
            ("2024/05/01/x.txt", Some("2024-05-01T00:00:00"), None),
            ("2024-05-01-x.txt", Some("2024-05-01T00:00:00"), None),
            ("world/2024-05-01-1730-x.md", Some("2024-05-01T17:30:00"), Some("world")),
            ("world/x.md", None, Some("world")),
            ("world/2024/02/30/x.txt", None, Some("world")),
        ];
        for (path, date, section) in cases {
            let p = Path::new(path);
            assert_eq!(date_from_path(p).map(|d| d.to_string()).as_deref(), date, "{path}");
            assert_eq!(section_from_path(p).as_deref(), section, "{path}");
        }
    }

    #[test]
    fn newlines_table() {
        let cases =
            [("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("\u{feff}a", "a"), ("a\n", "a\n"), ("a\0b\u{1b}c\td", "abc\td")];
        for (input, want) in cases {
            assert_eq!(normalize_newlines(input), want);
        }
    }
}
