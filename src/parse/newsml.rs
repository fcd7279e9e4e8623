//! NewsML-G2 (XML) → [`Story`]. Text in: one `newsItem`, or a `newsMessage` whose `itemSet` holds
//! one news text item. quick-xml reads the file into a small element tree ([`El`]); the tree is
//! mapped to an [`Item`] and [`item::finish`] makes the story. No I/O.
//!
//! Entities are never expanded or fetched: quick-xml does not read DTDs, and any entity other than
//! the five XML ones and character references is a located error. A `<!DOCTYPE>` declaring an
//! external entity (XXE) or an expansion bomb therefore costs its own length and nothing more.

use std::path::Path;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};

use super::item::{self, Body, Item, ItemKind, Subject};
use super::{Format, ParseOptions, Status, Story};
use crate::diag::{ErrorKind, ParseError};

/// Deeper nesting than this is refused: no news item needs it, and the tree is walked recursively.
const MAX_DEPTH: usize = 256;

/// G2 item roots that are not news items: each is skipped with a warning.
const OTHER_ROOTS: [&str; 5] = ["planningItem", "conceptItem", "packageItem", "eventItem", "knowledgeItem"];

/// Reads one NewsML-G2 file into a story, or its located errors.
pub fn parse(rel: &Path, text: &str, opts: &ParseOptions) -> Result<Story, Vec<ParseError>> {
    let root = tree(text).map_err(|e| vec![e])?;
    let item = match root.name.as_str() {
        "newsItem" => news_item(&root, text),
        "newsMessage" => message(&root, text)?,
        name if OTHER_ROOTS.contains(&name) => other(name),
        name => {
            let (line, col) = line_col(text, root.pos);
            return Err(vec![ParseError::new(
                ErrorKind::Syntax,
                line,
                col,
                format!("the root element is `<{name}>`, not a NewsML-G2 `newsItem` or `newsMessage`"),
            )]);
        }
    };
    item::finish(rel, item, opts, Format::Newsml)
}

/// An element: local name (namespace prefix dropped), attributes as written, children, and the
/// byte offset of its `<`.
#[derive(Debug)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    pos: usize,
}

#[derive(Debug)]
enum Node {
    El(El),
    /// Text with character and the five XML entity references resolved.
    Text(String),
}

impl El {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn elements(&self) -> impl Iterator<Item = &El> {
        self.children.iter().filter_map(|n| match n {
            Node::El(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> {
        self.elements().filter(move |e| e.name == name)
    }

    fn child(&self, name: &str) -> Option<&El> {
        self.elements().find(|e| e.name == name)
    }

    /// All text inside, trimmed; `None` when there is none.
    fn text(&self) -> Option<String> {
        fn collect(el: &El, out: &mut String) {
            for n in &el.children {
                match n {
                    Node::Text(t) => out.push_str(t),
                    Node::El(e) => collect(e, out),
                }
            }
        }
        let mut out = String::new();
        collect(self, &mut out);
        let t = out.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// The concept's code: `@qcode`, else `@uri` (IPTC NewsCodes URIs shortened to their qcode).
    fn qcode(&self) -> Option<String> {
        if let Some(q) = self.attr("qcode") {
            return Some(q.trim().to_string());
        }
        let uri = self.attr("uri")?.trim();
        let aliases = [("ninature", "ninat"), ("pubstatusg2", "stat"), ("signal", "sig"), ("mediatopic", "medtop")];
        for (scheme, alias) in aliases {
            if let Some(code) = uri.strip_prefix(&format!("http://cv.iptc.org/newscodes/{scheme}/")) {
                return Some(format!("{alias}:{code}"));
            }
        }
        Some(uri.to_string())
    }

    /// The `name` child in `lang` (or its base language), else the first.
    fn name_in(&self, lang: Option<&str>) -> Option<String> {
        let base = |l: &str| l.split('-').next().unwrap_or(l).to_ascii_lowercase();
        let wanted = lang.map(base);
        let names: Vec<&El> = self.all("name").collect();
        let matching = names.iter().find(|n| wanted.is_some() && n.attr("xml:lang").map(base) == wanted);
        matching.or(names.first()).and_then(|n| n.text())
    }
}

/// Reads the whole file into its root element, or the first syntax error, located.
fn tree(text: &str) -> Result<El, ParseError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<El> = Vec::new();
    let mut root: Option<El> = None;
    loop {
        let at = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => return Err(syntax(text, reader.error_position() as usize, &e.to_string())),
        };
        match event {
            Event::Start(s) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(syntax(text, at, &format!("elements nested more than {MAX_DEPTH} deep")));
                }
                stack.push(element(&s, at, text)?);
            }
            Event::Empty(s) => attach(&mut stack, &mut root, Node::El(element(&s, at, text)?), text)?,
            Event::End(_) => {
                // quick-xml checks that end names match, and refuses an end with no start.
                let el = stack.pop().ok_or_else(|| syntax(text, at, "an end tag with no start tag"))?;
                attach(&mut stack, &mut root, Node::El(el), text)?;
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(c) => push_text(&mut stack, &c.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match resolve_predefined_entity(&r) {
                        Some(s) => s.to_string(),
                        None => {
                            let msg =
                                format!("unknown entity `&{};` (entities a DTD declares are never expanded)", &*r);
                            return Err(syntax(text, at, &msg));
                        }
                    },
                    Err(e) => return Err(syntax(text, at, &format!("`&{};`: {e}", &*r))),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(syntax(text, open.pos, &format!("`<{}>` is never closed", open.name)));
    }
    root.ok_or_else(|| syntax(text, 0, "no root element: this is not a NewsML-G2 file"))
}

fn element(s: &BytesStart, at: usize, text: &str) -> Result<El, ParseError> {
    let mut attrs = Vec::new();
    for a in s.attributes() {
        let a = a.map_err(|e| attr_error(text, at, &e))?;
        let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|e| syntax(text, at, &e.to_string()))?;
        attrs.push((a.key.as_ref().to_string(), value.into_owned()));
    }
    Ok(El { name: s.local_name().as_ref().to_string(), attrs, children: Vec::new(), pos: at })
}

/// An attribute error at its own column: quick-xml counts from just after the tag's `<`.
fn attr_error(text: &str, at: usize, e: &AttrError) -> ParseError {
    let (AttrError::ExpectedEq(p)
    | AttrError::ExpectedValue(p)
    | AttrError::UnquotedValue(p)
    | AttrError::ExpectedQuote(p, _)
    | AttrError::Duplicated(p, _)) = *e;
    let message = e.to_string();
    syntax(text, at + 1 + p, message.split_once(": ").map_or(message.as_str(), |(_, m)| m))
}

/// Adds a finished node to its parent, or makes it the root.
fn attach(stack: &mut [El], root: &mut Option<El>, node: Node, text: &str) -> Result<(), ParseError> {
    match (stack.last_mut(), node) {
        (Some(parent), node) => parent.children.push(node),
        (None, Node::El(el)) if root.is_some() => {
            return Err(syntax(text, el.pos, &format!("a second root element `<{}>`", el.name)));
        }
        (None, Node::El(el)) => *root = Some(el),
        (None, Node::Text(_)) => {}
    }
    Ok(())
}

/// Text outside the root (whitespace) is dropped; adjacent text is merged.
fn push_text(stack: &mut [El], t: &str) {
    let Some(parent) = stack.last_mut() else { return };
    match parent.children.last_mut() {
        Some(Node::Text(prev)) => prev.push_str(t),
        _ => parent.children.push(Node::Text(t.to_string())),
    }
}

fn syntax(text: &str, offset: usize, message: &str) -> ParseError {
    let (line, col) = line_col(text, offset);
    ParseError::new(ErrorKind::Syntax, line, col, message)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line, String::from_utf8_lossy(&before[start..]).chars().count() + 1)
}

/// An item root that is not news (`planningItem` → "a planning item").
fn other(root: &str) -> Item {
    Item { kind: Some(ItemKind::Other(root.strip_suffix("Item").unwrap_or(root).to_string())), ..Item::default() }
}

/// The one news text item of a `newsMessage`. Several text items in one file are an error, not a
/// silent choice: each would be a story, and a file is one story.
fn message(root: &El, text: &str) -> Result<Item, Vec<ParseError>> {
    let items: Vec<&El> = root.all("itemSet").flat_map(|set| set.elements()).collect();
    let news: Vec<Item> = items.iter().filter(|e| e.name == "newsItem").map(|e| news_item(e, text)).collect();
    let texts: Vec<usize> = (0..news.len()).filter(|&i| matches!(news[i].kind, Some(ItemKind::Text) | None)).collect();
    if texts.len() > 1 {
        let second = items.iter().filter(|e| e.name == "newsItem").nth(texts[1]).map_or(root.pos, |e| e.pos);
        let msg = format!(
            "this newsMessage carries {} news text items; Gazette reads one item per file: split it",
            texts.len()
        );
        return Err(vec![syntax(text, second, &msg)]);
    }
    let mut news = news;
    Ok(match texts.first() {
        Some(&i) => news.swap_remove(i),
        None if !news.is_empty() => news.swap_remove(0),
        None => items.first().map_or_else(|| other("empty newsMessage"), |e| other(&e.name)),
    })
}

fn news_item(root: &El, text: &str) -> Item {
    let mut item = Item {
        uri: root.attr("guid").map(str::to_string),
        version: root.attr("version").and_then(|v| v.trim().parse().ok()),
        headline_line: 1,
        ..Item::default()
    };
    if let Some(meta) = root.child("itemMeta") {
        item_meta(meta, &mut item);
    }
    item.language = root
        .child("contentMeta")
        .and_then(|c| c.child("language"))
        .and_then(|l| l.attr("tag"))
        .or(root.attr("xml:lang"))
        .map(|l| l.trim().to_string());
    if let Some(content) = root.child("contentMeta") {
        content_meta(content, text, &mut item);
    }
    if let Some(set) = root.child("contentSet") {
        content_set(set, &mut item);
    }
    item
}

fn item_meta(meta: &El, item: &mut Item) {
    item.kind = meta.child("itemClass").and_then(El::qcode).map(|q| match q.split_once(':') {
        Some(("ninat" | "icls", "text")) => ItemKind::Text,
        Some(("ninat" | "icls", "picture" | "graphic" | "video" | "audio")) => ItemKind::Picture,
        _ => ItemKind::Other(q),
    });
    let date = |name| meta.child(name).and_then(El::text);
    item.first_created = date("firstCreated");
    item.version_created = date("versionCreated");
    item.embargoed = date("embargoed");
    item.status = match meta.child("pubStatus").and_then(El::qcode).as_deref() {
        Some("stat:withheld") => Status::Withheld,
        Some("stat:canceled") => Status::Canceled,
        _ => Status::Usable,
    };
    if meta.all("signal").any(|s| s.qcode().as_deref() == Some("sig:correction")) {
        let notes: Vec<String> = meta.all("edNote").filter_map(El::text).collect();
        item.corrections = if notes.is_empty() { vec!["This story was corrected.".to_string()] } else { notes };
    }
}

fn content_meta(content: &El, text: &str, item: &mut Item) {
    let lang = item.language.clone();
    let lang = lang.as_deref();
    let role = |e: &El| e.attr("role").map(str::trim).unwrap_or("").to_string();
    let headlines: Vec<&El> = content.all("headline").collect();
    let main = headlines.iter().find(|h| matches!(role(h).as_str(), "" | "hld:main")).or(headlines.first());
    if let Some(h) = main {
        item.headline = h.text();
        item.headline_line = line_col(text, h.pos).0;
    }
    item.subheadline =
        headlines.iter().find(|h| matches!(role(h).as_str(), "hld:sub" | "hld:subHeadline")).and_then(|h| h.text());
    item.description =
        content.all("description").find(|d| matches!(role(d).as_str(), "" | "drol:summary")).and_then(El::text);
    item.slugline = content.child("slugline").and_then(El::text);
    item.genres = content.all("genre").filter_map(|g| g.name_in(lang)).collect();
    let authors = content.all("creator").chain(content.all("contributor").filter(|c| {
        let r = role(c);
        r == "author" || r.ends_with(":author")
    }));
    item.authors = authors.filter_map(|a| a.name_in(lang)).collect();
    item.located = content.child("located").and_then(|l| l.name_in(lang));
    item.dateline = content.child("dateline").and_then(El::text);
    item.subjects = content
        .all("subject")
        .map(|s| Subject { code: s.qcode(), name: s.name_in(lang) })
        .filter(|s| s.code.is_some() || s.name.is_some())
        .collect();
}

fn content_set(set: &El, item: &mut Item) {
    for el in set.elements() {
        let body = match el.name.as_str() {
            "inlineXML" => Some(Body::Html(inline_markup(el))),
            "inlineData" => el.text().map(Body::Text),
            _ => None,
        };
        match body {
            Some(Body::Html(h)) if h.trim().is_empty() => {}
            Some(b) if item.body == Body::None => item.body = b,
            _ => {}
        }
    }
    // The largest picture rendition: G2 gives the width of each `remoteContent`.
    let width = |e: &El| e.attr("width").and_then(|w| w.trim().parse::<u64>().ok()).unwrap_or(0);
    item.image = set
        .all("remoteContent")
        .filter(|r| r.attr("href").is_some())
        .filter(|r| r.attr("contenttype").is_some_and(|c| c.starts_with("image/")) || r.attr("width").is_some())
        .max_by_key(|r| width(r))
        .and_then(|r| r.attr("href"))
        .map(str::to_string);
}

/// The body markup of an `inlineXML`: the children of XHTML `html/body` or NITF
/// `nitf/body/body.content` (NITF's `body.head` repeats the headline), else everything inside.
fn inline_markup(inline: &El) -> String {
    let first = inline.elements().next();
    let body = match first.map(|e| e.name.as_str()) {
        Some("html") => first.and_then(|h| h.child("body")),
        Some("nitf") => first.and_then(|n| n.child("body")).and_then(|b| b.child("body.content")),
        _ => Some(inline),
    };
    let mut out = String::new();
    if let Some(body) = body {
        for n in &body.children {
            write_node(n, &mut out);
        }
    }
    out
}

/// Writes a node back as HTML, for ammonia to clean. Namespace declarations are dropped; void
/// elements are written without an end tag (`<br></br>` would be two breaks in HTML).
fn write_node(node: &Node, out: &mut String) {
    const VOID: [&str; 6] = ["br", "hr", "img", "wbr", "col", "source"];
    match node {
        Node::Text(t) => out.push_str(&escape(t.as_str())),
        Node::El(el) => {
            out.push('<');
            out.push_str(&el.name);
            for (k, v) in el.attrs.iter().filter(|(k, _)| k != "xmlns" && !k.starts_with("xmlns:")) {
                out.push_str(&format!(" {k}=\"{}\"", escape(v.as_str())));
            }
            out.push('>');
            if VOID.contains(&el.name.as_str()) && el.children.is_empty() {
                return;
            }
            for c in &el.children {
                write_node(c, out);
            }
            out.push_str(&format!("</{}>", el.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Grouping;
    use jiff::tz::TimeZone;

    const TEXT: &str = "<itemClass qcode=\"ninat:text\"/><firstCreated>2024-05-01T09:00:00Z</firstCreated>";

    /// A news item with `meta` in itemMeta (add [`TEXT`] for a dated text item), `content` in
    /// contentMeta and `set` in contentSet.
    fn g2(meta: &str, content: &str, set: &str) -> String {
        g2_as("urn:test:1", 1, meta, content, set)
    }

    fn g2_as(guid: &str, version: u32, meta: &str, content: &str, set: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <newsItem xmlns=\"http://iptc.org/std/nar/2006-10-01/\" guid=\"{guid}\" version=\"{version}\" xml:lang=\"en\">\n\
             <itemMeta>{meta}</itemMeta>\n<contentMeta>{content}</contentMeta>\n<contentSet>{set}</contentSet>\n</newsItem>\n"
        )
    }

    fn parse_text(xml: &str) -> Result<Story, Vec<ParseError>> {
        parse(Path::new("world/item.xml"), xml, &ParseOptions::new(TimeZone::UTC))
    }

    fn ok(name: &str, xml: &str) -> Story {
        parse_text(xml).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    }

    const HL: &str = "<headline>Main headline</headline>";

    #[test]
    fn mapping_table() {
        let xhtml = "<inlineXML contenttype=\"application/xhtml+xml\"><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>t</title></head><body>\
                     <p onclick=\"steal()\">Hello <b>world</b>.<br/>Next</p><script>alert(1)</script><p>Second.</p></body></html></inlineXML>";
        let nitf = "<inlineXML><nitf><body><body.head><hedline><hl1>NITF head</hl1></hedline></body.head>\
                    <body.content><p>NITF text &amp; more &#233;.</p></body.content></body></nitf></inlineXML>";
        let data = "<inlineData contenttype=\"text/plain\">First para.\n\nSecond para.</inlineData>";
        let people = "<creator><name>Ann Author</name></creator><contributor role=\"ctrol:author\"><name>Bo Writer</name></contributor>\
                      <contributor role=\"ctrol:descrWriter\"><name>not an author</name></contributor>\
                      <located qcode=\"geo:1\"><name>Oslo</name><broader><name>Norway</name></broader></located>\
                      <genre qcode=\"genre:Analysis\"><name xml:lang=\"en\">Analysis</name><name xml:lang=\"nb\">Analyse</name></genre>\
                      <slugline>slug</slugline><language tag=\"nb-NO\"/>";
        let subjects = "<subject qcode=\"medtop:20000523\"><name>labour market</name><broader qcode=\"medtop:04000000\"><name>broader name</name></broader></subject>\
                        <subject qcode=\"medtop:04000000\"/><subject type=\"cpnat:geoArea\"><name>Las Vegas</name></subject>";
        let pictures = "<remoteContent href=\"small.jpg\" contenttype=\"image/jpeg\" width=\"100\"/>\
                        <remoteContent href=\"large.jpg\" contenttype=\"image/jpeg\" width=\"2000\"/>\
                        <remoteContent href=\"mid.jpg\" contenttype=\"image/jpeg\" width=\"800\"/>";
        let message = format!(
            "<newsMessage xmlns=\"http://iptc.org/std/nar/2006-10-01/\"><header/><itemSet>{}{}</itemSet></newsMessage>",
            g2("<itemClass qcode=\"ninat:picture\"/>", HL, "")
                .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", ""),
            g2(TEXT, "<headline>The text item</headline>", data)
                .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", ""),
        );
        type Check = fn(&Story) -> Result<(), String>;
        let cases: Vec<(&str, String, Check)> = vec![
            ("xhtml body cleaned", g2(TEXT, HL, xhtml), |s| {
                let b = &s.body.html();
                let good = b.contains("Hello <b>world</b>.<br>Next") && b.contains("<p>Second.</p>");
                let bad = b.contains("script") || b.contains("alert") || b.contains("onclick") || b.contains("<title>");
                (good && !bad).then_some(()).ok_or(format!("body {b:?}"))
            }),
            ("nitf body.content, not body.head", g2(TEXT, HL, nitf), |s| {
                let b = &s.body.html();
                (b.contains("<p>NITF text &amp; more é.</p>") && !b.contains("NITF head"))
                    .then_some(())
                    .ok_or(b.to_string())
            }),
            ("inlineData plain text", g2(TEXT, HL, data), |s| {
                (s.body.html() == "<p>First para.</p>\n<p>Second para.</p>\n" && s.lede == "First para.")
                    .then_some(())
                    .ok_or(s.body.html().to_string())
            }),
            ("identity is the guid", g2(TEXT, HL, ""), |s| {
                (s.grouping == Grouping::Key("uri:urn:test:1".into()) && s.headline.text == "Main headline")
                    .then_some(())
                    .ok_or(format!("{:?}", s.grouping))
            }),
            ("missing pubStatus is usable", g2(TEXT, HL, ""), |s| {
                (s.status == Status::Usable).then_some(()).ok_or(format!("{:?}", s.status))
            }),
            ("canceled", g2(&format!("{TEXT}<pubStatus qcode=\"stat:canceled\"/>"), HL, ""), |s| {
                (s.status == Status::Canceled).then_some(()).ok_or(format!("{:?}", s.status))
            }),
            ("withheld", g2(&format!("{TEXT}<pubStatus qcode=\"stat:withheld\"/>"), HL, ""), |s| {
                (s.status == Status::Withheld).then_some(()).ok_or(format!("{:?}", s.status))
            }),
            (
                "pubStatus as a NewsCodes URI",
                g2(&format!("{TEXT}<pubStatus uri=\"http://cv.iptc.org/newscodes/pubstatusg2/canceled\"/>"), HL, ""),
                |s| (s.status == Status::Canceled).then_some(()).ok_or(format!("{:?}", s.status)),
            ),
            ("embargoed", g2(&format!("{TEXT}<embargoed>2024-05-02T12:00:00Z</embargoed>"), HL, ""), |s| {
                let at = s.publish_at.as_ref().map(|z| z.timestamp().to_string());
                (at.as_deref() == Some("2024-05-02T12:00:00Z")).then_some(()).ok_or(format!("{at:?}"))
            }),
            (
                "correction signal with edNote",
                g2(
                    &format!(
                        "{TEXT}<versionCreated>2024-05-01T10:00:00Z</versionCreated><signal qcode=\"sig:correction\"/><edNote>Corrects the mayor's name.</edNote>"
                    ),
                    HL,
                    "",
                ),
                |s| {
                    let c: Vec<&str> = s.corrections.iter().map(|c| c.text.as_str()).collect();
                    let dated =
                        s.corrections.first().is_some_and(|c| c.date.timestamp().to_string() == "2024-05-01T10:00:00Z");
                    (c == ["Corrects the mayor's name."] && dated).then_some(()).ok_or(format!("{c:?}"))
                },
            ),
            ("correction signal alone", g2(&format!("{TEXT}<signal qcode=\"sig:correction\"/>"), HL, ""), |s| {
                let c: Vec<&str> = s.corrections.iter().map(|c| c.text.as_str()).collect();
                (c == ["This story was corrected."]).then_some(()).ok_or(format!("{c:?}"))
            }),
            (
                "other signals are no correction",
                g2(&format!("{TEXT}<signal qcode=\"sig:update\"/><edNote>x</edNote>"), HL, ""),
                |s| s.corrections.is_empty().then_some(()).ok_or(format!("{:?}", s.corrections)),
            ),
            ("subjects with and without names", g2(TEXT, &format!("{HL}{subjects}"), ""), |s| {
                (s.tags == ["labour market", "economy, business and finance", "Las Vegas"])
                    .then_some(())
                    .ok_or(format!("{:?}", s.tags))
            }),
            ("people, places, genre, language", g2(TEXT, &format!("{HL}{people}"), ""), |s| {
                let place = s.dateline.as_ref().and_then(|d| d.place.clone());
                let ok = s.authors == ["Ann Author", "Bo Writer"]
                    && place.as_deref() == Some("Oslo")
                    && s.headline.labels == ["Analyse"]
                    && s.language.as_deref() == Some("nb-NO");
                ok.then_some(()).ok_or(format!("{:?} {place:?} {:?} {:?}", s.authors, s.headline.labels, s.language))
            }),
            ("xml:lang when no language element", g2(TEXT, HL, ""), |s| {
                (s.language.as_deref() == Some("en")).then_some(()).ok_or(format!("{:?}", s.language))
            }),
            ("dateline text", g2(TEXT, &format!("{HL}<dateline>OSLO, May 1 (NTB)</dateline>"), ""), |s| {
                let d = s.dateline.as_ref().map(|d| d.text.as_str());
                (d == Some("OSLO, May 1 (NTB)")).then_some(()).ok_or(format!("{d:?}"))
            }),
            (
                "main and sub headline, sub is the summary",
                g2(
                    TEXT,
                    "\n\n<headline role=\"hld:sub\">The sub</headline>\n<headline role=\"hld:main\">The main</headline>",
                    "",
                ),
                |s| {
                    let ok = s.headline.text == "The main" && s.summary == "The sub" && s.headline_line == 7;
                    ok.then_some(()).ok_or(format!("{} / {} / line {}", s.headline.text, s.summary, s.headline_line))
                },
            ),
            (
                "description wins over sub headline",
                g2(
                    TEXT,
                    "<headline>H</headline><headline role=\"hld:subHeadline\">Sub</headline><description role=\"drol:caption\">cap</description><description>The summary</description>",
                    "",
                ),
                |s| (s.summary == "The summary").then_some(()).ok_or(s.summary.clone()),
            ),
            ("entities in text", g2(TEXT, "<headline>Q&amp;A: caf&#xe9; &lt;3</headline>", ""), |s| {
                (s.headline.text == "Q&A: café <3").then_some(()).ok_or(s.headline.text.clone())
            }),
            ("largest picture rendition", g2(TEXT, HL, pictures), |s| {
                (s.image.as_deref() == Some("large.jpg")).then_some(()).ok_or(format!("{:?}", s.image))
            }),
            ("newsMessage: its one text item", message, |s| {
                (s.headline.text == "The text item" && s.body.html().contains("First para."))
                    .then_some(())
                    .ok_or(s.headline.text.clone())
            }),
        ];
        for (name, xml, check) in cases {
            let story = ok(name, &xml);
            if let Err(e) = check(&story) {
                panic!("{name}: {e}");
            }
            assert_eq!(story.format, Format::Newsml, "{name}");
        }
    }

    #[test]
    fn two_versions_of_one_guid_are_one_chain() {
        let v1 = ok("v1", &g2_as("urn:x:story", 1, TEXT, "<headline>First take</headline>", ""));
        let meta2 = format!("{TEXT}<versionCreated>2024-05-01T11:00:00Z</versionCreated>");
        let v2 = ok("v2", &g2_as("urn:x:story", 2, &meta2, "<headline>Second take</headline>", ""));
        assert_eq!(v1.grouping, v2.grouping);
        assert_eq!(v1.grouping, Grouping::Key("uri:urn:x:story".into()));
        assert_eq!(v1.date, v2.date, "firstCreated is the story's date in both");
        assert!(v1.updated.is_none() && v2.updated.is_some());
        let other = ok("other", &g2_as("urn:x:other", 1, TEXT, HL, ""));
        assert_ne!(other.grouping, v1.grouping);
    }

    #[test]
    fn error_table() {
        let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE newsItem [\n<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n\
                   <newsItem guid=\"g\"><itemMeta><itemClass qcode=\"ninat:text\"/><firstCreated>2024-05-01</firstCreated></itemMeta>\
                   <contentMeta><headline>&xxe;</headline></contentMeta></newsItem>";
        let mut bomb = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
        for i in 1..=9 {
            let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
            bomb.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", format!("&{prev};").repeat(10)));
        }
        bomb.push_str("]>\n<newsItem><contentMeta><headline>&lol9;</headline></contentMeta></newsItem>\n");
        let deep = format!("<newsItem>{}{}</newsItem>", "<a>".repeat(100_000), "</a>".repeat(100_000));
        let two_texts = format!(
            "<newsMessage><itemSet>{}\n{}</itemSet></newsMessage>",
            g2(TEXT, HL, "").replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", ""),
            g2(TEXT, HL, "").replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", ""),
        );
        let cases: Vec<(&str, String, ErrorKind, usize, &str)> = vec![
            ("picture item", g2("<itemClass qcode=\"ninat:picture\"/>", HL, ""), ErrorKind::NotNewsText, 1, "picture"),
            ("video item", g2("<itemClass qcode=\"ninat:video\"/>", HL, ""), ErrorKind::NotNewsText, 1, "picture"),
            (
                "composite item",
                g2("<itemClass qcode=\"ninat:composite\"/>", HL, ""),
                ErrorKind::NotNewsText,
                1,
                "ninat:composite",
            ),
            (
                "planning item",
                "<planningItem guid=\"p\"><itemMeta/></planningItem>".into(),
                ErrorKind::NotNewsText,
                1,
                "a planning item",
            ),
            ("concept item", "<conceptItem guid=\"c\"/>".into(), ErrorKind::NotNewsText, 1, "a concept item"),
            (
                "message of pictures",
                format!(
                    "<newsMessage><itemSet>{}</itemSet></newsMessage>",
                    g2("<itemClass qcode=\"ninat:picture\"/>", HL, "")
                        .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "")
                ),
                ErrorKind::NotNewsText,
                1,
                "picture",
            ),
            ("two text items in a message", two_texts, ErrorKind::Syntax, 7, "one item per file"),
            ("another root", "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"/>".into(), ErrorKind::Syntax, 2, "`<rss>`"),
            (
                "mismatched end tag",
                "<newsItem>\n<itemMeta>\n<firstCreated>x</firstCreated>\n</itemMetaa>\n</newsItem>".into(),
                ErrorKind::Syntax,
                4,
                "itemMeta",
            ),
            (
                "never closed",
                "<newsItem>\n<contentMeta>\n<headline>x</headline>\n".into(),
                ErrorKind::Syntax,
                2,
                "never closed",
            ),
            (
                "bad attribute",
                "<newsItem>\n\n<itemMeta a=\"1\" a=\"2\"/></newsItem>".into(),
                ErrorKind::Syntax,
                3,
                "duplicated attribute",
            ),
            ("not xml at all", "just some text".into(), ErrorKind::Syntax, 1, "no root element"),
            (
                "unknown entity",
                "<newsItem>\n<contentMeta><headline>a&nbsp;b</headline></contentMeta></newsItem>".into(),
                ErrorKind::Syntax,
                2,
                "&nbsp;",
            ),
            ("XXE is never expanded", xxe.to_string(), ErrorKind::Syntax, 5, "&xxe;"),
            ("entity bomb is never expanded", bomb, ErrorKind::Syntax, 14, "&lol9;"),
            ("deep nesting", deep, ErrorKind::Syntax, 1, "nested"),
            ("no headline", g2(TEXT, "", ""), ErrorKind::MissingField, 1, "headline"),
            ("no date", g2("<itemClass qcode=\"ninat:text\"/>", HL, ""), ErrorKind::MissingField, 4, "firstCreated"),
        ];
        for (name, xml, kind, line, needle) in cases {
            let errors = match parse_text(&xml) {
                Ok(s) => panic!("{name}: parsed to {:?}", s.headline.text),
                Err(e) => e,
            };
            assert_eq!(errors.len(), 1, "{name}: {errors:?}");
            let e = &errors[0];
            assert_eq!((e.kind, e.line), (kind, line), "{name}: {e:?}");
            if name == "bad attribute" {
                assert_eq!(e.col, 17, "the second `a`: {e:?}");
            }
            assert!(e.message.contains(needle), "{name}: {e:?}");
            assert!(!e.message.contains("root:") && !e.message.contains("lollol"), "{name}: {e:?}");
        }
    }

    #[test]
    fn line_col_table() {
        for (offset, want) in [(0, (1, 1)), (3, (1, 4)), (4, (2, 1)), (6, (2, 2)), (100, (3, 1))] {
            assert_eq!(line_col("abc\né\n", offset), want, "{offset}");
        }
    }

    /// IPTC's own examples (`../shared/iptc/newsml-g2`), when the checkout has them.
    #[test]
    fn iptc_examples() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/iptc/newsml-g2");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("{} is missing: IPTC examples not checked", dir.display());
            return;
        };
        let mut seen = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = crate::parse::normalize_newlines(&std::fs::read_to_string(&path).unwrap());
            let result = parse(Path::new("world/x.xml"), &text, &ParseOptions::new(TimeZone::UTC));
            if name.starts_with("LISTING_1_") || name.starts_with("LISTING_2_") {
                let s = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert_eq!(s.headline.text, "Fed to halt QE to avert \"bubble\"", "{name}");
                assert!(s.grouping != Grouping::Standalone, "{name}");
                // LISTING_1's inlineXML holds only comments: there is no body to check.
                if name.starts_with("LISTING_2_") {
                    assert!(s.body.html().contains("Et, sent luptat luptat"), "{name}: {}", s.body.html());
                    assert!(!s.body.html().contains("<hl1>"), "{name}");
                }
                seen += 1;
            } else if name.starts_with("LISTING_3_") {
                let e = result.err().unwrap_or_else(|| panic!("{name} is a picture"));
                assert_eq!(e[0].kind, ErrorKind::NotNewsText, "{name}: {e:?}");
                seen += 1;
            } else {
                // Any other example must at least not fail as malformed XML.
                if let Err(e) = result {
                    assert!(e.iter().all(|e| e.kind != ErrorKind::Syntax), "{name}: {e:?}");
                }
            }
        }
        assert_eq!(seen, 3, "LISTING_1..3 in {}", dir.display());
    }
}
