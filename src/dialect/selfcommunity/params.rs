//! Parameter decoding the way Django and DRF read it (spec §3): last value wins,
//! `undefined` = empty = absent; DRF `IntegerField` for ids, Python `int()` with DRF's
//! fallbacks for `limit`/`offset`.
//!
//! The pairs are [`RequestView::pairs`](crate::dialect::RequestView::pairs): `&`-separated
//! fields, empty ones dropped, a bare `k` is `k=`, `+` and `%XX` decoded with invalid
//! sequences kept and invalid UTF-8 replaced, which is Python's
//! `parse_qsl(keep_blank_values=True)` with `unquote(errors="replace")`.

/// The value of `name` as Django's `QueryDict` gives it (last one wins), `None` when absent
/// in the spec's sense: missing, empty, or the literal `undefined`.
pub fn present<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    crate::dialect::last_value(pairs, name).filter(|v| !v.is_empty() && *v != "undefined")
}

/// Python's `str.strip()` whitespace (ASCII subset plus the common Unicode spaces).
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}')
}

/// Python `int(s)` for decimal strings: surrounding whitespace, one leading sign, digits with
/// single `_` between digits. Values beyond `i128` saturate (they are never valid ids and any
/// limit/offset that large behaves the same). `None` = `ValueError`.
pub fn py_int(s: &str) -> Option<i128> {
    let t = s.trim_matches(is_py_space);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let b = digits.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() || !b[b.len() - 1].is_ascii_digit() {
        return None;
    }
    let mut value: i128 = 0;
    let mut previous_underscore = false;
    for &c in b {
        match c {
            b'0'..=b'9' => {
                value = value
                    .saturating_mul(10)
                    .saturating_add(i128::from(c - b'0'));
                previous_underscore = false;
            }
            b'_' if !previous_underscore => previous_underscore = true,
            _ => return None,
        }
    }
    Some(if negative { -value } else { value })
}

/// DRF `IntegerField.to_internal_value`: strip `\.0*\s*$` (the first place it matches),
/// then `int()`. Strings longer than 1000 characters are invalid.
pub fn drf_integer(s: &str) -> Option<i128> {
    if s.chars().count() > 1000 {
        return None;
    }
    let mut cut = s.len();
    for (i, _) in s.match_indices('.') {
        let rest = s[i + 1..].trim_start_matches('0');
        if rest.chars().all(is_py_space) {
            cut = i;
            break;
        }
    }
    py_int(&s[..cut])
}

/// DRF `LimitOffsetPagination.get_limit`: a positive int, capped at `max`, else `default`.
pub fn limit(pairs: &[(String, String)], default: u32, max: u32) -> u32 {
    let last = pairs.iter().rev().find(|(k, _)| k == "limit");
    match last.and_then(|(_, v)| py_int(v)) {
        Some(n) if n > 0 => u32::try_from(n).unwrap_or(u32::MAX).min(max),
        _ => default,
    }
}

/// DRF `LimitOffsetPagination.get_offset`: an int ≥ 0, else 0.
pub fn offset(pairs: &[(String, String)]) -> u64 {
    let last = pairs.iter().rev().find(|(k, _)| k == "offset");
    match last.and_then(|(_, v)| py_int(v)) {
        Some(n) if n >= 0 => u64::try_from(n).unwrap_or(u64::MAX),
        _ => 0,
    }
}

/// The id parameters, in the order their errors are reported (spec §3).
pub const ID_PARAMS: [&str; 5] = ["thread", "user", "group", "before_message", "from_message"];

/// Reads the five id parameters; `Err` lists the invalid ones in report order.
pub fn ids(pairs: &[(String, String)]) -> Result<[Option<i128>; 5], Vec<&'static str>> {
    let mut values = [None; 5];
    let mut invalid = Vec::new();
    for (slot, name) in values.iter_mut().zip(ID_PARAMS) {
        if let Some(v) = present(pairs, name) {
            match drf_integer(v) {
                Some(n) => *slot = Some(n),
                None => invalid.push(name),
            }
        }
    }
    if invalid.is_empty() {
        Ok(values)
    } else {
        Err(invalid)
    }
}

#[cfg(test)]
mod tests;
