//! The default theme, embedded in the binary, and the Tera instance built from it plus a site's
//! own `templates/`. A site file replaces the theme file of the same name; every theme file is also
//! reachable as `theme/NAME`. Template errors are reported per file with its line and column.

use std::path::Path;

use tera::{ErrorKind as TeraKind, Tera};

use crate::diag::Diagnostic;

/// `(name, text)` of every file of the default theme.
pub const THEME: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("article.html", include_str!("../../templates/article.html")),
    ("list.html", include_str!("../../templates/list.html")),
    ("photo.html", include_str!("../../templates/photo.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("section.html", include_str!("../../templates/section.html")),
    ("tag.html", include_str!("../../templates/tag.html")),
    ("day.html", include_str!("../../templates/day.html")),
    ("month.html", include_str!("../../templates/month.html")),
    ("year.html", include_str!("../../templates/year.html")),
    ("tags.html", include_str!("../../templates/tags.html")),
    ("author.html", include_str!("../../templates/author.html")),
    ("authors.html", include_str!("../../templates/authors.html")),
    ("redirect.html", include_str!("../../templates/redirect.html")),
    ("withdrawn.html", include_str!("../../templates/withdrawn.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("search.html", include_str!("../../templates/search.html")),
    ("search.js", include_str!("../../templates/search.js")),
    ("news.js", include_str!("../../templates/news.js")),
    ("style.css", include_str!("../../templates/style.css")),
    ("rss.xml", include_str!("../../templates/rss.xml")),
    ("atom.xml", include_str!("../../templates/atom.xml")),
    ("sitemap.xml", include_str!("../../templates/sitemap.xml")),
    ("sitemap-index.xml", include_str!("../../templates/sitemap-index.xml")),
    ("news-sitemap.xml", include_str!("../../templates/news-sitemap.xml")),
];

/// Builds the template set. `site` holds the site's own templates; `dir` is where they live (for
/// error messages). Every broken template is reported, not only the first.
pub fn build(site: &[(String, String)], dir: &Path) -> Result<Tera, Vec<Diagnostic>> {
    // UI string files are not templates (`render::strings` reads them).
    let site: Vec<(String, String)> = site.iter().filter(|(n, _)| !super::strings::is_strings(n)).cloned().collect();
    let site = site.as_slice();
    let is_theme = |name: &str| THEME.iter().any(|(n, _)| *n == name);
    let mut all: Vec<(String, &str)> = THEME.iter().map(|(n, t)| (format!("theme/{n}"), *t)).collect();
    all.extend(THEME.iter().filter(|(n, _)| !site.iter().any(|(s, _)| s == n)).map(|(n, t)| (n.to_string(), *t)));
    all.extend(site.iter().map(|(n, t)| (n.clone(), t.as_str())));
    let mut tera = base_tera();
    if tera.add_raw_templates(all).is_ok() {
        return Ok(tera);
    }
    // Something is broken: check each site file alone against the theme (and the site's own
    // extra files), so every broken file gets its own error, not only the first.
    let mut errors = Vec::new();
    for (name, text) in site {
        let mut probe: Vec<(String, &str)> = THEME.iter().map(|(n, t)| (format!("theme/{n}"), *t)).collect();
        probe.extend(THEME.iter().filter(|(n, _)| *n != name).map(|(n, t)| (n.to_string(), *t)));
        probe.extend(site.iter().filter(|(n, _)| n != name && !is_theme(n)).map(|(n, t)| (n.clone(), t.as_str())));
        probe.push((name.clone(), text));
        if let Err(e) = base_tera().add_raw_templates(probe) {
            errors.push(locate(&e, dir));
        }
    }
    errors.sort();
    errors.dedup();
    if errors.is_empty() {
        errors.push(Diagnostic::new(
            dir,
            1,
            1,
            "the templates do not load together (check their extends and includes)",
        ));
    }
    Err(errors)
}

/// Every template by name as the build sees it: the site's files over the theme's, and `theme/NAME`.
pub fn final_set(site: &[(String, String)]) -> std::collections::HashMap<String, String> {
    let mut out: std::collections::HashMap<String, String> = THEME
        .iter()
        .flat_map(|(n, t)| [(format!("theme/{n}"), t.to_string()), (n.to_string(), t.to_string())])
        .collect();
    out.extend(
        super::strings::THEME_STRINGS
            .iter()
            .map(|(code, t)| (format!("theme/{}{code}.toml", super::strings::FOLDER), t.to_string())),
    );
    out.extend(site.iter().cloned());
    out
}

fn base_tera() -> Tera {
    let mut tera = Tera::new();
    tera.autoescape_on([".html", ".xml"]);
    tera.register_filter("date", tera_contrib::dates::date);
    tera.register_filter("local_date", crate::locale::local_date_filter);
    tera.register_function("range", super::budget::range);
    tera
}

/// Where a Tera error points: `templates/NAME:line:col` for a site file, `theme/NAME` otherwise.
pub fn locate(e: &tera::Error, dir: &Path) -> Diagnostic {
    let file = |name: &str| {
        if name.starts_with("theme/") || name.is_empty() {
            Path::new("(embedded theme)").join(name)
        } else {
            dir.join(name)
        }
    };
    match e.kind() {
        TeraKind::SyntaxError(r) | TeraKind::RenderingError(r) => Diagnostic::new(
            &file(r.filename()),
            r.span().start_line.max(1),
            r.span().start_col + 1,
            r.message().to_string(),
        ),
        TeraKind::MissingParent { current, parent } => {
            Diagnostic::new(&file(current), 1, 1, format!("extends `{parent}`, which does not exist"))
        }
        TeraKind::CircularExtend { tpl, inheritance_chain } => {
            Diagnostic::new(&file(tpl), 1, 1, format!("circular extends: {}", inheritance_chain.join(" → ")))
        }
        TeraKind::CircularInclude { tpl, include_chain } => {
            Diagnostic::new(&file(tpl), 1, 1, format!("circular include: {}", include_chain.join(" → ")))
        }
        TeraKind::Msg(msg) => from_reports(msg, &file).unwrap_or_else(|| Diagnostic::new(dir, 1, 1, one_line(e))),
        _ => Diagnostic::new(dir, 1, 1, one_line(e)),
    }
}

/// Tera reports validation errors (unknown filters, tests, functions) as text: `error: MESSAGE`
/// then `  --> NAME:LINE:COL`. Takes the first such report apart.
fn from_reports(msg: &str, file: &dyn Fn(&str) -> std::path::PathBuf) -> Option<Diagnostic> {
    let mut lines = msg.lines();
    let message = lines.find_map(|l| l.trim().strip_prefix("error: "))?.to_string();
    let place = lines.find_map(|l| l.trim().strip_prefix("--> "))?;
    let mut parts = place.rsplitn(3, ':');
    let col: usize = parts.next()?.trim().parse().ok()?;
    let line: usize = parts.next()?.trim().parse().ok()?;
    let name = parts.next()?;
    Some(Diagnostic::new(&file(name), line, col, message))
}

fn one_line(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg.replace('\n', " ")
}
