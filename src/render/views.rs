//! View structs handed to templates: shallow, borrowed from the site model. A related headline is
//! a title and a URL, never a nested story. Field names are the template contract in the README.

use serde::Serialize;

use crate::parse::Dateline;
use crate::site::{ChainId, SectionId, Site};

#[derive(Serialize)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    pub base_url: &'a str,
    pub root: &'a str,
    pub sections: Vec<SectionLink<'a>>,
    pub generator: &'static str,
    /// The search page's URL, or null when the site has no search (`[search] enabled = false`).
    pub search_url: Option<String>,
}

/// `lang`: the page's language.
#[derive(Serialize)]
pub struct LangView<'a> {
    /// `en`, `ko`, `ar` …: what `<html lang>` says.
    pub code: &'a str,
    /// `ltr` or `rtl`: what `<html dir>` says.
    pub dir: crate::config::Direction,
    /// `""` for the default language, `/ko` for one under a prefix.
    pub prefix: &'a str,
    /// Its home page.
    pub home_url: String,
    /// Its breaking-news file, which the banner's script polls.
    pub breaking_url: String,
    /// Whether the site has more than one language.
    pub multilingual: bool,
}

/// One entry of `page.languages`, the language switcher: every language of the site, with the
/// page's version in it where there is one, else that language's home.
#[derive(Serialize)]
pub struct LanguageLink {
    pub code: String,
    /// The language's name for itself (its `language_name` UI string).
    pub name: String,
    pub dir: crate::config::Direction,
    pub url: String,
    /// Whether `url` is this page in that language (else it is that language's home).
    pub translated: bool,
    /// Whether it is the page's own language.
    pub current: bool,
}

/// An `hreflang` alternate: `<link rel="alternate" hreflang>` and the sitemap's `xhtml:link`.
#[derive(Serialize, Clone, Debug, Hash)]
pub struct AlternateLink {
    /// A language code, or `x-default`.
    pub hreflang: String,
    /// Absolute.
    pub url: String,
}

#[derive(Serialize, Clone)]
pub struct SectionLink<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub url: String,
}

#[derive(Serialize)]
pub struct TagLink<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

#[derive(Serialize)]
pub struct PageView<'a> {
    pub kind: &'a str,
    pub title: String,
    pub url: String,
    pub permalink: String,
    /// Feeds to announce with `<link rel="alternate">`: the page's own (section, tag) first.
    pub feeds: Vec<FeedLink>,
    /// The page in every language that has it, then `x-default` (empty when it has no
    /// translation, and on a single-language site).
    pub alternates: Vec<AlternateLink>,
    /// The language switcher (empty on a single-language site).
    pub languages: Vec<LanguageLink>,
}

#[derive(Serialize)]
pub struct FeedLink {
    /// `rss` or `atom`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct FeedView<'a> {
    pub title: String,
    pub description: String,
    pub home: String,
    pub self_url: String,
    pub updated: Option<String>,
    pub items: Vec<FeedItem<'a>>,
}

#[derive(Serialize)]
pub struct NewsItem<'a> {
    pub url: String,
    pub title: &'a str,
    pub published: String,
}

#[derive(Serialize)]
pub struct NewsView<'a> {
    pub name: &'a str,
    pub language: &'a str,
    pub items: Vec<NewsItem<'a>>,
}

#[derive(Serialize)]
pub struct VersionView<'a> {
    pub tag: Option<String>,
    pub title: &'a str,
    pub date: String,
    pub attn: &'a [String],
    pub url: String,
}

#[derive(Serialize)]
pub struct StoryView<'a> {
    pub title: &'a str,
    /// The story's own language tag (feed items that give one), else its site language's code.
    pub language: Option<&'a str>,
    pub label: Option<String>,
    pub version_tag: Option<String>,
    pub url: String,
    pub canonical_url: String,
    pub date: String,
    pub first_published: String,
    pub updated: Option<String>,
    /// The byline as written (front matter `author`, a dateline's reporters).
    pub authors: &'a [String],
    /// The byline resolved: each name with its author page's URL where it names a known author
    /// (wire copy's e-mail lines add the authors they name).
    pub byline: Vec<BylineView<'a>>,
    /// `free` or `subscribers`.
    pub access: crate::parse::Access,
    /// A subscribers' story's body cut in two (`open`: up to the lede; `gated`: the rest, which
    /// the theme wraps in `<div class="paywall">`); null for a free story.
    pub paywall: Option<PaywallView>,
    pub dateline: Option<&'a Dateline>,
    pub section: Option<SectionLink<'a>>,
    pub tags: Vec<TagLink<'a>>,
    pub summary: &'a str,
    pub body: std::borrow::Cow<'a, str>,
    pub attn: &'a [String],
    pub emails: &'a [String],
    /// The story's photo as one URL (of a resized photo, a rendition about 800 pixels wide).
    pub image: Option<String>,
    /// The image as an absolute URL (for OpenGraph and JSON-LD): of a resized photo, its
    /// narrowest JPEG rendition at least 1,200 pixels wide (else its widest).
    pub image_url: Option<String>,
    /// The lead photo (`templates/photo.html`), when the story has one.
    pub photo: Option<PhotoView<'a>>,
    pub corrections: Vec<CorrectionView<'a>>,
    pub format: crate::parse::Format,
    pub source: &'a str,
    pub versions: Vec<VersionView<'a>>,
}

/// One name of a byline.
#[derive(Serialize)]
pub struct BylineView<'a> {
    pub name: &'a str,
    /// The author's page in the page's language (absolute in feeds); null for a name that no
    /// author file has.
    pub url: Option<String>,
    pub role: Option<&'a str>,
}

#[derive(Serialize)]
pub struct PaywallView {
    pub open: String,
    pub gated: String,
}

/// An author as their page and the author list show them, in the page's language.
#[derive(Serialize)]
pub struct AuthorView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub role: Option<&'a str>,
    /// The bio's paragraphs.
    pub bio: Vec<&'a str>,
    /// The photo's URL, when the author file gives one.
    pub photo: Option<String>,
    pub emails: &'a [String],
    pub links: Vec<AuthorLinkView<'a>>,
    /// Their page in this language.
    pub url: String,
    /// How many stories it lists.
    pub count: usize,
}

#[derive(Serialize)]
pub struct AuthorLinkView<'a> {
    pub label: &'a str,
    pub url: &'a str,
}

#[derive(Serialize)]
pub struct CorrectionView<'a> {
    pub date: String,
    pub text: &'a str,
}

#[derive(Serialize)]
pub struct RelatedView<'a> {
    pub title: &'a str,
    pub url: Option<String>,
    /// True for computed entries only (the editor's and backlinks are false): `RelatedSource::is_computed`.
    pub computed: bool,
    pub date: Option<String>,
    pub section: Option<SectionLink<'a>>,
}

#[derive(Serialize)]
pub struct LinkView<'a> {
    pub title: &'a str,
    pub url: String,
}

#[derive(Serialize)]
pub struct ItemView<'a> {
    pub title: &'a str,
    pub label: Option<String>,
    pub version_tag: Option<String>,
    pub url: String,
    pub date: String,
    pub updated: Option<String>,
    pub section: Option<SectionLink<'a>>,
    pub summary: &'a str,
    pub related: Vec<LinkView<'a>>,
    /// The lead photo as a thumbnail, when the story has one.
    pub photo: Option<PhotoView<'a>>,
}

/// A photo as `templates/photo.html` shows it.
#[derive(Serialize)]
pub struct PhotoView<'a> {
    /// `lead` (an article's first photo: loaded at once, with its caption) or `thumb` (a list's).
    pub kind: &'static str,
    /// The `<img>` URL: a JPEG rendition (or the photo as written, when it is not resized).
    pub src: String,
    /// Size of `src`, for `width`/`height` (none for a photo as written).
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The JPEG renditions as a `srcset` (empty for a photo as written).
    pub srcset: String,
    /// One `<source>` per other format (WebP), first in the order browsers should prefer.
    pub sources: Vec<SourceView>,
    pub sizes: &'a str,
    pub alt: &'a str,
    pub caption: Option<&'a str>,
    pub credit: Option<&'a str>,
}

#[derive(Serialize)]
pub struct SourceView {
    #[serde(rename = "type")]
    pub mime: &'static str,
    pub srcset: String,
}

/// Where a list page sits among its list's pages ([`crate::site::paging`]). No count of pages:
/// it changes with each page added, and would change every page with it.
#[derive(Serialize)]
pub struct Pagination {
    /// Whether this is the list's front page (its own URL, the newest stories).
    pub front: bool,
    /// An archive page's number, counted from the oldest page (1); none on the front.
    pub number: Option<usize>,
    /// The page of newer stories (null on the front).
    pub newer_url: Option<String>,
    /// The page of older stories (null on the oldest page).
    pub older_url: Option<String>,
    pub front_url: String,
    /// The page of the oldest stories (null on that page).
    pub oldest_url: Option<String>,
}

#[derive(Serialize)]
pub struct ListView<'a> {
    pub title: String,
    pub kind: &'a str,
    pub items: Vec<ItemView<'a>>,
    pub pagination: Pagination,
    /// Set on day, month and year lists; `null` on the others.
    pub archive: Option<ArchiveView>,
    /// Set on an author's page; `null` on the others.
    pub author: Option<AuthorView<'a>>,
}

/// `list.archive`: the archive pages around a day, month or year page (see `plan::archive_of`).
#[derive(Serialize)]
pub struct ArchiveView {
    /// A day's month, a month's year; `null` on a year.
    pub up: Option<ArchiveLink>,
    /// The next older page of the same kind with stories.
    pub prev: Option<ArchiveLink>,
    /// The next newer page of the same kind with stories.
    pub next: Option<ArchiveLink>,
    /// A year's months, a month's days, oldest first; empty on a day.
    pub children: Vec<ArchiveChild>,
}

#[derive(Serialize)]
pub struct ArchiveLink {
    pub title: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct ArchiveChild {
    pub title: String,
    pub url: String,
    /// How many stories it lists.
    pub count: usize,
}

/// A feed or sitemap entry: absolute URLs, full content.
#[derive(Serialize)]
pub struct FeedItem<'a> {
    pub title: &'a str,
    pub url: String,
    pub published: String,
    pub updated: String,
    pub summary: &'a str,
    /// The full body; null for a subscribers' story, whose feeds carry only its summary.
    pub body: Option<std::borrow::Cow<'a, str>>,
    /// The byline's names as shown.
    pub authors: Vec<&'a str>,
    /// The byline with absolute author page URLs.
    pub byline: Vec<BylineView<'a>>,
    pub section: Option<&'a str>,
}

#[derive(Serialize, Clone, Debug)]
pub struct SitemapEntry {
    pub url: String,
    pub lastmod: String,
    /// The page in the site's other languages, itself and `x-default` included (empty when it
    /// has no translation).
    pub alternates: Vec<AlternateLink>,
}

/// Formats a time as RFC 3339 with its offset, as every template date is.
pub fn rfc3339(z: &jiff::Zoned) -> String {
    let offset = z.offset().seconds();
    let year = u32::try_from(z.year()).ok().filter(|y| *y <= 9999 && offset % 60 == 0);
    let Some(year) = year else { return z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string() };
    // Written out by hand: `strftime` parses its format at every call, and pages print a date
    // for every list item.
    let digits = |out: &mut String, n: u32, width: u32| {
        for p in (0..width).rev() {
            out.push(char::from(b'0' + (n / 10u32.pow(p) % 10) as u8));
        }
    };
    let part = |n: i8| n.unsigned_abs().into();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    let mut out = String::with_capacity(25);
    digits(&mut out, year, 4);
    let parts = [
        ('-', part(z.month())),
        ('-', part(z.day())),
        ('T', part(z.hour())),
        (':', part(z.minute())),
        (':', part(z.second())),
        (sign, offset / 3600),
        (':', offset % 3600 / 60),
    ];
    for (sep, n) in parts {
        out.push(sep);
        digits(&mut out, n, 2);
    }
    out
}

impl Site {
    pub fn section_link(&self, i: SectionId) -> SectionLink<'_> {
        let s = &self.section(i);
        let prefix = &self.language(s.lang).prefix;
        SectionLink { slug: &s.slug, title: &s.title, url: self.url(&crate::site::urls::section_path(prefix, &s.slug)) }
    }

    /// A root-relative link (with the base URL's path prefix), percent-encoded
    /// ([`crate::text::url_path`]): `/world/%EB%A7%88…/` for the page written at `world/마…/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.config().root, crate::text::url_path(path))
    }

    /// An absolute URL, percent-encoded as [`Site::url`] is.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.config().base_url, crate::text::url_path(path))
    }

    /// A URL given in front matter or config (image, logo): absolute URLs as they are, root-relative
    /// paths under the site root, anything else left where it points; non-ASCII percent-encoded
    /// ([`crate::text::uri_reference`]).
    pub fn asset_url(&self, reference: &str) -> String {
        let reference = crate::text::uri_reference(reference);
        if reference.contains("://") || !reference.starts_with('/') {
            reference.into_owned()
        } else {
            format!("{}{reference}", self.config().root)
        }
    }

    /// The same reference as an absolute URL.
    pub fn asset_permalink(&self, reference: &str) -> String {
        let reference = crate::text::uri_reference(reference);
        if reference.contains("://") {
            reference.into_owned()
        } else {
            format!("{}/{}", self.config().base_url, reference.trim_start_matches('/'))
        }
    }

    pub fn label(&self, chain: ChainId) -> Option<String> {
        let labels = &self.shown(chain).headline.labels;
        (!labels.is_empty()).then(|| labels.join(" · "))
    }

    /// The time a chain was last changed, when it ever was: `None` for an untouched single version.
    pub fn updated(&self, chain: ChainId) -> Option<String> {
        let c = &self.chain(chain);
        (c.modified > c.first_published).then(|| rfc3339(&c.modified))
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn rfc3339_reads_as_strftime_does() {
        let times = [
            "2024-06-19T15:22:45Z",
            "2024-01-01T00:00:00Z",
            "1999-12-31T23:59:59.999Z",
            "0001-01-01T00:00:00Z",
            "9999-12-30T12:00:00Z",
            "1850-03-01T12:00:00Z",
            "2026-03-29T01:30:00Z",
        ];
        let zones = ["UTC", "Asia/Seoul", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"];
        for t in times {
            let ts: jiff::Timestamp = t.parse().unwrap();
            for zone in zones {
                let z = ts.in_tz(zone).unwrap();
                assert_eq!(rfc3339(&z), z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(), "{t} in {zone}");
            }
        }
        let z = "2024-06-19T15:22:45-04:00[America/New_York]".parse::<jiff::Zoned>().unwrap();
        assert_eq!(rfc3339(&z), "2024-06-19T15:22:45-04:00");
    }
}
