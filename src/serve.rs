//! `gazette serve`: builds the site into a folder of its own, serves it over HTTP, watches the
//! inputs and rebuilds only what a change touches ([`Session`]), and tells open pages to reload
//! over server-sent events. A failed rebuild keeps the last good pages and shows the errors in an
//! overlay; a failed first build does not exit.
//!
//! Safety: binds 127.0.0.1 unless told otherwise, answers GET and HEAD only, and serves only
//! files under its output folder (no `..`, encoded or not, no absolute paths, no symlinks out).
//! A connection that does not send a request's head within [`HEADER_TIMEOUT`] is closed; the live
//! stream, a response, is never cut by it. Ctrl-C ends the live streams, waits briefly for other
//! responses, and removes the output folder.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, mpsc};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::broadcast;
use tower_http::services::ServeDir;

use crate::config::{Drafts, Embargoed, Overrides};
use crate::diag::Diagnostics;
use crate::session::{Changes, Outcome, Session};
use crate::watch;

/// How `serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub site_dir: PathBuf,
    pub bind: String,
    pub port: u16,
    pub open: bool,
    pub drafts: Drafts,
    pub future: Embargoed,
    pub now: Option<jiff::Timestamp>,
    /// Print each rebuild's stage times (`serve -v`).
    pub verbose: bool,
    /// How long a client may take to send a request's head; [`HEADER_TIMEOUT`] unless a test
    /// shortens it (the hidden `--header-timeout-ms`).
    pub header_timeout: Duration,
}

/// How long a client may take to send the head of a request (request line and headers), from
/// when it connects or its previous response ended. A connection that sends nothing, or half a
/// request line, or drips a header a second (slowloris), is closed after this: each one held an
/// open socket and a task for ever.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long Ctrl-C waits for responses under way before the server exits anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Threads for file reads. tokio reads files on its blocking pool, which grows to 512 threads: with
/// 256 connections open the server ran some 280 threads, for no more throughput than 16 give (the
/// pages are small and mostly in the page cache); reads beyond them wait their turn.
const BLOCKING_THREADS: usize = 16;

/// The path of the live-reload event stream.
pub const LIVE_PATH: &str = "/__gazette/live";

/// What the HTTP side shares with the build thread.
struct Shared {
    out: PathBuf,
    /// Errors of the last rebuild, shown in the overlay; empty when it succeeded.
    errors: RwLock<Vec<String>>,
    /// Bumped on every successful rebuild; a page that reconnects with an older one reloads.
    build: AtomicU64,
    events: broadcast::Sender<Notice>,
    /// The warnings last printed: a rebuild with the same ones only counts them.
    warned: std::sync::Mutex<Vec<crate::diag::Diagnostic>>,
    /// Print each rebuild's stage times.
    verbose: bool,
    /// The output paths of the pages served lately, most recent last: a rebuild that makes many
    /// files makes these first ([`crate::session::Audience`]).
    asked: std::sync::Mutex<Vec<String>>,
    /// Changes came that no rebuild has taken yet.
    waiting: std::sync::atomic::AtomicBool,
}

/// How many of the pages served lately a rebuild makes first.
const ASKED: usize = 16;

impl Shared {
    fn new(out: PathBuf, verbose: bool) -> Shared {
        let (events, _) = broadcast::channel(64);
        let warned = std::sync::Mutex::new(Vec::new());
        let asked = std::sync::Mutex::new(Vec::new());
        let waiting = std::sync::atomic::AtomicBool::new(false);
        Shared {
            out,
            errors: RwLock::new(Vec::new()),
            build: AtomicU64::new(0),
            events,
            warned,
            verbose,
            asked,
            waiting,
        }
    }

    /// A rebuild succeeded: a new build number, told to every open page.
    fn reloaded(&self) {
        self.errors.write().expect("lock").clear();
        let build = self.build.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.events.send(Notice::Reload(build));
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Notice {
    Reload(u64),
    Errors(Vec<String>),
    /// The server is stopping: live streams end, so their connections can close.
    Shutdown,
}

/// What a page learns when it opens the live stream: the current build and the last errors.
#[derive(Debug, PartialEq)]
struct Hello {
    build: u64,
    errors: Vec<String>,
}

/// Runs the server until interrupted.
pub fn serve(opts: ServeOptions) -> Result<()> {
    let site_dir = opts.site_dir.canonicalize().with_context(|| format!("opening {}", opts.site_dir.display()))?;
    let listener = std::net::TcpListener::bind((opts.bind.as_str(), opts.port))
        .with_context(|| format!("binding {}:{}", opts.bind, opts.port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let url = format!("http://{}", display_addr(addr));
    // A fresh folder whose name nobody can guess or plant beforehand (the old one was the pid's);
    // removed when dropped.
    let out_dir = tempfile::Builder::new()
        .prefix("gazette-serve-")
        .tempdir()
        .context("creating the output folder in the temporary folder")?;
    let out = out_dir.path().to_path_buf();
    let overrides = Overrides { base_url: Some(url.clone()), drafts: opts.drafts, future: opts.future, now: opts.now };
    let shared = Arc::new(Shared::new(out.clone(), opts.verbose));

    let mut session = Session::new(&site_dir, &out, overrides).with_audience(Box::new(Readers(Arc::clone(&shared))));
    report(&shared, "first build", session.rebuild(&Changes::all()));
    let (tx, rx) = mpsc::channel::<Changes>();
    let told = Arc::clone(&shared);
    let _watcher = watch::watch(&site_dir, move |c| {
        let _ = tx.send(c);
        told.waiting.store(true, Ordering::Relaxed);
    })?;
    let builder = Arc::clone(&shared);
    let clock_pinned = opts.now.is_some();
    std::thread::spawn(move || rebuild_loop(session, rx, &builder, clock_pinned));

    println!("serving {} at {url} (Ctrl-C to stop)", site_dir.display());
    if opts.open {
        open_browser(&url);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        accept_loop(listener, shared, opts.header_timeout).await;
        std::io::Result::Ok(())
    });
    drop(runtime);
    drop(out_dir);
    result.context("serving HTTP")
}

/// Accepts connections until Ctrl-C or SIGTERM ([`stop_signal`]), each served on a task of its own;
/// then stops accepting, ends the live-reload streams, lets responses under way finish (for at most
/// [`SHUTDOWN_GRACE`]).
async fn accept_loop(listener: tokio::net::TcpListener, shared: Arc<Shared>, header_timeout: Duration) {
    let app = router(Arc::clone(&shared));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Every connection task holds a sender; `recv` returns `None` once all of them have ended.
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(1);
    let stop_signal = watch::stop_signal();
    tokio::pin!(stop_signal);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            _ = &mut stop_signal => break,
        };
        tokio::spawn(connection(stream, app.clone(), header_timeout, stop_rx.clone(), done_tx.clone()));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = shared.events.send(Notice::Shutdown);
    drop(done_tx);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, done_rx.recv()).await;
}

/// Serves one connection (HTTP/1.1, kept alive) until the client closes it, the header-read
/// timeout drops it, or shutdown asks it to finish its response and close.
async fn connection(
    stream: tokio::net::TcpStream,
    app: Router,
    header_timeout: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
    _done: tokio::sync::mpsc::Sender<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    // The clock runs while the server waits for a request's head (on connect and between requests
    // of a kept-alive connection), never while it sends a response: the live stream is not cut.
    http.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|stop| *stop) => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
}

/// A failed accept: a connection that went before it was accepted is nothing; anything else
/// (out of file descriptors) is waited out, as hyper and axum do, rather than spun on.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        eprintln!("accepting a connection: {e}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

impl Shared {
    /// A page was served: it goes to the end of the pages asked for lately.
    fn asked_for(&self, path: &Path) {
        let Some(rel) = path.strip_prefix(&self.out).ok().and_then(Path::to_str) else { return };
        let mut asked = self.asked.lock().unwrap_or_else(|p| p.into_inner());
        asked.retain(|p| p != rel);
        if asked.len() == ASKED {
            asked.remove(0);
        }
        asked.push(rel.to_string());
    }
}

/// The server's readers, as a session hears of them.
struct Readers(Arc<Shared>);

impl crate::session::Audience for Readers {
    fn asked(&self) -> Vec<String> {
        self.0.asked.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Open pages reload now, and again when the rebuild ends.
    fn asked_made(&self) {
        self.0.reloaded();
    }

    fn interrupted(&self) -> bool {
        self.0.waiting.load(Ordering::Relaxed)
    }
}

/// Waits for changes; each rebuild takes every change queued meanwhile, so a burst is one rebuild.
/// Unless the clock is pinned (`--now`), a rebuild also runs when the output changes with the
/// clock alone: an embargo lifts, a story expires, a live badge goes.
fn rebuild_loop(mut session: Session, rx: mpsc::Receiver<Changes>, shared: &Shared, clock_pinned: bool) {
    loop {
        let due = if clock_pinned { None } else { session.next_change() };
        let mut changes = match watch::next(&rx, due) {
            watch::Next::Event(changes) => changes,
            watch::Next::Clock => Changes::default(),
            watch::Next::Closed => break,
        };
        while let Ok(more) = rx.recv_timeout(Duration::from_millis(5)) {
            changes.merge(more);
        }
        // Cleared before the queue is looked at again: a change sent after this is seen.
        shared.waiting.store(false, Ordering::Relaxed);
        while let Ok(more) = rx.try_recv() {
            changes.merge(more);
        }
        let what = if changes.is_empty() { "the clock".to_string() } else { changes.describe() };
        report(shared, &what, session.rebuild(&changes));
    }
}

/// Prints one line per rebuild and tells the pages.
fn report(shared: &Shared, what: &str, result: Result<Outcome>) {
    match result {
        Ok(o) => {
            let mut warned = shared.warned.lock().unwrap_or_else(|p| p.into_inner());
            let same = *warned == o.warnings;
            let unchanged = match (same, o.warnings.len()) {
                (_, 0) => String::new(),
                (true, 1) => ", 1 warning as before".to_string(),
                (true, n) => format!(", {n} warnings as before"),
                (false, _) => String::new(),
            };
            let left = match o.left {
                0 => String::new(),
                n => format!(", {n} files left to the next rebuild"),
            };
            println!(
                "rebuilt ({what}): {} pages written, {} repaired, {} removed, {} stories, in {:.0} ms{left}{unchanged}",
                o.written,
                o.repaired,
                o.changed.removed.len(),
                o.stories,
                o.elapsed.as_secs_f64() * 1000.0
            );
            if shared.verbose {
                println!("  {} of {} entries digested", o.digested, o.entries);
                for (stage, d) in &o.stages {
                    println!("  {stage:<8} {:>8.1} ms", d.as_secs_f64() * 1000.0);
                }
            }
            // Warnings are printed when they change, not again on every rebuild.
            if !same {
                eprint!("{}", crate::diag::render_warnings(&o.warnings, crate::diag::use_color()));
                *warned = o.warnings.clone();
            }
            drop(warned);
            shared.reloaded();
        }
        Err(e) => {
            let lines: Vec<String> = match e.downcast_ref::<Diagnostics>() {
                Some(d) => d.0.iter().map(ToString::to_string).collect(),
                None => vec![format!("{e:#}")],
            };
            eprintln!("rebuild failed ({what}); still serving the last good pages:");
            match e.downcast_ref::<Diagnostics>() {
                Some(d) => eprintln!("{}", d.render(crate::diag::use_color())),
                None => eprintln!("error: {e:#}"),
            }
            *shared.errors.write().expect("lock") = lines.clone();
            let _ = shared.events.send(Notice::Errors(lines));
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new().route(LIVE_PATH, get(live)).fallback(file).with_state(shared)
}

/// The event stream: `hello` with the current build number (and `errors` when the last rebuild
/// failed), then `reload` and `errors` as they happen; it ends when the server stops.
async fn live(State(shared): State<Arc<Shared>>) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    let (hello, rx) = subscribe(&shared);
    let mut first = vec![Event::default().event("hello").data(hello.build.to_string())];
    if !hello.errors.is_empty() {
        first.push(errors_event(&hello.errors));
    }
    let later = stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(Notice::Reload(n)) => return Some((Ok(Event::default().event("reload").data(n.to_string())), rx)),
                Ok(Notice::Errors(e)) => return Some((Ok(errors_event(&e)), rx)),
                Ok(Notice::Shutdown) | Err(broadcast::error::RecvError::Closed) => return None,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
            }
        }
    });
    let first = stream::iter(first.into_iter().map(Ok));
    Sse::new(futures_util::StreamExt::chain(first, later)).keep_alive(KeepAlive::default())
}

/// Subscribes to the notices, then reads the state for `hello`. In this order a rebuild that
/// lands in between is in both (the page may reload once more than needed); read first and
/// subscribed second, it was in neither, and the page kept showing the old build.
fn subscribe(shared: &Shared) -> (Hello, broadcast::Receiver<Notice>) {
    subscribe_then(shared, || {})
}

/// [`subscribe`] with `between` run after subscribing and before reading, where a rebuild may
/// land; tests put one there.
fn subscribe_then(shared: &Shared, between: impl FnOnce()) -> (Hello, broadcast::Receiver<Notice>) {
    let rx = shared.events.subscribe();
    between();
    let hello =
        Hello { build: shared.build.load(Ordering::SeqCst), errors: shared.errors.read().expect("lock").clone() };
    (hello, rx)
}

fn errors_event(errors: &[String]) -> Event {
    Event::default().event("errors").data(serde_json::to_string(errors).unwrap_or_default())
}

/// Serves a file of the output: HTML with the reload script added, the rest as it is.
async fn file(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = (StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n").into_response();
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let Some(rel) = safe_request_path(req.uri().path()) else {
        return (StatusCode::BAD_REQUEST, "bad path\n").into_response();
    };
    let path = shared.out.join(&rel);
    if path.is_dir() {
        if !req.uri().path().ends_with('/') {
            // One leading slash: `//world` must not send the browser to a host named `world`.
            let to = format!("/{}/", req.uri().path().trim_start_matches('/'));
            return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to)]).into_response();
        }
        return html(&shared, &path.join("index.html"), StatusCode::OK, req.method()).await;
    }
    if path.extension().is_some_and(|e| e == "html") {
        return html(&shared, &path, StatusCode::OK, req.method()).await;
    }
    match ServeDir::new(&shared.out).append_index_html_on_directories(false).try_call(req).await {
        Ok(r) if r.status() == StatusCode::NOT_FOUND => not_found(&shared).await,
        Ok(r) => r.map(Body::new),
        Err(e) if names_no_file(&e) => not_found(&shared).await,
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file\n").into_response(),
    }
}

/// Errors that mean the request names no file of the output: a name too long for the file system
/// or a file where the path needs a folder are the client's doing (404), not the server's (500).
fn names_no_file(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{InvalidFilename, NotADirectory, NotFound, PermissionDenied};
    matches!(e.kind(), NotFound | PermissionDenied | NotADirectory | InvalidFilename)
}

async fn html(shared: &Shared, path: &Path, status: StatusCode, method: &Method) -> Response {
    match tokio::fs::read(path).await {
        Ok(bytes) => {
            if status == StatusCode::OK {
                shared.asked_for(path);
            }
            let body = inject(&String::from_utf8_lossy(&bytes));
            let len = body.len();
            let body = if method == Method::HEAD { Body::empty() } else { Body::from(body) };
            let mut r = (status, body).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(_) if status == StatusCode::OK => Box::pin(not_found(shared)).await,
        Err(_) => {
            let body = inject(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Not found</title></head><body><h1>Not found</h1></body></html>",
            );
            (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
        }
    }
}

async fn not_found(shared: &Shared) -> Response {
    html(shared, &shared.out.join("404.html"), StatusCode::NOT_FOUND, &Method::GET).await
}

/// A request path as a relative path under the output, or `None` when it tries to leave it or
/// is not a path at all (a request target such as `secret.txt` or `host:80` has no leading `/`).
pub fn safe_request_path(path: &str) -> Option<PathBuf> {
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut out = PathBuf::new();
    for c in Path::new(decoded.trim_start_matches('/')).components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The live-reload client: reloads on `reload`, shows an overlay on `errors`.
const SCRIPT: &str = r#"<script>(function(){var es=new EventSource("/__gazette/live"),seen=null;
function overlay(list){var d=document.getElementById("gazette-errors");if(!d){d=document.createElement("div");d.id="gazette-errors";
d.setAttribute("style","position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2em;background:rgba(30,0,0,.93);color:#fff;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap");
(document.body||document.documentElement).appendChild(d);}d.textContent="Gazette: the last rebuild failed. Still showing the last good pages.\n\n"+list.join("\n");}
es.addEventListener("hello",function(e){if(seen!==null&&e.data!==seen){location.reload();}seen=e.data;});
es.addEventListener("reload",function(){location.reload();});
es.addEventListener("errors",function(e){overlay(JSON.parse(e.data));});})();</script>"#;

/// Adds the reload script before `</body>` (or at the end).
pub fn inject(html: &str) -> String {
    match html.rfind("</body>") {
        Some(i) => format!("{}{SCRIPT}{}", &html[..i], &html[i..]),
        None => format!("{html}{SCRIPT}"),
    }
}

fn display_addr(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => a.to_string(),
    }
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    if std::process::Command::new(cmd).arg(url).spawn().is_err() {
        eprintln!("could not open a browser; visit {url}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_table() {
        let cases = [
            ("/", Some("")),
            ("/politics/a/", Some("politics/a")),
            ("/%EC%A0%95%EC%B9%98/", Some("정치")),
            ("/../etc/passwd", None),
            ("/a/%2e%2e/%2e%2e/etc", None),
            ("/a/..%2f..%2fetc", None),
            ("/a%5c..%5cb", None),
            ("/a%00b", None),
            ("//etc/passwd", Some("etc/passwd")),
            ("", None),
            ("secret.txt", None),
        ];
        for (input, want) in cases {
            assert_eq!(safe_request_path(input).map(|p| p.to_string_lossy().to_string()).as_deref(), want, "{input}");
        }
    }

    /// Regression: `live` read the build number before it subscribed, so a rebuild that finished
    /// in between reached the page neither in `hello` nor as a `reload`.
    #[test]
    fn a_rebuild_while_a_page_subscribes_reaches_the_page() {
        let shared = Shared::new(PathBuf::from("/nowhere"), false);
        let (hello, mut rx) = subscribe_then(&shared, || shared.reloaded());
        assert_eq!(hello, Hello { build: 1, errors: Vec::new() });
        assert_eq!(rx.try_recv(), Ok(Notice::Reload(1)));
        shared.reloaded();
        assert_eq!(rx.try_recv(), Ok(Notice::Reload(2)));
        let (hello, _) = subscribe(&shared);
        assert_eq!(hello.build, 2);
    }

    #[test]
    fn script_goes_before_body_end() {
        let out = inject("<html><body><p>x</p></body></html>");
        assert!(out.contains("</script></body></html>"));
        assert!(inject("no body").ends_with("</script>"));
    }
}
