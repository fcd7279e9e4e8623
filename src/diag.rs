//! Located diagnostics: `path:line:col: message`, the one error shape every stage reports.
//!
//! Parsers return [`ParseError`]s (line and column only, no path: they do no I/O); the pipeline
//! attaches the file and collects every error of a run into [`Diagnostics`] before failing.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong, for tests and callers that need to match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The front matter is not valid TOML/YAML, or is never closed.
    FrontMatter,
    /// A front matter key Gazette does not know.
    UnknownKey,
    /// A required field (title, date) is missing.
    MissingField,
    /// A date that cannot be read, or that disagrees with another date.
    Date,
    /// The wire story structure is broken (no headline, no `(END)`, ...).
    Wire,
    /// A slug or section that is not a safe URL segment.
    UnsafeValue,
    /// The file is not UTF-8 or otherwise unreadable as text.
    Encoding,
}

/// An error inside one file's text, located by 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ErrorKind,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl ParseError {
    pub fn new(kind: ErrorKind, line: usize, col: usize, message: impl Into<String>) -> Self {
        Self { kind, line, col, message: message.into() }
    }

    /// Attaches the file the error came from.
    pub fn at(self, path: &Path) -> Diagnostic {
        Diagnostic { path: path.to_path_buf(), line: self.line, col: self.col, message: self.message }
    }
}

/// One located message about one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl Diagnostic {
    pub fn new(path: &Path, line: usize, col: usize, message: impl Into<String>) -> Self {
        Self { path: path.to_path_buf(), line, col, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.col, self.message)
    }
}

/// Every error of a failed run, sorted by file and line so the output is deterministic.
#[derive(Debug)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn sorted(mut list: Vec<Diagnostic>) -> Self {
        list.sort();
        list.dedup();
        Self(list)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "error: {d}")?;
        }
        write!(f, "{} error{}", self.0.len(), if self.0.len() == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

/// 1-based line and column of a byte offset in `text` (column counted in characters).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_chars() {
        let cases =
            [("abc", 0, (1, 1)), ("abc", 2, (1, 3)), ("a\nbc", 3, (2, 2)), ("a\n한b", 5, (2, 2)), ("x", 99, (1, 2))];
        for (text, off, want) in cases {
            assert_eq!(line_col(text, off), want, "{text:?} @ {off}");
        }
    }
}
