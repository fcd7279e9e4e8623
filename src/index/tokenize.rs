//! Text → index terms, the same way the search page's script turns a query into terms
//! (`templates/search.js`): fold (NFD, drop combining marks, NFC, lowercase, Arabic letter
//! variants), then split into runs by script. Hangul, Han and Kana runs give character bigrams, so
//! a Korean particle or ending never stops a match (대통령은 holds 대통 and 통령, as the query
//! 대통령 does); every other run is a word, stemmed for English, Spanish and French
//! (rust-stemmers' Snowball stemmers).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark as combining_mark_lookup;

/// What a byte says of the text: [`ASCII_WORD`] (an ASCII letter or digit), [`ASCII_SEPARATOR`]
/// (any other ASCII character), or 2 (part of a wider character).
static ASCII: [u8; 256] = {
    let mut table = [2u8; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = if (b as u8).is_ascii_alphanumeric() { ASCII_WORD } else { ASCII_SEPARATOR };
        b += 1;
    }
    table
};
const ASCII_WORD: u8 = 1;
const ASCII_SEPARATOR: u8 = 0;

/// The stemmer a site's language asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Spanish,
    French,
    /// No stemming (words are only folded).
    Other,
}

impl Language {
    /// From a language tag: `en`, `en-GB`, `es-419`, `fr-CA` … anything else is `Other`.
    pub fn from_tag(tag: &str) -> Self {
        match tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase().as_str() {
            "en" => Language::English,
            "es" => Language::Spanish,
            "fr" => Language::French,
            _ => Language::Other,
        }
    }

    /// The name the search page's script reads in `meta.json` (`null` for no stemmer).
    pub fn stemmer_name(self) -> Option<&'static str> {
        match self {
            Language::English => Some("english"),
            Language::Spanish => Some("spanish"),
            Language::French => Some("french"),
            Language::Other => None,
        }
    }
}

/// One term of a text, and the folded word it came from when stemming changed it (what the
/// tests read; the index looks words up in vocabularies of its own, from [`Tokenizer::runs`],
/// [`Tokenizer::run_words`] and [`Tokenizer::stem`]).
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub term: String,
    /// The folded surface word, when it differs from the term (an alias for clients without
    /// this stemmer).
    pub surface: Option<String>,
}

pub struct Tokenizer {
    stemmer: Option<rust_stemmers::Stemmer>,
}

impl Tokenizer {
    pub fn new(language: Language) -> Self {
        use rust_stemmers::{Algorithm, Stemmer};
        let stemmer = match language {
            Language::English => Some(Stemmer::create(Algorithm::English)),
            Language::Spanish => Some(Stemmer::create(Algorithm::Spanish)),
            Language::French => Some(Stemmer::create(Algorithm::French)),
            Language::Other => None,
        };
        Tokenizer { stemmer }
    }

    /// Every term of `text`, in order (repeats included).
    #[cfg(test)]
    pub fn terms(&self, text: &str) -> Vec<Term> {
        let mut out = Vec::new();
        self.runs(text, &mut |raw| {
            self.run_words(raw, &mut |word, kind| {
                let stem = match kind {
                    Kind::Stemmed => self.stem(word),
                    Kind::Plain => None,
                };
                out.push(match stem {
                    Some(stem) => Term { term: stem, surface: Some(word.to_string()) },
                    None => Term { term: word.to_string(), surface: None },
                });
            })
        });
        out
    }

    /// The stem of a folded word that [`Tokenizer::run_words`] gave as [`Kind::Stemmed`], when it
    /// differs from the word.
    pub fn stem(&self, word: &str) -> Option<String> {
        let stem = self.stemmer.as_ref()?.stem(word);
        (stem != word).then(|| stem.into_owned())
    }

    /// Calls `f(run)` for every run of `text` as written: letters and digits of one class
    /// (a word, or Hangul, Han, Hiragana or Katakana), combining marks with their letter. A run's
    /// words are [`Tokenizer::run_words`] of it alone.
    pub fn runs(&self, text: &str, f: &mut dyn FnMut(&str)) {
        let bytes = text.as_bytes();
        let mut i = 0;
        // ASCII text, the common case, a run at a time: separators skipped, then a word taken
        // whole when an ASCII separator or the end follows it. Anything else goes to `wide` from
        // where it starts, which hands back at the next ASCII separator.
        while i < bytes.len() {
            i += bytes[i..].iter().take_while(|&&b| ASCII[b as usize] == ASCII_SEPARATOR).count();
            let Some(&b) = bytes.get(i) else { break };
            if ASCII[b as usize] == ASCII_WORD {
                let end = i + bytes[i..].iter().take_while(|&&b| ASCII[b as usize] == ASCII_WORD).count();
                if bytes.get(end).is_none_or(|&b| ASCII[b as usize] == ASCII_SEPARATOR) {
                    f(&text[i..end]);
                    i = end;
                    continue;
                }
            }
            i = self.wide(text, i, f);
        }
    }

    /// [`Tokenizer::runs`] from `i` (where a run starts) with every character classed: runs to
    /// the next ASCII separator outside a run (or the end), and says where that is.
    fn wide(&self, text: &str, mut i: usize, f: &mut dyn FnMut(&str)) -> usize {
        let bytes = text.as_bytes();
        let mut start = None;
        let mut class = Class::Separator;
        loop {
            // ASCII letters inside a word change nothing: skipped without the step below.
            if class == Class::Word {
                i += bytes[i..].iter().take_while(|&&b| ASCII[b as usize] == ASCII_WORD).count();
            }
            let (next, len) = match bytes.get(i) {
                None => (Class::Separator, 0),
                Some(&b) if b < 0x80 => (if b.is_ascii_alphanumeric() { Class::Word } else { Class::Separator }, 1),
                Some(_) => {
                    let c = text[i..].chars().next().expect("a character starts here");
                    // Scripts indexed as bigrams are told by their code point ranges alone,
                    // before the (slower) combining-mark lookup.
                    let next = match class_of(c) {
                        k @ Class::Bigram(_) => k,
                        _ if class != Class::Separator && is_combining_mark(c) => class,
                        k => k,
                    };
                    (next, c.len_utf8())
                }
            };
            if next != class || next == Class::Separator {
                if let Some(s) = start.take() {
                    f(&text[s..i]);
                }
                if next != Class::Separator {
                    start = Some(i);
                }
            }
            // Outside a run at an ASCII separator (or the end): what `runs` skips by itself.
            if next == Class::Separator && len <= 1 {
                return i + len;
            }
            class = next;
            i += len;
        }
    }

    /// The words of one run as written ([`Tokenizer::runs`]): folded, then split again (folding
    /// may join or split letters, rarely), then bigrams or words.
    pub fn run_words(&self, raw: &str, f: &mut dyn FnMut(&str, Kind)) {
        if raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return self.emit(raw, Class::Word, f); // the common case: nothing to fold
        }
        // Hangul syllables and unified Han ideographs fold to themselves (no case, no marks, no
        // canonical decomposition that NFC does not undo): most Korean and Chinese text. `runs`
        // splits runs where the class changes, so such a run is all Hangul or all Han.
        if raw.chars().all(|c| matches!(c as u32, 0xAC00..=0xD7A3 | 0x4E00..=0x9FFF | 0x3400..=0x4DBF)) {
            return self.emit(raw, raw.chars().next().map_or(Class::Separator, class_of), f);
        }
        if raw.is_ascii() {
            // Letters and digits only (`runs` split the text on everything else): lowercase is
            // the whole fold.
            return self.emit(&raw.to_ascii_lowercase(), Class::Word, f);
        }
        let folded = fold(raw);
        let mut class = Class::Separator;
        let mut start = 0;
        for (i, c) in folded.char_indices().chain(std::iter::once((folded.len(), ' '))) {
            let next = class_of(c);
            if next != class || next == Class::Separator {
                self.emit(&folded[start..i], class, f);
                start = i + if next == Class::Separator { c.len_utf8() } else { 0 };
            }
            class = next;
        }
    }

    fn emit(&self, run: &str, class: Class, f: &mut dyn FnMut(&str, Kind)) {
        match class {
            Class::Separator => {}
            Class::Bigram(_) => {
                // Each pair of neighbouring characters; a run of one character is itself.
                let mut starts = run.char_indices().map(|(i, _)| i).chain(std::iter::once(run.len()));
                let (Some(a), Some(b)) = (starts.next(), starts.next()) else { return };
                let Some(c) = starts.next() else { return f(&run[a..b], Kind::Plain) };
                f(&run[a..c], Kind::Plain);
                let (mut p, mut q) = (b, c);
                for r in starts {
                    f(&run[p..r], Kind::Plain);
                    (p, q) = (q, r);
                }
            }
            Class::Word => {
                let mut chars = run.chars();
                if chars.next().is_some() && chars.next().is_none() && !run.as_bytes()[0].is_ascii_digit() {
                    return;
                }
                match self.stemmer.is_some() && !run.bytes().any(|b| b.is_ascii_digit()) {
                    true => f(run, Kind::Stemmed),
                    false => f(run, Kind::Plain),
                }
            }
        }
    }
}

/// What [`Tokenizer::run_words`] says of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A term as it is: a bigram, a word with a digit, or any word when the language has no
    /// stemmer.
    Plain,
    /// A word whose term is its stem ([`Tokenizer::stem`]).
    Stemmed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Separator,
    /// Hangul, Han, Hiragana and Katakana (each a class of its own, as the script's Unicode script
    /// properties make them): indexed as character bigrams.
    Bigram(Script),
    Word,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Hangul,
    Han,
    Hiragana,
    Katakana,
}

/// What the tokeniser asks of a character besides its script, for every character of the Basic
/// Multilingual Plane, worked out once: bit 0 alphanumeric, bit 1 a combining mark. The standard
/// library's and unicode-normalization's lookups are binary searches that showed in profiles of
/// Arabic, Cyrillic and accented text; outside the plane they are asked directly.
fn char_bits() -> &'static [u8] {
    static BITS: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BITS.get_or_init(|| {
        (0..=0xFFFFu32)
            .map(|u| {
                char::from_u32(u)
                    .map_or(0, |c| u8::from(c.is_alphanumeric()) | (u8::from(combining_mark_lookup(c)) << 1))
            })
            .collect()
    })
}

fn is_alphanumeric(c: char) -> bool {
    match char_bits().get(c as usize) {
        Some(b) => b & 1 != 0,
        None => c.is_alphanumeric(),
    }
}

fn is_combining_mark(c: char) -> bool {
    match char_bits().get(c as usize) {
        Some(b) => b & 2 != 0,
        None => combining_mark_lookup(c),
    }
}

fn class_of(c: char) -> Class {
    let script = match c as u32 {
        0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3130..=0x318F => Script::Hangul,
        0x3041..=0x3096 | 0x309D..=0x309F => Script::Hiragana,
        0x30A1..=0x30FA | 0x30FD..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF6F | 0xFF71..=0xFF9D => Script::Katakana,
        0x3005 | 0x3007 | 0x3021..=0x3029 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => {
            Script::Han
        }
        _ if is_alphanumeric(c) => return Class::Word,
        _ => return Class::Separator,
    };
    Class::Bigram(script)
}

/// Case and diacritic folding: NFD, combining marks dropped, NFC (Hangul syllables whole again),
/// lowercase; Arabic tatweel dropped and letter variants unified (أ إ آ ٱ → ا, ى → ي, ة → ه).
pub fn fold(text: &str) -> String {
    // Every combining mark goes, kana voicing marks too (が folds to か), exactly as the script's
    // `normalize('NFD').replace(/\p{M}/gu, '')` does: query and index must fold alike.
    let stripped: String = text.nfd().filter(|&c| !is_combining_mark(c)).nfc().collect();
    stripped
        .to_lowercase()
        .chars()
        .filter(|&c| c != '\u{0640}')
        .map(|c| match c {
            '\u{0623}' | '\u{0625}' | '\u{0622}' | '\u{0671}' => '\u{0627}',
            '\u{0649}' => '\u{064A}',
            '\u{0629}' => '\u{0647}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(language: Language, text: &str) -> Vec<String> {
        Tokenizer::new(language).terms(text).into_iter().map(|t| t.term).collect()
    }

    #[test]
    fn tokenizer_table() {
        let cases: &[(Language, &str, &[&str])] = &[
            (Language::English, "Ferries RUNNING late", &["ferri", "run", "late"]),
            (Language::English, "Café déjà vu", &["cafe", "deja", "vu"]),
            (Language::English, "Rate at 3.25% in 2024", &["rate", "at", "3", "25", "in", "2024"]),
            (Language::English, "a I x", &[]),
            (Language::Other, "Ferries", &["ferries"]),
            (Language::Spanish, "Las elecciones", &["las", "eleccion"]),
            (Language::French, "Les élections", &["le", "elect"]),
            (Language::English, "대통령은", &["대통", "통령", "령은"]),
            (Language::English, "대통령", &["대통", "통령"]),
            (Language::English, "북 미사일", &["북", "미사", "사일"]),
            (Language::English, "東京都", &["東京", "京都"]),
            (Language::English, "ひらがな", &["ひら", "らか", "かな"]),
            (Language::English, "東京タワー", &["東京", "タワ"]),
            (Language::English, "Seoul서울", &["seoul", "서울"]),
            (Language::Other, "أحمد إلى مدرسة", &["احمد", "الي", "مدرسه"]),
            (Language::English, "<img src=x onerror=alert(1)>", &["img", "src", "onerror", "alert", "1"]),
        ];
        for (language, text, want) in cases {
            assert_eq!(terms(*language, text), *want, "{text:?}");
        }
    }

    /// The runs as the plain character-by-character definition gives them: a run is letters and
    /// digits of one class, a combining mark staying with the letter before it.
    fn reference_runs(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut start = None;
        let mut class = Class::Separator;
        for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
            let next = match class_of(c) {
                k @ Class::Bigram(_) => k,
                _ if class != Class::Separator && is_combining_mark(c) => class,
                k => k,
            };
            if next != class || next == Class::Separator {
                if let Some(s) = start.take() {
                    out.push(text[s..i].to_string());
                }
                if next != Class::Separator {
                    start = Some(i);
                }
            }
            class = next;
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, failure_persistence: None, ..Default::default() })]
        /// `runs`' ASCII shortcuts give the runs of the definition, on text mixing every class.
        #[test]
        fn runs_are_the_definitions(text in "[a-zA-Z0-9 .,'&<>\\-\u{301}\u{308}éÅß대통령은東京ひらがなタワーأحمد—🙂\n]{0,40}") {
            let mut runs = Vec::new();
            Tokenizer::new(Language::English).runs(&text, &mut |r| runs.push(r.to_string()));
            proptest::prop_assert_eq!(runs, reference_runs(&text));
        }
    }

    #[test]
    fn a_korean_noun_is_found_with_its_particles() {
        let query = terms(Language::English, "대통령");
        for text in ["대통령은 말했다", "대통령이 왔다", "대통령의 연설"] {
            let doc = terms(Language::English, text);
            assert!(query.iter().all(|q| doc.contains(q)), "{text}: {doc:?}");
        }
    }

    #[test]
    fn stemmed_words_keep_their_surface_form() {
        let t = Tokenizer::new(Language::English).terms("ferries ferry");
        assert_eq!(t[0], Term { term: "ferri".into(), surface: Some("ferries".into()) });
        assert_eq!(t[1], Term { term: "ferri".into(), surface: Some("ferry".into()) });
    }

    /// The search page's script ships its own English stemmer (`templates/search.js`); its table
    /// of words and stems (`tests/browser/stem-table.tsv`, which `tests/browser/stem.js` checks the
    /// script against) must be what rust-stemmers gives, or queries and index would disagree.
    #[test]
    fn the_scripts_stem_table_is_rust_stemmers_english() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/stem-table.tsv");
        let table = std::fs::read_to_string(&path).unwrap();
        let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
        let mut checked = 0;
        for line in table.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let (word, stem) = line.split_once('\t').unwrap_or_else(|| panic!("bad line {line:?}"));
            assert_eq!(stemmer.stem(word), stem, "{word}");
            checked += 1;
        }
        assert!(checked > 100, "only {checked} pairs");
    }

    /// The tables agree with the lookups they stand for, on every character.
    #[test]
    fn character_tables_agree_with_the_lookups() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "U+{:04X}", c as u32);
            assert_eq!(is_combining_mark(c), combining_mark_lookup(c), "U+{:04X}", c as u32);
        }
    }

    /// What lets `run_words` skip folding for Hangul syllables and unified Han: each folds to itself.
    #[test]
    fn hangul_syllables_and_unified_han_fold_to_themselves() {
        let ranges = [0xAC00..=0xD7A3u32, 0x4E00..=0x9FFF, 0x3400..=0x4DBF];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            let s = c.to_string();
            assert_eq!(fold(&s), s, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn language_tags() {
        for (tag, want) in [
            ("en", Language::English),
            ("en-GB", Language::English),
            ("es-419", Language::Spanish),
            ("fr_CA", Language::French),
            ("ko", Language::Other),
        ] {
            assert_eq!(Language::from_tag(tag), want, "{tag}");
        }
    }
}
