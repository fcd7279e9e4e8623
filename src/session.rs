//! An incremental build held in memory, for `serve`: parsed stories, templates, the site model and,
//! per output file, the digest of what it was made from ([`render::digest`]).
//!
//! A rebuild re-reads only the files that changed, re-assembles the model (cheap: no I/O, no
//! parsing), then renders and writes only the jobs whose digest changed and removes files no longer
//! made. Invariant: after any rebuild, the output folder holds exactly the bytes a full
//! `gazette build` of the same inputs (and the same build time) writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;
use tera::Tera;

use crate::config::{self, Config, Overrides};
use crate::diag::{Diagnostic, Diagnostics};
use crate::load;
use crate::parse::{ParseOptions, Story};
use crate::pipeline::parse_file;
use crate::render::digest::{Digester, TemplateDigests};
use crate::render::{self, Renderer, output_path, theme};
use crate::site::{Site, model_fingerprint};
use crate::write;

/// What changed since the last rebuild, as `watch` sorts it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Story files under `content/` (paths relative to it) that were written, added or removed.
    pub stories: BTreeSet<PathBuf>,
    /// A folder under `content/` changed as a whole (renamed, removed): rescan everything.
    pub content_tree: bool,
    pub templates: bool,
    pub statics: bool,
    pub config: bool,
}

impl Changes {
    /// Everything, as for the first build.
    pub fn all() -> Self {
        Changes { content_tree: true, templates: true, statics: true, config: true, ..Default::default() }
    }

    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }

    /// Adds another batch of changes to this one.
    pub fn merge(&mut self, more: Changes) {
        self.stories.extend(more.stories);
        self.content_tree |= more.content_tree;
        self.templates |= more.templates;
        self.statics |= more.statics;
        self.config |= more.config;
    }
}

/// What one rebuild did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stories: usize,
    pub pages: usize,
    /// Files rendered and written (their digest changed).
    pub written: usize,
    pub removed: usize,
    pub held_back: usize,
    /// The model's warnings (slug collisions), located.
    pub warnings: Vec<Diagnostic>,
    pub elapsed: Duration,
}

/// One story file: parsed, or its errors.
type Parsed = Result<Arc<Story>, Vec<Diagnostic>>;

pub struct Session {
    site_dir: PathBuf,
    out: PathBuf,
    overrides: Overrides,
    config: Option<Config>,
    config_print: u64,
    stories: BTreeMap<PathBuf, Parsed>,
    templates: Vec<(String, String)>,
    tera: Result<Tera, Vec<Diagnostic>>,
    template_digests: TemplateDigests,
    load_errors: Vec<Diagnostic>,
    /// Output file → digest of what it was made from (pages) or of its bytes (static files).
    written: HashMap<String, u64>,
    /// The model of the last successful rebuild, kept for the fast path ([`Session::reuse`]).
    site: Option<Site>,
    /// Changes a failed rebuild did not finish applying; the next rebuild applies them too.
    pending: Changes,
}

impl Session {
    /// A session that builds `site_dir` into `out` (a folder of its own, written in place).
    pub fn new(site_dir: &Path, out: &Path, overrides: Overrides) -> Self {
        Session {
            site_dir: site_dir.to_path_buf(),
            out: out.to_path_buf(),
            overrides,
            config: None,
            config_print: 0,
            stories: BTreeMap::new(),
            templates: Vec::new(),
            tera: Err(Vec::new()),
            template_digests: TemplateDigests::new(&HashMap::new()),
            load_errors: Vec::new(),
            written: HashMap::new(),
            site: None,
            pending: Changes::default(),
        }
    }

    pub fn output(&self) -> &Path {
        &self.out
    }

    /// Applies `changes`. On error (a bad story, template or config) the output is left as it was
    /// and the error lists every problem; a later rebuild picks up from the files as they are then.
    pub fn rebuild(&mut self, changes: &Changes) -> Result<Outcome> {
        let mut all = std::mem::take(&mut self.pending);
        if !all.is_empty() {
            // After a failed rebuild the stories already hold the new text: the fast path could
            // not tell what changed since the kept model, so assemble afresh.
            self.site = None;
        }
        all.merge(changes.clone());
        let result = self.apply(&all);
        if result.is_err() {
            self.pending = all;
        }
        result
    }

    fn apply(&mut self, changes: &Changes) -> Result<Outcome> {
        let started = Instant::now();
        let first = self.config.is_none();
        if first {
            write::claim_dir(&self.out)?;
        }
        let everything = first || changes.config;
        if everything {
            self.load_config()?;
        }
        let config = self.config.as_mut().expect("config loaded above");
        if self.overrides.now.is_none() {
            config.now = jiff::Timestamp::now().to_zoned(config.timezone.clone());
        }
        let before: Vec<Option<Arc<Story>>> =
            changes.stories.iter().map(|rel| self.stories.get(rel).and_then(|p| p.as_ref().ok().cloned())).collect();
        if everything || changes.content_tree || !changes.stories.is_empty() {
            self.sync_stories(everything || changes.content_tree, &changes.stories)?;
        }
        if everything || changes.templates {
            self.load_templates()?;
        }
        let reusable = !everything && !changes.content_tree && self.load_errors.is_empty();
        let site = match self.site.take().filter(|_| reusable) {
            Some(old) => match self.reuse(old, changes, &before) {
                Ok(site) => site,
                Err(_) => self.assemble()?,
            },
            None => self.assemble()?,
        };
        let tera = std::mem::replace(&mut self.tera, Err(Vec::new()));
        let result = match &tera {
            Ok(t) => self.write_pages(&site, t),
            Err(e) => Err(Diagnostics::sorted(e.clone()).into()),
        };
        self.tera = tera;
        let mut outcome = result?;
        if everything || changes.statics {
            self.sync_statics(&mut outcome)?;
        }
        let cache: std::collections::BTreeMap<&String, &u64> = self.written.iter().collect();
        write::put_atomic(&self.out, write::MARKER, write::marker_text(cache).as_bytes())
            .map_err(|d| Diagnostics::sorted(vec![d]))?;
        outcome.stories = site.chains.len();
        outcome.held_back = site.held_back;
        outcome.warnings = site.warnings.clone();
        outcome.elapsed = started.elapsed();
        self.site = Some(site);
        Ok(outcome)
    }

    /// The fast path for the most common edit, text that no list or link shows: when every
    /// changed story reads the same to the site model ([`model_fingerprint`]) and no embargo or
    /// expiry passed since the last rebuild, the previous model is kept with the new stories put in.
    /// Gives the old site back (as the error) when it cannot be reused.
    fn reuse(&self, mut site: Site, changes: &Changes, before: &[Option<Arc<Story>>]) -> Result<Site, Box<Site>> {
        let config = self.config.as_ref().expect("config");
        let (then, now) = (site.config.now.clone(), config.now.clone());
        let crossed = |t: &jiff::Zoned| then < *t && *t <= now;
        if self.stories.values().flatten().any(|s| crossed(s.release_time()) || s.expires.as_ref().is_some_and(crossed))
        {
            return Err(Box::new(site));
        }
        let mut swaps = Vec::new();
        for (rel, old) in changes.stories.iter().zip(before) {
            let (Some(old), Some(Ok(new))) = (old, self.stories.get(rel)) else { return Err(Box::new(site)) };
            if model_fingerprint(old) != model_fingerprint(new) {
                return Err(Box::new(site));
            }
            swaps.push(Arc::clone(new));
        }
        for new in swaps {
            if let Ok(i) = site.stories.binary_search_by(|s| s.source.cmp(&new.source)) {
                site.stories[i] = new;
            }
        }
        site.config.now = now;
        Ok(site)
    }

    fn load_config(&mut self) -> Result<()> {
        let config = config::load(&self.site_dir, &self.overrides)?;
        self.config_print = config::fingerprint(&self.site_dir, &self.overrides);
        let tz_changed = self.config.as_ref().is_none_or(|c| c.timezone != config.timezone);
        self.config = Some(config);
        if tz_changed {
            self.stories.clear(); // dates without an offset read differently
        }
        Ok(())
    }

    /// Re-reads the changed story files; with `rescan`, lists `content/` again and re-reads every
    /// story file (a folder created, removed or renamed, lost watcher events, the first build).
    fn sync_stories(&mut self, rescan: bool, changed: &BTreeSet<PathBuf>) -> Result<()> {
        let content = self.site_dir.join("content");
        let mut todo: Vec<(PathBuf, PathBuf)> = Vec::new();
        if rescan {
            let mut errors = Vec::new();
            let listed = load::story_paths(&self.site_dir, &mut errors)?;
            self.load_errors = errors;
            // A rescan is what the watcher asks for when it may have missed events: a file written
            // into a folder before the folder was watched, or the events of files in a folder that
            // was removed and made again (the debouncer drops them). A kept parse of a file that
            // is still listed may be stale, so every file is read again; unchanged stories give
            // unchanged digests, so only what really changed is rendered.
            self.stories.clear();
            todo = listed;
        } else {
            for rel in changed {
                let path = content.join(rel);
                if path.is_file() {
                    todo.push((rel.clone(), path));
                } else {
                    self.stories.remove(rel);
                }
            }
        }
        let opts = ParseOptions::from_config(self.config.as_ref().expect("config"));
        let parsed: Vec<(PathBuf, Parsed)> = todo
            .par_iter()
            .map(|(rel, path)| {
                let file = load::SourceFile::read(rel, path).map_err(|d| vec![d]);
                (rel.clone(), file.and_then(|f| parse_file(&f, &opts).map(Arc::new)))
            })
            .collect();
        self.stories.extend(parsed);
        Ok(())
    }

    fn load_templates(&mut self) -> Result<()> {
        let mut errors = Vec::new();
        self.templates = load::templates(&self.site_dir, &mut errors)?;
        let dir = self.site_dir.join("templates");
        self.tera = if errors.is_empty() { theme::build(&self.templates, &dir) } else { Err(errors) };
        self.template_digests = TemplateDigests::new(&theme::final_set(&self.templates));
        Ok(())
    }

    /// The site model from the current stories, or every error there is.
    fn assemble(&self) -> Result<Site> {
        let mut errors = self.load_errors.clone();
        let mut stories = Vec::with_capacity(self.stories.len());
        for parsed in self.stories.values() {
            match parsed {
                Ok(s) => stories.push(Arc::clone(s)),
                Err(e) => errors.extend(e.iter().cloned()),
            }
        }
        if let Err(e) = &self.tera {
            errors.extend(e.iter().cloned());
        }
        if !errors.is_empty() {
            return Err(Diagnostics::sorted(errors).into());
        }
        let config = self.config.clone().expect("config");
        let mut site = Site::assemble(config, stories).map_err(Diagnostics::sorted)?;
        site.link_related();
        Ok(site)
    }

    /// Renders the jobs whose digest changed, writes them, and removes pages no longer made.
    fn write_pages(&mut self, site: &Site, tera: &Tera) -> Result<Outcome> {
        let jobs = render::plan(site);
        let digester = Digester::new(site, &self.template_digests, self.config_print);
        let planned: Vec<(render::Job, String, u64)> =
            jobs.par_iter().map(|&job| (job, output_path(site, job), digester.digest(job))).collect();
        let statics: Vec<&str> = self.written.keys().filter_map(|k| k.strip_prefix("static:")).collect();
        let clashes = crate::pipeline::static_clashes(&self.site_dir, statics.into_iter(), |rel| {
            planned.iter().any(|(_, p, _)| p == rel)
        });
        if !clashes.is_empty() {
            return Err(Diagnostics::sorted(clashes).into());
        }
        let renderer = Renderer::new(site, tera);
        let out = &self.out;
        let stale: Vec<&(render::Job, String, u64)> =
            planned.iter().filter(|(_, path, d)| self.written.get(path) != Some(d)).collect();
        let rendered: Vec<Result<(String, Vec<u8>), Diagnostic>> =
            stale.par_iter().map(|(job, _, _)| renderer.render(*job)).collect();
        let mut errors = Vec::new();
        let mut files = Vec::with_capacity(rendered.len());
        for r in rendered {
            match r {
                Ok(f) => files.push(f),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(Diagnostics::sorted(errors).into());
        }
        let written: Vec<Diagnostic> =
            files.par_iter().filter_map(|(path, bytes)| write::put_atomic(out, path, bytes).err()).collect();
        if !written.is_empty() {
            return Err(Diagnostics::sorted(written).into());
        }
        let now_made: HashMap<String, u64> = planned.into_iter().map(|(_, p, d)| (p, d)).collect();
        let mut outcome = Outcome { pages: now_made.len(), written: files.len(), ..Default::default() };
        let gone: Vec<String> =
            self.written.keys().filter(|p| !now_made.contains_key(*p) && !p.starts_with("static:")).cloned().collect();
        for path in &gone {
            write::remove(out, path).map_err(|d| Diagnostics::sorted(vec![d]))?;
            self.written.remove(path);
        }
        outcome.removed = gone.len();
        self.written.retain(|p, _| p.starts_with("static:"));
        self.written.extend(now_made);
        Ok(outcome)
    }

    /// Copies static files whose bytes changed and removes those that went away. Static files are
    /// tracked as `static:PATH` so they never clash with page paths in the map.
    fn sync_statics(&mut self, outcome: &mut Outcome) -> Result<()> {
        let mut errors = Vec::new();
        let statics = load::statics(&self.site_dir, &mut errors)?;
        let rels: Vec<String> = statics.iter().map(|(rel, _)| rel.to_string_lossy().replace('\\', "/")).collect();
        let clashes = crate::pipeline::static_clashes(&self.site_dir, rels.iter().map(String::as_str), |rel| {
            self.written.contains_key(rel)
        });
        if !clashes.is_empty() {
            return Err(Diagnostics::sorted(clashes).into());
        }
        let mut seen = BTreeSet::new();
        for (rel, from) in &statics {
            let rel = rel.to_string_lossy().replace('\\', "/");
            let Ok(bytes) = std::fs::read(from) else { continue };
            let digest = crate::pipeline::bytes_digest(&bytes);
            let key = format!("static:{rel}");
            seen.insert(key.clone());
            if self.written.get(&key) != Some(&digest) {
                write::put_atomic(&self.out, &rel, &bytes).map_err(|d| Diagnostics::sorted(vec![d]))?;
                self.written.insert(key, digest);
                outcome.written += 1;
            }
        }
        let gone: Vec<String> =
            self.written.keys().filter(|k| k.starts_with("static:") && !seen.contains(*k)).cloned().collect();
        for key in gone {
            let rel = &key["static:".len()..];
            // A page may have taken the path since: only remove what no page writes.
            if !self.written.contains_key(rel) {
                write::remove(&self.out, rel).map_err(|d| Diagnostics::sorted(vec![d]))?;
            }
            self.written.remove(&key);
            outcome.removed += 1;
        }
        Ok(())
    }
}
