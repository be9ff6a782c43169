//! Duration strings (`"250ms"`, `"1.5s"`, `"2m"`), parsed at compile time so a typo is an error
//! on the literal, not a surprise at run time.

use crate::suggest;

/// Nanoseconds in each unit the attribute accepts.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Spellings people reach for, and the unit they meant.
const ALIASES: &[(&str, &str)] = &[
    ("µs", "us"),
    ("μs", "us"),
    ("usec", "us"),
    ("micros", "us"),
    ("msec", "ms"),
    ("millis", "ms"),
    ("sec", "s"),
    ("secs", "s"),
    ("second", "s"),
    ("seconds", "s"),
    ("min", "m"),
    ("mins", "m"),
    ("minute", "m"),
    ("minutes", "m"),
    ("hr", "h"),
    ("hour", "h"),
    ("hours", "h"),
];

/// The largest duration the runtime represents exactly: `u64::MAX` nanoseconds (about 584
/// years). Larger values would saturate silently, so they are refused.
const MAX_NANOS: u128 = u64::MAX as u128;

/// Parses a duration string into nanoseconds, or says what is wrong with it.
pub(crate) fn parse(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("expected a duration such as \"100ms\"; units: ns, us, ms, s, m, h".into());
    }
    if trimmed.starts_with('-') {
        return Err(format!("a duration can't be negative: \"{text}\""));
    }
    let number_len = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(number_len);
    let unit = unit.trim_start();
    if number.is_empty() {
        return Err(format!(
            "expected a number before the unit in \"{text}\", such as \"100ms\""
        ));
    }
    if unit.is_empty() {
        return Err(format!(
            "missing unit in \"{text}\": write \"{number}ms\" or \"{number}s\" (units: ns, us, ms, s, m, h)"
        ));
    }
    let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(unknown_unit(text, unit));
    };
    let nanos = scaled(number, scale).ok_or_else(|| format!("malformed number in \"{text}\""))?;
    match nanos {
        Some(nanos) if nanos <= MAX_NANOS => Ok(nanos as u64),
        _ => Err(format!("\"{text}\" is too long: the limit is about 584 years")),
    }
}

fn unknown_unit(text: &str, unit: &str) -> String {
    let meant = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(unit))
        .map(|(_, unit)| *unit)
        .or_else(|| suggest::closest(unit, UNITS.iter().map(|(name, _)| *name)));
    let hint = meant
        .map(|m| format!("; did you mean `{m}`?"))
        .unwrap_or_default();
    format!("unknown unit `{unit}` in \"{text}\"; expected one of ns, us, ms, s, m, h{hint}")
}

/// `number × scale` exactly, for a decimal `number` ("1.5"); sub-nanosecond digits are dropped.
/// `None` for a malformed number; `Some(None)` for one too large.
fn scaled(number: &str, scale: u128) -> Option<Option<u128>> {
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return None;
    }
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut total = whole.checked_mul(scale);
    let mut place = scale;
    for digit in fraction.bytes() {
        place /= 10;
        let digit = u128::from(digit - b'0');
        total = total.and_then(|t| t.checked_add(digit * place));
    }
    Some(total)
}

/// A duration as people write it: `100ms`, `1.5s`, `2m`.
pub(crate) fn display(nanos: u64) -> String {
    let nanos = u128::from(nanos);
    if nanos == 0 {
        return "0s".into();
    }
    let (name, scale) = UNITS
        .iter()
        .rev()
        .copied()
        .find(|&(name, scale)| nanos >= scale && (nanos % scale == 0 || matches!(name, "s" | "ms" | "us")))
        .unwrap_or(("ns", 1));
    if nanos % scale == 0 {
        return format!("{}{name}", nanos / scale);
    }
    // Three decimals at most: "1.234s", trailing zeros dropped.
    let thousandths = nanos * 1000 / scale;
    let text = format!("{}.{:03}", thousandths / 1000, thousandths % 1000);
    format!("{}{name}", text.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_and_fractions() {
        assert_eq!(parse("250ms"), Ok(250_000_000));
        assert_eq!(parse("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse("2m"), Ok(120_000_000_000));
        assert_eq!(parse("1h"), Ok(3_600_000_000_000));
        assert_eq!(parse("7ns"), Ok(7));
        assert_eq!(parse("3us"), Ok(3_000));
        assert_eq!(parse(" 10 ms "), Ok(10_000_000));
        assert_eq!(parse(".5s"), Ok(500_000_000));
        assert_eq!(parse("0s"), Ok(0));
    }

    #[test]
    fn explains_mistakes() {
        assert!(parse("100").unwrap_err().contains("missing unit"));
        assert!(parse("100sec").unwrap_err().contains("did you mean `s`?"));
        assert!(parse("5 minutes").unwrap_err().contains("did you mean `m`?"));
        assert!(parse("-1s").unwrap_err().contains("negative"));
        assert!(parse("1.2.3s").unwrap_err().contains("malformed"));
        assert!(parse("ms").unwrap_err().contains("expected a number"));
        assert!(parse("").unwrap_err().contains("expected a duration"));
        assert!(parse("999999999999h").unwrap_err().contains("too long"));
    }

    #[test]
    fn displays_like_people_write() {
        assert_eq!(display(100_000_000), "100ms");
        assert_eq!(display(1_500_000_000), "1.5s");
        assert_eq!(display(10_000_000_000), "10s");
        assert_eq!(display(120_000_000_000), "2m");
        assert_eq!(display(90_000_000_000), "90s");
        assert_eq!(display(1_234_567_890), "1.234s");
        assert_eq!(display(0), "0s");
        assert_eq!(display(5), "5ns");
    }
}
