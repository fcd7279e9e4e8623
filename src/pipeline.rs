//! `build`: the stage list, in order, with timings: config → load → parse (stories and authors) → site → related → index → photos → plan
//! → render and write (one loop, [`render::run`], into a [`Staging`] sink) → swap.
//!
//! Every stage collects all of its errors before the build fails, so one run reports every bad
//! file. Nothing touches the output folder until every page has rendered: a failed build leaves
//! the previous site as it was.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::authors;
use crate::config::{self, Overrides};
use crate::diag::{Diagnostic, Diagnostics, ErrorKind};
use crate::index;
use crate::load::{self, Encodings, SourceFile};
use crate::parse::{self, ParseOptions, Story};
use crate::photos;
use crate::plan::{Job, Plan};
use crate::render::digest::{Digester, TemplateDigests};
use crate::render::{self, Counts, Renderer, Strings, theme};
use crate::site::{Site, Tally};
use crate::state;
use crate::write::{self, Staging};

/// What `gazette build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub site_dir: PathBuf,
    pub output: Option<PathBuf>,
    pub overrides: Overrides,
    /// `--changed PATH…`: the story files a publishing system wrote or removed since the last
    /// build. With a build state, `content/` is not walked: the state's files and these are the
    /// story files. `None`: walk `content/`.
    pub changed: Option<Vec<PathBuf>>,
}

impl BuildOptions {
    /// The output folder: `--output`, or `SITE_DIR/public`.
    pub fn output_dir(&self) -> PathBuf {
        self.output.clone().unwrap_or_else(|| self.site_dir.join("public"))
    }
}

/// What a build did.
#[derive(Debug)]
pub struct Report {
    pub stories: usize,
    pub pages: usize,
    pub written: usize,
    pub unchanged: usize,
    /// Output files that were missing or altered on disk, made whole again.
    pub repaired: usize,
    /// Why the output's build cache was not trusted (another Gazette wrote it), if it was not.
    pub cache_discarded: Option<String>,
    pub warnings: Vec<Diagnostic>,
    /// Story files in against stories out.
    pub tally: Tally,
    /// The files this build wrote into and removed from the output (empty when it changed nothing).
    pub changed: write::Changed,
    /// `base_url`, for the URLs of [`Report::changed`].
    pub base_url: String,
    /// The implicit version joins made, one line each ([`Site::describe_joins`]).
    pub joins: Vec<String>,
    /// Embargoed stories left out.
    pub held_back: usize,
    pub stages: Vec<(&'static str, Duration)>,
    pub output: PathBuf,
    /// What the photos stage read, decoded, made and pruned.
    pub photos: photos::Stats,
    /// Story files parsed, re-read and found unchanged, and kept from the build state.
    pub parse: state::ParseCounts,
    /// Why the build state's stories ([`state`]) were not used, if they were there and none of
    /// their chunks could be used.
    pub state_discarded: Option<String>,
    /// The chunks of the build state's stories and terms that were not used while others were
    /// (their story files were parsed, their stories tokenised, again).
    pub chunks_discarded: Vec<state::Discarded>,
    /// Why the build state's record of the last build ([`state::LastBuild`]) was not used, if it
    /// was there and could not be trusted.
    pub last_discarded: Option<String>,
    /// How the story files were found: by walking `content/`, or (`--changed`) from the build
    /// state and the named paths.
    pub story_files: StoryFiles,
    /// When the search index was made: stories tokenised and stories whose terms the state kept.
    pub terms: Option<TermCounts>,
    /// Why the build state's search terms were not used, if they were there and none of their
    /// chunks could be used.
    pub terms_discarded: Option<String>,
    /// Whether the related lists were computed or kept from the last build.
    pub related: RelatedLists,
    /// Why the build state's related lists were not used, if they were there and could not be
    /// trusted.
    pub related_discarded: Option<String>,
}

/// How a build came by its related lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelatedLists {
    /// None were needed: every input was as the last build found it ([`StoryFiles::Unchanged`]).
    Unneeded,
    /// Computed (the stories they are made from changed, or the state had none).
    Computed,
    /// The last build's, from the build state: made from the same headlines, lists, tags and times.
    Kept,
}

/// What making the search index took from the build state.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TermCounts {
    pub tokenised: usize,
    pub kept: usize,
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
    let output = opts.output_dir();
    let state_dir = state::folder(&output);
    let parse_options = ParseOptions::from_config(&config);
    let settings = state::settings(&parse_options, &config.encodings);
    let fingerprint = config::fingerprint(&opts.site_dir, &opts.overrides);
    // A plain build walks content/ first: when nothing it is made from changed since the last
    // build (by metadata), and the output is as that build left it, there is nothing to do.
    // Each story file is looked at once: for the inputs' hash and for the state's comparison.
    let walked = match opts.changed {
        None => {
            let inputs = load::inputs(&opts.site_dir)?;
            let stats = state::stat_stories(&inputs.stories);
            Some((inputs, stats))
        }
        Some(_) => None,
    };
    let inputs_key = walked.as_ref().and_then(|(inputs, stats)| state::inputs_key(inputs, stats, fingerprint));
    let mut last_discarded = None;
    if let Some(key) = inputs_key {
        match state::LastBuild::load(&state_dir, settings) {
            state::Loaded::Found(last)
                if last.holds(key, &opts.site_dir, &config.now) && write::left_as(&output, last.output_cache()) =>
            {
                t.lap("load");
                return Ok(unchanged_report(last.summary, &config.base_url, t, output));
            }
            state::Loaded::Discarded(why) => last_discarded = Some(why),
            state::Loaded::Found(_) | state::Loaded::Missing => {}
        }
    }
    let previous = state::Stories::load(&state_dir, settings);
    let (inputs, story_files, stats) = match (walked, &opts.changed, &previous) {
        (Some((inputs, stats)), _, _) => (inputs, StoryFiles::Walked, Some(stats)),
        // Only a state that holds every file the last build recorded can stand for the walk.
        (None, Some(changed), state::Loaded::Found(known)) if known.complete() => {
            (load::inputs_named(&opts.site_dir, known.paths(), changed)?, StoryFiles::Named, None)
        }
        (None, _, _) => (load::inputs(&opts.site_dir)?, StoryFiles::Walked, None),
    };
    let stats = stats.unwrap_or_else(|| state::stat_stories(&inputs.stories));
    t.lap("load");
    let load::Inputs {
        stories: files,
        templates: site_templates,
        statics: static_files,
        authors: author_files,
        errors: mut load_errors,
    } = inputs;
    let (authors, author_errors) = authors::parse(&author_files, &config);
    load_errors.extend(author_errors);
    observer.stage("parse", 0);
    // Story files the build state holds as they are on disk are neither read nor parsed.
    let (state_discarded, mut chunks_discarded) = match &previous {
        state::Loaded::Discarded(why) => (Some(why.clone()), Vec::new()),
        state::Loaded::Found(known) => (None, known.discarded().to_vec()),
        state::Loaded::Missing => (None, Vec::new()),
    };
    // Bodies are kept out of memory, in a spool beside the state ([`crate::bodies`]).
    let spool = state::spool(&state_dir)?;
    let state::Parse { result: stories, next: next_state, counts: parse_counts, changed: state_changed } =
        state::parse(&files, &stats, &config.encodings, &parse_options, previous, &spool);
    let save_state = || match state_changed {
        state::Changed::Yes => next_state.save(&state_dir, settings).map(|_| ()),
        state::Changed::No => Ok(()),
    };
    let templates_dir = opts.site_dir.join("templates");
    let tera = theme::build(&site_templates, &templates_dir);
    let strings = Strings::resolve(&config.languages, &site_templates, &templates_dir);
    t.lap("parse");
    let (stories, tera, strings) = match (stories, tera, strings, load_errors) {
        (Ok(s), Ok(t), Ok(u), e) if e.is_empty() => (s, t, u),
        (s, t, u, mut e) => {
            e.extend(s.err().unwrap_or_default());
            e.extend(t.err().unwrap_or_default());
            e.extend(u.err().unwrap_or_default());
            return Err(Diagnostics::sorted(e).into());
        }
    };
    let state::Parsed { stories, skipped } = stories;
    observer.stage("site", 0);
    let mut site = Site::assemble(config, Arc::new(authors), stories).map_err(Diagnostics::sorted)?;
    t.lap("site");
    observer.stage("related", 0);
    let (kept_related, related_discarded) = match state::load_related(&state_dir, settings) {
        state::Loaded::Found(kept) => (Some(kept), None),
        state::Loaded::Missing => (None, None),
        state::Loaded::Discarded(why) => (None, Some(why)),
    };
    let made_related = site.link_related_keeping(kept_related);
    let related_lists = if made_related.is_some() { RelatedLists::Computed } else { RelatedLists::Kept };
    let save_state = || {
        save_state()?;
        match &made_related {
            Some(made) => state::save_related(&state_dir, settings, made).map(|_| ()),
            None => Ok(()),
        }
    };
    t.lap("related");
    observer.stage("index", 0);
    let search = index::build(&site);
    t.lap("index");
    observer.stage("photos", 0);
    let photos = photos::process(&site).map_err(Diagnostics::sorted)?;
    t.lap("photos");
    let photo_stats = photos.stats;
    let plan = Plan::new(&site, static_files, search, photos).map_err(Diagnostics::sorted)?;
    let templates = TemplateDigests::new(&theme::final_set(&site_templates));
    let digests = Digester::new(&site, &plan, &templates, fingerprint).all();
    t.lap("plan");
    let wanted = plan.entries.iter().zip(&digests).map(|(e, &d)| (e.path.as_str(), d));
    let current = write::cache::read(&output);
    if write::up_to_date(&output, &current, wanted) {
        // Nothing any output file is made from changed, and every file is on disk as written.
        let counts = Counts { unchanged: plan.entries.len(), ..Counts::default() };
        save_state()?;
        let report = report(&site, &plan, counts, None, t, output, &skipped);
        save_last(&state_dir, settings, inputs_key, &opts.site_dir, &site, &plan, &report)?;
        return Ok(Report {
            photos: photo_stats,
            parse: parse_counts,
            state_discarded,
            last_discarded,
            chunks_discarded,
            story_files,
            related: related_lists,
            related_discarded,
            ..report
        });
    }
    let staging = Staging::begin(&output, current)?;
    staging.make_top_folders(plan.entries.iter().filter_map(|e| e.path.split_once('/').map(|(top, _)| top)))?;
    // The search index is made before the loop (in parallel) unless the live output holds every
    // one of its files as they would be made now.
    let search_stale = plan
        .entries
        .iter()
        .zip(&digests)
        .any(|(e, &d)| matches!(e.job, Job::SearchIndex(_)) && !staging.recorded(&e.path, d));
    // Setting up the staging folder is the write stage's, not the index's.
    t.lap("staging");
    let mut terms = None;
    if search_stale {
        // The build state's terms: a story whose text, tags and section are as they were is not
        // tokenised again.
        let (loaded, kept) = state::load_terms(&state_dir);
        let (cache, discarded) = match loaded {
            state::Loaded::Found(c) => (c, None),
            state::Loaded::Missing => (index::TermCache::stored(), None),
            state::Loaded::Discarded(why) => (index::TermCache::stored(), Some(why)),
        };
        // The terms made now wait in the spool, as the bodies do, until the state is saved.
        let mut cache = cache.spooled(spool.clone());
        chunks_discarded.extend(kept.discarded().iter().cloned());
        plan.search.prepare_cached(&site, &mut cache);
        terms = Some((cache, kept, discarded));
    }
    t.lap("search");
    let renderer = Renderer::new(&site, &plan, &tera, &strings);
    observer.stage("render", plan.entries.len());
    let counts = render::run(&plan, &renderer, &digests, &staging, &|| observer.advance(1))
        .and_then(|counts| staging.prune(|p| plan.at(p).is_some()).map(|()| counts).map_err(|e| vec![e]));
    t.lap("render");
    let counts = match counts {
        Ok(c) => c,
        Err(errors) => {
            staging.abandon();
            return Err(Diagnostics::sorted(errors).into());
        }
    };
    observer.stage("write", 0);
    let discarded = staging.discarded.clone();
    let changed = staging.changes(|p| plan.at(p).is_some());
    staging.commit().with_context(|| format!("replacing {}", output.display()))?;
    save_state()?;
    if let Some((cache, kept, _)) = &terms {
        // Only the chunks whose stories' terms changed.
        kept.save(&state_dir, cache)?;
    }
    t.lap("write");
    let mut report = report(&site, &plan, counts, discarded, t, output, &skipped);
    save_last(&state_dir, settings, inputs_key, &opts.site_dir, &site, &plan, &report)?;
    report.changed = changed;
    report.photos = photo_stats;
    report.parse = parse_counts;
    report.state_discarded = state_discarded;
    report.last_discarded = last_discarded;
    report.chunks_discarded = chunks_discarded;
    report.story_files = story_files;
    report.related = related_lists;
    report.related_discarded = related_discarded;
    if let Some((cache, _, discarded)) = &terms {
        report.terms = Some(TermCounts { tokenised: cache.tokenised(), kept: cache.len() - cache.tokenised() });
        report.terms_discarded = discarded.clone();
    }
    drop((renderer, save_state));
    drop_aside((site, plan, next_state, digests, terms));
    Ok(report)
}

/// Records what this build was made from and reported ([`state::LastBuild`]), so that the next
/// build, when nothing changed, can say so without doing the work; a build whose inputs could not
/// be hashed (`inputs_key` is `None`: named files, or one modified just now) removes the record.
fn save_last(
    state_dir: &Path,
    settings: u64,
    inputs_key: Option<u64>,
    site_dir: &Path,
    site: &Site,
    plan: &Plan,
    report: &Report,
) -> Result<()> {
    let (Some(key), Some(output_cache)) = (inputs_key, write::cache_hash(&report.output)) else {
        return state::LastBuild::remove(state_dir);
    };
    let valid_until = valid_until(site);
    let photos = plan.photos.sources.iter().map(|s| s.rel.clone());
    let now = &site.config().now;
    let last = state::LastBuild::new(key, site_dir, photos, output_cache, now, valid_until.as_ref(), report.summary());
    last.save(state_dir, settings).map(|_| ())
}

/// Drops `value` on a thread of its own: freeing a 100,000-story model and state takes a fifth of
/// a second that a build's caller need not wait for (where no thread can start, it is dropped
/// here).
fn drop_aside<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().name("gazette-drop".into()).spawn(move || drop(value));
}

/// The first time after the build's at which its output would change with the clock alone. Every
/// use of the build time in the output: which stories are out (embargoes, expiry), the news
/// sitemaps' window, live badges and breaking banners.
pub(crate) fn valid_until(site: &Site) -> Option<jiff::Zoned> {
    [site.next_change().cloned(), render::sitemap::next_change(site), site.live_next_change()]
        .into_iter()
        .flatten()
        .min()
}

/// The report of a build that found nothing changed since the last one ([`state::LastBuild`]):
/// what that one reported, every page unchanged.
fn unchanged_report(summary: state::Summary, base_url: &str, t: Timer, output: PathBuf) -> Report {
    let counts = Counts { unchanged: summary.pages, ..Counts::default() };
    report_of(summary, counts, None, base_url.to_string(), t, output, StoryFiles::Unchanged)
}

/// What the build did; `skipped` warns of the files that are not news text.
fn report(
    site: &Site,
    plan: &Plan,
    counts: Counts,
    discarded: Option<String>,
    t: Timer,
    output: PathBuf,
    skipped: &[Diagnostic],
) -> Report {
    let mut warnings = skipped.to_vec();
    warnings.extend(site.warnings().iter().cloned());
    warnings.extend(plan.photos.warnings.iter().cloned());
    warnings.sort();
    let summary = state::Summary {
        stories: site.chains().len(),
        pages: plan.pages(),
        warnings,
        tally: Tally { skipped: skipped.len(), ..site.tally() },
        joins: site.describe_joins(),
        held_back: site.held_back(),
    };
    report_of(summary, counts, discarded, site.config().base_url.clone(), t, output, StoryFiles::Walked)
}

/// A build's report from what it says of the site (`summary`) and of its work; what only some
/// builds tell (the stages' counts, discarded state) is filled in by the caller.
fn report_of(
    summary: state::Summary,
    counts: Counts,
    cache_discarded: Option<String>,
    base_url: String,
    t: Timer,
    output: PathBuf,
    story_files: StoryFiles,
) -> Report {
    let state::Summary { stories, pages, warnings, tally, joins, held_back } = summary;
    Report {
        stories,
        pages,
        written: counts.written,
        unchanged: counts.unchanged,
        repaired: counts.repaired,
        cache_discarded,
        warnings,
        tally,
        changed: write::Changed::default(),
        base_url,
        joins,
        held_back,
        stages: t.stages,
        output,
        photos: photos::Stats::default(),
        parse: state::ParseCounts::default(),
        state_discarded: None,
        chunks_discarded: Vec::new(),
        last_discarded: None,
        story_files,
        terms: None,
        terms_discarded: None,
        related: RelatedLists::Unneeded,
        related_discarded: None,
    }
}

impl Report {
    /// What a build with nothing to do repeats of this one ([`state::LastBuild`]).
    fn summary(&self) -> state::Summary {
        state::Summary {
            stories: self.stories,
            pages: self.pages,
            warnings: self.warnings.clone(),
            tally: self.tally,
            joins: self.joins.clone(),
            held_back: self.held_back,
        }
    }
}

/// How a build found its story files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryFiles {
    /// By walking `content/`.
    Walked,
    /// From the build state and the paths `--changed` named; `content/` was not walked.
    Named,
    /// By walking `content/`, which, with every other input, was as the last build found it
    /// ([`crate::state::LastBuild`]): nothing was read, parsed or made.
    Unchanged,
}

/// One story file, parsed: a story, or a file that holds no news text (a feed's event or photo
/// item), skipped with a warning naming it.
pub enum Parsed {
    Story(Box<Story>),
    Skipped(Diagnostic),
}

/// Every story file of a build, parsed.
#[derive(Default)]
pub struct ParsedAll {
    pub stories: Vec<Story>,
    /// A warning for each file skipped as not news text.
    pub skipped: Vec<Diagnostic>,
}

/// Writes the manifest of what a build changed (`--changes FILE`, [`changes_json`]).
pub fn write_changes(report: &Report, to: &Path) -> Result<()> {
    let manifest = changes_json(&report.output, &report.base_url, &report.changed);
    let text = serde_json::to_string_pretty(&manifest).context("writing the changes manifest")? + "\n";
    std::fs::write(to, text).with_context(|| format!("writing {}", to.display()))
}

/// Appends the manifest of what a build changed to the changes log `to` (`build --watch
/// --changes FILE`), as one line, when it changed anything.
pub fn append_changes(report: &Report, to: &Path) -> Result<()> {
    append_changes_line(&report.output, &report.base_url, &report.changed, to)
}

/// Appends [`changes_json`] of `changed` to the log `to` as one line, when anything changed.
pub fn append_changes_line(output: &Path, base_url: &str, changed: &write::Changed, to: &Path) -> Result<()> {
    use std::io::Write;
    if changed.written.is_empty() && changed.removed.is_empty() {
        return Ok(());
    }
    let line = changes_json(output, base_url, changed).to_string() + "\n";
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(to)
        .with_context(|| format!("opening the changes log {}", to.display()))?;
    file.write_all(line.as_bytes()).with_context(|| format!("writing {}", to.display()))
}

/// The manifest of what a build changed in `output`, for a CDN purge or an upload that sends
/// only those files (`rsync --files-from`): JSON with the files written and removed, each with
/// its path under the output and its URL under `base_url`.
pub fn changes_json(output: &Path, base_url: &str, changed: &write::Changed) -> serde_json::Value {
    let entry = |path: &String| {
        let url_path = path.strip_suffix("index.html").unwrap_or(path);
        let url_path = crate::text::url_path(url_path);
        serde_json::json!({"path": path, "url": format!("{base_url}/{url_path}")})
    };
    serde_json::json!({
        "output": output.display().to_string(),
        "written": changed.written.iter().map(entry).collect::<Vec<_>>(),
        "removed": changed.removed.iter().map(entry).collect::<Vec<_>>(),
    })
}

/// Reads, decodes and parses every story file in parallel; all errors of all files, or all stories.
pub fn parse_all(
    files: &[(PathBuf, PathBuf)],
    encodings: &Encodings,
    opts: &ParseOptions,
) -> Result<ParsedAll, Vec<Diagnostic>> {
    let results: Vec<Result<Parsed, Vec<Diagnostic>>> = files
        .par_iter()
        .map(|(rel, path)| {
            SourceFile::read(rel, path).map_err(|d| vec![d]).and_then(|f| parse_file(&f, encodings, opts))
        })
        .collect();
    let mut all = ParsedAll { stories: Vec::with_capacity(results.len()), skipped: Vec::new() };
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(Parsed::Story(s)) => all.stories.push(*s),
            Ok(Parsed::Skipped(d)) => all.skipped.push(d),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() { Ok(all) } else { Err(errors) }
}

/// Decodes one story file (in the encoding `gazette.toml` gives its folder) and parses it.
pub fn parse_file(f: &SourceFile, encodings: &Encodings, opts: &ParseOptions) -> Result<Parsed, Vec<Diagnostic>> {
    let text = f.text(encodings.of(&f.rel)).map_err(|e| vec![e.at(&f.path)])?;
    match parse::parse_story(&f.rel, &text, opts) {
        Ok(story) => Ok(Parsed::Story(Box::new(story))),
        Err(errs) if errs.len() == 1 && errs[0].kind == ErrorKind::NotNewsText => {
            let d = errs.into_iter().next().expect("one error").at(&f.path);
            Ok(Parsed::Skipped(d.with_hint("Gazette publishes news text items; this file is left out")))
        }
        Err(errs) => Err(errs.into_iter().map(|e| e.at(&f.path)).collect()),
    }
}

/// Each stage's time: [`Timer::lap`] ends the stage named, begun where the last one ended.
#[derive(Default)]
pub(crate) struct Timer {
    last: Option<Instant>,
    pub(crate) stages: Vec<(&'static str, Duration)>,
}

impl Timer {
    pub(crate) fn lap(&mut self, name: &'static str) {
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
