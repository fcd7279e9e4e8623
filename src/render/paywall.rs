//! A subscribers' story's body, cut in two: the open part every reader sees (everything up to and
//! including its first top-level paragraph, the lede) and the gated rest, which the theme wraps in
//! the `.paywall` element the JSON-LD's `hasPart` names. Google's guidance wants the gated content
//! inside that one element and the sections never nested, so the cut is made only between two
//! top-level elements of markup that is balanced: anything else (a body without a top-level
//! paragraph, raw HTML whose tags do not pair up) is gated whole.

/// Elements that have no end tag.
const VOID: [&str; 14] =
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];
/// Elements whose content is text up to their end tag.
const RAW_TEXT: [&str; 4] = ["script", "style", "textarea", "title"];

/// `(open, gated)`: `open` ends with the first top-level `</p>`; `("", html)` when there is no
/// such cut or the markup does not balance.
pub fn split(html: &str) -> (&str, &str) {
    let whole = ("", html);
    let mut depth = 0usize;
    let mut cut = None;
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            let Some(end) = rest.find("-->") else { return whole };
            i = start + end + 3;
            continue;
        }
        let Some(end) = tag_end(rest) else { return whole };
        let tag = &rest[1..end];
        i = start + end + 1;
        let closing = tag.starts_with('/');
        let name = tag.trim_start_matches('/');
        let name_len = name.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(name.len());
        let name = name[..name_len].to_ascii_lowercase();
        if name.is_empty() || !tag.as_bytes()[usize::from(closing)].is_ascii_alphabetic() {
            continue; // `<!doctype …>`, `<?…>`, or a `<` that opens no tag
        }
        if closing {
            let Some(d) = depth.checked_sub(1) else { return whole };
            depth = d;
            if depth == 0 && name == "p" && cut.is_none() {
                cut = Some(i);
            }
        } else if RAW_TEXT.contains(&name.as_str()) {
            let Some(close) = find_ascii_ci(&html[i..], &format!("</{name}")) else { return whole };
            i += close; // its end tag is read next
            depth += 1;
        } else if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
            depth += 1;
        }
    }
    match cut {
        Some(at) if depth == 0 => (&html[..at], &html[at..]),
        _ => whole,
    }
}

/// The index of the `>` that ends the tag `text` opens with, past quoted attribute values.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The first index of `needle` (ASCII) in `haystack`, case aside.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack.as_bytes().windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn split_table() {
        // (body, open part)
        let cases = [
            ("<p>Lede.</p>\n<p>Two.</p>\n", "<p>Lede.</p>"),
            ("<p>Only one.</p>", "<p>Only one.</p>"),
            ("<h2>Head</h2>\n<p>Lede <em>x</em>.</p>\n<p>More</p>", "<h2>Head</h2>\n<p>Lede <em>x</em>.</p>"),
            (
                "<blockquote>\n<p>Quoted</p>\n</blockquote>\n<p>Lede</p><p>b</p>",
                "<blockquote>\n<p>Quoted</p>\n</blockquote>\n<p>Lede</p>",
            ),
            (
                "<p>A <img src=\"a.jpg\" alt=\"x > y\"><br/>b</p><p>c</p>",
                "<p>A <img src=\"a.jpg\" alt=\"x > y\"><br/>b</p>",
            ),
            ("<!-- </p> --><p>a</p><p>b</p>", "<!-- </p> --><p>a</p>"),
            ("<script>if (a </p> b) {}</script><p>a</p><p>b</p>", "<script>if (a </p> b) {}</script><p>a</p>"),
            ("<p>1 < 2 and 3 > 2</p><p>b</p>", "<p>1 < 2 and 3 > 2</p>"),
            ("<P>Upper</P><p>b</p>", "<P>Upper</P>"),
        ];
        for (body, open) in cases {
            let (a, b) = split(body);
            assert_eq!(a, open, "{body:?}");
            assert_eq!(format!("{a}{b}"), body);
        }
    }

    #[test]
    fn unbalanced_or_paragraphless_bodies_are_gated_whole() {
        for body in [
            "<ul><li>a</li></ul>",
            "<p>unclosed<p>b</p>",
            "<div><p>a</p>",
            "</div><p>a</p>",
            "<p>a</p><div>",
            "<p a=\"unclosed>b</p>",
            "<script>never closed <p>a</p>",
            "",
            "plain text",
        ] {
            assert_eq!(split(body), ("", body), "{body:?}");
        }
    }
}
