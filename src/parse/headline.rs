//! A headline line → its text and its leading tags: the version tag (`(URGENT)`, `(LEAD)`,
//! `(2nd LD)` …) and labels (`(News Focus)`, `(EDITORIAL from …)`).

use serde::Serialize;

/// Where a version stands in a story's sequence: URGENT < untagged < LEAD < 2nd LD < 3rd LD …
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Version {
    Urgent,
    Plain,
    Lead,
    /// `(Nth LD)`, N ≥ 2.
    Update(u32),
}

impl Version {
    /// A number that sorts versions: URGENT 0, untagged 1, LEAD 2, 2nd LD 3, 3rd LD 4 …
    pub fn rank(self) -> u32 {
        match self {
            Version::Urgent => 0,
            Version::Plain => 1,
            Version::Lead => 2,
            Version::Update(n) => n.saturating_add(1),
        }
    }

    /// The tag as an editor writes it, or `None` for an untagged version.
    pub fn tag(self) -> Option<String> {
        match self {
            Version::Urgent => Some("URGENT".into()),
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub text: String,
    pub version: Version,
    pub labels: Vec<String>,
}

/// Reads a version tag's inside: `URGENT`, `LEAD`, `2nd LD`, `3rd LD` … (case-insensitive), and
/// the Korean wire's `속보` (breaking: URGENT), `종합` (the full story rewritten: LEAD), `종합2보`
/// and `2보` (its second version: 2nd LD, and so on).
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

/// `종합` → LEAD, `종합N보` and `N보` → Nth LD (N ≥ 2; `종합1보` is the LEAD, `1보` the first report).
fn korean_version(t: &str) -> Option<Version> {
    if t == "종합" {
        return Some(Version::Lead);
    }
    let n: u32 = t.strip_prefix("종합").unwrap_or(t).strip_suffix('보')?.parse().ok()?;
    match n {
        0 => None,
        1 if t.starts_with("종합") => Some(Version::Lead),
        1 => Some(Version::Plain),
        n => Some(Version::Update(n)),
    }
}

/// Splits the leading `(…)` tags off a headline, a leading `[속보]`, and a trailing Korean version
/// tag (`…발사(종합2보)`, where the Korean wire puts it). A headline that is nothing but tags keeps
/// them as text.
pub fn split_tags(line: &str) -> Headline {
    let mut rest = line.trim();
    let mut version = Version::Plain;
    let mut labels = Vec::new();
    if let Some(after) = rest.strip_prefix("[속보]").map(str::trim_start).filter(|a| !a.is_empty()) {
        version = Version::Urgent;
        rest = after;
    }
    if let Some(open) = rest.strip_suffix(')').and_then(|r| r.rfind('('))
        && let Some(v) = korean_version(&rest[open + 1..rest.len() - 1])
        && !rest[..open].trim().is_empty()
    {
        if version == Version::Plain {
            version = v;
        }
        rest = rest[..open].trim_end();
    }
    while let Some(inner_end) = rest.strip_prefix('(').and_then(|r| r.find(')')) {
        let inner = &rest[1..=inner_end];
        let after = rest[inner_end + 2..].trim_start();
        if after.is_empty() || inner.trim().is_empty() {
            break;
        }
        match parse_version(inner) {
            Some(v) if version == Version::Plain => version = v,
            Some(_) => {} // a second version tag adds nothing
            None => labels.push(inner.trim().to_string()),
        }
        rest = after;
    }
    Headline { text: rest.to_string(), version, labels }
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
            ("2보", Some(Version::Update(2))),
            ("3보", Some(Version::Update(3))),
            ("1보", Some(Version::Plain)),
            ("0보", None),
            ("보", None),
            ("종합x보", None),
        ];
        for (tag, want) in cases {
            assert_eq!(parse_version(tag), want, "{tag:?}");
        }
    }

    #[test]
    fn ranks_order_versions() {
        let order = [
            Version::Urgent,
            Version::Plain,
            Version::Lead,
            Version::Update(2),
            Version::Update(3),
            Version::Update(10),
        ];
        for w in order.windows(2) {
            assert!(w[0].rank() < w[1].rank(), "{w:?}");
            assert!(w[0] < w[1]);
        }
        assert_eq!(Version::Update(2).tag().as_deref(), Some("2nd LD"));
    }

    #[test]
    fn split_tags_table() {
        let cases: [(&str, &str, Version, &[&str]); 12] = [
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
            ("합참 \"북, 탄도미사일 발사\"(2보)", "합참 \"북, 탄도미사일 발사\"", Version::Update(2), &[]),
            ("Parliament passes bill (2024)", "Parliament passes bill (2024)", Version::Plain, &[]),
        ];
        for (line, text, version, labels) in cases {
            let h = split_tags(line);
            assert_eq!((h.text.as_str(), h.version), (text, version), "{line:?}");
            assert_eq!(h.labels, labels, "{line:?}");
        }
    }
}
