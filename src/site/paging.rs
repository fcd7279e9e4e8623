//! Paging: a list's length and the site's `per_page` → its pages, each a range of the list's
//! stories (newest first), with the pages before and after it.
//!
//! A list's front page (its own URL) holds the newest stories. Its archive pages, `BASE/page/N/`,
//! are numbered from the oldest: page 1 holds the oldest `per_page` stories, page 2 the next, and
//! so on, each page exactly `per_page` stories. The front holds the rest: at least `per_page`
//! (all of them in a shorter list) and fewer than twice that.
//!
//! Invariant: a story added as the newest moves no story between archive pages. It joins the
//! front; when the front reaches twice `per_page`, its older half becomes the next archive page.
//! So a newsroom's publish rewrites a list's front (and, once in `per_page` stories, one new page
//! and the link of the page below it), never the thousands of pages a newest-first numbering
//! moves by one story each. An archive page's URL keeps its stories for good, as a reader's
//! bookmark or a search engine expects.

use std::ops::Range;

/// One page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Page {
    /// The list's own URL: its newest stories.
    Front,
    /// `BASE/page/N/`, counted from the oldest page (1).
    Archive(usize),
}

impl Page {
    /// An archive page's number; none for the front.
    pub fn number(self) -> Option<usize> {
        match self {
            Page::Front => None,
            Page::Archive(n) => Some(n),
        }
    }
}

/// The pages one page links to: what its navigation shows, and so what its digest hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Links {
    pub newer: Option<Page>,
    pub older: Option<Page>,
    /// The page of the oldest stories; none on that page itself.
    pub oldest: Option<Page>,
}

/// How a list of `len` stories falls into pages of `per` stories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    len: usize,
    per: usize,
}

impl Paging {
    /// `per` is at least 1 (the config checks it).
    pub fn new(len: usize, per: usize) -> Paging {
        Paging { len, per: per.max(1) }
    }

    /// How many archive pages the list has, besides its front.
    pub fn archive_pages(&self) -> usize {
        (self.len / self.per).saturating_sub(1)
    }

    /// The front, then the archive pages newest first.
    pub fn pages(&self) -> impl Iterator<Item = Page> + use<> {
        std::iter::once(Page::Front).chain((1..=self.archive_pages()).rev().map(Page::Archive))
    }

    /// Whether the list has `page`.
    pub fn has(&self, page: Page) -> bool {
        match page {
            Page::Front => true,
            Page::Archive(n) => (1..=self.archive_pages()).contains(&n),
        }
    }

    /// Where `page`'s stories sit in the list, newest first (empty for a page the list lacks).
    pub fn range(&self, page: Page) -> Range<usize> {
        let front = self.len - self.archive_pages() * self.per;
        match page {
            Page::Front => 0..front,
            Page::Archive(n) if self.has(page) => self.len - n * self.per..self.len - (n - 1) * self.per,
            Page::Archive(_) => 0..0,
        }
    }

    /// The page of newer stories than `page`'s.
    pub fn newer(&self, page: Page) -> Option<Page> {
        match page {
            Page::Front => None,
            Page::Archive(n) if n < self.archive_pages() => Some(Page::Archive(n + 1)),
            Page::Archive(_) => Some(Page::Front),
        }
    }

    /// The page of older stories than `page`'s.
    pub fn older(&self, page: Page) -> Option<Page> {
        match page {
            Page::Front => (self.archive_pages() > 0).then(|| Page::Archive(self.archive_pages())),
            Page::Archive(n) => (n > 1).then(|| Page::Archive(n - 1)),
        }
    }

    /// The page of the oldest stories.
    pub fn oldest(&self) -> Page {
        if self.archive_pages() > 0 { Page::Archive(1) } else { Page::Front }
    }

    /// The pages `page` links to.
    pub fn links(&self, page: Page) -> Links {
        Links { newer: self.newer(page), older: self.older(page), oldest: Some(self.oldest()).filter(|&o| o != page) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_ranges_and_links() {
        use Page::*;
        // (stories, per page, pages in order with their ranges)
        type Case = (usize, usize, &'static [(Page, Range<usize>)]);
        let table: &[Case] = &[
            (0, 20, &[(Front, 0..0)]),
            (1, 20, &[(Front, 0..1)]),
            (20, 20, &[(Front, 0..20)]),
            (39, 20, &[(Front, 0..39)]),
            (40, 20, &[(Front, 0..20), (Archive(1), 20..40)]),
            (41, 20, &[(Front, 0..21), (Archive(1), 21..41)]),
            (65, 20, &[(Front, 0..25), (Archive(2), 25..45), (Archive(1), 45..65)]),
            (3, 1, &[(Front, 0..1), (Archive(2), 1..2), (Archive(1), 2..3)]),
        ];
        for (len, per, want) in table {
            let p = Paging::new(*len, *per);
            let got: Vec<(Page, Range<usize>)> = p.pages().map(|g| (g, p.range(g))).collect();
            assert_eq!(&got, want, "{len} stories, {per} a page");
            // Every story is on one page, in order; each page links to its neighbours both ways.
            let covered: Vec<usize> = got.iter().flat_map(|(_, r)| r.clone()).collect();
            assert_eq!(covered, (0..*len).collect::<Vec<_>>());
            let pages: Vec<Page> = p.pages().collect();
            for w in pages.windows(2) {
                assert_eq!(p.older(w[0]), Some(w[1]));
                assert_eq!(p.newer(w[1]), Some(w[0]));
            }
            assert_eq!(p.newer(Front), None);
            assert_eq!(p.older(*pages.last().unwrap()), None);
            assert_eq!(p.oldest(), *pages.last().unwrap());
            assert!(!p.has(Archive(0)) && !p.has(Archive(p.archive_pages() + 1)));
        }
    }

    /// Adding newest stories one at a time never moves a story of an archive page.
    #[test]
    fn a_newest_story_moves_no_archive_page() {
        for per in [1, 2, 7, 20] {
            for len in 0..200 {
                let (before, after) = (Paging::new(len, per), Paging::new(len + 1, per));
                for n in 1..=before.archive_pages() {
                    // Oldest-first positions: a newest-first index i of `len` stories is len-1-i.
                    let old = before.range(Page::Archive(n));
                    let new = after.range(Page::Archive(n));
                    assert_eq!((len - old.end, len - old.start), (len + 1 - new.end, len + 1 - new.start));
                }
                assert!(after.archive_pages() - before.archive_pages() <= 1);
                let front = after.range(Page::Front).len();
                assert!(len + 1 < per || (per..2 * per).contains(&front), "{len}+1 at {per}: front {front}");
            }
        }
    }
}
