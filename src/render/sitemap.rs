//! What the sitemaps list: every HTML page with its `lastmod` (`sitemap.xml`, split into an index
//! and parts past `sitemap_limit` URLs), and the stories of the Google News window
//! (`news-sitemap.xml`: first published within `news.window_hours` of the build time, at most
//! `news.max`, newest first).

use super::views::{SitemapEntry, rfc3339};
use crate::site::urls::{day_path, page_path, pages_for, section_path, tag_path};
use crate::site::{ChainId, Site, newest_first};

/// Every page of the site with its last modification, in a fixed order.
pub fn entries(site: &Site) -> Vec<SitemapEntry> {
    let per = site.config.per_page;
    let mut out = Vec::new();
    let mut list = |base: &str, chains: &[ChainId]| {
        for p in 1..=pages_for(chains.len(), per) {
            let first = chains.get((p - 1) * per);
            let lastmod = first.map(|&c| rfc3339(&site.chains[c].modified)).unwrap_or_default();
            out.push(SitemapEntry { url: site.permalink(&page_path(base, p)), lastmod });
        }
    };
    list("/", &site.home);
    for s in &site.sections {
        list(&section_path(&s.slug), &s.chains);
    }
    for t in &site.tags {
        list(&tag_path(&t.slug), &t.chains);
    }
    for d in &site.days {
        list(&day_path(d.date), &d.chains);
    }
    for c in newest_first(&site.chains) {
        let chain = &site.chains[c];
        out.push(SitemapEntry { url: site.permalink(&chain.path), lastmod: rfc3339(&chain.modified) });
    }
    out
}

/// How many `sitemap-N.xml` parts the site needs (1 means a single `sitemap.xml`).
pub fn parts(site: &Site) -> usize {
    let per = site.config.per_page;
    let lists = pages_for(site.home.len(), per)
        + site.sections.iter().map(|s| pages_for(s.chains.len(), per)).sum::<usize>()
        + site.tags.iter().map(|t| pages_for(t.chains.len(), per)).sum::<usize>()
        + site.days.iter().map(|d| pages_for(d.chains.len(), per)).sum::<usize>();
    (lists + site.chains.len()).div_ceil(site.config.sitemap_limit).max(1)
}

/// Listed stories first published within the news window before the build time, newest first.
pub fn news_items(site: &Site) -> Vec<ChainId> {
    let now = &site.config.now;
    let window = jiff::SignedDuration::from_hours(i64::from(site.config.news.window_hours));
    let since = now.checked_sub(window).unwrap_or_else(|_| now.clone());
    let mut items: Vec<ChainId> = site
        .home
        .iter()
        .copied()
        .filter(|&c| {
            let t = &site.chains[c].first_published;
            *t >= since && t <= now
        })
        .collect();
    items.sort_by(|&a, &b| {
        let (ca, cb) = (&site.chains[a], &site.chains[b]);
        cb.first_published.cmp(&ca.first_published).then_with(|| ca.path.cmp(&cb.path))
    });
    items.truncate(site.config.news.max);
    items
}
