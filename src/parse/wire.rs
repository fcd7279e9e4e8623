//! Wire stories (`.txt`): optional front matter, a headline line with its tags, a dateline lede,
//! body paragraphs one per line, `(ATTN: …)` notes, reporter e-mail lines, an end line, then
//! related headlines each after a line holding only `-`.
//!
//! Four agencies' conventions are read (each table-tested below):
//! - English (Yonhap, AP): `SEOUL, Nov. 12 (Yonhap) -- lede`, ended by `(END)`;
//! - Yonhap's Korean desk: `(서울=연합뉴스) 홍길동 기자 = lede` (place, agency, reporters; also
//!   `특파원`, several reporters, or none: `(서울=연합뉴스) = lede`), ended by `(끝)`, the tail's
//!   `<저작권자(c) 연합뉴스 …>` notice dropped;
//! - Xinhua and other Chinese agencies: `新华社北京5月1日电（记者 张三）lede`, ended by `（完）`;
//! - Kyodo and Jiji in Japanese: `【東京共同】lede` (any of the end lines above ends it).
//!
//! The reporters a dateline names become the story's authors when its front matter gives none.
//! Every line is read once, and each dateline shape looks only at a bounded head of its line, so
//! parsing stays linear in the text. Wire text is always text: every paragraph is HTML-escaped,
//! nothing passes through as markup.

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
        if is_end_line(&line) {
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
                    if !lede.is_empty() {
                        out.paragraphs.push(lede);
                    }
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
            "wire story has no `(END)` line: end the body with a line holding only (END) (Korean copy: (끝), Chinese: （完）)",
        )]);
    }
    (out.related, out.related_lines) = lines
        .filter(|(_, l)| !l.is_empty() && l.chars().any(|c| c != '-') && !is_rights_notice(l))
        .map(|(n, l)| (l, n))
        .unzip();
    Ok(out)
}

/// The line that ends a wire body: `(END)`, Yonhap Korean `(끝)`, Xinhua `（完）` (either width of
/// parentheses).
fn is_end_line(line: &str) -> bool {
    let inner = line
        .strip_prefix('(')
        .and_then(|l| l.strip_suffix(')'))
        .or_else(|| line.strip_prefix('（').and_then(|l| l.strip_suffix('）')));
    matches!(inner, Some("END" | "끝" | "完"))
}

/// Yonhap's copyright line after `(끝)`: `<저작권자(c) 연합뉴스, 무단 전재-재배포 금지>`. Not a
/// related headline.
fn is_rights_notice(line: &str) -> bool {
    (line.starts_with("<저작권자") && line.ends_with('>')) || (line.starts_with("＜저작권자") && line.ends_with('＞'))
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

/// The dateline at the start of a lede line, in any of the conventions this module reads. `None`
/// when the line is not shaped as a dateline at all; an error when it is, but its date cannot be
/// read. The Korean, Chinese and Japanese shapes open with a bracket or an agency's name, which no
/// English dateline does, so they are tried first.
fn dateline(line: &str) -> Option<Result<DatelineParts, String>> {
    if let Some(parts) = korean_dateline(line).or_else(|| japanese_dateline(line)) {
        return Some(Ok(parts));
    }
    chinese_dateline(line).or_else(|| english_dateline(line))
}

/// `PLACE, Mon. D (Agency) -- lede`.
fn english_dateline(line: &str) -> Option<Result<DatelineParts, String>> {
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
    let dl = Dateline { place, date: Some(date.to_string()), agency, text: head.to_string(), reporters: Vec::new() };
    Some(Ok((dl, md, lede.trim().to_string())))
}

/// The longest place or agency name a bracketed dateline may hold, in characters: a longer
/// bracket is text, and no dateline shape looks further into its line than a few times this.
const NAME_MAX: usize = 24;

/// Yonhap's Korean dateline: `(서울=연합뉴스) 홍길동 기자 = lede`, `(세종=연합뉴스) 홍길동 김철수
/// 기자 =`, `(워싱턴=연합뉴스) 홍길동 특파원 =`, `(서울=연합뉴스) = lede`; the agency's name holds
/// Hangul. Without a credit ending in ` =` the text after the bracket is the lede.
fn korean_dateline(line: &str) -> Option<DatelineParts> {
    let (open, rest) = match line.chars().next()? {
        '(' => ('(', &line[1..]),
        '（' => ('（', &line['（'.len_utf8()..]),
        _ => return None,
    };
    let close = if open == '(' { ')' } else { '）' };
    let end = rest.char_indices().take(2 * NAME_MAX + 1).find(|&(_, c)| c == close)?.0;
    let (place, agency) = rest[..end].split_once('=')?;
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.chars().count() <= NAME_MAX
            && !s.contains(|c: char| c.is_whitespace() || "()（）=".contains(c))
    };
    // The agency is a Korean one (연합뉴스, 뉴스1): `(a=b) …` opens no English dateline.
    let hangul = |s: &str| s.chars().any(|c| ('가'..='힣').contains(&c));
    if !name_ok(place) || !name_ok(agency) || !hangul(agency) {
        return None;
    }
    let bracket = &line[..open.len_utf8() + end + close.len_utf8()];
    let after = line[bracket.len()..].trim_start();
    let (reporters, credit, lede) = match korean_credit(after) {
        Some((names, credit, lede)) => (names, credit, lede),
        None => (Vec::new(), "", after),
    };
    let text = if credit.is_empty() { bracket.to_string() } else { format!("{bracket} {credit}") };
    let dl = Dateline { place: Some(place.to_string()), date: None, agency: Some(agency.to_string()), text, reporters };
    Some((dl, None, lede.trim().to_string()))
}

/// A reporter's title in a Korean credit (`홍길동 기자`): the word after the names.
const KOREAN_TITLES: &[&str] =
    &["기자", "특파원", "통신원", "선임기자", "전문기자", "객원기자", "인턴기자", "기상캐스터"];

/// `홍길동 기자 = lede` → (names, `홍길동 기자`, lede); `= lede` → no names. `None` when the text
/// before the first `=` is not a credit (names followed by a title, at most a few words).
fn korean_credit(after: &str) -> Option<(Vec<String>, &str, &str)> {
    if let Some(lede) = after.strip_prefix('=') {
        return Some((Vec::new(), "", lede));
    }
    let eq = after.char_indices().take(4 * NAME_MAX).find(|&(_, c)| c == '=')?.0;
    let credit = after[..eq].trim();
    let words: Vec<&str> = credit.split([' ', '·', ',', '/']).filter(|w| !w.is_empty()).collect();
    let is_title = |w: &str| KOREAN_TITLES.contains(&w);
    if words.len() < 2 || words.len() > 12 || !words.last().is_some_and(|w| is_title(w)) {
        return None;
    }
    let names: Vec<String> = words.iter().filter(|w| !is_title(w)).map(|w| w.to_string()).collect();
    if !names.iter().all(|n| is_name(n)) {
        return None;
    }
    Some((names, credit, &after[eq + 1..]))
}

/// Whether a word of a credit can be a reporter's name: short, and no ASCII punctuation (a credit
/// holding `<`, `(` or `=` is text, not a byline).
fn is_name(word: &str) -> bool {
    word.chars().count() <= 12 && !word.contains(|c: char| c.is_ascii_punctuation())
}

/// Chinese agencies whose copy opens `{agency}{place}{M}月{D}日电`.
const CHINESE_AGENCIES: &[&str] = &["新华社", "中新社", "中新网", "人民网", "新华网", "央视网", "中国日报网", "光明网"];

/// Xinhua's dateline: `新华社北京5月1日电（记者 张三、李四）lede` or `新华社北京5月1日电 lede`.
/// A dateline whose month or day is impossible is an error, as an English one's is.
fn chinese_dateline(line: &str) -> Option<Result<DatelineParts, String>> {
    let agency = CHINESE_AGENCIES.iter().find(|a| line.starts_with(*a))?;
    let rest = &line[agency.len()..];
    let head_end = rest.char_indices().take(NAME_MAX + 8).find(|&(i, _)| rest[i..].starts_with("日电"))?.0;
    let (place_month, day) = rest[..head_end].rsplit_once('月')?;
    let place = place_month.trim_end_matches(|c: char| c.is_ascii_digit());
    let month = &place_month[place.len()..];
    let digits = |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if place.is_empty() || !digits(month) || !digits(day) {
        return None;
    }
    let (m, d): (i8, i8) = (month.parse().ok()?, day.parse().ok()?);
    let date = format!("{month}月{day}日");
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Some(Err(format!("cannot read the dateline date `{date}` (expected e.g. `5月1日`)")));
    }
    let after = rest[head_end + "日电".len()..].trim_start();
    let (reporters, credit, lede) = chinese_credit(after).unwrap_or((Vec::new(), "", after));
    let dl = Dateline {
        place: Some(place.to_string()),
        date: Some(date),
        agency: Some(agency.to_string()),
        text: format!("{agency}{}{credit}", &rest[..head_end + "日电".len()]),
        reporters,
    };
    Some(Ok((dl, Some((m, d)), lede.trim().to_string())))
}

/// `（记者 张三、李四）lede` → (names, the bracket, lede).
fn chinese_credit(after: &str) -> Option<(Vec<String>, &str, &str)> {
    let close = match after.chars().next()? {
        '（' => '）',
        '(' => ')',
        _ => return None,
    };
    let end = after.char_indices().take(4 * NAME_MAX).find(|&(_, c)| c == close)?.0 + close.len_utf8();
    let inner = after[..end].trim_start_matches(['（', '(']).trim_end_matches(['）', ')']);
    let names_text = inner.trim().strip_prefix("记者")?;
    let names: Vec<String> = names_text
        .split([' ', '　', '、', '，', ','])
        .map(|w| w.strip_prefix("记者").unwrap_or(w))
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    if !names.iter().all(|n| is_name(n)) {
        return None;
    }
    Some((names, &after[..end], &after[end..]))
}

/// Japanese agencies whose copy opens `【{place}{agency}】`.
const JAPANESE_AGENCIES: &[&str] = &["共同", "時事", "聯合ニュース", "新華社"];

/// Kyodo's and Jiji's dateline: `【東京共同】lede`, `【ワシントン時事】lede`.
fn japanese_dateline(line: &str) -> Option<DatelineParts> {
    let rest = line.strip_prefix('【')?;
    let end = rest.char_indices().take(NAME_MAX + 8).find(|&(_, c)| c == '】')?.0;
    let inner = rest[..end].trim();
    let agency = JAPANESE_AGENCIES.iter().find(|a| inner.ends_with(*a))?;
    let place = inner[..inner.len() - agency.len()].trim();
    if place.is_empty() {
        return None;
    }
    let dl = Dateline {
        place: Some(place.to_string()),
        date: None,
        agency: Some(agency.to_string()),
        text: format!("【{inner}】"),
        reporters: Vec::new(),
    };
    Some((dl, None, rest[end + '】'.len_utf8()..].trim().to_string()))
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
        assert_eq!(s.body.html(), "<p>&lt;b&gt;bold&lt;/b&gt; &amp; &quot;q&quot;</p>\n");
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

    /// (lede line, place, agency, reporters, shown text, (month, day), lede)
    type DatelineCase = (
        &'static str,
        &'static str,
        &'static str,
        &'static [&'static str],
        &'static str,
        Option<(i8, i8)>,
        &'static str,
    );

    #[test]
    fn dateline_conventions_table() {
        let cases: &[DatelineCase] = &[
            (
                "(서울=연합뉴스) 홍길동 기자 = 항만청은 1일 수수료를 동결한다고 밝혔다.",
                "서울",
                "연합뉴스",
                &["홍길동"],
                "(서울=연합뉴스) 홍길동 기자",
                None,
                "항만청은 1일 수수료를 동결한다고 밝혔다.",
            ),
            (
                "(세종=연합뉴스) 홍길동 김철수 기자 = 본문",
                "세종",
                "연합뉴스",
                &["홍길동", "김철수"],
                "(세종=연합뉴스) 홍길동 김철수 기자",
                None,
                "본문",
            ),
            (
                "(서울=연합뉴스) 홍길동·김철수 기자 = 본문",
                "서울",
                "연합뉴스",
                &["홍길동", "김철수"],
                "(서울=연합뉴스) 홍길동·김철수 기자",
                None,
                "본문",
            ),
            (
                "(서울=연합뉴스) 홍길동 기자 김철수 기자 = 본문",
                "서울",
                "연합뉴스",
                &["홍길동", "김철수"],
                "(서울=연합뉴스) 홍길동 기자 김철수 기자",
                None,
                "본문",
            ),
            (
                "(서울=연합뉴스) 홍길동 특파원 = 본문",
                "서울",
                "연합뉴스",
                &["홍길동"],
                "(서울=연합뉴스) 홍길동 특파원",
                None,
                "본문",
            ),
            (
                "(워싱턴=연합뉴스) 홍길동 특파원 = 본문",
                "워싱턴",
                "연합뉴스",
                &["홍길동"],
                "(워싱턴=연합뉴스) 홍길동 특파원",
                None,
                "본문",
            ),
            ("(서울=연합뉴스) = 본문", "서울", "연합뉴스", &[], "(서울=연합뉴스)", None, "본문"),
            (
                "(서울=연합뉴스) 본문에는 기자 이름이 없다",
                "서울",
                "연합뉴스",
                &[],
                "(서울=연합뉴스)",
                None,
                "본문에는 기자 이름이 없다",
            ),
            (
                "(서울=연합뉴스) 지수가 1=2 아니다",
                "서울",
                "연합뉴스",
                &[],
                "(서울=연합뉴스)",
                None,
                "지수가 1=2 아니다",
            ),
            (
                "（부산=뉴스1） 홍길동 기자 = 본문",
                "부산",
                "뉴스1",
                &["홍길동"],
                "（부산=뉴스1） 홍길동 기자",
                None,
                "본문",
            ),
            (
                "新华社北京5月1日电（记者 张三、李四）本文",
                "北京",
                "新华社",
                &["张三", "李四"],
                "新华社北京5月1日电（记者 张三、李四）",
                Some((5, 1)),
                "本文",
            ),
            (
                "新华社北京5月1日电（记者张三）本文",
                "北京",
                "新华社",
                &["张三"],
                "新华社北京5月1日电（记者张三）",
                Some((5, 1)),
                "本文",
            ),
            ("新华社华盛顿11月12日电 本文", "华盛顿", "新华社", &[], "新华社华盛顿11月12日电", Some((11, 12)), "本文"),
            (
                "中新社上海5月1日电 (记者 王五) 本文",
                "上海",
                "中新社",
                &["王五"],
                "中新社上海5月1日电(记者 王五)",
                Some((5, 1)),
                "本文",
            ),
            (
                "新华社北京5月1日电（新华社记者）本文",
                "北京",
                "新华社",
                &[],
                "新华社北京5月1日电",
                Some((5, 1)),
                "（新华社记者）本文",
            ),
            (
                "新华社北京5月1日电（记者 <b>x</b>）本文",
                "北京",
                "新华社",
                &[],
                "新华社北京5月1日电",
                Some((5, 1)),
                "（记者 <b>x</b>）本文",
            ),
            (
                "(서울=연합뉴스) <b>홍</b> 기자 = 본문",
                "서울",
                "연합뉴스",
                &[],
                "(서울=연합뉴스)",
                None,
                "<b>홍</b> 기자 = 본문",
            ),
            ("【東京共同】政府は1日、発表した。", "東京", "共同", &[], "【東京共同】", None, "政府は1日、発表した。"),
            ("【ワシントン時事】本文", "ワシントン", "時事", &[], "【ワシントン時事】", None, "本文"),
            ("【ソウル聯合ニュース】本文", "ソウル", "聯合ニュース", &[], "【ソウル聯合ニュース】", None, "本文"),
            (
                "SEOUL, Nov. 12 (Yonhap) -- The talks",
                "SEOUL",
                "Yonhap",
                &[],
                "SEOUL, Nov. 12 (Yonhap)",
                Some((11, 12)),
                "The talks",
            ),
        ];
        for &(line, place, agency, reporters, text, md, lede) in cases {
            let (dl, got_md, got_lede) = dateline(line).unwrap_or_else(|| panic!("{line:?}: no dateline")).unwrap();
            assert_eq!(
                (dl.place.as_deref(), dl.agency.as_deref(), dl.text.as_str(), got_md, got_lede.as_str()),
                (Some(place), Some(agency), text, md, lede),
                "{line:?}"
            );
            assert_eq!(dl.reporters, reporters, "{line:?}");
        }
    }

    #[test]
    fn lines_that_are_not_datelines() {
        for line in [
            "(서울 연합뉴스) 본문",
            "(=연합뉴스) 본문",
            "(서울=) 본문",
            "(서울=연합 뉴스) 본문",
            "(a=b) is how the formula starts",
            "(서울=연합뉴스",
            "【共同】本文",
            "【東京】本文",
            "【東京共同 本文",
            "新华社北京电 本文",
            "新华社5月1日电 本文",
            "新华社北京五月一日电 本文",
            "新闻北京5月1日电 本文",
            "서울 연합뉴스 = 본문",
            "Plain text, no dateline",
        ] {
            assert!(dateline(line).is_none(), "{line:?}");
        }
        // Shaped as a Chinese dateline, but no such date: an error, as for English copy.
        assert!(matches!(dateline("新华社北京13月1日电 本文"), Some(Err(_))));
        assert!(matches!(dateline("新华社北京5月32日电 本文"), Some(Err(_))));
        // A long bracket is looked into only so far: a dateline is short.
        let long = format!("({}={}) 본문", "가".repeat(30), "나".repeat(30));
        assert!(dateline(&long).is_none());
    }

    const YONHAP_KOREAN: &str = "[속보] 마렌란드 항만청, 선석 수수료 2년째 동결(종합)\n\n(하버시티=연합뉴스) 홍길동 김철수 기자 = 마렌란드 항만청은 27일 선석 수수료를 내년에도 동결한다고 밝혔다.\n\n항만청은 \"물동량 회복이 먼저\"라고 설명했다.\n\nhong@yna.co.kr kim@yna.co.kr\n(끝)\n\n<저작권자(c) 연합뉴스, 무단 전재-재배포 금지>\n-\n[그래픽] 월별 물동량 추이\n";

    #[test]
    fn yonhap_korean_story_parses_into_its_parts() {
        let b = read_body(YONHAP_KOREAN, 1).unwrap();
        let (dl, line, md) = b.dateline.clone().unwrap();
        assert_eq!(
            (dl.place.as_deref(), dl.agency.as_deref(), line, md),
            (Some("하버시티"), Some("연합뉴스"), 3, None)
        );
        assert_eq!(dl.reporters, ["홍길동", "김철수"]);
        assert_eq!(
            b.paragraphs,
            [
                "마렌란드 항만청은 27일 선석 수수료를 내년에도 동결한다고 밝혔다.",
                "항만청은 \"물동량 회복이 먼저\"라고 설명했다."
            ]
        );
        assert_eq!(b.emails, ["hong@yna.co.kr", "kim@yna.co.kr"]);
        assert_eq!(b.related, ["[그래픽] 월별 물동량 추이"], "the copyright line is no related headline");
        let opts = ParseOptions::new(jiff::tz::TimeZone::UTC);
        let s = parse(Path::new("economy/2026/11/27/port.txt"), YONHAP_KOREAN, &opts).unwrap();
        assert_eq!(
            (s.headline.text.as_str(), s.headline.version),
            ("마렌란드 항만청, 선석 수수료 2년째 동결", super::super::Version::Urgent)
        );
        assert_eq!(s.authors, ["홍길동", "김철수"], "the dateline's reporters are the authors");
        assert_eq!(s.lede, "마렌란드 항만청은 27일 선석 수수료를 내년에도 동결한다고 밝혔다.");
        let with_author = format!("+++\nauthor = \"Desk\"\n+++\n{YONHAP_KOREAN}");
        let s = parse(Path::new("economy/2026/11/27/port.txt"), &with_author, &opts).unwrap();
        assert_eq!(s.authors, ["Desk"], "the front matter's author wins");
    }

    #[test]
    fn end_lines_table() {
        for (line, want) in [
            ("(END)", true),
            ("(끝)", true),
            ("（끝）", true),
            ("（完）", true),
            ("(完)", true),
            ("(end)", false),
            ("( END )", false),
            ("끝", false),
            ("(끝", false),
            ("（完)", false),
        ] {
            assert_eq!(is_end_line(line), want, "{line:?}");
        }
        let opts = ParseOptions::new(jiff::tz::TimeZone::UTC);
        let xinhua = "中国宣布新措施\n新华社北京5月1日电（记者 张三）国务院1日宣布。\n第二段。\n（完）\n";
        let s = parse(Path::new("world/2024/05/01/x.txt"), xinhua, &opts).unwrap();
        assert_eq!((s.lede.as_str(), s.authors.as_slice()), ("国务院1日宣布。", &["张三".to_string()][..]));
        let e = parse(Path::new("world/2024/05/02/x.txt"), xinhua, &opts).unwrap_err();
        assert_eq!((e[0].kind, e[0].line), (ErrorKind::Date, 2), "the Chinese dateline's date is checked");
        let kyodo = "政府、新方針を発表\n【東京共同】政府は1日、新方針を発表した。\n(END)\n";
        let s = parse(Path::new("world/2024/05/01/x.txt"), kyodo, &opts).unwrap();
        assert_eq!(s.dateline.unwrap().place.as_deref(), Some("東京"));
        let unended = "속보\n(서울=연합뉴스) = 본문\n";
        let e = read_body(unended, 1).unwrap_err();
        assert!(e[0].message.contains("(끝)"), "{}", e[0].message);
    }

    #[test]
    fn a_dateline_with_no_lede_leaves_no_empty_paragraph() {
        let b = read_body("H\n(서울=연합뉴스) 홍길동 기자 =\n첫 문단.\n(끝)\n", 1).unwrap();
        assert_eq!(b.paragraphs, ["첫 문단."]);
        assert_eq!(b.dateline.unwrap().0.reporters, ["홍길동"]);
    }

    #[test]
    fn front_matter_shifts_lines() {
        let opts = ParseOptions::new(jiff::tz::TimeZone::UTC);
        let text = "+++\ntags = [\"a\"]\n+++\nH\nSEOUL, Nov. 2 (Yonhap) -- a\n(END)\n";
        let e = parse(Path::new("world/2024/11/01/x.txt"), text, &opts).unwrap_err();
        assert_eq!(e[0].line, 5);
    }
}
