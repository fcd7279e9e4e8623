//! The wire parser: the whole `.txt` parse (front matter, body, finishing) and `read_body` alone.
//! Besides "no panic", it checks that wire text never becomes markup.

#![no_main]

use std::path::Path;

use gazette::parse::{ParseOptions, normalize_newlines, parse_story, wire};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = ParseOptions::new(jiff::tz::TimeZone::UTC);
    if let Ok(story) = parse_story(Path::new("politics/2024/11/12/x.txt"), &text, &opts) {
        let body = story.body.in_memory().expect("a parsed body is in memory");
        let markup = body.replace("<p>", "").replace("</p>", "");
        assert!(!markup.contains(['<', '>']), "wire text became markup: {body:?}");
        assert!(!story.headline.text.chars().any(char::is_control), "{:?}", story.headline.text);
    }
    let _ = wire::read_body(&text, 1);
    let normalized = normalize_newlines(&text);
    let lines = normalized.split('\n').count();
    match wire::read_body(&normalized, 1) {
        Ok(body) => {
            assert!(!body.paragraphs.is_empty());
            assert_eq!(body.related.len(), body.related_lines.len());
            assert!(body.related_lines.iter().all(|&l| l > body.headline.1 && l <= lines));
        }
        Err(errors) => assert!(errors.iter().all(|e| e.line >= 1 && e.line <= lines.max(1))),
    }
});
