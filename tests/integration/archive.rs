//! Year and month archive pages (`/2024/`, `/2024/05/`) beside the day pages, and the archive
//! navigation of day, month and year pages: over a small site spanning two years and four months.

use std::path::Path;

use crate::support::{Site, snapshot_tree};

const NOW: &[&str] = &["--now", "2024-06-01T00:00:00Z"];

/// `(file stem, headline, date)` of every story: four months over two years, one day with two.
const STORIES: &[(&str, &str, &str)] = &[
    ("a", "Harbor dredging begins", "2023-11-05"),
    ("b", "Council approves ferry budget", "2023-12-01"),
    ("c", "Winter storm closes the port", "2023-12-20"),
    ("d", "Tram line reopens after repairs", "2024-01-15"),
    ("e", "Election date is set", "2024-05-01"),
    ("f", "Dockworkers vote on strike", "2024-05-02"),
    ("g", "Strike talks resume", "2024-05-02"),
    ("h", "Port strike ends", "2024-05-03"),
];

fn story(headline: &str, date: &str) -> String {
    format!("+++\ntitle = {headline:?}\ndate = {date}T09:00:00Z\nsection = \"news\"\n+++\nBody of {headline}.\n")
}

fn archive_site() -> Site {
    let site = Site::new();
    site.file("gazette.toml", "title = \"Archive Test\"\nbase_url = \"https://example.test\"\nper_page = 2\n");
    for (stem, headline, date) in STORIES {
        site.file(&format!("content/news/{stem}.md"), story(headline, date));
    }
    site
}

/// The `<nav aria-label="Archive">` of a page, or an empty string.
fn archive_nav(html: &str) -> &str {
    let Some(start) = html.find(r#"<nav class="archive-nav" aria-label="Archive">"#) else { return "" };
    let end = html[start..].find("</nav>").expect("the nav is closed");
    &html[start..start + end]
}

/// Every `href` of an HTML fragment.
fn hrefs(html: &str) -> Vec<&str> {
    html.split("href=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect()
}

/// The link with `rel` (`prev` or `next`) in a nav, if any.
fn rel_link<'h>(nav: &'h str, rel: &str) -> Option<&'h str> {
    let marker = format!(r#"" rel="{rel}""#);
    let end = nav.find(&marker)?;
    let start = nav[..end].rfind("href=\"")? + "href=\"".len();
    Some(&nav[start..end])
}

/// The headlines a list page lists (not the related headlines under them), in the order of
/// [`STORIES`].
fn headlines_on(site: &Site, page: &str) -> Vec<&'static str> {
    let html = site.read(page);
    STORIES.iter().map(|s| s.1).filter(|h| html.contains(&format!("\">{h}</a></h2>"))).collect()
}

#[test]
fn year_and_month_pages_list_their_stories() {
    let site = archive_site();
    site.build_ok(NOW);
    // per_page = 2: a list's front holds two or three stories, newest first; 2023's three fit.
    assert_eq!(
        headlines_on(&site, "2023/index.html"),
        ["Harbor dredging begins", "Council approves ferry budget", "Winter storm closes the port"]
    );
    assert!(!site.out().join("2023/page").exists());
    assert_eq!(
        headlines_on(&site, "2023/12/index.html"),
        ["Council approves ferry budget", "Winter storm closes the port"]
    );
    assert_eq!(headlines_on(&site, "2024/01/index.html"), ["Tram line reopens after repairs"]);
    let year = site.read("2024/index.html");
    assert!(year.contains(r#"<h1 id="list-heading" class="list-title">2024</h1>"#), "{year}");
    assert!(year.contains("<body class=\"page-year\">"), "{year}");
    let month = site.read("2024/05/index.html");
    assert!(month.contains(r#"<h1 id="list-heading" class="list-title">May 2024</h1>"#), "{month}");
    assert!(month.contains("<title>May 2024 | Archive Test</title>"), "{month}");
    assert!(!month.contains("class=\"list-page\""), "the front has no page number: {month}");
    assert!(site.read("2024/05/page/1/index.html").contains("<p class=\"list-page\">Page 1</p>"));
}

#[test]
fn archive_lists_paginate_by_per_page() {
    let site = archive_site();
    site.build_ok(NOW);
    // May 2024 has four stories: the front and page 1, two each, the oldest on page 1.
    let front = headlines_on(&site, "2024/05/index.html");
    assert_eq!(front.len(), 2);
    assert!(front.contains(&"Port strike ends"), "{front:?}");
    let mut seen = front;
    seen.extend(headlines_on(&site, "2024/05/page/1/index.html"));
    assert!(headlines_on(&site, "2024/05/page/1/index.html").contains(&"Election date is set"));
    seen.sort();
    assert_eq!(seen, ["Dockworkers vote on strike", "Election date is set", "Port strike ends", "Strike talks resume"]);
    assert!(!site.out().join("2024/05/page/2").exists());
    // 2024 has five: a front of three and page 1.
    assert_eq!(
        headlines_on(&site, "2024/page/1/index.html"),
        ["Tram line reopens after repairs", "Election date is set"]
    );
    assert!(!site.out().join("2024/page/2").exists());
    let second = site.read("2024/05/page/1/index.html");
    assert!(second.contains("<title>May 2024 (page 1) | Archive Test</title>"), "{second}");
    // An archive page links up, back and on as the front does; only the front counts the days
    // (a count that changes with every story the month gains).
    let (page_nav, front_nav) = (archive_nav(&second), site.read("2024/05/index.html"));
    assert_eq!(hrefs(page_nav), ["/2024/01/", "/2024/"], "{page_nav}");
    assert!(!page_nav.contains("archive-count"), "{page_nav}");
    assert!(archive_nav(&front_nav).contains("<span class=\"archive-count\">2 stories</span>"), "{front_nav}");
}

#[test]
fn archive_navigation_links_up_and_to_older_and_newer_pages() {
    let site = archive_site();
    site.build_ok(NOW);
    let nav = |page: &str| archive_nav(&site.read(page)).to_string();

    let y2023 = nav("2023/index.html");
    assert_eq!(rel_link(&y2023, "prev"), None);
    assert_eq!(rel_link(&y2023, "next"), Some("/2024/"));
    assert_eq!(hrefs(&y2023), ["/2024/", "/2023/11/", "/2023/12/"], "{y2023}");
    assert!(y2023.contains(r#"<a href="/2023/12/">December 2023</a> <span class="archive-count">2 stories</span>"#));
    assert!(y2023.contains(r#"<a href="/2023/11/">November 2023</a> <span class="archive-count">1 story</span>"#));

    let y2024 = nav("2024/index.html");
    assert_eq!((rel_link(&y2024, "prev"), rel_link(&y2024, "next")), (Some("/2023/"), None));
    assert_eq!(hrefs(&y2024), ["/2023/", "/2024/01/", "/2024/05/"], "{y2024}");

    // Months skip the empty ones: December 2023 → January 2024 → May 2024.
    let jan = nav("2024/01/index.html");
    assert_eq!((rel_link(&jan, "prev"), rel_link(&jan, "next")), (Some("/2023/12/"), Some("/2024/05/")));
    assert!(jan.contains(r#"<li class="archive-up"><a href="/2024/">2024</a></li>"#), "{jan}");
    assert!(jan.contains(r#"<a href="/2024/01/15/">January 15, 2024</a> <span class="archive-count">1 story</span>"#));
    let may = nav("2024/05/index.html");
    assert!(may.contains(r#"<a href="/2024/05/02/">May 2, 2024</a> <span class="archive-count">2 stories</span>"#));

    // Days run across months and years; up is the day's month.
    let day = nav("2024/01/15/index.html");
    assert_eq!((rel_link(&day, "prev"), rel_link(&day, "next")), (Some("/2023/12/20/"), Some("/2024/05/01/")));
    assert!(day.contains(r#"<li class="archive-up"><a href="/2024/01/">January 2024</a></li>"#), "{day}");
    assert_eq!(rel_link(&nav("2023/11/05/index.html"), "prev"), None);
    assert_eq!(rel_link(&nav("2024/05/03/index.html"), "next"), None);

    // Lists that are not archives have none.
    assert_eq!(archive_nav(&site.read("index.html")), "");
    assert_eq!(archive_nav(&site.read("news/index.html")), "");
}

/// Every day, month and year page of the output folder `out`, relative to it.
fn archive_pages(out: &Path) -> Vec<String> {
    snapshot_tree(out)
        .into_iter()
        .map(|(rel, _)| rel)
        .filter(|rel| rel.ends_with("index.html") && rel.starts_with("20"))
        .collect()
}

#[test]
fn every_archive_link_points_at_a_page_that_exists() {
    let site = archive_site();
    site.build_ok(NOW);
    let pages = archive_pages(&site.out());
    // 7 days, 4 months (May on two pages), 2 years (2024 on two pages).
    assert_eq!(pages.len(), 7 + 5 + 3, "{pages:?}");
    for page in &pages {
        let html = site.read(page);
        let nav = archive_nav(&html);
        assert!(!nav.is_empty(), "{page} has no archive navigation");
        for href in hrefs(nav) {
            let file = site.out().join(href.trim_start_matches('/')).join("index.html");
            assert!(file.is_file(), "{page} links to {href}, which is not a page");
        }
    }
}

#[test]
fn the_sitemap_lists_year_and_month_pages() {
    let site = archive_site();
    site.build_ok(NOW);
    let sitemap = site.read("sitemap.xml");
    for url in
        ["/2023/", "/2024/", "/2023/11/", "/2023/12/", "/2024/01/", "/2024/05/", "/2024/05/page/1/", "/2024/page/1/"]
    {
        assert!(sitemap.contains(&format!("<loc>https://example.test{url}</loc>")), "{url} missing:\n{sitemap}");
    }
    // The news sitemap and the feeds list stories only.
    for file in ["rss.xml", "atom.xml"] {
        assert!(!site.read(file).contains("https://example.test/2024/05/<"), "{file}");
    }
}

#[test]
fn a_story_moved_to_another_month_updates_both_months_on_rebuild() {
    let site = archive_site();
    site.build_ok(NOW);
    assert_eq!(
        headlines_on(&site, "2023/12/index.html"),
        ["Council approves ferry budget", "Winter storm closes the port"]
    );
    // The storm story's date moves from December 2023 to January 2024.
    site.file("content/news/c.md", story("Winter storm closes the port", "2024-01-16"));
    site.build_ok(NOW);
    assert_eq!(headlines_on(&site, "2023/12/index.html"), ["Council approves ferry budget"]);
    assert_eq!(
        headlines_on(&site, "2024/01/index.html"),
        ["Winter storm closes the port", "Tram line reopens after repairs"]
    );
    assert!(!site.out().join("2023/12/20").exists(), "the emptied day page is removed");
    let y2023 = site.read("2023/index.html");
    assert!(archive_nav(&y2023).contains(r#"December 2023</a> <span class="archive-count">1 story</span>"#));
    assert!(
        archive_nav(&site.read("2024/index.html"))
            .contains(r#"January 2024</a> <span class="archive-count">2 stories</span>"#)
    );
    // The neighbours of the day that went and of the day that came now link past them.
    assert_eq!(rel_link(archive_nav(&site.read("2023/12/01/index.html")), "next"), Some("/2024/01/15/"));
    assert_eq!(rel_link(archive_nav(&site.read("2024/01/15/index.html")), "next"), Some("/2024/01/16/"));

    // The rebuilt folder equals a fresh build of the edited site.
    let fresh = tempfile::tempdir().unwrap();
    let out = fresh.path().join("out");
    let args: Vec<&str> = NOW.iter().copied().chain(["-o", out.to_str().unwrap()]).collect();
    site.build_ok(&args);
    assert!(snapshot_tree(&site.out()) == snapshot_tree(&out), "the rebuild differs from a fresh build");
}

#[test]
fn a_section_named_like_a_year_clashes_with_the_year_page() {
    let site = archive_site();
    site.file(
        "content/news/odd.md",
        "+++\ntitle = \"In the 2024 section\"\ndate = 2024-05-01T11:00:00Z\nsection = \"2024\"\n+++\nBody.\n",
    );
    let err = site.build_err(NOW);
    assert!(err.contains("URL /2024/ is also used by section `2024`"), "{err}");
}
