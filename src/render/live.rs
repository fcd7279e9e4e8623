//! Live pages and the breaking banner: the entries a live story's page shows ([`LiveView`]), its
//! poll file (`PAGE/live.json`, [`status_file`]) and a language's breaking-news file
//! (`PREFIX/breaking.json`, [`breaking_file`]).
//!
//! The poll file is small on purpose (about 150 bytes): an open page fetches it every few
//! seconds, and only when its `newest` or `entries` changed does it fetch the page itself and take
//! the new entries' nodes from it, so entries are rendered once, by the page's template, and no
//! HTML travels in JSON. Everything here reads the build's time only through
//! [`Site::live_state`] and [`Site::breaking`], so output stays a function of the model and `now`.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::json;

use super::views::rfc3339;
use crate::config::LangId;
use crate::diag::Diagnostic;
use crate::parse::{Dateline, Format};
use crate::plan::LIVE_STATUS;
use crate::site::live::{LiveState, end_time};
use crate::site::{ChainId, Site};

/// `live` in `article.html`: the coverage's state and its entries, newest first.
#[derive(Serialize)]
pub struct LiveView<'a> {
    /// The "live" badge shows.
    pub running: bool,
    /// `live_until` while coverage runs (the script hides the badge when it passes).
    pub until: Option<String>,
    /// When coverage ended, once it has.
    pub ended: Option<String>,
    /// The poll file's URL.
    pub status_url: String,
    pub entries: Vec<EntryView<'a>>,
}

/// One entry as the page shows it.
#[derive(Serialize)]
pub struct EntryView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub version_tag: Option<String>,
    pub date: String,
    pub dateline: Option<&'a Dateline>,
    pub authors: &'a [String],
    /// Safe HTML, made like a story body (`@/` links resolved).
    pub body: Cow<'a, str>,
    pub format: Format,
}

/// The live view of a chain, if it is a live story (an entry's body that cannot be read is an
/// error).
pub fn view(site: &Site, c: ChainId) -> Result<Option<LiveView<'_>>, Diagnostic> {
    let Some(state) = site.live_state(c) else {
        return Ok(None);
    };
    let chain = site.chain(c);
    let coverage = &site.shown(c).coverage;
    let entries = site.live_entries(c);
    let until = match (state, coverage) {
        (LiveState::Running, crate::parse::Coverage::Live { until: Some(u) }) => Some(rfc3339(u)),
        _ => None,
    };
    let views = entries
        .iter()
        .map(|e| {
            Ok(EntryView {
                id: &e.id,
                title: &e.story.headline.text,
                version_tag: e.story.headline.version.tag(),
                date: rfc3339(&e.story.date),
                dateline: e.story.dateline.as_ref(),
                authors: &e.story.authors,
                body: site.body_html(&e.story)?,
                format: e.story.format,
            })
        })
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    Ok(Some(LiveView {
        running: state == LiveState::Running,
        until,
        ended: (state == LiveState::Ended).then(|| rfc3339(end_time(coverage, entries, &chain.modified))),
        status_url: site.url(&format!("{}{LIVE_STATUS}", chain.path)),
        entries: views,
    }))
}

/// `PAGE/live.json`: `{"live": true|false, "until": …, "entries": N, "newest": id, "updated": …}`.
pub fn status_file(site: &Site, c: ChainId) -> Vec<u8> {
    let state = site.live_state(c);
    let entries = site.live_entries(c);
    let until = match &site.shown(c).coverage {
        crate::parse::Coverage::Live { until } => until.as_ref().map(rfc3339),
        _ => None,
    };
    let newest = entries.first();
    let doc = json!({
        "live": state == Some(LiveState::Running),
        "until": until,
        "entries": entries.len(),
        "newest": newest.map(|e| e.id.as_str()),
        "updated": newest.map(|e| rfc3339(&e.story.date)),
    });
    poll_bytes(&doc)
}

/// A poll file's bytes: JSON with `<`, `>` and `&` as `\uXXXX` escapes, so story text in it is
/// never markup even to a client that sniffs the type.
fn poll_bytes(doc: &serde_json::Value) -> Vec<u8> {
    let mut out = super::jsonld::escape_for_script(&doc.to_string()).into_bytes();
    out.push(b'\n');
    out
}

/// The most stories a breaking file lists.
pub const BREAKING_MAX: usize = 5;

/// `PREFIX/breaking.json`: `{"stories": [{"headline", "url", "since", "until"}]}`, newest first.
/// The script shows each story while the reader's clock is between `since` and `until`.
pub fn breaking_file(site: &Site, lang: LangId) -> Vec<u8> {
    let stories: Vec<serde_json::Value> = site
        .breaking(lang)
        .iter()
        .take(BREAKING_MAX)
        .map(|b| {
            json!({
                "headline": site.shown(b.chain).headline.text,
                "url": site.url(&site.chain(b.chain).path),
                "since": rfc3339(&b.since),
                "until": rfc3339(&b.until),
            })
        })
        .collect();
    poll_bytes(&json!({ "stories": stories }))
}
