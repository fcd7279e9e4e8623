//! Subscribers' stories (`access = "subscribers"`): the JSON-LD Google's paywalled-content
//! guidance asks for, the theme's `.paywall` element around the gated text, and feeds and the
//! search index that carry only the summary and lede.

use crate::support::{Site, check_xml};

const GATED: &str = "Zanzibarquux plots changed hands twice.";

fn site() -> Site {
    let site = Site::new();
    site.file("gazette.toml", "title = \"Gazette\"\nbase_url = \"https://news.example\"\n");
    site.file(
        "content/economy/docks.md",
        format!(
            "+++\ntitle = \"Who owns the docks\"\ndate = 2024-05-02T09:00:00Z\nsummary = \"Three firms hold half the quays.\"\naccess = \"subscribers\"\n+++\nThe lede names the Quaylander firms.\n\n{GATED}\n\n## A heading\n\nMore gated text.\n"
        ),
    );
    site.file(
        "content/economy/free.md",
        "+++\ntitle = \"Free story\"\ndate = 2024-05-01T09:00:00Z\naccess = \"free\"\n+++\nFree lede.\n\nFree second paragraph.\n",
    );
    site.file(
        "content/economy/2024/05/03/wire.txt",
        "+++\naccess = \"subscribers\"\n+++\nPort fees frozen\nHARBOR CITY, May 3 (Gazette Wire) -- Fees stay.\nWirequuxgated detail.\n(END)\n",
    );
    site
}

fn jsonld(html: &str) -> serde_json::Value {
    let start = html.find("<script type=\"application/ld+json\">").expect("a JSON-LD block") + 35;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn a_subscribers_story_is_marked_not_free_with_its_gated_part() {
    let site = site();
    site.build_ok(&[]);
    let html = site.read("economy/2024/05/02/who-owns-the-docks/index.html");
    let ld = jsonld(&html);
    assert_eq!(ld["isAccessibleForFree"], false);
    assert_eq!(
        ld["hasPart"],
        serde_json::json!({"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".paywall"})
    );
    // The lede is open; everything after it is inside the one element the selector names.
    let body = &html[html.find("<div class=\"story-body\">").unwrap()..];
    let (open, gated) = body.split_once("<div class=\"paywall\">").expect("a .paywall element");
    assert!(open.contains("<p>The lede names the Quaylander firms.</p>"), "{open}");
    assert!(!open.contains(GATED));
    let gated = &gated[..gated.find("</div>").unwrap()];
    assert!(
        gated.contains(GATED) && gated.contains("<h2>A heading</h2>") && gated.contains("More gated text."),
        "{gated}"
    );
    assert_eq!(html.matches("class=\"paywall\"").count(), 1);
    assert!(html.contains("<span class=\"access-label\">For subscribers</span>"), "{html}");
    // Wire copy takes `access` from its front matter too.
    let wire = site.read("economy/2024/05/03/port-fees-frozen/index.html");
    assert_eq!(jsonld(&wire)["isAccessibleForFree"], false);
    assert!(wire.contains("<div class=\"paywall\">"), "{wire}");
    // A free story has neither.
    let free = site.read("economy/2024/05/01/free-story/index.html");
    let ld = jsonld(&free);
    assert!(ld.get("isAccessibleForFree").is_none() && ld.get("hasPart").is_none(), "{ld}");
    assert!(!free.contains("paywall") && !free.contains("access-label"));
}

#[test]
fn feeds_carry_only_the_summary_of_a_subscribers_story() {
    let site = site();
    site.build_ok(&[]);
    for feed in ["rss.xml", "atom.xml", "economy/rss.xml", "economy/atom.xml"] {
        let xml = site.read(feed);
        assert!(check_xml(feed, &xml).is_empty(), "{feed}: {:?}", check_xml(feed, &xml));
        assert!(xml.contains("Three firms hold half the quays."), "{feed}: the summary");
        assert!(!xml.contains("Zanzibarquux") && !xml.contains("Wirequuxgated"), "{feed} carries gated text: {xml}");
        assert!(!xml.contains("Quaylander"), "{feed} carries the body (its lede) too: {xml}");
        assert!(xml.contains("Free second paragraph."), "{feed}: a free story's body is there");
    }
    let rss = site.read("rss.xml");
    assert_eq!(rss.matches("<content:encoded>").count(), 1, "only the free story has content: {rss}");
    let atom = site.read("atom.xml");
    assert_eq!(atom.matches("<content type=\"html\">").count(), 1, "{atom}");
}

#[test]
fn the_search_index_holds_no_gated_text() {
    let site = site();
    site.build_ok(&[]);
    let terms: String = std::fs::read_dir(site.out().join("search/t"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(terms.contains("\"quayland\""), "the lede is indexed (stemmed): {terms}");
    assert!(!terms.contains("zanzibarquux") && !terms.contains("wirequuxgat"), "gated words are not: {terms}");
    assert!(terms.contains("\"second\""), "a free story's body is: {terms}");
}

#[test]
fn an_unknown_access_value_is_located() {
    let site = Site::new();
    site.file("content/a.md", "+++\ntitle = \"A\"\ndate = 2024-05-01T09:00:00Z\naccess = \"paid\"\n+++\nText.\n");
    let err = site.build_err(&[]);
    let want = format!("{}:4:", site.path().join("content/a.md").display());
    assert!(err.contains(&want) && err.contains("subscribers"), "{err}");
}

#[test]
fn subscriber_article_snapshot() {
    let site = site();
    site.build_ok(&[]);
    let html = site.read("economy/2024/05/02/who-owns-the-docks/index.html");
    let start = html.find("<article").unwrap();
    let end = html.find("</article>").unwrap() + 10;
    insta::assert_snapshot!(&html[start..end]);
}
