//! The search index a build writes under `/search/`: documents, postings in the term files the
//! search page's script computes, Korean bigrams, the file bound, and rebuilds that leave
//! untouched the files of stories that did not change.

use gazette::index::fnv1a32;

use crate::support::Site;

fn md(title: &str, date: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = {date}\nsection = \"world\"\ntags = [\"ports\"]\n+++\n{body}\n")
}

fn json(site: &Site, rel: &str) -> serde_json::Value {
    serde_json::from_str(&site.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The postings of `term`, read from the term file the script would fetch (document numbers are
/// written as distances from the one before).
fn postings(site: &Site, term: &str) -> Vec<u64> {
    let chunks = json(site, "search/meta.json")["term_chunks"].as_u64().unwrap();
    let file = json(site, &format!("search/t/{}.json", u64::from(fnv1a32(term)) % chunks));
    file[term].as_array().map(|a| undelta(a.iter().step_by(2).map(|d| d.as_u64().unwrap()))).unwrap_or_default()
}

/// Running sums: a list written as distances, back to what it lists.
fn undelta(distances: impl Iterator<Item = u64>) -> Vec<u64> {
    distances
        .scan(0, |at, d| {
            *at += d;
            Some(*at)
        })
        .collect()
}

#[test]
fn stories_are_indexed_by_stem_and_korean_bigram() {
    let site = Site::new();
    site.file(
        "content/world/a.md",
        md("Ferries return to the harbor", "2024-05-01T09:00:00Z", "Crews were running late."),
    );
    site.file("content/world/b.md", md("항구 재건 계획", "2024-05-02T09:00:00Z", "대통령은 항구를 찾았다."));
    site.file("content/politics/c.md", md("Council meets", "2024-05-02T10:00:00Z", "The council met."));
    site.build_ok(&["--now", "2024-06-01T00:00:00Z"]);
    let meta = json(&site, "search/meta.json");
    assert_eq!((meta["docs"].as_u64(), meta["stemmer"].as_str()), (Some(3), Some("english")));
    // [headline, url, date, section, snippet], oldest first; the URL without the
    // /SECTION/YYYY/MM/DD/ start the date and section give, the date "" when it is the one before.
    let docs = json(&site, "search/d/0.json");
    assert_eq!(
        docs[0].as_array().unwrap()[..4],
        serde_json::json!(["Ferries return to the harbor", "ferries-return-to-the-harbor/", "2024-05-01", "world"])
            .as_array()
            .unwrap()[..],
        "oldest first: {docs}"
    );
    assert_eq!((&docs[1][2], &docs[2][1], &docs[2][2]), (&"2024-05-02".into(), &"council-meets/".into(), &"".into()));
    assert_eq!(postings(&site, "ferri"), [0], "the stem of Ferries");
    assert_eq!(postings(&site, "run"), [0], "the stem of running, from the body");
    assert_eq!(postings(&site, "대통"), [1]);
    assert_eq!(postings(&site, "통령"), [1], "대통령은 holds the bigrams of 대통령");
    assert!(postings(&site, "harbour").is_empty());
}

#[test]
fn a_large_site_stays_under_2000_index_files_and_a_new_story_changes_few() {
    let site = Site::new();
    for i in 0..1500 {
        let day = 1 + i % 28;
        site.file(
            &format!("content/world/s{i:04}.md"),
            md(
                &format!("Harbor story number {i}"),
                &format!("2024-05-{day:02}T09:{:02}:00Z", i % 60),
                &format!("Body {i} words tram ferry."),
            ),
        );
    }
    site.build_ok(&["--now", "2024-06-01T00:00:00Z"]);
    let count = walkdir::WalkDir::new(site.out().join("search"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count();
    assert!(count <= 2000, "{count} files");
    let before = std::fs::read(site.out().join("search/d/0.json")).unwrap();
    site.file("content/world/zz-new.md", md("A brand new story", "2024-05-31T10:00:00Z", "Fresh."));
    let out = site.build_ok(&["--now", "2024-06-01T00:00:00Z"]);
    assert_eq!(std::fs::read(site.out().join("search/d/0.json")).unwrap(), before, "older documents keep their file");
    assert_eq!(postings(&site, "brand"), [1500], "the new story is the newest document: {out}");
}

/// A term in more than 1,000 documents is written as a bitmap of every document that has it (or a
/// list of them, when that is shorter) plus the 500 postings that score it highest, so its entry
/// stays small however common it is. Document numbers are written as distances from the one
/// before.
#[test]
fn a_common_term_is_a_bitmap_and_its_best_postings() {
    use base64::Engine;
    let site = Site::new();
    // 1,200 stories say "harbor" (every third twice, in its headline: the best scores); every
    // fifth says "tram".
    for i in 0..1200 {
        let title = if i % 3 == 0 { format!("Harbor harbor note {i}") } else { format!("Note {i}") };
        let body = if i % 5 == 0 { "The harbor tram." } else { "The harbor." };
        site.file(
            &format!("content/world/s{i:04}.md"),
            md(&title, &format!("2024-05-01T09:{:02}:{:02}Z", i / 60, i % 60), body),
        );
    }
    site.build_ok(&["--now", "2024-06-01T00:00:00Z"]);
    let chunks = json(&site, "search/meta.json")["term_chunks"].as_u64().unwrap();
    let file = json(&site, &format!("search/t/{}.json", u64::from(fnv1a32("harbor")) % chunks));
    let entry = &file["harbor"];
    assert_eq!(entry["n"].as_u64(), Some(1200), "{entry}");
    let bits = base64::engine::general_purpose::STANDARD.decode(entry["bits"].as_str().unwrap()).unwrap();
    assert_eq!(bits.len(), 150);
    assert!((0..1200).all(|d| bits[d / 8] >> (d % 8) & 1 == 1), "every document has it");
    let top: Vec<u64> = entry["top"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(top.len(), 1000, "500 (doc, score) pairs");
    let docs: Vec<u64> = undelta(top.iter().step_by(2).copied());
    let scores: Vec<u64> = top.iter().skip(1).step_by(2).copied().collect();
    assert!(docs.windows(2).all(|w| w[0] < w[1]), "sorted by document");
    let min_top = *scores.iter().min().unwrap();
    // The 400 headline stories (documents are numbered oldest first, as the stories were dated)
    // score highest and are all in the top list.
    let headline_docs: Vec<u64> = (0..1200u64).filter(|i| i % 3 == 0).collect();
    assert!(headline_docs.iter().all(|d| docs.contains(d)), "the best-scored documents are kept");
    assert!(min_top >= 1);
    // A rarer term stays a plain postings list.
    assert_eq!(postings(&site, "tram").len(), 240);
}

/// `[search] enabled = false` builds neither the index nor the page, and no page links to it.
#[test]
fn a_site_can_do_without_search() {
    let site = Site::new();
    site.file("gazette.toml", "title = \"T\"\n[search]\nenabled = false\n");
    site.file("content/world/a.md", md("Ferries return to the harbor", "2024-05-01T09:00:00Z", "Text."));
    site.build_ok(&["--now", "2024-06-01T00:00:00Z"]);
    assert!(!site.out().join("search").exists());
    assert!(!site.read("index.html").contains("/search/"), "no link to a search page that is not there");
    site.file("gazette.toml", "title = \"T\"\n");
    site.build_ok(&["--now", "2024-06-01T00:00:00Z"]);
    assert!(site.out().join("search/index.html").is_file());
    assert!(site.read("index.html").contains("href=\"/search/\""));
}
