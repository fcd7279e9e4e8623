#!/usr/bin/env python3
"""Languages benchmark: 7 languages x N stories against 7N stories in one language.

    bench/languages.py [--n 2000] [--languages en,ko,zh,ja,ar,es,fr] [--runs 5]
                       [--gazette target/release/gazette] [--work /tmp/gazette-languages]

Generates two corpora with bench/gen_corpus.py (same seed, 20% wire copy): N stories written in
every language of --languages (each story's files are translations of one another: a
multilingual site of 7N story files), and 7N stories in one language. Then builds each fresh
(no output, no cache beside it) --runs times after one warm-up round, alternating, and prints the
median wall time, peak resident memory and page count of each, and their ratio. The issue's
target is a ratio of at most 1.15: a language costs no more than its stories.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def build(gazette, site, out):
    for leftover in (out, os.path.join(os.path.dirname(out), "." + os.path.basename(out) + ".gazette-old")):
        shutil.rmtree(leftover, ignore_errors=True)
    os.sync()
    t0 = time.monotonic()
    p = subprocess.Popen([gazette, "build", site, "--output", out, "--future"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    stdout, stderr = p.stdout.read().decode(), p.stderr.read().decode()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"gazette build {site} failed:\n{stderr[:3000]}")
    return wall, ru.ru_maxrss / 1024, stdout.strip().splitlines()[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--languages", default="en,ko,zh,ja,ar,es,fr")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gazette", default=os.path.join(REPO, "target/release/gazette"))
    ap.add_argument("--work", default="/tmp/gazette-languages")
    a = ap.parse_args()
    langs = [c for c in a.languages.split(",") if c]
    os.makedirs(a.work, exist_ok=True)
    many = os.path.join(a.work, f"{len(langs)}x{a.n}")
    one = os.path.join(a.work, f"1x{a.n * len(langs)}")
    gen = os.path.join(HERE, "gen_corpus.py")
    subprocess.run([sys.executable, gen, "--n", str(a.n), "--out", many, "--languages", ",".join(langs)], check=True)
    subprocess.run([sys.executable, gen, "--n", str(a.n * len(langs)), "--out", one], check=True)
    sites = {"multilingual": many, "one language": one}
    times = {k: [] for k in sites}
    rss = {k: [] for k in sites}
    said = {}
    for k in range(a.runs + 1):
        for kind, site in sites.items():
            wall, peak, line = build(a.gazette, site, os.path.join(a.work, "public-" + kind.replace(" ", "-")))
            said[kind] = line
            if k > 0:  # the first round warms the caches
                times[kind].append(wall)
                rss[kind].append(peak)
            print(f"  {kind} run {k}: {wall:.2f} s, {peak:.0f} MiB", file=sys.stderr)
    m, o = statistics.median(times["multilingual"]), statistics.median(times["one language"])
    mr, orr = statistics.median(rss["multilingual"]), statistics.median(rss["one language"])
    print(f"| | {len(langs)} languages x {a.n:,} stories | {a.n * len(langs):,} stories, one language | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| full build, median of {a.runs} | {m:.2f} s | {o:.2f} s | {m / o:.2f}x |")
    print(f"| peak memory | {mr:.0f} MiB | {orr:.0f} MiB | {mr / orr:.2f}x |")
    for kind, line in said.items():
        print(f"\n{kind}: {line}")


if __name__ == "__main__":
    main()
