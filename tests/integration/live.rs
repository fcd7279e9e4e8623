//! Live coverage and breaking news: entries from `NAME.live/` (order, times, badge, escaping,
//! located errors and warnings), the `LiveBlogPosting` JSON-LD, the poll files (`live.json`,
//! `breaking.json`) and which stories are breaking.

use crate::support::Site;

const NOW: &str = "2024-05-10T12:00:00Z";
const PAGE: &str = "world/2024/05/10/storm-over-the-bay/index.html";
const STATUS: &str = "world/2024/05/10/storm-over-the-bay/live.json";

fn md(title: &str, date: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = {title:?}\ndate = {date}\n{extra}+++\n{body}\n")
}

/// A live story (front matter `extra`) with three entries: two at 11:00 (a tie, broken by path:
/// `b-wire.txt` before `c.md`) and one at 09:00.
fn live_site(extra: &str) -> Site {
    let site = Site::new();
    let extra = format!("dateline = \"HARBOR CITY, May 10\"\n{extra}");
    site.file("content/world/storm.md", md("Storm over the bay", "2024-05-10T08:00:00Z", &extra, "The story."));
    site.file("content/world/storm.live/a.md", md("First entry", "2024-05-10T09:00:00Z", "", "Water *rising*."));
    site.file(
        "content/world/storm.live/2024-05-10-1100-b-wire.txt",
        "Ferries stop <script>alert(1)</script>\nHARBOR CITY, May 10 (Wire) -- Ferries stopped & waited.\n(END)\n",
    );
    site.file("content/world/storm.live/c.md", md("Third entry", "2024-05-10T11:00:00Z", "", "Power cut."));
    site
}

/// The entry ids of a page, in page order.
fn entry_ids(html: &str) -> Vec<&str> {
    html.split("<li class=\"live-entry").skip(1).filter_map(|s| s.split("id=\"").nth(1)?.split('"').next()).collect()
}

fn jsonld(html: &str) -> serde_json::Value {
    let start = html.find("<script type=\"application/ld+json\">").expect("JSON-LD") + 35;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("JSON-LD parses")
}

#[test]
fn entries_are_shown_newest_first_with_their_times_and_a_live_badge() {
    let site = live_site("live = true\n");
    let out = site.build_ok(&["--now", NOW]);
    assert!(out.contains("3 live entries"), "{out}");
    let html = site.read(PAGE);
    assert_eq!(entry_ids(&html), ["entry-2024-05-10-1100-b-wire", "entry-c", "entry-a"]);
    for t in ["2024-05-10T11:00:00+00:00", "2024-05-10T09:00:00+00:00"] {
        assert!(html.contains(&format!("<time datetime=\"{t}\">")), "{t}");
    }
    assert!(html.contains("class=\"live-badge\""), "a running live story shows the badge");
    assert!(html.contains("Water <em>rising</em>."), "Markdown entries render as story bodies do");
    assert!(!html.contains("<script>alert(1)"), "wire entries are escaped");
    assert!(html.contains("<h3 class=\"live-entry-title\">Ferries stop &lt;script&gt;alert(1)&lt;/script&gt;</h3>"));
    // Entries are not stories: no pages, not in lists or feeds.
    assert!(!site.read("index.html").contains("Third entry"));
    assert!(!site.read("rss.xml").contains("Third entry"));
    assert_eq!(std::fs::read_dir(site.out().join("world/2024/05/10")).unwrap().count(), 1);
}

#[test]
fn the_badge_follows_live_until_and_live_false() {
    // (front matter, badge shown, coverageEndTime)
    let cases = [
        ("live = true\n", true, None),
        ("live = true\nlive_until = 2024-05-10T13:00:00Z\n", true, None),
        ("live = true\nlive_until = 2024-05-10T11:30:00Z\n", false, Some("2024-05-10T11:30:00+00:00")),
        ("live = false\n", false, Some("2024-05-10T11:00:00+00:00")),
    ];
    for (extra, badge, end) in cases {
        let site = live_site(extra);
        site.build_ok(&["--now", NOW]);
        let html = site.read(PAGE);
        assert_eq!(html.contains("class=\"live-badge\""), badge, "{extra}");
        assert_eq!(entry_ids(&html).len(), 3, "ended coverage keeps its entries: {extra}");
        let ld = jsonld(&html);
        assert_eq!(ld["coverageEndTime"].as_str(), end, "{extra}");
        let status: serde_json::Value = serde_json::from_str(&site.read(STATUS)).unwrap();
        assert_eq!(status["live"], badge, "{extra}");
    }
    // The same story built at another time: the badge is a function of --now.
    let site = live_site("live = true\nlive_until = 2024-05-10T13:00:00Z\n");
    site.build_ok(&["--now", "2024-05-10T14:00:00Z"]);
    assert!(!site.read(PAGE).contains("class=\"live-badge\""));
}

#[test]
fn live_blog_posting_json_ld_lists_the_entries() {
    let site = live_site("live = true\n");
    site.build_ok(&["--now", NOW]);
    let html = site.read(PAGE);
    let ld = jsonld(&html);
    assert_eq!(ld["@type"], "LiveBlogPosting");
    assert_eq!(ld["coverageStartTime"], "2024-05-10T08:00:00+00:00");
    assert!(ld.get("coverageEndTime").is_none(), "coverage is running");
    assert!(ld.get("dateline").is_none(), "dateline is a NewsArticle property, not a LiveBlogPosting one");
    let updates = ld["liveBlogUpdate"].as_array().unwrap();
    assert_eq!(updates.len(), 3);
    for (u, id) in updates.iter().zip(entry_ids(&html)) {
        assert_eq!(u["@type"], "BlogPosting");
        assert!(u["url"].as_str().unwrap().ends_with(&format!("/storm-over-the-bay/#{id}")), "{u}");
        assert!(u["headline"].is_string() && u["datePublished"].is_string(), "{u}");
    }
    assert_eq!(updates[0]["headline"], "Ferries stop <script>alert(1)</script>");
    assert!(!html.contains("alert(1)</script>"), "JSON-LD is escaped for <script>");
}

#[test]
fn the_poll_file_is_small_and_says_what_changed() {
    let site = live_site("live = true\nlive_until = 2024-05-10T20:00:00Z\n");
    site.build_ok(&["--now", NOW]);
    let text = site.read(STATUS);
    assert!(text.len() < 300, "{} bytes", text.len());
    let status: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(status["entries"], 3);
    assert_eq!(status["newest"], "entry-2024-05-10-1100-b-wire");
    assert_eq!(status["updated"], "2024-05-10T11:00:00+00:00");
    assert_eq!(status["until"], "2024-05-10T20:00:00+00:00");
    let html = site.read(PAGE);
    assert!(html.contains("data-live-status=\"/world/2024/05/10/storm-over-the-bay/live.json\""));
    assert!(html.contains("data-entries=\"3\" data-newest=\"entry-2024-05-10-1100-b-wire\""));
    // A story that is not live has no poll file.
    site.file("content/world/calm.md", md("Calm day", "2024-05-10T07:00:00Z", "", "Nothing."));
    site.build_ok(&["--now", NOW]);
    assert!(!site.out().join("world/2024/05/10/calm-day/live.json").exists());
}

#[test]
fn bad_entries_are_located_errors_all_in_one_run() {
    let site = live_site("live = true\n");
    site.build_ok(&["--now", NOW]);
    let before = site.read(PAGE);
    site.file("content/world/storm.live/bad-date.md", md("Bad", "\"yesterday\"", "", "x"));
    site.file("content/world/storm.live/no-title.md", "+++\ndate = 2024-05-10T10:00:00Z\n+++\nx\n");
    site.file("content/world/storm.live/deeper/x.md", md("Deep", "2024-05-10T10:00:00Z", "", "x"));
    let err = site.build_err(&["--now", NOW]);
    for (at, message) in [
        ("storm.live/bad-date.md:3:1", "cannot read date `yesterday`"),
        ("storm.live/no-title.md:1:1", "missing `title`"),
        ("storm.live/deeper/x.md:1:1", "a live entry goes directly in world/storm.live/, not in a folder under it"),
    ] {
        assert!(err.contains(at) && err.contains(message), "{at}: {message}\n{err}");
    }
    assert!(err.contains("3 errors"), "{err}");
    assert_eq!(site.read(PAGE), before, "a failed build leaves the output as it was");
}

#[test]
fn entries_without_a_live_story_are_located_warnings() {
    let site = Site::new();
    site.file("content/world/calm.md", md("Calm day", "2024-05-10T07:00:00Z", "", "Nothing."));
    site.file("content/world/calm.live/a.md", md("Beside a story not live", "2024-05-10T09:00:00Z", "", "x"));
    site.file("content/world/nobody.live/b.md", md("Beside nothing", "2024-05-10T09:00:00Z", "", "x"));
    let out = site.build_ok(&["--now", NOW]);
    assert!(
        out.contains(
            "live entry left out: the story beside world/calm.live/ is not marked `live` (in its newest version)"
        ),
        "{out}"
    );
    assert!(out.contains("content/world/calm.live/a.md:1:1"), "{out}");
    assert!(out.contains("live entry left out: world/nobody.live/ has no story beside it"), "{out}");
    assert!(out.contains("content/world/nobody.live/b.md:1:1"), "{out}");
    assert!(out.contains("2 live entries left out"), "{out}");
    assert!(!site.read("world/2024/05/10/calm-day/index.html").contains("Beside"));
}

#[test]
fn live_until_without_live_is_an_error() {
    let site = Site::new();
    site.file("content/a.md", md("A", "2024-05-10T07:00:00Z", "live_until = 2024-05-10T09:00:00Z\n", "x"));
    let err = site.build_err(&["--now", NOW]);
    assert!(err.contains("content/a.md:4:1") && err.contains("`live_until` without `live`"), "{err}");
}

#[test]
fn changed_names_an_entry_file_and_its_page_is_rebuilt() {
    let site = live_site("live = true\n");
    site.build_ok(&["--now", NOW]);
    site.file("content/world/storm.live/d.md", md("Fourth entry", "2024-05-10T11:45:00Z", "", "Later."));
    site.build_ok(&["--now", NOW, "--changed", "content/world/storm.live/d.md"]);
    assert_eq!(entry_ids(&site.read(PAGE))[0], "entry-d");
    assert!(site.read(STATUS).contains("\"entries\":4"));
    std::fs::remove_file(site.path().join("content/world/storm.live/c.md")).unwrap();
    site.build_ok(&["--now", NOW, "--changed", "content/world/storm.live/c.md"]);
    assert!(!entry_ids(&site.read(PAGE)).contains(&"entry-c"));
}

fn breaking(site: &Site, prefix: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(&site.read(&format!("{prefix}breaking.json"))).unwrap();
    doc["stories"].as_array().unwrap().iter().map(|s| s["headline"].as_str().unwrap().to_string()).collect()
}

fn wire(headline: &str, key: &str) -> String {
    format!("+++\nstory = {key:?}\n+++\n{headline}\nHARBOR CITY, May 10 (Wire) -- Text of {headline}.\n(END)\n")
}

#[test]
fn breaking_json_lists_urgent_and_flagged_stories_within_the_window_per_language() {
    let site = Site::new();
    site.file("gazette.toml", "breaking_minutes = 30\n[languages.ko]\ntitle = \"K\"\n");
    // Newest version URGENT, 11:45: breaking.
    site.file("content/world/2024/05/10/1145-urgent-dam.txt", wire("(URGENT) Dam gates opened <b>now</b>", "dam"));
    // URGENT at 11:40, then an untagged version at 11:50: the newest is not URGENT.
    site.file("content/world/2024/05/10/1140-urgent-bridge.txt", wire("(URGENT) Bridge closed", "bridge"));
    site.file("content/world/2024/05/10/1150-bridge.txt", wire("Bridge closed after crash", "bridge"));
    // breaking = true, 11:50: breaking.
    site.file("content/world/flag.md", md("Flagged story", "2024-05-10T11:50:00Z", "breaking = true\n", "x"));
    // URGENT but 11:00, outside 30 minutes; breaking = true but in the future (embargoed).
    site.file("content/world/2024/05/10/1100-urgent-old.txt", wire("(URGENT) Old alarm", "old"));
    site.file("content/world/late.md", md("Late", "2024-05-10T12:10:00Z", "breaking = true\n", "x"));
    // Korean: its own file.
    site.file("content/world/flag.ko.md", md("속보 기사", "2024-05-10T11:55:00Z", "breaking = true\n", "x"));
    site.build_ok(&["--now", NOW]);
    assert_eq!(breaking(&site, ""), ["Flagged story", "Dam gates opened <b>now</b>"]);
    assert_eq!(breaking(&site, "ko/"), ["속보 기사"]);
    assert!(site.read("breaking.json").contains("Dam gates opened \\u003cb\\u003enow\\u003c/b\\u003e"), "never markup");
    let doc: serde_json::Value = serde_json::from_str(&site.read("breaking.json")).unwrap();
    assert_eq!(doc["stories"][0]["since"], "2024-05-10T11:50:00+00:00");
    assert_eq!(doc["stories"][0]["until"], "2024-05-10T12:20:00+00:00");
    assert_eq!(doc["stories"][0]["url"], "/world/2024/05/10/flagged-story/");
    // Every page of a language has the (empty) banner slot polling its language's file.
    for (page, src) in [
        ("index.html", "/breaking.json"),
        ("ko/index.html", "/ko/breaking.json"),
        ("tags/index.html", "/breaking.json"),
    ] {
        let html = site.read(page);
        assert!(html.contains(&format!("data-src=\"{src}\" data-label=")), "{page}");
        assert!(html.contains("<script src=\"/news.js\" defer>"), "{page}");
    }
    // Later, everything has expired.
    site.build_ok(&["--now", "2024-05-10T13:00:00Z"]);
    assert!(breaking(&site, "").is_empty());
}

#[test]
fn a_bad_breaking_minutes_is_located() {
    let site = Site::new();
    site.file("gazette.toml", "title = \"T\"\nbreaking_minutes = 0\n");
    site.file("content/a.md", md("A", "2024-05-10T07:00:00Z", "", "x"));
    let err = site.build_err(&["--now", NOW]);
    assert!(
        err.contains("gazette.toml:2:20") && err.contains("breaking_minutes = 0: use a number of minutes"),
        "{err}"
    );
}

/// The poll file of the bundled site: what a reader's page fetches every few seconds.
#[test]
fn the_bundled_sites_poll_files_are_under_2_kb() {
    let site = crate::support::bundled_site();
    site.build_ok(&["--now", "2026-11-28T12:00:00+09:00"]);
    let status = site.read("world/2026/11/28/live-storm-surge-floods-harbor-city-waterfront/live.json");
    assert!(status.len() < 2048 && status.contains("\"live\":true"), "{status}");
    assert!(breaking(&site, "").iter().any(|h| h.contains("port closed")), "the bundled breaking story shows");
    // Korean `[속보]` is URGENT: the Korean edition's banner has its own story.
    assert!(breaking(&site, "ko/").iter().any(|h| h.contains("운항 중단")), "{:?}", breaking(&site, "ko/"));
    assert!(site.read("breaking.json").len() < 2048);
}

#[test]
fn markdown_entries_follow_the_raw_html_rule_and_resolve_story_links() {
    let site = live_site("live = true\n");
    site.file("gazette.toml", "[markdown]\nraw_html = \"escape\"\n");
    site.file("content/world/calm.md", md("Calm day", "2024-05-09T07:00:00Z", "", "Nothing."));
    site.file(
        "content/world/storm.live/d.md",
        md("Raw", "2024-05-10T11:30:00Z", "", "<script>alert(2)</script>\n\nSee [calm](@/world/calm.md)."),
    );
    site.file("content/world/storm.live/f.md", md("Photo", "2024-05-10T08:30:00Z", "", "![Pier](pier.jpg)"));
    let out = site.build_ok(&["--now", NOW]);
    assert!(
        out.contains("photo `pier.jpg` in a live entry is not processed") && out.contains("storm.live/f.md:5:"),
        "{out}"
    );
    let html = site.read(PAGE);
    assert!(!html.contains("<script>alert(2)"), "raw HTML in an entry is escaped as in a story body");
    assert!(html.contains("&lt;script&gt;alert(2)"));
    assert!(html.contains("href=\"/world/2024/05/09/calm-day/\""), "an entry's @/ link is the story's URL");
    std::fs::remove_file(site.path().join("content/world/storm.live/f.md")).unwrap();
    site.file("content/world/storm.live/e.md", md("Broken", "2024-05-10T11:31:00Z", "", "[x](@/world/gone.md)"));
    let err = site.build_err(&["--now", NOW]);
    assert!(err.contains("storm.live/e.md:5:1") && err.contains("broken link `@/world/gone.md`"), "{err}");
}
