//! The `gazette` command line (clap): `build`, `serve`, `new`, `theme eject`, `completions`, `man`;
//! each subcommand calls one library entry point.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use gazette::config::{Drafts, Embargoed, Overrides};
use gazette::diag::Diagnostics;
use gazette::pipeline::{self, BuildOptions, Report};
use gazette::serve::{self, ServeOptions};

#[derive(Parser)]
#[command(
    name = "gazette",
    version,
    about = "A static news-site generator that understands wire copy, story versions and related headlines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site in SITE_DIR into its output folder
    Build {
        /// The site folder (holding content/, and optionally templates/, static/, gazette.toml)
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        /// Output folder [default: SITE_DIR/public]
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Use this base URL instead of the one in gazette.toml
        #[arg(long)]
        base_url: Option<String>,
        #[command(flatten)]
        publishing: Publishing,
        /// Print each stage's time
        #[arg(short, long)]
        verbose: bool,
        /// Print only errors
        #[arg(short, long, conflicts_with = "verbose")]
        quiet: bool,
        /// Write the files this build wrote and removed, with their URLs, to FILE (JSON); with
        /// --watch, append one such manifest per rebuild to FILE, a line each (JSON Lines)
        #[arg(long, value_name = "FILE")]
        changes: Option<PathBuf>,
        /// After building, keep watching the site and update the output in place, file by file,
        /// on every change (and when an embargo lifts), until Ctrl-C
        #[arg(long, conflicts_with = "changed")]
        watch: bool,
        /// The story files written or removed since the last build: with its build state, the
        /// build does not walk content/ (a file added and not named here is not seen)
        #[arg(long, value_name = "PATH", num_args = 1..)]
        changed: Option<Vec<PathBuf>>,
    },
    /// Build the site, serve it locally and rebuild what each change touches, reloading the browser
    Serve {
        /// The site folder
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        /// Port to listen on (0 picks a free one)
        #[arg(short, long, default_value_t = 1111)]
        port: u16,
        /// Address to bind; the default keeps the preview on this machine
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Open the site in a browser
        #[arg(long)]
        open: bool,
        #[command(flatten)]
        publishing: Publishing,
        /// Print each rebuild's stage times
        #[arg(short, long)]
        verbose: bool,
        /// How long a client may take to send a request's head, in milliseconds (tests shorten it)
        #[arg(long, hide = true, value_name = "MS")]
        header_timeout_ms: Option<u64>,
    },
    /// Check a site without writing it: broken links, unresolved related headlines, missing sections
    /// and tags, long and duplicate headlines
    Check {
        /// The site folder
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        /// Also request every external link (bounded concurrency, time-outs)
        #[arg(long)]
        external: bool,
        /// Fail on warnings too
        #[arg(long)]
        strict: bool,
        /// Seconds to wait for each external link
        #[arg(long, default_value_t = 10)]
        timeout: u64,
        #[command(flatten)]
        publishing: Publishing,
    },
    /// Create a new site (`gazette new mysite`) or a new story in a site (`gazette new story "Headline"`)
    #[command(args_conflicts_with_subcommands = true)]
    New {
        /// The folder to create the site in (must not exist or be empty)
        site_dir: Option<PathBuf>,
        #[command(subcommand)]
        what: Option<NewWhat>,
    },
    /// Work with the embedded default theme
    Theme {
        #[command(subcommand)]
        action: ThemeAction,
    },
    /// Print shell completions for bash, zsh, fish, elvish or powershell
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff)
    Man,
}

#[derive(Subcommand)]
enum NewWhat {
    /// Write a dated story skeleton into a site's content/
    Story {
        /// The headline
        headline: String,
        /// The section (a folder under content/)
        #[arg(long)]
        section: Option<String>,
        /// Write a wire story (.txt) instead of Markdown
        #[arg(long)]
        wire: bool,
        /// The site folder
        #[arg(long, default_value = ".")]
        site: PathBuf,
        /// The story's time (RFC 3339) instead of now
        #[arg(long, env = "GAZETTE_NOW", value_parser = parse_now)]
        now: Option<jiff::Timestamp>,
    },
}

#[derive(Subcommand)]
enum ThemeAction {
    /// Copy the default theme's templates (all, or the named ones) into SITE/templates/ to edit them
    Eject {
        /// Theme files to copy, e.g. article.html (default: all)
        files: Vec<String>,
        /// The site folder
        #[arg(long, default_value = ".")]
        site: PathBuf,
        /// Overwrite files that already exist
        #[arg(long)]
        force: bool,
    },
}

/// Which stories are published, shared by `build` and `serve`.
#[derive(Args)]
struct Publishing {
    /// Include stories marked `draft = true`
    #[arg(long)]
    drafts: bool,
    /// Include embargoed stories (dated or `publish_at` in the future)
    #[arg(long)]
    future: bool,
    /// Build as if it were this time (RFC 3339), for reproducible builds and tests
    #[arg(long, env = "GAZETTE_NOW", value_parser = parse_now)]
    now: Option<jiff::Timestamp>,
}

impl Publishing {
    /// The flags as the library's options: bools stop at the command line.
    fn options(&self) -> (Drafts, Embargoed) {
        let drafts = if self.drafts { Drafts::Include } else { Drafts::Exclude };
        let future = if self.future { Embargoed::Include } else { Embargoed::HoldBack };
        (drafts, future)
    }

    fn overrides(&self, base_url: Option<String>) -> Overrides {
        let (drafts, future) = self.options();
        Overrides { base_url, drafts, future, now: self.now }
    }
}

/// mimalloc: rendering allocates and frees many small Tera values per page on every thread, where
/// the system allocator spent about a tenth of a build. Built with `no_thp`: with transparent huge
/// pages, each 2 MiB region mimalloc touches again after purging it is zeroed whole by the kernel,
/// which was a sixth of a one-story rebuild's time at 100,000 stories.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Build { site_dir, output, base_url, publishing: p, verbose, quiet, changes, changed, watch } => {
            let overrides = p.overrides(base_url);
            let opts = BuildOptions { site_dir, output, overrides, changed };
            if !watch {
                return build(&opts, verbose, quiet, changes.as_deref(), Manifest::Replace);
            }
            // A first build that fails leaves the output as it was; watching goes on, and the
            // fix is published.
            build(&opts, verbose, quiet, changes.as_deref(), Manifest::Append);
            match gazette::publish::watch(&opts, changes.as_deref(), verbose) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e, None),
            }
        }
        Command::New { site_dir, what } => new(site_dir, what),
        Command::Check { site_dir, external, strict, timeout, publishing: p } => {
            let overrides = p.overrides(None);
            let opts = gazette::check::CheckOptions {
                site_dir,
                overrides,
                external,
                timeout: std::time::Duration::from_secs(timeout),
                concurrency: 8,
            };
            check(&opts, strict)
        }
        Command::Theme { action: ThemeAction::Eject { files, site, force } } => {
            match gazette::scaffold::eject(&site, &files, force) {
                Ok(written) => {
                    for f in written {
                        println!("wrote {}", pipeline::display(&f));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e, None),
            }
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "gazette", &mut out);
            print_bytes(&out)
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out) {
                Ok(()) => print_bytes(&out),
                Err(e) => fail(&e.into(), None),
            }
        }
        Command::Serve { site_dir, port, bind, open, publishing: p, verbose, header_timeout_ms } => {
            let header_timeout = header_timeout_ms.map_or(serve::HEADER_TIMEOUT, Duration::from_millis);
            let (drafts, future) = p.options();
            let opts = ServeOptions { site_dir, bind, port, open, drafts, future, now: p.now, verbose, header_timeout };
            match serve::serve(opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e, None),
            }
        }
    }
}

fn new(site_dir: Option<PathBuf>, what: Option<NewWhat>) -> ExitCode {
    let result = match (site_dir, what) {
        (_, Some(NewWhat::Story { headline, section, wire, site, now })) => {
            let story = gazette::scaffold::NewStory {
                site_dir: site,
                headline,
                section,
                wire,
                now: now.unwrap_or_else(jiff::Timestamp::now),
            };
            gazette::scaffold::new_story(&story).map(|p| format!("wrote {}", pipeline::display(&p)))
        }
        (Some(dir), None) => gazette::scaffold::new_site(&dir),
        (None, None) => Err(anyhow::anyhow!("say where: `gazette new mysite` or `gazette new story \"Headline\"`")),
    };
    match result {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, None),
    }
}

fn check(opts: &gazette::check::CheckOptions, strict: bool) -> ExitCode {
    use gazette::diag::Level;
    let (findings, joins, withdrawn, withheld) = match gazette::check::check(opts) {
        Ok(r) => (r.findings, r.joins, r.withdrawn, r.withheld),
        Err(e) => return fail(&e, None),
    };
    let items: Vec<(Level, &gazette::diag::Diagnostic)> = findings.iter().map(|f| (f.level, &f.diag)).collect();
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    let warnings = findings.len() - errors;
    eprint!("{}", gazette::diag::render(&items, gazette::diag::use_color()));
    for (what, lines) in [
        ("wire files joined as versions of one story", &joins),
        ("stories withdrawn by their sender", &withdrawn),
        ("files held back: their story is withheld by its sender", &withheld),
    ] {
        if !lines.is_empty() {
            println!("{what} ({}):", lines.len());
            for line in lines {
                println!("  {line}");
            }
        }
    }
    println!(
        "checked {}: {errors} error{}, {warnings} warning{}",
        pipeline::display(&opts.site_dir),
        plural(errors),
        plural(warnings)
    );
    if errors > 0 || (strict && warnings > 0) { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// `25 files (2 versions, 1 draft left out)`: where every story file went.
fn files_line(t: &gazette::site::Tally) -> String {
    let mut parts = Vec::new();
    for (n, one, many) in [
        (t.versions, "version of another", "versions of others"),
        (t.withdrawn, "withdrawn", "withdrawn"),
        (t.drafts, "draft left out", "drafts left out"),
        (t.embargoed, "embargoed", "embargoed"),
        (t.withheld, "withheld", "withheld"),
        (t.expired, "expired and removed", "expired and removed"),
        (t.skipped, "not news text, skipped", "not news text, skipped"),
        (t.entries, "live entry", "live entries"),
        (t.orphaned_entries, "live entry left out", "live entries left out"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    }
    let total = t.files + t.skipped;
    let files = format!("{total} file{}", plural(total));
    if parts.is_empty() { files } else { format!("{files} ({})", parts.join(", ")) }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How `--changes FILE` is written.
#[derive(Clone, Copy)]
enum Manifest {
    /// One build: FILE holds its manifest.
    Replace,
    /// `--watch`: FILE is a log, a manifest a line, and this build's is appended when it changed
    /// anything.
    Append,
}

fn build(opts: &BuildOptions, verbose: bool, quiet: bool, changes: Option<&Path>, manifest: Manifest) -> ExitCode {
    let started = Instant::now();
    let bar = Bar::new(!quiet);
    let result = pipeline::build_observed(opts, &bar);
    bar.finish();
    if let (Ok(report), Some(to)) = (&result, changes)
        && let Err(e) = match manifest {
            Manifest::Replace => pipeline::write_changes(report, to),
            Manifest::Append => pipeline::append_changes(report, to),
        }
    {
        return fail(&e, Some("the site was built; only the changes manifest could not be written"));
    }
    match result {
        Ok(_) if quiet => ExitCode::SUCCESS,
        Ok(report) => {
            print_report(&report, verbose, started);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, Some("build failed; the previous output was left as it was")),
    }
}

/// A progress bar per stage on a terminal, shown once a build has run for a second (indicatif);
/// nothing when output is piped or `--quiet`.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
}

impl Bar {
    fn new(enabled: bool) -> Self {
        use std::io::IsTerminal;
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
            let style = indicatif::ProgressStyle::with_template("{msg:>8} [{bar:30}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style.progress_chars("=> "));
            bar
        });
        Bar { bar, started: Instant::now() }
    }

    /// Starts drawing once the build has taken a second.
    fn reveal(&self, bar: &indicatif::ProgressBar) {
        if bar.is_hidden() && self.started.elapsed() > std::time::Duration::from_secs(1) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl pipeline::Observer for Bar {
    fn stage(&self, name: &'static str, total: usize) {
        if let Some(bar) = &self.bar {
            self.reveal(bar);
            bar.set_message(name);
            bar.set_length(total as u64);
            bar.set_position(0);
        }
    }

    fn advance(&self, steps: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(steps as u64);
            self.reveal(bar);
        }
    }
}

fn print_report(report: &Report, verbose: bool, started: Instant) {
    eprint!("{}", gazette::diag::render_warnings(&report.warnings, gazette::diag::use_color()));
    if report.held_back > 0 {
        let plural = if report.held_back == 1 { "y" } else { "ies" };
        eprintln!("held back {} embargoed stor{plural} dated in the future (--future includes them)", report.held_back);
    }
    if verbose {
        for (stage, d) in &report.stages {
            eprintln!("  {stage:<8} {:>8.1} ms", d.as_secs_f64() * 1000.0);
        }
        let c = &report.parse;
        match report.story_files {
            pipeline::StoryFiles::Unchanged => eprintln!(
                "inputs: as the last build found them (the build state's `last`), its output intact: nothing read, parsed or made"
            ),
            pipeline::StoryFiles::Walked | pipeline::StoryFiles::Named => {
                eprintln!(
                    "parse: {} parsed, {} re-read unchanged, {} from the build state",
                    c.parsed, c.reread, c.kept
                );
                match report.related {
                    pipeline::RelatedLists::Unneeded => {}
                    pipeline::RelatedLists::Computed => eprintln!("related: lists computed"),
                    pipeline::RelatedLists::Kept => {
                        eprintln!(
                            "related: lists from the build state (made from the same headlines, lists, tags and times)"
                        )
                    }
                }
            }
        }
        if let Some(t) = &report.terms {
            eprintln!("index: {} stories tokenised, {} from the build state", t.tokenised, t.kept);
        }
        let p = &report.photos;
        if p.sources > 0 || p.pruned > 0 {
            eprintln!(
                "photos: {} sources, {} read, {} decoded, {} renditions made, {} pruned from the cache",
                p.sources, p.read, p.decoded, p.made, p.pruned
            );
        }
    }
    if report.story_files == pipeline::StoryFiles::Named {
        eprintln!(
            "note: --changed: content/ was not walked; its story files are the build state's and the named ones \
             (a story file added and not named is not built until it is named or a build without --changed runs)"
        );
    }
    // A build state file that was not used, and what the build did instead.
    let discarded = [
        (&report.state_discarded, "stories", "every story file was parsed"),
        (&report.last_discarded, "last", "the build did its work"),
        (&report.terms_discarded, "terms", "every story was tokenised"),
        (&report.related_discarded, "related", "the related lists were computed"),
    ];
    let state_dir = gazette::state::folder(&report.output);
    for (why, file, instead) in discarded {
        if let Some(why) = why {
            let path = state_dir.join(file);
            eprintln!("warning: the build state {} was not used: {why}; {instead}", pipeline::display(&path));
        }
    }
    // A chunk not used while the others were; past a few, a count.
    const CHUNKS_NAMED: usize = 8;
    for d in report.chunks_discarded.iter().take(CHUNKS_NAMED) {
        let instead = match d.kind {
            gazette::state::Kind::Terms => "the stories it held were tokenised again",
            _ => "the story files it held were parsed again",
        };
        let path = pipeline::display(&state_dir.join(d.file()));
        eprintln!("warning: the build state {path} was not used: {}; {instead}", d.why);
    }
    if let Some(more) = report.chunks_discarded.len().checked_sub(CHUNKS_NAMED).filter(|&n| n > 0) {
        eprintln!("warning: {more} more chunks of the build state were not used either");
    }
    if let Some(why) = &report.cache_discarded {
        eprintln!("note: the build cache of {} was not used: {why}", pipeline::display(&report.output));
    }
    let repaired = match report.repaired {
        0 => String::new(),
        n => format!(", {n} repaired"),
    };
    if verbose && !report.joins.is_empty() {
        eprintln!("wire files joined as versions of one story ({}):", report.joins.len());
        for line in &report.joins {
            eprintln!("  {line}");
        }
    }
    println!(
        "built {} stories from {}, {} pages ({} written, {} unchanged{repaired}) into {} in {:.2} s",
        report.stories,
        files_line(&report.tally),
        report.pages,
        report.written,
        report.unchanged,
        pipeline::display(&report.output),
        started.elapsed().as_secs_f64()
    );
}

/// Prints an error (every located diagnostic, or the whole context chain) and gives exit code 1.
fn fail(e: &anyhow::Error, footer: Option<&str>) -> ExitCode {
    match e.downcast_ref::<Diagnostics>() {
        Some(d) => eprintln!("{}", d.render(gazette::diag::use_color())),
        None => eprintln!("error: {e:#}"),
    }
    if let Some(f) = footer {
        eprintln!("{f}");
    }
    ExitCode::FAILURE
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a message.
fn print_bytes(bytes: &[u8]) -> ExitCode {
    use std::io::Write;
    match std::io::stdout().write_all(bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(&e.into(), None),
    }
}

fn parse_now(text: &str) -> Result<jiff::Timestamp, String> {
    text.parse::<jiff::Timestamp>().map_err(|e| format!("{e} (use RFC 3339, e.g. 2024-05-01T09:00:00Z)"))
}
