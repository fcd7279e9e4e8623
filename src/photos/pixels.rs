//! Pixels: a photo file's bytes → its size (from the header alone), its pixels (decoded at the
//! smallest size the renditions need, EXIF orientation applied) → resized, re-encoded renditions.
//!
//! Only pixels go into a rendition: no EXIF, XMP, IPTC or ICC segment is ever copied, so GPS
//! positions and camera serial numbers stay in the source. Every size is checked against
//! [`MAX_PIXELS`] before anything is allocated, so a decompression bomb is refused from its header.

use std::io::Cursor;

use crate::config::PhotoFormat;

/// The largest photo decoded: 100 megapixels (a 24-megapixel camera's photo is a quarter of it).
pub const MAX_PIXELS: u64 = 100_000_000;
/// The longest side accepted.
pub const MAX_SIDE: u32 = 30_000;

/// Which codec a file needs, from its first bytes (never from its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Codec {
    Jpeg,
    Png,
}

/// Why a photo cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a JPEG or PNG, whatever its name says.
    NotAnImage,
    TooLarge {
        width: u32,
        height: u32,
    },
    /// The codec failed: a truncated or corrupt file.
    Corrupt(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotAnImage => write!(f, "is not a JPEG or PNG image (its first bytes are neither)"),
            Refusal::TooLarge { width, height } => write!(
                f,
                "is {width} × {height} pixels, over the limit of {} megapixels and {MAX_SIDE} pixels a side; refused before decoding",
                MAX_PIXELS / 1_000_000
            ),
            Refusal::Corrupt(why) => write!(f, "cannot be decoded: {why}"),
        }
    }
}

pub fn sniff(bytes: &[u8]) -> Option<Codec> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Codec::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Codec::Png)
    } else {
        None
    }
}

/// A photo's codec and stored size, read from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub codec: Codec,
    pub width: u32,
    pub height: u32,
}

/// Reads the header and checks the size against the limits; decodes nothing.
pub fn header(bytes: &[u8]) -> Result<Header, Refusal> {
    let codec = sniff(bytes).ok_or(Refusal::NotAnImage)?;
    let (width, height) = match codec {
        Codec::Jpeg => {
            let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
            d.read_info().map_err(|e| Refusal::Corrupt(e.to_string()))?;
            let info = d.info().ok_or_else(|| Refusal::Corrupt("no frame header".into()))?;
            (u32::from(info.width), u32::from(info.height))
        }
        Codec::Png => {
            use image::ImageDecoder;
            let d =
                image::codecs::png::PngDecoder::with_limits(Cursor::new(bytes), limits()).map_err(|e| refusal(&e))?;
            d.dimensions()
        }
    };
    check_size(width, height)?;
    if width == 0 || height == 0 {
        return Err(Refusal::Corrupt("it has no pixels".into()));
    }
    Ok(Header { codec, width, height })
}

fn check_size(width: u32, height: u32) -> Result<(), Refusal> {
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refusal::TooLarge { width, height });
    }
    Ok(())
}

/// The decoder limits: sides and the largest buffer (RGBA at 16 bits of [`MAX_PIXELS`]).
fn limits() -> image::Limits {
    let mut l = image::Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_PIXELS * 8);
    l
}

fn refusal(e: &image::ImageError) -> Refusal {
    match e {
        image::ImageError::Limits(_) => Refusal::Corrupt(format!("over the decoder's limits: {e}")),
        _ => Refusal::Corrupt(e.to_string()),
    }
}

/// The size of a photo once its EXIF orientation is applied.
pub fn oriented(width: u32, height: u32, orientation: u8) -> (u32, u32) {
    if (5..=8).contains(&orientation) { (height, width) } else { (width, height) }
}

/// 8-bit RGB pixels, upright.
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// What a file decodes into before it is upright and RGB.
enum Raw {
    Rgb(u32, u32, Vec<u8>),
    Luma(u32, u32, Vec<u8>),
    Cmyk(u32, u32, Vec<u8>),
    Image(image::DynamicImage),
}

/// Decodes the photo at the smallest size at least `min_width` wide once upright (JPEG scales by
/// 1/2, 1/4 or 1/8 while decoding), converts it to 8-bit RGB (CMYK, grey, 16-bit and alpha over
/// white included) and applies `orientation`.
pub fn decode(bytes: &[u8], h: Header, orientation: u8, min_width: u32) -> Result<Pixels, Refusal> {
    check_size(h.width, h.height)?;
    let raw = match h.codec {
        Codec::Jpeg => decode_jpeg(bytes, h, orientation, min_width)?,
        Codec::Png => {
            let mut reader = image::ImageReader::with_format(Cursor::new(bytes), image::ImageFormat::Png);
            reader.limits(limits());
            Raw::Image(reader.decode().map_err(|e| refusal(&e))?)
        }
    };
    let rgb = match raw {
        Raw::Rgb(w, ht, px) => image::RgbImage::from_raw(w, ht, px),
        Raw::Luma(w, ht, px) => image::GrayImage::from_raw(w, ht, px).map(|g| image::DynamicImage::from(g).to_rgb8()),
        Raw::Cmyk(w, ht, px) => image::RgbImage::from_raw(w, ht, cmyk_to_rgb(&px)),
        Raw::Image(img) => Some(over_white(img)),
    }
    .ok_or_else(|| Refusal::Corrupt("the decoder gave fewer pixels than the header says".into()))?;
    let mut img = image::DynamicImage::from(rgb);
    img.apply_orientation(
        image::metadata::Orientation::from_exif(orientation).unwrap_or(image::metadata::Orientation::NoTransforms),
    );
    let rgb = img.into_rgb8();
    Ok(Pixels { width: rgb.width(), height: rgb.height(), rgb: rgb.into_raw() })
}

fn decode_jpeg(bytes: &[u8], h: Header, orientation: u8, min_width: u32) -> Result<Raw, Refusal> {
    let corrupt = |e: jpeg_decoder::Error| Refusal::Corrupt(e.to_string());
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.set_max_decoding_buffer_size((MAX_PIXELS * 4) as usize);
    let (upright_w, _) = oriented(h.width, h.height, orientation);
    // The stored image scaled like the upright one, so the upright width reaches `min_width`.
    let scale = f64::from(min_width.max(1)) / f64::from(upright_w);
    let want = |side: u32| ((f64::from(side) * scale).ceil() as u32).clamp(1, u32::from(u16::MAX)) as u16;
    let (w, ht) = d.scale(want(h.width), want(h.height)).map_err(corrupt)?;
    let px = d.decode().map_err(corrupt)?;
    let info = d.info().ok_or_else(|| Refusal::Corrupt("no frame header".into()))?;
    let (w, ht) = (u32::from(w), u32::from(ht));
    Ok(match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => Raw::Rgb(w, ht, px),
        jpeg_decoder::PixelFormat::L8 => Raw::Luma(w, ht, px),
        jpeg_decoder::PixelFormat::L16 => Raw::Luma(w, ht, px.chunks_exact(2).map(|p| p[0]).collect()),
        jpeg_decoder::PixelFormat::CMYK32 => Raw::Cmyk(w, ht, px),
    })
}

/// CMYK (as jpeg-decoder gives it, Adobe's inversion undone) → RGB, without a colour profile.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for p in cmyk.chunks_exact(4) {
        let k = 255 - u32::from(p[3]);
        for &c in &p[..3] {
            out.push(((255 - u32::from(c)) * k / 255) as u8);
        }
    }
    out
}

/// Any decoded image as 8-bit RGB; transparent pixels over white.
fn over_white(img: image::DynamicImage) -> image::RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for p in rgba.pixels() {
        let a = u32::from(p[3]);
        for &c in &p.0[..3] {
            out.push(((u32::from(c) * a + 255 * (255 - a)) / 255) as u8);
        }
    }
    image::RgbImage::from_raw(w, h, out).unwrap_or_default()
}

/// `pixels` resized to `width` × `height` (Lanczos 3, SIMD where the CPU has it).
pub fn resize(pixels: &Pixels, width: u32, height: u32) -> Result<Vec<u8>, String> {
    use fast_image_resize::{
        FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images::Image, images::ImageRef,
    };
    if (width, height) == (pixels.width, pixels.height) {
        return Ok(pixels.rgb.clone());
    }
    let src = ImageRef::new(pixels.width, pixels.height, &pixels.rgb, PixelType::U8x3).map_err(|e| e.to_string())?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| e.to_string())?;
    Ok(dst.into_vec())
}

/// Encodes RGB pixels; nothing but pixels goes in.
pub fn encode(rgb: &[u8], width: u32, height: u32, format: PhotoFormat, quality: u8) -> Result<Vec<u8>, String> {
    match format {
        PhotoFormat::Jpeg => {
            let mut out = Vec::with_capacity(rgb.len() / 8);
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .encode(rgb, width, height, image::ExtendedColorType::Rgb8)
                .map_err(|e| e.to_string())?;
            Ok(out)
        }
        PhotoFormat::Webp => webp::Encoder::from_rgb(rgb, width, height)
            .encode_simple(false, f32::from(quality))
            .map(|m| m.to_vec())
            .map_err(|e| format!("WebP encoder: {e:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode(&vec![200; (w * h * 3) as usize], w, h, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    /// `jpeg` with its frame header claiming `w` × `h`.
    fn claiming(mut bytes: Vec<u8>, w: u16, h: u16) -> Vec<u8> {
        let sof = bytes.windows(2).position(|p| p == [0xFF, 0xC0]).unwrap();
        bytes[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
        bytes[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
        bytes
    }

    #[test]
    fn header_table() {
        type Case = (&'static str, Vec<u8>, Result<(u32, u32), &'static str>);
        let cases: Vec<Case> = vec![
            ("a small JPEG", jpeg(40, 30), Ok((40, 30))),
            ("50,000 × 50,000", claiming(jpeg(8, 8), 50_000, 50_000), Err("50000 × 50000 pixels, over the limit")),
            ("a side over 30,000", claiming(jpeg(8, 8), 40_000, 10), Err("over the limit")),
            ("11,000 × 10,000: 110 megapixels", claiming(jpeg(8, 8), 11_000, 10_000), Err("over the limit")),
            ("text", b"<html>".to_vec(), Err("is not a JPEG or PNG")),
            ("a JPEG start alone", vec![0xFF, 0xD8, 0xFF], Err("cannot be decoded")),
            ("empty", Vec::new(), Err("is not a JPEG or PNG")),
        ];
        for (name, bytes, want) in cases {
            let got = header(&bytes).map(|h| (h.width, h.height)).map_err(|e| e.to_string());
            match (got, want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{name}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{name}: {got}"),
                (got, want) => panic!("{name}: {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn decode_scales_jpeg_while_decoding_and_keeps_the_needed_width() {
        let bytes = jpeg(800, 400);
        let h = header(&bytes).unwrap();
        for (min_width, want) in [(800, 800), (401, 800), (400, 400), (150, 200), (90, 100), (10, 100)] {
            let px = decode(&bytes, h, 1, min_width).unwrap();
            assert_eq!((px.width, px.rgb.len()), (want, (want * want / 2 * 3) as usize), "at least {min_width}");
        }
        // Rotated a quarter turn, the upright width is the stored height.
        let px = decode(&bytes, h, 6, 400).unwrap();
        assert_eq!((px.width, px.height), (400, 800));
    }

    #[test]
    fn cmyk_and_orientation_helpers() {
        // jpeg-decoder gives CMYK with Adobe's inversion undone: no ink is white, full K black.
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0]), [255, 255, 255, 0, 0, 0, 0, 255, 255]);
        assert_eq!(oriented(40, 30, 1), (40, 30));
        assert_eq!(oriented(40, 30, 8), (30, 40));
        assert_eq!(oriented(40, 30, 3), (40, 30));
    }

    #[test]
    fn encoders_write_pixels_only() {
        let rgb = vec![10u8; 16 * 8 * 3];
        for format in [PhotoFormat::Jpeg, PhotoFormat::Webp] {
            let out = encode(&rgb, 16, 8, format, 80).unwrap();
            assert!(!out.windows(4).any(|w| w == b"Exif" || w == b"XMP " || w == b"ICCP"), "{format:?}");
        }
    }
}
