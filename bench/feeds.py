#!/usr/bin/env python3
"""Build time of wire feed items against Markdown stories of the same length.

Generates a Markdown corpus with gen_corpus.py (no wire copy), writes the same stories as IPTC
ninjs 3.0 items (headline, dates, byline, subjects, the body as HTML) into a second site, then
builds both with `gazette build --future`, alternating, and prints the median wall time of each and
their ratio. Standard library only.

    python3 bench/feeds.py --n 10000 --runs 5 [--gazette target/release/gazette] [--work /tmp/gazette-feeds]
"""

import argparse
import html
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def md_to_html(body):
    """The few Markdown forms gen_corpus writes: paragraphs, `## ` subheads, **bold**, > quotes."""
    out = []
    for block in re.split(r"\n\s*\n", body.strip()):
        block = block.strip()
        if not block:
            continue
        text = html.escape(block.lstrip("> ").replace("\n", " "))
        text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
        if block.startswith("## "):
            out.append(f"<h2>{text[3:]}</h2>")
        elif block.startswith(">"):
            out.append(f"<blockquote><p>{text}</p></blockquote>")
        else:
            out.append(f"<p>{text}</p>")
    return "\n".join(out)


def to_ninjs(path, rel):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    _, front, body = text.split("+++", 2)
    fm = tomllib.loads(front)
    date = fm["date"]
    stamp = date.isoformat() if hasattr(date, "isoformat") else str(date)
    item = {
        "$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.0.json#",
        "uri": "urn:gazette-bench:" + rel.replace(os.sep, "/"),
        "type": "text",
        "version": "1",
        "pubStatus": "usable",
        "firstCreated": stamp,
        "versionCreated": stamp,
        "language": "en",
        "headlines": [{"role": "main", "value": fm["title"]}],
        "descriptions": [{"role": "summary", "value": fm.get("summary", "")}],
        "bodies": [{"role": "main", "contentType": "text/html", "value": md_to_html(body)}],
        "subjects": [{"name": t} for t in fm.get("tags", [])],
    }
    if fm.get("author"):
        item["by"] = fm["author"] if isinstance(fm["author"], str) else ", ".join(fm["author"])
    return item


def convert(md_site, out):
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(md_site, out, ignore=shutil.ignore_patterns("content", "public*", ".public*"))
    n = 0
    content = os.path.join(md_site, "content")
    for root, _, names in os.walk(content):
        for name in sorted(names):
            if not name.endswith(".md"):
                continue
            src = os.path.join(root, name)
            rel = os.path.relpath(src, content)
            dest = os.path.join(out, "content", rel[:-3] + ".json")
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8") as f:
                json.dump(to_ninjs(src, rel), f, ensure_ascii=False, indent=1)
            n += 1
    return n


def build(gazette, site, out):
    for leftover in (out, os.path.join(os.path.dirname(out), "." + os.path.basename(out) + ".gazette-old")):
        shutil.rmtree(leftover, ignore_errors=True)
    os.sync()
    start = time.monotonic()
    r = subprocess.run([gazette, "build", site, "--output", out, "--future"], capture_output=True, text=True)
    wall = time.monotonic() - start
    if r.returncode != 0:
        sys.exit(f"gazette build {site} failed:\n{r.stderr[:3000]}")
    return wall, r.stdout.strip().splitlines()[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gazette", default=os.path.join(REPO, "target/release/gazette"))
    ap.add_argument("--work", default="/tmp/gazette-feeds")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    md_site = os.path.join(a.work, f"markdown-{a.n}")
    feed_site = os.path.join(a.work, f"ninjs-{a.n}")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--n", str(a.n), "--out", md_site,
                    "--wire-share", "0"], check=True, stdout=subprocess.DEVNULL)
    items = convert(md_site, feed_site)
    print(f"{a.n} Markdown stories and {items} ninjs items of the same text", file=sys.stderr)
    times = {"markdown": [], "ninjs": []}
    said = {}
    for k in range(a.runs + 1):
        for kind, site in (("markdown", md_site), ("ninjs", feed_site)):
            wall, line = build(a.gazette, site, os.path.join(a.work, f"public-{kind}"))
            said[kind] = line
            if k > 0:  # the first round warms the caches
                times[kind].append(wall)
            print(f"  {kind} run {k}: {wall:.2f} s", file=sys.stderr)
    md, nj = statistics.median(times["markdown"]), statistics.median(times["ninjs"])
    print(f"| {a.n:,} stories | Markdown | ninjs | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| full build, median of {a.runs} | {md:.2f} s | {nj:.2f} s | {nj / md:.2f}x |")
    for kind, line in said.items():
        print(f"\n{kind}: {line}")


if __name__ == "__main__":
    main()
