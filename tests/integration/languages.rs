//! Multilingual sites: one story in several languages, each language a site of its own under its
//! prefix, linked by hreflang in pages and the sitemap; per-language lists, feeds and news
//! sitemaps; versions and related stories that never cross languages; UI strings with their
//! fallback; localised dates; located errors for unknown languages.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{Site, gazette};

const NOW: &[&str] = &["--now", "2026-11-20T12:00:00+09:00"];

const CONFIG: &str = r#"title = "Harbor Gazette"
base_url = "https://news.example"
language = "en"
timezone = "Asia/Seoul"

[sections]
world = "World"

[languages.ko]
title = "하버 가제트"
[languages.ko.sections]
world = "국제"

[languages.ar]
title = "جريدة هاربر"
"#;

fn md(title: &str, date: &str, extra: &str) -> String {
    format!("+++\ntitle = {title:?}\ndate = {date}\nsection = \"world\"\n{extra}+++\nBody of {title}.\n")
}

/// Three languages: the relief story in all three (by file suffix), a port story in English and
/// Korean under different file names joined by a `translation` key, and one story per language
/// of its own.
fn site() -> Site {
    let s = Site::new();
    s.file("gazette.toml", CONFIG);
    s.file(
        "content/world/relief.md",
        md("Relief ship leaves for Ilvara", "2026-11-19T15:00:00+09:00", "tags = [\"aid\"]\n"),
    );
    s.file(
        "content/world/relief.ko.md",
        md("구호선 일바라로 출발", "2026-11-19T15:30:00+09:00", "tags = [\"구호\"]\n"),
    );
    s.file("content/world/relief.ar.md", md("سفينة إغاثة تغادر إلى إلفارا", "2026-11-19T16:00:00+09:00", ""));
    s.file(
        "content/world/port-en.md",
        md("Port strike ends", "2026-11-18T09:00:00+09:00", "translation = \"port-strike\"\ntags = [\"aid\"]\n"),
    );
    s.file(
        "content/world/port-ko.md",
        md("항만 파업 종료", "2026-11-18T10:00:00+09:00", "translation = \"port-strike\"\nlang = \"ko\"\n"),
    );
    s.file("content/world/envoy.md", md("Envoy arrives in Sael", "2026-11-17T09:00:00+09:00", ""));
    s.file(
        "content/world/envoy-ko.ko.md",
        md("특사 살 도착", "2026-11-16T09:00:00+09:00", "translation = \"ko-only\"\n"),
    );
    s
}

/// Every `<link rel="alternate" hreflang>` of a page: hreflang → URL.
fn hreflang(html: &str) -> BTreeMap<String, String> {
    let head = &html[..html.find("</head>").expect("a head")];
    head.split("<link rel=\"alternate\" hreflang=\"")
        .skip(1)
        .map(|rest| {
            let (lang, rest) = rest.split_once('"').unwrap();
            let href = rest.split("href=\"").nth(1).unwrap().split('"').next().unwrap();
            (lang.to_string(), href.to_string())
        })
        .collect()
}

/// The output file of an absolute URL of the site.
fn file_of(url: &str) -> String {
    let path = url.strip_prefix("https://news.example/").expect("a URL of the site");
    let path = percent_decode(path);
    if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Every HTML page of the output, by path.
fn pages(site: &Site) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(site.out())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            let rel = e.path().strip_prefix(site.out()).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn hreflang_links_are_reciprocal_in_pages_and_sitemap() {
    let s = site();
    s.build_ok(NOW);
    let all = pages(&s);
    let relief = &all["world/2026/11/19/relief-ship-leaves-for-ilvara/index.html"];
    let links = hreflang(relief);
    assert_eq!(links.keys().cloned().collect::<Vec<_>>(), ["ar", "en", "ko", "x-default"], "{links:?}");
    assert_eq!(links["x-default"], links["en"]);
    assert!(links["ko"].starts_with("https://news.example/ko/world/2026/11/19/"), "{links:?}");
    // Every page with alternates: each alternate is a page of the site that lists the same set.
    let mut with_links = 0;
    for (path, html) in &all {
        let links = hreflang(html);
        if links.is_empty() {
            continue;
        }
        with_links += 1;
        for (lang, url) in &links {
            let target = file_of(url);
            let other = all.get(&target).unwrap_or_else(|| panic!("{path}: hreflang={lang} names {url}, no page"));
            assert_eq!(hreflang(other), links, "{path} and {target} list different alternates");
        }
    }
    // Relief (3 pages), port (2), home, tags and search pages (3 each), the world section in 3
    // languages, the aid tag in English only (none), Nov 19 in 3 languages, Nov 18 in 2, months
    // and years.
    assert!(with_links >= 20, "{with_links} pages with alternates");
    // A story without a translation has none, and is never an error.
    assert!(hreflang(&all["world/2026/11/17/envoy-arrives-in-sael/index.html"]).is_empty());
    // The explicit key joins files of other names.
    let port = hreflang(&all["world/2026/11/18/port-strike-ends/index.html"]);
    assert_eq!(port.keys().cloned().collect::<Vec<_>>(), ["en", "ko", "x-default"]);

    // The sitemap holds the same sets as xhtml:link alternates, for every listed page.
    let sitemap = s.read("sitemap.xml");
    assert!(sitemap.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""));
    let mut sets: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for url in sitemap.split("<url>").skip(1) {
        let loc = url.split("<loc>").nth(1).unwrap().split("</loc>").next().unwrap().to_string();
        let alts: BTreeSet<(String, String)> = url
            .split("<xhtml:link rel=\"alternate\" hreflang=\"")
            .skip(1)
            .map(|r| {
                let (lang, rest) = r.split_once('"').unwrap();
                (lang.to_string(), rest.split("href=\"").nth(1).unwrap().split('"').next().unwrap().to_string())
            })
            .collect();
        sets.insert(loc, alts);
    }
    for (loc, alts) in &sets {
        let html = &all[&file_of(loc)];
        let page: BTreeSet<(String, String)> =
            hreflang(html).into_iter().map(|(l, u)| (l, percent_decode(&u))).collect();
        let decoded: BTreeSet<(String, String)> = alts.iter().map(|(l, u)| (l.clone(), percent_decode(u))).collect();
        assert_eq!(decoded, page, "sitemap and page differ for {loc}");
        for (lang, url) in alts.iter().filter(|(l, _)| l != "x-default") {
            let back = &sets.get(url).unwrap_or_else(|| panic!("{loc}: {lang} alternate {url} is not in the sitemap"));
            assert_eq!(*back, alts, "{loc} and {url} differ");
        }
    }
}

#[test]
fn each_language_has_its_own_lists_feeds_and_news_sitemap() {
    let s = site();
    s.build_ok(NOW);
    let ko_urls = ["/ko/world/2026/11/19/", "/ko/world/2026/11/18/", "/ko/world/2026/11/16/"];
    let en_urls = ["/world/2026/11/19/relief", "/world/2026/11/18/port", "/world/2026/11/17/envoy"];
    let story_links = |html: &str| -> Vec<String> {
        html.split("<h2 class=\"item-title\"><a href=\"")
            .skip(1)
            .map(|r| r.split('"').next().unwrap().to_string())
            .collect()
    };
    // Lists never mix languages.
    for (page, want_ko) in [
        ("index.html", false),
        ("world/index.html", false),
        ("2026/11/index.html", false),
        ("ko/index.html", true),
        ("ko/world/index.html", true),
        ("ko/2026/index.html", true),
        ("ko/2026/11/19/index.html", true),
        ("ar/index.html", false),
    ] {
        let links = story_links(&s.read(page));
        assert!(!links.is_empty(), "{page} lists nothing");
        for l in &links {
            let is_ko = l.starts_with("/ko/");
            let is_ar = l.starts_with("/ar/");
            if page.starts_with("ar/") {
                assert!(is_ar, "{page} lists {l}");
            } else {
                assert_eq!(is_ko, want_ko, "{page} lists {l}");
                assert!(!is_ar, "{page} lists {l}");
            }
        }
    }
    assert_eq!(story_links(&s.read("ko/index.html")).len(), 3);
    assert_eq!(story_links(&s.read("index.html")).len(), 3);
    assert_eq!(story_links(&s.read("ar/index.html")).len(), 1);
    // Section titles per language, tags per language.
    assert!(s.read("ko/world/index.html").contains("<h1 id=\"list-heading\" class=\"list-title\">국제</h1>"));
    assert!(s.out().join("ko/tags/구호/index.html").is_file());
    assert!(!s.out().join("tags/구호/index.html").exists(), "a Korean tag stays Korean");
    assert!(!s.read("ko/tags/index.html").contains("/tags/aid/"));

    // Feeds per language.
    let en_rss = s.read("rss.xml");
    let ko_rss = s.read("ko/rss.xml");
    let ko_atom = s.read("ko/atom.xml");
    for u in ko_urls {
        assert!(
            ko_rss.contains(&format!("https://news.example{u}"))
                && !en_rss.contains(&format!("https://news.example{u}")),
            "{u}"
        );
    }
    for u in en_urls {
        assert!(en_rss.contains(u) && !ko_rss.contains(u), "{u}");
    }
    assert!(ko_rss.contains("<language>ko</language>") && ko_rss.contains("<title>하버 가제트</title>"), "{ko_rss}");
    assert!(ko_atom.contains("xml:lang=\"ko\""));
    assert!(s.read("ko/world/rss.xml").contains("구호선 일바라로 출발"));
    assert!(!s.read("ko/world/rss.xml").contains("Relief ship"));

    // Google News sitemaps per language, each with its news:language, all named in robots.txt.
    let en_news = s.read("news-sitemap.xml");
    let ko_news = s.read("news-sitemap-ko.xml");
    assert!(en_news.contains("<news:language>en</news:language>") && !en_news.contains("/ko/"), "{en_news}");
    assert!(
        ko_news.contains("<news:language>ko</news:language>") && ko_news.contains("<news:name>하버 가제트</news:name>")
    );
    assert!(
        ko_news.contains("https://news.example/ko/world/2026/11/19/") && !ko_news.contains("relief-ship"),
        "{ko_news}"
    );
    let robots = s.read("robots.txt");
    assert!(robots.contains("Sitemap: https://news.example/news-sitemap-ko.xml"), "{robots}");
    assert!(robots.contains("Sitemap: https://news.example/news-sitemap-ar.xml"), "{robots}");

    // <html lang dir>, JSON-LD inLanguage, localised dates.
    let ar_page = pages(&s).into_iter().find(|(p, _)| p.starts_with("ar/world/2026/")).unwrap().1;
    assert!(ar_page.contains("<html lang=\"ar\" dir=\"rtl\">"), "{}", &ar_page[..200]);
    assert!(ar_page.contains("\"inLanguage\":\"ar\""));
    let ko_page = pages(&s).into_iter().find(|(p, _)| p.starts_with("ko/world/2026/11/19/")).unwrap().1;
    assert!(ko_page.contains("<html lang=\"ko\" dir=\"ltr\">"));
    assert!(ko_page.contains("2026년 11월 19일 15:30"), "a Korean date");
    assert!(s.read("ko/2026/11/19/index.html").contains("2026년 11월 19일"));
    assert!(s.read("2026/11/19/index.html").contains("November 19, 2026"));
    // The search index is one set per language.
    assert!(s.out().join("search/meta.json").is_file() && s.out().join("ko/search/meta.json").is_file());
    assert!(s.read("ko/search/meta.json").contains("\"language\":\"ko\""));
    assert!(s.read("ko/search/index.html").contains("data-index=\"/ko/search/\""));
}

#[test]
fn versions_and_related_stories_never_cross_languages() {
    let s = Site::new();
    s.file("gazette.toml", CONFIG);
    // The same wire headline with version tags on one day in one section, in two languages: two
    // stories, one per language, never one chain.
    let wire = |tag: &str, lede: &str| {
        format!("{tag}Port strike ends after 12 days\nHARBOR CITY, Nov. 18 (Gazette Wire) -- {lede}\nMore.\n(END)\n")
    };
    s.file("content/world/2026/11/18/0900-port.txt", wire("(URGENT) ", "Dockworkers ended their strike on Tuesday."));
    s.file(
        "content/world/2026/11/18/1000-port.ko.txt",
        wire("(LEAD) ", "Dockworkers ended their strike on Tuesday after 12 days."),
    );
    // An English story lists a headline only a Korean story has: it stays unresolved text.
    s.file(
        "content/world/ferry.md",
        md("Ferry fares rise", "2026-11-17T09:00:00+09:00", "related = [\"Harbor bridge closes for repairs\"]\n"),
    );
    s.file("content/world/bridge.ko.md", md("Harbor bridge closes for repairs", "2026-11-17T10:00:00+09:00", ""));
    let out = s.build_ok(NOW);
    assert!(out.contains("built 4 stories from 4 files"), "{out}");
    let ferry = s.read("world/2026/11/17/ferry-fares-rise/index.html");
    let related = &ferry[ferry.find("class=\"related\"").expect("a related list")..];
    assert!(related.contains("related-unresolved") && !related.contains("/ko/"), "{related}");
    // Computed related stories stay in the language too.
    for (path, html) in pages(&s) {
        if let Some(i) = html.find("<aside class=\"related\"") {
            let aside = &html[i..html[i..].find("</aside>").unwrap() + i];
            let ko = path.starts_with("ko/");
            for href in aside.split("href=\"").skip(1).map(|r| r.split('"').next().unwrap()) {
                assert_eq!(href.starts_with("/ko/"), ko, "{path} links {href}");
            }
        }
    }
}

#[test]
fn an_unknown_language_is_a_located_error_and_every_one_is_reported() {
    let s = Site::new();
    s.file("gazette.toml", CONFIG);
    s.file("content/world/a.md", md("A", "2026-11-18T09:00:00+09:00", "lang = \"de\"\n"));
    s.file("content/world/b.fr.md", md("B", "2026-11-18T09:00:00+09:00", ""));
    s.file("content/world/c.md", md("C", "2026-11-18T09:00:00+09:00", ""));
    let err = s.build_err(NOW);
    assert!(err.contains("content/world/a.md:5:1") && err.contains("`lang = \"de\"`"), "{err}");
    assert!(err.contains("content/world/b.fr.md:1:1") && err.contains("language `fr`"), "{err}");
    assert!(!s.out().exists(), "nothing written");
    // A bad language code in the config is located too.
    s.file("gazette.toml", "language = \"english please\"\n[languages.\"k o\"]\n");
    let err = s.build_err(NOW);
    assert!(err.contains("gazette.toml:1:12") && err.contains("gazette.toml:2:"), "{err}");
}

#[test]
fn ui_strings_fall_back_to_the_default_language_and_check_lists_the_missing_keys() {
    let s = site();
    s.file("gazette.toml", format!("{CONFIG}\n[languages.de]\ntitle = \"Hafenzeitung\"\n"));
    s.file("content/world/relief.de.md", md("Hilfsschiff läuft aus", "2026-11-19T17:00:00+09:00", ""));
    // The site overrides one Korean string and gives German (which the theme lacks) two.
    s.file("templates/i18n/ko.toml", "home = \"첫 화면\"\n");
    s.file("templates/i18n/de.toml", "home = \"Startseite\"\nsearch = \"Suche\"\n");
    s.build_ok(NOW);
    let ko = s.read("ko/index.html");
    assert!(ko.contains(">첫 화면</a>") && ko.contains(">검색</a>"), "the override and the theme's other strings");
    let de = s.read("de/index.html");
    assert!(de.contains(">Startseite</a>") && de.contains(">Suche</a>"));
    assert!(de.contains(">All tags</a>"), "a missing German string falls back to English");
    let out = gazette().arg("check").arg(s.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("templates/i18n/de.toml") && text.contains("UI strings of `de` lack"), "{text}");
    assert!(text.contains("all_tags"), "{text}");
    assert!(!text.contains("UI strings of `ko`"), "{text}");
    // A translation key shared by no other story is reported.
    assert!(text.contains("envoy-ko.ko.md") && text.contains("`translation` key"), "{text}");
    // A broken strings file is a located error.
    s.file("templates/i18n/ko.toml", "home = \"첫 화면\"\n[x]\ny = 1\n");
    let err = s.build_err(NOW);
    assert!(err.contains("templates/i18n/ko.toml:2"), "{err}");
}

#[test]
fn check_reports_one_way_hreflang_links_in_rendered_pages() {
    let s = site();
    s.build_ok(NOW);
    let clean = gazette().arg("check").arg(s.path()).output().unwrap();
    let text = String::from_utf8_lossy(&clean.stdout).to_string() + &String::from_utf8_lossy(&clean.stderr);
    assert!(!text.contains("hreflang"), "{text}");
    // A site template that links to the English page from every page but never back.
    let base =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/base.html")).unwrap();
    let one_way = base.replace(
        "{% for a in page.alternates %}",
        "{% if lang.code == \"ko\" %}<link rel=\"alternate\" hreflang=\"en\" href=\"https://news.example/world/2026/11/17/envoy-arrives-in-sael/\">\n{% endif %}{% for a in [] %}",
    );
    s.file("templates/base.html", one_way);
    let out = gazette().arg("check").arg(s.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("does not link back"), "{text}");
}

#[test]
fn arabic_article_snapshot() {
    let s = site();
    s.build_ok(NOW);
    let (_, html) =
        pages(&s).into_iter().find(|(p, _)| p.starts_with("ar/world/2026/11/19/")).expect("the Arabic page");
    let head_end = html.find("<body").unwrap();
    let article = &html[html.find("<article").unwrap()..html.find("</article>").unwrap() + "</article>".len()];
    insta::assert_snapshot!(format!("{}\n…\n{}", &html[..head_end], article));
}

/// A `[languages.XX]` table for the default language adds to it: its news name is the news
/// sitemap's, and `[news] language` stays the default language's `news:language`.
#[test]
fn the_default_languages_table_names_its_news_sitemap() {
    let s = site();
    s.file(
        "gazette.toml",
        format!("{CONFIG}\n[news]\nlanguage = \"en\"\n[languages.en.news]\nname = \"Harbor Gazette Daily\"\n"),
    );
    s.build_ok(NOW);
    let news = s.read("news-sitemap.xml");
    assert!(news.contains("<news:name>Harbor Gazette Daily</news:name>"), "{news}");
    assert!(news.contains("<news:language>en</news:language>"), "{news}");
    assert!(s.read("news-sitemap-ko.xml").contains("<news:name>하버 가제트</news:name>"));
}
