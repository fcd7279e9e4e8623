//! `gazette build --watch`: keeps a built site published while its inputs change. In: the build's
//! options, after `gazette build` ([`pipeline::build`]) has made the output (staged and swapped
//! in whole). Out: the output folder, updated in place on every change, and a line per rebuild on
//! stderr (and, with `--changes`, a JSON line per rebuild in the changes log).
//!
//! A [`Session`] holds the model in memory, seeded with the output's build cache, so its first
//! rebuild reads every story file and makes only what is not on disk as recorded. Each change to
//! the site's inputs ([`watch`]) is applied to the output in place, file by file: each file is
//! written beside its place and renamed over it, so a reader (a web server) never sees half a
//! file, though it may see one file of a rebuild before another. A rebuild that fails on a bad
//! story, template or config writes nothing and says why; a page that fails to render keeps its
//! last good file. After each rebuild the session's records
//! of the output are saved in its marker ([`write::save_records`]), so a later `gazette build`
//! trusts the output as it trusts its own; if the process dies before that, each stale record is
//! still checked against the disk. When the clock alone changes the output (an embargo lifts, a
//! story expires, a live badge goes), a rebuild runs then.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::diag::Diagnostics;
use crate::pipeline::{self, BuildOptions};
use crate::session::{Changes, Outcome, Session};
use crate::watch;
use crate::write;

/// What wakes the publishing loop.
enum Event {
    Changes(Changes),
    /// Ctrl-C or SIGTERM: finish the rebuild under way, then stop.
    Stop,
}

/// Watches `opts.site_dir` and keeps `opts`'s output folder up to date until Ctrl-C or SIGTERM.
/// `changes_log`: a file each rebuild that wrote or removed files appends its manifest to, one
/// JSON object per line ([`pipeline::changes_json`]).
pub fn watch(opts: &BuildOptions, changes_log: Option<&Path>, verbose: bool) -> Result<()> {
    let site_dir = opts.site_dir.canonicalize().with_context(|| format!("opening {}", opts.site_dir.display()))?;
    let output = opts.output_dir();
    let (tx, rx) = mpsc::channel::<Event>();
    let told = tx.clone();
    let _watcher = watch::watch(&site_dir, move |c| {
        let _ = told.send(Event::Changes(c));
    })?;
    std::thread::Builder::new().name("gazette-signals".into()).spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
            rt.block_on(watch::stop_signal());
            let _ = tx.send(Event::Stop);
        }
    })?;
    let records = write::cache::read(&output).records();
    let mut session = Session::new(&site_dir, &output, opts.overrides.clone()).with_records(records);
    let clock_pinned = opts.overrides.now.is_some();
    let log = Log { output: &output, changes_log, verbose };
    log.rebuilt("the files as they are now", session.rebuild(&Changes::all()), &session)?;
    eprintln!("watching {} (Ctrl-C to stop)", pipeline::display(&opts.site_dir));
    loop {
        let due = if clock_pinned { None } else { session.next_change() };
        let event = match watch::next(&rx, due) {
            watch::Next::Event(event) => event,
            watch::Next::Clock => Event::Changes(Changes::default()),
            watch::Next::Closed => break,
        };
        let Event::Changes(mut changes) = event else { break };
        // A burst of events is one rebuild.
        let mut stop = false;
        while let Ok(more) = rx.recv_timeout(Duration::from_millis(5)) {
            match more {
                Event::Changes(c) => changes.merge(c),
                Event::Stop => stop = true,
            }
        }
        let what = if changes.is_empty() { "the clock".to_string() } else { changes.describe() };
        log.rebuilt(&what, session.rebuild(&changes), &session)?;
        if stop {
            break;
        }
    }
    eprintln!("stopped watching; {} is as the last rebuild left it", pipeline::display(&output));
    Ok(())
}

/// Where the loop tells of its rebuilds.
struct Log<'a> {
    output: &'a Path,
    changes_log: Option<&'a Path>,
    verbose: bool,
}

impl Log<'_> {
    /// Tells of one rebuild, appends its changes to the log and saves the session's records of
    /// the output. Only a failure to record (the output's marker, the log) is an error:
    /// a failed rebuild is told and the loop goes on.
    fn rebuilt(&self, what: &str, result: Result<Outcome>, session: &Session) -> Result<()> {
        match &result {
            Ok(o) => {
                eprint!("{}", crate::diag::render_warnings(&o.warnings, crate::diag::use_color()));
                eprintln!(
                    "published ({what}): {} files written, {} removed, {} stories, in {:.0} ms",
                    o.changed.written.len(),
                    o.changed.removed.len(),
                    o.stories,
                    o.elapsed.as_secs_f64() * 1000.0
                );
                if self.verbose {
                    eprintln!("  {} of {} entries digested", o.digested, o.entries);
                    for (stage, d) in &o.stages {
                        eprintln!("  {stage:<8} {:>8.1} ms", d.as_secs_f64() * 1000.0);
                    }
                }
                if let Some(to) = self.changes_log {
                    let base_url = session.base_url().unwrap_or_default();
                    pipeline::append_changes_line(self.output, base_url, &o.changed, to)?;
                }
            }
            Err(e) => {
                eprintln!("rebuild failed ({what}); {} keeps the last good files:", pipeline::display(self.output));
                match e.downcast_ref::<Diagnostics>() {
                    Some(d) => eprintln!("{}", d.render(crate::diag::use_color())),
                    None => eprintln!("error: {e:#}"),
                }
            }
        }
        // After the rebuild is told (its files are on disk already), and after a failed rebuild
        // too: what it did write is recorded.
        write::save_records(self.output, session.records())
    }
}
