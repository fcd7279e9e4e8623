//! Faults during `gazette serve`: a story deleted while the server reads it, a template broken and
//! fixed 100 times in a row, 1,000 stories written and touched at once. Throughout, the server keeps
//! answering; once the files are quiet, what it serves is byte for byte a full build of the site
//! (and after the burst, every one of the 1,000 stories has its page, text and list entry).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crate::support::{Server, Site, get, wait_for};

/// How long a served site may take to catch up with the files (a hang guard, not a timing).
const SETTLE: Duration = Duration::from_secs(60);

fn story(title: &str, day: u32, body: &str) -> String {
    format!("+++\ntitle = {title:?}\ndate = 2024-05-{day:02}T10:00:00Z\ntags = [\"harbor\"]\n+++\n{body}\n")
}

/// A site of `n` small stories over three sections.
fn site_with(n: usize) -> Site {
    let site = Site::new();
    for i in 0..n {
        let section = ["world", "politics", "economy"][i % 3];
        let title = format!("Story {i} on the harbor works");
        site.file(&format!("content/{section}/s{i:03}.md"), story(&title, 1 + (i % 9) as u32, &format!("Body {i}.")));
    }
    site
}

/// Fetches `urls` in turn on another thread until stopped; keeps every answer whose status is not
/// in `ok` (status 0: no HTTP answer at all).
struct Prober {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<(usize, Vec<String>)>,
}

impl Prober {
    fn start(urls: Vec<String>, ok: &'static [u16]) -> Prober {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let (mut count, mut bad) = (0, Vec::new());
            while !flag.load(Ordering::Relaxed) {
                for url in &urls {
                    let (status, body) = get(url);
                    count += 1;
                    if !ok.contains(&status) {
                        bad.push(format!("{url}: {status} {}", body.chars().take(200).collect::<String>()));
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            (count, bad)
        });
        Prober { stop, handle }
    }

    /// Stops and asserts every answer was expected; returns how many requests were made.
    fn finish(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        let (count, bad) = self.handle.join().expect("prober thread");
        assert!(
            bad.is_empty(),
            "{} of {count} answers were unexpected, e.g. {:?}",
            bad.len(),
            &bad[..bad.len().min(5)]
        );
        count
    }
}

/// Reads the live-reload stream on another thread until stopped; returns what came.
struct Listener {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<String>,
}

impl Listener {
    fn start(server: &Server) -> Listener {
        use std::io::{Read, Write};
        let host = server.host().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let mut s = std::net::TcpStream::connect(&host).unwrap();
        s.write_all(format!("GET /__gazette/live HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let handle = std::thread::spawn(move || {
            let (mut text, mut buf) = (Vec::new(), vec![0; 16384]);
            while !flag.load(Ordering::Relaxed) {
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => text.extend_from_slice(&buf[..n]),
                    Err(_) => {}
                }
            }
            String::from_utf8_lossy(&text).to_string()
        });
        Listener { stop, handle }
    }

    fn finish(self) -> String {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().expect("listener thread")
    }
}

/// Waits until `cond` holds; panics after 60 s.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A small deterministic generator for the pauses that race the watcher.
struct Pauses(u64);

impl Pauses {
    /// 0 to `max_ms` milliseconds.
    fn next(&mut self, max_ms: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_micros(self.0 % (max_ms * 1000 + 1))
    }
}

#[test]
fn a_story_deleted_while_the_server_reads_it_keeps_it_serving_and_ends_as_a_full_build() {
    let site = site_with(30);
    // Long enough that reading and parsing it takes a while, so deletes land mid-read.
    let long = "A long paragraph about the harbor works and the ferries. ".repeat(3000);
    let x = "content/world/x.md";
    site.file(x, story("The disappearing story", 9, &long));
    site.file("content/burst/b1.md", story("Burst one", 8, "One."));
    let mut server = Server::start(&site);
    let page = format!("{}/world/2024/05/09/the-disappearing-story/", server.url);
    wait_for(&page, "the first build", |s, _| s == 200);

    // The story's own page comes and goes (200 or 404); every other page stays.
    let mut urls = vec![page.clone(), format!("{}/", server.url), format!("{}/tags/harbor/", server.url)];
    urls.push(format!("{}/world/2024/05/01/story-0-on-the-harbor-works/", server.url));
    let prober = Prober::start(urls, &[200, 404]);
    let mut pauses = Pauses(0x2545_f491_4f6c_dd1d);
    let path = site.path().join(x);
    for round in 0..150 {
        site.file(x, story("The disappearing story", 9, &format!("Round {round}. {long}")));
        std::thread::sleep(pauses.next(12));
        std::fs::remove_file(&path).unwrap();
        if round % 3 == 0 {
            // Deleted and re-created at once: the watcher may see both or only the end state.
            site.file(x, story("The disappearing story", 9, &format!("Again {round}.")));
            std::fs::remove_file(&path).unwrap();
        }
        if round % 4 == 0 {
            // A whole folder goes while the server may be walking it, and comes back.
            std::fs::remove_dir_all(site.path().join("content/burst")).unwrap();
            site.file("content/burst/b1.md", story("Burst one", 8, &format!("One, round {round}.")));
        }
        std::thread::sleep(pauses.next(12));
    }
    site.file(x, story("The disappearing story", 9, "The final text."));
    wait_for(&page, "the final text", |s, b| s == 200 && b.contains("The final text."));
    let requests = prober.finish();
    assert!(requests > 0);
    assert!(server.is_running(), "the server exited:\n{}", server.log());
    server.assert_settles_to_full_build(&site, SETTLE);

    // And a story that ends deleted is gone from the served site too.
    std::fs::remove_file(&path).unwrap();
    wait_for(&page, "the deleted page", |s, _| s == 404);
    server.assert_settles_to_full_build(&site, SETTLE);
}

/// `templates/article.html` overriding the theme's title block; `broken` picks one of two faults.
fn article_template(marker: &str, broken: Option<usize>) -> String {
    let block = match broken {
        // A syntax error: Tera cannot compile it.
        Some(k) if k % 2 == 0 => format!("{marker} {{{{ story.title "),
        // Compiles, but fails to render every article: no such variable.
        Some(_) => format!("{marker} {{{{ no_such_variable.field }}}}"),
        None => format!("{marker} {{{{ story.title }}}}"),
    };
    format!("{{% extends \"theme/article.html\" %}}{{% block title %}}{block}{{% endblock title %}}")
}

#[test]
fn a_template_broken_and_fixed_100_times_keeps_serving_and_memory_flat() {
    let site = site_with(24);
    let mut server = Server::start(&site);
    let page = format!("{}/world/2024/05/01/story-0-on-the-harbor-works/", server.url);
    wait_for(&page, "the first build", |s, _| s == 200);
    let failures = |server: &Server| server.log().matches("rebuild failed").count();
    let cycle = |i: usize, wait: bool| {
        let before = failures(&server);
        site.file("templates/article.html", article_template(&format!("BROKEN{i}"), Some(i)));
        if wait {
            wait_until("the error to show", || failures(&server) > before);
        }
        site.file("templates/article.html", article_template(&format!("FIX{i}"), None));
        if wait {
            wait_for(&page, "the fixed template", |s, b| s == 200 && b.contains(&format!("<title>FIX{i} ")));
        }
    };
    // Warm up (first failure, first re-render of every article) before taking the baseline: the
    // allocator's first growth is not a leak.
    for i in 0..3 {
        cycle(1000 + i, true);
    }
    std::thread::sleep(Duration::from_millis(300));
    let rss_before = server.rss_kib();

    let listener = Listener::start(&server);
    // Every answer is a page: a failed rebuild keeps the last good one.
    let prober = Prober::start(vec![page.clone(), format!("{}/", server.url)], &[200]);
    let mut pauses = Pauses(0x9e37_79b9_7f4a_7c15);
    for i in 0..100 {
        // Every tenth round waits for the error and the fix to show; the others race the watcher.
        cycle(i, i % 10 == 0);
        std::thread::sleep(pauses.next(8));
    }
    wait_for(&page, "the last fix", |s, b| s == 200 && b.contains("<title>FIX99 "));
    server.assert_settles_to_full_build(&site, SETTLE);
    prober.finish();
    let events = listener.finish();
    assert!(server.is_running(), "the server exited:\n{}", server.log());

    // The errors showed: in the server's output, naming the template, and on the live channel.
    let log = server.log();
    assert!(failures(&server) >= 10 + 3, "{log}");
    assert!(log.contains("article.html"), "the errors name the template:\n{log}");
    assert!(events.contains("event: errors"), "no errors event on the live channel:\n{events}");
    assert!(events.contains("event: reload"), "no reload event on the live channel:\n{events}");

    // Memory stays flat. Each cycle compiles the templates twice and re-renders every article; a
    // leak of any of that per cycle (a Tera instance, the rendered pages, kept errors) is well over
    // 150 KiB, so 100 cycles would pass the bound. The slack (measured growth: under 1 MiB of about
    // 28 MiB) covers the allocator keeping freed memory in its per-thread arenas.
    std::thread::sleep(Duration::from_millis(300));
    let rss_after = server.rss_kib();
    eprintln!("template loop: VmRSS {rss_before} KiB before, {rss_after} KiB after 100 cycles");
    assert!(
        rss_after <= rss_before + rss_before / 5 + 8 * 1024,
        "VmRSS grew from {rss_before} KiB to {rss_after} KiB over 100 broken and fixed templates"
    );
}

#[test]
fn a_thousand_stories_written_and_touched_at_once_end_as_a_full_build() {
    let site = site_with(6);
    let mut server = Server::start(&site);
    wait_for(&format!("{}/", server.url), "the first build", |s, _| s == 200);
    let prober = Prober::start(vec![format!("{}/", server.url)], &[200]);

    // 1,000 new stories in ten new folders, written as fast as the disk takes them.
    let rel = |i: usize| format!("content/desk{}/n{i:04}.md", i % 10);
    for i in 0..1000 {
        site.file(&rel(i), story(&format!("Notice {i} of the port authority"), 1 + (i % 9) as u32, "First."));
    }
    server.assert_settles_to_full_build(&site, SETTLE);
    every_notice_is_served(&server, "First.");

    // Touched all at once (mtime only), then all rewritten at once.
    let now = SystemTime::now();
    for i in 0..1000 {
        let f = std::fs::File::options().append(true).open(site.path().join(rel(i))).unwrap();
        f.set_modified(now).unwrap();
    }
    for i in 0..1000 {
        site.file(&rel(i), story(&format!("Notice {i} of the port authority"), 1 + (i % 9) as u32, "Second."));
    }
    server.assert_settles_to_full_build(&site, SETTLE);
    every_notice_is_served(&server, "Second.");
    prober.finish();
    assert!(server.is_running(), "the server exited:\n{}", server.log());
    let (status, body) = get(&format!("{}/desk3/2024/05/05/notice-13-of-the-port-authority/", server.url));
    assert_eq!(status, 200);
    assert!(body.contains("Second."));
}

/// Each of the burst's 1,000 stories has its own page in the served output, with its headline and
/// `text`, and a link from its section's list pages: equality with a full build alone would pass
/// if both lost a story.
fn every_notice_is_served(server: &Server, text: &str) {
    let out = server.output();
    // The list pages of each section: `deskN/index.html` and `deskN/page/K/index.html`.
    let lists: Vec<String> = (0..10)
        .map(|d| {
            walkdir::WalkDir::new(out.join(format!("desk{d}")))
                .max_depth(3)
                .into_iter()
                .map(|e| e.unwrap())
                .filter(|e| e.file_name() == "index.html")
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect()
        })
        .collect();
    for i in 0..1000 {
        let url = format!("desk{}/2024/05/{:02}/notice-{i}-of-the-port-authority/", i % 10, 1 + i % 9);
        let page = std::fs::read_to_string(out.join(&url).join("index.html"))
            .unwrap_or_else(|e| panic!("story {i} of the burst has no page {url}: {e}"));
        assert!(page.contains(&format!("Notice {i} of the port authority")), "{url}: no headline");
        assert!(page.contains(text), "{url}: not the text {text:?}");
        assert!(lists[i % 10].contains(&format!("/{url}\"")), "{url} is on no list page of its section");
    }
}
