//! Front matter: split a file into its `+++` TOML or `---` YAML block and the rest, then read the
//! block into [`RawFrontMatter`] (serde, `deny_unknown_fields`) with errors located in the file.

use serde::Deserialize;

use crate::diag::{ErrorKind, ParseError, line_col};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FmFormat {
    Toml,
    Yaml,
}

/// A file cut in two. Lines are 1-based lines of the whole file.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub front: Option<Front<'a>>,
    pub body: &'a str,
    /// The line of the file on which `body` starts.
    pub body_line: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Front<'a> {
    pub format: FmFormat,
    pub text: &'a str,
    /// The line of the file on which `text` starts (the line after the opening delimiter).
    pub line: usize,
}

/// Splits off a front matter block opened by `+++` or `---` on the first line and closed by the
/// same delimiter alone on a later line. Expects `\n` line ends (the caller normalises them).
pub fn split(text: &str) -> Result<Split<'_>, ParseError> {
    let first_end = text.find('\n').unwrap_or(text.len());
    let format = match text[..first_end].trim_end() {
        "+++" => FmFormat::Toml,
        "---" => FmFormat::Yaml,
        _ => {
            return Ok(Split { front: None, body: text, body_line: 1 });
        }
    };
    let delim = if format == FmFormat::Toml { "+++" } else { "---" };
    let start = (first_end + 1).min(text.len());
    let mut pos = start;
    let mut line = 2;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if text[pos..end].trim_end() == delim {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                front: Some(Front { format, text: &text[start..pos], line: 2 }),
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        pos = end + 1;
        line += 1;
    }
    Err(ParseError::new(ErrorKind::FrontMatter, 1, 1, format!("front matter opened with `{delim}` is never closed")))
}

/// One name or several.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A date as written: a string, or a TOML datetime literal.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RawDate {
    Text(String),
    Toml(toml::value::Datetime),
}

impl RawDate {
    pub fn as_text(&self) -> String {
        match self {
            RawDate::Text(s) => s.trim().to_string(),
            RawDate::Toml(d) => d.to_string(),
        }
    }
}

/// The front matter keys, as written. Shared by Markdown and wire stories.
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RawFrontMatter {
    pub title: Option<String>,
    pub date: Option<RawDate>,
    pub updated: Option<RawDate>,
    pub author: Option<OneOrMany>,
    pub dateline: Option<String>,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub summary: Option<String>,
    pub related: Vec<String>,
    pub slug: Option<String>,
    pub draft: bool,
    pub image: Option<String>,
    /// Photos with what the story says of them; the first one (after `image`) leads.
    pub images: Vec<RawImage>,
    /// Groups versions of one story: every file with the same key is one story.
    pub story: Option<String>,
    /// A story of its own: never taken as an implicit version of another wire story.
    pub standalone: bool,
    /// Embargo: the story stays out of the site until this time.
    pub publish_at: Option<RawDate>,
    /// From this time the story leaves lists and feeds.
    pub expires: Option<RawDate>,
    pub corrections: Vec<RawCorrection>,
    /// The story's language code (else the file name's `.XX.` suffix, else the default language).
    pub lang: Option<String>,
    /// Stories sharing this key are translations of one another (default: the file's path
    /// without its language suffix, so `a.md` and `a.ko.md` are translations).
    pub translation: Option<String>,
    /// Who may read the story: `"free"` (default) or `"subscribers"` (a paywalled story).
    pub access: Option<super::Access>,
    /// Live coverage: `true` while it runs (entries come from the `NAME.live/` folder beside the
    /// file), `false` once it ended (the entries stay, the badge goes).
    pub live: Option<bool>,
    /// When live coverage ends: the badge shows until then.
    pub live_until: Option<RawDate>,
    /// Breaking news: in its language's banner for `breaking_minutes` after its time.
    pub breaking: bool,
}

/// `[[images]]`: a photo (a path beside the story, or under `static/` when it starts with `/`)
/// and, each overriding what the photo's own metadata says, its caption, credit and alt text.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawImage {
    pub src: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub alt: Option<String>,
}

/// `[[corrections]]`: a dated correction note.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawCorrection {
    pub date: RawDate,
    pub text: String,
}

/// Reads a front matter block; errors carry the line and column in the whole file.
pub fn read(front: &Front<'_>) -> Result<RawFrontMatter, ParseError> {
    if front.text.trim().is_empty() {
        return Ok(RawFrontMatter::default());
    }
    let located = |line_in_block: usize, col: usize, message: String| {
        let kind = if message.contains("unknown field") { ErrorKind::UnknownKey } else { ErrorKind::FrontMatter };
        ParseError::new(kind, front.line + line_in_block - 1, col, message)
    };
    match front.format {
        FmFormat::Toml => toml::from_str(front.text).map_err(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| line_col(front.text, s.start));
            located(line, col, e.message().trim().to_string())
        }),
        FmFormat::Yaml => serde_yaml_ng::from_str(front.text).map_err(|e| {
            let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message).to_string();
            located(line, col, message)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_table() {
        // (input, front format, front text, body, body line)
        let cases: [(&str, Option<FmFormat>, &str, &str, usize); 6] = [
            ("+++\ntitle = \"a\"\n+++\nbody\n", Some(FmFormat::Toml), "title = \"a\"\n", "body\n", 4),
            ("---\ntitle: a\n---\nbody", Some(FmFormat::Yaml), "title: a\n", "body", 4),
            ("no front matter\n", None, "", "no front matter\n", 1),
            ("+++\n+++\n", Some(FmFormat::Toml), "", "", 3),
            ("+++  \ntitle = \"a\"\n+++  \nx", Some(FmFormat::Toml), "title = \"a\"\n", "x", 4),
            ("---\na: 1\n---", Some(FmFormat::Yaml), "a: 1\n", "", 4),
        ];
        for (input, format, front, body, body_line) in cases {
            let s = split(input).unwrap();
            assert_eq!(s.front.as_ref().map(|f| f.format), format, "{input:?}");
            assert_eq!(s.front.as_ref().map_or("", |f| f.text), front, "{input:?}");
            assert_eq!((s.body, s.body_line), (body, body_line), "{input:?}");
        }
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let e = split("+++\ntitle = \"a\"\nbody\n").unwrap_err();
        assert_eq!((e.kind, e.line), (ErrorKind::FrontMatter, 1));
    }

    #[test]
    fn toml_unknown_key_names_key_and_line() {
        let text = "+++\ntitle = \"a\"\ncolour = \"red\"\n+++\n";
        let s = split(text).unwrap();
        let e = read(s.front.as_ref().unwrap()).unwrap_err();
        assert_eq!((e.kind, e.line), (ErrorKind::UnknownKey, 3));
        assert!(e.message.contains("colour"), "{}", e.message);
    }

    #[test]
    fn yaml_unknown_key_names_key_and_line() {
        let text = "---\ntitle: a\n\nflavour: x\n---\n";
        let s = split(text).unwrap();
        let e = read(s.front.as_ref().unwrap()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownKey);
        assert_eq!(e.line, 4, "{e:?}");
        assert!(e.message.contains("flavour"), "{}", e.message);
    }

    #[test]
    fn toml_dates_and_authors() {
        let text = "+++\ntitle = \"a\"\ndate = 2024-01-01T07:13:02+09:00\nauthor = [\"A\", \"B\"]\nupdated = \"2024-01-02 10:00\"\n+++\n";
        let fm = read(split(text).unwrap().front.as_ref().unwrap()).unwrap();
        assert_eq!(fm.date.unwrap().as_text(), "2024-01-01T07:13:02+09:00");
        assert_eq!(fm.updated.unwrap().as_text(), "2024-01-02 10:00");
        assert_eq!(fm.author.unwrap().into_vec(), ["A", "B"]);
    }

    #[test]
    fn access_values() {
        let read_access = |v: &str| {
            let text = format!("+++\ntitle = \"a\"\naccess = {v}\n+++\n");
            read(split(&text).unwrap().front.as_ref().unwrap()).map(|fm| fm.access)
        };
        assert_eq!(read_access("\"subscribers\"").unwrap(), Some(super::super::Access::Subscribers));
        assert_eq!(read_access("\"free\"").unwrap(), Some(super::super::Access::Free));
        let e = read_access("\"paid\"").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.message.contains("subscribers"), "{}", e.message);
    }

    #[test]
    fn wrong_type_is_located() {
        let text = "+++\ntitle = \"a\"\ntags = \"x\"\n+++\n";
        let e = read(split(text).unwrap().front.as_ref().unwrap()).unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
    }
}
