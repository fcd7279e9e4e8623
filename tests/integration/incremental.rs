//! The incremental-rebuild invariant: after any sequence of edits, adds, deletes and renames, of
//! templates (the sitemap index's among them), static files and the config (which splits the
//! sitemap or joins it again), of author files (added, edited, broken, removed: every page with a
//! byline reads them), and of damage done to the output itself (files deleted, truncated
//! or overwritten between builds), the output of a `Session` (what `serve` serves) and of a
//! `gazette build` into the same folder is byte-identical to a fresh full build.

use std::path::Path;

use gazette::config::Overrides;
use gazette::pipeline::{BuildOptions, build};
use gazette::session::{Changes, Session};
use gazette::watch::classify;
use proptest::prelude::*;

use crate::support::{Site, snapshot_tree};

const NOW: &str = "2024-05-10T12:00:00Z";

fn overrides() -> Overrides {
    Overrides { base_url: Some("http://127.0.0.1:1111".into()), now: Some(NOW.parse().unwrap()), ..Default::default() }
}

const HEADLINES: [&str; 6] = [
    "Port strike spreads to second terminal",
    "Budget vote delayed by a week",
    "Ferry fares rise for winter",
    "(LEAD) Port strike spreads to second terminal",
    "Storm closes harbor bridge",
    "(URGENT) Storm closes harbor bridge",
];
const SECTIONS: [&str; 3] = ["politics", "economy", "world"];
const TAGS: [&str; 4] = ["ports", "budget", "weather", "transport"];

/// A live entry's path and text: Markdown or wire copy in `md-NN.live/` beside story `n`'s
/// Markdown file (a live story when `n` is a multiple of 3, else an orphan with a warning).
fn entry(n: u8, k: u8, minute: u8) -> (String, String) {
    let section = SECTIONS[n as usize % 3];
    let minute = minute % 60;
    if k.is_multiple_of(2) {
        let path = format!("content/{section}/md-{n:02}.live/e{}.md", k % 5);
        let text = format!("+++\ntitle = \"Entry {k}\"\ndate = 2024-05-10T09:{minute:02}:00Z\n+++\nEntry *{k}*.\n");
        (path, text)
    } else {
        let path = format!("content/{section}/md-{n:02}.live/2024-05-10-10{minute:02}-w{}.txt", k % 5);
        (path, format!("Wire entry {k}\nHARBOR CITY, May 10 (Wire) -- Entry {k} <b>text</b>.\n(END)\n"))
    }
}

/// A story file's path and text from small numbers, so proptest can shrink them.
fn story(kind: u8, n: u8, h: u8, day: u8, related: u8) -> (String, String) {
    let section = SECTIONS[n as usize % 3];
    let headline = HEADLINES[h as usize % HEADLINES.len()];
    let other = HEADLINES[related as usize % HEADLINES.len()];
    let tag = TAGS[(n as usize + h as usize) % TAGS.len()];
    // One story in three is Korean (a `.ko` file beside the default language's of the same
    // number is its translation).
    let lang = if h.is_multiple_of(3) { ".ko" } else { "" };
    // Bylines: the reporters of `Op::Author`'s files, by name (Markdown) or e-mail (wire), and a
    // name no author file has.
    let reporter = n % 4;
    if kind.is_multiple_of(2) {
        let path = format!("content/{section}/2024/05/{:02}/{n:02}-story{lang}.txt", 1 + day % 9);
        let text = format!(
            "{headline}\nHARBOR CITY, May {} (Wire) -- Lede {n} {h}.\nMore text.\nr{reporter}@y.example\n(END)\n-\n{other}\n",
            1 + day % 9
        );
        (path, text)
    } else {
        // Three months over two years, so a date edit can move a story between archive pages.
        let (year, month) = [(2024, 5), (2024, 4), (2023, 12)][(day as usize / 9) % 3];
        let path = format!("content/{section}/md-{n:02}{lang}.md");
        // One in three is live coverage (entries from `md-NN.live/`), half of those ended by
        // `live_until` before the build's time.
        let live = match (n % 3, h % 2) {
            (0, 0) => "live = true\n",
            (0, _) => "live = true\nlive_until = 2024-05-10T11:00:00Z\n",
            _ => "",
        };
        let text = format!(
            "+++\ntitle = {headline:?}\ndate = {year}-{month:02}-{:02}T0{}:00:00Z\ntags = [{tag:?}]\nrelated = [{other:?}]\nauthor = \"Reporter {reporter}\"\n{live}+++\nBody {n} {h}.\n",
            1 + day % 9,
            h % 9
        );
        (path, text)
    }
}

#[derive(Debug, Clone)]
enum Op {
    Write {
        kind: u8,
        n: u8,
        h: u8,
        day: u8,
        related: u8,
    },
    /// Text no list shows: the fast path that keeps the site model.
    Body(u8, u8),
    /// The first paragraph, which lists and related scores read.
    Lede(u8, u8),
    /// A link by path from one Markdown story to another story (which may later move or go).
    Link(u8, u8),
    Delete(u8),
    Rename(u8, u8),
    Break(u8),
    /// A live entry added or rewritten (edits, deletes and renames of entries come from the
    /// operations on any file).
    Entry(u8, u8, u8),
    Template(u8),
    Static(u8),
    Config(u8),
    /// An author file written (its role, Korean name and e-mail vary), broken or removed.
    Author(u8),
    /// Damage to an output file between builds: which file, and how.
    Damage(u8, Harm),
    /// Nothing changed: a build may answer from the build state's record of the last one.
    Nothing,
}

/// What happens to an output file.
#[derive(Debug, Clone, Copy)]
enum Harm {
    Delete,
    Truncate,
    /// Other bytes of the same length: only the time and inode tell.
    Overwrite,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), 0u8..12, any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(kind, n, h, day, related)| Op::Write { kind, n, h, day, related }),
        3 => (any::<u8>(), any::<u8>()).prop_map(|(i, k)| Op::Body(i, k)),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(i, k)| Op::Lede(i, k)),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(i, j)| Op::Link(i, j)),
        2 => any::<u8>().prop_map(Op::Delete),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Rename(a, b)),
        1 => any::<u8>().prop_map(Op::Break),
        2 => (0u8..12, any::<u8>(), any::<u8>()).prop_map(|(n, k, m)| Op::Entry(n, k, m)),
        1 => any::<u8>().prop_map(Op::Template),
        1 => any::<u8>().prop_map(Op::Static),
        1 => any::<u8>().prop_map(Op::Config),
        2 => any::<u8>().prop_map(Op::Author),
        2 => (any::<u8>(), prop_oneof![Just(Harm::Delete), Just(Harm::Truncate), Just(Harm::Overwrite)])
            .prop_map(|(i, h)| Op::Damage(i, h)),
        1 => Just(Op::Nothing),
    ]
}

/// Story files currently in the site, sorted.
fn story_files(site: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = walkdir::WalkDir::new(site.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// Applies one operation to the site folder; returns the paths it touched.
fn apply(site: &Path, op: &Op) -> Vec<std::path::PathBuf> {
    let files = story_files(site);
    let pick = |i: u8| (!files.is_empty()).then(|| files[i as usize % files.len()].clone());
    match op {
        Op::Write { kind, n, h, day, related } => {
            let (rel, text) = story(*kind, *n, *h, *day, *related);
            let path = site.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            vec![path]
        }
        Op::Body(i, k) => pick(*i)
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                let text = match text.find("(END)") {
                    Some(end) => format!("{}Added paragraph {k}.\n{}", &text[..end], &text[end..]),
                    None => format!("{text}\nAdded paragraph {k}.\n"),
                };
                std::fs::write(&p, text).unwrap();
                vec![p]
            })
            .unwrap_or_default(),
        Op::Lede(i, k) => pick(*i)
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                let word = ["ferry", "harbor", "budget", "strike", "terminal"][*k as usize % 5];
                let text = text.replacen("Body ", &format!("Body {word} "), 1).replacen(
                    "-- Lede ",
                    &format!("-- Lede {word} "),
                    1,
                );
                std::fs::write(&p, text).unwrap();
                vec![p]
            })
            .unwrap_or_default(),
        Op::Link(i, j) => {
            let md: Vec<_> = files.iter().filter(|p| p.extension().is_some_and(|e| e == "md")).collect();
            match (md.get(*i as usize % md.len().max(1)), pick(*j)) {
                (Some(from), Some(to)) => {
                    let rel = to.strip_prefix(site.join("content")).unwrap().to_string_lossy().to_string();
                    let text = std::fs::read_to_string(from).unwrap();
                    std::fs::write(from, format!("{text}\nSee [this](@/{rel}).\n")).unwrap();
                    vec![(*from).clone()]
                }
                _ => vec![],
            }
        }
        Op::Delete(i) => pick(*i)
            .map(|p| {
                std::fs::remove_file(&p).unwrap();
                vec![p]
            })
            .unwrap_or_default(),
        Op::Rename(i, j) => pick(*i)
            .map(|p| {
                let ext = p.extension().unwrap().to_string_lossy().to_string();
                let to = p.with_file_name(format!("renamed-{j}.{ext}"));
                std::fs::rename(&p, &to).unwrap();
                vec![p, to]
            })
            .unwrap_or_default(),
        Op::Entry(n, k, minute) => {
            let (rel, text) = entry(*n, *k, *minute);
            let path = site.join(rel);
            let new_folder = !path.parent().unwrap().exists();
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            // A new folder is an event of its own, as the watcher reports it.
            if new_folder { vec![path.parent().unwrap().to_path_buf(), path] } else { vec![path] }
        }
        Op::Break(i) => pick(*i)
            .map(|p| {
                std::fs::write(&p, "+++\ntitle = \n+++\n").unwrap();
                vec![p]
            })
            .unwrap_or_default(),
        Op::Template(i) if i % 3 == 1 => {
            // The Korean UI strings, which every Korean page reads.
            let path = site.join("templates/i18n/ko.toml");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("home = \"홈 {i}\"\nsearch = \"검색 {i}\"\n")).unwrap();
            vec![path]
        }
        Op::Template(i) if i.is_multiple_of(2) => {
            let path = site.join("templates/tag.html");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = format!(
                "{{% extends \"theme/tag.html\" %}}{{% block title %}}Tag {i}: {{{{ list.title }}}}{{% endblock title %}}"
            );
            std::fs::write(&path, text).unwrap();
            vec![path]
        }
        Op::Template(i) => {
            // The index of a split sitemap has a template of its own (a digest once missed it).
            let path = site.join("templates/sitemap-index.xml");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><!-- {i} -->\n{{% for s in sitemaps %}}<sitemap><loc>{{{{ s.url }}}}</loc></sitemap>\n{{% endfor %}}</sitemapindex>\n"
            );
            std::fs::write(&path, text).unwrap();
            vec![path]
        }
        Op::Static(i) => {
            let path = site.join(format!("static/files/f{}.txt", i % 3));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if i.is_multiple_of(4) && path.exists() {
                std::fs::remove_file(&path).unwrap()
            } else {
                std::fs::write(&path, format!("v{i}")).unwrap()
            }
            vec![path]
        }
        Op::Config(i) => {
            let path = site.join("gazette.toml");
            // A limit of 4 to 40 URLs: the sitemap splits into parts, or joins into one file again.
            let text = format!(
                "title = \"Site {}\"\nper_page = {}\nsitemap_limit = {}\n[languages.ko]\ntitle = \"사이트 {}\"\n",
                i % 3,
                2 + i % 3,
                4 + i % 37,
                i % 2
            );
            std::fs::write(&path, text).unwrap();
            vec![path]
        }
        Op::Author(i) => {
            let n = i % 3;
            let path = site.join(format!("authors/reporter-{n}.toml"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            match (i / 3) % 5 {
                0 if path.exists() => std::fs::remove_file(&path).unwrap(),
                1 => std::fs::write(&path, "name = 1\n").unwrap(),
                k => {
                    let ko =
                        if k % 2 == 0 { format!("[languages.ko]\nname = \"기자 {n}\"\n") } else { String::new() };
                    let email = if k == 4 { String::new() } else { format!("email = \"r{n}@y.example\"\n") };
                    let text = format!("name = \"Reporter {n}\"\nrole = \"Role {i}\"\n{email}{ko}");
                    std::fs::write(&path, text).unwrap()
                }
            }
            vec![path]
        }
        Op::Damage(..) | Op::Nothing => vec![],
    }
}

/// Deletes, truncates or overwrites one file of the output folder `out` (not its cache marker).
fn damage(out: &Path, i: u8, harm: Harm) {
    let files: Vec<_> = snapshot_tree(out).into_iter().map(|(name, _)| out.join(name)).collect();
    let Some(file) = (!files.is_empty()).then(|| &files[i as usize % files.len()]) else { return };
    match harm {
        Harm::Delete => std::fs::remove_file(file).unwrap(),
        Harm::Truncate => {
            let len = std::fs::metadata(file).unwrap().len();
            std::fs::OpenOptions::new().write(true).open(file).unwrap().set_len(len / 2).unwrap();
        }
        Harm::Overwrite => {
            let len = std::fs::metadata(file).unwrap().len() as usize;
            std::fs::write(file, "#".repeat(len)).unwrap();
        }
    }
}

fn seed_site() -> Site {
    let site = Site::new();
    // Some 30 URLs: the sitemap starts split into parts.
    site.file("gazette.toml", "title = \"Site\"\nsitemap_limit = 8\n[languages.ko]\ntitle = \"사이트\"\n");
    site.file("authors/reporter-1.toml", "name = \"Reporter 1\"\nemail = \"r1@y.example\"\n");
    for (i, (kind, h)) in [(0, 0), (1, 1), (0, 3), (1, 2), (0, 4), (0, 5), (1, 4)].into_iter().enumerate() {
        let (rel, text) = story(kind, i as u8, h, (i % 3) as u8, (i + 2) as u8);
        site.file(&rel, text);
    }
    // Story 3 (Markdown) is live: two entries to begin with.
    for (k, minute) in [(0, 5), (1, 20)] {
        let (rel, text) = entry(3, k, minute);
        site.file(&rel, text);
    }
    site
}

/// Builds the site from scratch into its own folder; `None` when the build fails.
fn full_build(site: &Path, out: &Path) -> Option<Vec<(String, Vec<u8>)>> {
    let _ = std::fs::remove_dir_all(out);
    // From scratch: without the build state beside the folder either.
    let _ = std::fs::remove_dir_all(gazette::state::folder(out));
    let opts = BuildOptions {
        site_dir: site.to_path_buf(),
        output: Some(out.to_path_buf()),
        overrides: overrides(),
        changed: None,
    };
    build(&opts).ok().map(|_| snapshot_tree(out))
}

/// How the output under test is kept up to date.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// `serve`'s session, told which files changed.
    Session,
    /// `gazette build` again into the same folder (the build cache and the kept previous tree).
    Rebuild,
}

fn check_sequence(ops: &[Op], mode: Mode) {
    let site = seed_site();
    let root = site.path().canonicalize().unwrap();
    // Every file written gets an mtime of its own, older than the build state's window for racily
    // recent files: a rebuild then trusts the state's record of each file it did not touch (by
    // size, mtime and inode), and must still see every one that was written.
    let mut clock = 0;
    let mut backdate = |paths: &[std::path::PathBuf]| {
        for path in paths.iter().filter(|p| p.is_file()) {
            clock += 1;
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000 + clock);
            std::fs::File::options().write(true).open(path).unwrap().set_modified(when).unwrap();
        }
    };
    backdate(&story_files(&root));
    let work = tempfile::tempdir().unwrap();
    let served = work.path().join("served");
    let mut session = Session::new(&root, &served, overrides());
    let rebuild_opts =
        BuildOptions { site_dir: root.clone(), output: Some(served.clone()), overrides: overrides(), changed: None };
    match mode {
        Mode::Session => drop(session.rebuild(&Changes::all()).expect("the seed site builds")),
        Mode::Rebuild => drop(build(&rebuild_opts).expect("the seed site builds")),
    }
    for (step, op) in ops.iter().enumerate() {
        if let Op::Damage(i, harm) = op {
            damage(&served, *i, *harm);
        }
        let touched = apply(&root, op);
        backdate(&touched);
        let changes = classify(&root, &touched);
        let incremental = match mode {
            Mode::Session => session.rebuild(&changes).map(drop),
            Mode::Rebuild => build(&rebuild_opts).map(drop),
        };
        let fresh = full_build(&root, &work.path().join("fresh"));
        match (&incremental, fresh) {
            (Ok(_), Some(fresh)) => {
                let got = snapshot_tree(&served);
                let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
                assert_eq!(names(&got), names(&fresh), "file sets differ after step {step} {op:?} of {ops:?}");
                for ((name, a), (_, b)) in got.iter().zip(&fresh) {
                    assert!(a == b, "{name} differs after step {step} {op:?} of {ops:?}");
                }
            }
            (Err(_), None) => {}
            (inc, fresh) => panic!(
                "incremental {:?} but full build ok={} after step {step} {op:?}",
                inc.as_ref().map(|_| ()),
                fresh.is_some()
            ),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn incremental_rebuilds_equal_full_builds(ops in prop::collection::vec(op(), 1..10)) {
        check_sequence(&ops, Mode::Session);
    }

    #[test]
    fn rebuilds_into_the_same_folder_equal_fresh_builds(ops in prop::collection::vec(op(), 1..10)) {
        check_sequence(&ops, Mode::Rebuild);
    }
}

/// Live entries added, edited, broken, renamed and removed, and their story's coverage ended:
/// the served output equals a fresh build after each step.
#[test]
fn live_entries_keep_incremental_equal_to_fresh() {
    let ops = [
        Op::Entry(3, 2, 40),
        Op::Entry(3, 3, 41),
        Op::Body(7, 1),
        Op::Entry(3, 2, 10),
        Op::Break(8),
        Op::Entry(3, 4, 50),
        Op::Delete(8),
        Op::Rename(7, 1),
        Op::Write { kind: 1, n: 3, h: 3, day: 0, related: 1 },
        Op::Entry(6, 0, 0),
        Op::Entry(4, 1, 0),
    ];
    check_sequence(&ops, Mode::Session);
    check_sequence(&ops, Mode::Rebuild);
}

/// The seed site served by a session into `WORK/served`, not built yet.
struct Seeded {
    _site: Site,
    root: std::path::PathBuf,
    work: tempfile::TempDir,
    served: std::path::PathBuf,
    session: Session,
}

fn seeded() -> Seeded {
    let site = seed_site();
    let root = site.path().canonicalize().unwrap();
    let work = tempfile::tempdir().unwrap();
    let served = work.path().join("served");
    let session = Session::new(&root, &served, overrides());
    Seeded { _site: site, root, work, served, session }
}

#[test]
fn a_burst_of_many_files_is_one_rebuild_with_nothing_lost() {
    let Seeded { _site: _kept, root, work, served, mut session } = seeded();
    session.rebuild(&Changes::all()).unwrap();
    let mut touched = Vec::new();
    for i in 0..200u8 {
        touched.extend(apply(&root, &Op::Write { kind: i, n: i, h: i, day: i, related: i.wrapping_add(1) }));
    }
    let outcome = session.rebuild(&classify(&root, &touched)).unwrap();
    assert!(outcome.written > 0);
    assert_eq!(snapshot_tree(&served), full_build(&root, &work.path().join("fresh")).unwrap());
}

/// Regression: a static file added while a story was broken was never copied once it was fixed
/// (the failed rebuild dropped the static change).
#[test]
fn changes_made_during_a_failed_rebuild_are_applied_once_it_is_fixed() {
    let ops = [
        Op::Break(86),
        Op::Static(191),
        Op::Config(5),
        Op::Template(3),
        Op::Write { kind: 58, n: 0, h: 219, day: 9, related: 40 },
        Op::Write { kind: 1, n: 0, h: 1, day: 1, related: 2 },
        Op::Write { kind: 0, n: 1, h: 3, day: 2, related: 1 },
        Op::Write { kind: 0, n: 2, h: 5, day: 0, related: 3 },
        Op::Write { kind: 0, n: 4, h: 0, day: 1, related: 2 },
        Op::Write { kind: 1, n: 6, h: 2, day: 2, related: 1 },
    ];
    check_sequence(&ops, Mode::Session);
    check_sequence(&ops, Mode::Rebuild);
}

/// Author files added, given a Korean name, broken, fixed and removed, between story edits: every
/// page with a byline (articles, lists' feeds, the author pages and list) keeps up.
#[test]
fn author_file_edits_keep_rebuilds_equal_to_fresh_builds() {
    let ops = [
        Op::Author(2),
        Op::Write { kind: 1, n: 2, h: 3, day: 1, related: 1 },
        Op::Author(8),
        Op::Author(5),
        Op::Author(8),
        Op::Author(13),
        Op::Body(1, 2),
        Op::Author(1),
        Op::Write { kind: 0, n: 1, h: 1, day: 2, related: 0 },
        Op::Author(4),
    ];
    check_sequence(&ops, Mode::Session);
    check_sequence(&ops, Mode::Rebuild);
}

/// An edit of a story's body leaves the model as it is: the session keeps its plan, patches the
/// search index and digests only the entries that show the story (and the search files that
/// changed), yet its output is a fresh build's. An edit of a headline moves lists: every entry is
/// digested again.
#[test]
fn a_body_edit_digests_only_what_shows_the_story_and_equals_a_fresh_build() {
    let Seeded { _site: _kept, root, work, served, mut session } = seeded();
    let first = session.rebuild(&Changes::all()).expect("the seed site builds");
    assert_eq!(first.digested, first.entries, "a first build digests everything");
    let fresh = |name: &str| full_build(&root, &work.path().join(name)).expect("a fresh build");
    for (step, op) in [Op::Body(2, 7), Op::Body(2, 8), Op::Body(5, 1)].iter().enumerate() {
        let before = fresh("before");
        let touched = apply(&root, op);
        let outcome = session.rebuild(&classify(&root, &touched)).expect("rebuilt");
        assert!(
            outcome.digested > 0 && outcome.digested * 4 < outcome.entries,
            "step {step}: {} of {} entries digested",
            outcome.digested,
            outcome.entries
        );
        let after = fresh("after");
        assert_eq!(snapshot_tree(&served), after, "step {step}: the served folder is a fresh build");
        let differ = after.iter().zip(&before).filter(|(a, b)| a != b).count();
        assert_eq!(outcome.written, differ, "step {step}: written are exactly the files that changed");
    }
    let touched = apply(&root, &Op::Write { kind: 0, n: 2, h: 1, day: 0, related: 4 });
    let outcome = session.rebuild(&classify(&root, &touched)).expect("rebuilt");
    assert_eq!(outcome.digested, outcome.entries, "a headline edit digests everything");
    assert_eq!(snapshot_tree(&served), fresh("after"));
}

/// Hears what a session tells its readers, and looks at two pages when it says the asked ones
/// are made.
struct Watching {
    asked: String,
    other: std::path::PathBuf,
    page: std::path::PathBuf,
    seen: std::sync::Arc<std::sync::Mutex<Vec<(bool, bool)>>>,
    /// Whether new changes wait once the asked pages are made.
    interrupt: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl gazette::session::Audience for Watching {
    fn asked(&self) -> Vec<String> {
        vec![self.asked.clone()]
    }

    fn asked_made(&self) {
        let marked = |p: &Path| std::fs::read_to_string(p).unwrap_or_default().contains("TPL-MARK");
        self.seen.lock().unwrap().push((marked(&self.page), marked(&self.other)));
    }

    fn interrupted(&self) -> bool {
        self.interrupt.load(std::sync::atomic::Ordering::SeqCst) && !self.seen.lock().unwrap().is_empty()
    }
}

/// A template edit that remakes over a thousand pages makes the page a reader asked for first
/// and says so before making the others; the output then equals a fresh build.
#[test]
fn a_template_edit_makes_the_page_readers_asked_for_first() {
    let site = Site::new();
    site.file("gazette.toml", "title = \"Site\"\n");
    for i in 0..1100 {
        let text = format!(
            "+++\ntitle = \"Story number {i}\"\ndate = 2024-0{}-{:02}T08:00:00Z\n+++\nText {i}.\n",
            1 + i % 4,
            1 + i % 28
        );
        site.file(&format!("content/news/s{i:04}.md"), text);
    }
    let root = site.path().canonicalize().unwrap();
    let work = tempfile::tempdir().unwrap();
    let served = work.path().join("served");
    let page = |i: usize| {
        let mut s = Session::new(&root, &work.path().join("probe"), overrides());
        drop(s.rebuild(&Changes::all()));
        walkdir::WalkDir::new(work.path().join("probe"))
            .into_iter()
            .filter_map(Result::ok)
            .find(|e| {
                std::fs::read_to_string(e.path())
                    .is_ok_and(|t| t.contains(&format!("<h1 class=\"headline\">Story number {i}</h1>")))
            })
            .map(|e| e.path().strip_prefix(work.path().join("probe")).unwrap().to_string_lossy().to_string())
            .expect("the story's page")
    };
    let (asked, other) = (page(500), page(7));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let interrupt = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watching = Watching {
        asked: asked.clone(),
        other: served.join(&other),
        page: served.join(&asked),
        seen: seen.clone(),
        interrupt: interrupt.clone(),
    };
    let mut session = Session::new(&root, &served, overrides()).with_audience(Box::new(watching));
    session.rebuild(&Changes::all()).expect("the site builds");
    // The first build makes the asked page first too (before the template has its mark).
    assert_eq!(std::mem::take(&mut *seen.lock().unwrap()), [(false, false)]);
    site.file(
        "templates/article.html",
        "{% extends \"theme/article.html\" %}{% block title %}TPL-MARK {{ story.title }}{% endblock title %}",
    );
    let changes = Changes { templates: true, ..Changes::default() };
    let outcome = session.rebuild(&changes).expect("rebuilt");
    assert!(outcome.written >= 1100, "{outcome:?}");
    assert_eq!(std::mem::take(&mut *seen.lock().unwrap()), [(true, false)], "the asked page first, the other after");
    assert_eq!(outcome.left, 0);
    assert_eq!(snapshot_tree(&served), full_build(&root, &work.path().join("fresh")).unwrap());
    // New changes wait once the asked page is made: the rebuild leaves the rest to the next one,
    // which makes them with its own change (a story's text), whatever path it takes.
    interrupt.store(true, std::sync::atomic::Ordering::SeqCst);
    site.file(
        "templates/article.html",
        "{% extends \"theme/article.html\" %}{% block title %}TPL-MARK 2 {{ story.title }}{% endblock title %}",
    );
    let outcome = session.rebuild(&changes).expect("rebuilt");
    assert!(outcome.left >= 1000, "{outcome:?}");
    assert_ne!(snapshot_tree(&served), full_build(&root, &work.path().join("fresh")).unwrap());
    interrupt.store(false, std::sync::atomic::Ordering::SeqCst);
    site.file(
        "content/news/s0003.md",
        "+++\ntitle = \"Story number 3\"\ndate = 2024-04-04T08:00:00Z\n+++\nText 3.\n\nA second paragraph.\n",
    );
    let story = Changes { stories: [std::path::PathBuf::from("news/s0003.md")].into(), ..Changes::default() };
    let outcome = session.rebuild(&story).expect("rebuilt");
    assert_eq!(outcome.left, 0);
    assert!(outcome.digested * 4 < outcome.entries, "a text edit still patches: {outcome:?}");
    assert_eq!(snapshot_tree(&served), full_build(&root, &work.path().join("fresh")).unwrap());
}
