//! `gazette.toml` → [`Config`].
//!
//! The file is read into [`RawConfig`] (serde, `deny_unknown_fields`, every key optional), then
//! resolved into a checked [`Config`] by destructuring every field, so a new key does not compile
//! until it is handled. No file means the defaults: a folder holding only `content/` builds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use jiff::tz::TimeZone;
use serde::Deserialize;

use crate::diag::{Diagnostic, line_col};

/// The config file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    pub title: Option<String>,
    pub description: Option<String>,
    pub base_url: Option<String>,
    pub language: Option<String>,
    pub timezone: Option<String>,
    pub permalink: Option<String>,
    pub per_page: Option<usize>,
    pub sections: BTreeMap<String, String>,
    pub related: RawRelated,
    /// Publisher logo URL for JSON-LD (absolute, or a path under the site).
    pub logo: Option<String>,
    /// Stories per feed (default 20).
    pub feed_limit: Option<usize>,
    /// URLs per sitemap file; past it `sitemap.xml` becomes an index (default 50,000).
    pub sitemap_limit: Option<usize>,
    /// `"keep"` (default): an expired story keeps its page but leaves lists and feeds;
    /// `"remove"`: its page goes too.
    pub expired: Option<String>,
    pub news: RawNews,
    pub markdown: RawMarkdown,
}

/// `[markdown]`: how Markdown bodies are rendered.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawMarkdown {
    /// Raw HTML in Markdown: `"allow"` (default, trusted editors), `"sanitize"` (ammonia keeps
    /// safe tags and drops scripts, styles, event handlers and `javascript:` URLs) or `"escape"`
    /// (shown as text).
    pub raw_html: Option<String>,
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
    pub threshold: Option<f64>,
    /// Similarity two same-day wire headlines need to be versions of one story.
    pub version_threshold: Option<f64>,
    /// The related list is filled with computed stories up to this length.
    pub max: Option<usize>,
    /// `"text"` (default) shows unresolved headlines as plain text, `"hide"` drops them.
    pub unresolved: Option<String>,
}

/// What the command line can override.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Include embargoed stories (dated in the future).
    pub future: bool,
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
    pub language: String,
    pub timezone: TimeZone,
    pub timezone_name: String,
    pub permalink: Permalink,
    pub per_page: usize,
    /// Section slug → display title, in the order the navigation shows them.
    pub sections: BTreeMap<String, String>,
    pub related: RelatedConfig,
    pub drafts: bool,
    pub future: bool,
    /// The build time: embargoes, expiry and the news sitemap window are measured from it.
    pub now: jiff::Zoned,
    pub logo: Option<String>,
    pub feed_limit: usize,
    pub sitemap_limit: usize,
    pub expired: Expired,
    pub news: NewsConfig,
    pub raw_html: RawHtml,
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
    pub max: usize,
    pub unresolved: Unresolved,
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

/// Reads `SITE_DIR/gazette.toml` if it exists and resolves it.
pub fn load(site_dir: &Path, overrides: &Overrides) -> Result<Config> {
    let path = site_dir.join("gazette.toml");
    let raw = if path.exists() {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        parse_raw(&text).map_err(|d| anyhow::anyhow!("{}", Diagnostic { path: path.clone(), ..d }))?
    } else {
        RawConfig::default()
    };
    resolve(raw, site_dir, overrides).with_context(|| format!("in {}", path.display()))
}

/// A fingerprint of everything configuration-like a page depends on: the config file, the
/// command-line overrides (not the clock) and the gazette binary itself, so a new build of Gazette
/// re-renders everything.
pub fn fingerprint(site_dir: &Path, overrides: &Overrides) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    std::fs::read(site_dir.join("gazette.toml")).ok().hash(&mut h);
    (&overrides.base_url, overrides.drafts, overrides.future, env!("CARGO_PKG_VERSION")).hash(&mut h);
    if let Some(meta) = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok()) {
        (meta.len(), meta.modified().ok()).hash(&mut h);
    }
    h.finish()
}

/// Parses the text of a config file; the error is located (its path is left empty).
pub fn parse_raw(text: &str) -> Result<RawConfig, Diagnostic> {
    toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        Diagnostic::new(Path::new(""), line, col, e.message().trim().to_string())
    })
}

/// Turns the raw file into a checked config. Every field is destructured on purpose.
pub fn resolve(raw: RawConfig, site_dir: &Path, overrides: &Overrides) -> Result<Config> {
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
    } = raw;
    let base_url = overrides.base_url.clone().or(base_url).unwrap_or_else(|| "http://localhost".into());
    let base_url = base_url.trim_end_matches('/').to_string();
    let root = url_path(&base_url)?;
    let timezone_name = timezone.unwrap_or_else(|| "UTC".into());
    let tz = TimeZone::get(&timezone_name)
        .map_err(|_| anyhow::anyhow!("unknown timezone `{timezone_name}` (use an IANA name such as Asia/Seoul)"))?;
    let permalink = Permalink::parse(permalink.as_deref().unwrap_or(DEFAULT_PERMALINK))
        .map_err(|e| anyhow::anyhow!("permalink: {e}"))?;
    let per_page = per_page.unwrap_or(20);
    if per_page == 0 {
        bail!("per_page must be at least 1");
    }
    for slug in sections.keys() {
        if crate::text::slugify(slug) != *slug {
            bail!("[sections]: key `{slug}` must be a section slug such as `{}`", crate::text::slugify(slug));
        }
    }
    let title = title.unwrap_or_else(|| "Gazette".into());
    let language = language.unwrap_or_else(|| "en".into());
    let expired = match expired.as_deref() {
        None | Some("keep") => Expired::Keep,
        Some("remove") => Expired::Remove,
        Some(other) => bail!("expired = `{other}`: use \"keep\" or \"remove\""),
    };
    let RawNews { name, language: news_language, window_hours, max } = news;
    let news = NewsConfig {
        name: name.unwrap_or_else(|| title.clone()),
        language: news_language.unwrap_or_else(|| language.to_lowercase()),
        window_hours: window_hours.unwrap_or(48),
        max: max.unwrap_or(1000).min(1000),
    };
    let RawMarkdown { raw_html } = markdown;
    let raw_html = match raw_html.as_deref() {
        None | Some("allow") => RawHtml::Allow,
        Some("sanitize") => RawHtml::Sanitize,
        Some("escape") => RawHtml::Escape,
        Some(other) => bail!("[markdown] raw_html = `{other}`: use \"allow\", \"sanitize\" or \"escape\""),
    };
    let sitemap_limit = sitemap_limit.unwrap_or(50_000).clamp(1, 50_000);
    let now = overrides.now.unwrap_or_else(jiff::Timestamp::now).to_zoned(tz.clone());
    Ok(Config {
        site_dir: site_dir.to_path_buf(),
        title,
        description: description.unwrap_or_default(),
        base_url,
        root,
        language,
        timezone: tz,
        timezone_name,
        permalink,
        per_page,
        sections,
        related: resolve_related(related)?,
        drafts: overrides.drafts,
        future: overrides.future,
        now,
        logo,
        feed_limit: feed_limit.unwrap_or(20).max(1),
        sitemap_limit,
        expired,
        news,
        raw_html,
    })
}

fn resolve_related(raw: RawRelated) -> Result<RelatedConfig> {
    let RawRelated { threshold, version_threshold, max, unresolved } = raw;
    let unresolved = match unresolved.as_deref() {
        None | Some("text") => Unresolved::Text,
        Some("hide") => Unresolved::Hide,
        Some(other) => bail!("[related] unresolved = `{other}`: use \"text\" or \"hide\""),
    };
    let check = |name: &str, v: f64| {
        if (0.0..=1.0).contains(&v) { Ok(v) } else { Err(anyhow::anyhow!("[related] {name} must be between 0 and 1")) }
    };
    Ok(RelatedConfig {
        threshold: check("threshold", threshold.unwrap_or(0.6))?,
        version_threshold: check("version_threshold", version_threshold.unwrap_or(0.6))?,
        max: max.unwrap_or(5),
        unresolved,
    })
}

/// The path part of an absolute URL, without a trailing slash.
fn url_path(base_url: &str) -> Result<String> {
    let Some((scheme, rest)) = base_url.split_once("://") else {
        bail!("base_url `{base_url}` must be an absolute URL such as https://news.example");
    };
    if scheme.is_empty() || rest.is_empty() {
        bail!("base_url `{base_url}` must be an absolute URL such as https://news.example");
    }
    Ok(rest.find('/').map_or(String::new(), |i| rest[i..].trim_end_matches('/').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn base_url_path_becomes_root() {
        let raw = RawConfig { base_url: Some("https://x.org/news/".into()), ..Default::default() };
        let c = resolve(raw, Path::new("."), &Overrides::default()).unwrap();
        assert_eq!((c.base_url.as_str(), c.root.as_str()), ("https://x.org/news", "/news"));
    }

    #[test]
    fn permalink_table() {
        assert!(Permalink::parse("/{year}/{slug}/").is_ok());
        assert!(Permalink::parse("/{year}/").is_err());
        assert!(Permalink::parse("/../{slug}/").is_err());
        assert!(Permalink::parse("/{author}/{slug}/").is_err());
    }

    #[test]
    fn bad_timezone_is_an_error() {
        let raw = RawConfig { timezone: Some("Mars/Olympus".into()), ..Default::default() };
        assert!(resolve(raw, Path::new("."), &Overrides::default()).is_err());
    }
}
