//! Successful builds: what a build writes, for Markdown and wire stories, and how the command-line
//! flags, templates and repeated builds behave.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::{Site, snapshot_tree};

/// A Markdown story with TOML front matter; `extra` holds more front matter lines.
fn md(title: &str, date: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = {date}\n{extra}+++\n{body}\n")
}

/// A minimal wire story dated by its folder (the dateline must agree with it).
fn wire(headline: &str, dateline_date: &str, lede: &str) -> String {
    format!("{headline}\nSEOUL, {dateline_date} (Yonhap) -- {lede}\nSecond paragraph.\n(END)\n")
}

/// Every file path under `dir`, relative, sorted.
fn paths(dir: &Path) -> BTreeSet<String> {
    snapshot_tree(dir).into_iter().map(|(p, _)| p).collect()
}

/// The last line of stdout (the summary `built N stories, …`).
fn summary(out: &str) -> String {
    out.lines().rfind(|l| l.starts_with("built ")).unwrap_or_else(|| panic!("no summary line in:\n{out}")).to_string()
}

/// The text between the first `start` and the following `end` (inclusive).
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("{start:?} not found in:\n{html}"));
    let j = html[i..].find(end).unwrap_or_else(|| panic!("{end:?} not found after {start:?}"));
    &html[i..i + j + end.len()]
}

/// A site holding only `content/`: one Markdown story with tags, an author and a section folder.
fn content_only_site() -> Site {
    let site = Site::new();
    site.file(
        "content/economy/rates.md",
        md(
            "Central bank holds rates steady",
            "2024-05-01T09:00:00+09:00",
            "tags = [\"Rates\", \"Bank of Korea\"]\nauthor = \"Kim Min-ji\"\n",
            "The bank held its policy rate.",
        ),
    );
    site
}

const RATES_URL: &str = "economy/2024/05/01/central-bank-holds-rates-steady/index.html";

#[test]
fn content_only_folder_builds_with_defaults() {
    let site = content_only_site();
    assert!(!site.path().join("gazette.toml").exists());
    assert!(!site.path().join("templates").exists());
    let out = site.build_ok(&[]);
    assert!(summary(&out).starts_with("built 1 stories"), "{out}");
    for f in [
        RATES_URL,
        "index.html",
        "economy/index.html",
        "tags/rates/index.html",
        "tags/bank-of-korea/index.html",
        "tags/index.html",
        "2024/05/01/index.html",
        "style.css",
        "rss.xml",
        "atom.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        ".gazette-build",
    ] {
        assert!(site.out().join(f).is_file(), "missing {f}");
    }
}

#[test]
fn article_page_shows_headline_time_byline_section_and_tags() {
    let site = content_only_site();
    site.build_ok(&[]);
    let html = site.read(RATES_URL);
    assert!(html.contains(r#"<h1 class="headline">Central bank holds rates steady</h1>"#), "{html}");
    // 09:00 in Seoul is 00:00 UTC, the default site zone.
    assert!(html.contains(r#"<time datetime="2024-05-01T00:00:00+00:00">"#), "{html}");
    assert!(html.contains(r#"<span class="author">Kim Min-ji</span>"#), "{html}");
    assert!(html.contains(r#"<a class="kicker-section" href="/economy/">Economy</a>"#), "{html}");
    assert!(html.contains(r#"<a href="/tags/rates/" rel="tag">Rates</a>"#));
    assert!(html.contains(r#"<a href="/tags/bank-of-korea/" rel="tag">Bank of Korea</a>"#));
    assert!(html.contains("<p>The bank held its policy rate.</p>"));
}

#[test]
fn index_pages_link_to_the_story() {
    let site = content_only_site();
    site.build_ok(&[]);
    let link = r#"<a href="/economy/2024/05/01/central-bank-holds-rates-steady/">Central bank holds rates steady</a>"#;
    for page in [
        "index.html",
        "economy/index.html",
        "tags/rates/index.html",
        "tags/bank-of-korea/index.html",
        "2024/05/01/index.html",
    ] {
        let html = site.read(page);
        assert!(html.contains(link), "{page} lacks the story link:\n{html}");
    }
    let tags = site.read("tags/index.html");
    assert!(tags.contains("/tags/rates/") && tags.contains("/tags/bank-of-korea/"));
}

#[test]
fn feeds_sitemap_and_robots_name_the_story() {
    let site = content_only_site();
    site.build_ok(&[]);
    let url = "http://localhost/economy/2024/05/01/central-bank-holds-rates-steady/";
    for f in ["rss.xml", "atom.xml", "sitemap.xml"] {
        assert!(site.read(f).contains(url), "{f} lacks {url}");
    }
    assert!(site.read("robots.txt").contains("Sitemap: http://localhost/sitemap.xml"));
    assert!(site.read("404.html").contains("Page not found"));
}

#[test]
fn markdown_with_toml_front_matter_renders_tables_footnotes_strikethrough() {
    let site = Site::new();
    site.file(
        "content/world/ext.md",
        md(
            "Extensions story",
            "2024-05-01T09:00:00+09:00",
            "",
            "Lede.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ new[^1]\n\n[^1]: the note\n",
        ),
    );
    site.build_ok(&[]);
    let html = site.read("world/2024/05/01/extensions-story/index.html");
    assert!(html.contains("<table>"), "{html}");
    assert!(html.contains("<td>1</td>"), "{html}");
    assert!(html.contains("<del>old</del>"), "{html}");
    assert!(html.contains(r#"class="footnote-reference""#), "{html}");
    assert!(html.contains(r#"class="footnote-definition""#), "{html}");
}

#[test]
fn markdown_with_yaml_front_matter_builds() {
    let site = Site::new();
    site.file(
        "content/world/yaml.md",
        "---\ntitle: \"YAML story\"\ndate: 2024-05-01T09:00:00+09:00\ntags:\n  - Alpha\nauthor: [\"Lee\", \"Park\"]\n---\nBody **strong**.\n",
    );
    site.build_ok(&[]);
    let html = site.read("world/2024/05/01/yaml-story/index.html");
    assert!(html.contains(r#"<h1 class="headline">YAML story</h1>"#));
    assert!(html.contains("<strong>strong</strong>"));
    assert!(html.contains(r#"<a href="/tags/alpha/" rel="tag">Alpha</a>"#));
    assert!(html.contains(r#"<span class="author">Lee</span> and <span class="author">Park</span>"#));
    assert!(site.out().join("tags/alpha/index.html").is_file());
}

/// A wire story with a label, a version tag, an ATTN note, an e-mail line and a related tail naming
/// one story of the site and one unknown headline; plus that named story.
fn wire_site() -> Site {
    let site = Site::new();
    site.file(
        "content/politics/2024/05/01/budget.txt",
        "(LEAD) (News Focus) Parliament passes budget bill\n\
         (ATTN: ADDS quotes in paras 3-4)\n\
         SEOUL, May 1 (Yonhap) -- Lawmakers passed <b>x</b> & \"q\" today.\n\
         Second paragraph of the story.\n\
         reporter@example.com\n\
         (END)\n\
         -\n\
         Central bank holds rates steady\n\
         -\n\
         Story nobody ever wrote\n",
    );
    site.file(
        "content/economy/rates.md",
        md("Central bank holds rates steady", "2024-04-30T09:00:00+09:00", "", "Body."),
    );
    site
}

const BUDGET_URL: &str = "politics/2024/05/01/parliament-passes-budget-bill/index.html";

#[test]
fn wire_story_shows_headline_label_version_and_dateline() {
    let site = wire_site();
    site.build_ok(&[]);
    let html = site.read(BUDGET_URL);
    assert!(html.contains(r#"<h1 class="headline">Parliament passes budget bill</h1>"#));
    assert!(html.contains(r#"<span class="kicker-label">News Focus</span>"#), "{html}");
    assert!(html.contains(r#"<span class="version-tag">LEAD</span>"#), "{html}");
    assert!(html.contains(r#"<p class="dateline">SEOUL, May 1 (Yonhap)</p>"#), "{html}");
    assert!(html.contains(r#"<time datetime="2024-05-01T00:00:00+00:00">"#));
}

#[test]
fn wire_story_paragraphs_attn_and_contact() {
    let site = wire_site();
    site.build_ok(&[]);
    let html = site.read(BUDGET_URL);
    let body = between(&html, r#"<div class="story-body">"#, "</div>");
    assert!(body.contains("<p>Second paragraph of the story.</p>"), "{body}");
    assert_eq!(body.matches("<p>").count(), 2, "{body}");
    assert!(!body.contains("(END)") && !body.contains("reporter@example.com"));
    let attn = between(&html, r#"<div class="attn-note""#, "</div>");
    assert!(attn.contains("<li>ADDS quotes in paras 3-4</li>"), "{attn}");
    assert!(html.contains(r#"<a href="mailto:reporter@example.com">reporter@example.com</a>"#));
}

#[test]
fn wire_related_tail_links_known_and_shows_unknown_as_text() {
    let site = wire_site();
    site.build_ok(&[]);
    let html = site.read(BUDGET_URL);
    let aside = between(&html, r#"<aside class="related""#, "</aside>");
    assert!(
        aside.contains(
            r#"<a href="/economy/2024/04/30/central-bank-holds-rates-steady/">Central bank holds rates steady</a>"#
        ),
        "{aside}"
    );
    assert!(aside.contains(r#"<span class="related-title">Story nobody ever wrote</span>"#), "{aside}");
    assert!(!aside.contains(r#"">Story nobody ever wrote</a>"#), "{aside}");
}

#[test]
fn wire_text_is_escaped_in_the_article() {
    let site = wire_site();
    site.build_ok(&[]);
    let bytes = std::fs::read(site.out().join(BUDGET_URL)).unwrap();
    let html = String::from_utf8(bytes).unwrap();
    assert!(!html.contains("<b>x</b>"), "raw markup passed through:\n{html}");
    let body = between(&html, r#"<div class="story-body">"#, "</div>");
    assert!(body.contains("<p>Lawmakers passed &lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; today.</p>"), "{body}");
}

#[test]
fn wire_story_with_crlf_line_ends_builds() {
    let site = Site::new();
    let text = wire("Port volumes rise", "May 1", "Volumes rose.").replace('\n', "\r\n");
    site.file("content/economy/2024/05/01/port.txt", text);
    site.build_ok(&[]);
    let html = site.read("economy/2024/05/01/port-volumes-rise/index.html");
    assert!(html.contains("<p>Volumes rose.</p>"), "{html}");
    assert!(html.contains("<p>Second paragraph.</p>"));
    assert!(!html.contains('\r'));
}

#[test]
fn wire_story_without_trailing_newline_builds() {
    let site = Site::new();
    site.file(
        "content/economy/2024/05/01/port.txt",
        "Port volumes rise\nSEOUL, May 1 (Yonhap) -- Volumes rose.\n(END)",
    );
    site.build_ok(&[]);
    assert!(site.read("economy/2024/05/01/port-volumes-rise/index.html").contains("<p>Volumes rose.</p>"));
}

#[test]
fn wire_story_with_related_tail_without_trailing_newline_builds() {
    let site = wire_site();
    site.file(
        "content/politics/2024/05/01/budget.txt",
        "Parliament passes budget bill\nSEOUL, May 1 (Yonhap) -- Passed.\n(END)\n-\nCentral bank holds rates steady",
    );
    site.build_ok(&[]);
    assert!(site.read(BUDGET_URL).contains(r#"<aside class="related""#));
}

#[test]
fn story_without_section_gets_a_section_less_url_and_is_on_home() {
    let site = Site::new();
    site.file("content/2024/05/01/x.txt", wire("Nationwide rain expected", "May 1", "Rain."));
    site.build_ok(&[]);
    assert!(site.out().join("2024/05/01/nationwide-rain-expected/index.html").is_file());
    assert!(site.read("index.html").contains(r#"href="/2024/05/01/nationwide-rain-expected/""#));
    let html = site.read("2024/05/01/nationwide-rain-expected/index.html");
    assert!(!html.contains("kicker-section"), "{html}");
}

#[test]
fn front_matter_section_overrides_folder() {
    let site = Site::new();
    site.file(
        "content/world/moved.md",
        md("Moved story", "2024-05-01T09:00:00+09:00", "section = \"sports\"\n", "Body."),
    );
    site.build_ok(&[]);
    assert!(site.out().join("sports/2024/05/01/moved-story/index.html").is_file());
    assert!(site.out().join("sports/index.html").is_file());
    assert!(!site.out().join("world").exists());
}

#[test]
fn section_folder_above_date_folders_is_the_section() {
    let site = Site::new();
    site.file("content/politics/2024/05/01/x.txt", wire("Assembly opens session", "May 1", "Opened."));
    site.build_ok(&[]);
    let html = site.read("politics/2024/05/01/assembly-opens-session/index.html");
    assert!(html.contains(r#"<a class="kicker-section" href="/politics/">Politics</a>"#));
    assert!(site.read("politics/index.html").contains("Assembly opens session"));
}

fn five_story_site() -> Site {
    let site = Site::new();
    site.file("gazette.toml", "per_page = 2\n");
    for (i, t) in ["Alpha", "Bravo", "Charlie", "Delta", "Echo"].iter().enumerate() {
        site.file(
            &format!("content/world/{t}.md"),
            md(&format!("{t} story"), &format!("2024-05-0{}T09:00:00Z", i + 1), "", "Body."),
        );
    }
    site
}

/// Whether each of the five stories' headlines shows on `html`, in the order Alpha … Echo.
fn shown(html: &str) -> Vec<bool> {
    ["Alpha", "Bravo", "Charlie", "Delta", "Echo"].iter().map(|t| html.contains(&format!("{t} story"))).collect()
}

#[test]
fn archive_pages_are_numbered_from_the_oldest() {
    let site = five_story_site();
    site.build_ok(&[]);
    // Five stories, two a page: the front holds the newest three, page 1 the oldest two.
    assert_eq!(shown(&site.read("index.html")), [false, false, true, true, true]);
    assert_eq!(shown(&site.read("page/1/index.html")), [true, true, false, false, false]);
    assert_eq!(shown(&site.read("world/page/1/index.html")), [true, true, false, false, false]);
    assert!(!site.out().join("page/2").exists());
    assert!(!site.out().join("page/0").exists());
    let oldest = site.read("page/1/index.html");
    assert!(oldest.contains("<p class=\"list-page\">Page 1</p>"), "{oldest}");
    assert!(oldest.contains(" (page 1) | "), "its title says which page: {oldest}");
}

/// A story published as the newest joins the front: no archive page changes its stories, and once
/// the front is full its older half becomes the next page, the pages below untouched.
#[test]
fn a_new_story_moves_no_story_between_archive_pages() {
    let site = five_story_site();
    site.build_ok(&[]);
    let add = |t: &str, day: u8| {
        site.file(
            &format!("content/world/{t}.md"),
            md(&format!("{t} story"), &format!("2024-05-0{day}T09:00:00Z"), "", "Body."),
        );
        let changes = site.path().join("changes.json");
        site.build_ok(&["--changes", changes.to_str().unwrap()]);
        let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(changes).unwrap()).unwrap();
        let written: Vec<String> =
            manifest["written"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_string()).collect();
        written
    };
    // Six: the front holds Foxtrot and Echo; Delta and Charlie leave it for a new page 2.
    let written = add("Foxtrot", 6);
    assert!(written.contains(&"page/2/index.html".to_string()), "{written:?}");
    assert!(written.contains(&"page/1/index.html".to_string()), "its link to newer stories: {written:?}");
    assert_eq!(shown(&site.read("page/2/index.html")), [false, false, true, true, false]);
    assert_eq!(shown(&site.read("page/1/index.html")), [true, true, false, false, false]);
    let pages = [site.read("page/1/index.html"), site.read("page/2/index.html")];
    // Seven: only the front takes Golf; both archive pages stay byte for byte.
    let written = add("Golf", 7);
    assert!(written.iter().all(|p| !p.contains("page/")), "no archive page is written: {written:?}");
    assert!(written.contains(&"index.html".to_string()) && written.contains(&"world/index.html".to_string()));
    assert_eq!([site.read("page/1/index.html"), site.read("page/2/index.html")], pages);
    let front = site.read("index.html");
    assert!(
        front.contains("Golf story")
            && front.contains("Foxtrot story")
            && shown(&front) == [false, false, false, false, true]
    );
}

#[test]
fn pagination_links_newer_older_latest_and_oldest() {
    let site = five_story_site();
    site.file("content/world/Foxtrot.md", md("Foxtrot story", "2024-05-06T09:00:00Z", "", "Body."));
    site.build_ok(&[]);
    // Six stories: the front, page 2, page 1.
    let front = site.read("index.html");
    assert!(front.contains(r#"<a href="/page/2/" rel="next">"#), "{front}");
    assert!(front.contains(r#"<li class="page-last"><a href="/page/1/">"#), "{front}");
    assert!(!front.contains(r#"rel="prev""#), "{front}");
    let mid = site.read("page/2/index.html");
    assert!(mid.contains(r#"<a href="/" rel="prev">"#), "{mid}");
    assert!(mid.contains(r#"<a href="/page/1/" rel="next">"#), "{mid}");
    assert!(!mid.contains("page-first") && !mid.contains("page-last"), "the neighbours are the ends: {mid}");
    let last = site.read("page/1/index.html");
    assert!(last.contains(r#"<a href="/page/2/" rel="prev">"#), "{last}");
    assert!(last.contains(r#"<li class="page-first"><a href="/">"#), "{last}");
    assert!(!last.contains(r#"rel="next""#), "{last}");
    assert!(last.contains("Alpha story"));
}

/// Two Markdown stories with the same headline, day and section, created in the given order.
fn colliding_site(order: &[&str]) -> Site {
    let site = Site::new();
    for name in order {
        site.file(
            &format!("content/politics/{name}"),
            md("Same headline", "2024-05-01T09:00:00Z", "", &format!("Body of {name}.")),
        );
    }
    site
}

fn story_pages(dir: &Path) -> BTreeSet<String> {
    paths(dir).into_iter().filter(|p| p.starts_with("politics/2024/05/01/")).collect()
}

#[test]
fn headline_slug_collision_warns_and_gives_distinct_urls() {
    let site = colliding_site(&["first.md", "second.md"]);
    let out = site.build(&[]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warning =
        stderr.lines().find(|l| l.starts_with("warning:")).unwrap_or_else(|| panic!("no warning on stderr:\n{stderr}"));
    assert!(warning.contains("politics/first.md"), "{warning}");
    assert!(warning.contains("politics/second.md"), "{warning}");
    let pages = story_pages(&site.out());
    assert_eq!(pages.len(), 2, "{pages:?}");
    let htmls: Vec<String> = pages.iter().map(|p| site.read(p)).collect();
    assert!(htmls.iter().any(|h| h.contains("Body of first.md.")));
    assert!(htmls.iter().any(|h| h.contains("Body of second.md.")));
}

#[test]
fn headline_slug_collision_urls_do_not_depend_on_file_order() {
    let a = colliding_site(&["first.md", "second.md"]);
    let b = colliding_site(&["second.md", "first.md"]);
    a.build_ok(&[]);
    b.build_ok(&[]);
    assert_eq!(story_pages(&a.out()), story_pages(&b.out()));
    // and each file keeps the same URL
    for p in story_pages(&a.out()) {
        assert_eq!(a.read(&p), b.read(&p), "{p}");
    }
}

#[test]
fn drafts_are_left_out_by_default() {
    let site = Site::new();
    site.file("content/world/pub.md", md("Published one", "2024-05-01T09:00:00Z", "", "B."));
    site.file("content/world/draft.md", md("Draft one", "2024-05-01T10:00:00Z", "draft = true\n", "B."));
    let out = site.build_ok(&[]);
    assert!(summary(&out).starts_with("built 1 stories"), "{out}");
    assert!(!site.out().join("world/2024/05/01/draft-one").exists());
    assert!(!site.read("index.html").contains("Draft one"));
    assert!(!site.read("sitemap.xml").contains("draft-one"));
    assert!(!site.read("rss.xml").contains("Draft one"));
}

#[test]
fn drafts_flag_includes_drafts() {
    let site = Site::new();
    site.file("content/world/pub.md", md("Published one", "2024-05-01T09:00:00Z", "", "B."));
    site.file("content/world/draft.md", md("Draft one", "2024-05-01T10:00:00Z", "draft = true\n", "B."));
    let out = site.build_ok(&["--drafts"]);
    assert!(summary(&out).starts_with("built 2 stories"), "{out}");
    assert!(site.out().join("world/2024/05/01/draft-one/index.html").is_file());
    assert!(site.read("index.html").contains("Draft one"));
}

#[test]
fn base_url_flag_sets_canonical_links() {
    let site = content_only_site();
    site.file("gazette.toml", "base_url = \"https://config.example\"\n");
    site.build_ok(&["--base-url", "https://news.example"]);
    let html = site.read(RATES_URL);
    assert!(
        html.contains(
            r#"<link rel="canonical" href="https://news.example/economy/2024/05/01/central-bank-holds-rates-steady/">"#
        ),
        "{html}"
    );
    assert!(!html.contains("config.example"));
    assert!(site.read("sitemap.xml").contains("https://news.example/economy/"));
}

#[test]
fn base_url_with_a_path_prefixes_internal_links() {
    let site = content_only_site();
    site.build_ok(&["--base-url", "https://x.example/news/"]);
    let html = site.read(RATES_URL);
    assert!(html.contains(r#"href="/news/style.css""#), "{html}");
    assert!(html.contains(r#"href="/news/economy/""#), "{html}");
    // files stay at the root of the output folder
    assert!(site.out().join("index.html").is_file());
    assert!(!site.out().join("news").exists());
}

#[test]
fn output_flag_writes_into_the_given_folder() {
    let site = content_only_site();
    let elsewhere = tempfile::tempdir().unwrap();
    let out_dir = elsewhere.path().join("site-out");
    let out = site.build_ok(&["-o", out_dir.to_str().unwrap()]);
    assert!(out_dir.join(RATES_URL).is_file(), "{out}");
    assert!(out_dir.join(".gazette-build").is_file());
    assert!(!site.out().exists(), "default output was written too");
}

#[test]
fn two_builds_into_different_folders_are_byte_identical() {
    let site = wire_site();
    site.file("content/world/x.md", md("Another one", "2024-05-02T09:00:00Z", "tags = [\"a\", \"b\"]\n", "B."));
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let (one, two) = (one.path().join("one"), two.path().join("two"));
    site.build_ok(&["-o", one.to_str().unwrap()]);
    site.build_ok(&["-o", two.to_str().unwrap()]);
    let (a, b) = (snapshot_tree(&one), snapshot_tree(&two));
    assert!(a.len() > 10);
    assert_eq!(a, b);
}

#[test]
fn rebuild_without_changes_writes_nothing() {
    let site = wire_site();
    let first = site.build_ok(&[]);
    assert!(!summary(&first).contains(" 0 written"), "{first}");
    let second = site.build_ok(&[]);
    assert!(summary(&second).contains("(0 written, "), "{second}");
}

#[test]
fn rebuild_keeps_mtime_of_unchanged_pages() {
    let site = wire_site();
    site.build_ok(&[]);
    let page = site.out().join(BUDGET_URL);
    let before = std::fs::metadata(&page).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    // a new static file changes the site, but not this page
    site.file("static/extra.txt", "extra");
    site.build_ok(&[]);
    let after = std::fs::metadata(&page).unwrap().modified().unwrap();
    assert_eq!(before, after);
    assert!(site.out().join("extra.txt").is_file());
}

#[test]
fn korean_headline_keeps_korean_slug() {
    let site = Site::new();
    site.file(
        "content/politics/2024/05/01/k.txt",
        "윤 대통령, 바이든과 회담\nSEOUL, May 1 (Yonhap) -- 정상회담.\n(END)\n",
    );
    site.build_ok(&[]);
    let page = "politics/2024/05/01/윤-대통령-바이든과-회담/index.html";
    assert!(site.read(page).contains("<h1 class=\"headline\">윤 대통령, 바이든과 회담</h1>"));
}

#[test]
fn hidden_files_and_editor_leftovers_are_ignored() {
    let site = content_only_site();
    for junk in [
        "content/economy/.x.md.swp",
        "content/economy/x.md~",
        "content/economy/#x.md#",
        "content/.DS_Store",
        "content/economy/.hidden.md",
        "content/economy/2024/05/01/notes.txt~",
    ] {
        site.file(junk, b"\xff\xfe not a story +++\n");
    }
    let out = site.build_ok(&[]);
    assert!(summary(&out).starts_with("built 1 stories"), "{out}");
}

#[test]
fn non_story_files_in_content_are_ignored() {
    let site = content_only_site();
    site.file("content/economy/photo.jpg", b"\xff\xd8\xff");
    site.file("content/README", "not a story");
    let out = site.build_ok(&[]);
    assert!(summary(&out).starts_with("built 1 stories"), "{out}");
}

#[test]
fn site_article_template_extending_the_theme_is_used() {
    let site = content_only_site();
    site.file(
        "templates/article.html",
        "{% extends \"theme/article.html\" %}\n{% block title %}CUSTOM {{ story.title }}{% endblock title %}\n",
    );
    site.build_ok(&[]);
    let html = site.read(RATES_URL);
    assert!(html.contains("<title>CUSTOM Central bank holds rates steady</title>"), "{html}");
    // the rest of the theme still renders
    assert!(html.contains(r#"<h1 class="headline">Central bank holds rates steady</h1>"#));
}

#[test]
fn site_404_template_replaces_the_theme() {
    let site = content_only_site();
    site.file("templates/404.html", "<p>Nothing at {{ site.title }}</p>\n");
    site.build_ok(&[]);
    assert_eq!(site.read("404.html").trim(), "<p>Nothing at Gazette</p>");
}

#[test]
fn static_files_are_copied() {
    let site = content_only_site();
    site.file("static/img/logo.png", b"\x89PNG");
    site.build_ok(&[]);
    assert_eq!(std::fs::read(site.out().join("img/logo.png")).unwrap(), b"\x89PNG");
}

#[test]
fn wire_article_snapshot() {
    let site = Site::new();
    site.file(
        "content/politics/2024/05/01/snap.txt",
        "(LEAD) Vice ministers agree on close talks\n\
         (ATTN: ADDS comments in para 2)\n\
         SEOUL, May 1 (Yonhap) -- The vice ministers spoke by phone.\n\
         They noted progress <and> \"hope\".\n\
         reporter@example.com\n\
         (END)\n",
    );
    site.build_ok(&[]);
    let html = site.read("politics/2024/05/01/vice-ministers-agree-on-close-talks/index.html");
    insta::assert_snapshot!(between(&html, "<article", "</article>"));
}

#[test]
fn headline_slug_collision_url_depends_only_on_own_file_name() {
    // `first.md` sorts first in one site and last in the other: its URL must not change
    let a = colliding_site(&["first.md", "second.md"]);
    let b = colliding_site(&["aaa.md", "first.md"]);
    a.build_ok(&[]);
    b.build_ok(&[]);
    let url_of_first = |site: &Site| {
        story_pages(&site.out())
            .into_iter()
            .find(|p| site.read(p).contains("Body of first.md."))
            .expect("first.md page")
    };
    assert_eq!(url_of_first(&a), url_of_first(&b));
}

#[test]
fn links_to_stories_by_path_resolve_to_their_canonical_url() {
    let site = Site::new();
    site.file(
        "content/politics/vote.md",
        "+++\ntitle = \"Budget passes\"\ndate = 2024-05-01T09:00:00Z\n+++\nThe vote.\n",
    );
    site.file(
        "content/world/reaction.md",
        "+++\ntitle = \"Reaction abroad\"\ndate = 2024-05-02T09:00:00Z\n+++\nAfter [the vote](@/politics/vote.md#result), allies spoke.\n",
    );
    site.build_ok(&["--base-url", "https://n.example/news"]);
    let page = site.read("world/2024/05/02/reaction-abroad/index.html");
    assert!(page.contains("href=\"/news/politics/2024/05/01/budget-passes/#result\""), "{page}");
    assert!(!page.contains("@/"), "no unresolved link left");
    assert!(site.read("rss.xml").contains("/news/politics/2024/05/01/budget-passes/#result"));
}

#[test]
fn a_broken_link_by_path_is_an_error_at_its_line() {
    let site = Site::new();
    site.file(
        "content/world/reaction.md",
        "+++\ntitle = \"Reaction abroad\"\ndate = 2024-05-02T09:00:00Z\n+++\nFirst paragraph.\n\nAfter [the vote](@/politics/nope.md), allies spoke.\n",
    );
    let err = site.build_err(&[]);
    assert!(err.contains("error: broken link `@/politics/nope.md`"), "{err}");
    assert!(err.contains("content/world/reaction.md:7:7"), "{err}");
    assert!(err.contains("7 │ After [the vote](@/politics/nope.md), allies spoke."), "the source line is shown: {err}");
}

#[test]
fn quiet_prints_nothing_and_piped_output_is_plain() {
    let site = Site::new();
    site.file("content/world/a.md", "+++\ntitle = \"Same\"\ndate = 2024-05-01T09:00:00Z\n+++\nx\n");
    site.file("content/world/b.md", "+++\ntitle = \"Same\"\ndate = 2024-05-01T10:00:00Z\n+++\ny\n");
    let out = site.build(&["--quiet"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    let out = site.build(&[]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("warning: 2 stories share the URL"), "{text}");
    assert!(!text.contains('\u{1b}'), "no escape codes when piped: {text:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1, "one line: {text}");
}

#[test]
fn completions_and_man_page_come_from_the_cli() {
    for shell in ["bash", "zsh", "fish"] {
        let out = crate::support::gazette().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("serve") && text.contains("check"), "{shell}: {text}");
    }
    let out = crate::support::gazette().arg("man").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(".TH gazette 1") && text.contains("build"), "{text}");
}
