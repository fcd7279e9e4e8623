//! The one render-and-write loop, shared by `build`, `serve` and `check`: every entry of the plan
//! goes to a [`Sink`] in parallel. The sink first says whether it already holds the file made from
//! the entry's digest; only the others are rendered (pages) or copied (static files), and each
//! page's bytes go to the sink as soon as they are made, so pages are never all in memory.
//!
//! Every render error is collected; the first failed write (a full disk, a read-only folder) stops
//! the loop, since every later file would fail the same way, and is reported once.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use super::Renderer;
use crate::diag::Diagnostic;
use crate::plan::{Job, Plan};
use crate::write::{Held, Put, Sink};

/// What the loop did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Files made and written (new, or made from changed inputs).
    pub written: usize,
    /// Files the sink already held, or whose new bytes equal the old ones.
    pub unchanged: usize,
    /// Output files that were missing or altered on disk and are whole again.
    pub repaired: usize,
}

/// Renders and writes every entry of `plan` whose file `sink` does not hold (`digests[i]` is the
/// digest of `plan.entries[i]`); `advance` is called once per entry.
pub fn run(
    plan: &Plan,
    renderer: &Renderer,
    digests: &[u64],
    sink: &dyn Sink,
    advance: &(dyn Fn() + Sync),
) -> Result<Counts, Vec<Diagnostic>> {
    let all = (0..plan.entries.len()).into_par_iter();
    run_over(plan, renderer, digests, sink, advance, &|| false, all).map(|(counts, _)| counts)
}

/// [`run`] over the entries numbered `some` alone (`serve`, after an edit whose entries it knows).
pub fn run_some(
    plan: &Plan,
    renderer: &Renderer,
    digests: &[u64],
    sink: &dyn Sink,
    some: &[usize],
) -> Result<Counts, Vec<Diagnostic>> {
    run_some_until(plan, renderer, digests, sink, some, &|| false).map(|(counts, _)| counts)
}

/// [`run_some`], leaving the entries not begun once `stop` says so (`serve`, when new changes
/// wait): the counts, and the entries left, in order.
pub fn run_some_until(
    plan: &Plan,
    renderer: &Renderer,
    digests: &[u64],
    sink: &dyn Sink,
    some: &[usize],
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<(Counts, Vec<usize>), Vec<Diagnostic>> {
    run_over(plan, renderer, digests, sink, &|| {}, stop, some.par_iter().copied())
}

fn run_over(
    plan: &Plan,
    renderer: &Renderer,
    digests: &[u64],
    sink: &dyn Sink,
    advance: &(dyn Fn() + Sync),
    leave: &(dyn Fn() -> bool + Sync),
    entries: impl ParallelIterator<Item = usize>,
) -> Result<(Counts, Vec<usize>), Vec<Diagnostic>> {
    debug_assert_eq!(plan.entries.len(), digests.len());
    let (written, unchanged, repaired) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
    let stop = AtomicBool::new(false);
    let left = Mutex::new(Vec::new());
    let write_errors = Mutex::new(Vec::new());
    let mut errors: Vec<Diagnostic> = entries
        .filter_map(|i| {
            let (entry, digest) = (&plan.entries[i], digests[i]);
            advance();
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            if leave() {
                left.lock().unwrap_or_else(|p| p.into_inner()).push(i);
                return None;
            }
            let held = sink.hold(&entry.path, digest);
            let count = match held {
                Held::Unchanged => return inc(&unchanged),
                Held::Repaired => return inc(&repaired),
                Held::Remake => &repaired,
                Held::Make => &written,
            };
            let put = match entry.job {
                Job::Static(s) => sink.copy(&entry.path, digest, &plan.statics[s].path),
                Job::Photo(r) => sink.copy(&entry.path, digest, &plan.photos.renditions[r].cached),
                _ => match renderer.render(entry) {
                    Ok(bytes) => sink.put(&entry.path, digest, &bytes),
                    Err(e) => return Some(e),
                },
            };
            match put {
                Ok(Put::Written) => inc(count),
                Ok(Put::Same) => inc(if held == Held::Remake { &repaired } else { &unchanged }),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    write_errors.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                    None
                }
            }
        })
        .collect();
    let mut write_errors = write_errors.into_inner().unwrap_or_else(|p| p.into_inner());
    write_errors.sort();
    if let Some(mut first) = write_errors.into_iter().next() {
        first.hint = Some("the build stopped at the first output file it could not write".into());
        errors.push(first);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let get = |n: AtomicUsize| n.into_inner();
    let mut left = left.into_inner().unwrap_or_else(|p| p.into_inner());
    left.sort_unstable();
    Ok((Counts { written: get(written), unchanged: get(unchanged), repaired: get(repaired) }, left))
}

fn inc(n: &AtomicUsize) -> Option<Diagnostic> {
    n.fetch_add(1, Ordering::Relaxed);
    None
}
