//! HTTP helpers for classifying responses and honouring `Retry-After`.
//!
//! [`is_retryable_status`] says whether a response status is worth another
//! attempt; [`retry_after`] and [`retry_after_at`] turn a `Retry-After` header
//! value (RFC 9110 §10.2.3) into a delay.
//!
//! These helpers report what the server asked for and nothing more. A hint is
//! never trusted past `max_delay`, but that cap is enforced by the retry loop,
//! not here: code calling these functions directly must cap the result itself.
//!
//! ```
//! use std::time::Duration;
//! use retry_runtime::http::{is_retryable_status, retry_after};
//!
//! let (status, header) = (503, "120");
//! assert!(is_retryable_status(status));
//! assert_eq!(retry_after(header), Some(Duration::from_secs(120)));
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

// reqwest support lives in a file of its own, behind its feature.
#[cfg(feature = "reqwest")]
#[path = "http_reqwest.rs"]
mod reqwest_support;
#[cfg(feature = "reqwest")]
pub use reqwest_support::{retry_after_headers, retry_after_response};

const NANOS_PER_SEC: i128 = 1_000_000_000;
const NANOS_PER_DAY: i128 = 86_400 * NANOS_PER_SEC;
const SECS_PER_DAY: i64 = 86_400;
const SHORT_DAYS: &str = "Mon Tue Wed Thu Fri Sat Sun";
const LONG_DAYS: &str = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday";
const MONTHS: &str = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec";

// What follows the day name in each HTTP-date format (RFC 9110 §5.6.7), one
// byte of layout per byte of input: `D` day digit, `d` day digit or padding
// space, `NNN` month name, `Y` year digit, `hh:mm:ss` time digits; any other
// byte must appear as is. Every format has a fixed width, which keeps the
// parser to a single zip with no cursor arithmetic to get wrong.
const IMF_FIXDATE: &[u8] = b", DD NNN YYYY hh:mm:ss GMT";
const RFC850_DATE: &[u8] = b", DD-NNN-YY hh:mm:ss GMT";
const ASCTIME_DATE: &[u8] = b" NNN dD hh:mm:ss YYYY";

/// Returns `true` for statuses that signal a transient failure worth
/// retrying: 408, 425, 429, 500, 502, 503 and 504 (timeouts, "too early",
/// rate limiting, server and gateway failures); `false` for all others.
///
/// ```
/// use retry_runtime::http::is_retryable_status;
///
/// assert!(is_retryable_status(503));
/// assert!(!is_retryable_status(404));
/// ```
#[must_use]
pub const fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 500 | 502 | 503 | 504)
}

/// Parses a `Retry-After` header value into a delay from [`SystemTime::now`].
///
/// Shorthand for [`retry_after_at`]`(value, SystemTime::now())`; see there for
/// the accepted forms. The result is uncapped: the retry loop applies `max_delay`.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::http::retry_after;
///
/// assert_eq!(retry_after("120"), Some(Duration::from_secs(120)));
/// assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
/// assert_eq!(retry_after("soon"), None);
/// ```
#[must_use]
pub fn retry_after(value: &str) -> Option<Duration> {
    retry_after_at(value, SystemTime::now())
}

/// Parses a `Retry-After` header value into a delay measured from `now`.
///
/// Accepts both forms of RFC 9110 §10.2.3, with optional surrounding spaces
/// and tabs:
///
/// * delay-seconds (`1*DIGIT`); values past `u64::MAX` seconds saturate.
/// * HTTP-date as IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850
///   (`Sunday, 06-Nov-94 08:49:37 GMT`) or asctime (`Sun Nov  6 08:49:37 1994`),
///   giving `date - now`, or [`Duration::ZERO`] for a date at or before `now`.
///
/// Deliberately lenient: day names, month names and `GMT` match in any ASCII
/// case (RFC 9110 spells them case-sensitively, but folding cannot make a
/// value ambiguous); the day name need not agree with the date; second `60`
/// reads as `59`. An RFC 850 two-digit year is the year ending in those digits
/// from 49 years before to 50 years after `now`'s year, so one that would be
/// more than 50 years ahead is from the previous century (RFC 9110 §5.6.7).
/// Anything else (signs, fractions, 31 Nov, 29 Feb of a common year, other
/// zones, wrong field widths, trailing text) gives `None`. No input can make
/// it panic.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use retry_runtime::http::retry_after_at;
///
/// let now = UNIX_EPOCH + Duration::from_secs(784_111_777 - 90);
/// let in_90s = Some(Duration::from_secs(90));
/// assert_eq!(retry_after_at("Sun, 06 Nov 1994 08:49:37 GMT", now), in_90s);
/// assert_eq!(retry_after_at("Sun Nov  6 08:49:37 1994", now), in_90s);
/// assert_eq!(retry_after_at(" 90\t", now), in_90s);
/// assert_eq!(retry_after_at("-5", now), None);
/// ```
#[must_use]
pub fn retry_after_at(value: &str, now: SystemTime) -> Option<Duration> {
    let value = trim_ows(value.as_bytes());
    // Every HTTP-date starts with a day name, so one leading digit settles the form.
    if value.first().is_some_and(u8::is_ascii_digit) {
        delay_seconds(value).map(Duration::from_secs)
    } else {
        let now = unix_nanos(now);
        http_date(value, now).map(|date| until(date, now))
    }
}

/// RFC 9110's OWS is only SP and HTAB; CR, LF and friends stay and fail the parse.
fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

/// Saturates rather than failing: an absurd wait still means "not soon", and
/// the retry loop's cap turns it into `max_delay`.
fn delay_seconds(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0_u64, |acc, &byte| {
        let digit = byte.checked_sub(b'0').filter(|d| *d <= 9)?;
        Some(acc.saturating_mul(10).saturating_add(u64::from(digit)))
    })
}

/// Signed, so a clock set before 1970 still compares correctly. Cannot
/// overflow: |Duration| < 2^64 s, i.e. < 2^94 ns.
fn unix_nanos(time: SystemTime) -> i128 {
    let nanos = |d: Duration| i128::from(d.as_secs()) * NANOS_PER_SEC + i128::from(d.subsec_nanos());
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => nanos(after),
        Err(before) => -nanos(before.duration()),
    }
}

fn until(date_secs: i64, now_nanos: i128) -> Duration {
    let ahead = i128::from(date_secs) * NANOS_PER_SEC - now_nanos;
    if ahead <= 0 {
        return Duration::ZERO;
    }
    let secs = u64::try_from(ahead / NANOS_PER_SEC).unwrap_or(u64::MAX);
    let nanos = u32::try_from(ahead % NANOS_PER_SEC).unwrap_or(0);
    Duration::new(secs, nanos)
}

/// Unix seconds of an HTTP-date; the day name picks the format.
fn http_date(bytes: &[u8], now_nanos: i128) -> Option<i64> {
    let name_len = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (name, rest) = bytes.split_at_checked(name_len)?;
    let layout = if is_one_of(name, LONG_DAYS) {
        RFC850_DATE
    } else if !is_one_of(name, SHORT_DAYS) {
        return None;
    } else if rest.starts_with(b",") {
        IMF_FIXDATE
    } else {
        ASCTIME_DATE
    };
    let [year, month, day, hour, minute, second] = read_fields(layout, rest)?;
    let year = if layout == RFC850_DATE {
        full_year(year, now_nanos)
    } else {
        i64::from(year)
    };
    unix_seconds(year, month, day, [hour, minute, second])
}

fn unix_seconds(year: i64, month: u32, day: u32, [hour, minute, second]: [u32; 3]) -> Option<i64> {
    let in_range = (1..=days_in_month(year, month)).contains(&day);
    (in_range && hour <= 23 && minute <= 59 && second <= 60).then_some(())?;
    // Unix time has no leap seconds; :59 is the nearest instant it can name.
    let clock = i64::from(hour * 3600 + minute * 60 + second.min(59));
    days_from_civil(year, month, day)
        .checked_mul(SECS_PER_DAY)?
        .checked_add(clock)
}

fn is_one_of(word: &[u8], names: &str) -> bool {
    names
        .split(' ')
        .any(|name| name.as_bytes().eq_ignore_ascii_case(word))
}

/// Reads `input` against one of the layouts above into `[year, month, day,
/// hour, minute, second]`, unchecked. Literals match in any ASCII case, so
/// `gmt` is accepted as leniently as the names are.
fn read_fields(layout: &[u8], input: &[u8]) -> Option<[u32; 6]> {
    if input.len() != layout.len() {
        return None;
    }
    let mut fields = [0_u32; 6];
    for (&want, &got) in layout.iter().zip(input) {
        let slot = match want {
            b'Y' => 0,
            b'D' | b'd' => 2,
            b'h' => 3,
            b'm' => 4,
            b's' => 5,
            b'N' => continue, // the month name is read whole below
            _ if want.eq_ignore_ascii_case(&got) => continue,
            _ => return None,
        };
        // asctime pads a one-digit day with a space rather than a zero.
        if want == b'd' && got == b' ' {
            continue;
        }
        let digit = got.checked_sub(b'0').filter(|d| *d <= 9)?;
        // At most four digits per field, so this cannot overflow.
        fields[slot] = fields[slot] * 10 + u32::from(digit);
    }
    let at = layout.iter().position(|&b| b == b'N')?;
    fields[1] = month_number(input.get(at..at + 3)?)?;
    Some(fields)
}

fn month_number(name: &[u8]) -> Option<u32> {
    let mut months = MONTHS.split(' ');
    let index = months.position(|m| m.as_bytes().eq_ignore_ascii_case(name))?;
    u32::try_from(index + 1).ok()
}

/// RFC 9110 §5.6.7: a year that "appears to be more than 50 years in the
/// future" belongs to the past century. So take the one year ending in
/// `two_digits` within `current - 49 ..= current + 50`; sliding the window
/// with `now` keeps this right near a century's end (in 2099, `01` is 2101).
fn full_year(two_digits: u32, now_nanos: i128) -> i64 {
    // |now| < 2^64 s, so the day count always fits an i64.
    let today = i64::try_from(now_nanos.div_euclid(NANOS_PER_DAY)).unwrap_or_default();
    let current = year_of_day(today);
    current - 49 + (i64::from(two_digits) - current + 49).rem_euclid(100)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard
/// Hinnant's algorithm). Years stay below 1e12 in magnitude (a 4-digit field,
/// or an RFC 850 year beside an extreme clock), far from overflow here.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Counting years from March puts the leap day last, where it is easy.
    let year = if month <= 2 { year - 1 } else { year };
    let (era, year_of_era) = (year.div_euclid(400), year.rem_euclid(400));
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Inverse of [`days_from_civil`], year only.
fn year_of_day(days: i64) -> i64 {
    let shifted = days + 719_468;
    let (era, day_of_era) = (shifted.div_euclid(146_097), shifted.rem_euclid(146_097));
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // March-based years: January and February belong to the next civil year.
    let in_jan_or_feb = (5 * day_of_year + 2) / 153 >= 10;
    era * 400 + year_of_era + i64::from(in_jan_or_feb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOV_6_1994: u64 = 784_111_777; // 1994-11-06T08:49:37Z
    const FEB_29_2024: u64 = 1_709_164_800;
    const MAX_TS: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    const BILLION: u32 = 1_000_000_000;
    const FORTY_YEARS: u64 = 40 * 365 * 86_400; // well inside RFC 850's 100-year window
    const MALFORMED: &str = "\
        -5\n+3\n1.5\n5 s\nabc\n0x10\n1e3\n\u{663}\n\
        Sun, 32 Nov 1994 08:49:37 GMT\nSun, 00 Nov 1994 08:49:37 GMT\n\
        Sun, 31 Nov 1994 08:49:37 GMT\nSun, 06 Foo 1994 08:49:37 GMT\n\
        Sun, 06 Nov 1994 08:49:37\nSun, 06 Nov 1994 08:49:37 UTC\n\
        Sun, 06 Nov 1994 08:49:37 GMT junk\nSun, 06 Nov 1994 24:00:00 GMT\n\
        Sun, 06 Nov 1994 08:60:00 GMT\nSun, 06 Nov 1994 08:49:61 GMT\n\
        Sun, 6 Nov 1994 08:49:37 GMT\nSun, 06 Nov 94 08:49:37 GMT\n\
        Sun, 06 Nov 1994 8:49:37 GMT\nSun,06 Nov 1994 08:49:37 GMT\n\
        Xyz, 06 Nov 1994 08:49:37 GMT\nSunday, 06 Nov 1994 08:49:37 GMT\n\
        Sun, 06-Nov-94 08:49:37 GMT\nSunday, 06-Nov-1994 08:49:37 GMT\n\
        Sun Nov 6 08:49:37 1994\nSun Nov  6 08:49:37 1994 GMT\n\
        Sunday Nov  6 08:49:37 1994\nSun Nov 6  08:49:37 1994\n\
        S\u{fc}n, 06 Nov 1994 08:49:37 GMT\nSun, 06 Nov 1994 08:49:37 GMT\0";

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn secs(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n))
    }

    #[test]
    fn exactly_the_transient_statuses_are_retryable() {
        let transient = [408, 425, 429, 500, 502, 503, 504];
        for status in 0..=u16::MAX {
            assert_eq!(is_retryable_status(status), transient.contains(&status));
        }
    }

    #[test]
    fn all_three_date_forms() {
        let parse = |value| retry_after_at(value, at(NOV_6_1994 - 100));
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), secs(100));
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT"), secs(100));
        assert_eq!(parse("Sun Nov  6 08:49:37 1994"), secs(100));
        assert_eq!(parse("Wed Nov 16 08:49:37 1994"), secs(10 * 86_400 + 100));
    }

    #[test]
    fn whitespace_case_weekday_and_leap_second_leniency() {
        let parse = |value| retry_after_at(value, at(NOV_6_1994 - 1));
        assert_eq!(parse(" \t 120\t "), secs(120));
        assert_eq!(parse("007"), secs(7));
        assert_eq!(parse(" \t Sun, 06 Nov 1994 08:49:37 GMT\t "), secs(1));
        assert_eq!(parse("sun, 06 nov 1994 08:49:37 gmt"), secs(1));
        assert_eq!(parse("SUNDAY, 06-NOV-94 08:49:37 GMT"), secs(1));
        assert_eq!(parse("Mon, 06 Nov 1994 08:49:37 GMT"), secs(1));
        assert_eq!(parse("Sun Nov 06 08:49:37 1994"), secs(1));
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:60 GMT"), secs(23));
    }

    #[test]
    fn leap_years() {
        let parse = |value| retry_after_at(value, UNIX_EPOCH);
        assert_eq!(parse("Thu, 29 Feb 2024 00:00:00 GMT"), secs(FEB_29_2024));
        assert_eq!(parse("Tue, 29 Feb 2000 00:00:00 GMT"), secs(951_782_400));
        assert_eq!(parse("Wed, 29 Feb 2023 00:00:00 GMT"), None);
        assert_eq!(parse("Thu, 29 Feb 1900 00:00:00 GMT"), None);
        assert_eq!(parse("Wed, 28 Feb 1900 00:00:00 GMT"), secs(0)); // pre-1970 is fine
    }

    #[test]
    fn dates_at_or_before_now_mean_now() {
        let imf = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(retry_after_at(imf, at(NOV_6_1994)), secs(0));
        assert_eq!(retry_after_at(imf, at(FEB_29_2024)), secs(0));
        assert_eq!(retry_after(imf), secs(0));
        let quarter_second_early = at(NOV_6_1994) - Duration::from_millis(250);
        let delay = retry_after_at(imf, quarter_second_early);
        assert_eq!(delay, Some(Duration::from_millis(250)));
    }

    #[test]
    fn rfc850_century_follows_now() {
        let in_2024 = |value| retry_after_at(value, at(FEB_29_2024));
        let jan_1_2074 = 3_281_990_400;
        let delay = in_2024("Monday, 01-Jan-74 00:00:00 GMT");
        assert_eq!(delay, secs(jan_1_2074 - FEB_29_2024));
        assert_eq!(in_2024("Wednesday, 01-Jan-75 00:00:00 GMT"), secs(0)); // 1975
        let (dec_31_2099, jan_1_2101) = (4_102_358_400, 4_133_980_800);
        let delay = retry_after_at("Saturday, 01-Jan-01 00:00:00 GMT", at(dec_31_2099));
        assert_eq!(delay, secs(jan_1_2101 - dec_31_2099));
    }

    #[test]
    fn malformed_values() {
        let odd = ["", " \t ", "1\n", "\r\n1"];
        for value in odd.into_iter().chain(MALFORMED.lines()) {
            assert_eq!(retry_after_at(value, at(0)), None, "{value:?}");
        }
    }

    #[test]
    fn huge_delays_saturate() {
        let max = secs(u64::MAX);
        assert_eq!(retry_after("99999999999999999999999"), max);
        assert_eq!(retry_after("18446744073709551616"), max);
        assert_eq!(retry_after(&"9".repeat(99_999)), max);
        assert_eq!(retry_after(&format!("{}42", "0".repeat(99_999))), secs(42));
    }

    #[test]
    fn extreme_clocks_are_harmless() {
        for now in [clock(i64::MAX, BILLION - 1), clock(i64::MIN + 1, 0)] {
            let [imf, rfc850, asctime] = http_dates(NOV_6_1994);
            assert!(retry_after_at(&imf, now).is_some());
            assert!(retry_after_at(&asctime, now).is_some());
            let _ = retry_after_at(&rfc850, now); // None if the year overflows Unix seconds
        }
    }

    /// `t` as IMF-fixdate, RFC 850 and asctime. Deliberately naive (walks
    /// year by year) so it shares no logic with the parser.
    fn http_dates(t: u64) -> [String; 3] {
        const LEN: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let leap = |y: u64| u64::from(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
        let (mut d, clock) = (t / 86_400, t % 86_400);
        let weekday = (d as usize + 3) % 7; // 1970-01-01 was a Thursday
        let (mut year, mut month) = (1970, 0);
        while d >= 365 + leap(year) {
            d -= 365 + leap(year);
            year += 1;
        }
        while d >= LEN[month] + leap(year) * u64::from(month == 1) {
            d -= LEN[month] + leap(year) * u64::from(month == 1);
            month += 1;
        }
        let name = |names: &'static str, i| names.split(' ').nth(i).unwrap_or_default();
        let (wd, long) = (name(SHORT_DAYS, weekday), name(LONG_DAYS, weekday));
        let (mon, d) = (name(MONTHS, month), d + 1);
        let (h, m, s) = (clock / 3600, clock / 60 % 60, clock % 60);
        let hms = format!("{h:02}:{m:02}:{s:02}");
        [
            format!("{wd}, {d:02} {mon} {year:04} {hms} GMT"),
            format!("{long}, {d:02}-{mon}-{:02} {hms} GMT", year % 100),
            format!("{wd} {mon} {d:>2} {hms} {year:04}"),
        ]
    }

    /// Any instant a `SystemTime` can hold, including before 1970.
    fn clock(secs: i64, nanos: u32) -> SystemTime {
        let offset = Duration::new(secs.unsigned_abs(), nanos);
        let shifted = if secs < 0 {
            UNIX_EPOCH.checked_sub(offset)
        } else {
            UNIX_EPOCH.checked_add(offset)
        };
        shifted.unwrap_or(UNIX_EPOCH)
    }

    fn expected(date: u64, now: SystemTime) -> Option<Duration> {
        Some(at(date).duration_since(now).unwrap_or(Duration::ZERO))
    }

    fn fragment() -> impl Strategy<Value = &'static str> {
        let all = "Sun Sunday Feb Nov nOV GMT , - : 0 6 06 29 60 94 1994 9999 08:49:37 \u{e9}";
        prop::sample::select(all.split(' ').chain([" ", "  ", "\t"]).collect::<Vec<_>>())
    }

    proptest! {
        #[test]
        fn never_panics_on_any_string(value: String, s: i64, n in 0..BILLION) {
            let _ = retry_after_at(&value, clock(s, n));
        }

        #[test]
        fn never_panics_on_header_like_text(value in "[ \t0-9A-Za-z,:+-]{0,40}", s: i64) {
            let _ = retry_after_at(&value, clock(s, 0));
        }

        #[test]
        fn never_panics_on_date_fragments(parts in prop::collection::vec(fragment(), 0..14)) {
            let _ = retry_after_at(&parts.concat(), at(NOV_6_1994));
        }

        #[test]
        fn delay_seconds_round_trip(n: u32, s: i64) {
            prop_assert_eq!(retry_after_at(&n.to_string(), clock(s, 0)), secs(n.into()));
        }

        #[test]
        fn imf_fixdate_and_asctime_round_trip(t in 0..=MAX_TS, s: i64, n in 0..BILLION) {
            let [imf, _, asctime] = http_dates(t);
            let now = clock(s % (MAX_TS as i64 + 1), n);
            prop_assert_eq!(retry_after_at(&imf, now), expected(t, now), "{}", imf);
            prop_assert_eq!(retry_after_at(&asctime, now), expected(t, now), "{}", asctime);
        }

        #[test]
        fn rfc850_round_trips_within_its_window(t in 0..=MAX_TS, back in 0..=FORTY_YEARS) {
            let [_, rfc850, _] = http_dates(t);
            let now = at(t.saturating_sub(back)) + Duration::from_nanos(back % 1_000_000_000);
            prop_assert_eq!(retry_after_at(&rfc850, now), expected(t, now), "{}", rfc850);
        }
    }
}
