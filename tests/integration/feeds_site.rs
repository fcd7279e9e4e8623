//! Feed items on a site: publication status (withdrawn everywhere, withheld, embargoed), items
//! that are not news text, the page language, the IPTC's own examples, and `serve` picking up new
//! items.

use std::path::Path;

use gazette::config::Overrides;
use gazette::session::{Changes, Session};

use crate::support::{Site, gazette, snapshot_tree};

const NOW: &str = "2024-05-10T12:00:00Z";

/// A ninjs 3.x text item; `extra` adds or replaces top-level fields.
fn item(uri: &str, version: u32, created: &str, headline: &str, body: &str, extra: serde_json::Value) -> String {
    let mut item = serde_json::json!({
        "uri": uri,
        "type": "text",
        "version": version.to_string(),
        "firstCreated": "2024-05-09T08:00:00Z",
        "versionCreated": created,
        "pubStatus": "usable",
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": body}],
        "subjects": [{"uri": "http://cv.iptc.org/newscodes/mediatopic/11000000"}],
    });
    for (k, v) in extra.as_object().unwrap() {
        item[k] = v.clone();
    }
    serde_json::to_string_pretty(&item).unwrap()
}

/// Every output file whose text contains `needle`.
fn files_containing(out: &Path, needle: &str) -> Vec<String> {
    snapshot_tree(out)
        .into_iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains(needle))
        .map(|(name, _)| name)
        .collect()
}

fn site_with_a_withdrawn_story() -> Site {
    let site = Site::new();
    let headline = "Minister resigns over ferry contract";
    site.file(
        "content/politics/minister-v1.json",
        item(
            "urn:t:minister",
            1,
            "2024-05-09T08:00:00Z",
            headline,
            "The minister resigned on Thursday.",
            serde_json::json!({}),
        ),
    );
    site.file(
        "content/politics/minister-v2.json",
        item(
            "urn:t:minister",
            2,
            "2024-05-09T11:00:00Z",
            headline,
            "The minister resigned on Thursday.",
            serde_json::json!({"pubStatus": "canceled"}),
        ),
    );
    let lister = "+++\ntitle = \"Ferry contract under review\"\ndate = 2024-05-09T12:00:00Z\ntags = [\"politics\"]\nrelated = [\"Minister resigns over ferry contract\"]\n+++\nThe contract is under review.\n";
    site.file("content/politics/review.md", lister);
    site
}

/// A `canceled` item is withdrawn everywhere: its URL holds a withdrawal notice without its text,
/// and no list, feed, sitemap, news sitemap or related list names it; `check` lists it.
#[test]
fn a_canceled_item_is_withdrawn_everywhere() {
    let site = site_with_a_withdrawn_story();
    let out = site.build_ok(&["--now", NOW]);
    assert!(out.contains("built 2 stories from 3 files (1 version of another, 1 withdrawn)"), "{out}");
    let url = "politics/2024/05/09/minister-resigns-over-ferry-contract/";
    let page = site.read(&format!("{url}index.html"));
    assert!(page.contains("This story has been withdrawn"), "{page}");
    assert!(page.contains("noindex"), "{page}");
    assert!(!page.contains("The minister resigned on Thursday."), "the withdrawn text stays off the page");
    let naming: Vec<String> =
        files_containing(&site.out(), url).into_iter().filter(|f| f != &format!("{url}index.html")).collect();
    assert!(naming.is_empty(), "files still naming the withdrawn story: {naming:?}");
    let review = site.read("politics/2024/05/09/ferry-contract-under-review/index.html");
    assert!(review.contains("Minister resigns over ferry contract"), "the editor's entry stays, as text");
    let check = gazette().args(["check", "--now", NOW]).arg(site.path()).output().unwrap();
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(text.contains("stories withdrawn by their sender (1):"), "{text}");
    assert!(text.contains("content/politics/minister-v2.json"), "{text}");
}

/// A `withheld` item is held back with all its versions; an embargoed one until its time.
#[test]
fn withheld_and_embargoed_items_are_held_back() {
    let site = Site::new();
    site.file(
        "content/world/a.json",
        item(
            "urn:t:a",
            1,
            "2024-05-09T08:00:00Z",
            "Talks stall",
            "No deal.",
            serde_json::json!({"pubStatus": "withheld"}),
        ),
    );
    site.file(
        "content/world/b.json",
        item(
            "urn:t:b",
            1,
            "2024-05-09T08:00:00Z",
            "Rates decision",
            "Rates held.",
            serde_json::json!({"embargoedUntil": "2024-05-11T09:00:00Z"}),
        ),
    );
    site.file(
        "content/world/c.json",
        item("urn:t:c", 1, "2024-05-09T08:00:00Z", "Bridge opens", "It opened.", serde_json::json!({})),
    );
    let out = site.build_ok(&["--now", NOW]);
    assert!(out.contains("built 1 stories from 3 files (1 embargoed, 1 withheld)"), "{out}");
    assert!(files_containing(&site.out(), "Talks stall").is_empty());
    assert!(files_containing(&site.out(), "Rates decision").is_empty());
    let check = gazette().args(["check", "--now", NOW]).arg(site.path()).output().unwrap();
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(text.contains("files held back: their story is withheld by its sender (1):"), "{text}");
    assert!(text.contains("content/world/a.json: \"Talks stall\""), "the withheld file is named: {text}");
    let later = site.build_ok(&["--now", "2024-05-11T09:00:00Z"]);
    assert!(later.contains("built 2 stories from 3 files (1 withheld)"), "{later}");
    assert!(site.read("world/2024/05/09/rates-decision/index.html").contains("Rates held."));
}

/// Items that are not news text are a warning naming the file, never an error or a silent drop.
#[test]
fn an_event_or_a_photo_item_is_skipped_with_a_warning() {
    let site = Site::new();
    site.file(
        "content/world/c.json",
        item("urn:t:c", 1, "2024-05-09T08:00:00Z", "Bridge opens", "It opened.", serde_json::json!({})),
    );
    site.file(
        "content/world/photo.json",
        r#"{"uri": "urn:t:p", "type": "picture", "versionCreated": "2024-05-09T08:00:00Z"}"#,
    );
    site.file("content/world/event.json", r#"{"uri": "urn:t:e", "type": "event", "headlines": [{"value": "Summit"}]}"#);
    let out = site.build_ok(&["--now", NOW]);
    assert!(out.contains("built 1 stories from 3 files (2 not news text, skipped)"), "{out}");
    assert!(out.contains("photo.json") && out.contains("event.json"), "{out}");
    assert_eq!(out.matches("warning: not a news text item").count(), 2, "{out}");
}

/// The item's language is its page's `lang` and its JSON-LD `inLanguage`; subjects given by code
/// alone get the shipped Media Topic name as a tag.
#[test]
fn an_items_language_and_coded_subjects_reach_its_page() {
    let site = Site::new();
    site.file(
        "content/world/oslo.json",
        item(
            "urn:t:o",
            1,
            "2024-05-09T08:00:00Z",
            "Storm i Oslo",
            "Det blåser.",
            serde_json::json!({"language": "nb-NO"}),
        ),
    );
    site.build_ok(&["--now", NOW]);
    let page = site.read("world/2024/05/09/storm-i-oslo/index.html");
    assert!(page.contains("<html lang=\"nb-NO\""), "{page}");
    assert!(page.contains("\"inLanguage\":\"nb-NO\""), "{page}");
    assert!(page.contains("politics</a>"), "the Media Topic's name as a tag: {page}");
}

/// Every news text item among the IPTC's examples builds into a page whose `<h1>` is its main
/// headline; the others are skipped with a warning. Runs over `../shared/iptc` where it exists,
/// and always over a G2 and a ninjs item of our own.
#[test]
fn iptc_examples_build_into_pages() {
    let site = Site::new();
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/iptc");
    let mut expected = vec![("Bridge opens".to_string(), "It opened.".to_string())];
    site.file(
        "content/world/own.json",
        item("urn:t:own", 1, "2024-05-09T08:00:00Z", "Bridge opens", "It opened.", serde_json::json!({})),
    );
    for (dir, ext) in [("ninjs", "json"), ("newsml-g2", "xml")] {
        let Ok(entries) = std::fs::read_dir(shared.join(dir)) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(ext) {
                site.file(&format!("content/iptc/{name}"), std::fs::read(e.path()).unwrap());
            }
        }
    }
    for (file, headline) in [
        ("ninjs/ninjsExSimpleText_3.json", "Captain of wrecked cruise ship on trial in Italy"),
        ("ninjs/ntb_text.json", "Google har kjøpt giganttomt i Skien"),
        ("newsml-g2/LISTING_2_NewsML-G2_Text_Document.xml", "Fed to halt QE to avert \"bubble\""),
    ] {
        if shared.join(file).exists() {
            expected.push((headline.into(), String::new()));
        }
    }
    let out = site.build_ok(&["--now", "2030-01-01T00:00:00Z"]);
    if shared.exists() {
        assert!(out.contains("ap_image.json") && out.contains("008_event.json"), "skipped with a warning: {out}");
    }
    let pages: Vec<String> = snapshot_tree(&site.out())
        .into_iter()
        .filter(|(n, _)| n.ends_with("index.html"))
        .map(|(_, b)| String::from_utf8_lossy(&b).to_string())
        .filter(|p| p.contains("class=\"story "))
        .collect();
    for (headline, text) in &expected {
        let escaped = headline.replace('"', "&quot;");
        let page =
            pages.iter().find(|p| p.contains(&format!("{escaped}</h1>")) || p.contains(&format!("{headline}</h1>")));
        let page = page.unwrap_or_else(|| panic!("no page with <h1> {headline:?}:\n{out}"));
        assert!(page.contains(text.as_str()), "{headline}: {page}");
    }
    for page in &pages {
        let body = page.split("class=\"story-body").nth(1).unwrap_or_default();
        assert!(body.contains("<p"), "a story page without body text: {page}");
    }
}

/// `serve`'s session picks up a new feed item and a new version of it, like any story file.
#[test]
fn serve_picks_up_new_and_changed_items() {
    let site = Site::new();
    site.file(
        "content/world/c.json",
        item("urn:t:c", 1, "2024-05-09T08:00:00Z", "Bridge opens", "It opened.", serde_json::json!({})),
    );
    let root = site.path().canonicalize().unwrap();
    let work = tempfile::tempdir().unwrap();
    let served = work.path().join("served");
    let overrides = Overrides { now: Some(NOW.parse().unwrap()), ..Default::default() };
    let mut session = Session::new(&root, &served, overrides);
    session.rebuild(&Changes::all()).unwrap();
    let rel = std::path::PathBuf::from("world/c2.json");
    site.file(
        "content/world/c2.json",
        item("urn:t:c", 2, "2024-05-09T10:00:00Z", "Bridge opens", "Traffic flows.", serde_json::json!({})),
    );
    let changes = gazette::watch::classify(&root, &[root.join("content").join(&rel)]);
    assert!(changes.stories.contains(&rel), "{changes:?}");
    session.rebuild(&changes).unwrap();
    let page = std::fs::read_to_string(served.join("world/2024/05/09/bridge-opens/index.html")).unwrap();
    assert!(page.contains("Traffic flows."), "{page}");
    // Only the status changes: the model must be assembled again, not kept.
    let canceled = serde_json::json!({"pubStatus": "canceled"});
    site.file(
        "content/world/c2.json",
        item("urn:t:c", 2, "2024-05-09T10:00:00Z", "Bridge opens", "Traffic flows.", canceled),
    );
    session.rebuild(&gazette::watch::classify(&root, &[root.join("content").join(&rel)])).unwrap();
    let page = std::fs::read_to_string(served.join("world/2024/05/09/bridge-opens/index.html")).unwrap();
    assert!(page.contains("This story has been withdrawn"), "{page}");
    assert!(
        !std::fs::read_to_string(served.join("index.html")).unwrap().contains("bridge-opens"),
        "left the home page"
    );
}
