//! `gazette new`, `gazette new story` and `gazette theme eject`.

use crate::support::{Site, gazette, snapshot_tree};

fn run(args: &[&str]) -> (i32, String) {
    let out = gazette().args(args).env("NO_COLOR", "1").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

#[test]
fn a_new_site_builds_and_says_how() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mysite");
    let d = dir.to_str().unwrap();
    let (code, out) = run(&["new", d]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("gazette build {d}")) && out.contains(&format!("gazette serve {d}")), "{out}");
    let config = std::fs::read_to_string(dir.join("gazette.toml")).unwrap();
    for key in ["per_page", "timezone", "permalink", "[related]", "[news]", "sitemap_limit", "expired"] {
        assert!(config.contains(key), "{key} is in the commented config");
    }
    assert!(dir.join("templates/README.md").exists() && dir.join("static").is_dir());
    let (code, out) = run(&["build", d]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("built 3 stories"), "two Markdown stories and one wire story in two versions: {out}");
    assert!(!out.contains("warning"), "{out}");
}

#[test]
fn new_refuses_a_folder_that_is_not_empty() {
    let site = Site::new();
    site.file("notes.txt", "mine");
    let (code, out) = run(&["new", site.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("is not empty"), "{out}");
    assert_eq!(std::fs::read_to_string(site.path().join("notes.txt")).unwrap(), "mine");
}

#[test]
fn new_story_writes_a_dated_skeleton_that_builds() {
    let site = Site::new();
    site.file("content/.keep", "");
    let s = site.path().to_str().unwrap();
    let now = "2026-03-05T08:30:00Z";
    let (code, out) =
        run(&["new", "story", "Council Approves Budget", "--site", s, "--section", "politics", "--wire", "--now", now]);
    assert_eq!(code, 0, "{out}");
    let wire = site.path().join("content/politics/2026/03/05/0830-council-approves-budget.txt");
    assert!(
        std::fs::read_to_string(&wire).unwrap().contains("CITY, March 5 ("),
        "AP-style dateline matching the folder"
    );
    let (code, out) = run(&["new", "story", "Council Approves Budget", "--site", s, "--now", now]);
    assert_eq!(code, 0, "{out}");
    assert!(site.path().join("content/council-approves-budget.md").exists());
    site.build_ok(&[]);
    assert!(site.read("politics/2026/03/05/council-approves-budget/index.html").contains("Council Approves Budget"));
    let (code, out) = run(&["new", "story", "Council Approves Budget", "--site", s, "--now", now]);
    assert_eq!(code, 1, "never overwrites: {out}");
    let (code, out) = run(&["new", "story", "X", "--site", s, "--section", "../etc"]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = run(&["new", "story", "X", "--site", "/nonexistent-site"]);
    assert_eq!(code, 1);
    assert!(out.contains("gazette new SITE"), "{out}");
}

#[test]
fn eject_copies_the_theme_and_changes_nothing_in_the_output() {
    let site = Site::new();
    site.file("content/world/a.md", "+++\ntitle = \"A\"\ndate = 2024-05-01T09:00:00Z\n+++\nx\n");
    let s = site.path().to_str().unwrap();
    site.build_ok(&["-o", site.path().join("before").to_str().unwrap()]);
    let (code, out) = run(&["theme", "eject", "--site", s]);
    assert_eq!(code, 0, "{out}");
    assert!(site.path().join("templates/article.html").exists() && site.path().join("templates/style.css").exists());
    site.build_ok(&["-o", site.path().join("after").to_str().unwrap()]);
    let strip = |dir: &str| {
        snapshot_tree(&site.path().join(dir)).into_iter().filter(|(n, _)| n != ".gazette-build").collect::<Vec<_>>()
    };
    assert_eq!(strip("before"), strip("after"), "the ejected theme renders the same site");
    let (code, out) = run(&["theme", "eject", "--site", s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--force"), "{out}");
    let (code, out) = run(&["theme", "eject", "article.html", "--site", s, "--force"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("article.html") && !out.contains("base.html"), "{out}");
    let (code, out) = run(&["theme", "eject", "nope.html", "--site", s]);
    assert_eq!(code, 1);
    assert!(out.contains("article.html"), "lists the valid names: {out}");
}
