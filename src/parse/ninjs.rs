//! IPTC ninjs (JSON; versions 1.x, 2.x and 3.x) → [`Item`] → [`Story`] through [`item::finish`].
//! No I/O.
//!
//! The versions spell the same fields differently: 1.x `headline`, `body_html`, `subject`,
//! `versioncreated`; 2.x `headlines`, `bodies`, `subjects`; 3.x camel case (`versionCreated`,
//! `contentType`, `embargoedUntil`). Keys are matched without regard to case, and each field
//! accepts every spelling, so one reader serves all three.
//!
//! Bounded: the JSON is read into a [`serde_json::Value`], whose deserializer stops at 128 levels
//! of nesting with a located error, so no input can overflow the stack.

use std::path::Path;

use serde_json::{Map, Value};

use super::item::{self, Body, Item, ItemKind, Subject};
use super::{Format, ParseOptions, Status, Story};
use crate::diag::{ErrorKind, ParseError};

type Object = Map<String, Value>;

/// Parses one ninjs object into a story, or the located errors that stop it.
pub fn parse(rel: &Path, text: &str, opts: &ParseOptions) -> Result<Story, Vec<ParseError>> {
    item::finish(rel, read(text)?, opts, Format::Ninjs)
}

/// Reads one ninjs object into an [`Item`]; malformed JSON is a located [`ErrorKind::Syntax`].
pub fn read(text: &str) -> Result<Item, Vec<ParseError>> {
    let value: Value = serde_json::from_str(text).map_err(|e| vec![syntax_error(&e)])?;
    let Value::Object(obj) = value else {
        return Err(vec![ParseError::new(ErrorKind::Syntax, 1, 1, "a ninjs file holds one JSON object")]);
    };
    Ok(item_of(&obj, text))
}

fn syntax_error(e: &serde_json::Error) -> ParseError {
    // serde_json's message ends with " at line L column C"; the position goes in the fields.
    let message = e.to_string();
    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
    ParseError::new(ErrorKind::Syntax, e.line().max(1), e.column().max(1), format!("malformed JSON: {message}"))
}

fn item_of(o: &Object, text: &str) -> Item {
    let (headline, subheadline) = headlines(o);
    let description = description(o);
    let body = body(o);
    let has_text = headline.is_some() && body != Body::None;
    let kind = kind(o, has_text);
    // Some agencies (NTB) send a short story's whole text as its description and no body.
    let body = match (body, &description) {
        (Body::None, Some(d)) if kind == ItemKind::Text => Body::Text(d.clone()),
        (body, _) => body,
    };
    Item {
        kind: Some(kind),
        uri: string(o, &["uri"]),
        version: get(o, "version").and_then(number),
        headline,
        headline_line: key_line(text),
        subheadline,
        description,
        slugline: string(o, &["slugline"]),
        genres: objects(o, &["genres", "genre"]).filter_map(|g| string(g, &["name"])).collect(),
        first_created: string(o, &["firstCreated", "contentCreated"]),
        version_created: string(o, &["versionCreated"]),
        embargoed: string(o, &["embargoedUntil", "embargoed"]),
        status: status(o),
        language: string(o, &["language"]),
        authors: authors(o),
        located: located(o),
        dateline: None,
        subjects: objects(o, &["subjects", "subject"]).filter_map(subject).collect(),
        body,
        image: image(o),
        corrections: Vec::new(),
    }
}

/// A key's value, matched exactly or else without regard to case (`versioncreated` is
/// `versionCreated`).
fn get<'a>(o: &'a Object, key: &str) -> Option<&'a Value> {
    o.get(key).or_else(|| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// The first of `keys` holding a non-blank string.
fn string(o: &Object, keys: &[&str]) -> Option<String> {
    keys.iter().filter_map(|k| get(o, k)?.as_str()).map(str::trim).find(|s| !s.is_empty()).map(str::to_string)
}

/// A whole number given as a number or as a string (`"version": "6"`).
fn number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
}

/// The objects of the first of `keys` present: an array of objects, an object of named objects
/// (1.x `associations`, `renditions`) or one object.
fn objects<'a>(o: &'a Object, keys: &[&str]) -> impl Iterator<Item = &'a Object> {
    let value = keys.iter().find_map(|k| get(o, k));
    let list: Vec<&Object> = match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(map)) if map.values().all(Value::is_object) => {
            map.values().filter_map(Value::as_object).collect()
        }
        Some(Value::Object(map)) => vec![map],
        _ => Vec::new(),
    };
    list.into_iter()
}

/// The `role` (or `rel`) of an entry, lower case, its last URI segment.
fn role(o: &Object) -> Option<String> {
    let r = string(o, &["role", "rel"])?;
    Some(r.rsplit(['/', ':', '#']).next().unwrap_or(&r).to_ascii_lowercase())
}

/// The main headline and the sub headline: 1.x/2.x `headline`, 3.x `headlines` by role.
fn headlines(o: &Object) -> (Option<String>, Option<String>) {
    let list: Vec<(Option<String>, String)> =
        objects(o, &["headlines"]).filter_map(|h| Some((role(h), string(h, &["value"])?))).collect();
    let by_role = |r: &str| list.iter().find(|(role, _)| role.as_deref() == Some(r)).map(|(_, v)| v.clone());
    let main = string(o, &["headline"]).or_else(|| by_role("main")).or_else(|| {
        list.iter().find(|(role, _)| !matches!(role.as_deref(), Some("sub" | "subheadline"))).map(|(_, v)| v.clone())
    });
    (main, by_role("sub").or_else(|| by_role("subheadline")))
}

/// 1.x/2.x `description_text`, 3.x `descriptions` (a summary or text, never a photo's caption or
/// credit line).
fn description(o: &Object) -> Option<String> {
    if let Some(d) = string(o, &["description_text"]) {
        return Some(d);
    }
    let list: Vec<(Option<String>, String)> =
        objects(o, &["descriptions"]).filter_map(|d| Some((role(d), string(d, &["value"])?))).collect();
    ["summary", "description", "abstract", "text"]
        .iter()
        .find_map(|want| list.iter().find(|(r, _)| r.as_deref() == Some(*want)))
        .or_else(|| list.iter().find(|(r, _)| r.is_none()))
        .map(|(_, v)| v.clone())
}

/// The best body: HTML or XHTML, then NITF, then plain text (1.x `body_*`, 2.x/3.x `bodies`).
fn body(o: &Object) -> Body {
    let mut candidates: Vec<(u8, Body)> = Vec::new();
    for (key, value) in o {
        let Some(kind) = key.to_ascii_lowercase().strip_prefix("body_").map(str::to_string) else { continue };
        if let Some(text) = value.as_str().filter(|t| !t.trim().is_empty()) {
            candidates.extend(ranked(&kind, text));
        }
    }
    for b in objects(o, &["bodies"]) {
        let (Some(text), kind) = (string(b, &["value"]), string(b, &["contentType"])) else { continue };
        candidates.extend(ranked(&kind.unwrap_or_else(|| "text/plain".into()).to_ascii_lowercase(), &text));
    }
    candidates.into_iter().min_by_key(|(rank, _)| *rank).map(|(_, b)| b).unwrap_or_default()
}

/// A body and its rank (lower is better) by its content type or 1.x key suffix; `None` for a
/// kind Gazette cannot show (other XML, say).
fn ranked(kind: &str, text: &str) -> Option<(u8, Body)> {
    let kind = kind.split(';').next().unwrap_or(kind).trim();
    if kind.contains("nitf") {
        Some((1, Body::Html(inner(text, "<body.content").to_string())))
    } else if kind.contains("html") {
        Some((0, Body::Html(inner(text, "<body").to_string())))
    } else if matches!(kind, "text" | "text/plain" | "plain") {
        Some((2, Body::Text(text.to_string())))
    } else {
        None
    }
}

/// The content of a whole document's `open` element (an HTML page's `<body>`, a NITF document's
/// `<body.content>`), so its head (`<title>`, NITF's `<hedline>`) does not repeat the headline in
/// the body; the text itself when it has no such element.
fn inner<'a>(text: &'a str, open: &str) -> &'a str {
    let lower = text.to_ascii_lowercase();
    let start = lower
        .match_indices(open)
        .map(|(i, _)| i + open.len())
        .find(|&i| matches!(lower.as_bytes().get(i), Some(b'>' | b' ' | b'\t' | b'\n')));
    let Some(start) = start else { return text };
    let Some(gt) = lower[start..].find('>') else { return text };
    let from = start + gt + 1;
    let close = format!("</{}", &open[1..]);
    let to = lower[from..].rfind(&close).map_or(text.len(), |i| from + i);
    &text[from..to]
}

/// What the item is, from its `type` (a short value, or an IPTC `ninature` URI or QCode).
fn kind(o: &Object, has_text: bool) -> ItemKind {
    let Some(t) = string(o, &["type"]) else {
        // 3.x events and planning items often leave out `type`; their details say what they are.
        return match (get(o, "eventDetails"), get(o, "plannedCoverage")) {
            (Some(_), _) => ItemKind::Other("event".into()),
            (None, Some(_)) => ItemKind::Other("planning".into()),
            (None, None) => ItemKind::Text,
        };
    };
    let short = t.rsplit(['/', ':']).next().unwrap_or(&t).to_ascii_lowercase();
    match short.as_str() {
        "text" | "composite" | "article" => ItemKind::Text,
        "picture" | "graphic" | "video" | "audio" if has_text => ItemKind::Text,
        "picture" | "graphic" | "video" | "audio" => ItemKind::Picture,
        _ => ItemKind::Other(short),
    }
}

fn status(o: &Object) -> Status {
    match string(o, &["pubStatus"]).map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("withheld") => Status::Withheld,
        Some("canceled" | "cancelled") => Status::Canceled,
        _ => Status::Usable,
    }
}

/// `by` (`byline` in 1.x) as written, else the people whose role makes them authors.
fn authors(o: &Object) -> Vec<String> {
    if let Some(by) = string(o, &["by", "byline"]) {
        return vec![by];
    }
    let is_author =
        |p: &&Object| role(p).is_some_and(|r| ["author", "creator", "byline", "writer"].iter().any(|w| r.contains(w)));
    objects(o, &["people", "person"]).filter(is_author).filter_map(|p| string(p, &["name"])).collect()
}

/// `located`, else a place whose role says the story comes from it.
fn located(o: &Object) -> Option<String> {
    string(o, &["located"]).or_else(|| {
        objects(o, &["places", "place"])
            .find(|p| role(p).is_some_and(|r| r.contains("located") || r.contains("origin")))
            .and_then(|p| string(p, &["name"]))
    })
}

/// A subject's code (1.x `code` with its `scheme`, else `uri`) and name; `None` when it has
/// neither.
fn subject(s: &Object) -> Option<Subject> {
    let code =
        string(s, &["code"]).map(|c| qcode(&c, string(s, &["scheme"]).as_deref())).or_else(|| string(s, &["uri"]));
    let name = string(s, &["name"]);
    (code.is_some() || name.is_some()).then_some(Subject { code, name })
}

/// A bare 1.x code (`04000000`) as a QCode when its scheme names an IPTC vocabulary.
fn qcode(code: &str, scheme: Option<&str>) -> String {
    let scheme = scheme.unwrap_or_default().to_ascii_lowercase();
    if code.contains(':') {
        code.to_string()
    } else if scheme.contains("mediatopic") || scheme == "medtop" {
        format!("medtop:{code}")
    } else if scheme.contains("subjectcode") || scheme == "subj" {
        format!("subj:{code}")
    } else {
        code.to_string()
    }
}

/// The best rendition of the first picture association: one named `original` or `baseImage`,
/// else the widest image.
fn image(o: &Object) -> Option<String> {
    let is_picture = |a: &&Object| match string(a, &["type"]) {
        Some(t) => {
            matches!(t.rsplit(['/', ':']).next().unwrap_or(&t).to_ascii_lowercase().as_str(), "picture" | "graphic")
        }
        None => get(a, "renditions").is_some(),
    };
    let picture = objects(o, &["associations"]).find(is_picture)?;
    let renditions: Vec<(Option<String>, &Object)> = match get(picture, "renditions") {
        Some(Value::Object(map)) => map.iter().filter_map(|(k, v)| Some((Some(k.clone()), v.as_object()?))).collect(),
        _ => objects(picture, &["renditions"]).map(|r| (string(r, &["name"]), r)).collect(),
    };
    let is_image = |r: &Object| {
        string(r, &["contentType", "mimetype"]).is_none_or(|t| t.to_ascii_lowercase().starts_with("image/"))
    };
    let usable: Vec<(Option<String>, &Object)> =
        renditions.into_iter().filter(|(_, r)| is_image(r) && string(r, &["href"]).is_some()).collect();
    let named = usable.iter().find(|(n, _)| {
        n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case("original") || n.eq_ignore_ascii_case("baseImage"))
    });
    let best = named.or_else(|| usable.iter().max_by_key(|(_, r)| get(r, "width").and_then(number).unwrap_or(0)))?;
    string(best.1, &["href"])
}

/// The 1-based line of the first `"headline":` or `"headlines":` key, or 1. A `\"headline\"`
/// inside a string (an HTML attribute, say) is not a key: its quote is escaped and no colon follows.
fn key_line(text: &str) -> usize {
    let bytes = text.as_bytes();
    let is_key = |at: usize| {
        let rest = &bytes[at + b"\"headline".len()..];
        let rest = rest.strip_prefix(b"s").unwrap_or(rest);
        let Some(rest) = rest.strip_prefix(b"\"") else { return false };
        rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b':') && (at == 0 || bytes[at - 1] != b'\\')
    };
    let at = bytes
        .windows(b"\"headline".len())
        .enumerate()
        .filter(|(_, w)| w.eq_ignore_ascii_case(b"\"headline"))
        .map(|(i, _)| i)
        .find(|&i| is_key(i));
    at.map_or(1, |at| 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Grouping;
    use jiff::tz::TimeZone;

    fn opts() -> ParseOptions {
        ParseOptions::new(TimeZone::UTC)
    }

    fn story(json: &str) -> Result<Story, Vec<ParseError>> {
        parse(Path::new("world/x.json"), json, &opts())
    }

    const V1: &str = r#"{"uri": "urn:a", "type": "text", "version": "2",
        "versioncreated": "2024-05-01T09:30:00Z", "firstcreated": "2024-05-01T08:00:00Z",
        "headline": "Old style headline", "byline": "Ann Writer", "located": "Oslo",
        "body_text": "First paragraph.\n\nSecond paragraph.", "language": "en",
        "subject": [{"code": "04000000", "scheme": "http://cv.iptc.org/newscodes/mediatopic/"},
                    {"code": "x1", "name": "Named subject"}]}"#;
    const V2: &str = r#"{"uri": "urn:b", "type": "text", "versioncreated": "2024-05-01T09:30:00Z",
        "headlines": [{"role": "sub", "value": "The sub"}, {"role": "main", "value": "Two style headline"}],
        "bodies": [{"role": "main", "contenttype": "text/plain", "value": "Plain only."},
                   {"role": "rich", "contenttype": "text/html", "value": "<p>Rich text.</p>"}],
        "subjects": [{"uri": "http://cv.iptc.org/newscodes/mediatopic/15000000"}], "by": "Bo"}"#;
    const V3: &str = r#"{"uri": "urn:c", "type": "text", "versionCreated": "2024-05-01T09:30:00Z",
        "pubStatus": "usable", "language": "sv", "slugline": "slug-c",
        "genres": [{"name": "Analysis"}],
        "headlines": [{"role": "main", "value": "Three style headline"}],
        "descriptions": [{"role": "caption", "value": "not this"}, {"role": "summary", "value": "The summary."}],
        "bodies": [{"contentType": "application/xhtml+xml",
            "value": "<p onclick=\"steal()\">Safe text.</p><script>alert(1)</script><a href=\"javascript:x()\">link</a>"}],
        "people": [{"name": "Cy Author", "rel": "author"}, {"name": "Not Author", "rel": "about"}],
        "associations": [{"name": "a1", "type": "picture", "uri": "urn:p",
            "renditions": [{"name": "thumb", "href": "https://x/thumb.jpg", "width": 100, "contentType": "image/jpeg"},
                           {"name": "hires", "href": "https://x/hires.jpg", "width": 4000, "contentType": "image/jpeg"},
                           {"name": "nitf", "href": "https://x/caption.xml", "contentType": "text/xml"}]}]}"#;

    const DOC: &str = r#"{"type": "text", "versionCreated": "2024-05-01", "headlines": [{"value": "Doc headline"}],
        "bodies": [{"contentType": "text/html",
            "value": "<html><head><title>Doc headline</title></head><BODY class=\"x\"><p>Doc text.</p></BODY></html>"}]}"#;
    const NITF: &str = r#"{"type": "text", "versionCreated": "2024-05-01", "headlines": [{"value": "Nitf headline"}],
        "bodies": [{"contentType": "application/nitf+xml",
            "value": "<nitf><head><title>Nitf headline</title></head><body><body.head><hedline><hl1>Nitf headline</hl1></hedline><byline>By Desk</byline></body.head><body.content><p>Nitf text.</p></body.content></body></nitf>"}]}"#;

    /// (name, json, headline, body holds, body lacks, authors)
    type TextCase = (
        &'static str,
        &'static str,
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    );

    #[test]
    fn text_items_table() {
        let cases: &[TextCase] = &[
            (
                "1.x plain",
                V1,
                "Old style headline",
                &["<p>First paragraph.</p>", "<p>Second paragraph.</p>"],
                &[],
                &["Ann Writer"],
            ),
            (
                "html document: its body only",
                DOC,
                "Doc headline",
                &["<p>Doc text.</p>"],
                &["<title>", "Doc headline"],
                &[],
            ),
            (
                "nitf: its body.content only",
                NITF,
                "Nitf headline",
                &["<p>Nitf text.</p>"],
                &["hedline", "Nitf headline", "By Desk"],
                &[],
            ),
            ("2.x html over text", V2, "Two style headline", &["Rich text."], &["Plain only."], &["Bo"]),
            (
                "3.x xhtml sanitized",
                V3,
                "Three style headline",
                &["Safe text."],
                &["script", "onclick", "alert", "javascript"],
                &["Cy Author"],
            ),
        ];
        for (name, json, headline, holds, lacks, authors) in cases {
            let s = story(json).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(s.headline.text, *headline, "{name}");
            for h in *holds {
                assert!(s.body.html().contains(h), "{name}: {h:?} not in {}", s.body.html());
            }
            for l in *lacks {
                assert!(!s.body.html().contains(l), "{name}: {l:?} in {}", s.body.html());
            }
            assert_eq!(s.authors, *authors, "{name}");
            assert_eq!(s.format, Format::Ninjs, "{name}");
            assert_eq!(s.section.as_deref(), Some("world"), "{name}");
        }
    }

    #[test]
    fn fields_map() {
        let s = story(V1).unwrap();
        assert_eq!(s.tags, ["economy, business and finance", "Named subject"]);
        assert_eq!(s.dateline.unwrap().place.as_deref(), Some("Oslo"));
        assert_eq!(s.language.as_deref(), Some("en"));
        assert_eq!(s.date.to_string(), "2024-05-01T08:00:00+00:00[UTC]");
        assert_eq!(s.updated.unwrap().to_string(), "2024-05-01T09:30:00+00:00[UTC]");
        assert_eq!(read(V1).unwrap().version, Some(2));
        let s = story(V2).unwrap();
        assert_eq!(s.summary, "The sub", "the sub headline is the summary where no description exists");
        assert_eq!(s.tags, ["sport"]);
        let s = story(V3).unwrap();
        assert_eq!(s.summary, "The summary.");
        assert_eq!(s.headline.labels, ["Analysis"]);
        assert_eq!(s.image.as_deref(), Some("https://x/hires.jpg"));
        assert_eq!(read(V3).unwrap().slugline.as_deref(), Some("slug-c"));
        assert_eq!(read(r#"{"version": 7}"#).unwrap().version, Some(7));
    }

    #[test]
    fn versions_of_one_uri_are_one_chain() {
        let v = |n: u32, text: &str| {
            format!(
                r#"{{"uri": "urn:same", "version": {n}, "versionCreated": "2024-05-01T0{n}:00:00Z",
                "headlines": [{{"role": "main", "value": "Same story"}}],
                "bodies": [{{"contentType": "text/plain", "value": "{text}"}}]}}"#
            )
        };
        let (a, b) = (story(&v(1, "First take.")).unwrap(), story(&v(2, "Second take.")).unwrap());
        assert_eq!(a.grouping, Grouping::Key("uri:urn:same".into()));
        assert_eq!(a.grouping, b.grouping);
        assert_eq!(b.lede, "Second take.");
        assert_eq!(
            story(r#"{"headline": "h", "versionCreated": "2024-05-01", "body_text": "b"}"#).unwrap().grouping,
            Grouping::Standalone
        );
    }

    #[test]
    fn status_and_embargo_table() {
        // (json status fields, status, embargo)
        let cases = [
            (r#""pubStatus": "canceled""#, Status::Canceled, None),
            (r#""pubstatus": "withheld""#, Status::Withheld, None),
            (r#""pubStatus": "usable""#, Status::Usable, None),
            (r#""language": "en""#, Status::Usable, None),
            (r#""embargoedUntil": "2024-06-01T12:00:00Z""#, Status::Usable, Some("2024-06-01T12:00:00+00:00[UTC]")),
            (r#""embargoed": "2024-06-02T12:00:00Z""#, Status::Usable, Some("2024-06-02T12:00:00+00:00[UTC]")),
        ];
        for (fields, status, embargo) in cases {
            let json =
                format!(r#"{{"headline": "H", "versioncreated": "2024-05-01T09:00:00Z", "body_text": "B", {fields}}}"#);
            let s = story(&json).unwrap();
            assert_eq!(s.status, status, "{fields}");
            assert_eq!(s.publish_at.map(|d| d.to_string()).as_deref(), embargo, "{fields}");
        }
    }

    #[test]
    fn not_news_text_table() {
        let cases = [
            r#"{"type": "picture", "headline": "A photo", "versioncreated": "2024-05-01"}"#,
            r#"{"type": "picture", "body_text": "caption", "versioncreated": "2024-05-01"}"#,
            r#"{"type": "event", "title": "A press conference"}"#,
            r#"{"type": "planning", "headlines": [{"value": "Plan"}]}"#,
            r#"{"type": "http://cv.iptc.org/newscodes/ninature/concept"}"#,
            r#"{"title": "An event without a type", "eventDetails": {"dates": {}}}"#,
            r#"{"title": "A plan without a type", "plannedCoverage": []}"#,
        ];
        for json in cases {
            let errs = story(json).unwrap_err();
            assert_eq!(errs.iter().map(|e| e.kind).collect::<Vec<_>>(), [ErrorKind::NotNewsText], "{json}");
        }
        // A picture with a headline and a text body is told as text.
        let s = story(r#"{"type": "picture", "headline": "H", "body_text": "Words.", "versioncreated": "2024-05-01"}"#);
        assert_eq!(s.unwrap().headline.text, "H");
    }

    #[test]
    fn errors_are_located_table() {
        let deep = "[".repeat(100_000);
        // (json, kind, line, col)
        let cases: &[(&str, ErrorKind, usize, usize)] = &[
            ("{\n  \"uri\": \"a\",\n  \"type\" \"text\"\n}", ErrorKind::Syntax, 3, 10),
            ("{\"uri\": \"a\",", ErrorKind::Syntax, 1, 12),
            ("[1, 2]", ErrorKind::Syntax, 1, 1),
            ("\"just a string\"", ErrorKind::Syntax, 1, 1),
            ("", ErrorKind::Syntax, 1, 1),
            (&deep, ErrorKind::Syntax, 1, 128),
            ("{\n\"type\": \"text\",\n\"versionCreated\": \"2024-05-01\"}", ErrorKind::MissingField, 1, 1),
            ("{\n\"headline\": \"H\"}", ErrorKind::MissingField, 2, 1),
            (
                "{\"bodies\": [{\"value\": \"<h1 id=\\\"headline\\\">x</h1>\"}],\n\"headlines\" : [{\"value\": \"H\"}]}",
                ErrorKind::MissingField,
                2,
                1,
            ),
            ("{\n\n\"headlines\": [{\"value\": \"H\"}], \"versionCreated\": \"not a date\"}", ErrorKind::Date, 3, 1),
        ];
        for (json, kind, line, col) in cases {
            let errs = story(json).unwrap_err();
            let short = &json[..json.len().min(40)];
            assert_eq!((errs[0].kind, errs[0].line, errs[0].col), (*kind, *line, *col), "{short}: {errs:?}");
            assert!(!errs[0].message.contains(" at line "), "{}", errs[0].message);
        }
    }

    /// The IPTC's own examples, when `../shared/iptc/ninjs` is there: every news text item
    /// gives its main headline and a body; the photo and the event are not news text.
    #[test]
    fn iptc_examples() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/iptc/ninjs");
        let text_items = [
            ("ninjsExSimpleText_3.json", "Captain of wrecked cruise ship on trial in Italy"),
            ("ntb_text.json", "Google har kjøpt giganttomt i Skien"),
            ("005_complex_text_article.json", "Captain of wrecked cruise ship on trial in Italy"),
        ];
        let not_text = ["ap_image.json", "008_event.json"];
        let files: Vec<_> =
            std::fs::read_dir(&dir).map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect()).unwrap_or_default();
        for path in &files {
            let name = path.file_name().unwrap().to_str().unwrap();
            let text = std::fs::read_to_string(path).unwrap();
            let result = parse(Path::new(name), &crate::parse::normalize_newlines(&text), &opts());
            if let Some((_, headline)) = text_items.iter().find(|(n, _)| *n == name) {
                let s = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert_eq!(s.headline.text, *headline, "{name}");
                assert!(!s.body.html().trim().is_empty() && !s.lede.is_empty(), "{name}: empty body");
            } else if not_text.contains(&name) {
                let kinds: Vec<_> = result.unwrap_err().iter().map(|e| e.kind).collect();
                assert_eq!(kinds, [ErrorKind::NotNewsText], "{name}");
            } else if let Err(e) = result {
                assert!(e.iter().all(|e| e.kind == ErrorKind::NotNewsText), "{name}: {e:?}");
            }
        }
        if !files.is_empty() {
            let seen = |n: &str| files.iter().any(|p| p.ends_with(n));
            assert!(text_items.iter().map(|(n, _)| *n).chain(not_text).all(seen), "an IPTC example is missing");
        }
        // Our own fixtures always run, with or without the IPTC folder.
        for json in [V1, V2, V3] {
            assert!(story(json).is_ok());
        }
    }
}
