//! Property tests of the parsers: no input panics them, and a story generated as structured data,
//! written out as text (with random line ends, BOM and blank lines) and parsed, gives the data back.

use std::path::Path;

use jiff::tz::TimeZone;
use proptest::prelude::*;

use super::headline::{Version, split_tags};
use super::{ParseOptions, front_matter, normalize_newlines, parse_story, wire};
use crate::config::RawHtml;

fn opts() -> ParseOptions {
    ParseOptions::new(TimeZone::UTC)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Pieces the parsers give meaning to, so random text reaches their branches.
const FRAGMENTS: &[&str] = &[
    "+++",
    "---",
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    " ",
    "\t",
    "\0",
    "(END)",
    "(끝)",
    "（完）",
    "(서울=연합뉴스) ",
    " 기자 = ",
    "新华社北京5月1日电",
    "（记者 张三）",
    "【東京共同】",
    "[속보] ",
    "[그래픽] ",
    "(종합2보)",
    "(2보)",
    "-",
    "(",
    ")",
    "(LEAD) ",
    "(URGENT)",
    "(2nd LD)",
    "(News Focus) ",
    "(ATTN: x)",
    "SEOUL, ",
    "Nov. 12",
    " (Yonhap)",
    " -- ",
    " — ",
    "x@y.kr",
    ",",
    ";",
    "title = ",
    "title: ",
    "\"a\"",
    "date = 2024-11-12T09:00:00Z",
    "date: 2024-11-12",
    "tags = [\"t\"]",
    "tags: [t]",
    "[[corrections]]",
    "related = [\"r\"]",
    "section: x",
    "[x](@/a.md)",
    "*",
    "&",
    "<",
    "한국",
    "é",
    "]]>",
];

/// Text made of [`FRAGMENTS`] and the occasional arbitrary character.
fn noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![4 => prop::sample::select(FRAGMENTS).prop_map(String::from), 1 => any::<char>().prop_map(String::from)];
    prop::collection::vec(piece, 0..48).prop_map(|v| v.concat())
}

/// Arbitrary bytes read as UTF-8 with replacement, the way a fuzzer's input would be.
fn lossy() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..256).prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Any text: fragments, arbitrary strings or arbitrary bytes.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![3 => noise(), 1 => any::<String>(), 1 => lossy()]
}

/// Parses `text` every way there is; checks what must hold of any successful parse.
fn parse_everything(text: &str) {
    let normalized = normalize_newlines(text);
    assert!(!normalized.contains('\r'));
    let _ = split_tags(text);
    for t in [text, normalized.as_str()] {
        let _ = wire::read_body(t, 1);
        if let Ok(split) = front_matter::split(t) {
            assert!(t.ends_with(split.body));
            if let Some(front) = &split.front {
                let _ = front_matter::read(front);
            }
        }
    }
    if let Ok(story) = parse_story(Path::new("politics/2024/11/12/x.txt"), text, &opts()) {
        let markup = story.body.html().replace("<p>", "").replace("</p>", "");
        assert!(!markup.contains(['<', '>']), "wire text became markup: {:?}", story.body.html());
        assert!(!story.headline.text.is_empty() || !story.headline.labels.is_empty());
    }
    for raw_html in [RawHtml::Allow, RawHtml::Sanitize, RawHtml::Escape] {
        let _ = parse_story(Path::new("politics/x.md"), text, &ParseOptions { raw_html, ..opts() });
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn no_input_panics_a_parser(text in any_text()) {
        parse_everything(&text);
    }

    #[test]
    fn no_front_matter_block_panics_the_reader(block in any_text(), toml in any::<bool>()) {
        let delim = if toml { "+++" } else { "---" };
        parse_everything(&format!("{delim}\n{block}\n{delim}\nbody\n"));
    }
}

// ---- wire round trip ----

/// A line of headline or paragraph text: starts with a letter, so it is no tag, note or `-` line.
fn words() -> impl Strategy<Value = String> {
    "[A-Za-z0-9가-힣é][A-Za-z0-9가-힣é <>&\"',.:;!?/()\\[\\]{}—-]{0,40}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("no dateline shape", |s| !s.contains(" -- ") && !s.contains(" — "))
}

/// A body paragraph: any printable text but an e-mail, `(END)` or `(ATTN: …)` line; the first
/// one may not hold a dateline's ` -- ` either (the generator writes datelines itself).
fn paragraph() -> impl Strategy<Value = String> {
    let text = prop_oneof![6 => "[^\\p{Cc}@]{1,40}", 1 => "[ ,;.:!?*'\"()-]{1,6}"];
    let special = |p: &str| {
        let attn_shaped = p.starts_with('(') && p.ends_with(')') && p.contains(':');
        let bracketed = p.starts_with(['(', '（', '【']) || p.starts_with("新华社");
        let end = ["(END)", "(끝)", "（끝）", "(完)", "（完）"].contains(&p);
        p.is_empty() || end || attn_shaped || bracketed || p.contains(" -- ") || p.contains(" — ")
    };
    text.prop_map(|s| s.trim().to_string()).prop_filter("not a special line", move |p| !special(p))
}

/// An ordinal suffix written independently of `headline::ordinal_suffix`.
fn ordinal(n: u32) -> &'static str {
    if (11..=13).contains(&(n % 100)) {
        return "th";
    }
    ["th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th"][(n % 10) as usize]
}

/// A version tag as written, brackets included, and what it means.
fn version() -> impl Strategy<Value = (Option<String>, Version)> {
    prop_oneof![
        Just((None, Version::Plain)),
        prop::sample::select(vec!["(URGENT)", "(urgent)", "(FLASH)", "[속보]", "(속보)"])
            .prop_map(|t| (Some(t.to_string()), Version::Urgent)),
        prop::sample::select(vec!["(LEAD)", "(Lead)", "(1st LD)", "(종합)", "[종합]", "(종합1보)"])
            .prop_map(|t| (Some(t.to_string()), Version::Lead)),
        (2u32..130).prop_map(|n| (Some(format!("({n}{} LD)", ordinal(n))), Version::Update(n))),
        (2u32..130).prop_map(|n| (Some(format!("(종합{n}보)")), Version::Update(n))),
        (1u32..130).prop_map(|n| (Some(format!("({n}보)")), Version::Bulletin(n))),
    ]
}

/// Whether Yonhap's Korean desk may write the tag at the end of the headline.
/// (`(종합)`, `(종합N보)`, `(N보)`; not `[속보]`, which leads).
fn may_trail(tag: &str) -> bool {
    let Some(inner) = tag.strip_prefix('(').and_then(|t| t.strip_suffix(')')) else { return false };
    let count = inner.strip_prefix("종합").unwrap_or(inner);
    inner == "종합" || count.strip_suffix('보').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn label() -> impl Strategy<Value = Option<String>> {
    prop::option::of("[A-Z][A-Za-z가-힣]{0,8}( [A-Za-z0-9]{1,8}){0,3}")
        .prop_filter("not a version", |l| l.as_deref().is_none_or(|l| super::headline::parse_version(l).is_none()))
}

#[derive(Debug, Clone)]
struct HeadlineCase {
    text: String,
    version: Version,
    label: Option<String>,
    written: String,
}

fn headline() -> impl Strategy<Value = HeadlineCase> {
    let style = (any::<bool>(), any::<bool>(), any::<bool>());
    (words(), version(), label(), style).prop_map(|(text, (tag, version), label, (label_first, square, trail))| {
        let written_label = label.as_ref().map(|l| if square { format!("[{l}]") } else { format!("({l})") });
        let trailing = tag.clone().filter(|t| trail && may_trail(t));
        let mut tags: Vec<String> = tag.filter(|_| trailing.is_none()).into_iter().chain(written_label).collect();
        if label_first {
            tags.reverse();
        }
        tags.push(text.clone());
        let mut written = tags.join(" ");
        if let Some(t) = trailing {
            written.push_str(&t);
        }
        HeadlineCase { text, version, label, written }
    })
}

const MONTHS: [&str; 12] =
    ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."];

#[derive(Debug, Clone)]
struct WireCase {
    headline: HeadlineCase,
    /// (place, month 1–12, day, agency)
    dateline: Option<DatelineCase>,
    /// `(END)` or one of the other agencies' end lines.
    end: &'static str,
    attn: Option<String>,
    paragraphs: Vec<String>,
    emails: Vec<String>,
    related: Vec<HeadlineCase>,
    tags: Option<Vec<String>>,
}

/// A dateline as generated: English or Yonhap Korean.
#[derive(Debug, Clone)]
enum DatelineCase {
    /// (place, month 1–12, day, agency)
    English(String, usize, u8, String),
    /// (place, agency, reporters, their title)
    Korean(String, String, Vec<String>, &'static str),
}

impl DatelineCase {
    /// The dateline written before the first paragraph, and the text it is shown as.
    fn written(&self) -> (String, String) {
        match self {
            DatelineCase::English(place, m, d, agency) => {
                let text = format!("{place}, {} {d} ({agency})", MONTHS[m - 1]);
                (format!("{text} -- "), text)
            }
            DatelineCase::Korean(place, agency, names, _) if names.is_empty() => {
                let text = format!("({place}={agency})");
                (format!("{text} = "), text)
            }
            DatelineCase::Korean(place, agency, names, title) => {
                let text = format!("({place}={agency}) {} {title}", names.join(" "));
                (format!("{text} = "), text)
            }
        }
    }
}

fn dateline_case() -> impl Strategy<Value = DatelineCase> {
    let english = ("[A-Z][A-Z. ]{0,12}[A-Z]", 1usize..=12, 1u8..=28, "[A-Z][A-Za-z]{1,10}")
        .prop_map(|(p, m, d, a)| DatelineCase::English(p, m, d, a));
    let names = prop::collection::vec("[가-힣]{2,4}", 0..3);
    let title = prop::sample::select(vec!["기자", "특파원", "선임기자"]);
    let korean = ("[가-힣]{1,6}", "[가-힣][가-힣0-9]{0,5}", names, title)
        .prop_map(|(p, a, n, t)| DatelineCase::Korean(p, a, n, t));
    prop_oneof![english, korean]
}

fn wire_case() -> impl Strategy<Value = WireCase> {
    let dateline = prop::option::of(dateline_case());
    let end = prop::sample::select(vec!["(END)", "(끝)", "（完）"]);
    let attn = prop::option::of("[A-Za-z0-9][A-Za-z0-9 ,-]{0,20}[A-Za-z0-9]");
    let emails = prop::collection::vec("[a-z][a-z0-9.]{0,8}@[a-z]{1,8}\\.(kr|com|co\\.kr)", 0..3);
    let tags = prop::option::of(prop::collection::vec("[a-z가-힣][a-z가-힣 ]{0,8}[a-z]", 1..3).prop_map(dedup));
    (
        headline(),
        dateline,
        attn,
        prop::collection::vec(paragraph(), 1..5),
        emails,
        prop::collection::vec(headline(), 0..4),
        (tags, end),
    )
        .prop_map(|(headline, dateline, attn, paragraphs, emails, related, (tags, end))| WireCase {
            headline,
            dateline,
            end,
            attn,
            paragraphs,
            emails,
            related,
            tags,
        })
}

/// How a case is written out: line ends, blank lines, BOM, trailing newline.
#[derive(Debug, Clone)]
struct Layout {
    bom: bool,
    ends: Vec<u8>,
    blanks: Vec<u8>,
    final_newline: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    (any::<bool>(), prop::collection::vec(0u8..3, 64), prop::collection::vec(0u8..6, 64), any::<bool>())
        .prop_map(|(bom, ends, blanks, final_newline)| Layout { bom, ends, blanks, final_newline })
}

impl Layout {
    /// Joins `lines`, adding blank lines before those marked `true`; returns the text and the
    /// 1-based file line of every given line.
    fn write(&self, lines: &[(String, bool)]) -> (String, Vec<usize>) {
        let mut out = String::from(if self.bom { "\u{feff}" } else { "" });
        let mut numbers = Vec::new();
        for (i, (line, blank_before)) in lines.iter().enumerate() {
            if *blank_before {
                for b in 0..self.blanks[i % self.blanks.len()] / 2 {
                    out.push_str(if b % 2 == 0 { "" } else { " \t " });
                    self.end_line(&mut out, i + b as usize);
                }
            }
            out.push_str(line);
            numbers.push(out.matches('\n').count() + out.matches('\r').count() - out.matches("\r\n").count() + 1);
            if i + 1 < lines.len() || self.final_newline {
                self.end_line(&mut out, i);
            }
        }
        (out, numbers)
    }

    /// Ends a line with `\n`, `\r\n` or a lone `\r`; a `\n` right after a lone `\r` would join
    /// them into one line end, so it becomes `\r\n` there.
    fn end_line(&self, out: &mut String, i: usize) {
        let end = ["\n", "\r\n", "\r"][self.ends[i % self.ends.len()] as usize];
        out.push_str(if end == "\n" && out.ends_with('\r') { "\r\n" } else { end });
    }
}

impl WireCase {
    fn lines(&self) -> Vec<(String, bool)> {
        let mut lines = Vec::new();
        if let Some(tags) = &self.tags {
            let list: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
            lines.extend([("+++".to_string(), false), (format!("tags = [{}]", list.join(", ")), false)]);
            lines.push(("+++".to_string(), false));
        }
        lines.push((self.headline.written.clone(), true));
        lines.extend(self.attn.iter().map(|a| (format!("(ATTN: {a})"), true)));
        for (i, p) in self.paragraphs.iter().enumerate() {
            let p = match (&self.dateline, i) {
                (Some(dl), 0) => dl.written().0 + p,
                _ => p.clone(),
            };
            lines.push((p, true));
        }
        if !self.emails.is_empty() {
            lines.push((self.emails.join(", "), true));
        }
        lines.push((self.end.to_string(), false));
        for r in &self.related {
            lines.push(("-".to_string(), true));
            lines.push((r.written.clone(), false));
        }
        lines
    }

    fn path(&self) -> String {
        let (m, d) = match &self.dateline {
            Some(DatelineCase::English(_, m, d, _)) => (*m, *d),
            _ => (11, 12),
        };
        format!("politics/2024/{m:02}/{d:02}/x.txt")
    }
}

/// Drops tags that repeat an earlier one in another case, as the parser does.
fn dedup(tags: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    tags.into_iter().filter(|t| seen.insert(t.to_lowercase())).collect()
}

/// Undoes the HTML escaping of wire paragraphs.
fn unescape(html: &str) -> String {
    crate::text::decode_entities(html)
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn wire_story_round_trips(case in wire_case(), layout in layout()) {
        let lines = case.lines();
        let (text, numbers) = layout.write(&lines);
        let story = parse_story(Path::new(&case.path()), &text, &opts())
            .unwrap_or_else(|e| panic!("{e:?}\n{text:?}"));
        let h = &story.headline;
        prop_assert_eq!((&h.text, h.version), (&case.headline.text, case.headline.version));
        prop_assert_eq!(&h.labels, &case.headline.label.iter().cloned().collect::<Vec<_>>());
        let fm_lines = if case.tags.is_some() { 3 } else { 0 };
        prop_assert_eq!(story.headline_line, numbers[fm_lines]);
        match (&story.dateline, &case.dateline) {
            (Some(dl), Some(want)) => {
                prop_assert_eq!(&dl.text, &want.written().1);
                let (place, agency, date, reporters) = match want {
                    DatelineCase::English(place, m, d, agency) => (place, agency, Some(format!("{} {d}", MONTHS[m - 1])), &[][..]),
                    DatelineCase::Korean(place, agency, names, _) => (place, agency, None, names.as_slice()),
                };
                prop_assert_eq!(dl.place.as_deref(), Some(place.as_str()));
                prop_assert_eq!(dl.agency.as_deref(), Some(agency.as_str()));
                prop_assert_eq!(&dl.date, &date);
                prop_assert_eq!(&dl.reporters, reporters);
                prop_assert_eq!(&story.authors, reporters);
            }
            (None, None) => {}
            (got, want) => prop_assert!(false, "dateline {:?}, want {:?}", got, want),
        }
        let paragraphs: Vec<String> = story
            .body
            .html()
            .strip_suffix("</p>\n")
            .map(|b| b.split("</p>\n").map(|p| unescape(p.strip_prefix("<p>").unwrap())).collect())
            .unwrap_or_default();
        prop_assert_eq!(&paragraphs, &case.paragraphs);
        prop_assert_eq!(&story.summary, &case.paragraphs[0]);
        prop_assert_eq!(&story.attn, &case.attn.iter().cloned().collect::<Vec<_>>());
        prop_assert_eq!(&story.emails, &case.emails);
        let related: Vec<&str> = case.related.iter().map(|r| r.written.as_str()).collect();
        prop_assert_eq!(&story.related, &related);
        let related_lines: Vec<usize> = (0..case.related.len()).map(|i| numbers[numbers.len() - 1 - 2 * (case.related.len() - 1 - i)]).collect();
        prop_assert_eq!(&story.related_lines, &related_lines);
        prop_assert_eq!(&story.tags, &case.tags.clone().unwrap_or_default());
        // The related headlines read back with their own tags.
        for (r, want) in story.related.iter().zip(&case.related) {
            let h = split_tags(r);
            prop_assert_eq!((&h.text, h.version), (&want.text, want.version));
        }
    }
}

// ---- front matter round trip ----

#[derive(Debug, Clone)]
struct FrontCase {
    title: HeadlineCase,
    tags: Vec<String>,
    section: Option<String>,
    /// Seconds since the epoch and the offset in minutes it is written with.
    date: (i64, i32),
    yaml: bool,
    quote: Vec<bool>,
}

/// Text for a front matter value: any printable characters, quotes and backslashes included.
fn value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9가-힣é][A-Za-z0-9가-힣é <>&\"'\\\\,.:;!?#/\\[\\]{}*%@|-]{0,30}".prop_map(|s| s.trim().to_string())
}

fn front_case() -> impl Strategy<Value = FrontCase> {
    let title = (value(), version(), label()).prop_map(|(text, (tag, version), label)| {
        let label = label.map(|l| format!("({l})"));
        let written = tag.iter().chain(&label).map(|t| format!("{t} ")).collect::<String>() + &text;
        let label = label.map(|l| l[1..l.len() - 1].to_string());
        HeadlineCase { text, version, label, written }
    });
    let tags = prop::collection::vec(value(), 0..4).prop_map(dedup);
    let section = prop::option::of("[a-z가-힣][a-z0-9가-힣 &<>'-]{0,12}[a-z0-9]");
    let date = (0i64..4_000_000_000, -720i32..=840);
    (title, tags, section, date, any::<bool>(), prop::collection::vec(any::<bool>(), 8))
        .prop_map(|(title, tags, section, date, yaml, quote)| FrontCase { title, tags, section, date, yaml, quote })
}

/// A TOML string: basic (escaped) or, when it holds no `'`, literal.
fn toml_str(s: &str, literal: bool) -> String {
    if literal && !s.contains('\'') {
        format!("'{s}'")
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// A YAML scalar: double-quoted (escaped) or single-quoted (`''` for `'`).
fn yaml_str(s: &str, single: bool) -> String {
    if single {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

impl FrontCase {
    fn date_text(&self) -> String {
        let ts = jiff::Timestamp::from_second(self.date.0).unwrap();
        let offset = jiff::tz::Offset::from_seconds(self.date.1 * 60).unwrap();
        ts.display_with_offset(offset).to_string()
    }

    fn front(&self) -> String {
        let q = |i: usize| self.quote[i % self.quote.len()];
        let s = |v: &str, i: usize| if self.yaml { yaml_str(v, q(i)) } else { toml_str(v, q(i)) };
        let sep = if self.yaml { ": " } else { " = " };
        let mut lines = vec![format!("title{sep}{}", s(&self.title.written, 0))];
        let date = self.date_text();
        lines.push(match (self.yaml, q(1)) {
            (true, _) => format!("date: {date}"),
            (false, true) => format!("date = {date}"),
            (false, false) => format!("date = \"{date}\""),
        });
        let tags: Vec<String> = self.tags.iter().enumerate().map(|(i, t)| s(t, i + 2)).collect();
        if self.yaml && q(5) && !tags.is_empty() {
            lines.push("tags:".into());
            lines.extend(tags.iter().map(|t| format!("  - {t}")));
        } else {
            lines.push(format!("tags{sep}[{}]", tags.join(", ")));
        }
        if let Some(section) = &self.section {
            lines.push(format!("section{sep}{}", s(section, 6)));
        }
        lines.join("\n")
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn front_matter_round_trips(case in front_case(), layout in layout()) {
        let delim = if case.yaml { "---" } else { "+++" };
        let block = case.front();
        let mut lines: Vec<(String, bool)> = vec![(delim.to_string(), false)];
        lines.extend(block.lines().map(|l| (l.to_string(), false)));
        lines.extend([(delim.to_string(), false), ("Body text.".to_string(), true)]);
        let (text, numbers) = layout.write(&lines);
        let normalized = normalize_newlines(&text);

        let split = front_matter::split(&normalized).unwrap();
        let front = split.front.as_ref().unwrap();
        prop_assert_eq!(front.text, format!("{block}\n"));
        prop_assert_eq!(front.line, 2);
        prop_assert_eq!(split.body_line, numbers[numbers.len() - 2] + 1);
        let raw = front_matter::read(front).unwrap_or_else(|e| panic!("{e:?}\n{block}"));
        prop_assert_eq!(raw.title.as_deref(), Some(case.title.written.as_str()));
        prop_assert_eq!(&raw.tags, &case.tags);
        prop_assert_eq!(&raw.section, &case.section);

        let story = parse_story(Path::new("news/x.md"), &text, &opts()).unwrap_or_else(|e| panic!("{e:?}\n{block}"));
        let h = &story.headline;
        prop_assert_eq!((&h.text, h.version), (&case.title.text, case.title.version));
        prop_assert_eq!(&h.labels, &case.title.label.iter().cloned().collect::<Vec<_>>());
        prop_assert_eq!(story.headline_line, 2);
        prop_assert_eq!(&story.tags, &case.tags);
        prop_assert_eq!(story.section.as_deref(), Some(case.section.as_deref().unwrap_or("news")));
        prop_assert_eq!(story.date.timestamp().as_second(), case.date.0);
        prop_assert_eq!(&story.summary, "Body text.");
    }
}
