//! A photo file's bytes: the metadata readers (IPTC IIM, XMP, EXIF through img-parts and
//! kamadak-exif), the header check and, for headers that pass, a decode at a small size. Besides
//! "no panic", a header that passes is within the limits, and a decode gives as many bytes as the
//! size it reports.

#![no_main]

use gazette::photos::{meta, pixels};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = img_parts::Bytes::copy_from_slice(data);
    let embedded = meta::read(&bytes);
    assert!((1..=8).contains(&embedded.orientation));
    let _ = meta::xmp(&String::from_utf8_lossy(data));
    let _ = meta::iim(data);
    let _ = meta::photoshop_iim(data);
    if let Ok(h) = pixels::header(data) {
        assert!(u64::from(h.width) * u64::from(h.height) <= pixels::MAX_PIXELS);
        // Keep each run small: decode only modest frames.
        if u64::from(h.width) * u64::from(h.height) <= 1 << 20
            && let Ok(px) = pixels::decode(data, h, embedded.orientation, 64)
        {
            assert_eq!(px.rgb.len(), (px.width * px.height * 3) as usize);
        }
    }
});
