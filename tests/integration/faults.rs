//! Faults: a build killed at any moment leaves the old site or the new one, never a mix.

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
    }
    // And a build after all that still gives the exact new site.
    write_version(&site, n, "B");
    site.build_ok(&[]);
    assert!(snapshot_tree(&site.out()) == trees[1].0);
}
