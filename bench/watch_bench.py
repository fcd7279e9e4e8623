#!/usr/bin/env python3
"""`gazette build --watch`: how long a newsroom waits from writing a story file to its manifest.

    bench/watch_bench.py --corpus DIR [--gazette target/release/gazette] [--edits 5] [--adds 3]
                         [--work /dev/shm/watch-bench]

Copies a corpus made by gen_corpus.py (Gazette layout) to WORK/site, starts
`gazette build WORK/site --future --watch --changes WORK/changes.jsonl -q`, and waits until it is
watching (the first build, then the session's first rebuild, which reads every story file). Then it
appends a sentence to EDITS story files, one at a time, and adds ADDS new stories (the newest, each
written beside its place and renamed in), and measures for each the time from the write to the
rebuild's manifest line in the changes log: by then every file of the rebuild is on disk. It prints
each time, the medians, and the process's resident memory at the end. Exits non-zero if a rebuild
fails or the stories counted are not the corpus's plus the added ones.
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--gazette", default=os.path.join(REPO, "target/release/gazette"))
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--adds", type=int, default=3)
    ap.add_argument("--work", default="/dev/shm/watch-bench")
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    site = os.path.join(a.work, "site")
    log = os.path.join(a.work, "changes.jsonl")
    shutil.copytree(a.corpus, site)
    stories = len(glob.glob(site + "/content/**/*.md", recursive=True)) + len(
        glob.glob(site + "/content/**/*.txt", recursive=True))
    p = subprocess.Popen([a.gazette, "build", site, "--future", "--watch", "--changes", log, "-q"],
                         stderr=subprocess.PIPE, text=True)

    def until(prefix):
        while True:
            line = p.stderr.readline()
            if not line:
                sys.exit("gazette stopped")
            line = line.rstrip()
            print("  " + line, flush=True)
            if line.startswith("rebuild failed"):
                sys.exit("a rebuild failed")
            if line.startswith(prefix):
                return line

    def logged():
        try:
            with open(log) as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    def timed(write):
        n = logged()
        t = time.perf_counter()
        write()
        while logged() == n:
            time.sleep(0.002)
        took = time.perf_counter() - t
        return took, until("published")

    t0 = time.perf_counter()
    until("watching")
    print(f"watching after {time.perf_counter() - t0:.1f} s", flush=True)
    md = sorted(glob.glob(site + "/content/**/*.md", recursive=True))
    times = {"edit": [], "add": []}
    for i in range(a.edits):
        path = md[(len(md) // 3 + i * 7919) % len(md)]

        def edit():
            with open(path, "a") as f:
                f.write(f"\nA sentence added in run {i}.\n")
        times["edit"].append(timed(edit)[0])
    for i in range(a.adds):
        path = os.path.join(site, "content", "world", f"watch-bench-{i}.md")

        def add():
            with open(path + ".tmp", "w") as f:
                f.write(f'+++\ntitle = "A new story, number {i}"\ndate = 2099-01-01T00:{i:02d}:00Z\n'
                        f'tags = ["watch-bench"]\n+++\nThe newest story.\n')
            os.rename(path + ".tmp", path)
        took, line = timed(add)
        times["add"].append(took)
        if f"{stories + i + 1} stories" not in line:
            sys.exit(f"expected {stories + i + 1} stories: {line}")
    with open(f"/proc/{p.pid}/status") as f:
        rss = next(l.split()[1] for l in f if l.startswith("VmRSS"))
    p.terminate()
    p.wait()
    for k, v in times.items():
        if v:
            print(f"{k}: median {statistics.median(v) * 1000:.0f} ms ({', '.join(f'{x * 1000:.0f}' for x in v)})")
    print(f"resident at the end: {int(rss) // 1024} MiB")


if __name__ == "__main__":
    main()
