//! schema.org `NewsArticle` JSON-LD for a story page, serialised by serde_json and then escaped so
//! that no story text can close the `<script>` element it sits in.

use serde_json::{Value, json};

use super::views::rfc3339;
use crate::authors::AuthorId;
use crate::config::LangId;
use crate::parse::Access;
use crate::photos::Photos;
use crate::plan::{ListKind, list_base};
use crate::site::{AuthorListId, Byline, ChainId, Site};

/// The CSS class of the element that holds a subscribers' story's gated text: the theme's
/// `<div class="paywall">`, which `hasPart` names (Google's paywalled-content markup).
pub const PAYWALL_SELECTOR: &str = ".paywall";

/// The JSON-LD text, safe to place between `<script type="application/ld+json">` and `</script>`.
pub fn news_article(site: &Site, photos: &Photos, c: ChainId) -> String {
    let chain = &site.chain(c);
    let s = site.shown(c);
    let url = site.permalink(&chain.path);
    let byline = site.byline_of(c);
    let authors: Vec<Value> = if byline.is_empty() {
        let org = s.dateline.as_ref().and_then(|d| d.agency.as_deref()).unwrap_or(&site.language(chain.lang).title);
        vec![json!({"@type": "Organization", "name": org})]
    } else {
        byline
            .iter()
            .map(|b| match b {
                Byline::Author(a) => person(site, *a, chain.lang),
                Byline::Name(n) => json!({"@type": "Person", "name": n}),
            })
            .collect()
    };
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": truncate(&s.headline.text, 110),
        "datePublished": rfc3339(&chain.first_published),
        "dateModified": rfc3339(&chain.modified),
        "author": authors,
        "publisher": publisher(site, chain.lang),
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "inLanguage": site.shown(c).language.as_deref().unwrap_or(&site.language(chain.lang).code),
    });
    let obj = doc.as_object_mut().expect("a JSON object");
    if !s.summary.is_empty() {
        obj.insert("description".into(), json!(s.summary));
    }
    if let Some(d) = &s.dateline {
        obj.insert("dateline".into(), json!(d.text));
    }
    if let Some(i) = chain.section {
        obj.insert("articleSection".into(), json!(site.section(i).title));
    }
    if !chain.tags.is_empty() {
        let names: Vec<&str> = chain.tags.iter().map(|&t| site.tag(t).name.as_str()).collect();
        obj.insert("keywords".into(), json!(names));
    }
    let shown = photos.of(s);
    if !shown.is_empty() {
        let mut images: Vec<Value> = Vec::new();
        for p in shown {
            let image = super::photo::image_object(site, photos, p);
            if !images.iter().any(|i| i["url"] == image["url"]) {
                images.push(image);
            }
        }
        obj.insert("image".into(), json!(images));
    } else if let Some(img) = &s.image {
        obj.insert("image".into(), json!([site.asset_permalink(img)]));
    }
    if s.access == Access::Subscribers {
        obj.insert("isAccessibleForFree".into(), json!(false));
        let part = json!({"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": PAYWALL_SELECTOR});
        obj.insert("hasPart".into(), part);
    }
    if !s.corrections.is_empty() {
        let notes: Vec<Value> = s
            .corrections
            .iter()
            .map(|c| json!({"@type": "CorrectionComment", "text": c.text, "datePublished": rfc3339(&c.date)}))
            .collect();
        obj.insert("correction".into(), json!(notes));
    }
    live_blog(site, c, obj);
    escape_for_script(&doc.to_string())
}

/// A known author as a schema.org `Person` in a language: name, their page there (`url`), job
/// title, photo and profile links (`sameAs`).
fn person(site: &Site, a: AuthorId, lang: LangId) -> Value {
    let author = site.authors().get(a);
    let text = &author.text[lang];
    let mut p = json!({"@type": "Person", "name": text.name});
    if let Some(page) = site.author_page(a, lang) {
        p["url"] = json!(site.permalink(&list_base(site, ListKind::Author(page))));
    }
    if let Some(role) = &text.role {
        p["jobTitle"] = json!(role);
    }
    if let Some(photo) = &author.photo {
        p["image"] = json!(site.asset_permalink(&photo.src));
    }
    if !author.links.is_empty() {
        p["sameAs"] = json!(author.links.iter().map(|l| l.url.as_str()).collect::<Vec<_>>());
    }
    p
}

/// An author page's `ProfilePage` JSON-LD: the page, and the author as its `mainEntity`, with
/// their bio, e-mail addresses and names in the site's other languages.
pub fn profile_page(site: &Site, i: AuthorListId) -> String {
    let list = site.author_list(i);
    let author = site.authors().get(list.author);
    let url = site.permalink(&list_base(site, ListKind::Author(i)));
    let mut entity = person(site, list.author, list.lang);
    let text = &author.text[list.lang];
    if let Some(bio) = &text.bio {
        entity["description"] = json!(bio);
    }
    let mut others: Vec<&str> = author.text.iter().map(|t| t.name.as_str()).filter(|n| *n != text.name).collect();
    others.dedup();
    if !others.is_empty() {
        entity["alternateName"] = json!(others);
    }
    if !author.emails.is_empty() {
        entity["email"] = json!(author.emails);
    }
    let doc = json!({
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": url,
        "inLanguage": site.language(list.lang).code,
        "mainEntity": entity,
    });
    escape_for_script(&doc.to_string())
}

/// A live story's document is a `LiveBlogPosting` (a kind of `BlogPosting`, so of `Article`): the
/// same properties, plus when coverage started (the story's first time), when it ended (once it
/// has) and its entries as `BlogPosting`s, each with its URL on the page (`#entry-…`).
fn live_blog(site: &Site, c: ChainId, obj: &mut serde_json::Map<String, Value>) {
    let Some(state) = site.live_state(c) else { return };
    let chain = site.chain(c);
    let entries = site.live_entries(c);
    let url = site.permalink(&chain.path);
    obj.insert("@type".into(), json!("LiveBlogPosting"));
    // `dateline` is NewsArticle's own; a live blog is not a NewsArticle.
    obj.remove("dateline");
    obj.insert("coverageStartTime".into(), json!(rfc3339(&chain.first_published)));
    if state == crate::site::live::LiveState::Ended {
        let end = crate::site::live::end_time(&site.shown(c).coverage, entries, &chain.modified);
        obj.insert("coverageEndTime".into(), json!(rfc3339(end)));
    }
    let updates: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut u = json!({
                "@type": "BlogPosting",
                "headline": truncate(&e.story.headline.text, 110),
                "datePublished": rfc3339(&e.story.date),
                "url": format!("{url}#{}", e.id),
            });
            if !e.story.summary.is_empty() {
                u["articleBody"] = json!(e.story.summary);
            }
            u
        })
        .collect();
    obj.insert("liveBlogUpdate".into(), json!(updates));
}

fn publisher(site: &Site, lang: crate::config::LangId) -> Value {
    let language = site.language(lang);
    let home = crate::site::urls::home_path(&language.prefix);
    let mut org = json!({"@type": "Organization", "name": language.title, "url": site.permalink(&home)});
    if let Some(logo) = &site.config().logo {
        org["logo"] = json!({"@type": "ImageObject", "url": site.asset_permalink(logo)});
    }
    org
}

/// At most `max` characters, cut at a word with an ellipsis when it is longer.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", cut.trim_end())
}

/// JSON stays the same JSON, but `<`, `>`, `&` and the JS line separators become `\uXXXX` escapes.
pub fn escape_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    let mut copied = 0;
    // Runs between escapes are copied whole. `<`, `>` and `&` are one byte each; U+2028 and U+2029
    // are E2 80 A8 and E2 80 A9 (other characters led by 0xE2, like `–`, are copied as they are).
    for (i, b) in json.bytes().enumerate() {
        let escape = match b {
            b'<' => "\\u003c",
            b'>' => "\\u003e",
            b'&' => "\\u0026",
            0xE2 => match json.as_bytes().get(i + 1..i + 3) {
                Some([0x80, 0xA8]) => "\\u2028",
                Some([0x80, 0xA9]) => "\\u2029",
                _ => continue,
            },
            _ => continue,
        };
        out.push_str(&json[copied..i]);
        out.push_str(escape);
        copied = i + if b == 0xE2 { 3 } else { 1 };
    }
    out.push_str(&json[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_table() {
        for (json, escaped) in [
            ("", ""),
            ("plain", "plain"),
            ("<", "\\u003c"),
            ("a<b>c&d", "a\\u003cb\\u003ec\\u0026d"),
            ("</script>", "\\u003c/script\\u003e"),
            ("line\u{2028}para\u{2029}", "line\\u2028para\\u2029"),
            ("dash – and … stay", "dash – and … stay"),
            ("속보 <긴급>", "속보 \\u003c긴급\\u003e"),
            ("\u{2028}", "\\u2028"),
            ("end \u{2027}", "end \u{2027}"),
        ] {
            assert_eq!(escape_for_script(json), escaped, "{json:?}");
        }
    }

    #[test]
    fn script_end_cannot_appear() {
        let doc = json!({"headline": "</script><script>alert(1)</script> & more"}).to_string();
        let out = escape_for_script(&doc);
        assert!(!out.contains("</script"), "{out}");
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["headline"], "</script><script>alert(1)</script> & more");
    }

    #[test]
    fn truncate_table() {
        assert_eq!(truncate("short", 110), "short");
        let long = "word ".repeat(40);
        let t = truncate(&long, 110);
        assert!(t.chars().count() <= 110 && t.ends_with('…'), "{t}");
    }
}
