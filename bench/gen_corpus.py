#!/usr/bin/env python3
"""Seeded synthetic news corpus, written as a Gazette site (standard library only).

    gen_corpus.py --n 10000 --out DIR [--seed 1] [--wire-share 0.2] [--languages en,ko,zh,ja,ar,es,fr]

Writes into DIR:

  gazette.toml                                   title, base_url, timezone, section titles
  content/<section>/<slug>.md                    Markdown stories with TOML front matter
  content/<section>/YYYY/MM/DD/HHMM-<slug>.txt   wire stories (the --wire-share fraction)
  corpus.json                                    what was generated (counts, seed, generator hash)

Every story has a unique headline, a date (+09:00) on one of ~N/40 consecutive days (about 40
stories a day), 2-5 tags from a 200-tag vocabulary with Zipf-like frequencies, an author, a
summary, a 600-900 word body in several paragraphs with one `## ` subhead (Markdown only: wire
copy is plain text), and 5-10 related headlines naming other stories of the corpus, some
written with a version tag such as "(LEAD) " or "(2nd LD) " in front.

Wire stories follow the wire layout Gazette reads: headline line, dateline lede
("SEOUL, Jan. 3 (Gazette Wire) -- ..."), one paragraph per line, the reporter's e-mail, (END),
then each related headline after a line holding only "-". The dateline's month and day are
those of the YYYY/MM/DD folder; the HHMM- file-name prefix carries the time of day.

With --languages, every story is written once per language: the first language's file as above,
each other's beside it with a language suffix (`<slug>.ko.md`, `HHMM-<slug>.ko.txt`), so the files
of one story are translations of one another, and gazette.toml lists the languages. The
"translations" are a seeded word-for-word substitution into each language's script (Hangul
syllables of KS X 1001 for ko, GB2312 hanzi for zh, JIS kanji and hiragana for ja, Arabic
letters for ar, respelled words for es and fr; common characters more often), applied alike to headlines, bodies, tags and related headlines, so related
headlines still name stories of their own language and each language's text goes through its own
tokeniser. Wire datelines stay as written (they carry the date the parser checks).

--tag-sets K gives story i the tags of set i mod K (each tag suffixed `-k`): K disjoint vocabularies
in one language, the tag structure a K-language site has (bench/languages.py compares against it).

The same --n, --seed, --wire-share, --languages and --tag-sets give byte-identical output. DIR is replaced if it holds a
corpus written by this script (or is empty); any other non-empty DIR is refused.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import sys
from datetime import datetime, timedelta, timezone

STORIES_PER_DAY = 40
KST = timezone(timedelta(hours=9))
FIRST_DAY = datetime(2025, 3, 3, tzinfo=KST)

# ------------------------------------------------------------------ vocabulary
# Section slug -> (title, share of stories, 25 tags most often used by that section).
SECTIONS = {
    "politics": ("Politics", 17, [
        "parliament", "election", "cabinet", "ruling-party", "opposition", "constitution",
        "budget", "lobbying", "referendum", "ombudsman", "coalition", "presidential-office",
        "by-election", "civil-service", "ethics-probe", "campaign-finance", "local-government",
        "defense-ministry", "veto", "party-leadership", "electoral-reform", "public-hearing",
        "state-audit", "pension-reform", "decentralization"]),
    "economy": ("Economy", 19, [
        "inflation", "interest-rates", "central-bank", "exports", "semiconductors",
        "shipbuilding", "housing-market", "jobs", "wages", "retail-sales", "stock-market",
        "bond-market", "currency", "tariffs", "startups", "energy-prices", "logistics",
        "supply-chains", "tax-policy", "household-debt", "consumer-confidence", "manufacturing",
        "tourism-revenue", "fisheries", "venture-capital"]),
    "world": ("World", 14, [
        "united-nations", "trade-talks", "climate-diplomacy", "refugees", "peace-talks",
        "sanctions", "summit", "embassy", "maritime-dispute", "humanitarian-aid",
        "foreign-investment", "border-security", "arms-control", "development-aid",
        "pandemic-preparedness", "shipping-lanes", "regional-bloc", "election-abroad",
        "ceasefire", "consular-affairs", "extradition", "espionage-case", "foreign-ministry",
        "trade-envoy", "g20"]),
    "society": ("Society", 15, [
        "schools", "universities", "hospitals", "nurses", "public-transit", "housing-rents",
        "crime", "courts", "police", "welfare", "elderly-care", "childcare", "birth-rate",
        "labor-strike", "road-safety", "air-quality", "heat-wave", "flooding", "wildfires",
        "food-safety", "migrant-workers", "disability-rights", "youth-unemployment",
        "public-health", "consumer-protection"]),
    "sports": ("Sports", 11, [
        "football", "baseball", "basketball", "volleyball", "marathon", "cycling", "swimming",
        "archery", "judo", "taekwondo", "tennis", "golf", "esports", "speed-skating", "curling",
        "rowing", "sailing", "badminton", "table-tennis", "weightlifting", "national-team",
        "transfer-window", "doping", "stadiums", "youth-league"]),
    "culture": ("Culture", 9, [
        "cinema", "drama-series", "pop-music", "classical-music", "jazz", "literature",
        "poetry", "theater", "opera", "museums", "heritage-sites", "architecture", "fashion",
        "cuisine", "street-food", "crafts", "photography", "comics", "animation", "video-games",
        "festivals", "book-fair", "dance", "streaming", "awards"]),
    "science": ("Science", 8, [
        "artificial-intelligence", "robotics", "space-launch", "satellites", "biotech",
        "vaccines", "genomics", "batteries", "hydrogen", "nuclear-energy", "solar-power",
        "wind-power", "carbon-capture", "quantum-computing", "cybersecurity", "data-privacy",
        "telecom", "chip-design", "oceanography", "seismology", "climate-research",
        "electric-vehicles", "drones", "research-funding", "open-source"]),
    "regions": ("Regions", 7, [
        "busan", "incheon", "daegu", "gwangju", "daejeon", "ulsan", "jeju", "gangwon",
        "jeolla", "gyeongsang", "chungcheong", "sejong", "ports", "rural-villages",
        "fishing-towns", "ski-resorts", "island-ferries", "regional-airports", "farm-policy",
        "tourism", "local-festivals", "coastal-erosion", "mountain-trails", "regional-rail",
        "new-towns"]),
}

AP_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
             "Nov.", "Dec."]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
PLACES = (["SEOUL"] * 10 + ["SEJONG"] * 3 + ["BUSAN"] * 2
          + ["INCHEON", "DAEGU", "GWANGJU", "DAEJEON", "ULSAN", "JEJU", "CHUNCHEON", "TOKYO",
             "BEIJING", "WASHINGTON", "BRUSSELS", "JAKARTA", "HANOI", "GENEVA"])
CITIES = ["Seoul", "Busan", "Incheon", "Daegu", "Gwangju", "Daejeon", "Ulsan", "Suwon",
          "Changwon", "Jeonju", "Cheongju", "Pohang", "Gangneung", "Mokpo", "Yeosu", "Jeju"]

FAMILY = ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Shin",
          "Han", "Oh", "Seo", "Kwon", "Hwang", "Ahn", "Song", "Jeon", "Hong", "Moon", "Baek"]
GIVEN_A = ["Da", "Eun", "Ha", "Hye", "Ji", "Jun", "Ka", "Min", "Na", "Seung", "So", "Tae",
           "Woo", "Ye", "Yu", "Gyu", "Bo", "Chae"]
GIVEN_B = ["bin", "eun", "gyeong", "hwan", "in", "jae", "jin", "mi", "na", "ra", "rin", "seo",
           "sol", "won", "yeon", "yun", "hyeok", "ah"]

ACTORS = ["Finance ministry", "Central bank", "Opposition leader", "Lawmakers", "City council",
          "Metal workers' union", "Supreme Court", "Police", "Health ministry", "Coast guard",
          "Prime minister", "Trade minister", "Fair trade watchdog", "Provincial governor",
          "Election commission", "Carmakers", "Chipmakers", "Teachers' union", "Residents",
          "Researchers", "Coach", "Organizers", "Prosecutors", "Regulators", "Shipping firms",
          "Foreign minister", "Mayor", "Farmers", "Doctors' group", "Start-up founders"]
HL_VERBS = ["weighs", "backs", "rejects", "unveils", "delays", "expands", "probes", "defends",
            "scraps", "eyes", "calls for", "warns over", "signs off on", "pushes", "questions",
            "revives", "shelves", "fast-tracks", "reviews", "pledges"]
HL_OBJECTS = ["{t} plan", "{t} overhaul", "new {t} rules", "{t} budget", "{t} deal",
              "{t} inquiry", "{t} subsidies", "curbs on {t}", "talks on {t}", "{t} targets",
              "{t} package", "{t} road map", "{t} fund", "{t} reforms", "limits on {t}"]
HL_TAILS = ["", "", "", "after marathon meeting", "amid protests", "as deadline nears",
            "in {city}", "for {year}", "despite criticism", "ahead of {day} vote",
            "after {n}-hour talks", "as costs climb", "in surprise move", "under pressure",
            "for second time", "with {n} conditions", "before year-end"]
HL_NUMBERS = ["{T} spending rises {n} pct in {month}", "{n} injured as {t} dispute turns violent",
              "{T} index falls to {n}-month low", "{n} cities join {t} campaign",
              "{T} complaints up {n} pct: survey", "{n} firms fined over {t}"]

SUBJECTS = ["the ministry", "officials", "the committee", "lawmakers", "the regulator",
            "analysts", "the city government", "the union", "industry groups", "the company",
            "experts", "the agency", "local residents", "the council", "the task force",
            "senior officials", "the opposition", "the ruling bloc", "researchers", "the court",
            "economists", "organizers", "the board", "civic groups"]
PAST = ["said", "announced", "confirmed", "denied", "warned", "estimated", "acknowledged",
        "argued", "reported", "noted", "insisted", "suggested"]
PLAN_VERBS = ["expand", "review", "tighten", "ease", "fund", "delay", "simplify", "audit",
              "extend", "restructure", "monitor", "reconsider"]
THINGS = ["the {t} program", "rules on {t}", "spending on {t}", "the {t} guidelines",
          "support for {t}", "the {t} timetable", "oversight of {t}", "the {t} pilot scheme",
          "the {t} agreement", "data on {t}"]
WHENS = ["on {day}", "earlier this week", "last month", "by the end of the year",
         "within {n} weeks", "before the summer", "in the coming months", "next quarter",
         "since {month}", "over the weekend"]
WHY = ["citing rising costs", "after a string of complaints", "to calm public concern",
       "under pressure from business groups", "following a court ruling",
       "as demand keeps growing", "amid a tight labor market", "to meet new safety standards",
       "after a review by outside auditors", "in response to the latest figures"]
AMOUNTS = ["{n} percent", "{n}.{d} percent", "{n} billion won", "{n}.{d} trillion won",
           "{n},{d}00 people", "{n} cases", "US${n} million", "{n} sites"]
SENTENCES = [
    "{S} {P} {W} that they would {V} {X} {Y}.",
    "{S} plans to {V} {X} {W}, {Y}.",
    "The decision came after {S2} {P} that {X} had fallen short of expectations.",
    "According to {S}, {X} accounted for {A} of the total {W}.",
    "\"We need to {V} {X} now, not later,\" {N} told reporters {W}.",
    "{N}, who oversees {t}, {P} that the debate {Y} was far from over.",
    "The figure compares with {A} a year earlier, {S} {P}.",
    "Critics {P} the move would do little to {V} {X}.",
    "{S} expects {X} to reach {A} {W}.",
    "Some {A} have been affected so far, {S} {P}.",
    "In {city}, {S} {P} that {X} would be discussed again {W}.",
    "Asked about {t}, {N} {P} that \"everything is on the table.\"",
    "The proposal still needs the approval of {S2}, which is expected to decide {W}.",
    "{S} {P} separately that it would {V} {X} {Y}.",
    "Spending on {t} reached {A} {W}, up from {A2} the year before.",
]
SUBHEADS = ["What happens next", "Reaction", "Background", "The numbers", "Concerns over {T}",
            "A long debate over {T}", "Local impact", "Market reaction", "{T} in context",
            "Why it matters"]


# ------------------------------------------------------------------ helpers
def rng_for(seed, *key):
    """An independent, reproducible stream per (seed, key): str seeds are hashed with SHA-512."""
    return random.Random(f"gazette-bench|{seed}|" + "|".join(map(str, key)))


def words(tag):
    return tag.replace("-", " ")


def upper_first(s):
    return s[:1].upper() + s[1:]


def slugify(text):
    out, cur = [], []
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return "-".join(out)


def strip_version(headline):
    for tag in ("(LEAD) ", "(2nd LD) ", "(3rd LD) "):
        if headline.startswith(tag):
            return headline[len(tag):]
    return headline


def toml_str(s):
    # JSON string escapes (\" \\ \n) are valid TOML basic-string escapes; other text stays UTF-8.
    return json.dumps(s, ensure_ascii=False)


def zipf_weights(n, s=1.07):
    return [1.0 / (r ** s) for r in range(1, n + 1)]


class Vocabulary:
    def __init__(self, seed):
        rng = rng_for(seed, "vocabulary")
        self.sections = list(SECTIONS)
        self.section_weights = [SECTIONS[s][1] for s in self.sections]
        tags = [t for s in self.sections for t in SECTIONS[s][2]]
        assert len(tags) == len(set(tags)) == 200, "the tag vocabulary must hold 200 distinct tags"
        ranked = sorted(tags)
        rng.shuffle(ranked)  # global popularity order
        self.tags = ranked
        self.tag_cum = _cumulative(zipf_weights(len(ranked)))
        self.section_cum = _cumulative(zipf_weights(25, 0.9))
        self.authors = []
        seen = set()
        while len(self.authors) < 48:
            family = rng.choice(FAMILY)
            given = rng.choice(GIVEN_A) + "-" + rng.choice(GIVEN_B)
            name = f"{family} {given}"
            if name in seen:
                continue
            seen.add(name)
            handle = (given.replace("-", "") + "." + family).lower()
            self.authors.append((name, f"{handle}@example.com"))

    def pick_tags(self, rng, section):
        count = rng.randint(2, 5)
        own = SECTIONS[section][2]
        picked = [own[_pick(rng, self.section_cum)]]
        while len(picked) < count:
            if rng.random() < 0.45:
                t = own[_pick(rng, self.section_cum)]
            else:
                t = self.tags[_pick(rng, self.tag_cum)]
            if t not in picked:
                picked.append(t)
        return picked


def _cumulative(ws):
    out, acc = [], 0.0
    for w in ws:
        acc += w
        out.append(acc)
    return out


def _pick(rng, cum):
    x = rng.random() * cum[-1]
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def person(rng):
    role = rng.choice(["Minister", "Vice Minister", "Rep.", "Mayor", "Gov.", "Director",
                       "Prof.", "spokesperson", "chief executive", "Commissioner"])
    return f"{role} {rng.choice(FAMILY)} {rng.choice(GIVEN_A)}-{rng.choice(GIVEN_B)}"


def fill(template, rng, tags, when):
    t = words(rng.choice(tags))
    values = dict(
        t=t, T=upper_first(t), S=rng.choice(SUBJECTS), S2=rng.choice(SUBJECTS),
        P=rng.choice(PAST), V=rng.choice(PLAN_VERBS), N=person(rng), city=rng.choice(CITIES),
        day=DAY_NAMES[when.weekday()], month=MONTH_NAMES[(when.month - 2) % 12],
        n=rng.randint(2, 48), d=rng.randint(1, 9), year=when.year + rng.randint(0, 1),
    )
    values["X"] = rng.choice(THINGS).format(t=t)
    values["Y"] = rng.choice(WHY)
    values["W"] = rng.choice(WHENS).format(**values)
    values["A"] = rng.choice(AMOUNTS).format(n=rng.randint(2, 97), d=rng.randint(1, 9))
    values["A2"] = rng.choice(AMOUNTS).format(n=rng.randint(2, 97), d=rng.randint(1, 9))
    return upper_first(template.format(**values))


def make_headline(rng, tags, when):
    # Figure headlines ("Jobs spending rises 29 pct in April") differ in few words: Markdown and wire
    # stories alike get them, and Gazette must keep each its own story.
    if rng.random() < 0.15:
        h = fill(rng.choice(HL_NUMBERS), rng, [tags[0]], when)
    else:
        obj = rng.choice(HL_OBJECTS).format(t=words(rng.choice(tags[:2])))
        tail = rng.choice(HL_TAILS).format(
            city=rng.choice(CITIES), year=when.year + 1, day=DAY_NAMES[rng.randrange(5)],
            n=rng.randint(2, 30))
        h = f"{rng.choice(ACTORS)} {rng.choice(HL_VERBS)} {obj}"
        if tail:
            h += " " + tail
    return upper_first(h)


# ------------------------------------------------------------------ the corpus
def plan(n, seed, wire_share):
    """Every story's metadata, body and related list, as plain dicts (no I/O)."""
    voc = Vocabulary(seed)
    days = max(1, round(n / STORIES_PER_DAY))
    stories = []
    used_slugs = set()
    # Story i is on day i * days // n; times within a day are sorted so ids run in time order.
    for day in range(days):
        lo, hi = day * n // days, (day + 1) * n // days
        drng = rng_for(seed, "day", day)
        offsets = sorted(drng.sample(range(6 * 60, 24 * 60), hi - lo))
        for i, minute in zip(range(lo, hi), offsets):
            rng = rng_for(seed, "story", i)
            when = FIRST_DAY + timedelta(days=day, minutes=minute, seconds=rng.randrange(60))
            section = rng.choices(voc.sections, weights=voc.section_weights)[0]
            tags = voc.pick_tags(rng, section)
            wire = rng.random() < wire_share
            for attempt in range(50):
                base = make_headline(rng, tags, when)
                if attempt >= 40:
                    base += f" ({rng.choice(CITIES)}, {i})"
                slug = slugify(base)[:80].rstrip("-")
                if slug not in used_slugs:
                    break
            used_slugs.add(slug)
            r = rng.random()
            version = "(LEAD) " if r < 0.08 else "(2nd LD) " if r < 0.11 else ""
            author = voc.authors[rng.randrange(len(voc.authors))]
            stories.append(dict(
                id=i, section=section, tags=tags, base=base, title=version + base, date=when,
                author=author, wire=wire, slug=slug,
            ))
    by_tag = {}
    for s in stories:
        s["related"] = pick_related(s, stories, by_tag, seed)
        for t in s["tags"]:
            by_tag.setdefault(t, []).append(s["id"])
        write_body(s, seed)
    return voc, stories


def pick_related(s, stories, by_tag, seed):
    """5-10 headlines of other stories: mostly earlier ones sharing a tag, some version-tagged."""
    rng = rng_for(seed, "related", s["id"])
    n = len(stories)
    want = min(rng.randint(5, 10), n - 1)
    pools = [by_tag[t] for t in s["tags"] if t in by_tag]
    chosen = []
    tries = 0
    while len(chosen) < want and tries < 200:
        tries += 1
        if pools and rng.random() < 0.8:
            pool = rng.choice(pools)
            j = pool[len(pool) - 1 - min(len(pool) - 1, int(rng.expovariate(1 / 30)))]
        else:
            j = rng.randrange(n)
        if j != s["id"] and j not in chosen:
            chosen.append(j)
    out = []
    for j in chosen:
        r = rng.random()
        prefix = "(LEAD) " if r < 0.14 else "(2nd LD) " if r < 0.20 else ""
        out.append(prefix + stories[j]["base"])
    return out


def write_body(s, seed):
    rng = rng_for(seed, "body", s["id"])
    target = rng.randint(600, 900)
    paras_wanted = rng.randint(6, 10)
    sentences = []
    count = 0
    while count < target:
        text = fill(rng.choice(SENTENCES), rng, s["tags"], s["date"])
        sentences.append(text)
        count += len(text.split())
    # Cut the sentences into paragraphs of roughly equal length, give or take a sentence.
    paras_wanted = min(paras_wanted, len(sentences))
    m = len(sentences)
    cuts = [k * m // paras_wanted for k in range(1, paras_wanted)]
    cuts = [c + rng.choice((-1, 0, 0, 1)) if 1 < c < m - 1 else c for c in cuts]
    cuts = sorted(set(c for c in cuts if 0 < c < m))
    paras = [" ".join(sentences[a:b]) for a, b in zip([0] + cuts, cuts + [len(sentences)])]
    s["paragraphs"] = paras
    s["words"] = count
    s["subhead_at"] = max(1, len(paras) // 2)
    s["subhead"] = rng.choice(SUBHEADS).format(T=upper_first(words(s["tags"][0])))
    s["summary"] = fill(rng.choice(SENTENCES), rng, s["tags"], s["date"])
    s["quote_at"] = rng.randrange(1, len(paras)) if len(paras) > 2 and rng.random() < 0.2 else -1
    s["place"] = rng.choice(PLACES)


def markdown_text(s):
    d = s["date"]
    fm = [
        "+++",
        f"title = {toml_str(s['title'])}",
        f"date = {d.isoformat()}",
        f"summary = {toml_str(s['summary'])}",
        f"author = {toml_str(s['author'][0])}",
        "tags = [" + ", ".join(toml_str(t) for t in s["tags"]) + "]",
        "related = [",
        *[f"  {toml_str(r)}," for r in s["related"]],
        "]",
        "+++",
    ]
    body = []
    for k, p in enumerate(s["paragraphs"]):
        if k == s["subhead_at"]:
            body.append("## " + s["subhead"])
        if k == s["quote_at"]:
            p = "> " + p
        elif k == 1:
            first, _, rest = p.partition(" ")
            p = f"**{first}** {rest}"
        body.append(p)
    return "\n".join(fm) + "\n\n" + "\n\n".join(body) + "\n"


def dateline(s):
    d = s["date"]
    return f"{s['place']}, {AP_MONTHS[d.month - 1]} {d.day} (Gazette Wire) -- "


def wire_text(s):
    lines = [s["title"], dateline(s) + s["paragraphs"][0], *s["paragraphs"][1:],
             s["author"][1], "(END)"]
    for r in s["related"]:
        lines += ["-", r]
    return "\n".join(lines) + "\n"


def site_config(languages=("en",)):
    lines = ['title = "Gazette Bench Daily"', 'base_url = "https://bench.example"',
             'timezone = "Asia/Seoul"', f"language = {toml_str(languages[0])}", "", "[sections]"]
    lines += [f"{slug} = {toml_str(title)}" for slug, (title, _, _) in SECTIONS.items()]
    for code in languages[1:]:
        lines += ["", f"[languages.{code}]", f"title = {toml_str('Gazette Bench Daily ' + code)}"]
    return "\n".join(lines) + "\n"


def story_path(s, lang=None):
    suffix = f".{lang}" if lang else ""
    if s["wire"]:
        d = s["date"]
        return f"content/{s['section']}/{d:%Y/%m/%d}/{d:%H%M}-{s['slug']}{suffix}.txt"
    return f"content/{s['section']}/{s['slug']}{suffix}.md"


# ------------------------------------------------------------------ translations
import re  # noqa: E402

WORD = re.compile(r"[A-Za-z]+")
_TRANSLATED = {}


def _pool(encoding, rows, cols=range(0xA1, 0xFF)):
    """The characters of a legacy national standard's rows (its common set, as newsrooms use)."""
    out = []
    for r in rows:
        for c in cols:
            try:
                out.append(bytes([r, c]).decode(encoding))
            except UnicodeDecodeError:
                pass
    return out


# KS X 1001's 2,350 Hangul syllables, GB2312's 3,755 level-1 hanzi, JIS X 0208's 2,965 level-1
# kanji and its hiragana: the characters real Korean, Chinese and Japanese copy is made of.
POOLS = {
    "ko": _pool("euc-kr", range(0xB0, 0xC9)),
    "zh": _pool("gb2312", range(0xB0, 0xD8)),
    "ja": _pool("euc-jp", range(0xB0, 0xD0)),
    "kana": _pool("euc-jp", [0xA4], range(0xA1, 0xF4)),
}


def _char_of(pool, h, i):
    """A character of `pool`, the early ones more often (a Zipf-like skew)."""
    u = ((h >> (11 * i)) % 10007) / 10007
    return pool[int(len(pool) * u * u)]


def _word_in(code, word):
    key = (code, word.lower())
    got = _TRANSLATED.get(key)
    if got is None:
        h = int.from_bytes(hashlib.sha256(f"{code}:{word.lower()}".encode()).digest()[:8], "big")
        n = len(word)
        if code == "ko":
            got = "".join(_char_of(POOLS["ko"], h, i) for i in range(max(1, (n + 1) // 2)))
        elif code == "zh":
            got = "".join(_char_of(POOLS["zh"], h, i) for i in range(max(1, (n + 2) // 3)))
        elif code == "ja":
            kana = "".join(_char_of(POOLS["kana"], h, i + 1) for i in range(max(1, n // 3)))
            got = _char_of(POOLS["ja"], h, 0) + kana
        elif code == "ar":
            got = "".join(chr(0x0627 + (h >> (5 * i)) % 26) for i in range(max(2, n - 1)))
        else:  # Latin-script languages: the word respelled, with a seeded ending.
            ends = {"es": ("o", "a", "ión", "es"), "fr": ("e", "eur", "ique", "és")}.get(code, ("",))
            got = word[: max(2, n - 1)] + ends[h % len(ends)]
        _TRANSLATED[key] = got
    return got


def translate(text, code):
    """The text with every Latin word replaced by its seeded counterpart in `code`."""
    return WORD.sub(lambda m: _word_in(code, m.group(0)), text)


def translated(s, code):
    """A copy of story `s` in language `code` (same slug, date, section and shape)."""
    t = dict(s)
    t["title"] = translate(s["title"], code)
    t["summary"] = translate(s["summary"], code)
    t["subhead"] = translate(s["subhead"], code)
    t["tags"] = [translate(x, code) for x in s["tags"]]
    t["related"] = [translate(r, code) for r in s["related"]]
    t["paragraphs"] = [translate(p, code) for p in s["paragraphs"]]
    t["author"] = (translate(s["author"][0], code), s["author"][1])
    return t


def generator_hash():
    with open(os.path.abspath(__file__), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def write_file(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def generate(n, out, seed=1, wire_share=0.2, languages=("en",), tag_sets=1):
    """Writes the corpus into `out` and returns its summary (also written to out/corpus.json)."""
    if n < 2:
        raise SystemExit("--n must be at least 2")
    if not 0.0 <= wire_share <= 1.0:
        raise SystemExit("--wire-share must be between 0 and 1")
    if os.path.exists(out):
        if os.listdir(out) and not os.path.exists(os.path.join(out, "corpus.json")):
            raise SystemExit(f"{out} is not empty and was not written by gen_corpus.py; "
                             "refusing to replace it")
        shutil.rmtree(out)
    voc, stories = plan(n, seed, wire_share)
    if tag_sets > 1:
        # K disjoint tag vocabularies, story i using set i mod K: the tag structure of K languages
        # of N/K stories each (every language has tags of its own), in one language.
        for i, s in enumerate(stories):
            s["tags"] = [f"{t}-{i % tag_sets}" for t in s["tags"]]
    os.makedirs(out)
    write_file(os.path.join(out, "gazette.toml"), site_config(languages))
    per_section, per_tag, total_words = {}, {}, 0
    for s in stories:
        text = wire_text(s) if s["wire"] else markdown_text(s)
        write_file(os.path.join(out, story_path(s)), text)
        for code in languages[1:]:
            t = translated(s, code)
            # A translated story's dateline stays as the first language writes it (dateline(s)).
            text = wire_text(t) if s["wire"] else markdown_text(t)
            write_file(os.path.join(out, story_path(s, code)), text)
        per_section[s["section"]] = per_section.get(s["section"], 0) + 1
        for t in s["tags"]:
            per_tag[t] = per_tag.get(t, 0) + 1
        total_words += s["words"]
    wire = sum(s["wire"] for s in stories)
    summary = {
        "generator": "bench/gen_corpus.py", "generator_sha256": generator_hash(),
        "n": n, "seed": seed, "wire_share": wire_share,
        "languages": list(languages), "files": n * len(languages), "tag_sets": tag_sets,
        "stories": n, "markdown": n - wire, "wire": wire,
        "days": max(1, round(n / STORIES_PER_DAY)),
        "first_date": stories[0]["date"].isoformat(), "last_date": stories[-1]["date"].isoformat(),
        "sections": dict(sorted(per_section.items())), "distinct_tags": len(per_tag),
        "top_tags": dict(sorted(per_tag.items(), key=lambda kv: (-kv[1], kv[0]))[:8]),
        "related_headlines": sum(len(s["related"]) for s in stories),
        "avg_body_words": round(total_words / n),
    }
    # Written last: its presence marks a complete corpus.
    write_file(os.path.join(out, "corpus.json"), json.dumps(summary, indent=1) + "\n")
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, required=True, help="number of stories")
    ap.add_argument("--out", required=True, help="site folder to write (replaced)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wire-share", type=float, default=0.2,
                    help="fraction of stories written as wire .txt copy (default 0.2)")
    ap.add_argument("--tag-sets", type=int, default=1,
                    help="K disjoint tag vocabularies, story i tagged from set i mod K (default 1)")
    ap.add_argument("--languages", default="en",
                    help="comma-separated language codes, the default first (default: en)")
    a = ap.parse_args()
    languages = tuple(c.strip() for c in a.languages.split(",") if c.strip())
    summary = generate(a.n, a.out, a.seed, a.wire_share, languages, a.tag_sets)
    print(f"{a.out}: {summary['stories']} stories x {len(languages)} language(s) "
          f"({summary['markdown']} Markdown, "
          f"{summary['wire']} wire) over {summary['days']} days, "
          f"{summary['distinct_tags']} tags, ~{summary['avg_body_words']} words each",
          file=sys.stderr)


if __name__ == "__main__":
    main()
