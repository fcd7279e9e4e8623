//! An incremental build held in memory, for `serve`: parsed stories, templates, the site model and,
//! per output file, the digest of what it was made from ([`render::digest`]).
//!
//! A rebuild re-reads only the files that changed, re-assembles the model (cheap: no I/O, no
//! parsing), plans the outputs and runs the build's own render loop ([`render::run`]) into the
//! served folder ([`InPlace`]): only files whose digest changed, or whose copy on disk was lost or
//! altered, are rendered; files no longer made are removed. A rebuild that changes only stories'
//! text or only templates keeps the last plan ([`Planned`]). Invariant: after any rebuild that
//! left nothing to the next ([`Outcome::left`]), the output folder holds exactly the bytes a full
//! `gazette build` of the same inputs (and the same build time) writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;
use tera::Tera;

use crate::authors::Authors;
use crate::bodies::{Body, Spool};
use crate::config::{self, Config, Overrides};
use crate::diag::{Diagnostic, Diagnostics};
use crate::load::{self, StaticFile};
use crate::parse::{ParseOptions, Story};
use crate::pipeline::{self, Timer, parse_file};
use crate::plan::Plan;
use crate::render::digest::{Digester, Parts, Readers, TemplateDigests};
use crate::render::{self, Renderer, Strings, theme};
use crate::site::{ChainId, Photos, Site};
use crate::write::{self, InPlace, cache::Records};

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
    /// A file of `authors/` was written, added or removed: every author file is read again.
    pub authors: bool,
    /// A photo beside the stories (`content/…/*.jpg`, `.png`) changed: the photos stage re-checks
    /// every photo (by size, mtime and inode) on any rebuild, so this only has to cause one.
    pub photos: bool,
}

impl Changes {
    /// Everything, as for the first build.
    pub fn all() -> Self {
        Changes {
            content_tree: true,
            templates: true,
            statics: true,
            config: true,
            authors: true,
            photos: true,
            ..Default::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }

    /// What a rebuild applies, for its line: `content/world/a.md`, `3 stories, templates`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.stories.len() {
            0 => {}
            1 => parts.extend(self.stories.iter().map(|p| format!("content/{}", p.display()))),
            n => parts.push(format!("{n} stories")),
        }
        for (flag, name) in [
            (self.content_tree, "content/"),
            (self.templates, "templates"),
            (self.statics, "static"),
            (self.config, "gazette.toml"),
            (self.authors, "authors"),
            (self.photos, "photos"),
        ] {
            if flag {
                parts.push(name.to_string());
            }
        }
        parts.join(", ")
    }

    /// Adds another batch of changes to this one.
    pub fn merge(&mut self, more: Changes) {
        self.stories.extend(more.stories);
        self.content_tree |= more.content_tree;
        self.templates |= more.templates;
        self.statics |= more.statics;
        self.config |= more.config;
        self.authors |= more.authors;
        self.photos |= more.photos;
    }
}

/// What one rebuild did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stories: usize,
    pub pages: usize,
    /// Files rendered (or copied) and written: their digest changed.
    pub written: usize,
    /// Files that were missing or altered in the served folder and were made again.
    pub repaired: usize,
    /// Files left to the next rebuild: new changes came while this one was making many
    /// ([`Audience::interrupted`]).
    pub left: usize,
    /// Plan entries whose digest was made: every one, unless the rebuild changed only stories'
    /// text and kept the last plan ([`Session`]'s patch), which digests only what shows them.
    pub digested: usize,
    /// Entries of the plan (pages, static files, photo renditions).
    pub entries: usize,
    /// The files this rebuild wrote into and removed from the output folder.
    pub changed: write::Changed,
    pub held_back: usize,
    /// The model's warnings (slug collisions), located.
    pub warnings: Vec<Diagnostic>,
    /// The photos stage's warnings (CMYK photos, a discarded cache index).
    pub photo_warnings: Vec<Diagnostic>,
    pub elapsed: Duration,
    /// Each stage's time (`serve -v`).
    pub stages: Vec<(&'static str, Duration)>,
}

/// What `serve` tells a session of its readers, so that a rebuild that makes many files makes
/// the pages they are reading first.
pub trait Audience: Send + Sync {
    /// The output paths (`world/…/index.html`) of the pages readers asked for lately.
    fn asked(&self) -> Vec<String>;
    /// Those pages are made, and many other files are still to be made: open pages may reload.
    fn asked_made(&self);
    /// New changes wait: a rebuild making many files leaves those it has not begun to the next
    /// rebuild, which starts at once.
    fn interrupted(&self) -> bool;
}

/// A rebuild that makes at least this many files makes the pages readers asked for first.
const MANY: usize = 1000;

/// One story file: parsed, or its errors.
type Parsed = Result<Arc<Story>, Vec<Diagnostic>>;

pub struct Session {
    site_dir: PathBuf,
    out: PathBuf,
    overrides: Overrides,
    config: Option<Config>,
    config_print: u64,
    stories: BTreeMap<PathBuf, Parsed>,
    /// Files that hold no news text, with the warning that says so.
    skipped: BTreeMap<PathBuf, Diagnostic>,
    templates: Vec<(String, String)>,
    tera: Result<Tera, Vec<Diagnostic>>,
    template_digests: TemplateDigests,
    load_errors: Vec<Diagnostic>,
    statics: Vec<StaticFile>,
    static_errors: Vec<Diagnostic>,
    /// The authors of `authors/`, and the errors of its bad files.
    authors: Arc<Authors>,
    author_errors: Vec<Diagnostic>,
    /// Stories' search terms, kept (encoded, in a spool of their own where one can be made) so
    /// an edit re-tokenises only the stories it changed.
    terms: crate::index::TermCache,
    /// The served folder's build cache: what each of its files was made from, and how it looked.
    records: Records,
    /// The model of the last successful rebuild, kept for the fast path ([`Site::refresh`]).
    site: Option<Site>,
    /// Where the parsed stories' bodies are kept out of memory ([`Spool`], in the system's
    /// temporary folder); `None` where one cannot be made, and bodies stay in memory.
    spool: Option<Spool>,
    /// Changes a failed rebuild did not finish applying; the next rebuild applies them too.
    pending: Changes,
    /// The last rebuild's plan and digests, kept for a rebuild that only changes stories' text.
    planned: Option<Planned>,
    audience: Option<Box<dyn Audience>>,
}

/// What a rebuild that only changes stories' text keeps of the last one: its plan (the search
/// index patched, [`index::patch`]), every entry's digest and what each digest read
/// ([`Readers`]), so that it digests and renders only the entries that read a changed chain and
/// the search files whose bytes changed.
struct Planned {
    plan: Plan,
    digests: Vec<u64>,
    parts: Parts,
    readers: Readers,
    /// When the output would change with the clock alone ([`pipeline::valid_until`]).
    valid_until: Option<jiff::Zoned>,
    /// Entries whose file was left unmade (an interrupted rebuild): the next rebuild makes them.
    left: Vec<usize>,
}

/// A parsed story with its body moved to `spool` (kept in memory when there is none, or the
/// write fails).
fn spooled(parsed: pipeline::Parsed, spool: Option<&Spool>) -> pipeline::Parsed {
    match (parsed, spool) {
        (pipeline::Parsed::Story(mut s), Some(spool)) => {
            if let Body::Html(html) = &s.body
                && let Ok(span) = spool.put(html)
            {
                s.body = Body::Stored(span);
            }
            pipeline::Parsed::Story(s)
        }
        (parsed, _) => parsed,
    }
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
            skipped: BTreeMap::new(),
            templates: Vec::new(),
            tera: Err(Vec::new()),
            template_digests: TemplateDigests::new(&HashMap::new()),
            load_errors: Vec::new(),
            statics: Vec::new(),
            static_errors: Vec::new(),
            authors: Arc::default(),
            author_errors: Vec::new(),
            records: Records::new(),
            terms: {
                let terms = crate::index::TermCache::stored();
                match Spool::in_folder(&std::env::temp_dir()) {
                    Ok(spool) => terms.spooled(spool),
                    Err(_) => terms,
                }
            },
            site: None,
            spool: None,
            pending: Changes::default(),
            planned: None,
            audience: None,
        }
    }

    /// The session, its folder holding the files `records` says (the cache a `gazette build` left
    /// there, [`write::cache::read`]): the first rebuild makes only the files that are not on disk
    /// as recorded or are made from other inputs now.
    pub fn with_records(mut self, records: Records) -> Self {
        self.records = records;
        self
    }

    /// What the output folder holds, file by file, as of the last rebuild (for
    /// [`write::save_records`]).
    pub fn records(&self) -> &Records {
        &self.records
    }

    /// The site's base URL, once its config has loaded.
    pub fn base_url(&self) -> Option<&str> {
        self.config.as_ref().map(|c| c.base_url.as_str())
    }

    /// When the output would next change with the clock alone (an embargo lifts, a story
    /// expires, a live badge goes): a rebuild is due then. `None` when nothing waits on the
    /// clock, or no rebuild has succeeded yet.
    pub fn next_change(&self) -> Option<&jiff::Zoned> {
        self.planned.as_ref().and_then(|p| p.valid_until.as_ref())
    }

    /// The session, making the pages `audience` says readers asked for first.
    pub fn with_audience(mut self, audience: Box<dyn Audience>) -> Self {
        self.audience = Some(audience);
        self
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
        let mut t = Timer::default();
        t.lap("start");
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
        let now = config.now.clone();
        if everything || changes.content_tree || !changes.stories.is_empty() {
            self.sync_stories(everything || changes.content_tree, &changes.stories)?;
        }
        if everything || changes.templates {
            self.load_templates()?;
        }
        if everything || changes.statics {
            self.static_errors.clear();
            self.statics = load::statics(&self.site_dir, &mut self.static_errors)?;
        }
        if everything || changes.authors {
            self.load_authors()?;
        }
        t.lap("load");
        let reusable = !everything && !changes.content_tree && !changes.authors && self.load_errors.is_empty();
        // Only stories' files, or only templates, changed: the last plan may serve again.
        let text_only = reusable && !changes.templates && !changes.statics && !changes.photos;
        let templates_only =
            reusable && changes.templates && !changes.statics && !changes.photos && changes.stories.is_empty();
        let changed = self.changed_stories(changes);
        let mut kept = self.site.take().filter(|_| reusable);
        let refreshed = kept.as_mut().and_then(|site| site.refresh(&changed, now.clone()));
        let planned = self.planned.take();
        let site = match refreshed {
            Some(_) => kept.expect("kept above"),
            None => self.assemble()?,
        };
        t.lap("site");
        let tera = std::mem::replace(&mut self.tera, Err(Vec::new()));
        let result = match (&tera, refreshed, planned) {
            (Ok(tera), Some(r), Some(p))
                if text_only
                    && !changes.stories.is_empty()
                    && r.photos == Photos::Same
                    && p.valid_until.as_ref().is_none_or(|t| now < *t) =>
            {
                self.write_patched(&site, tera, p, &r.chains, &mut t)
            }
            (Ok(tera), Some(r), Some(p))
                if templates_only && r.chains.is_empty() && p.valid_until.as_ref().is_none_or(|t| now < *t) =>
            {
                self.write_retemplated(&site, tera, p, &mut t)
            }
            (Ok(tera), _, _) => self.write(&site, tera, &mut t),
            (Err(e), _, _) => Err(Diagnostics::sorted(e.clone()).into()),
        };
        self.tera = tera;
        let mut outcome = result?;
        outcome.stories = site.chains().len();
        outcome.held_back = site.held_back();
        let photo_warnings = std::mem::take(&mut outcome.photo_warnings);
        outcome.warnings =
            self.skipped.values().cloned().chain(site.warnings().iter().cloned()).chain(photo_warnings).collect();
        outcome.elapsed = started.elapsed();
        outcome.stages = t.stages.split_off(1);
        self.site = Some(site);
        Ok(outcome)
    }

    /// The parsed stories of the changed files (`None` for a file that is gone or does not parse).
    fn changed_stories(&self, changes: &Changes) -> Vec<Option<Arc<Story>>> {
        changes.stories.iter().map(|rel| self.stories.get(rel).and_then(|p| p.as_ref().ok().cloned())).collect()
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
            self.skipped.clear();
            // Every body is spooled again: a new spool, and the old one's file goes with the last
            // story that reads it.
            self.spool = Spool::in_folder(&std::env::temp_dir()).ok();
            todo = listed;
        } else {
            for rel in changed {
                let path = content.join(rel);
                if path.is_file() {
                    todo.push((rel.clone(), path));
                } else {
                    self.stories.remove(rel);
                    self.skipped.remove(rel);
                }
            }
        }
        let config = self.config.as_ref().expect("config");
        let opts = ParseOptions::from_config(config);
        let spool = self.spool.as_ref();
        let parsed: Vec<(PathBuf, Result<pipeline::Parsed, Vec<Diagnostic>>)> = todo
            .par_iter()
            .map(|(rel, path)| {
                let file = load::SourceFile::read(rel, path).map_err(|d| vec![d]);
                let parsed = file.and_then(|f| parse_file(&f, &config.encodings, &opts));
                (rel.clone(), parsed.map(|p| spooled(p, spool)))
            })
            .collect();
        for (rel, parsed) in parsed {
            self.skipped.remove(&rel);
            match parsed {
                Ok(pipeline::Parsed::Story(s)) => {
                    self.stories.insert(rel, Ok(Arc::from(s)));
                }
                Ok(pipeline::Parsed::Skipped(d)) => {
                    self.stories.remove(&rel);
                    self.skipped.insert(rel, d);
                }
                Err(e) => {
                    self.stories.insert(rel, Err(e));
                }
            }
        }
        Ok(())
    }

    /// Reads and checks every author file (the config's languages decide their `[languages.XX]`).
    fn load_authors(&mut self) -> Result<()> {
        let mut errors = Vec::new();
        let files = load::authors(&self.site_dir, &mut errors)?;
        let (authors, bad) = crate::authors::parse(&files, self.config.as_ref().expect("config"));
        errors.extend(bad);
        self.authors = Arc::new(authors);
        self.author_errors = errors;
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
        errors.extend(self.author_errors.iter().cloned());
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
        let mut site = Site::assemble(config, Arc::clone(&self.authors), stories).map_err(Diagnostics::sorted)?;
        site.link_related();
        Ok(site)
    }

    /// The UI strings of the site's languages (the theme's and the site's `i18n/` files).
    fn strings(&self, site: &Site) -> Result<Strings> {
        Strings::resolve(&site.config().languages, &self.templates, &self.site_dir.join("templates"))
            .map_err(|e| Diagnostics::sorted(e).into())
    }

    /// Plans the site, renders and writes (through the build's loop) the files whose digest
    /// changed or whose served copy was lost or altered, and removes files no longer made.
    fn write(&mut self, site: &Site, tera: &Tera, t: &mut Timer) -> Result<Outcome> {
        if !self.static_errors.is_empty() {
            return Err(Diagnostics::sorted(self.static_errors.clone()).into());
        }
        let search = crate::index::build_cached(site, &mut self.terms);
        t.lap("search");
        let photos = crate::photos::process(site).map_err(Diagnostics::sorted)?;
        t.lap("photos");
        let photo_warnings = photos.warnings.clone();
        let plan = Plan::new(site, self.statics.clone(), search, photos).map_err(Diagnostics::sorted)?;
        let digester = Digester::new(site, &plan, &self.template_digests, self.config_print);
        let (digests, readers) = digester.all_reading();
        let parts = digester.into_parts();
        t.lap("plan");
        let strings = self.strings(site)?;
        let renderer = Renderer::new(site, &plan, tera, &strings);
        let sink = InPlace::new(&self.out, std::mem::take(&mut self.records));
        let all: Vec<usize> = (0..plan.entries.len()).collect();
        match self.render(&plan, &renderer, &digests, &sink, &all) {
            Ok((counts, left)) => {
                t.lap("render");
                let (records, changed) =
                    sink.finish(|p| plan.at(p).is_some()).map_err(|d| Diagnostics::sorted(vec![d]))?;
                t.lap("write");
                self.records = records;
                let (written, repaired) = (counts.written, counts.repaired);
                let pages = plan.pages();
                let entries = plan.entries.len();
                let valid_until = pipeline::valid_until(site);
                let n_left = left.len();
                self.planned = Some(Planned { plan, digests, parts, readers, valid_until, left });
                Ok(Outcome {
                    left: n_left,
                    pages,
                    written,
                    repaired,
                    changed,
                    digested: entries,
                    entries,
                    photo_warnings,
                    ..Default::default()
                })
            }
            Err(errors) => {
                // What was written is on disk and recorded; what was not keeps its old record.
                self.records = sink.abandon().0;
                Err(Diagnostics::sorted(errors).into())
            }
        }
    }

    /// [`Session::write`] after a rebuild that changed only the stories of `chains`, and not the
    /// model ([`Site::refresh`]), nor the photos they name, nor anything the clock decides: the
    /// last plan, its search index patched; only the entries that read those chains and the
    /// search files whose bytes changed are digested again, and only those whose digest changed
    /// are rendered. Where the index cannot be patched, the full [`Session::write`].
    fn write_patched(
        &mut self,
        site: &Site,
        tera: &Tera,
        mut p: Planned,
        chains: &[ChainId],
        t: &mut Timer,
    ) -> Result<Outcome> {
        let last = std::mem::replace(&mut p.plan.search, crate::index::SearchIndex::none());
        let Some((search, files)) = crate::index::patch(last, site, &mut self.terms, chains) else {
            return self.write(site, tera, t);
        };
        p.plan.search = search;
        t.lap("search");
        let digester = Digester::patched(site, &p.plan, &self.template_digests, self.config_print, p.parts, chains);
        let mut todo: Vec<usize> = chains.iter().flat_map(|&c| p.readers.of(c)).map(|&e| e as usize).collect();
        todo.extend(files.iter().filter_map(|&f| p.plan.number_of(&p.plan.search.paths[f])));
        todo.sort_unstable();
        todo.dedup();
        let fresh: Vec<u64> = todo.par_iter().map(|&i| digester.digest(&p.plan.entries[i])).collect();
        let digested = todo.len();
        p.parts = digester.into_parts();
        let mut changed = std::mem::take(&mut p.left);
        for (i, d) in todo.into_iter().zip(fresh) {
            if p.digests[i] != d {
                p.digests[i] = d;
                changed.push(i);
            }
        }
        changed.sort_unstable();
        changed.dedup();
        t.lap("plan");
        self.write_kept(site, tera, p, &changed, digested, t)
    }

    /// [`Session::write`] after a rebuild that changed only templates: the last plan, every entry
    /// digested again with the new templates' digests (the chains' items and links kept).
    fn write_retemplated(&mut self, site: &Site, tera: &Tera, mut p: Planned, t: &mut Timer) -> Result<Outcome> {
        let digester = Digester::patched(site, &p.plan, &self.template_digests, self.config_print, p.parts, &[]);
        let digests = digester.all();
        p.parts = digester.into_parts();
        let left = std::mem::take(&mut p.left);
        let changed: Vec<usize> =
            (0..digests.len()).filter(|&i| digests[i] != p.digests[i] || left.binary_search(&i).is_ok()).collect();
        p.digests = digests;
        t.lap("plan");
        let digested = p.digests.len();
        self.write_kept(site, tera, p, &changed, digested, t)
    }

    /// Renders the entries `changed` of the kept plan `p` (their digests updated) into the served
    /// folder, and keeps `p` for the next rebuild.
    fn write_kept(
        &mut self,
        site: &Site,
        tera: &Tera,
        mut p: Planned,
        changed: &[usize],
        digested: usize,
        t: &mut Timer,
    ) -> Result<Outcome> {
        let strings = self.strings(site)?;
        let renderer = Renderer::new(site, &p.plan, tera, &strings);
        let sink = InPlace::new(&self.out, std::mem::take(&mut self.records));
        let result = self.render(&p.plan, &renderer, &p.digests, &sink, changed);
        // The plan is the last one's: no file goes, and the records of the others stand.
        let (records, changed) = sink.abandon();
        self.records = records;
        let (counts, left) = result.map_err(Diagnostics::sorted)?;
        t.lap("render");
        let (written, repaired) = (counts.written, counts.repaired);
        let (pages, entries) = (p.plan.pages(), p.plan.entries.len());
        let outcome =
            Outcome { pages, written, repaired, left: left.len(), digested, entries, changed, ..Default::default() };
        p.left = left;
        self.planned = Some(p);
        Ok(outcome)
    }

    /// The build's render loop over the entries `todo` into `sink`. When many files are to be
    /// made, the pages readers asked for go first ([`Audience`]), and readers hear when those are
    /// made.
    fn render(
        &self,
        plan: &Plan,
        renderer: &Renderer,
        digests: &[u64],
        sink: &InPlace,
        todo: &[usize],
    ) -> Result<(render::Counts, Vec<usize>), Vec<Diagnostic>> {
        let all_at_once = || render::run_some(plan, renderer, digests, sink, todo).map(|counts| (counts, Vec::new()));
        let to_make = |i: &usize| sink.differs(&plan.entries[*i].path, digests[*i]);
        let Some(audience) = &self.audience else { return all_at_once() };
        if todo.iter().filter(|i| to_make(i)).take(MANY).count() < MANY {
            return all_at_once();
        }
        let mut asked: Vec<usize> = audience.asked().iter().filter_map(|p| plan.number_of(p)).filter(to_make).collect();
        asked.sort_unstable();
        asked.dedup();
        asked.retain(|i| todo.binary_search(i).is_ok());
        if asked.is_empty() {
            return all_at_once();
        }
        let first = render::run_some(plan, renderer, digests, sink, &asked)?;
        audience.asked_made();
        let rest: Vec<usize> = todo.iter().copied().filter(|i| asked.binary_search(i).is_err()).collect();
        let (then, left) = render::run_some_until(plan, renderer, digests, sink, &rest, &|| audience.interrupted())?;
        let counts = render::Counts {
            written: first.written + then.written,
            unchanged: first.unchanged + then.unchanged,
            repaired: first.repaired + then.repaired,
        };
        Ok((counts, left))
    }
}
