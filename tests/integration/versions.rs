//! Story versions and related headlines over the seed's related tail (issue 3's fixture): the seed
//! story lists the same stories repeatedly, with version tags and reworded headlines.

use crate::support::{Site, seed_story};

/// The seed's related tail, on a body of our own, for machines without `../shared/seed`.
const STAND_IN: &str = "Vice FMs of S. Korea, Japan agree on need for close communication: ministry
SEOUL, Nov. 12 (Gazette Wire) -- The vice foreign ministers of the two countries spoke by phone on Thursday.
They agreed to keep talking, the ministry said.
desk@gazette.example
(END)
-
(News Focus) Display, electronics makers dealt blow by COVID-19 lockdowns in China
-
BTS to meet Biden at White House to discuss anti-Asian hate crimes
-
(URGENT) Russian, Chinese warplanes enter S. Korea's air defense zone without notice: JCS
-
Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS
-
Premier League Golden Boot winner Son Heung-min receives hero's welcome home
-
(5th LD) Yoon, Biden agree to expand joint military exercises to cope with N.K. threats
-
(LEAD) Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS
-
(News Focus) Display, electronics makers dealt blow by COVID-19 lockdowns in China
-
With historic Golden Boot, Son Heung-min cements case as greatest S. Korean footballer ever
-
(URGENT) Russian, Chinese warplanes enter S. Korea's air defense zone without notice: JCS
-
S. Korean volunteer fighter in Ukraine returns home with injuries
-
S. Korean midfielder Hwang Hee-chan to enter military training after 2 friendlies in June
-
BTS to meet Biden at White House to discuss anti-Asian hate crimes
-
S. Korea's new COVID-19 cases below 20,000 for 2nd day as omicron wave ebbs
-
U.N. Security Council fails to pass N. Korea resolution due to opposition by China, Russia";

const SEED_PAGE: &str =
    "politics/2021/11/12/vice-fms-of-s-korea-japan-agree-on-need-for-close-communication-ministry/index.html";
const WARPLANES: &str =
    "/northkorea/2022/05/24/russian-chinese-warplanes-enter-s-koreas-air-defense-zone-without-notice-jcs/";
const DISPLAY: &str = "/economy/2022/05/25/display-electronics-makers-dealt-blow-by-covid-19-lockdowns-in-china/";
const BTS: &str = "/culture/2022/05/27/bts-to-meet-biden-at-white-house-to-discuss-anti-asian-hate-crimes/";
const SUMMIT: &str =
    "/politics/2022/05/21/yoon-biden-agree-to-expand-joint-military-exercises-to-cope-with-n-k-threats/";

fn seed_site(seed: &str) -> Site {
    let site = Site::fixture("seed-related");
    site.file("content/politics/2021/11/12/seed.txt", seed);
    site.build_ok(&[]);
    site
}

fn sites() -> Vec<Site> {
    let mut texts = vec![STAND_IN.to_string()];
    texts.extend(seed_story());
    texts.iter().map(|t| seed_site(t)).collect()
}

/// The `<aside class="related">…</aside>` of a page.
fn related_aside(html: &str) -> &str {
    let start = html.find("<aside class=\"related\"").expect("a related aside");
    let end = html[start..].find("</aside>").expect("aside closes") + start;
    &html[start..end]
}

#[test]
fn seed_page_links_each_named_story_once_to_its_canonical_url() {
    for site in sites() {
        let html = site.read(SEED_PAGE);
        let aside = related_aside(&html);
        for url in [WARPLANES, DISPLAY, BTS, SUMMIT] {
            let n = aside.matches(&format!("href=\"{url}\"")).count();
            assert_eq!(n, 1, "{url} linked {n} times in:\n{aside}");
        }
    }
}

#[test]
fn unresolved_headlines_stay_text() {
    for site in sites() {
        let html = site.read(SEED_PAGE);
        let aside = related_aside(&html);
        for text in [
            "Son Heung-min receives hero",
            "Hwang Hee-chan to enter military training",
            "volunteer fighter in Ukraine",
            "Security Council fails",
        ] {
            let at = aside.find(text).unwrap_or_else(|| panic!("{text} missing from:\n{aside}"));
            let li_start = aside[..at].rfind("<li").unwrap();
            let li = &aside[li_start..at];
            assert!(!li.contains("<a "), "{text} should not be a link: {li}");
        }
    }
}

#[test]
fn version_urls_redirect_to_the_canonical_story() {
    let site = &sites()[0];
    let redirect =
        site.read("northkorea/2022/05/24/multiple-russian-chinese-warplanes-enter-kadiz-without-notice-jcs/index.html");
    let target = format!("https://seed.example{WARPLANES}");
    assert!(redirect.contains(&format!("rel=\"canonical\" href=\"{target}\"")), "{redirect}");
    assert!(redirect.contains("http-equiv=\"refresh\""), "{redirect}");
}

#[test]
fn story_page_shows_newest_text_and_full_history() {
    let site = &sites()[0];
    let html = site.read(&format!("{}index.html", &WARPLANES[1..]));
    assert!(html.contains("LEAD-ONLY-PARAGRAPH"), "the LEAD's body is shown");
    assert!(
        html.contains(
            "<h1 class=\"headline\">Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS</h1>"
        )
    );
    let history = &html[html.find("class=\"version-list\"").expect("a version history")..];
    let history = &history[..history.find("</ol>").unwrap()];
    assert_eq!(history.matches("<li class=\"version").count(), 3, "{history}");
    for tag in ["URGENT", "LEAD", "ADDS details of the flight path"] {
        assert!(history.contains(tag), "{tag} in {history}");
    }
    assert!(html.contains("datetime=\"2022-05-24T13:10:00+09:00\""), "first published time");
    assert!(html.contains("datetime=\"2022-05-24T14:50:00+09:00\""), "last updated time");
}

#[test]
fn index_pages_list_a_story_once_with_its_newest_headline() {
    let site = &sites()[0];
    let home = site.read("index.html");
    let item = format!("<h2 class=\"item-title\"><a href=\"{WARPLANES}\">");
    assert_eq!(home.matches(&item).count(), 1, "warplanes listed once on the home page");
    assert_eq!(
        home.matches("<h2 class=\"item-title\">").count(),
        5,
        "five stories: seed, warplanes, display, BTS, summit"
    );
    assert!(home.contains("Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS"));
    assert!(!home.contains("air defense zone without notice"), "the URGENT headline is not listed");
    let summit = site.read(&format!("{}index.html", &SUMMIT[1..]));
    assert!(summit.contains("FIFTH-LD-PARAGRAPH"), "the 5th LD is the newest version");
}

#[test]
fn links_are_two_way() {
    let site = &sites()[0];
    let bts = site.read(&format!("{}index.html", &BTS[1..]));
    let aside = related_aside(&bts);
    assert!(
        aside.contains(
            "href=\"/politics/2021/11/12/vice-fms-of-s-korea-japan-agree-on-need-for-close-communication-ministry/\""
        ),
        "{aside}"
    );
}

#[test]
fn a_site_holding_only_the_seed_story_builds() {
    // The seed when ../shared has it, else the stand-in: the same headline and related tail.
    let (text, agency, email) = match seed_story() {
        Some(seed) => (seed, "SEOUL, Nov. 12 (Yonhap)", "elly@yna.co.kr"),
        None => (STAND_IN.to_string(), "SEOUL, Nov. 12 (Gazette Wire)", "desk@gazette.example"),
    };
    let site = Site::new();
    // The seed carries no year: a dated folder gives it one (its dateline says Nov. 12).
    site.file("content/2020/11/12/000_223e6dcc73290e3f.txt", &text);
    site.build_ok(&[]);
    let page =
        site.read("2020/11/12/vice-fms-of-s-korea-japan-agree-on-need-for-close-communication-ministry/index.html");
    assert!(page.contains(agency), "{agency}");
    assert!(page.contains(email), "{email}");
    let aside = related_aside(&page);
    assert!(!aside.contains("<a href=\"/"), "nothing to link to on a one-story site: {aside}");
    assert_eq!(aside.matches("BTS to meet Biden").count(), 1, "repeated headlines listed once");
}

/// One day-and-section bucket's worth of untagged wire copy that collides the way real copy does:
/// figure headlines, recurring headlines, several stories about one person or event.
fn colliding_bucket(day: u32, section: &str, n: u32) -> Vec<(String, String, String)> {
    let who = ["Ivan Petrov", "Mara Lind", "Tomas Reyes"][n as usize % 3];
    let place = ["Kells", "Cork", "Navan", "Sligo"];
    vec![
        (
            format!("Exports rise {} pct in May", 10 + n),
            format!("Exports rose {} percent in May from a year earlier, customs data showed.", 10 + n),
        ),
        (
            format!("Exports rise {} pct in May", 30 + n),
            format!("Exports to the region rose {} percent in May, a trade body said.", 30 + n),
        ),
        (
            format!("In brief page {}", 2 + n),
            "Short items from around the region: roads, courts and councils.".to_string(),
        ),
        (
            format!("In brief page {}", 24 + n),
            "Short items from around the region: schools, weather and sport.".to_string(),
        ),
        (
            "Today's markets".to_string(),
            format!("Shares rose in early trade on day {day} as investors weighed rate news."),
        ),
        (
            format!("Profile: {who}, opposition leader"),
            format!("{who} has led the opposition for a decade and built its youth wing."),
        ),
        (
            format!("Opposition leader {who} appears in court"),
            format!("{who} appeared in court on Tuesday charged with organising a protest."),
        ),
        (
            format!("Opposition leader {who} jailed for 15 days"),
            format!("A court jailed {who} for 15 days for organising an unauthorised protest."),
        ),
        (
            format!("Appeal to trace girl missing from {}", place[n as usize % 4]),
            "Police appealed for help to trace a 14-year-old girl missing since Sunday.".to_string(),
        ),
        (
            format!("Appeal to trace teenager missing from {}", place[(n as usize + 1) % 4]),
            "Police are searching for a 16-year-old boy last seen leaving school on Monday.".to_string(),
        ),
        (
            "What is the nerve agent Novichok?".to_string(),
            "Novichok is a group of nerve agents developed in the 1970s.".to_string(),
        ),
        (
            "Nerve agent Novichok used in attack, police say".to_string(),
            format!("Police said a nerve agent of the Novichok group was used in the attack in {section}."),
        ),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (h, l))| (format!("content/{section}/2024/05/{day:02}/{:02}{i:02}-story.txt", 6 + n), h, l))
    .collect()
}

fn wire_text(headline: &str, day: u32, lede: &str) -> String {
    format!(
        "{headline}\nSEOUL, May {day} (Gazette Wire) -- {lede}\nA second paragraph of the story.\ndesk@gazette.example\n(END)\n"
    )
}

/// 240 untagged wire files with realistic same-day, same-section collisions build 240 stories; the
/// 5 tagged chains among them (4 files each) build 5; one exact duplicate is a warning, two pages.
#[test]
fn colliding_untagged_wire_copy_builds_one_story_per_file() {
    let site = Site::new();
    let mut files = 0;
    for day in 1..=10u32 {
        for (s, section) in ["world", "politics"].iter().enumerate() {
            for (path, headline, lede) in colliding_bucket(day, section, day + s as u32) {
                site.file(&path, wire_text(&headline, day, &lede));
                files += 1;
            }
        }
    }
    assert_eq!(files, 240);
    let lede = "A storm closed the harbor bridge on Tuesday and cut ferry services, the port authority said.";
    for day in 1..=5u32 {
        for (i, headline) in [
            "(URGENT) Storm closes harbor bridge",
            "Storm closes harbor bridge, ferries halted",
            "(LEAD) Storm closes harbor bridge, ferries halted",
            "(2nd LD) Storm closes harbor bridge, ferries halted for second day",
        ]
        .iter()
        .enumerate()
        {
            site.file(&format!("content/world/2024/05/{day:02}/23{i:02}-storm.txt"), wire_text(headline, day, lede));
        }
    }
    let dup = wire_text("Council approves budget", 9, "The council approved the budget on Thursday.");
    site.file("content/politics/2024/05/09/2301-budget.txt", &dup);
    site.file("content/politics/2024/05/09/2302-budget-again.txt", &dup);
    let out = site.build_ok(&["-v", "--now", "2024-06-01T00:00:00Z"]);
    let summary = out.lines().rfind(|l| l.starts_with("built ")).unwrap();
    assert!(
        summary.starts_with("built 247 stories from 262 files (15 versions of others),"),
        "240 + 2 duplicates + 5 chains of 4: {summary}"
    );
    assert!(out.contains("wire files joined as versions of one story (15):"), "{out}");
    assert_eq!(out.matches("-storm.txt (").count(), 30, "only the storm files are joined: {out}");
    assert!(
        out.contains("warning: same headline, day and text as content/politics/2024/05/09/2301-budget.txt"),
        "{out}"
    );
    let redirects = walkdir::WalkDir::new(site.out())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("http-equiv=\"refresh\"")))
        .count();
    // Per chain, the URGENT's URL is the story's; the untagged and LEAD versions share one slug,
    // the 2nd LD has its own: two redirects a chain, and nothing else redirects.
    assert_eq!(redirects, 10, "a redirect for each version's own URL, nothing else");
}

/// `standalone = true` keeps a tagged file out of the chain its headline and lede would join; a
/// shared `story` key joins files no heuristic would.
#[test]
fn front_matter_keys_decide_over_the_heuristic() {
    let site = Site::new();
    let lede = "A storm closed the harbor bridge on Tuesday, the port authority said.";
    site.file("content/world/2024/05/07/0900-a.txt", wire_text("(URGENT) Storm closes harbor bridge", 7, lede));
    let alone = format!("+++\nstandalone = true\n+++\n{}", wire_text("(LEAD) Storm closes harbor bridge", 7, lede));
    site.file("content/world/2024/05/07/1000-b.txt", alone);
    let keyed =
        |h: &str| format!("+++\nstory = \"budget-2024\"\n+++\n{}", wire_text(h, 7, "Different words entirely."));
    site.file("content/politics/2024/05/07/0900-c.txt", keyed("Council debates spending"));
    site.file("content/politics/2024/05/07/1000-d.txt", keyed("Budget passes after all-night session"));
    let out = site.build_ok(&["--now", "2024-06-01T00:00:00Z"]);
    assert!(out.contains("built 3 stories from 4 files (1 version of another)"), "{out}");
}
