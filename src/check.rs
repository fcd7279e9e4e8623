//! `gazette check`: everything a build does short of writing the site, then a report of what an
//! editor should fix: broken links (by path, relative, and with `--external` on the web), related
//! headlines that name no story, stories with no section or tags, headlines over 110 characters,
//! duplicate headlines, bylines that name no known author (when the site has `authors/`), and the
//! model's own warnings (slug collisions). Errors fail the check;
//! warnings only with `--strict`.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use rayon::prelude::*;

use crate::config::{self, Overrides};
use crate::diag::{Diagnostic, Level};
use crate::load;
use crate::parse::ParseOptions;
use crate::pipeline::parse_all;
use crate::plan::Plan;
use crate::render::{self, Renderer, Strings, theme};
use crate::site::{Byline, Site, Visibility, related, urls::content_path};
use crate::text::normalize_headline;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub site_dir: PathBuf,
    pub overrides: Overrides,
    /// Also request every external link.
    pub external: bool,
    /// Per request.
    pub timeout: Duration,
    /// External requests in flight at once.
    pub concurrency: usize,
}

/// One thing to fix, located.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub level: Level,
    pub diag: Diagnostic,
}

fn error(diag: Diagnostic) -> Finding {
    Finding { level: Level::Error, diag }
}

fn warning(diag: Diagnostic) -> Finding {
    Finding { level: Level::Warning, diag }
}

/// Runs every check; the findings come sorted by file and line. `Err` only when the site cannot be
/// read at all (no content/, a broken config).
pub fn check(opts: &CheckOptions) -> Result<Report> {
    let site_dir = &opts.site_dir;
    if !site_dir.join("content").is_dir() {
        anyhow::bail!("{} has no content/ folder", site_dir.display());
    }
    let config = config::load(site_dir, &opts.overrides)?;
    let inputs = load::inputs(site_dir)?;
    let mut findings: Vec<Finding> = inputs.errors.into_iter().map(error).collect();
    let (authors, author_errors) = crate::authors::parse(&inputs.authors, &config);
    findings.extend(author_errors.into_iter().map(error));
    let opts_parse = ParseOptions::from_config(&config);
    // Parse one file at a time so one bad story does not hide the others' checks.
    let mut stories = Vec::new();
    for file in &inputs.stories {
        match parse_all(std::slice::from_ref(file), &config.encodings, &opts_parse) {
            Ok(mut all) => {
                stories.append(&mut all.stories);
                findings.extend(all.skipped.into_iter().map(warning));
            }
            Err(e) => findings.extend(e.into_iter().map(error)),
        }
    }
    let strings = match Strings::resolve(&config.languages, &inputs.templates, &site_dir.join("templates")) {
        Ok(s) => Some(s),
        Err(e) => {
            findings.extend(e.into_iter().map(error));
            None
        }
    };
    let tera = theme::build(&inputs.templates, &site_dir.join("templates"));
    let tera = match tera {
        Ok(t) => Some(t),
        Err(e) => {
            findings.extend(e.into_iter().map(error));
            None
        }
    };
    let stories = stories.into_iter().map(std::sync::Arc::new).collect();
    let site = match Site::assemble(config, std::sync::Arc::new(authors), stories) {
        Ok(mut site) => {
            site.link_related();
            site
        }
        Err(e) => {
            findings.extend(e.into_iter().map(error));
            return Ok(Report::stopped(findings));
        }
    };
    let photos = match crate::photos::process(&site) {
        Ok(p) => p,
        Err(e) => {
            findings.extend(e.into_iter().map(error));
            return Ok(Report::stopped(findings));
        }
    };
    findings.extend(photos.warnings.iter().cloned().map(warning));
    let plan = match Plan::new(&site, inputs.statics, crate::index::build(&site), photos) {
        Ok(plan) => plan,
        Err(e) => {
            findings.extend(e.into_iter().map(error));
            return Ok(Report::stopped(findings));
        }
    };
    if let (Some(tera), Some(strings)) = (&tera, &strings) {
        findings.extend(render_errors(&site, &plan, tera, strings));
        findings.extend(missing_strings(&site, strings));
    }
    findings.extend(lonely_translations(&site));
    findings.extend(site.warnings().iter().cloned().map(warning));
    findings.extend(relative_links(&site, &plan));
    findings.extend(photo_text(&site, &plan));
    findings.extend(editorial(&site));
    findings.extend(unknown_bylines(&site));
    findings.extend(close_joins(&site));
    if opts.external {
        findings.extend(external_links(&site, opts));
    }
    Ok(Report {
        findings: sorted(findings),
        joins: site.describe_joins(),
        withdrawn: withdrawn(&site),
        withheld: withheld(&site),
    })
}

impl Report {
    /// The findings of a check that could not go on (the site model or its plan failed).
    fn stopped(findings: Vec<Finding>) -> Report {
        Report { findings: sorted(findings), joins: Vec::new(), withdrawn: Vec::new(), withheld: Vec::new() }
    }
}

/// What `check` found, and the wire files it took as versions of one story.
#[derive(Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// One line per implicit version join ([`Site::describe_joins`]).
    pub joins: Vec<String>,
    /// One line per story withdrawn by its sender: its URL, file and headline.
    pub withdrawn: Vec<String>,
    /// One line per file held back because its story is `withheld`: its file and headline.
    pub withheld: Vec<String>,
}

/// The files of withheld stories: `content/FILE: "headline"`, by path.
fn withheld(site: &Site) -> Vec<String> {
    site.withheld()
        .iter()
        .map(|&s| format!("content/{}: {:?}", site.story(s).source, site.story(s).headline.text))
        .collect()
}

/// The withdrawn stories: `URL: content/FILE: "headline"`, by URL.
fn withdrawn(site: &Site) -> Vec<String> {
    let mut out: Vec<String> = site
        .chains()
        .iter_enumerated()
        .filter(|(_, ch)| ch.visibility == Visibility::Withdrawn)
        .map(|(c, ch)| {
            let s = site.shown(c);
            format!("{}: content/{}: {:?}", ch.path, s.source, s.headline.text)
        })
        .collect();
    out.sort();
    out
}

/// When the site has authors (`authors/`), a warning for each story file whose byline names
/// someone no author file knows (by id, name or e-mail address), at the byline's line: the name
/// is shown as plain text and links to no author page.
fn unknown_bylines(site: &Site) -> Vec<Finding> {
    if site.authors().is_empty() {
        return Vec::new();
    }
    site.stories()
        .iter_enumerated()
        .filter_map(|(i, s)| {
            let unknown: Vec<String> = site
                .byline(i)
                .iter()
                .filter_map(|b| if let Byline::Name(n) = b { Some(format!("`{n}`")) } else { None })
                .collect();
            if unknown.is_empty() {
                return None;
            }
            let msg = format!("byline names no known author: {}", unknown.join(", "));
            let hint = "add an authors/ID.toml for them, or write the byline as a known author's name or id";
            let file = content_path(site.config(), &s.source);
            Some(warning(Diagnostic::new(&file, s.byline_line, 1, msg).with_hint(hint)))
        })
        .collect()
}

/// How near a threshold a join's similarity may be before `check` asks an editor to look.
const CLOSE: f64 = 0.1;

/// A warning for each implicit version join whose headline or lede similarity is within
/// [`CLOSE`] of its threshold: two stories may have been taken for one.
fn close_joins(site: &Site) -> Vec<Finding> {
    let rc = &site.config().related;
    site.joins()
        .iter()
        .filter(|j| j.headline < rc.version_threshold + CLOSE || j.lede < rc.version_lede_threshold + CLOSE)
        .map(|j| {
            let (a, b) = (site.story(j.a), site.story(j.b));
            let msg = format!(
                "taken as a version of the story in content/{} by a narrow margin (headline similarity {:.2}, threshold {:.2}; lede {:.2}, threshold {:.2})",
                a.source, j.headline, rc.version_threshold, j.lede, rc.version_lede_threshold
            );
            let hint = "if they are two stories, give one `standalone = true` in a front matter block; if they are one, give both the same `story` key";
            warning(Diagnostic::new(&content_path(site.config(), &b.source), b.headline_line, 1, msg).with_hint(hint))
        })
        .collect()
}

fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| a.diag.cmp(&b.diag).then(a.level.cmp(&b.level)));
    findings.dedup();
    findings
}

/// Renders every page through the build's loop into a sink that keeps nothing: template errors
/// that only show with real data.
/// Also reads every page's `hreflang` links as rendered (so a template that drops or hard-codes
/// them is caught): each must name a page of the site in its language, and that page must link
/// back.
fn render_errors(site: &Site, plan: &Plan, tera: &tera::Tera, strings: &Strings) -> Vec<Finding> {
    plan.search.prepare(site);
    let renderer = Renderer::new(site, plan, tera, strings);
    let digests = vec![0; plan.entries.len()];
    let sink = Hreflang::default();
    let mut out: Vec<Finding> = render::run(plan, &renderer, &digests, &sink, &|| {})
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(error)
        .collect();
    out.extend(hreflang_findings(site, plan, sink.links.into_inner().unwrap_or_else(|p| p.into_inner())));
    out
}

/// A page's path and its `hreflang` links as `(hreflang, absolute URL)`.
type PageLinks = (String, Vec<(String, String)>);

/// A sink that keeps nothing but the `hreflang` links of each HTML page.
#[derive(Default)]
struct Hreflang {
    links: std::sync::Mutex<Vec<PageLinks>>,
}

impl crate::write::Sink for Hreflang {
    fn hold(&self, _: &str, _: u64) -> crate::write::Held {
        crate::write::Held::Make
    }

    fn put(&self, rel: &str, _: u64, bytes: &[u8]) -> Result<crate::write::Put, Diagnostic> {
        if rel.ends_with(".html") {
            let links = hreflang_links(&String::from_utf8_lossy(bytes));
            if !links.is_empty() {
                self.links.lock().unwrap_or_else(|p| p.into_inner()).push((rel.to_string(), links));
            }
        }
        Ok(crate::write::Put::Written)
    }

    fn copy(&self, _: &str, _: u64, _: &std::path::Path) -> Result<crate::write::Put, Diagnostic> {
        Ok(crate::write::Put::Written)
    }
}

/// The `(hreflang, href)` of every `<link … hreflang="…" href="…">` of a page's head.
fn hreflang_links(html: &str) -> Vec<(String, String)> {
    let head = html.find("</head>").map_or(html, |i| &html[..i]);
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = tag[start..].find('"')? + start;
        Some(crate::text::decode_entities(&tag[start..end]))
    };
    head.split("<link")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            Some((attr(tag, "hreflang")?, attr(tag, "href")?))
        })
        .collect()
}

/// Dangling and one-way `hreflang` links, one error each at the page that has it.
fn hreflang_findings(site: &Site, plan: &Plan, pages: Vec<PageLinks>) -> Vec<Finding> {
    let base = &site.config().base_url;
    let page_of = |url: &str| -> Option<String> {
        let path = url.strip_prefix(base.as_str())?;
        let path = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
        let rel = path.trim_start_matches('/');
        let rel = if rel.is_empty() || rel.ends_with('/') { format!("{rel}index.html") } else { rel.to_string() };
        plan.at(&rel).map(|e| e.path.clone())
    };
    let by_page: std::collections::HashMap<&str, &Vec<(String, String)>> =
        pages.iter().map(|(p, l)| (p.as_str(), l)).collect();
    let mut out = Vec::new();
    for (page, links) in &pages {
        let own = site.permalink(&format!("/{}", page.trim_end_matches("index.html")));
        let at = Diagnostic::new(&site.config().site_dir.join("public").join(page), 1, 1, String::new());
        for (lang, url) in links {
            let Some(target) = page_of(url) else {
                let msg = format!("hreflang=\"{lang}\" links to {url}, which is no page of this site");
                out.push(error(Diagnostic { message: msg, ..at.clone() }));
                continue;
            };
            if lang == "x-default" || target == *page {
                continue;
            }
            let back = by_page.get(target.as_str()).is_some_and(|l| l.iter().any(|(_, u)| *u == own));
            if !back {
                let msg = format!("hreflang=\"{lang}\" links to {url}, which does not link back to {own}");
                out.push(error(Diagnostic { message: msg, ..at.clone() }));
            }
        }
    }
    out
}

/// A warning per language whose UI strings lack keys the default language has (the default
/// language's strings are shown in their place).
fn missing_strings(site: &Site, strings: &Strings) -> Vec<Finding> {
    let mut by_lang: std::collections::BTreeMap<crate::config::LangId, Vec<&str>> = Default::default();
    for (lang, key) in strings.missing() {
        by_lang.entry(*lang).or_default().push(key);
    }
    by_lang
        .into_iter()
        .map(|(lang, keys)| {
            let code = &site.language(lang).code;
            let file = site.config().site_dir.join("templates").join(format!("i18n/{code}.toml"));
            let msg = format!(
                "UI strings of `{code}` lack {} key{}: {}; the default language's strings are shown",
                keys.len(),
                if keys.len() == 1 { "" } else { "s" },
                keys.join(", ")
            );
            warning(Diagnostic::new(&file, 1, 1, msg).with_hint("add them to this file"))
        })
        .collect()
}

/// A warning for each `translation` key that no story in another language shares.
fn lonely_translations(site: &Site) -> Vec<Finding> {
    site.lonely_translations()
        .iter()
        .map(|&s| {
            let story = site.story(s);
            let msg = "its `translation` key is shared by no story in another language, so it links to no translation";
            warning(Diagnostic::new(&content_path(site.config(), &story.source), 1, 1, msg))
        })
        .collect()
}

/// Relative links and images in story bodies must reach a page or a static file of the site.
fn relative_links(site: &Site, plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    for (c, chain) in site.chains().iter_enumerated() {
        let story = site.shown(c);
        // A body image the photos stage resized is shown through its renditions.
        let resized: Vec<&str> = plan
            .photos
            .of(story)
            .iter()
            .filter(|p| matches!(p.photo, crate::photos::Photo::Local(_)))
            .map(|p| p.src.as_str())
            .collect();
        for link in story.urls.iter().filter(|l| !resized.contains(&l.target.as_str())) {
            let Some(target) = resolve_relative(&chain.path, &link.target) else { continue };
            let found = plan.at(&target).is_some()
                || plan.at(&format!("{}/index.html", target.trim_end_matches('/'))).is_some()
                || (target.is_empty() && plan.at("index.html").is_some());
            if !found {
                let file = content_path(site.config(), &story.source);
                let msg = format!("broken link `{}`: nothing of the site at /{target}", link.target);
                out.push(error(Diagnostic::new(&file, link.line, link.col, msg)));
            }
        }
    }
    out
}

/// A warning for each photo a story shows without alt text or without a credit, from the story or
/// the photo's own metadata.
fn photo_text(site: &Site, plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    for (c, _) in site.chains().iter_enumerated() {
        let story = site.shown(c);
        let file = content_path(site.config(), &story.source);
        for (shown, r) in plan.photos.of(story).iter().zip(&story.photos) {
            let (line, col) = (r.line, r.col);
            if shown.text.alt.is_none() {
                let msg = format!("photo `{}` has no alt text", shown.src);
                let hint = "give `alt` in `[[images]]`, Markdown's `![alt](…)`, or the photo's XMP alt text";
                out.push(warning(Diagnostic::new(&file, line, col, msg).with_hint(hint)));
            }
            if shown.text.credit.is_none() && shown.text.creator.is_none() {
                let msg = format!("photo `{}` has no credit", shown.src);
                let hint = "give `credit` in `[[images]]`, or embed an IPTC credit line or creator";
                out.push(warning(Diagnostic::new(&file, line, col, msg).with_hint(hint)));
            }
        }
    }
    out
}

/// A link relative to the page at `page` (a URL path such as `/politics/…/slug/`) as a path under
/// the output, without a leading `/`; `None` for external links, fragments and other schemes.
pub fn resolve_relative(page: &str, link: &str) -> Option<String> {
    let link = link.split(['#', '?']).next().unwrap_or("");
    if link.is_empty() || link.contains(':') || link.starts_with("//") {
        return None;
    }
    let base = if link.starts_with('/') { String::new() } else { page.to_string() };
    let mut parts: Vec<&str> = Vec::new();
    for seg in base.split('/').chain(link.split('/')).filter(|s| !s.is_empty() && *s != ".") {
        if seg == ".." {
            parts.pop();
        } else {
            parts.push(seg);
        }
    }
    let mut path = parts.join("/");
    if link.ends_with('/') && !path.is_empty() {
        path.push('/');
    }
    let decoded = percent_encoding::percent_decode_str(&path).decode_utf8_lossy().to_string();
    Some(decoded)
}

/// What an editor would want to know before publishing.
fn editorial(site: &Site) -> Vec<Finding> {
    let mut out = Vec::new();
    let file = |source: &str| content_path(site.config(), source);
    for (story, line, text) in related::unresolved(site) {
        let msg = format!("related headline names no story of the site: {text:?}");
        let hint = "check its wording against the story's headline; unresolved headlines show as plain text";
        out.push(warning(Diagnostic::new(&file(&site.story(story).source), line, 1, msg).with_hint(hint)));
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    for c in site.chains().keys() {
        let s = site.shown(c);
        let path = file(&s.source);
        if site.chain(c).section.is_none() {
            let d = Diagnostic::new(&path, 1, 1, "story has no section");
            out.push(warning(d.with_hint("set `section` in the front matter, or put the file in a section folder")));
        }
        if site.chain(c).tags.is_empty() {
            let d = Diagnostic::new(&path, 1, 1, "story has no tags");
            out.push(warning(
                d.with_hint("add `tags = [\"…\"]` to the front matter (wire stories can start with a +++ block)"),
            ));
        }
        let len = s.headline.text.chars().count();
        if len > 110 {
            let msg = format!("headline is {len} characters; search engines show 110 at most");
            out.push(warning(Diagnostic::new(&path, s.headline_line, 1, msg)));
        }
        if let Some(other) = seen.insert(normalize_headline(&s.headline.text), &s.source) {
            let msg = format!("same headline as content/{other}: {:?}", s.headline.text);
            out.push(warning(Diagnostic::new(&path, s.headline_line, 1, msg)));
        }
    }
    out
}

/// Requests every distinct external link once, a few at a time, and reports each place a link
/// that does not answer with a success is used.
fn external_links(site: &Site, opts: &CheckOptions) -> Vec<Finding> {
    let mut uses: HashMap<&str, Vec<(PathBuf, usize, usize)>> = HashMap::new();
    for c in site.chains().keys() {
        let s = site.shown(c);
        for link in s.urls.iter().filter(|l| l.target.starts_with("http://") || l.target.starts_with("https://")) {
            uses.entry(link.target.as_str()).or_default().push((
                content_path(site.config(), &s.source),
                link.line,
                link.col,
            ));
        }
    }
    let urls: BTreeSet<&str> = uses.keys().copied().collect();
    let urls: Vec<&str> = urls.into_iter().collect();
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(opts.concurrency.max(1)).build() {
        Ok(p) => p,
        Err(e) => return vec![error(Diagnostic::new(Path::new("check"), 1, 1, format!("cannot start requests: {e}")))],
    };
    let failures: Vec<(&str, String)> =
        pool.install(|| urls.par_iter().filter_map(|u| probe(u, opts.timeout).err().map(|e| (*u, e))).collect());
    let mut out = Vec::new();
    for (url, why) in failures {
        for (path, line, col) in &uses[url] {
            out.push(error(Diagnostic::new(path, *line, *col, format!("external link {url} does not answer: {why}"))));
        }
    }
    out
}

/// A HEAD request (GET when HEAD is refused); `Err` with the reason unless it succeeds.
fn probe(url: &str, timeout: Duration) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("gazette-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let status = match agent.head(url).call() {
        Ok(r) if r.status() == 405 || r.status() == 501 => agent.get(url).call().map(|r| r.status()),
        other => other.map(|r| r.status()),
    }
    .map_err(|e| e.to_string())?;
    if status.is_success() || status.is_redirection() { Ok(()) } else { Err(format!("HTTP {}", status.as_u16())) }
}

#[cfg(test)]
mod tests {
    use super::resolve_relative;

    #[test]
    fn relative_links_table() {
        let page = "/politics/2024/05/01/vote/";
        let cases = [
            ("../../02/other/", Some("politics/2024/05/02/other/")),
            ("/tags/budget/", Some("tags/budget/")),
            ("photo.jpg", Some("politics/2024/05/01/vote/photo.jpg")),
            ("/images/a%20b.png", Some("images/a b.png")),
            ("#section", None),
            ("https://example.org/", None),
            ("mailto:x@y.z", None),
            ("//cdn.example/x.js", None),
            ("/", Some("")),
        ];
        for (link, want) in cases {
            assert_eq!(resolve_relative(page, link).as_deref(), want, "{link}");
        }
    }
}
