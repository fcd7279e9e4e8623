//! Korean, Chinese and Japanese wire copy, legacy encodings and non-Latin URLs: what a build makes
//! of a Yonhap Korean story (its parts on the page, its reporters as authors), of stories in
//! EUC-KR and Shift_JIS under an `[encodings]` folder, of an undecodable byte (a located error),
//! and how a Hangul slug is written in the sitemaps and feeds (percent-encoded UTF-8) while the
//! page sits at the decoded path.

use crate::support::{Site, check_xml, error_lines};

const NOW: &[&str] = &["--now", "2024-05-01T12:00:00+09:00"];

const CONFIG: &str = "title = \"항만일보\"\nbase_url = \"https://news.example\"\ntimezone = \"Asia/Seoul\"\n";

/// Yonhap's Korean format: `[속보]`, the `(하버시티=연합뉴스) … 기자 =` dateline, e-mails, `(끝)`,
/// the copyright line and a related tail.
const YONHAP: &str = "[속보] 마렌란드 항만청, 선석 수수료 2년째 동결\n\
(하버시티=연합뉴스) 홍길동 김철수 기자 = 마렌란드 항만청은 1일 선석 수수료를 내년에도 동결한다고 밝혔다.\n\
항만청은 \"물동량 회복이 먼저\"라며 <b>인상</b> 논의를 미뤘다.\n\
hong@yna.co.kr\n\
(끝)\n\
<저작권자(c) 연합뉴스, 무단 전재-재배포 금지>\n\
-\n\
[그래픽] 월별 물동량 추이\n";

const SLUG: &str = "마렌란드-항만청-선석-수수료-2년째-동결";

fn encoded(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[test]
fn korean_wire_copy_is_parsed_into_its_parts() {
    let site = Site::new();
    site.file("gazette.toml", CONFIG).file("content/economy/2024/05/01/0930-port-fees.txt", YONHAP);
    site.build_ok(NOW);
    let page = site.read(&format!("economy/2024/05/01/{SLUG}/index.html"));
    for want in [
        "마렌란드 항만청, 선석 수수료 2년째 동결",
        "(하버시티=연합뉴스) 홍길동 김철수 기자",
        "<span class=\"author\">홍길동</span>",
        "<span class=\"author\">김철수</span>",
        "마렌란드 항만청은 1일 선석 수수료를 내년에도 동결한다고 밝혔다.",
        "&lt;b&gt;인상&lt;/b&gt;",
        "URGENT",
    ] {
        assert!(page.contains(want), "the page lacks {want:?}:\n{page}");
    }
    assert!(!page.contains("<b>인상</b>"), "wire text is never markup");
    assert!(!page.contains("저작권자"), "the copyright line is no related headline");
    assert!(page.contains("\"name\":\"홍길동\""), "JSON-LD names the reporters as authors:\n{page}");
    assert!(!page.contains("[속보]"), "the tag is read, not shown in the headline");
}

#[test]
fn a_hangul_slug_is_percent_encoded_in_xml_and_its_page_sits_at_the_decoded_path() {
    let site = Site::new();
    site.file("gazette.toml", CONFIG).file("content/economy/2024/05/01/0930-port-fees.txt", YONHAP);
    site.build_ok(NOW);
    let decoded = format!("economy/2024/05/01/{SLUG}/index.html");
    assert!(site.out().join(&decoded).is_file(), "the page is written at the decoded path");
    let url = format!("https://news.example/economy/2024/05/01/{}/", encoded(SLUG).replace("%2D", "-"));
    assert!(url.contains("%EB%A7%88%EB%A0%8C"), "{url}");
    let sitemap = site.read("sitemap.xml");
    let locs = check_xml("sitemap.xml", &sitemap);
    assert!(locs.contains(&url), "{url} not among {locs:?}");
    assert!(locs.iter().all(|l| l.is_ascii()), "every <loc> is an ASCII URI: {locs:?}");
    let news = site.read("news-sitemap.xml");
    assert!(check_xml("news-sitemap.xml", &news).contains(&url), "{news}");
    let rss = site.read("rss.xml");
    check_xml("rss.xml", &rss);
    assert!(rss.contains(&format!("<link>{url}</link>")), "{rss}");
    let atom = site.read("atom.xml");
    check_xml("atom.xml", &atom);
    assert!(atom.contains(&format!("<link href=\"{url}\"/>")), "{atom}");
    // HTML links are percent-encoded the same way (root-relative), and so is the canonical URL.
    let home = site.read("index.html");
    let path = url.strip_prefix("https://news.example").unwrap();
    assert!(home.contains(&format!("href=\"{path}\"")), "{home}");
    assert!(!home.contains(&format!("href=\"/economy/2024/05/01/{SLUG}/\"")));
    let page = site.read(&decoded);
    assert!(page.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")), "{page}");
}

#[test]
fn stories_in_legacy_encodings_are_read_through_their_folder_setting() {
    let site = Site::new();
    let config =
        format!("{CONFIG}[encodings]\n\"content/archive/1998\" = \"euc-kr\"\n\"content/archive/jp\" = \"shift_jis\"\n");
    let korean = "+++\ntitle = \"구 항만청 청사 철거 결정\"\ndate = 1998-05-01T09:00:00+09:00\n+++\n항만청은 1998년 구 청사를 철거하기로 했다. 똠방각하\n";
    let (euc_kr, _, lossy) = encoding_rs::EUC_KR.encode(korean);
    assert!(!lossy);
    assert!(std::str::from_utf8(&euc_kr).is_err(), "the fixture is not UTF-8");
    let japanese = "港湾料金の据え置き決定\n【東京共同】港湾局は1日、料金を据え置くと発表した。\n(END)\n";
    let (sjis, _, lossy) = encoding_rs::SHIFT_JIS.encode(japanese);
    assert!(!lossy);
    site.file("gazette.toml", config)
        .file("content/archive/1998/demolition.md", &euc_kr)
        .file("content/archive/jp/2024/05/01/fees.txt", &sjis)
        .file("content/economy/2024/05/01/utf8.txt", YONHAP);
    site.build_ok(NOW);
    let page = site.read("archive/1998/05/01/구-항만청-청사-철거-결정/index.html");
    assert!(page.contains("<h1") && page.contains("구 항만청 청사 철거 결정"), "{page}");
    assert!(page.contains("항만청은 1998년 구 청사를 철거하기로 했다. 똠방각하"), "{page}");
    let page = site.read("archive/2024/05/01/港湾料金の据え置き決定/index.html");
    assert!(page.contains("港湾局は1日、料金を据え置くと発表した。"), "{page}");
    assert!(page.contains("【東京共同】"), "the Kyodo dateline is shown: {page}");
    // UTF-8 elsewhere, as by default.
    assert!(site.out().join(format!("economy/2024/05/01/{SLUG}/index.html")).is_file());
}

#[test]
fn an_undecodable_byte_is_reported_at_its_line_and_column() {
    let site = Site::new();
    site.file("gazette.toml", format!("{CONFIG}encoding = \"euc-kr\"\n"));
    let (head, _, _) = encoding_rs::EUC_KR.encode("+++\ntitle = \"항만\"\ndate = 2024-05-01\n+++\n첫 줄\n둘째 ");
    let mut bytes = head.into_owned();
    bytes.extend_from_slice(b"\xff\xfe end\n");
    site.file("content/economy/bad.md", &bytes)
        .file("content/economy/good.md", "+++\ntitle = \"ok\"\ndate = 2024-05-01\n+++\nASCII is EUC-KR too.\n");
    let err = site.build_err(NOW);
    let lines = error_lines(&err);
    assert!(
        lines.iter().any(|l| l.contains("content/economy/bad.md:6:4") && l.contains("0xFF") && l.contains("EUC-KR")),
        "{lines:?}\n{err}"
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn an_unknown_encoding_label_is_a_located_config_error() {
    let site = Site::new();
    site.file("gazette.toml", format!("{CONFIG}encoding = \"euc-jp-ish\"\n[encodings]\n\"archive\" = \"sjis\"\n"))
        .file("content/economy/x.md", "+++\ntitle = \"x\"\ndate = 2024-05-01\n+++\nx\n");
    let err = site.build_err(NOW);
    let lines = error_lines(&err);
    assert!(lines.iter().any(|l| l.contains("gazette.toml:4:12") && l.contains("unknown encoding")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("gazette.toml:6:1") && l.contains("under content/")), "{lines:?}");
}

#[test]
fn a_korean_flash_its_bulletin_and_the_full_story_are_one_chain_in_the_desks_order() {
    let site = Site::new();
    let lede = "(하버시티=연합뉴스) 홍길동 기자 = 마렌란드 항만 노사가 1일 임금 협상을 타결했다";
    site.file("gazette.toml", CONFIG)
        // The full story is filed first in path order, so only the tags can put it last.
        .file("content/economy/2024/05/01/0900-c.txt", format!("마렌란드 항만 파업 타결…내일부터 정상 하역(종합)\n{lede}. 파업은 엿새 만에 끝났다.\n항만청은 2일부터 정상 하역을 재개한다고 밝혔다.\n(끝)\n"))
        .file("content/economy/2024/05/01/0900-a.txt", format!("[속보] 마렌란드 항만 파업 타결\n{lede}.\n(끝)\n"))
        .file("content/economy/2024/05/01/0900-b.txt", format!("마렌란드 항만 파업 타결(2보)\n{lede}. 파업이 끝났다.\n(끝)\n"));
    let out = site.build_ok(NOW);
    assert!(out.contains("built 1 stories from 3 files"), "{out}");
    let page = site.read("economy/2024/05/01/마렌란드-항만-파업-타결/index.html");
    let history = &page[page.find("class=\"version-list\"").expect("a version history")..];
    let tags: Vec<&str> = history
        .match_indices("<span class=\"version-tag\">")
        .map(|(i, m)| &history[i + m.len()..][..history[i + m.len()..].find('<').unwrap()])
        .collect();
    assert_eq!(tags, ["URGENT", "2보", "LEAD"], "[속보] < (2보) < (종합)");
}
