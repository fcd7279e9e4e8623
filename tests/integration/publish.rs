//! `gazette build --watch`: the output folder is kept up to date in place, each rebuild leaves it
//! byte for byte as a fresh build of the same inputs makes it, the changes log names exactly the
//! files each rebuild changed, a bad story publishes nothing, a later `gazette build` trusts what
//! the watching build recorded, and an embargo lifts on time with no file touched.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Site, bundled_site, gazette, snapshot_tree, try_snapshot_tree};

/// The bundled site's build time.
const NOW: &str = "2026-11-28T12:00:00+09:00";

/// A running `gazette build SITE --watch --changes LOG`, its stderr collected; killed when dropped.
struct Watching {
    child: Child,
    log: Arc<Mutex<String>>,
    changes: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watching {
    fn start(site: &Site, args: &[&str]) -> Watching {
        let dir = tempfile::tempdir().unwrap();
        let changes = dir.path().join("changes.jsonl");
        let mut child = gazette()
            .arg("build")
            .arg(site.path())
            .arg("--watch")
            .arg("--changes")
            .arg(&changes)
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting gazette build --watch");
        let log = Arc::new(Mutex::new(String::new()));
        for pipe in
            [Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>, Box::new(child.stderr.take().unwrap())]
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let w = Watching { child, log, changes, _dir: dir };
        w.wait_for("the first build and the watch", |log| log.contains("watching "));
        w
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (at most 120 s: CI builds the bundled site's photos in a debug build) until the
    /// output so far satisfies `pred`.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while !pred(&self.log()) {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "timed out waiting for {what}; output:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many rebuilds have been told of (`published …` or `rebuild failed …` lines).
    fn rebuilds(&self) -> usize {
        self.log().lines().filter(|l| l.starts_with("published (") || l.starts_with("rebuild failed (")).count()
    }

    /// Waits for the rebuild after `before` rebuilds.
    fn wait_rebuild(&self, before: usize, what: &str) {
        self.wait_for(what, |_| self.rebuilds() > before);
    }

    /// The changes log's manifests, one per line.
    fn manifests(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(&self.changes).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).expect("each line of the log is JSON")).collect()
    }

    /// Sends `signal` and waits (at most 30 s) for the process to end.
    fn stop(&mut self, signal: &str) -> std::process::ExitStatus {
        let sent = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "still running after {signal}:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The output tree without the build cache (its records hold inode numbers and times). The
/// watching build saves that cache after it tells of a rebuild, renaming it over the old one: a
/// walk that met a file just as it went is made again.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    for _ in 0..50 {
        match try_snapshot_tree(dir) {
            Ok(files) => return files.into_iter().collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("reading {}: {e}", dir.display()),
        }
    }
    snapshot_tree(dir).into_iter().collect()
}

/// What a fresh `gazette build` of `site` writes (into a folder of its own).
fn fresh(site: &Site) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let status =
        gazette().arg("build").arg(site.path()).arg("-o").arg(&out).args(["--now", NOW, "-q"]).status().unwrap();
    assert!(status.success());
    tree(&out)
}

/// The paths a manifest lists under `key` (`written`, `removed`).
fn listed(manifest: &serde_json::Value, key: &str) -> Vec<String> {
    manifest[key].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_string()).collect()
}

/// Asserts that the rebuild that took the output from `before` to `after` logged exactly what
/// changed: the files with new or other bytes as written, the files gone as removed.
fn assert_manifest_is_the_difference(
    manifest: &serde_json::Value,
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) {
    let written: Vec<String> =
        after.iter().filter(|(p, b)| before.get(*p) != Some(b)).map(|(p, _)| p.clone()).collect();
    let removed: Vec<String> = before.keys().filter(|p| !after.contains_key(*p)).cloned().collect();
    assert_eq!(listed(manifest, "written"), written, "written");
    assert_eq!(listed(manifest, "removed"), removed, "removed");
    for e in manifest["written"].as_array().unwrap() {
        assert!(e["url"].as_str().unwrap().starts_with("https://"), "{e}");
    }
}

const LANTERN: &str = "content/culture/lantern-festival.md";

#[test]
fn edits_adds_and_removals_are_published_in_place_as_a_fresh_build_makes_them() {
    let site = bundled_site();
    let w = Watching::start(&site, &["--now", NOW]);
    let log = w.log();
    assert!(log.contains("published (the files as they are now): 0 files written, 0 removed"), "{log}");
    assert_eq!(w.manifests().len(), 1, "the first build's manifest, and none for a rebuild that changed nothing");
    let mut before = tree(&site.out());
    assert_eq!(before, fresh(&site));

    // A body edit, a new story, a removed story: each one rebuild.
    let lantern = std::fs::read_to_string(site.path().join(LANTERN)).unwrap();
    let mut step = |what: &str, edit: &dyn Fn()| {
        let n = w.rebuilds();
        let logged = w.manifests().len();
        edit();
        w.wait_rebuild(n, what);
        let after = tree(&site.out());
        assert_eq!(after, fresh(&site), "after {what}, the output is what a fresh build makes");
        let manifests = w.manifests();
        assert_eq!(manifests.len(), logged + 1, "{what}: one manifest line");
        assert_manifest_is_the_difference(&manifests[logged], &before, &after);
        before = after;
    };
    step("a body edit", &|| {
        site.file(LANTERN, format!("{lantern}\nOrganizers counted 40,000 lanterns.\n"));
    });
    step("a new story", &|| {
        site.file("content/culture/ferry.md", FERRY);
    });
    step("a removed story", &|| std::fs::remove_file(site.path().join("content/culture/ferry.md")).unwrap());
    let page = "culture/2026/11/28/night-ferry-returns-to-the-old-harbor/index.html".to_string();
    let all = w.manifests();
    assert!(listed(&all[1], "written").iter().any(|p| p.starts_with("culture/2026/11/26/lantern")), "the edited page");
    assert!(listed(&all[2], "written").contains(&page), "the new story's page is published");
    assert!(listed(&all[3], "removed").contains(&page), "and removed with its file");
}

const FERRY: &str = "+++\ntitle = \"Night ferry returns to the old harbor\"\ndate = 2026-11-28T09:00:00+09:00\ntags = [\"festival\"]\n+++\nThe night ferry sails again.\n";

#[test]
fn a_bad_story_publishes_nothing_until_it_is_fixed() {
    let site = bundled_site();
    let w = Watching::start(&site, &["--now", NOW]);
    let before = tree(&site.out());
    let n = w.rebuilds();
    site.file("content/culture/ferry.md", "+++\ntitle = \"Night ferry\"\ndate = 2026-02-30\n+++\nBroken.\n");
    w.wait_rebuild(n, "the failed rebuild");
    assert!(w.log().contains("rebuild failed (content/culture/ferry.md)"), "{}", w.log());
    // The errors follow the line that tells of the failed rebuild.
    w.wait_for("the error, naming the file and line", |log| log.contains("ferry.md:3:"));
    assert_eq!(tree(&site.out()), before, "nothing was published");
    let n = w.rebuilds();
    site.file("content/culture/ferry.md", FERRY);
    w.wait_rebuild(n, "the fixed story");
    assert!(w.log().contains("published (content/culture/ferry.md)"), "{}", w.log());
    assert_eq!(tree(&site.out()), fresh(&site));
}

/// After a watching build stops (SIGTERM) or is killed (SIGKILL), `gazette build` finds the
/// output as recorded: with SIGTERM it has nothing to write; either way its output is a fresh
/// build's.
#[test]
fn a_later_build_trusts_what_the_watching_build_recorded() {
    for signal in ["-TERM", "-KILL"] {
        let site = bundled_site();
        let mut w = Watching::start(&site, &["--now", NOW]);
        let lantern = std::fs::read_to_string(site.path().join(LANTERN)).unwrap();
        let n = w.rebuilds();
        site.file(LANTERN, format!("{lantern}\nOrganizers counted 40,000 lanterns.\n"));
        w.wait_rebuild(n, "the edit");
        let status = w.stop(signal);
        if signal == "-TERM" {
            assert!(status.success(), "{status:?}: {}", w.log());
            assert!(w.log().contains("stopped watching"), "{}", w.log());
        }
        let text = site.build_ok(&["--now", NOW]);
        if signal == "-TERM" {
            assert!(text.contains("(0 written,"), "the later build trusts the recorded output: {text}");
        }
        assert_eq!(tree(&site.out()), fresh(&site), "{signal}");
    }
}

/// A watching build writes each file in a spare folder beside the output and renames it in, so
/// the output never holds a half-written or temporary file; what a killed one left in the spare
/// folder goes when the next one starts.
#[test]
fn temporary_files_stay_out_of_the_output_and_a_killed_writers_are_cleared() {
    let site = bundled_site();
    let spare = site.path().join(".public.gazette-tmp");
    std::fs::create_dir_all(&spare).unwrap();
    std::fs::write(spare.join("4242-0"), "half a page").unwrap();
    let w = Watching::start(&site, &["--now", NOW]);
    assert!(!spare.join("4242-0").exists(), "the leftover is cleared");
    let lantern = std::fs::read_to_string(site.path().join(LANTERN)).unwrap();
    let n = w.rebuilds();
    site.file(LANTERN, format!("{lantern}\nThe last lantern went out at dawn.\n"));
    w.wait_rebuild(n, "the edit");
    let stray: Vec<String> = tree(&site.out()).into_keys().filter(|p| p.contains("gazette-tmp")).collect();
    assert!(stray.is_empty(), "{stray:?}");
    assert_eq!(std::fs::read_dir(&spare).map(|d| d.count()).unwrap_or(0), 0, "every temporary file was renamed in");
}

/// An embargoed story goes out when its time comes, with no file touched.
#[test]
fn an_embargo_lifts_on_time() {
    let site = Site::new();
    // Far enough ahead that a slow first build still holds it back.
    let at = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + 15).unwrap();
    site.file("content/world/a.md", "+++\ntitle = \"Bridge opens\"\ndate = 2024-05-09T10:00:00Z\n+++\nText.\n");
    site.file(
        "content/world/b.md",
        format!("+++\ntitle = \"Ferry returns\"\ndate = 2024-05-09T11:00:00Z\npublish_at = {at}\n+++\nText.\n"),
    );
    let w = Watching::start(&site, &[]);
    assert!(!site.read("index.html").contains("Ferry returns"), "held back at first");
    w.wait_for("the embargo to lift", |log| log.contains("published (the clock)"));
    assert!(jiff::Timestamp::now() >= at, "not before its time");
    assert!(site.read("index.html").contains("Ferry returns"), "{}", w.log());
    assert!(site.out().join("world/2024/05/09/ferry-returns/index.html").is_file());
}
