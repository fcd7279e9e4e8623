//! Photos on pages: a story's [`Shown`] photos → the views `templates/photo.html` reads, the body's
//! `<img>` elements given their renditions, the OpenGraph image and the JSON-LD `ImageObject`.

use std::borrow::Cow;

use serde_json::{Value, json};

use super::views::{PhotoView, SourceView};
use crate::config::PhotoFormat;
use crate::parse::{PhotoOrigin, Story};
use crate::photos::{Photo, Photos, Rendition, Shown};
use crate::site::Site;

/// `sizes` of a list's thumbnail.
pub const THUMB_SIZES: &str = "(min-width: 40rem) 12rem, 40vw";
/// The width an OpenGraph image should reach.
pub const OPENGRAPH_WIDTH: u32 = 1200;

/// How a photo is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An article's first photo: loaded at once, with its caption and credit.
    Lead,
    /// A list's thumbnail.
    Thumb,
}

/// A story's lead photo: its first one that is not in the body (a body image is shown where it
/// is written, not again above the text).
pub fn lead<'p>(photos: &'p Photos, story: &Story) -> Option<&'p Shown> {
    lead_of(photos.of(story))
}

fn lead_of(shown: &[Shown]) -> Option<&Shown> {
    shown.iter().find(|s| s.origin != PhotoOrigin::Body)
}

/// The photo that stands for a story in lists, feeds' cards and social cards: its lead photo,
/// else its first body image.
pub fn cover<'p>(photos: &'p Photos, story: &Story) -> Option<&'p Shown> {
    let shown = photos.of(story);
    lead_of(shown).or_else(|| shown.first())
}

fn url(site: &Site, r: &Rendition) -> String {
    site.url(&format!("/{}", r.path))
}

fn srcset(site: &Site, renditions: &[&Rendition]) -> String {
    renditions.iter().map(|r| format!("{} {}w", url(site, r), r.width)).collect::<Vec<_>>().join(", ")
}

/// The narrowest rendition at least `width` wide, else the widest.
fn at_least<'r>(renditions: &[&'r Rendition], width: u32) -> Option<&'r Rendition> {
    renditions.iter().find(|r| r.width >= width).or(renditions.last()).copied()
}

pub fn view<'a>(site: &Site, photos: &'a Photos, shown: &'a Shown, kind: Kind) -> PhotoView<'a> {
    let text = &shown.text;
    let (caption, credit) = (text.caption.as_deref(), text.credit.as_deref().or(text.creator.as_deref()));
    let kind_name = match kind {
        Kind::Lead => "lead",
        Kind::Thumb => "thumb",
    };
    let sizes = match kind {
        Kind::Lead => photos.sizes.as_str(),
        Kind::Thumb => THUMB_SIZES,
    };
    let alt = text.alt.as_deref().unwrap_or("");
    let Photo::Local(i) = shown.photo else {
        let src = site.asset_url(&shown.src);
        let sources = Vec::new();
        return PhotoView {
            kind: kind_name,
            src,
            width: None,
            height: None,
            srcset: String::new(),
            sources,
            sizes,
            alt,
            caption,
            credit,
        };
    };
    let jpeg: Vec<&Rendition> = photos.renditions_of(i, PhotoFormat::Jpeg).collect();
    let fallback = match kind {
        Kind::Lead => at_least(&jpeg, 800),
        Kind::Thumb => jpeg.first().copied(),
    };
    let sources = [PhotoFormat::Webp]
        .into_iter()
        .filter_map(|f| {
            let r: Vec<&Rendition> = photos.renditions_of(i, f).collect();
            (!r.is_empty()).then(|| SourceView { mime: f.mime(), srcset: srcset(site, &r) })
        })
        .collect();
    PhotoView {
        kind: kind_name,
        src: fallback.map(|r| url(site, r)).unwrap_or_default(),
        width: fallback.map(|r| r.width),
        height: fallback.map(|r| r.height),
        srcset: srcset(site, &jpeg),
        sources,
        sizes,
        alt,
        caption,
        credit,
    }
}

/// The image social cards use: a resized photo's narrowest JPEG at least [`OPENGRAPH_WIDTH`]
/// wide (else its widest), as an absolute URL with its size; a photo as written, as written.
pub fn opengraph(site: &Site, photos: &Photos, shown: &Shown) -> (String, Option<(u32, u32)>) {
    match shown.photo {
        Photo::Local(i) => {
            let jpeg: Vec<&Rendition> = photos.renditions_of(i, PhotoFormat::Jpeg).collect();
            match at_least(&jpeg, OPENGRAPH_WIDTH) {
                Some(r) => (site.permalink(&format!("/{}", r.path)), Some((r.width, r.height))),
                None => (site.asset_permalink(&shown.src), None),
            }
        }
        Photo::AsWritten => (site.asset_permalink(&shown.src), None),
    }
}

/// A photo's URL for templates that show one image (`story.image`): a resized photo's lead
/// rendition (the narrowest JPEG at least 800 pixels wide, else the widest), root-relative; a photo
/// as written, as written.
pub fn image_url(site: &Site, photos: &Photos, shown: &Shown) -> String {
    match shown.photo {
        Photo::Local(i) => {
            let jpeg: Vec<&Rendition> = photos.renditions_of(i, PhotoFormat::Jpeg).collect();
            at_least(&jpeg, 800).map_or_else(|| site.asset_url(&shown.src), |r| url(site, r))
        }
        Photo::AsWritten => site.asset_url(&shown.src),
    }
}

/// The schema.org `ImageObject` of a photo.
pub fn image_object(site: &Site, photos: &Photos, shown: &Shown) -> Value {
    let (url, size) = opengraph(site, photos, shown);
    let mut obj = json!({"@type": "ImageObject", "url": url, "contentUrl": url});
    let o = obj.as_object_mut().expect("a JSON object");
    if let Some((w, h)) = size {
        o.insert("width".into(), json!(w));
        o.insert("height".into(), json!(h));
    }
    let t = &shown.text;
    for (key, value) in [("caption", &t.caption), ("creditText", &t.credit), ("copyrightNotice", &t.copyright)] {
        if let Some(v) = value {
            o.insert(key.into(), json!(v));
        }
    }
    if let Some(creator) = &t.creator {
        o.insert("creator".into(), json!({"@type": "Person", "name": creator}));
    }
    obj
}

/// Text for a double-quoted HTML attribute.
fn attr(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The body's HTML with each resized Markdown image as a `<picture>` of its renditions, with its
/// size and lazy loading (pulldown-cmark writes `<img src="URL" alt="…" />`, the URL escaped by
/// `escape_href`, and `>` never appears unescaped inside the tag).
pub fn body_html<'s>(site: &Site, photos: &Photos, story: &Story, html: Cow<'s, str>) -> Cow<'s, str> {
    let body: Vec<&Shown> = photos
        .of(story)
        .iter()
        .filter(|s| s.origin == PhotoOrigin::Body && matches!(s.photo, Photo::Local(_)))
        .collect();
    if body.is_empty() {
        return html;
    }
    let mut html = html.into_owned();
    let sizes = attr(&photos.sizes);
    for shown in body {
        let Photo::Local(i) = shown.photo else { continue };
        let mut escaped = String::new();
        if pulldown_cmark_escape::escape_href(&mut escaped, &shown.src).is_err() {
            continue;
        }
        let needle = format!("<img src=\"{escaped}\"");
        let v = view(site, photos, shown, Kind::Thumb);
        let jpeg: Vec<&Rendition> = photos.renditions_of(i, PhotoFormat::Jpeg).collect();
        let Some(fallback) = at_least(&jpeg, 800) else { continue };
        let mut out = String::with_capacity(html.len() + 512);
        let mut rest = html.as_str();
        while let Some(at) = rest.find(&needle) {
            out.push_str(&rest[..at]);
            let tag_rest = &rest[at + needle.len()..];
            let end = tag_rest.find('>').map_or(tag_rest.len(), |e| e + 1);
            out.push_str("<picture>");
            for s in &v.sources {
                out.push_str(&format!(
                    "<source type=\"{}\" srcset=\"{}\" sizes=\"{}\">",
                    s.mime, s.srcset, photos.sizes
                ));
            }
            out.push_str(&format!(
                "<img src=\"{}\" srcset=\"{}\" sizes=\"{}\" width=\"{}\" height=\"{}\" loading=\"lazy\" decoding=\"async\"",
                attr(&url(site, fallback)),
                attr(&v.srcset),
                sizes,
                fallback.width,
                fallback.height
            ));
            out.push_str(&tag_rest[..end]);
            out.push_str("</picture>");
            rest = &tag_rest[end..];
        }
        out.push_str(rest);
        html = out;
    }
    Cow::Owned(html)
}
