//! File events → what changed. [`classify`] sorts a batch of changed paths into story, template,
//! static, author and config changes (a pure function with its own tests); [`watch`] runs the debounced
//! watcher and hands each batch to a callback; [`stop_signal`] waits for Ctrl-C or SIGTERM. Knows
//! nothing about HTTP or rendering.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::{Context, Result};
use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::load::{is_ignored, is_story};
use crate::parse::LIVE_FOLDER_EXT;
use crate::session::Changes;

/// How long the watcher waits for a burst of events to settle: long enough to see an editor's
/// write-temp-then-rename as one change, short enough to feel instant.
pub const DEBOUNCE: Duration = Duration::from_millis(30);

/// Sorts changed paths (absolute, under `site_dir`) into [`Changes`]. Paths outside the site's
/// inputs (the output folder, `target/`, editor leftovers) are dropped.
pub fn classify(site_dir: &Path, paths: &[PathBuf]) -> Changes {
    let mut changes = Changes::default();
    for path in paths {
        let Ok(rel) = path.strip_prefix(site_dir) else { continue };
        if rel.components().any(|c| matches!(c, Component::Normal(n) if is_ignored(&n.to_string_lossy()))) {
            continue;
        }
        let mut parts = rel.components();
        let top = parts.next().map(|c| c.as_os_str().to_string_lossy().to_string()).unwrap_or_default();
        let inner: PathBuf = parts.collect();
        match top.as_str() {
            "gazette.toml" if inner.as_os_str().is_empty() => changes.config = true,
            "templates" => changes.templates = true,
            "static" => changes.statics = true,
            "authors" => changes.authors = true,
            "content" if inner.as_os_str().is_empty() => changes.content_tree = true,
            "content" if is_story(&inner) => {
                changes.stories.insert(inner);
            }
            "content" if is_photo(&inner) => changes.photos = true,
            // A folder appeared, went or was renamed: rescan. Other files (images) are not stories.
            // A live entries folder (`storm.live`) has an extension but is a folder, gone or not.
            "content" if path.is_dir() || inner.extension().is_none_or(|e| e == LIVE_FOLDER_EXT) => {
                changes.content_tree = true
            }
            _ => {}
        }
    }
    changes
}

/// A file the photos stage reads (`.jpg`, `.jpeg`, `.png`).
fn is_photo(rel: &Path) -> bool {
    rel.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
}

/// What a rebuild loop wakes to.
pub enum Next<T> {
    /// Something the watcher (or a signal) sent.
    Event(T),
    /// The time the output changes with the clock alone (an embargo lifts, a story expires).
    Clock,
    /// Every sender is gone.
    Closed,
}

/// How often a loop waiting for the clock looks at it: a machine that slept past the time is
/// caught up within this.
const CLOCK_CHECK: Duration = Duration::from_secs(60);

/// Waits for the next event on `rx`, or until `due` ([`crate::session::Session::next_change`]:
/// when the output would next change with the clock alone) has passed, whichever comes first.
/// With no `due` it waits for events only.
pub fn next<T>(rx: &mpsc::Receiver<T>, due: Option<&jiff::Zoned>) -> Next<T> {
    let Some(at) = due else { return rx.recv().map_or(Next::Closed, Next::Event) };
    loop {
        let wait = until(at);
        match rx.recv_timeout(wait.min(CLOCK_CHECK)) {
            Ok(event) => return Next::Event(event),
            Err(mpsc::RecvTimeoutError::Timeout) if wait <= CLOCK_CHECK => return Next::Clock,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return Next::Closed,
        }
    }
}

/// How long until just past `at` (nothing when it is past).
fn until(at: &jiff::Zoned) -> Duration {
    let wait = at.timestamp().duration_since(jiff::Timestamp::now());
    // A rebuild at the instant itself still finds the old state: wait a moment past it.
    Duration::try_from(wait).unwrap_or(Duration::ZERO) + Duration::from_millis(50)
}

/// The running watcher; dropping it stops watching.
pub struct Watcher {
    _debouncer: Arc<Mutex<Debouncer<notify::RecommendedWatcher, RecommendedCache>>>,
}

/// Watches the site's inputs and calls `on_change` with each debounced, non-empty batch. The
/// input folders are watched recursively and the site folder itself only at its top level (so an
/// output or `target/` folder beside them costs nothing); an input folder created later is added.
pub fn watch<F>(site_dir: &Path, mut on_change: F) -> Result<Watcher>
where
    F: FnMut(Changes) + Send + 'static,
{
    let root = site_dir.to_path_buf();
    let (added_tx, added_rx) = mpsc::channel::<PathBuf>();
    let debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let paths = changed_paths(&root, result);
        for dir in INPUT_DIRS.iter().map(|d| root.join(d)) {
            if paths.contains(&dir) && dir.is_dir() {
                let _ = added_tx.send(dir);
            }
        }
        let changes = classify(&root, &paths);
        if !changes.is_empty() {
            on_change(changes);
        }
    })
    .context("starting the file watcher")?;
    let debouncer = Arc::new(Mutex::new(debouncer));
    {
        let mut d = debouncer.lock().expect("watcher lock");
        for dir in INPUT_DIRS {
            let path = site_dir.join(dir);
            if path.is_dir() {
                d.watch(&path, RecursiveMode::Recursive).with_context(|| format!("watching {}", path.display()))?;
            }
        }
        d.watch(site_dir, RecursiveMode::NonRecursive).with_context(|| format!("watching {}", site_dir.display()))?;
    }
    // Adds folders created after the start; outside the event callback, so it never waits on itself.
    let weak = Arc::downgrade(&debouncer);
    std::thread::spawn(move || {
        for dir in added_rx {
            let Some(d) = weak.upgrade() else { break };
            let _ = d.lock().expect("watcher lock").watch(&dir, RecursiveMode::Recursive);
        }
    });
    Ok(Watcher { _debouncer: debouncer })
}

const INPUT_DIRS: [&str; 4] = ["content", "templates", "static", "authors"];

/// The paths a debounced batch names, for [`classify`]. Reads (the build's own) are not changes.
/// When events were lost (the kernel's inotify queue overflowed, which notify reports as an event
/// with the rescan flag and no paths, or the watcher failed) it names every input, so the site is
/// re-read from the files as they are: a burst of thousands of writes must not leave stale pages.
fn changed_paths(root: &Path, result: DebounceEventResult) -> Vec<PathBuf> {
    let lost = || INPUT_DIRS.iter().chain(["gazette.toml"].iter()).map(|d| root.join(d)).collect();
    match result {
        Ok(events) if events.iter().any(|e| e.need_rescan()) => lost(),
        Ok(events) => events.into_iter().filter(|e| !e.event.kind.is_access()).flat_map(|e| e.event.paths).collect(),
        Err(_) => lost(),
    }
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `kill`, a service manager or a
/// benchmark sends): either stops `serve` (its output folder removed) and `build --watch` the same way.
pub async fn stop_signal() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        return;
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_table() {
        let site = Path::new("/site");
        let p = |s: &str| site.join(s);
        let cases: Vec<(Vec<PathBuf>, Changes)> = vec![
            (
                vec![p("content/politics/a.md")],
                Changes { stories: [PathBuf::from("politics/a.md")].into(), ..Default::default() },
            ),
            (
                vec![p("content/x/2024/05/01/b.txt")],
                Changes { stories: [PathBuf::from("x/2024/05/01/b.txt")].into(), ..Default::default() },
            ),
            (vec![p("content/politics/.a.md.swp"), p("content/a.md~"), p("content/#a.md#")], Changes::default()),
            (vec![p("content/politics/photo.jpg")], Changes { photos: true, ..Default::default() }),
            (vec![p("content/politics/notes.pdf")], Changes::default()),
            (vec![p("content/politics")], Changes { content_tree: true, ..Default::default() }),
            // A live story's entry is a story file to the watcher; its folder, even once gone, a tree change.
            (
                vec![p("content/world/storm.live/0915.md")],
                Changes { stories: [PathBuf::from("world/storm.live/0915.md")].into(), ..Default::default() },
            ),
            (vec![p("content/world/gone.live")], Changes { content_tree: true, ..Default::default() }),
            (vec![p("templates/article.html")], Changes { templates: true, ..Default::default() }),
            (vec![p("static/logo.png")], Changes { statics: true, ..Default::default() }),
            (vec![p("gazette.toml")], Changes { config: true, ..Default::default() }),
            (vec![p("authors/lena-vastrow.toml")], Changes { authors: true, ..Default::default() }),
            (vec![p("authors")], Changes { authors: true, ..Default::default() }),
            (
                vec![
                    p("public/index.html"),
                    p("target/debug/x"),
                    p("README.md"),
                    PathBuf::from("/elsewhere/content/a.md"),
                ],
                Changes::default(),
            ),
        ];
        for (paths, want) in cases {
            assert_eq!(classify(site, &paths), want, "{paths:?}");
        }
    }

    /// Regression: an inotify queue overflow (notify's rescan event, which names no path) was
    /// dropped as "nothing changed", so the writes it stood for never reached the served site.
    #[test]
    fn lost_events_rescan_everything() {
        use notify::event::{EventKind, Flag, ModifyKind};
        use notify_debouncer_full::DebouncedEvent;
        let site = Path::new("/site");
        let event = |e: notify::Event| DebouncedEvent::new(e, std::time::Instant::now());
        let overflow = notify::Event::new(EventKind::Other).set_flag(Flag::Rescan);
        let write = notify::Event::new(EventKind::Modify(ModifyKind::Any)).add_path(site.join("content/a.md"));
        let everything = Changes {
            content_tree: true,
            templates: true,
            statics: true,
            config: true,
            authors: true,
            ..Default::default()
        };
        for result in [Ok(vec![event(overflow.clone())]), Ok(vec![event(write.clone()), event(overflow)]), Err(vec![])]
        {
            assert_eq!(classify(site, &changed_paths(site, result)), everything);
        }
        let one = classify(site, &changed_paths(site, Ok(vec![event(write)])));
        assert_eq!(one, Changes { stories: [PathBuf::from("a.md")].into(), ..Default::default() });
    }

    /// A burst as the watcher reports it: 1,000 stories (Markdown and wire) written at once into
    /// ten new folders, each file named twice (created, then written), among editor leftovers and
    /// an image. The change set names every story once and nothing else, and the new folders make
    /// it a rescan of `content/`, as any folder event does; nothing else is flagged.
    #[test]
    fn a_burst_is_one_change_set() {
        let site = Path::new("/site");
        let story = |i: usize| {
            PathBuf::from(format!("desk{}/n{i:04}.{}", i % 10, if i.is_multiple_of(3) { "txt" } else { "md" }))
        };
        let mut paths: Vec<PathBuf> = (0..10).map(|d| site.join(format!("content/desk{d}"))).collect();
        for i in 0..1000 {
            let path = site.join("content").join(story(i));
            paths.extend([path.clone(), path]);
            let leftover = format!("content/desk{}/.n{i:04}.md.swp", i % 10);
            paths.extend([site.join(leftover), site.join(format!("content/desk{}/n{i:04}.md~", i % 10))]);
        }
        paths.push(site.join("content/desk0/photo.jpg"));
        let want =
            Changes { stories: (0..1000).map(story).collect(), content_tree: true, photos: true, ..Default::default() };
        assert_eq!(want.stories.len(), 1000);
        assert_eq!(classify(site, &paths), want);

        // The same burst into folders that already existed (no folder events): no rescan.
        let files: Vec<PathBuf> = paths.into_iter().filter(|p| p.extension().is_some()).collect();
        assert_eq!(classify(site, &files), Changes { content_tree: false, ..want });
    }
}
