//! Authors: the files of `authors/` (one `ID.toml` per reporter, read by `load`) → [`Authors`].
//!
//! The file stem is the author's id and URL slug (`authors/lena-vastrow.toml` →
//! `/authors/lena-vastrow/`). Each file is read into [`RawAuthor`] (serde, `deny_unknown_fields`,
//! values that can be wrong carry their place as a [`Spanned`]) and checked; every bad value of
//! every file is a located `authors/ID.toml:LINE:COL` diagnostic, and the good files are kept, so
//! `check` can go on with them. No I/O: [`parse`] takes the files' text.
//!
//! A byline names an author by id, by any of the author's names (in any language) or, in wire
//! copy, by one of the author's e-mail addresses ([`Authors::find`], [`Authors::by_email`]); two
//! authors sharing a name or an address are an error, since a byline could not tell them apart.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use typed_index_collections::{TiSlice, TiVec};

use crate::config::{Config, LangId};
use crate::diag::{Diagnostic, line_col};
use crate::parse::front_matter::OneOrMany;
use crate::site::index_id;
use crate::text::slugify;

index_id! {
    /// An author of [`Authors`], in the order of their ids.
    AuthorId;
}

/// An author file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuthor {
    /// The name bylines give, in the default language.
    pub name: Spanned<String>,
    /// The job title: "World affairs correspondent".
    pub role: Option<String>,
    /// A short biography, plain text (blank lines separate paragraphs).
    pub bio: Option<String>,
    /// A portrait: a path under `static/` (`/authors/lena.jpg`) or an absolute URL.
    pub photo: Option<Spanned<String>>,
    /// One address or several: wire copy's e-mail lines name the author by them.
    pub email: Option<Spanned<OneOrMany>>,
    /// Social and other profile links.
    #[serde(default)]
    pub links: Vec<RawLink>,
    /// `[languages.XX]`: the name, role and bio in another of the site's languages.
    #[serde(default)]
    pub languages: BTreeMap<Spanned<String>, RawAuthorLanguage>,
}

/// `[[links]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub url: Spanned<String>,
    pub label: String,
}

/// `[languages.XX]` of an author file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawAuthorLanguage {
    pub name: Option<Spanned<String>>,
    pub role: Option<String>,
    pub bio: Option<String>,
}

/// One author, checked.
#[derive(Debug, Clone)]
pub struct Author {
    /// The file stem: a slug.
    pub id: String,
    /// The file it comes from (where diagnostics about it point).
    pub file: PathBuf,
    /// Per site language: the name, role and bio it is shown with (the default language's where
    /// the file gives none for that language).
    pub text: TiVec<LangId, AuthorText>,
    pub photo: Option<Photo>,
    pub emails: Vec<String>,
    pub links: Vec<Link>,
    /// A fingerprint of the file (path and text): what every page showing the author hashes.
    pub digest: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthorText {
    pub name: String,
    pub role: Option<String>,
    pub bio: Option<String>,
}

/// A portrait as written, and where (`static/` files are checked by the plan, which lists them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Photo {
    pub src: String,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link {
    pub url: String,
    pub label: String,
}

impl Author {
    pub fn name(&self, lang: LangId) -> &str {
        &self.text[lang].name
    }
}

/// Every author of the site, by id, with the names and e-mail addresses bylines are matched by.
#[derive(Debug, Default)]
pub struct Authors {
    list: TiVec<AuthorId, Author>,
    by_name: HashMap<String, AuthorId>,
    by_email: HashMap<String, AuthorId>,
}

impl Authors {
    /// Whether the site has no `authors/` files (bylines are then plain text, unchecked).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn all(&self) -> &TiSlice<AuthorId, Author> {
        &self.list
    }

    pub fn get(&self, id: AuthorId) -> &Author {
        &self.list[id]
    }

    /// The author a byline name names: by id, or by a name in any language (case and spacing
    /// aside).
    pub fn find(&self, byline: &str) -> Option<AuthorId> {
        self.by_name.get(&name_key(byline)).copied()
    }

    /// The author an e-mail address is, case aside.
    pub fn by_email(&self, email: &str) -> Option<AuthorId> {
        self.by_email.get(&email.trim().to_lowercase()).copied()
    }
}

/// What names are compared by: lower case, runs of spaces as one.
fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The files of `authors/` as `load` read them: where each is, and its text.
pub struct AuthorFile {
    pub path: PathBuf,
    pub text: String,
}

/// Checks every author file (`files` sorted by path): the authors of the good ones, and a located
/// error for every bad value of every file.
pub fn parse(files: &[AuthorFile], config: &Config) -> (Authors, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut authors = Authors::default();
    for file in files {
        match author(file, config) {
            Ok(a) => {
                let before = errors.len();
                clashes(&authors, &a, file, &mut errors);
                if errors.len() == before {
                    let id = authors.list.push_and_get_key(a);
                    let a = &authors.list[id];
                    let names = std::iter::once(a.id.clone()).chain(a.text.iter().map(|t| t.name.clone()));
                    for name in names {
                        authors.by_name.insert(name_key(&name), id);
                    }
                    for e in &a.emails {
                        authors.by_email.insert(e.to_lowercase(), id);
                    }
                }
            }
            Err(bad) => errors.extend(bad),
        }
    }
    (authors, errors)
}

/// An error for each name or address of `a` that an author read before already has.
fn clashes(authors: &Authors, a: &Author, file: &AuthorFile, errors: &mut Vec<Diagnostic>) {
    let names = std::iter::once(&a.id).chain(a.text.iter().map(|t| &t.name));
    let mut seen = Vec::new();
    for name in names {
        let key = name_key(name);
        if seen.contains(&key) {
            continue;
        }
        if let Some(&other) = authors.by_name.get(&key) {
            let at = locate_text(&file.text, name);
            let msg = format!(
                "the name `{name}` is also {}'s: a byline naming it could not tell the two apart",
                display(&authors.list[other].file)
            );
            errors.push(Diagnostic::new(&file.path, at.0, at.1, msg));
        }
        seen.push(key);
    }
    for e in &a.emails {
        if let Some(&other) = authors.by_email.get(&e.to_lowercase()) {
            let at = locate_text(&file.text, e);
            let msg = format!("the e-mail address `{e}` is also {}'s", display(&authors.list[other].file));
            errors.push(Diagnostic::new(&file.path, at.0, at.1, msg));
        }
    }
}

fn display(path: &Path) -> String {
    let parts: Vec<_> = path.iter().rev().take(2).collect();
    parts.into_iter().rev().collect::<PathBuf>().display().to_string()
}

/// The line and column where `needle` is first written in `text` as a quoted value, else as it
/// is (1:1 when it is not).
fn locate_text(text: &str, needle: &str) -> (usize, usize) {
    let quoted = text.find(&format!("\"{needle}\"")).map(|i| i + 1);
    quoted.or_else(|| text.find(needle)).map_or((1, 1), |i| line_col(text, i))
}

/// One file, checked: the author, or every bad value in it.
fn author(file: &AuthorFile, config: &Config) -> Result<Author, Vec<Diagnostic>> {
    let at = |span: std::ops::Range<usize>, msg: String| {
        let (line, col) = line_col(&file.text, span.start);
        Diagnostic::new(&file.path, line, col, msg)
    };
    let raw: RawAuthor = toml::from_str(&file.text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(&file.text, s.start));
        vec![Diagnostic::new(&file.path, line, col, e.message().trim().to_string())]
    })?;
    let mut errors = Vec::new();
    let stem = file.path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if slugify(stem) != stem || crate::text::check_segment(stem).is_err() {
        let msg = format!(
            "the file name `{stem}` is the author's URL slug: use lower-case letters, digits and hyphens, such as `{}`",
            slugify(stem)
        );
        errors.push(Diagnostic::new(&file.path, 1, 1, msg).with_hint("rename the file"));
    }
    let RawAuthor { name, role, bio, photo, email, links, languages } = raw;
    let name_span = name.span();
    let name = crate::text::clean_line(name.get_ref());
    if name.is_empty() {
        errors.push(at(name_span, "`name` is empty".into()));
    }
    let clean = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let bio_text = |s: Option<String>| clean(s.map(|b| crate::parse::normalize_newlines(&b)));
    let base = AuthorText { name, role: clean(role).map(|r| crate::text::clean_line(&r)), bio: bio_text(bio) };
    let mut text: TiVec<LangId, AuthorText> = vec![base.clone(); config.languages.len()].into();
    for (code, table) in languages {
        let Some(lang) = language(config, code.get_ref()) else {
            let known: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
            let msg = format!(
                "[languages.{}]: not a language of this site (gazette.toml lists {})",
                code.get_ref(),
                known.join(", ")
            );
            errors.push(at(code.span(), msg));
            continue;
        };
        let RawAuthorLanguage { name, role, bio } = table;
        let t = &mut text[lang];
        if let Some(n) = name {
            let cleaned = crate::text::clean_line(n.get_ref());
            if cleaned.is_empty() {
                errors.push(at(n.span(), format!("[languages.{}] `name` is empty", code.get_ref())));
            } else {
                t.name = cleaned;
            }
        }
        t.role = clean(role).map(|r| crate::text::clean_line(&r)).or(t.role.take());
        t.bio = bio_text(bio).or(t.bio.take());
    }
    let photo = photo.and_then(|p| {
        let src = p.get_ref().trim().to_string();
        if src.starts_with('/') || src.starts_with("https://") || src.starts_with("http://") {
            let (line, col) = line_col(&file.text, p.span().start);
            Some(Photo { src, line, col })
        } else {
            let msg = format!("photo `{src}`: give a path under static/ starting with `/`, or an absolute URL");
            errors.push(at(p.span(), msg));
            None
        }
    });
    let mut emails = Vec::new();
    if let Some(e) = email {
        let span = e.span();
        for address in e.into_inner().into_vec() {
            let address = address.trim().to_string();
            match address.split_once('@') {
                Some((user, host))
                    if !user.is_empty() && host.contains('.') && !address.contains(char::is_whitespace) =>
                {
                    emails.push(address)
                }
                _ => errors.push(at(span.clone(), format!("`{address}` is not an e-mail address"))),
            }
        }
    }
    let mut out_links = Vec::new();
    for l in links {
        let url = l.url.get_ref().trim().to_string();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace) {
            errors.push(at(l.url.span(), format!("link `{url}`: give an absolute http(s) URL")));
        } else if l.label.trim().is_empty() {
            errors.push(at(l.url.span(), format!("link `{url}` has an empty `label`")));
        } else {
            out_links.push(Link { url, label: crate::text::clean_line(&l.label) });
        }
    }
    if !errors.is_empty() {
        errors.sort();
        return Err(errors);
    }
    let digest = {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        (&file.path, &file.text).hash(&mut h);
        h.finish()
    };
    Ok(Author { id: stem.to_string(), file: file.path.clone(), text, photo, emails, links: out_links, digest })
}

/// The site language a code names: exactly, else by its base language (`en-GB` → `en`).
fn language(config: &Config, code: &str) -> Option<LangId> {
    let langs = &config.languages;
    let exact = langs.iter().position(|l| l.code.eq_ignore_ascii_case(code));
    let base = || {
        let base = code.split(['-', '_']).next()?;
        langs.iter().position(|l| l.code.eq_ignore_ascii_case(base))
    };
    exact.or_else(base).map(LangId::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, parse_raw, resolve};

    fn config() -> Config {
        let raw = parse_raw("[languages.ko]\ntitle = \"가제트\"\n").unwrap();
        resolve(raw, Path::new("."), &Overrides::default()).unwrap()
    }

    fn file(name: &str, text: &str) -> AuthorFile {
        AuthorFile { path: PathBuf::from(format!("authors/{name}.toml")), text: text.into() }
    }

    #[test]
    fn an_author_with_every_field() {
        let text = r#"name = "Lena Vastrow"
role = "World correspondent"
bio = "Covers the islands."
photo = "/authors/lena.svg"
email = ["vastrow@gazette.example", "lena@gazette.example"]

[[links]]
url = "https://social.example/@lena"
label = "Mastodon"

[languages.ko]
name = "레나 바스트로"
role = "국제부 기자"
"#;
        let (authors, errors) = parse(&[file("lena-vastrow", text)], &config());
        assert!(errors.is_empty(), "{errors:?}");
        let id = authors.find("lena  VASTROW").unwrap();
        assert_eq!(authors.find("레나 바스트로"), Some(id));
        assert_eq!(authors.find("lena-vastrow"), Some(id));
        assert_eq!(authors.by_email("Lena@Gazette.example"), Some(id));
        let a = authors.get(id);
        assert_eq!(a.name(LangId::from(1)), "레나 바스트로");
        assert_eq!(a.text[LangId::from(1)].bio.as_deref(), Some("Covers the islands."), "falls back");
        assert_eq!(a.text[LangId::from(1)].role.as_deref(), Some("국제부 기자"));
        assert_eq!(a.photo.as_ref().map(|p| (p.line, p.col)), Some((4, 9)));
        assert_eq!(a.links, [Link { url: "https://social.example/@lena".into(), label: "Mastodon".into() }]);
        assert!(authors.find("Tomas Reyl").is_none());
    }

    #[test]
    fn every_bad_value_of_every_file_is_located() {
        let files = [
            file("a", "name = \"A\"\ncolour = \"red\"\n"),
            file("b", "role = \"x\"\n"),
            file("c", "name = \"C\"\nemail = \"not an address\"\nphoto = \"c.jpg\"\n[languages.fr]\nname = \"C\"\n"),
            file("Bad Name", "name = \"D\"\n"),
            file("e", "name = \"E\"\n[[links]]\nurl = \"social.example/e\"\nlabel = \"E\"\n"),
        ];
        let (authors, errors) = parse(&files, &config());
        let got: Vec<(String, usize, usize)> =
            errors.iter().map(|d| (d.path.display().to_string(), d.line, d.col)).collect();
        let want = [
            ("authors/a.toml", 2, 1),
            ("authors/b.toml", 1, 1),
            ("authors/c.toml", 2, 9),
            ("authors/c.toml", 3, 9),
            ("authors/c.toml", 4, 12),
            ("authors/Bad Name.toml", 1, 1),
            ("authors/e.toml", 3, 7),
        ];
        let want: Vec<(String, usize, usize)> = want.iter().map(|(p, l, c)| (p.to_string(), *l, *c)).collect();
        assert_eq!(got, want, "{errors:#?}");
        assert!(errors[0].message.contains("colour"), "{}", errors[0].message);
        assert!(errors[1].message.contains("name"), "{}", errors[1].message);
        assert!(authors.is_empty());
    }

    #[test]
    fn two_authors_sharing_a_name_or_an_address_is_an_error_at_the_second() {
        let files = [
            file("a", "name = \"Sam Lee\"\nemail = \"sam@x.example\"\n"),
            file("b", "name = \"Sam  Lee\"\n"),
            file("c", "name = \"Other\"\nemail = \"SAM@x.example\"\n"),
        ];
        let (authors, errors) = parse(&files, &config());
        let at: Vec<(String, usize)> = errors.iter().map(|d| (d.path.display().to_string(), d.line)).collect();
        assert_eq!(at, [("authors/b.toml".to_string(), 1), ("authors/c.toml".to_string(), 2)], "{errors:?}");
        assert!(errors[0].message.contains("authors/a.toml"), "{}", errors[0].message);
        assert_eq!(authors.all().len(), 1);
    }
}
