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
