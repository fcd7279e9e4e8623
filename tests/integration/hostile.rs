//! The hostile-input corpus: every case under `tests/hostile/` (plus the ones too big or too binary
//! to commit, made here) is laid over a good site that has already been built once, then built
//! again. A case is either
//! - an error: exit code 1, each expected `file:line` named in a located error, no panic, and the
//!   previous output byte for byte as it was, with no staging folder left behind; or
//! - legal but nasty: the build succeeds and the forbidden bytes appear in no output file (HTML,
//!   feeds, sitemaps, JSON-LD), every XML file is well-formed.
//!
//! Either way nothing is written outside the output folder, and no build may run longer than
//! [`HANG`] (a template that never ends must be stopped by Gazette, not by this test).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::support::{check_xml, error_lines, gazette, snapshot_tree};

/// Longer than any case may take: a build still running then is a hang.
const HANG: Duration = Duration::from_secs(180);

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Expect {
    about: String,
    outcome: String,
    /// `path` or `path:line`, each named by one of the located errors.
    errors: Vec<String>,
    /// Text the error report contains.
    messages: Vec<String>,
    /// Text no output file may contain.
    forbid: Vec<String>,
    /// `(output file, text it contains)`.
    require: Vec<(String, String)>,
}

enum Link {
    /// A symbolic link at the path, pointing at this target (relative to the link's folder, or
    /// absolute).
    To(PathBuf),
}

struct Case {
    name: String,
    files: Vec<(String, Vec<u8>)>,
    links: Vec<(String, Link)>,
    expect: Expect,
}

/// The committed corpus: `tests/hostile/NAME/case.toml` and the files of `tests/hostile/NAME/site/`.
fn corpus() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut cases = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(dir.join("case.toml")).unwrap();
        let expect: Expect = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/case.toml: {e}"));
        let files = snapshot_tree(&dir.join("site"));
        assert!(!files.is_empty(), "{name} has no files");
        cases.push(Case { name, files, links: vec![], expect });
    }
    cases
}

fn error(errors: &[&str], messages: &[&str]) -> Expect {
    Expect {
        outcome: "error".into(),
        errors: errors.iter().map(|s| s.to_string()).collect(),
        messages: messages.iter().map(|s| s.to_string()).collect(),
        ..Expect::default()
    }
}

fn ok(forbid: &[&str], require: &[(&str, &str)]) -> Expect {
    Expect {
        outcome: "ok".into(),
        forbid: forbid.iter().map(|s| s.to_string()).collect(),
        require: require.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        ..Expect::default()
    }
}

fn file(path: &str, bytes: impl Into<Vec<u8>>) -> (String, Vec<u8>) {
    (path.to_string(), bytes.into())
}

/// A ninjs item whose plain-text body is 100 MB.
fn big_ninjs() -> String {
    let mut body = String::with_capacity(101 << 20);
    while body.len() < 100 << 20 {
        body.push_str("The council voted again on the harbor budget, and again the vote was close.\n\n");
    }
    let item = serde_json::json!({
        "uri": "urn:t:big", "type": "text", "firstCreated": "2024-05-01T09:00:00Z",
        "headlines": [{"role": "main", "value": "Big wire item"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": body}],
    });
    item.to_string()
}

/// Cases too large or too binary to commit.
fn generated() -> Vec<Case> {
    let wire = |headline: &str, body: &str, tail: &str| {
        format!("{headline}\nSEOUL, May 1 (Yonhap) -- Officials met.\n\n{body}\n\n(END)\n{tail}").into_bytes()
    };
    let mut big_body = String::with_capacity(51 << 20);
    while big_body.len() < 50 << 20 {
        big_body.push_str("The council voted again on the harbor budget, and again the vote was close.\n\n");
    }
    let mut long_tail = String::new();
    for i in 0..100_000 {
        long_tail.push_str(&format!("-\nFerry line {i} opens to the island towns\n"));
    }
    let mut invalid = b"+++\ntitle = \"Bad bytes\"\ndate = 2024-05-01T09:00:00Z\n+++\nBody \xff\xfe here.\n".to_vec();
    invalid.extend_from_slice(b"\xc3\x28\n");
    vec![
        Case {
            name: "gen/invalid-utf8".into(),
            files: vec![file("content/world/bad.md", invalid)],
            links: vec![],
            expect: error(&["content/world/bad.md"], &["UTF-8"]),
        },
        Case {
            name: "gen/nul-bytes".into(),
            files: vec![file(
                "content/world/nul.md",
                "+++\ntitle = \"Nul\u{0} in title\"\ndate = 2024-05-01T09:00:00Z\n+++\nBody \u{0} with NUL \u{0}.\n",
            )],
            links: vec![],
            expect: ok(&["\u{0}"], &[("world/2024/05/01/nul-in-title/index.html", "Body  with NUL .")]),
        },
        Case {
            name: "gen/story-of-50-mb".into(),
            files: vec![file(
                "content/world/big.md",
                format!("+++\ntitle = \"Big story\"\ndate = 2024-05-01T09:00:00Z\n+++\n{big_body}"),
            )],
            links: vec![],
            expect: ok(&[], &[("world/2024/05/01/big-story/index.html", "the harbor budget")]),
        },
        Case {
            name: "gen/ninjs-of-100-mb".into(),
            files: vec![file("content/world/big.json", big_ninjs())],
            links: vec![],
            expect: ok(&[], &[("world/2024/05/01/big-wire-item/index.html", "the harbor budget")]),
        },
        Case {
            name: "gen/ninjs-nested-100000-deep".into(),
            files: vec![file(
                "content/world/deep.json",
                format!(
                    "{{\"uri\": \"urn:t:deep\", \"type\": \"text\", \"headlines\": [{{\"value\": \"Deep\"}}],\n\"extra\": {}{}}}",
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                ),
            )],
            links: vec![],
            expect: error(&["content/world/deep.json:2"], &["recursion limit"]),
        },
        Case {
            name: "gen/related-tail-of-100000-lines".into(),
            files: vec![file(
                "content/world/2024/05/01/tail.txt",
                wire("Council meets on the harbor budget", "More.", &long_tail),
            )],
            links: vec![],
            expect: ok(
                &[],
                &[("world/2024/05/01/council-meets-on-the-harbor-budget/index.html", "Ferry line 99999 opens")],
            ),
        },
        Case {
            name: "gen/symlink-outside".into(),
            files: vec![],
            links: vec![("content/world/link.md".into(), Link::To("/etc/hostname".into()))],
            expect: error(&["content/world/link.md"], &["outside the site"]),
        },
        Case {
            name: "gen/symlink-folder-outside".into(),
            files: vec![],
            links: vec![("content/etc".into(), Link::To("/etc".into()))],
            expect: error(&["content/etc"], &["outside the site"]),
        },
        Case {
            name: "gen/symlink-loop".into(),
            files: vec![],
            links: vec![("content/world/loop".into(), Link::To("..".into()))],
            expect: error(&["content/world/loop"], &["loop"]),
        },
        Case {
            name: "gen/symlink-dangling".into(),
            files: vec![],
            links: vec![("content/world/gone.md".into(), Link::To("no-such-file.md".into()))],
            expect: error(&["content/world/gone.md"], &["broken symbolic link"]),
        },
        Case {
            name: "gen/symlink-inside-the-site-is-followed".into(),
            files: vec![file(
                "shared/desk.md",
                "+++\ntitle = \"Shared desk story\"\ndate = 2024-05-01T09:00:00Z\n+++\nShared body.\n",
            )],
            links: vec![("content/world/desk.md".into(), Link::To("../../shared/desk.md".into()))],
            expect: ok(&[], &[("world/2024/05/01/shared-desk-story/index.html", "Shared body.")]),
        },
        Case {
            name: "gen/bad-photos".into(),
            files: bad_photos(),
            links: vec![],
            expect: error(
                &[
                    "content/world/truncated.jpg:1",
                    "content/world/not-an-image.jpg:1",
                    "content/world/bomb.jpg:1",
                    "content/world/bomb.png:1",
                ],
                &["truncated", "not a JPEG or PNG image", "50000 × 50000 pixels, over the limit"],
            ),
        },
        Case {
            name: "gen/photo-16-bit-png".into(),
            files: vec![
                file("content/world/deep.png", png16(40, 30)),
                file(
                    "content/world/deep.md",
                    "+++\ntitle = \"Deep colour\"\ndate = 2024-05-01T09:00:00Z\nimage = \"deep.png\"\n+++\nSixteen bits a channel.\n",
                ),
            ],
            links: vec![],
            expect: ok(&[], &[("world/2024/05/01/deep-colour/index.html", "width=\"40\" height=\"30\"")]),
        },
        Case {
            name: "gen/unwritable-output-parent".into(),
            // The output path runs through a regular file: nothing can be written there.
            files: vec![file("blocker", "a file, not a folder")],
            links: vec![],
            expect: Expect { outcome: "error".into(), messages: vec!["blocker".into()], ..Expect::default() },
        },
    ]
}

/// A small JPEG (a gradient), made by the image crate.
fn small_jpeg(w: u32, h: u32) -> Vec<u8> {
    let px: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode(&px, w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A 16-bit RGB PNG.
fn png16(w: u32, h: u32) -> Vec<u8> {
    use image::ImageEncoder;
    let px: Vec<u8> = (0..w * h * 6).map(|i| (i * 7 % 256) as u8).collect();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out).write_image(&px, w, h, image::ExtendedColorType::Rgb16).unwrap();
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Four photos that cannot be used, each shown by a story: the first half of a JPEG, text named
/// `.jpg`, and a JPEG and a PNG whose headers claim 50,000 × 50,000 pixels (7.5 GB of RGB).
fn bad_photos() -> Vec<(String, Vec<u8>)> {
    let good = small_jpeg(64, 48);
    let truncated = good[..good.len() / 2].to_vec();
    let mut bomb = good.clone();
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline JPEG has SOF0");
    // SOF0: marker, length (2), precision (1), height (2), width (2).
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xC3, 0x50, 0xC3, 0x50]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        png.extend(&body);
        png.extend(crc32(&body).to_be_bytes());
    };
    let mut ihdr = 50_000u32.to_be_bytes().to_vec();
    ihdr.extend(50_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    let story = |name: &str, photo: &str| {
        let text = format!("+++\ntitle = \"{name}\"\ndate = 2024-05-01T09:00:00Z\nimage = \"{photo}\"\n+++\nBody.\n");
        file(&format!("content/world/{name}.md"), text)
    };
    vec![
        file("content/world/truncated.jpg", truncated),
        file("content/world/not-an-image.jpg", "<html>this is not a photo</html>"),
        file("content/world/bomb.jpg", bomb),
        file("content/world/bomb.png", png),
        story("truncated", "truncated.jpg"),
        story("text", "not-an-image.jpg"),
        story("bomb-jpeg", "bomb.jpg"),
        // Two stories may share a photo; it is reported once.
        story("bomb-png", "bomb.png"),
        story("bomb-png-again", "bomb.png"),
    ]
}

/// The good site every case is laid over.
fn base_site(site: &Path) {
    let write = |rel: &str, text: &str| {
        let p = site.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "content/world/good.md",
        "+++\ntitle = \"A good story\"\ndate = 2024-05-01T08:00:00Z\ntags = [\"harbor\"]\n+++\nGood body.\n",
    );
    write(
        "content/world/2024/05/01/0700-good.txt",
        "Harbor opens at dawn\nSEOUL, May 1 (Yonhap) -- The harbor opened.\n\nMore.\n\nreporter@yna.co.kr\n(END)\n",
    );
}

/// Runs the binary, killing it if it outlives [`HANG`].
fn run_build(site: &Path, out: &Path) -> (Option<i32>, String) {
    let mut child = gazette()
        .args(["build", "--quiet"])
        .arg(site)
        .arg("--output")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HANG {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the build of {} hung", site.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code(), reader.join().unwrap())
}

fn paths(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().strip_prefix(dir).unwrap().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// Runs one case; returns what went wrong, if anything.
fn run(case: &Case) -> Result<(), String> {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("site");
    base_site(&site);
    let unwritable = case.name == "gen/unwritable-output-parent";
    let out = if unwritable { site.join("blocker/public") } else { site.join("public") };
    let (code, stderr) = run_build(&site, &site.join("public"));
    assert_eq!(code, Some(0), "{}: the base site does not build:\n{stderr}", case.name);
    let before = snapshot_tree(&site.join("public"));

    for (rel, bytes) in &case.files {
        let p = site.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    for (rel, Link::To(target)) in &case.links {
        let p = site.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, &p).unwrap();
    }
    // The output folder and the previous tree Gazette keeps beside it (`.public.gazette-old`).
    // (and the photo cache, which the build keeps in the site folder by design).
    let ours = |p: &String| {
        p.starts_with("site/public")
            || p.starts_with("site/.public.gazette-old")
            || p.starts_with("site/.gazette-cache")
    };
    let outside_before: Vec<String> = paths(root.path()).into_iter().filter(|p| !ours(p)).collect();
    let (code, stderr) = run_build(&site, &out);
    let mut problems = Vec::new();
    if stderr.contains("panicked") {
        problems.push("the build panicked".to_string());
    }
    let outside_after: Vec<String> =
        paths(root.path()).into_iter().filter(|p| !ours(p) && !p.starts_with("site/blocker/public")).collect();
    if outside_after != outside_before {
        let new: Vec<&String> = outside_after.iter().filter(|p| !outside_before.contains(p)).collect();
        problems.push(format!("files appeared outside the output folder: {new:?}"));
    }
    match case.expect.outcome.as_str() {
        "error" => {
            if code != Some(1) {
                problems.push(format!("expected exit code 1, got {code:?}"));
            }
            let errors = error_lines(&stderr);
            for want in &case.expect.errors {
                // `path` alone, or `path:line` (any column).
                let want = format!("{want}:");
                if !errors.iter().any(|e| e.contains(&want)) {
                    problems.push(format!("no error at {want}"));
                }
            }
            for m in &case.expect.messages {
                if !stderr.contains(m.as_str()) {
                    problems.push(format!("the report does not say {m:?}"));
                }
            }
            if snapshot_tree(&site.join("public")) != before {
                problems.push("the previous output changed".into());
            }
            let leftovers: Vec<String> = paths(&site)
                .into_iter()
                .filter(|p| !p.contains('/') && (p.contains("gazette-new") || p.contains("gazette-old")))
                .collect();
            if !leftovers.is_empty() {
                problems.push(format!("staging left behind: {leftovers:?}"));
            }
        }
        "ok" => {
            if code != Some(0) {
                problems.push(format!("expected success, got {code:?}"));
            }
            let files = snapshot_tree(&out);
            for (path, bytes) in &files {
                for f in &case.expect.forbid {
                    if bytes.windows(f.len()).any(|w| w == f.as_bytes()) {
                        problems.push(format!("{path} contains {f:?}"));
                    }
                }
                if path.ends_with(".xml") {
                    match std::str::from_utf8(bytes) {
                        Ok(xml) => drop(check_xml(path, xml)),
                        Err(e) => problems.push(format!("{path} is not UTF-8: {e}")),
                    }
                }
            }
            for (path, text) in &case.expect.require {
                match files.iter().find(|(p, _)| p == path) {
                    Some((_, bytes)) if String::from_utf8_lossy(bytes).contains(text.as_str()) => {}
                    Some(_) => problems.push(format!("{path} does not contain {text:?}")),
                    None => problems.push(format!("{path} was not written")),
                }
            }
        }
        other => problems.push(format!("unknown outcome {other:?}")),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{} ({}):\n  {}\n--- stderr:\n{stderr}", case.name, case.expect.about, problems.join("\n  ")))
    }
}

/// Runs the cases on two threads; reports every failing case, not only the first.
fn run_all(cases: Vec<Case>) {
    let cases = std::sync::Mutex::new(cases);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let Some(case) = cases.lock().unwrap().pop() else { break };
                    if let Err(e) = run(&case) {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} hostile cases failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn committed_corpus() {
    let cases = corpus();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    run_all(cases);
}

#[test]
fn generated_cases() {
    run_all(generated());
}
