#!/usr/bin/env python3
"""Preview-server benchmark: time from writing a file to `gazette serve` serving the new page.

  serve_bench.py [--gazette target/release/gazette] [--n 10000] [--corpus DIR] [--edits 21]
                 [--memory-edits 1000] [--work /tmp/gazette-bench]

Starts `gazette serve CORPUS --port 0 --future` (a large corpus runs past today's date) on a copy of the corpus (bench/gen_corpus.py, or --corpus, e.g. a
site from ../shared/bench/gen_corpus.py --layout gazette), then:
  story edit     appends a unique sentence to one Markdown story and polls its page over HTTP until the
                 sentence is served; median over --edits edits of different stories
  template edit  rewrites templates/article.html (extending the theme, a unique marker in the title) and
                 polls one article page until the marker is served; median over 5 edits
  memory         the server's resident memory (VmRSS) before and after --memory-edits story edits, each
                 waited for, to show it stays flat
Standard library only."""
import argparse, os, re, shutil, statistics, subprocess, sys, time, urllib.request, urllib.error

HERE = os.path.dirname(os.path.abspath(__file__))


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return ""
    except OSError:
        return ""


def wait_for(url, text, timeout=30.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if text in fetch(url):
            return True
        time.sleep(0.002)
    return False


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def story_urls(out_dir, files, content):
    """Maps story files to their page paths by the headline the page shows."""
    want = {}
    for f in files:
        text = open(f, encoding="utf-8").read()
        m = re.search(r'^title = "(.*)"$', text, re.M)
        if m:
            want[m.group(1).replace('\\"', '"')] = f
    found = {}
    for root, _, names in os.walk(out_dir):
        if "index.html" not in names:
            continue
        page = open(os.path.join(root, "index.html"), encoding="utf-8").read()
        m = re.search(r'<h1 class="headline">(.*?)</h1>', page)
        if not m:
            continue
        title = m.group(1).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
        if title in want:
            found[want[title]] = "/" + os.path.relpath(root, out_dir) + "/"
        if len(found) == len(want):
            break
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gazette", default=os.path.join(HERE, "..", "target", "release", "gazette"))
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--corpus", help="an existing Gazette site to copy instead of generating one")
    ap.add_argument("--edits", type=int, default=21)
    ap.add_argument("--memory-edits", type=int, default=1000)
    ap.add_argument("--work", default="/tmp/gazette-bench")
    a = ap.parse_args()
    gazette = os.path.abspath(a.gazette)
    if not os.path.exists(gazette):
        sys.exit(f"{gazette} is missing: run cargo build --release")
    src = a.corpus or os.path.join(a.work, f"serve-corpus-n{a.n}")
    if not a.corpus and not os.path.exists(os.path.join(src, "gazette.toml")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--n", str(a.n), "--out", src], check=True)
    site = os.path.join(a.work, "serve-site")
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(src, site)
    content = os.path.join(site, "content")
    stories = sorted(os.path.join(r, f) for r, _, fs in os.walk(content) for f in fs if f.endswith(".md"))
    proc = subprocess.Popen([gazette, "serve", site, "--port", "0", "--future"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url, lines = None, []
        t0 = time.monotonic()
        while url is None:
            line = proc.stdout.readline()
            lines.append(line)
            m = re.search(r"(http://[0-9.:]+)", line)
            if m:
                url = m.group(1)
            if not line and proc.poll() is not None:
                sys.exit("serve exited:\n" + "".join(lines))
        first_build = time.monotonic() - t0
        # serve builds into a temporary folder of its own (tempfile, `gazette-serve-` and a random
        # suffix): the newest one is this server's.
        import glob, tempfile
        out_dir = max(glob.glob(os.path.join(tempfile.gettempdir(), "gazette-serve-*")), key=os.path.getmtime)
        # drain the server's output in the background so it never blocks on a full pipe
        import threading
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        step = max(1, len(stories) // (a.edits + 1))
        picked = stories[step::step][: a.edits]
        urls = story_urls(out_dir, picked, content)
        picked = [f for f in picked if f in urls]
        times = []
        for i, f in enumerate(picked):
            marker = f"Edit marker {i} {time.time_ns()}."
            with open(f, "a", encoding="utf-8") as fh:
                t = time.monotonic()
                fh.write(f"\n{marker}\n")
            if not wait_for(url + urls[f], marker):
                sys.exit(f"timed out waiting for {urls[f]}")
            times.append(time.monotonic() - t)
        tdir = os.path.join(site, "templates")
        os.makedirs(tdir, exist_ok=True)
        ttimes = []
        probe = url + urls[picked[0]]
        for i in range(5):
            marker = f"TPL{i}x{time.time_ns()}"
            t = time.monotonic()
            with open(os.path.join(tdir, "article.html"), "w") as fh:
                fh.write('{% extends "theme/article.html" %}{% block title %}' + marker + ' {{ story.title }}{% endblock title %}')
            if not wait_for(probe, marker, timeout=120):
                sys.exit("timed out waiting for the template change")
            ttimes.append(time.monotonic() - t)
        os.remove(os.path.join(tdir, "article.html"))
        wait_for(probe, "<title>", timeout=120)
        time.sleep(1)
        before = rss_mib(proc.pid)
        f = picked[0]
        for i in range(a.memory_edits):
            marker = f"Mem {i} {time.time_ns()}."
            with open(f, "a", encoding="utf-8") as fh:
                fh.write(f"\n{marker}\n")
            if not wait_for(url + urls[f], marker):
                sys.exit(f"timed out on memory edit {i}")
        after = rss_mib(proc.pid)
        ms = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f})"
        print(f"| stories | first build | story edit → served, median of {len(times)} | template edit → served, median of 5 | RSS before → after {a.memory_edits} edits |")
        print("|---:|---|---|---|---|")
        print(f"| {len(stories)} Markdown of {sum(len(fs) for _, _, fs in os.walk(content))} files | {first_build:.2f} s | {ms(times)} | {ms(ttimes)} | {before:.0f} → {after:.0f} MiB |")
    finally:
        proc.terminate()
        # A rebuild under way finishes its batch, and removing the output folder (141,000 files at
        # 100,000 stories) takes a while.
        proc.wait(timeout=120)


if __name__ == "__main__":
    main()
