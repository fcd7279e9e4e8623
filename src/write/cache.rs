//! The build cache: per output file, the digest of what it was made from and what the file looked
//! like on disk when it was written (size, modification time, inode). It lives in the output's
//! marker file (`.gazette-build`) and is trusted only when its version line matches this binary
//! (crate version and a hash of the embedded theme) and, file by file, only while the file on disk
//! still looks as recorded: a deleted, truncated or overwritten output file is made again.

use std::collections::BTreeMap;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use crate::load::mtime_ns;

/// The marker file's first line: what the folder is.
pub const MARKER_TEXT: &str = "This folder was written by gazette build; it is replaced on each build.\n";

/// One output file as the cache knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// What the file was made from ([`crate::render::digest`]).
    pub digest: u64,
    pub len: u64,
    pub mtime_ns: i128,
    /// The inode number on Unix (0 elsewhere): a file replaced by another one is not the same file.
    pub ino: u64,
}

impl Record {
    /// The record of the file at `path` as it is now, made from `digest`.
    pub fn of(path: &Path, digest: u64) -> std::io::Result<Record> {
        fs::metadata(path).map(|meta| Record::from_meta(&meta, digest))
    }

    pub fn from_meta(meta: &fs::Metadata, digest: u64) -> Record {
        Record { digest, len: meta.len(), mtime_ns: mtime_ns(meta), ino: ino(meta) }
    }

    /// Whether the file at `path` is still the one recorded (size, time and inode unchanged).
    pub fn intact(&self, path: &Path) -> bool {
        fs::metadata(path).is_ok_and(|meta| meta.is_file() && Record::from_meta(&meta, self.digest) == *self)
    }
}

#[cfg(unix)]
fn ino(meta: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn ino(_: &fs::Metadata) -> u64 {
    0
}

/// Output path (relative, `/`-separated) → record.
pub type Records = BTreeMap<String, Record>;

/// What reading a folder's cache found.
#[derive(Debug)]
pub enum Read {
    Found(Records),
    /// No marker, or a marker without a cache (a folder being built, the first build).
    Missing,
    /// A cache written by another version of Gazette, or one that does not parse: not trusted.
    Discarded(String),
}

impl Read {
    pub fn records(self) -> Records {
        match self {
            Read::Found(r) => r,
            _ => Records::new(),
        }
    }
}

/// This binary's cache version: the crate version and a hash of the embedded theme. A cache with
/// another version was made by other code and is not trusted.
pub fn version() -> String {
    let mut h = DefaultHasher::new();
    crate::render::theme::THEME.hash(&mut h);
    format!("gazette-cache 2 {} theme {:016x}", env!("CARGO_PKG_VERSION"), h.finish())
}

/// The marker file's text: the marker line, the version line, then one line per file.
pub fn text(records: &Records) -> String {
    let mut text = String::with_capacity(MARKER_TEXT.len() + 64 + records.len() * 80);
    text.push_str(MARKER_TEXT);
    text.push_str(&version());
    text.push('\n');
    for (path, r) in records {
        text.push_str(&format!("{:016x} {} {} {} {path}\n", r.digest, r.len, r.mtime_ns, r.ino));
    }
    text
}

/// Reads the cache in `folder`'s marker file.
pub fn read(folder: &Path) -> Read {
    match fs::read_to_string(folder.join(super::MARKER)) {
        Ok(text) => parse(&text),
        Err(_) => Read::Missing,
    }
}

/// The cache a marker file's text holds.
pub fn parse(text: &str) -> Read {
    let mut lines = text.lines();
    if lines.next() != Some(MARKER_TEXT.trim_end()) {
        return Read::Discarded("its marker file is not Gazette's".into());
    }
    let Some(found) = lines.next() else { return Read::Missing };
    let ours = version();
    if found != ours {
        return Read::Discarded(format!("it was written by another Gazette (`{found}`, this is `{ours}`)"));
    }
    let mut records = Records::new();
    for (i, line) in lines.enumerate() {
        match parse_line(line) {
            Some((path, r)) => records.insert(path.to_string(), r),
            None => return Read::Discarded(format!("line {} of its cache does not parse", i + 3)),
        };
    }
    Read::Found(records)
}

fn parse_line(line: &str) -> Option<(&str, Record)> {
    let mut parts = line.splitn(5, ' ');
    let digest = u64::from_str_radix(parts.next()?, 16).ok()?;
    let len = parts.next()?.parse().ok()?;
    let mtime_ns = parts.next()?.parse().ok()?;
    let ino = parts.next()?.parse().ok()?;
    let path = parts.next().filter(|p| !p.is_empty())?;
    Some((path, Record { digest, len, mtime_ns, ino }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_bad_lines_are_refused() {
        let r = Record { digest: 0xabc, len: 12, mtime_ns: -5, ino: 7 };
        let mut records = Records::new();
        records.insert("a b/index.html".into(), r);
        let text = text(&records);
        let line = text.lines().nth(2).unwrap();
        assert_eq!(parse_line(line), Some(("a b/index.html", r)));
        for bad in ["", "zz 1 2 3 x", "0abc 1 2 3", "0abc x 2 3 p", "0abc 1 2 3 "] {
            assert_eq!(parse_line(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_cache_of_another_version_is_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join(super::super::MARKER);
        fs::write(&marker, format!("{MARKER_TEXT}gazette-cache 2 0.0.9 theme 0\n0000000000000001 1 1 1 x\n")).unwrap();
        assert!(matches!(read(dir.path()), Read::Discarded(_)));
        fs::write(&marker, text(&Records::new())).unwrap();
        assert!(matches!(read(dir.path()), Read::Found(r) if r.is_empty()));
        fs::write(&marker, MARKER_TEXT).unwrap();
        assert!(matches!(read(dir.path()), Read::Missing));
    }
}
