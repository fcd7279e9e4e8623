//! Small text helpers shared by the stages: slugs, headline normalisation, tokens, safe path
//! segments, and site paths as they are written in URLs.
//!
//! All pure functions of their input. Slugs keep letters of every script (Hangul, Han, Kana, Arabic
//! with its vowel marks) and never contain `/`, `\`, `.` runs or control characters, so a slug is
//! always one safe path segment. A path is written to every URL the site makes (HTML `href`s,
//! feeds, sitemaps, JSON-LD) percent-encoded as RFC 3986 asks ([`url_path`]), the same in all of
//! them; files are written at the decoded path.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// A URL slug: lowercase letters and digits of any script, words joined by `-`, at most 80 chars;
/// a name Windows reserves (`con`, `aux`, `com1` …) gets `-1`.
/// A combining mark stays with the letter it follows (Arabic harakat, a decomposed accent), and the
/// Arabic tatweel (a stretch of the line, not a letter) is dropped, so `كـتـاب` and `كتاب` share a slug.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if is_apostrophe(c) || c == TATWEEL {
            continue;
        }
        if is_combining_mark(c) && !dash && !out.is_empty() {
            out.push(c);
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
    let slug = truncate_slug(out, 80);
    // A made slug is a folder of the output like a hand-set one: not a name Windows refuses.
    if is_reserved_name(&slug) { format!("{slug}-1") } else { slug }
}

/// `ـ` (U+0640): lengthens a joined Arabic letter; a letter by Unicode's count, not by meaning.
const TATWEEL: char = '\u{640}';

fn is_combining_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

/// What an RFC 3986 path segment cannot hold as it is (besides non-ASCII, always encoded): controls,
/// space, `"`, `#`, `%`, `<`, `>`, `?`, `[`, `\`, `]`, `^`, `` ` ``, `{`, `|`, `}`. Kept: letters,
/// digits, `-._~`, the sub-delimiters `!$&'()*+,;=`, `:` and `@` (`pchar`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A site path (`/world/2024/05/01/마렌란드/`) as a URL writes it: each segment percent-encoded
/// as UTF-8 where RFC 3986 requires (`/world/2024/05/01/%EB%A7%88%EB%A0%8C%EB%9E%80%EB%93%9C/`), the
/// `/` separators kept. ASCII slugs come back unchanged.
pub fn url_path(path: &str) -> Cow<'_, str> {
    // The set keeps `/` (it is not in it), so the separators pass through as they are; an ASCII
    // path needing no escape comes back borrowed.
    utf8_percent_encode(path, SEGMENT).into()
}

/// What no URI may hold at all (RFC 3986 §2): controls, space, `"`, `<`, `>`, `\`, `^`, `` ` ``,
/// `{`, `|`, `}`. `%`, `?` and `#` are kept: a reference given by hand may be encoded already and
/// may have a query or fragment.
const REFERENCE: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'\\').add(b'^').add(b'`').add(b'{').add(b'|').add(b'}');

/// A reference written by hand (an image path in front matter, the logo) as a URI: non-ASCII
/// percent-encoded as UTF-8 (RFC 3987's IRI-to-URI mapping), what is encoded already left alone.
pub fn uri_reference(reference: &str) -> Cow<'_, str> {
    utf8_percent_encode(reference, REFERENCE).into()
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
            ("Con", "con-1"),
            ("COM1", "com1-1"),
            ("Con game", "con-game"),
        ];
        for (input, want) in cases {
            assert_eq!(slugify(input), want, "{input:?}");
        }
    }

    #[test]
    fn slugs_keep_every_script_as_one_safe_segment() {
        let cases = [
            ("마렌란드 항만청, 수수료 동결", "마렌란드-항만청-수수료-동결"),
            ("港口费用冻结 第二年", "港口费用冻结-第二年"),
            ("港湾料金を据え置き、カタカナ・ひらがな", "港湾料金を据え置き-カタカナ-ひらがな"),
            // Decomposed kana: the voicing mark (U+3099, not a letter) stays on its kana.
            ("\u{30ab}\u{3099}イド", "\u{30ab}\u{3099}イド"),
            ("ميناء المدينة يجمد الرسوم", "ميناء-المدينة-يجمد-الرسوم"),
            // Harakat (fatha, shadda, sukun …) stay with their letters.
            ("مَدِينَةٌ كَبِيرَةٌ", "مَدِينَةٌ-كَبِيرَةٌ"),
            // The tatweel stretches a word; it is not part of it.
            ("كـتـاب جـديد", "كتاب-جديد"),
            ("ـ", ""),
            ("Cafe\u{301} au lait", "cafe\u{301}-au-lait"),
            ("\u{301}x", "x"),
            ("١٢٣ رقم", "١٢٣-رقم"),
        ];
        for (input, want) in cases {
            let slug = slugify(input);
            assert_eq!(slug, want, "{input:?}");
            if !slug.is_empty() {
                assert_eq!(check_segment(&slug), Ok(()), "{slug:?} is one safe path segment");
                assert!(!slug.contains(['/', '\\', '%', '?', '#']), "{slug:?}");
            }
        }
    }

    #[test]
    fn url_paths_are_percent_encoded_utf8() {
        let cases = [
            ("/politics/2024/05/01/budget-vote/", "/politics/2024/05/01/budget-vote/"),
            ("/world/마렌란드/", "/world/%EB%A7%88%EB%A0%8C%EB%9E%80%EB%93%9C/"),
            ("/港口/", "/%E6%B8%AF%E5%8F%A3/"),
            ("/مدينة/", "/%D9%85%D8%AF%D9%8A%D9%86%D8%A9/"),
            ("/Economy & Trade/", "/Economy%20&%20Trade/"),
            ("/what?/#x/100%/", "/what%3F/%23x/100%25/"),
            ("/a<b>\"c\"/", "/a%3Cb%3E%22c%22/"),
            ("/tags/", "/tags/"),
            ("", ""),
        ];
        for (path, want) in cases {
            assert_eq!(url_path(path), want, "{path:?}");
            let back = percent_encoding::percent_decode_str(want).decode_utf8().unwrap();
            assert_eq!(back, path, "decodes back to the file's path");
        }
        assert!(matches!(url_path("/politics/x/"), Cow::Borrowed(_)), "an ASCII path is not copied");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, failure_persistence: None, ..Default::default() })]

        #[test]
        fn any_path_encodes_to_a_uri_path_that_decodes_back(path in "(/|[a-z0-9]|\\PC){0,40}") {
            let url = url_path(&path);
            let pchar = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b);
            proptest::prop_assert!(url.bytes().all(pchar), "{url:?}");
            let back = percent_encoding::percent_decode_str(&url).decode_utf8().unwrap();
            proptest::prop_assert_eq!(back, path.as_str());
            proptest::prop_assert_eq!(url.matches('/').count(), path.matches('/').count());
        }

        #[test]
        fn any_slug_is_empty_or_one_safe_segment(text in "\\PC{0,60}") {
            let slug = slugify(&text);
            proptest::prop_assert!(slug.is_empty() || check_segment(&slug).is_ok(), "{slug:?}");
            proptest::prop_assert!(slug.chars().count() <= 80);
        }
    }

    #[test]
    fn hand_written_references_become_uris() {
        let cases = [
            ("/img/항구.jpg", "/img/%ED%95%AD%EA%B5%AC.jpg"),
            ("/img/a%20b.jpg?v=2#top", "/img/a%20b.jpg?v=2#top"),
            ("https://cdn.example/사진 1.png", "https://cdn.example/%EC%82%AC%EC%A7%84%201.png"),
            ("/logo.png", "/logo.png"),
        ];
        for (reference, want) in cases {
            assert_eq!(uri_reference(reference), want, "{reference:?}");
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
