//! Authors (`authors/ID.toml`): their pages per language (paginated) and feeds, the author list,
//! bylines that link to them, JSON-LD `Person`s with their page's URL, wire e-mail lines that name
//! them, `check`'s warning for unknown bylines, located errors for bad author files, and rebuilds
//! (`build` and `serve`'s session) after an author file changes.

use gazette::config::Overrides;
use gazette::session::{Changes, Session};
use gazette::watch::classify;

use crate::support::{Site, check_xml, gazette, snapshot_tree};

const CONFIG: &str =
    "title = \"Gazette\"\nbase_url = \"https://news.example\"\nper_page = 2\n[languages.ko]\ntitle = \"가제트\"\n";

const LENA: &str = r#"name = "Lena Vastrow"
role = "World correspondent"
bio = """
Covers the islands.

Joined in 2019.
"""
photo = "/img/lena.svg"
email = "vastrow@news.example"

[[links]]
label = "Mastodon"
url = "https://social.example/@lena"

[languages.ko]
name = "레나 바스트로"
role = "국제부 기자"
"#;

fn md(title: &str, day: u8, extra: &str) -> String {
    format!("+++\ntitle = {title:?}\ndate = 2024-05-{day:02}T09:00:00Z\n{extra}+++\nLede of {title}.\n\nMore.\n")
}

/// Five English stories by Lena (one also by an unknown reporter, one by her id), one by Tomas,
/// one Korean story naming her in Korean.
fn site() -> Site {
    let site = Site::new();
    site.file("gazette.toml", CONFIG);
    site.file("authors/lena-vastrow.toml", LENA);
    site.file("authors/tomas-reyl.toml", "name = \"Tomas Reyl\"\n");
    site.file("static/img/lena.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    for i in 1..=4u8 {
        site.file(
            &format!("content/world/s{i}.md"),
            md(&format!("Island story {i}"), i, "author = \"Lena Vastrow\"\n"),
        );
    }
    site.file("content/world/s5.md", md("Island story 5", 5, "author = [\"lena-vastrow\", \"Sam Other\"]\n"));
    site.file("content/economy/t.md", md("Port story", 6, "author = \"Tomas Reyl\"\n"));
    site.file("content/world/k.ko.md", md("섬 소식", 7, "author = \"레나 바스트로\"\n"));
    site
}

/// The JSON-LD block of a page.
fn jsonld(html: &str) -> serde_json::Value {
    let start = html.find("<script type=\"application/ld+json\">").expect("a JSON-LD block") + 35;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

fn between<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text.find(from).unwrap_or_else(|| panic!("no {from} in {text}"));
    let end = start + text[start..].find(to).unwrap() + to.len();
    &text[start..end]
}

/// The title of every item of an RSS feed.
fn rss_items(xml: &str) -> Vec<String> {
    xml.split("<item>").skip(1).map(|i| between(i, "<title>", "</title>")[7..].replace("</title>", "")).collect()
}

#[test]
fn author_pages_are_paginated_per_language_with_feeds_of_their_own() {
    let site = site();
    site.build_ok(&[]);
    // Five English stories, two a page: a front of the newest three, then page 1.
    let first = site.read("authors/lena-vastrow/index.html");
    assert!(first.contains("<h1 id=\"list-heading\" class=\"list-title\">Lena Vastrow</h1>"), "{first}");
    let titles = |html: &str| -> Vec<String> {
        html.split("<h2 class=\"item-title\">")
            .skip(1)
            .map(|h| between(h, "\">", "</a>")[2..].replace("</a>", ""))
            .collect()
    };
    assert_eq!(titles(&first), ["Island story 5", "Island story 4", "Island story 3"]);
    assert!(first.contains("href=\"/authors/lena-vastrow/page/1/\" rel=\"next\""), "{first}");
    assert_eq!(titles(&site.read("authors/lena-vastrow/page/1/index.html")), ["Island story 2", "Island story 1"]);
    assert!(!site.out().join("authors/lena-vastrow/page/2").exists());
    // The profile: role, bio paragraphs, photo, e-mail and links.
    for want in [
        "<p class=\"author-role\">World correspondent</p>",
        "<p class=\"author-bio\">Covers the islands.</p>",
        "<p class=\"author-bio\">Joined in 2019.</p>",
        "<img class=\"author-photo\" src=\"/img/lena.svg\" alt=\"Lena Vastrow\"",
        "<a href=\"mailto:vastrow@news.example\">",
        "<a href=\"https://social.example/@lena\" rel=\"me\">Mastodon</a>",
    ] {
        assert!(first.contains(want), "{want} in {first}");
    }
    // Her own feeds, announced by her page.
    let rss = site.read("authors/lena-vastrow/rss.xml");
    let atom = site.read("authors/lena-vastrow/atom.xml");
    assert!(check_xml("rss", &rss).is_empty() && check_xml("atom", &atom).is_empty());
    assert_eq!(
        rss_items(&rss),
        ["Island story 5", "Island story 4", "Island story 3", "Island story 2", "Island story 1"]
    );
    assert!(rss.contains("<title>Gazette – Lena Vastrow</title>"), "{rss}");
    assert_eq!(atom.matches("<entry>").count(), 5);
    assert!(first.contains("href=\"/authors/lena-vastrow/rss.xml\" title=\"Gazette – Lena Vastrow (RSS)\""), "{first}");
    // In Korean: her page lists her Korean story under her Korean name, and the two are
    // alternates of each other.
    let ko = site.read("ko/authors/lena-vastrow/index.html");
    assert!(ko.contains(">레나 바스트로</h1>"), "{ko}");
    assert_eq!(titles(&ko), ["섬 소식"]);
    assert!(ko.contains("<p class=\"author-role\">국제부 기자</p>"), "{ko}");
    assert!(ko.contains("hreflang=\"en\" href=\"https://news.example/authors/lena-vastrow/\""), "{ko}");
    assert!(first.contains("hreflang=\"ko\" href=\"https://news.example/ko/authors/lena-vastrow/\""), "{first}");
    assert_eq!(rss_items(&site.read("ko/authors/lena-vastrow/rss.xml")), ["섬 소식"]);
    // Tomas writes in English only: no Korean page, and the Korean author list leaves him out.
    assert!(site.out().join("authors/tomas-reyl/index.html").exists());
    assert!(!site.out().join("ko/authors/tomas-reyl").exists());
    let list = site.read("authors/index.html");
    assert!(list.contains("href=\"/authors/lena-vastrow/\">Lena Vastrow</a>"), "{list}");
    assert!(list.contains("href=\"/authors/tomas-reyl/\">Tomas Reyl</a>"), "{list}");
    let ko_list = site.read("ko/authors/index.html");
    assert!(ko_list.contains("레나 바스트로") && !ko_list.contains("Tomas"), "{ko_list}");
    // The sitemap lists every author page.
    let sitemap = site.read("sitemap.xml");
    for url in
        ["authors/lena-vastrow/", "authors/lena-vastrow/page/1/", "ko/authors/lena-vastrow/", "authors/tomas-reyl/"]
    {
        assert!(sitemap.contains(&format!("<loc>https://news.example/{url}</loc>")), "{url}");
    }
}

#[test]
fn bylines_link_to_author_pages_and_json_ld_names_a_person_with_a_url() {
    let site = site();
    site.build_ok(&[]);
    let html = site.read("world/2024/05/05/island-story-5/index.html");
    let byline = between(&html, "<p class=\"byline\">", "</p>");
    assert_eq!(
        byline,
        "<p class=\"byline\">By <a class=\"author\" href=\"/authors/lena-vastrow/\" rel=\"author\">Lena Vastrow</a> and <span class=\"author\">Sam Other</span></p>"
    );
    let ld = jsonld(&html);
    assert_eq!(
        ld["author"],
        serde_json::json!([
            {
                "@type": "Person",
                "name": "Lena Vastrow",
                "url": "https://news.example/authors/lena-vastrow/",
                "jobTitle": "World correspondent",
                "image": "https://news.example/img/lena.svg",
                "sameAs": ["https://social.example/@lena"],
            },
            {"@type": "Person", "name": "Sam Other"},
        ])
    );
    // The Korean story: her Korean name and role, and her Korean page.
    let ko = site.read("ko/world/2024/05/07/섬-소식/index.html");
    assert!(
        ko.contains("<a class=\"author\" href=\"/ko/authors/lena-vastrow/\" rel=\"author\">레나 바스트로</a>"),
        "{ko}"
    );
    let ld = jsonld(&ko);
    assert_eq!(ld["author"][0]["url"], "https://news.example/ko/authors/lena-vastrow/");
    assert_eq!(ld["author"][0]["jobTitle"], "국제부 기자");
    // Feeds name the author with her page.
    let atom = site.read("atom.xml");
    assert!(
        atom.contains(
            "<author><name>Lena Vastrow</name><uri>https://news.example/authors/lena-vastrow/</uri></author>"
        ),
        "{atom}"
    );
    assert!(atom.contains("<author><name>Sam Other</name></author>"), "{atom}");
    // The author page's own JSON-LD: a ProfilePage about her.
    let ld = jsonld(&site.read("authors/lena-vastrow/index.html"));
    assert_eq!(ld["@type"], "ProfilePage");
    assert_eq!(ld["mainEntity"]["@type"], "Person");
    assert_eq!(ld["mainEntity"]["url"], "https://news.example/authors/lena-vastrow/");
    assert_eq!(ld["mainEntity"]["description"], "Covers the islands.\n\nJoined in 2019.");
    assert_eq!(ld["mainEntity"]["alternateName"], serde_json::json!(["레나 바스트로"]));
}

#[test]
fn without_authors_bylines_stay_plain_text() {
    let site = Site::new();
    site.file("content/world/a.md", md("Plain byline", 1, "author = \"Lena Vastrow\"\n"));
    site.build_ok(&[]);
    let html = site.read("world/2024/05/01/plain-byline/index.html");
    assert!(html.contains("<p class=\"byline\">By <span class=\"author\">Lena Vastrow</span></p>"), "{html}");
    assert_eq!(jsonld(&html)["author"], serde_json::json!([{"@type": "Person", "name": "Lena Vastrow"}]));
    assert!(!site.out().join("authors").exists());
}

#[test]
fn wire_email_lines_name_their_author() {
    let site = site();
    // No byline: the e-mail line names her (case aside). A byline naming someone else: she is
    // added after them. An unknown address names nobody.
    site.file(
        "content/world/2024/05/08/patrol.txt",
        "Patrol boats return to the strait\nHARBOR CITY, May 8 (Gazette Wire) -- Patrols resumed.\nMore.\nVastrow@News.example\n(END)\n",
    );
    site.file(
        "content/world/2024/05/09/ferry.txt",
        "+++\nauthor = \"Sam Other\"\n+++\nFerry talks resume\nHARBOR CITY, May 9 (Gazette Wire) -- Talks resumed.\nvastrow@news.example, desk@news.example\n(END)\n",
    );
    site.build_ok(&[]);
    let patrol = site.read("world/2024/05/08/patrol-boats-return-to-the-strait/index.html");
    assert!(
        patrol.contains("<p class=\"byline\">By <a class=\"author\" href=\"/authors/lena-vastrow/\" rel=\"author\">Lena Vastrow</a></p>"),
        "{patrol}"
    );
    assert_eq!(jsonld(&patrol)["author"][0]["url"], "https://news.example/authors/lena-vastrow/");
    let ferry = site.read("world/2024/05/09/ferry-talks-resume/index.html");
    assert!(
        ferry.contains(
            "By <span class=\"author\">Sam Other</span> and <a class=\"author\" href=\"/authors/lena-vastrow/\""
        ),
        "{ferry}"
    );
    let page = site.read("authors/lena-vastrow/index.html");
    assert!(page.contains("Ferry talks resume") && page.contains("Patrol boats return to the strait"), "{page}");
}

fn check(site: &Site, args: &[&str]) -> (i32, String, String) {
    let out = gazette().arg("check").arg(site.path()).args(args).env("NO_COLOR", "1").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn check_warns_of_a_byline_naming_no_known_author_when_the_site_has_authors() {
    let site = site();
    site.file(
        "content/politics/2024/05/02/vote.txt",
        "Vote delayed\n(서울=가제트통신) 홍길동 기자 = 투표가 미뤄졌다.\n(끝)\n",
    );
    let (code, out, err) = check(&site, &[]);
    assert_eq!(code, 0, "warnings alone pass: {out}{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("byline names no known author")).collect();
    assert_eq!(warnings.len(), 2, "{err}");
    let at = |file: &str, line: usize| format!("{}:{line}:1", site.path().join("content").join(file).display());
    assert!(err.contains(&at("world/s5.md", 4)), "at the `author` line: {err}");
    assert!(err.contains("`Sam Other`") && !err.contains("`lena-vastrow`"), "{err}");
    assert!(err.contains(&at("politics/2024/05/02/vote.txt", 2)), "at the dateline naming the reporter: {err}");
    assert!(err.contains("`홍길동`"), "{err}");
    assert!(err.contains("hint: add an authors/ID.toml for them"), "{err}");
    assert_eq!(check(&site, &["--strict"]).0, 1);
    // Without authors/, bylines are not checked.
    std::fs::remove_dir_all(site.path().join("authors")).unwrap();
    let (_, _, err) = check(&site, &[]);
    assert!(!err.contains("byline names"), "{err}");
}

#[test]
fn every_bad_author_file_is_reported_located_in_one_run() {
    let site = Site::new();
    site.file("content/world/a.md", md("A story", 1, ""));
    site.file("authors/a.toml", "name = \"A\"\ncolour = \"red\"\n");
    site.file("authors/b.toml", "role = \"Reporter\"\n");
    site.file("authors/c.toml", "name = \"C\"\n\n[languages.fr]\nname = \"Cé\"\n");
    site.file("authors/d.toml", "name = \"D\"\n[[links]]\nurl = \"social.example/d\"\nlabel = \"D\"\n");
    site.file("authors/e.toml", "name = \"E\"\n");
    site.file("authors/g.toml", "name = \"e\"\n");
    site.file("authors/Not A Slug.toml", "name = \"F\"\n");
    site.file("authors/notes.md", "not an author file");
    let err = crate::support::error_lines(&site.build_err(&[])).join("\n");
    let at = |file: &str, line: usize, col: usize| {
        format!("{}:{line}:{col}", site.path().join("authors").join(file).display())
    };
    for (want, what) in [
        (at("a.toml", 2, 1), "colour"),
        (at("b.toml", 1, 1), "name"),
        (at("c.toml", 3, 12), "not a language of this site"),
        (at("d.toml", 3, 7), "absolute http(s) URL"),
        (at("g.toml", 1, 9), "also authors/e.toml's"),
        (at("Not A Slug.toml", 1, 1), "not-a-slug"),
    ] {
        let line = err.lines().find(|l| l.contains(&want)).unwrap_or_else(|| panic!("no {want} in {err}"));
        assert!(line.contains(what), "{what} in {line}");
    }
    assert!(!err.contains("notes.md"), "{err}");
    assert!(!site.out().exists());
    // `check` reports them too, and goes on.
    let (code, check_out, check_err) = check(&site, &[]);
    let check_err = format!("{check_out}{check_err}");
    assert_eq!(code, 1);
    assert!(check_err.contains(&at("a.toml", 2, 1)) && check_err.contains(&at("Not A Slug.toml", 1, 1)), "{check_err}");
}

#[test]
fn a_missing_author_photo_is_an_error_at_its_line() {
    let site = Site::new();
    site.file("content/world/a.md", md("A story", 1, "author = \"A\"\n"));
    site.file("authors/a.toml", "name = \"A\"\nphoto = \"/img/a.jpg\"\n");
    let err = crate::support::error_lines(&site.build_err(&[])).join("\n");
    let want = format!("{}:2:9", site.path().join("authors/a.toml").display());
    assert!(err.contains(&want) && err.contains("there is no static/img/a.jpg"), "{err}");
    site.file("static/img/a.jpg", "jpeg");
    site.build_ok(&[]);
    assert!(site.read("authors/a/index.html").contains("src=\"/img/a.jpg\""));
}

#[test]
fn author_page_snapshot() {
    let site = site();
    site.build_ok(&[]);
    let html = site.read("authors/lena-vastrow/index.html");
    insta::assert_snapshot!(between(&html, "<main", "</main>"));
}

/// An author file edited, added or removed: a rebuild into the same folder and `serve`'s session
/// both show it on every page with a byline, as a fresh build does.
#[test]
fn an_author_file_edit_reaches_every_page_that_shows_the_author() {
    let site = site();
    let root = site.path().canonicalize().unwrap();
    let overrides = Overrides { now: Some("2024-06-01T00:00:00Z".parse().unwrap()), ..Default::default() };
    let work = tempfile::tempdir().unwrap();
    let served = work.path().join("served");
    let mut session = Session::new(&root, &served, overrides.clone());
    session.rebuild(&Changes::all()).unwrap();
    let build_into = |out: &std::path::Path| {
        let opts = gazette::pipeline::BuildOptions {
            site_dir: root.clone(),
            output: Some(out.to_path_buf()),
            overrides: overrides.clone(),
            changed: None,
        };
        gazette::pipeline::build(&opts).unwrap()
    };
    let rebuilt = work.path().join("rebuilt");
    build_into(&rebuilt);
    let article = "world/2024/05/01/island-story-1/index.html";
    let edits: [(&str, Option<&str>); 3] = [
        ("authors/lena-vastrow.toml", Some(&LENA.replace("World correspondent", "Islands editor"))),
        ("authors/tomas-reyl.toml", None),
        ("authors/tomas-reyl.toml", Some("name = \"Tomas Reyl\"\n[languages.ko]\nname = \"토마스 레일\"\n")),
    ];
    for (rel, text) in edits {
        let path = root.join(rel);
        match text {
            Some(t) => std::fs::write(&path, t).unwrap(),
            None => std::fs::remove_file(&path).unwrap(),
        }
        let changes = classify(&root, &[path]);
        assert!(changes.authors, "{changes:?}");
        session.rebuild(&changes).unwrap();
        let report = build_into(&rebuilt);
        assert!(report.written > 0, "{rel}");
        let fresh = work.path().join("fresh");
        let _ = std::fs::remove_dir_all(&fresh);
        let _ = std::fs::remove_dir_all(gazette::state::folder(&fresh));
        build_into(&fresh);
        assert!(snapshot_tree(&served) == snapshot_tree(&fresh), "serve differs from a fresh build after {rel}");
        assert!(snapshot_tree(&rebuilt) == snapshot_tree(&fresh), "a rebuild differs from a fresh build after {rel}");
    }
    let html = std::fs::read_to_string(served.join(article)).unwrap();
    assert!(html.contains("\"jobTitle\":\"Islands editor\""), "{html}");
    let port = std::fs::read_to_string(served.join("economy/2024/05/06/port-story/index.html")).unwrap();
    assert!(port.contains("href=\"/authors/tomas-reyl/\""), "{port}");
}
