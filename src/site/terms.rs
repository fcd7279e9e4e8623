//! Headline terms and their weights: the shared measure behind version grouping and related
//! headline matching. A term's weight is its rarity across the site's headlines (inverse document
//! frequency), so "Yonhap" or "says" count little and "KADIZ" counts a lot.

use rustc_hash::FxHashMap;

use crate::text::{normalize_headline, tokens};

/// The distinct words of a headline (tags already removed), sorted.
pub fn headline_terms(headline: &str) -> Vec<String> {
    let norm = normalize_headline(headline);
    let mut t: Vec<String> = tokens(&norm).map(str::to_string).collect();
    t.sort();
    t.dedup();
    t
}

/// Document frequencies of terms over a set of documents.
#[derive(Debug, Default)]
pub struct Weights {
    df: FxHashMap<String, u32>,
    docs: u32,
}

impl Weights {
    pub fn new<'a>(docs: impl IntoIterator<Item = &'a [String]>) -> Self {
        let mut w = Weights::default();
        for terms in docs {
            w.docs += 1;
            for t in terms {
                *w.df.entry(t.clone()).or_insert(0) += 1;
            }
        }
        w
    }

    pub fn df(&self, term: &str) -> u32 {
        self.df.get(term).copied().unwrap_or(0)
    }

    /// `ln(1 + N / df)`: a term seen nowhere else weighs most.
    pub fn weight(&self, term: &str) -> f64 {
        Self::idf(self.docs.max(1) as f64, self.df(term))
    }

    /// The weight of a term `df` of `n` documents have (at least one: a term seen nowhere weighs
    /// as one seen once).
    pub fn idf(n: f64, df: u32) -> f64 {
        (1.0 + n / df.max(1) as f64).ln()
    }

    /// Weighted overlap of two sorted term lists: the shared weight over the smaller side's weight.
    /// 1.0 when one headline's words are all in the other.
    pub fn overlap(&self, a: &[String], b: &[String]) -> f64 {
        let (mut i, mut j, mut shared) = (0, 0, 0.0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += self.weight(&a[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        let wa: f64 = a.iter().map(|t| self.weight(t)).sum();
        let wb: f64 = b.iter().map(|t| self.weight(t)).sum();
        let smaller = wa.min(wb);
        if smaller <= 0.0 { 0.0 } else { shared / smaller }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reworded_versions_overlap() {
        let a = headline_terms("Russian, Chinese warplanes enter S. Korea's air defense zone without notice: JCS");
        let b = headline_terms("Multiple Russian, Chinese warplanes enter KADIZ without notice: JCS");
        let c = headline_terms("BTS to meet Biden at White House to discuss anti-Asian hate crimes");
        let w = Weights::new([a.as_slice(), b.as_slice(), c.as_slice()]);
        assert!(w.overlap(&a, &b) > 0.6, "{}", w.overlap(&a, &b));
        assert!(w.overlap(&a, &c) < 0.2, "{}", w.overlap(&a, &c));
    }
}
