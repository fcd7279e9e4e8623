//! `gazette new`, `gazette new story` and `gazette theme eject`, driven through the binary.

use std::path::Path;

use crate::support::{Site, gazette, snapshot_tree};

/// Runs gazette; returns the exit code and stdout + stderr.
fn run(args: &[&str]) -> (i32, String) {
    let out = gazette().args(args).env("NO_COLOR", "1").env_remove("GAZETTE_NOW").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

fn files_with_extension(dir: &Path, ext: &str) -> usize {
    snapshot_tree(dir).iter().filter(|(n, _)| n.ends_with(ext)).count()
}

/// A site made by `gazette new`, for the story and eject tests.
fn new_site() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site").to_str().unwrap().to_string();
    let (code, out) = run(&["new", &dir]);
    assert_eq!(code, 0, "{out}");
    (tmp, dir)
}

#[test]
fn a_new_site_builds_cleanly_and_says_how() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mysite");
    let d = dir.to_str().unwrap();
    let (code, out) = run(&["new", d]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("gazette build {d}")) && out.contains(&format!("gazette serve {d}")), "{out}");
    assert!(out.contains("gazette.toml") && out.contains("content/city/harbor-bridge.md"), "lists the files: {out}");
    let config = std::fs::read_to_string(dir.join("gazette.toml")).unwrap();
    for key in ["# per_page", "# timezone", "# permalink", "# [related]", "# [news]", "# sitemap_limit", "# expired"] {
        assert!(config.contains(key), "{key} is in the commented config");
    }
    assert!(config.contains("\ntitle = ") && config.contains("\nbase_url = "), "{config}");
    let content = dir.join("content");
    assert_eq!((files_with_extension(&content, ".md"), files_with_extension(&content, ".txt")), (2, 3));
    assert!(dir.join("templates/README.md").exists() && dir.join("static").is_dir());

    let (code, out) = run(&["build", d]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("built 4 stories"), "two Markdown, two wire stories (one in two versions): {out}");
    assert!(!out.contains("warning") && !out.contains("held back"), "{out}");
    let (code, out) = run(&["check", d, "--strict"]);
    assert_eq!(code, 0, "the sample site passes a strict check: {out}");
    let lead = snapshot_tree(&dir.join("public"))
        .into_iter()
        .find(|(n, _)| n.starts_with("city/") && n.ends_with("/ferry-service-suspended-as-storm-nears/index.html"))
        .map(|(_, bytes)| String::from_utf8(bytes).unwrap())
        .expect("the ferry story keeps the URL of its first version");
    assert!(lead.contains("port authority comments"), "the page shows the LEAD version and its ATTN note");
}

#[test]
fn new_refuses_a_folder_that_is_not_empty() {
    let site = Site::new();
    site.file("notes.txt", "mine");
    let s = site.path().to_str().unwrap();
    let (code, out) = run(&["new", s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(s) && out.contains("is not empty"), "names the folder: {out}");
    assert_eq!(std::fs::read_to_string(site.path().join("notes.txt")).unwrap(), "mine");
    assert!(!site.path().join("gazette.toml").exists(), "wrote nothing");
}

#[test]
fn new_accepts_an_empty_folder() {
    let site = Site::new();
    let (code, out) = run(&["new", site.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(site.path().join("gazette.toml").exists());
}

#[test]
fn new_story_writes_dated_skeletons_that_build() {
    let (_tmp, s) = new_site();
    let site = Path::new(&s);
    let now = "2026-03-05T08:30:00Z";
    let story = |extra: &[&str]| {
        let mut args = vec!["new", "story", "Council Approves Budget", "--site", &s, "--now", now];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (code, out) = story(&["--section", "politics", "--wire"]);
    assert_eq!(code, 0, "{out}");
    let wire = site.join("content/politics/2026/03/05/0830-council-approves-budget.txt");
    assert!(out.contains("0830-council-approves-budget.txt"), "{out}");
    let text = std::fs::read_to_string(&wire).unwrap();
    assert!(text.starts_with("Council Approves Budget\nCITY, March 5 (My News Site) -- "), "{text}");
    assert!(text.contains("reporter@example.com\n(END)"), "{text}");

    let (code, out) = story(&["--section", "politics"]);
    assert_eq!(code, 0, "{out}");
    let md = std::fs::read_to_string(site.join("content/politics/council-approves-budget.md")).unwrap();
    assert!(md.contains("title = \"Council Approves Budget\"\ndate = 2026-03-05T08:30:00+00:00"), "{md}");
    assert!(md.contains("# draft = true") && md.contains("# tags = []"), "{md}");
    let (code, out) = story(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(site.join("content/council-approves-budget.md").exists());

    let (code, out) = run(&["build", &s]);
    assert_eq!(code, 0, "{out}");
    let public = site.join("public");
    let pages: Vec<String> = snapshot_tree(&public).into_iter().map(|(n, _)| n).collect();
    assert!(pages.iter().any(|p| p.starts_with("politics/2026/03/05/council-approves-budget")), "{pages:?}");
    assert!(public.join("2026/03/05/council-approves-budget/index.html").exists(), "no section: {pages:?}");
}

#[test]
fn new_story_uses_the_site_timezone() {
    let site = Site::new();
    site.file("gazette.toml", "title = \"Seoul Daily\"\ntimezone = \"Asia/Seoul\"\n").file("content/.keep", "");
    let s = site.path().to_str().unwrap();
    let (code, out) = run(&["new", "story", "Late Vote", "--site", s, "--wire", "--now", "2026-09-30T23:30:00Z"]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(site.path().join("content/2026/10/01/0830-late-vote.txt")).unwrap();
    assert!(text.contains("CITY, Oct. 1 (Seoul Daily) -- "), "{text}");
    let (code, out) = run(&["new", "story", "Late Vote", "--site", s, "--now", "2026-09-30T23:30:00Z"]);
    assert_eq!(code, 0, "{out}");
    let md = std::fs::read_to_string(site.path().join("content/late-vote.md")).unwrap();
    assert!(md.contains("date = 2026-10-01T08:30:00+09:00"), "{md}");
    site.build_ok(&[]);
}

#[test]
fn new_story_never_overwrites() {
    let (_tmp, s) = new_site();
    let path = Path::new(&s).join("content/city/my-story.md");
    std::fs::write(&path, "mine").unwrap();
    let (code, out) = run(&["new", "story", "My Story", "--site", &s, "--section", "city"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("my-story.md") && out.contains("already exists"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
}

#[test]
fn new_story_rejects_bad_input() {
    let (_tmp, s) = new_site();
    for section in ["../etc", "Politics", "a/b", "two words"] {
        let (code, out) = run(&["new", "story", "X", "--site", &s, "--section", section]);
        assert_eq!(code, 1, "{section}: {out}");
        assert!(out.contains("section"), "{out}");
    }
    let (code, out) = run(&["new", "story", "?!", "--site", &s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no letters or digits"), "{out}");
    let empty = Site::new();
    let (code, out) = run(&["new", "story", "X", "--site", empty.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("gazette new SITE"), "{out}");
    assert!(!empty.path().join("content").exists());
}

#[test]
fn eject_copies_the_theme_and_changes_nothing_in_the_output() {
    let (_tmp, s) = new_site();
    let site = Path::new(&s);
    std::fs::remove_file(site.join("templates/README.md")).unwrap();
    let now = ["--now", "2030-01-01T00:00:00Z"];
    let build = |out: &str| {
        let (code, text) = run(&[&["build", &s, "-o", site.join(out).to_str().unwrap()][..], &now[..]].concat());
        assert_eq!(code, 0, "{text}");
    };
    build("before");
    let (code, out) = run(&["theme", "eject", "--site", &s]);
    assert_eq!(code, 0, "{out}");
    let theme = gazette::render::theme::THEME.len();
    assert_eq!(out.lines().filter(|l| l.starts_with("wrote ")).count(), theme, "every theme file: {out}");
    for name in ["base.html", "article.html", "style.css", "rss.xml", "news-sitemap.xml"] {
        assert!(site.join("templates").join(name).exists(), "{name}");
    }
    build("after");
    let strip = |dir: &str| {
        snapshot_tree(&site.join(dir)).into_iter().filter(|(n, _)| n != ".gazette-build").collect::<Vec<_>>()
    };
    let (before, after) = (strip("before"), strip("after"));
    assert!(before.len() > 10);
    assert!(before == after, "the ejected theme renders the same site");
}

#[test]
fn eject_refuses_to_overwrite_without_force() {
    let site = Site::new();
    let s = site.path().to_str().unwrap();
    let (code, out) = run(&["theme", "eject", "--site", s]);
    assert_eq!(code, 0, "{out}");
    site.file("templates/article.html", "mine");
    let (code, out) = run(&["theme", "eject", "--site", s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("article.html") && out.contains("--force"), "{out}");
    assert_eq!(std::fs::read_to_string(site.path().join("templates/article.html")).unwrap(), "mine");
    let (code, out) = run(&["theme", "eject", "--site", s, "--force"]);
    assert_eq!(code, 0, "{out}");
    assert_ne!(std::fs::read_to_string(site.path().join("templates/article.html")).unwrap(), "mine");
}

#[test]
fn eject_one_named_file() {
    let site = Site::new();
    let s = site.path().to_str().unwrap();
    site.file("templates/base.html", "mine");
    let (code, out) = run(&["theme", "eject", "article.html", "--site", s]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("article.html") && !out.contains("base.html"), "{out}");
    assert_eq!(snapshot_tree(&site.path().join("templates")).len(), 2);
    assert_eq!(std::fs::read_to_string(site.path().join("templates/base.html")).unwrap(), "mine");
}

#[test]
fn eject_of_an_unknown_file_lists_the_theme() {
    let site = Site::new();
    let s = site.path().to_str().unwrap();
    let (code, out) = run(&["theme", "eject", "article.html", "nope.html", "--site", s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nope.html") && out.contains("article.html") && out.contains("style.css"), "{out}");
    assert!(!site.path().join("templates").exists(), "wrote nothing");
}
