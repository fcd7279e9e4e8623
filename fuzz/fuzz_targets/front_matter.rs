//! The front-matter splitter and reader, and the whole Markdown parse (`.md`) with raw HTML
//! allowed, sanitised and escaped.
//! Besides "no panic", it checks that a split cuts the text where it says it does.

#![no_main]

use std::path::Path;

use gazette::config::RawHtml;
use gazette::parse::{ParseOptions, front_matter, normalize_newlines, parse_story};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = ParseOptions::new(jiff::tz::TimeZone::UTC);
    for raw_html in [RawHtml::Allow, RawHtml::Sanitize, RawHtml::Escape] {
        let _ = parse_story(Path::new("politics/x.md"), &text, &ParseOptions { raw_html, ..opts.clone() });
    }
    let text = normalize_newlines(&text);
    if let Ok(split) = front_matter::split(&text) {
        assert!(text.ends_with(split.body));
        let before = &text[..text.len() - split.body.len()];
        if !split.body.is_empty() {
            assert_eq!(split.body_line, before.matches('\n').count() + 1, "{text:?}");
        }
        if let Some(front) = &split.front {
            assert!(before.contains(front.text));
            let _ = front_matter::read(front);
        }
    }
});
