//! Small text helpers shared by the stages: slugs, headline normalisation, tokens, safe path segments.
//!
//! All pure functions of their input. Slugs keep non-Latin letters (Korean stays Korean) and never
//! contain `/`, `\`, `.` runs or control characters, so a slug is always one safe path segment.

/// A URL slug: lowercase letters and digits of any script, words joined by `-`, at most 80 chars.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if is_apostrophe(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    truncate_slug(out, 80)
}

fn truncate_slug(slug: String, max_chars: usize) -> String {
    if slug.chars().count() <= max_chars {
        return slug;
    }
    let cut: String = slug.chars().take(max_chars).collect();
    match cut.rfind('-') {
        Some(i) if i > max_chars / 2 => cut[..i].to_string(),
        _ => cut,
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | '´')
}

/// A headline folded for matching: lowercase, quotes and apostrophes dropped, dashes, punctuation
/// and runs of spaces turned into one space. Tags such as `(LEAD)` must be removed before.
pub fn normalize_headline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_apostrophe(c) || matches!(c, '"' | '“' | '”' | '«' | '»') {
            continue;
        }
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// The words of a normalised headline.
pub fn tokens(normalized: &str) -> impl Iterator<Item = &str> {
    normalized.split(' ').filter(|t| !t.is_empty())
}

/// Checks that a value set by hand (slug, section) can be used as one path segment.
pub fn check_segment(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err("is empty".into());
    }
    if value.contains(['/', '\\']) {
        return Err("contains a path separator".into());
    }
    if value.contains("..") || value.starts_with('.') {
        return Err("contains `..` or starts with `.`".into());
    }
    if value.chars().any(char::is_control) {
        return Err("contains control characters".into());
    }
    if value.contains('%') {
        return Err("contains `%` (percent-encoding is not allowed)".into());
    }
    if is_reserved_name(value) {
        return Err("is a reserved file name on Windows (CON, PRN, AUX, NUL, COM1–9, LPT1–9)".into());
    }
    Ok(())
}

/// Names Windows refuses for files and folders, with or without an extension: a site built here is
/// often copied or synced there.
fn is_reserved_name(value: &str) -> bool {
    let stem = value.split('.').next().unwrap_or(value).trim_end().to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit()
            && stem.as_bytes()[3] != b'0')
}

/// Removes control characters (tabs and newlines become spaces) from text that came from a story.
pub fn clean_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// Plain-text paragraphs as HTML: each escaped, in its own `<p>` (wire copy and plain-text feed
/// bodies: text never becomes markup).
pub fn paragraphs_html(paragraphs: &[String]) -> String {
    let mut html = String::new();
    for p in paragraphs {
        html.push_str("<p>");
        pulldown_cmark_escape::escape_html(&mut html, p).expect("writing to a String cannot fail");
        html.push_str("</p>\n");
    }
    html
}

/// Decodes the entities HTML escaping writes (pulldown-cmark's and ammonia's: `&lt;`, `&gt;`,
/// `&quot;`, `&#39;`, `&amp;`), the inverse of escaping text.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_entities_round_trip() {
        let paragraphs = vec!["A <b> & \"c\" 'd'".to_string(), "Two".to_string()];
        let html = paragraphs_html(&paragraphs);
        assert_eq!(html, "<p>A &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;</p>\n<p>Two</p>\n");
        assert_eq!(decode_entities("A &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;"), paragraphs[0]);
        assert_eq!(decode_entities("&amp;lt;"), "&lt;", "decoded once, not twice");
    }

    #[test]
    fn slugify_table() {
        let cases = [
            (
                "Vice FMs of S. Korea, Japan agree on need for close communication: ministry",
                "vice-fms-of-s-korea-japan-agree-on-need-for-close-communication-ministry",
            ),
            ("S. Korea's new COVID-19 cases", "s-koreas-new-covid-19-cases"),
            ("윤석열 대통령, 바이든과 회담", "윤석열-대통령-바이든과-회담"),
            ("../../etc/passwd", "etc-passwd"),
            ("  --Hello   World--  ", "hello-world"),
            ("<script>alert(1)</script>", "script-alert-1-script"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(slugify(input), want, "{input:?}");
        }
    }

    #[test]
    fn slugify_truncates_on_a_word() {
        let long = "word ".repeat(40);
        let slug = slugify(&long);
        assert!(slug.chars().count() <= 80);
        assert!(slug.ends_with("word"));
    }

    #[test]
    fn normalize_table() {
        let cases = [
            (
                "Russian, Chinese warplanes enter S. Korea's air defense zone without notice: JCS",
                "russian chinese warplanes enter s koreas air defense zone without notice jcs",
            ),
            ("“BTS” to meet Biden — at White House", "bts to meet biden at white house"),
            ("Display,  electronics makers dealt   blow", "display electronics makers dealt blow"),
            ("N.K. fires missile", "n k fires missile"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_headline(input), want, "{input:?}");
        }
    }

    #[test]
    fn check_segment_table() {
        for bad in
            ["../x", "a/b", "a\\b", ".hidden", "", "a\0b", "%2e%2e", " ", "CON", "nul.txt", "com1", "LPT9", "aux "]
        {
            assert!(check_segment(bad).is_err(), "{bad:?} should be rejected");
        }
        for good in ["politics", "north-korea", "정치", "Economy & Trade", "consul", "com0", "com10", "auxiliary"] {
            assert!(check_segment(good).is_ok(), "{good:?} should pass");
        }
    }
}
