//! The build state beside the output (`.public.gazette-state/`, issue 18): what a rebuild reads and
//! parses again, and that a state file it cannot trust is discarded with a warning. Every rebuild
//! is compared with a fresh build, byte for byte.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use gazette::config::Overrides;
use gazette::pipeline::{BuildOptions, Report, TermCounts, build};
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

fn state_file(site: &Site) -> PathBuf {
    site.path().join(".public.gazette-state/stories")
}

#[test]
fn a_rebuild_with_nothing_changed_reads_no_story_file() {
    let site = site();
    let first = site.build_ok(&["-v"]);
    assert!(first.contains("parse: 4 parsed, 0 re-read unchanged, 0 from the build state"), "{first}");
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
    // Its new mtime is recorded: the next build trusts it again.
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
        String::from_utf8_lossy(&good[..end]).replacen("gazette-state 1 ", "gazette-state 0 ", 1).as_bytes(),
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
        let out = site.build(&["-v"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(stderr.contains("warning: the build state") && stderr.contains("was not used"), "{name}: {stderr}");
        assert!(stderr.contains(why), "{name}: {stderr}");
        assert!(stderr.contains("parse: 4 parsed, 0 re-read unchanged, 0 from the build state"), "{name}: {stderr}");
        // Replaced by a good one, which the next build trusts.
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
    let terms = site.path().join(".public.gazette-state/terms");
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
