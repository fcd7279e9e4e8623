//! NewsML-G2 items under `content/` build into story pages like the other formats.

use crate::support::Site;

const ITEM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:example.com:20240501:quake" version="1" xml:lang="en">
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <firstCreated>2024-05-01T09:00:00Z</firstCreated>
    <pubStatus qcode="stat:usable"/>
  </itemMeta>
  <contentMeta>
    <located><name>Tokyo</name></located>
    <creator><name>Kim Reporter</name></creator>
    <headline>Quake shakes Tokyo &amp; Yokohama</headline>
  </contentMeta>
  <contentSet>
    <inlineXML contenttype="application/xhtml+xml">
      <html xmlns="http://www.w3.org/1999/xhtml"><body>
        <p onclick="steal()">A strong earthquake shook the capital on Wednesday.</p>
        <script>alert("owned")</script>
        <p>No damage was reported.</p>
      </body></html>
    </inlineXML>
  </contentSet>
</newsItem>
"#;

#[test]
fn g2_news_item_builds_into_a_story_page_with_a_clean_body() {
    let site = Site::new();
    site.file("content/world/item.xml", ITEM);
    site.build_ok(&["--now", "2024-05-02T12:00:00Z"]);
    let page = site.read("world/2024/05/01/quake-shakes-tokyo-yokohama/index.html");
    let h1 = page.split("<h1").nth(1).and_then(|h| h.split("</h1>").next()).unwrap_or_default();
    assert!(h1.contains("Quake shakes Tokyo &amp; Yokohama"), "{h1}");
    assert!(page.contains("A strong earthquake shook the capital on Wednesday."), "{page}");
    assert!(page.contains("No damage was reported."), "{page}");
    assert!(!page.contains("alert(\"owned\")") && !page.contains("onclick"), "{page}");
}
