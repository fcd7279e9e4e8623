//! Load: every file read of a build. Walks `content/` (stories), `templates/` (theme overrides)
//! and `static/` (copied as is) and returns their bytes or paths, sorted so that nothing later
//! depends on the order the file system lists them in.
//!
//! A live story's entry files (`world/storm.live/*.md`) are listed, read, parsed and kept in the
//! build state like story files, so `--changed`, the watcher and the state cover them unchanged;
//! the site model takes them out of the stories (`site::live::split_entries`) before anything
//! treats them as stories.
//!
//! Story text is decoded here, not in the parsers: UTF-8 unless `gazette.toml` sets another
//! encoding for the site (`encoding`) or for a folder under `content/` (`[encodings]`), decoded by
//! `encoding_rs` ([`Encodings`], [`SourceFile::text`]); a file opening with the UTF-8 byte order
//! mark is UTF-8 wherever it is. A byte that does not decode is an error at its line and column;
//! nothing is ever replaced.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use encoding_rs::{DecoderResult, Encoding, UTF_8};
use walkdir::WalkDir;

use crate::diag::{Diagnostic, ErrorKind, ParseError, line_col};

/// A story file: its path under `content/`, where it is on disk, and its raw bytes.
pub struct SourceFile {
    pub rel: PathBuf,
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl SourceFile {
    /// Reads one story file.
    pub fn read(rel: &Path, path: &Path) -> Result<SourceFile, Diagnostic> {
        std::fs::read(path)
            .map(|bytes| SourceFile { rel: rel.to_path_buf(), path: path.to_path_buf(), bytes })
            .map_err(|e| Diagnostic::new(path, 1, 1, format!("cannot read: {e}")))
    }
}

impl SourceFile {
    /// The file's text decoded as `encoding`. A byte sequence that is not text in that encoding is
    /// an error at the line and column where it starts (the UTF-8 default reads as it always did).
    /// A file that opens with the UTF-8 byte order mark is UTF-8 whatever its folder says: an
    /// editor saving a new story into a legacy archive folder marks it so.
    pub fn text(&self, encoding: &'static Encoding) -> Result<Cow<'_, str>, ParseError> {
        if encoding == UTF_8 || self.bytes.starts_with(b"\xEF\xBB\xBF") {
            return std::str::from_utf8(&self.bytes).map(Cow::Borrowed).map_err(|e| {
                let valid = std::str::from_utf8(&self.bytes[..e.valid_up_to()]).unwrap_or_default();
                let (line, col) = line_col(valid, valid.len());
                ParseError::new(ErrorKind::Encoding, line, col, "the file is not valid UTF-8; save it as UTF-8")
            });
        }
        if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(&self.bytes) {
            return Ok(text);
        }
        let (before, bad) = undecodable(encoding, &self.bytes);
        let (line, col) = line_col(&before, before.len());
        let hex: Vec<String> = bad.iter().map(|b| format!("0x{b:02X}")).collect();
        let name = encoding.name();
        Err(ParseError::new(
            ErrorKind::Encoding,
            line,
            col,
            format!("byte {} is not {name} text (gazette.toml reads this file as {name})", hex.join(" ")),
        ))
    }
}

/// The text before the first malformed sequence of `bytes` in `encoding`, and that sequence.
fn undecodable<'a>(encoding: &'static Encoding, bytes: &'a [u8]) -> (String, &'a [u8]) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let room = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len());
    let mut text = String::with_capacity(room);
    match decoder.decode_to_string_without_replacement(bytes, &mut text, true) {
        (DecoderResult::Malformed(bad, after), read) => {
            let end = read.saturating_sub(usize::from(after));
            let start = end.saturating_sub(usize::from(bad));
            (text, &bytes[start..end])
        }
        // Not reached: the caller saw the bytes fail to decode. Point at the end, not at nothing.
        (DecoderResult::InputEmpty | DecoderResult::OutputFull, _) => (text, &[]),
    }
}

/// How story files are decoded (`encoding` and `[encodings]` in `gazette.toml`): one encoding for
/// the site and others for folders under `content/`, the deepest folder that holds a file deciding.
/// They apply to `.md` and `.txt` files: ninjs is JSON, which is UTF-8 (RFC 8259), and NewsML-G2 is
/// XML, which names its own encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encodings {
    pub site: &'static Encoding,
    /// `(folder under content/, encoding)`, deepest folder first.
    folders: Vec<(PathBuf, &'static Encoding)>,
}

/// By the encodings' names: what the build state's settings fingerprint ([`crate::state`]) hashes.
impl std::hash::Hash for Encodings {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.site.name().hash(h);
        for (dir, e) in &self.folders {
            (dir, e.name()).hash(h);
        }
    }
}

impl Default for Encodings {
    fn default() -> Self {
        Encodings { site: UTF_8, folders: Vec::new() }
    }
}

impl Encodings {
    /// The site's encoding and the folders' (paths under `content/`).
    pub fn new(site: &'static Encoding, folders: Vec<(PathBuf, &'static Encoding)>) -> Self {
        let mut folders = folders;
        folders.sort_by(|a, b| b.0.components().count().cmp(&a.0.components().count()).then(a.0.cmp(&b.0)));
        Encodings { site, folders }
    }

    /// The encoding of the story file at `rel` (its path under `content/`).
    pub fn of(&self, rel: &Path) -> &'static Encoding {
        if !matches!(rel.extension().and_then(|e| e.to_str()), Some("md" | "txt")) {
            return UTF_8;
        }
        self.folders.iter().find(|(dir, _)| rel.starts_with(dir)).map_or(self.site, |&(_, e)| e)
    }
}

/// The encoding a label in `gazette.toml` names: a WHATWG label (`utf-8`, `euc-kr`, `shift_jis`,
/// `gb18030`, `big5`, `windows-1252` …) or `cp949` (Windows' name for what WHATWG calls EUC-KR,
/// the same superset of it). Encodings that do not keep ASCII bytes as ASCII (UTF-16,
/// ISO-2022-JP) are refused: front matter and wire structure are read as ASCII.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, String> {
    let found = match label.trim().to_ascii_lowercase().as_str() {
        "cp949" | "ms949" | "uhc" => Some(encoding_rs::EUC_KR),
        l => Encoding::for_label_no_replacement(l.as_bytes()),
    };
    match found {
        Some(e) if e.is_ascii_compatible() => Ok(e),
        Some(e) => Err(format!("encoding `{label}` ({}) is not ASCII-compatible; story files cannot use it", e.name())),
        None => Err(format!(
            "unknown encoding `{label}` (use a WHATWG label such as \"utf-8\", \"euc-kr\", \"cp949\", \"shift_jis\" or \"gb18030\")"
        )),
    }
}

/// Everything the build finds in the site folder. Story files are listed, not read: the pipeline
/// reads each one as it parses it, so a story's raw bytes never outlive its parsing.
pub struct Inputs {
    /// `(path under content/, path on disk)` of every story file, sorted.
    pub stories: Vec<(PathBuf, PathBuf)>,
    /// `(name, text)` of the site's own templates, e.g. `("article.html", "…")`.
    pub templates: Vec<(String, String)>,
    /// Every file under `static/`, with the size and time the build cache compares.
    pub statics: Vec<StaticFile>,
    /// The author files (`authors/*.toml`), read.
    pub authors: Vec<crate::authors::AuthorFile>,
    /// Files that could not be read (symlinks that leave the site or loop, permission errors).
    pub errors: Vec<Diagnostic>,
}

/// Lists the inputs of the site at `site_dir` and reads its templates.
pub fn inputs(site_dir: &Path) -> Result<Inputs> {
    let mut errors = Vec::new();
    let stories = story_paths(site_dir, &mut errors)?;
    let templates = templates(site_dir, &mut errors)?;
    let statics = statics(site_dir, &mut errors)?;
    let authors = authors(site_dir, &mut errors)?;
    Ok(Inputs { stories, templates, statics, authors, errors })
}

/// [`inputs`] without walking `content/`: the story files are the ones the last build's state
/// names (`known`, paths under `content/`) and the `changed` ones a publishing system names (paths
/// relative to the site folder or absolute, each under `content/`): a named file that exists is a
/// story file, a named file that is gone is one no more. A named path outside `content/` or not
/// a story file is an error naming it.
pub fn inputs_named<'a>(site_dir: &Path, known: impl Iterator<Item = &'a str>, changed: &[PathBuf]) -> Result<Inputs> {
    let content = site_dir.join("content");
    let mut errors = Vec::new();
    let mut stories: std::collections::BTreeMap<PathBuf, PathBuf> =
        known.map(|rel| (PathBuf::from(rel), content.join(rel))).collect();
    for path in changed {
        let full = if path.is_absolute() { path.clone() } else { site_dir.join(path) };
        let rel = full
            .strip_prefix(&content)
            .ok()
            .filter(|r| is_story(r) && r.components().all(|c| matches!(c, std::path::Component::Normal(_))));
        let Some(rel) = rel else {
            let msg = "--changed names no story file under content/ (.md, .txt, .json or .xml)";
            errors.push(Diagnostic::new(path, 1, 1, msg));
            continue;
        };
        if full.is_file() {
            stories.insert(rel.to_path_buf(), full.clone());
        } else {
            stories.remove(rel);
        }
    }
    let templates = templates(site_dir, &mut errors)?;
    let statics = statics(site_dir, &mut errors)?;
    let authors = authors(site_dir, &mut errors)?;
    Ok(Inputs { stories: stories.into_iter().collect(), templates, statics, authors, errors })
}

/// The story files under `content/` (`.md` and `.txt`), without reading them.
pub fn story_paths(site_dir: &Path, errors: &mut Vec<Diagnostic>) -> Result<Vec<(PathBuf, PathBuf)>> {
    let mut out = walk(&site_dir.join("content"), errors)?;
    out.retain(|(rel, _)| is_story(rel));
    Ok(out)
}

/// Whether a path names a story file (by extension).
pub fn is_story(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "txt" | "json" | "xml"))
}

/// The site's own templates as `(name, text)`.
pub fn templates(site_dir: &Path, errors: &mut Vec<Diagnostic>) -> Result<Vec<(String, String)>> {
    let mut templates = Vec::new();
    for (rel, path) in walk(&site_dir.join("templates"), errors)? {
        let name = rel.to_string_lossy().replace('\\', "/");
        match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => templates.push((name, text)),
            Ok(Err(_)) => errors.push(Diagnostic::new(&path, 1, 1, "template is not valid UTF-8")),
            Err(e) => errors.push(Diagnostic::new(&path, 1, 1, format!("cannot read: {e}"))),
        }
    }
    Ok(templates)
}

/// The author files: every `authors/ID.toml` (other files there, and folders, are not authors),
/// read as UTF-8, sorted by name.
pub fn authors(site_dir: &Path, errors: &mut Vec<Diagnostic>) -> Result<Vec<crate::authors::AuthorFile>> {
    let mut out = Vec::new();
    for (rel, path) in walk(&site_dir.join("authors"), errors)? {
        if !is_author_file(&rel) {
            continue;
        }
        match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => out.push(crate::authors::AuthorFile { path, text }),
            Ok(Err(_)) => errors.push(Diagnostic::new(&path, 1, 1, "author file is not valid UTF-8; save it as UTF-8")),
            Err(e) => errors.push(Diagnostic::new(&path, 1, 1, format!("cannot read: {e}"))),
        }
    }
    Ok(out)
}

/// Whether a path under `authors/` names an author file: a `.toml` file at its top.
pub fn is_author_file(rel: &Path) -> bool {
    rel.components().count() == 1 && rel.extension().is_some_and(|e| e == "toml")
}

/// A file under `static/`, copied as it is. Its bytes are never read into memory: the build copies
/// it when its size or modification time differ from what the build cache recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Its path under the output, `/`-separated (the same as under `static/`).
    pub rel: String,
    pub path: PathBuf,
    pub len: u64,
    /// Modification time in nanoseconds since the Unix epoch (0 when the system gives none).
    pub mtime_ns: i128,
}

/// The files under `static/`, with their size and modification time.
pub fn statics(site_dir: &Path, errors: &mut Vec<Diagnostic>) -> Result<Vec<StaticFile>> {
    let mut out = Vec::new();
    for (rel, path) in walk(&site_dir.join("static"), errors)? {
        match std::fs::metadata(&path) {
            Ok(meta) => out.push(StaticFile {
                rel: rel.to_string_lossy().replace('\\', "/"),
                len: meta.len(),
                mtime_ns: mtime_ns(&meta),
                path,
            }),
            Err(e) => errors.push(Diagnostic::new(&path, 1, 1, format!("cannot read: {e}"))),
        }
    }
    Ok(out)
}

/// A file's modification time in nanoseconds since the Unix epoch (0 when unknown).
pub fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    match meta.modified().map(|t| t.duration_since(std::time::UNIX_EPOCH)) {
        Ok(Ok(d)) => d.as_nanos() as i128,
        Ok(Err(before)) => -(before.duration().as_nanos() as i128),
        Err(_) => 0,
    }
}

/// Regular files under `dir` as `(relative path, full path)`, sorted, without hidden files and
/// editor leftovers. A missing `dir` is an empty list. Symbolic links are followed while they
/// stay inside the site folder (the parent of `dir`); one that leads outside it, dangles or loops
/// is an error naming the link, and nothing behind it is read.
fn walk(dir: &Path, errors: &mut Vec<Diagnostic>) -> Result<Vec<(PathBuf, PathBuf)>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    // `dir` itself may be a link (a shared content folder); what is under it must stay under it or
    // under the site folder.
    let roots: Vec<PathBuf> =
        [dir.parent().unwrap_or(dir), dir].iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
    let refused = std::cell::RefCell::new(Vec::new());
    let mut out = Vec::new();
    let entries = WalkDir::new(dir).follow_links(true).sort_by_file_name().into_iter();
    let entries = entries.filter_entry(|e| {
        if e.depth() == 0 {
            return true;
        }
        if is_ignored(e.file_name().to_str().unwrap_or("")) {
            return false;
        }
        if !e.path_is_symlink() {
            return true;
        }
        match std::fs::canonicalize(e.path()) {
            Ok(real) if roots.iter().any(|r| real.starts_with(r)) => true,
            Ok(real) => {
                refused.borrow_mut().push(Diagnostic::new(
                    e.path(),
                    1,
                    1,
                    format!(
                        "symbolic link leads outside the site (to {}): copy the file into the site instead",
                        real.display()
                    ),
                ));
                false
            }
            Err(err) => {
                refused.borrow_mut().push(Diagnostic::new(e.path(), 1, 1, format!("broken symbolic link: {err}")));
                false
            }
        }
    });
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let dangling = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink());
                let message = match e.loop_ancestor() {
                    Some(to) => format!("symbolic link loop: it leads back to {}", to.display()),
                    None if dangling => "broken symbolic link: its target does not exist".to_string(),
                    None => format!("cannot read: {e}"),
                };
                errors.push(Diagnostic::new(&path, 1, 1, message));
                continue;
            }
        };
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).with_context(|| format!("walking {}", dir.display()))?;
            out.push((rel.to_path_buf(), entry.path().to_path_buf()));
        }
    }
    errors.extend(refused.into_inner());
    Ok(out)
}

/// Hidden files and what editors leave behind: `.x`, `x~`, `x.swp`, `#x#`, `.DS_Store`.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swo")
        || name.ends_with(".swx")
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with(".tmp")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> SourceFile {
        SourceFile { rel: "x.txt".into(), path: "content/x.txt".into(), bytes: bytes.to_vec() }
    }

    #[test]
    fn legacy_encodings_decode() {
        let (euc_kr, _, _) = encoding_rs::EUC_KR.encode("항만 수수료\n동결");
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("港湾\n料金");
        let (gb, _, _) = encoding_rs::GB18030.encode("港口\n收费");
        let cases: [(&[u8], &str, &str); 4] = [
            (&euc_kr, "euc-kr", "항만 수수료\n동결"),
            (&euc_kr, "cp949", "항만 수수료\n동결"),
            (&sjis, "shift_jis", "港湾\n料金"),
            (&gb, "gb18030", "港口\n收费"),
        ];
        for (bytes, label, want) in cases {
            let enc = encoding_for_label(label).unwrap();
            assert_eq!(file(bytes).text(enc).unwrap(), want, "{label}");
        }
        // CP949's extension beyond KS X 1001 (똠 is not in EUC-KR proper) decodes too.
        let (ddom, enc, bad) = encoding_rs::EUC_KR.encode("똠방각하");
        assert!(!bad && enc == encoding_rs::EUC_KR);
        assert_eq!(file(&ddom).text(encoding_for_label("cp949").unwrap()).unwrap(), "똠방각하");
    }

    #[test]
    fn a_utf8_byte_order_mark_overrides_a_legacy_setting() {
        let marked = "\u{feff}항만".as_bytes();
        assert_eq!(file(marked).text(encoding_rs::EUC_KR).unwrap(), "\u{feff}항만");
        let e = file(b"\xEF\xBB\xBFok \xff").text(encoding_rs::SHIFT_JIS).unwrap_err();
        assert!(e.message.contains("UTF-8"), "{}", e.message);
    }

    #[test]
    fn an_undecodable_byte_is_located() {
        // (bytes, label, line, col, byte named)
        let cases: [(&[u8], &str, usize, usize, &str); 4] = [
            (b"title\n\xb0\xa1 ok \xff\xfe\n", "euc-kr", 2, 6, "0xFF"),
            (b"a\nb\nc\x82", "shift_jis", 3, 2, "0x82"),
            (b"ok\n\xc3\x28", "utf-8", 2, 1, "UTF-8"),
            (b"\x81\x20", "gb18030", 1, 1, "0x81"),
        ];
        for (bytes, label, line, col, named) in cases {
            let e = file(bytes).text(encoding_for_label(label).unwrap()).unwrap_err();
            assert_eq!((e.kind, e.line, e.col), (ErrorKind::Encoding, line, col), "{label} {bytes:?}: {}", e.message);
            assert!(e.message.contains(named), "{}", e.message);
        }
    }

    #[test]
    fn labels_table() {
        for (label, want) in [
            ("EUC-KR", "EUC-KR"),
            ("cp949", "EUC-KR"),
            ("sjis", "Shift_JIS"),
            ("GB18030", "gb18030"),
            ("utf8", "UTF-8"),
        ] {
            assert_eq!(encoding_for_label(label).map(|e| e.name()), Ok(want), "{label}");
        }
        for bad in ["utf-16le", "iso-2022-jp", "iso-2022-kr", "klingon", ""] {
            assert!(encoding_for_label(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_deepest_folder_decides() {
        let enc = Encodings::new(
            encoding_rs::EUC_KR,
            vec![("archive".into(), encoding_rs::SHIFT_JIS), ("archive/1998".into(), encoding_rs::GB18030)],
        );
        let cases = [
            ("politics/x.txt", "EUC-KR"),
            ("archive/x.md", "Shift_JIS"),
            ("archive/1998/05/x.txt", "gb18030"),
            ("archive1998/x.txt", "EUC-KR"),
            ("archive/1998/x.json", "UTF-8"),
            ("archive/x.xml", "UTF-8"),
        ];
        for (path, want) in cases {
            assert_eq!(enc.of(Path::new(path)).name(), want, "{path}");
        }
        assert_eq!(Encodings::default().of(Path::new("a/b.txt")), UTF_8);
    }

    #[test]
    fn ignored_table() {
        for name in [".DS_Store", ".story.md.swp", "story.md~", "#story.md#", ".hidden.md", "x.swp", "4913.tmp"] {
            assert!(is_ignored(name), "{name}");
        }
        for name in ["story.md", "2024", "x.txt", "a#b.md"] {
            assert!(!is_ignored(name), "{name}");
        }
    }
}
