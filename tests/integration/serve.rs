//! `gazette serve` over HTTP: start it on a free port, edit, add and delete files, and fetch pages
//! until they change (bounded waits).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Server, Site, get, raw, raw_bytes, wait_for};

fn start(site: &Site) -> Server {
    Server::start(site)
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

/// Regression: a path segment over 255 bytes, or a path over PATH_MAX, was a 500.
#[test]
fn names_too_long_for_the_file_system_are_not_found() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "Text."));
    let server = start(&site);
    wait_for(&format!("{}/", server.url), "the first build", |s, _| s == 200);
    for path in
        [format!("/{}", "a".repeat(300)), format!("/{}", "a/".repeat(3000)), format!("/{}.css", "b".repeat(400))]
    {
        let status = raw(&server.url, &format!("GET {path} HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n"));
        assert!(status.contains("404"), "{}: {status}", &path[..20]);
    }
}

/// Regression: `//world` redirected to `//world/`, which a browser reads as the host `world`.
#[test]
fn a_folder_asked_for_with_two_slashes_redirects_on_this_host() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "Text."));
    let server = start(&site);
    wait_for(&format!("{}/", server.url), "the first build", |s, _| s == 200);
    for (path, to) in [("//world", "/world/"), ("///world", "/world/"), ("/world", "/world/")] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let answer = String::from_utf8_lossy(&raw_bytes(server.host(), request.as_bytes())).to_string();
        assert!(answer.starts_with("HTTP/1.1 301"), "{path}: {answer}");
        let location = answer.lines().find_map(|l| l.strip_prefix("location: ")).unwrap_or_default();
        assert_eq!(location.trim(), to, "{path}");
    }
}

/// Regression: a request target without a leading `/` (`GET secret.txt`) was taken for the home
/// folder and redirected.
#[test]
fn a_target_that_is_not_a_path_is_refused() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "Text."));
    let server = start(&site);
    wait_for(&format!("{}/", server.url), "the first build", |s, _| s == 200);
    for target in ["secret.txt", "world"] {
        let status = raw(&server.url, &format!("GET {target} HTTP/1.1\r\nHost: HOST\r\nConnection: close\r\n\r\n"));
        assert!(status.contains("400"), "{target}: {status}");
    }
}

/// Reads (and, with `drip`, writes one byte of it every 500 ms) until the server closes the
/// connection; returns how long that took, or `None` if it was still open after `limit`.
fn closed_after(mut s: TcpStream, drip: &[u8], limit: Duration) -> Option<Duration> {
    s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let start = Instant::now();
    let (mut buf, mut sent, mut last_drip) = ([0u8; 1024], 0, Instant::now());
    while start.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return Some(start.elapsed()),
        }
        if sent < drip.len() && last_drip.elapsed() >= Duration::from_millis(500) {
            if s.write_all(&drip[sent..=sent]).is_err() {
                return Some(start.elapsed());
            }
            sent += 1;
            last_drip = Instant::now();
        }
    }
    None
}

/// Regression: a connection that sent nothing, half a request line, or a header a byte at a time
/// (slowloris) was held open for ever, each one a socket and a task of the server.
#[test]
fn idle_connection_is_dropped_after_the_header_timeout() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "Text."));
    let server = start(&site);
    wait_for(&format!("{}/", server.url), "the first build", |s, _| s == 200);
    let timeout = gazette::serve::HEADER_TIMEOUT;
    let limit = timeout + Duration::from_secs(5);
    let clients: Vec<_> = [
        ("silent", &b""[..], &b""[..]),
        ("half a request line", b"GET /wor", b""),
        ("slowloris", b"GET / HTTP/1.1\r\nHost: x\r\n", b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"),
    ]
    .into_iter()
    .map(|(name, first, drip)| {
        let mut s = TcpStream::connect(server.host()).unwrap();
        s.write_all(first).unwrap();
        (name, std::thread::spawn(move || closed_after(s, drip, limit)))
    })
    .collect();
    // Meanwhile the server answers as usual.
    std::thread::sleep(Duration::from_secs(1));
    let (status, body) = get(&format!("{}/world/2024/05/09/bridge-opens/", server.url));
    assert_eq!(status, 200);
    assert!(body.contains("Text."));
    for (name, client) in clients {
        let closed = client.join().unwrap();
        let closed = closed.unwrap_or_else(|| panic!("{name}: still open after {limit:?}"));
        // Not before the timeout: a client with a slow link gets the whole of it.
        assert!(closed >= timeout - Duration::from_millis(500), "{name}: closed after only {closed:?}");
    }
    let (status, _) = get(&format!("{}/", server.url));
    assert_eq!(status, 200, "the server still answers after dropping them");
}

/// The header timeout counts only while the server waits for a request: the live-reload stream,
/// one response that lasts as long as the page is open, outlives it many times over.
#[test]
fn the_live_stream_outlives_the_header_timeout() {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "First text."));
    let server = Server::start_with(&site, &["--header-timeout-ms", "300"]);
    let page = format!("{}/world/2024/05/09/bridge-opens/", server.url);
    wait_for(&page, "the first build", |s, _| s == 200);
    let idle = TcpStream::connect(server.host()).unwrap();
    let mut live = TcpStream::connect(server.host()).unwrap();
    live.write_all(format!("GET /__gazette/live HTTP/1.1\r\nHost: {}\r\n\r\n", server.host()).as_bytes()).unwrap();
    let closed = closed_after(idle, b"", Duration::from_secs(5));
    assert!(closed.is_some(), "the shortened timeout did not apply");
    std::thread::sleep(Duration::from_millis(1500));
    site.file("content/world/a.md", story("Bridge opens", "Second text."));
    live.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let (start, mut text, mut buf) = (Instant::now(), String::new(), [0u8; 4096]);
    while !text.contains("event: reload") && start.elapsed() < Duration::from_secs(20) {
        match live.read(&mut buf) {
            Ok(0) => panic!("the live stream was closed: {text}"),
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(_) => {}
        }
    }
    assert!(text.contains("event: hello"), "{text}");
    assert!(text.contains("event: reload"), "no reload on a stream older than the header timeout: {text}");
}

/// A site of one story, served and built, with the server's output folder.
fn one_story_served() -> (Site, Server, std::path::PathBuf) {
    let site = Site::new();
    site.file("content/world/a.md", story("Bridge opens", "Text."));
    let server = start(&site);
    wait_for(&format!("{}/", server.url), "the first build", |s, _| s == 200);
    let out = server.output();
    (site, server, out)
}

/// Ctrl-C ends the live streams, lets the server exit cleanly, and removes its output folder,
/// which has a name nobody could guess (or plant) beforehand.
#[test]
fn ctrl_c_ends_live_streams_and_removes_the_output_folder() {
    let (_site, mut server, out) = one_story_served();
    let name = out.file_name().unwrap().to_string_lossy().to_string();
    assert_ne!(name, format!("gazette-serve-{}", server.pid()), "a predictable name");
    assert!(out.join("index.html").is_file());

    let mut live = TcpStream::connect(server.host()).unwrap();
    live.write_all(format!("GET /__gazette/live HTTP/1.1\r\nHost: {}\r\n\r\n", server.host()).as_bytes()).unwrap();
    live.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 4096];
    let n = live.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("200 OK"));

    let status = server.interrupt(Duration::from_secs(10)).expect("serve did not exit within 10 s of Ctrl-C");
    assert!(status.success(), "{status}\n{}", server.log());
    assert!(!out.exists(), "{} is left behind", out.display());
    let mut rest = Vec::new();
    let _ = live.read_to_end(&mut rest);
    assert!(String::from_utf8_lossy(&rest).ends_with("0\r\n\r\n"), "the live stream did not end: {rest:?}");
}

/// SIGTERM (what `kill` and service managers send) stops the server as Ctrl-C does: it exits
/// cleanly and leaves no output folder behind.
#[test]
fn sigterm_stops_the_server_and_removes_the_output_folder() {
    let (_site, mut server, out) = one_story_served();
    assert!(out.join("index.html").is_file());
    let status = server.signal("-TERM", Duration::from_secs(10)).expect("serve did not exit within 10 s of SIGTERM");
    assert!(status.success(), "{status}\n{}", server.log());
    assert!(!out.exists(), "{} is left behind", out.display());
}

#[test]
fn a_slug_collision_is_printed_as_a_located_warning() {
    let site = Site::new();
    site.file("content/world/first.md", story("Harbour reopens", "One."));
    site.file("content/world/second.md", story("Harbour Reopens!", "Two."));
    let server = start(&site);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("hint: give all but one") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = server.log();
    let warning =
        log.lines().find(|l| l.starts_with("warning: 2 stories share the URL")).unwrap_or_else(|| panic!("{log}"));
    assert!(warning.contains("world/first.md") && warning.contains("world/second.md"), "{warning}");
    assert!(log.contains("content/world/first.md:2:1"), "{log}");
    // A rebuild with the same warning counts it instead of printing it again.
    site.file("content/world/first.md", story("Harbour reopens", "One, edited."));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("1 warning as before") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = server.log();
    assert!(log.contains("1 warning as before"), "{log}");
    assert_eq!(log.matches("warning: 2 stories share the URL").count(), 1, "{log}");
}

/// An author file is an input like a story: adding `authors/` after the start, editing a file in
/// it and removing it all reach the served pages.
#[test]
fn author_files_are_watched() {
    let site = Site::new();
    site.file(
        "content/world/a.md",
        "+++\ntitle = \"Bridge opens\"\ndate = 2024-05-09T10:00:00Z\nauthor = \"Lena Vastrow\"\n+++\nText.\n",
    );
    let server = start(&site);
    let page = format!("{}/world/2024/05/09/bridge-opens/", server.url);
    wait_for(&page, "the first build", |s, b| s == 200 && b.contains("<span class=\"author\">Lena Vastrow</span>"));
    site.file("authors/lena-vastrow.toml", "name = \"Lena Vastrow\"\nrole = \"Reporter\"\n");
    wait_for(&page, "the new author", |_, b| {
        b.contains("href=\"/authors/lena-vastrow/\"") && b.contains("\"jobTitle\":\"Reporter\"")
    });
    let author = format!("{}/authors/lena-vastrow/", server.url);
    wait_for(&author, "the author page", |s, b| s == 200 && b.contains("Bridge opens"));
    site.file("authors/lena-vastrow.toml", "name = \"Lena Vastrow\"\nrole = \"Editor\"\n");
    wait_for(&page, "the edit", |_, b| b.contains("\"jobTitle\":\"Editor\""));
    wait_for(&author, "the edit on her page", |_, b| b.contains("<p class=\"author-role\">Editor</p>"));
    std::fs::remove_file(site.path().join("authors/lena-vastrow.toml")).unwrap();
    wait_for(&author, "her page gone", |s, _| s == 404);
    wait_for(&page, "the plain byline again", |_, b| b.contains("<span class=\"author\">Lena Vastrow</span>"));
}

/// Live coverage under `serve`: an entry file added to a live story's folder (and a new folder
/// with its first entry) shows on the served page, and the poll file counts it; a removed entry
/// goes.
#[test]
fn a_new_live_entry_shows_on_the_served_page() {
    let site = Site::new();
    site.file("content/world/storm.md", "+++\ntitle = \"Storm\"\ndate = 2024-05-09T08:00:00Z\nlive = true\n+++\nx\n");
    let server = Server::start_with(&site, &["--now", "2024-05-09T12:00:00Z"]);
    let page = format!("{}/world/2024/05/09/storm/", server.url);
    wait_for(&page, "the first build", |s, b| s == 200 && b.contains("class=\"live-badge\""));
    let entry = |title: &str| format!("+++\ntitle = {title:?}\ndate = 2024-05-09T09:00:00Z\n+++\nText.\n");
    // The folder is new: the first entry comes with it.
    site.file("content/world/storm.live/a.md", entry("Water rising"));
    wait_for(&page, "the first entry", |_, b| b.contains("id=\"entry-a\"") && b.contains("Water rising"));
    site.file("content/world/storm.live/b.md", entry("Pumps running"));
    wait_for(&page, "the second entry", |_, b| b.contains("Pumps running"));
    wait_for(&format!("{page}live.json"), "the poll file", |_, b| b.contains("\"entries\":2"));
    std::fs::remove_file(site.path().join("content/world/storm.live/a.md")).unwrap();
    wait_for(&page, "the removed entry gone", |_, b| !b.contains("Water rising") && b.contains("Pumps running"));
}

/// On the real clock, an embargoed story is served when its time comes, with no file touched.
#[test]
fn an_embargo_lifts_on_time_while_serving() {
    let site = Site::new();
    // Far enough ahead that a slow first build still holds it back.
    let at = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + 15).unwrap();
    site.file("content/world/a.md", story("Bridge opens", "Text."));
    site.file(
        "content/world/b.md",
        format!("+++\ntitle = \"Ferry returns\"\ndate = 2024-05-09T11:00:00Z\npublish_at = {at}\n+++\nText.\n"),
    );
    let server = Server::start_on_the_clock(&site);
    let (_, home) = get(&format!("{}/", server.url));
    assert!(home.contains("Bridge opens") && !home.contains("Ferry returns"), "held back at first: {home}");
    let start = Instant::now();
    while !server.log().contains("rebuilt (the clock)") {
        assert!(start.elapsed() < Duration::from_secs(120), "no rebuild on the clock:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(jiff::Timestamp::now() >= at, "not before its time");
    let (_, home) = get(&format!("{}/", server.url));
    assert!(home.contains("Ferry returns"), "{home}\n{}", server.log());
}
