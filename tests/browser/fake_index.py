#!/usr/bin/env python3
"""Builds a /search/ folder in the format of search-spec.md from a handful of documents.

A stand-in for the Rust index stage while the client is written, and an example of the format:

  search/meta.json     {"version": 1, "language", "stemmer", "docs", "doc_chunk", "term_chunks", "sections"}
  search/d/{i}.json    documents i*doc_chunk .. : [{"t", "u", "d", "s", "x"}], oldest first
  search/t/{j}.json    {term: [doc, score, doc, score, ...]} for terms with fnv1a32(term) % term_chunks == j,
                       and {"~surface": "term"} aliases (in the chunk of the "~surface" key)
  search/index.html    the page: templates/search.html's content block with site.root filled in
  search/search.js     templates/search.js, copied as is

English stems come from the client's own stemmer (one `node` call), which tests/browser/stem.js
checks against Snowball's test vocabulary; the Rust index should give the same terms.

Usage: fake_index.py OUT_DIR [--root /prefix] [--language en|es|ko] [--filler N]
Then: python3 -m http.server 8000 --directory OUT_DIR  and open http://localhost:8000/prefix/search/
"""
import argparse
import json
import math
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
THEME = HERE.parent.parent / "templates"

DOCS = [
    # written newest first here; reversed below, since the index numbers documents oldest first
    {"t": "Harbour ferries return after the winter storms", "u": "/2024/05/03/ferries-return/",
     "d": "2024-05-03", "s": "local", "x": "The island ferries resumed sailing on Friday, running every hour.",
     "tags": ["transport"], "body": "Passengers queued at the harbour as the first ferry left."},
    {"t": "대통령은 오늘 국회에서 연설했다", "u": "/2024/05/02/president-speech/", "d": "2024-05-02",
     "s": "politics", "x": "대통령이 예산안을 설명했다.", "tags": [], "body": "대통령의 연설은 한 시간 동안 계속되었다."},
    {"t": "<img src=x onerror=alert(1)> Hostile headline test", "u": "/2024/05/01/hostile/",
     "d": "2024-05-01", "s": "local", "x": "A snippet with <script>alert(2)</script> markup in it.",
     "tags": [], "body": ""},
    {"t": "Council approves the new harbour budget", "u": "/2024/04/30/harbour-budget/", "d": "2024-04-30",
     "s": "politics", "x": "Councillors voted to consign the old pier to history.", "tags": ["budget"],
     "body": "The ferry operator welcomed the decision."},
    {"t": "Café owners celebrate a generous summer", "u": "/2024/04/29/cafe-summer/", "d": "2024-04-29",
     "s": "business", "x": "Cafés along the harbour reported record sales.", "tags": ["tourism"],
     "body": "Owners spoke generously of the season."},
    {"t": "Las ciudades celebran la primavera", "u": "/2024/04/28/primavera/", "d": "2024-04-28", "s": "local",
     "x": "Las celebraciones continúan en la ciudad.", "tags": [], "body": ""},
]
DOCS.reverse()  # id 0 is the oldest, as the index numbers them
SECTIONS = [{"slug": "local", "title": "Local"}, {"slug": "politics", "title": "Politics"},
            {"slug": "business", "title": "Business"}]
HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HIRA = re.compile(r"[\u3040-\u309f]")
KATA = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff]")


def fnv1a32(s):
    h = 2166136261
    for b in s.encode("utf-8"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def fold(s):
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.category(c).startswith("M"))
    s = unicodedata.normalize("NFC", s).lower()
    s = s.replace("\u0640", "").replace("\u0671", "\u0627").replace("\u0649", "\u064a").replace("\u0629", "\u0647")
    return s


def script_class(c):
    for n, rx in ((1, HANGUL), (2, HAN), (3, HIRA), (4, KATA)):
        if rx.match(c):
            return n
    return 0 if unicodedata.category(c)[0] in "LN" else None


def runs(text):
    """(class, run) pairs of folded text; class 0 is words, 1-4 are bigram scripts."""
    out, cur, cls = [], "", None
    for c in fold(text) + " ":
        k = script_class(c)
        if k != cls and cur:
            out.append((cls, cur))
            cur = ""
        cls = k
        if k is not None:
            cur += c
    return out


def raw_terms(text):
    """Terms before stemming: ("w", word) or ("b", bigram)."""
    out = []
    for cls, run in runs(text):
        if cls:
            out += [("b", run)] if len(run) == 1 else [("b", run[i:i + 2]) for i in range(len(run) - 1)]
        elif len(run) > 1 or run.isdigit():
            out.append(("w", run))
    return out


def english_stems(words):
    js = ("const {stem}=require(process.argv[1]);const w=JSON.parse(require('fs').readFileSync(0,'utf8'));"
          "process.stdout.write(JSON.stringify(w.map(stem)))")
    res = subprocess.run(["node", "-e", js, str(THEME / "search.js")], input=json.dumps(words),
                         capture_output=True, text=True, check=True)
    return dict(zip(words, json.loads(res.stdout)))


def build(out, root, language, filler):
    docs = list(DOCS)
    for i in range(filler):  # older stories, so there are several doc chunks and "More results"
        docs.append({"t": f"Harbour notes, part {i + 1}", "u": f"/2023/notes-{i + 1}/", "d": "2023-12-01",
                     "s": SECTIONS[i % 3]["slug"], "x": f"Weekly harbour notes number {i + 1}.", "tags": [], "body": ""})
    stemmer = {"en": "english", "es": "spanish", "fr": "french"}.get(language[:2])
    fields = lambda d: [(d["t"], 10), (" ".join(d["tags"]) + " " + d["s"], 5), (d["x"], 3), (d["body"], 1)]
    words = sorted({t for d in docs for text, _ in fields(d) for k, t in raw_terms(text) if k == "w"})
    if stemmer == "english":
        stems = english_stems(words)
    elif stemmer:  # crude Spanish/French stand-in: strip a plural s; the client only sees aliases
        stems = {w: w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words}
    else:
        stems = {w: w for w in words}
    scores, aliases = {}, {}
    for n, d in enumerate(docs):
        for text, weight in fields(d):
            for kind, t in raw_terms(text):
                term = stems[t] if kind == "w" else t
                if kind == "w" and stemmer and stemmer != "english" and term != t:
                    aliases["~" + t] = term
                per = scores.setdefault(term, {})
                per[n] = min(255, per.get(n, 0) + weight)
    postings = {t: [x for n in sorted(p) for x in (n, p[n])] for t, p in scores.items()}
    size = sum(len(json.dumps(p)) for p in postings.values())
    term_chunks = 16
    while term_chunks < size / 32768 and term_chunks < 1024:
        term_chunks *= 2
    doc_chunk = 64
    search = Path(out) / root.strip("/") / "search"
    if search.exists():
        shutil.rmtree(search)
    (search / "d").mkdir(parents=True)
    (search / "t").mkdir()
    meta = {"version": 1, "language": language, "stemmer": stemmer, "docs": len(docs), "doc_chunk": doc_chunk,
            "term_chunks": term_chunks, "sections": SECTIONS}
    dump = lambda path, v: path.write_text(json.dumps(v, ensure_ascii=False, separators=(",", ":")))
    dump(search / "meta.json", meta)
    for i in range(math.ceil(len(docs) / doc_chunk)):
        dump(search / "d" / f"{i}.json", [{k: d[k] for k in "tudsx"} for d in docs[i * doc_chunk:(i + 1) * doc_chunk]])
    chunks = [{} for _ in range(term_chunks)]
    for key, value in list(postings.items()) + list(aliases.items()):
        chunks[fnv1a32(key) % term_chunks][key] = value
    for j, c in enumerate(chunks):
        dump(search / "t" / f"{j}.json", c)
    shutil.copy(THEME / "search.js", search / "search.js")
    shutil.copy(THEME / "style.css", search.parent / "style.css")
    (search / "index.html").write_text(page(root, language), encoding="utf-8")
    print(f"{search}: {len(docs)} docs, {len(postings)} terms, {len(aliases)} aliases, {term_chunks} term chunks")


def page(root, language):
    """templates/search.html's blocks in a bare frame, with site.root filled in (no Tera needed)."""
    src = (THEME / "search.html").read_text(encoding="utf-8")
    block = lambda name: re.search(r"\{% block " + name + r" %\}(.*?)\{% endblock " + name + r" %\}", src, re.S)[1]
    fill = lambda s: s.replace("{{ site.root }}", root.rstrip("/")).replace("{{ site.title }}", "Fake Gazette")
    return (f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{fill(block("title"))}</title>\n'
            f'<link rel="stylesheet" href="{root.rstrip("/")}/style.css">\n{fill(block("head"))}\n</head>\n'
            f'<body class="page-search">\n<main id="main" class="main">\n{fill(block("content"))}\n</main>\n</body>\n</html>\n')


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--root", default="", help="the site's path prefix, e.g. /news")
    ap.add_argument("--language", default="en")
    ap.add_argument("--filler", type=int, default=150, help="extra older documents")
    a = ap.parse_args()
    build(a.out, a.root, a.language, a.filler)
