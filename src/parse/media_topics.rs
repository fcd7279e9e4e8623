//! Names of IPTC Media Topics and IPTC Subject Codes, in English, for subjects a feed item gives
//! by code alone. The table holds the top level of both vocabularies (17 topics each); a code
//! below them that the item does not name has no shipped name.

/// The English name of a Media Topic (`medtop:11000000`) or subject code (`subj:11000000`), given
/// as a QCode or as an IPTC URI.
pub fn name(code: &str) -> Option<&'static str> {
    let code = code.trim();
    let (scheme, id) = if let Some(id) = code.strip_prefix("medtop:") {
        ("medtop", id)
    } else if let Some(id) = code.strip_prefix("subj:") {
        ("subj", id)
    } else if let Some(id) = code.strip_prefix("http://cv.iptc.org/newscodes/mediatopic/") {
        ("medtop", id)
    } else if let Some(id) = code.strip_prefix("http://cv.iptc.org/newscodes/subjectcode/") {
        ("subj", id)
    } else {
        return None;
    };
    let table = if scheme == "medtop" { MEDIA_TOPICS } else { SUBJECT_CODES };
    table.iter().find(|(c, _)| *c == id.trim_end_matches('/')).map(|(_, n)| *n)
}

const MEDIA_TOPICS: &[(&str, &str)] = &[
    ("01000000", "arts, culture, entertainment and media"),
    ("02000000", "crime, law and justice"),
    ("03000000", "disaster, accident and emergency incident"),
    ("04000000", "economy, business and finance"),
    ("05000000", "education"),
    ("06000000", "environment"),
    ("07000000", "health"),
    ("08000000", "human interest"),
    ("09000000", "labour"),
    ("10000000", "lifestyle and leisure"),
    ("11000000", "politics"),
    ("12000000", "religion"),
    ("13000000", "science and technology"),
    ("14000000", "society"),
    ("15000000", "sport"),
    ("16000000", "conflict, war and peace"),
    ("17000000", "weather"),
];

const SUBJECT_CODES: &[(&str, &str)] = &[
    ("01000000", "arts, culture and entertainment"),
    ("02000000", "crime, law and justice"),
    ("03000000", "disaster and accident"),
    ("04000000", "economy, business and finance"),
    ("05000000", "education"),
    ("06000000", "environmental issue"),
    ("07000000", "health"),
    ("08000000", "human interest"),
    ("09000000", "labour"),
    ("10000000", "lifestyle and leisure"),
    ("11000000", "politics"),
    ("12000000", "religion and belief"),
    ("13000000", "science and technology"),
    ("14000000", "social issue"),
    ("15000000", "sport"),
    ("16000000", "unrest, conflicts and war"),
    ("17000000", "weather"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn names_table() {
        for (code, want) in [
            ("medtop:11000000", Some("politics")),
            ("http://cv.iptc.org/newscodes/mediatopic/15000000", Some("sport")),
            ("subj:16000000", Some("unrest, conflicts and war")),
            ("medtop:99999999", None),
            ("other:11000000", None),
        ] {
            assert_eq!(super::name(code), want, "{code}");
        }
    }
}
