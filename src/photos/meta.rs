//! What a photo says about itself: caption, credit line, copyright notice, creator and alt text
//! from its embedded IPTC IIM (JPEG APP13, the Photoshop resource block), XMP (JPEG APP1, PNG
//! `iTXt`) and, last, EXIF (`ImageDescription`, `Artist`, `Copyright`), plus the EXIF orientation.
//!
//! Bytes in, [`Embedded`] out; no I/O, and no input panics a reader: every length is checked
//! against what is left, and a segment that does not parse is skipped.

use serde::{Deserialize, Serialize};

/// The text fields a photo can carry. Each is trimmed; empty ones are `None`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Meta {
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub copyright: Option<String>,
    pub creator: Option<String>,
    pub alt: Option<String>,
}

impl Meta {
    /// `self`, with each field it lacks taken from `other`.
    pub fn or(self, other: Meta) -> Meta {
        Meta {
            caption: self.caption.or(other.caption),
            credit: self.credit.or(other.credit),
            copyright: self.copyright.or(other.copyright),
            creator: self.creator.or(other.creator),
            alt: self.alt.or(other.alt),
        }
    }
}

/// What a photo file says about itself.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// XMP over IPTC IIM over EXIF, field by field.
    pub meta: Meta,
    /// EXIF orientation, 1-8 (1 when absent or out of range).
    pub orientation: u8,
}

/// Reads the metadata of a JPEG or PNG file's bytes (img-parts splits the container into its
/// segments or chunks, checking every length; one that does not parse yields no metadata).
pub fn read(bytes: &img_parts::Bytes) -> Embedded {
    let (mut xmp_meta, mut iim) = (Meta::default(), Meta::default());
    if bytes.starts_with(&[0xFF, 0xD8]) {
        if let Ok(jpeg) = img_parts::jpeg::Jpeg::from_bytes(bytes.clone()) {
            for segment in jpeg.segments() {
                let body = segment.contents();
                match segment.marker() {
                    0xED => iim = iim.or(photoshop_iim(body)),
                    0xE1 => {
                        if let Some(packet) = body.strip_prefix(XMP_JPEG) {
                            xmp_meta = xmp_meta.or(xmp(&String::from_utf8_lossy(packet)));
                        }
                    }
                    _ => {}
                }
            }
        }
    } else if let Ok(png) = img_parts::png::Png::from_bytes(bytes.clone()) {
        for chunk in png.chunks_by_type(*b"iTXt") {
            if let Some(packet) = png_xmp(chunk.contents()) {
                xmp_meta = xmp_meta.or(xmp(&packet));
            }
        }
    }
    let (exif_meta, orientation) = exif(bytes);
    Embedded { meta: xmp_meta.or(iim).or(exif_meta), orientation }
}

const XMP_JPEG: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

/// IPTC IIM records inside an APP13 Photoshop image resource block (resource 0x0404).
pub fn photoshop_iim(app13: &[u8]) -> Meta {
    let Some(mut rest) = app13.strip_prefix(b"Photoshop 3.0\0") else { return Meta::default() };
    let mut meta = Meta::default();
    while rest.len() >= 12 && rest.starts_with(b"8BIM") {
        let id = u16::from_be_bytes([rest[4], rest[5]]);
        let name_len = rest[6] as usize;
        // The name is a Pascal string padded to an even length, its length byte included.
        let name_total = (1 + name_len).next_multiple_of(2);
        let size_at = 6 + name_total;
        let Some(size) = rest.get(size_at..size_at + 4) else { break };
        let size = u32::from_be_bytes([size[0], size[1], size[2], size[3]]) as usize;
        let data_at = size_at + 4;
        let Some(data) = rest.get(data_at..data_at.saturating_add(size)) else { break };
        if id == 0x0404 {
            meta = meta.or(iim(data));
        }
        let next = data_at + size.next_multiple_of(2);
        rest = rest.get(next..).unwrap_or_default();
    }
    meta
}

/// IIM datasets (`0x1C record dataset size data`) → the fields of record 2 (application).
pub fn iim(mut data: &[u8]) -> Meta {
    let mut fields: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut utf8 = false;
    while data.len() >= 5 && data[0] == 0x1C {
        let (record, dataset) = (data[1], data[2]);
        let mut size = u16::from_be_bytes([data[3], data[4]]) as usize;
        let mut at = 5;
        if size & 0x8000 != 0 {
            // Extended dataset: the low bits give how many bytes hold the size.
            let n = size & 0x7FFF;
            let Some(len_bytes) = data.get(5..5 + n).filter(|b| n <= 4 && !b.is_empty()) else { break };
            size = len_bytes.iter().fold(0usize, |acc, &b| (acc << 8) | b as usize);
            at += n;
        }
        let Some(value) = data.get(at..at.saturating_add(size)) else { break };
        match (record, dataset) {
            // 1:90 Coded Character Set: `ESC % G` is UTF-8.
            (1, 90) => utf8 = value == b"\x1b%G",
            (2, _) => fields.push((dataset, value.to_vec())),
            _ => {}
        }
        data = &data[at + size..];
    }
    let text = |want: u8| {
        let values: Vec<String> = fields
            .iter()
            .filter(|(d, _)| *d == want)
            .map(|(_, v)| match std::str::from_utf8(v) {
                Ok(s) => s.to_string(),
                // Without the UTF-8 mark, IIM text is ISO 8859-1 by convention.
                Err(_) if !utf8 => v.iter().map(|&b| b as char).collect(),
                Err(_) => String::from_utf8_lossy(v).into_owned(),
            })
            .collect();
        clean(&values.join(", "))
    };
    Meta { caption: text(120), credit: text(110), copyright: text(116), creator: text(80), alt: None }
}

/// Trimmed, control characters dropped, `None` when nothing is left.
fn clean(text: &str) -> Option<String> {
    let cleaned: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    (!cleaned.is_empty()).then_some(cleaned)
}

const NS_DC: &str = "http://purl.org/dc/elements/1.1/";
const NS_PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
const NS_IPTC_CORE: &str = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/";

/// Which field an XMP property fills.
fn xmp_field(ns: &str, local: &str) -> Option<usize> {
    match (ns, local) {
        (NS_DC, "description") => Some(0),
        (NS_PHOTOSHOP, "Credit") => Some(1),
        (NS_DC, "rights") => Some(2),
        (NS_DC, "creator") => Some(3),
        (NS_IPTC_CORE, "AltTextAccessibility") => Some(4),
        _ => None,
    }
}

/// An XMP packet's caption (`dc:description`), credit (`photoshop:Credit`), copyright
/// (`dc:rights`), creator (`dc:creator`, every name of its list) and alt text
/// (`Iptc4xmpCore:AltTextAccessibility`), written as attributes or as elements; of a language
/// alternative, the `x-default` one, else the first. Entities are never expanded beyond the five
/// predefined ones and character references; a packet that stops parsing keeps what was read.
pub fn xmp(packet: &str) -> Meta {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(packet);
    let mut x = Xmp::default();
    // A packet is at most a few megabytes; the cap only bounds the loop.
    for _ in 0..1_000_000 {
        match reader.read_event() {
            Ok(Event::Start(s)) => x.start(&s),
            Ok(Event::Empty(s)) => drop(x.attributes(&s)),
            Ok(Event::Text(t)) => x.text(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_string),
                };
                x.text(&resolved.unwrap_or_default());
            }
            Ok(Event::End(_)) => x.end(),
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let [caption, credit, copyright, creator, alt] = x.values.map(|v| v.and_then(|v| clean(&v)));
    Meta { caption, credit, copyright, creator, alt }
}

/// The state of reading one XMP packet.
#[derive(Default)]
struct Xmp {
    /// Namespace prefixes declared so far, `(prefix, URI)`; the last declaration wins.
    prefixes: Vec<(String, String)>,
    depth: usize,
    /// By [`xmp_field`]'s index; the first value found is kept.
    values: [Option<String>; 5],
    /// The property element being read: its field and its depth.
    open: Option<(usize, usize)>,
    /// Its text, when it is a simple property.
    direct: String,
    /// Its `rdf:li` items, with whether each is the `x-default` language.
    items: Vec<(bool, String)>,
}

impl Xmp {
    fn resolve(&self, qname: &str) -> (String, String) {
        let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
        let ns = self.prefixes.iter().rev().find(|(p, _)| p == prefix).map(|(_, u)| u.clone()).unwrap_or_default();
        (ns, local.to_string())
    }

    /// Reads an element's attributes (namespace declarations, properties); gives whether its
    /// `xml:lang` is `x-default`.
    fn attributes(&mut self, s: &quick_xml::events::BytesStart) -> bool {
        let mut default_lang = false;
        for a in s.attributes().flatten() {
            let value =
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map(|v| v.into_owned()).unwrap_or_default();
            let key = a.key.as_ref();
            if let Some(p) = key.strip_prefix("xmlns:") {
                self.prefixes.push((p.to_string(), value));
            } else if key == "xml:lang" {
                default_lang = value == "x-default";
            } else if let (ns, local) = self.resolve(key)
                && let Some(f) = xmp_field(&ns, &local)
            {
                self.values[f].get_or_insert(value);
            }
        }
        default_lang
    }

    fn start(&mut self, s: &quick_xml::events::BytesStart) {
        let default_lang = self.attributes(s);
        let (ns, local) = self.resolve(s.name().as_ref());
        self.depth += 1;
        match self.open {
            None => {
                if let Some(f) = xmp_field(&ns, &local) {
                    self.open = Some((f, self.depth));
                    self.direct.clear();
                    self.items.clear();
                }
            }
            Some(_) if local == "li" => self.items.push((default_lang, String::new())),
            Some(_) => {}
        }
    }

    fn text(&mut self, text: &str) {
        if self.open.is_none() {
            return;
        }
        match self.items.last_mut() {
            Some((_, item)) => item.push_str(text),
            None => self.direct.push_str(text),
        }
    }

    /// Closes an element; closing the open property settles its value: the simple text, every
    /// creator of a list, or the `x-default` (else first) alternative.
    fn end(&mut self) {
        if let Some((f, d)) = self.open
            && d == self.depth
        {
            let items = &self.items;
            let value = if items.is_empty() {
                self.direct.clone()
            } else if f == 3 {
                items.iter().map(|(_, i)| i.trim()).filter(|i| !i.is_empty()).collect::<Vec<_>>().join(", ")
            } else {
                items.iter().find(|(d, _)| *d).or(items.first()).map(|(_, i)| i.clone()).unwrap_or_default()
            };
            if self.values[f].is_none() && clean(&value).is_some() {
                self.values[f] = Some(value);
            }
            self.open = None;
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

/// The XMP packet of a PNG `iTXt` chunk with the keyword `XML:com.adobe.xmp` (uncompressed, as
/// the XMP specification requires).
fn png_xmp(chunk: &[u8]) -> Option<String> {
    let rest = chunk.strip_prefix(b"XML:com.adobe.xmp\0")?;
    // Compression flag (0), method, then the language tag and translated keyword, each NUL-ended.
    if rest.first() != Some(&0) {
        return None;
    }
    let mut parts = rest.get(2..)?.splitn(3, |&b| b == 0);
    let (_, _, text) = (parts.next(), parts.next(), parts.next()?);
    Some(String::from_utf8_lossy(text).into_owned())
}

/// The EXIF fields of last resort and the orientation.
fn exif(bytes: &[u8]) -> (Meta, u8) {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) else {
        return (Meta::default(), 1);
    };
    let text = |tag: exif::Tag| {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        match &field.value {
            exif::Value::Ascii(parts) => {
                clean(&parts.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect::<Vec<_>>().join(" "))
            }
            _ => None,
        }
    };
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .filter(|o| (1..=8).contains(o))
        .map_or(1, |o| o as u8);
    let meta = Meta {
        caption: text(exif::Tag::ImageDescription),
        credit: None,
        copyright: text(exif::Tag::Copyright),
        creator: text(exif::Tag::Artist),
        alt: None,
    };
    (meta, orientation)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// IIM datasets `(record, dataset, value)`.
    pub fn iim_bytes(sets: &[(u8, u8, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (r, d, v) in sets {
            out.extend([0x1C, *r, *d]);
            out.extend((v.len() as u16).to_be_bytes());
            out.extend(*v);
        }
        out
    }

    /// An APP13 body: `Photoshop 3.0`, then the resources `(id, name, data)`.
    pub fn photoshop(resources: &[(u16, &[u8], &[u8])]) -> Vec<u8> {
        let mut out = b"Photoshop 3.0\0".to_vec();
        for (id, name, data) in resources {
            out.extend(b"8BIM");
            out.extend(id.to_be_bytes());
            out.push(name.len() as u8);
            out.extend(*name);
            if (1 + name.len()) % 2 == 1 {
                out.push(0);
            }
            out.extend((data.len() as u32).to_be_bytes());
            out.extend(*data);
            if data.len() % 2 == 1 {
                out.push(0);
            }
        }
        out
    }

    fn meta(caption: Option<&str>, credit: Option<&str>, copyright: Option<&str>, creator: Option<&str>) -> Meta {
        let s = |v: Option<&str>| v.map(str::to_string);
        Meta { caption: s(caption), credit: s(credit), copyright: s(copyright), creator: s(creator), alt: None }
    }

    #[test]
    fn iim_table() {
        let utf8: &[u8] = b"\x1b%G";
        let cases: Vec<(&str, Vec<u8>, Meta)> = vec![
            (
                "UTF-8 caption, credit, copyright, two by-lines",
                iim_bytes(&[
                    (1, 90, utf8),
                    (2, 120, "Fähre im Hafen".as_bytes()),
                    (2, 110, b"AP"),
                    (2, 116, "© 2026 AP".as_bytes()),
                    (2, 80, b"Kim"),
                    (2, 80, b"Lee"),
                ]),
                meta(Some("Fähre im Hafen"), Some("AP"), Some("© 2026 AP"), Some("Kim, Lee")),
            ),
            (
                "Latin-1 without the UTF-8 mark",
                iim_bytes(&[(2, 120, b"F\xe4hre")]),
                meta(Some("Fähre"), None, None, None),
            ),
            (
                "control characters and spaces",
                iim_bytes(&[(2, 110, b"  A\x00P \n ")]),
                meta(None, Some("A P"), None, None),
            ),
            ("record 1 only", iim_bytes(&[(1, 90, utf8)]), Meta::default()),
            ("empty", Vec::new(), Meta::default()),
        ];
        for (name, bytes, want) in cases {
            assert_eq!(iim(&bytes), want, "{name}");
        }
    }

    #[test]
    fn iim_never_reads_past_its_data() {
        let whole = iim_bytes(&[(2, 120, b"A caption long enough"), (2, 110, b"Credit")]);
        for cut in 0..whole.len() {
            let _ = iim(&whole[..cut]);
        }
        // A size past the end, and an extended size of absurd length.
        assert_eq!(iim(&[0x1C, 2, 120, 0x7F, 0xFF, b'a']), Meta::default());
        assert_eq!(iim(&[0x1C, 2, 120, 0x80, 0x09, 1, 2, 3]), Meta::default());
        // An extended size that is fine.
        let mut ext = vec![0x1C, 2, 120, 0x80, 0x02, 0x00, 0x03];
        ext.extend(b"abc");
        assert_eq!(iim(&ext).caption.as_deref(), Some("abc"));
    }

    #[test]
    fn photoshop_block_table() {
        let records = iim_bytes(&[(2, 120, b"Caption"), (2, 110, b"Credit")]);
        let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
            ("IPTC resource alone", photoshop(&[(0x0404, b"", &records)]), Some("Caption")),
            (
                "after another resource, odd name",
                photoshop(&[(0x03ED, b"abc", b"xyz"), (0x0404, b"n", &records)]),
                Some("Caption"),
            ),
            ("no IPTC resource", photoshop(&[(0x03ED, b"", b"xyz")]), None),
            ("not Photoshop", b"Exif\0\0whatever".to_vec(), None),
        ];
        for (name, bytes, caption) in cases {
            assert_eq!(photoshop_iim(&bytes).caption.as_deref(), caption, "{name}");
            for cut in 0..bytes.len() {
                let _ = photoshop_iim(&bytes[..cut]);
            }
        }
    }

    const RDF: &str = r#"xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#""#;

    fn packet(inner: &str) -> String {
        format!(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF}><rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
 xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" {inner}</rdf:Description></rdf:RDF></x:xmpmeta>"#
        )
    }

    #[test]
    fn xmp_table() {
        let cases: Vec<(&str, String, Meta)> = vec![
            (
                "elements: alternatives, a sequence, a simple property",
                packet(
                    r#"><dc:description><rdf:Alt><rdf:li xml:lang="ko">항구</rdf:li><rdf:li xml:lang="x-default">Harbor &amp; ferries</rdf:li></rdf:Alt></dc:description>
<dc:creator><rdf:Seq><rdf:li>Kim</rdf:li><rdf:li>Lee</rdf:li></rdf:Seq></dc:creator>
<dc:rights><rdf:Alt><rdf:li xml:lang="en">© Gazette</rdf:li></rdf:Alt></dc:rights>
<photoshop:Credit>Gazette Photo</photoshop:Credit>
<Iptc4xmpCore:AltTextAccessibility><rdf:Alt><rdf:li xml:lang="x-default">Two ferries</rdf:li></rdf:Alt></Iptc4xmpCore:AltTextAccessibility>"#,
                ),
                Meta {
                    alt: Some("Two ferries".into()),
                    ..meta(Some("Harbor & ferries"), Some("Gazette Photo"), Some("© Gazette"), Some("Kim, Lee"))
                },
            ),
            (
                "attribute form",
                packet(r#"photoshop:Credit="AP &lt;Photo&gt;">"#),
                meta(None, Some("AP <Photo>"), None, None),
            ),
            (
                "another prefix for the same namespace",
                format!(
                    r#"<rdf:RDF {RDF}><rdf:Description xmlns:p="http://ns.adobe.com/photoshop/1.0/" p:Credit="Reuters"/></rdf:RDF>"#
                ),
                meta(None, Some("Reuters"), None, None),
            ),
            (
                "same local name in another namespace is not a credit",
                format!(r#"<rdf:RDF {RDF}><rdf:Description xmlns:q="urn:other" q:Credit="No"/></rdf:RDF>"#),
                Meta::default(),
            ),
            (
                "broken XML keeps what was read",
                packet(r#"><photoshop:Credit>Yonhap</photoshop:Credit><dc:description><rdf:Alt><rdf:li>cut"#),
                meta(None, Some("Yonhap"), None, None),
            ),
            (
                "an undeclared entity is dropped",
                packet(r#"><photoshop:Credit>A&xxe;B</photoshop:Credit>"#),
                meta(None, Some("AB"), None, None),
            ),
            ("not XML at all", "\u{0}\u{1}<<<>>>".to_string(), Meta::default()),
        ];
        for (name, text, want) in cases {
            assert_eq!(xmp(&text), want, "{name}");
        }
    }

    /// A small JPEG made by the image crate, with `segments` (marker, body) inserted after SOI.
    pub fn jpeg_with(segments: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut plain = Vec::new();
        let px = vec![128u8; 16 * 8 * 3];
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 80)
            .encode(&px, 16, 8, image::ExtendedColorType::Rgb8)
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

    /// An EXIF APP1 body with these ASCII fields and an orientation.
    pub fn exif_app1(fields: &[(exif::Tag, &str)], orientation: u16) -> Vec<u8> {
        let mut owned: Vec<exif::Field> = fields
            .iter()
            .map(|(tag, v)| exif::Field {
                tag: *tag,
                ifd_num: exif::In::PRIMARY,
                value: exif::Value::Ascii(vec![v.as_bytes().to_vec()]),
            })
            .collect();
        owned.push(exif::Field {
            tag: exif::Tag::Orientation,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Short(vec![orientation]),
        });
        let mut w = exif::experimental::Writer::new();
        for f in &owned {
            w.push_field(f);
        }
        let mut tiff = std::io::Cursor::new(Vec::new());
        w.write(&mut tiff, false).unwrap();
        let mut body = b"Exif\0\0".to_vec();
        body.extend(tiff.into_inner());
        body
    }

    #[test]
    fn read_prefers_xmp_then_iim_then_exif() {
        let records = iim_bytes(&[(2, 120, b"IIM caption"), (2, 110, b"IIM credit")]);
        let app13 = photoshop(&[(0x0404, b"", &records)]);
        let mut app1_xmp = XMP_JPEG.to_vec();
        app1_xmp.extend(packet(r#"photoshop:Credit="XMP credit">"#).as_bytes());
        let exif = exif_app1(&[(exif::Tag::ImageDescription, "EXIF caption"), (exif::Tag::Artist, "EXIF artist")], 6);
        type Case = (&'static str, Vec<(u8, Vec<u8>)>, Meta, u8);
        let cases: Vec<Case> = vec![
            (
                "all three",
                vec![(0xE1, exif.clone()), (0xE1, app1_xmp.clone()), (0xED, app13.clone())],
                meta(Some("IIM caption"), Some("XMP credit"), None, Some("EXIF artist")),
                6,
            ),
            ("EXIF alone", vec![(0xE1, exif.clone())], meta(Some("EXIF caption"), None, None, Some("EXIF artist")), 6),
            ("nothing", vec![], Meta::default(), 1),
        ];
        for (name, segments, want, orientation) in cases {
            let bytes = img_parts::Bytes::from(jpeg_with(&segments));
            let got = read(&bytes);
            assert_eq!((got.meta, got.orientation), (want, orientation), "{name}");
        }
        // Truncated anywhere, the reader gives what it can and never panics.
        let whole = jpeg_with(&[(0xE1, exif), (0xE1, app1_xmp), (0xED, app13)]);
        for cut in (0..whole.len()).step_by(7) {
            let _ = read(&img_parts::Bytes::copy_from_slice(&whole[..cut]));
        }
    }
}
