//! Wire feed items (IPTC ninjs, NewsML-G2) → [`Story`]. The format readers (`ninjs.rs`,
//! `newsml.rs`) turn their syntax into an [`Item`], a plain description of one news item; [`finish`]
//! maps every item to a story the same way: identity and versions, publication status, embargo,
//! headline, sanitized body, people, places, subjects and the picture. No I/O.
//!
//! Wire HTML is untrusted: every HTML, XHTML or NITF body is cleaned by ammonia (no script, styles,
//! event handlers or `javascript:` URLs); plain text becomes escaped paragraphs.

use std::path::Path;
use std::sync::LazyLock;

use jiff::Zoned;

use super::headline::{Headline, Version};
use super::{
    Dateline, Format, Grouping, LangId, ParseOptions, PhotoOrigin, PhotoRef, Status, Story, TranslationKey, parse_date,
    section_from_path,
};
use crate::diag::{ErrorKind, ParseError};
use crate::text::{clean_line, decode_entities, paragraphs_html};

/// What kind of item a file holds. Only news text becomes a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    Text,
    /// A picture (or graphic, video…) with no text of its own.
    Picture,
    /// An event, planning or concept item, or anything else that is not news to publish.
    Other(String),
}

/// A subject of an item: an IPTC Media Topic or subject code, with the name the item gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// `medtop:04000000`, `subj:15000000`, or a URI.
    pub code: Option<String>,
    pub name: Option<String>,
}

/// An item's body as the feed carries it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Body {
    #[default]
    None,
    /// Plain text: paragraphs separated by blank lines (or single newlines).
    Text(String),
    /// HTML, XHTML or inline NITF markup: untrusted, cleaned before use.
    Html(String),
}

/// One news item, read from a feed file; dates are the feed's own text (RFC 3339, or a date).
#[derive(Debug, Clone, Default)]
pub struct Item {
    pub kind: Option<ItemKind>,
    /// The item's identity across versions: ninjs `uri`, NewsML-G2 `guid`.
    pub uri: Option<String>,
    /// The version number, when the feed gives one.
    pub version: Option<u64>,
    pub headline: Option<String>,
    /// The line of the file the headline is on (1 when unknown).
    pub headline_line: usize,
    pub subheadline: Option<String>,
    pub description: Option<String>,
    pub slugline: Option<String>,
    /// Genres, shown as labels (`Analysis`, `Interview`).
    pub genres: Vec<String>,
    pub first_created: Option<String>,
    pub version_created: Option<String>,
    /// Embargoed until this time.
    pub embargoed: Option<String>,
    pub status: Status,
    pub language: Option<String>,
    pub authors: Vec<String>,
    /// Where the story happened (the dateline's place).
    pub located: Option<String>,
    /// A dateline as written (`OSLO, June 3 (NTB)`).
    pub dateline: Option<String>,
    pub subjects: Vec<Subject>,
    pub body: Body,
    /// The best rendition of the item's main picture (an absolute URL or a path).
    pub image: Option<String>,
    /// Correction notes the feed signals (text), dated at `version_created`.
    pub corrections: Vec<String>,
}

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.link_rel(Some("noopener noreferrer nofollow"));
    b
});

/// Maps one item to a story. Errors name what is missing (headline, date) at the item's line; an
/// item that is not news text is an [`ErrorKind::NotNewsText`] error, which the build reports as a
/// warning and skips.
pub fn finish(rel: &Path, item: Item, opts: &ParseOptions, format: Format) -> Result<Story, Vec<ParseError>> {
    match &item.kind {
        Some(ItemKind::Text) | None => {}
        Some(ItemKind::Picture) => return Err(vec![not_news("a picture item with no text")]),
        Some(ItemKind::Other(what)) => return Err(vec![not_news(&format!("a {what} item"))]),
    }
    let line = item.headline_line.max(1);
    let mut errors = Vec::new();
    // A feed item's own language picks the site language it belongs to when the site has it; an
    // item in a language the site does not list goes to the default language, tagged as it is.
    let own = item.language.as_deref().map(clean_line).filter(|l| !l.is_empty());
    let lang = match own.as_deref().map(|l| opts.story_language(rel, Some(l))) {
        Some(Ok(l)) => l,
        _ => opts.story_language(rel, None).unwrap_or_else(|msg| {
            errors.push(ParseError::new(ErrorKind::UnsafeValue, 1, 1, msg));
            LangId::DEFAULT
        }),
    };
    let opts = &*opts.in_language(lang);
    let headline_text = item.headline.as_deref().map(clean_line).filter(|h| !h.is_empty());
    if headline_text.is_none() {
        errors.push(ParseError::new(ErrorKind::MissingField, line, 1, "the item has no headline"));
    }
    let date = |raw: &Option<String>, what: &str, errors: &mut Vec<ParseError>| -> Option<Zoned> {
        let raw = raw.as_deref()?;
        match parse_date(raw, &opts.tz) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(ParseError::new(ErrorKind::Date, line, 1, format!("{what} `{raw}`: {e}")));
                None
            }
        }
    };
    let first = date(&item.first_created, "firstCreated", &mut errors);
    let version = date(&item.version_created, "versionCreated", &mut errors);
    let embargo = date(&item.embargoed, "embargo", &mut errors);
    let Some(published) = first.clone().or_else(|| version.clone()) else {
        if errors.iter().all(|e| e.kind != ErrorKind::Date) {
            errors.push(ParseError::new(
                ErrorKind::MissingField,
                line,
                1,
                "the item has no firstCreated or versionCreated date",
            ));
        }
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let (body_html, paragraphs) = body(&item.body);
    let lede = paragraphs.first().cloned().unwrap_or_default();
    let summary = item.description.as_deref().or(item.subheadline.as_deref()).map(clean_line).unwrap_or(lede.clone());
    let updated = version.filter(|v| *v > published);
    let corrections = item
        .corrections
        .iter()
        .map(|text| super::Correction { date: updated.clone().unwrap_or(published.clone()), text: clean_line(text) })
        .collect();
    let mut labels: Vec<String> = item.genres.iter().map(|g| clean_line(g)).filter(|g| !g.is_empty()).collect();
    labels.dedup();
    Ok(Story {
        source: rel.to_string_lossy().replace('\\', "/"),
        format,
        headline: Headline { text: headline_text.unwrap_or_default(), version: Version::Plain, labels },
        date: published,
        updated,
        authors: item.authors.iter().map(|a| clean_line(a)).filter(|a| !a.is_empty()).collect(),
        byline_line: line,
        dateline: dateline(&item),
        section: section_from_path(rel),
        tags: tags(&item.subjects),
        summary,
        lede,
        related: Vec::new(),
        slug: None,
        draft: false,
        image: item.image.as_deref().map(clean_line).filter(|i| !i.is_empty()),
        photos: item
            .image
            .as_deref()
            .map(clean_line)
            .filter(|i| !i.is_empty())
            .map(|src| PhotoRef {
                src,
                caption: None,
                credit: None,
                alt: None,
                origin: PhotoOrigin::Feed,
                line,
                col: 1,
            })
            .into_iter()
            .collect(),
        grouping: match &item.uri {
            Some(uri) if !uri.trim().is_empty() => Grouping::Key(format!("uri:{}", uri.trim())),
            _ => Grouping::Standalone,
        },
        status: item.status,
        language: own,
        lang,
        translation: TranslationKey::Path(super::translation_path(rel)),
        body: crate::bodies::Body::Html(body_html),
        attn: Vec::new(),
        emails: Vec::new(),
        publish_at: embargo,
        expires: None,
        corrections,
        digest: 0,
        links: Vec::new(),
        urls: Vec::new(),
        related_lines: Vec::new(),
        headline_line: line,
        access: super::Access::Free,
        coverage: super::Coverage::None,
        breaking: false,
    })
}

fn not_news(what: &str) -> ParseError {
    ParseError::new(ErrorKind::NotNewsText, 1, 1, format!("not a news text item ({what}), skipped"))
}

/// Safe body HTML and its paragraphs as plain text (the first is the lede).
fn body(body: &Body) -> (String, Vec<String>) {
    match body {
        Body::None => (String::new(), Vec::new()),
        Body::Text(text) => {
            let paragraphs: Vec<String> = split_paragraphs(text);
            (paragraphs_html(&paragraphs), paragraphs)
        }
        Body::Html(html) => {
            // The page's headline is its one <h1>: a body's own headings start below it.
            let clean = CLEANER.clean(html).to_string().replace("<h1", "<h2").replace("</h1>", "</h2>");
            let text = ammonia::Builder::empty().clean(&clean.replace("</p>", "</p>\n\n")).to_string();
            (clean, split_paragraphs(&decode_entities(&text)))
        }
    }
}

/// Paragraphs of plain text: blank lines separate them, or single newlines where there are none.
fn split_paragraphs(text: &str) -> Vec<String> {
    let sep = if text.contains("\n\n") { "\n\n" } else { "\n" };
    text.split(sep).map(clean_line).filter(|p| !p.is_empty()).collect()
}

fn dateline(item: &Item) -> Option<Dateline> {
    let text = item.dateline.as_deref().map(clean_line).filter(|d| !d.is_empty());
    let place = item.located.as_deref().map(clean_line).filter(|p| !p.is_empty());
    match (text, place) {
        (None, None) => None,
        (text, place) => Some(Dateline {
            text: text.or(place.clone()).unwrap_or_default(),
            place,
            date: None,
            agency: None,
            reporters: Vec::new(),
        }),
    }
}

/// Tag names of the subjects: the name the item gives, else the shipped Media Topic name.
fn tags(subjects: &[Subject]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in subjects {
        let name = s
            .name
            .as_deref()
            .map(clean_line)
            .filter(|n| !n.is_empty())
            .or_else(|| s.code.as_deref().and_then(super::media_topics::name).map(str::to_string));
        if let Some(n) = name
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}
