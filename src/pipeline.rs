//! `build`: the stage list, in order, with timings. config → load → parse → site → render → write.
//!
//! Every stage collects all of its errors before the build fails, so one run reports every bad
//! file. Nothing touches the output folder until every page has rendered: a failed build leaves
//! the previous site as it was.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::config::{self, Overrides};
use crate::diag::{Diagnostic, Diagnostics, ErrorKind, ParseError, line_col};
use crate::load::{self, SourceFile};
use crate::parse::{self, ParseOptions, Story};
use crate::render::digest::{Digester, TemplateDigests};
use crate::render::{self, Job, Renderer, output_path, theme};
use crate::site::Site;
use crate::write::{self, Staging};

/// What `gazette build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub site_dir: PathBuf,
    pub output: Option<PathBuf>,
    pub overrides: Overrides,
}

/// What a build did.
#[derive(Debug)]
pub struct Report {
    pub stories: usize,
    pub pages: usize,
    pub written: usize,
    pub unchanged: usize,
    pub warnings: Vec<Diagnostic>,
    /// Embargoed stories left out.
    pub held_back: usize,
    pub stages: Vec<(&'static str, Duration)>,
    pub output: PathBuf,
}

/// Hears about a build's progress (the command line draws a progress bar with it).
pub trait Observer: Sync {
    /// A stage starts; `total` is how many steps it reports through [`Observer::advance`] (0: none).
    fn stage(&self, _name: &'static str, _total: usize) {}
    fn advance(&self, _steps: usize) {}
}

/// An observer that ignores everything.
pub struct Quiet;

impl Observer for Quiet {}

/// Builds the site. Errors in stories or templates come back as [`Diagnostics`].
pub fn build(opts: &BuildOptions) -> Result<Report> {
    build_observed(opts, &Quiet)
}

/// [`build`], telling `observer` how far it got.
pub fn build_observed(opts: &BuildOptions, observer: &dyn Observer) -> Result<Report> {
    let mut t = Timer::default();
    if !opts.site_dir.join("content").is_dir() {
        anyhow::bail!(
            "{} has no content/ folder: a site folder holds content/ (stories), and optionally templates/, static/ and gazette.toml",
            display(&opts.site_dir)
        );
    }
    let config = config::load(&opts.site_dir, &opts.overrides)?;
    t.lap("config");
    let inputs = load::inputs(&opts.site_dir)?;
    t.lap("load");
    let load::Inputs { stories: files, templates: site_templates, statics: static_files, errors: load_errors } = inputs;
    observer.stage("parse", 0);
    let stories = parse_all(&files, &ParseOptions::from_config(&config));
    let tera = theme::build(&site_templates, &opts.site_dir.join("templates"));
    t.lap("parse");
    let (stories, tera) = match (stories, tera, load_errors) {
        (Ok(s), Ok(t), e) if e.is_empty() => (s, t),
        (s, t, mut e) => {
            e.extend(s.err().unwrap_or_default());
            e.extend(t.err().unwrap_or_default());
            return Err(Diagnostics::sorted(e).into());
        }
    };
    let stories = stories.into_iter().map(std::sync::Arc::new).collect();
    observer.stage("site", 0);
    let mut site = Site::assemble(config, stories).map_err(Diagnostics::sorted)?;
    t.lap("site");
    observer.stage("related", 0);
    site.link_related();
    t.lap("related");
    let output = opts.output.clone().unwrap_or_else(|| opts.site_dir.join("public"));
    let jobs = render::plan(&site);
    let templates = TemplateDigests::new(&theme::final_set(&site_templates));
    let digester = Digester::new(&site, &templates, config::fingerprint(&opts.site_dir, &opts.overrides));
    let planned: Vec<(Job, String, u64)> =
        jobs.par_iter().map(|&job| (job, output_path(&site, job), digester.digest(job))).collect();
    let statics = read_statics(&static_files)?;
    let pages: std::collections::HashSet<&str> = planned.iter().map(|(_, p, _)| p.as_str()).collect();
    let clashes =
        static_clashes(&opts.site_dir, statics.iter().map(|(rel, _)| rel.as_str()), |rel| pages.contains(rel));
    if !clashes.is_empty() {
        return Err(Diagnostics::sorted(clashes).into());
    }
    let mut cache: BTreeMap<String, u64> = planned.iter().map(|(_, path, d)| (path.clone(), *d)).collect();
    cache.extend(statics.iter().map(|(rel, bytes)| (format!("static:{rel}"), bytes_digest(bytes))));
    t.lap("plan");
    if write::read_cache(&output) == Some(cache.clone()) {
        // Nothing any output file is made from changed: leave the folder alone.
        return Ok(report(&site, jobs.len(), 0, planned.len() + statics.len(), t, output));
    }
    let staging = Staging::begin(&output)?;
    let top: std::collections::BTreeSet<&str> =
        planned.iter().filter_map(|(_, path, _)| path.split_once('/').map(|(first, _)| first)).collect();
    staging.make_top_folders(top)?;
    let renderer = Renderer::new(&site, &tera);
    observer.stage("render", planned.len());
    // The first failed write (a full disk, a read-only folder) stops the rendering: every later
    // page would fail the same way. It is reported once, with how many writes failed.
    let write_errors = std::sync::Mutex::new(Vec::new());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let put = |path: &str, bytes: &[u8]| {
        if let Err(e) = staging.put(path, bytes) {
            stop.store(true, Ordering::Relaxed);
            write_errors.lock().unwrap_or_else(|p| p.into_inner()).push(e);
        }
    };
    let mut errors: Vec<Diagnostic> = planned
        .par_iter()
        .filter_map(|(job, path, digest)| {
            observer.advance(1);
            if stop.load(Ordering::Relaxed) || staging.keep(path, *digest) {
                return None;
            }
            match renderer.render(*job) {
                Ok((p, bytes)) => {
                    debug_assert_eq!(&p, path, "output_path must agree with render");
                    put(path, &bytes);
                    None
                }
                Err(e) => Some(e),
            }
        })
        .collect();
    t.lap("render");
    for (rel, bytes) in &statics {
        if !stop.load(Ordering::Relaxed) && !staging.keep_static(rel, bytes_digest(bytes)) {
            put(rel, bytes);
        }
    }
    let mut write_errors: Vec<Diagnostic> = write_errors.into_inner().unwrap_or_else(|p| p.into_inner());
    write_errors.sort();
    if let Some(mut first) = write_errors.into_iter().next() {
        first.hint = Some("the build stopped at the first output file it could not write".into());
        errors.push(first);
    }
    if errors.is_empty()
        && let Err(e) = staging.prune(&cache)
    {
        errors.push(e);
    }
    if !errors.is_empty() {
        staging.abandon();
        return Err(Diagnostics::sorted(errors).into());
    }
    let (written, unchanged) = (staging.written.load(Ordering::Relaxed), staging.unchanged.load(Ordering::Relaxed));
    observer.stage("write", 0);
    staging.commit(&cache).with_context(|| format!("replacing {}", output.display()))?;
    t.lap("write");
    Ok(report(&site, jobs.len(), written, unchanged, t, output))
}

fn report(site: &Site, pages: usize, written: usize, unchanged: usize, t: Timer, output: PathBuf) -> Report {
    Report {
        stories: site.chains.len(),
        pages,
        written,
        unchanged,
        warnings: site.warnings.clone(),
        held_back: site.held_back,
        stages: t.stages,
        output,
    }
}

/// Static files that would replace a generated page: an error each, naming the file.
pub fn static_clashes<'a>(
    site_dir: &Path,
    statics: impl Iterator<Item = &'a str>,
    is_page: impl Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    statics
        .filter(|rel| is_page(rel))
        .map(|rel| {
            let msg = format!("static/{rel} would replace the page Gazette generates at /{rel}; rename or remove it");
            Diagnostic::new(&site_dir.join("static").join(rel), 1, 1, msg)
        })
        .collect()
}

/// Reads every static file: `(path under the output, bytes)`.
fn read_statics(statics: &[(PathBuf, PathBuf)]) -> Result<Vec<(String, Vec<u8>)>> {
    statics
        .par_iter()
        .map(|(rel, from)| {
            let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
            Ok((rel.to_string_lossy().replace('\\', "/"), bytes))
        })
        .collect()
}

/// A fingerprint of a file's bytes.
pub fn bytes_digest(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Reads and parses every story file in parallel; all errors of all files, or all stories.
pub fn parse_all(files: &[(PathBuf, PathBuf)], opts: &ParseOptions) -> Result<Vec<Story>, Vec<Diagnostic>> {
    let results: Vec<Result<Story, Vec<Diagnostic>>> = files
        .par_iter()
        .map(|(rel, path)| SourceFile::read(rel, path).map_err(|d| vec![d]).and_then(|f| parse_file(&f, opts)))
        .collect();
    let mut stories = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(s) => stories.push(s),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() { Ok(stories) } else { Err(errors) }
}

pub fn parse_file(f: &SourceFile, opts: &ParseOptions) -> Result<Story, Vec<Diagnostic>> {
    let text = std::str::from_utf8(&f.bytes).map_err(|e| {
        let valid = std::str::from_utf8(&f.bytes[..e.valid_up_to()]).unwrap_or_default();
        let (line, col) = line_col(valid, valid.len());
        vec![
            ParseError::new(ErrorKind::Encoding, line, col, "the file is not valid UTF-8; save it as UTF-8")
                .at(&f.path),
        ]
    })?;
    parse::parse_story(&f.rel, text, opts).map_err(|errs| errs.into_iter().map(|e| e.at(&f.path)).collect())
}

#[derive(Default)]
struct Timer {
    last: Option<Instant>,
    stages: Vec<(&'static str, Duration)>,
}

impl Timer {
    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        let start = *self.last.get_or_insert(now);
        self.stages.push((name, now - start));
        self.last = Some(now);
    }
}

/// A display path: `./x` shown as `x`.
pub fn display(path: &Path) -> String {
    match path.strip_prefix(".").unwrap_or(path).display().to_string() {
        s if s.is_empty() => ".".into(),
        s => s,
    }
}
