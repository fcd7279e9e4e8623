//! `gazette serve` under load, driven from this process: hundreds of keep-alive connections
//! reading pages, traversal attempts and methods other than GET and HEAD on fresh connections,
//! live-reload clients that connect and vanish, all at once. No answer may hold a byte from outside
//! the output folder, every page request is answered, and afterwards the server's file descriptors
//! and memory are back where they started.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::support::{Server, Site, get, raw_bytes, wait_for};

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    fn open(host: &str) -> io::Result<Conn> {
        let stream = TcpStream::connect(host)?;
        // A hang guard: a request still unanswered after this long is counted as an error.
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        Ok(Conn { reader: BufReader::new(stream), host: host.to_string() })
    }

    /// GETs `path` and reads the whole answer (by its length, or its chunks).
    fn get(&mut self, path: &str) -> io::Result<(u16, Vec<u8>)> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.host);
        self.reader.get_mut().write_all(request.as_bytes())?;
        let status_line = self.line()?;
        let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad(&status_line))?;
        let (mut length, mut chunked) = (None, false);
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').ok_or_else(|| bad(&line))?;
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.contains("chunked"),
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let size = usize::from_str_radix(self.line()?.trim(), 16).map_err(|_| bad("chunk size"))?;
                let start = body.len();
                body.resize(start + size, 0);
                self.reader.read_exact(&mut body[start..])?;
                self.line()?;
                if size == 0 {
                    break;
                }
            }
        } else {
            body.resize(length.ok_or_else(|| bad("no length"))?, 0);
            self.reader.read_exact(&mut body)?;
        }
        Ok((status, body))
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("bad answer: {what}"))
}

/// What the page readers saw.
#[derive(Default)]
struct Tally {
    served: usize,
    errors: Vec<String>,
    latencies: Vec<Duration>,
}

/// `connections` threads, each on its own keep-alive connection, GET pages in turn until `until`.
fn read_pages(host: &str, pages: &Arc<Vec<String>>, connections: usize, until: Instant) -> Vec<JoinHandle<Tally>> {
    (0..connections)
        .map(|t| {
            let (host, pages) = (host.to_string(), Arc::clone(pages));
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut tally = Tally::default();
                    let mut conn = Conn::open(&host);
                    let mut k = t;
                    while Instant::now() < until {
                        let path = &pages[k % pages.len()];
                        k += 7;
                        let started = Instant::now();
                        let answer = match conn.as_mut() {
                            Ok(c) => c.get(path),
                            Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
                        };
                        match answer {
                            Ok((200, body)) if !body.is_empty() => {
                                tally.served += 1;
                                tally.latencies.push(started.elapsed());
                            }
                            Ok((status, _)) => tally.errors.push(format!("{path}: {status}")),
                            Err(e) => {
                                tally.errors.push(format!("{path}: {e}"));
                                conn = Conn::open(&host);
                            }
                        }
                    }
                    tally
                })
                .expect("spawning a reader")
        })
        .collect()
}

/// Requests that try to leave the output folder, as raw request targets. `site` is the site
/// folder's absolute path, which must not be reachable by naming it.
fn traversal_targets(site: &str) -> Vec<Vec<u8>> {
    let mut targets: Vec<Vec<u8>> = [
        "/../secret.txt",
        "/../../secret.txt",
        "/../../../../../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..%5c..%5c..%5cetc%5cpasswd",
        "/..\\secret.txt",
        "/world/..\\..\\secret.txt",
        "/.%2e/secret.txt",
        "/%2e./secret.txt",
        "/%252e%252e/secret.txt",
        "//../secret.txt",
        "/./../secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%ff%fe/../secret.txt",
        "/%00/../secret.txt",
        "/secret.txt%00.html",
        "/__gazette/live/../../secret.txt",
        "/__gazette/../../secret.txt",
        "http://evil/../../secret.txt",
        "http://evil/%2e%2e/%2e%2e/secret.txt",
        "http://127.0.0.1/..%2f..%2fsecret.txt",
        "file:///etc/passwd",
        "../secret.txt",
        "secret.txt",
        "*",
    ]
    .iter()
    .map(|t| t.as_bytes().to_vec())
    .collect();
    targets.push(format!("/{}/SECRET.txt", site.trim_start_matches('/')).into_bytes());
    targets.push(format!("/{}/secret.txt", site.trim_start_matches('/')).into_bytes());
    targets.push(format!("/{}", "a".repeat(100_000)).into_bytes());
    targets.push(format!("/{}", "../".repeat(30_000)).into_bytes());
    targets.push(format!("/{}", "a/".repeat(3000)).into_bytes());
    targets.push(format!("/{}.html", "a".repeat(300)).into_bytes());
    targets.push(b"/\xff\xfe/../secret.txt".to_vec());
    targets.push(b"/\xc0\xae\xc0\xae/secret.txt".to_vec());
    targets.push(b"/a\x00b/../../secret.txt".to_vec());
    targets
}

/// A whole request: `METHOD TARGET HTTP/1.1` and a closing connection.
fn request(method: &str, target: &[u8], host: &str) -> Vec<u8> {
    let mut r = format!("{method} ").into_bytes();
    r.extend_from_slice(target);
    r.extend_from_slice(format!(" HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes());
    r
}

fn status_of(answer: &[u8]) -> Option<u16> {
    let line = answer.split(|&b| b == b'\n').next()?;
    std::str::from_utf8(line).ok()?.split(' ').nth(1)?.parse().ok()
}

/// Fires every traversal attempt and every other method once, each on a fresh connection; returns
/// the answers that broke a rule. No answer may hold `secrets`.
fn attack_once(host: &str, site: &str, secrets: &[Vec<u8>]) -> Vec<String> {
    let mut broken = Vec::new();
    let mut check = |what: String, answer: Vec<u8>, allowed: &[u16]| {
        if let Some(s) = secrets.iter().find(|s| answer.windows(s.len()).any(|w| w == s.as_slice())) {
            broken.push(format!("{what}: the answer holds {:?}", String::from_utf8_lossy(s)));
        }
        match status_of(&answer) {
            Some(status) if allowed.contains(&status) => {}
            status => broken
                .push(format!("{what}: {status:?} {:?}", String::from_utf8_lossy(&answer[..answer.len().min(120)]))),
        }
    };
    for target in traversal_targets(site) {
        let shown = String::from_utf8_lossy(&target[..target.len().min(60)]).to_string();
        for method in ["GET", "HEAD"] {
            check(format!("{method} {shown}"), raw_bytes(host, &request(method, &target, host)), &[400, 404, 414]);
        }
    }
    let methods = ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "MKCOL", "BREW"];
    for method in methods {
        for target in ["/", "/index.html", "/style.css", "/__gazette/live", "/../secret.txt"] {
            let answer = raw_bytes(host, &request(method, target.as_bytes(), host));
            check(format!("{method} {target}"), answer, &[405]);
        }
    }
    let mut post = b"POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n".to_vec();
    post.extend(std::iter::repeat_n(b'x', 200_000));
    check("POST with a 200 kB body".into(), raw_bytes(host, &post), &[405]);
    // Within the header limit it is an ordinary request; beyond it, refused. Either way, an answer.
    let huge_header = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "y".repeat(200_000));
    check("a 200 kB header".into(), raw_bytes(host, huge_header.as_bytes()), &[200, 400, 431]);
    broken
}

/// Opens `n` live-reload connections at once, in four ways (reads `hello` then leaves; asks and
/// leaves without reading; sends half a request; says nothing), holds them, then drops them all.
fn live_clients_vanish(host: &str, n: usize) -> io::Result<()> {
    let ask = format!("GET /__gazette/live HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let mut held = Vec::new();
    for i in 0..n {
        let mut s = TcpStream::connect(host)?;
        match i % 4 {
            0 => {
                s.write_all(ask.as_bytes())?;
                s.set_read_timeout(Some(Duration::from_secs(30)))?;
                let (mut seen, mut buf) = (Vec::new(), [0; 4096]);
                while !String::from_utf8_lossy(&seen).contains("event: hello") {
                    let n = s.read(&mut buf)?;
                    if n == 0 {
                        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "live stream closed"));
                    }
                    seen.extend_from_slice(&buf[..n]);
                }
            }
            1 => s.write_all(ask.as_bytes())?,
            2 => s.write_all(b"GET /__gazette/live HTTP/1.1\r\nHo")?,
            _ => {}
        }
        held.push(s);
    }
    drop(held);
    Ok(())
}

fn story(title: &str, day: u32, body: &str) -> String {
    format!(
        "+++\ntitle = {title:?}\ndate = 2024-05-{day:02}T10:00:00Z\ntags = [\"port\", \"t{}\"]\n+++\n{body}\n",
        day % 3
    )
}

/// Every page of the served output as a request path (`a/index.html` as `/a/`).
fn page_paths(out: &std::path::Path) -> Vec<String> {
    let mut pages: Vec<String> = walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let rel = e.path().strip_prefix(out).unwrap().to_string_lossy().to_string();
            format!("/{}", rel.strip_suffix("index.html").unwrap_or(&rel))
        })
        .filter(|p| p != "/404.html")
        .collect();
    pages.sort();
    pages
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted.get(((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or_default()
}

/// Waits (up to 20 s) until the server holds at most `limit` file descriptors; returns the count.
fn fds_settle(server: &Server, limit: usize) -> usize {
    let start = Instant::now();
    loop {
        let fds = server.open_fds();
        if fds <= limit || start.elapsed() > Duration::from_secs(20) {
            return fds;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The server under test and what may never leak out of it.
struct Target {
    host: String,
    pages: Arc<Vec<String>>,
    /// The site folder's absolute path, tried as a request path too.
    site_dir: String,
    secrets: Vec<Vec<u8>>,
}

/// What one round of load saw.
struct Round {
    tally: Tally,
    attack_rounds: usize,
    broken: Vec<String>,
    vanished: Vec<String>,
}

impl Round {
    fn assert_clean(&self) {
        let Round { tally, broken, vanished, .. } = self;
        assert!(broken.is_empty(), "{} answers broke a rule:\n{}", broken.len(), broken.join("\n"));
        let e = &tally.errors;
        assert!(e.is_empty(), "{} page requests failed, e.g. {:?}", e.len(), &e[..5.min(e.len())]);
        assert!(tally.served > 0);
        assert!(vanished.is_empty(), "live-reload clients: {vanished:?}");
    }
}

impl Target {
    /// 200 readers for `length`; meanwhile traversal attempts and other methods, 400 live-reload
    /// clients that vanish, and an edit of one story (a rebuild, and reload events to the live
    /// clients still there).
    fn round(&self, site: &Site, n: usize, length: Duration) -> Round {
        let until = Instant::now() + length;
        let readers = read_pages(&self.host, &self.pages, 200, until);
        let attacks = {
            let (host, site_dir, secrets) = (self.host.clone(), self.site_dir.clone(), self.secrets.clone());
            std::thread::spawn(move || {
                let (mut broken, mut rounds) = (Vec::new(), 0);
                while Instant::now() < until || rounds == 0 {
                    broken.extend(attack_once(&host, &site_dir, &secrets));
                    rounds += 1;
                }
                (rounds, broken)
            })
        };
        let mut vanished = Vec::new();
        for wave in 0..8 {
            if let Err(e) = live_clients_vanish(&self.host, 50) {
                vanished.push(format!("wave {wave}: {e}"));
            }
            if wave == 4 {
                site.file(
                    "content/world/s00.md",
                    story("Harbor story 0", 1, &format!("Story 0, edited in round {n}.")),
                );
            }
        }
        let mut tally = Tally::default();
        for h in readers {
            let t = h.join().unwrap();
            tally.served += t.served;
            tally.errors.extend(t.errors);
            tally.latencies.extend(t.latencies);
        }
        tally.latencies.sort();
        let (attack_rounds, broken) = attacks.join().unwrap();
        Round { tally, attack_rounds, broken, vanished }
    }
}

#[test]
fn under_load_it_answers_reads_nothing_outside_the_output_and_returns_to_its_start() {
    let site = Site::new();
    for i in 0..40u32 {
        let section = ["world", "politics", "economy", "culture"][i as usize % 4];
        let body = format!("Story {i}. {}", "The harbor works went on. ".repeat(60));
        site.file(&format!("content/{section}/s{i:02}.md"), story(&format!("Harbor story {i}"), 1 + i % 9, &body));
    }
    site.file("static/files/note.txt", "a static file");
    let mut server = Server::start(&site);
    wait_for(&format!("{}/", server.url), "the first build", |s, _| s == 200);

    // Secrets beside the output folder (where `/../` leads) and in the site folder.
    let secret = format!("GAZETTE-SECRET-{}-{}", std::process::id(), server.pid());
    std::fs::write(server.tmp().join("secret.txt"), &secret).unwrap();
    site.file("SECRET.txt", &secret).file("secret.txt", &secret);
    let mut secrets = vec![secret.into_bytes()];
    if std::fs::read_to_string("/etc/passwd").is_ok_and(|p| p.contains("root:x:0:0")) {
        secrets.push(b"root:x:0:0".to_vec());
    }
    let target = Target {
        host: server.host().to_string(),
        pages: Arc::new(page_paths(&server.output())),
        site_dir: site.path().canonicalize().unwrap().to_string_lossy().to_string(),
        secrets,
    };
    assert!(target.pages.len() > 50, "{:?}", target.pages);
    let (fds_start, rss_start) = (server.open_fds(), server.rss_kib());

    // Two rounds of the same load. The first brings the runtime's threads and grows the
    // allocator's heaps to what 200 connections, the attacks and a rebuild need; the second shows
    // whether a load leaves anything behind.
    let first = target.round(&site, 0, Duration::from_secs(3));
    first.assert_clean();
    let fds_first = fds_settle(&server, fds_start);
    std::thread::sleep(Duration::from_millis(500));
    let rss_first = server.rss_kib();
    let second = target.round(&site, 1, Duration::from_secs(3));
    second.assert_clean();
    let fds_after = fds_settle(&server, fds_start);
    std::thread::sleep(Duration::from_millis(500));
    let rss_after = server.rss_kib();

    let lat = &second.tally.latencies;
    eprintln!(
        "serve under load: {} pages served by 200 connections in 3 s, {} errors, p50 {:?}, p99 {:?}; \
         {} rounds of traversal and method attempts; fds {fds_start} -> {fds_first} -> {fds_after}; \
         VmRSS {rss_start} KiB at the start, {rss_first} KiB after a first round, {rss_after} KiB after a second",
        second.tally.served,
        second.tally.errors.len(),
        percentile(lat, 0.50),
        percentile(lat, 0.99),
        second.attack_rounds,
    );
    assert!(server.is_running(), "the server exited:\n{}", server.log());
    // Nothing the server opened for a connection or a live stream may outlive it.
    assert!(
        fds_first <= fds_start && fds_after <= fds_start,
        "file descriptors: {fds_start}, {fds_first}, {fds_after}"
    );
    // Memory: the first round's growth is the allocator keeping what it was given (mimalloc keeps
    // freed pages for reuse: about +90 MiB on a debug server, then flat). From one round to the
    // next the change measured -17 to +5 MiB; a leak of a few KiB per page request (thousands per
    // round) or of 40 KiB per vanished live client (400 per round) passes the 16 MiB bound.
    assert!(
        rss_after <= rss_first + 16 * 1024,
        "VmRSS grew from {rss_first} KiB after one round of load to {rss_after} KiB after another"
    );
    let (status, body) = get(&format!("{}/world/2024/05/01/harbor-story-0/", server.url));
    assert_eq!(status, 200);
    assert!(body.contains("edited in round 1"), "the edit made under load is served");
}
