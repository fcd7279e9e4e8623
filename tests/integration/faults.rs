//! Faults: a build killed at any moment leaves the old site or the new one, never a mix, and a
//! build state the next build uses correctly or discards; a full
//! disk or a read-only output folder fails the build clearly and keeps the old site (these two
//! mount file systems, so they need root and are `#[ignore]`d: `.ci/run` runs them as root).

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{Site, gazette, snapshot_tree};

/// Writes `n` stories whose text depends on `version`.
fn write_version(site: &Site, n: usize, version: &str) {
    for i in 0..n {
        let text = format!(
            "+++\ntitle = \"Story {i} about the harbor\"\ndate = 2024-05-{:02}T09:00:00Z\ntags = [\"t{}\"]\n+++\nVersion {version} of story {i}. {}\n",
            1 + i % 28,
            i % 17,
            "Words of the body. ".repeat(40)
        );
        site.file(&format!("content/s{}/story-{i:03}.md", i % 6), text);
    }
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_site_or_the_new_one() {
    let site = Site::new();
    let n = 300;
    let mut trees = Vec::new();
    for version in ["A", "B"] {
        write_version(&site, n, version);
        let started = Instant::now();
        site.build_ok(&[]);
        trees.push((snapshot_tree(&site.out()), started.elapsed()));
    }
    let full = trees.iter().map(|(_, d)| *d).max().unwrap();
    // The state of 300 story files is in chunks, which a killed build may leave some old, some new.
    for kind in ["stories", "terms"] {
        let chunks = std::fs::read_dir(site.path().join(".public.gazette-state").join(kind)).unwrap().count();
        assert_eq!(chunks, 8, "{kind}");
    }
    // Now at B. Alternate targets; kill each build after a spread of delays across its run.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..16 {
        let target = if round % 2 == 0 { "A" } else { "B" };
        write_version(&site, n, target);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_micros(seed % (full.as_micros() as u64 + 1));
        let mut child =
            gazette().arg("build").arg(site.path()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = snapshot_tree(&site.out());
        let which = trees.iter().position(|(t, _)| *t == now);
        assert!(
            which.is_some(),
            "round {round}: killed after {delay:?}, the output is neither the old site nor the new one"
        );
        // The build state a killed build leaves (`stories` and `terms`, 8 chunks each, and
        // `last`) is one the next build uses correctly: it makes exactly the target site, and so
        // does the build after it (which may find nothing to do). Each chunk is replaced whole
        // (a temporary file, then a rename), so a kill leaves each one the old or the new: none
        // is ever discarded. Every fourth round, so that kills also follow kills.
        if round % 4 == 3 {
            let want = &trees[if target == "A" { 0 } else { 1 }].0;
            for again in ["next", "second"] {
                let out = site.build_ok(&[]);
                assert!(snapshot_tree(&site.out()) == *want, "round {round}: the {again} build after a kill");
                assert!(!out.contains("warning: the build state"), "round {round}: the {again} build: {out}");
            }
        }
    }
    // And a build after all that still gives the exact new site.
    write_version(&site, n, "B");
    site.build_ok(&[]);
    assert!(snapshot_tree(&site.out()) == trees[1].0);
}

/// Fails the test unless it runs as root (needed to mount a small or read-only file system). The
/// tests that call it are `#[ignore = "needs root"]`; `.ci/run` runs them as root.
fn needs_root() {
    let root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false);
    assert!(root, "this test mounts file systems and needs root: sudo cargo test --test integration -- --ignored");
}

/// Builds `site` once into a fresh file system mounted (in a private mount namespace) at
/// `mnt/`, copies that output out, then runs `fault` (shell) and builds again, copying the output
/// out once more. Returns the second build's exit code and stderr, and the two copies.
fn build_on_a_small_disk(site: &Site, size: &str, fault: &str) -> (i32, String, std::path::PathBuf) {
    let work = site.path().join("work");
    std::fs::create_dir_all(work.join("mnt")).unwrap();
    let bin = env!("CARGO_BIN_EXE_gazette");
    let script = format!(
        r#"set -e
mount -t tmpfs -o size={size} tmpfs "$W/mnt"
"{bin}" build --quiet "$S" --output "$W/mnt/public"
cp -a "$W/mnt/public" "$W/before"
{fault}
set +e
"{bin}" build --quiet "$S" --output "$W/mnt/public" 2>"$W/stderr"
echo $? >"$W/code"
cp -a "$W/mnt/public" "$W/after"
ls -A "$W/mnt" >"$W/listing"
"#
    );
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("W", &work)
        .env("S", site.path())
        .output()
        .expect("running unshare");
    assert!(out.status.success(), "the fault script failed: {}", String::from_utf8_lossy(&out.stderr));
    let code = std::fs::read_to_string(work.join("code")).unwrap().trim().parse().unwrap();
    (code, std::fs::read_to_string(work.join("stderr")).unwrap(), work)
}

#[test]
#[ignore = "needs root"]
fn a_full_disk_fails_the_build_clearly_and_keeps_the_old_site() {
    needs_root();
    let site = Site::new();
    write_version(&site, 40, "A");
    // The second build needs far more room than the 4 MiB disk has.
    write_version(&site, 40, "B");
    let big = "Filler paragraph for a story that no longer fits on the disk. ".repeat(20_000);
    site.file("content/s0/huge.md", format!("+++\ntitle = \"Huge\"\ndate = 2024-05-01T09:00:00Z\n+++\n{big}\n"));
    std::fs::rename(site.path().join("content/s0/huge.md"), site.path().join("huge.md.later")).unwrap();
    let (code, stderr, work) = build_on_a_small_disk(
        &site,
        "4m",
        &format!("mv '{}/huge.md.later' '{}/content/s0/huge.md'", site.path().display(), site.path().display()),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("/mnt/"), "the error names the path it could not write: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(snapshot_tree(&work.join("after")), snapshot_tree(&work.join("before")));
    let listing = std::fs::read_to_string(work.join("listing")).unwrap();
    assert!(!listing.contains("gazette-new"), "staging left behind: {listing}");
}

#[test]
#[ignore = "needs root"]
fn a_read_only_output_folder_fails_the_build_clearly_and_keeps_the_old_site() {
    needs_root();
    let site = Site::new();
    write_version(&site, 10, "A");
    let (code, stderr, work) = build_on_a_small_disk(
        &site,
        "64m",
        &format!(
            "mount -o remount,ro \"$W/mnt\"\nsed -i 's/Version A/Version B/' {}/content/s*/*.md",
            site.path().display()
        ),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("Read-only file system"), "{stderr}");
    assert!(stderr.contains("/mnt/"), "the error names the path it could not write: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(snapshot_tree(&work.join("after")), snapshot_tree(&work.join("before")));
}
