#!/usr/bin/env python3
"""Gazette build benchmark on a generated news corpus: build time and peak memory.

    bench/run.py [--sizes 1000,10000] [--runs 5] [--gazette target/release/gazette]
                 [--work /tmp/gazette-bench] [--seed 1] [--wire-share 0.2] [--warmup 1]

For each size N it generates a corpus of N stories once with bench/gen_corpus.py (cached in
WORK/corpus-nN-sSEED-wSHARE, regenerated when the generator changes), then, per run:

  full       `gazette build CORPUS --output OUT --future` into a fresh (absent) OUT, no previous tree
             and no build state (.public.gazette-state) beside it
  no-op      the same command again into the same OUT, nothing changed
  one-story  one Markdown story gets a sentence appended, then the same command into the
             same OUT (the first rebuild after a full build)
  again      the same story gets another sentence, then the same command: a newsroom's steady
             state, one edit after another
  named      a third sentence, then the command with `--changed` naming the story: no walk of
             content/
  added      a new story, the newest (a minute after the corpus's last), is written beside it,
             then the same command (plain, walking); the story's bytes and mtime are restored,
             and the new file removed, right after
  cp -r      `cp -r OUT OUT-copy`: writing the same files with no work, a disk baseline

Each measurement is the wall time of the child process (time.monotonic around spawn and
os.wait4) and its peak resident set (ru_maxrss from os.wait4, which includes this script's own
size at the fork, about 24 MiB: Linux keeps a peak across exec); user and sys CPU are shown
too. os.sync() runs, untimed, before each measurement. The first --warmup rounds are run and checked but not counted. The tables show medians over
--runs, with min-max for full builds. Exits non-zero, printing the output, if a gazette run
fails. Without --gazette, target/release/gazette of this repository is used and built with
`cargo build --release` when it does not exist.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no bench/__pycache__ in the work tree
import gen_corpus  # noqa: E402  (bench/gen_corpus.py, next to this file)

# "from N files (…)" since Gazette says where every story file went; older binaries lack it.
BUILT = re.compile(r"built (\d+) stories(?: from (\d+) files?(?: \([^)]*\))?)?, (\d+) pages \((\d+) written, "
                   r"(\d+) unchanged")
APPENDED = "\nThis sentence was appended by the benchmark to measure a one-story rebuild.\n"
AGAIN = "\nA second sentence, appended to measure the steady state of one edit after another.\n"
NAMED = "\nA third sentence, appended to measure a rebuild told which file changed.\n"
ADDED = """+++
title = "Benchmark desk files a story no other story resembles"
date = {date}
summary = "A story the benchmark adds to measure publishing a new one."
tags = ["benchmark-added"]
+++

The benchmark wrote this story beside the others to measure how long a new story takes to publish.
"""
NAMES = dict(full="full build", noop="no-op rebuild", one="one-story rebuild",
             again="one-story, again", named="one-story, --changed", added="one story added",
             cp="cp -r")


class RunFailed(Exception):
    pass


def run_once(argv, log_dir, what):
    """Runs argv to completion; returns wall s, cpu s, peak MiB, exit code, stdout, stderr."""
    out_path = os.path.join(log_dir, "stdout.txt")
    err_path = os.path.join(log_dir, "stderr.txt")
    os.sync()  # untimed: start with no dirty pages left by the previous step
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)  # keeps Popen from waiting again
    with open(out_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    r = dict(what=what, argv=argv, wall=wall, user=ru.ru_utime, sys=ru.ru_stime,
             rss=ru.ru_maxrss / 1024, rc=p.returncode, stdout=stdout, stderr=stderr)
    if r["rc"] != 0:
        raise RunFailed(r)
    return r


def built_counts(r):
    m = BUILT.search(r["stdout"])
    if not m:
        return None
    return dict(zip(("stories", "files", "pages", "written", "unchanged"),
                    (int(g) if g is not None else None for g in m.groups())))


def tree(path):
    files = size = 0
    for root, _, names in os.walk(path):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(root, name))
    return files, size


def corpus_for(work, n, seed, share):
    d = os.path.join(work, f"corpus-n{n}-s{seed}-w{share:g}")
    meta = os.path.join(d, "corpus.json")
    want = dict(n=n, seed=seed, wire_share=share, generator_sha256=gen_corpus.generator_hash())
    if os.path.exists(meta):
        with open(meta) as f:
            have = json.load(f)
        if all(have.get(k) == v for k, v in want.items()):
            return d, have, None
    t0 = time.monotonic()
    # In a process of its own: Linux keeps a process's peak memory across exec, so every build
    # this script forks would report at least this script's size, and generating a large corpus
    # in it would make that hundreds of MiB.
    gen = [sys.executable, os.path.join(HERE, "gen_corpus.py"), "--n", str(n), "--out", d,
           "--seed", str(seed), "--wire-share", f"{share:g}"]
    subprocess.run(gen, check=True, stdout=subprocess.DEVNULL)
    with open(meta) as f:
        have = json.load(f)
    return d, have, time.monotonic() - t0


def pick_story(corpus):
    """The Markdown story the one-story rebuild edits: the middle one in path order."""
    paths = []
    for root, dirs, names in os.walk(os.path.join(corpus, "content")):
        dirs.sort()
        paths += [os.path.join(root, f) for f in sorted(names) if f.endswith(".md")]
    if not paths:
        raise SystemExit(f"{corpus} has no Markdown story to edit")
    return paths[len(paths) // 2]


def find_gazette(arg):
    if arg:
        exe = os.path.abspath(arg)
        if not os.access(exe, os.X_OK):
            raise SystemExit(f"--gazette {arg}: no executable there (build it with "
                             "`cargo build --release`)")
        return exe
    exe = os.path.join(REPO, "target", "release", "gazette")
    if not os.access(exe, os.X_OK):
        print(f"{exe} is missing: running `cargo build --release` in {REPO}", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release"], cwd=REPO, check=True)
    return exe


def fmt_s(xs, spread=False):
    med = statistics.median(xs)
    if len(xs) > 1 and spread:
        return f"{med:.2f} s ({min(xs):.2f}–{max(xs):.2f})"
    return f"{med:.2f} s"


def bench_size(a, gazette, n):
    corpus, meta, gen_time = corpus_for(a.work, n, a.seed, a.wire_share)
    if gen_time is None:
        print(f"[{n}] corpus cached: {corpus}", file=sys.stderr)
    else:
        print(f"[{n}] corpus generated in {gen_time:.1f} s: {corpus}", file=sys.stderr)
    runs_dir = os.path.join(a.work, f"runs-n{n}")
    shutil.rmtree(runs_dir, ignore_errors=True)
    os.makedirs(runs_dir)
    out = os.path.join(runs_dir, "public")
    copy = os.path.join(runs_dir, "public-copy")
    story = pick_story(corpus)
    with open(story, "rb") as f:
        original = f.read()
    st = os.stat(story)
    # --future: a large corpus runs past today's date; its later stories would be held back.
    build = [gazette, "build", corpus, "--output", out, "--future"]
    res = {k: [] for k in NAMES}
    added_path = os.path.join(os.path.dirname(story), "benchmark-added-story.md")
    # The new story is the newest: the corpus's last story time, plus a minute.
    last = meta.get("last_date")
    when = (datetime.datetime.fromisoformat(last) + datetime.timedelta(minutes=1)).isoformat() if last else \
        "2024-01-01T09:00:00+00:00"
    added_text = ADDED.format(date=when)
    counts, warnings, size = {}, {}, None
    try:
        for k in range(a.warmup + a.runs):
            counted = k >= a.warmup
            label = f"run {k - a.warmup + 1}/{a.runs}" if counted else "warm-up"
            # A full build starts from nothing: no output, no previous tree kept beside it and no
            # build state (parsed stories and search terms) beside it.
            leftovers = (out, *(os.path.join(runs_dir, f".public.gazette-{kind}") for kind in ("old", "new", "state")))
            for leftover in leftovers:
                shutil.rmtree(leftover, ignore_errors=True)
            full = run_once(build, runs_dir, "full build")
            size = tree(out)
            noop = run_once(build, runs_dir, "no-op rebuild")
            try:
                with open(story, "ab") as f:
                    f.write(APPENDED.encode())
                one = run_once(build, runs_dir, "one-story rebuild")
                with open(story, "ab") as f:
                    f.write(AGAIN.encode())
                again = run_once(build, runs_dir, "one-story rebuild, again")
                with open(story, "ab") as f:
                    f.write(NAMED.encode())
                named = run_once(build + ["--changed", story], runs_dir, "one-story rebuild, --changed")
                with open(added_path, "w", encoding="utf-8") as f:
                    f.write(added_text)
                added = run_once(build, runs_dir, "one story added")
            finally:
                with open(story, "wb") as f:
                    f.write(original)
                os.utime(story, ns=(st.st_atime_ns, st.st_mtime_ns))
                if os.path.exists(added_path):
                    os.remove(added_path)
            shutil.rmtree(copy, ignore_errors=True)
            cp = run_once(["cp", "-r", out, copy], runs_dir, "cp -r")
            shutil.rmtree(copy, ignore_errors=True)
            made = dict(full=full, noop=noop, one=one, again=again, named=named, added=added)
            for key, r in made.items():
                counts[key] = built_counts(r)
                for line in r["stderr"].splitlines():
                    if line.strip():
                        warnings.setdefault(line.strip(), set()).add(key)
            print(f"[{n}] {label}: full {full['wall']:.2f} s ({full['rss']:.0f} MiB, "
                  f"{full['user']:.2f} user, {full['sys']:.2f} sys), "
                  f"no-op {noop['wall']:.2f} s, one-story {one['wall']:.2f} s, "
                  f"again {again['wall']:.2f} s, --changed {named['wall']:.2f} s, "
                  f"added {added['wall']:.2f} s, cp -r {cp['wall']:.2f} s", file=sys.stderr)
            if added_counts := counts.get("added"):
                if counts["full"] and added_counts["stories"] != counts["full"]["stories"] + 1:
                    raise SystemExit(f"[{n}] the added story is not a story of its own: "
                                     f"{counts['full']['stories']} stories, then {added_counts['stories']}")
            if counted:
                for key, r in dict(made, cp=cp).items():
                    res[key].append(r)
    finally:
        with open(story, "rb") as f:
            if f.read() != original:
                with open(story, "wb") as g:
                    g.write(original)
                os.utime(story, ns=(st.st_atime_ns, st.st_mtime_ns))
        if not a.keep:
            shutil.rmtree(runs_dir, ignore_errors=True)
    return dict(n=n, corpus=corpus, meta=meta, story=os.path.relpath(story, corpus), res=res,
                counts=counts, warnings=warnings, size=size)


def report(results, a, gazette):
    med = lambda rs, key: statistics.median(r[key] for r in rs)  # noqa: E731
    print()
    print("| stories | full build, median (min–max) | peak MiB | no-op rebuild | one-story rebuild "
          "| again | `--changed` | one story added | `cp -r` of output | output files / MB |")
    print("|---:|---|---:|---|---|---|---|---|---|---|")
    for b in results:
        r = b["res"]
        walls = lambda key: fmt_s([x['wall'] for x in r[key]])  # noqa: E731
        print(f"| {b['n']:,} | {fmt_s([x['wall'] for x in r['full']], spread=True)} "
              f"| {med(r['full'], 'rss'):.0f} | {walls('noop')} | {walls('one')} | {walls('again')} "
              f"| {walls('named')} | {walls('added')} | {walls('cp')} "
              f"| {b['size'][0]:,} / {b['size'][1] / 1e6:.0f} |")
    print()
    print("Details (medians): wall, user and sys CPU, peak RSS, and what gazette reported.")
    print()
    print("| stories | run | wall s | user s | sys s | peak MiB | gazette says |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for b in results:
        for key, label in NAMES.items():
            rs = b["res"][key]
            c = b["counts"].get(key)
            files = f" from {c['files']} files" if c and c["files"] is not None else ""
            said = (f"{c['stories']} stories{files}, {c['pages']} pages, {c['written']} written, "
                    f"{c['unchanged']} unchanged" if c else "")
            print(f"| {b['n']:,} | {label} | {med(rs, 'wall'):.3f} | {med(rs, 'user'):.2f} "
                  f"| {med(rs, 'sys'):.2f} "
                  f"| {med(rs, 'rss'):.0f} | {said} |")
    print()
    for b in results:
        m = b["meta"]
        print(f"corpus {b['n']:,}: {m['markdown']} Markdown + {m['wire']} wire stories over "
              f"{m['days']} days, {m['distinct_tags']} tags, {m['related_headlines']} related "
              f"headlines, ~{m['avg_body_words']} words a story; edited story: {b['story']}")
        full = b["counts"].get("full")
        if full and full["stories"] != b["n"]:
            print(f"  STORIES LOST: {b['n']:,} story files built as {full['stories']:,} stories "
                  f"(`gazette build -v` lists the wire files joined as versions)")
        elif full:
            print(f"  {b['n']:,} story files, {full['stories']:,} stories: every file is a story")
        for line, where in sorted(b["warnings"].items())[:10]:
            print(f"  gazette printed ({', '.join(sorted(where))}): {line[:300]}")
        if len(b["warnings"]) > 10:
            print(f"  ... and {len(b['warnings']) - 10} more distinct stderr lines")
    version = subprocess.run([gazette, "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    print(f"{version} ({gazette}; work tree at run time {commit or '?'}); {a.runs} runs after {a.warmup} "
          f"warm-up; seed {a.seed}, wire share {a.wire_share:g}; {os.cpu_count()} CPUs, "
          f"{platform.system()} {platform.release()}; work folder {a.work}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated story counts")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="uncounted rounds first (default 1)")
    ap.add_argument("--gazette", help="gazette binary [default: target/release/gazette]")
    ap.add_argument("--work", default="/tmp/gazette-bench", help="corpora and outputs go here")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wire-share", type=float, default=0.2)
    ap.add_argument("--keep", action="store_true", help="keep the last output folder")
    a = ap.parse_args()
    if a.runs < 1 or a.warmup < 0:
        raise SystemExit("--runs must be at least 1 and --warmup at least 0")
    sizes = [int(s.replace("_", "")) for s in a.sizes.split(",") if s.strip()]
    a.work = os.path.abspath(a.work)
    os.makedirs(a.work, exist_ok=True)
    gazette = find_gazette(a.gazette)
    results = []
    try:
        for n in sizes:
            results.append(bench_size(a, gazette, n))
    except RunFailed as e:
        r = e.args[0]
        print(f"\n{r['what']} failed with exit code {r['rc']}: {' '.join(r['argv'])}")
        lines = (r["stderr"] + r["stdout"]).splitlines()
        print("\n".join(lines[:30]))
        if len(lines) > 30:
            print(f"... ({len(lines) - 30} more lines)")
        if results:
            report(results, a, gazette)
        sys.exit(1)
    report(results, a, gazette)


if __name__ == "__main__":
    main()
