//! Wire stories (`.txt`): optional front matter, a headline line with its tags, a dateline lede
//! (`SEOUL, Nov. 12 (Yonhap) -- …`), body paragraphs one per line, `(ATTN: …)` notes, reporter
//! e-mail lines, `(END)`, then related headlines each after a line holding only `-`.
//!
//! Wire text is always text: every paragraph is HTML-escaped, nothing passes through as markup.

use std::path::Path;

use super::headline::split_tags;
use super::{Dateline, Format, ParseOptions, Parts, Story, finish, front_matter};
use crate::diag::{ErrorKind, ParseError};
use crate::text::{clean_line, paragraphs_html};

pub fn parse(rel: &Path, text: &str, opts: &ParseOptions) -> Result<Story, Vec<ParseError>> {
    let split = front_matter::split(text).map_err(|e| vec![e])?;
    let fm = match split.front.as_ref() {
        Some(f) => front_matter::read(f).map_err(|e| vec![e])?,
        None => Default::default(),
    };
    let body = read_body(split.body, split.body_line)?;
    let body_html = paragraphs_html(&body.paragraphs);
    finish(
        rel,
        Parts {
            front: fm,
            front_line: 1,
            front_text: split.front.as_ref().map(|f| (f.text.to_string(), f.line)),
            format: Format::Wire,
            headline: Some((split_tags(&body.headline.0), body.headline.1)),
            dateline: body.dateline,
            lede: body.paragraphs.first().cloned().unwrap_or_default(),
            body_html,
            related: body.related,
            related_lines: body.related_lines,
            urls: Vec::new(),
            body_images: Vec::new(),
            attn: body.attn,
            emails: body.emails,
            links: Vec::new(),
        },
        opts,
    )
}

/// The structure of a wire body, before dates and front matter are resolved.
#[derive(Debug, Default, PartialEq)]
pub struct WireBody {
    pub headline: (String, usize),
    pub dateline: Option<super::LocatedDateline>,
    pub paragraphs: Vec<String>,
    pub attn: Vec<String>,
    pub emails: Vec<String>,
    pub related: Vec<String>,
    /// The file line of each related headline.
    pub related_lines: Vec<usize>,
}

/// Reads the body lines; `first_line` is the file line on which `text` starts.
pub fn read_body(text: &str, first_line: usize) -> Result<WireBody, Vec<ParseError>> {
    let mut lines = text.split('\n').enumerate().map(|(i, l)| (i + first_line, clean_line(l)));
    let mut out = WireBody::default();
    let Some((hl_line, headline)) = lines.by_ref().find(|(_, l)| !l.is_empty()) else {
        return Err(vec![ParseError::new(
            ErrorKind::Wire,
            first_line,
            1,
            "empty wire story: expected a headline line",
        )]);
    };
    out.headline = (headline, hl_line);
    let mut ended = false;
    let mut last_line = hl_line;
    for (n, line) in lines.by_ref() {
        if line.is_empty() {
            continue;
        }
        last_line = n;
        if line == "(END)" {
            ended = true;
            break;
        }
        if let Some(note) = attn_note(&line) {
            out.attn.push(note);
        } else if is_email_line(&line) {
            out.emails.extend(line.split([' ', ',', ';']).filter(|s| !s.is_empty()).map(String::from));
        } else if out.paragraphs.is_empty() && out.dateline.is_none() {
            match dateline(&line) {
                Some(Ok((dl, md, lede))) => {
                    out.dateline = Some((dl, n, md));
                    out.paragraphs.push(lede);
                }
                Some(Err(msg)) => return Err(vec![ParseError::new(ErrorKind::Wire, n, 1, msg)]),
                None => out.paragraphs.push(line),
            }
        } else {
            out.paragraphs.push(line);
        }
    }
    if out.paragraphs.is_empty() {
        return Err(vec![ParseError::new(ErrorKind::Wire, hl_line, 1, "wire story has a headline but no body")]);
    }
    if !ended {
        return Err(vec![ParseError::new(
            ErrorKind::Wire,
            last_line,
            1,
            "wire story has no `(END)` line: end the body with a line holding only (END)",
        )]);
    }
    (out.related, out.related_lines) =
        lines.filter(|(_, l)| !l.is_empty() && l.chars().any(|c| c != '-')).map(|(n, l)| (l, n)).unzip();
    Ok(out)
}

fn attn_note(line: &str) -> Option<String> {
    let inner = line.strip_prefix('(')?.strip_suffix(')')?;
    let (head, note) = inner.split_once(':')?;
    head.trim().eq_ignore_ascii_case("ATTN").then(|| note.trim().to_string())
}

/// A line of reporter e-mails: one or more addresses and nothing else. (A line of only `,` and
/// `;` has no address: it is a paragraph.)
fn is_email_line(line: &str) -> bool {
    let mut words = line.split([' ', ',', ';']).filter(|s| !s.is_empty()).peekable();
    words.peek().is_some()
        && words.all(|w| {
            w.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.') && !host.contains('@'))
        })
}

type DatelineParts = (Dateline, Option<(i8, i8)>, String);

/// `PLACE, Mon. D (Agency) -- lede`. `None` when the line is not shaped as a dateline at all;
/// an error when it is, but its date cannot be read.
fn dateline(line: &str) -> Option<Result<DatelineParts, String>> {
    let (head, lede) = line.split_once(" -- ").or_else(|| line.split_once(" — "))?;
    let head = head.trim();
    let (place_date, agency) = match head.strip_suffix(')').and_then(|h| h.rsplit_once('(')) {
        Some((pd, ag)) => (pd.trim(), Some(ag.trim().to_string())),
        None => (head, None),
    };
    if head.len() > 120 || (agency.is_none() && !place_date.contains(',')) {
        return None;
    }
    let (place, date) = match place_date.rsplit_once(',') {
        Some((p, d)) => (Some(p.trim().to_string()), d.trim()),
        None => (None, place_date),
    };
    let md = match month_day(date) {
        Some(md) => Some(md),
        None if date.chars().any(|c| c.is_ascii_digit()) => {
            return Some(Err(format!("cannot read the dateline date `{date}` (expected e.g. `Nov. 12`)")));
        }
        None => return None,
    };
    let dl = Dateline { place, date: Some(date.to_string()), agency, text: head.to_string() };
    Some(Ok((dl, md, lede.trim().to_string())))
}

/// `Nov. 12`, `March 3`, `Sept. 30` → (month, day).
fn month_day(text: &str) -> Option<(i8, i8)> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let (month, day) = text.split_once(' ')?;
    let month = month.trim_end_matches('.').to_lowercase();
    let m = MONTHS.iter().position(|p| month.starts_with(p) && month.len() <= 9)? as i8 + 1;
    let d: i8 = day.trim().parse().ok()?;
    (1..=31).contains(&d).then_some((m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_SHAPE: &str = "Vice FMs agree on need for close communication: ministry\nSEOUL, Nov. 12 (Yonhap) -- The vice foreign ministers spoke.\nIn the phone talks, they noted progress.\nelly@yna.co.kr\n(END)\n-\n(News Focus) Display makers dealt blow\n-\nBTS to meet Biden\n-\n(URGENT) Warplanes enter zone: JCS";

    #[test]
    fn seed_shape() {
        let b = read_body(SEED_SHAPE, 1).unwrap();
        assert_eq!(b.headline, ("Vice FMs agree on need for close communication: ministry".into(), 1));
        let (dl, line, md) = b.dateline.clone().unwrap();
        assert_eq!(
            (dl.place.as_deref(), dl.agency.as_deref(), dl.text.as_str(), line, md),
            (Some("SEOUL"), Some("Yonhap"), "SEOUL, Nov. 12 (Yonhap)", 2, Some((11, 12)))
        );
        assert_eq!(b.paragraphs, ["The vice foreign ministers spoke.", "In the phone talks, they noted progress."]);
        assert_eq!(b.emails, ["elly@yna.co.kr"]);
        assert_eq!(
            b.related,
            ["(News Focus) Display makers dealt blow", "BTS to meet Biden", "(URGENT) Warplanes enter zone: JCS"]
        );
    }

    #[test]
    fn table() {
        // (input, paragraphs, attn, related count, error kind and line)
        type Case = (&'static str, usize, usize, usize, Option<(ErrorKind, usize)>);
        let cases: [Case; 9] = [
            ("H\nSEOUL, Nov. 1 (Yonhap) -- a\n\nb\n\nx@y.kr\n(END)\n", 2, 0, 0, None),
            (
                "(LEAD) H\n(ATTN: UPDATES with quotes in paras 3-4)\nSEOUL, Nov. 1 (Yonhap) -- a\nb\n(END)\n-\nR1\n-\nR2\n",
                2,
                1,
                2,
                None,
            ),
            ("H\nSEOUL, Nov. 1 (Yonhap) -- a\nb\n", 0, 0, 0, Some((ErrorKind::Wire, 3))),
            ("H\n\n", 0, 0, 0, Some((ErrorKind::Wire, 1))),
            ("", 0, 0, 0, Some((ErrorKind::Wire, 1))),
            ("\n\nH\nNo dateline here, just text.\n(END)", 1, 0, 0, None),
            ("H\nSEOUL, Nov. 45 (Yonhap) -- a\n(END)\n", 0, 0, 0, Some((ErrorKind::Wire, 2))),
            ("H\nSEOUL, Nov. 1 (Yonhap) -- a\n(END)\n-\n-\n-\nOnly one\n", 1, 0, 1, None),
            ("H\nBUSAN, March 3 (Yonhap) -- a\n(END)\n-\nR1", 1, 0, 1, None),
        ];
        for (input, paras, attn, related, err) in cases {
            match (read_body(input, 1), err) {
                (Ok(b), None) => {
                    assert_eq!(
                        (b.paragraphs.len(), b.attn.len(), b.related.len()),
                        (paras, attn, related),
                        "{input:?}"
                    );
                }
                (Err(e), Some((kind, line))) => {
                    assert_eq!((e[0].kind, e[0].line), (kind, line), "{input:?}")
                }
                (got, want) => panic!("{input:?}: got {got:?}, want error {want:?}"),
            }
        }
    }

    #[test]
    fn a_line_of_only_separators_is_a_paragraph_not_an_email_line() {
        // Found by the wire round-trip property: `;` was read as an e-mail line with no address
        // and dropped, so a story whose only paragraph it was had "no body".
        let b = read_body("H\n;\n, ;\nx@y.kr, z@w.kr\n(END)\n", 1).unwrap();
        assert_eq!(b.paragraphs, [";", ", ;"]);
        assert_eq!(b.emails, ["x@y.kr", "z@w.kr"]);
        for (line, want) in [(";", false), (", ;", false), ("x@y.kr", true), ("x@y.kr;", true), ("x@y", false)] {
            assert_eq!(is_email_line(line), want, "{line:?}");
        }
    }

    #[test]
    fn month_day_table() {
        let cases = [
            ("Nov. 12", Some((11, 12))),
            ("March 3", Some((3, 3))),
            ("Sept. 30", Some((9, 30))),
            ("May 1", Some((5, 1))),
            ("Foo 3", None),
            ("Nov. 0", None),
        ];
        for (input, want) in cases {
            assert_eq!(month_day(input), want, "{input}");
        }
    }

    #[test]
    fn wire_text_is_escaped() {
        let opts = ParseOptions::new(jiff::tz::TimeZone::UTC);
        let text = "<script>alert(1)</script> & co\nSEOUL, Nov. 1 (Yonhap) -- <b>bold</b> & \"q\"\n(END)\n";
        let s = parse(Path::new("2024/11/01/x.txt"), text, &opts).unwrap();
        assert_eq!(s.body_html, "<p>&lt;b&gt;bold&lt;/b&gt; &amp; &quot;q&quot;</p>\n");
        assert_eq!(s.headline.text, "<script>alert(1)</script> & co");
    }

    #[test]
    fn dateline_must_agree_with_the_path_date() {
        let opts = ParseOptions::new(jiff::tz::TimeZone::UTC);
        let text = "H\nSEOUL, Nov. 2 (Yonhap) -- a\n(END)\n";
        let e = parse(Path::new("world/2024/11/01/x.txt"), text, &opts).unwrap_err();
        assert_eq!((e[0].kind, e[0].line), (ErrorKind::Date, 2));
        let e = parse(Path::new("world/x.txt"), text, &opts).unwrap_err();
        assert_eq!(e[0].kind, ErrorKind::MissingField);
        assert!(e[0].message.contains("YYYY/MM/DD"), "{}", e[0].message);
    }

    #[test]
    fn front_matter_shifts_lines() {
        let opts = ParseOptions::new(jiff::tz::TimeZone::UTC);
        let text = "+++\ntags = [\"a\"]\n+++\nH\nSEOUL, Nov. 2 (Yonhap) -- a\n(END)\n";
        let e = parse(Path::new("world/2024/11/01/x.txt"), text, &opts).unwrap_err();
        assert_eq!(e[0].line, 5);
    }
}
