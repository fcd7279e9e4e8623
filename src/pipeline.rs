//! `build`: the stage list, in order, with timings. config → load → parse → site → render → write.
//!
//! Every stage collects all of its errors before the build fails, so one run reports every bad
//! file. Nothing touches the output folder until every page has rendered: a failed build leaves
//! the previous site as it was.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::config::{self, Overrides};
use crate::diag::{Diagnostic, Diagnostics, ErrorKind, ParseError, line_col};
use crate::load::{self, SourceFile};
use crate::parse::{self, ParseOptions, Story};
use crate::render::{self, theme};
use crate::site::Site;
use crate::write::Staging;

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
    pub warnings: Vec<String>,
    /// Embargoed stories left out.
    pub held_back: usize,
    pub stages: Vec<(&'static str, Duration)>,
    pub output: PathBuf,
}

/// Builds the site. Errors in stories or templates come back as [`Diagnostics`].
pub fn build(opts: &BuildOptions) -> Result<Report> {
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
    let stories = parse_all(&inputs.stories, &ParseOptions { tz: config.timezone.clone() });
    let tera = theme::build(&inputs.templates, &opts.site_dir.join("templates"));
    t.lap("parse");
    let (stories, tera) = match (stories, tera, inputs.errors) {
        (Ok(s), Ok(t), e) if e.is_empty() => (s, t),
        (s, t, mut e) => {
            e.extend(s.err().unwrap_or_default());
            e.extend(t.err().unwrap_or_default());
            return Err(Diagnostics::sorted(e).into());
        }
    };
    let stories = stories.into_iter().map(std::sync::Arc::new).collect();
    let mut site = Site::assemble(config, stories).map_err(Diagnostics::sorted)?;
    t.lap("site");
    site.link_related();
    t.lap("related");
    let output = opts.output.clone().unwrap_or_else(|| opts.site_dir.join("public"));
    let staging = Staging::begin(&output)?;
    let jobs = render::plan(&site);
    let mut errors = render::render_all(&site, &tera, &jobs, |path, bytes| staging.put(path, bytes));
    t.lap("render");
    for (rel, from) in &inputs.statics {
        if let Err(e) = staging.copy(&rel.to_string_lossy().replace('\\', "/"), from) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        staging.abandon();
        return Err(Diagnostics::sorted(errors).into());
    }
    let (written, unchanged) = (
        staging.written.load(std::sync::atomic::Ordering::Relaxed),
        staging.unchanged.load(std::sync::atomic::Ordering::Relaxed),
    );
    staging.commit().with_context(|| format!("replacing {}", output.display()))?;
    t.lap("write");
    Ok(Report {
        stories: site.chains.len(),
        pages: jobs.len(),
        written,
        unchanged,
        warnings: site.warnings,
        held_back: site.held_back,
        stages: t.stages,
        output,
    })
}

/// Parses every story in parallel; all errors of all files, or all stories.
pub fn parse_all(files: &[SourceFile], opts: &ParseOptions) -> Result<Vec<Story>, Vec<Diagnostic>> {
    let results: Vec<Result<Story, Vec<Diagnostic>>> = files.par_iter().map(|f| parse_file(f, opts)).collect();
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
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}
