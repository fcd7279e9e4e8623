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

/// The postings of `term`, read from the term file the script would fetch.
fn postings(site: &Site, term: &str) -> Vec<u64> {
    let chunks = json(site, "search/meta.json")["term_chunks"].as_u64().unwrap();
    let file = json(site, &format!("search/t/{}.json", u64::from(fnv1a32(term)) % chunks));
    file[term].as_array().map(|a| a.iter().step_by(2).map(|d| d.as_u64().unwrap()).collect()).unwrap_or_default()
}

#[test]
fn stories_are_indexed_by_stem_and_korean_bigram() {
    let site = Site::new();
    site.file(
        "content/world/a.md",
        md("Ferries return to the harbor", "2024-05-01T09:00:00Z", "Crews were running late."),
    );
    site.file("content/world/b.md", md("항구 재건 계획", "2024-05-02T09:00:00Z", "대통령은 항구를 찾았다."));
    site.build_ok(&["--now", "2024-06-01T00:00:00Z"]);
    let meta = json(&site, "search/meta.json");
    assert_eq!((meta["docs"].as_u64(), meta["stemmer"].as_str()), (Some(2), Some("english")));
    let docs = json(&site, "search/d/0.json");
    assert_eq!(docs[0]["t"], "Ferries return to the harbor", "oldest first: {docs}");
    assert_eq!(docs[0]["u"], "/world/2024/05/01/ferries-return-to-the-harbor/");
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
