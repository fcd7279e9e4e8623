#!/usr/bin/env python3
"""Live-entry latency under `gazette serve`: time from adding an entry file to a live story's
folder to the served live page showing it.

  live_bench.py [--gazette target/release/gazette] [--site .] [--entries 21] [--work /tmp/gazette-live-bench]
                [--now 2026-11-28T12:00:00+09:00] [--page /world/…/live-story/]

Copies the site (default: the bundled one), starts `gazette serve SITE --port 0 --now NOW`, finds its
first live story's folder (a `NAME.live/` folder beside a story; --page is its page), then --entries times writes a new Markdown
entry with a unique title (a new file, as a reporter adds one) and polls the live page over HTTP
until the title is served. Prints the median, the 90th percentile and the maximum, in ms, and the
size of the page's live.json. Standard library only."""
import argparse, os, re, shutil, statistics, subprocess, sys, threading, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8", "replace")
    except OSError:
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gazette", default=os.path.join(HERE, "..", "target", "release", "gazette"))
    ap.add_argument("--site", default=os.path.join(HERE, ".."))
    ap.add_argument("--entries", type=int, default=21)
    ap.add_argument("--work", default="/tmp/gazette-live-bench")
    ap.add_argument("--now", default="2026-11-28T12:00:00+09:00")
    ap.add_argument("--page", default="/world/2026/11/28/live-storm-surge-floods-harbor-city-waterfront/",
                    help="the live story's page (default: the bundled site's)")
    a = ap.parse_args()
    gazette = os.path.abspath(a.gazette)
    if not os.path.exists(gazette):
        sys.exit(f"{gazette} is missing: run cargo build --release")
    site = os.path.join(a.work, "site")
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(site)
    for part in ("content", "templates", "static"):
        if os.path.isdir(os.path.join(a.site, part)):
            shutil.copytree(os.path.join(a.site, part), os.path.join(site, part))
    shutil.copy(os.path.join(a.site, "gazette.toml"), site)
    folders = sorted(os.path.join(r, d) for r, ds, _ in os.walk(os.path.join(site, "content")) for d in ds if d.endswith(".live"))
    if not folders:
        sys.exit("the site has no live story (a NAME.live/ folder beside a story)")
    folder = folders[0]
    proc = subprocess.Popen([gazette, "serve", site, "--port", "0", "--now", a.now],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        while url is None:
            line = proc.stdout.readline()
            m = re.search(r"(http://[0-9.:]+)", line)
            url = m and m.group(1)
            if not line and proc.poll() is not None:
                sys.exit("serve exited")
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        page = a.page
        for _ in range(500):
            if fetch(url + page + "live.json"):
                break
            time.sleep(0.01)
        else:
            sys.exit(f"no {page}live.json served")
        status = fetch(url + page + "live.json")
        times = []
        for i in range(a.entries):
            title = f"Bench entry {i} {time.time_ns()}"
            text = f'+++\ntitle = "{title}"\ndate = {a.now}\n+++\nMeasured.\n'
            path = os.path.join(folder, f"bench-{i:03}.md")
            t = time.monotonic()
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            while title not in fetch(url + page):
                if time.monotonic() - t > 30:
                    sys.exit(f"timed out waiting for entry {i}")
                time.sleep(0.002)
            times.append((time.monotonic() - t) * 1000)
            time.sleep(0.2)
        times.sort()
        p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
        print(f"live page {page}: {len(times)} entries added")
        print(f"add file -> entry served: median {statistics.median(times):.0f} ms, p90 {p90:.0f} ms, max {times[-1]:.0f} ms")
        print(f"live.json: {len(status.encode())} bytes before the first entry was added")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(a.work, ignore_errors=True)


if __name__ == "__main__":
    main()
