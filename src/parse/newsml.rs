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
                            let msg = format!("unknown entity `&{};` (entities a DTD declares are never expanded)", &*r);
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
        let a = a.map_err(|e| syntax(text, at, &e.to_string()))?;
        let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|e| syntax(text, at, &e.to_string()))?;
        attrs.push((a.key.as_ref().to_string(), value.into_owned()));
    }
    Ok(El { name: s.local_name().as_ref().to_string(), attrs, children: Vec::new(), pos: at })
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
    let texts: Vec<usize> =
        (0..news.len()).filter(|&i| matches!(news[i].kind, Some(ItemKind::Text) | None)).collect();
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
