//! Photos (issue 15): renditions and their markup, caption and credit from the photo's own IPTC and
//! XMP, the JSON-LD `ImageObject`, GPS and camera serials stripped, the cache outside the output
//! (a warm build decodes nothing, unused renditions are pruned, a corrupt index is discarded),
//! located errors, `check`'s warnings and `serve`'s session. Photos are made here with the image
//! crate, their metadata segments written by hand.

use std::path::Path;

use gazette::config::Overrides;
use gazette::session::{Changes, Session};

use crate::support::{MARKER, Site, gazette, snapshot_tree};

const NOW: &str = "2026-11-28T12:00:00+09:00";

/// A JPEG of `w` × `h` (a gradient), with `segments` (marker, body) right after SOI.
pub fn jpeg(w: u32, h: u32, segments: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut px = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            px.extend([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 120]);
        }
    }
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 85)
        .encode(&px, w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    let mut out = plain[..2].to_vec();
    for (marker, body) in segments {
        out.extend([0xFF, *marker]);
        out.extend(((body.len() + 2) as u16).to_be_bytes());
        out.extend(body);
    }
    out.extend(&plain[2..]);
    out
}

/// An APP13 segment body holding IPTC IIM (UTF-8) caption, credit, copyright and by-line.
pub fn iptc(caption: &str, credit: &str, copyright: &str, byline: &str) -> (u8, Vec<u8>) {
    let mut records = vec![0x1C, 1, 90, 0, 3, 0x1B, b'%', b'G'];
    for (dataset, value) in [(120u8, caption), (110, credit), (116, copyright), (80, byline)] {
        records.extend([0x1C, 2, dataset]);
        records.extend((value.len() as u16).to_be_bytes());
        records.extend(value.as_bytes());
    }
    let mut body = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    body.extend((records.len() as u32).to_be_bytes());
    body.extend(&records);
    if records.len() % 2 == 1 {
        body.push(0);
    }
    (0xED, body)
}

/// An APP1 XMP segment body with the alt text.
pub fn xmp_alt(alt: &str) -> (u8, Vec<u8>) {
    let packet = format!(
        r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"><Iptc4xmpCore:AltTextAccessibility><rdf:Alt><rdf:li xml:lang="x-default">{alt}</rdf:li></rdf:Alt></Iptc4xmpCore:AltTextAccessibility></rdf:Description></rdf:RDF></x:xmpmeta>"#
    );
    let mut body = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    body.extend(packet.as_bytes());
    (0xE1, body)
}

/// An APP1 EXIF segment with a GPS position, a camera serial number and an orientation.
pub fn exif_gps(orientation: u16) -> (u8, Vec<u8>) {
    use exif::{Field, In, Rational, Tag, Value};
    let ascii = |tag, v: &str| Field { tag, ifd_num: In::PRIMARY, value: Value::Ascii(vec![v.as_bytes().to_vec()]) };
    let deg = |d: u32| Value::Rational(vec![Rational::from((d, 1)), Rational::from((0, 1)), Rational::from((0, 1))]);
    let fields = vec![
        ascii(Tag::Make, "Gazette Camera Co"),
        ascii(Tag::BodySerialNumber, "SERIAL-0042-SECRET"),
        Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: Value::Short(vec![orientation]) },
        ascii(Tag::GPSLatitudeRef, "N"),
        Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: deg(37) },
        ascii(Tag::GPSLongitudeRef, "E"),
        Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: deg(126) },
    ];
    let mut w = exif::experimental::Writer::new();
    for f in &fields {
        w.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    w.write(&mut tiff, false).unwrap();
    let mut body = b"Exif\0\0".to_vec();
    body.extend(tiff.into_inner());
    (0xE1, body)
}

const CONFIG: &str = "title = \"T\"\nbase_url = \"https://news.example\"\n[images]\nwidths = [320, 640, 1600]\n";
const PAGE: &str = "world/2026/11/20/harbor-reopens/index.html";

/// A site with one story whose front matter names a 1000 × 600 photo carrying IPTC and XMP text.
fn photo_site() -> Site {
    let site = Site::new();
    site.file("gazette.toml", CONFIG);
    let segments = [
        iptc("Ferries <b>leave</b> & return", "Jane Doe/Gazette", "© 2026 Gazette", "Jane Doe"),
        xmp_alt("Three ferries at a pier"),
        exif_gps(1),
    ];
    site.file("content/world/harbor.jpg", jpeg(1000, 600, &segments));
    site.file(
        "content/world/harbor.md",
        "+++\ntitle = \"Harbor reopens\"\ndate = 2026-11-20T09:00:00+09:00\nimage = \"harbor.jpg\"\n+++\nThe harbor reopened.\n",
    );
    site
}

/// A verbose build that does its work (the photos stage's line is what these tests read) whether
/// or not anything changed since the last one.
fn build_v(site: &Site) -> String {
    site.forget_last_build();
    site.build_ok(&["-v", "--now", NOW])
}

fn renditions(site: &Site) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site.out().join("photos"))
        .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

fn dims(path: &Path) -> (u32, u32) {
    if path.extension().is_some_and(|e| e == "webp") {
        let bytes = std::fs::read(path).unwrap();
        let f = webp::BitstreamFeatures::new(&bytes).unwrap_or_else(|| panic!("{} is not WebP", path.display()));
        assert!(!f.has_animation());
        return (f.width(), f.height());
    }
    image::image_dimensions(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `photos:` line of `build -v`.
fn photo_line(out: &str) -> String {
    out.lines().find(|l| l.starts_with("photos: ")).unwrap_or_else(|| panic!("no photos line in:\n{out}")).to_string()
}

#[test]
fn renditions_at_each_width_never_upscaled_with_srcset_and_sizes() {
    let site = photo_site();
    site.build_ok(&["--now", NOW]);
    let names = renditions(&site);
    assert_eq!(names.len(), 6, "{names:?}");
    let mut widths: Vec<(String, (u32, u32))> = names
        .iter()
        .map(|n| (n.rsplit('.').next().unwrap().to_string(), dims(&site.out().join("photos").join(n))))
        .collect();
    widths.sort();
    let want: Vec<(String, (u32, u32))> = ["jpg", "webp"]
        .iter()
        .flat_map(|e| [(320, 192), (640, 384), (1000, 600)].map(|d| (e.to_string(), d)))
        .collect();
    let mut want = want;
    want.sort();
    assert_eq!(widths, want, "1000 px wide: 320, 640 and its own 1000, never 1600");
    let page = site.read(PAGE);
    assert!(page.contains("<picture><source type=\"image/webp\" srcset=\"/photos/harbor-320-"), "{page}");
    for w in ["320w", "640w", "1000w"] {
        assert_eq!(page.matches(w).count(), 2, "{w} in the WebP and JPEG srcsets:\n{page}");
    }
    assert!(!page.contains("1600w"));
    assert!(page.contains("sizes=\"(min-width: 52rem) 48rem, 100vw\""));
    assert!(page.contains("width=\"1000\" height=\"600\""), "the lead's <img> is the 1000 px JPEG:\n{page}");
    let lead = &page[page.find("<figure class=\"photo lead-image\">").expect("a lead figure")..];
    let img = &lead[lead.find("<img").unwrap()..][..lead[lead.find("<img").unwrap()..].find('>').unwrap()];
    assert!(!img.contains("loading=\"lazy\""), "the lead photo is not lazy: {img}");
    // Each rendition URL the page offers is a file of the output.
    for url in page.split(['"', ' ', ',']).filter(|s| s.starts_with("/photos/")) {
        assert!(site.out().join(&url[1..]).is_file(), "{url}");
    }
    // Lists show a lazy thumbnail.
    let home = site.read("index.html");
    assert!(home.contains("<div class=\"photo photo-thumb\"><picture>"), "{home}");
    assert!(home.contains("loading=\"lazy\""));
}

#[test]
fn caption_credit_and_alt_come_from_the_photos_iptc_and_xmp_escaped() {
    let site = photo_site();
    site.build_ok(&["--now", NOW]);
    let page = site.read(PAGE);
    assert!(
        page.contains("<figcaption><span class=\"photo-caption\">Ferries &lt;b&gt;leave&lt;&#x2F;b&gt; &amp; return</span> <span class=\"photo-credit\">Jane Doe&#x2F;Gazette</span></figcaption>")
            || page.contains("<figcaption><span class=\"photo-caption\">Ferries &lt;b&gt;leave&lt;/b&gt; &amp; return</span> <span class=\"photo-credit\">Jane Doe/Gazette</span></figcaption>"),
        "{page}"
    );
    assert!(!page.contains("<b>leave"));
    assert!(page.contains("alt=\"Three ferries at a pier\""), "alt text from XMP:\n{page}");
    // Front matter overrides the embedded text.
    site.file(
        "content/world/harbor.md",
        "+++\ntitle = \"Harbor reopens\"\ndate = 2026-11-20T09:00:00+09:00\n[[images]]\nsrc = \"harbor.jpg\"\ncaption = \"Our caption\"\ncredit = \"Our credit\"\n+++\nBody.\n",
    );
    site.build_ok(&["--now", NOW]);
    let page = site.read(PAGE);
    assert!(page.contains(">Our caption</span> <span class=\"photo-credit\">Our credit<"), "{page}");
    assert!(page.contains("alt=\"Three ferries at a pier\""), "alt still from XMP:\n{page}");
}

#[test]
fn jsonld_image_is_an_image_object_and_opengraph_is_the_widest_needed() {
    let site = photo_site();
    site.build_ok(&["--now", NOW]);
    let page = site.read(PAGE);
    let start = page.find("<script type=\"application/ld+json\">").unwrap() + 35;
    let json = &page[start..start + page[start..].find("</script>").unwrap()];
    assert!(!json.contains("<b>"), "escaped for <script>: {json}");
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    let image = &doc["image"][0];
    assert_eq!(image["@type"], "ImageObject");
    assert!(image["url"].as_str().unwrap().starts_with("https://news.example/photos/harbor-1000-"), "{image}");
    assert_eq!((image["width"].as_u64(), image["height"].as_u64()), (Some(1000), Some(600)));
    assert_eq!(image["caption"], "Ferries <b>leave</b> & return");
    assert_eq!(image["creditText"], "Jane Doe/Gazette");
    assert_eq!(image["copyrightNotice"], "© 2026 Gazette");
    assert_eq!(image["creator"]["name"], "Jane Doe");
    assert_eq!(doc["image"].as_array().unwrap().len(), 1);
    let og = format!("<meta property=\"og:image\" content=\"{}\">", image["url"].as_str().unwrap());
    assert!(page.contains(&og), "OpenGraph: the 1000 px JPEG (no rendition reaches 1200):\n{page}");
}

#[test]
fn renditions_carry_no_gps_camera_serial_or_other_metadata() {
    let site = photo_site();
    site.build_ok(&["--now", NOW]);
    let names = renditions(&site);
    assert!(!names.is_empty());
    for name in names {
        let path = site.out().join("photos").join(&name);
        let bytes = std::fs::read(&path).unwrap();
        for secret in [&b"SERIAL-0042"[..], b"Gazette Camera", b"Exif\0\0", b"Photoshop 3.0", b"xmpmeta"] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "{name} holds {:?}",
                String::from_utf8_lossy(secret)
            );
        }
        if name.ends_with(".jpg") {
            match exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&bytes)) {
                Err(exif::Error::NotFound(_)) => {}
                Ok(e) => {
                    let gps: Vec<_> = e
                        .fields()
                        .filter(|f| f.ifd_num == exif::In::PRIMARY && format!("{}", f.tag).starts_with("GPS"))
                        .collect();
                    assert!(gps.is_empty(), "{name}: {gps:?}");
                    assert!(e.get_field(exif::Tag::BodySerialNumber, exif::In::PRIMARY).is_none(), "{name}");
                }
                Err(e) => panic!("{name}: {e}"),
            }
        }
    }
    // The source kept them: the check above can fail.
    let source = std::fs::read(site.path().join("content/world/harbor.jpg")).unwrap();
    let e = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&source)).unwrap();
    assert!(e.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY).is_some());
}

#[test]
fn exif_orientation_is_applied() {
    let site = Site::new();
    site.file("gazette.toml", "title = \"T\"\n[images]\nwidths = [50, 80]\nformats = [\"jpeg\"]\n");
    // Stored 200 × 100, orientation 6 (rotate 90° clockwise): upright 100 × 200, and no width
    // configured reaches 100, so there is no 100 px rendition.
    site.file("content/world/tall.jpg", jpeg(200, 100, &[exif_gps(6)]));
    site.file(
        "content/world/tall.md",
        "+++\ntitle = \"Tall\"\ndate = 2026-11-20T09:00:00+09:00\nimage = \"tall.jpg\"\n+++\nBody.\n",
    );
    site.build_ok(&["--now", NOW]);
    let mut got: Vec<(u32, u32)> = renditions(&site).iter().map(|n| dims(&site.out().join("photos").join(n))).collect();
    got.sort();
    assert_eq!(got, [(50, 100), (80, 160)]);
    // The top row of the stored photo is red-to-green, left to right; upright, it is the right
    // column, top to bottom: the top-right pixel is the stored top-left one (x = 0: no red).
    let path = site.out().join("photos").join(&renditions(&site)[0]);
    let img = image::open(&path).unwrap().to_rgb8();
    let (w, _) = img.dimensions();
    assert!(img.get_pixel(w - 1, 0)[0] < 40 && img.get_pixel(w - 1, img.height() - 1)[0] > 200, "{path:?}");
}

#[test]
fn a_warm_build_decodes_nothing_and_the_cache_lives_outside_the_output() {
    let site = photo_site();
    let first = build_v(&site);
    assert_eq!(photo_line(&first), "photos: 1 sources, 1 read, 1 decoded, 6 renditions made, 0 pruned from the cache");
    let built = snapshot_tree(&site.out());
    let warm = build_v(&site);
    assert_eq!(photo_line(&warm), "photos: 1 sources, 0 read, 0 decoded, 0 renditions made, 0 pruned from the cache");
    // Without the output, the renditions still come from the cache, byte for byte the same.
    std::fs::remove_dir_all(site.out()).unwrap();
    let again = build_v(&site);
    assert!(photo_line(&again).contains(" 0 decoded"), "{again}");
    assert_eq!(snapshot_tree(&site.out()), built);
    // Without the cache, the renditions are made again, the same bytes.
    std::fs::remove_dir_all(site.path().join(".gazette-cache")).unwrap();
    let cold = build_v(&site);
    assert!(photo_line(&cold).contains(" 1 decoded, 6 renditions made"), "{cold}");
    assert_eq!(snapshot_tree(&site.out()), built);
    // A touched photo is read (hashed) again, but its renditions are in the cache.
    let photo = site.path().join("content/world/harbor.jpg");
    let bytes = std::fs::read(&photo).unwrap();
    std::fs::remove_file(&photo).unwrap();
    std::fs::write(&photo, bytes).unwrap();
    let touched = build_v(&site);
    assert_eq!(
        photo_line(&touched),
        "photos: 1 sources, 1 read, 0 decoded, 0 renditions made, 0 pruned from the cache"
    );
    assert!(!site.out().join(".gazette-cache").exists());
}

#[test]
fn renditions_no_longer_used_are_pruned() {
    let site = photo_site();
    site.build_ok(&["--now", NOW]);
    let cache = site.path().join(".gazette-cache/photos");
    let count = || {
        std::fs::read_dir(&cache)
            .unwrap()
            .filter(|e| !e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".json"))
            .count()
    };
    assert_eq!(count(), 6);
    site.file("gazette.toml", CONFIG.replace("[320, 640, 1600]", "[640]"));
    let out = build_v(&site);
    // 640 stays in both formats; 320 and the photo's own 1000 (no configured width reaches it
    // now) go.
    assert_eq!(photo_line(&out), "photos: 1 sources, 0 read, 0 decoded, 0 renditions made, 4 pruned from the cache");
    assert_eq!(count(), 2);
    assert_eq!(renditions(&site).len(), 2);
    site.file(
        "content/world/harbor.md",
        "+++\ntitle = \"Harbor reopens\"\ndate = 2026-11-20T09:00:00+09:00\n+++\nNo photo now.\n",
    );
    let out = build_v(&site);
    assert!(out.contains("photos: 0 sources, 0 read, 0 decoded, 0 renditions made, 2 pruned"), "{out}");
    assert_eq!(count(), 0);
    assert!(renditions(&site).is_empty());
}

#[test]
fn a_corrupt_cache_index_is_discarded_with_a_warning() {
    let site = photo_site();
    site.build_ok(&["--now", NOW]);
    let built = snapshot_tree(&site.out());
    std::fs::write(site.path().join(".gazette-cache/photos/index.json"), "{not json").unwrap();
    let out = build_v(&site);
    assert!(out.contains("the photo cache index was discarded"), "{out}");
    // Each photo is read again; its renditions are still in the cache.
    assert_eq!(photo_line(&out), "photos: 1 sources, 1 read, 0 decoded, 0 renditions made, 0 pruned from the cache");
    assert_eq!(snapshot_tree(&site.out()), built);
    // An index of another version is not trusted either, whatever its records hold.
    let index = site.path().join(".gazette-cache/photos/index.json");
    std::fs::write(&index, r#"{"version": "gazette-photos 0 0.0.1", "sources": {"x": 1}}"#).unwrap();
    let out = build_v(&site);
    assert!(out.contains("is of another version (`gazette-photos 0 0.0.1`)"), "{out}");
    assert!(photo_line(&out).contains(" 0 decoded"), "{out}");
    let again = build_v(&site);
    assert!(!again.contains("discarded") && photo_line(&again).contains(" 0 read"), "{again}");
}

#[test]
fn a_missing_photo_is_an_error_at_the_line_that_names_it() {
    let site = Site::new();
    site.file(
        "content/world/a.md",
        "+++\ntitle = \"A\"\ndate = 2026-11-20T09:00:00+09:00\nimage = \"gone.jpg\"\n+++\nText.\n\n![x](/also-gone.png)\n\n![y](../../../../../etc/x.jpg)\n",
    );
    let err = site.build_err(&["--now", NOW]);
    assert!(
        err.contains("content/world/a.md:10:1")
            && err.contains("photo `../../../../../etc/x.jpg` is outside the site folder"),
        "{err}"
    );
    assert!(err.contains("content/world/a.md:4:10"), "{err}");
    assert!(err.contains("photo `gone.jpg` not found"), "{err}");
    assert!(err.contains("content/world/a.md:8:1"), "both missing photos in one run:\n{err}");
    assert!(!site.out().exists());
}

#[test]
fn body_images_become_pictures_and_remote_photos_stay_as_written() {
    let site = Site::new();
    site.file("gazette.toml", CONFIG);
    site.file("static/pics/pier.jpg", jpeg(700, 350, &[]));
    site.file(
        "content/world/b.md",
        "+++\ntitle = \"B\"\ndate = 2026-11-20T09:00:00+09:00\nimage = \"https://cdn.example/x.jpg\"\n+++\nText.\n\n![The pier](/pics/pier.jpg)\n",
    );
    site.build_ok(&["--now", NOW]);
    let page = site.read("world/2026/11/20/b/index.html");
    assert!(page.contains("<img src=\"https://cdn.example/x.jpg\""), "a remote photo is shown as written:\n{page}");
    assert!(page.contains("<picture><source type=\"image/webp\" srcset=\"/photos/pier-320-"), "{page}");
    assert!(
        page.contains("width=\"700\" height=\"350\" loading=\"lazy\" decoding=\"async\" alt=\"The pier\" /></picture>"),
        "{page}"
    );
    assert_eq!(renditions(&site).len(), 6);
}

#[test]
fn check_warns_of_photos_without_alt_text_or_credit() {
    let site = Site::new();
    site.file("content/world/plain.jpg", jpeg(64, 48, &[]));
    site.file("content/world/good.jpg", jpeg(64, 48, &[iptc("C", "Credit", "", ""), xmp_alt("Alt")]));
    site.file(
        "content/world/c.md",
        "+++\ntitle = \"C\"\ndate = 2026-11-20T09:00:00+09:00\nimage = \"plain.jpg\"\n[[images]]\nsrc = \"good.jpg\"\n+++\nText.\n",
    );
    let out = gazette().args(["check"]).arg(site.path()).args(["--now", NOW]).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("content/world/c.md:4:10") && text.contains("photo `plain.jpg` has no alt text"), "{text}");
    assert!(text.contains("photo `plain.jpg` has no credit"), "{text}");
    assert!(!text.contains("photo `good.jpg` has no"), "{text}");
}

#[test]
fn serve_makes_the_same_photos_as_build() {
    let site = photo_site();
    site.build_ok(&["--now", NOW]);
    let overrides = Overrides { now: Some(NOW.parse().unwrap()), ..Default::default() };
    let served = tempfile::tempdir().unwrap();
    let out = served.path().join("out");
    let mut session = Session::new(site.path(), &out, overrides);
    session.rebuild(&Changes::all()).unwrap();
    let strip = |t: Vec<(String, Vec<u8>)>| t.into_iter().filter(|(p, _)| p != MARKER).collect::<Vec<_>>();
    assert_eq!(strip(snapshot_tree(&out)), strip(snapshot_tree(&site.out())));
    // A new photo under the same name: serve's rebuild makes what a fresh build makes.
    site.file("content/world/harbor.jpg", jpeg(800, 480, &[iptc("New caption", "New credit", "", "")]));
    session.rebuild(&Changes { photos: true, ..Changes::default() }).unwrap();
    site.build_ok(&["--now", NOW]);
    let served = strip(snapshot_tree(&out));
    assert_eq!(served, strip(snapshot_tree(&site.out())));
    assert!(served.iter().any(|(p, b)| p == PAGE && String::from_utf8_lossy(b).contains("New caption")));
    assert!(served.iter().any(|(p, _)| p.starts_with("photos/harbor-800-")));
    assert!(!served.iter().any(|(p, _)| p.starts_with("photos/harbor-1000-")), "the old renditions went");
}

#[test]
fn a_feed_items_picture_beside_it_is_resized_with_its_embedded_credit() {
    let site = Site::new();
    site.file("gazette.toml", CONFIG);
    site.file("content/world/pic.jpg", jpeg(900, 600, &[iptc("Wire caption", "Wire Photo Agency", "", "")]));
    site.file(
        "content/world/item.json",
        r#"{"uri": "urn:t:pic", "type": "text", "versioncreated": "2026-11-20T09:00:00+09:00",
        "headlines": [{"role": "main", "value": "Wire story with a picture"}],
        "bodies": [{"contentType": "text/plain", "value": "Words of the story."}],
        "associations": [{"name": "a1", "type": "picture",
            "renditions": [{"name": "original", "href": "pic.jpg", "width": 900, "contentType": "image/jpeg"}]}]}"#,
    );
    site.build_ok(&["--now", NOW]);
    let page = site.read("world/2026/11/20/wire-story-with-a-picture/index.html");
    assert!(page.contains("<figure class=\"photo lead-image\"><picture>"), "{page}");
    assert!(page.contains("<span class=\"photo-credit\">Wire Photo Agency</span>"), "{page}");
    assert_eq!(renditions(&site).len(), 6);
}

#[test]
fn the_cache_folder_is_configurable() {
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = elsewhere.path().join("photo-cache");
    let site = photo_site();
    site.file("gazette.toml", format!("{CONFIG}cache = \"{}\"\n", cache.display()));
    let first = build_v(&site);
    assert!(photo_line(&first).contains(" 1 decoded"), "{first}");
    assert!(!site.path().join(".gazette-cache").exists());
    assert_eq!(std::fs::read_dir(cache.join("photos")).unwrap().count(), 7, "6 renditions and the index");
    std::fs::remove_dir_all(site.out()).unwrap();
    let again = build_v(&site);
    assert_eq!(photo_line(&again), "photos: 1 sources, 0 read, 0 decoded, 0 renditions made, 0 pruned from the cache");
}

#[test]
fn two_photos_with_the_same_bytes_under_two_names_build_together() {
    let site = photo_site();
    let bytes = std::fs::read(site.path().join("content/world/harbor.jpg")).unwrap();
    for i in 0..6 {
        site.file(&format!("content/world/copy{i}.jpg"), &bytes);
        site.file(
            &format!("content/world/copy{i}.md"),
            format!(
                "+++\ntitle = \"Copy {i}\"\ndate = 2026-11-20T09:00:00+09:00\nimage = \"copy{i}.jpg\"\n+++\nBody.\n"
            ),
        );
    }
    let out = build_v(&site);
    // How many are decoded depends on which thread reaches the cache first (one to all seven).
    assert!(photo_line(&out).starts_with("photos: 7 sources, 7 read, "), "{out}");
    // One set of renditions in the cache (same keys), one per name in the output.
    let cached = std::fs::read_dir(site.path().join(".gazette-cache/photos")).unwrap().count();
    assert_eq!(cached, 7, "6 renditions and the index");
    assert_eq!(renditions(&site).len(), 42);
}
