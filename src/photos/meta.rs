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
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_str(packet);
    let mut prefixes: Vec<(String, String)> = Vec::new();
    let mut depth = 0usize;
    let mut values: [Option<String>; 5] = Default::default();
    // The property being read: its field, its depth, its direct text and its `rdf:li` items.
    let mut open: Option<(usize, usize)> = None;
    let mut direct = String::new();
    let mut items: Vec<(bool, String)> = Vec::new();
    let resolve = |prefixes: &[(String, String)], qname: &str| -> (String, String) {
        let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
        let ns = prefixes.iter().rev().find(|(p, _)| p == prefix).map(|(_, u)| u.clone()).unwrap_or_default();
        (ns, local.to_string())
    };
    // Reads an element's attributes: namespace declarations, `xml:lang`, properties.
    let attributes = |s: &BytesStart, prefixes: &mut Vec<(String, String)>, values: &mut [Option<String>; 5]| {
        let mut default_lang = false;
        for a in s.attributes().flatten() {
            let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map(|v| v.into_owned()).unwrap_or_default();
            let key = a.key.as_ref();
            if let Some(p) = key.strip_prefix("xmlns:") {
                prefixes.push((p.to_string(), value));
            } else if key == "xml:lang" {
                default_lang = value == "x-default";
            } else {
                let (ns, local) = resolve(prefixes, key);
                if let Some(f) = xmp_field(&ns, &local) {
                    values[f].get_or_insert(value);
                }
            }
        }
        default_lang
    };
    for _ in 0..1_000_000 {
        match reader.read_event() {
            Ok(Event::Start(s)) => {
                let default_lang = attributes(&s, &mut prefixes, &mut values);
                let (ns, local) = resolve(&prefixes, s.name().as_ref());
                depth += 1;
                match open {
                    None => {
                        if let Some(f) = xmp_field(&ns, &local) {
                            open = Some((f, depth));
                            direct.clear();
                            items.clear();
                        }
                    }
                    Some(_) if local == "li" => items.push((default_lang, String::new())),
                    Some(_) => {}
                }
            }
            Ok(Event::Empty(s)) => {
                attributes(&s, &mut prefixes, &mut values);
            }
            Ok(Event::Text(t)) if open.is_some() => {
                let text = t.xml10_content().into_owned();
                match items.last_mut() {
                    Some((_, item)) => item.push_str(&text),
                    None => direct.push_str(&text),
                }
            }
            Ok(Event::GeneralRef(r)) if open.is_some() => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_string),
                };
                let target = match items.last_mut() {
                    Some((_, item)) => item,
                    None => &mut direct,
                };
                target.push_str(&resolved.unwrap_or_default());
            }
            Ok(Event::End(_)) => {
                if let Some((f, d)) = open
                    && d == depth
                {
                    let value = if items.is_empty() {
                        direct.clone()
                    } else if f == 3 {
                        let names: Vec<&str> = items.iter().map(|(_, i)| i.trim()).filter(|i| !i.is_empty()).collect();
                        names.join(", ")
                    } else {
                        items.iter().find(|(d, _)| *d).or(items.first()).map(|(_, i)| i.clone()).unwrap_or_default()
                    };
                    if values[f].is_none() && clean(&value).is_some() {
                        values[f] = Some(value);
                    }
                    open = None;
                }
                depth = depth.saturating_sub(1);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let [caption, credit, copyright, creator, alt] = values.map(|v| v.and_then(|v| clean(&v)));
    Meta { caption, credit, copyright, creator, alt }
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
