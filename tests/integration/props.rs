//! Property: a small generated site whose headlines, tags and sections hold markup, entities,
//! `]]>`, quotes, control characters and Korean builds (or fails with located errors, never a panic), and then every
//! story has an article page showing its headline escaped and its tags, every XML file is well-formed, and every
//! link between pages (related lists included) and every sitemap URL reaches a page that exists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gazette::parse::headline::split_tags;
use gazette::text::{clean_line, slugify};
use proptest::prelude::*;

use crate::support::{Site, check_xml};

const BASE: &str = "http://gazette.test";

/// Pieces of hostile text: markup, entities, CDATA ends, quotes, template syntax, scripts.
const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "</script>",
    "&",
    "&amp;",
    "&#x27;",
    "\"",
    "'",
    "]]>",
    "<![CDATA[",
    "<b>",
    "{{ site.title }}",
    "{% raw %}",
    "\\",
    "/",
    "#",
    "?",
    "\u{2028}",
    "\u{1b}[31m",
    "\u{7f}",
    "\0",
    "\t",
    "\u{b}",
    "—",
    "é",
    "🚀",
    "서울",
    "한국 정부",
    "Port",
    "strike",
    "budget",
    "vote",
    "harbor",
];

fn hostile_words(min: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(HOSTILE), min..5).prop_map(|w| w.join(" "))
}

/// A headline: hostile words around at least one plain word, with an optional version tag.
fn headline() -> impl Strategy<Value = String> {
    let tag = prop::sample::select(vec!["", "(URGENT) ", "(LEAD) ", "(2nd LD) ", "(<News> & \"Focus\") "]);
    let word = prop::sample::select(vec!["Ferry", "Council", "Minister", "Typhoon", "국회", "Market"]);
    (tag, hostile_words(0), word, hostile_words(0))
        .prop_map(|(tag, before, word, after)| format!("{tag}{before} {word} {after}").trim().to_string())
}

/// A section name: usually hostile but a valid path segment, sometimes one the parser refuses.
fn section() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        2 => Just(None),
        6 => prop::sample::select(vec!["Politics & <Power>", "\"Quoted\" news", "한국 정치", "]]> world", "Économie", "it's <b>"])
            .prop_map(|s| Some(s.to_string())),
        1 => prop::sample::select(vec!["a/b", "..", "50%"]).prop_map(|s| Some(s.to_string())),
    ]
}

#[derive(Debug, Clone)]
struct Story {
    wire: bool,
    headline: String,
    tags: Vec<String>,
    section: Option<String>,
    day: u8,
    /// Indexes of other stories whose headlines this one lists as related.
    related: Vec<usize>,
}

fn story() -> impl Strategy<Value = Story> {
    (
        any::<bool>(),
        headline(),
        prop::collection::vec(hostile_words(1), 0..3),
        section(),
        1u8..=9,
        prop::collection::vec(0usize..6, 0..3),
    )
        .prop_map(|(wire, headline, tags, section, day, related)| Story {
            wire,
            headline,
            tags,
            section,
            day,
            related,
        })
}

/// A TOML basic string; control characters are written as `\uXXXX` escapes.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' | '"' => out.extend(['\\', c]),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out + "\""
}

fn toml_list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| toml_str(s)).collect::<Vec<_>>().join(", "))
}

/// Writes the stories into a site; returns it.
fn write_site(stories: &[Story]) -> Site {
    let site = Site::new();
    site.file("gazette.toml", format!("title = \"Props & <Co>\"\nbase_url = \"{BASE}\"\n"));
    for (i, s) in stories.iter().enumerate() {
        let related: Vec<String> =
            s.related.iter().filter_map(|&r| stories.get(r)).map(|r| r.headline.clone()).collect();
        let mut front = format!("tags = {}\n", toml_list(&s.tags));
        if let Some(section) = &s.section {
            front.push_str(&format!("section = {}\n", toml_str(section)));
        }
        if s.wire {
            let tail: String = related.iter().map(|r| format!("-\n{r}\n")).collect();
            let text = format!(
                "+++\n{front}+++\n{}\nSEOUL, May {} (Wire) -- Lede {i}: {}.\nSecond <p>aragraph & more.\nx@y.example\n(END)\n{tail}",
                s.headline, s.day, s.headline
            );
            site.file(&format!("content/news/2024/05/{:02}/{i:02}-s.txt", s.day), text);
        } else {
            let text = format!(
                "+++\ntitle = {}\ndate = 2024-05-{:02}T09:00:00Z\nrelated = {}\n{front}+++\nBody {i} of the story.\n",
                toml_str(&s.headline),
                s.day,
                toml_list(&related)
            );
            site.file(&format!("content/news/md-{i:02}.md"), text);
        }
    }
    site
}

/// Undoes HTML and XML escaping: named entities Tera and quick-xml use, and numeric ones.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').map(|j| i + j).unwrap_or_else(|| panic!("bare & in {text:?}"));
        let entity = &rest[i + 1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let n = entity.strip_prefix("#x").map(|h| u32::from_str_radix(h, 16));
                let n = n.unwrap_or_else(|| entity.strip_prefix('#').unwrap_or(entity).parse());
                char::from_u32(n.unwrap_or_else(|_| panic!("entity &{entity}; in {text:?}"))).unwrap()
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out + rest
}

/// Every `(start, end)`-delimited piece of `html`.
fn pieces<'a>(html: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    html.split(start).skip(1).map(|p| p.split(end).next().unwrap()).collect()
}

/// The output file a link reaches, or `None` for links off the site.
fn target(out: &Path, href: &str) -> Option<PathBuf> {
    let href = unescape(href);
    let path = href.strip_prefix(BASE).unwrap_or(&href);
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    let path = path.split(['#', '?']).next().unwrap();
    let path = percent_encoding::percent_decode_str(path).decode_utf8().unwrap().to_string();
    let file = out.join(path.trim_start_matches('/'));
    Some(if path.ends_with('/') { file.join("index.html") } else { file })
}

/// Checks one article page; returns the titles it shows (its headline and its versions') and
/// the slugs of its tags.
fn check_article(name: &str, html: &str) -> (Vec<String>, Vec<String>) {
    let scripts = html.matches("<script").count();
    let json_ld = pieces(html, "<script type=\"application/ld+json\">", "</script>");
    // The theme's own script (the breaking banner) is the only other one.
    let theme = html.matches("<script src=\"/news.js\" defer></script>").count();
    assert_eq!((scripts, json_ld.len(), theme), (2, 1, 1), "{name}: a script element besides the JSON-LD and news.js");
    assert!(!json_ld[0].contains(['<', '>']), "{name}: markup in the JSON-LD");
    serde_json::from_str::<serde_json::Value>(json_ld[0]).unwrap_or_else(|e| panic!("{name}: JSON-LD: {e}"));
    let mut titles = Vec::new();
    for raw in pieces(html, "<h1 class=\"headline\">", "</h1>").into_iter().chain(pieces(
        html,
        "<p class=\"version-title\">",
        "</p>",
    )) {
        assert!(!raw.contains(['<', '>', '"']), "{name}: headline not escaped: {raw:?}");
        titles.push(unescape(raw));
    }
    let tags = pieces(html, "rel=\"tag\">", "</a>").into_iter().map(|t| slugify(&unescape(t))).collect();
    (titles, tags)
}

fn check_site(site: &Site, stories: &[Story]) {
    let out = site.out();
    let (mut titles, mut tags) = (BTreeSet::new(), BTreeSet::new());
    let mut links = Vec::new();
    for entry in walkdir::WalkDir::new(&out).into_iter().map(Result::unwrap).filter(|e| e.file_type().is_file()) {
        let name = entry.path().strip_prefix(&out).unwrap().display().to_string();
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        if name.ends_with(".xml") {
            links.extend(check_xml(&name, &text).into_iter().map(|l| (name.clone(), l)));
        } else if name.ends_with(".html") {
            if text.contains("<h1 class=\"headline\">") {
                let (t, g) = check_article(&name, &text);
                titles.extend(t);
                tags.extend(g);
            }
            links.extend(pieces(&text, "href=\"", "\"").into_iter().map(|l| (name.clone(), l.to_string())));
        }
    }
    for s in stories {
        let want = split_tags(&clean_line(&s.headline)).text;
        assert!(titles.contains(&want), "no article page shows {want:?}; titles: {titles:#?}");
        for tag in s.tags.iter().map(|t| slugify(&clean_line(t))).filter(|t| !t.is_empty()) {
            assert!(tags.contains(&tag), "no article page shows the tag {tag:?}; tags: {tags:#?}");
        }
    }
    for (page, link) in links {
        if let Some(file) = target(&out, &link) {
            assert!(file.is_file(), "{page} links to {link}, which is not a page of the site");
        }
    }
}

fn valid_section(s: &Story) -> bool {
    s.section.as_deref().is_none_or(|sec| !sec.contains(['/', '%']) && !sec.contains(".."))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_sites_build_to_escaped_well_formed_linked_pages(stories in prop::collection::vec(story(), 1..6)) {
        let site = write_site(&stories);
        let out = site.build(&["--now", "2024-05-10T12:00:00Z"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        if stories.iter().all(valid_section) {
            prop_assert!(out.status.success(), "build failed:\n{}", stderr);
            check_site(&site, &stories);
        } else {
            prop_assert_eq!(out.status.code(), Some(1), "{}", stderr);
            prop_assert!(stderr.contains("`section`"), "{}", stderr);
        }
    }
}
