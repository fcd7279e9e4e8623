//! Failed builds: every error is `error: PATH:LINE:COL: message` on stderr, the exit code is 1,
//! every bad file of a run is reported, and the previous output is left exactly as it was.

use std::path::Path;

use crate::support::{Site, build, error_lines, snapshot_tree};

/// A valid Markdown story.
fn good_md(title: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = 2024-05-01T09:00:00Z\n+++\nBody.\n")
}

/// The one error naming `file`; fails when there is not exactly one.
fn error_for(stderr: &str, file: &str) -> String {
    let hits: Vec<String> = error_lines(stderr).into_iter().filter(|l| l.contains(file)).collect();
    assert_eq!(hits.len(), 1, "expected one error naming {file}:\n{stderr}");
    hits[0].clone()
}

/// Asserts the error for `file` is at `file:line:` (any column).
fn assert_at(stderr: &str, file: &str, line: usize) -> String {
    let l = error_for(stderr, file);
    assert!(l.contains(&format!("{file}:{line}:")), "expected {file}:{line}: in {l:?}\n{stderr}");
    l
}

/// A site with one good story plus `content/REL` holding `text`.
fn site_with(rel: &str, text: impl AsRef<[u8]>) -> Site {
    let site = Site::new();
    site.file("content/world/good.md", good_md("A good story"));
    site.file(&format!("content/{rel}"), text);
    site
}

#[test]
fn failed_build_says_so_and_writes_nothing() {
    let site = site_with("world/bad.md", "+++\ntitle = \n+++\n");
    let err = site.build_err(&[]);
    assert!(err.contains("build failed"), "{err}");
    assert!(err.lines().any(|l| l == "1 error"), "{err}");
    assert!(!site.out().exists());
}

#[test]
fn malformed_toml_front_matter_names_file_and_line() {
    let site =
        site_with("world/bad.md", "+++\ntitle = \"A\"\ndate = 2024-05-01T09:00:00Z\ntags = [\"x\",\n+++\nBody\n");
    let err = site.build_err(&[]);
    assert_at(&err, "content/world/bad.md", 4);
}

#[test]
fn malformed_yaml_front_matter_names_file_and_line() {
    let site = site_with("world/bad.md", "---\ntitle: A\ndate: 2024-05-01T09:00:00Z\ntags: [x, y\n---\nBody\n");
    let err = site.build_err(&[]);
    let l = error_for(&err, "content/world/bad.md");
    // the YAML parser notices the unclosed list at the end of the block (line 4 or 5)
    assert!(l.contains("bad.md:4:") || l.contains("bad.md:5:"), "{l}");
}

#[test]
fn unclosed_front_matter_is_an_error() {
    let site = site_with("world/bad.md", "+++\ntitle = \"A\"\nBody\n");
    let err = site.build_err(&[]);
    let l = assert_at(&err, "content/world/bad.md", 1);
    assert!(l.contains("never closed"), "{l}");
}

#[test]
fn unknown_toml_key_names_key_and_line() {
    let site =
        site_with("world/bad.md", "+++\ntitle = \"A\"\ndate = 2024-05-01T09:00:00Z\ncolour = \"red\"\n+++\nBody\n");
    let err = site.build_err(&[]);
    let l = assert_at(&err, "content/world/bad.md", 4);
    assert!(l.contains("colour"), "{l}");
}

#[test]
fn unknown_yaml_key_names_key_and_line() {
    let site = site_with("world/bad.md", "---\ntitle: A\ndate: 2024-05-01T09:00:00Z\n\nflavour: x\n---\nBody\n");
    let err = site.build_err(&[]);
    let l = assert_at(&err, "content/world/bad.md", 5);
    assert!(l.contains("flavour"), "{l}");
}

#[test]
fn unknown_key_in_wire_front_matter_names_key_and_line() {
    let site = site_with(
        "world/2024/05/01/bad.txt",
        "+++\ntags = [\"a\"]\nkicker = \"x\"\n+++\nH\nSEOUL, May 1 (Yonhap) -- a\n(END)\n",
    );
    let err = site.build_err(&[]);
    let l = assert_at(&err, "content/world/2024/05/01/bad.txt", 3);
    assert!(l.contains("kicker"), "{l}");
}

#[test]
fn markdown_without_title_is_an_error() {
    let site = site_with("world/bad.md", "+++\ndate = 2024-05-01T09:00:00Z\n+++\nBody\n");
    let err = site.build_err(&[]);
    let l = error_for(&err, "content/world/bad.md");
    assert!(l.contains("title"), "{l}");
}

#[test]
fn markdown_without_date_is_an_error() {
    let site = site_with("world/bad.md", "+++\ntitle = \"A\"\n+++\nBody\n");
    let err = site.build_err(&[]);
    let l = error_for(&err, "content/world/bad.md");
    assert!(l.contains("missing `date`"), "{l}");
}

#[test]
fn markdown_without_front_matter_is_an_error() {
    let site = site_with("world/bad.md", "# Just a heading\n\nBody\n");
    let err = site.build_err(&[]);
    let l = assert_at(&err, "content/world/bad.md", 1);
    assert!(l.contains("front matter"), "{l}");
}

#[test]
fn impossible_toml_date_literal_names_its_line() {
    let site = site_with("world/bad.md", "+++\ntitle = \"A\"\ndate = 2024-02-30T09:00:00Z\n+++\nBody\n");
    let err = site.build_err(&[]);
    assert_at(&err, "content/world/bad.md", 3);
}

#[test]
fn impossible_quoted_date_is_an_error() {
    let site = site_with("world/bad.md", "+++\ntitle = \"A\"\ndate = \"2024-02-30\"\n+++\nBody\n");
    let err = site.build_err(&[]);
    let l = error_for(&err, "content/world/bad.md");
    assert!(l.contains("2024-02-30"), "{l}");
}

#[test]
fn impossible_quoted_date_names_its_line() {
    let site = site_with("world/bad.md", "+++\ntitle = \"A\"\ndate = \"2024-02-30\"\n+++\nBody\n");
    let err = site.build_err(&[]);
    assert_at(&err, "content/world/bad.md", 3);
}

#[test]
fn impossible_date_folder_is_not_a_date() {
    // world/2024/02/30/ is not a date, so a wire story there has no date at all
    let site = site_with("world/2024/02/30/bad.txt", "H\nSEOUL, Feb. 30 (Yonhap) -- a\n(END)\n");
    let err = site.build_err(&[]);
    error_for(&err, "content/world/2024/02/30/bad.txt");
}

#[test]
fn invalid_utf8_story_names_the_file() {
    let site =
        site_with("world/bad.md", b"+++\ntitle = \"A\xff\"\ndate = 2024-05-01T09:00:00Z\n+++\nBody\n".as_slice());
    let err = site.build_err(&[]);
    let l = assert_at(&err, "content/world/bad.md", 2);
    assert!(l.contains("UTF-8"), "{l}");
}

#[test]
fn invalid_utf8_template_names_the_file() {
    let site = site_with("world/other.md", good_md("Other"));
    site.file("templates/404.html", b"<p>\xff</p>".as_slice());
    let err = site.build_err(&[]);
    let l = error_for(&err, "templates/404.html");
    assert!(l.contains("UTF-8"), "{l}");
}

#[test]
fn wire_dateline_disagreeing_with_folder_date_names_dateline_line() {
    let site = site_with("world/2024/05/01/bad.txt", "Officials meet\n\nSEOUL, May 2 (Yonhap) -- a\n(END)\n");
    let err = site.build_err(&[]);
    let l = assert_at(&err, "content/world/2024/05/01/bad.txt", 3);
    assert!(l.contains("May 2"), "{l}");
}

#[test]
fn wire_dateline_line_counts_front_matter_lines() {
    let site = site_with(
        "world/2024/05/01/bad.txt",
        "+++\ntags = [\"a\"]\n+++\nOfficials meet\nSEOUL, Nov. 12 (Yonhap) -- a\n(END)\n",
    );
    let err = site.build_err(&[]);
    assert_at(&err, "content/world/2024/05/01/bad.txt", 5);
}

#[test]
fn wire_dateline_line_is_right_with_crlf() {
    let site = site_with("world/2024/05/01/bad.txt", "Officials meet\r\n\r\nSEOUL, May 2 (Yonhap) -- a\r\n(END)\r\n");
    let err = site.build_err(&[]);
    assert_at(&err, "content/world/2024/05/01/bad.txt", 3);
}

#[test]
fn wire_dateline_with_unreadable_date_names_its_line() {
    let site = site_with("world/2024/05/01/bad.txt", "Officials meet\nSEOUL, May 45 (Yonhap) -- a\n(END)\n");
    let err = site.build_err(&[]);
    assert_at(&err, "content/world/2024/05/01/bad.txt", 2);
}

#[test]
fn wire_without_end_is_an_error() {
    let site = site_with("world/2024/05/01/bad.txt", "Officials meet\nSEOUL, May 1 (Yonhap) -- a\nMore text.\n");
    let err = site.build_err(&[]);
    let l = error_for(&err, "content/world/2024/05/01/bad.txt");
    assert!(l.contains("(END)"), "{l}");
}

#[test]
fn wire_headline_only_is_an_error() {
    let site = site_with("world/2024/05/01/bad.txt", "Officials meet\n");
    let err = site.build_err(&[]);
    let l = assert_at(&err, "content/world/2024/05/01/bad.txt", 1);
    assert!(l.contains("no body"), "{l}");
}

#[test]
fn empty_wire_story_is_an_error() {
    let site = site_with("world/2024/05/01/bad.txt", "\n\n");
    let err = site.build_err(&[]);
    error_for(&err, "content/world/2024/05/01/bad.txt");
}

#[test]
fn dateless_wire_story_outside_dated_folder_explains_how_to_date_it() {
    let site = site_with("world/bad.txt", "Officials meet\nSEOUL, May 1 (Yonhap) -- a\n(END)\n");
    let err = site.build_err(&[]);
    let l = error_for(&err, "content/world/bad.txt");
    assert!(l.contains("date"), "{l}");
    assert!(l.contains("YYYY/MM/DD"), "{l}");
}

#[test]
fn every_bad_file_is_reported_in_one_run() {
    let site = site_with("world/a.md", "+++\ntitle = \"A\"\n+++\nBody\n");
    site.file("content/world/b.md", "+++\ntitle = \"B\"\ndate = 2024-05-01T09:00:00Z\nx = 1\n+++\n");
    site.file("content/world/2024/05/01/c.txt", "Headline only\n");
    site.file("content/world/2024/05/01/d.txt", "H\nSEOUL, May 3 (Yonhap) -- a\n(END)\n");
    site.file("content/world/e.md", b"+++\ntitle = \"\xfe\"\n+++\n".as_slice());
    let err = site.build_err(&[]);
    let lines = error_lines(&err);
    assert_eq!(lines.len(), 5, "{err}");
    for f in ["a.md", "b.md", "c.txt", "d.txt", "e.md"] {
        assert!(lines.iter().any(|l| l.contains(f)), "{f} not reported:\n{err}");
    }
    assert!(err.lines().any(|l| l == "5 errors"), "{err}");
}

#[test]
fn story_and_template_errors_are_reported_together() {
    let site = site_with("world/a.md", "+++\ntitle = \"A\"\n+++\nBody\n");
    site.file("templates/404.html", "<p>\n{% if %}x{% endif %}</p>\n");
    let err = site.build_err(&[]);
    assert_eq!(error_lines(&err).len(), 2, "{err}");
    error_for(&err, "content/world/a.md");
    error_for(&err, "templates/404.html");
}

#[test]
fn errors_are_listed_in_a_stable_order() {
    let site = site_with("world/b.md", "+++\ntitle = \"B\"\n+++\n");
    site.file("content/world/a.md", "+++\ntitle = \"A\"\n+++\n");
    site.file("content/world/c.md", "+++\ntitle = \"C\"\n+++\n");
    let first = site.build_err(&[]);
    for _ in 0..3 {
        assert_eq!(site.build_err(&[]), first);
    }
    let lines = error_lines(&first);
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}

/// Every file under `dir`, relative, sorted.
fn tree_paths(dir: &Path) -> Vec<String> {
    snapshot_tree(dir).into_iter().map(|(p, _)| p).collect()
}

#[test]
fn slug_with_dot_dot_is_rejected_and_nothing_escapes() {
    let outer = Site::new();
    outer.file("site/content/world/good.md", good_md("A good story"));
    outer.file(
        "site/content/world/bad.md",
        "+++\ntitle = \"A\"\ndate = 2024-05-01T09:00:00Z\nslug = \"../../escaped\"\n+++\nBody\n",
    );
    let before = tree_paths(outer.path());
    let out = build(&outer.path().join("site"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let l = error_for(&err, "content/world/bad.md");
    assert!(l.contains("slug"), "{l}");
    assert_eq!(tree_paths(outer.path()), before);
}

#[test]
fn bare_dot_dot_slug_is_rejected() {
    let site = site_with("world/bad.md", "+++\ntitle = \"A\"\ndate = 2024-05-01T09:00:00Z\nslug = \"..\"\n+++\nBody\n");
    let err = site.build_err(&[]);
    error_for(&err, "content/world/bad.md");
    assert!(!site.out().exists());
}

#[test]
fn section_with_path_separator_is_rejected() {
    let site = site_with(
        "world/bad.md",
        "+++\ntitle = \"A\"\ndate = 2024-05-01T09:00:00Z\nsection = \"../../x\"\n+++\nBody\n",
    );
    let err = site.build_err(&[]);
    let l = error_for(&err, "content/world/bad.md");
    assert!(l.contains("section"), "{l}");
}

#[test]
fn section_that_slugifies_to_nothing_does_not_replace_home() {
    let site =
        site_with("world/odd.md", "+++\ntitle = \"Odd\"\ndate = 2024-05-01T09:00:00Z\nsection = \"!!!\"\n+++\nBody\n");
    // either an error, or a site whose home page is the home page, every time
    for _ in 0..8 {
        let out = site.build(&[]);
        if out.status.code() == Some(1) {
            return;
        }
        assert!(out.status.success());
        let home = site.read("index.html");
        assert!(home.contains(r#"class="list list-home""#), "home page replaced:\n{home}");
        assert!(!site.read("sitemap.xml").contains("http://localhost//"));
    }
}

#[test]
fn two_hand_set_slugs_colliding_name_both_files() {
    let site = Site::new();
    site.file("content/world/a.md", "+++\ntitle = \"A\"\ndate = 2024-05-01T09:00:00Z\nslug = \"same\"\n+++\nBody\n");
    site.file("content/world/b.md", "+++\ntitle = \"B\"\ndate = 2024-05-01T10:00:00Z\nslug = \"same\"\n+++\nBody\n");
    let err = site.build_err(&[]);
    let a = error_for(&err, "content/world/a.md");
    let b = error_for(&err, "content/world/b.md");
    assert!(a.contains("b.md") && a.contains("same"), "{a}");
    assert!(b.contains("a.md"), "{b}");
    assert!(!site.out().exists());
}

#[test]
fn section_named_tags_clashes_with_tag_index() {
    let site = Site::new();
    site.file("content/tags/a.md", "+++\ntitle = \"A\"\ndate = 2024-05-01T09:00:00Z\ntags = [\"x\"]\n+++\nBody\n");
    let err = site.build_err(&[]);
    assert!(err.contains("/tags/"), "{err}");
}

#[test]
fn broken_site_template_syntax_names_file_and_line() {
    let site = site_with("world/other.md", good_md("Other"));
    site.file(
        "templates/article.html",
        "{% extends \"theme/article.html\" %}\n\n{% block title %}{% if %}x{% endif %}{% endblock title %}\n",
    );
    let err = site.build_err(&[]);
    assert_at(&err, "templates/article.html", 3);
}

#[test]
fn unknown_filter_in_site_template_names_file_and_line() {
    let site = site_with("world/other.md", good_md("Other"));
    site.file(
        "templates/404.html",
        "{% extends \"theme/404.html\" %}\n{% block title %}\n{{ site.title | nosuchfilter }}{% endblock title %}\n",
    );
    let err = site.build_err(&[]);
    let l = assert_at(&err, "templates/404.html", 3);
    assert!(l.contains("nosuchfilter"), "{l}");
}

#[test]
fn unknown_filter_in_site_template_fails_the_build() {
    let site = site_with("world/other.md", good_md("Other"));
    site.file("templates/404.html", "<p>\n{{ site.title | nosuchfilter }}</p>\n");
    let err = site.build_err(&[]);
    assert_eq!(error_lines(&err).len(), 1, "{err}");
    assert!(err.contains("nosuchfilter"), "{err}");
    assert!(!site.out().exists());
}

#[test]
fn undefined_variable_in_site_template_names_file_and_line() {
    let site = site_with("world/other.md", good_md("Other"));
    site.file("templates/404.html", "<p>\n{{ nosuch.thing }}</p>\n");
    let err = site.build_err(&[]);
    let l = assert_at(&err, "templates/404.html", 2);
    assert!(l.contains("nosuch"), "{l}");
}

#[test]
fn template_extending_a_missing_parent_names_the_file() {
    let site = site_with("world/other.md", good_md("Other"));
    site.file("templates/404.html", "{% extends \"nope.html\" %}\n");
    let err = site.build_err(&[]);
    let l = error_for(&err, "templates/404.html");
    assert!(l.contains("nope.html"), "{l}");
}

#[test]
fn unknown_key_in_gazette_toml_names_key_and_line() {
    let site = site_with("world/other.md", good_md("Other"));
    site.file("gazette.toml", "title = \"x\"\n\ncolour = \"red\"\n");
    let err = site.build_err(&[]);
    let l = assert_at(&err, "gazette.toml", 3);
    assert!(l.contains("colour"), "{l}");
}

#[test]
fn bad_config_values_are_errors() {
    for (toml, word) in [
        ("per_page = 0\n", "per_page"),
        ("timezone = \"Mars/Olympus\"\n", "timezone"),
        ("base_url = \"news.example\"\n", "base_url"),
        ("permalink = \"/{year}/\"\n", "slug"),
        ("permalink = \"/../{slug}/\"\n", "permalink"),
    ] {
        let site = site_with("world/other.md", good_md("Other"));
        site.file("gazette.toml", toml);
        let err = site.build_err(&[]);
        assert!(err.contains("gazette.toml"), "{toml}: {err}");
        assert!(err.contains(word), "{toml}: {err}");
    }
}

#[test]
fn every_bad_config_value_is_reported_with_its_line() {
    let site = site_with("world/other.md", good_md("Other"));
    site.file(
        "gazette.toml",
        "title = \"x\"\ntimezone = \"Mars/Olympus\"\nper_page = 0\npermalink = \"/{author}/{slug}/\"\n",
    );
    let err = site.build_err(&[]);
    assert_eq!(error_lines(&err).len(), 3, "{err}");
    assert!(error_for(&err, "gazette.toml:2:12").contains("unknown timezone"), "{err}");
    assert!(error_for(&err, "gazette.toml:3:12").contains("per_page must be at least 1"), "{err}");
    assert!(error_for(&err, "gazette.toml:4:13").contains("{author}"), "{err}");
    assert!(err.contains("timezone = \"Mars/Olympus\""), "the source line is shown: {err}");
    assert!(err.lines().any(|l| l == "3 errors"), "{err}");
}

#[test]
fn bad_base_url_flag_is_an_error() {
    let site = site_with("world/other.md", good_md("Other"));
    let err = site.build_err(&["--base-url", "not a url"]);
    assert!(err.contains("base_url"), "{err}");
}

fn staging_leftovers(parent: &Path) -> Vec<String> {
    std::fs::read_dir(parent)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("gazette-new") || n.contains("gazette-old"))
        .collect()
}

#[test]
fn failed_parse_leaves_previous_output_untouched() {
    let site = site_with("world/2024/05/01/w.txt", "Officials meet\nSEOUL, May 1 (Yonhap) -- a\n(END)\n");
    site.build_ok(&[]);
    let before = snapshot_tree(&site.out());
    site.file("content/world/2024/05/01/w.txt", "Officials meet\nSEOUL, May 2 (Yonhap) -- a\n(END)\n");
    site.file("content/world/new.md", good_md("A new story"));
    site.build_err(&[]);
    assert_eq!(snapshot_tree(&site.out()), before);
    assert_eq!(staging_leftovers(site.path()), Vec::<String>::new());
}

#[test]
fn failed_render_leaves_previous_output_untouched() {
    // a template error found only while rendering: staging has begun, then is dropped
    let site = site_with("world/other.md", good_md("Other"));
    site.build_ok(&[]);
    let before = snapshot_tree(&site.out());
    site.file("templates/404.html", "<p>\n{{ nosuch.thing }}</p>\n");
    site.file("content/world/new.md", good_md("A new story"));
    site.build_err(&[]);
    assert_eq!(snapshot_tree(&site.out()), before);
    assert_eq!(staging_leftovers(site.path()), Vec::<String>::new());
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_write() {
    let site = site_with("world/other.md", good_md("Other"));
    site.file("public/precious.txt", "keep me");
    let err = site.build_err(&[]);
    assert!(err.contains("refusing to replace"), "{err}");
    assert!(err.contains(".gazette-build"), "{err}");
    assert_eq!(snapshot_tree(&site.out()), vec![("precious.txt".to_string(), b"keep me".to_vec())]);
    assert_eq!(staging_leftovers(site.path()), Vec::<String>::new());
}

#[test]
fn refuses_to_replace_a_foreign_output_folder_given_with_o() {
    let site = site_with("world/other.md", good_md("Other"));
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("index.html"), "mine").unwrap();
    let err = site.build_err(&["-o", other.path().to_str().unwrap()]);
    assert!(err.contains("refusing to replace"), "{err}");
    assert_eq!(std::fs::read_to_string(other.path().join("index.html")).unwrap(), "mine");
}

#[test]
fn an_empty_output_folder_is_used() {
    let site = site_with("world/other.md", good_md("Other"));
    std::fs::create_dir_all(site.out()).unwrap();
    site.build_ok(&[]);
    assert!(site.out().join("index.html").is_file());
}

#[test]
fn symlinks_in_content_are_errors() {
    let site = site_with("world/other.md", good_md("Other"));
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), good_md("Secret")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(secret.path(), site.path().join("content/world/link.md")).unwrap();
        let err = site.build_err(&[]);
        let l = error_for(&err, "content/world/link.md");
        assert!(l.contains("symbolic link"), "{l}");
    }
}

#[test]
fn missing_site_folder_is_an_error() {
    let outer = Site::new();
    let out = build(&outer.path().join("no-such-site"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!outer.path().join("no-such-site").exists());
}

#[test]
fn a_static_file_over_a_generated_page_is_an_error() {
    let site = site_with("world/other.md", good_md("Other story"));
    site.file("static/index.html", "<p>mine</p>");
    let err = site.build_err(&[]);
    assert!(err.contains("static/index.html would replace the page Gazette generates at /index.html"), "{err}");
}

#[test]
fn control_characters_in_a_story_do_not_reach_the_feeds() {
    let site = Site::new();
    site.file("content/world/a.md", "+++\ntitle = \"Bell\u{7} story\"\ndate = 2024-05-01T09:00:00Z\n+++\nText with a NUL \u{0} and an escape \u{1b}[31m.\n");
    site.build_ok(&[]);
    for file in ["rss.xml", "atom.xml", "world/2024/05/01/bell-story/index.html"] {
        let text = site.read(file);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{file} has a control character");
    }
}
