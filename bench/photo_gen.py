"""Generated news photos: a JPEG with an IPTC IIM caption, credit, copyright and by-line (APP13),
optionally XMP alt text (APP1) and EXIF with a GPS position and a camera serial (to check that
renditions drop them). Needs Pillow (`pip install pillow`).

    python3 bench/photo_gen.py OUT.jpg --size 4000x3000 --caption "..." --credit "..."
"""

import argparse
import random
import struct


def iim(caption, credit, copyright=None, byline=None):
    """IPTC IIM datasets of record 2 in a Photoshop 8BIM resource block, as an APP13 segment body."""
    records = b"\x1c\x01\x5a\x00\x03\x1b%G"  # 1:90 coded character set: UTF-8
    for dataset, value in ((120, caption), (110, credit), (116, copyright), (80, byline)):
        if value:
            data = value.encode("utf-8")
            records += struct.pack(">BBBH", 0x1C, 2, dataset, len(data)) + data
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(records)) + records
    if len(records) % 2:
        resource += b"\x00"
    return b"Photoshop 3.0\x00" + resource


def xmp(alt):
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">'
        '<Iptc4xmpCore:AltTextAccessibility><rdf:Alt><rdf:li xml:lang="x-default">'
        + alt.replace("&", "&amp;").replace("<", "&lt;")
        + "</rdf:li></rdf:Alt></Iptc4xmpCore:AltTextAccessibility></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    return b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode("utf-8")


def segment(marker, body):
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def with_segments(jpeg, *segments):
    """The JPEG with the segments inserted right after its SOI marker."""
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def picture(width, height, seed):
    """A photo-like picture: soft gradients, a horizon and some noise (so it compresses like one)."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    small = Image.new("RGB", (max(width // 16, 8), max(height // 16, 8)))
    draw = ImageDraw.Draw(small)
    sw, sh = small.size
    sky = (rng.randrange(60, 140), rng.randrange(110, 190), rng.randrange(170, 250))
    sea = (rng.randrange(10, 60), rng.randrange(50, 110), rng.randrange(80, 140))
    horizon = int(sh * rng.uniform(0.4, 0.65))
    for y in range(sh):
        t = y / sh
        base = sky if y < horizon else sea
        draw.line([(0, y), (sw, y)], fill=tuple(int(c * (0.75 + 0.5 * t)) % 256 for c in base))
    for _ in range(12):
        x, y, r = rng.randrange(sw), rng.randrange(sh), rng.randrange(2, max(sh // 6, 3))
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    img = small.resize((width, height), Image.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(img, noise, 0.08)


def make(path, width, height, caption, credit, copyright=None, byline=None, alt=None, seed=1, quality=88,
         gps=False):
    import io

    img = picture(width, height, seed)
    buf = io.BytesIO()
    kwargs = {}
    if gps:
        exif = img.getexif()
        exif[0x010F] = "Gazette Camera Co"  # Make
        exif[0x0110] = "Model 7"  # Model
        exif.get_ifd(0x8769)[0xA431] = "SERIAL-0042-SECRET"  # BodySerialNumber
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (37.0, 33.0, 59.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (126.0, 58.0, 41.0)
        kwargs["exif"] = exif.tobytes()
    img.save(buf, "JPEG", quality=quality, **kwargs)
    segments = [segment(0xED, iim(caption, credit, copyright, byline))]
    if alt:
        segments.append(segment(0xE1, xmp(alt)))
    with open(path, "wb") as f:
        f.write(with_segments(buf.getvalue(), *segments))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out")
    ap.add_argument("--size", default="4000x3000")
    ap.add_argument("--caption", default="A generated news photo")
    ap.add_argument("--credit", default="Gazette Photo")
    ap.add_argument("--copyright", default=None)
    ap.add_argument("--byline", default=None)
    ap.add_argument("--alt", default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quality", type=int, default=88)
    ap.add_argument("--gps", action="store_true", help="add EXIF GPS and a camera serial")
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))
    make(a.out, w, h, a.caption, a.credit, a.copyright, a.byline, a.alt, a.seed, a.quality, a.gps)


if __name__ == "__main__":
    main()
