//! Bounds on rendering one page, so a template that loops without end or recurses fails the build
//! with a message instead of hanging it or filling the disk.
//!
//! In: a closure that renders one page through [`Capped`] (the page's output). Out: its bytes, or
//! the reason it was stopped. Tera itself refuses circular `extends`/`include` and deep component
//! recursion; what is left is bounded here, per page and per thread:
//! - output: at most [`MAX_PAGE_BYTES`];
//! - `range()`: at most [`MAX_RANGE_ITEMS`] numbers in all (nested loops over ranges);
//! - time: the page must be done within [`MAX_PAGE_TIME`], checked at each write and `range()`.

use std::cell::RefCell;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use tera::{Kwargs, State, TeraResult};

/// The most bytes one page may render to.
pub const MAX_PAGE_BYTES: usize = 256 << 20;
/// The most numbers all the `range()` calls of one page may produce together.
pub const MAX_RANGE_ITEMS: u64 = 10_000_000;
/// The longest one page may take to render.
pub const MAX_PAGE_TIME: Duration = Duration::from_secs(60);

struct Budget {
    deadline: Instant,
    range_left: u64,
    /// Why rendering was stopped, once it was.
    stopped: Option<String>,
}

thread_local! {
    static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

/// Runs `render` with a fresh budget on this thread. Returns its result and, when the budget ran
/// out, why (the caller reports that rather than Tera's own error).
pub fn with_budget<T>(render: impl FnOnce() -> T) -> (T, Option<String>) {
    BUDGET.with(|b| {
        *b.borrow_mut() =
            Some(Budget { deadline: Instant::now() + MAX_PAGE_TIME, range_left: MAX_RANGE_ITEMS, stopped: None })
    });
    let out = render();
    let stopped = BUDGET.with(|b| b.borrow_mut().take().and_then(|b| b.stopped));
    (out, stopped)
}

/// Records why rendering stops and returns it; `None` while within budget.
fn charge(range_items: u64) -> Option<String> {
    BUDGET.with(|b| {
        let mut b = b.borrow_mut();
        let b = b.as_mut()?;
        if b.stopped.is_none() {
            if Instant::now() > b.deadline {
                b.stopped = Some(format!(
                    "rendering took longer than {} s: does a loop in the template never end?",
                    MAX_PAGE_TIME.as_secs()
                ));
            } else if range_items > b.range_left {
                b.stopped = Some(format!(
                    "the template's range() calls produced more than {MAX_RANGE_ITEMS} numbers: nested loops without end?"
                ));
            } else {
                b.range_left -= range_items;
            }
        }
        b.stopped.clone()
    })
}

/// A page's output: a buffer that refuses to grow past its limit or the time budget.
pub struct Capped {
    pub bytes: Vec<u8>,
    limit: usize,
    /// Writes until the clock is read again (Tera writes in small pieces; reading the clock at
    /// each one cost 5% of a build).
    until_clock: u32,
}

/// Writes between two looks at the clock.
const CLOCK_EVERY: u32 = 4096;

impl Capped {
    /// A buffer holding at most [`MAX_PAGE_BYTES`], with room for a typical page.
    pub fn new() -> Self {
        let mut c = Capped::with_limit(MAX_PAGE_BYTES);
        c.bytes.reserve(32 << 10);
        c
    }

    pub fn with_limit(limit: usize) -> Self {
        Capped { bytes: Vec::new(), limit, until_clock: CLOCK_EVERY }
    }
}

impl Default for Capped {
    fn default() -> Self {
        Capped::new()
    }
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            let why = format!("the page grew past {} MiB: does a loop in the template never end?", self.limit >> 20);
            BUDGET.with(|b| {
                if let Some(b) = b.borrow_mut().as_mut() {
                    b.stopped.get_or_insert(why);
                }
            });
            return Err(io::Error::other("page too large"));
        }
        self.until_clock -= 1;
        if self.until_clock == 0 {
            self.until_clock = CLOCK_EVERY;
            if let Some(why) = charge(0) {
                return Err(io::Error::other(why));
            }
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Tera's `range(end, start=0, step_by=1)`, charged to the page's budget.
pub fn range(kwargs: Kwargs, _: &State) -> TeraResult<Vec<i128>> {
    let start = kwargs.get::<i128>("start")?.unwrap_or_default();
    let end = kwargs.must_get::<i128>("end")?;
    let step = kwargs.get::<i128>("step_by")?.unwrap_or(1);
    if step == 0 {
        return Err(tera::Error::message("range(): step_by must not be 0"));
    }
    if step > 0 && start > end {
        return Err(tera::Error::message("range(): start is greater than end"));
    }
    // Count without overflowing: the distance in steps, rounded up.
    let (span, by) = if step > 0 { (end.checked_sub(start), step) } else { (start.checked_sub(end), -step) };
    let len = match span {
        Some(span) if span <= 0 => 0,
        Some(span) => span.div_euclid(by) + i128::from(span.rem_euclid(by) != 0),
        None => i128::MAX,
    };
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    if let Some(why) = charge(len) {
        return Err(tera::Error::message(why));
    }
    Ok((0..len as i128).map(|i| start + i * step).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str) -> (Result<Vec<u8>, String>, Option<String>) {
        render_capped(template, MAX_PAGE_BYTES)
    }

    fn render_capped(template: &str, limit: usize) -> (Result<Vec<u8>, String>, Option<String>) {
        let mut tera = tera::Tera::new();
        tera.register_function("range", range);
        tera.add_raw_template("t", template).unwrap();
        with_budget(|| {
            let mut out = Capped::with_limit(limit);
            tera.render_to("t", &tera::Context::new(), &mut out).map(|_| out.bytes).map_err(|e| e.to_string())
        })
    }

    #[test]
    fn range_table() {
        // (template, output) — the same as Tera's own range().
        let table = [
            ("{% for i in range(end=3) %}{{ i }}{% endfor %}", "012"),
            ("{% for i in range(start=1, end=6, step_by=2) %}{{ i }}{% endfor %}", "135"),
            ("{% for i in range(start=5, end=0, step_by=-2) %}{{ i }}{% endfor %}", "531"),
            ("{% for i in range(start=2, end=2) %}{{ i }}{% endfor %}", ""),
            ("{% for i in range(start=-2, end=1) %}{{ i }},{% endfor %}", "-2,-1,0,"),
        ];
        for (template, want) in table {
            let (out, stopped) = render(template);
            assert_eq!(String::from_utf8(out.unwrap()).unwrap(), want, "{template}");
            assert_eq!(stopped, None);
        }
    }

    #[test]
    fn nested_ranges_without_output_are_stopped() {
        let (out, stopped) =
            render("{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% endfor %}{% endfor %}");
        assert!(out.is_err());
        assert!(stopped.unwrap().contains("range()"));
    }

    #[test]
    fn endless_output_is_stopped() {
        let (out, stopped) = render_capped(
            "{% for i in range(end=100000) %}{% for j in range(end=100000) %}{{ i }}{% endfor %}{% endfor %}",
            1 << 20,
        );
        assert!(out.is_err());
        assert!(stopped.unwrap().contains("MiB"));
    }

    #[test]
    fn the_budget_is_per_page() {
        for _ in 0..3 {
            let (out, stopped) = render("{% for i in range(end=100000) %}{% endfor %}x");
            assert_eq!(out.unwrap(), b"x");
            assert_eq!(stopped, None);
        }
    }
}
