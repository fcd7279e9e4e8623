//! Scaffolding for people starting out: `gazette new SITE` (a working site), `gazette new story`
//! (a dated story skeleton in the right place) and `gazette theme eject` (copies of the embedded
//! theme files to edit). Never overwrites a file unless told to.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use jiff::Zoned;

use crate::config::{self, Overrides};
use crate::render::theme::THEME;
use crate::text::{check_segment, slugify};

/// Creates a working site in `dir` (which must not exist or be empty). Returns the text to print:
/// what was made and the two commands to build and serve it.
pub fn new_site(dir: &Path) -> Result<String> {
    if dir.exists() && std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?.next().is_some() {
        bail!("{} is not empty: give `gazette new` a new or empty folder", dir.display());
    }
    let today = Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC);
    let day = today.date().yesterday().unwrap_or(today.date());
    let ymd = format!("{:04}/{:02}/{:02}", day.year(), day.month(), day.day());
    let dateline_day = format!("{} {}", ap_month(day.month()), day.day());
    let iso = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
    let files: Vec<(String, String)> = vec![
        ("gazette.toml".into(), CONFIG.into()),
        ("content/city/harbor-bridge.md".into(), STORY_TOML.replace("DATE", &iso)),
        ("content/culture/lantern-walk.md".into(), STORY_YAML.replace("DATE", &iso)),
        (format!("content/city/{ymd}/0900-urgent-ferry.txt"), WIRE_URGENT.replace("DAY", &dateline_day)),
        (format!("content/city/{ymd}/1030-lead-ferry.txt"), WIRE_LEAD.replace("DAY", &dateline_day)),
        ("templates/README.md".into(), TEMPLATES_README.into()),
        ("static/.gitkeep".into(), String::new()),
    ];
    for (rel, text) in &files {
        write_new(&dir.join(rel), text)?;
    }
    let d = dir.display();
    Ok(format!(
        "created a site in {d}: gazette.toml (every setting, commented), 4 sample stories in content/ \
         (Markdown and wire copy), templates/ and static/\n\nbuild it:  gazette build {d}\npreview:   gazette serve {d}"
    ))
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
    let slug = slugify(&story.headline);
    if slug.is_empty() {
        bail!("the headline {:?} has no letters or digits to make a file name from", story.headline);
    }
    if let Some(section) = &story.section
        && (check_segment(section).is_err() || slugify(section) != *section)
    {
        bail!(
            "section {section:?} must be a folder name of lowercase letters, digits and dashes, such as {:?}",
            slugify(section)
        );
    }
    let config = config::load(&story.site_dir, &Overrides::default())?;
    let now = story.now.to_zoned(config.timezone.clone());
    let mut dir = content.clone();
    if let Some(section) = &story.section {
        dir.push(section);
    }
    let (path, text) = if story.wire {
        dir.push(format!("{:04}/{:02}/{:02}", now.year(), now.month(), now.day()));
        let file = dir.join(format!("{:02}{:02}-{slug}.txt", now.hour(), now.minute()));
        (file, wire_skeleton(&story.headline, &now, &config.title))
    } else {
        (dir.join(format!("{slug}.md")), markdown_skeleton(&story.headline, &now))
    };
    write_new(&path, &text)?;
    Ok(path)
}

fn markdown_skeleton(headline: &str, now: &Zoned) -> String {
    format!(
        "+++\ntitle = {headline:?}\ndate = {}\n# summary = \"\"\n# author = \"\"\n# tags = []\n# related = []\n# draft = true\n+++\n\
         Write the lede here: who, what, when, where.\n\nThen the rest of the story, one paragraph at a time.\n",
        now.strftime("%Y-%m-%dT%H:%M:%S%:z")
    )
}

fn wire_skeleton(headline: &str, now: &Zoned, agency: &str) -> String {
    format!(
        "{headline}\nCITY, {} {} ({agency}) -- Write the lede here.\nOne paragraph per line.\nreporter@example.com\n(END)\n",
        ap_month(now.month()),
        now.day()
    )
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
    let known: Vec<&str> = THEME.iter().map(|(n, _)| *n).collect();
    for f in files {
        if !known.contains(&f.as_str()) {
            bail!("the theme has no file {f:?}; it has: {}", known.join(", "));
        }
    }
    let chosen: Vec<&(&str, &str)> =
        THEME.iter().filter(|(n, _)| files.is_empty() || files.iter().any(|f| f == n)).collect();
    let dir = site_dir.join("templates");
    if !force {
        let existing: Vec<String> =
            chosen.iter().map(|(n, _)| dir.join(n)).filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
        if !existing.is_empty() {
            bail!("not overwriting {} (use --force)", existing.join(", "));
        }
    }
    let mut written = Vec::new();
    for (name, text) in chosen {
        let path = dir.join(name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Writes a file that must not exist yet, creating its folder.
fn write_new(path: &Path, text: &str) -> Result<()> {
    if path.exists() {
        bail!("{} already exists; not overwriting it", path.display());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

const CONFIG: &str = r#"# Settings of this site. Every key is optional; remove the leading `#` to use one.
title = "My News Site"                 # the site's name, in the masthead and feeds
base_url = "https://news.example.com"  # where the site will live (serve uses its own address)
# description = ""                     # a line under the masthead and in feeds
# language = "en"                      # the language of the pages
# timezone = "UTC"                     # IANA name; dates without an offset are in this zone
# permalink = "/{section}/{year}/{month}/{day}/{slug}/"   # the URL of a story
# per_page = 20                        # stories per index page
# logo = "/logo.png"                   # the publisher's logo in structured data
# feed_limit = 20                      # stories per feed
# sitemap_limit = 50000                # URLs per sitemap file before it becomes an index
# expired = "keep"                     # "keep": an expired story keeps its page; "remove": it goes

# [sections]                           # section folder -> title, in navigation order
# city = "City"

# [related]
# threshold = 0.6                      # how alike a reworded related headline must be to link
# version_threshold = 0.6              # how alike two same-day wire headlines must be to be one story
# max = 5                              # related lists are filled up to this many
# unresolved = "text"                  # "text" shows unmatched related headlines, "hide" drops them

# [news]                               # the Google News sitemap
# name = "My News Site"
# language = "en"
# window_hours = 48
# max = 1000
"#;

const STORY_TOML: &str = r#"+++
title = "City Opens Second Harbor Bridge to Cyclists"
date = "DATE 08:00"
author = "Sam Reporter"
tags = ["transport", "city-hall"]
summary = "The bridge adds a protected lane for bicycles and scooters."
related = ["Ferry service suspended as storm nears the coast"]
+++
The city opened its second harbor bridge to cyclists on Monday, adding a protected lane that
links the old port with the new market district.

## What changes

Officials said the lane would be cleared of snow first in winter.
"#;

const STORY_YAML: &str = r#"---
title: "Lantern Walk Returns to the Old Town"
date: "DATE 18:30"
author: "Ana Writer"
tags: [festival, city-hall]
summary: "Thousands are expected along the river for the first walk in three years."
---
The lantern walk returns to the old town this weekend after a three-year break.
"#;

const WIRE_URGENT: &str = "(URGENT) Ferry service suspended as storm nears\n\
HARBOR CITY, DAY (Wire) -- All ferry crossings were suspended on Tuesday as a storm approached the coast, the port authority said.\n\
desk@example.com\n\
(END)\n";

const WIRE_LEAD: &str = "(LEAD) Ferry service suspended as storm nears the coast\n\
(ATTN: ADDS comments from the port authority in paras 2-3)\n\
HARBOR CITY, DAY (Wire) -- All ferry crossings were suspended on Tuesday as a storm approached the coast, the port authority said.\n\
\"We expect service to resume on Wednesday morning,\" a spokesperson said.\n\
Passengers with tickets can change them free of charge.\n\
desk@example.com\n\
(END)\n\
-\n\
City Opens Second Harbor Bridge to Cyclists\n\
-\n\
Lantern Walk Returns to the Old Town\n";

const TEMPLATES_README: &str = "Any file of the default theme can be replaced by a file of the same name here \
(for example article.html); `gazette theme eject` copies the theme's files here to start from.\n";

#[cfg(test)]
mod tests {
    use super::ap_month;

    #[test]
    fn ap_months() {
        let want = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."];
        for (i, name) in want.iter().enumerate() {
            assert_eq!(ap_month(i as i8 + 1), *name);
        }
    }
}
