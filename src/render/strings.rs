//! UI strings: the theme's `i18n/XX.toml` files (embedded) and a site's own
//! `templates/i18n/XX.toml` → one flat table of strings per site language, which templates read as
//! `t.KEY`.
//!
//! A site file overrides the theme's keys one by one (it holds only what it changes). A language
//! the theme has no file for uses its base language's (`pt-BR` → `pt`). Any key the default
//! language has and another language lacks falls back to the default language's string, and is
//! listed by [`Strings::missing`] for `gazette check`. Values are plain text: templates escape them.

use std::collections::BTreeMap;
use std::path::Path;

use typed_index_collections::{TiSlice, TiVec};

use crate::config::{LangId, Language};
use crate::diag::{Diagnostic, line_col};

/// `(language code, text)` of the theme's string files.
pub const THEME_STRINGS: &[(&str, &str)] = &[
    ("en", include_str!("../../templates/i18n/en.toml")),
    ("ko", include_str!("../../templates/i18n/ko.toml")),
    ("zh", include_str!("../../templates/i18n/zh.toml")),
    ("ja", include_str!("../../templates/i18n/ja.toml")),
    ("ar", include_str!("../../templates/i18n/ar.toml")),
    ("es", include_str!("../../templates/i18n/es.toml")),
    ("fr", include_str!("../../templates/i18n/fr.toml")),
];

/// The folder of string files, under the theme and under a site's `templates/`.
pub const FOLDER: &str = "i18n/";

/// Whether a template name is a string file (those are not templates).
pub fn is_strings(name: &str) -> bool {
    name.starts_with(FOLDER) && name.ends_with(".toml")
}

/// Every site language's strings.
#[derive(Debug, Clone)]
pub struct Strings {
    tables: TiVec<LangId, BTreeMap<String, String>>,
    missing: Vec<(LangId, String)>,
}

impl Strings {
    /// Resolves the strings of `languages` from the theme's files and the site's own
    /// (`site_templates` as `load` read them, `dir` their folder for error locations). A site
    /// file that is not a flat table of strings is an error at its line.
    pub fn resolve(
        languages: &TiSlice<LangId, Language>,
        site_templates: &[(String, String)],
        dir: &Path,
    ) -> Result<Strings, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut site: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (name, text) in site_templates.iter().filter(|(n, _)| is_strings(n)) {
            let code = name[FOLDER.len()..name.len() - ".toml".len()].to_string();
            match table(text) {
                Ok(t) => {
                    site.insert(code, t);
                }
                Err((line, col, msg)) => errors.push(Diagnostic::new(&dir.join(name), line, col, msg)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let theme = |code: &str| -> BTreeMap<String, String> {
            let base = code.split('-').next().unwrap_or(code);
            let text = THEME_STRINGS
                .iter()
                .find(|(c, _)| *c == code)
                .or_else(|| THEME_STRINGS.iter().find(|(c, _)| *c == base));
            text.map(|(_, t)| table(t).expect("the theme's string files parse")).unwrap_or_default()
        };
        let own = |code: &str| {
            let mut t = theme(code);
            t.extend(site.get(code).cloned().unwrap_or_default());
            t
        };
        let mut tables: TiVec<LangId, BTreeMap<String, String>> = languages.iter().map(|l| own(&l.code)).collect();
        // The default language's table decides the keys; a default language without a theme
        // file starts from English's.
        let mut default = tables[LangId::DEFAULT].clone();
        for (k, v) in own("en") {
            default.entry(k).or_insert(v);
        }
        let mut missing = Vec::new();
        for (lang, table) in tables.iter_mut_enumerated() {
            for (key, value) in &default {
                if !table.contains_key(key) {
                    missing.push((lang, key.clone()));
                    table.insert(key.clone(), value.clone());
                }
            }
        }
        Ok(Strings { tables, missing })
    }

    /// The strings of one language, every key present.
    pub fn of(&self, lang: LangId) -> &BTreeMap<String, String> {
        &self.tables[lang]
    }

    /// Keys a language has no string of its own for (it shows the default language's).
    pub fn missing(&self) -> &[(LangId, String)] {
        &self.missing
    }
}

/// A flat TOML table of strings, or where it is not one.
fn table(text: &str) -> Result<BTreeMap<String, String>, (usize, usize, String)> {
    toml::from_str::<BTreeMap<String, String>>(text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        (line, col, format!("UI strings: {} (each line is `key = \"text\"`)", e.message().trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, RawConfig, resolve};

    fn languages(toml: &str) -> TiVec<LangId, Language> {
        let raw: RawConfig = toml::from_str(toml).unwrap();
        resolve(raw, Path::new("."), &Overrides::default()).unwrap().languages
    }

    #[test]
    fn theme_files_have_the_same_keys() {
        let en = table(THEME_STRINGS[0].1).unwrap();
        for (code, text) in THEME_STRINGS {
            let t = table(text).unwrap_or_else(|e| panic!("{code}: {e:?}"));
            let keys = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(&t), keys(&en), "{code}");
        }
    }

    #[test]
    fn site_strings_override_and_missing_ones_fall_back() {
        let langs = languages("language = \"en\"\n[languages.ko]\n[languages.de]\n");
        let site = vec![
            ("i18n/ko.toml".to_string(), "search = \"찾기\"\n".to_string()),
            ("i18n/de.toml".to_string(), "search = \"Suche\"\n".to_string()),
            ("i18n/en.toml".to_string(), "extra = \"Only in English\"\n".to_string()),
        ];
        let s = Strings::resolve(&langs, &site, Path::new("templates")).unwrap();
        let (en, de, ko) = (LangId::from(0), LangId::from(1), LangId::from(2));
        assert_eq!(s.of(ko)["search"], "찾기");
        assert_eq!(s.of(ko)["home"], "홈");
        assert_eq!(s.of(ko)["extra"], "Only in English");
        assert_eq!(s.of(de)["search"], "Suche");
        assert_eq!(s.of(de)["home"], "Home", "German has no theme file: English stands in");
        assert_eq!(s.of(en)["search"], "Search");
        let missing: Vec<(LangId, &str)> = s.missing().iter().map(|(l, k)| (*l, k.as_str())).collect();
        assert!(missing.contains(&(ko, "extra")) && missing.contains(&(de, "home")), "{missing:?}");
        assert!(!missing.iter().any(|(l, _)| *l == en), "{missing:?}");
    }

    #[test]
    fn a_bad_strings_file_is_located() {
        let langs = languages("");
        let site = vec![("i18n/en.toml".to_string(), "home = \"Home\"\n[nested]\nx = 1\n".to_string())];
        let err = Strings::resolve(&langs, &site, Path::new("templates")).unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].path.ends_with("i18n/en.toml") && err[0].line >= 2, "{err:?}");
    }
}
