//! The build state beside the output (`.public.gazette-state/`, issue 18): what a rebuild reads and
//! parses again, and that a state file it cannot trust is discarded with a warning. Every rebuild
//! is compared with a fresh build, byte for byte.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use gazette::config::Overrides;
use gazette::pipeline::{BuildOptions, Report, StoryFiles, TermCounts, build};
use gazette::state::ParseCounts;

use crate::support::{Site, snapshot_tree};

const NOW: &str = "2026-11-28T12:00:00+09:00";

fn overrides() -> Overrides {
    Overrides { now: Some(NOW.parse().unwrap()), ..Default::default() }
}

const STORIES: [(&str, &str); 3] = [
    (
        "content/world/harbour.md",
        "+++\ntitle = \"Harbour reopens\"\ndate = 2026-11-20T09:00:00Z\n+++\nShips are back.\n",
    ),
    ("content/world/council.md", "+++\ntitle = \"Council votes\"\ndate = 2026-11-21T09:00:00Z\n+++\nA vote.\n"),
    (
        "content/politics/2026/11/22/0900-ferry.txt",
        "Ferry strike ends\nHARBOR CITY, Nov. 22 (Wire) -- The strike ended.\nMore text.\n(END)\n",
    ),
];

/// A ninjs item that is not news text: skipped with a warning, and kept as such in the state.
const EVENT: &str = r#"{"type": "event", "title": "A press conference"}"#;

/// A site of three stories and one skipped feed item, every file an hour old: older than the
/// state's window for racily recent files, so a rebuild may trust their size, mtime and inode.
fn site() -> Site {
    let site = Site::new();
    site.file("gazette.toml", "title = \"T\"\nbase_url = \"https://news.example\"\ntimezone = \"Asia/Seoul\"\n");
    for (rel, text) in STORIES {
        site.file(rel, text);
    }
    site.file("content/world/event.json", EVENT);
    for rel in STORIES.iter().map(|(r, _)| *r).chain(["content/world/event.json"]) {
        age(&site.path().join(rel), 3600);
    }
    site
}

/// Sets `path`'s mtime to `secs` seconds ago.
fn age(path: &Path, secs: u64) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(secs)).unwrap();
}

fn build_into(site: &Path, out: &Path) -> Report {
    let opts = BuildOptions {
        site_dir: site.to_path_buf(),
        output: Some(out.to_path_buf()),
        overrides: overrides(),
        changed: None,
    };
    build(&opts).unwrap_or_else(|e| panic!("build failed: {e:#}"))
}

fn counts(parsed: usize, reread: usize, kept: usize) -> ParseCounts {
    ParseCounts { parsed, reread, kept }
}

/// A rebuild into `site`'s output, checked against a fresh build of the same site.
fn rebuild(site: &Site) -> Report {
    let report = build_into(site.path(), &site.out());
    let fresh = tempfile::tempdir().unwrap();
    let fresh_out = fresh.path().join("fresh");
    build_into(site.path(), &fresh_out);
    let (got, want) = (snapshot_tree(&site.out()), snapshot_tree(&fresh_out));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&got), names(&want));
    for ((name, a), (_, b)) in got.iter().zip(&want) {
        assert!(a == b, "{name} differs from a fresh build");
    }
    report
}

/// The small site's stories state: one chunk (a site of fewer than 65 story files has one).
fn state_file(site: &Site) -> PathBuf {
    site.path().join(".public.gazette-state/stories/0000")
}

fn last_file(site: &Site) -> PathBuf {
    site.path().join(".public.gazette-state/last")
}

#[test]
fn a_rebuild_with_nothing_changed_reads_no_story_file() {
    let site = site();
    let first = site.build_ok(&["-v"]);
    assert!(first.contains("parse: 4 parsed, 0 re-read unchanged, 0 from the build state"), "{first}");
    // Without the record of the last build (`last`), the state's stories are used.
    std::fs::remove_file(last_file(&site)).unwrap();
    let again = site.build_ok(&["-v"]);
    assert!(again.contains("parse: 0 parsed, 0 re-read unchanged, 4 from the build state"), "{again}");
    // The skipped item is still named: nothing is lost by keeping it.
    assert!(again.contains("event.json") && again.contains("3 stories from 4 files"), "{again}");
    // Proof that the files are not read: one altered behind the build's back, its size, mtime and
    // inode as before, still shows its recorded headline (as make, cargo and git would trust it).
    let path = site.path().join(STORIES[0].0);
    let meta = std::fs::metadata(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap().replace("Harbour reopens", "Harbour REOPENS");
    std::fs::write(&path, text).unwrap();
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(meta.modified().unwrap()).unwrap();
    site.build_ok(&[]);
    let page = site.read("world/2026/11/20/harbour-reopens/index.html");
    assert!(page.contains("Harbour reopens") && !page.contains("REOPENS"));
}

#[test]
fn an_edited_file_of_the_same_size_is_parsed_again() {
    let site = site();
    assert_eq!(rebuild(&site).parse, counts(4, 0, 0));
    assert!(site.out().join("world/2026/11/20/harbour-reopens/index.html").exists());
    let (rel, text) = STORIES[0];
    site.file(rel, text.replace("Harbour reopens", "Harbour recloses").replace("back.", "back"));
    assert_eq!(std::fs::metadata(site.path().join(rel)).unwrap().len() as usize, text.len());
    age(&site.path().join(rel), 1800);
    assert_eq!(rebuild(&site).parse, counts(1, 0, 3));
    assert!(site.read("world/2026/11/20/harbour-recloses/index.html").contains("Harbour recloses"));
    assert!(!site.out().join("world/2026/11/20/harbour-reopens").exists());
}

#[test]
fn a_touched_but_identical_file_is_read_not_parsed() {
    let site = site();
    rebuild(&site);
    age(&site.path().join(STORIES[2].0), 1800);
    assert_eq!(rebuild(&site).parse, counts(0, 1, 3));
    // Its new mtime is recorded: the next build trusts it again (and, nothing else having changed,
    // has nothing to do).
    assert_eq!(rebuild(&site).story_files, StoryFiles::Unchanged);
    std::fs::remove_file(last_file(&site)).unwrap();
    assert_eq!(rebuild(&site).parse, counts(0, 0, 4));
}

#[test]
fn a_file_written_just_now_is_checked_by_content_next_time() {
    let site = site();
    rebuild(&site);
    let (rel, text) = STORIES[1];
    site.file(rel, text.replace("A vote.", "A poll."));
    assert_eq!(rebuild(&site).parse, counts(1, 0, 3));
    // Written within the state's window: a second write in the same clock tick could keep its
    // mtime, so it is read again (and found unchanged) rather than trusted by its metadata.
    assert_eq!(rebuild(&site).parse, counts(0, 1, 3));
}

#[test]
fn a_setting_that_changes_parsing_reparses_everything() {
    let site = site();
    rebuild(&site);
    let toml = site.path().join("gazette.toml");
    let base = std::fs::read_to_string(&toml).unwrap();
    // A title is not a parse setting: the stories are kept.
    std::fs::write(&toml, base.replace("title = \"T\"", "title = \"The Times\"")).unwrap();
    assert_eq!(rebuild(&site).parse, counts(0, 0, 4));
    // Dates without an offset (the wire story's) read in the site's zone.
    std::fs::write(&toml, base.replace("Asia/Seoul", "Europe/Paris")).unwrap();
    let report = rebuild(&site);
    assert_eq!(report.parse, counts(4, 0, 0));
    assert!(report.state_discarded.as_deref().is_some_and(|w| w.contains("settings")), "{:?}", report.state_discarded);
    // A language added.
    std::fs::write(&toml, format!("{base}\n[languages.ko]\ntitle = \"T\"\n")).unwrap();
    assert_eq!(rebuild(&site).parse, counts(4, 0, 0));
    std::fs::write(&toml, format!("{base}\n[markdown]\nraw_html = \"escape\"\n")).unwrap();
    assert_eq!(rebuild(&site).parse, counts(4, 0, 0));
    std::fs::write(&toml, format!("encoding = \"euc-kr\"\n{base}")).unwrap();
    assert_eq!(rebuild(&site).parse, counts(4, 0, 0));
}

#[test]
fn a_state_file_that_cannot_be_trusted_is_discarded_with_a_warning() {
    let site = site();
    site.build_ok(&[]);
    let path = state_file(&site);
    let good = std::fs::read(&path).unwrap();
    let end = good.iter().position(|&b| b == b'\n').unwrap();
    let old_version = [
        String::from_utf8_lossy(&good[..end]).replacen("gazette-state 3 ", "gazette-state 2 ", 1).as_bytes(),
        &good[end..],
    ]
    .concat();
    let mut flipped = good.clone();
    let middle = end + (good.len() - end) / 2;
    flipped[middle] ^= 0x20;
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("truncated", good[..good.len() * 2 / 3].to_vec(), "truncated"),
        ("corrupt", flipped, "corrupt"),
        ("old version", old_version, "another Gazette"),
        ("not a state file", b"hello\n".to_vec(), "does not parse"),
    ];
    for (name, bytes, why) in cases {
        std::fs::write(&path, &bytes).unwrap();
        // A build with nothing to do reads no story state: make this one need it.
        std::fs::remove_file(last_file(&site)).unwrap();
        let out = site.build(&["-v"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        // Its one chunk not used: the stories state as a whole is not.
        let warned = stderr.lines().any(|l| {
            l.starts_with("warning: the build state ") && l.contains(".public.gazette-state/stories was not used: ")
        });
        assert!(warned, "{name}: {stderr}");
        assert!(stderr.contains(why), "{name}: {stderr}");
        assert!(stderr.contains("parse: 4 parsed, 0 re-read unchanged, 0 from the build state"), "{name}: {stderr}");
        // Replaced by a good one, which the next build trusts.
        std::fs::remove_file(last_file(&site)).unwrap();
        let out = site.build(&["-v"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("4 from the build state") && !stderr.contains("not used"), "{name}: {stderr}");
    }
    // Each time against a fresh build, byte for byte.
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let report = rebuild(&site);
    assert_eq!(report.parse, counts(4, 0, 0));
    assert!(report.state_discarded.is_some());
}

#[test]
fn a_deleted_story_leaves_the_site_and_the_state() {
    let site = site();
    rebuild(&site);
    assert!(site.out().join("world/2026/11/21/council-votes/index.html").exists());
    std::fs::remove_file(site.path().join(STORIES[1].0)).unwrap();
    assert_eq!(rebuild(&site).parse, counts(0, 0, 3));
    assert!(!site.out().join("world/2026/11/21/council-votes").exists());
    // Brought back with its old bytes and mtime: parsed, since the state no longer holds it.
    site.file(STORIES[1].0, STORIES[1].1);
    age(&site.path().join(STORIES[1].0), 3600);
    assert_eq!(rebuild(&site).parse, counts(1, 0, 3));
}

#[test]
fn a_failed_build_leaves_the_state_and_errors_are_never_kept() {
    let site = site();
    site.build_ok(&[]);
    let before = std::fs::read(state_file(&site)).unwrap();
    let (rel, text) = STORIES[0];
    site.file(rel, text.replace("date = 2026-11-20T09:00:00Z\n", "date = yesterday\n"));
    age(&site.path().join(rel), 1800);
    site.build_err(&[]);
    assert_eq!(std::fs::read(state_file(&site)).unwrap(), before, "a failed build wrote the state");
    // The broken file is parsed (and fails) again, however old it is.
    site.build_err(&[]);
    // Fixed with its recorded bytes: read, and found as recorded.
    site.file(rel, text);
    age(&site.path().join(rel), 1200);
    assert_eq!(rebuild(&site).parse, counts(0, 1, 3));
}

#[test]
fn a_one_story_edit_tokenises_that_story_alone() {
    let site = site();
    assert_eq!(rebuild(&site).terms, Some(TermCounts { tokenised: 3, kept: 0 }));
    // Nothing changed: the index's files are kept, and no term is even loaded.
    assert_eq!(rebuild(&site).terms, None);
    let (rel, text) = STORIES[0];
    site.file(rel, text.replace("Ships are back.", "Ships and ferries are back."));
    assert_eq!(rebuild(&site).terms, Some(TermCounts { tokenised: 1, kept: 2 }));
    // A tag added changes the story's terms too.
    let (rel, text) = STORIES[1];
    site.file(rel, text.replace("+++\nA vote.", "tags = [\"council\"]\n+++\nA vote."));
    assert_eq!(rebuild(&site).terms, Some(TermCounts { tokenised: 1, kept: 2 }));
    // A terms file that cannot be trusted: every story tokenised, the output as a fresh build's.
    let terms = site.path().join(".public.gazette-state/terms/0000");
    let mut bytes = std::fs::read(&terms).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&terms, bytes).unwrap();
    site.file(rel, text);
    let report = rebuild(&site);
    assert_eq!(report.terms, Some(TermCounts { tokenised: 3, kept: 0 }));
    assert!(report.terms_discarded.as_deref().is_some_and(|w| w.contains("corrupt")), "{:?}", report.terms_discarded);
}

/// `--changed PATH…` with a build state: `content/` is not walked; the state's files and the
/// named ones are the story files (a named file that is gone is removed), and the output equals a
/// fresh build. A file added but not named is not seen; a named path that is no story file under
/// `content/` is an error naming it.
#[test]
fn changed_paths_take_the_place_of_the_walk() {
    let site = site();
    site.build_ok(&[]);
    // One new story and one edit, named; one story removed, named; one new story not named.
    site.file("content/world/tunnel.md", "+++\ntitle = \"Tunnel approved\"\ndate = 2026-11-23T09:00:00Z\n+++\nYes.\n");
    site.file(STORIES[1].0, STORIES[1].1.replace("Council votes", "Council votes again"));
    std::fs::remove_file(site.path().join(STORIES[0].0)).unwrap();
    site.file("content/world/unnamed.md", "+++\ntitle = \"Not named\"\ndate = 2026-11-23T10:00:00Z\n+++\nNo.\n");
    let out = site.build_ok(&["-v", "--changed", "content/world/tunnel.md", STORIES[1].0, STORIES[0].0]);
    assert!(out.contains("3 stories from 4 files"), "{out}");
    assert!(out.contains("note: --changed: content/ was not walked"), "the build says what it did not look at: {out}");
    assert!(site.read("world/2026/11/23/tunnel-approved/index.html").contains("Tunnel approved"));
    assert!(site.read("world/2026/11/21/council-votes-again/index.html").contains("Council votes again"));
    assert!(!site.out().join("world/2026/11/20/harbour-reopens").exists(), "the removed story's page is gone");
    assert!(!site.out().join("world/2026/11/23/not-named").exists(), "an unnamed new file is not seen");
    // Named at last, it is; and the output then equals a fresh build of the whole folder.
    site.build_ok(&["--changed", "content/world/unnamed.md"]);
    assert!(site.out().join("world/2026/11/23/not-named/index.html").exists());
    let fresh = tempfile::tempdir().unwrap();
    let fresh_out = fresh.path().join("fresh");
    build_into(site.path(), &fresh_out);
    let (got, want) = (snapshot_tree(&site.out()), snapshot_tree(&fresh_out));
    assert_eq!(got.len(), want.len());
    for ((name, a), (_, b)) in got.iter().zip(&want) {
        assert!(a == b, "{name} differs from a fresh build");
    }
    // A path that is no story file under content/ is an error naming it; nothing is written.
    let err = site.build_err(&["--changed", "templates/base.html", "content/world/notes.pdf"]);
    assert!(err.contains("templates/base.html") && err.contains("content/world/notes.pdf"), "{err}");
    assert!(err.contains("--changed names no story file"), "{err}");
}

/// Without a build state, `--changed` walks `content/` as a plain build does.
#[test]
fn changed_paths_without_a_state_walk_the_folder() {
    let site = site();
    let out = site.build_ok(&["--changed", "content/world/council.md"]);
    assert!(out.contains("3 stories from 4 files"), "{out}");
    assert!(!out.contains("was not walked"), "{out}");
}

/// A build whose inputs are as the last build found them (by metadata), at a time its output
/// still holds, into an output as it left it, does nothing: it reads no story, says what the
/// last build said (warnings too), and leaves the output as a fresh build makes it.
#[test]
fn a_build_with_nothing_changed_does_nothing_and_says_what_the_last_said() {
    let site = site();
    let first = site.build_ok(&["-v", "--now", NOW]);
    assert!(first.contains("parse: 4 parsed"), "{first}");
    let again = site.build_ok(&["-v", "--now", NOW]);
    assert!(again.contains("inputs: as the last build found them"), "{again}");
    assert!(!again.contains("parse:"), "{again}");
    // The skipped item is named again: a build with nothing to do hides no warning.
    assert!(again.contains("event.json") && again.contains("not news text"), "{again}");
    let line =
        |out: &str| out.lines().rfind(|l| l.starts_with("built ")).unwrap().split(" into ").next().unwrap().to_string();
    let head = "built 3 stories from 4 files (1 not news text, skipped), ";
    let pages: usize = line(&first).strip_prefix(head).and_then(|p| p.split(' ').next()?.parse().ok()).unwrap();
    assert_eq!(line(&first), format!("{head}{pages} pages ({pages} written, 0 unchanged)"));
    assert_eq!(line(&again), format!("{head}{pages} pages (0 written, {pages} unchanged)"));
    // A changes manifest says nothing changed.
    let manifest = site.path().join("changes.json");
    site.build_ok(&["--now", NOW, "--changes", manifest.to_str().unwrap()]);
    let changes: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(changes["written"], serde_json::json!([]), "{changes}");
    assert_eq!(changes["removed"], serde_json::json!([]), "{changes}");
    let report = rebuild(&site);
    assert_eq!((report.story_files, report.written, report.stories), (StoryFiles::Unchanged, 0, 3));
}

/// Every input a build reads, the output and the build time each defeat the shortcut, and the
/// build that follows equals a fresh one; once the change is recorded, the shortcut holds again.
#[test]
fn any_change_to_what_a_build_is_made_from_makes_it_do_the_work() {
    let site = site();
    site.file(
        "content/world/photo.md",
        "+++\ntitle = \"Pier at dawn\"\ndate = 2026-11-19T09:00:00Z\nimage = \"pier.jpg\"\n+++\nA pier.\n",
    );
    site.file("content/world/pier.jpg", crate::photos::jpeg(64, 48, &[]));
    // Embargoed until a day after NOW; and first published a day before NOW, in the news window.
    site.file("content/world/later.md", "+++\ntitle = \"Budget day\"\ndate = 2026-11-29T12:00:00+09:00\n+++\nLater.\n");
    site.file("content/world/fresh.md", "+++\ntitle = \"Fresh news\"\ndate = 2026-11-27T12:45:00+09:00\n+++\nNew.\n");
    // Live until two hours after NOW; breaking news released at 15:10 (in the banner for 60 minutes).
    site.file(
        "content/world/storm.md",
        "+++\ntitle = \"Storm live\"\ndate = 2026-11-28T08:00:00+09:00\nlive = true\nlive_until = 2026-11-28T14:00:00+09:00\n+++\nLive.\n",
    );
    site.file(
        "content/world/alert.md",
        "+++\ntitle = \"Alert\"\ndate = 2026-11-28T15:10:00+09:00\nbreaking = true\n+++\nNow.\n",
    );
    site.file("static/notice.txt", "hello");
    for rel in [
        "content/world/storm.md",
        "content/world/alert.md",
        "content/world/photo.md",
        "content/world/pier.jpg",
        "content/world/later.md",
        "content/world/fresh.md",
        "static/notice.txt",
    ] {
        age(&site.path().join(rel), 3600);
    }
    let root = site.path().to_path_buf();
    let write_aged = |rel: &str, text: &[u8], secs: u64| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        age(&path, secs);
    };
    type Change<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let changes: Vec<Change> = vec![
        (
            "a story edited",
            Box::new(|| {
                write_aged(
                    STORIES[0].0,
                    b"+++\ntitle = \"Harbour shuts\"\ndate = 2026-11-20T09:00:00Z\n+++\nShut.\n",
                    1800,
                )
            }),
        ),
        (
            "a story added",
            Box::new(|| {
                write_aged(
                    "content/world/new.md",
                    b"+++\ntitle = \"New\"\ndate = 2026-11-20T10:00:00Z\n+++\nNew.\n",
                    1700,
                )
            }),
        ),
        ("a story removed", Box::new(|| std::fs::remove_file(root.join("content/world/new.md")).unwrap())),
        (
            "a template added",
            Box::new(|| write_aged("templates/404.html", b"<!doctype html><title>Gone</title><p>Gone.</p>\n", 1600)),
        ),
        (
            "a UI string changed",
            Box::new(|| write_aged("templates/i18n/en.toml", b"skip_to_content = \"Skip ahead\"\n", 1500)),
        ),
        ("a static file edited", Box::new(|| write_aged("static/notice.txt", b"hello, world", 1400))),
        (
            "gazette.toml edited",
            Box::new(|| {
                let toml = std::fs::read_to_string(root.join("gazette.toml"))
                    .unwrap()
                    .replace("title = \"T\"", "title = \"U\"");
                write_aged("gazette.toml", toml.as_bytes(), 1300)
            }),
        ),
        ("an author file added", Box::new(|| write_aged("authors/ana.toml", b"name = \"Ana Reporter\"\n", 1250))),
        (
            "a photo replaced",
            Box::new(|| write_aged("content/world/pier.jpg", &crate::photos::jpeg(80, 40, &[]), 1200)),
        ),
        ("an output file deleted", Box::new(|| std::fs::remove_file(root.join("public/404.html")).unwrap())),
        (
            "the output's cache edited",
            Box::new(|| {
                let cache = root.join("public/.gazette-build");
                let text = std::fs::read_to_string(&cache).unwrap();
                std::fs::write(&cache, format!("{text}\n")).unwrap();
            }),
        ),
    ];
    let done = |name: &str, report: &Report| assert_ne!(report.story_files, StoryFiles::Unchanged, "{name}");
    rebuild(&site);
    assert_eq!(rebuild(&site).story_files, StoryFiles::Unchanged);
    for (name, change) in &changes {
        change();
        done(name, &rebuild(&site));
        assert_eq!(rebuild(&site).story_files, StoryFiles::Unchanged, "after {name}");
    }
    assert!(site.read("404.html").contains("Gone."));
    // The build time: past the embargo (the story appears), past the news window (a story leaves
    // the news sitemap), and before the last build's time.
    let at = |now: &str| {
        let out = site.build_ok(&["-v", "--now", now]);
        let fresh = tempfile::tempdir().unwrap();
        let fresh_out = fresh.path().join("fresh");
        let opts = |out: &Path| BuildOptions {
            site_dir: site.path().to_path_buf(),
            output: Some(out.to_path_buf()),
            overrides: Overrides { now: Some(now.parse().unwrap()), ..Default::default() },
            changed: None,
        };
        build(&opts(&fresh_out)).unwrap();
        assert!(snapshot_tree(&site.out()) == snapshot_tree(&fresh_out), "at {now}: not what a fresh build makes");
        out
    };
    let shortcut = |out: &str| out.contains("inputs: as the last build found them");
    assert!(shortcut(&at(NOW)), "the same time");
    assert!(shortcut(&at("2026-11-28T13:00:00+09:00")), "an hour later, nothing enters or leaves");
    assert!(site.read("world/2026/11/28/storm-live/index.html").contains("live-badge"));
    assert!(!shortcut(&at("2026-11-28T14:30:00+09:00")), "past live_until, the badge goes");
    assert!(!site.read("world/2026/11/28/storm-live/index.html").contains("class=\"live-badge\""));
    assert!(shortcut(&at("2026-11-28T14:40:00+09:00")));
    assert!(!shortcut(&at("2026-11-28T15:30:00+09:00")), "the alert is out and breaking");
    assert!(site.read("breaking.json").contains("Alert"));
    assert!(shortcut(&at("2026-11-28T15:40:00+09:00")));
    assert!(!shortcut(&at("2026-11-28T16:30:00+09:00")), "the alert leaves the banner");
    assert!(!site.read("breaking.json").contains("Alert"));
    assert!(!shortcut(&at("2026-11-29T12:30:00+09:00")), "past the embargo");
    assert!(site.read("sitemap.xml").contains("budget-day"));
    assert!(shortcut(&at("2026-11-29T12:40:00+09:00")));
    assert!(!shortcut(&at("2026-11-29T13:00:00+09:00")), "fresh news leaves the news window");
    assert!(!shortcut(&at("2026-11-29T12:50:00+09:00")), "an earlier time than the last build's");
    // A command-line setting.
    let out = site.build_ok(&["-v", "--now", "2026-11-29T12:50:00+09:00", "--drafts"]);
    assert!(!shortcut(&out), "{out}");
}

/// A record of the last build that cannot be trusted is discarded with a warning, and the build
/// does its work (and writes a good one).
#[test]
fn a_bad_record_of_the_last_build_is_discarded_with_a_warning() {
    let site = site();
    site.build_ok(&["--now", NOW]);
    let path = last_file(&site);
    let good = std::fs::read(&path).unwrap();
    for (name, bytes) in [("truncated", good[..good.len() - 3].to_vec()), ("not a state file", b"hello\n".to_vec())] {
        std::fs::write(&path, &bytes).unwrap();
        let out = site.build_ok(&["-v", "--now", NOW]);
        assert!(out.contains("warning: the build state") && out.contains("last was not used"), "{name}: {out}");
        assert!(out.contains("parse: 0 parsed, 0 re-read unchanged, 4 from the build state"), "{name}: {out}");
        let out = site.build_ok(&["-v", "--now", NOW]);
        assert!(out.contains("inputs: as the last build found them") && !out.contains("not used"), "{name}: {out}");
    }
}

/// A site of `n` short stories, each an hour old, in a few folders: past 64 story files, the
/// build state spreads them over several chunks. Returns their paths under `content/`.
fn many(n: usize) -> (Site, Vec<String>) {
    let site = Site::new();
    site.file("gazette.toml", "title = \"T\"\nbase_url = \"https://news.example\"\n");
    let mut rels = Vec::new();
    for i in 0..n {
        let rel = format!("s{}/story-{i:03}.md", i % 5);
        let text = format!(
            "+++\ntitle = \"Story {i} of the harbour\"\ndate = 2026-11-{:02}T09:00:00Z\n+++\nText {i} of the story.\n",
            1 + i % 27
        );
        site.file(&format!("content/{rel}"), text);
        age(&site.path().join("content").join(&rel), 3600);
        rels.push(rel);
    }
    (site, rels)
}

/// The chunk of `count` that holds the record of the story file `rel` (its path under
/// `content/`), as the state's format says: xxh3 of the path, modulo the count.
fn chunk_of(rel: &str, count: u64) -> String {
    format!("{:04}", xxhash_rust::xxh3::xxh3_64(rel.as_bytes()) % count)
}

/// Each file of a state folder's chunks (`stories/` or `terms/`): name, inode, mtime and bytes.
fn chunk_files(dir: &Path) -> Vec<(String, u64, SystemTime, Vec<u8>)> {
    use std::os::unix::fs::MetadataExt;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let meta = e.metadata().unwrap();
            let name = e.file_name().into_string().unwrap();
            (name, meta.ino(), meta.modified().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// The chunk files of `after` that are not in `before` as they were (by inode, mtime and bytes).
fn changed(before: &[(String, u64, SystemTime, Vec<u8>)], after: &[(String, u64, SystemTime, Vec<u8>)]) -> Vec<String> {
    assert_eq!(before.iter().map(|f| &f.0).collect::<Vec<_>>(), after.iter().map(|f| &f.0).collect::<Vec<_>>());
    after.iter().zip(before).filter(|(a, b)| a != b).map(|(a, _)| a.0.clone()).collect()
}

/// Issue 18 at archive scale: a one-story edit rewrites the one chunk of `stories` that holds its
/// record (and the one or two of `terms` that held its old terms and hold its new ones), not the
/// whole state.
#[test]
fn a_one_story_edit_rewrites_one_chunk_of_the_state() {
    let (site, rels) = many(300);
    let state = site.path().join(".public.gazette-state");
    assert_eq!(rebuild(&site).parse, counts(300, 0, 0));
    // 300 records, about 64 a chunk: 8 chunks (a power of two), each naming its place.
    let stories = chunk_files(&state.join("stories"));
    let names: Vec<String> = (0..8).map(|i| format!("{i:04}")).collect();
    assert_eq!(stories.iter().map(|f| f.0.clone()).collect::<Vec<_>>(), names);
    for (name, _, _, bytes) in &stories {
        let line = String::from_utf8_lossy(&bytes[..bytes.iter().position(|&b| b == b'\n').unwrap()]).to_string();
        let want = format!(" chunk {} of 8 settings ", name.trim_start_matches('0').parse::<u32>().unwrap_or(0));
        assert!(line.starts_with("gazette-state 3 stories ") && line.contains(&want), "{line}");
    }
    let terms = chunk_files(&state.join("terms"));
    assert_eq!(terms.len(), 8);
    // Mtimes of their own: a chunk written again could otherwise keep its mtime.
    std::thread::sleep(Duration::from_millis(20));
    let rel = &rels[123];
    let path = site.path().join("content").join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    site.file(&format!("content/{rel}"), text.replace("Text 123 of", "Text 123, edited, of"));
    age(&path, 1800);
    let report = rebuild(&site);
    assert_eq!(report.parse, counts(1, 0, 299));
    assert_eq!(report.terms, Some(TermCounts { tokenised: 1, kept: 299 }));
    assert_eq!(changed(&stories, &chunk_files(&state.join("stories"))), [chunk_of(rel, 8)]);
    let terms_changed = changed(&terms, &chunk_files(&state.join("terms")));
    assert!((1..=2).contains(&terms_changed.len()), "{terms_changed:?}");
    // Nothing changed: no chunk is written at all.
    let (stories, terms) = (chunk_files(&state.join("stories")), chunk_files(&state.join("terms")));
    std::fs::remove_file(last_file(&site)).unwrap();
    assert_eq!(rebuild(&site).parse, counts(0, 0, 300));
    assert!(changed(&stories, &chunk_files(&state.join("stories"))).is_empty());
    assert!(changed(&terms, &chunk_files(&state.join("terms"))).is_empty());
}

/// A chunk that cannot be trusted costs its own records only: it is discarded with a warning
/// naming it, its story files are parsed again (its stories tokenised again), the other chunks
/// are used, and the output is a fresh build's, byte for byte.
#[test]
fn a_corrupt_chunk_is_discarded_alone_with_a_warning() {
    let (site, rels) = many(300);
    let state = site.path().join(".public.gazette-state");
    site.build_ok(&["--now", NOW]);
    let flip = |file: &str| {
        let path = state.join(file);
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() - 10;
        bytes[middle] ^= 0x04;
        std::fs::write(&path, bytes).unwrap();
    };
    flip("stories/0003");
    flip("terms/0005");
    // One story edited (so that the search index is made, and reads the terms), in another chunk.
    let rel = rels.iter().find(|r| chunk_of(r, 8) != "0003").unwrap();
    let path = site.path().join("content").join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    site.file(&format!("content/{rel}"), text.replace("of the story.", "of the story, edited."));
    age(&path, 1800);
    let in_3 = rels.iter().filter(|r| chunk_of(r, 8) == "0003").count();
    assert!(in_3 > 0);
    let out = site.build_ok(&["-v", "--now", NOW]);
    let warned = |file: &str, instead: &str| {
        let line = format!(
            ".public.gazette-state/{file} was not used: it is corrupt: its checksum does not match; {instead}\n"
        );
        out.lines().any(|l| l.starts_with("warning: the build state ") && format!("{l}\n").ends_with(&line))
    };
    assert!(warned("stories/0003", "the story files it held were parsed again"), "{out}");
    assert!(warned("terms/0005", "the stories it held were tokenised again"), "{out}");
    let parsed = format!("parse: {} parsed, 0 re-read unchanged, {} from the build state", in_3 + 1, 299 - in_3);
    assert!(out.contains(&parsed), "{parsed}: {out}");
    let tokenised: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("index: ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(tokenised > 1 && tokenised < 300, "{out}");
    // The output is a fresh build's; the chunks were written again, and the next build trusts
    // every one.
    let fresh = tempfile::tempdir().unwrap();
    let fresh_out = fresh.path().join("fresh");
    build_into(site.path(), &fresh_out);
    assert!(snapshot_tree(&site.out()) == snapshot_tree(&fresh_out), "not what a fresh build makes");
    std::fs::remove_file(last_file(&site)).unwrap();
    let out = site.build_ok(&["-v", "--now", NOW]);
    assert!(
        out.contains("0 parsed, 0 re-read unchanged, 300 from the build state") && !out.contains("not used"),
        "{out}"
    );
}

/// `--changed` takes the state's paths for the story files only when the state holds every one
/// the last build recorded: with a chunk missing or discarded, the build walks `content/`.
#[test]
fn changed_paths_with_a_chunk_missing_walk_the_folder() {
    let (site, rels) = many(300);
    let state = site.path().join(".public.gazette-state");
    site.build_ok(&[]);
    let named = format!("content/{}", rels[7]);
    for (name, fault) in [("missing", None), ("corrupt", Some(b"hello\n".as_slice()))] {
        let chunk = state.join("stories").join(chunk_of(&rels[200], 8));
        match fault {
            None => std::fs::remove_file(&chunk).unwrap(),
            Some(bytes) => std::fs::write(&chunk, bytes).unwrap(),
        }
        let out = site.build_ok(&["-v", "--changed", &named]);
        assert!(!out.contains("was not walked"), "{name}: {out}");
        assert!(out.contains("built 300 stories from 300 files"), "{name}: {out}");
        // Written whole again: the next --changed build trusts the state.
        let out = site.build_ok(&["--changed", &named]);
        assert!(out.contains("was not walked") && out.contains("300 stories"), "{name}: {out}");
    }
}

/// Related lists are kept in the build state with a key of everything they are made from: a
/// rebuild whose stories read the same to them (a body edit) takes them from there, one whose
/// headlines, listed headlines, tags or times changed computes them again, and a state file of
/// them that cannot be trusted is discarded with a warning. Every rebuild equals a fresh build.
#[test]
fn related_lists_are_kept_while_what_they_are_made_from_is() {
    use gazette::pipeline::RelatedLists;
    let site = site();
    let lister = "content/world/lister.md";
    let text = "+++\ntitle = \"Harbour city plans\"\ndate = 2026-11-23T09:00:00Z\ntags = [\"harbour\"]\n\
                related = [\"Harbour reopens\", \"Council votes\"]\n+++\nPlans.\n\nMore plans.\n";
    site.file(lister, text);
    age(&site.path().join(lister), 3600);
    assert_eq!(rebuild(&site).related, RelatedLists::Computed);
    let page = "world/2026/11/23/harbour-city-plans/index.html";
    assert!(site.read(page).contains("Harbour reopens"));
    let related_file = site.path().join(".public.gazette-state/related");
    assert!(related_file.is_file());
    // A body edit past the lede (the summary, which computed lists read): kept.
    site.file(lister, text.replace("More plans.", "More plans, in full."));
    age(&site.path().join(lister), 1800);
    let report = rebuild(&site);
    assert_eq!((report.parse, report.related), (counts(1, 0, 4), RelatedLists::Kept));
    // Nothing changed since: no lists are needed, and the report says so.
    let report = rebuild(&site);
    assert_eq!((report.story_files, report.related), (StoryFiles::Unchanged, RelatedLists::Unneeded));
    // A target's headline edited: computed again, and the list shows the new headline.
    let (rel, harbour) = STORIES[0];
    site.file(rel, harbour.replace("Harbour reopens", "Harbour reopens at last"));
    age(&site.path().join(rel), 1700);
    assert_eq!(rebuild(&site).related, RelatedLists::Computed);
    assert!(site.read(page).contains("Harbour reopens at last"));
    // A listed headline removed, then a tag added that another story has: computed again each
    // time, and the tag brings that story into the computed part of the list.
    site.file(
        "content/world/ships.md",
        "+++\ntitle = \"Ships sail\"\ndate = 2026-11-22T09:00:00Z\ntags = [\"ships\"]\n+++\nOff.\n",
    );
    age(&site.path().join("content/world/ships.md"), 3600);
    let fewer = text.replace(", \"Council votes\"", "");
    site.file(lister, &fewer);
    age(&site.path().join(lister), 1600);
    assert_eq!(rebuild(&site).related, RelatedLists::Computed);
    assert!(!site.read(page).contains("Ships sail"));
    site.file(lister, fewer.replace("[\"harbour\"]", "[\"harbour\", \"ships\"]"));
    age(&site.path().join(lister), 1590);
    assert_eq!(rebuild(&site).related, RelatedLists::Computed);
    assert!(site.read(page).contains("Ships sail"));
    // Untrusted: discarded with a warning, computed, then written again and trusted.
    let good = std::fs::read(&related_file).unwrap();
    std::fs::write(&related_file, &good[..good.len() - 2]).unwrap();
    site.file(lister, text.replace("More plans.", "More plans, again."));
    age(&site.path().join(lister), 1500);
    let out = site.build_ok(&["-v", "--now", NOW]);
    assert!(out.contains(".public.gazette-state/related was not used: it is truncated"), "{out}");
    assert!(out.contains("related: lists computed"), "{out}");
    site.file(lister, text.replace("More plans.", "More plans, once more."));
    age(&site.path().join(lister), 1400);
    let out = site.build_ok(&["-v", "--now", NOW]);
    assert!(out.contains("related: lists from the build state") && !out.contains("not used"), "{out}");
}
