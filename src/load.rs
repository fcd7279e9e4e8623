//! Load: every file read of a build. Walks `content/` (stories), `templates/` (theme overrides)
//! and `static/` (copied as is) and returns their bytes or paths, sorted so that nothing later
//! depends on the order the file system lists them in.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use walkdir::WalkDir;

use crate::diag::Diagnostic;

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

/// Everything the build finds in the site folder. Story files are listed, not read: the pipeline
/// reads each one as it parses it, so a story's raw bytes never outlive its parsing.
pub struct Inputs {
    /// `(path under content/, path on disk)` of every story file, sorted.
    pub stories: Vec<(PathBuf, PathBuf)>,
    /// `(name, text)` of the site's own templates, e.g. `("article.html", "…")`.
    pub templates: Vec<(String, String)>,
    /// Every file under `static/`, with the size and time the build cache compares.
    pub statics: Vec<StaticFile>,
    /// Files that could not be read (symlinks that leave the site or loop, permission errors).
    pub errors: Vec<Diagnostic>,
}

/// Lists the inputs of the site at `site_dir` and reads its templates.
pub fn inputs(site_dir: &Path) -> Result<Inputs> {
    let mut errors = Vec::new();
    let stories = story_paths(site_dir, &mut errors)?;
    let templates = templates(site_dir, &mut errors)?;
    let statics = statics(site_dir, &mut errors)?;
    Ok(Inputs { stories, templates, statics, errors })
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
    use super::is_ignored;

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
