//! `gazette serve` over HTTP: start it on a free port, edit, add and delete files, and fetch pages
//! until they change (bounded waits).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Site, gazette};

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(site: &Site) -> Server {
    let mut child = gazette()
        .args(["serve", "--port", "0"])
        .arg(site.path())
        .env("GAZETTE_NOW", "2024-05-10T12:00:00Z")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting gazette serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://") {
                let _ = tx.send(line[i..].split_whitespace().next().unwrap().to_string());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(20)).expect("serve prints its URL");
    Server { child, url }
}

fn get(url: &str) -> (u16, String) {
    match ureq::get(url).config().http_status_as_error(false).build().call() {
        Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    }
}

/// Polls `url` until `pred` holds on (status, body); panics after 10 s.
fn wait_for(url: &str, what: &str, pred: impl Fn(u16, &str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let (status, body) = get(url);
        if pred(status, &body) {
            return body;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting for {what} at {url}: {status}\n{body}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Sends raw bytes, returns the status line (for requests an HTTP client would normalise).
fn raw(url: &str, request: &str) -> String {
    let host = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    s.write_all(request.replace("HOST", host).as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or_default().to_string()
}

fn story(title: &str, body: &str) -> String {
    format!("+++\ntitle = {title:?}\ndate = 2024-05-09T10:00:00Z\n+++\n{body}\n")
}

#[test]
fn edits_adds_and_deletes_show_up() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "First text."));
    let server = start(&site);
    let page = format!("{}/world/2024/05/09/bridge-opens/", server.url);
    let body = wait_for(&page, "the first build", |s, b| s == 200 && b.contains("First text."));
    assert!(body.contains("/__gazette/live"), "served HTML carries the reload script");
    assert!(!std::fs::read_to_string(site.path().join("content/world/a.md")).unwrap().contains("gazette/live"));

    site.file("content/world/a.md", story("Bridge opens", "Second text."));
    wait_for(&page, "the edit", |s, b| s == 200 && b.contains("Second text."));

    site.file("content/world/b.md", story("Ferry returns", "New story."));
    wait_for(&format!("{}/", server.url), "the new story on the home page", |_, b| b.contains("Ferry returns"));

    std::fs::remove_file(site.path().join("content/world/b.md")).unwrap();
    wait_for(&format!("{}/world/2024/05/09/ferry-returns/", server.url), "the deleted page", |s, _| s == 404);
    wait_for(&format!("{}/", server.url), "the home page without it", |_, b| !b.contains("Ferry returns"));
}

#[test]
fn write_temp_then_rename_is_seen() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "First text."));
    let server = start(&site);
    let page = format!("{}/world/2024/05/09/bridge-opens/", server.url);
    wait_for(&page, "the first build", |s, _| s == 200);
    site.file("content/world/.a.md.tmp123", story("Bridge opens", "Renamed into place."));
    std::fs::rename(site.path().join("content/world/.a.md.tmp123"), site.path().join("content/world/a.md")).unwrap();
    wait_for(&page, "the renamed file", |_, b| b.contains("Renamed into place."));
}

#[test]
fn a_broken_story_keeps_the_last_good_page_and_reports_the_error() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "Good text."));
    let server = start(&site);
    let page = format!("{}/world/2024/05/09/bridge-opens/", server.url);
    wait_for(&page, "the first build", |s, _| s == 200);
    site.file("content/world/a.md", "+++\ntitle = \"Bridge opens\"\ndate = 2024-02-30\n+++\nBroken text.\n");
    // The error reaches the live channel that the overlay listens to.
    let start = Instant::now();
    loop {
        let host = server.url.trim_start_matches("http://");
        let mut s = TcpStream::connect(host).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(400))).unwrap();
        s.write_all(format!("GET /__gazette/live HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes()).unwrap();
        let mut text = String::new();
        let mut buf = vec![0; 8192];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
            if text.contains("event: errors") && text.contains("]\n") {
                break;
            }
        }
        if text.contains("event: errors") {
            assert!(text.contains("a.md:3:"), "the error names file and line: {text}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no errors event: {text}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, body) = get(&page);
    assert_eq!(status, 200);
    assert!(body.contains("Good text."), "still the last good page");
    site.file("content/world/a.md", story("Bridge opens", "Fixed text."));
    wait_for(&page, "the fix", |_, b| b.contains("Fixed text."));
}

#[test]
fn a_failed_first_build_keeps_the_server_up_until_fixed() {
    let site = Site::new();
    site.file("content/world/a.md", "+++\ntitle = \"Bridge opens\"\n+++\nNo date.\n");
    let server = start(&site);
    let (status, body) = get(&format!("{}/", server.url));
    assert_eq!(status, 404);
    assert!(body.contains("/__gazette/live"), "even the 404 reloads");
    site.file("content/world/a.md", story("Bridge opens", "Now it builds."));
    wait_for(&format!("{}/world/2024/05/09/bridge-opens/", server.url), "the fixed build", |s, b| {
        s == 200 && b.contains("Now it builds.")
    });
}

#[test]
fn template_changes_rerender_and_static_files_are_copied() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "Text."));
    let server = start(&site);
    let page = format!("{}/world/2024/05/09/bridge-opens/", server.url);
    wait_for(&page, "the first build", |s, _| s == 200);
    site.file(
        "templates/article.html",
        "{% extends \"theme/article.html\" %}{% block title %}CUSTOM {{ story.title }}{% endblock title %}",
    );
    wait_for(&page, "the template change", |_, b| b.contains("<title>CUSTOM Bridge opens</title>"));
    site.file("static/notes.txt", "static v1");
    wait_for(&format!("{}/notes.txt", server.url), "the static file", |s, b| s == 200 && b == "static v1");
}

#[test]
fn only_get_and_head_and_nothing_outside_the_output() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "Text."));
    let server = start(&site);
    wait_for(&format!("{}/", server.url), "the first build", |s, _| s == 200);
    assert!(
        raw(&server.url, "POST / HTTP/1.1\r\nHost: HOST\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .contains("405")
    );
    for path in
        ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/world/..%2f..%2f..%2fetc/passwd", "/%5c..%5cetc"]
    {
        let status = raw(&server.url, &format!("GET {path} HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n"));
        assert!(status.contains("400") || status.contains("404"), "{path}: {status}");
    }
    let head = raw(&server.url, "HEAD /style.css HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n");
    assert!(head.contains("200"), "{head}");
    let r = ureq::get(&format!("{}/style.css", server.url)).call().unwrap();
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/css"));
    let r = ureq::get(&format!("{}/rss.xml", server.url)).call().unwrap();
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().contains("xml"));
}
