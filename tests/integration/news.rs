//! News outputs: feeds, sitemaps, the Google News window, embargo, expiry, corrections, escaping.

use crate::support::Site;

const NOW: &str = "2024-05-10T12:00:00Z";

fn md(title: &str, date: &str, extra: &str) -> String {
    format!("+++\ntitle = {title:?}\ndate = {date}\n{extra}+++\nBody of {title}.\n")
}

#[test]
fn news_sitemap_lists_only_the_last_48_hours_with_the_original_time() {
    let site = Site::new();
    site.file("content/world/old.md", md("Old story", "2024-05-07T12:00:00Z", ""));
    site.file("content/world/fresh.md", md("Fresh story", "2024-05-09T13:00:00Z", ""));
    site.file("content/world/edge.md", md("Edge story", "2024-05-08T12:00:00Z", "updated = 2024-05-10T11:00:00Z\n"));
    site.build_ok(&["--now", NOW]);
    let news = site.read("news-sitemap.xml");
    assert!(news.contains("<news:title>Fresh story</news:title>"), "{news}");
    assert!(news.contains("<news:title>Edge story</news:title>"), "48 hours exactly is inside: {news}");
    assert!(!news.contains("Old story"), "{news}");
    assert!(
        news.contains("<news:publication_date>2024-05-08T12:00:00+00:00</news:publication_date>"),
        "the original time, not the update: {news}"
    );
    assert!(news.contains("<news:name>Gazette</news:name><news:language>en</news:language>"), "{news}");
    assert!(site.read("robots.txt").contains("/news-sitemap.xml"));
}

#[test]
fn news_sitemap_is_capped_at_1000_newest_first() {
    let site = Site::new();
    for i in 0..1005 {
        let minute = i % 60;
        let hour = 10 + i / 60 % 14;
        site.file(
            &format!("content/world/s{i:04}.md"),
            md(&format!("Story number {i}"), &format!("2024-05-09T{hour:02}:{minute:02}:00Z"), ""),
        );
    }
    site.build_ok(&["--now", NOW]);
    let news = site.read("news-sitemap.xml");
    assert_eq!(news.matches("<url>").count(), 1000);
    assert!(!news.contains("<news:title>Story number 0</news:title>"), "the oldest are dropped");
}

#[test]
fn no_news_sitemap_when_nothing_is_recent() {
    let site = Site::new();
    site.file("content/world/old.md", md("Old story", "2024-01-01T12:00:00Z", ""));
    site.build_ok(&["--now", NOW]);
    assert!(!site.out().join("news-sitemap.xml").exists());
    assert!(!site.read("robots.txt").contains("news-sitemap"));
}

#[test]
fn sitemap_splits_into_an_index_past_the_limit() {
    let site = Site::new();
    site.file("gazette.toml", "sitemap_limit = 3\nbase_url = \"https://n.example\"\n");
    for i in 0..4 {
        site.file(&format!("content/world/s{i}.md"), md(&format!("Story {i}"), "2024-05-09T10:00:00Z", ""));
    }
    site.build_ok(&["--now", NOW]);
    let index = site.read("sitemap.xml");
    assert!(index.contains("<sitemapindex"), "{index}");
    let parts: Vec<String> =
        (1..).map(|i| format!("sitemap-{i}.xml")).take_while(|p| site.out().join(p).exists()).collect();
    assert!(parts.len() >= 3, "{parts:?}");
    let mut urls = 0;
    for p in &parts {
        assert!(index.contains(&format!("<loc>https://n.example/{p}</loc>")), "{index}");
        let text = site.read(p);
        let n = text.matches("<url>").count();
        assert!((1..=3).contains(&n), "{p} has {n} urls");
        urls += n;
    }
    assert!(site.read(&parts[0]).contains("<lastmod>"));
    // home, section, tag list, day, month, year, four stories
    assert_eq!(urls, 9);
}

#[test]
fn embargoed_stories_are_held_back_unless_future() {
    let site = Site::new();
    site.file("content/world/now.md", md("Published story", "2024-05-09T10:00:00Z", ""));
    site.file("content/world/later.md", md("Embargoed story", "2024-05-11T10:00:00Z", ""));
    site.file(
        "content/world/held.md",
        md("Held by publish_at", "2024-05-09T10:00:00Z", "publish_at = 2024-05-10T18:00:00Z\n"),
    );
    site.file("content/world/draft.md", md("Draft story", "2024-05-09T10:00:00Z", "draft = true\n"));
    let out = site.build_ok(&["--now", NOW]);
    assert!(out.contains("held back 2 embargoed stories"), "{out}");
    for file in ["index.html", "rss.xml", "atom.xml", "sitemap.xml", "world/index.html", "news-sitemap.xml"] {
        let text = site.read(file);
        for absent in ["Embargoed story", "embargoed-story", "Held by publish_at", "Draft story", "draft-story"] {
            assert!(!text.contains(absent), "{absent} leaked into {file}");
        }
    }
    assert!(!site.out().join("world/2024/05/11").exists());
    site.build_ok(&["--now", NOW, "--future", "--drafts"]);
    let home = site.read("index.html");
    for present in ["Embargoed story", "Held by publish_at", "Draft story"] {
        assert!(home.contains(present), "{present} with --future --drafts");
    }
}

#[test]
fn gazette_now_environment_sets_the_build_time() {
    let site = Site::new();
    site.file("content/world/later.md", md("Embargoed story", "2030-01-01T10:00:00Z", ""));
    let out = crate::support::gazette()
        .arg("build")
        .arg(site.path())
        .env("GAZETTE_NOW", "2030-01-02T00:00:00Z")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(site.read("index.html").contains("Embargoed story"));
}

#[test]
fn expired_stories_leave_lists_and_feeds_but_keep_their_page() {
    let site = Site::new();
    site.file("content/world/gone.md", md("Expired story", "2024-05-01T10:00:00Z", "expires = 2024-05-05T00:00:00Z\n"));
    site.file("content/world/live.md", md("Live story", "2024-05-01T11:00:00Z", ""));
    site.build_ok(&["--now", NOW]);
    for file in ["index.html", "world/index.html", "rss.xml", "atom.xml", "2024/05/01/index.html"] {
        assert!(!site.read(file).contains("Expired story"), "{file}");
    }
    assert!(site.read("world/2024/05/01/expired-story/index.html").contains("Expired story"));
    site.file("gazette.toml", "expired = \"remove\"\n");
    site.build_ok(&["--now", NOW]);
    assert!(!site.out().join("world/2024/05/01/expired-story").exists());
}

#[test]
fn section_and_tag_feeds_exist_and_are_announced() {
    let site = Site::new();
    site.file("content/world/a.md", md("World story", "2024-05-09T10:00:00Z", "tags = [\"Ports\"]\n"));
    site.file("content/sports/b.md", md("Sports story", "2024-05-09T11:00:00Z", ""));
    site.build_ok(&["--now", NOW]);
    let world = site.read("world/rss.xml");
    assert!(world.contains("World story") && !world.contains("Sports story"), "{world}");
    assert!(site.read("tags/ports/atom.xml").contains("World story"));
    let page = site.read("world/index.html");
    assert!(page.contains("href=\"/world/rss.xml\""), "section page announces its feed");
    assert!(page.contains("href=\"/world/atom.xml\""));
}

#[test]
fn atom_published_stays_while_updated_moves_with_a_new_version() {
    let site = Site::new();
    site.file("content/world/a1.md", md("Port strike begins", "2024-05-09T08:00:00Z", "story = \"strike\"\n"));
    site.file("content/world/a2.md", md("Port strike spreads", "2024-05-09T15:00:00Z", "story = \"strike\"\n"));
    site.build_ok(&["--now", NOW]);
    let atom = site.read("atom.xml");
    assert_eq!(atom.matches("<entry>").count(), 1, "{atom}");
    assert!(atom.contains("<published>2024-05-09T08:00:00+00:00</published>"), "{atom}");
    assert!(atom.contains("<updated>2024-05-09T15:00:00+00:00</updated>"), "{atom}");
    assert!(atom.contains("<title>Port strike spreads</title>"));
    assert!(
        atom.contains("<id>http://localhost/world/2024/05/09/port-strike-begins/</id>"),
        "the id is the canonical URL: {atom}"
    );
    let rss = site.read("rss.xml");
    assert!(rss.contains("<pubDate>Thu, 09 May 2024 08:00:00 +0000</pubDate>"), "{rss}");
}

#[test]
fn corrections_show_on_the_page_and_in_json_ld() {
    let site = Site::new();
    site.file(
        "content/world/a.md",
        md("Mayor opens bridge", "2024-05-09T10:00:00Z", "[[corrections]]\ndate = 2024-05-09T18:00:00Z\ntext = \"An earlier version misspelled the mayor's name.\"\n"),
    );
    site.build_ok(&["--now", NOW]);
    let page = site.read("world/2024/05/09/mayor-opens-bridge/index.html");
    assert!(page.contains("class=\"correction-note\""), "{page}");
    assert!(
        page.contains("An earlier version misspelled the mayor&#39;s name.")
            || page.contains("An earlier version misspelled the mayor's name.")
    );
    let ld = &page[page.find("application/ld+json").unwrap()..];
    assert!(ld.contains("\"correction\":[{\"@type\":\"CorrectionComment\""), "{ld}");
    assert!(ld.contains("\"dateModified\":\"2024-05-09T18:00:00+00:00\""), "a correction updates dateModified: {ld}");
}

#[test]
fn hostile_headline_is_inert_everywhere() {
    let evil = "</script><script>alert(1)</script> & \"q\" ]]> <b>";
    let site = Site::new();
    site.file(
        "content/world/a.md",
        format!(
            "+++\ntitle = {evil:?}\ndate = 2024-05-09T10:00:00Z\nauthor = {evil:?}\ntags = [{evil:?}]\n+++\nBody.\n"
        ),
    );
    site.build_ok(&["--now", NOW]);
    let files = crate::support::snapshot_tree(&site.out());
    let mut checked = 0;
    for (path, bytes) in files {
        let text = String::from_utf8_lossy(&bytes);
        if !(path.ends_with(".html") || path.ends_with(".xml")) {
            continue;
        }
        checked += 1;
        assert!(!text.contains("<script>alert(1)"), "{path} has a live script tag");
        assert!(!text.contains("</script><script>"), "{path} closes a script element");
        assert!(!text.contains("<b>"), "{path} has raw markup from the headline");
        assert!(!text.contains("]]> <b"), "{path}");
    }
    assert!(checked > 5);
    let page = site.read("world/2024/05/09/script-script-alert-1-script-q-b/index.html");
    let ld_start = page.find("<script type=\"application/ld+json\">").unwrap() + 35;
    let ld_end = page[ld_start..].find("</script>").unwrap() + ld_start;
    let json: serde_json::Value = serde_json::from_str(&page[ld_start..ld_end]).expect("JSON-LD parses");
    assert_eq!(json["headline"], evil, "the JSON keeps the text exactly");
    assert_eq!(json["author"][0]["name"], evil);
}
