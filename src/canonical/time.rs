//! Time in the canonical model: microseconds since the Unix epoch, UTC.
//!
//! Conversions to and from calendar dates are written out here (Howard Hinnant's
//! `days_from_civil` / `civil_from_days`) so that encoders can write timestamps straight into
//! their output buffer without allocating.

/// Microseconds per second.
pub const USEC_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Calendar fields of a UTC instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micro: u32,
}

impl Civil {
    pub fn from_usec(usec: i64) -> Civil {
        let secs = usec.div_euclid(USEC_PER_SEC);
        let micro = usec.rem_euclid(USEC_PER_SEC) as u32;
        let days = secs.div_euclid(SECS_PER_DAY);
        let sod = secs.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (sod / 3600) as u32,
            minute: ((sod % 3600) / 60) as u32,
            second: (sod % 60) as u32,
            micro,
        }
    }
}

fn push_digits(out: &mut Vec<u8>, value: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut v = value;
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out.extend_from_slice(&buf[..width]);
}

fn push_year(out: &mut Vec<u8>, year: i64) {
    if (0..=9999).contains(&year) {
        push_digits(out, year as u32, 4);
    } else {
        // ECMAScript's expanded years: sign and six digits.
        out.push(if year < 0 { b'-' } else { b'+' });
        push_digits(out, year.unsigned_abs().min(999_999) as u32, 6);
    }
}

/// Writes `YYYY-MM-DDTHH:MM:SS.mmmZ` (what JavaScript's `Date.prototype.toISOString` writes),
/// truncating microseconds to milliseconds.
pub fn write_iso_millis(out: &mut Vec<u8>, usec: i64) {
    let c = Civil::from_usec(usec);
    push_year(out, c.year);
    out.push(b'-');
    push_digits(out, c.month, 2);
    out.push(b'-');
    push_digits(out, c.day, 2);
    out.push(b'T');
    push_digits(out, c.hour, 2);
    out.push(b':');
    push_digits(out, c.minute, 2);
    out.push(b':');
    push_digits(out, c.second, 2);
    out.push(b'.');
    push_digits(out, c.micro / 1000, 3);
    out.push(b'Z');
}

/// [`write_iso_millis`] into a new `String`.
pub fn iso_millis(usec: i64) -> String {
    let mut out = Vec::with_capacity(24);
    write_iso_millis(&mut out, usec);
    String::from_utf8(out).unwrap_or_default()
}

/// Parses `YYYY-MM-DD` (UTC midnight) or `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z`,
/// `±HH:MM`, `±HHMM` or nothing (UTC). `t` and `z` are accepted in lower case, and a space may
/// stand for `T`. Fractions longer than microseconds are cut. Returns microseconds since the
/// epoch, or `None` for anything else (including out-of-range fields).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(i64::from(year), month) {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    if b.len() == 10 {
        return Some(days * SECS_PER_DAY * USEC_PER_SEC);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let mut i = 16;
    let mut second = 0;
    let mut micro = 0u32;
    if b.get(i) == Some(&b':') {
        second = num(i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                if i - start < 6 {
                    micro = micro * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            let digits = i - start;
            if digits == 0 {
                return None;
            }
            for _ in digits..6 {
                micro *= 10;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset_secs: i64 = match &b[i..] {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    let d = |c: &u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
                    (d(h1)? * 10 + d(h2)?, d(m1)? * 10 + d(m2)?)
                }
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    let secs =
        days * SECS_PER_DAY + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
            - offset_secs;
    Some(secs * USEC_PER_SEC + i64::from(micro))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_days() {
        for d in [-800_000i64, -1, 0, 1, 59, 365, 10_957, 19_000, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(iso_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso_millis(1_554_729_352_017_999),
            "2019-04-08T13:15:52.017Z"
        );
        assert_eq!(iso_millis(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn parses_forms() {
        let base = 1_554_729_352_000_000;
        assert_eq!(parse_datetime("2019-04-08T13:15:52Z"), Some(base));
        assert_eq!(parse_datetime("2019-04-08T13:15:52"), Some(base));
        assert_eq!(
            parse_datetime("2019-04-08T13:15:52.017Z"),
            Some(base + 17_000)
        );
        assert_eq!(
            parse_datetime("2019-04-08T13:15:52.0171239Z"),
            Some(base + 17_123)
        );
        assert_eq!(parse_datetime("2019-04-08T15:15:52+02:00"), Some(base));
        assert_eq!(parse_datetime("2019-04-08T15:15:52+0200"), Some(base));
        assert_eq!(parse_datetime("2019-04-08T13:15Z"), Some(base - 52_000_000));
        assert_eq!(parse_datetime("2019-04-08"), Some(1_554_681_600_000_000));
        for bad in [
            "",
            "2019",
            "2019-13-01",
            "2019-02-29",
            "2019-04-08T25:00Z",
            "2019-04-08T13:15:52.Z",
            "2019-04-08T13:15:52+2",
            "yesterday",
            "2019-04-08X",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
        assert_eq!(
            parse_datetime("2020-02-29T00:00:00Z"),
            Some(1_582_934_400_000_000)
        );
    }
}
