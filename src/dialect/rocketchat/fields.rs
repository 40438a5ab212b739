//! The Rocket.Chat field table, shared by the server face ([`super::encode`]) and the client
//! face ([`super::client`]): every key of a message, a user, a file and a page, the fixed
//! values written beside them, and the conversions between canonical values and their JSON
//! form. Both faces spell a key only through [`rc!`], so `Page → JSON → Page` cannot drift.
//!
//! [`rc!`] expands to a string literal, so the encoder's byte strings stay compile-time
//! constants: `member!(tmid)` is `b",\"tmid\":"`, exactly the bytes it wrote before.
//!
//! Conversions:
//! - dates: `YYYY-MM-DDTHH:MM:SS.mmmZ` (JavaScript's `toISOString`; years outside 0–9999 as
//!   `±YYYYYY`), UTC, milliseconds: [`write_date`] writes one from microseconds (cut to the
//!   millisecond, towards the past), [`parse_date`] reads it back exactly;
//! - ids are strings on both sides, unchanged; counts and sizes are non-negative integers
//!   (`u64` in the canonical model).

/// A key or fixed value of the Rocket.Chat JSON, as a string literal.
macro_rules! rc {
    // Message (spec §5), in output order.
    (id) => {
        "_id"
    };
    (t) => {
        "t"
    };
    (rid) => {
        "rid"
    };
    (tmid) => {
        "tmid"
    };
    (tshow) => {
        "tshow"
    };
    (msg) => {
        "msg"
    };
    (ts) => {
        "ts"
    };
    (u) => {
        "u"
    };
    (groupable) => {
        "groupable"
    };
    (updated_at) => {
        "_updatedAt"
    };
    (edited_at) => {
        "editedAt"
    };
    (edited_by) => {
        "editedBy"
    };
    (mentions) => {
        "mentions"
    };
    (channels) => {
        "channels"
    };
    (file) => {
        "file"
    };
    (files) => {
        "files"
    };
    (reactions) => {
        "reactions"
    };
    (replies) => {
        "replies"
    };
    (tcount) => {
        "tcount"
    };
    (tlm) => {
        "tlm"
    };
    // Users (`u`, `editedBy`, mentions) and files.
    (username) => {
        "username"
    };
    (name) => {
        "name"
    };
    (type_) => {
        "type"
    };
    (size) => {
        "size"
    };
    // The `type` of a mention of a user.
    (user_mention) => {
        "user"
    };
    // A reaction: `{"usernames":[..]}`; `names` (display names) when the server has them.
    (usernames) => {
        "usernames"
    };
    (names) => {
        "names"
    };
    // Pages.
    (messages) => {
        "messages"
    };
    (count) => {
        "count"
    };
    (offset) => {
        "offset"
    };
    (total) => {
        "total"
    };
    (success) => {
        "success"
    };
    (first_unread) => {
        "firstUnread"
    };
    (unread_not_loaded) => {
        "unreadNotLoaded"
    };
    // `me` and `rooms.info`.
    (room) => {
        "room"
    };
}

/// `"<key>":` as bytes.
macro_rules! field {
    ($k:tt) => {
        concat!("\"", $crate::dialect::rocketchat::fields::rc!($k), "\":").as_bytes()
    };
}

/// `,"<key>":` as bytes, optionally followed by a fixed value.
macro_rules! member {
    ($k:tt) => {
        concat!(",\"", $crate::dialect::rocketchat::fields::rc!($k), "\":").as_bytes()
    };
    ($k:tt, $value:literal) => {
        concat!(
            ",\"",
            $crate::dialect::rocketchat::fields::rc!($k),
            "\":",
            $value
        )
        .as_bytes()
    };
}

/// `{"<key>":` as bytes.
macro_rules! open {
    ($k:tt) => {
        concat!("{\"", $crate::dialect::rocketchat::fields::rc!($k), "\":").as_bytes()
    };
}

pub(crate) use {field, member, open, rc};

use crate::canonical::time::{days_from_civil, write_iso_millis};

/// The message keys the encoder writes itself, in output order; an extra field with one of
/// these names is dropped when the encoder already wrote that key.
pub const MESSAGE_KEYS: [&str; 20] = [
    rc!(id),
    rc!(t),
    rc!(rid),
    rc!(tmid),
    rc!(tshow),
    rc!(msg),
    rc!(ts),
    rc!(u),
    rc!(groupable),
    rc!(updated_at),
    rc!(edited_at),
    rc!(edited_by),
    rc!(mentions),
    rc!(channels),
    rc!(file),
    rc!(files),
    rc!(reactions),
    rc!(replies),
    rc!(tcount),
    rc!(tlm),
];

/// The bit of `key` in a mask over [`MESSAGE_KEYS`] (its position); a compile error for a key
/// outside the table.
pub const fn bit(key: &str) -> u32 {
    let mut i = 0;
    while i < MESSAGE_KEYS.len() {
        if str_eq(MESSAGE_KEYS[i], key) {
            return 1 << i;
        }
        i += 1;
    }
    panic!("not a message key")
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `key` is one of [`MESSAGE_KEYS`].
pub fn is_message_key(key: &str) -> bool {
    MESSAGE_KEYS.contains(&key)
}

/// Writes a date (unquoted): `YYYY-MM-DDTHH:MM:SS.mmmZ`, microseconds cut to milliseconds.
#[inline]
pub fn write_date(out: &mut Vec<u8>, usec: i64) {
    write_iso_millis(out, usec);
}

/// What a date keeps of a time in microseconds: the start of the millisecond it falls in.
/// `None` for the 808 microseconds at the bottom of the `i64` range, whose millisecond
/// starts below it (a date there is written but cannot be read back).
pub fn date_precision(usec: i64) -> Option<i64> {
    usec.div_euclid(1000).checked_mul(1000)
}

/// Reads a date as [`write_date`] writes it, exactly (`parse_date` of what `write_date`
/// wrote for `usec` is [`date_precision`]`(usec)`), including expanded years (`+275760-…`,
/// `-000001-…`). Other ISO 8601 forms a server may send are read by
/// [`crate::canonical::time::parse_datetime`]. `None` for anything else or a time outside
/// the `i64` microsecond range.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (year, rest) = match b.first() {
        Some(&sign @ (b'+' | b'-')) => {
            let digits = b.get(1..7)?;
            let y = i64::from(number(digits)?);
            (if sign == b'-' { -y } else { y }, &b[7..])
        }
        _ => {
            let Some(y) = b.get(..4).and_then(number) else {
                return crate::canonical::time::parse_datetime(s);
            };
            (i64::from(y), &b[4..])
        }
    };
    // -MM-DDTHH:MM:SS.mmmZ
    let [b'-', mo1, mo2, b'-', d1, d2, b'T', h1, h2, b':', mi1, mi2, b':', s1, s2, b'.', f1, f2, f3, b'Z'] =
        *rest
    else {
        return (b.first().is_some_and(u8::is_ascii_digit))
            .then(|| crate::canonical::time::parse_datetime(s))
            .flatten();
    };
    let two = |a: u8, b: u8| number(&[a, b]);
    let (month, day) = (two(mo1, mo2)?, two(d1, d2)?);
    let (hour, minute, second) = (two(h1, h2)?, two(mi1, mi2)?, two(s1, s2)?);
    let millis = number(&[f1, f2, f3])?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let secs = days_from_civil(year, month, day)
        .checked_mul(86_400)?
        .checked_add(i64::from(hour * 3600 + minute * 60 + second))?;
    secs.checked_mul(1_000_000)?
        .checked_add(i64::from(millis) * 1000)
}

/// The decimal value of ASCII digits (at most 9 of them).
fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests;
