//! Helpers: run the binary, make throwaway sites, read output files, run `gazette serve` and
//! talk to it over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn gazette() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gazette"))
}

/// Runs `gazette build SITE` with extra args; returns the process output.
pub fn build(site: &Path, args: &[&str]) -> Output {
    gazette().arg("build").arg(site).args(args).output().expect("running gazette")
}

/// A temporary site folder; files are added with [`Site::file`].
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn new() -> Self {
        Site { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// Copies a fixture site from `tests/fixtures/NAME`.
    pub fn fixture(name: &str) -> Self {
        let site = Site::new();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        copy_dir(&src, site.path());
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str, text: impl AsRef<[u8]>) -> &Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn out(&self) -> PathBuf {
        self.path().join("public")
    }

    /// Reads an output file as text.
    pub fn read(&self, rel: &str) -> String {
        let p = self.out().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
    }

    pub fn build(&self, args: &[&str]) -> Output {
        build(self.path(), args)
    }

    /// Removes the build state's record of the last build (`state::LastBuild`), so that the next
    /// build does its work even when nothing it is made from changed: a test of what that work
    /// does must not depend on whether the files are older than the state's 2 s window.
    pub fn forget_last_build(&self) {
        match std::fs::remove_file(self.path().join(".public.gazette-state/last")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("removing the last build's record: {e}"),
            _ => {}
        }
    }

    /// Builds and asserts success; returns stdout + stderr.
    pub fn build_ok(&self, args: &[&str]) -> String {
        let out = self.build(args);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "build failed:\n{text}");
        text
    }

    /// Builds and asserts failure with exit code 1; returns stderr.
    pub fn build_err(&self, args: &[&str]) -> String {
        let out = self.build(args);
        let text = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "expected exit 1, got {:?}\nstdout: {}\nstderr: {text}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout)
        );
        text
    }
}

/// A copy of the site bundled at the repository root: its stories, templates, static files,
/// authors and `gazette.toml`.
pub fn bundled_site() -> Site {
    let site = Site::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["content", "templates", "static", "authors"] {
        copy_dir(&root.join(dir), &site.path().join(dir));
    }
    std::fs::copy(root.join("gazette.toml"), site.path().join("gazette.toml")).unwrap();
    site
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The marker file holding the build cache: it records where and when files were written (sizes,
/// times, inodes), so it is the one file two equal outputs do not share.
pub const MARKER: &str = ".gazette-build";

/// Every file under `dir` with its bytes, sorted by path; the build cache's marker is left out.
pub fn snapshot_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    try_snapshot_tree(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
}

/// [`snapshot_tree`] of a folder something else may be writing: an error instead of a panic when a
/// file goes away between listing and reading.
pub fn try_snapshot_tree(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry?;
        if entry.file_type().is_file() && entry.file_name() != MARKER {
            let rel = entry.path().strip_prefix(dir).unwrap().to_string_lossy().to_string();
            files.push((rel, std::fs::read(entry.path())?));
        }
    }
    files.sort();
    Ok(files)
}

/// The seed story of `../shared/seed/`, when it exists. Tests must pass without it: each test that
/// uses it runs over a stand-in of our own as well (or instead), never returning untested.
pub fn seed_story() -> Option<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed/000_223e6dcc73290e3f.txt");
    std::fs::read_to_string(p).ok()
}

/// The build time every served site uses, so a full build can reproduce its pages.
pub const NOW: &str = "2024-05-10T12:00:00Z";

/// A running `gazette serve SITE --port 0`, with a temporary folder of its own as `TMPDIR` (where
/// it builds its output) and its stdout and stderr collected; killed when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    tmp: tempfile::TempDir,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn start(site: &Site) -> Server {
        Server::start_with(site, &[])
    }

    /// [`Server::start`] with extra arguments for `gazette serve`.
    pub fn start_with(site: &Site, args: &[&str]) -> Server {
        Server::spawn(site, args, Some(NOW))
    }

    /// [`Server::start`] on the real clock (no `GAZETTE_NOW`).
    pub fn start_on_the_clock(site: &Site) -> Server {
        Server::spawn(site, &[], None)
    }

    fn spawn(site: &Site, args: &[&str], now: Option<&str>) -> Server {
        let tmp = tempfile::tempdir().expect("temp dir");
        let mut command = gazette();
        command.env_remove("GAZETTE_NOW");
        if let Some(now) = now {
            command.env("GAZETTE_NOW", now);
        }
        let mut child = command
            .args(["serve", "--port", "0"])
            .args(args)
            .arg(site.path())
            .env("TMPDIR", tmp.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting gazette serve");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let collect = |pipe: Box<dyn Read + Send>, tx: Option<std::sync::mpsc::Sender<String>>| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if let (Some(tx), Some(i)) = (&tx, line.find("http://")) {
                        let _ = tx.send(line[i..].split_whitespace().next().unwrap().to_string());
                    }
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            })
        };
        collect(Box::new(stdout), Some(tx));
        collect(Box::new(stderr), None);
        let url = rx.recv_timeout(Duration::from_secs(30)).expect("serve prints its URL");
        Server { child, url, tmp, log }
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's `TMPDIR`: its output folder is in here.
    pub fn tmp(&self) -> &Path {
        self.tmp.path()
    }

    /// The folder `serve` builds into and serves from: the one `gazette-serve-*` folder in its
    /// `TMPDIR` (the rest of the name is random).
    pub fn output(&self) -> PathBuf {
        let mut found = std::fs::read_dir(self.tmp())
            .expect("reading the server's TMPDIR")
            .map(|e| e.expect("listing the server's TMPDIR").path())
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("gazette-serve-")));
        let out = found.next().expect("serve made no gazette-serve-* folder");
        assert!(found.next().is_none(), "more than one gazette-serve-* folder in {}", self.tmp().display());
        out
    }

    /// Sends SIGINT (what Ctrl-C sends) and waits up to `limit` for the server to exit; returns
    /// its exit status, or `None` if it was still running.
    pub fn interrupt(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        self.signal("-INT", limit)
    }

    /// Sends `signal` (`-INT`, `-TERM`) and waits up to `limit` for the server to exit; returns its
    /// exit status, or `None` if it was still running.
    pub fn signal(&mut self, signal: &str, limit: Duration) -> Option<std::process::ExitStatus> {
        let sent = Command::new("kill").args([signal, &self.pid().to_string()]).status().expect("running kill");
        assert!(sent.success(), "kill {signal} failed");
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("waiting for the server") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Everything the server printed so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Resident memory (`VmRSS`), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("reading /proc");
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Open file descriptors (sockets, files, the watcher's).
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).expect("reading /proc").count()
    }

    /// A fresh `gazette build` of the site as it is now, made the way `serve` builds (same base
    /// URL, same time), into a folder beside the served one; returns its files.
    pub fn full_build(&self, site: &Site) -> Vec<(String, Vec<u8>)> {
        let out = self.tmp().join("full-build");
        let _ = std::fs::remove_dir_all(&out);
        let built = gazette()
            .arg("build")
            .arg(site.path())
            .arg("--output")
            .arg(&out)
            .args(["--base-url", &self.url, "--quiet"])
            .env("GAZETTE_NOW", NOW)
            .output()
            .expect("running gazette build");
        assert!(built.status.success(), "full build failed: {}", String::from_utf8_lossy(&built.stderr));
        snapshot_tree(&out)
    }

    /// Waits (up to `limit`) until the served output holds exactly the files of a full build of
    /// the site as it is now; panics naming the differences otherwise.
    pub fn assert_settles_to_full_build(&self, site: &Site, limit: Duration) {
        let want = self.full_build(site);
        let start = Instant::now();
        loop {
            let got = try_snapshot_tree(&self.output());
            if got.as_ref().is_ok_and(|got| *got == want) {
                return;
            }
            if start.elapsed() > limit {
                let got = got.unwrap_or_default();
                let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
                let (g, w) = (names(&got), names(&want));
                let missing: Vec<_> = w.iter().filter(|n| !g.contains(n)).take(10).collect();
                let extra: Vec<_> = g.iter().filter(|n| !w.contains(n)).take(10).collect();
                let differ: Vec<_> = got
                    .iter()
                    .filter(|(n, b)| want.iter().any(|(m, c)| m == n && c != b))
                    .map(|(n, _)| n)
                    .take(10)
                    .collect();
                let log = self.log();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                panic!(
                    "the served output did not settle to a full build within {limit:?}\nmissing: {missing:?}\nextra: {extra:?}\ndiffering: {differ:?}\nlast lines of the server:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// GETs `url`; `(0, error)` when there is no HTTP answer at all.
pub fn get(url: &str) -> (u16, String) {
    match ureq::get(url).config().http_status_as_error(false).build().call() {
        Ok(mut r) => (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default()),
        Err(e) => (0, e.to_string()),
    }
}

/// Polls `url` until `pred` holds on (status, body); panics after 20 s.
pub fn wait_for(url: &str, what: &str, pred: impl Fn(u16, &str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let (status, body) = get(url);
        if pred(status, &body) {
            return body;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what} at {url}: {status}\n{body}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Sends raw bytes on a new connection and reads the answer until the server closes it (or 10 s
/// pass), for requests an HTTP client would refuse or normalise.
pub fn raw_bytes(host: &str, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(host).expect("connecting to the server");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // The server may answer and close before reading a long request: a failed write is an answer too.
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// The status line of [`raw_bytes`]'s answer; `HOST` in `request` becomes the server's address.
pub fn raw(url: &str, request: &str) -> String {
    let host = url.trim_start_matches("http://");
    let out = raw_bytes(host, request.replace("HOST", host).as_bytes());
    String::from_utf8_lossy(&out).lines().next().unwrap_or_default().to_string()
}

/// Each error of stderr as one line, `error: PATH:LINE:COL: message`. Errors are printed as
/// blocks: `error: message`, then `┌─ PATH:LINE:COL` above the source line (or a note
/// `= at PATH:LINE:COL` when there is no source to show).
pub fn error_lines(stderr: &str) -> Vec<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(msg) = l.strip_prefix("error: ") else { continue };
        let loc = lines[i + 1..].iter().take_while(|n| !n.starts_with("error")).find_map(|n| {
            n.split_once("┌─ ").map(|(_, loc)| loc).or_else(|| n.split_once("= at ").map(|(_, loc)| loc))
        });
        out.push(match loc {
            Some(loc) => format!("error: {}: {msg}", loc.trim()),
            None => format!("error: {msg}"),
        });
    }
    out
}

/// Checks that `xml` is well-formed (one root, matched tags, attributes and entities that
/// resolve; no character XML forbids, no `]]>` in text) and panics
/// naming `name` when it is not; returns the text of every `<loc>` element.
pub fn check_xml(name: &str, xml: &str) -> Vec<String> {
    let illegal =
        xml.chars().find(|&c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffe}' || c == '\u{ffff}');
    assert_eq!(illegal, None, "{name}: a character XML does not allow");
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let (mut depth, mut roots, mut locs, mut loc) = (0usize, 0, Vec::new(), None::<String>);
    let check_attributes = |e: &quick_xml::events::BytesStart<'_>| {
        for a in e.attributes() {
            let a = a.unwrap_or_else(|e| panic!("{name}: attribute: {e}"));
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .unwrap_or_else(|e| panic!("{name}: attribute value: {e}"));
        }
    };
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e)) => {
                check_attributes(&e);
                roots += usize::from(depth == 0);
                depth += 1;
                loc = (e.name().as_ref() == "loc").then(String::new);
            }
            Ok(quick_xml::events::Event::End(_)) => {
                depth = depth.checked_sub(1).unwrap_or_else(|| panic!("{name}: end tag without a start"));
                locs.extend(loc.take());
            }
            Ok(quick_xml::events::Event::Empty(e)) => {
                check_attributes(&e);
                roots += usize::from(depth == 0);
            }
            Ok(quick_xml::events::Event::Text(t)) => {
                assert!(depth > 0 || t.trim().is_empty(), "{name}: text outside the root: {:?}", &*t);
                assert!(!t.contains("]]>"), "{name}: `]]>` in text");
                if let Some(loc) = &mut loc {
                    loc.push_str(&t);
                }
            }
            Ok(quick_xml::events::Event::GeneralRef(r)) => {
                let c = match &*r {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => r.resolve_char_ref().ok().flatten().unwrap_or_else(|| panic!("{name}: entity &{};", &*r)),
                };
                assert!(depth > 0, "{name}: entity outside the root");
                if let Some(loc) = &mut loc {
                    loc.push(c);
                }
            }
            Ok(_) => {}
            Err(e) => panic!("{name} is not well-formed at {}: {e}\n{xml}", reader.error_position()),
        }
    }
    assert_eq!((depth, roots), (0, 1), "{name}: unclosed elements or not one root\n{xml}");
    locs
}
