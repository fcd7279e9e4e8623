//! Scaffolding for people starting out: `gazette new SITE` (a working site), `gazette new story`
//! (a dated story skeleton in the right place) and `gazette theme eject` (copies of the embedded
//! theme files to edit). Never overwrites a file unless told to.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use jiff::Zoned;
use jiff::civil::Date;

use crate::config::{self, Overrides};
use crate::render::theme::THEME;
use crate::text::{check_segment, slugify};

/// Creates a working site in `dir` (which must not exist or be empty). Returns the text to print:
/// what was made and the two commands to build and serve it.
pub fn new_site(dir: &Path) -> Result<String> {
    ensure_empty(dir)?;
    let files = sample_files(sample_day());
    for (rel, text) in &files {
        write_new(&dir.join(rel), text)?;
    }
    Ok(site_message(dir, &files))
}

fn ensure_empty(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let mut entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    if entries.next().is_some() {
        bail!("{} is not empty: give `gazette new` a new or empty folder", dir.display());
    }
    Ok(())
}

/// The sample stories are dated yesterday (UTC), so the site looks fresh and none is embargoed.
fn sample_day() -> Date {
    let today = Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).date();
    today.yesterday().unwrap_or(today)
}

/// Every file of a new site, path relative to the site folder.
fn sample_files(day: Date) -> Vec<(String, String)> {
    let ymd = format!("{:04}/{:02}/{:02}", day.year(), day.month(), day.day());
    let iso = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
    let dateline_day = format!("{} {}", ap_month(day.month()), day.day());
    let wire = |text: &str| text.replace("DAY", &dateline_day);
    vec![
        ("gazette.toml".into(), CONFIG.into()),
        ("content/city/harbor-bridge.md".into(), STORY_TOML.replace("DATE", &iso)),
        ("content/culture/lantern-walk.md".into(), STORY_YAML.replace("DATE", &iso)),
        (format!("content/city/{ymd}/0900-urgent-ferry.txt"), wire(WIRE_URGENT)),
        (format!("content/city/{ymd}/1030-lead-ferry.txt"), wire(WIRE_LEAD)),
        (format!("content/culture/{ymd}/1400-museum-fridays.txt"), wire(WIRE_MUSEUM)),
        ("authors/sam-reporter.toml".into(), AUTHOR_SAM.into()),
        ("authors/ana-writer.toml".into(), AUTHOR_ANA.into()),
        ("templates/README.md".into(), TEMPLATES_README.into()),
        ("static/.gitkeep".into(), String::new()),
    ]
}

fn site_message(dir: &Path, files: &[(String, String)]) -> String {
    let d = shell_word(&dir.display().to_string());
    let mut out = format!("created a site in {d}:\n");
    for (rel, _) in files {
        out.push_str(&format!("  {rel}\n"));
    }
    out.push_str(
        "gazette.toml lists every setting, commented out; content/ holds two Markdown stories and wire copy,\n\
         one story of it in two versions (URGENT, then LEAD).\n\n",
    );
    out.push_str(&format!("build it:  gazette build {d}\npreview:   gazette serve {d}"));
    out
}

/// `text` as one shell word: as is when it is plain, else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_alphanumeric() || "/._-+:@,=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// What `gazette new story` writes.
#[derive(Debug, Clone)]
pub struct NewStory {
    pub site_dir: PathBuf,
    pub headline: String,
    pub section: Option<String>,
    pub wire: bool,
    /// The story's date and time (the clock, or `--now`).
    pub now: jiff::Timestamp,
}

/// Writes a dated story skeleton; returns its path.
pub fn new_story(story: &NewStory) -> Result<PathBuf> {
    let content = story.site_dir.join("content");
    if !content.is_dir() {
        bail!("{} has no content/ folder: create a site first with `gazette new SITE`", story.site_dir.display());
    }
    let headline = clean_headline(&story.headline);
    let slug = slugify(&headline);
    if slug.is_empty() {
        bail!("the headline {:?} has no letters or digits to make a file name from", story.headline);
    }
    if let Some(section) = &story.section {
        check_section(section)?;
    }
    let config = config::load(&story.site_dir, &Overrides::default())?;
    let now = story.now.to_zoned(config.timezone.clone());
    let dir = story.section.as_ref().map_or(content.clone(), |s| content.join(s));
    let (path, text) = if story.wire {
        let day = format!("{:04}/{:02}/{:02}", now.year(), now.month(), now.day());
        let file = format!("{:02}{:02}-{slug}.txt", now.hour(), now.minute());
        (dir.join(day).join(file), wire_skeleton(&headline, &now, &config.title))
    } else {
        (dir.join(format!("{slug}.md")), markdown_skeleton(&headline, &now))
    };
    write_new(&path, &text)?;
    Ok(path)
}

/// One line of text: whitespace runs (newlines included) become one space, control characters go.
fn clean_headline(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(|w| w.chars().filter(|c| !c.is_control()).collect()).collect();
    words.into_iter().filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A section is one folder under content/: lowercase letters, digits and dashes.
fn check_section(section: &str) -> Result<()> {
    if check_segment(section).is_err() || slugify(section) != section {
        let hint = slugify(section);
        let hint = if hint.is_empty() { "politics".to_string() } else { hint };
        bail!("section {section:?} must be a folder name of lowercase letters, digits and dashes, such as {hint:?}");
    }
    Ok(())
}

fn markdown_skeleton(headline: &str, now: &Zoned) -> String {
    format!(
        "+++\ntitle = {}\ndate = {}\n# summary = \"\"\n# author = \"\"\n# tags = []\n# related = []\n# draft = true\n+++\n\
         Write the lede here: who did what, where and when, in one sentence.\n\n\
         Then the rest of the story, one paragraph at a time.\n",
        toml_string(headline),
        now.strftime("%Y-%m-%dT%H:%M:%S%:z")
    )
}

fn wire_skeleton(headline: &str, now: &Zoned, site_title: &str) -> String {
    format!(
        "{headline}\nCITY, {} {} ({}) -- Write the lede here: who did what, where and when, in one sentence.\n\
         Then one paragraph per line: quotes, background, what happens next.\nreporter@example.com\n(END)\n",
        ap_month(now.month()),
        now.day(),
        agency(site_title)
    )
}

/// The agency of a dateline, from the site title: no parentheses or ` -- ` (they would end the
/// dateline early), at most 60 characters.
fn agency(site_title: &str) -> String {
    let cleaned: String = site_title.chars().filter(|c| !matches!(c, '(' | ')') && !c.is_control()).collect();
    let words: Vec<&str> = cleaned.split_whitespace().filter(|w| w.chars().any(|c| c != '-' && c != '—')).collect();
    let name: String = words.join(" ").chars().take(60).collect();
    if name.trim().is_empty() { "Gazette".into() } else { name.trim().to_string() }
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Month names as AP style writes them in datelines.
pub fn ap_month(month: i8) -> &'static str {
    const NAMES: [&str; 12] =
        ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."];
    NAMES[(month.clamp(1, 12) - 1) as usize]
}

/// Copies the embedded theme files (all, or those named) into `SITE/templates/`; refuses to
/// overwrite unless `force`. Returns the files written.
pub fn eject(site_dir: &Path, files: &[String], force: bool) -> Result<Vec<PathBuf>> {
    if !site_dir.is_dir() {
        bail!("{} is not a folder: give `--site` the site folder", site_dir.display());
    }
    let chosen = theme_files(files)?;
    let dir = site_dir.join("templates");
    if !force {
        refuse_existing(&dir, &chosen)?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for (name, text) in chosen {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The theme files named (every one when none is), or an error listing the valid names.
fn theme_files(names: &[String]) -> Result<Vec<(&'static str, &'static str)>> {
    if let Some(unknown) = names.iter().find(|n| !THEME.iter().any(|(t, _)| t == n)) {
        let known: Vec<&str> = THEME.iter().map(|(n, _)| *n).collect();
        bail!("the theme has no file {unknown:?}; it has: {}", known.join(", "));
    }
    Ok(THEME.iter().filter(|(n, _)| names.is_empty() || names.iter().any(|f| f == n)).copied().collect())
}

/// Fails, naming them, when any of the files exists already; nothing is written then.
fn refuse_existing(dir: &Path, chosen: &[(&str, &str)]) -> Result<()> {
    let existing: Vec<String> =
        chosen.iter().map(|(n, _)| dir.join(n)).filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
    if !existing.is_empty() {
        bail!("not overwriting {} (use --force to replace them)", existing.join(", "));
    }
    Ok(())
}

/// Writes a file that must not exist yet, creating its folder.
fn write_new(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{} already exists; not overwriting it", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
    };
    file.write_all(text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}

const CONFIG: &str = r#"# Settings of this site. Every key but title and base_url is commented out and shows its default
# (or an example); remove the leading `#` to use one. Unknown keys are an error.
title = "My News Site"                  # the site's name, in the masthead, feeds and structured data
base_url = "https://news.example.com"   # where the site will live; a path (https://x.org/news) prefixes every link
# description = "News from the harbor"  # a line under the masthead and in feeds
# language = "en"                       # the default language: its pages sit at the site root
# timezone = "UTC"                      # IANA name (e.g. Asia/Seoul); dates without an offset are in this zone
# permalink = "/{section}/{year}/{month}/{day}/{slug}/"   # a story's URL; placeholders: section year month day slug
# per_page = 20                         # stories per page of the home, section, tag and day indexes
# logo = "/logo.png"                    # the publisher's logo in JSON-LD (absolute, or a path under the site)
# feed_limit = 20                       # stories per RSS and Atom feed
# sitemap_limit = 50000                 # URLs per sitemap file; past it sitemap.xml becomes an index
# expired = "keep"                      # "keep": an expired story keeps its page; "remove": its page goes too
# encoding = "utf-8"                    # the encoding of .md and .txt stories ("euc-kr", "shift_jis", "gb18030" …)

# [sections]                            # section folder = title, in navigation order
# city = "City"
# culture = "Culture"

# [related]                             # related headlines
# threshold = 0.6                       # how alike (0-1) a reworded related headline must be to link to a story
# version_threshold = 0.6               # how alike two same-day wire headlines must be to be versions of one story
# version_lede_threshold = 0.35         # how alike their ledes must be as well (one must carry a version tag)
# max = 5                               # related lists are filled with computed stories up to this many
# unresolved = "text"                   # "text" shows headlines naming no story as plain text; "hide" drops them

# [news]                                # the Google News sitemap (news-sitemap.xml)
# name = "My News Site"                 # the publication's name (default: title)
# language = "en"                       # the publication's language (default: language)
# window_hours = 48                     # stories first published this many hours before the build are listed
# max = 1000                            # at most this many stories (Google's limit is 1,000)

# [markdown]
# raw_html = "allow"                    # raw HTML in Markdown: "allow" (trusted editors), "sanitize" or "escape"

# [search]                              # the static search index and page at /search/
# enabled = true                        # false builds neither (an archive searched elsewhere)

# [languages.ko]                        # another language: a site of its own under its prefix, linked by hreflang;
#                                       # a story is in it by `lang = "ko"` or its file name (story.ko.md)
# title = "My News Site (Korean)"       # default: title
# description = "항구 소식"              # default: description
# prefix = "/ko/"                       # where its pages are (default /CODE/)
# timezone = "Asia/Seoul"               # default: timezone
# [languages.ko.news]
# name = "My News Site"                 # its news sitemap's publication name (default: its title)
# [languages.ko.sections]               # its section titles (default: those of [sections])
# city = "도시"

# [encodings]                           # a folder under content/ = its stories' encoding (the deepest listed decides)
# "content/archive/1998" = "euc-kr"
"#;

const STORY_TOML: &str = r#"+++
title = "City Opens Second Harbor Bridge to Cyclists"
date = "DATE 08:00"
author = "Sam Reporter"
tags = ["transport", "city-hall"]
summary = "The bridge adds a protected lane for bicycles and scooters."
related = ["Ferry service suspended as storm nears the coast"]
+++
The city opened its second harbor bridge to cyclists, adding a protected lane that links the old
port with the market district.

## What changes

The lane is set apart from traffic by a low barrier and will be cleared of snow first in winter.
Visitors heading to the [lantern walk](@/culture/lantern-walk.md) can use it to reach the old town.
"#;

const STORY_YAML: &str = r#"---
title: "Lantern Walk Returns to the Old Town"
date: "DATE 18:30"
author: "Ana Writer"
tags: [festival, old-town]
summary: "Thousands are expected along the river for the first walk in three years."
related: ["Harbor Museum to Stay Open Late on Fridays"]
---
The lantern walk returns to the old town this weekend after a three-year break.

Organizers said about 2,000 paper lanterns would line the river, and that the route had been
shortened so that families with small children could finish it in under an hour.
"#;

const WIRE_URGENT: &str = "+++\ntags = [\"transport\", \"weather\"]\n+++\n\
(URGENT) Ferry service suspended as storm nears\n\
HARBOR CITY, DAY (Harbor Wire) -- All ferry crossings from Harbor City were suspended as a storm approached the coast, the port authority said.\n\
desk@example.com\n\
(END)\n";

const WIRE_LEAD: &str = "+++\ntags = [\"transport\", \"weather\"]\n+++\n\
(LEAD) Ferry service suspended as storm nears the coast\n\
(ATTN: ADDS port authority comments in paras 2-3)\n\
HARBOR CITY, DAY (Harbor Wire) -- All ferry crossings from Harbor City were suspended as a storm approached the coast, the port authority said.\n\
\"We expect to run the first boats again tomorrow morning,\" a spokesperson for the authority said.\n\
Passengers holding tickets can change them free of charge at the terminal or online.\n\
Forecasters expect the wind to ease overnight.\n\
desk@example.com\n\
(END)\n\
-\n\
City Opens Second Harbor Bridge to Cyclists\n\
-\n\
Harbor Museum to Stay Open Late on Fridays\n";

const WIRE_MUSEUM: &str = "+++\ntags = [\"museums\"]\n+++\n\
Harbor Museum to Stay Open Late on Fridays\n\
HARBOR CITY, DAY (Harbor Wire) -- The Harbor Museum will stay open until 10 p.m. on Fridays from next month, with free entry after 6 p.m., its director said.\n\
The longer hours are paid for by a three-year grant from the city's culture fund.\n\
arts@example.com\n\
(END)\n\
-\n\
Lantern Walk Returns to the Old Town\n";

const AUTHOR_SAM: &str = r#"# An author: the file name is the id and URL slug (/authors/sam-reporter/). A byline names them
# by `name` (or a name below, or the id); wire copy by an address of `email`.
name = "Sam Reporter"
role = "City reporter"
bio = "Sam covers the harbor, the ferries and city hall."
# photo = "/images/sam.jpg"             # a file under static/, or an absolute URL
email = "sam@example.com"               # or a list: ["sam@example.com", "city@example.com"]

# [[links]]                             # profile links, shown on the author's page
# label = "Mastodon"
# url = "https://social.example/@sam"

# [languages.ko]                        # the name, role and bio in another of the site's languages
# name = "샘 리포터"
# role = "시청 출입 기자"
"#;

const AUTHOR_ANA: &str = "name = \"Ana Writer\"\nrole = \"Culture writer\"\n";

const TEMPLATES_README: &str = "Any file of the default theme can be overridden by putting a file of the same name here \
(for example article.html or style.css); `gazette theme eject` copies the theme's files here to start from.\n";

#[cfg(test)]
mod tests {
    use std::path::Path;

    use jiff::tz::TimeZone;

    use super::*;
    use crate::parse::{Format, ParseOptions, parse_story};

    #[test]
    fn ap_months() {
        let table = [
            (1, "Jan."),
            (2, "Feb."),
            (3, "March"),
            (4, "April"),
            (5, "May"),
            (6, "June"),
            (7, "July"),
            (8, "Aug."),
            (9, "Sept."),
            (10, "Oct."),
            (11, "Nov."),
            (12, "Dec."),
        ];
        for (month, name) in table {
            assert_eq!(ap_month(month), name, "month {month}");
        }
    }

    fn zoned(time: &str, tz: &str) -> Zoned {
        time.parse::<jiff::Timestamp>().unwrap().to_zoned(TimeZone::get(tz).unwrap())
    }

    /// Skeletons parse back to the headline and time they were written with, tricky text included.
    #[test]
    fn skeletons_parse_back() {
        let table = [
            ("Council Approves Budget", "2026-03-05T08:30:00Z", "UTC", "Gazette"),
            ("\"Quoted\" \\ back\\slash", "2026-09-30T23:30:00Z", "Asia/Seoul", "Harbor (City) -- News"),
            ("Café reopens — at last", "2026-01-01T04:00:00Z", "America/New_York", "((()))"),
        ];
        for (headline, time, tz, title) in table {
            let now = zoned(time, tz);
            let opts = ParseOptions::new(now.time_zone().clone());
            let md = parse_story(Path::new("x.md"), &markdown_skeleton(headline, &now), &opts).unwrap();
            assert_eq!((md.headline.text.as_str(), md.date.timestamp()), (headline, now.timestamp()));
            let rel = format!(
                "{:04}/{:02}/{:02}/{:02}{:02}-x.txt",
                now.year(),
                now.month(),
                now.day(),
                now.hour(),
                now.minute()
            );
            let text = wire_skeleton(headline, &now, title);
            let wire = parse_story(Path::new(&rel), &text, &opts).unwrap_or_else(|e| panic!("{text}\n{e:?}"));
            assert_eq!(wire.format, Format::Wire);
            assert_eq!(wire.headline.text, headline);
            assert!(wire.dateline.is_some(), "{text}");
            assert_eq!(wire.date.date(), now.date(), "{text}");
        }
    }

    #[test]
    fn headlines_are_one_line() {
        let table = [("  Storm\nhits \t coast ", "Storm hits coast"), ("a\u{7}b", "ab"), ("\n\u{1b}\n", "")];
        for (input, want) in table {
            assert_eq!(clean_headline(input), want, "{input:?}");
        }
    }

    #[test]
    fn sections_table() {
        for ok in ["politics", "city-hall", "k2"] {
            assert!(check_section(ok).is_ok(), "{ok}");
        }
        for bad in ["../etc", "Politics", "a/b", ".hidden", "", "two words", "a_b"] {
            assert!(check_section(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shell_words() {
        let table =
            [("mysite", "mysite"), ("/tmp/a-b.c", "/tmp/a-b.c"), ("my site", "'my site'"), ("it's", r"'it'\''s'")];
        for (input, want) in table {
            assert_eq!(shell_word(input), want);
        }
    }

    /// The sample site's wire datelines agree with their folders on every day of a year.
    #[test]
    fn sample_stories_parse_on_any_day() {
        let opts = ParseOptions::new(TimeZone::UTC);
        let mut day = Date::new(2028, 1, 1).unwrap();
        while day.year() == 2028 {
            for (rel, text) in sample_files(day).iter().filter(|(r, _)| r.starts_with("content/")) {
                let rel = rel.trim_start_matches("content/");
                let story = parse_story(Path::new(rel), text, &opts).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
                assert_eq!(story.date.date(), day, "{rel}");
            }
            day = day.tomorrow().unwrap();
        }
    }

    #[test]
    fn the_sample_config_parses() {
        let raw = config::parse_raw(CONFIG).unwrap();
        assert_eq!(raw.title.as_deref(), Some("My News Site"));
        assert!(raw.per_page.is_none() && raw.sections.is_empty() && raw.news.max.is_none(), "the rest is commented");
        let uncomment = |l: &str| match l.strip_prefix("# ") {
            Some(rest) if rest.starts_with('[') || rest.starts_with(|c: char| c.is_ascii_lowercase()) => {
                rest.to_string()
            }
            _ => l.to_string(),
        };
        let uncommented = CONFIG.lines().map(uncomment).collect::<Vec<_>>().join("\n");
        let resolved = config::parse_raw(&uncommented).map_err(|d| d.message).unwrap();
        assert_eq!(resolved.news.window_hours, Some(48), "every key, uncommented, is a valid key");
        assert_eq!(resolved.related.max, Some(5));
        let keys = [
            "title",
            "description",
            "base_url",
            "language",
            "timezone",
            "permalink",
            "per_page",
            "logo",
            "feed_limit",
            "sitemap_limit",
            "expired",
            "[sections]",
            "[related]",
            "threshold",
            "version_threshold",
            "version_lede_threshold",
            "unresolved",
            "[news]",
            "name",
            "window_hours",
            "max",
            "[markdown]",
            "raw_html",
            "[search]",
            "enabled",
            "[languages.ko]",
            "prefix",
            "[languages.ko.news]",
            "[languages.ko.sections]",
            "encoding",
            "[encodings]",
        ];
        for key in keys {
            assert!(uncommented.lines().any(|l| l.starts_with(key)), "{key} is in the sample config");
        }
    }
}
