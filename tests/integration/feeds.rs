//! Wire feed items as stories: IPTC ninjs (`.json`) files under `content/` build into pages.

use crate::support::Site;

const NOW: &str = "2024-05-10T12:00:00Z";

/// A ninjs 3.x text item with an HTML body.
fn ninjs(uri: &str, version: u32, created: &str, headline: &str, body_html: &str) -> String {
    let item = serde_json::json!({
        "uri": uri,
        "type": "text",
        "version": version.to_string(),
        "firstCreated": "2024-05-09T08:00:00Z",
        "versionCreated": created,
        "pubStatus": "usable",
        "language": "en",
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/html", "value": body_html}],
    });
    serde_json::to_string_pretty(&item).unwrap()
}

#[test]
fn ninjs_text_item_builds_a_page_with_its_headline_and_body_and_no_script() {
    let site = Site::new();
    site.file(
        "content/world/quake.json",
        ninjs(
            "urn:test:quake",
            1,
            "2024-05-09T08:00:00Z",
            "Quake shakes coastal towns",
            "<p onclick=\"steal()\">Buildings swayed for a minute.</p><script>alert('x')</script>",
        ),
    );
    site.build_ok(&["--now", NOW]);
    let page = site.read("world/2024/05/09/quake-shakes-coastal-towns/index.html");
    assert!(page.contains("<h1") && page.contains("Quake shakes coastal towns</h1>"), "{page}");
    assert!(page.contains("Buildings swayed for a minute."), "{page}");
    assert!(!page.contains("alert('x')") && !page.contains("steal()"), "wire HTML reached the page: {page}");
}

#[test]
fn two_versions_of_one_ninjs_uri_are_one_story_showing_the_newer_text() {
    let site = Site::new();
    let headline = "Harbour reopens after storm";
    site.file(
        "content/world/harbour-v1.json",
        ninjs("urn:test:harbour", 1, "2024-05-09T08:00:00Z", headline, "<p>Ships wait outside the harbour.</p>"),
    );
    site.file(
        "content/world/harbour-v2.json",
        ninjs("urn:test:harbour", 2, "2024-05-09T10:00:00Z", headline, "<p>The first ferries sailed at noon.</p>"),
    );
    site.build_ok(&["--now", NOW]);
    let page = site.read("world/2024/05/09/harbour-reopens-after-storm/index.html");
    assert!(page.contains("The first ferries sailed at noon."), "{page}");
    assert!(page.contains(&format!("{headline}</h1>")), "{page}");
    let stories = std::fs::read_dir(site.out().join("world/2024/05/09")).unwrap().count();
    assert_eq!(stories, 1, "two versions of one uri are one story");
    let section = site.read("world/index.html");
    assert_eq!(section.matches(headline).count(), 1, "listed once: {section}");
}
