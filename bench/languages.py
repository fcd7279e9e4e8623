#!/usr/bin/env python3
"""Languages benchmark: 7 languages x N stories against 7N stories in one language.

    bench/languages.py [--n 2000] [--languages en,ko,zh,ja,ar,es,fr] [--runs 5]
                       [--gazette target/release/gazette] [--work /tmp/gazette-languages]

Generates two corpora with bench/gen_corpus.py (same seed, 20% wire copy): N stories written in
every language of --languages (each story's files are translations of one another: a
multilingual site of 7N story files), 7N stories in one language, and the same 7N stories with 7
disjoint tag vocabularies (`--tag-sets 7`: every language of the multilingual site has tags of its
own, so it has 7 times the tag pages and tag feeds; this corpus has as many), and the multilingual
corpus itself as one language ("same stories, one language": every file renamed from `x.ko.md` to
`x-ko.md`, the [languages] tables dropped), whose only difference from the multilingual build is the
language dimension: the same texts, scripts, slugs and tags. Then builds each fresh
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


def one_language_copy(src, dst):
    """The multilingual corpus `src` as a one-language site at `dst`: `x.ko.md` → `x-ko.md`."""
    import re
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    suffix = re.compile(r"^(.*)\.([a-z]{2,3})\.(md|txt)$")
    for root, _, names in os.walk(os.path.join(dst, "content")):
        for name in names:
            m = suffix.match(name)
            if m:
                os.rename(os.path.join(root, name), os.path.join(root, f"{m[1]}-{m[2]}.{m[3]}"))
    cfg = os.path.join(dst, "gazette.toml")
    with open(cfg, encoding="utf-8") as f:
        text = f.read()
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(text.split("\n[languages.")[0])


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
    one_tags = os.path.join(a.work, f"1x{a.n * len(langs)}-tags{len(langs)}")
    gen = os.path.join(HERE, "gen_corpus.py")
    subprocess.run([sys.executable, gen, "--n", str(a.n), "--out", many, "--languages", ",".join(langs)], check=True)
    subprocess.run([sys.executable, gen, "--n", str(a.n * len(langs)), "--out", one], check=True)
    subprocess.run([sys.executable, gen, "--n", str(a.n * len(langs)), "--out", one_tags,
                    "--tag-sets", str(len(langs))], check=True)
    same = os.path.join(a.work, f"{len(langs)}x{a.n}-as-one")
    one_language_copy(many, same)
    sites = {"multilingual": many, "same stories, one language": same, "one language": one,
             "one language, as many tags": one_tags}
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
    med = {k: statistics.median(v) for k, v in times.items()}
    mem = {k: statistics.median(v) for k, v in rss.items()}
    m = med["multilingual"]
    mm = mem["multilingual"]
    print(f"| {a.n * len(langs):,} story files, full build (median of {a.runs}) | time | ratio | peak memory | ratio |")
    print("|---|---:|---:|---:|---:|")
    for kind in sites:
        print(f"| {kind} | {med[kind]:.2f} s | {m / med[kind]:.2f}x | {mem[kind]:.0f} MiB | {mm / mem[kind]:.2f}x |")
    for kind, line in said.items():
        print(f"\n{kind}: {line}")


if __name__ == "__main__":
    main()
