//! Story bodies out of memory: a parsed story's body HTML → a [`Span`] of a file the build holds
//! open, read back when a page shows it or the search index tokenises it.
//!
//! A parser gives a story its body as [`Body::Html`]. `gazette build` moves each new body into the
//! build's [`Spool`] (an unnamed temporary file in the build state's folder) as soon as the story
//! is parsed, and a story kept in the build state has its body as a span of the state's chunk file
//! (`crate::state`), so what a build holds per story is its metadata alone, whatever the length of
//! its text. `serve`'s session spools the bodies it parses too (`crate::session`); `check` keeps
//! them in memory (`Body::Html`).
//!
//! A span carries its length and xxh3: a read that does not give those bytes, or not UTF-8, is an
//! error naming the file, never a wrong page.

use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::xxh3_64;

/// A story's body HTML: in memory, or a span of a file.
#[derive(Debug, Clone)]
pub enum Body {
    /// As the parser made it (and as `serve` and `check` keep it).
    Html(String),
    /// Out of memory.
    Stored(Span),
}

impl Default for Body {
    fn default() -> Self {
        Body::Html(String::new())
    }
}

impl Body {
    /// The HTML: borrowed when in memory, else read.
    pub fn read(&self) -> io::Result<Cow<'_, str>> {
        match self {
            Body::Html(html) => Ok(Cow::Borrowed(html)),
            Body::Stored(span) => span.read().map(Cow::Owned),
        }
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Body::Html(html) => html.len(),
            Body::Stored(span) => span.len as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The xxh3 of its bytes (equal bodies, equal hashes).
    pub fn hash(&self) -> u64 {
        match self {
            Body::Html(html) => xxh3_64(html.as_bytes()),
            Body::Stored(span) => span.hash,
        }
    }

    /// The HTML a parser made (what the parsers' tests look at).
    #[cfg(test)]
    pub fn html(&self) -> &str {
        self.in_memory().expect("a parsed body is in memory")
    }

    /// The HTML, when it is in memory.
    pub fn in_memory(&self) -> Option<&str> {
        match self {
            Body::Html(html) => Some(html),
            Body::Stored(_) => None,
        }
    }
}

/// A file a build reads bodies from, and the path that names it in an error.
#[derive(Debug)]
pub struct Source {
    file: File,
    name: PathBuf,
}

impl Source {
    pub fn new(file: File, name: PathBuf) -> Arc<Source> {
        Arc::new(Source { file, name })
    }
}

/// `len` bytes at `offset` of a file, whose xxh3 is `hash`.
#[derive(Debug, Clone)]
pub struct Span {
    pub source: Arc<Source>,
    pub offset: u64,
    pub len: u32,
    pub hash: u64,
}

impl Span {
    /// `len` bytes at `offset` of `source`, as they are now.
    pub fn of(source: &Arc<Source>, offset: u64, bytes: &[u8]) -> Span {
        Span { source: Arc::clone(source), offset, len: bytes.len() as u32, hash: xxh3_64(bytes) }
    }

    /// Its bytes, checked against its length and hash.
    pub fn bytes(&self) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.read_into(&mut buf)?;
        Ok(buf)
    }

    /// Its bytes into `buf` (replacing what it held), checked against its length and hash.
    pub fn read_into(&self, buf: &mut Vec<u8>) -> io::Result<()> {
        buf.clear();
        buf.resize(self.len as usize, 0);
        read_at(&self.source.file, buf, self.offset).map_err(|e| self.error(&e.to_string()))?;
        if xxh3_64(buf) != self.hash {
            return Err(self.error("the bytes are not those written (the file was altered during the build)"));
        }
        Ok(())
    }

    /// Its bytes as text.
    pub fn read(&self) -> io::Result<String> {
        String::from_utf8(self.bytes()?).map_err(|_| self.error("the bytes are not UTF-8"))
    }

    fn error(&self, why: &str) -> io::Error {
        io::Error::other(format!(
            "reading {} bytes at {} of {}: {why}",
            self.len,
            self.offset,
            self.source.name.display()
        ))
    }
}

/// Where a build puts the bodies it parsed: an unnamed temporary file (it disappears with the
/// process, even a killed one), written at once from every thread.
#[derive(Debug, Clone)]
pub struct Spool {
    source: Arc<Source>,
    end: Arc<AtomicU64>,
}

impl Spool {
    /// A spool in the folder `dir` (which must exist).
    pub fn in_folder(dir: &Path) -> io::Result<Spool> {
        let file = tempfile::tempfile_in(dir)?;
        let source = Source::new(file, dir.join("(the build's spool)"));
        Ok(Spool { source, end: Arc::new(AtomicU64::new(0)) })
    }

    /// Writes `html` to the spool; the span that reads it back.
    pub fn put(&self, html: &str) -> io::Result<Span> {
        self.put_bytes(html.as_bytes())
    }

    /// Writes `bytes` to the spool (a story's encoded search terms, say); the span that reads them
    /// back.
    pub fn put_bytes(&self, bytes: &[u8]) -> io::Result<Span> {
        let len = u32::try_from(bytes.len()).map_err(|_| io::Error::other("a story body over 4 GiB"))?;
        let offset = self.end.fetch_add(u64::from(len), Ordering::Relaxed);
        write_at(&self.source.file, bytes, offset)?;
        Ok(Span { source: Arc::clone(&self.source), offset, len, hash: xxh3_64(bytes) })
    }

    /// `body`, moved to the spool when it is in memory.
    pub fn take(&self, body: Body) -> io::Result<Body> {
        match body {
            Body::Html(html) => self.put(&html).map(Body::Stored),
            stored => Ok(stored),
        }
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(windows)]
fn write_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_write(buf, offset)?;
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spooled_bodies_read_back_as_written_from_many_threads() {
        use rayon::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::in_folder(dir.path()).unwrap();
        let texts: Vec<String> = (0..500).map(|i| format!("<p>story {i} {}</p>", "ü".repeat(i % 37))).collect();
        let spans: Vec<Span> = texts.par_iter().map(|t| spool.put(t).unwrap()).collect();
        for (t, s) in texts.iter().zip(&spans) {
            assert_eq!(&s.read().unwrap(), t);
            assert_eq!(Body::Stored(s.clone()).hash(), Body::Html(t.clone()).hash());
            assert_eq!(Body::Stored(s.clone()).len(), t.len());
        }
        let empty = spool.put("").unwrap();
        assert_eq!(empty.read().unwrap(), "");
        // No file is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_span_whose_bytes_changed_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::in_folder(dir.path()).unwrap();
        let mut span = spool.put("<p>one</p>").unwrap();
        span.hash ^= 1;
        let e = span.read().unwrap_err().to_string();
        assert!(e.contains("altered") && e.contains("spool"), "{e}");
        let mut past = spool.put("<p>two</p>").unwrap();
        past.offset += 1000;
        assert!(past.read().is_err());
        let bad = spool.put("\u{e9}").unwrap();
        let cut = Span { len: 1, hash: xxh3_64(&[0xc3]), ..bad };
        assert!(cut.read().unwrap_err().to_string().contains("UTF-8"));
    }
}
