//! Markdown stories: front matter (required: `title`, `date`) and a CommonMark body rendered by
//! pulldown-cmark with tables, footnotes and strikethrough. Raw HTML passes through (trusted
//! editors) unless `[markdown] raw_html` says to sanitize it (ammonia) or show it as text.

use std::path::Path;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

use super::{Format, InternalLink, ParseOptions, Parts, PhotoOrigin, PhotoRef, RawHtml, Story, finish, front_matter};
use crate::diag::{ErrorKind, ParseError, line_col};
use crate::text::clean_line;

pub fn parse(rel: &Path, text: &str, opts: &ParseOptions) -> Result<Story, Vec<ParseError>> {
    let split = front_matter::split(text).map_err(|e| vec![e])?;
    let Some(front) = split.front.as_ref() else {
        return Err(vec![ParseError::new(
            ErrorKind::FrontMatter,
            1,
            1,
            "a Markdown story needs front matter: start the file with `+++` (TOML) or `---` (YAML) and give `title` and `date`",
        )]);
    };
    let fm = front_matter::read(front).map_err(|e| vec![e])?;
    let Rendered { html: body_html, lede, links, urls, images } =
        render_full(split.body, split.body_line, opts.raw_html);
    finish(
        rel,
        Parts {
            front: fm,
            front_line: 1,
            front_text: split.front.as_ref().map(|f| (f.text.to_string(), f.line)),
            format: Format::Markdown,
            headline: None,
            dateline: None,
            lede,
            body_html,
            related: vec![],
            related_lines: vec![],
            urls,
            body_images: images,
            attn: vec![],
            emails: vec![],
            links,
        },
        opts,
    )
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// The body as HTML, and the plain text of its first paragraph (the lede).
pub fn render(body: &str) -> (String, String) {
    let r = render_full(body, 1, RawHtml::Allow);
    (r.html, r.lede)
}

/// The body as HTML, its lede, and its links to other stories by path (`[x](@/politics/a.md)`),
/// located in the file (`first_line` is the file line the body starts on). Those links stay as
/// `@/…` in the HTML until the site model knows their URLs.
pub fn render_with_links(body: &str, first_line: usize) -> (String, String, Vec<InternalLink>) {
    let r = render_full(body, first_line, RawHtml::Allow);
    (r.html, r.lede, r.links)
}

/// A Markdown body, rendered.
pub struct Rendered {
    pub html: String,
    pub lede: String,
    /// Links to other stories by path (`@/…`).
    pub links: Vec<InternalLink>,
    /// Every other link and image destination, located (for `check`).
    pub urls: Vec<InternalLink>,
    /// The images, located, with their alt text (for the `photos` stage).
    pub images: Vec<PhotoRef>,
}

/// [`render_with_links`] plus every other link and image destination, located (for `check`), and
/// the images, with raw HTML treated as `raw_html` says.
pub fn render_full(body: &str, first_line: usize, raw_html: RawHtml) -> Rendered {
    let mut links = Vec::new();
    let mut urls = Vec::new();
    let mut images: Vec<PhotoRef> = Vec::new();
    // Nesting depth inside an image: its text events are its alt text.
    let mut in_image = 0usize;
    let events: Vec<Event<'_>> = Parser::new_ext(body, options())
        .into_offset_iter()
        .map(|(ev, range)| {
            if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = &ev {
                let (line, col) = line_col(body, range.start);
                let line = line + first_line - 1;
                match dest_url.strip_prefix("@/") {
                    Some(target) => links.push(InternalLink { target: target.to_string(), line, col }),
                    None => urls.push(InternalLink { target: dest_url.to_string(), line, col }),
                }
                if matches!(ev, Event::Start(Tag::Image { .. })) {
                    in_image += 1;
                    if in_image == 1 {
                        images.push(PhotoRef {
                            src: dest_url.to_string(),
                            caption: None,
                            credit: None,
                            alt: Some(String::new()),
                            origin: PhotoOrigin::Body,
                            line,
                            col,
                        });
                    }
                }
            }
            match &ev {
                Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
                Event::Text(t) | Event::Code(t) if in_image > 0 => {
                    if let Some(alt) = images.last_mut().and_then(|i| i.alt.as_mut()) {
                        alt.push_str(t);
                    }
                }
                _ => {}
            }
            match ev {
                Event::Html(h) | Event::InlineHtml(h) if raw_html == RawHtml::Escape => Event::Text(h),
                ev => ev,
            }
        })
        .collect();
    let lede = first_paragraph_text(&events);
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    if raw_html == RawHtml::Sanitize {
        out = sanitize(&out);
    }
    for image in &mut images {
        image.alt = image.alt.take().map(|a| clean_line(&a)).filter(|a| !a.is_empty());
    }
    Rendered { html: out, lede, links, urls, images }
}

/// Cleans rendered HTML with ammonia: its safe tag set, plus the `class` and `id` attributes
/// pulldown-cmark's footnotes and code blocks use. Links to other stories (`@/…`) and relative
/// URLs are kept; `rel` is left as the editor wrote it.
fn sanitize(html: &str) -> String {
    use std::sync::LazyLock;
    static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
        let mut b = ammonia::Builder::default();
        b.add_generic_attributes(["class", "id"]).link_rel(None);
        b
    });
    CLEANER.clean(html).to_string()
}

fn first_paragraph_text(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    let mut inside = false;
    for ev in events {
        match ev {
            Event::Start(Tag::Paragraph) => inside = true,
            Event::End(TagEnd::Paragraph) if inside => break,
            Event::Text(t) | Event::Code(t) if inside => text.push_str(t),
            Event::SoftBreak | Event::HardBreak if inside => text.push(' '),
            _ => {}
        }
    }
    clean_line(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_links_are_found_with_their_line() {
        let (html, _, links) =
            render_with_links("Intro.\n\nSee [the vote](@/politics/vote.md#result) and [x](https://e.org).\n", 5);
        assert_eq!(links, [InternalLink { target: "politics/vote.md#result".into(), line: 7, col: 5 }]);
        assert!(html.contains("href=\"@/politics/vote.md#result\""), "{html}");
    }

    #[test]
    fn renders_extensions_and_lede() {
        let (html, lede) = render(
            "**SEOUL, Jan. 1** -- A *first* para.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ new[^1]\n\n[^1]: note\n",
        );
        assert_eq!(lede, "SEOUL, Jan. 1 -- A first para.");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(html.contains("footnote"), "{html}");
    }

    #[test]
    fn raw_html_modes_table() {
        let body = "Para <b>bold</b> <script>alert(1)</script>.\n\n<div onclick=\"x()\"><a href=\"javascript:alert(1)\">j</a> <a href=\"@/a/b.md\">in</a></div>\n\n<iframe src=\"https://e.org\"></iframe>\n\nNote[^1]\n\n[^1]: foot\n";
        // (mode, must contain, must not contain)
        let table: &[(RawHtml, &[&str], &[&str])] = &[
            (RawHtml::Allow, &["<script>alert(1)</script>", "onclick", "<iframe"], &[]),
            (
                RawHtml::Sanitize,
                &["<b>bold</b>", "href=\"@/a/b.md\"", "class=\"footnote-definition\"", "id=\"1\""],
                &["<script", "alert(1)", "onclick", "javascript:", "<iframe"],
            ),
            (RawHtml::Escape, &["&lt;script&gt;", "&lt;b&gt;bold&lt;/b&gt;"], &["<script", "<b>", "<div onclick"]),
        ];
        for (mode, yes, no) in table {
            let Rendered { html, links, .. } = render_full(body, 1, *mode);
            for y in *yes {
                assert!(html.contains(y), "{mode:?} should keep {y}: {html}");
            }
            for n in *no {
                assert!(!html.contains(n), "{mode:?} should drop {n}: {html}");
            }
            assert!(links.is_empty(), "raw HTML links are not Markdown links");
        }
    }
}
