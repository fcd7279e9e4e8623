//! Locale: a language code and a date → the date as that language writes it, by ICU4X's CLDR
//! data (`icu_datetime`), never a hand-kept month table: `May 1, 2024`, `2024년 5월 1일`,
//! `2024年5月1日`, `1 mai 2024`, `1 مايو 2024`. Always the Gregorian calendar (news is dated so in
//! every edition), times on the 24-hour clock.
//!
//! Formatters are made once per language and kept for the life of the process; the `local_date`
//! template filter ([`local_date_filter`]) and the list titles of the plan call the same functions.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use icu_calendar::Gregorian;
use icu_datetime::fieldsets::{MD, T, Y, YM, YMD};
use icu_datetime::input::{Date as IcuDate, Time as IcuTime};
use icu_datetime::{DateTimeFormatterPreferences, FixedCalendarDateTimeFormatter};
use icu_locale_core::Locale;
use jiff::civil::Date;

/// How much of a date is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateStyle {
    /// Day, month written out, year: `May 1, 2024`.
    Day,
    /// The same with the month abbreviated where the language does: `May 1, 2024`, `Jan 5, 2024`.
    Short,
    /// Month and day, abbreviated where the language does: `May 1`.
    MonthDay,
    /// Month and year: `May 2024`.
    Month,
    /// The year: `2024`, `2024년`.
    Year,
}

impl DateStyle {
    fn parse(name: &str) -> Option<DateStyle> {
        match name {
            "day" | "long" => Some(DateStyle::Day),
            "short" | "medium" => Some(DateStyle::Short),
            "month" => Some(DateStyle::Month),
            "monthday" => Some(DateStyle::MonthDay),
            "year" => Some(DateStyle::Year),
            _ => None,
        }
    }
}

/// One language's formatters.
struct Formats {
    day: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    short: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    month: FixedCalendarDateTimeFormatter<Gregorian, YM>,
    month_day: FixedCalendarDateTimeFormatter<Gregorian, MD>,
    year: FixedCalendarDateTimeFormatter<Gregorian, Y>,
    time: FixedCalendarDateTimeFormatter<Gregorian, T>,
}

impl Formats {
    /// `None` when the code is no locale ICU4X can read (the config checks codes, so only a
    /// template passing a made-up `lang` gets here).
    fn new(code: &str) -> Option<Formats> {
        let locale = Locale::try_from_str(&format!("{code}-u-hc-h23")).ok()?;
        let prefs = DateTimeFormatterPreferences::from(&locale);
        Some(Formats {
            day: FixedCalendarDateTimeFormatter::try_new(prefs, YMD::long()).ok()?,
            short: FixedCalendarDateTimeFormatter::try_new(prefs, YMD::medium()).ok()?,
            month: FixedCalendarDateTimeFormatter::try_new(prefs, YM::long()).ok()?,
            month_day: FixedCalendarDateTimeFormatter::try_new(prefs, MD::medium()).ok()?,
            year: FixedCalendarDateTimeFormatter::try_new(prefs, Y::long()).ok()?,
            time: FixedCalendarDateTimeFormatter::try_new(prefs, T::hm()).ok()?,
        })
    }
}

thread_local! {
    /// Formatters by language code. ICU4X formatters are not `Sync`, so each render thread keeps
    /// its own (a few per thread, made once).
    static CACHE: RefCell<HashMap<String, Option<Rc<Formats>>>> = RefCell::new(HashMap::new());
}

/// The formatters of `code`, made on first use.
fn formats(code: &str) -> Option<Rc<Formats>> {
    CACHE.with(|cache| {
        if let Some(f) = cache.borrow().get(code) {
            return f.clone();
        }
        let made = Formats::new(code).map(Rc::new);
        cache.borrow_mut().insert(code.to_string(), made.clone());
        made
    })
}

/// A calendar date as `code` writes it.
pub fn date_text(code: &str, date: Date, style: DateStyle) -> String {
    let icu = IcuDate::try_new_gregorian(i32::from(date.year()), date.month() as u8, date.day() as u8);
    match (formats(code), icu) {
        (Some(f), Ok(d)) => match style {
            DateStyle::Day => f.day.format(&d).to_string(),
            DateStyle::Short => f.short.format(&d).to_string(),
            DateStyle::Month => f.month.format(&d).to_string(),
            DateStyle::MonthDay => f.month_day.format(&d).to_string(),
            DateStyle::Year => f.year.format(&d).to_string(),
        },
        _ => match style {
            DateStyle::Day => date.strftime("%B %-d, %Y").to_string(),
            DateStyle::Short => date.strftime("%b %-d, %Y").to_string(),
            DateStyle::Month => date.strftime("%B %Y").to_string(),
            DateStyle::MonthDay => date.strftime("%b %-d").to_string(),
            DateStyle::Year => date.year().to_string(),
        },
    }
}

/// A time of day (hours and minutes, 24-hour clock) as `code` writes it: `09:30`, `٠٩:٣٠`.
pub fn time_text(code: &str, time: jiff::civil::Time) -> String {
    let icu = IcuTime::try_new(time.hour() as u8, time.minute() as u8, 0, 0);
    match (formats(code), icu) {
        (Some(f), Ok(t)) => f.time.format(&t).to_string(),
        _ => time.strftime("%H:%M").to_string(),
    }
}

/// `{{ value | local_date(lang="ko", style="day", time=true, joiner=", ") }}`: an RFC 3339 time
/// (what every date in a view is) written in `lang` (default `en`), in the offset it carries.
/// `style` is `day` (default), `short`, `monthday`, `month` or `year`; with `time = true` the time of day
/// follows, after `joiner` (default `", "`; the theme takes it from the UI strings).
pub fn local_date_filter(value: &str, kwargs: tera::Kwargs, _: &tera::State) -> tera::TeraResult<String> {
    let lang = kwargs.get::<&str>("lang")?.unwrap_or("en");
    let style_name = kwargs.get::<&str>("style")?.unwrap_or("day");
    let style = DateStyle::parse(style_name).ok_or_else(|| {
        tera::Error::message(format!("local_date: style `{style_name}` (use day, short, monthday, month or year)"))
    })?;
    let with_time = kwargs.get::<bool>("time")?.unwrap_or(false);
    let joiner = kwargs.get::<&str>("joiner")?.unwrap_or(", ");
    let local = written_time(value)
        .ok_or_else(|| tera::Error::message(format!("local_date: `{value}` is not an RFC 3339 time")))?;
    let mut out = date_text(lang, local.date(), style);
    if with_time {
        out.push_str(joiner);
        out.push_str(&time_text(lang, local.time()));
    }
    Ok(out)
}

/// The date and time an RFC 3339 value is written with (in its own offset, which is what a
/// reader of that page is shown): `2024-05-01T23:30:00+09:00` → May 1, 23:30.
fn written_time(value: &str) -> Option<jiff::civil::DateTime> {
    value.parse::<jiff::Timestamp>().ok()?;
    value.get(..19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_per_language() {
        let d = jiff::civil::date(2024, 5, 1);
        let cases = [
            ("en", DateStyle::Day, "May 1, 2024"),
            ("en", DateStyle::Short, "May 1, 2024"),
            ("en", DateStyle::Month, "May 2024"),
            ("en", DateStyle::Year, "2024"),
            ("ko", DateStyle::Day, "2024년 5월 1일"),
            ("ja", DateStyle::Day, "2024年5月1日"),
            ("zh", DateStyle::Day, "2024年5月1日"),
            ("fr", DateStyle::Day, "1 mai 2024"),
            ("es", DateStyle::Day, "1 de mayo de 2024"),
            ("ar", DateStyle::Day, "1 مايو 2024"),
            ("ko", DateStyle::Month, "2024년 5월"),
            ("en", DateStyle::MonthDay, "May 1"),
        ];
        for (code, style, want) in cases {
            assert_eq!(date_text(code, d, style), want, "{code} {style:?}");
        }
        assert_eq!(date_text("en", jiff::civil::date(2024, 1, 5), DateStyle::Short), "Jan 5, 2024");
    }

    #[test]
    fn times_are_on_the_24_hour_clock() {
        let t = jiff::civil::time(9, 5, 0, 0);
        assert_eq!(time_text("en", t), "09:05");
        assert_eq!(time_text("ko", jiff::civil::time(21, 30, 0, 0)), "21:30");
    }

    #[test]
    fn rfc3339_keeps_its_offset() {
        let z = written_time("2024-05-01T23:30:00+09:00").unwrap();
        assert_eq!((z.date(), z.time().hour()), (jiff::civil::date(2024, 5, 1), 23));
        assert!(written_time("yesterday").is_none());
        assert!(written_time("2024-05-01T23:30:00 and more").is_none());
    }
}
