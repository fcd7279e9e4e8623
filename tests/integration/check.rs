//! `gazette check`: what it reports, and its exit codes.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use crate::support::{Site, gazette};

fn check(site: &Site, args: &[&str]) -> (i32, String, String) {
    let out = gazette().arg("check").arg(site.path()).args(args).env("NO_COLOR", "1").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn md(title: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = {title:?}\ndate = 2024-05-01T09:00:00Z\n{extra}+++\n{body}\n")
}

#[test]
fn a_clean_site_passes() {
    let site = Site::new();
    site.file(
        "content/world/a.md",
        md("Bridge opens", "tags = [\"transport\"]\nrelated = [\"Ferry fares rise\"]\n", "Text."),
    );
    site.file("content/world/b.md", md("Ferry fares rise", "tags = [\"transport\"]\n", "Text."));
    let (code, out, err) = check(&site, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
    assert!(!site.out().exists(), "check writes nothing");
}

#[test]
fn colliding_headline_slugs_are_a_warning_check_strict_fails_on() {
    let site = Site::new();
    site.file("content/world/first.md", md("Harbour reopens", "tags = [\"port\"]\n", "One."));
    site.file("content/world/second.md", md("Harbour Reopens!", "tags = [\"ferry\"]\n", "Two."));
    let (code, out, err) = check(&site, &[]);
    assert_eq!(code, 0, "a warning alone passes: {out}{err}");
    let warning = err.lines().find(|l| l.contains("share the URL")).unwrap_or_else(|| panic!("no warning:\n{err}"));
    assert!(warning.starts_with("warning: 2 stories share the URL /world/2024/05/01/harbour-reopens/"), "{warning}");
    assert!(warning.contains("world/first.md") && warning.contains("world/second.md"), "{warning}");
    assert!(err.contains("content/world/first.md:2:1"), "located at the first story's title line: {err}");
    assert!(err.contains("hint: give all but one of them a `slug`"), "{err}");
    let (code, out, err) = check(&site, &["--strict"]);
    assert_eq!(code, 1, "--strict fails on it: {out}{err}");
    assert!(err.contains("world/first.md") && err.contains("world/second.md"), "{err}");
    assert!(out.contains("0 errors, 2 warnings"), "the collision and the duplicate headline: {out}");
}

#[test]
fn warnings_are_listed_and_fail_only_with_strict() {
    let site = Site::new();
    let long = "A very long headline that goes on and on about the harbor, the ferries, the bridge, the budget, the strike and the weather";
    assert!(long.chars().count() > 110);
    site.file("content/a.md", md(long, "related = [\"A story nobody wrote\"]\n", "Text."));
    site.file("content/world/b.md", md("Same words", "tags = [\"x\"]\n", "Text."));
    site.file("content/world/c.md", md("Same Words!", "tags = [\"x\"]\n", "Text."));
    let (code, out, err) = check(&site, &[]);
    assert_eq!(code, 0, "{out}{err}");
    for want in &[
        "warning: related headline names no story of the site: \"A story nobody wrote\"",
        "warning: story has no section",
        "warning: story has no tags",
        &format!("warning: headline is {} characters", long.chars().count()) as &str,
        "warning: same headline as content/world/b.md",
        "warning: 2 stories share the URL /world/2024/05/01/same-words/",
        "warning: same headline, day and text as content/world/b.md",
        "hint: add `tags",
    ] {
        assert!(err.contains(want), "{want} in:\n{err}");
    }
    assert!(err.contains("content/a.md:4:1"), "the related line: {err}");
    assert!(err.contains("content/world/c.md:2:1"), "the duplicate's title line: {err}");
    assert!(!err.contains('\u{1b}'), "no colour when NO_COLOR is set");
    assert!(out.contains("0 errors, 7 warnings"), "b.md and c.md share a slug, and are duplicates: {out}");
    let (code, _, _) = check(&site, &["--strict"]);
    assert_eq!(code, 1);
}

#[test]
fn broken_links_are_errors() {
    let site = Site::new();
    site.file(
        "content/world/a.md",
        md("Bridge opens", "tags = [\"t\"]\n", "See [the map](/maps/bridge.png) and [b](../../02/nowhere/)."),
    );
    site.file(
        "content/world/c.md",
        md("Other", "tags = [\"t\"]\n", "See [a](@/world/a.md) and [the logo](/logo.png) and [home](/)."),
    );
    site.file("static/logo.png", "png");
    let (code, out, err) = check(&site, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("error: broken link `/maps/bridge.png`"), "{err}");
    assert!(err.contains("error: broken link `../../02/nowhere/`"), "{err}");
    assert!(err.contains("content/world/a.md:6:5"), "{err}");
    assert!(out.contains("2 errors"), "{out}");
}

#[test]
fn story_errors_are_reported_with_the_rest() {
    let site = Site::new();
    site.file("content/world/a.md", "+++\ntitle = \"A\"\ndate = 2024-02-30\n+++\nx\n");
    site.file("content/world/b.md", md("Fine story", "", "[x](@/world/gone.md)"));
    let (code, _, err) = check(&site, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("content/world/a.md:3:"), "{err}");
    assert!(err.contains("broken link `@/world/gone.md`"), "{err}");
}

/// A server answering `/ok` with 200, `/missing` with 404 and never answering `/slow`.
fn spawn_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 2048];
                let n = stream.read(&mut buf).unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let status = if req.contains(" /ok ") {
                    "200 OK"
                } else if req.contains(" /slow ") {
                    std::thread::sleep(Duration::from_secs(30));
                    "200 OK"
                } else {
                    "404 Not Found"
                };
                let _ = stream.write_all(
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
                );
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn external_links_that_do_not_answer_are_reported() {
    let server = spawn_server();
    let site = Site::new();
    let body = format!("[ok]({server}/ok) [gone]({server}/missing) [slow]({server}/slow)");
    site.file("content/world/a.md", md("Bridge opens", "tags = [\"t\"]\n", &body));
    let (code, _, err) = check(&site, &[]);
    assert_eq!(code, 0, "external links are not requested without --external: {err}");
    let started = std::time::Instant::now();
    let (code, out, err) = check(&site, &["--external", "--timeout", "2"]);
    assert!(started.elapsed() < Duration::from_secs(20), "time-outs bound the check");
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains(&format!("external link {server}/missing does not answer: HTTP 404")), "{err}");
    assert!(err.contains(&format!("external link {server}/slow does not answer")), "{err}");
    assert!(!err.contains(&format!("{server}/ok does not answer")), "{err}");
    assert!(out.contains("2 errors"), "{out}");
}

#[test]
fn check_output_snapshot() {
    let site = Site::new();
    site.file(
        "content/world/a.md",
        md("Bridge opens", "related = [\"A story nobody wrote\"]\n", "See [the map](/maps/bridge.png)."),
    );
    let out = gazette().arg("check").current_dir(site.path()).env("NO_COLOR", "1").output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    insta::assert_snapshot!(text);
}
