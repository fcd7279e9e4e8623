//! The stories of the Google News window (`news-sitemap.xml`: first published within
//! `news.window_hours` of the build time, at most `news.max`, newest first). What `sitemap.xml`
//! lists is read off the plan (`plan::Listing`).

use crate::config::LangId;
use crate::site::{ChainId, Site};

/// The first time after the build time at which a story enters the news window (it is first
/// published then: a story dated ahead, built with `--future`) or leaves it: until then every
/// language's news sitemap lists the same stories.
pub fn next_change(site: &Site) -> Option<jiff::Zoned> {
    let now = &site.config().now;
    let window = window(site);
    site.chains()
        .iter()
        .flat_map(|c| [Some(c.first_published.clone()), c.first_published.checked_add(window).ok()])
        .flatten()
        .filter(|t| t > now)
        .min()
}

/// How far back from the build time the news window reaches (`news.window_hours`).
fn window(site: &Site) -> jiff::SignedDuration {
    jiff::SignedDuration::from_hours(i64::from(site.config().news.window_hours))
}

/// Listed stories of a language first published within the news window before the build time,
/// newest first.
pub fn news_items(site: &Site, lang: LangId) -> Vec<ChainId> {
    let now = &site.config().now;
    let window = window(site);
    let since = now.checked_sub(window).unwrap_or_else(|_| now.clone());
    let mut items: Vec<ChainId> = site
        .home(lang)
        .iter()
        .copied()
        .filter(|&c| {
            let t = &site.chain(c).first_published;
            *t >= since && t <= now
        })
        .collect();
    items.sort_by(|&a, &b| {
        let (ca, cb) = (&site.chain(a), &site.chain(b));
        cb.first_published.cmp(&ca.first_published).then_with(|| ca.path.cmp(&cb.path))
    });
    items.truncate(site.config().news.max);
    items
}
