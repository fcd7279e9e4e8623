#!/usr/bin/env python3
"""Publishing one story: an incremental upload driven by `gazette build --changes`.

    bench/publish.py [--n 10000] [--gazette target/release/gazette] [--work /tmp/gazette-publish]

Generates a corpus of N stories (bench/gen_corpus.py), builds it, and copies the output to a
"remote" folder with `rsync -a` (the first upload). Then, as a newsroom does, it adds one new story
and edits another, rebuilds with `--changes changes.json`, and uploads only what the manifest names:

    jq -r '.written[].path, .removed[].path' changes.json |
      rsync -a --files-from=- --delete-missing-args OUT/ REMOTE/

(`--delete-missing-args` deletes on the remote each listed path that no longer exists in OUT.) It
prints the build times, the files and bytes each upload sent (rsync --stats), the URLs a CDN
purge would get, and checks that the remote ends up identical to the output (`diff -r`, run
untimed; the build cache `.gazette-build` is not uploaded), so nothing the build changed was left
out of the manifest. Exits non-zero if not. The new story is the newest: it joins the front page
of each list it is in, and no archive page moves (their numbers count from the oldest), so the
manifest holds those fronts, the story's own page, its day, the feeds and the sitemap and search
files it is in.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run(argv, **kw):
    t0 = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv[:3])} … failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return time.monotonic() - t0, r


def rsync_stats(out):
    files = re.search(r"Number of regular files transferred: ([\d,]+)", out)
    sent = re.search(r"Total bytes sent: ([\d,]+)", out)
    num = lambda m: int(m.group(1).replace(",", "")) if m else 0  # noqa: E731
    return num(files), num(sent)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--gazette", default=os.path.join(REPO, "target/release/gazette"))
    ap.add_argument("--work", default="/tmp/gazette-publish")
    a = ap.parse_args()
    if not shutil.which("rsync"):
        sys.exit("rsync is not installed (apt-get install rsync)")
    site, out, remote = (os.path.join(a.work, d) for d in ("site", "public", "remote"))
    manifest = os.path.join(a.work, "changes.json")
    os.makedirs(a.work, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--n", str(a.n), "--out", site],
                   check=True, stderr=subprocess.DEVNULL)
    for d in (out, remote):
        shutil.rmtree(d, ignore_errors=True)
    full, _ = run([a.gazette, "build", site, "--output", out, "--future"])
    # The build cache (.gazette-build) stays with the output: it is not part of the site.
    up, r = run(["rsync", "-a", "--stats", "--exclude", ".gazette-build", out + "/", remote + "/"])
    first = rsync_stats(r.stdout)

    # The newsroom's edit: one new story (the newest), one corrected.
    with open(os.path.join(site, "corpus.json"), encoding="utf-8") as f:
        last = json.load(f)["last_date"]
    newest = last[:11] + "23:59:00" + last[19:]
    stories = sorted(os.path.join(root, f) for root, _, names in os.walk(os.path.join(site, "content"))
                     for f in names if f.endswith(".md"))
    with open(stories[len(stories) // 2], "a", encoding="utf-8") as f:
        f.write("\nA correction was appended to this story.\n")
    new = os.path.join(site, "content", "politics", "publish-bench-new-story.md")
    with open(new, "w", encoding="utf-8") as f:
        f.write('+++\ntitle = "Assembly approves harbor tunnel in late vote"\ndate = ' + newest + '\n'
                'tags = ["parliament"]\n+++\nThe assembly approved the tunnel.\n')
    rebuild, r = run([a.gazette, "build", site, "--output", out, "--future", "--changes", manifest])
    with open(manifest, encoding="utf-8") as f:
        changes = json.load(f)
    paths = [e["path"] for e in changes["written"]] + [e["path"] for e in changes["removed"]]
    upload, r = run(["rsync", "-a", "--stats", "--files-from=-", "--delete-missing-args", out + "/", remote + "/"],
                    input="\n".join(paths) + "\n")
    second = rsync_stats(r.stdout)
    same = subprocess.run(["diff", "-r", "-q", "-x", ".gazette-build", out, remote], capture_output=True, text=True)
    urls = [e["url"] for e in changes["written"] + changes["removed"]]
    print(f"| {a.n:,} stories | time | files sent | bytes sent |")
    print("|---|---:|---:|---:|")
    print(f"| full build | {full:.2f} s | | |")
    print(f"| first upload, `rsync -a` of everything | {up:.2f} s | {first[0]:,} | {first[1]:,} |")
    print(f"| rebuild after 1 new + 1 edited story | {rebuild:.2f} s | | |")
    print(f"| upload of the manifest's {len(paths):,} paths | {upload:.2f} s | {second[0]:,} | {second[1]:,} |")
    print(f"\nmanifest: {len(changes['written'])} written, {len(changes['removed'])} removed; "
          f"{len(urls)} URLs to purge, e.g. {', '.join(urls[:4])}")
    if same.returncode != 0:
        print("REMOTE DIFFERS from the output after the manifest's upload:\n" + same.stdout[:3000])
        sys.exit(1)
    print("remote == output (diff -r): the manifest named every changed file")


if __name__ == "__main__":
    main()
