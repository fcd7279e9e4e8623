//! A headline line → its text and its tags: the version tag (`(URGENT)`, `(LEAD)`, `(2nd LD)` …;
//! Korean `[속보]`, `(종합)`, `(종합2보)`, `(2보)`) and labels (`(News Focus)`, `(EDITORIAL from …)`,
//! Korean `[그래픽]`, `[르포]` …). Tags lead the headline, in `(…)` or `[…]`; a Korean version tag
//! may also end it (`…발사(종합2보)`), where Yonhap puts it.

use serde::{Deserialize, Serialize};

/// Where a version stands in a story's sequence, in the order versions sort (the derived `Ord`):
/// URGENT < 1보 < 2보 < … < untagged < LEAD < 2nd LD < 3rd LD …
///
/// Yonhap's Korean desk files `[속보]` (the flash), then `(2보)`, `(3보)` (bulletins: the flash
/// with a paragraph or two more), then `(종합)` (the full story rewritten), then `(종합2보)`,
/// `(종합3보)` … So `N보` ranks after the flash and before the full story: `(2보)` is not
/// `(종합2보)`, and a chain holding both keeps the bulletin first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Version {
    Urgent,
    /// Korean `(N보)`, N ≥ 1: the Nth bulletin of a breaking story.
    Bulletin(u32),
    Plain,
    Lead,
    /// `(Nth LD)` or Korean `(종합N보)`, N ≥ 2.
    Update(u32),
}

impl Version {
    /// The tag as an editor writes it, or `None` for an untagged version. Korean tags that have
    /// an English one are shown as it (`종합` as `LEAD`, `종합2보` as `2nd LD`); a bulletin keeps
    /// its Korean tag (`2보`), which has none.
    pub fn tag(self) -> Option<String> {
        match self {
            Version::Urgent => Some("URGENT".into()),
            Version::Bulletin(n) => Some(format!("{n}보")),
            Version::Plain => None,
            Version::Lead => Some("LEAD".into()),
            Version::Update(n) => Some(format!("{n}{} LD", ordinal_suffix(n))),
        }
    }
}

fn ordinal_suffix(n: u32) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// A headline with its tags taken off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headline {
    pub text: String,
    pub version: Version,
    pub labels: Vec<String>,
}

/// Reads a version tag's inside: `URGENT`, `LEAD`, `2nd LD`, `3rd LD` … (case-insensitive), and
/// the Korean wire's `속보` (breaking: URGENT), `종합` (the full story rewritten: LEAD), `종합2보`
/// (its second rewrite: 2nd LD, and so on) and `2보` (the second bulletin after the flash).
pub fn parse_version(tag: &str) -> Option<Version> {
    let t = tag.trim();
    if t.eq_ignore_ascii_case("URGENT") || t.eq_ignore_ascii_case("FLASH") || t == "속보" {
        return Some(Version::Urgent);
    }
    if let Some(v) = korean_version(t) {
        return Some(v);
    }
    if t.eq_ignore_ascii_case("LEAD") {
        return Some(Version::Lead);
    }
    let (num, rest) = t.split_once(' ')?;
    if !rest.trim().eq_ignore_ascii_case("LD") {
        return None;
    }
    let digits = num.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &num[digits.len()..];
    let n: u32 = digits.parse().ok()?;
    let suffix_ok = suffix.is_empty() || suffix.eq_ignore_ascii_case(ordinal_suffix(n));
    (n >= 1 && suffix_ok).then_some(if n == 1 { Version::Lead } else { Version::Update(n) })
}

/// `종합` → LEAD, `종합N보` → Nth LD (N ≥ 2; `종합1보` is the LEAD), `N보` → the Nth bulletin.
fn korean_version(t: &str) -> Option<Version> {
    if t == "종합" {
        return Some(Version::Lead);
    }
    let (full, count) = match t.strip_prefix("종합") {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let digits = count.strip_suffix('보')?;
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    match (full, n) {
        (_, 0) => None,
        (true, 1) => Some(Version::Lead),
        (true, n) => Some(Version::Update(n)),
        (false, n) => Some(Version::Bulletin(n)),
    }
}

/// Splits the tags off a headline: leading `(…)` and `[…]` tags (the first version tag among them
/// sets the version, the others are labels), then a trailing Korean version tag (`…(종합2보)`). A
/// headline that is nothing but tags keeps them as text.
pub fn split_tags(line: &str) -> Headline {
    let mut rest = line.trim();
    let mut version = Version::Plain;
    let mut labels = Vec::new();
    while let Some((inner, after)) = leading_tag(rest) {
        match parse_version(inner) {
            Some(v) if version == Version::Plain => version = v,
            Some(_) => {} // a second version tag adds nothing
            None => labels.push(inner.trim().to_string()),
        }
        rest = after;
    }
    if let Some(open) = rest.strip_suffix(')').and_then(|r| r.rfind('('))
        && let Some(v) = korean_version(rest[open + 1..rest.len() - 1].trim())
        && !rest[..open].trim().is_empty()
    {
        if version == Version::Plain {
            version = v;
        }
        rest = rest[..open].trim_end();
    }
    Headline { text: rest.to_string(), version, labels }
}

/// A leading `(tag)` or `[tag]` and the text after it, when there is text after it.
fn leading_tag(text: &str) -> Option<(&str, &str)> {
    let close = match text.chars().next()? {
        '(' => ')',
        '[' => ']',
        _ => return None,
    };
    let end = text.find(close)?;
    let inner = &text[1..end];
    let after = text[end + 1..].trim_start();
    (!after.is_empty() && !inner.trim().is_empty()).then_some((inner, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_table() {
        let cases = [
            ("URGENT", Some(Version::Urgent)),
            ("LEAD", Some(Version::Lead)),
            ("lead", Some(Version::Lead)),
            ("2nd LD", Some(Version::Update(2))),
            ("3rd LD", Some(Version::Update(3))),
            ("5th LD", Some(Version::Update(5))),
            ("11th LD", Some(Version::Update(11))),
            ("21st LD", Some(Version::Update(21))),
            ("2rd LD", None),
            ("News Focus", None),
            ("LD", None),
            ("속보", Some(Version::Urgent)),
            ("종합", Some(Version::Lead)),
            ("종합2보", Some(Version::Update(2))),
            ("종합1보", Some(Version::Lead)),
            ("종합3보", Some(Version::Update(3))),
            ("2보", Some(Version::Bulletin(2))),
            ("3보", Some(Version::Bulletin(3))),
            ("1보", Some(Version::Bulletin(1))),
            (" 종합 ", Some(Version::Lead)),
            ("0보", None),
            ("종합0보", None),
            ("보", None),
            ("종합x보", None),
            ("-2보", None),
            ("+2보", None),
            ("99999999999보", None),
            ("그래픽", None),
        ];
        for (tag, want) in cases {
            assert_eq!(parse_version(tag), want, "{tag:?}");
        }
    }

    #[test]
    fn versions_sort_in_the_order_a_desk_files_them() {
        // [속보] → (2보) → (3보) → untagged → (종합) → (종합2보) → (종합3보)
        let order = [
            Version::Urgent,
            Version::Bulletin(1),
            Version::Bulletin(2),
            Version::Bulletin(3),
            Version::Bulletin(10),
            Version::Plain,
            Version::Lead,
            Version::Update(2),
            Version::Update(3),
            Version::Update(10),
        ];
        for w in order.windows(2) {
            assert!(w[0] < w[1], "{w:?}");
        }
        assert_eq!(Version::Update(2).tag().as_deref(), Some("2nd LD"));
        assert_eq!(Version::Bulletin(2).tag().as_deref(), Some("2보"));
        assert!(parse_version("2보") < parse_version("종합"), "a bulletin comes before the full story");
        assert!(parse_version("종합") < parse_version("종합2보"));
    }

    #[test]
    fn split_tags_table() {
        let cases: [(&str, &str, Version, &[&str]); 28] = [
            (
                "(URGENT) Russian, Chinese warplanes enter KADIZ",
                "Russian, Chinese warplanes enter KADIZ",
                Version::Urgent,
                &[],
            ),
            ("(5th LD) Yoon, Biden agree", "Yoon, Biden agree", Version::Update(5), &[]),
            ("(News Focus) Display makers dealt blow", "Display makers dealt blow", Version::Plain, &["News Focus"]),
            ("(LEAD) (Yonhap Interview) Minister says", "Minister says", Version::Lead, &["Yonhap Interview"]),
            (
                "(EDITORIAL from Korea Herald on May 25) Time to act",
                "Time to act",
                Version::Plain,
                &["EDITORIAL from Korea Herald on May 25"],
            ),
            ("Plain headline (with a parenthesis)", "Plain headline (with a parenthesis)", Version::Plain, &[]),
            ("(LEAD)", "(LEAD)", Version::Plain, &[]),
            ("[속보] 북한, 동해상으로 탄도미사일 발사", "북한, 동해상으로 탄도미사일 발사", Version::Urgent, &[]),
            ("북한, 동해상으로 탄도미사일 발사(종합2보)", "북한, 동해상으로 탄도미사일 발사", Version::Update(2), &[]),
            ("(종합) 한미 정상 확대회담", "한미 정상 확대회담", Version::Lead, &[]),
            ("합참 \"북, 탄도미사일 발사\"(2보)", "합참 \"북, 탄도미사일 발사\"", Version::Bulletin(2), &[]),
            ("尹 \"개혁 계속\" (종합2보)", "尹 \"개혁 계속\"", Version::Update(2), &[]),
            ("항만 물동량 사상 최대(종합3보) ", "항만 물동량 사상 최대", Version::Update(3), &[]),
            ("항만 물동량 사상 최대(종합)", "항만 물동량 사상 최대", Version::Lead, &[]),
            ("항만 물동량 사상 최대(3보)", "항만 물동량 사상 최대", Version::Bulletin(3), &[]),
            ("[그래픽] 월별 수출 증감률 추이", "월별 수출 증감률 추이", Version::Plain, &["그래픽"]),
            ("[르포] 태풍 지나간 어촌 마을", "태풍 지나간 어촌 마을", Version::Plain, &["르포"]),
            ("[인터뷰] 항만청장 \"수수료 동결\"(종합)", "항만청장 \"수수료 동결\"", Version::Lead, &["인터뷰"]),
            ("[게시판] 시립도서관 야간 개관", "시립도서관 야간 개관", Version::Plain, &["게시판"]),
            ("[외환] 환율 1,380원대 마감", "환율 1,380원대 마감", Version::Plain, &["외환"]),
            ("[속보] [그래픽] 지진 발생 지점", "지진 발생 지점", Version::Urgent, &["그래픽"]),
            ("[종합] 항만 파업 타결", "항만 파업 타결", Version::Lead, &[]),
            ("[속보] 항만 파업 타결(종합)", "항만 파업 타결", Version::Urgent, &[]),
            ("[속보]", "[속보]", Version::Plain, &[]),
            ("(종합)", "(종합)", Version::Plain, &[]),
            ("[] 빈 괄호", "[] 빈 괄호", Version::Plain, &[]),
            ("항만 (종합 대책)", "항만 (종합 대책)", Version::Plain, &[]),
            ("Parliament passes bill (2024)", "Parliament passes bill (2024)", Version::Plain, &[]),
        ];
        for (line, text, version, labels) in cases {
            let h = split_tags(line);
            assert_eq!((h.text.as_str(), h.version), (text, version), "{line:?}");
            assert_eq!(h.labels, labels, "{line:?}");
        }
    }
}
