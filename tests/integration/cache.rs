//! The build cache: what a rebuild may skip, and what it must not. Regression tests for issue 12's
//! measured defects: a template edit a rebuild ignored, damaged output never repaired, static files
//! held in memory. Each runs through `gazette build` and through `serve`'s session.

use std::path::{Path, PathBuf};

use gazette::config::Overrides;
use gazette::pipeline::{BuildOptions, build};
use gazette::session::{Changes, Session};

use crate::support::{MARKER, Site, bundled_site, gazette, snapshot_tree};

const NOW: &str = "2026-11-28T12:00:00+09:00";

fn overrides() -> Overrides {
    Overrides { now: Some(NOW.parse().unwrap()), ..Default::default() }
}

/// A `serve` session of the site at `root` into `work/served`, its first build made.
fn serving(root: &Path, work: &tempfile::TempDir) -> (Session, PathBuf) {
    let served = work.path().join("served");
    let mut session = Session::new(root, &served, overrides());
    session.rebuild(&Changes::all()).expect("first build");
    (session, served)
}

/// The last line of stdout (the summary `built N stories, …`).
fn summary(out: &str) -> String {
    out.lines().rfind(|l| l.starts_with("built ")).unwrap_or_else(|| panic!("no summary line in:\n{out}")).to_string()
}

/// A small site whose sitemap is split: `sitemap.xml` is an index of `sitemap-N.xml` parts.
fn split_sitemap_site() -> Site {
    let site = Site::new();
    site.file("gazette.toml", "title = \"T\"\nbase_url = \"https://news.example\"\nsitemap_limit = 2\n");
    for (i, title) in ["Harbour reopens", "Council votes", "Ferry strike ends"].iter().enumerate() {
        let text =
            format!("+++\ntitle = \"{title}\"\ndate = 2026-11-2{i}T09:00:00Z\ntags = [\"t{i}\"]\n+++\nText {i}.\n");
        site.file(&format!("content/world/s{i}.md"), text);
    }
    site
}

/// A fresh build of `site` into a folder of its own, as files.
fn fresh(site: &Path) -> Vec<(String, Vec<u8>)> {
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("fresh");
    let opts =
        BuildOptions { site_dir: site.to_path_buf(), output: Some(out.clone()), overrides: overrides(), changed: None };
    build(&opts).expect("the fresh build");
    snapshot_tree(&out)
}

fn assert_same_tree(got: &Path, want: &[(String, Vec<u8>)]) {
    let got = snapshot_tree(got);
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&got), names(want));
    for ((name, a), (_, b)) in got.iter().zip(want) {
        assert!(a == b, "{name} differs from a fresh build");
    }
}

const EDIT: &str = "<!-- edited index -->";

/// Writes the theme's `sitemap-index.xml` into the site with a comment added.
fn edit_sitemap_index(site: &Site) {
    let status = gazette()
        .args(["theme", "eject", "--site"])
        .arg(site.path())
        .arg("sitemap-index.xml")
        .output()
        .expect("running gazette");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let path = site.path().join("templates/sitemap-index.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}{EDIT}\n")).unwrap();
}

/// Regression: the digest took every sitemap job's template to be `sitemap.xml`, so an edit of
/// `sitemap-index.xml` was never rendered ("0 written, 21 unchanged").
#[test]
fn an_edited_sitemap_index_template_is_rendered_by_the_next_build() {
    let site = split_sitemap_site();
    site.build_ok(&["--now", NOW]);
    assert!(site.read("sitemap.xml").contains("<sitemapindex"), "the sitemap is split");
    assert!(site.out().join("sitemap-2.xml").is_file());
    edit_sitemap_index(&site);
    let out = site.build_ok(&["--now", NOW]);
    assert!(site.read("sitemap.xml").contains(EDIT), "{}", summary(&out));
    assert!(summary(&out).contains("(1 written,"), "only the index changes: {}", summary(&out));
    assert_same_tree(&site.out(), &fresh(site.path()));
}

#[test]
fn an_edited_sitemap_index_template_is_rendered_by_serve() {
    let site = split_sitemap_site();
    let (root, work) = (site.path().canonicalize().unwrap(), tempfile::tempdir().unwrap());
    let (mut session, served) = serving(&root, &work);
    edit_sitemap_index(&site);
    let outcome = session.rebuild(&Changes { templates: true, ..Default::default() }).expect("rebuild");
    assert_eq!(outcome.written, 1, "{outcome:?}");
    assert!(std::fs::read_to_string(served.join("sitemap.xml")).unwrap().contains(EDIT));
    assert_same_tree(&served, &fresh(&root));
}

/// Damages four output files four ways: deleted, overwritten (other size), truncated, and
/// overwritten with bytes of the same size.
fn damage(out: &Path) -> [PathBuf; 4] {
    let files = ["index.html", "rss.xml", "atom.xml", "style.css"].map(|f| out.join(f));
    std::fs::remove_file(&files[0]).unwrap();
    std::fs::write(&files[1], "junk").unwrap();
    std::fs::OpenOptions::new().write(true).open(&files[2]).unwrap().set_len(10).unwrap();
    let len = std::fs::metadata(&files[3]).unwrap().len() as usize;
    std::fs::write(&files[3], "x".repeat(len)).unwrap();
    files
}

/// Regression: the cache trusted `.gazette-build` over the disk, so a deleted or overwritten
/// output file stayed broken ("0 written, 116 unchanged").
#[test]
fn deleted_truncated_and_overwritten_output_files_are_repaired() {
    let site = bundled_site();
    site.build_ok(&["--now", NOW]);
    // Twice, so the previous output kept beside the live one (the next staging folder) holds
    // hard links to the same files: damage done in place reaches both names.
    site.build_ok(&["--now", NOW]);
    damage(&site.out());
    let out = site.build_ok(&["--now", NOW]);
    assert!(summary(&out).contains(", 4 repaired)"), "{}", summary(&out));
    assert!(summary(&out).contains("(0 written,"), "{}", summary(&out));
    assert_same_tree(&site.out(), &fresh(site.path()));
    let again = site.build_ok(&["--now", NOW]);
    assert!(!summary(&again).contains("repaired"), "{}", summary(&again));
}

#[test]
fn a_damaged_served_file_is_repaired_by_the_next_rebuild() {
    let site = bundled_site();
    let (root, work) = (site.path().canonicalize().unwrap(), tempfile::tempdir().unwrap());
    let (mut session, served) = serving(&root, &work);
    damage(&served);
    let outcome = session.rebuild(&Changes::default()).expect("rebuild");
    assert_eq!((outcome.written, outcome.repaired), (0, 4), "{outcome:?}");
    assert_same_tree(&served, &fresh(&root));
}

/// A cache written by another version of Gazette (another crate version or embedded theme) is
/// not trusted: the build says so and makes every file again.
#[test]
fn a_cache_of_another_gazette_version_is_not_trusted() {
    let site = split_sitemap_site();
    site.build_ok(&["--now", NOW]);
    let marker = site.out().join(MARKER);
    let text = std::fs::read_to_string(&marker).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].starts_with("gazette-cache "), "{}", lines[1]);
    lines[1] = "gazette-cache 2 0.0.1 theme 0000000000000000";
    std::fs::write(&marker, lines.join("\n") + "\n").unwrap();
    // What an old Gazette left behind must not be kept as it is.
    std::fs::write(site.out().join("index.html"), "made by an older gazette").unwrap();
    let out = site.build_ok(&["--now", NOW]);
    assert!(out.contains("note: the build cache of"), "{out}");
    assert!(out.contains("written by another Gazette"), "{out}");
    assert_same_tree(&site.out(), &fresh(site.path()));
}

/// Regression: every static file was read into memory on every build (three 100 MB files: 321 MiB
/// peak, and as much on a no-op rebuild). The build runs with its data segment capped below the
/// size of the static files: reading them in would fail it.
#[test]
fn static_files_are_copied_without_being_held_in_memory() {
    const MIB: u64 = 1024 * 1024;
    let site = split_sitemap_site();
    std::fs::create_dir_all(site.path().join("static/photos")).unwrap();
    for i in 1..=3 {
        let f = std::fs::File::create(site.path().join(format!("static/photos/big{i}.bin"))).unwrap();
        f.set_len(40 * MIB).unwrap(); // sparse: 120 MiB to copy, hardly any disk
    }
    let capped = || {
        let out = std::process::Command::new("prlimit")
            .arg(format!("--data={}", 64 * MIB))
            .arg(env!("CARGO_BIN_EXE_gazette"))
            .args(["build", "--now", NOW])
            .arg(site.path())
            .output()
            .expect("running prlimit (util-linux) to cap the build's memory");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "the build failed under a 64 MiB data limit:\n{text}");
        summary(&text)
    };
    let first = capped();
    for i in 1..=3 {
        let copy = site.out().join(format!("photos/big{i}.bin"));
        assert_eq!(std::fs::metadata(&copy).unwrap().len(), 40 * MIB, "{}", copy.display());
    }
    assert!(!first.contains(" 0 written"), "{first}");
    let noop = capped();
    assert!(noop.contains("(0 written,"), "{noop}");
    // A changed static file is copied again, and only it.
    std::fs::write(site.path().join("static/photos/big2.bin"), "now small").unwrap();
    let changed = capped();
    assert!(changed.contains("(1 written,"), "{changed}");
    assert_eq!(std::fs::read_to_string(site.out().join("photos/big2.bin")).unwrap(), "now small");
}

/// The files whose bytes differ between two snapshots of an output, and those only in the first.
fn diff(before: &[(String, Vec<u8>)], after: &[(String, Vec<u8>)]) -> (Vec<String>, Vec<String>) {
    let old: std::collections::HashMap<&str, &[u8]> = before.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let new: std::collections::HashMap<&str, &[u8]> = after.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let mut written: Vec<String> =
        after.iter().filter(|(n, b)| old.get(n.as_str()) != Some(&b.as_slice())).map(|(n, _)| n.clone()).collect();
    let mut removed: Vec<String> =
        before.iter().filter(|(n, _)| !new.contains_key(n.as_str())).map(|(n, _)| n.clone()).collect();
    written.sort();
    removed.sort();
    (written, removed)
}

/// `--changes FILE` lists exactly the files whose bytes changed and the files that went, with
/// their URLs: what a CDN purge or an incremental upload needs.
#[test]
fn the_changes_manifest_lists_exactly_what_changed() {
    let site = split_sitemap_site();
    let manifest = site.path().join("changes.json");
    let m = manifest.to_str().unwrap();
    let read = || -> (Vec<String>, Vec<String>, serde_json::Value) {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
        let paths =
            |k: &str| v[k].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_string()).collect();
        (paths("written"), paths("removed"), v)
    };
    site.build_ok(&["--now", NOW, "--changes", m]);
    let first = snapshot_tree(&site.out());
    let (written, removed, _) = read();
    assert_eq!(written, first.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(), "a first build writes everything");
    assert!(removed.is_empty());
    // Edit a story and put it back (the previous output kept beside the live one then holds the
    // old text: reusing it is a change to the live site), remove another, change nothing: each
    // build's manifest is its diff.
    let steps: [&dyn Fn(); 4] = [
        &|| {
            site.file(
                "content/world/s0.md",
                "+++\ntitle = \"Harbour reopens\"\ndate = 2026-11-20T09:00:00Z\ntags = [\"t0\"]\n+++\nNew text.\n",
            );
        },
        &|| {
            site.file(
                "content/world/s0.md",
                "+++\ntitle = \"Harbour reopens\"\ndate = 2026-11-20T09:00:00Z\ntags = [\"t0\"]\n+++\nText 0.\n",
            );
        },
        &|| std::fs::remove_file(site.path().join("content/world/s1.md")).unwrap(),
        &|| {},
    ];
    let mut before = first;
    for (i, step) in steps.iter().enumerate() {
        step();
        site.build_ok(&["--now", NOW, "--changes", m]);
        let after = snapshot_tree(&site.out());
        let (written, removed, v) = read();
        assert_eq!((written, removed), diff(&before, &after), "step {i}");
        if let Some(first) = v["written"].as_array().unwrap().first() {
            assert!(first["url"].as_str().unwrap().starts_with("https://news.example/"), "{v}");
        }
        before = after;
    }
}

/// Under `serve`, a file whose inputs changed but whose bytes did not is left as it is: a body
/// edit changes the search index's fingerprint (every index file's digest), yet only the files
/// whose bytes differ are replaced; the rest keep their inode.
#[test]
fn serve_leaves_a_file_whose_bytes_did_not_change() {
    use std::os::unix::fs::MetadataExt;
    let site = bundled_site();
    let (root, work) = (site.path().canonicalize().unwrap(), tempfile::tempdir().unwrap());
    let (mut session, served) = serving(&root, &work);
    let inodes = |dir: &Path| -> Vec<(String, u64)> {
        snapshot_tree(dir)
            .into_iter()
            .map(|(n, _)| (n.clone(), std::fs::metadata(dir.join(&n)).unwrap().ino()))
            .collect()
    };
    let before = inodes(&served);
    let story = root.join("content/economy/central-bank-rates.md");
    let text = std::fs::read_to_string(&story).unwrap();
    std::fs::write(&story, format!("{text}\nA sentence no index file had: zyxwvutsr.\n")).unwrap();
    let outcome = session.rebuild(&gazette::watch::classify(&root, std::slice::from_ref(&story))).expect("rebuild");
    let after = inodes(&served);
    let replaced: Vec<&str> =
        before.iter().zip(&after).filter(|(a, b)| a.1 != b.1).map(|(a, _)| a.0.as_str()).collect();
    assert_eq!(outcome.written, replaced.len(), "{outcome:?}: {replaced:?}");
    let index_files = before.iter().filter(|(n, _)| n.starts_with("search/t/")).count();
    let index_replaced = replaced.iter().filter(|n| n.starts_with("search/t/")).count();
    assert!(
        index_replaced >= 1 && index_replaced < index_files,
        "{index_replaced} of {index_files} term files: {replaced:?}"
    );
    assert!(replaced.iter().any(|n| n.starts_with("economy/")), "{replaced:?}");
    assert_same_tree(&served, &fresh(&root));
}
