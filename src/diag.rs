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
    /// JSON or XML that does not parse, or does not have the shape of a feed item.
    Syntax,
    /// A feed item that is not news text (an event, a planning item, a photo): a warning, and the
    /// file is skipped.
    NotNewsText,
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
        Diagnostic { path: path.to_path_buf(), line: self.line, col: self.col, message: self.message, hint: None }
    }
}

/// One located message about one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
    /// What to do about it, when there is something to say.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(path: &Path, line: usize, col: usize, message: impl Into<String>) -> Self {
        Self { path: path.to_path_buf(), line, col, message: message.into(), hint: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

/// Whether to colour diagnostics: on a terminal, unless `NO_COLOR` is set.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Renders diagnostics for a person (codespan-reporting): the message, `path:line:col`, the line of
/// source with a caret under the column when the file can be read, and the hint.
pub fn render(items: &[(Level, &Diagnostic)], color: bool) -> String {
    use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity};
    use codespan_reporting::files::SimpleFiles;
    use codespan_reporting::term::{self, Config, Styles, StylesWriter, termcolor};
    let mut files = SimpleFiles::new();
    let mut buffer = if color { termcolor::Buffer::ansi() } else { termcolor::Buffer::no_color() };
    let styles = Styles::default();
    let config = Config::default();
    for (level, d) in items {
        let severity = if *level == Level::Error { Severity::Error } else { Severity::Warning };
        let mut report = Report::new(severity).with_message(&d.message);
        let source = std::fs::read_to_string(&d.path).ok();
        match source.as_deref().and_then(|text| span_at(text, d.line, d.col)) {
            Some(span) => {
                let name = d.path.strip_prefix(".").unwrap_or(&d.path).display().to_string();
                let id = files.add(name, source.unwrap_or_default());
                report = report.with_labels(vec![Label::primary(id, span)]);
            }
            None => report = report.with_notes(vec![format!("at {}:{}:{}", d.path.display(), d.line, d.col)]),
        }
        if let Some(hint) = &d.hint {
            report.notes.push(format!("hint: {hint}"));
        }
        let mut writer = StylesWriter::new(&mut buffer, &styles);
        if term::emit_to_write_style(&mut writer, &config, &files, &report).is_err() {
            return items.iter().map(|(_, d)| format!("{d}\n")).collect();
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

/// Warnings rendered for a person ([`render`]); nothing when there are none.
pub fn render_warnings(warnings: &[Diagnostic], color: bool) -> String {
    let items: Vec<(Level, &Diagnostic)> = warnings.iter().map(|d| (Level::Warning, d)).collect();
    if items.is_empty() { String::new() } else { render(&items, color) }
}

/// The byte range of the character at 1-based `line` and `col` (to the end of its word).
fn span_at(text: &str, line: usize, col: usize) -> Option<std::ops::Range<usize>> {
    let start_of_line: usize = text.split_inclusive('\n').take(line.checked_sub(1)?).map(str::len).sum();
    let line_text = text.get(start_of_line..)?.split('\n').next()?;
    if start_of_line > text.len() || (line_text.is_empty() && start_of_line == text.len() && line > 1) {
        return None;
    }
    let offset: usize = line_text.chars().take(col.saturating_sub(1)).map(char::len_utf8).sum();
    let start = start_of_line + offset;
    let word = line_text[offset.min(line_text.len())..]
        .find(char::is_whitespace)
        .unwrap_or(line_text.len() - offset.min(line_text.len()));
    Some(start..start + word.max(usize::from(start < text.len())))
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
        write!(f, "{}", self.summary())
    }
}

impl Diagnostics {
    /// `N error(s)`.
    pub fn summary(&self) -> String {
        format!("{} error{}", self.0.len(), if self.0.len() == 1 { "" } else { "s" })
    }

    /// Every error rendered for a person ([`render`]), then the count.
    pub fn render(&self, color: bool) -> String {
        let items: Vec<(Level, &Diagnostic)> = self.0.iter().map(|d| (Level::Error, d)).collect();
        format!("{}{}", render(&items, color), self.summary())
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
